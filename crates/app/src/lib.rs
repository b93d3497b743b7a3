//! Comity's use cases. Each one checks access with the domain policy, runs in one
//! transaction, applies the domain rule and appends the audit entry in that same
//! transaction. The web handlers, the CLI and background jobs all come through here, so the
//! policy cannot be bypassed by choosing another door.

pub mod actor;
pub mod alerts;
pub mod auth;
pub mod bootstrap;
pub mod clock;
pub mod compliance;
pub mod demarches;
pub mod demo;
pub mod documents;
mod error;
pub mod import;
pub mod invitations;
pub mod letter;
pub mod mail;
pub mod mailbox;
pub mod messages;
pub mod partners;
mod pdf;
pub mod proposals;
pub mod receipts;
pub mod reference;
pub mod register;
pub mod reminders;
pub mod requests;
pub mod settings;
pub mod statistics;
pub mod trail;
pub mod users;
pub mod warrants;

use std::sync::Arc;

pub use actor::{Actor, AuthMethod};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::AppError;
pub use settings::Settings;

use comity_store::Db;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// The application: storage, the clock and the settings every use case needs.
#[derive(Clone)]
pub struct Comity {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    directory_keeper: Arc<tokio::sync::OnceCell<String>>,
    register: Arc<register::Register>,
    read_trail: Arc<std::sync::OnceLock<trail::ReadTrail>>,
    receipt_key: Arc<tokio::sync::OnceCell<ed25519_dalek::SigningKey>>,
}

impl Comity {
    pub fn new(db: Db, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        Self {
            db,
            clock,
            settings: Arc::new(settings),
            directory_keeper: Arc::default(),
            register: Arc::default(),
            read_trail: Arc::default(),
            receipt_key: Arc::default(),
        }
    }

    /// Today's date at the Court's seat, for status-on-a-date questions.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.now().date_naive()
    }
}

/// One page of a list, with what a client needs to ask for the next.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page.max(1)).max(1)
    }
}

/// Page request, clamped to sane bounds.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
}

impl Paging {
    pub const MAX_PER_PAGE: i64 = 500;

    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Self {
        Self { page: page.unwrap_or(1).max(1), per_page: per_page.unwrap_or(50).clamp(1, Self::MAX_PER_PAGE) }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}
