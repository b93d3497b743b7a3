//! Where SQLite and PostgreSQL really differ: connecting, migrating, taking the write lock
//! and making backups. Everything else is engine-neutral SQL in the other modules.

use std::{path::Path, str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    pool::PoolConnection,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    ConnectOptions, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::{Result, StoreError};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The database engine behind a [`Db`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// Picks the engine from the URL scheme; anything else is refused by name.
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err(StoreError::Unsupported(format!(
                "unsupported database URL scheme in '{}': use sqlite://FILE or postgres://…",
                redact_url(url)
            )))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// Hides the password in a database URL, for logs and `config check`: the one in the
/// user-info part and a `password=` query parameter (libpq's other way to pass it).
pub fn redact_url(url: &str) -> String {
    let (head, tail) = match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.find(':') {
                Some(colon) => (format!("{}{}:***", &url[..scheme_end + 3], &creds[..colon]), &url[at..]),
                None => (url[..at].to_owned(), &url[at..]),
            }
        }
        _ => (String::new(), url),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|param| match param.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                    _ => param.to_owned(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => tail.to_owned(),
    };
    head + &tail
}

/// A pool of connections to one database.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite allows one writer at a time; the mutex queues writers inside this process so
    /// they wait their turn instead of failing with SQLITE_BUSY.
    Sqlite {
        pool: SqlitePool,
        writer: Arc<Mutex<()>>,
    },
    Postgres(PgPool),
}

impl Db {
    /// Connects without migrating.
    pub async fn connect(url: &str) -> Result<Self> {
        match Engine::from_url(url)? {
            Engine::Sqlite => {
                let opts = SqliteConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    // Reads through the page cache of the OS rather than a copy per connection,
                    // for databases up to SQLite's largest map (2 GB).
                    .pragma("mmap_size", "2147418112")
                    .log_statements(tracing::log::LevelFilter::Trace);
                // A connection to a local file does not go stale, so it is not pinged (a round
                // trip to its worker thread) each time it is taken from the pool.
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .min_connections(1)
                    .test_before_acquire(false)
                    .connect_with(opts)
                    .await
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?;
                Ok(Db::Sqlite { pool, writer: Arc::new(Mutex::new(())) })
            }
            Engine::Postgres => {
                let opts = PgConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?
                    .log_statements(tracing::log::LevelFilter::Trace);
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?;
                Ok(Db::Postgres(pool))
            }
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite { .. } => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Applies pending migrations for this engine.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite { pool, .. } => SQLITE_MIGRATIONS.run(pool).await?,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Whether migrations are pending (an empty database has all of them pending).
    pub async fn pending_migrations(&self) -> Result<usize> {
        // A database never migrated has no bookkeeping table: everything is pending. A real
        // connection failure surfaces on the migration run that follows.
        let applied: Vec<(i64,)> = Sql::new("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&mut self.read().await?)
            .await
            .unwrap_or_default();
        let migrator = match self {
            Db::Sqlite { .. } => &SQLITE_MIGRATIONS,
            Db::Postgres(_) => &POSTGRES_MIGRATIONS,
        };
        Ok(migrator.iter().filter(|m| !applied.iter().any(|a| a.0 == m.version)).count())
    }

    /// A pooled connection for reads.
    pub async fn read(&self) -> Result<Handle> {
        Ok(match self {
            Db::Sqlite { pool, .. } => Handle::Sqlite(pool.acquire().await?),
            Db::Postgres(pool) => Handle::Postgres(pool.acquire().await?),
        })
    }

    /// A transaction for writes. On SQLite it holds the write lock from the start
    /// (`BEGIN IMMEDIATE`), so a read-then-write transaction cannot fail half-way.
    pub async fn write(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite { pool, writer } => {
                let guard = writer.clone().lock_owned().await;
                let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                Tx { inner: TxInner::Sqlite(tx), _writer: Some(guard) }
            }
            Db::Postgres(pool) => Tx { inner: TxInner::Postgres(pool.begin().await?), _writer: None },
        })
    }

    /// Answers whether the database is reachable.
    pub async fn ping(&self) -> Result<()> {
        Sql::new("SELECT 1").fetch_one::<(i32,)>(&mut self.read().await?).await.map(|_| ())
    }

    /// Copies a live SQLite database to `dest` without stopping writers (`VACUUM INTO`).
    /// PostgreSQL is backed up with `pg_dump`, as `docs/operations.md` explains.
    pub async fn backup_to(&self, dest: &Path) -> Result<()> {
        match self {
            Db::Sqlite { pool, .. } => {
                if dest.exists() {
                    return Err(StoreError::Conflict(format!("{} already exists", dest.display())));
                }
                let dest = dest.to_str().ok_or_else(|| StoreError::Unavailable("backup path is not UTF-8".into()))?;
                sqlx::query("VACUUM INTO $1").bind(dest).execute(pool).await?;
                Ok(())
            }
            Db::Postgres(_) => {
                Err(StoreError::Unavailable("PostgreSQL is backed up with pg_dump: see docs/operations.md".into()))
            }
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { pool, .. } => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

use crate::Sql;

/// A connection borrowed from the pool.
pub enum Handle {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// A write transaction; dropped without [`Tx::commit`] it rolls back.
pub struct Tx {
    inner: TxInner,
    _writer: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await?,
            TxInner::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// A live connection of either engine.
pub enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

/// Anything a statement can run on: a pooled connection or a transaction.
pub trait Executor: Send {
    fn conn(&mut self) -> Conn<'_>;

    fn engine(&mut self) -> Engine {
        match self.conn() {
            Conn::Sqlite(_) => Engine::Sqlite,
            Conn::Postgres(_) => Engine::Postgres,
        }
    }
}

impl Executor for Handle {
    fn conn(&mut self) -> Conn<'_> {
        match self {
            Handle::Sqlite(c) => Conn::Sqlite(c),
            Handle::Postgres(c) => Conn::Postgres(c),
        }
    }
}

impl Executor for Tx {
    fn conn(&mut self) -> Conn<'_> {
        match &mut self.inner {
            TxInner::Sqlite(t) => Conn::Sqlite(t),
            TxInner::Postgres(t) => Conn::Postgres(t),
        }
    }
}

/// The tables and columns of the schema, for the drift test.
pub async fn schema_columns(db: &Db) -> Result<Vec<(String, String)>> {
    let sql = match db.engine() {
        Engine::Sqlite => Sql::new(
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations' \
             ORDER BY 1, 2",
        ),
        Engine::Postgres => Sql::new(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' ORDER BY 1, 2",
        ),
    };
    sql.fetch_all(&mut db.read().await?).await
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redact_url_hides_passwords_wherever_they_are() {
        assert_eq!(redact_url("postgres://user:secret@host/db"), "postgres://user:***@host/db");
        assert_eq!(
            redact_url("postgres://user:p@ss@host/db?sslmode=require"),
            "postgres://user:***@host/db?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://user@host/db?sslmode=disable&password=secret"),
            "postgres://user@host/db?sslmode=disable&password=***"
        );
        assert_eq!(redact_url("postgres://host/db?PASSWORD=secret"), "postgres://host/db?PASSWORD=***");
        assert_eq!(redact_url("postgres://user@host/db"), "postgres://user@host/db");
        assert_eq!(redact_url("sqlite://comity.db"), "sqlite://comity.db");
        assert_eq!(redact_url("sqlite://comity.db?mode=rwc"), "sqlite://comity.db?mode=rwc");
    }
}
