//! Démarches: the log of what the Court did with a State or an organisation about a person,
//! a request or a reported journey (a note verbale, a meeting, a call, a letter) and what came
//! of it. A démarche inherits the confidentiality of what it is about, so a note about a
//! sealed warrant's person is seen by no one the warrant is hidden from.

use chrono::NaiveDate;
use comity_domain::{
    access::{Action, Classification, RecordAccess, RecordKind, UnitKind},
    validation::FieldErrors,
    warrant::DemarcheKind,
};
use comity_store::warrants::{self as store, Demarche};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    partners::{classification_of, parse_date, split_list},
    trail::{self, Target},
    warrants::warrant_access,
    Actor, AppError, Comity, Result,
};

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DemarcheInput {
    /// note_verbale, meeting, call or letter.
    pub kind: String,
    /// The State (partner id or ISO code) approached, if any.
    pub partner_id: Option<String>,
    /// Or an organisation, by name.
    #[serde(default)]
    pub organisation: String,
    pub person_id: Option<String>,
    pub request_id: Option<String>,
    pub alert_id: Option<String>,
    /// YYYY-MM-DD (default today); not later than today.
    pub happened_on: Option<String>,
    pub summary: String,
    #[serde(default)]
    pub outcome: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemarcheView {
    pub id: String,
    pub kind: String,
    pub partner_id: Option<String>,
    pub partner_name: Option<String>,
    pub organisation: String,
    pub person_id: Option<String>,
    pub request_id: Option<String>,
    pub alert_id: Option<String>,
    pub happened_on: NaiveDate,
    pub summary: String,
    pub outcome: String,
    pub classification: String,
    pub created_by: String,
}

/// What a list of démarches is about.
#[derive(Debug, Clone, Copy)]
pub enum About<'a> {
    Person(&'a str),
    Partner(&'a str),
    Alert(&'a str),
    Everything,
}

pub(crate) fn demarche_access(d: &Demarche) -> RecordAccess {
    let mut r = RecordAccess::new(RecordKind::Demarche, classification_of(&d.classification));
    r.owner_unit = Some(d.owner_unit_id.clone());
    r.shared_with(split_list(&d.named_units))
}

impl Comity {
    /// Whether the actor's unit keeps a log of démarches.
    pub fn may_log_demarches(&self, actor: &Actor) -> bool {
        let p = &actor.principal;
        matches!(p.unit_kind, UnitKind::Registry | UnitKind::Otp | UnitKind::Chambers | UnitKind::Presidency)
            && actor.may(Action::Create, &{
                let mut r = RecordAccess::new(RecordKind::Demarche, Classification::Confidential);
                r.owner_unit = Some(p.unit_id.clone());
                r
            })
    }

    /// Logs an action taken with a State or an organisation.
    pub async fn log_demarche(&self, actor: &Actor, input: &DemarcheInput) -> Result<DemarcheView> {
        if !matches!(
            actor.principal.unit_kind,
            UnitKind::Registry | UnitKind::Otp | UnitKind::Chambers | UnitKind::Presidency
        ) {
            return Err(AppError::Forbidden);
        }
        let now = self.clock.now();
        let today = self.today();
        let mut tx = self.db.write().await?;
        let mut e = FieldErrors::new();
        let kind = e.code::<DemarcheKind>("kind", input.kind.trim());
        let summary = e.required("summary", &input.summary, 5_000);
        let outcome = input.outcome.trim().to_owned();
        if outcome.chars().count() > 5_000 {
            e.add("outcome", "must be at most 5000 characters");
        }
        let organisation = input.organisation.trim().to_owned();
        let partner_id = match input.partner_id.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => self.resolve_partner(&mut tx, &mut e, "partner_id", p).await,
            None => None,
        };
        if partner_id.is_none() && organisation.is_empty() && !e.0.contains_key("partner_id") {
            e.add("partner_id", "name the State or the organisation approached");
        }
        let happened_on = match input.happened_on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => parse_date(&mut e, "happened_on", d),
            None => Some(today),
        };
        if happened_on.is_some_and(|d| d > today) {
            e.add("happened_on", "cannot be later than today");
        }
        // The démarche is as confidential as the strictest record it is about, and shared with
        // the same units.
        let mut classification = Classification::Confidential;
        let mut named: Vec<String> = Vec::new();
        let person_id = match input.person_id.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(id) => {
                let warrants: Vec<_> = store::warrants(&mut tx)
                    .await?
                    .into_iter()
                    .filter(|w| w.person_id == id && actor.may(Action::Read, &warrant_access(w)))
                    .collect();
                if warrants.is_empty() {
                    e.add("person_id", "no such person");
                    None
                } else {
                    for w in &warrants {
                        let a = warrant_access(w);
                        classification = classification.max(a.classification);
                        named.extend(a.named_units);
                        named.push(w.owner_unit_id.clone());
                    }
                    Some(id.to_owned())
                }
            }
            None => None,
        };
        let request_id = match input.request_id.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(id) => match self.visible_request(&mut tx, actor, id, Action::Read).await {
                Ok(r) => {
                    classification = classification.max(classification_of(&r.classification));
                    named.push(r.owner_unit_id.clone());
                    Some(r.id)
                }
                Err(_) => {
                    e.add("request_id", "no such request");
                    None
                }
            },
            None => None,
        };
        let alert_id = match input.alert_id.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(id) => match store::alert(&mut tx, id).await? {
                Some(a) if actor.may(Action::Read, &crate::alerts::alert_access(&a)) => {
                    let access = crate::alerts::alert_access(&a);
                    classification = classification.max(access.classification);
                    named.extend(access.named_units);
                    named.push(a.owner_unit_id.clone());
                    Some(a.id)
                }
                _ => {
                    e.add("alert_id", "no such alert");
                    None
                }
            },
            None => None,
        };
        e.into_result()?;
        let (Some(kind), Some(happened_on)) = (kind, happened_on) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        named.sort();
        named.dedup();
        named.retain(|u| *u != actor.principal.unit_id);
        let d = Demarche {
            id: comity_store::new_id(),
            kind: kind.code().into(),
            partner_id,
            organisation,
            person_id,
            request_id,
            alert_id,
            happened_on,
            summary,
            outcome,
            classification: classification.code().into(),
            owner_unit_id: actor.principal.unit_id.clone(),
            named_units: named.join(","),
            created_by: actor.audit_id().to_owned(),
            created_at: now,
        };
        actor.check(Action::Create, &demarche_access(&d)).map_err(crate::partners::refused_creation)?;
        store::insert_demarche(&mut tx, &d).await?;
        trail::record(
            &mut tx,
            now,
            actor,
            "demarche.create",
            Target::new(RecordKind::Demarche, &d.id, classification),
            serde_json::json!({ "kind": d.kind, "partner": d.partner_id }),
        )
        .await?;
        tx.commit().await?;
        let names = self.partner_names_of(std::slice::from_ref(&d)).await?;
        Ok(view(&d, &names))
    }

    /// The démarches about something, most recent first, as far as the actor may see them.
    pub async fn demarches_about(&self, actor: &Actor, about: About<'_>) -> Result<Vec<DemarcheView>> {
        let mut c = self.db.read().await?;
        let all = store::demarches(&mut c).await?;
        drop(c);
        let chosen: Vec<Demarche> = all
            .into_iter()
            .filter(|d| match about {
                About::Person(id) => d.person_id.as_deref() == Some(id),
                About::Partner(id) => d.partner_id.as_deref() == Some(id),
                About::Alert(id) => d.alert_id.as_deref() == Some(id),
                About::Everything => true,
            })
            .filter(|d| actor.may(Action::Read, &demarche_access(d)))
            .collect();
        let names = self.partner_names_of(&chosen).await?;
        let disclosed: Vec<(&str, &str)> = chosen.iter().map(|d| (d.id.as_str(), d.classification.as_str())).collect();
        self.audit_reads(actor, "demarche.list", RecordKind::Demarche, &disclosed).await?;
        Ok(chosen.iter().map(|d| view(d, &names)).collect())
    }

    async fn partner_names_of(&self, ds: &[Demarche]) -> Result<Vec<(String, String, Option<String>)>> {
        let mut ids: Vec<String> = ds.iter().filter_map(|d| d.partner_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let mut c = self.db.read().await?;
        Ok(comity_store::partners::names(&mut c, &ids).await?)
    }
}

fn view(d: &Demarche, names: &[(String, String, Option<String>)]) -> DemarcheView {
    DemarcheView {
        id: d.id.clone(),
        kind: d.kind.clone(),
        partner_id: d.partner_id.clone(),
        partner_name: d
            .partner_id
            .as_ref()
            .and_then(|p| names.iter().find(|(id, _, _)| id == p).map(|(_, n, _)| n.clone())),
        organisation: d.organisation.clone(),
        person_id: d.person_id.clone(),
        request_id: d.request_id.clone(),
        alert_id: d.alert_id.clone(),
        happened_on: d.happened_on,
        summary: d.summary.clone(),
        outcome: d.outcome.clone(),
        classification: d.classification.clone(),
        created_by: d.created_by.clone(),
    }
}
