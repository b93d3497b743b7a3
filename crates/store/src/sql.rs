//! One statement, two engines: SQL text with `$n` placeholders plus typed arguments, bound
//! to whichever engine the executor belongs to.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{postgres::PgRow, sqlite::SqliteRow, FromRow};

use crate::dialect::{Conn, Executor};
use crate::Result;

/// Binds every argument in order; the same code serves both engines' query types.
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a.clone() {
                Arg::Text(v) => q.bind(v),
                Arg::Int(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Date(v) => q.bind(v),
                Arg::Time(v) => q.bind(v),
                Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }};
}

/// A value bound to a placeholder. Options stay typed so PostgreSQL knows a NULL's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
    Date(Option<NaiveDate>),
    Time(Option<DateTime<Utc>>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! arg_from {
    ($t:ty, $variant:ident, $conv:expr) => {
        impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                Arg::$variant(Some($conv(v)))
            }
        }
        impl From<Option<$t>> for Arg {
            fn from(v: Option<$t>) -> Self {
                Arg::$variant(v.map($conv))
            }
        }
    };
}
arg_from!(String, Text, |v| v);
arg_from!(&str, Text, |v: &str| v.to_owned());
arg_from!(&String, Text, |v: &String| v.clone());
arg_from!(i64, Int, |v| v);
arg_from!(bool, Bool, |v| v);
arg_from!(NaiveDate, Date, |v| v);
arg_from!(DateTime<Utc>, Time, |v| v);
arg_from!(Vec<u8>, Bytes, |v| v);

/// A statement under construction.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    /// Starts from text that may already contain `$1..$n`; add their values with [`Sql::bind`].
    pub fn new(text: &str) -> Self {
        Self { text: text.to_owned(), args: Vec::new() }
    }

    /// Adds the value of the next numbered placeholder already present in the text.
    pub fn bind(mut self, v: impl Into<Arg>) -> Self {
        self.args.push(v.into());
        self
    }

    /// Appends a fixed fragment of SQL. Never pass user input here: bind it instead.
    pub fn push(&mut self, fragment: &str) -> &mut Self {
        self.text.push_str(fragment);
        self
    }

    /// Appends a placeholder for `v`.
    pub fn push_bind(&mut self, v: impl Into<Arg>) -> &mut Self {
        self.args.push(v.into());
        let n = self.args.len();
        self.text.push('$');
        self.text.push_str(&n.to_string());
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Fetches every row.
    pub async fn fetch_all<R>(&self, ex: &mut impl Executor) -> Result<Vec<R>>
    where
        R: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        Ok(match ex.conn() {
            Conn::Sqlite(c) => {
                bind_args!(sqlx::query_as::<sqlx::Sqlite, R>(&self.text), &self.args).fetch_all(c).await?
            }
            Conn::Postgres(c) => {
                bind_args!(sqlx::query_as::<sqlx::Postgres, R>(&self.text), &self.args).fetch_all(c).await?
            }
        })
    }

    /// Fetches at most one row.
    pub async fn fetch_optional<R>(&self, ex: &mut impl Executor) -> Result<Option<R>>
    where
        R: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        Ok(match ex.conn() {
            Conn::Sqlite(c) => {
                bind_args!(sqlx::query_as::<sqlx::Sqlite, R>(&self.text), &self.args).fetch_optional(c).await?
            }
            Conn::Postgres(c) => {
                bind_args!(sqlx::query_as::<sqlx::Postgres, R>(&self.text), &self.args).fetch_optional(c).await?
            }
        })
    }

    /// Fetches exactly one row; none is [`crate::StoreError::NotFound`].
    pub async fn fetch_one<R>(&self, ex: &mut impl Executor) -> Result<R>
    where
        R: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        self.fetch_optional(ex).await?.ok_or(crate::StoreError::NotFound)
    }

    /// Runs a statement and returns the number of rows it changed.
    pub async fn execute(&self, ex: &mut impl Executor) -> Result<u64> {
        Ok(match ex.conn() {
            Conn::Sqlite(c) => {
                bind_args!(sqlx::query::<sqlx::Sqlite>(&self.text), &self.args).execute(c).await?.rows_affected()
            }
            Conn::Postgres(c) => {
                bind_args!(sqlx::query::<sqlx::Postgres>(&self.text), &self.args).execute(c).await?.rows_affected()
            }
        })
    }
}
