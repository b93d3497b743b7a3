//! The storage suite: every test runs on SQLite and, when enabled, on PostgreSQL.

mod audit_chain;
mod bulk;
mod migrations;
mod partners;
mod transactions;

use chrono::{DateTime, TimeZone, Utc};
use comity_store::Db;

pub async fn open(url: &str) -> Db {
    let db = Db::connect(url).await.expect("connect to the test database");
    db.migrate().await.expect("migrate the test database");
    db
}

pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 123_456_000).single().expect("valid test instant")
}
