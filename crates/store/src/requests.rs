//! Requests for cooperation: the request, its lines, its append-only history and its
//! documents, and the change feed the application's register index follows.

use chrono::{DateTime, NaiveDate, Utc};

use crate::{Executor, Result, Sql};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Request {
    pub id: String,
    pub reference: String,
    pub direction: String,
    pub organ: String,
    pub on_behalf_of: String,
    pub kind: String,
    pub parent_id: Option<String>,
    pub partner_id: String,
    pub title: String,
    pub purpose: String,
    pub facts: String,
    pub legal_basis: String,
    pub situation: String,
    pub case_name: String,
    pub persons: String,
    pub urgency: String,
    pub deadline: Option<NaiveDate>,
    pub cost_allocation: String,
    pub classification: String,
    pub status: String,
    pub resume_status: Option<String>,
    pub owner_unit_id: String,
    pub acting_for_unit_id: Option<String>,
    pub chamber_unit_id: Option<String>,
    pub transmitting_unit_id: String,
    pub responsible_user_id: Option<String>,
    pub decision_reference: String,
    pub profile_id: Option<String>,
    pub channel: Option<String>,
    pub receiving_authority: Option<String>,
    pub language: Option<String>,
    pub national_reference: Option<String>,
    pub transmitted_on: Option<NaiveDate>,
    pub first_response_on: Option<NaiveDate>,
    pub executed_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub provisional_arrest_on: Option<NaiveDate>,
    pub imported_at: Option<DateTime<Utc>>,
    pub imported_by: Option<String>,
    pub created_by: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const REQUEST_COLUMNS: &str = "id, reference, direction, organ, on_behalf_of, kind, parent_id, partner_id, title, \
    purpose, facts, legal_basis, situation, case_name, persons, urgency, deadline, cost_allocation, classification, \
    status, resume_status, owner_unit_id, acting_for_unit_id, chamber_unit_id, transmitting_unit_id, \
    responsible_user_id, decision_reference, profile_id, channel, receiving_authority, language, national_reference, \
    transmitted_on, first_response_on, executed_on, closed_on, provisional_arrest_on, imported_at, imported_by, \
    created_by, version, created_at, updated_at";

fn bind_request(mut sql: Sql, r: &Request) -> Sql {
    sql = sql
        .bind(&r.id)
        .bind(&r.reference)
        .bind(&r.direction)
        .bind(&r.organ)
        .bind(&r.on_behalf_of)
        .bind(&r.kind)
        .bind(r.parent_id.clone())
        .bind(&r.partner_id)
        .bind(&r.title)
        .bind(&r.purpose)
        .bind(&r.facts)
        .bind(&r.legal_basis)
        .bind(&r.situation)
        .bind(&r.case_name)
        .bind(&r.persons)
        .bind(&r.urgency)
        .bind(r.deadline)
        .bind(&r.cost_allocation)
        .bind(&r.classification)
        .bind(&r.status)
        .bind(r.resume_status.clone())
        .bind(&r.owner_unit_id)
        .bind(r.acting_for_unit_id.clone())
        .bind(r.chamber_unit_id.clone())
        .bind(&r.transmitting_unit_id)
        .bind(r.responsible_user_id.clone())
        .bind(&r.decision_reference)
        .bind(r.profile_id.clone())
        .bind(r.channel.clone())
        .bind(r.receiving_authority.clone())
        .bind(r.language.clone())
        .bind(r.national_reference.clone())
        .bind(r.transmitted_on)
        .bind(r.first_response_on)
        .bind(r.executed_on)
        .bind(r.closed_on)
        .bind(r.provisional_arrest_on)
        .bind(r.imported_at)
        .bind(r.imported_by.clone())
        .bind(&r.created_by)
        .bind(r.version)
        .bind(r.created_at)
        .bind(r.updated_at);
    sql
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// The counter whose next value every insert or update of a request takes (`change_seq`), so
/// that a reader holding the highest value it has seen can ask for everything newer. The
/// counter's row is locked until the writing transaction ends, so on PostgreSQL too the changes
/// commit in the order of their numbers and a reader never skips one still in flight.
pub const REQUEST_CHANGES: &str = "request_changes";

pub async fn insert_request(ex: &mut impl Executor, r: &Request) -> Result<()> {
    let seq = next_counter(ex, REQUEST_CHANGES).await?;
    let sql = Sql::new(&format!(
        "INSERT INTO requests ({REQUEST_COLUMNS}, change_seq) VALUES ({}, $44)",
        placeholders(1, 43)
    ));
    bind_request(sql, r).bind(seq).execute(ex).await.map(|_| ())
}

/// Rewrites every column of the request if `expected_version` is current, and bumps the
/// version; false means someone else changed it first.
pub async fn update_request(ex: &mut impl Executor, r: &Request, expected_version: i64) -> Result<bool> {
    let sets = REQUEST_COLUMNS
        .split(',')
        .map(str::trim)
        .enumerate()
        .filter(|(_, c)| *c != "id")
        .map(|(i, c)| if c == "version" { "version = version + 1".to_owned() } else { format!("{c} = ${}", i + 1) })
        .collect::<Vec<_>>()
        .join(", ");
    let seq = next_counter(ex, REQUEST_CHANGES).await?;
    let sql = Sql::new(&format!("UPDATE requests SET {sets}, change_seq = $45 WHERE id = $1 AND version = $44"));
    Ok(bind_request(sql, r).bind(expected_version).bind(seq).execute(ex).await? == 1)
}

pub async fn request(ex: &mut impl Executor, id: &str) -> Result<Option<Request>> {
    Sql::new(&format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE id = $1")).bind(id).fetch_optional(ex).await
}

pub async fn request_by_reference(ex: &mut impl Executor, reference: &str) -> Result<Option<Request>> {
    Sql::new(&format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE reference = $1"))
        .bind(reference)
        .fetch_optional(ex)
        .await
}

/// The next value of a named counter, created at 1; serialised by the row it updates.
pub async fn next_counter(ex: &mut impl Executor, name: &str) -> Result<i64> {
    Sql::new("INSERT INTO counters (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .execute(ex)
        .await?;
    let (v,): (i64,) = Sql::new("UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value")
        .bind(name)
        .fetch_one(ex)
        .await?;
    Ok(v)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Line {
    pub id: String,
    pub request_id: String,
    pub position: i64,
    pub line_type: String,
    pub content: String,
    pub cost_allocation: String,
    pub outcome: String,
    pub outcome_on: Option<NaiveDate>,
    pub outcome_note: String,
}

pub async fn insert_line(ex: &mut impl Executor, l: &Line) -> Result<()> {
    Sql::new(
        "INSERT INTO request_lines (id, request_id, position, line_type, content, cost_allocation, outcome, \
         outcome_on, outcome_note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&l.id)
    .bind(&l.request_id)
    .bind(l.position)
    .bind(&l.line_type)
    .bind(&l.content)
    .bind(&l.cost_allocation)
    .bind(&l.outcome)
    .bind(l.outcome_on)
    .bind(&l.outcome_note)
    .execute(ex)
    .await
    .map(|_| ())
}

/// Replaces a draft's lines (drafts are edited as a whole).
pub async fn delete_lines(ex: &mut impl Executor, request_id: &str) -> Result<()> {
    Sql::new("DELETE FROM request_lines WHERE request_id = $1").bind(request_id).execute(ex).await.map(|_| ())
}

pub async fn set_line_outcome(
    ex: &mut impl Executor,
    line_id: &str,
    outcome: &str,
    on: Option<NaiveDate>,
    note: &str,
) -> Result<()> {
    Sql::new("UPDATE request_lines SET outcome = $1, outcome_on = $2, outcome_note = $3 WHERE id = $4")
        .bind(outcome)
        .bind(on)
        .bind(note)
        .bind(line_id)
        .execute(ex)
        .await
        .map(|_| ())
}

pub async fn lines(ex: &mut impl Executor, request_id: &str) -> Result<Vec<Line>> {
    Sql::new("SELECT * FROM request_lines WHERE request_id = $1 ORDER BY position").bind(request_id).fetch_all(ex).await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Event {
    pub id: String,
    pub request_id: String,
    pub seq: i64,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub effective_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    pub reason: String,
    pub detail: String,
}

/// Appends to a request's history; the sequence number is the next after the last.
pub async fn append_event(ex: &mut impl Executor, e: &Event) -> Result<i64> {
    let (seq,): (i64,) = Sql::new("SELECT COALESCE(MAX(seq), 0) + 1 FROM request_events WHERE request_id = $1")
        .bind(&e.request_id)
        .fetch_one(ex)
        .await?;
    Sql::new(
        "INSERT INTO request_events (id, request_id, seq, action, from_status, to_status, effective_on, recorded_at, \
         actor, reason, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&e.id)
    .bind(&e.request_id)
    .bind(seq)
    .bind(&e.action)
    .bind(e.from_status.clone())
    .bind(&e.to_status)
    .bind(e.effective_on)
    .bind(e.recorded_at)
    .bind(&e.actor)
    .bind(&e.reason)
    .bind(&e.detail)
    .execute(ex)
    .await?;
    Ok(seq)
}

pub async fn events(ex: &mut impl Executor, request_id: &str) -> Result<Vec<Event>> {
    Sql::new("SELECT * FROM request_events WHERE request_id = $1 ORDER BY seq").bind(request_id).fetch_all(ex).await
}

/// What the register index keeps of a request: the fields lists filter, sort, search on and
/// show, and those the access policy decides on.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegisterRow {
    pub id: String,
    pub reference: String,
    pub title: String,
    pub purpose: String,
    pub direction: String,
    pub organ: String,
    pub on_behalf_of: String,
    pub partner_id: String,
    pub situation: String,
    pub status: String,
    pub kind: String,
    pub urgency: String,
    pub classification: String,
    pub owner_unit_id: String,
    pub acting_for_unit_id: Option<String>,
    pub chamber_unit_id: Option<String>,
    pub transmitting_unit_id: String,
    pub responsible_user_id: Option<String>,
    pub created_by: String,
    pub deadline: Option<NaiveDate>,
    pub transmitted_on: Option<NaiveDate>,
    pub first_response_on: Option<NaiveDate>,
    pub executed_on: Option<NaiveDate>,
    pub imported_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub change_seq: i64,
    /// Comma-separated, in the order of the lines.
    pub line_types: String,
}

/// Requests inserted or changed after change `after`, oldest change first (all of them for a
/// negative `after`).
pub async fn register_changes(ex: &mut impl Executor, after: i64) -> Result<Vec<RegisterRow>> {
    let agg = line_type_aggregate(ex.engine());
    Sql::new(&format!(
        "SELECT r.id, r.reference, r.title, r.purpose, r.direction, r.organ, r.on_behalf_of, r.partner_id, \
         r.situation, r.status, r.kind, r.urgency, r.classification, r.owner_unit_id, r.acting_for_unit_id, \
         r.chamber_unit_id, r.transmitting_unit_id, r.responsible_user_id, r.created_by, r.deadline, \
         r.transmitted_on, r.first_response_on, r.executed_on, r.imported_at, r.updated_at, r.change_seq, COALESCE((SELECT {agg} FROM request_lines l WHERE l.request_id = r.id), '') AS line_types \
         FROM requests r WHERE r.change_seq > $1 ORDER BY r.change_seq"
    ))
    .bind(after)
    .fetch_all(ex)
    .await
}

/// The light projection the figures are computed from.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RequestFacts {
    pub id: String,
    pub direction: String,
    pub organ: String,
    pub on_behalf_of: String,
    pub kind: String,
    pub partner_id: String,
    pub status: String,
    pub classification: String,
    pub transmitted_on: Option<NaiveDate>,
    pub first_response_on: Option<NaiveDate>,
    pub executed_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    /// Comma-separated line types.
    pub line_types: String,
}

/// Facts of the requests that follow up or supplement `parent_id`.
pub async fn follow_ups(ex: &mut impl Executor, parent_id: &str) -> Result<Vec<RequestFacts>> {
    let agg = line_type_aggregate(ex.engine());
    Sql::new(&format!(
        "SELECT r.id, r.direction, r.organ, r.on_behalf_of, r.kind, r.partner_id, r.status, r.classification, \
         r.transmitted_on, r.first_response_on, r.executed_on, r.closed_on, r.deadline, \
         COALESCE((SELECT {agg} FROM request_lines l WHERE l.request_id = r.id), '') AS line_types \
         FROM requests r WHERE r.parent_id = $1"
    ))
    .bind(parent_id)
    .fetch_all(ex)
    .await
}

/// A request's line types, comma-separated in the order of its lines.
fn line_type_aggregate(engine: crate::Engine) -> &'static str {
    match engine {
        crate::Engine::Sqlite => "group_concat(l.line_type, ',' ORDER BY l.position)",
        crate::Engine::Postgres => "string_agg(l.line_type, ',' ORDER BY l.position)",
    }
}

/// Facts of requests sent or received in `[from, to]` (all requests when both are none),
/// optionally for one partner.
pub async fn facts(
    ex: &mut impl Executor,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    partner_id: Option<&str>,
) -> Result<Vec<RequestFacts>> {
    let agg = line_type_aggregate(ex.engine());
    let mut sql = Sql::new(&format!(
        "SELECT r.id, r.direction, r.organ, r.on_behalf_of, r.kind, r.partner_id, r.status, r.classification, \
         r.transmitted_on, r.first_response_on, r.executed_on, r.closed_on, r.deadline, \
         COALESCE((SELECT {agg} FROM request_lines l WHERE l.request_id = r.id), '') AS line_types \
         FROM requests r WHERE 1 = 1"
    ));
    if let Some(d) = from {
        sql.push(" AND r.transmitted_on >= ").push_bind(d);
    }
    if let Some(d) = to {
        sql.push(" AND r.transmitted_on <= ").push_bind(d);
    }
    if let Some(p) = partner_id {
        sql.push(" AND r.partner_id = ").push_bind(p);
    }
    sql.fetch_all(ex).await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Document {
    pub id: String,
    pub request_id: String,
    pub sha256: String,
    pub filename: String,
    pub media_type: String,
    pub size: i64,
    pub kind: String,
    pub language: Option<String>,
    pub description: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

/// Stores file contents once per hash.
pub async fn put_blob(ex: &mut impl Executor, sha256: &str, content: &[u8], at: DateTime<Utc>) -> Result<()> {
    Sql::new(
        "INSERT INTO blobs (sha256, size, content, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha256)
    .bind(content.len() as i64)
    .bind(content.to_vec())
    .bind(at)
    .execute(ex)
    .await
    .map(|_| ())
}

pub async fn blob(ex: &mut impl Executor, sha256: &str) -> Result<Option<Vec<u8>>> {
    let row: Option<(Vec<u8>,)> =
        Sql::new("SELECT content FROM blobs WHERE sha256 = $1").bind(sha256).fetch_optional(ex).await?;
    Ok(row.map(|r| r.0))
}

pub async fn insert_document(ex: &mut impl Executor, d: &Document) -> Result<()> {
    Sql::new(
        "INSERT INTO request_documents (id, request_id, sha256, filename, media_type, size, kind, language, \
         description, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&d.id)
    .bind(&d.request_id)
    .bind(&d.sha256)
    .bind(&d.filename)
    .bind(&d.media_type)
    .bind(d.size)
    .bind(&d.kind)
    .bind(d.language.clone())
    .bind(&d.description)
    .bind(&d.uploaded_by)
    .bind(d.uploaded_at)
    .execute(ex)
    .await
    .map(|_| ())
}

pub async fn documents(ex: &mut impl Executor, request_id: &str) -> Result<Vec<Document>> {
    Sql::new("SELECT * FROM request_documents WHERE request_id = $1 ORDER BY uploaded_at, id")
        .bind(request_id)
        .fetch_all(ex)
        .await
}

pub async fn document(ex: &mut impl Executor, id: &str) -> Result<Option<Document>> {
    Sql::new("SELECT * FROM request_documents WHERE id = $1").bind(id).fetch_optional(ex).await
}
