//! Deadline reminders: a scan turns approaching and passed deadlines into queued e-mails
//! and in-app notifications, and a worker sends the e-mails at most once.
//!
//! Idempotence rests on one key per reminder, `reminder:{request}:{deadline}:{due_soon|overdue}`,
//! unique in both the job queue and the notifications: a rescan, a second server or a
//! restart finds the key taken and adds nothing. A changed deadline is a new key, so it is
//! reminded of afresh.
//!
//! Delivery is at most once. A job is claimed (committed as `running`) before any connection
//! is made; just before the e-mail's content goes out it is committed as `sending`. A failure
//! before that point certainly delivered nothing and is retried with backoff. A worker that
//! vanishes in `sending` may or may not have delivered, and its job is failed with
//! [`comity_store::jobs::OUTCOME_UNKNOWN`] instead of being resent: a missed reminder still
//! shows in the application, while a duplicate e-mail about a court deadline would confuse
//! the officer and cannot be taken back. The Message-ID is derived from the key, so a
//! receiving server that deduplicates by it also drops a copy.

use std::future::Future;

use chrono::{DateTime, Days, NaiveDate, Utc};
use comity_domain::{access::Classification, request::Status};
use comity_store::{
    accounts,
    jobs::{self, AfterFailure, Job, Notification, RetryPolicy},
    requests,
};

use crate::{
    auth::sha256_hex,
    mail::{Mailer, Outgoing, SendError},
    Actor, AppError, AuthMethod, Comity, Page, Paging, Result,
};

/// The job kind of a reminder e-mail.
pub const REMINDER_JOB: &str = "reminder";

/// How long a claimed job belongs to its worker. Every SMTP exchange has its own, much
/// shorter timeout, so a live worker always finishes well inside its lease.
pub fn lease() -> chrono::Duration {
    chrono::Duration::minutes(15)
}

/// Retries of a reminder the server did not take: after 1, 2, 4 and 8 minutes, then failed.
pub fn retry_policy() -> RetryPolicy {
    RetryPolicy { max_attempts: 5, first_delay: chrono::Duration::minutes(1), max_delay: chrono::Duration::hours(1) }
}

/// At most this many jobs in one run, so one pass cannot hold the worker indefinitely.
const MAX_JOBS_PER_RUN: usize = 500;

/// Which reminder a deadline calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// The deadline is today or within the horizon.
    DueSoon,
    /// The deadline has passed and the request is still open.
    Overdue,
}

impl Due {
    pub fn code(self) -> &'static str {
        match self {
            Due::DueSoon => "due_soon",
            Due::Overdue => "overdue",
        }
    }

    /// Overdue is derived, as `comity_domain::request::is_overdue` defines it: the deadline
    /// is before today (the caller has already kept only open requests).
    pub fn of(deadline: NaiveDate, today: NaiveDate) -> Self {
        if deadline < today {
            Due::Overdue
        } else {
            Due::DueSoon
        }
    }
}

/// The dedupe key shared by a reminder's job and its notification.
pub fn reminder_key(request_id: &str, deadline: NaiveDate, due: Due) -> String {
    format!("reminder:{request_id}:{deadline}:{}", due.code())
}

/// What a reminder job carries; the e-mail itself is written when it is sent, from the
/// request as it is then.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct ReminderPayload {
    request_id: String,
    user_id: String,
    deadline: NaiveDate,
    due: Due,
}

/// What one scan found and added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ScanReport {
    /// Open requests with a deadline within the horizon or past.
    pub considered: usize,
    /// New reminder jobs (the rest were queued by an earlier scan).
    pub enqueued: usize,
    /// New in-app notifications.
    pub notified: usize,
    /// Requests whose responsible person has no account to remind.
    pub unaddressed: usize,
}

/// The reminder's words, for the notification and the e-mail alike. A sealed request is
/// named by nothing but its deadline. Confidential and ex parte requests go by reference
/// only: an e-mail leaves the system, and its title could say what the request is about.
pub fn reminder_text(reference: &str, title: &str, classification: &str, deadline: NaiveDate, due: Due) -> String {
    let classification = Classification::parse(classification).unwrap_or(Classification::Sealed);
    let name = match classification {
        Classification::Sealed => return format!("A sealed request has a deadline on {deadline}."),
        Classification::Confidential | Classification::ExParte => format!("Request {reference}"),
        _ => format!("Request {reference} ({title})"),
    };
    match due {
        Due::DueSoon => format!("{name} is due on {deadline}."),
        Due::Overdue => format!("{name} was due on {deadline} and is overdue."),
    }
}

fn reminder_subject(reference: &str, classification: &str, deadline: NaiveDate, due: Due) -> String {
    match Classification::parse(classification).unwrap_or(Classification::Sealed) {
        Classification::Sealed => format!("Comity: a sealed request has a deadline on {deadline}"),
        _ => match due {
            Due::DueSoon => format!("Comity: {reference} is due on {deadline}"),
            Due::Overdue => format!("Comity: {reference} is overdue (due {deadline})"),
        },
    }
}

/// A Message-ID that is the same for every attempt at the same e-mail (a reminder, a notice,
/// an invitation), derived from its key.
pub fn message_id(dedupe_key: &str, domain: Option<&str>) -> String {
    let hash = sha256_hex(dedupe_key);
    format!("{}.comity@{}", &hash[..32], domain.unwrap_or("comity.invalid"))
}

impl Comity {
    /// The mailer the settings describe (disabled when e-mail is not configured).
    pub fn mailer(&self) -> Result<Mailer> {
        Mailer::new(self.settings.mail.as_ref()).map_err(AppError::Unavailable)
    }

    /// Queues a reminder e-mail and adds an in-app notification for every open request
    /// whose deadline is within the horizon or past, all in one transaction. Both are keyed
    /// by [`reminder_key`], so running it again, or after a restart, adds nothing.
    pub async fn scan_deadlines(&self) -> Result<ScanReport> {
        let now = self.clock.now();
        let today = self.today();
        let horizon = u64::try_from(self.settings.reminder_horizon_days).unwrap_or(0);
        let until = today.checked_add_days(Days::new(horizon)).unwrap_or(NaiveDate::MAX);
        let mut report = ScanReport::default();
        let mut tx = self.db.write().await?;
        let due = jobs::deadlines_due(&mut tx, until).await?;
        report.considered = due.len();
        for d in &due {
            let Some(user_id) = &d.user_id else {
                report.unaddressed += 1;
                continue;
            };
            let kind = Due::of(d.deadline, today);
            let key = reminder_key(&d.id, d.deadline, kind);
            let payload = serde_json::to_string(&ReminderPayload {
                request_id: d.id.clone(),
                user_id: user_id.clone(),
                deadline: d.deadline,
                due: kind,
            })
            .map_err(|e| AppError::Internal(format!("encoding a reminder: {e}")))?;
            if jobs::enqueue(&mut tx, REMINDER_JOB, &key, &payload, now, now).await? {
                report.enqueued += 1;
            }
            let notification = Notification {
                id: comity_store::new_id(),
                user_id: user_id.clone(),
                request_id: Some(d.id.clone()),
                kind: format!("deadline_{}", kind.code()),
                message: reminder_text(&d.reference, &d.title, &d.classification, d.deadline, kind),
                dedupe_key: key,
                created_at: now,
                read_at: None,
            };
            if jobs::insert_notification(&mut tx, &notification).await? {
                report.notified += 1;
            }
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Runs the jobs that are due, one at a time, and returns how many it finished or put
    /// back. First it settles jobs whose worker vanished (see the module documentation).
    pub async fn run_due_jobs(&self, mailer: &Mailer) -> Result<usize> {
        let policy = retry_policy();
        let mut tx = self.db.write().await?;
        let reclaimed = jobs::reclaim_expired(&mut tx, policy.max_attempts, self.clock.now()).await?;
        tx.commit().await?;
        if reclaimed.requeued > 0 {
            tracing::warn!(jobs = reclaimed.requeued, "jobs left before sending by a stopped worker are queued again");
        }
        if reclaimed.abandoned > 0 {
            tracing::error!(
                jobs = reclaimed.abandoned,
                "jobs stopped while sending are failed, not resent: their outcome is unknown"
            );
        }
        let mut handled = 0;
        while handled < MAX_JOBS_PER_RUN {
            let now = self.clock.now();
            let mut tx = self.db.write().await?;
            let job = jobs::claim_next(&mut tx, now, now + lease()).await?;
            tx.commit().await?;
            let Some(job) = job else { break };
            match job.kind.as_str() {
                REMINDER_JOB => self.send_reminder(&job, mailer).await?,
                crate::messages::MESSAGE_JOB => self.send_message_notice(&job, mailer).await?,
                other => {
                    self.settle(&job, Err((format!("unknown job kind '{other}'"), false))).await?;
                }
            }
            handled += 1;
        }
        Ok(handled)
    }

    /// Records how a claimed job ended: done (with an optional note), or failed with a
    /// reason and whether it may be retried.
    pub(crate) async fn settle(
        &self,
        job: &Job,
        outcome: std::result::Result<Option<&str>, (String, bool)>,
    ) -> Result<()> {
        let now = self.clock.now();
        let mut tx = self.db.write().await?;
        let kept = match &outcome {
            Ok(note) => jobs::mark_done(&mut tx, job, *note, now).await?,
            Err((error, retry)) => {
                let after = jobs::fail_attempt(&mut tx, job, error, *retry, &retry_policy(), now).await?;
                match after {
                    AfterFailure::Retry(at) => {
                        tracing::warn!(job = %job.id, error = %error, retry_at = %at, "job failed; it will be retried");
                    }
                    AfterFailure::Failed => tracing::error!(job = %job.id, error = %error, "job failed for good"),
                    AfterFailure::LeaseLost => {}
                }
                after != AfterFailure::LeaseLost
            }
        };
        tx.commit().await?;
        if !kept {
            tracing::warn!(job = %job.id, "job was taken over by another worker; its outcome here is not recorded");
        }
        Ok(())
    }

    async fn send_reminder(&self, job: &Job, mailer: &Mailer) -> Result<()> {
        let payload: ReminderPayload = match serde_json::from_str(&job.payload) {
            Ok(p) => p,
            Err(e) => return self.settle(job, Err((format!("unreadable payload: {e}"), false))).await,
        };
        let (request, user) = {
            let mut c = self.db.read().await?;
            let request = requests::request(&mut c, &payload.request_id).await?;
            let user = accounts::user_by_id(&mut c, &payload.user_id).await?;
            (request, user)
        };
        let Some(request) = request else {
            return self.settle(job, Ok(Some("the request no longer exists"))).await;
        };
        if Status::parse(&request.status).is_some_and(|s| !s.is_open()) {
            return self.settle(job, Ok(Some("the request was closed before the reminder went out"))).await;
        }
        if request.deadline != Some(payload.deadline) {
            return self.settle(job, Ok(Some("the deadline changed; the new one has its own reminder"))).await;
        }
        if !mailer.is_enabled() {
            return self.settle(job, Ok(Some("mail disabled"))).await;
        }
        if user.as_ref().is_some_and(|u| u.disabled) {
            return self.settle(job, Ok(Some("the recipient's account is disabled"))).await;
        }
        let address = user.as_ref().and_then(|u| u.email.as_deref()).map(str::trim).filter(|e| !e.is_empty());
        let Some(address) = address else {
            return self.settle(job, Ok(Some("no address"))).await;
        };
        let text =
            reminder_text(&request.reference, &request.title, &request.classification, payload.deadline, payload.due);
        let mail = Outgoing {
            to: address.to_owned(),
            subject: reminder_subject(&request.reference, &request.classification, payload.deadline, payload.due),
            body: format!(
                "{text}\n\nSign in to Comity to see the request and its deadline.\n\n\
                 You receive this because you are responsible for the request. Each reminder is sent once.\n"
            ),
            message_id: message_id(&job.dedupe_key, mailer.sender_domain().as_deref()),
            date: self.clock.now(),
        };
        self.send_once(job, mailer, &mail).await
    }

    /// Sends a job's e-mail at most once, and settles the job: the job is marked `sending`
    /// before the message goes out, so a crash in between fails it rather than resending.
    pub(crate) async fn send_once(&self, job: &Job, mailer: &Mailer, mail: &Outgoing) -> Result<()> {
        let prepared = match mailer.prepare(mail).await {
            Ok(p) => p,
            Err(e) => return self.settle(job, Err(failure(&e))).await,
        };
        // The point of no return: once `sending` is committed, a crash leaves this job failed
        // rather than sent twice. If it cannot be recorded, nothing is sent.
        let marked = async {
            let mut tx = self.db.write().await?;
            let marked = jobs::mark_sending(&mut tx, job, self.clock.now()).await?;
            tx.commit().await?;
            Ok::<_, AppError>(marked)
        }
        .await;
        match marked {
            Ok(true) => {}
            Ok(false) => {
                prepared.abandon().await;
                tracing::warn!(job = %job.id, "job was taken over by another worker before sending; not sent here");
                return Ok(());
            }
            Err(e) => {
                prepared.abandon().await;
                return Err(e);
            }
        }
        match prepared.deliver().await {
            Ok(()) => {
                tracing::info!(job = %job.id, kind = %job.kind, "e-mail sent");
                self.settle(job, Ok(None)).await
            }
            Err(e) => self.settle(job, Err(failure(&e))).await,
        }
    }

    /// A page of the actor's own notifications: unread first, then newest first.
    pub async fn notifications(&self, actor: &Actor, paging: Paging) -> Result<Page<NotificationView>> {
        let mut c = self.db.read().await?;
        let (items, total) =
            jobs::notifications_for(&mut c, &actor.principal.user_id, paging.offset(), paging.per_page).await?;
        let items = items.into_iter().map(NotificationView::from).collect();
        Ok(Page { items, page: paging.page, per_page: paging.per_page, total })
    }

    /// How many of the actor's notifications are unread.
    pub async fn unread_notifications(&self, actor: &Actor) -> Result<i64> {
        Ok(jobs::count_unread(&mut self.db.read().await?, &actor.principal.user_id).await?)
    }

    /// Marks one of the actor's own notifications read. Anyone else's is `NotFound`, so
    /// its existence is not revealed; a read-only token may look but not mark.
    pub async fn mark_notification_read(&self, actor: &Actor, id: &str) -> Result<()> {
        let mut tx = self.db.write().await?;
        if !jobs::mark_read(&mut tx, id, &actor.principal.user_id, self.clock.now()).await? {
            return Err(AppError::NotFound);
        }
        if actor.method == (AuthMethod::Token { write: false }) {
            // Dropping the transaction undoes the change.
            return Err(AppError::Forbidden);
        }
        tx.commit().await?;
        Ok(())
    }

    /// Marks every unread notification of the actor's read and returns how many there were.
    /// A read-only token may not.
    pub async fn mark_all_notifications_read(&self, actor: &Actor) -> Result<i64> {
        if actor.method == (AuthMethod::Token { write: false }) {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.db.write().await?;
        let marked = jobs::mark_all_read(&mut tx, &actor.principal.user_id, self.clock.now()).await?;
        tx.commit().await?;
        Ok(i64::try_from(marked).unwrap_or(i64::MAX))
    }
}

/// An in-app notification as its recipient sees it: what it is about and whether it was read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    pub id: String,
    /// The request it is about, if any.
    pub request_id: Option<String>,
    /// `deadline_due_soon` or `deadline_overdue`.
    pub kind: String,
    /// The text of the notification (English).
    pub message: String,
    pub created_at: DateTime<Utc>,
    /// When it was first marked read.
    pub read_at: Option<DateTime<Utc>>,
    pub read: bool,
}

impl From<Notification> for NotificationView {
    fn from(n: Notification) -> Self {
        NotificationView {
            read: n.read_at.is_some(),
            id: n.id,
            request_id: n.request_id,
            kind: n.kind,
            message: n.message,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

/// The reason to record for a failed attempt, and whether it may be retried. An unknown
/// outcome is never retried: that is the at-most-once promise.
fn failure(e: &SendError) -> (String, bool) {
    match e {
        SendError::NotSent { permanent, reason } => (reason.clone(), !permanent),
        SendError::Unknown(reason) => (format!("outcome unknown ({reason}); not resent to avoid a duplicate"), false),
    }
}

/// The reminder worker: every `every`, scans deadlines and sends what is due, until
/// `shutdown` resolves. A pass under way is finished first, so no job is left `sending`
/// by an orderly stop.
pub async fn run_reminders(app: Comity, every: std::time::Duration, shutdown: impl Future<Output = ()>) {
    let mailer = match app.mailer() {
        Ok(m) => {
            if !m.is_enabled() {
                tracing::info!("e-mail is not configured: reminders appear in the application only");
            }
            Some(m)
        }
        Err(e) => {
            tracing::error!(error = %e, "the e-mail settings are unusable: reminders are queued but not sent");
            None
        }
    };
    let mut tick = tokio::time::interval(every.max(std::time::Duration::from_secs(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            _ = tick.tick() => {}
        }
        match app.scan_deadlines().await {
            Ok(r) if r.enqueued > 0 || r.notified > 0 => {
                tracing::info!(enqueued = r.enqueued, notified = r.notified, "deadline reminders queued");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not scan deadlines"),
        }
        if let Some(mailer) = &mailer {
            if let Err(e) = app.run_due_jobs(mailer).await {
                tracing::warn!(error = %e, "could not run due jobs");
            }
        }
    }
    tracing::debug!("reminder worker stopped");
}
