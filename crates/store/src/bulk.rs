//! Loading many requests at once: multi-row INSERTs for requests, their lines and their
//! history, for loads at scale (the benchmark's synthetic registers, large imports).
//!
//! The rows go into the ordinary tables through ordinary INSERTs, so everything that follows
//! an insert follows these too: the indexes, the foreign keys and unique constraints, and the
//! change sequence the register index follows. Each statement binds at most as many values as
//! the engine accepts (32,766 on SQLite, 65,535 on PostgreSQL), and statements are as large as
//! that allows. The caller picks the transaction, and should make it large: one commit per few
//! thousand requests is what makes a load fast.
//!
//! Rows are written exactly as given: events keep the caller's `seq` (1, 2, … per request) and
//! nothing is derived or checked beyond what the schema enforces.

use crate::{
    requests::{Event, Line, Request},
    Arg, Engine, Executor, Result, Sql,
};

/// The most values one statement may bind: SQLite's `SQLITE_MAX_VARIABLE_NUMBER` (32,766 in
/// the bundled library) and PostgreSQL's protocol limit (a 16-bit count).
pub fn max_params(engine: Engine) -> usize {
    match engine {
        Engine::Sqlite => 32_766,
        Engine::Postgres => 65_535,
    }
}

/// How many rows of `columns` values one full statement carries on `engine`.
pub fn rows_per_statement(engine: Engine, columns: usize) -> usize {
    (max_params(engine) / columns.max(1)).max(1)
}

const REQUEST_COLUMNS: &[&str] = &[
    "id",
    "reference",
    "direction",
    "organ",
    "on_behalf_of",
    "kind",
    "parent_id",
    "partner_id",
    "title",
    "purpose",
    "facts",
    "legal_basis",
    "situation",
    "case_name",
    "persons",
    "urgency",
    "deadline",
    "cost_allocation",
    "classification",
    "status",
    "resume_status",
    "owner_unit_id",
    "acting_for_unit_id",
    "chamber_unit_id",
    "transmitting_unit_id",
    "responsible_user_id",
    "decision_reference",
    "profile_id",
    "channel",
    "receiving_authority",
    "language",
    "national_reference",
    "transmitted_on",
    "first_response_on",
    "executed_on",
    "closed_on",
    "provisional_arrest_on",
    "imported_at",
    "imported_by",
    "created_by",
    "version",
    "created_at",
    "updated_at",
    "change_seq",
];

const LINE_COLUMNS: &[&str] = &[
    "id",
    "request_id",
    "position",
    "line_type",
    "content",
    "cost_allocation",
    "outcome",
    "outcome_on",
    "outcome_note",
];

const EVENT_COLUMNS: &[&str] = &[
    "id",
    "request_id",
    "seq",
    "action",
    "from_status",
    "to_status",
    "effective_on",
    "recorded_at",
    "actor",
    "reason",
    "detail",
];

/// The values of one row, in column order, comma-separated.
///
/// On SQLite the placeholders are anonymous (`?`, bound in order) rather than `$n`: SQLite
/// treats `$n` as a name, kept in a list that parsing and `sqlite3_bind_parameter_name` (which
/// sqlx calls for every value) search from the start, so a statement of P named values costs
/// P²: 2 s for one of 26,000 values (measured), where anonymous ones take milliseconds.
struct Values<'a> {
    sql: &'a mut Sql,
    first: bool,
    anonymous: bool,
}

impl Values<'_> {
    fn v(&mut self, value: impl Into<Arg>) -> &mut Self {
        if !self.first {
            self.sql.push(", ");
        }
        self.first = false;
        if self.anonymous {
            self.sql.push("?");
            *self.sql = std::mem::take(self.sql).bind(value);
        } else {
            self.sql.push_bind(value);
        }
        self
    }
}

/// Inserts `rows` into `table` in full statements of [`rows_per_statement`] rows, then the
/// rest in statements of 2^k rows: a handful of distinct statements, which the connection's
/// statement cache keeps prepared from one call to the next.
async fn insert_rows<T>(
    ex: &mut impl Executor,
    table: &str,
    columns: &[&str],
    rows: &[T],
    bind: impl Fn(&mut Values<'_>, &T),
) -> Result<u64> {
    let engine = ex.engine();
    let full = rows_per_statement(engine, columns.len());
    let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut written = 0;
    let mut rest = rows;
    while !rest.is_empty() {
        let n = if rest.len() >= full { full } else { 1 << rest.len().ilog2() };
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        let mut sql = Sql::new(&head);
        for (i, row) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            bind(&mut Values { sql: &mut sql, first: true, anonymous: engine == Engine::Sqlite }, row);
            sql.push(")");
        }
        written += sql.execute(ex).await?;
    }
    Ok(written)
}

/// Inserts requests as given. Returns the rows written.
pub async fn insert_requests(ex: &mut impl Executor, requests: &[Request]) -> Result<u64> {
    // One change for the whole call: the register index reads them together after the commit.
    let seq = crate::requests::next_counter(ex, crate::requests::REQUEST_CHANGES).await?;
    insert_rows(ex, "requests", REQUEST_COLUMNS, requests, |v, r| {
        v.v(&r.id)
            .v(&r.reference)
            .v(&r.direction)
            .v(&r.organ)
            .v(&r.on_behalf_of)
            .v(&r.kind)
            .v(r.parent_id.clone())
            .v(&r.partner_id)
            .v(&r.title)
            .v(&r.purpose)
            .v(&r.facts)
            .v(&r.legal_basis)
            .v(&r.situation)
            .v(&r.case_name)
            .v(&r.persons)
            .v(&r.urgency)
            .v(r.deadline)
            .v(&r.cost_allocation)
            .v(&r.classification)
            .v(&r.status)
            .v(r.resume_status.clone())
            .v(&r.owner_unit_id)
            .v(r.acting_for_unit_id.clone())
            .v(r.chamber_unit_id.clone())
            .v(&r.transmitting_unit_id)
            .v(r.responsible_user_id.clone())
            .v(&r.decision_reference)
            .v(r.profile_id.clone())
            .v(r.channel.clone())
            .v(r.receiving_authority.clone())
            .v(r.language.clone())
            .v(r.national_reference.clone())
            .v(r.transmitted_on)
            .v(r.first_response_on)
            .v(r.executed_on)
            .v(r.closed_on)
            .v(r.provisional_arrest_on)
            .v(r.imported_at)
            .v(r.imported_by.clone())
            .v(&r.created_by)
            .v(r.version)
            .v(r.created_at)
            .v(r.updated_at)
            .v(seq);
    })
    .await
}

/// Inserts request lines as given; their requests must be inserted first.
pub async fn insert_lines(ex: &mut impl Executor, lines: &[Line]) -> Result<u64> {
    insert_rows(ex, "request_lines", LINE_COLUMNS, lines, |v, l| {
        v.v(&l.id)
            .v(&l.request_id)
            .v(l.position)
            .v(&l.line_type)
            .v(&l.content)
            .v(&l.cost_allocation)
            .v(&l.outcome)
            .v(l.outcome_on)
            .v(&l.outcome_note);
    })
    .await
}

/// Inserts history steps as given, with the caller's sequence numbers; their requests must be
/// inserted first.
pub async fn insert_events(ex: &mut impl Executor, events: &[Event]) -> Result<u64> {
    insert_rows(ex, "request_events", EVENT_COLUMNS, events, |v, e| {
        v.v(&e.id)
            .v(&e.request_id)
            .v(e.seq)
            .v(&e.action)
            .v(e.from_status.clone())
            .v(&e.to_status)
            .v(e.effective_on)
            .v(e.recorded_at)
            .v(&e.actor)
            .v(&e.reason)
            .v(&e.detail);
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_stay_within_each_engines_limit() {
        for engine in [Engine::Sqlite, Engine::Postgres] {
            for columns in [REQUEST_COLUMNS.len(), LINE_COLUMNS.len(), EVENT_COLUMNS.len()] {
                let rows = rows_per_statement(engine, columns);
                assert!(rows * columns <= max_params(engine), "{engine:?}, {columns} columns");
                assert!((rows + 1) * columns > max_params(engine), "{engine:?}: chunks as large as allowed");
            }
        }
        assert_eq!(REQUEST_COLUMNS.len(), 44);
        assert_eq!(rows_per_statement(Engine::Sqlite, 43), 762);
        assert_eq!(rows_per_statement(Engine::Postgres, 11), 5957);
    }
}
