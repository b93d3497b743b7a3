//! The thread of each request between the Court and the requested State.

use chrono::{DateTime, Utc};

use crate::{Executor, Result, Sql};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Message {
    pub id: String,
    pub request_id: String,
    pub author_id: String,
    /// `court` or `partner`.
    pub side: String,
    pub body: String,
    pub document_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(ex: &mut impl Executor, m: &Message) -> Result<()> {
    Sql::new(
        "INSERT INTO request_messages (id, request_id, author_id, side, body, document_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&m.id)
    .bind(&m.request_id)
    .bind(&m.author_id)
    .bind(&m.side)
    .bind(&m.body)
    .bind(m.document_id.clone())
    .bind(m.created_at)
    .execute(ex)
    .await
    .map(|_| ())
}

/// A request's thread, oldest first.
pub async fn of_request(ex: &mut impl Executor, request_id: &str) -> Result<Vec<Message>> {
    Sql::new("SELECT * FROM request_messages WHERE request_id = $1 ORDER BY created_at, id")
        .bind(request_id)
        .fetch_all(ex)
        .await
}
