//! Warrants of arrest and summonses, the persons they name, and the requests sent to arrest
//! them: issued (perhaps under seal), sent to one State or many, followed through each
//! State's arrest and surrender, unsealed, and counted for the persons-at-large figure.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use comity_domain::{
    access::{Action, Classification, RecordAccess, RecordKind, UnitKind},
    partner::{is_party_on, Instrument},
    request::LineType,
    validation::FieldErrors,
    warrant::{at_large_on, PersonStatus, StatusStep, WarrantKind},
};
use comity_store::{
    accounts, partners as partner_store,
    requests::{self as request_store, Request},
    warrants::{self as store, Person, Warrant, WarrantEvent},
    Executor, Tx,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    partners::{classification_of, parse_date, split_list},
    requests::{LineInput, RequestInput, RequestSummary},
    trail::{self, Target},
    Actor, AppError, Comity, Result,
};

const MAX_TEXT: usize = 20_000;

/// A person named in a warrant, as a client sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct PersonInput {
    pub name: String,
    /// Other names and spellings, used to match travel reports.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// YYYY-MM-DD.
    pub born_on: Option<String>,
    /// A partner id or ISO code.
    pub nationality: Option<String>,
}

/// A new warrant or summons.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct WarrantInput {
    /// The Court's document reference, e.g. ICC-02/05-01/09-1.
    pub reference: String,
    /// arrest_warrant (default) or summons.
    pub kind: Option<String>,
    /// A person already known; otherwise describe them in `person`.
    pub person_id: Option<String>,
    pub person: Option<PersonInput>,
    #[serde(default)]
    pub situation: String,
    pub case_name: String,
    /// The issuing Chamber.
    pub chamber: String,
    /// YYYY-MM-DD; not later than today.
    pub issued_on: String,
    pub crimes: String,
    #[serde(default)]
    pub facts: String,
    /// Under seal, the warrant is seen only by the units named below.
    #[serde(default)]
    pub under_seal: bool,
    /// Units (by name) that may see the warrant, besides the one recording it.
    #[serde(default)]
    pub named_units: Vec<String>,
    /// For a warrant not under seal: public (default), internal or confidential.
    pub classification: Option<String>,
}

/// A change in where the person stands.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct WarrantStatusInput {
    /// at_large, provisionally_arrested, arrested, surrendered, in_custody,
    /// appeared_voluntarily, deceased or withdrawn.
    pub status: String,
    /// The day it happened (YYYY-MM-DD, default today); never later than today.
    pub effective_on: Option<String>,
    #[serde(default)]
    pub note: String,
    /// The version you read.
    pub version: Option<i64>,
}

/// Lifting the seal.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UnsealInput {
    /// The day of the Chamber's decision to unseal (YYYY-MM-DD, default today).
    pub effective_on: Option<String>,
    #[serde(default)]
    pub note: String,
    pub version: Option<i64>,
}

/// Requests for arrest and surrender, or provisional arrest, to one State or many at once.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ArrestRequestsInput {
    /// arrest_surrender (default) or provisional_arrest.
    pub line_type: Option<String>,
    /// The States (partner ids or ISO codes).
    #[serde(default)]
    pub partner_ids: Vec<String>,
    /// Adds every State Party on the day.
    #[serde(default)]
    pub all_states_parties: bool,
    /// chamber (default) or prosecution, as your unit drafts.
    pub on_behalf_of: Option<String>,
    /// Where the person may be found (art. 91(2)(a)); the same for every copy unless edited.
    #[serde(default)]
    pub probable_location: String,
    /// What the States' surrender laws require (art. 91(2)(c)).
    #[serde(default)]
    pub national_requirements: String,
    pub urgency: Option<String>,
    pub deadline: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonView {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub born_on: Option<NaiveDate>,
    pub nationality: Option<String>,
    pub has_photo: bool,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarrantEventView {
    /// issued, unsealed or the status set.
    pub action: String,
    pub status: String,
    pub effective_on: NaiveDate,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub note: String,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarrantSummary {
    pub id: String,
    pub reference: String,
    pub kind: String,
    pub person_id: String,
    pub person_name: String,
    pub situation: String,
    pub case_name: String,
    pub chamber: String,
    pub issued_on: NaiveDate,
    pub classification: String,
    pub under_seal: bool,
    pub unsealed_on: Option<NaiveDate>,
    pub status: String,
    pub status_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarrantView {
    #[serde(flatten)]
    pub summary: WarrantSummary,
    pub person: PersonView,
    pub crimes: String,
    pub facts: String,
    /// The units that may see it under seal (names).
    pub named_units: Vec<String>,
    pub history: Vec<WarrantEventView>,
    /// Requests sent under this warrant that you may see.
    pub requests: Vec<RequestSummary>,
    /// Legal clocks running on those requests: rule 188 after a provisional arrest.
    pub clocks: Vec<ArrestClock>,
    pub version: i64,
}

/// A statutory clock on one of the warrant's requests.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArrestClock {
    pub request_id: String,
    pub reference: String,
    pub partner_name: String,
    #[serde(flatten)]
    pub clock: crate::requests::LegalClock,
}

/// One person at large on the day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AtLargeEntry {
    pub person_id: String,
    pub name: String,
    pub warrant_id: String,
    pub reference: String,
    pub case_name: String,
    pub issued_on: NaiveDate,
}

/// Paragraph 40 of the report: the persons subject to a warrant of arrest still at large.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarrantStatistics {
    pub on: NaiveDate,
    /// Persons at large (a person named in two warrants counts once).
    pub at_large: usize,
    /// Those you may see, by name.
    pub named: Vec<AtLargeEntry>,
    /// Persons counted whose warrant you may not see (under seal or restricted).
    pub not_named: usize,
}

/// The warrants a list shows, with its filters.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WarrantQuery {
    /// A person status, e.g. at_large.
    pub status: Option<String>,
    pub situation: Option<String>,
    /// Words from the person's name, aliases, case or reference.
    pub q: Option<String>,
}

pub(crate) fn warrant_access(w: &Warrant) -> RecordAccess {
    let mut r = RecordAccess::new(RecordKind::Warrant, effective_classification(w));
    r.owner_unit = Some(w.owner_unit_id.clone());
    r.shared_with(split_list(&w.named_units))
}

/// A warrant under seal reaches only its named units, whatever else its record says.
fn effective_classification(w: &Warrant) -> Classification {
    let c = classification_of(&w.classification);
    if w.under_seal {
        c.max(Classification::ExParte)
    } else {
        c
    }
}

/// The units that issue, seek and execute warrants.
fn records_warrants(kind: UnitKind) -> bool {
    matches!(kind, UnitKind::Chambers | UnitKind::Registry | UnitKind::Otp)
}

pub(crate) fn person_view(p: &Person) -> PersonView {
    PersonView {
        id: p.id.clone(),
        name: p.name.clone(),
        aliases: serde_json::from_str(&p.aliases).unwrap_or_default(),
        born_on: p.born_on,
        nationality: p.nationality.clone(),
        has_photo: p.photo_sha256.is_some(),
        version: p.version,
    }
}

fn summary(w: &Warrant, person_name: &str) -> WarrantSummary {
    WarrantSummary {
        id: w.id.clone(),
        reference: w.reference.clone(),
        kind: w.kind.clone(),
        person_id: w.person_id.clone(),
        person_name: person_name.to_owned(),
        situation: w.situation.clone(),
        case_name: w.case_name.clone(),
        chamber: w.chamber.clone(),
        issued_on: w.issued_on,
        classification: effective_classification(w).code().into(),
        under_seal: w.under_seal,
        unsealed_on: w.unsealed_on,
        status: w.status.clone(),
        status_on: w.status_on,
    }
}

fn steps_of(events: &[WarrantEvent]) -> Vec<StatusStep> {
    events
        .iter()
        .filter(|e| e.action != "unsealed")
        .filter_map(|e| Some(StatusStep { effective_on: e.effective_on, status: PersonStatus::parse(&e.status)? }))
        .collect()
}

/// The status now in force from the history: the latest step by the day it took effect.
fn current_status(issued_on: NaiveDate, events: &[WarrantEvent]) -> (PersonStatus, NaiveDate) {
    let steps = steps_of(events);
    let last = steps.iter().fold(None::<StatusStep>, |acc, s| match acc {
        Some(a) if a.effective_on > s.effective_on => Some(a),
        _ => Some(*s),
    });
    last.map_or((PersonStatus::AtLarge, issued_on), |s| (s.status, s.effective_on))
}

fn optional_date(e: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<NaiveDate> {
    value.map(str::trim).filter(|v| !v.is_empty()).and_then(|v| parse_date(e, field, v))
}

/// The day a step took effect: today when not given, never in the future.
pub(crate) fn effective_day(e: &mut FieldErrors, value: Option<&str>, today: NaiveDate) -> NaiveDate {
    let day = optional_date(e, "effective_on", value).unwrap_or(today);
    if day > today {
        e.add("effective_on", "cannot be later than today");
    }
    day
}

impl Comity {
    /// Whether the actor's unit records warrants (for showing the form).
    pub fn may_record_warrants(&self, actor: &Actor) -> bool {
        records_warrants(actor.principal.unit_kind) && actor.may(Action::Create, &self.blank_warrant_access(actor))
    }

    fn blank_warrant_access(&self, actor: &Actor) -> RecordAccess {
        let mut r = RecordAccess::new(RecordKind::Warrant, Classification::ExParte);
        r.owner_unit = Some(actor.principal.unit_id.clone());
        r
    }

    /// Resolves unit names to ids, reporting unknown ones against `field`.
    pub(crate) async fn unit_ids(
        &self,
        ex: &mut impl Executor,
        e: &mut FieldErrors,
        field: &str,
        names: &[String],
    ) -> Vec<String> {
        let mut ids = Vec::new();
        for name in names.iter().filter(|n| !n.trim().is_empty()) {
            if let Some(u) = self.resolve_named_unit(ex, e, field, name).await {
                if !ids.contains(&u.id) {
                    ids.push(u.id);
                }
            }
        }
        ids
    }

    /// Names of units, for display.
    pub(crate) async fn unit_names(&self, ex: &mut impl Executor, ids: &[String]) -> Result<Vec<String>> {
        let mut names = Vec::new();
        for id in ids {
            if let Some(u) = accounts::unit_by_id(ex, id).await? {
                names.push(u.name);
            }
        }
        Ok(names)
    }

    async fn check_person(
        &self,
        ex: &mut impl Executor,
        e: &mut FieldErrors,
        input: &PersonInput,
        today: NaiveDate,
    ) -> (String, Vec<String>, Option<NaiveDate>, Option<String>) {
        let name = e.required("person.name", &input.name, 300);
        let aliases: Vec<String> = input
            .aliases
            .iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if aliases.iter().any(|a| a.chars().count() > 300) {
            e.add("person.aliases", "each alias must be at most 300 characters");
        }
        let born_on = optional_date(e, "person.born_on", input.born_on.as_deref());
        if born_on.is_some_and(|b| b > today) {
            e.add("person.born_on", "cannot be later than today");
        }
        let nationality = match input.nationality.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => self.resolve_partner(ex, e, "person.nationality", n).await,
            None => None,
        };
        (name, aliases, born_on, nationality)
    }

    /// Records a warrant or summons, with its person if new.
    pub async fn issue_warrant(&self, actor: &Actor, input: &WarrantInput) -> Result<WarrantView> {
        if !records_warrants(actor.principal.unit_kind) {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.db.write().await?;
        let w = self.add_warrant(&mut tx, actor, input, None).await?;
        tx.commit().await?;
        self.warrant(actor, &w.id).await
    }

    /// Validates and stores a warrant (and its person if new) with its first history step.
    /// `imported` names the unit that keeps an imported warrant; the importer's own powers
    /// were checked by the import.
    async fn add_warrant(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        input: &WarrantInput,
        imported: Option<&str>,
    ) -> Result<Warrant> {
        let now = self.clock.now();
        let today = self.today();
        let mut e = FieldErrors::new();
        let reference = e.required("reference", &input.reference, 100);
        if !reference.is_empty() && store::warrant_by_reference(tx, &reference).await?.is_some() {
            e.add("reference", "is already used by another warrant");
        }
        let kind = match input.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => e.code::<WarrantKind>("kind", k),
            None => Some(WarrantKind::ArrestWarrant),
        };
        let case_name = e.required("case_name", &input.case_name, 200);
        let situation = input.situation.trim().to_owned();
        if situation.chars().count() > 200 {
            e.add("situation", "must be at most 200 characters");
        }
        let chamber = e.required("chamber", &input.chamber, 200);
        let issued_on = parse_required_date(&mut e, "issued_on", &input.issued_on);
        if issued_on.is_some_and(|d| d > today) {
            e.add("issued_on", "cannot be later than today");
        }
        let crimes = e.required("crimes", &input.crimes, MAX_TEXT);
        let facts = input.facts.trim().to_owned();
        if facts.chars().count() > MAX_TEXT {
            e.add("facts", format!("must be at most {MAX_TEXT} characters"));
        }
        let classification = if input.under_seal {
            Some(Classification::ExParte)
        } else {
            match input.classification.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                Some(c) => match e.code::<Classification>("classification", c) {
                    Some(c) if c >= Classification::ExParte => {
                        e.add("classification", "a warrant kept from others is issued under seal (under_seal: true)");
                        None
                    }
                    other => other,
                },
                None => Some(Classification::Public),
            }
        };
        let named_units = self.unit_ids(tx, &mut e, "named_units", &input.named_units).await;
        let person = match (input.person_id.as_deref().map(str::trim).filter(|p| !p.is_empty()), &input.person) {
            (Some(id), _) => match store::person(tx, id).await? {
                Some(p) if self.person_visible(tx, actor, &p.id).await? => Some(p),
                _ => {
                    e.add("person_id", "no such person");
                    None
                }
            },
            (None, Some(p)) => {
                let (name, aliases, born_on, nationality) = self.check_person(tx, &mut e, p, today).await;
                Some(Person {
                    id: comity_store::new_id(),
                    name,
                    aliases: serde_json::to_string(&aliases).unwrap_or_else(|_| "[]".into()),
                    born_on,
                    nationality,
                    photo_sha256: None,
                    photo_media_type: None,
                    created_by: actor.audit_id().to_owned(),
                    created_at: now,
                    updated_at: now,
                    version: 1,
                })
            }
            (None, None) => {
                e.add("person", "name a known person (person_id) or describe the person");
                None
            }
        };
        e.into_result()?;
        let (Some(kind), Some(issued_on), Some(classification), Some(person)) =
            (kind, issued_on, classification, person)
        else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let w = Warrant {
            id: comity_store::new_id(),
            reference,
            person_id: person.id.clone(),
            kind: kind.code().into(),
            situation,
            case_name,
            chamber,
            issued_on,
            crimes,
            facts,
            classification: classification.code().into(),
            under_seal: input.under_seal,
            unsealed_on: None,
            owner_unit_id: imported.map_or_else(|| actor.principal.unit_id.clone(), str::to_owned),
            named_units: named_units.join(","),
            status: PersonStatus::AtLarge.code().into(),
            status_on: issued_on,
            imported_at: imported.map(|_| now),
            created_by: actor.audit_id().to_owned(),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        if imported.is_none() {
            actor.check(Action::Create, &warrant_access(&w)).map_err(crate::partners::refused_creation)?;
        }
        if input.person_id.as_deref().is_none_or(|p| p.trim().is_empty()) {
            store::insert_person(tx, &person).await?;
        }
        store::insert_warrant(tx, &w).await.map_err(|e| match e {
            comity_store::StoreError::Conflict(_) => AppError::field("reference", "is already used by another warrant"),
            other => other.into(),
        })?;
        self.append_warrant_event(tx, &w, "issued", PersonStatus::AtLarge, issued_on, actor, "", None).await?;
        trail::record(
            tx,
            now,
            actor,
            "warrant.create",
            Target::new(RecordKind::Warrant, &w.id, effective_classification(&w)),
            serde_json::json!({ "reference": w.reference, "under_seal": w.under_seal }),
        )
        .await?;
        Ok(w)
    }

    /// What the partner's law allows for arrest and surrender: the Court's own assessment,
    /// for its organs only, not for the State or any other.
    pub async fn arrest_law(&self, actor: &Actor, partner_id: &str) -> Result<ArrestLaw> {
        if !actor.principal.unit_kind.is_court_organ() {
            return Err(AppError::NotFound);
        }
        let partner = self.partner(actor, partner_id).await?;
        let mut c = self.db.read().await?;
        let (surrender_law, notes) = store::arrest_law(&mut c, &partner.summary.id).await?.ok_or(AppError::NotFound)?;
        Ok(ArrestLaw { surrender_law, notes })
    }

    /// Records what the partner's law allows; the directory's keepers do this.
    pub async fn set_arrest_law(&self, actor: &Actor, partner_id: &str, input: &ArrestLaw) -> Result<ArrestLaw> {
        let partner = self.partner(actor, partner_id).await?;
        if !self.may_edit_directory(actor, &partner.summary.id).await? {
            return Err(AppError::Forbidden);
        }
        let mut e = FieldErrors::new();
        let law = e.code::<comity_domain::warrant::SurrenderLaw>("surrender_law", input.surrender_law.trim());
        let notes = input.notes.trim().to_owned();
        if notes.chars().count() > 5_000 {
            e.add("notes", "must be at most 5000 characters");
        }
        e.into_result()?;
        let law = law.map_or("unknown", |l| l.code());
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        store::set_arrest_law(&mut tx, &partner.summary.id, law, &notes).await?;
        trail::record(
            &mut tx,
            now,
            actor,
            "partner.arrest_law",
            Target::new(RecordKind::Partner, &partner.summary.id, Classification::Public),
            serde_json::json!({ "surrender_law": law }),
        )
        .await?;
        tx.commit().await?;
        Ok(ArrestLaw { surrender_law: law.to_owned(), notes })
    }

    /// Brings past warrants in with their histories, all or nothing. Rows whose reference is
    /// already known are skipped, so running an import twice is harmless. A dry run checks
    /// everything and stores nothing.
    pub async fn import_warrants(
        &self,
        actor: &Actor,
        rows: &[WarrantImportRow],
        dry_run: bool,
    ) -> Result<WarrantImportReport> {
        let p = &actor.principal;
        if !(p.has(comity_domain::access::Role::SystemAdmin)
            || (p.unit_kind == UnitKind::Registry && p.has(comity_domain::access::Role::UnitAdmin)))
        {
            return Err(AppError::Forbidden);
        }
        let today = self.today();
        let mut tx = self.db.write().await?;
        let keeper = match p.unit_kind {
            UnitKind::Registry => p.unit_id.clone(),
            _ => accounts::first_unit_of_kind(&mut tx, UnitKind::Registry.code())
                .await?
                .map(|u| u.id)
                .ok_or_else(|| AppError::Internal("no Registry unit exists to keep imported warrants".into()))?,
        };
        let mut report = WarrantImportReport { rows: rows.len(), dry_run, ..Default::default() };
        for (i, row) in rows.iter().enumerate() {
            let n = i + 1;
            if store::warrant_by_reference(&mut tx, row.warrant.reference.trim()).await?.is_some() {
                report.skipped += 1;
                continue;
            }
            let mut w = match self.add_warrant(&mut tx, actor, &row.warrant, Some(&keeper)).await {
                Ok(w) => w,
                Err(AppError::Validation(f)) => {
                    report.errors.extend(f.0.into_iter().map(|(field, problem)| RowError { row: n, field, problem }));
                    continue;
                }
                Err(other) => return Err(other),
            };
            let mut e = FieldErrors::new();
            for (j, step) in row.history.iter().enumerate() {
                let field = format!("history[{j}]");
                let status = e.code::<PersonStatus>(&format!("{field}.status"), step.status.trim());
                let on = parse_required_date(&mut e, &format!("{field}.effective_on"), &step.effective_on);
                match on {
                    Some(d) if d < w.issued_on => {
                        e.add(format!("{field}.effective_on"), "cannot be before the warrant was issued")
                    }
                    Some(d) if d > today => e.add(format!("{field}.effective_on"), "cannot be later than today"),
                    _ => {}
                }
                if let (Some(status), Some(on), true) = (status, on, e.is_empty()) {
                    self.record_status(&mut tx, &mut w, status, on, actor, step.note.trim(), None).await?;
                }
            }
            if let Some(d) = row.unsealed_on.as_deref().filter(|d| !d.trim().is_empty()) {
                match parse_date(&mut e, "unsealed_on", d.trim()) {
                    Some(_) if !w.under_seal => e.add("unsealed_on", "only a warrant issued under seal is unsealed"),
                    Some(on) if on < w.issued_on || on > today => {
                        e.add("unsealed_on", "must fall between the issue and today")
                    }
                    Some(on) => {
                        let status = PersonStatus::parse(&w.status).unwrap_or(PersonStatus::AtLarge);
                        self.append_warrant_event(&mut tx, &w, "unsealed", status, on, actor, "", None).await?;
                        let read = w.version;
                        w.under_seal = false;
                        w.unsealed_on = Some(on);
                        w.classification = Classification::Public.code().into();
                        if !store::update_warrant(&mut tx, &w, read).await? {
                            return Err(AppError::StaleVersion { current: read + 1 });
                        }
                    }
                    None => {}
                }
            }
            report.errors.extend(e.0.into_iter().map(|(field, problem)| RowError { row: n, field, problem }));
        }
        if report.errors.is_empty() {
            report.imported = report.rows - report.skipped;
        } else {
            report.imported = 0;
        }
        if dry_run || !report.errors.is_empty() {
            // Dropping the transaction undoes everything written above.
            return Ok(report);
        }
        trail::record(
            &mut tx,
            self.clock.now(),
            actor,
            "warrant.import",
            Target::new(RecordKind::Warrant, "import", Classification::Internal),
            serde_json::json!({ "rows": report.rows, "imported": report.imported, "skipped": report.skipped }),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    #[allow(clippy::too_many_arguments)]
    async fn append_warrant_event(
        &self,
        tx: &mut Tx,
        w: &Warrant,
        action: &str,
        status: PersonStatus,
        effective_on: NaiveDate,
        actor: &Actor,
        note: &str,
        request_id: Option<&str>,
    ) -> Result<()> {
        store::append_warrant_event(
            tx,
            &WarrantEvent {
                id: comity_store::new_id(),
                warrant_id: w.id.clone(),
                seq: 0,
                action: action.to_owned(),
                status: status.code().into(),
                effective_on,
                recorded_at: self.clock.now(),
                actor: actor.audit_id().to_owned(),
                note: note.to_owned(),
                request_id: request_id.map(str::to_owned),
            },
        )
        .await?;
        Ok(())
    }

    /// Whether the actor may see at least one warrant naming the person.
    pub(crate) async fn person_visible(&self, ex: &mut impl Executor, actor: &Actor, person_id: &str) -> Result<bool> {
        Ok(store::warrants(ex)
            .await?
            .iter()
            .any(|w| w.person_id == person_id && actor.may(Action::Read, &warrant_access(w))))
    }

    async fn visible_warrant(
        &self,
        ex: &mut impl Executor,
        actor: &Actor,
        id: &str,
        action: Action,
    ) -> Result<Warrant> {
        let w = store::warrant(ex, id).await?.ok_or(AppError::NotFound)?;
        actor.check(Action::Read, &warrant_access(&w))?;
        if action != Action::Read {
            actor.check(action, &warrant_access(&w))?;
        }
        Ok(w)
    }

    /// A warrant as this actor may see it.
    pub async fn warrant(&self, actor: &Actor, id: &str) -> Result<WarrantView> {
        let mut c = self.db.read().await?;
        let w = self.visible_warrant(&mut c, actor, id, Action::Read).await?;
        let person = store::person(&mut c, &w.person_id).await?.ok_or(AppError::NotFound)?;
        let events = store::warrant_events(&mut c, &w.id).await?;
        let named_units = self.unit_names(&mut c, &split_list(&w.named_units)).await?;
        let request_ids = store::requests_of_warrant(&mut c, &w.id).await?;
        drop(c);
        let mut requests = Vec::new();
        let mut clocks = Vec::new();
        for id in request_ids {
            if let Ok(r) = self.request_summary(actor, &id).await {
                if r.line_types.iter().any(|t| t == LineType::ProvisionalArrest.code()) {
                    // Rule 188 runs on the request the State executed; the warrant shows it too.
                    for clock in self.request(actor, &id).await?.legal_clocks {
                        clocks.push(ArrestClock {
                            request_id: r.id.clone(),
                            reference: r.reference.clone(),
                            partner_name: r.partner_name.clone(),
                            clock,
                        });
                    }
                }
                requests.push(r);
            }
        }
        requests.sort_by(|a, b| a.partner_name.cmp(&b.partner_name));
        let classification = effective_classification(&w);
        self.audit_reads(actor, "warrant.read", RecordKind::Warrant, &[(&w.id, classification.code())]).await?;
        Ok(WarrantView {
            summary: summary(&w, &person.name),
            person: person_view(&person),
            crimes: w.crimes.clone(),
            facts: w.facts.clone(),
            named_units,
            history: events
                .into_iter()
                .map(|e| WarrantEventView {
                    action: e.action,
                    status: e.status,
                    effective_on: e.effective_on,
                    recorded_at: e.recorded_at,
                    actor: e.actor,
                    note: e.note,
                    request_id: e.request_id,
                })
                .collect(),
            requests,
            clocks,
            version: w.version,
        })
    }

    /// The warrants this actor may see, most recent first.
    pub async fn list_warrants(&self, actor: &Actor, q: &WarrantQuery) -> Result<Vec<WarrantSummary>> {
        let mut e = FieldErrors::new();
        let status = q
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|s| e.code::<PersonStatus>("status", s));
        e.into_result()?;
        let words = crate::requests::search_words(q.q.as_deref().unwrap_or_default());
        let out = self
            .warrant_summaries(|w, p| {
                let text = format!(
                    "{} {} {} {}",
                    p.map(|p| p.name.as_str()).unwrap_or_default(),
                    p.map(|p| p.aliases.as_str()).unwrap_or_default(),
                    w.case_name,
                    w.reference
                );
                let have = crate::requests::search_words(&text);
                actor.may(Action::Read, &warrant_access(w))
                    && status.is_none_or(|s| w.status == s.code())
                    && q.situation.as_deref().is_none_or(|s| s.trim().is_empty() || w.situation == s.trim())
                    && words.iter().all(|w| have.iter().any(|h| h.starts_with(w.as_str())))
            })
            .await?;
        let disclosed: Vec<(&str, &str)> = out.iter().map(|w| (w.id.as_str(), w.classification.as_str())).collect();
        self.audit_reads(actor, "warrant.list", RecordKind::Warrant, &disclosed).await?;
        Ok(out)
    }

    /// Records where the person stands now, or stood on an earlier day.
    pub async fn set_warrant_status(&self, actor: &Actor, id: &str, input: &WarrantStatusInput) -> Result<WarrantView> {
        let now = self.clock.now();
        let today = self.today();
        let mut tx = self.db.write().await?;
        let mut w = self.visible_warrant(&mut tx, actor, id, Action::Update).await?;
        let mut e = FieldErrors::new();
        let status = e.code::<PersonStatus>("status", input.status.trim());
        let effective_on = effective_day(&mut e, input.effective_on.as_deref(), today);
        if effective_on < w.issued_on {
            e.add("effective_on", format!("cannot be before the warrant was issued ({})", w.issued_on));
        }
        if input.note.chars().count() > 2_000 {
            e.add("note", "must be at most 2000 characters");
        }
        e.into_result()?;
        AppError::check_version(input.version, w.version)?;
        let Some(status) = status else {
            return Err(AppError::Internal("validated status missing".into()));
        };
        self.record_status(&mut tx, &mut w, status, effective_on, actor, input.note.trim(), None).await?;
        trail::record(
            &mut tx,
            now,
            actor,
            "warrant.status",
            Target::new(RecordKind::Warrant, &w.id, effective_classification(&w)),
            serde_json::json!({ "status": status.code(), "effective_on": effective_on }),
        )
        .await?;
        tx.commit().await?;
        self.warrant(actor, id).await
    }

    /// Appends a status step and projects the current status onto the warrant.
    #[allow(clippy::too_many_arguments)]
    async fn record_status(
        &self,
        tx: &mut Tx,
        w: &mut Warrant,
        status: PersonStatus,
        effective_on: NaiveDate,
        actor: &Actor,
        note: &str,
        request_id: Option<&str>,
    ) -> Result<()> {
        self.append_warrant_event(tx, w, status.code(), status, effective_on, actor, note, request_id).await?;
        let events = store::warrant_events(tx, &w.id).await?;
        let (current, since) = current_status(w.issued_on, &events);
        let read = w.version;
        w.status = current.code().into();
        w.status_on = since;
        w.updated_at = self.clock.now();
        if !store::update_warrant(tx, w, read).await? {
            return Err(AppError::StaleVersion { current: read + 1 });
        }
        w.version += 1;
        Ok(())
    }

    /// Lifts the seal: the warrant becomes public from the day of the decision.
    pub async fn unseal_warrant(&self, actor: &Actor, id: &str, input: &UnsealInput) -> Result<WarrantView> {
        let now = self.clock.now();
        let today = self.today();
        let mut tx = self.db.write().await?;
        let mut w = self.visible_warrant(&mut tx, actor, id, Action::Update).await?;
        let mut e = FieldErrors::new();
        let on = effective_day(&mut e, input.effective_on.as_deref(), today);
        if on < w.issued_on {
            e.add("effective_on", format!("cannot be before the warrant was issued ({})", w.issued_on));
        }
        e.into_result()?;
        AppError::check_version(input.version, w.version)?;
        if !w.under_seal {
            return Err(AppError::Conflict("the warrant is not under seal".into()));
        }
        let status = PersonStatus::parse(&w.status).unwrap_or(PersonStatus::AtLarge);
        self.append_warrant_event(&mut tx, &w, "unsealed", status, on, actor, input.note.trim(), None).await?;
        let read = w.version;
        w.under_seal = false;
        w.unsealed_on = Some(on);
        w.classification = Classification::Public.code().into();
        w.updated_at = now;
        if !store::update_warrant(&mut tx, &w, read).await? {
            return Err(AppError::StaleVersion { current: read + 1 });
        }
        trail::record(
            &mut tx,
            now,
            actor,
            "warrant.unseal",
            Target::new(RecordKind::Warrant, &w.id, Classification::Public),
            serde_json::json!({ "unsealed_on": on }),
        )
        .await?;
        tx.commit().await?;
        self.warrant(actor, id).await
    }

    /// Drafts one request per State for the person's arrest, each linked to the warrant and
    /// then tracked through the requests lifecycle on its own.
    pub async fn send_arrest_requests(
        &self,
        actor: &Actor,
        warrant_id: &str,
        input: &ArrestRequestsInput,
    ) -> Result<Vec<RequestSummary>> {
        let now = self.clock.now();
        let today = self.today();
        let mut tx = self.db.write().await?;
        let w = self.visible_warrant(&mut tx, actor, warrant_id, Action::Update).await?;
        let mut e = FieldErrors::new();
        let line_type = match input.line_type.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            Some(l) => match e.code::<LineType>("line_type", l) {
                Some(t @ (LineType::ArrestSurrender | LineType::ProvisionalArrest)) => Some(t),
                Some(_) => {
                    e.add("line_type", "must be arrest_surrender or provisional_arrest");
                    None
                }
                None => None,
            },
            None => Some(LineType::ArrestSurrender),
        };
        if w.kind != WarrantKind::ArrestWarrant.code() {
            e.add("warrant", "a summons is served, not executed by arrest");
        }
        if !matches!(w.status.as_str(), "at_large" | "provisionally_arrested") {
            e.add("warrant", format!("the person is no longer at large ({})", w.status));
        }
        let mut states: Vec<String> = Vec::new();
        for key in &input.partner_ids {
            if let Some(id) = self.resolve_partner(&mut tx, &mut e, "partner_ids", key).await {
                if !states.contains(&id) {
                    states.push(id);
                }
            }
        }
        if input.all_states_parties {
            for id in self.states_parties_on(&mut tx, today).await? {
                if !states.contains(&id) {
                    states.push(id);
                }
            }
        }
        if states.is_empty() {
            e.add("partner_ids", "name at least one State, or ask for all States Parties");
        }
        e.into_result()?;
        let Some(line_type) = line_type else {
            return Err(AppError::Internal("validated line type missing".into()));
        };
        let person = store::person(&mut tx, &w.person_id).await?.ok_or(AppError::NotFound)?;
        let nationality = self.nationality_of(&mut tx, &person).await?;
        let on_behalf_of = input.on_behalf_of.clone().unwrap_or_else(|| {
            if actor.principal.unit_kind == UnitKind::Otp { "prosecution" } else { "chamber" }.into()
        });
        let mut created = Vec::new();
        for partner_id in &states {
            let request =
                arrest_request_input(&w, &person, nationality.as_deref(), line_type, partner_id, &on_behalf_of, input);
            let (r, lines) = self.new_request(&mut tx, actor, &request, today, None).await?;
            request_store::insert_request(&mut tx, &r).await?;
            for l in &lines {
                request_store::insert_line(&mut tx, l).await?;
            }
            crate::requests::append(&mut tx, &r, "create", None, today, now, actor, "", serde_json::json!({})).await?;
            store::link_request(&mut tx, &w.id, &r.id).await?;
            created.push(r.id.clone());
        }
        trail::record(
            &mut tx,
            now,
            actor,
            "warrant.send_requests",
            Target::new(RecordKind::Warrant, &w.id, effective_classification(&w)),
            serde_json::json!({ "line_type": line_type.code(), "states": states }),
        )
        .await?;
        tx.commit().await?;
        let mut out = Vec::new();
        for id in created {
            out.push(self.request_summary(actor, &id).await?);
        }
        Ok(out)
    }

    /// The name of the State the person is a national of, for the documents sent about them.
    pub(crate) async fn nationality_of(&self, ex: &mut impl Executor, person: &Person) -> Result<Option<String>> {
        let Some(id) = &person.nationality else { return Ok(None) };
        let names = partner_store::names(ex, std::slice::from_ref(id)).await?;
        Ok(Some(names.into_iter().next().map_or_else(|| id.clone(), |(_, name, _)| name)))
    }

    /// The States Parties on a day.
    pub(crate) async fn states_parties_on(&self, ex: &mut impl Executor, on: NaiveDate) -> Result<Vec<String>> {
        let filter = partner_store::PartnerFilter {
            kind: Some("state".into()),
            classifications: vec!["public".into()],
            limit: 10_000,
            ..Default::default()
        };
        let (states, _) = partner_store::list_partners(ex, &filter).await?;
        let ids: Vec<String> = states.iter().map(|s| s.id.clone()).collect();
        let rows = partner_store::status_dates(ex, &ids).await?;
        Ok(ids
            .into_iter()
            .filter(|id| is_party_on(&crate::partners::events_of(&rows, id), Instrument::RomeStatute, on))
            .collect())
    }

    /// A request's outcome moves the warrant it was sent under: a provisional arrest executed
    /// means the person was provisionally arrested that day; a surrender executed, surrendered.
    pub(crate) async fn follow_request_outcome(
        &self,
        tx: &mut Tx,
        r: &Request,
        line_type: LineType,
        effective_on: NaiveDate,
        actor: &Actor,
    ) -> Result<()> {
        let Some(warrant_id) = store::warrant_of_request(tx, &r.id).await? else {
            return Ok(());
        };
        let Some(mut w) = store::warrant(tx, &warrant_id).await? else {
            return Ok(());
        };
        let status = match line_type {
            LineType::ProvisionalArrest => PersonStatus::ProvisionallyArrested,
            LineType::ArrestSurrender => PersonStatus::Surrendered,
            _ => return Ok(()),
        };
        if w.status == status.code() {
            return Ok(());
        }
        let note = format!("{} executed by {}", r.reference, r.partner_id);
        self.record_status(tx, &mut w, status, effective_on, actor, &note, Some(&r.id)).await
    }

    /// Paragraph 40: the persons at large on a day. Court organs count every warrant and see
    /// the names they may see; anyone else counts only public warrants, so that a count
    /// queried day by day cannot date a sealed one.
    pub async fn warrant_statistics(&self, actor: &Actor, on: NaiveDate) -> Result<WarrantStatistics> {
        actor.check(Action::Read, &RecordAccess::new(RecordKind::Statistics, Classification::Public))?;
        let counts_all = actor.principal.unit_kind.is_court_organ();
        self.at_large_on(on, |w| actor.may(Action::Read, &warrant_access(w)), counts_all).await
    }

    /// The figure anyone may see: public warrants only.
    pub async fn public_warrant_statistics(&self, on: NaiveDate) -> Result<WarrantStatistics> {
        self.at_large_on(on, is_public, false).await
    }

    /// The persons at large on a day, counting the warrants `visible` says the reader may
    /// see, and when `counts_all` the others too, unnamed.
    async fn at_large_on(
        &self,
        on: NaiveDate,
        visible: impl Fn(&Warrant) -> bool,
        counts_all: bool,
    ) -> Result<WarrantStatistics> {
        let mut c = self.db.read().await?;
        let warrants = store::warrants(&mut c).await?;
        let events = store::all_warrant_events(&mut c).await?;
        let persons = persons_by_id(&mut c).await?;
        Ok(at_large(&warrants, &events, &persons, on, visible, counts_all))
    }

    /// The public warrants, for the page anyone may read.
    pub async fn public_warrants(&self) -> Result<Vec<WarrantSummary>> {
        self.warrant_summaries(|w, _| is_public(w)).await
    }

    /// The warrants `keep` chooses, with their person, most recent first.
    async fn warrant_summaries(&self, keep: impl Fn(&Warrant, Option<&Person>) -> bool) -> Result<Vec<WarrantSummary>> {
        let mut c = self.db.read().await?;
        let persons = persons_by_id(&mut c).await?;
        let mut out: Vec<WarrantSummary> = store::warrants(&mut c)
            .await?
            .iter()
            .map(|w| (w, persons.get(&w.person_id)))
            .filter(|(w, p)| keep(w, *p))
            .map(|(w, p)| summary(w, p.map(|p| p.name.as_str()).unwrap_or_default()))
            .collect();
        out.sort_by(|a, b| b.issued_on.cmp(&a.issued_on).then(a.reference.cmp(&b.reference)));
        Ok(out)
    }

    /// The person with the warrants, requests, alerts and démarches the actor may see, in
    /// date order.
    pub async fn person(&self, actor: &Actor, id: &str) -> Result<PersonPage> {
        let mut c = self.db.read().await?;
        let person = store::person(&mut c, id).await?.ok_or(AppError::NotFound)?;
        let warrants: Vec<Warrant> = store::warrants(&mut c)
            .await?
            .into_iter()
            .filter(|w| w.person_id == person.id && actor.may(Action::Read, &warrant_access(w)))
            .collect();
        if warrants.is_empty() {
            return Err(AppError::NotFound);
        }
        drop(c);
        let mut timeline = Vec::new();
        let mut views = Vec::new();
        for w in &warrants {
            let v = self.warrant(actor, &w.id).await?;
            for h in &v.history {
                timeline.push(TimelineEntry {
                    on: h.effective_on,
                    kind: "warrant".into(),
                    label: h.action.clone(),
                    detail: format!("{} ({})", v.summary.reference, v.summary.case_name),
                    link: format!("/warrants/{}", w.id),
                });
            }
            for r in &v.requests {
                timeline.push(TimelineEntry {
                    on: r.transmitted_on.unwrap_or(r.updated_at.date_naive()),
                    kind: "request".into(),
                    label: r.status.clone(),
                    detail: format!("{} to {}", r.reference, r.partner_name),
                    link: format!("/requests/{}", r.id),
                });
            }
            views.push(v);
        }
        let alerts = self.alerts_about(actor, &person.id).await?;
        for a in &alerts {
            timeline.push(TimelineEntry {
                on: a.expected_from.unwrap_or(a.created_on),
                kind: "alert".into(),
                label: a.status.clone(),
                detail: a.destination_names.join(", "),
                link: format!("/alerts/{}", a.id),
            });
        }
        let demarches = self.demarches_about(actor, crate::demarches::About::Person(&person.id)).await?;
        for d in &demarches {
            timeline.push(TimelineEntry {
                on: d.happened_on,
                kind: "demarche".into(),
                label: d.kind.clone(),
                detail: format!("{}: {}", d.partner_name.clone().unwrap_or_else(|| d.organisation.clone()), d.summary),
                link: String::new(),
            });
        }
        timeline.sort_by_key(|t| std::cmp::Reverse(t.on));
        Ok(PersonPage { person: person_view(&person), warrants: views, alerts, demarches, timeline })
    }

    /// Sets or replaces the person's photo (JPEG or PNG).
    pub async fn set_person_photo(&self, actor: &Actor, id: &str, bytes: &[u8]) -> Result<PersonView> {
        let media_type = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            "image/jpeg"
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "image/png"
        } else {
            return Err(AppError::field("photo", "must be a JPEG or PNG image"));
        };
        if bytes.len() > 5 * 1024 * 1024 {
            return Err(AppError::field("photo", "must be at most 5 MB"));
        }
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let mut p = store::person(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let writable = store::warrants(&mut tx)
            .await?
            .iter()
            .filter(|w| w.person_id == p.id)
            .map(|w| actor.check(Action::Update, &warrant_access(w)))
            .reduce(|a, b| if a.is_ok() { a } else { b })
            .unwrap_or(Err(AppError::NotFound));
        writable?;
        let sha = crate::documents::sha256_hex(bytes);
        request_store::put_blob(&mut tx, &sha, bytes, now).await?;
        let read = p.version;
        p.photo_sha256 = Some(sha);
        p.photo_media_type = Some(media_type.into());
        p.updated_at = now;
        if !store::update_person(&mut tx, &p, read).await? {
            return Err(AppError::StaleVersion { current: read + 1 });
        }
        p.version += 1;
        trail::record(
            &mut tx,
            now,
            actor,
            "person.photo",
            Target::new(RecordKind::Warrant, &p.id, Classification::Internal),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(person_view(&p))
    }

    /// The person's photo, for those who may see the person.
    pub async fn person_photo(&self, actor: &Actor, id: &str) -> Result<(String, Vec<u8>)> {
        let mut c = self.db.read().await?;
        let p = store::person(&mut c, id).await?.ok_or(AppError::NotFound)?;
        if !self.person_visible(&mut c, actor, &p.id).await? {
            return Err(AppError::NotFound);
        }
        let (Some(sha), Some(media)) = (p.photo_sha256, p.photo_media_type) else {
            return Err(AppError::NotFound);
        };
        let bytes = request_store::blob(&mut c, &sha).await?.ok_or(AppError::NotFound)?;
        Ok((media, bytes))
    }
}

/// What a State's law allows for arrest and surrender, kept with the partner.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ArrestLaw {
    /// implemented, partial, none or unknown.
    pub surrender_law: String,
    /// The instruments, procedures, and any art. 98 agreement worth knowing before asking.
    #[serde(default)]
    pub notes: String,
}

/// One past warrant with the steps of its history, as an import file gives it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct WarrantImportRow {
    #[serde(flatten)]
    pub warrant: WarrantInput,
    /// Status changes after the issue, each with the day it happened.
    #[serde(default)]
    pub history: Vec<ImportedStep>,
    /// For a warrant issued under seal and since unsealed: the day (YYYY-MM-DD).
    pub unsealed_on: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ImportedStep {
    pub status: String,
    pub effective_on: String,
    #[serde(default)]
    pub note: String,
}

/// What an import did, or would do on a dry run.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct WarrantImportReport {
    pub rows: usize,
    pub imported: usize,
    /// Rows whose reference was already known.
    pub skipped: usize,
    pub errors: Vec<RowError>,
    pub dry_run: bool,
}

/// A problem with one row (1-based) of an import file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub problem: String,
}

/// A person's page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonPage {
    pub person: PersonView,
    pub warrants: Vec<WarrantView>,
    pub alerts: Vec<crate::alerts::AlertSummary>,
    pub demarches: Vec<crate::demarches::DemarcheView>,
    /// Everything above in one list, most recent first.
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub on: NaiveDate,
    /// warrant, request, alert or demarche.
    pub kind: String,
    pub label: String,
    pub detail: String,
    /// Where the entry's record is, in the UI.
    pub link: String,
}

async fn persons_by_id(ex: &mut impl Executor) -> Result<BTreeMap<String, Person>> {
    Ok(store::persons(ex).await?.into_iter().map(|p| (p.id.clone(), p)).collect())
}

fn is_public(w: &Warrant) -> bool {
    !w.under_seal && w.classification == Classification::Public.code()
}

fn at_large(
    warrants: &[Warrant],
    events: &[WarrantEvent],
    persons: &BTreeMap<String, Person>,
    on: NaiveDate,
    visible: impl Fn(&Warrant) -> bool,
    counts_all: bool,
) -> WarrantStatistics {
    let mut histories: BTreeMap<&str, Vec<WarrantEvent>> = BTreeMap::new();
    for e in events {
        histories.entry(e.warrant_id.as_str()).or_default().push(e.clone());
    }
    let mut named: BTreeMap<String, AtLargeEntry> = BTreeMap::new();
    let mut unnamed: BTreeSet<String> = BTreeSet::new();
    for w in warrants {
        let seen = visible(w);
        if !seen && !counts_all {
            continue;
        }
        let Some(kind) = WarrantKind::parse(&w.kind) else { continue };
        let history = histories.get(w.id.as_str()).map(Vec::as_slice).unwrap_or_default();
        if !at_large_on(kind, w.issued_on, &steps_of(history), on) {
            continue;
        }
        if seen {
            named.entry(w.person_id.clone()).or_insert_with(|| AtLargeEntry {
                person_id: w.person_id.clone(),
                name: persons.get(&w.person_id).map(|p| p.name.clone()).unwrap_or_default(),
                warrant_id: w.id.clone(),
                reference: w.reference.clone(),
                case_name: w.case_name.clone(),
                issued_on: w.issued_on,
            });
        } else {
            unnamed.insert(w.person_id.clone());
        }
    }
    let not_named = unnamed.iter().filter(|p| !named.contains_key(*p)).count();
    let mut named: Vec<AtLargeEntry> = named.into_values().collect();
    named.sort_by(|a, b| a.name.cmp(&b.name));
    WarrantStatistics { on, at_large: named.len() + not_named, named, not_named }
}

fn parse_required_date(e: &mut FieldErrors, field: &str, value: &str) -> Option<NaiveDate> {
    if value.trim().is_empty() {
        e.add(field, "is required");
        return None;
    }
    parse_date(e, field, value.trim())
}

/// The request a State receives for the person's arrest, its checklist filled from the
/// warrant so the drafter only adds what is particular to the State.
pub(crate) fn arrest_request_input(
    w: &Warrant,
    person: &Person,
    nationality: Option<&str>,
    line_type: LineType,
    partner_id: &str,
    on_behalf_of: &str,
    input: &ArrestRequestsInput,
) -> RequestInput {
    let aliases: Vec<String> = serde_json::from_str(&person.aliases).unwrap_or_default();
    let mut description = person.name.clone();
    if !aliases.is_empty() {
        description.push_str(&format!(" (also known as {})", aliases.join(", ")));
    }
    if let Some(b) = person.born_on {
        description.push_str(&format!(", born on {b}"));
    }
    if let Some(n) = nationality {
        description.push_str(&format!(", national of {n}"));
    }
    let warrant_reference = format!("{}, issued by {} on {}", w.reference, w.chamber, w.issued_on);
    let mut content = BTreeMap::new();
    content.insert("person_description".to_owned(), description);
    content.insert("warrant_reference".to_owned(), warrant_reference);
    if !input.probable_location.trim().is_empty() {
        content.insert("probable_location".to_owned(), input.probable_location.trim().to_owned());
    }
    match line_type {
        LineType::ProvisionalArrest => {
            content.insert("crimes_and_facts".to_owned(), format!("{}\n\n{}", w.crimes, w.facts).trim().to_owned());
            content.insert(
                "surrender_request_to_follow".to_owned(),
                "A request for surrender will follow within 60 days of the provisional arrest (rule 188).".to_owned(),
            );
        }
        _ => {
            if !input.national_requirements.trim().is_empty() {
                content.insert("national_requirements".to_owned(), input.national_requirements.trim().to_owned());
            }
        }
    }
    let what = match line_type {
        LineType::ProvisionalArrest => "Provisional arrest",
        _ => "Arrest and surrender",
    };
    RequestInput {
        on_behalf_of: on_behalf_of.to_owned(),
        partner_id: partner_id.to_owned(),
        title: format!("{what} of {}", person.name),
        purpose: format!("{what} of {} under the warrant {}", person.name, w.reference),
        facts: w.facts.clone(),
        legal_basis: match line_type {
            LineType::ProvisionalArrest => "Articles 89 and 92 of the Rome Statute",
            _ => "Articles 89 and 91 of the Rome Statute",
        }
        .into(),
        situation: w.situation.clone(),
        case_name: w.case_name.clone(),
        persons: vec![crate::requests::LinkedPerson {
            name: person.name.clone(),
            role: "suspect".into(),
            protected: false,
        }],
        urgency: input.urgency.clone().or_else(|| (line_type == LineType::ProvisionalArrest).then(|| "urgent".into())),
        deadline: input.deadline.clone(),
        classification: Some(if w.under_seal { "ex_parte" } else { "confidential" }.into()),
        decision_reference: w.reference.clone(),
        lines: vec![LineInput { line_type: line_type.code().into(), content, cost_allocation: None }],
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(warrant: &str, status: PersonStatus, on: &str) -> WarrantEvent {
        WarrantEvent {
            id: comity_store::new_id(),
            warrant_id: warrant.into(),
            seq: 0,
            action: status.code().into(),
            status: status.code().into(),
            effective_on: on.parse().unwrap(),
            recorded_at: chrono::DateTime::UNIX_EPOCH,
            actor: "t".into(),
            note: String::new(),
            request_id: None,
        }
    }

    #[test]
    fn the_current_status_is_the_latest_by_effective_day() {
        let issued: NaiveDate = "2020-01-01".parse().unwrap();
        let events =
            [event("w", PersonStatus::Surrendered, "2020-05-01"), event("w", PersonStatus::Arrested, "2020-04-01")];
        assert_eq!(current_status(issued, &events), (PersonStatus::Surrendered, "2020-05-01".parse().unwrap()));
        assert_eq!(current_status(issued, &[]), (PersonStatus::AtLarge, issued));
    }
}
