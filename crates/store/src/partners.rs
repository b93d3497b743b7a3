//! The partner directory: partners, their treaty history, focal points and communication
//! profiles.

use chrono::{DateTime, NaiveDate, Utc};

use crate::{Executor, Result, Sql};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Partner {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub name_fr: Option<String>,
    pub iso3: Option<String>,
    pub regional_group: Option<String>,
    pub un_status: Option<String>,
    pub parent_id: Option<String>,
    pub website: Option<String>,
    pub description: String,
    pub classification: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn insert_partner(ex: &mut impl Executor, p: &Partner) -> Result<()> {
    Sql::new(
        "INSERT INTO partners (id, kind, name, name_fr, iso3, regional_group, un_status, parent_id, website, \
         description, classification, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&p.id)
    .bind(&p.kind)
    .bind(&p.name)
    .bind(p.name_fr.clone())
    .bind(p.iso3.clone())
    .bind(p.regional_group.clone())
    .bind(p.un_status.clone())
    .bind(p.parent_id.clone())
    .bind(p.website.clone())
    .bind(&p.description)
    .bind(&p.classification)
    .bind(p.version)
    .bind(p.created_at)
    .bind(p.updated_at)
    .execute(ex)
    .await
    .map(|_| ())
}

/// Updates the editable fields if `expected_version` is current; false means a stale edit.
pub async fn update_partner(ex: &mut impl Executor, p: &Partner, expected_version: i64) -> Result<bool> {
    Ok(Sql::new(
        "UPDATE partners SET name = $1, name_fr = $2, regional_group = $3, website = $4, description = $5, \
         version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8",
    )
    .bind(&p.name)
    .bind(p.name_fr.clone())
    .bind(p.regional_group.clone())
    .bind(p.website.clone())
    .bind(&p.description)
    .bind(p.updated_at)
    .bind(&p.id)
    .bind(expected_version)
    .execute(ex)
    .await?
        == 1)
}

pub async fn partner(ex: &mut impl Executor, id: &str) -> Result<Option<Partner>> {
    Sql::new("SELECT * FROM partners WHERE id = $1").bind(id).fetch_optional(ex).await
}

/// The English and French names of these partners (those that exist), in no order.
pub async fn names(ex: &mut impl Executor, ids: &[String]) -> Result<Vec<(String, String, Option<String>)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT id, name, name_fr FROM partners WHERE id IN ");
    push_in_list(&mut sql, ids);
    sql.fetch_all(ex).await
}

pub async fn count_partners(ex: &mut impl Executor) -> Result<i64> {
    let (n,): (i64,) = Sql::new("SELECT COUNT(*) FROM partners").fetch_one(ex).await?;
    Ok(n)
}

/// Sort keys offered by the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartnerSort {
    #[default]
    Name,
    Iso3,
    Kind,
    RegionalGroup,
}

impl PartnerSort {
    fn column(self) -> &'static str {
        match self {
            PartnerSort::Name => "name",
            PartnerSort::Iso3 => "iso3",
            PartnerSort::Kind => "kind",
            PartnerSort::RegionalGroup => "regional_group",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct PartnerFilter {
    pub kind: Option<String>,
    pub regional_group: Option<String>,
    /// Only States bound by the Rome Statute on this date.
    pub party_on: Option<NaiveDate>,
    /// Only States not bound by the Rome Statute on this date.
    pub non_party_on: Option<NaiveDate>,
    /// Case-insensitive match on name, French name or ISO code.
    pub search: Option<String>,
    /// Classifications the caller may see at all (the policy still decides per record).
    pub classifications: Vec<String>,
    pub sort: PartnerSort,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

/// A State is bound from entry into force until its withdrawal takes effect (art. 126, 127);
/// the same rule as `comity_domain::partner::is_party_on`, which the tests hold it to.
fn push_bound_on(sql: &mut Sql, d: NaiveDate) {
    sql.push(
        "EXISTS (SELECT 1 FROM partner_status_events e WHERE e.partner_id = partners.id \
         AND e.instrument = 'rome_statute' AND e.kind = 'entry_into_force' AND e.on_date <= ",
    )
    .push_bind(d)
    .push(
        ") AND NOT EXISTS (SELECT 1 FROM partner_status_events e WHERE e.partner_id = partners.id \
         AND e.instrument = 'rome_statute' AND e.kind = 'withdrawal_effective' AND e.on_date <= ",
    )
    .push_bind(d)
    .push(")");
}

fn filtered(select: &str, f: &PartnerFilter) -> Sql {
    let mut sql = Sql::new(select);
    sql.push(" WHERE 1 = 1");
    if let Some(k) = &f.kind {
        sql.push(" AND kind = ").push_bind(k);
    }
    if let Some(g) = &f.regional_group {
        sql.push(" AND regional_group = ").push_bind(g);
    }
    if let Some(d) = f.party_on {
        sql.push(" AND ");
        push_bound_on(&mut sql, d);
    }
    if let Some(d) = f.non_party_on {
        sql.push(" AND kind = 'state' AND NOT (");
        push_bound_on(&mut sql, d);
        sql.push(")");
    }
    if let Some(q) = f.search.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", q.to_lowercase().replace(['\\', '%', '_'], ""));
        sql.push(" AND (LOWER(name) LIKE ").push_bind(pattern.clone());
        sql.push(" OR LOWER(COALESCE(name_fr, '')) LIKE ").push_bind(pattern.clone());
        sql.push(" OR LOWER(COALESCE(iso3, '')) LIKE ").push_bind(pattern).push(")");
    }
    if !f.classifications.is_empty() {
        sql.push(" AND classification IN (");
        for (i, c) in f.classifications.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push_bind(c);
        }
        sql.push(")");
    }
    sql
}

/// One page of partners and the total matching the filter.
pub async fn list_partners(ex: &mut impl Executor, f: &PartnerFilter) -> Result<(Vec<Partner>, i64)> {
    let (total,): (i64,) = filtered("SELECT COUNT(*) FROM partners", f).fetch_one(ex).await?;
    let mut sql = filtered("SELECT * FROM partners", f);
    sql.push(" ORDER BY ")
        .push(f.sort.column())
        .push(if f.descending { " DESC" } else { " ASC" })
        .push(", id ASC LIMIT ")
        .push_bind(f.limit)
        .push(" OFFSET ")
        .push_bind(f.offset);
    Ok((sql.fetch_all(ex).await?, total))
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct StatusEventRow {
    pub id: String,
    pub partner_id: String,
    pub instrument: String,
    pub kind: String,
    pub on_date: NaiveDate,
    pub source: String,
    pub notes: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_status_event(ex: &mut impl Executor, e: &StatusEventRow) -> Result<()> {
    Sql::new(
        "INSERT INTO partner_status_events (id, partner_id, instrument, kind, on_date, source, notes, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&e.id)
    .bind(&e.partner_id)
    .bind(&e.instrument)
    .bind(&e.kind)
    .bind(e.on_date)
    .bind(&e.source)
    .bind(&e.notes)
    .bind(e.created_at)
    .execute(ex)
    .await
    .map(|_| ())
}

/// The dated steps alone, without sources and notes: what status computations need.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatusDate {
    pub partner_id: String,
    pub instrument: String,
    pub kind: String,
    pub on_date: NaiveDate,
}

impl From<&StatusEventRow> for StatusDate {
    fn from(r: &StatusEventRow) -> Self {
        Self {
            partner_id: r.partner_id.clone(),
            instrument: r.instrument.clone(),
            kind: r.kind.clone(),
            on_date: r.on_date,
        }
    }
}

fn push_in_list(sql: &mut Sql, ids: &[String]) {
    sql.push("(");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push_bind(id);
    }
    sql.push(")");
}

/// Dated steps of the given partners, for computing their status on a date.
pub async fn status_dates(ex: &mut impl Executor, partner_ids: &[String]) -> Result<Vec<StatusDate>> {
    if partner_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql =
        Sql::new("SELECT partner_id, instrument, kind, on_date FROM partner_status_events WHERE partner_id IN ");
    push_in_list(&mut sql, partner_ids);
    sql.fetch_all(ex).await
}

/// Treaty history of the given partners, oldest first.
pub async fn status_events(ex: &mut impl Executor, partner_ids: &[String]) -> Result<Vec<StatusEventRow>> {
    if partner_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT * FROM partner_status_events WHERE partner_id IN ");
    push_in_list(&mut sql, partner_ids);
    sql.push(" ORDER BY partner_id, on_date, instrument, kind");
    sql.fetch_all(ex).await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct FocalPoint {
    pub id: String,
    pub partner_id: String,
    pub name: String,
    pub title: String,
    pub authority: String,
    /// Comma-separated mandate codes.
    pub mandates: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Comma-separated language codes.
    pub languages: String,
    pub mandate_from: NaiveDate,
    pub mandate_to: Option<NaiveDate>,
    pub classification: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn insert_focal_point(ex: &mut impl Executor, f: &FocalPoint) -> Result<()> {
    Sql::new(
        "INSERT INTO focal_points (id, partner_id, name, title, authority, mandates, email, phone, languages, \
         mandate_from, mandate_to, classification, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&f.id)
    .bind(&f.partner_id)
    .bind(&f.name)
    .bind(&f.title)
    .bind(&f.authority)
    .bind(&f.mandates)
    .bind(f.email.clone())
    .bind(f.phone.clone())
    .bind(&f.languages)
    .bind(f.mandate_from)
    .bind(f.mandate_to)
    .bind(&f.classification)
    .bind(f.version)
    .bind(f.created_at)
    .bind(f.updated_at)
    .execute(ex)
    .await
    .map(|_| ())
}

/// Replaces a focal point's fields if `expected_version` is current; false on a stale edit.
pub async fn update_focal_point(ex: &mut impl Executor, f: &FocalPoint, expected_version: i64) -> Result<bool> {
    Ok(Sql::new(
        "UPDATE focal_points SET name = $1, title = $2, authority = $3, mandates = $4, email = $5, phone = $6, \
         languages = $7, mandate_from = $8, mandate_to = $9, classification = $10, version = version + 1, \
         updated_at = $11 WHERE id = $12 AND version = $13",
    )
    .bind(&f.name)
    .bind(&f.title)
    .bind(&f.authority)
    .bind(&f.mandates)
    .bind(f.email.clone())
    .bind(f.phone.clone())
    .bind(&f.languages)
    .bind(f.mandate_from)
    .bind(f.mandate_to)
    .bind(&f.classification)
    .bind(f.updated_at)
    .bind(&f.id)
    .bind(expected_version)
    .execute(ex)
    .await?
        == 1)
}

pub async fn focal_point(ex: &mut impl Executor, id: &str) -> Result<Option<FocalPoint>> {
    Sql::new("SELECT * FROM focal_points WHERE id = $1").bind(id).fetch_optional(ex).await
}

pub async fn focal_points(ex: &mut impl Executor, partner_id: &str) -> Result<Vec<FocalPoint>> {
    Sql::new("SELECT * FROM focal_points WHERE partner_id = $1 ORDER BY name, id").bind(partner_id).fetch_all(ex).await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct CommunicationProfile {
    pub id: String,
    pub partner_id: String,
    pub channel: String,
    pub receiving_authority: String,
    /// Comma-separated language codes.
    pub languages: String,
    pub interpol_for_urgent: bool,
    pub notified_on: NaiveDate,
    pub agreed_effective_on: Option<NaiveDate>,
    pub effective_from: NaiveDate,
    pub notes: String,
    pub classification: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_profile(ex: &mut impl Executor, p: &CommunicationProfile) -> Result<()> {
    Sql::new(
        "INSERT INTO communication_profiles (id, partner_id, channel, receiving_authority, languages, \
         interpol_for_urgent, notified_on, agreed_effective_on, effective_from, notes, classification, created_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&p.id)
    .bind(&p.partner_id)
    .bind(&p.channel)
    .bind(&p.receiving_authority)
    .bind(&p.languages)
    .bind(p.interpol_for_urgent)
    .bind(p.notified_on)
    .bind(p.agreed_effective_on)
    .bind(p.effective_from)
    .bind(&p.notes)
    .bind(&p.classification)
    .bind(&p.created_by)
    .bind(p.created_at)
    .execute(ex)
    .await
    .map(|_| ())
}

/// Every profile of a partner, the latest effective first.
pub async fn profiles(ex: &mut impl Executor, partner_id: &str) -> Result<Vec<CommunicationProfile>> {
    Sql::new("SELECT * FROM communication_profiles WHERE partner_id = $1 ORDER BY effective_from DESC, created_at DESC")
        .bind(partner_id)
        .fetch_all(ex)
        .await
}

/// A change to a State's communication profile proposed by its focal points.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProfileProposal {
    pub id: String,
    pub partner_id: String,
    pub proposed_by: String,
    /// JSON: what is proposed.
    pub proposal: String,
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: String,
    pub profile_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_proposal(ex: &mut impl Executor, p: &ProfileProposal) -> Result<()> {
    Sql::new(
        "INSERT INTO profile_proposals (id, partner_id, proposed_by, proposal, status, decided_by, decided_at, \
         decision_note, profile_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&p.id)
    .bind(&p.partner_id)
    .bind(&p.proposed_by)
    .bind(&p.proposal)
    .bind(&p.status)
    .bind(p.decided_by.clone())
    .bind(p.decided_at)
    .bind(&p.decision_note)
    .bind(p.profile_id.clone())
    .bind(p.created_at)
    .execute(ex)
    .await
    .map(|_| ())
}

/// A partner's proposals, newest first.
pub async fn proposals(ex: &mut impl Executor, partner_id: &str) -> Result<Vec<ProfileProposal>> {
    Sql::new("SELECT * FROM profile_proposals WHERE partner_id = $1 ORDER BY created_at DESC, id")
        .bind(partner_id)
        .fetch_all(ex)
        .await
}

pub async fn proposal(ex: &mut impl Executor, id: &str) -> Result<Option<ProfileProposal>> {
    Sql::new("SELECT * FROM profile_proposals WHERE id = $1").bind(id).fetch_optional(ex).await
}

/// Records the decision on a pending proposal; false if it was no longer pending.
pub async fn decide_proposal(ex: &mut impl Executor, p: &ProfileProposal) -> Result<bool> {
    Ok(Sql::new(
        "UPDATE profile_proposals SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4, \
         profile_id = $5 WHERE id = $6 AND status = 'pending'",
    )
    .bind(&p.status)
    .bind(p.decided_by.clone())
    .bind(p.decided_at)
    .bind(&p.decision_note)
    .bind(p.profile_id.clone())
    .bind(&p.id)
    .execute(ex)
    .await?
        == 1)
}
