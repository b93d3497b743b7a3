//! Warrants, the persons they name and the requests sent to arrest them; travel alerts,
//! démarches, and findings of non-compliance with their Assembly steps.
//!
//! These registers hold hundreds of rows, not millions: lists are read whole and filtered by
//! the access policy in the application, which keeps every visibility rule in one place.

use chrono::{DateTime, NaiveDate, Utc};

use crate::{Executor, Result, Sql};

/// `INSERT INTO table (columns) VALUES ($1, ..., $n)`.
fn insert_sql(table: &str, columns: &str) -> String {
    let n = columns.split(',').count();
    let values = (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    format!("INSERT INTO {table} ({columns}) VALUES ({values})")
}

/// An update of every column but the first (the id, `$1`), checked against the version read
/// (`$n+1`), which it bumps.
fn update_sql(table: &str, columns: &str) -> String {
    let names: Vec<&str> = columns.split(',').map(str::trim).collect();
    let sets = names
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, c)| if *c == "version" { "version = version + 1".to_owned() } else { format!("{c} = ${}", i + 1) })
        .collect::<Vec<_>>()
        .join(", ");
    format!("UPDATE {table} SET {sets} WHERE id = $1 AND version = ${}", names.len() + 1)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Person {
    pub id: String,
    pub name: String,
    /// JSON array of other names and spellings.
    pub aliases: String,
    pub born_on: Option<NaiveDate>,
    pub nationality: Option<String>,
    pub photo_sha256: Option<String>,
    pub photo_media_type: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const PERSON_COLUMNS: &str = "id, name, aliases, born_on, nationality, photo_sha256, photo_media_type, created_by, \
                              created_at, updated_at, version";

fn bind_person(sql: Sql, p: &Person) -> Sql {
    sql.bind(&p.id)
        .bind(&p.name)
        .bind(&p.aliases)
        .bind(p.born_on)
        .bind(p.nationality.clone())
        .bind(p.photo_sha256.clone())
        .bind(p.photo_media_type.clone())
        .bind(&p.created_by)
        .bind(p.created_at)
        .bind(p.updated_at)
        .bind(p.version)
}

pub async fn insert_person(ex: &mut impl Executor, p: &Person) -> Result<()> {
    bind_person(Sql::new(&insert_sql("persons", PERSON_COLUMNS)), p).execute(ex).await.map(|_| ())
}

/// False when someone else changed the person since `expected_version` was read.
pub async fn update_person(ex: &mut impl Executor, p: &Person, expected_version: i64) -> Result<bool> {
    Ok(bind_person(Sql::new(&update_sql("persons", PERSON_COLUMNS)), p).bind(expected_version).execute(ex).await? == 1)
}

pub async fn person(ex: &mut impl Executor, id: &str) -> Result<Option<Person>> {
    Sql::new(&format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1")).bind(id).fetch_optional(ex).await
}

pub async fn persons(ex: &mut impl Executor) -> Result<Vec<Person>> {
    Sql::new(&format!("SELECT {PERSON_COLUMNS} FROM persons ORDER BY name, id")).fetch_all(ex).await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Warrant {
    pub id: String,
    pub reference: String,
    pub person_id: String,
    pub kind: String,
    pub situation: String,
    pub case_name: String,
    pub chamber: String,
    pub issued_on: NaiveDate,
    pub crimes: String,
    pub facts: String,
    pub classification: String,
    pub under_seal: bool,
    pub unsealed_on: Option<NaiveDate>,
    pub owner_unit_id: String,
    /// Comma-separated unit ids.
    pub named_units: String,
    pub status: String,
    pub status_on: NaiveDate,
    pub imported_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const WARRANT_COLUMNS: &str = "id, reference, person_id, kind, situation, case_name, chamber, issued_on, crimes, \
                               facts, classification, under_seal, unsealed_on, owner_unit_id, named_units, status, \
                               status_on, imported_at, created_by, created_at, updated_at, version";

fn bind_warrant(sql: Sql, w: &Warrant) -> Sql {
    sql.bind(&w.id)
        .bind(&w.reference)
        .bind(&w.person_id)
        .bind(&w.kind)
        .bind(&w.situation)
        .bind(&w.case_name)
        .bind(&w.chamber)
        .bind(w.issued_on)
        .bind(&w.crimes)
        .bind(&w.facts)
        .bind(&w.classification)
        .bind(w.under_seal)
        .bind(w.unsealed_on)
        .bind(&w.owner_unit_id)
        .bind(&w.named_units)
        .bind(&w.status)
        .bind(w.status_on)
        .bind(w.imported_at)
        .bind(&w.created_by)
        .bind(w.created_at)
        .bind(w.updated_at)
        .bind(w.version)
}

pub async fn insert_warrant(ex: &mut impl Executor, w: &Warrant) -> Result<()> {
    bind_warrant(Sql::new(&insert_sql("warrants", WARRANT_COLUMNS)), w).execute(ex).await.map(|_| ())
}

/// False when someone else changed the warrant since `expected_version` was read.
pub async fn update_warrant(ex: &mut impl Executor, w: &Warrant, expected_version: i64) -> Result<bool> {
    Ok(bind_warrant(Sql::new(&update_sql("warrants", WARRANT_COLUMNS)), w).bind(expected_version).execute(ex).await?
        == 1)
}

pub async fn warrant(ex: &mut impl Executor, id: &str) -> Result<Option<Warrant>> {
    Sql::new(&format!("SELECT {WARRANT_COLUMNS} FROM warrants WHERE id = $1")).bind(id).fetch_optional(ex).await
}

pub async fn warrant_by_reference(ex: &mut impl Executor, reference: &str) -> Result<Option<Warrant>> {
    Sql::new(&format!("SELECT {WARRANT_COLUMNS} FROM warrants WHERE reference = $1"))
        .bind(reference)
        .fetch_optional(ex)
        .await
}

/// Every warrant, oldest first.
pub async fn warrants(ex: &mut impl Executor) -> Result<Vec<Warrant>> {
    Sql::new(&format!("SELECT {WARRANT_COLUMNS} FROM warrants ORDER BY issued_on, reference")).fetch_all(ex).await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WarrantEvent {
    pub id: String,
    pub warrant_id: String,
    pub seq: i64,
    /// The person status set, `issued` or `unsealed`.
    pub action: String,
    pub status: String,
    pub effective_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    pub note: String,
    pub request_id: Option<String>,
}

/// Appends a step to a warrant's history, numbered after the last.
pub async fn append_warrant_event(ex: &mut impl Executor, e: &WarrantEvent) -> Result<()> {
    Sql::new(
        "INSERT INTO warrant_events (id, warrant_id, seq, action, status, effective_on, recorded_at, actor, note, \
         request_id) SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8, $9 FROM warrant_events \
         WHERE warrant_id = $2",
    )
    .bind(&e.id)
    .bind(&e.warrant_id)
    .bind(&e.action)
    .bind(&e.status)
    .bind(e.effective_on)
    .bind(e.recorded_at)
    .bind(&e.actor)
    .bind(&e.note)
    .bind(e.request_id.clone())
    .execute(ex)
    .await
    .map(|_| ())
}

pub async fn warrant_events(ex: &mut impl Executor, warrant_id: &str) -> Result<Vec<WarrantEvent>> {
    Sql::new("SELECT * FROM warrant_events WHERE warrant_id = $1 ORDER BY seq").bind(warrant_id).fetch_all(ex).await
}

/// Every warrant's history, in the order it was recorded.
pub async fn all_warrant_events(ex: &mut impl Executor) -> Result<Vec<WarrantEvent>> {
    Sql::new("SELECT * FROM warrant_events ORDER BY warrant_id, seq").fetch_all(ex).await
}

pub async fn link_request(ex: &mut impl Executor, warrant_id: &str, request_id: &str) -> Result<()> {
    Sql::new("INSERT INTO warrant_requests (request_id, warrant_id) VALUES ($1, $2)")
        .bind(request_id)
        .bind(warrant_id)
        .execute(ex)
        .await
        .map(|_| ())
}

/// The requests sent under a warrant.
pub async fn requests_of_warrant(ex: &mut impl Executor, warrant_id: &str) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = Sql::new("SELECT request_id FROM warrant_requests WHERE warrant_id = $1")
        .bind(warrant_id)
        .fetch_all(ex)
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The warrant a request was sent under, if any.
pub async fn warrant_of_request(ex: &mut impl Executor, request_id: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = Sql::new("SELECT warrant_id FROM warrant_requests WHERE request_id = $1")
        .bind(request_id)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(|r| r.0))
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TravelAlert {
    pub id: String,
    pub person_id: Option<String>,
    pub reported_name: String,
    /// Comma-separated partner ids.
    pub destinations: String,
    pub expected_from: Option<NaiveDate>,
    pub expected_to: Option<NaiveDate>,
    pub source: String,
    pub source_reliability: String,
    pub information_credibility: String,
    pub status: String,
    pub intake: String,
    pub summary: String,
    pub outcome: String,
    pub message_id: Option<String>,
    pub message_sha256: Option<String>,
    pub classification: String,
    pub owner_unit_id: String,
    pub named_units: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const ALERT_COLUMNS: &str = "id, person_id, reported_name, destinations, expected_from, expected_to, source, \
                             source_reliability, information_credibility, status, intake, summary, outcome, \
                             message_id, message_sha256, classification, owner_unit_id, named_units, created_by, \
                             created_at, updated_at, version";

fn bind_alert(sql: Sql, a: &TravelAlert) -> Sql {
    sql.bind(&a.id)
        .bind(a.person_id.clone())
        .bind(&a.reported_name)
        .bind(&a.destinations)
        .bind(a.expected_from)
        .bind(a.expected_to)
        .bind(&a.source)
        .bind(&a.source_reliability)
        .bind(&a.information_credibility)
        .bind(&a.status)
        .bind(&a.intake)
        .bind(&a.summary)
        .bind(&a.outcome)
        .bind(a.message_id.clone())
        .bind(a.message_sha256.clone())
        .bind(&a.classification)
        .bind(&a.owner_unit_id)
        .bind(&a.named_units)
        .bind(&a.created_by)
        .bind(a.created_at)
        .bind(a.updated_at)
        .bind(a.version)
}

pub async fn insert_alert(ex: &mut impl Executor, a: &TravelAlert) -> Result<()> {
    bind_alert(Sql::new(&insert_sql("travel_alerts", ALERT_COLUMNS)), a).execute(ex).await.map(|_| ())
}

/// False when someone else changed the alert since `expected_version` was read.
pub async fn update_alert(ex: &mut impl Executor, a: &TravelAlert, expected_version: i64) -> Result<bool> {
    Ok(bind_alert(Sql::new(&update_sql("travel_alerts", ALERT_COLUMNS)), a).bind(expected_version).execute(ex).await?
        == 1)
}

pub async fn alert(ex: &mut impl Executor, id: &str) -> Result<Option<TravelAlert>> {
    Sql::new(&format!("SELECT {ALERT_COLUMNS} FROM travel_alerts WHERE id = $1")).bind(id).fetch_optional(ex).await
}

pub async fn alert_by_message_id(ex: &mut impl Executor, message_id: &str) -> Result<Option<TravelAlert>> {
    Sql::new(&format!("SELECT {ALERT_COLUMNS} FROM travel_alerts WHERE message_id = $1"))
        .bind(message_id)
        .fetch_optional(ex)
        .await
}

/// Every alert, newest first.
pub async fn alerts(ex: &mut impl Executor) -> Result<Vec<TravelAlert>> {
    Sql::new(&format!("SELECT {ALERT_COLUMNS} FROM travel_alerts ORDER BY created_at DESC, id")).fetch_all(ex).await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Demarche {
    pub id: String,
    pub kind: String,
    pub partner_id: Option<String>,
    pub organisation: String,
    pub person_id: Option<String>,
    pub request_id: Option<String>,
    pub alert_id: Option<String>,
    pub happened_on: NaiveDate,
    pub summary: String,
    pub outcome: String,
    pub classification: String,
    pub owner_unit_id: String,
    pub named_units: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

const DEMARCHE_COLUMNS: &str = "id, kind, partner_id, organisation, person_id, request_id, alert_id, happened_on, \
                                summary, outcome, classification, owner_unit_id, named_units, created_by, created_at";

pub async fn insert_demarche(ex: &mut impl Executor, d: &Demarche) -> Result<()> {
    Sql::new(&insert_sql("demarches", DEMARCHE_COLUMNS))
        .bind(&d.id)
        .bind(&d.kind)
        .bind(d.partner_id.clone())
        .bind(&d.organisation)
        .bind(d.person_id.clone())
        .bind(d.request_id.clone())
        .bind(d.alert_id.clone())
        .bind(d.happened_on)
        .bind(&d.summary)
        .bind(&d.outcome)
        .bind(&d.classification)
        .bind(&d.owner_unit_id)
        .bind(&d.named_units)
        .bind(&d.created_by)
        .bind(d.created_at)
        .execute(ex)
        .await
        .map(|_| ())
}

/// Every démarche, most recent first.
pub async fn demarches(ex: &mut impl Executor) -> Result<Vec<Demarche>> {
    Sql::new(&format!("SELECT {DEMARCHE_COLUMNS} FROM demarches ORDER BY happened_on DESC, created_at DESC"))
        .fetch_all(ex)
        .await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Finding {
    pub id: String,
    pub partner_id: String,
    pub basis: String,
    pub decided_on: NaiveDate,
    pub chamber: String,
    pub decision_reference: String,
    pub warrant_id: Option<String>,
    pub summary: String,
    pub referral: String,
    pub referred_on: Option<NaiveDate>,
    pub reply_days: i64,
    pub classification: String,
    pub owner_unit_id: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const FINDING_COLUMNS: &str = "id, partner_id, basis, decided_on, chamber, decision_reference, warrant_id, summary, \
                               referral, referred_on, reply_days, classification, owner_unit_id, created_by, \
                               created_at, updated_at, version";

fn bind_finding(sql: Sql, f: &Finding) -> Sql {
    sql.bind(&f.id)
        .bind(&f.partner_id)
        .bind(&f.basis)
        .bind(f.decided_on)
        .bind(&f.chamber)
        .bind(&f.decision_reference)
        .bind(f.warrant_id.clone())
        .bind(&f.summary)
        .bind(&f.referral)
        .bind(f.referred_on)
        .bind(f.reply_days)
        .bind(&f.classification)
        .bind(&f.owner_unit_id)
        .bind(&f.created_by)
        .bind(f.created_at)
        .bind(f.updated_at)
        .bind(f.version)
}

pub async fn insert_finding(ex: &mut impl Executor, f: &Finding) -> Result<()> {
    bind_finding(Sql::new(&insert_sql("findings", FINDING_COLUMNS)), f).execute(ex).await.map(|_| ())
}

/// False when someone else changed the finding since `expected_version` was read.
pub async fn update_finding(ex: &mut impl Executor, f: &Finding, expected_version: i64) -> Result<bool> {
    Ok(bind_finding(Sql::new(&update_sql("findings", FINDING_COLUMNS)), f).bind(expected_version).execute(ex).await?
        == 1)
}

pub async fn finding(ex: &mut impl Executor, id: &str) -> Result<Option<Finding>> {
    Sql::new(&format!("SELECT {FINDING_COLUMNS} FROM findings WHERE id = $1")).bind(id).fetch_optional(ex).await
}

/// Every finding, most recent first.
pub async fn findings(ex: &mut impl Executor) -> Result<Vec<Finding>> {
    Sql::new(&format!("SELECT {FINDING_COLUMNS} FROM findings ORDER BY decided_on DESC, id")).fetch_all(ex).await
}

pub async fn link_finding_request(ex: &mut impl Executor, finding_id: &str, request_id: &str) -> Result<()> {
    Sql::new("INSERT INTO finding_requests (finding_id, request_id) VALUES ($1, $2)")
        .bind(finding_id)
        .bind(request_id)
        .execute(ex)
        .await
        .map(|_| ())
}

pub async fn finding_requests(ex: &mut impl Executor, finding_id: &str) -> Result<Vec<String>> {
    let rows: Vec<(String,)> =
        Sql::new("SELECT request_id FROM finding_requests WHERE finding_id = $1 ORDER BY request_id")
            .bind(finding_id)
            .fetch_all(ex)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FindingStep {
    pub id: String,
    pub finding_id: String,
    pub step: String,
    pub status: String,
    pub due_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
    pub note: String,
    pub document_sha256: Option<String>,
    pub document_name: Option<String>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

const STEP_COLUMNS: &str =
    "id, finding_id, step, status, due_on, done_on, note, document_sha256, document_name, updated_by, updated_at";

fn bind_step(sql: Sql, s: &FindingStep) -> Sql {
    sql.bind(&s.id)
        .bind(&s.finding_id)
        .bind(&s.step)
        .bind(&s.status)
        .bind(s.due_on)
        .bind(s.done_on)
        .bind(&s.note)
        .bind(s.document_sha256.clone())
        .bind(s.document_name.clone())
        .bind(&s.updated_by)
        .bind(s.updated_at)
}

pub async fn insert_step(ex: &mut impl Executor, s: &FindingStep) -> Result<()> {
    bind_step(Sql::new(&insert_sql("finding_steps", STEP_COLUMNS)), s).execute(ex).await.map(|_| ())
}

pub async fn update_step(ex: &mut impl Executor, s: &FindingStep) -> Result<()> {
    let sets = STEP_COLUMNS
        .split(',')
        .map(str::trim)
        .enumerate()
        .skip(1)
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    bind_step(Sql::new(&format!("UPDATE finding_steps SET {sets} WHERE id = $1")), s).execute(ex).await.map(|_| ())
}

/// Every step of every finding (the follow-up list needs them all).
pub async fn all_steps(ex: &mut impl Executor) -> Result<Vec<FindingStep>> {
    Sql::new(&format!("SELECT {STEP_COLUMNS} FROM finding_steps ORDER BY finding_id, id")).fetch_all(ex).await
}

pub async fn steps(ex: &mut impl Executor, finding_id: &str) -> Result<Vec<FindingStep>> {
    Sql::new(&format!("SELECT {STEP_COLUMNS} FROM finding_steps WHERE finding_id = $1 ORDER BY id"))
        .bind(finding_id)
        .fetch_all(ex)
        .await
}

/// What the partner's own law allows for arrest and surrender.
pub async fn arrest_law(ex: &mut impl Executor, partner_id: &str) -> Result<Option<(String, String)>> {
    Sql::new("SELECT surrender_law, arrest_notes FROM partners WHERE id = $1").bind(partner_id).fetch_optional(ex).await
}

pub async fn set_arrest_law(ex: &mut impl Executor, partner_id: &str, law: &str, notes: &str) -> Result<bool> {
    Ok(Sql::new("UPDATE partners SET surrender_law = $2, arrest_notes = $3 WHERE id = $1")
        .bind(partner_id)
        .bind(law)
        .bind(notes)
        .execute(ex)
        .await?
        == 1)
}
