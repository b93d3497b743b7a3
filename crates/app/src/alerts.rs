//! Travel alerts: a report that a person sought by the Court will travel to a State, taken in
//! from a form, the API or the travel mailbox, triaged, matched to the person, and acted on
//! while there is still time: everything that decides what can be done is brought together
//! per destination, and the first documents are drafted for the officer.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use comity_domain::{
    access::{Action, Classification, RecordAccess, RecordKind, UnitKind},
    request::LineType,
    validation::FieldErrors,
    warrant::{
        days_to_arrival, name_agreement, name_key, AlertIntake, AlertMove as Move, AlertStatus, InformationCredibility,
        PersonStatus, SourceReliability, WarrantKind,
    },
};
use comity_store::{
    accounts,
    requests::{self as request_store},
    warrants::{self as store, Person, TravelAlert},
    Executor,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    mailbox::{self, MailboxConfig, ReportedTravel},
    partners::{classification_of, parse_date, split_list},
    requests::RequestSummary,
    trail::{self, Target},
    warrants::{arrest_request_input, warrant_access, ArrestRequestsInput},
    Actor, AppError, Comity, Result,
};

/// A travel report as a client sends it. A draft may be incomplete; confirming it needs the
/// person, a destination and the expected arrival.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AlertInput {
    /// The person, when known.
    pub person_id: Option<String>,
    /// The name as reported (required when no person is given).
    #[serde(default)]
    pub reported_name: String,
    /// Destination States (partner ids or ISO codes).
    #[serde(default)]
    pub destinations: Vec<String>,
    /// Expected arrival (YYYY-MM-DD); today or later.
    pub expected_from: Option<String>,
    /// Expected departure (YYYY-MM-DD).
    pub expected_to: Option<String>,
    /// Who reported it.
    #[serde(default)]
    pub source: String,
    /// A to F (default F: cannot be judged).
    pub source_reliability: Option<String>,
    /// 1 to 6 (default 6: cannot be judged).
    pub information_credibility: Option<String>,
    #[serde(default)]
    pub summary: String,
    /// Units (by name) that may see the alert besides yours.
    #[serde(default)]
    pub named_units: Vec<String>,
}

/// A change to an alert: the fields given replace the old ones.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AlertPatch {
    pub version: Option<i64>,
    pub person_id: Option<String>,
    pub reported_name: Option<String>,
    pub destinations: Option<Vec<String>>,
    pub expected_from: Option<String>,
    pub expected_to: Option<String>,
    pub source: Option<String>,
    pub source_reliability: Option<String>,
    pub information_credibility: Option<String>,
    pub summary: Option<String>,
}

/// Triage: confirm (needs person, destination and arrival), dismiss or close, with a note.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AlertMove {
    /// confirm, dismiss or close.
    pub action: String,
    /// Why it was dismissed, or what came of it.
    #[serde(default)]
    pub outcome: String,
    pub version: Option<i64>,
}

/// Asks for a prefilled request to one destination.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AlertRequestInput {
    pub partner_id: String,
    /// arrest_surrender (default) or provisional_arrest.
    pub line_type: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertSummary {
    pub id: String,
    pub person_id: Option<String>,
    pub person_name: Option<String>,
    pub reported_name: String,
    pub destinations: Vec<String>,
    pub destination_names: Vec<String>,
    pub expected_from: Option<NaiveDate>,
    pub expected_to: Option<NaiveDate>,
    /// Days left before arrival; negative once passed.
    pub days_to_arrival: Option<i64>,
    /// The grading, e.g. B2.
    pub grading: String,
    pub status: String,
    pub intake: String,
    pub created_on: NaiveDate,
    pub classification: String,
}

/// A person the reported name may be.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonMatch {
    pub person_id: String,
    pub name: String,
    /// The name or alias that matched.
    pub matched: String,
    /// Share of the shorter name's words found in the other (100 = all).
    pub agreement: u8,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FocalPointBrief {
    pub name: String,
    pub title: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mandates: Vec<String>,
}

/// Everything that decides what can be done in one destination.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DestinationBrief {
    pub partner_id: String,
    pub partner_name: String,
    /// Rome Statute status today: party, signatory, ...
    pub rome_statute: String,
    pub apic: String,
    /// Whether the State must arrest under Part 9 (a State Party).
    pub bound_by_part_9: bool,
    /// Art. 98 questions to settle before asking for the arrest.
    pub article_98: Vec<String>,
    /// What the State's law allows: implemented, partial, none or unknown.
    pub surrender_law: String,
    pub arrest_notes: String,
    /// Requests already sent to this State about the person.
    pub requests: Vec<RequestSummary>,
    pub focal_points: Vec<FocalPointBrief>,
    pub channel: Option<String>,
    pub receiving_authority: Option<String>,
    pub languages: Vec<String>,
    pub days_to_arrival: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    #[serde(flatten)]
    pub summary: AlertSummary,
    pub source: String,
    pub source_reliability: String,
    pub information_credibility: String,
    pub text: String,
    pub outcome: String,
    /// Whether the original e-mail is kept (download it from `/message`).
    pub has_message: bool,
    pub named_units: Vec<String>,
    /// Suggested persons, when none is set yet.
    pub matches: Vec<PersonMatch>,
    /// Per destination, for a confirmed alert about a known person.
    pub briefs: Vec<DestinationBrief>,
    pub allowed_moves: Vec<String>,
    pub version: i64,
}

/// A prefilled document for one destination.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftText {
    pub partner_id: String,
    pub title: String,
    pub text: String,
}

/// The drafts one click away on a confirmed alert.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertDrafts {
    /// A note verbale reminding each destination of its duty.
    pub notes_verbales: Vec<DraftText>,
    /// A notice to the Assembly's focal points on non-cooperation, per destination.
    pub assembly_notices: Vec<DraftText>,
    /// The request each destination would receive (create it with `POST .../requests`).
    pub requests: Vec<DraftText>,
}

/// What one poll of the travel mailbox did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct MailboxPoll {
    pub fetched: usize,
    pub created: Vec<String>,
    /// Messages already taken in (same Message-ID).
    pub duplicates: usize,
    /// Messages that could not be read, with why; they are left marked read in the mailbox.
    pub unreadable: Vec<String>,
}

pub(crate) fn alert_access(a: &TravelAlert) -> RecordAccess {
    let mut r = RecordAccess::new(RecordKind::TravelAlert, classification_of(&a.classification));
    r.owner_unit = Some(a.owner_unit_id.clone());
    r.shared_with(split_list(&a.named_units))
}

fn tracks_alerts(kind: UnitKind) -> bool {
    matches!(kind, UnitKind::Registry | UnitKind::Otp)
}

fn grading(a: &TravelAlert) -> String {
    format!("{}{}", a.source_reliability, a.information_credibility)
}

fn moves(a: &TravelAlert) -> Vec<&'static str> {
    AlertStatus::parse(&a.status).map(|s| s.moves().iter().map(|m| m.code()).collect()).unwrap_or_default()
}

/// What every destination's brief shares about the person sought.
struct SoughtPerson {
    /// The art. 98(1) question, when the person is a national of a State not party.
    immunity: Option<String>,
    requests: Vec<RequestSummary>,
}

/// Validated alert fields.
struct Checked {
    person: Option<Option<Person>>,
    reported_name: Option<String>,
    destinations: Option<Vec<String>>,
    expected_from: Option<Option<NaiveDate>>,
    expected_to: Option<Option<NaiveDate>>,
    source: Option<String>,
    reliability: Option<SourceReliability>,
    credibility: Option<InformationCredibility>,
    summary: Option<String>,
}

impl Comity {
    /// Whether the actor's unit takes in travel reports.
    pub fn may_track_alerts(&self, actor: &Actor) -> bool {
        tracks_alerts(actor.principal.unit_kind) && actor.may(Action::Create, &self.blank_alert(actor))
    }

    fn blank_alert(&self, actor: &Actor) -> RecordAccess {
        let mut r = RecordAccess::new(RecordKind::TravelAlert, Classification::ExParte);
        r.owner_unit = Some(actor.principal.unit_id.clone());
        r
    }

    /// Checks what a client sent; `None` fields were not given.
    #[allow(clippy::too_many_arguments)]
    async fn check_alert(
        &self,
        ex: &mut impl Executor,
        actor: &Actor,
        e: &mut FieldErrors,
        person_id: Option<&str>,
        reported_name: Option<&str>,
        destinations: Option<&[String]>,
        expected_from: Option<&str>,
        expected_to: Option<&str>,
        source: Option<&str>,
        reliability: Option<&str>,
        credibility: Option<&str>,
        summary: Option<&str>,
    ) -> Result<Checked> {
        let today = self.today();
        let person = match person_id.map(str::trim) {
            Some("") => Some(None),
            Some(id) => match store::person(ex, id).await? {
                Some(p) if self.person_visible(ex, actor, &p.id).await? => Some(Some(p)),
                _ => {
                    e.add("person_id", format!("no such person '{id}'"));
                    None
                }
            },
            None => None,
        };
        let reported_name = reported_name.map(|n| {
            let n = n.trim().to_owned();
            if n.chars().count() > 300 {
                e.add("reported_name", "must be at most 300 characters");
            }
            n
        });
        let destinations = match destinations {
            Some(list) => {
                let mut ids = Vec::new();
                for key in list.iter().filter(|k| !k.trim().is_empty()) {
                    if let Some(id) = self.resolve_partner(ex, e, "destinations", key).await {
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                }
                Some(ids)
            }
            None => None,
        };
        let date = |e: &mut FieldErrors, field: &str, v: Option<&str>| -> Option<Option<NaiveDate>> {
            v.map(|v| if v.trim().is_empty() { None } else { parse_date(e, field, v.trim()) })
        };
        let expected_from = date(e, "expected_from", expected_from);
        let expected_to = date(e, "expected_to", expected_to);
        if let Some(Some(d)) = expected_from {
            if d < today {
                e.add(
                    "expected_from",
                    format!("the arrival date {d} is in the past; a journey already made is not an alert"),
                );
            }
        }
        if let Some(Some(d)) = expected_to {
            if d < today {
                e.add("expected_to", format!("the departure date {d} is in the past"));
            }
            if let Some(Some(from)) = expected_from {
                if d < from {
                    e.add("expected_to", "cannot be before the expected arrival");
                }
            }
        }
        let source = source.map(|s| {
            let s = s.trim().to_owned();
            if s.chars().count() > 500 {
                e.add("source", "must be at most 500 characters");
            }
            s
        });
        let reliability = reliability
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .and_then(|r| e.code::<SourceReliability>("source_reliability", &r.to_uppercase()));
        let credibility = credibility
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .and_then(|r| e.code::<InformationCredibility>("information_credibility", r));
        let summary = summary.map(|s| {
            let s = s.trim().to_owned();
            if s.chars().count() > 20_000 {
                e.add("summary", "must be at most 20000 characters");
            }
            s
        });
        Ok(Checked {
            person,
            reported_name,
            destinations,
            expected_from,
            expected_to,
            source,
            reliability,
            credibility,
            summary,
        })
    }

    /// Takes in a travel report as a draft for triage.
    pub async fn report_travel(&self, actor: &Actor, input: &AlertInput, intake: AlertIntake) -> Result<AlertView> {
        if !tracks_alerts(actor.principal.unit_kind) {
            return Err(AppError::Forbidden);
        }
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let mut e = FieldErrors::new();
        let c = self
            .check_alert(
                &mut tx,
                actor,
                &mut e,
                input.person_id.as_deref(),
                Some(&input.reported_name),
                Some(&input.destinations),
                Some(input.expected_from.as_deref().unwrap_or_default()),
                Some(input.expected_to.as_deref().unwrap_or_default()),
                Some(&input.source),
                input.source_reliability.as_deref(),
                input.information_credibility.as_deref(),
                Some(&input.summary),
            )
            .await?;
        let person = c.person.flatten();
        let reported_name = c.reported_name.unwrap_or_default();
        if person.is_none() && reported_name.is_empty() && !e.0.contains_key("person_id") {
            e.add("reported_name", "name the person reported, or choose a known person (person_id)");
        }
        let named = self.unit_ids(&mut tx, &mut e, "named_units", &input.named_units).await;
        e.into_result()?;
        let a = TravelAlert {
            id: comity_store::new_id(),
            person_id: person.as_ref().map(|p| p.id.clone()),
            reported_name: if reported_name.is_empty() {
                person.as_ref().map(|p| p.name.clone()).unwrap_or_default()
            } else {
                reported_name
            },
            destinations: c.destinations.unwrap_or_default().join(","),
            expected_from: c.expected_from.flatten(),
            expected_to: c.expected_to.flatten(),
            source: c.source.unwrap_or_default(),
            source_reliability: c.reliability.unwrap_or(SourceReliability::F).code().into(),
            information_credibility: c.credibility.unwrap_or(InformationCredibility::CannotBeJudged).code().into(),
            status: AlertStatus::Draft.code().into(),
            intake: intake.code().into(),
            summary: c.summary.unwrap_or_default(),
            outcome: String::new(),
            message_id: None,
            message_sha256: None,
            classification: Classification::ExParte.code().into(),
            owner_unit_id: actor.principal.unit_id.clone(),
            named_units: named.join(","),
            created_by: actor.audit_id().to_owned(),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        actor.check(Action::Create, &alert_access(&a)).map_err(crate::partners::refused_creation)?;
        store::insert_alert(&mut tx, &a).await?;
        trail::record(
            &mut tx,
            now,
            actor,
            "alert.create",
            Target::new(RecordKind::TravelAlert, &a.id, Classification::ExParte),
            serde_json::json!({ "intake": a.intake }),
        )
        .await?;
        tx.commit().await?;
        self.alert(actor, &a.id).await
    }

    async fn visible_alert(
        &self,
        ex: &mut impl Executor,
        actor: &Actor,
        id: &str,
        action: Action,
    ) -> Result<TravelAlert> {
        let a = store::alert(ex, id).await?.ok_or(AppError::NotFound)?;
        actor.check(Action::Read, &alert_access(&a))?;
        if action != Action::Read {
            actor.check(action, &alert_access(&a))?;
        }
        Ok(a)
    }

    /// Edits an alert during triage or while it is acted on.
    pub async fn update_alert(&self, actor: &Actor, id: &str, patch: &AlertPatch) -> Result<AlertView> {
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let mut a = self.visible_alert(&mut tx, actor, id, Action::Update).await?;
        if moves(&a).is_empty() {
            return Err(AppError::Conflict(format!("the alert is {} and can no longer change", a.status)));
        }
        let mut e = FieldErrors::new();
        let c = self
            .check_alert(
                &mut tx,
                actor,
                &mut e,
                patch.person_id.as_deref(),
                patch.reported_name.as_deref(),
                patch.destinations.as_deref(),
                patch.expected_from.as_deref(),
                patch.expected_to.as_deref(),
                patch.source.as_deref(),
                patch.source_reliability.as_deref(),
                patch.information_credibility.as_deref(),
                patch.summary.as_deref(),
            )
            .await?;
        e.into_result()?;
        AppError::check_version(patch.version, a.version)?;
        if let Some(p) = c.person {
            a.person_id = p.map(|p| p.id);
        }
        if let Some(n) = c.reported_name.filter(|n| !n.is_empty()) {
            a.reported_name = n;
        }
        if let Some(d) = c.destinations {
            a.destinations = d.join(",");
        }
        if let Some(d) = c.expected_from {
            a.expected_from = d;
        }
        if let Some(d) = c.expected_to {
            a.expected_to = d;
        }
        if let (Some(from), Some(to)) = (a.expected_from, a.expected_to) {
            if to < from {
                return Err(AppError::field("expected_to", "cannot be before the expected arrival"));
            }
        }
        if let Some(s) = c.source {
            a.source = s;
        }
        if let Some(r) = c.reliability {
            a.source_reliability = r.code().into();
        }
        if let Some(r) = c.credibility {
            a.information_credibility = r.code().into();
        }
        if let Some(s) = c.summary {
            a.summary = s;
        }
        self.save_alert(&mut tx, actor, &mut a, "alert.update", now).await?;
        tx.commit().await?;
        self.alert(actor, id).await
    }

    async fn save_alert(
        &self,
        tx: &mut comity_store::Tx,
        actor: &Actor,
        a: &mut TravelAlert,
        action: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let read = a.version;
        a.updated_at = now;
        if !store::update_alert(tx, a, read).await? {
            return Err(AppError::StaleVersion { current: read + 1 });
        }
        a.version = read + 1;
        trail::record(
            tx,
            now,
            actor,
            action,
            Target::new(RecordKind::TravelAlert, &a.id, classification_of(&a.classification)),
            serde_json::json!({ "status": a.status }),
        )
        .await
    }

    /// Confirms, dismisses or closes an alert.
    pub async fn move_alert(&self, actor: &Actor, id: &str, input: &AlertMove) -> Result<AlertView> {
        let now = self.clock.now();
        let today = self.today();
        let mut tx = self.db.write().await?;
        let mut a = self.visible_alert(&mut tx, actor, id, Action::Update).await?;
        let action = input.action.trim();
        let current = AlertStatus::parse(&a.status).unwrap_or(AlertStatus::Closed);
        let Some((m, next)) = Move::parse(action).and_then(|m| current.after(m).map(|n| (m, n))) else {
            return Err(AppError::InvalidTransition {
                from: a.status.clone(),
                attempted: action.to_owned(),
                allowed: moves(&a).iter().map(|m| (*m).to_owned()).collect(),
            });
        };
        AppError::check_version(input.version, a.version)?;
        let mut e = FieldErrors::new();
        match m {
            Move::Confirm => {
                if a.person_id.is_none() {
                    e.add("person_id", "choose the person before confirming");
                }
                if a.destinations.is_empty() {
                    e.add("destinations", "name at least one destination before confirming");
                }
                match a.expected_from {
                    None => e.add("expected_from", "give the expected arrival before confirming"),
                    Some(d) if d < today => e.add("expected_from", format!("the arrival date {d} is in the past")),
                    Some(_) => {}
                }
            }
            Move::Dismiss if input.outcome.trim().is_empty() => e.add("outcome", "say why the alert is dismissed"),
            Move::Close if input.outcome.trim().is_empty() => e.add("outcome", "say what came of it"),
            _ => {}
        }
        a.status = next.code().into();
        if input.outcome.chars().count() > 5_000 {
            e.add("outcome", "must be at most 5000 characters");
        }
        e.into_result()?;
        if !input.outcome.trim().is_empty() {
            a.outcome = input.outcome.trim().to_owned();
        }
        self.save_alert(&mut tx, actor, &mut a, &format!("alert.{action}"), now).await?;
        tx.commit().await?;
        self.alert(actor, id).await
    }

    /// The alert board: alerts the actor may see, the soonest arrival first, then drafts.
    pub async fn list_alerts(&self, actor: &Actor, status: Option<&str>) -> Result<Vec<AlertSummary>> {
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(
                AlertStatus::parse(s)
                    .ok_or_else(|| AppError::field("status", "must be one of: draft, confirmed, dismissed, closed"))?,
            ),
            None => None,
        };
        let mut c = self.db.read().await?;
        let alerts: Vec<TravelAlert> = store::alerts(&mut c)
            .await?
            .into_iter()
            .filter(|a| actor.may(Action::Read, &alert_access(a)))
            .filter(|a| status.is_none_or(|s| a.status == s.code()))
            .collect();
        let mut out = self.summaries(&mut c, &alerts).await?;
        drop(c);
        // Sorted by days to arrival: what is about to happen first; past and undated last.
        out.sort_by_key(|a| match a.days_to_arrival {
            Some(d) if d >= 0 => (0, d),
            Some(d) => (1, -d),
            None => (2, 0),
        });
        let disclosed: Vec<(&str, &str)> = out.iter().map(|a| (a.id.as_str(), a.classification.as_str())).collect();
        self.audit_reads(actor, "alert.list", RecordKind::TravelAlert, &disclosed).await?;
        Ok(out)
    }

    /// The alerts about a person, for the person's page.
    pub async fn alerts_about(&self, actor: &Actor, person_id: &str) -> Result<Vec<AlertSummary>> {
        let mut c = self.db.read().await?;
        let alerts: Vec<TravelAlert> = store::alerts(&mut c)
            .await?
            .into_iter()
            .filter(|a| a.person_id.as_deref() == Some(person_id) && actor.may(Action::Read, &alert_access(a)))
            .collect();
        self.summaries(&mut c, &alerts).await
    }

    async fn summaries(&self, ex: &mut impl Executor, alerts: &[TravelAlert]) -> Result<Vec<AlertSummary>> {
        let today = self.today();
        let mut ids: Vec<String> = alerts.iter().flat_map(|a| split_list(&a.destinations)).collect();
        ids.sort();
        ids.dedup();
        let names: BTreeMap<String, String> =
            comity_store::partners::names(ex, &ids).await?.into_iter().map(|(id, n, _)| (id, n)).collect();
        let persons: BTreeMap<String, String> = store::persons(ex).await?.into_iter().map(|p| (p.id, p.name)).collect();
        Ok(alerts
            .iter()
            .map(|a| {
                let destinations = split_list(&a.destinations);
                AlertSummary {
                    id: a.id.clone(),
                    person_id: a.person_id.clone(),
                    person_name: a.person_id.as_ref().and_then(|p| persons.get(p).cloned()),
                    reported_name: a.reported_name.clone(),
                    destination_names: destinations
                        .iter()
                        .map(|d| names.get(d).cloned().unwrap_or(d.clone()))
                        .collect(),
                    destinations,
                    expected_from: a.expected_from,
                    expected_to: a.expected_to,
                    days_to_arrival: a.expected_from.map(|d| days_to_arrival(d, today)),
                    grading: grading(a),
                    status: a.status.clone(),
                    intake: a.intake.clone(),
                    created_on: a.created_at.date_naive(),
                    classification: a.classification.clone(),
                }
            })
            .collect())
    }

    /// An alert with its suggested persons and, per destination, what decides the action.
    pub async fn alert(&self, actor: &Actor, id: &str) -> Result<AlertView> {
        let mut c = self.db.read().await?;
        let a = self.visible_alert(&mut c, actor, id, Action::Read).await?;
        let summary = self.summaries(&mut c, std::slice::from_ref(&a)).await?.into_iter().next();
        let named_units = self.unit_names(&mut c, &split_list(&a.named_units)).await?;
        let matches = if a.person_id.is_none() { self.person_matches(&mut c, actor, &a).await? } else { Vec::new() };
        drop(c);
        let Some(summary) = summary else {
            return Err(AppError::Internal("an alert without its summary".into()));
        };
        let briefs = match (&a.person_id, AlertStatus::parse(&a.status)) {
            (Some(person), Some(AlertStatus::Confirmed | AlertStatus::Draft)) => {
                let sought = self.sought_person(actor, person).await?;
                let mut out = Vec::new();
                for d in split_list(&a.destinations) {
                    out.push(self.destination_brief(actor, &sought, &d, summary.days_to_arrival).await?);
                }
                out
            }
            _ => Vec::new(),
        };
        let may_write = actor.may(Action::Update, &alert_access(&a));
        self.audit_reads(actor, "alert.read", RecordKind::TravelAlert, &[(&a.id, &a.classification)]).await?;
        Ok(AlertView {
            summary,
            source: a.source.clone(),
            source_reliability: a.source_reliability.clone(),
            information_credibility: a.information_credibility.clone(),
            text: a.summary.clone(),
            outcome: a.outcome.clone(),
            has_message: a.message_sha256.is_some(),
            named_units,
            matches,
            briefs,
            allowed_moves: if may_write { moves(&a).into_iter().map(str::to_owned).collect() } else { Vec::new() },
            version: a.version,
        })
    }

    /// Persons whose name or alias may be the reported one, best first. Only persons the actor
    /// may see are suggested.
    async fn person_matches(&self, ex: &mut impl Executor, actor: &Actor, a: &TravelAlert) -> Result<Vec<PersonMatch>> {
        let reported = name_key(&a.reported_name);
        if reported.is_empty() {
            return Ok(Vec::new());
        }
        let visible: std::collections::BTreeSet<String> = store::warrants(ex)
            .await?
            .into_iter()
            .filter(|w| actor.may(Action::Read, &warrant_access(w)))
            .map(|w| w.person_id)
            .collect();
        let mut out = Vec::new();
        for p in store::persons(ex).await?.into_iter().filter(|p| visible.contains(&p.id)) {
            let aliases: Vec<String> = serde_json::from_str(&p.aliases).unwrap_or_default();
            let best = std::iter::once(p.name.clone())
                .chain(aliases)
                .map(|n| {
                    let key = name_key(&n);
                    let agreement = if reported.len().min(key.len()) >= 2 || reported.len() == key.len() {
                        name_agreement(&reported, &key)
                    } else {
                        0
                    };
                    (agreement, n)
                })
                .max_by_key(|(g, _)| *g);
            if let Some((agreement, matched)) = best.filter(|(g, _)| *g >= 50) {
                out.push(PersonMatch { person_id: p.id.clone(), name: p.name.clone(), matched, agreement });
            }
        }
        out.sort_by(|a, b| b.agreement.cmp(&a.agreement).then(a.name.cmp(&b.name)));
        out.truncate(5);
        Ok(out)
    }

    /// What the briefs share about the person, read once per alert: the requests already sent
    /// under their warrants (those the actor may see) and the art. 98(1) question their
    /// nationality raises.
    async fn sought_person(&self, actor: &Actor, person_id: &str) -> Result<SoughtPerson> {
        let mut c = self.db.read().await?;
        let person = store::person(&mut c, person_id).await?.ok_or(AppError::NotFound)?;
        let mut request_ids = Vec::new();
        for w in store::warrants(&mut c).await? {
            if w.person_id == person_id && actor.may(Action::Read, &warrant_access(&w)) {
                request_ids.extend(store::requests_of_warrant(&mut c, &w.id).await?);
            }
        }
        let immunity = match (&person.nationality, self.nationality_of(&mut c, &person).await?) {
            (Some(id), Some(name)) if !self.states_parties_on(&mut c, self.today()).await?.contains(id) => {
                Some(format!(
                    "{} is a national of {name}, not a State Party: if the person holds office there, \
                 immunities under art. 98(1) may be raised; consider asking {name} for a waiver.",
                    person.name
                ))
            }
            _ => None,
        };
        drop(c);
        let mut requests = Vec::new();
        for id in request_ids {
            if let Ok(r) = self.request_summary(actor, &id).await {
                requests.push(r);
            }
        }
        Ok(SoughtPerson { immunity, requests })
    }

    async fn destination_brief(
        &self,
        actor: &Actor,
        sought: &SoughtPerson,
        partner_id: &str,
        days: Option<i64>,
    ) -> Result<DestinationBrief> {
        let partner = self.partner(actor, partner_id).await?;
        let focal_points = self.focal_points(actor, partner_id).await.unwrap_or_default();
        let (surrender_law, arrest_notes) = store::arrest_law(&mut self.db.read().await?, partner_id)
            .await?
            .unwrap_or_else(|| ("unknown".into(), String::new()));
        let requests: Vec<RequestSummary> =
            sought.requests.iter().filter(|r| r.partner_id == partner_id).cloned().collect();
        let mut article_98: Vec<String> = sought.immunity.iter().cloned().collect();
        let bound = partner.summary.rome_statute == "party";
        if arrest_notes.to_lowercase().contains("98") {
            article_98.push(arrest_notes.clone());
        }
        if requests.iter().any(|r| r.line_types.iter().any(|t| t.starts_with("article_98"))) {
            article_98.push("A request for a waiver or consent under art. 98 is already on file.".into());
        }
        let profile = partner.current_profile.clone();
        Ok(DestinationBrief {
            partner_id: partner.summary.id.clone(),
            partner_name: partner.summary.name.clone(),
            rome_statute: partner.summary.rome_statute.clone(),
            apic: partner.summary.apic.clone(),
            bound_by_part_9: bound,
            article_98,
            surrender_law,
            arrest_notes,
            requests,
            focal_points: focal_points
                .into_iter()
                .filter(|f| f.active)
                .map(|f| FocalPointBrief {
                    name: f.name,
                    title: f.title,
                    email: f.email,
                    phone: f.phone,
                    mandates: f.mandates,
                })
                .collect(),
            channel: profile.as_ref().map(|p| p.channel.clone()),
            receiving_authority: profile.as_ref().map(|p| p.receiving_authority.clone()),
            languages: profile.map(|p| p.languages).unwrap_or_default(),
            days_to_arrival: days,
        })
    }

    /// The drafts one click away: a note verbale, an Assembly notice and the request, per
    /// destination of a confirmed alert.
    pub async fn alert_drafts(&self, actor: &Actor, id: &str) -> Result<AlertDrafts> {
        let view = self.alert(actor, id).await?;
        if view.summary.status != AlertStatus::Confirmed.code() {
            return Err(AppError::Conflict("drafts are prepared once the alert is confirmed".into()));
        }
        let mut c = self.db.read().await?;
        let a = self.visible_alert(&mut c, actor, id, Action::Read).await?;
        let (person, warrant) = self.sought_under(&mut c, actor, &a).await?;
        let nationality = self.nationality_of(&mut c, &person).await?;
        drop(c);
        let when = view.summary.expected_from.map(|d| d.to_string()).unwrap_or_else(|| "the coming days".into());
        let mut drafts = AlertDrafts { notes_verbales: Vec::new(), assembly_notices: Vec::new(), requests: Vec::new() };
        for b in &view.briefs {
            let duty = if b.bound_by_part_9 {
                format!(
                    "The Registry recalls that, as a State Party to the Rome Statute, {} is under an obligation \
                     under articles 86 and 89 of the Statute to arrest {} and surrender that person to the Court.",
                    b.partner_name, person.name
                )
            } else {
                format!(
                    "The Registry respectfully invites {} to cooperate with the Court, in accordance with any \
                     obligation arising from a resolution of the Security Council or from its own declaration or \
                     arrangement with the Court, by arresting {} and surrendering that person to the Court.",
                    b.partner_name, person.name
                )
            };
            drafts.notes_verbales.push(DraftText {
                partner_id: b.partner_id.clone(),
                title: format!("Note verbale to {}: expected visit of {}", b.partner_name, person.name),
                text: format!(
                    "The Registry of the International Criminal Court presents its compliments to {authority} of \
                     {state} and has the honour to refer to the warrant of arrest {reference} issued by {chamber} \
                     on {issued} against {name}.\n\nThe Court has received information that {name} may travel to \
                     the territory of {state} on or about {when}.\n\n{duty}\n\nThe Registry stands ready to consult \
                     without delay on any question that may impede or prevent the execution of the request, and to \
                     transmit any document the competent authorities may need.\n\nThe Registry of the International \
                     Criminal Court avails itself of this opportunity to renew to {authority} of {state} the \
                     assurances of its highest consideration.",
                    authority =
                        b.receiving_authority.clone().unwrap_or_else(|| "the Ministry of Foreign Affairs".into()),
                    state = b.partner_name,
                    reference = warrant.reference,
                    chamber = warrant.chamber,
                    issued = warrant.issued_on,
                    name = person.name,
                ),
            });
            drafts.assembly_notices.push(DraftText {
                partner_id: b.partner_id.clone(),
                title: format!("Notice to the Assembly's focal points on non-cooperation: {}", b.partner_name),
                text: format!(
                    "To the President of the Assembly of States Parties and the focal points on non-cooperation.\n\n\
                     The Registry informs you, under the Assembly procedures relating to non-cooperation, of a \
                     possible instance of non-cooperation concerning arrest and surrender: {name}, subject to the \
                     warrant of arrest {reference}, may travel to {state} on or about {when}. {party}\n\nUrgent \
                     action may still secure cooperation; the Registry has reminded {state} of its obligations.",
                    name = person.name,
                    reference = warrant.reference,
                    state = b.partner_name,
                    party = if b.bound_by_part_9 {
                        format!("{} is a State Party.", b.partner_name)
                    } else {
                        format!("{} is not a State Party.", b.partner_name)
                    },
                ),
            });
            let input = arrest_request_input(
                &warrant,
                &person,
                nationality.as_deref(),
                LineType::ArrestSurrender,
                &b.partner_id,
                "chamber",
                &ArrestRequestsInput {
                    probable_location: format!("Expected in {} on or about {when}", b.partner_name),
                    ..Default::default()
                },
            );
            drafts.requests.push(DraftText {
                partner_id: b.partner_id.clone(),
                title: input.title.clone(),
                text: input
                    .lines
                    .first()
                    .map(|l| l.content.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default(),
            });
        }
        Ok(drafts)
    }

    /// The person an alert is about and the arrest warrant they are sought under.
    async fn sought_under(
        &self,
        ex: &mut impl Executor,
        actor: &Actor,
        a: &TravelAlert,
    ) -> Result<(Person, comity_store::warrants::Warrant)> {
        let person_id = a.person_id.clone().ok_or_else(|| AppError::field("person_id", "choose the person first"))?;
        let person = store::person(ex, &person_id).await?.ok_or(AppError::NotFound)?;
        let warrant = store::warrants(ex)
            .await?
            .into_iter()
            .filter(|w| w.person_id == person_id && w.kind == WarrantKind::ArrestWarrant.code())
            .filter(|w| actor.may(Action::Read, &warrant_access(w)))
            .max_by_key(|w| (w.status == PersonStatus::AtLarge.code(), w.issued_on))
            .ok_or_else(|| {
                AppError::Conflict(format!("{} is not sought under an arrest warrant you may see", person.name))
            })?;
        Ok((person, warrant))
    }

    /// Drafts the request for arrest to one destination of a confirmed alert, under the
    /// warrant the person is sought under.
    pub async fn alert_request(&self, actor: &Actor, id: &str, input: &AlertRequestInput) -> Result<RequestSummary> {
        let mut c = self.db.read().await?;
        let a = self.visible_alert(&mut c, actor, id, Action::Update).await?;
        if a.status != AlertStatus::Confirmed.code() {
            return Err(AppError::Conflict("requests are drafted once the alert is confirmed".into()));
        }
        let (_, warrant) = self.sought_under(&mut c, actor, &a).await?;
        let mut e = FieldErrors::new();
        let partner = self.resolve_partner(&mut c, &mut e, "partner_id", &input.partner_id).await;
        drop(c);
        e.into_result()?;
        let Some(partner) = partner else {
            return Err(AppError::Internal("validated partner missing".into()));
        };
        if !split_list(&a.destinations).contains(&partner) {
            return Err(AppError::field("partner_id", "is not a destination of this alert"));
        }
        let expected = a.expected_from.map(|d| d.to_string()).unwrap_or_default();
        let created = self
            .send_arrest_requests(
                actor,
                &warrant.id,
                &ArrestRequestsInput {
                    line_type: input.line_type.clone(),
                    partner_ids: vec![partner],
                    probable_location: format!("Expected on the territory on or about {expected} (travel alert)"),
                    deadline: a.expected_from.map(|d| d.to_string()),
                    urgency: Some("urgent".into()),
                    ..Default::default()
                },
            )
            .await?;
        created.into_iter().next().ok_or_else(|| AppError::Internal("no request was drafted".into()))
    }

    /// The original e-mail of an alert that came through the mailbox.
    pub async fn alert_message(&self, actor: &Actor, id: &str) -> Result<Vec<u8>> {
        let mut c = self.db.read().await?;
        let a = self.visible_alert(&mut c, actor, id, Action::Read).await?;
        let sha = a.message_sha256.ok_or(AppError::NotFound)?;
        request_store::blob(&mut c, &sha).await?.ok_or(AppError::NotFound)
    }

    /// The unit that triages reports arriving by e-mail: the configured one, or the first
    /// office of the Prosecutor.
    async fn mailbox_unit(&self, ex: &mut impl Executor) -> Result<accounts::Unit> {
        if let Some(name) = &self.settings.travel_alert_unit {
            return accounts::unit_by_name(ex, name)
                .await?
                .ok_or_else(|| AppError::Unavailable(format!("the travel-alert unit '{name}' does not exist")));
        }
        accounts::first_unit_of_kind(ex, UnitKind::Otp.code())
            .await?
            .ok_or_else(|| AppError::Unavailable("no office of the Prosecutor exists to triage travel reports".into()))
    }

    /// Takes in one raw e-mail as a draft alert, keeping the original. A message already taken
    /// in (same Message-ID) gives back its alert id and `false`.
    pub async fn take_in_report(&self, raw: &[u8]) -> Result<(String, bool)> {
        let report = mailbox::parse_report(raw).map_err(|e| AppError::field("message", e.to_string()))?;
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        if let Some(a) = store::alert_by_message_id(&mut tx, &report.message_id).await? {
            return Ok((a.id, false));
        }
        let unit = self.mailbox_unit(&mut tx).await?;
        let sha = crate::documents::sha256_hex(raw);
        request_store::put_blob(&mut tx, &sha, raw, now).await?;
        let a = draft_from_report(&report, &unit.id, &sha, now);
        store::insert_alert(&mut tx, &a).await?;
        trail::record(
            &mut tx,
            now,
            &Actor::service("mailbox"),
            "alert.create",
            Target::new(RecordKind::TravelAlert, &a.id, Classification::ExParte),
            serde_json::json!({ "intake": "mailbox" }),
        )
        .await?;
        tx.commit().await?;
        Ok((a.id, true))
    }

    /// Takes in a raw e-mail handed over by an officer (a report forwarded outside the
    /// mailbox), as the mailbox would.
    pub async fn submit_report_message(&self, actor: &Actor, raw: &[u8]) -> Result<AlertView> {
        if !tracks_alerts(actor.principal.unit_kind) || !actor.may(Action::Create, &self.blank_alert(actor)) {
            return Err(AppError::Forbidden);
        }
        let (id, _) = self.take_in_report(raw).await?;
        self.alert(actor, &id)
            .await
            .or(Err(AppError::Conflict("the report was taken in for the unit that triages the travel mailbox".into())))
    }

    /// Polls the travel mailbox once: every unread message becomes a draft alert, and is
    /// marked read only after its alert is stored.
    pub async fn poll_travel_mailbox(&self) -> Result<MailboxPoll> {
        let Some(cfg) = self.settings.travel_mailbox.clone() else {
            return Ok(MailboxPoll::default());
        };
        self.poll_mailbox(&cfg).await
    }

    pub async fn poll_mailbox(&self, cfg: &MailboxConfig) -> Result<MailboxPoll> {
        let fetched = mailbox::fetch_unseen(cfg).await.map_err(|e| AppError::Unavailable(e.to_string()))?;
        let mut poll = MailboxPoll { fetched: fetched.len(), ..Default::default() };
        let mut done = Vec::new();
        for m in fetched {
            match self.take_in_report(&m.raw).await {
                Ok((id, true)) => poll.created.push(id),
                Ok((_, false)) => poll.duplicates += 1,
                Err(AppError::Validation(e)) => {
                    let why = e.0.values().cloned().collect::<Vec<_>>().join("; ");
                    tracing::warn!(uid = m.uid, problem = %why, "a travel report could not be read");
                    poll.unreadable.push(format!("message {}: {why}", m.uid));
                }
                Err(other) => return Err(other),
            }
            done.push(m.uid);
        }
        if !done.is_empty() {
            mailbox::mark_seen(cfg, &done).await.map_err(|e| AppError::Unavailable(e.to_string()))?;
        }
        Ok(poll)
    }
}

/// A draft alert from a report: the sender is the source, the subject the reported name (to
/// be corrected in triage), and the grading "cannot be judged" until someone judges it.
fn draft_from_report(
    report: &ReportedTravel,
    unit_id: &str,
    sha: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> TravelAlert {
    TravelAlert {
        id: comity_store::new_id(),
        person_id: None,
        reported_name: report.subject.chars().take(300).collect(),
        destinations: String::new(),
        expected_from: None,
        expected_to: None,
        source: format!("e-mail from {}", report.from).chars().take(500).collect(),
        source_reliability: SourceReliability::F.code().into(),
        information_credibility: InformationCredibility::CannotBeJudged.code().into(),
        status: AlertStatus::Draft.code().into(),
        intake: AlertIntake::Mailbox.code().into(),
        summary: report.text.clone(),
        outcome: String::new(),
        message_id: Some(report.message_id.clone()),
        message_sha256: Some(sha.to_owned()),
        classification: Classification::ExParte.code().into(),
        owner_unit_id: unit_id.to_owned(),
        named_units: String::new(),
        created_by: "mailbox".into(),
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

/// Polls the travel mailbox every `every` until `shutdown`.
pub async fn run_mailbox(app: Comity, every: std::time::Duration, shutdown: impl std::future::Future<Output = ()>) {
    if app.settings.travel_mailbox.is_none() {
        return;
    }
    let mut tick = tokio::time::interval(every.max(std::time::Duration::from_secs(5)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            _ = tick.tick() => {}
        }
        match app.poll_travel_mailbox().await {
            Ok(p) if !p.created.is_empty() || !p.unreadable.is_empty() => {
                tracing::info!(created = p.created.len(), unreadable = p.unreadable.len(), "travel mailbox polled");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not poll the travel mailbox"),
        }
    }
}
