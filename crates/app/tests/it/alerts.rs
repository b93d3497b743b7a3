//! Travel alerts, démarches and non-compliance through the use cases: intake by form and by
//! the real IMAP mailbox, triage with name matching, the destination brief and drafts, who may
//! see an alert, and a finding walked through the Assembly's procedure with its deadlines.

use chrono::{Duration, NaiveDate};
use comity_app::{
    alerts::{AlertInput, AlertMove, AlertPatch, AlertRequestInput},
    compliance::{FindingInput, StepInput},
    demarches::{About, DemarcheInput},
    mailbox::MailboxConfig,
    warrants::ArrestLaw,
    AppError, Settings,
};
use comity_domain::warrant::AlertIntake;
use comity_testkit::{imap::TestMailbox, on_every_engine};

use crate::{
    problem,
    requests::actor,
    warrants::{people, sealed_warrant, USERS},
    TestApp,
};

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn journey() -> AlertInput {
    AlertInput {
        reported_name: "Umar Hasan Ahmed El Bashir".into(),
        destinations: vec!["ZAF".into()],
        expected_from: Some("2026-03-20".into()),
        expected_to: Some("2026-03-22".into()),
        source: "Embassy contact".into(),
        source_reliability: Some("b".into()),
        information_credibility: Some("2".into()),
        summary: "Expected at the regional summit.".into(),
        ..AlertInput::default()
    }
}

const REPORT: &str = "From: A Witness <witness@example.org>\r\n\
To: travel-reports@court.example\r\n\
Subject: Omer el-Bechir to Johannesburg\r\n\
Date: Mon, 2 Mar 2026 08:00:00 +0000\r\n\
Message-ID: <report-1@example.org>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
He is booked on a flight to Johannesburg on 20 March for the summit.\r\n";

#[tokio::test]
async fn an_alert_is_triaged_matched_confirmed_and_acted_on() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        people(&s).await;
        let reg = actor(&s, "reg").await;
        let otp = actor(&s, "otp").await;
        let w = s.app.issue_warrant(&reg, &sealed_warrant()).await.expect("warrant");
        let law = ArrestLaw {
            surrender_law: "partial".into(),
            notes: "Implementation Act 2002; an art. 98(2) agreement is in force.".into(),
        };
        assert!(matches!(s.app.set_arrest_law(&otp, "ZAF", &law).await, Err(AppError::Forbidden)));
        let wrong = ArrestLaw { surrender_law: "maybe".into(), ..law.clone() };
        assert!(problem(s.app.set_arrest_law(&reg, "ZAF", &wrong).await.expect_err("bad"), "surrender_law")
            .starts_with("must be one of"));
        s.app.set_arrest_law(&reg, "zaf", &law).await.expect("the Registry records the law");
        assert_eq!(s.app.arrest_law(&otp, "ZAF").await.expect("the OTP reads it").surrender_law, "partial");
        for name in ["fp.arg", "counsel", "observer"] {
            let who = actor(&s, name).await;
            assert!(
                matches!(s.app.arrest_law(&who, "ZAF").await, Err(AppError::NotFound)),
                "{name} reads the Court's notes"
            );
        }
        let a = s.app.report_travel(&otp, &journey(), AlertIntake::Form).await.expect("report");
        assert_eq!((a.summary.status.as_str(), a.summary.grading.as_str()), ("draft", "B2"));
        assert_eq!(a.summary.days_to_arrival, Some(18));
        // The transliteration matches the person's name, as a suggestion only.
        assert_eq!(a.matches.len(), 1, "{:?}", a.matches);
        assert_eq!(a.matches[0].person_id, w.person.id);
        assert!(a.summary.person_id.is_none());

        let refused = s
            .app
            .move_alert(
                &otp,
                &a.summary.id,
                &AlertMove { action: "confirm".into(), version: Some(a.version), ..Default::default() },
            )
            .await
            .expect_err("no person yet");
        assert_eq!(problem(refused, "person_id"), "choose the person before confirming");

        let a = s
            .app
            .update_alert(
                &otp,
                &a.summary.id,
                &AlertPatch { person_id: Some(w.person.id.clone()), version: Some(a.version), ..Default::default() },
            )
            .await
            .expect("match the person");
        let a = s
            .app
            .move_alert(
                &otp,
                &a.summary.id,
                &AlertMove { action: "confirm".into(), version: Some(a.version), ..Default::default() },
            )
            .await
            .expect("confirm");
        assert_eq!(a.summary.status, "confirmed");
        let brief = &a.briefs[0];
        assert_eq!((brief.partner_id.as_str(), brief.rome_statute.as_str()), ("ZAF", "party"));
        assert!(brief.bound_by_part_9);
        assert_eq!(brief.days_to_arrival, Some(18));
        assert!(brief.article_98[0].contains("national of Sudan, not a State Party"), "{:?}", brief.article_98);
        assert_eq!(brief.article_98[1], law.notes);
        assert_eq!(brief.surrender_law, "partial");
        assert!(brief.requests.is_empty(), "the OTP sees no Registry request");

        let drafts = s.app.alert_drafts(&otp, &a.summary.id).await.expect("drafts");
        assert!(drafts.notes_verbales[0].text.contains("obligation under articles 86 and 89"));
        assert!(drafts.notes_verbales[0].text.contains("on or about 2026-03-20"));
        assert!(
            drafts.assembly_notices[0].text.contains("South Africa is a State Party"),
            "{}",
            drafts.assembly_notices[0].text
        );
        let request = s
            .app
            .alert_request(&otp, &a.summary.id, &AlertRequestInput { partner_id: "ZAF".into(), line_type: None })
            .await
            .expect("the prefilled request");
        let r = s.app.request(&otp, &request.id).await.expect("read it");
        assert_eq!(
            (r.partner_id.as_str(), r.on_behalf_of.as_str(), r.urgency.as_str()),
            ("ZAF", "prosecution", "urgent")
        );
        assert_eq!(r.lines[0].line_type, "arrest_surrender");
        assert_eq!(
            r.lines[0].content["person_description"],
            "Omar Hassan Ahmad al-Bashir (also known as Omer el-Béchir), born on 1944-01-01, national of Sudan"
        );
        assert_eq!(r.deadline, Some(day("2026-03-20")));
        let again = s.app.alert(&otp, &a.summary.id).await.expect("alert");
        assert_eq!(again.briefs[0].requests.len(), 1, "the brief now lists the request sent");

        // A démarche about the alert is as confidential as the alert.
        let d = s
            .app
            .log_demarche(
                &otp,
                &DemarcheInput {
                    kind: "call".into(),
                    partner_id: Some("ZAF".into()),
                    alert_id: Some(a.summary.id.clone()),
                    person_id: Some(w.person.id.clone()),
                    summary: "Called the central authority".into(),
                    outcome: "Will consult the Ministry of Justice".into(),
                    ..Default::default()
                },
            )
            .await
            .expect("log a call");
        assert_eq!(d.classification, "ex_parte");
        assert_eq!(s.app.demarches_about(&otp, About::Partner("ZAF")).await.expect("list").len(), 1);
        for name in ["chambers", "vws", "fp.arg", "counsel", "observer"] {
            let who = actor(&s, name).await;
            assert!(matches!(s.app.alert(&who, &a.summary.id).await, Err(AppError::NotFound)), "{name}");
            assert!(s.app.list_alerts(&who, None).await.map(|l| l.is_empty()).unwrap_or(true), "{name}");
            assert!(s.app.demarches_about(&who, About::Everything).await.expect("list").is_empty(), "{name}");
        }
        // Not even the Registry, which holds the warrant, sees an alert the OTP did not share.
        assert!(matches!(s.app.alert(&reg, &a.summary.id).await, Err(AppError::NotFound)));
    });
}

#[tokio::test]
async fn the_board_puts_the_soonest_arrival_first_and_past_or_undated_ones_last() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        people(&s).await;
        let otp = actor(&s, "otp").await;
        for (name, from) in
            [("Later Person", Some("2026-04-01")), ("Undated Person", None), ("Soon Person", Some("2026-03-05"))]
        {
            let input = AlertInput {
                reported_name: name.into(),
                expected_from: from.map(str::to_owned),
                expected_to: None,
                ..journey()
            };
            s.app.report_travel(&otp, &input, AlertIntake::Form).await.expect("report");
        }
        // A week on, the soon arrival has passed: it goes after the coming one.
        s.clock.advance(Duration::days(7));
        let board = s.app.list_alerts(&otp, None).await.expect("board");
        let order: Vec<_> = board.iter().map(|a| (a.reported_name.as_str(), a.days_to_arrival)).collect();
        assert_eq!(order, [("Later Person", Some(23)), ("Soon Person", Some(-4)), ("Undated Person", None)]);
        assert!(s.app.list_alerts(&otp, Some("confirmed")).await.expect("filter").is_empty());
        let e = s.app.list_alerts(&otp, Some("pending")).await.expect_err("unknown status");
        assert!(problem(e, "status").starts_with("must be one of"));
    });
}

#[tokio::test]
async fn bad_travel_reports_are_refused_with_the_field_named() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        people(&s).await;
        let otp = actor(&s, "otp").await;
        let past = AlertInput { expected_from: Some("2026-03-01".into()), expected_to: None, ..journey() };
        let e = s.app.report_travel(&otp, &past, AlertIntake::Api).await.expect_err("arrival in the past");
        assert!(problem(e, "expected_from").contains("is in the past"));
        let unknown = AlertInput { person_id: Some("no-such-person".into()), ..journey() };
        let e = s.app.report_travel(&otp, &unknown, AlertIntake::Api).await.expect_err("unknown person");
        assert_eq!(problem(e, "person_id"), "no such person 'no-such-person'");
        let nowhere =
            AlertInput { destinations: vec!["Atlantis".into()], source_reliability: Some("G".into()), ..journey() };
        let Err(AppError::Validation(f)) = s.app.report_travel(&otp, &nowhere, AlertIntake::Api).await else {
            panic!("accepted")
        };
        assert_eq!(f.0["destinations"], "unknown partner 'Atlantis'");
        assert!(f.0["source_reliability"].starts_with("must be one of: A, B"));
        let e = s.app.submit_report_message(&otp, b"\x00\x01 not a message").await.expect_err("garbage");
        assert!(!problem(e, "message").is_empty());
        // A State's focal point has no travel board.
        let fp = actor(&s, "fp.arg").await;
        assert!(matches!(s.app.report_travel(&fp, &journey(), AlertIntake::Api).await, Err(AppError::Forbidden)));
    });
}

#[tokio::test]
async fn an_email_to_the_travel_mailbox_becomes_a_draft_alert() {
    let Some(server) = TestMailbox::start().await else { return };
    on_every_engine!(|t| {
        let settings = Settings {
            travel_mailbox: Some(MailboxConfig::from_url(&server.url()).expect("mailbox URL")),
            ..Settings::default()
        };
        let s = TestApp::with_settings(t, settings).await;
        people(&s).await;
        let otp = actor(&s, "otp").await;
        let reg = actor(&s, "reg").await;
        let id = format!("<report-{}@example.org>", t.engine);
        server.deliver(REPORT.replace("<report-1@example.org>", &id).as_bytes()).await;
        server.deliver(b"this is not an e-mail at all").await;
        let poll = s.app.poll_travel_mailbox().await.expect("poll");
        assert_eq!((poll.fetched, poll.created.len(), poll.unreadable.len()), (2, 1, 1), "{poll:?}");
        let a = s.app.alert(&otp, &poll.created[0]).await.expect("the OTP triages it");
        assert_eq!((a.summary.intake.as_str(), a.summary.status.as_str()), ("mailbox", "draft"));
        assert_eq!(a.summary.reported_name, "Omer el-Bechir to Johannesburg");
        assert!(a.text.contains("flight to Johannesburg on 20 March"));
        assert!(a.source.contains("witness@example.org"));
        assert!(a.has_message);
        let original = s.app.alert_message(&otp, &a.summary.id).await.expect("the original");
        assert!(String::from_utf8_lossy(&original).contains(&id));
        assert!(matches!(s.app.alert(&reg, &a.summary.id).await, Err(AppError::NotFound)));
        // Read messages are not taken in twice.
        let next = s.app.poll_travel_mailbox().await.expect("poll again");
        assert_eq!((next.fetched, next.created.len()), (0, 0));
    });
}

#[tokio::test]
async fn a_finding_walks_through_the_assembly_procedure_and_late_steps_show() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        people(&s).await;
        let chambers = actor(&s, "chambers").await;
        let reg = actor(&s, "reg").await;
        let f = s
            .app
            .record_finding(
                &chambers,
                &FindingInput {
                    partner_id: "ZAF".into(),
                    decided_on: "2026-02-01".into(),
                    chamber: "Pre-Trial Chamber II".into(),
                    decision_reference: "ICC-02/05-01/09-302".into(),
                    summary: "Failure to arrest and surrender during a visit.".into(),
                    ..Default::default()
                },
            )
            .await
            .expect("record the finding");
        assert_eq!((f.summary.referral.as_str(), f.summary.basis.as_str()), ("assembly", "art_87_7"));
        let due: Vec<_> = f.steps.iter().map(|s| (s.step.as_str(), s.due_on)).collect();
        assert_eq!(
            due,
            [
                ("good_offices", Some(day("2026-02-15"))),
                ("bureau_meeting", Some(day("2026-02-08"))),
                ("open_letter", Some(day("2026-02-15"))),
                ("state_reply", Some(day("2026-03-01"))),
                ("public_meeting", Some(day("2026-03-31"))),
                ("plenary", None),
            ]
        );
        // Today is 2 March: four steps are late.
        assert_eq!(f.summary.overdue_steps, 4);
        let step = |name: &str, status: &str, on: &str, version: i64| StepInput {
            status: status.into(),
            done_on: Some(on.into()),
            note: format!("{name} {status}"),
            version: Some(version),
            ..Default::default()
        };
        let f = s
            .app
            .update_step(&chambers, &f.summary.id, "bureau_meeting", &step("bureau", "done", "2026-02-05", f.version))
            .await
            .expect("bureau");
        let f = s
            .app
            .update_step(&chambers, &f.summary.id, "good_offices", &step("offices", "done", "2026-02-10", f.version))
            .await
            .expect("offices");
        let f = s
            .app
            .update_step(&chambers, &f.summary.id, "open_letter", &step("letter", "done", "2026-02-20", f.version))
            .await
            .expect("letter");
        // The reply is due two weeks after the letter went out.
        let reply = f.steps.iter().find(|s| s.step == "state_reply").expect("reply step");
        assert_eq!((reply.due_on, reply.overdue), (Some(day("2026-03-06")), false));
        assert_eq!(f.summary.overdue_steps, 0);
        let stale = s
            .app
            .update_step(&chambers, &f.summary.id, "state_reply", &step("reply", "done", "2026-03-02", f.version - 1))
            .await;
        assert!(matches!(stale, Err(AppError::StaleVersion { .. })), "{stale:?}");
        let bad = s
            .app
            .update_step(
                &chambers,
                &f.summary.id,
                "state_reply",
                &StepInput { status: "finished".into(), version: Some(f.version), ..Default::default() },
            )
            .await
            .expect_err("unknown status");
        assert!(problem(bad, "status").starts_with("must be one of"));
        assert!(matches!(
            s.app.update_step(&chambers, &f.summary.id, "tea_party", &step("x", "done", "2026-03-02", f.version)).await,
            Err(AppError::NotFound)
        ));

        s.clock.advance(Duration::days(8));
        let list = s.app.list_findings(&reg, None, Some(2026)).await.expect("list");
        assert_eq!(list.findings.len(), 1);
        assert_eq!((list.tally[0].partner_id.as_str(), list.tally[0].year, list.tally[0].findings), ("ZAF", 2026, 1));
        assert_eq!(list.follow_ups[0].step.step, "state_reply");
        assert!(list.follow_ups[0].step.overdue, "the reply is late on 10 March");
        let f = s
            .app
            .update_step(&chambers, &f.summary.id, "state_reply", &step("reply", "done", "2026-03-09", f.version))
            .await
            .expect("reply");
        let f = s
            .app
            .update_step(
                &chambers,
                &f.summary.id,
                "public_meeting",
                &step("meeting", "skipped", "2026-03-09", f.version),
            )
            .await
            .expect("skip");
        assert_eq!(f.summary.next_step.as_ref().map(|s| s.step.as_str()), Some("plenary"));
        assert_eq!(f.summary.overdue_steps, 0);
        let doc = s
            .app
            .attach_step_document(&chambers, &f.summary.id, "open_letter", "letter.pdf", b"%PDF-1.4")
            .await
            .expect("attach");
        assert_eq!(
            doc.steps.iter().find(|s| s.step == "open_letter").and_then(|s| s.document_name.clone()).as_deref(),
            Some("letter.pdf")
        );

        // A State's focal point reads a public finding but may not change it.
        let fp = actor(&s, "fp.arg").await;
        assert!(s.app.finding(&fp, &f.summary.id).await.is_ok());
        assert!(matches!(
            s.app.update_step(&fp, &f.summary.id, "plenary", &step("p", "done", "2026-03-10", doc.version)).await,
            Err(AppError::Forbidden)
        ));
        let _ = USERS;
    });
}
