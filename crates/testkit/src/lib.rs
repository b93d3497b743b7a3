//! Test support shared by every crate: a fresh, empty database per test on each engine that
//! is available, and dropped afterwards.
//!
//! SQLite is always available. PostgreSQL joins when `COMITY_TEST_POSTGRES_URL` names a
//! server the tests may create databases on (CI always sets it); each test gets its own
//! database, dropped when the [`TestDatabase`] goes out of scope.

pub mod imap;
pub mod smtp;

use std::path::PathBuf;

use sqlx::{Connection, PgConnection};

/// The environment variable that enables the PostgreSQL half of every storage test.
pub const POSTGRES_ENV: &str = "COMITY_TEST_POSTGRES_URL";

/// A database created for one test.
pub struct TestDatabase {
    pub url: String,
    pub engine: &'static str,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A path for files that belong with this database (backups, exports).
    pub fn scratch_path(&self, file: &str) -> PathBuf {
        std::env::temp_dir().join(format!("comity-{}-{file}", uuid::Uuid::now_v7().simple()))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop may run inside a runtime, which cannot block: use a thread of our own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        if let Ok(mut c) = PgConnection::connect(&admin_url).await {
                            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                                .execute(&mut c)
                                .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// The PostgreSQL server URL for tests, if configured.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty())
}

/// A fresh SQLite database in a temporary directory.
pub fn sqlite() -> TestDatabase {
    let dir = tempfile::tempdir().expect("temporary directory for a test database");
    let url = format!("sqlite://{}", dir.path().join("comity.db").display());
    TestDatabase { url, engine: "sqlite", cleanup: Cleanup::Sqlite(dir) }
}

/// A fresh PostgreSQL database, or `None` when PostgreSQL tests are not enabled.
pub async fn postgres() -> Option<TestDatabase> {
    let admin_url = postgres_url()?;
    let name = format!("comity_test_{}", uuid::Uuid::now_v7().simple());
    let mut c = PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL is unreachable: {e}"));
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut c).await.expect("create a test database");
    let base = match admin_url.rfind('/') {
        Some(i) if admin_url[..i].contains("://") && i > admin_url.find("://").map_or(0, |s| s + 2) => &admin_url[..i],
        _ => admin_url.as_str(),
    };
    let url = format!("{base}/{name}");
    Some(TestDatabase { url, engine: "postgres", cleanup: Cleanup::Postgres { admin_url, name } })
}

/// One fresh database per available engine: SQLite always, PostgreSQL when enabled.
pub async fn databases() -> Vec<TestDatabase> {
    let mut dbs = vec![sqlite()];
    dbs.extend(postgres().await);
    dbs
}

/// Runs the same test body on every available engine, naming the engine on failure.
#[macro_export]
macro_rules! on_every_engine {
    (|$db:ident| $body:block) => {
        for __test_db in $crate::databases().await {
            let $db = &__test_db;
            eprintln!("-- engine: {}", $db.engine);
            $body
        }
    };
}
