//! The use-case suite: every test runs on SQLite and, when enabled, on PostgreSQL, with a
//! clock that moves only when told to.

mod accounts;
mod alerts;
mod bootstrap;
mod demo;
mod invitations;
mod mailbox;
mod messages;
mod proposals;
mod receipts;
mod reminders;
mod requests;
mod second_factor;
mod sessions;
mod statistics_requests;
mod warrants;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use comity_app::{users::UserInput, Actor, AppError, Comity, ManualClock, Settings};
use comity_store::Db;
use comity_testkit::TestDatabase;

pub fn start_instant() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().expect("a valid start instant")
}

/// A migrated database with its application, before `prepare`.
pub async fn bare(db: &TestDatabase, settings: Settings) -> (Comity, Arc<ManualClock>) {
    let store = Db::connect(&db.url).await.expect("connect to the test database");
    store.migrate().await.expect("migrate the test database");
    let clock = Arc::new(ManualClock::new(start_instant()));
    (Comity::new(store, clock.clone(), settings), clock)
}

/// Settings that send e-mail to a test SMTP server, with links to the Court's address.
pub fn mailing_to(smtp: &comity_testkit::smtp::SmtpServer) -> Settings {
    let mail = comity_app::mail::MailSettings {
        port: smtp.port(),
        ..comity_app::mail::MailSettings::new(
            "127.0.0.1",
            "Comity <comity@court.example>",
            comity_app::mail::MailTls::None,
        )
    };
    Settings { mail: Some(mail), public_url: Some("https://comity.court.example".into()), ..Settings::default() }
}

/// A prepared application: reference data loaded and the first administrator created.
pub struct TestApp {
    pub app: Comity,
    pub clock: Arc<ManualClock>,
    pub admin_password: String,
}

impl TestApp {
    pub async fn start(db: &TestDatabase) -> Self {
        Self::with_settings(db, Settings::default()).await
    }

    pub async fn with_settings(db: &TestDatabase, settings: Settings) -> Self {
        let (app, clock) = bare(db, settings).await;
        let prepared = app.prepare(|_| {}).await.expect("prepare the database");
        let admin_password = prepared.admin_password.expect("a first start returns the admin password");
        Self { app, clock, admin_password }
    }

    /// Adds a user as the operator and returns the generated password.
    pub async fn user(&self, name: &str, unit: &str, roles: &str) -> String {
        self.app.add_user(&Actor::operator(), &input(name, unit, roles)).await.expect("add a test user").1
    }
}

/// The problem a validation refusal names for `field`; fails the test on any other answer.
pub fn problem(e: AppError, field: &str) -> String {
    match e {
        AppError::Validation(f) => {
            f.0.get(field).cloned().unwrap_or_else(|| panic!("the refusal names '{field}': {f:?}"))
        }
        other => panic!("expected a validation error on '{field}', got {other:?}"),
    }
}

pub fn input(name: &str, unit: &str, roles: &str) -> UserInput {
    UserInput { name: name.into(), display_name: None, email: None, roles: roles.into(), unit: unit.into() }
}
