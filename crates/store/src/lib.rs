//! Persistence for Comity on SQLite (embedded default) and PostgreSQL (production).
//!
//! Every query is written once, with `$n` placeholders that both engines accept, and run
//! through [`Sql`]; the real differences between the engines (connection setup, write
//! locking, backups) live in [`dialect`]. Timestamps are always bound by the caller from
//! the application's clock, never taken from SQL defaults.

pub mod accounts;
pub mod audit;
pub mod bulk;
pub mod dialect;
mod error;
pub mod jobs;
pub mod messages;
pub mod partners;
pub mod receipts;
pub mod requests;
mod sql;
pub mod warrants;

pub use dialect::{Db, Engine, Executor, Handle, Tx};
pub use error::StoreError;
pub use sql::{Arg, Sql};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A new random identifier (UUIDv7: time-ordered, so inserts stay index-friendly).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
