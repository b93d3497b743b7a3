//! Deadline reminders: one e-mail and one notification per reminder, through a real SMTP
//! server on the loopback interface, however often the scan and the worker run, across
//! restarts, refusals and crashes.

use chrono::{Days, Duration, NaiveDate};
use comity_app::{
    mail::{MailSettings, MailTls, Mailer},
    reminders::{reminder_key, Due},
    Actor, AppError, AuthMethod, Clock, Comity, Paging, Settings,
};
use comity_store::{
    accounts::{self, User},
    jobs::{self, Job},
    requests::{self, Request},
    Db,
};
use comity_testkit::{on_every_engine, smtp::SmtpServer, TestDatabase};

use crate::{start_instant, TestApp};

fn today() -> NaiveDate {
    start_instant().date_naive()
}

fn days(n: i64) -> NaiveDate {
    if n >= 0 {
        today().checked_add_days(Days::new(n as u64)).expect("a date")
    } else {
        today().checked_sub_days(Days::new(n.unsigned_abs())).expect("a date")
    }
}

fn mail_settings(server: &SmtpServer) -> MailSettings {
    MailSettings {
        port: server.port(),
        ..MailSettings::new("127.0.0.1", "Comity <comity@court.example>", MailTls::None)
    }
}

fn settings_for(server: &SmtpServer) -> Settings {
    Settings { mail: Some(mail_settings(server)), ..Settings::default() }
}

/// The application as a restarted server sees it: a new pool and a new `Comity` on the same
/// database and clock.
async fn restarted(t: &TestDatabase, s: &TestApp, settings: Settings) -> Comity {
    let db = Db::connect(&t.url).await.expect("reconnect to the test database");
    Comity::new(db, s.clock.clone(), settings)
}

async fn officer(s: &TestApp, name: &str, email: Option<&str>) -> User {
    let mut input = crate::input(name, "Registry", "officer");
    input.email = email.map(str::to_owned);
    s.app.add_user(&Actor::operator(), &input).await.expect("add an officer");
    accounts::user_by_name(&mut s.app.db.read().await.expect("a connection"), name)
        .await
        .expect("read the officer")
        .expect("the officer exists")
}

fn actor(u: &User) -> Actor {
    Actor::from_user(u, AuthMethod::Session).expect("an actor")
}

/// Inserts a request straight into storage: these tests are about reminders, not about how
/// requests come to be.
async fn request(
    s: &TestApp,
    reference: &str,
    responsible: &User,
    deadline: Option<NaiveDate>,
    status: &str,
    classification: &str,
) -> Request {
    let now = s.clock.now();
    let registry = accounts::unit_by_name(&mut s.app.db.read().await.expect("a connection"), "Registry")
        .await
        .expect("read units")
        .expect("the Registry exists");
    let r = Request {
        id: comity_store::new_id(),
        reference: reference.into(),
        direction: "outgoing".into(),
        organ: "registry".into(),
        on_behalf_of: "chamber".into(),
        kind: "primary".into(),
        parent_id: None,
        partner_id: "KEN".into(),
        title: format!("Operation Nightingale {reference}"),
        purpose: "Locate a witness".into(),
        facts: "Facts".into(),
        legal_basis: "art. 93(1)(a)".into(),
        situation: "Situation X".into(),
        case_name: "Prosecutor v. X".into(),
        persons: "[]".into(),
        urgency: "normal".into(),
        deadline,
        cost_allocation: "requested_state".into(),
        classification: classification.into(),
        status: status.into(),
        resume_status: None,
        owner_unit_id: registry.id.clone(),
        acting_for_unit_id: None,
        chamber_unit_id: None,
        transmitting_unit_id: registry.id.clone(),
        responsible_user_id: Some(responsible.id.clone()),
        decision_reference: String::new(),
        profile_id: None,
        channel: None,
        receiving_authority: None,
        language: None,
        national_reference: None,
        transmitted_on: Some(days(-30)),
        first_response_on: None,
        executed_on: None,
        closed_on: None,
        provisional_arrest_on: None,
        imported_at: None,
        imported_by: None,
        created_by: responsible.id.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let mut tx = s.app.db.write().await.expect("a transaction");
    requests::insert_request(&mut tx, &r).await.expect("insert a request");
    tx.commit().await.expect("commit the request");
    r
}

async fn job(app: &Comity, key: &str) -> Job {
    jobs::job_by_key(&mut app.db.read().await.expect("a connection"), key)
        .await
        .expect("read the job")
        .unwrap_or_else(|| panic!("a job for {key}"))
}

async fn reminder_jobs(app: &Comity) -> Vec<Job> {
    jobs::jobs_of_kind(&mut app.db.read().await.expect("a connection"), "reminder").await.expect("list jobs")
}

async fn scan_and_run(app: &Comity, mailer: &Mailer) {
    app.scan_deadlines().await.expect("scan deadlines");
    app.run_due_jobs(mailer).await.expect("run due jobs");
}

#[tokio::test]
async fn due_soon_and_overdue_deadlines_send_one_email_and_one_notification_each() {
    on_every_engine!(|t| {
        let server = SmtpServer::start().await;
        let settings = settings_for(&server);
        let s = TestApp::with_settings(t, settings.clone()).await;
        let mailer = s.app.mailer().expect("a mailer");
        let amina = officer(&s, "amina", Some("amina@court.example")).await;
        let soon = request(&s, "ICC-2026-0001", &amina, Some(days(3)), "transmitted", "internal").await;
        let late = request(&s, "ICC-2026-0002", &amina, Some(days(-2)), "in_execution", "public").await;
        let later = request(&s, "ICC-2026-0003", &amina, Some(days(30)), "transmitted", "internal").await;

        let report = s.app.scan_deadlines().await.expect("scan");
        assert_eq!((report.considered, report.enqueued, report.notified), (2, 2, 2), "{report:?}");
        assert_eq!(s.app.run_due_jobs(&mailer).await.expect("run"), 2);

        let mails = server.messages();
        assert_eq!(mails.len(), 2, "{mails:#?}");
        for m in &mails {
            assert_eq!(m.to, vec!["amina@court.example".to_owned()]);
            assert_eq!(m.from, "comity@court.example");
        }
        let soon_mail = mails.iter().find(|m| m.data.contains("ICC-2026-0001")).expect("the due-soon e-mail");
        assert!(soon_mail.data.contains(&format!("is due on {}", days(3))), "{}", soon_mail.data);
        let late_mail = mails.iter().find(|m| m.data.contains("ICC-2026-0002")).expect("the overdue e-mail");
        assert!(late_mail.data.contains("overdue"), "{}", late_mail.data);
        // The Message-ID is derived from the reminder, so every attempt carries the same one.
        let id = soon_mail.header("Message-ID").expect("a Message-ID");
        assert!(id.ends_with("@court.example>"), "{id}");
        assert_ne!(Some(id), late_mail.header("Message-ID"));
        let soon_key = reminder_key(&soon.id, days(3), Due::DueSoon);
        assert_eq!(job(&s.app, &soon_key).await.status, "done");
        assert_eq!(job(&s.app, &reminder_key(&late.id, days(-2), Due::Overdue)).await.status, "done");

        let mine = s.app.notifications(&actor(&amina), Paging::new(None, None)).await.expect("notifications");
        assert_eq!(mine.total, 2, "{:?}", mine.items);
        assert!(mine.items.iter().all(|n| n.read_at.is_none() && n.request_id.as_ref() != Some(&later.id)));
        assert!(mine.items.iter().any(|n| n.kind == "deadline_due_soon" && n.message.contains("ICC-2026-0001")));
        assert!(mine.items.iter().any(|n| n.kind == "deadline_overdue" && n.message.contains("overdue")));
        assert_eq!(s.app.unread_notifications(&actor(&amina)).await.expect("unread"), 2);

        // Scanning and running again adds nothing.
        let report = s.app.scan_deadlines().await.expect("rescan");
        assert_eq!((report.enqueued, report.notified), (0, 0), "{report:?}");
        assert_eq!(s.app.run_due_jobs(&mailer).await.expect("rerun"), 0);
        assert_eq!(server.messages().len(), 2);

        // Nor does a restarted server on the same database.
        let again = restarted(t, &s, settings.clone()).await;
        scan_and_run(&again, &again.mailer().expect("a mailer")).await;
        assert_eq!(server.messages().len(), 2);
        assert_eq!(again.unread_notifications(&actor(&amina)).await.expect("unread"), 2);
        assert_eq!(reminder_jobs(&again).await.len(), 2);

        // Once the first deadline passes, it is overdue: that is a reminder of its own, once.
        s.clock.advance(Duration::days(4));
        scan_and_run(&s.app, &mailer).await;
        scan_and_run(&again, &mailer).await;
        let mails = server.messages();
        assert_eq!(mails.len(), 3, "{mails:#?}");
        assert!(mails[2].data.contains("ICC-2026-0001") && mails[2].data.contains("overdue"), "{}", mails[2].data);
        assert_eq!(s.app.unread_notifications(&actor(&amina)).await.expect("unread"), 3);
    });
}

#[tokio::test]
async fn closed_requests_and_requests_without_a_deadline_get_no_reminder() {
    on_every_engine!(|t| {
        let server = SmtpServer::start().await;
        let s = TestApp::with_settings(t, settings_for(&server)).await;
        let amina = officer(&s, "amina", Some("amina@court.example")).await;
        for (i, status) in ["executed", "refused", "withdrawn", "answered"].into_iter().enumerate() {
            request(&s, &format!("ICC-2026-010{i}"), &amina, Some(days(-3)), status, "public").await;
        }
        request(&s, "ICC-2026-0200", &amina, None, "transmitted", "public").await;

        let report = s.app.scan_deadlines().await.expect("scan");
        assert_eq!((report.considered, report.enqueued, report.notified), (0, 0, 0), "{report:?}");
        assert_eq!(s.app.run_due_jobs(&s.app.mailer().expect("a mailer")).await.expect("run"), 0);
        assert!(server.messages().is_empty());
        assert_eq!(s.app.unread_notifications(&actor(&amina)).await.expect("unread"), 0);
    });
}

#[tokio::test]
async fn a_refusal_before_the_content_is_retried_later_and_delivered_once() {
    on_every_engine!(|t| {
        let server = SmtpServer::start().await;
        let s = TestApp::with_settings(t, settings_for(&server)).await;
        let mailer = s.app.mailer().expect("a mailer");
        let amina = officer(&s, "amina", Some("amina@court.example")).await;
        let r = request(&s, "ICC-2026-0001", &amina, Some(days(1)), "transmitted", "internal").await;
        let key = reminder_key(&r.id, days(1), Due::DueSoon);

        server.reject_next_data(1);
        scan_and_run(&s.app, &mailer).await;
        assert!(server.messages().is_empty());
        let j = job(&s.app, &key).await;
        assert_eq!((j.status.as_str(), j.attempts), ("queued", 1), "{j:?}");
        assert!(j.last_error.as_deref().unwrap_or_default().contains("451"), "{j:?}");
        assert!(j.run_at > s.clock.now(), "backs off: {j:?}");

        // Not before the backoff has passed.
        assert_eq!(s.app.run_due_jobs(&mailer).await.expect("run"), 0);
        assert!(server.messages().is_empty());

        s.clock.advance(Duration::minutes(2));
        scan_and_run(&s.app, &mailer).await;
        assert_eq!(server.messages().len(), 1);
        let j = job(&s.app, &key).await;
        assert_eq!((j.status.as_str(), j.last_error.as_deref()), ("done", None), "{j:?}");

        s.clock.advance(Duration::hours(1));
        scan_and_run(&s.app, &mailer).await;
        assert_eq!(server.messages().len(), 1, "delivered once");
        assert_eq!(s.app.unread_notifications(&actor(&amina)).await.expect("unread"), 1);
    });
}

#[tokio::test]
async fn a_server_that_keeps_refusing_fails_the_job_after_the_last_attempt() {
    on_every_engine!(|t| {
        let server = SmtpServer::start().await;
        let s = TestApp::with_settings(t, settings_for(&server)).await;
        let mailer = s.app.mailer().expect("a mailer");
        let amina = officer(&s, "amina", Some("amina@court.example")).await;
        let r = request(&s, "ICC-2026-0001", &amina, Some(days(1)), "transmitted", "internal").await;
        let key = reminder_key(&r.id, days(1), Due::DueSoon);

        server.reject_next_data(100);
        let attempts = comity_app::reminders::retry_policy().max_attempts;
        for _ in 0..attempts + 2 {
            scan_and_run(&s.app, &mailer).await;
            s.clock.advance(Duration::hours(2));
        }
        let j = job(&s.app, &key).await;
        assert_eq!((j.status.as_str(), j.attempts), ("failed", attempts), "{j:?}");
        assert!(server.messages().is_empty());
    });
}

#[tokio::test]
async fn a_reminder_whose_delivery_is_uncertain_is_never_sent_again() {
    on_every_engine!(|t| {
        let server = SmtpServer::start().await;
        let settings = settings_for(&server);
        let s = TestApp::with_settings(t, settings.clone()).await;
        let mailer = s.app.mailer().expect("a mailer");
        let amina = officer(&s, "amina", Some("amina@court.example")).await;
        let r = request(&s, "ICC-2026-0001", &amina, Some(days(1)), "transmitted", "internal").await;
        let key = reminder_key(&r.id, days(1), Due::DueSoon);

        // The server takes the content and vanishes without answering.
        server.drop_after_next_content(1);
        scan_and_run(&s.app, &mailer).await;
        assert_eq!(server.messages().len(), 1, "the server kept it");
        let j = job(&s.app, &key).await;
        assert_eq!(j.status, "failed", "{j:?}");
        assert!(j.last_error.as_deref().unwrap_or_default().contains("not resent"), "{j:?}");

        s.clock.advance(Duration::days(1));
        scan_and_run(&s.app, &mailer).await;
        let again = restarted(t, &s, settings.clone()).await;
        scan_and_run(&again, &mailer).await;
        assert_eq!(server.messages().len(), 1, "never sent twice");
    });
}

#[tokio::test]
async fn after_a_crash_a_job_that_was_sending_fails_and_one_that_was_not_is_retried() {
    on_every_engine!(|t| {
        let server = SmtpServer::start().await;
        let settings = settings_for(&server);
        let s = TestApp::with_settings(t, settings.clone()).await;
        let amina = officer(&s, "amina", Some("amina@court.example")).await;
        let a = request(&s, "ICC-2026-0001", &amina, Some(days(1)), "transmitted", "internal").await;
        let b = request(&s, "ICC-2026-0002", &amina, Some(days(2)), "transmitted", "internal").await;
        s.app.scan_deadlines().await.expect("scan");

        // A worker claims both jobs, gets as far as sending the first, and dies.
        let now = s.clock.now();
        let mut tx = s.app.db.write().await.expect("a transaction");
        let first = jobs::claim_next(&mut tx, now, now + comity_app::reminders::lease()).await.expect("claim");
        let first = first.expect("a due job");
        assert!(jobs::mark_sending(&mut tx, &first, now).await.expect("mark sending"));
        let second = jobs::claim_next(&mut tx, now, now + comity_app::reminders::lease()).await.expect("claim");
        assert!(second.is_some());
        assert!(jobs::claim_next(&mut tx, now, now).await.expect("claim").is_none(), "nothing else is due");
        tx.commit().await.expect("commit the claims");

        // While the lease holds, a restarted worker leaves both alone.
        let restart = restarted(t, &s, settings.clone()).await;
        let mailer = restart.mailer().expect("a mailer");
        assert_eq!(restart.run_due_jobs(&mailer).await.expect("run"), 0);
        assert!(server.messages().is_empty());

        s.clock.advance(comity_app::reminders::lease() + Duration::minutes(1));
        restart.run_due_jobs(&mailer).await.expect("run after the lease");
        let sent = server.messages();
        assert_eq!(sent.len(), 1, "{sent:#?}");
        let a_key = reminder_key(&a.id, days(1), Due::DueSoon);
        let b_key = reminder_key(&b.id, days(2), Due::DueSoon);
        let (sending, waiting) = if first.dedupe_key == a_key { (a_key, b_key) } else { (b_key, a_key) };
        let failed = job(&restart, &sending).await;
        assert_eq!(failed.status, "failed");
        assert_eq!(failed.last_error.as_deref(), Some(jobs::OUTCOME_UNKNOWN));
        assert_eq!(job(&restart, &waiting).await.status, "done");
        let waiting_reference = if waiting.contains(&a.id) { &a.reference } else { &b.reference };
        assert!(sent[0].data.contains(waiting_reference.as_str()), "{}", sent[0].data);

        restart.run_due_jobs(&mailer).await.expect("run again");
        assert_eq!(server.messages().len(), 1);
    });
}

#[tokio::test]
async fn a_sealed_request_is_named_only_by_its_deadline() {
    on_every_engine!(|t| {
        let server = SmtpServer::start().await;
        let s = TestApp::with_settings(t, settings_for(&server)).await;
        let amina = officer(&s, "amina", Some("amina@court.example")).await;
        let sealed = request(&s, "ICC-2026-0666", &amina, Some(days(2)), "transmitted", "sealed").await;
        let confidential = request(&s, "ICC-2026-0777", &amina, Some(days(2)), "transmitted", "confidential").await;
        scan_and_run(&s.app, &s.app.mailer().expect("a mailer")).await;

        let mails = server.messages();
        assert_eq!(mails.len(), 2);
        let sealed_mail = mails.iter().find(|m| !m.data.contains("ICC-2026-0777")).expect("the sealed e-mail");
        assert!(sealed_mail.data.contains(&format!("A sealed request has a deadline on {}", days(2))));
        for secret in [sealed.title.as_str(), "Nightingale", sealed.reference.as_str()] {
            assert!(!sealed_mail.data.contains(secret), "'{secret}' leaked:\n{}", sealed_mail.data);
        }
        for m in &mails {
            assert!(!m.data.contains(&confidential.title), "titles stay out of e-mail:\n{}", m.data);
        }

        let notes = s.app.notifications(&actor(&amina), Paging::new(None, None)).await.expect("notifications");
        let note = notes.items.iter().find(|n| n.request_id.as_ref() == Some(&sealed.id)).expect("a notification");
        assert_eq!(note.message, format!("A sealed request has a deadline on {}.", days(2)));
    });
}

#[tokio::test]
async fn users_see_and_mark_only_their_own_notifications() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let amina = officer(&s, "amina", Some("amina@court.example")).await;
        let bruno = officer(&s, "bruno", Some("bruno@court.example")).await;
        request(&s, "ICC-2026-0001", &amina, Some(days(1)), "transmitted", "internal").await;
        s.app.scan_deadlines().await.expect("scan");

        let first = Paging::new(None, None);
        let hers = s.app.notifications(&actor(&amina), first).await.expect("her notifications");
        assert_eq!(hers.total, 1);
        let id = hers.items[0].id.clone();
        let his = s.app.notifications(&actor(&bruno), first).await.expect("his notifications");
        assert_eq!(his.total, 0);
        assert_eq!(s.app.unread_notifications(&actor(&bruno)).await.expect("unread"), 0);

        let e = s.app.mark_notification_read(&actor(&bruno), &id).await.expect_err("not his");
        assert!(matches!(e, AppError::NotFound), "{e:?}");
        let e = s.app.mark_notification_read(&actor(&amina), "no-such-id").await.expect_err("no such");
        assert!(matches!(e, AppError::NotFound), "{e:?}");
        let read_only = Actor::from_user(&amina, AuthMethod::Token { write: false }).expect("an actor");
        let e = s.app.mark_notification_read(&read_only, &id).await.expect_err("a read-only token");
        assert!(matches!(e, AppError::Forbidden), "{e:?}");
        assert_eq!(s.app.unread_notifications(&actor(&amina)).await.expect("unread"), 1);

        s.app.mark_notification_read(&actor(&amina), &id).await.expect("mark read");
        s.app.mark_notification_read(&actor(&amina), &id).await.expect("marking twice is harmless");
        assert_eq!(s.app.unread_notifications(&actor(&amina)).await.expect("unread"), 0);
        let hers = s.app.notifications(&actor(&amina), first).await.expect("her notifications");
        assert_eq!(hers.items[0].read_at, Some(s.clock.now()));
    });
}

#[tokio::test]
async fn without_mail_or_an_address_a_reminder_is_in_the_application_only() {
    on_every_engine!(|t| {
        let server = SmtpServer::start().await;
        let s = TestApp::with_settings(t, settings_for(&server)).await;
        let silent = officer(&s, "silent", None).await;
        let r = request(&s, "ICC-2026-0001", &silent, Some(days(1)), "transmitted", "internal").await;
        scan_and_run(&s.app, &s.app.mailer().expect("a mailer")).await;
        let j = job(&s.app, &reminder_key(&r.id, days(1), Due::DueSoon)).await;
        assert_eq!((j.status.as_str(), j.last_error.as_deref()), ("done", Some("no address")));
        assert_eq!(s.app.unread_notifications(&actor(&silent)).await.expect("unread"), 1);

        let amina = officer(&s, "amina", Some("amina@court.example")).await;
        let r = request(&s, "ICC-2026-0002", &amina, Some(days(1)), "transmitted", "internal").await;
        let off = restarted(t, &s, Settings::default()).await;
        let mailer = off.mailer().expect("a disabled mailer");
        assert!(!mailer.is_enabled());
        scan_and_run(&off, &mailer).await;
        let j = job(&off, &reminder_key(&r.id, days(1), Due::DueSoon)).await;
        assert_eq!((j.status.as_str(), j.last_error.as_deref()), ("done", Some("mail disabled")));
        assert_eq!(off.unread_notifications(&actor(&amina)).await.expect("unread"), 1);
        assert!(server.messages().is_empty());
    });
}

#[tokio::test]
async fn two_workers_never_claim_the_same_job() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let now = s.clock.now();
        let mut tx = s.app.db.write().await.expect("a transaction");
        for i in 0..40 {
            let key = format!("test:{i}");
            assert!(jobs::enqueue(&mut tx, "test", &key, "{}", now, now).await.expect("enqueue"));
            assert!(!jobs::enqueue(&mut tx, "test", &key, "{}", now, now).await.expect("enqueue again"));
        }
        tx.commit().await.expect("commit the jobs");

        let worker = |app: Comity| async move {
            let mut claimed = Vec::new();
            loop {
                let mut tx = app.db.write().await.expect("a transaction");
                let job = jobs::claim_next(&mut tx, now, now + Duration::minutes(5)).await.expect("claim");
                tx.commit().await.expect("commit the claim");
                match job {
                    Some(j) => claimed.push(j.id),
                    None => return claimed,
                }
            }
        };
        let other = restarted(t, &s, Settings::default()).await;
        let (a, b) = tokio::join!(tokio::spawn(worker(s.app.clone())), tokio::spawn(worker(other)));
        let mut all = a.expect("worker a");
        all.extend(b.expect("worker b"));
        let claimed = all.len();
        all.sort();
        all.dedup();
        assert_eq!((claimed, all.len()), (40, 40), "every job claimed exactly once");
    });
}

#[tokio::test]
async fn a_server_that_never_answers_costs_one_attempt_not_the_worker() {
    on_every_engine!(|t| {
        // Accepts connections and says nothing: not even the greeting.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("an address").port();
        let silent = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let mail = MailSettings {
            port,
            timeout: std::time::Duration::from_millis(300),
            ..MailSettings::new("127.0.0.1", "comity@court.example", MailTls::None)
        };
        let s = TestApp::with_settings(t, Settings { mail: Some(mail), ..Settings::default() }).await;
        let amina = officer(&s, "amina", Some("amina@court.example")).await;
        let r = request(&s, "ICC-2026-0001", &amina, Some(days(1)), "transmitted", "internal").await;
        scan_and_run(&s.app, &s.app.mailer().expect("a mailer")).await;
        let j = job(&s.app, &reminder_key(&r.id, days(1), Due::DueSoon)).await;
        assert_eq!((j.status.as_str(), j.attempts), ("queued", 1), "{j:?}");
        assert!(j.last_error.as_deref().unwrap_or_default().contains("no answer"), "{j:?}");
        silent.abort();
    });
}
