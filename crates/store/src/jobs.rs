//! The durable job queue, in-app notifications, and the deadline query that feeds both.
//!
//! A job moves `queued` → `running` (claimed, nothing handed to anyone yet) → `sending` (its
//! effect may have happened) → `done` or `failed`. The split between `running` and `sending`
//! is what lets a restart retry work that certainly did not happen and refuse to repeat work
//! that may have. Every transition after the claim is fenced by the lease the claim wrote
//! (`locked_until`): a worker whose lease was taken over can no longer change the job.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::{Executor, Result, Sql};

/// Job states, as stored.
pub mod status {
    pub const QUEUED: &str = "queued";
    pub const RUNNING: &str = "running";
    pub const SENDING: &str = "sending";
    pub const DONE: &str = "done";
    pub const FAILED: &str = "failed";
}

/// Why a job whose effect may already have happened is not tried again.
pub const OUTCOME_UNKNOWN: &str = "outcome unknown after restart; not resent to avoid a duplicate";

/// Why a job whose worker vanished before doing anything is back in the queue.
pub const LEASE_EXPIRED: &str = "lease expired before sending; queued again";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub dedupe_key: String,
    /// A JSON document whose shape belongs to the job's kind.
    pub payload: String,
    pub status: String,
    pub run_at: DateTime<Utc>,
    pub attempts: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const JOB_COLUMNS: &str =
    "id, kind, dedupe_key, payload, status, run_at, attempts, locked_until, last_error, created_at, updated_at";

/// Adds a job unless one with the same dedupe key exists, whatever its state; true when it
/// was new. This is what makes enqueuing safe to repeat after a rescan or a restart.
pub async fn enqueue(
    ex: &mut impl Executor,
    kind: &str,
    dedupe_key: &str,
    payload: &str,
    run_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<bool> {
    Ok(Sql::new(
        "INSERT INTO jobs (id, kind, dedupe_key, payload, status, run_at, attempts, locked_until, last_error, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, 'queued', $5, 0, NULL, NULL, $6, $6) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(crate::new_id())
    .bind(kind)
    .bind(dedupe_key)
    .bind(payload)
    .bind(run_at)
    .bind(at)
    .execute(ex)
    .await?
        == 1)
}

pub async fn job_by_key(ex: &mut impl Executor, dedupe_key: &str) -> Result<Option<Job>> {
    Sql::new(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE dedupe_key = $1")).bind(dedupe_key).fetch_optional(ex).await
}

/// Jobs of a kind, oldest first (for operators and tests).
pub async fn jobs_of_kind(ex: &mut impl Executor, kind: &str) -> Result<Vec<Job>> {
    Sql::new(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE kind = $1 ORDER BY created_at, id"))
        .bind(kind)
        .fetch_all(ex)
        .await
}

/// Claims the oldest due job: `running`, leased until `lease_until`. Commit before acting
/// on it, so the claim is visible to every other worker.
///
/// The update names the row it picked and requires it still `queued`, so of two workers
/// that picked the same row only one changes it; on PostgreSQL the loser waits for the
/// winner's row lock, re-reads the row and finds it taken. The loser then tries the next
/// due job instead of giving up while work is waiting.
pub async fn claim_next(ex: &mut impl Executor, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> Result<Option<Job>> {
    const TRIES: usize = 8;
    for _ in 0..TRIES {
        let claimed: Option<Job> = Sql::new(&format!(
            "UPDATE jobs SET status = 'running', locked_until = $1, updated_at = $2 \
             WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $2 ORDER BY run_at, id LIMIT 1) \
             AND status = 'queued' RETURNING {JOB_COLUMNS}"
        ))
        .bind(lease_until)
        .bind(now)
        .fetch_optional(ex)
        .await?;
        if claimed.is_some() {
            return Ok(claimed);
        }
        let (waiting,): (i64,) = Sql::new("SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND run_at <= $1")
            .bind(now)
            .fetch_one(ex)
            .await?;
        if waiting == 0 {
            return Ok(None);
        }
    }
    Ok(None)
}

/// Records that the job is about to have its effect (the e-mail's content is going out).
/// False when the lease was lost: the caller must then not go ahead.
pub async fn mark_sending(ex: &mut impl Executor, job: &Job, at: DateTime<Utc>) -> Result<bool> {
    Ok(Sql::new(
        "UPDATE jobs SET status = 'sending', updated_at = $1 WHERE id = $2 AND status = 'running' AND locked_until = $3",
    )
    .bind(at)
    .bind(&job.id)
    .bind(job.locked_until)
    .execute(ex)
    .await?
        == 1)
}

/// Finishes a job, with a note when it finished without doing its work (no address, say).
pub async fn mark_done(ex: &mut impl Executor, job: &Job, note: Option<&str>, at: DateTime<Utc>) -> Result<bool> {
    Ok(Sql::new(
        "UPDATE jobs SET status = 'done', locked_until = NULL, last_error = $1, updated_at = $2 \
         WHERE id = $3 AND status IN ('running', 'sending') AND locked_until = $4",
    )
    .bind(note)
    .bind(at)
    .bind(&job.id)
    .bind(job.locked_until)
    .execute(ex)
    .await?
        == 1)
}

/// How often and how patiently a failed job is tried again.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; after the last failure the job is `failed`.
    pub max_attempts: i64,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// The wait before attempt `attempts + 1`: doubling from `first_delay`, capped.
    pub fn delay(&self, attempts: i64) -> Duration {
        let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
        let factor = 2_i32.saturating_pow(doublings);
        (self.first_delay * factor).min(self.max_delay)
    }
}

/// What became of a job after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Queued again, due at this instant.
    Retry(DateTime<Utc>),
    /// Out of attempts, or not worth another: `failed` for good.
    Failed,
    /// The lease had passed to someone else; nothing was changed.
    LeaseLost,
}

/// Counts a failed attempt that certainly had no effect, and queues the job again after the
/// policy's delay, or fails it once the attempts are spent. `retry = false` fails it at once
/// (a permanent refusal, or an attempt whose effect is unknown).
pub async fn fail_attempt(
    ex: &mut impl Executor,
    job: &Job,
    error: &str,
    retry: bool,
    policy: &RetryPolicy,
    at: DateTime<Utc>,
) -> Result<AfterFailure> {
    let attempts = job.attempts + 1;
    let (status, run_at, outcome) = if retry && attempts < policy.max_attempts {
        let run_at = at + policy.delay(attempts);
        (status::QUEUED, run_at, AfterFailure::Retry(run_at))
    } else {
        (status::FAILED, job.run_at, AfterFailure::Failed)
    };
    let changed = Sql::new(
        "UPDATE jobs SET status = $1, attempts = $2, run_at = $3, locked_until = NULL, last_error = $4, \
         updated_at = $5 WHERE id = $6 AND status IN ('running', 'sending') AND locked_until = $7",
    )
    .bind(status)
    .bind(attempts)
    .bind(run_at)
    .bind(error)
    .bind(at)
    .bind(&job.id)
    .bind(job.locked_until)
    .execute(ex)
    .await?;
    Ok(if changed == 1 { outcome } else { AfterFailure::LeaseLost })
}

/// What [`reclaim_expired`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reclaimed {
    /// `running` jobs whose worker vanished before any effect: queued again.
    pub requeued: u64,
    /// `sending` jobs whose worker vanished mid-effect: failed, never repeated.
    pub abandoned: u64,
}

/// Deals with jobs whose lease ran out (the worker crashed or was stopped). A job still
/// `running` had no effect yet, so it goes back to the queue, as one more attempt (a job
/// that kills its worker every time must not loop forever). A job in `sending` may have had
/// its effect: repeating it could send a second e-mail, so it fails with [`OUTCOME_UNKNOWN`]
/// for a person to look at; at-most-once is the promise.
pub async fn reclaim_expired(ex: &mut impl Executor, max_attempts: i64, now: DateTime<Utc>) -> Result<Reclaimed> {
    let requeued = Sql::new(
        "UPDATE jobs SET status = CASE WHEN attempts + 1 >= $1 THEN 'failed' ELSE 'queued' END, \
         attempts = attempts + 1, locked_until = NULL, last_error = $2, updated_at = $3 \
         WHERE status = 'running' AND locked_until < $3",
    )
    .bind(max_attempts)
    .bind(LEASE_EXPIRED)
    .bind(now)
    .execute(ex)
    .await?;
    let abandoned = Sql::new(
        "UPDATE jobs SET status = 'failed', locked_until = NULL, last_error = $1, updated_at = $2 \
         WHERE status = 'sending' AND locked_until < $2",
    )
    .bind(OUTCOME_UNKNOWN)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(Reclaimed { requeued, abandoned })
}

/// An open request whose deadline calls for a reminder.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeadlineDue {
    pub id: String,
    pub reference: String,
    pub title: String,
    pub deadline: NaiveDate,
    pub classification: String,
    /// The responsible officer, or whoever created the request when none is named.
    pub responsible_user_id: String,
    /// That person's account; none when the request names no account (the CLI operator).
    pub user_id: Option<String>,
}

/// Open requests (not executed, refused, withdrawn or answered) with a deadline on or before
/// `until`. Overdue is derived here from the status and the date, never stored.
pub async fn deadlines_due(ex: &mut impl Executor, until: NaiveDate) -> Result<Vec<DeadlineDue>> {
    Sql::new(
        "SELECT r.id, r.reference, r.title, r.deadline, r.classification, \
         COALESCE(r.responsible_user_id, r.created_by) AS responsible_user_id, u.id AS user_id \
         FROM requests r LEFT JOIN users u ON u.id = COALESCE(r.responsible_user_id, r.created_by) \
         WHERE r.deadline IS NOT NULL AND r.deadline <= $1 \
         AND r.status NOT IN ('executed', 'refused', 'withdrawn', 'answered') \
         ORDER BY r.deadline, r.id",
    )
    .bind(until)
    .fetch_all(ex)
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Notification {
    pub id: String,
    pub user_id: String,
    pub request_id: Option<String>,
    pub kind: String,
    pub message: String,
    pub dedupe_key: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// Adds a notification unless one with the same dedupe key exists; true when it was new.
pub async fn insert_notification(ex: &mut impl Executor, n: &Notification) -> Result<bool> {
    Ok(Sql::new(
        "INSERT INTO notifications (id, user_id, request_id, kind, message, dedupe_key, created_at, read_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(&n.id)
    .bind(&n.user_id)
    .bind(n.request_id.clone())
    .bind(&n.kind)
    .bind(&n.message)
    .bind(&n.dedupe_key)
    .bind(n.created_at)
    .bind(n.read_at)
    .execute(ex)
    .await?
        == 1)
}

/// One page of a user's notifications, unread first, then newest first, and the total.
pub async fn notifications_for(
    ex: &mut impl Executor,
    user_id: &str,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Notification>, i64)> {
    let rows = Sql::new(
        "SELECT id, user_id, request_id, kind, message, dedupe_key, created_at, read_at FROM notifications \
         WHERE user_id = $1 ORDER BY CASE WHEN read_at IS NULL THEN 0 ELSE 1 END, created_at DESC, id DESC \
         LIMIT $2 OFFSET $3",
    )
    .bind(user_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(ex)
    .await?;
    let (total,): (i64,) =
        Sql::new("SELECT COUNT(*) FROM notifications WHERE user_id = $1").bind(user_id).fetch_one(ex).await?;
    Ok((rows, total))
}

pub async fn count_unread(ex: &mut impl Executor, user_id: &str) -> Result<i64> {
    let (n,): (i64,) = Sql::new("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(ex)
        .await?;
    Ok(n)
}

/// Marks one of the user's own notifications read (keeping the first reading time); false
/// when there is no such notification for this user.
pub async fn mark_read(ex: &mut impl Executor, id: &str, user_id: &str, at: DateTime<Utc>) -> Result<bool> {
    Ok(Sql::new("UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3")
        .bind(at)
        .bind(id)
        .bind(user_id)
        .execute(ex)
        .await?
        == 1)
}

/// Marks all of the user's unread notifications read; returns how many were.
pub async fn mark_all_read(ex: &mut impl Executor, user_id: &str, at: DateTime<Utc>) -> Result<u64> {
    Sql::new("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(at)
        .bind(user_id)
        .execute(ex)
        .await
}
