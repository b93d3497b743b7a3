//! Writing to and reading from the audit trail.

use chrono::{DateTime, Utc};
use comity_domain::access::{Action, Classification, RecordAccess, RecordKind};
use comity_store::{audit, Tx};

use crate::{Actor, Comity, Result};

/// The record an audit entry is about.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    pub kind: RecordKind,
    pub id: &'a str,
    pub classification: Classification,
}

impl<'a> Target<'a> {
    pub fn new(kind: RecordKind, id: &'a str, classification: Classification) -> Self {
        Self { kind, id, classification }
    }
}

/// Appends an entry for `actor` doing `action` on a record, inside the caller's transaction.
pub(crate) async fn record(
    tx: &mut Tx,
    at: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    target: Target<'_>,
    detail: serde_json::Value,
) -> Result<()> {
    let e = audit::NewEntry {
        actor: actor.audit_id(),
        action,
        record_kind: target.kind.code(),
        record_id: target.id,
        classification: target.classification.code(),
        detail: detail.to_string(),
    };
    audit::append(tx, at, &e).await?;
    Ok(())
}

/// A disclosure waiting for the trail's group commit, and who waits for it.
pub(crate) struct ReadEntry {
    at: DateTime<Utc>,
    actor: String,
    action: String,
    target: (RecordKind, String, Classification),
    detail: String,
    written: tokio::sync::oneshot::Sender<std::result::Result<(), String>>,
}

/// Reads are audited before they are answered, but many readers' entries share one commit:
/// one writer takes whatever is waiting, appends it in one transaction and answers them all.
/// On SQLite each commit also makes every other connection drop its page cache, so fewer
/// commits keep lists fast under load.
pub(crate) type ReadTrail = tokio::sync::mpsc::UnboundedSender<ReadEntry>;

/// The most entries one commit takes.
const READS_PER_COMMIT: usize = 512;

fn start_read_trail(db: comity_store::Db) -> ReadTrail {
    let (queue, mut waiting) = tokio::sync::mpsc::unbounded_channel::<ReadEntry>();
    tokio::spawn(async move {
        while let Some(first) = waiting.recv().await {
            let mut batch = vec![first];
            while batch.len() < READS_PER_COMMIT {
                match waiting.try_recv() {
                    Ok(e) => batch.push(e),
                    Err(_) => break,
                }
            }
            let written = async {
                let mut tx = db.write().await?;
                for e in &batch {
                    let entry = audit::NewEntry {
                        actor: &e.actor,
                        action: &e.action,
                        record_kind: e.target.0.code(),
                        record_id: &e.target.1,
                        classification: e.target.2.code(),
                        detail: e.detail.clone(),
                    };
                    audit::append(&mut tx, e.at, &entry).await?;
                }
                tx.commit().await?;
                Ok::<(), crate::AppError>(())
            }
            .await
            .map_err(|e| e.to_string());
            for e in batch {
                let _ = e.written.send(written.clone());
            }
        }
    });
    queue
}

impl Comity {
    /// Notes that `actor` asked for a record that does not exist or that they may not know of
    /// (the 404 they got), so that guessing ids leaves a trace. It does not wait for the
    /// commit: the caller may hold the write lock the trail's writer needs.
    pub(crate) fn note_refused(&self, actor: &Actor, kind: RecordKind, id: &str) {
        let queue = self.read_trail.get_or_init(|| start_read_trail(self.db.clone()));
        let (written, _) = tokio::sync::oneshot::channel();
        let entry = ReadEntry {
            at: self.clock.now(),
            actor: actor.audit_id().to_owned(),
            action: format!("{}.not_found", kind.code()),
            target: (kind, id.chars().take(200).collect(), Classification::Internal),
            detail: "{}".into(),
            written,
        };
        if queue.send(entry).is_err() {
            tracing::error!(
                actor = actor.audit_id(),
                record = id,
                "the audit trail writer has stopped; a refused access is not recorded"
            );
        }
    }

    /// Appends an entry for `actor` having read a record, and returns once it is committed.
    pub(crate) async fn record_read(
        &self,
        actor: &Actor,
        action: &str,
        target: Target<'_>,
        detail: serde_json::Value,
    ) -> Result<()> {
        let queue = self.read_trail.get_or_init(|| start_read_trail(self.db.clone()));
        let (written, done) = tokio::sync::oneshot::channel();
        let entry = ReadEntry {
            at: self.clock.now(),
            actor: actor.audit_id().to_owned(),
            action: action.to_owned(),
            target: (target.kind, target.id.to_owned(), target.classification),
            detail: detail.to_string(),
            written,
        };
        queue.send(entry).map_err(|_| crate::AppError::Unavailable("the audit trail writer has stopped".into()))?;
        match done.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(crate::AppError::Internal(format!("writing the audit trail: {e}"))),
            Err(_) => Err(crate::AppError::Unavailable("the audit trail writer has stopped".into())),
        }
    }
}

/// The audit viewer's query.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// A user's login name or id.
    pub user: Option<String>,
    pub record_kind: Option<String>,
    pub record_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// An entry as the viewer shows it, with the actor's name resolved.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRow {
    #[serde(flatten)]
    pub entry: audit::Entry,
    pub actor_name: String,
}

impl Comity {
    /// Entries newest first, for auditors and system administrators only.
    pub async fn audit_entries(&self, actor: &Actor, q: &AuditQuery) -> Result<Vec<AuditRow>> {
        actor.check(Action::Read, &RecordAccess::new(RecordKind::AuditEntry, Classification::Internal))?;
        let mut c = self.db.read().await?;
        let actor_id = match q.user.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(u) => Some(
                comity_store::accounts::user_by_name(&mut c, u)
                    .await?
                    .map(|user| user.id)
                    .unwrap_or_else(|| u.to_owned()),
            ),
        };
        let f = audit::Filter {
            actor: actor_id,
            record_kind: q.record_kind.clone().filter(|s| !s.is_empty()),
            record_id: q.record_id.clone().filter(|s| !s.is_empty()),
            from: q.from,
            to: q.to,
            before_seq: q.before_seq,
            limit: if q.limit <= 0 { 100 } else { q.limit },
        };
        let entries = audit::list(&mut c, &f).await?;
        let users = comity_store::accounts::list_users(&mut c, None).await?;
        Ok(entries
            .into_iter()
            .map(|entry| {
                let actor_name = users
                    .iter()
                    .find(|u| u.id == entry.actor)
                    .map(|u| u.name.clone())
                    .unwrap_or_else(|| entry.actor.clone());
                AuditRow { entry, actor_name }
            })
            .collect())
    }

    /// Verifies the whole chain, reporting progress as entries are checked.
    pub async fn verify_audit(
        &self,
        progress: impl FnMut(i64),
    ) -> Result<std::result::Result<audit::Verification, comity_domain::audit::ChainBreak>> {
        Ok(audit::verify(&mut self.db.read().await?, progress).await?)
    }
}
