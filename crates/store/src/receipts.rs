//! Receipts as issued, and the Court's receipt keys.

use chrono::{DateTime, Utc};

use crate::{Executor, Result, Sql};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReceiptRow {
    pub request_id: String,
    pub number: i64,
    pub event: String,
    pub issued_at: DateTime<Utc>,
    pub key_id: String,
    pub sha256: String,
    /// The receipt file exactly as issued.
    pub file: String,
}

/// Appends a receipt. Two writers issuing the same number for a request conflict on the key,
/// so a chain never forks.
pub async fn insert(ex: &mut impl Executor, r: &ReceiptRow) -> Result<()> {
    Sql::new(
        "INSERT INTO receipts (request_id, number, event, issued_at, key_id, sha256, file) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&r.request_id)
    .bind(r.number)
    .bind(&r.event)
    .bind(r.issued_at)
    .bind(&r.key_id)
    .bind(&r.sha256)
    .bind(&r.file)
    .execute(ex)
    .await
    .map(|_| ())
}

/// The number and hash of a request's latest receipt.
pub async fn last(ex: &mut impl Executor, request_id: &str) -> Result<Option<(i64, String)>> {
    Sql::new("SELECT number, sha256 FROM receipts WHERE request_id = $1 ORDER BY number DESC LIMIT 1")
        .bind(request_id)
        .fetch_optional(ex)
        .await
}

/// A request's receipts, first first.
pub async fn of_request(ex: &mut impl Executor, request_id: &str) -> Result<Vec<ReceiptRow>> {
    Sql::new("SELECT * FROM receipts WHERE request_id = $1 ORDER BY number").bind(request_id).fetch_all(ex).await
}

pub async fn get(ex: &mut impl Executor, request_id: &str, number: i64) -> Result<Option<ReceiptRow>> {
    Sql::new("SELECT * FROM receipts WHERE request_id = $1 AND number = $2")
        .bind(request_id)
        .bind(number)
        .fetch_optional(ex)
        .await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReceiptKey {
    pub key_id: String,
    /// `ed25519:<hex>`.
    pub public_key: String,
    /// `ed25519-secret:<hex>`, only for the key Comity generated itself.
    pub secret_key: Option<String>,
    pub first_used_at: DateTime<Utc>,
}

/// Records a key unless it is known already.
pub async fn record_key(ex: &mut impl Executor, k: &ReceiptKey) -> Result<()> {
    Sql::new(
        "INSERT INTO receipt_keys (key_id, public_key, secret_key, first_used_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (key_id) DO NOTHING",
    )
    .bind(&k.key_id)
    .bind(&k.public_key)
    .bind(k.secret_key.clone())
    .bind(k.first_used_at)
    .execute(ex)
    .await
    .map(|_| ())
}

/// Every key, oldest first.
pub async fn keys(ex: &mut impl Executor) -> Result<Vec<ReceiptKey>> {
    Sql::new("SELECT * FROM receipt_keys ORDER BY first_used_at, key_id").fetch_all(ex).await
}
