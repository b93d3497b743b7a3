//! The append-only audit trail, written in the same transaction as the change it records.

use chrono::{DateTime, Utc};
use comity_domain::audit::{entry_hash, AuditContent, ChainBreak, ChainVerifier};

use crate::{Executor, Result, Sql, StoreError, Tx};

/// What a use case asks to record.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub record_kind: &'a str,
    pub record_id: &'a str,
    pub classification: &'a str,
    /// JSON text describing the change; stored verbatim so the hash can be recomputed.
    pub detail: String,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub record_kind: String,
    pub record_id: String,
    pub classification: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    fn content(&self) -> AuditContent<'_> {
        AuditContent {
            seq: self.seq,
            at: self.at,
            actor: &self.actor,
            action: &self.action,
            record_kind: &self.record_kind,
            record_id: &self.record_id,
            classification: &self.classification,
            detail: &self.detail,
        }
    }
}

/// Appends an entry to the chain inside `tx`. Claiming the head row first serialises
/// concurrent writers, so each entry links to the one committed before it.
pub async fn append(tx: &mut Tx, at: DateTime<Utc>, e: &NewEntry<'_>) -> Result<i64> {
    let (seq, prev): (i64, String) =
        Sql::new("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash").fetch_one(tx).await?;
    let content = AuditContent {
        seq,
        at,
        actor: e.actor,
        action: e.action,
        record_kind: e.record_kind,
        record_id: e.record_id,
        classification: e.classification,
        detail: &e.detail,
    };
    let hash = entry_hash(&prev, &content);
    Sql::new(
        "INSERT INTO audit_log (seq, at, actor, action, record_kind, record_id, classification, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(seq)
    .bind(at)
    .bind(e.actor)
    .bind(e.action)
    .bind(e.record_kind)
    .bind(e.record_id)
    .bind(e.classification)
    .bind(e.detail.as_str())
    .bind(prev.as_str())
    .bind(hash.as_str())
    .execute(tx)
    .await?;
    Sql::new("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(hash).execute(tx).await?;
    Ok(seq)
}

/// Filters for the audit viewer.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor: Option<String>,
    pub record_kind: Option<String>,
    pub record_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only entries before this sequence number (for paging backwards in time).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// Newest first.
pub async fn list(ex: &mut impl Executor, f: &Filter) -> Result<Vec<Entry>> {
    let mut sql = Sql::new("SELECT * FROM audit_log WHERE 1 = 1");
    if let Some(a) = &f.actor {
        sql.push(" AND actor = ").push_bind(a);
    }
    if let Some(k) = &f.record_kind {
        sql.push(" AND record_kind = ").push_bind(k);
    }
    if let Some(id) = &f.record_id {
        // An entry may name several records of one kind (a read disclosing many), as a
        // comma-separated list.
        sql.push(" AND (record_id = ").push_bind(id);
        sql.push(" OR ',' || record_id || ',' LIKE ").push_bind(format!("%,{id},%")).push(")");
    }
    if let Some(from) = f.from {
        sql.push(" AND at >= ").push_bind(from);
    }
    if let Some(to) = f.to {
        sql.push(" AND at < ").push_bind(to);
    }
    if let Some(b) = f.before_seq {
        sql.push(" AND seq < ").push_bind(b);
    }
    sql.push(" ORDER BY seq DESC LIMIT ").push_bind(f.limit.clamp(1, 500));
    sql.fetch_all(ex).await
}

/// The result of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub entries: i64,
    pub head: String,
}

/// Walks the chain in batches, calling `progress` with the count verified so far.
pub async fn verify(ex: &mut impl Executor, mut progress: impl FnMut(i64)) -> Result<Result<Verification, ChainBreak>> {
    const BATCH: i64 = 5000;
    let mut v = ChainVerifier::default();
    let mut after = 0i64;
    loop {
        let rows: Vec<Entry> = Sql::new("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after)
            .bind(BATCH)
            .fetch_all(ex)
            .await?;
        for row in &rows {
            if let Err(b) = v.check(&row.content(), &row.prev_hash, &row.hash) {
                return Ok(Err(b));
            }
        }
        progress(v.count());
        match rows.last() {
            Some(last) if rows.len() as i64 == BATCH => after = last.seq,
            _ => break,
        }
    }
    let (seq, hash): (i64, String) = Sql::new("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(ex).await?;
    if seq != v.count() || hash != v.head() {
        // Entries were removed from the end of the chain.
        return Ok(Err(ChainBreak::Truncated { next: v.count() + 1, last: v.count(), head: seq }));
    }
    Ok(Ok(Verification { entries: v.count(), head: v.head().to_owned() }))
}

/// Total number of entries.
pub async fn count(ex: &mut impl Executor) -> Result<i64> {
    let (n,): (i64,) = Sql::new("SELECT COUNT(*) FROM audit_log").fetch_one(ex).await?;
    Ok(n)
}

impl From<ChainBreak> for StoreError {
    fn from(b: ChainBreak) -> Self {
        StoreError::Corrupt(b.to_string())
    }
}
