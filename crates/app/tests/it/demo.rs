//! The demonstration workspace fills only a database of its own.

use std::collections::BTreeSet;

use comity_app::{demo::ILLUSTRATIVE, requests::RequestQuery, Actor, AppError};
use comity_testkit::on_every_engine;

use crate::{requests::actor, TestApp};

#[tokio::test]
async fn the_demo_refuses_a_database_that_holds_other_accounts() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        s.user("reg.officer", "Registry", "officer").await;
        let r = s.app.populate_demo().await;
        assert!(matches!(r, Err(AppError::Conflict(_))), "{r:?}");
        assert!(!s.app.is_demo().await.expect("is_demo"));
        let users = s.app.list_users(&Actor::operator()).await.expect("users");
        assert_eq!(users.len(), 2, "nothing was added");
        let arg = s.app.focal_points(&Actor::operator(), "ARG").await.expect("focal points");
        assert!(arg.is_empty(), "nothing was added");
    });
}

#[tokio::test]
async fn the_demo_fills_a_fresh_database_once() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let logins = s.app.populate_demo().await.expect("the demo fills a fresh database");
        assert!(s.app.is_demo().await.expect("is_demo"));
        assert!(logins.iter().any(|l| l.name == "fp.argentina" && l.unit == "Focal point: Argentina"));
        let users = s.app.list_users(&Actor::operator()).await.expect("users");
        assert_eq!(users.len(), 1 + logins.len());
        assert!(users.iter().filter(|u| u.name != "admin").all(|u| u.display_name.contains(ILLUSTRATIVE)));

        // Every illustrative record says so, and confidential ones reach only those allowed.
        let registry = logins.iter().find(|l| l.name == "registry.officer").expect("a Registry officer");
        let out = s.app.login(&registry.name, &registry.password, "127.0.0.1").await.expect("a demo login");
        let officer = s.app.session(&out.session_token).await.expect("a session").actor;
        let arg = s.app.focal_points(&officer, "ARG").await.expect("Argentina's focal points");
        assert_eq!(arg.len(), 2, "{arg:?}");
        assert!(arg.iter().all(|f| f.name.contains(ILLUSTRATIVE)));
        assert!(arg.iter().any(|f| f.classification == "confidential"));
        let profiles = s.app.communication_profiles(&officer, "ARG").await.expect("profiles");
        assert_eq!(profiles.iter().filter(|p| p.in_force).count(), 1);

        // Running it again is harmless.
        let again = s.app.populate_demo().await.expect("a second run");
        assert_eq!(again.len(), logins.len());
        assert_eq!(s.app.list_users(&Actor::operator()).await.expect("users").len(), 1 + logins.len());
    });
}

#[tokio::test]
async fn the_demo_gives_every_request_screen_something_to_show() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        s.app.populate_demo().await.expect("the demo fills a fresh database");
        let all = RequestQuery { per_page: Some(500), ..RequestQuery::default() };

        // The Registry's officer sees requests at every stage, each marked illustrative.
        let officer = actor(&s, "registry.officer").await;
        let list = s.app.list_requests(&officer, &all).await.expect("the Registry's list");
        let statuses: BTreeSet<_> = list.items.iter().map(|i| i.status.as_str()).collect();
        assert!(statuses.len() >= 8, "{statuses:?}");
        for st in ["draft", "approved", "transmitted", "acknowledged", "partially_executed", "executed", "refused"] {
            assert!(statuses.contains(st), "{st} missing from {statuses:?}");
        }
        for st in ["postponed", "consultation", "under_review", "in_execution"] {
            assert!(statuses.contains(st), "{st} missing from {statuses:?}");
        }
        assert!(list.items.iter().all(|i| i.title.contains(ILLUSTRATIVE)), "every title says it is illustrative");
        assert!(list.items.iter().any(|i| i.direction == "incoming"));
        assert!(list.items.iter().any(|i| i.overdue && i.imported));
        assert!(list.items.iter().any(|i| i.kind == "follow_up"));

        // Drafts show what is missing; the history counts from effective dates, never ahead.
        let today = s.app.today();
        let mut missing_shown = false;
        for i in &list.items {
            let r = s.app.request(&officer, &i.id).await.expect("a listed request");
            let internal = r.internal.as_ref().expect("the Court's view");
            missing_shown |= r.status == "draft" && !internal.missing.is_empty();
            if r.status != "draft" && r.direction == "outgoing" {
                assert!(internal.missing.is_empty(), "{} left draft incomplete", r.title);
            }
            let events = s.app.request_events(&officer, &i.id).await.expect("history");
            assert!(events.iter().all(|e| e.effective_on <= today), "{}", r.title);
            if r.status == "executed" && r.lines.iter().any(|l| l.line_type == "provisional_arrest") {
                assert_eq!(r.legal_clocks.len(), 1, "the rule 188 clock runs");
                assert_eq!(r.legal_clocks[0].rule, "rule_188");
            }
            if r.status == "executed" && r.lines.iter().all(|l| l.line_type != "provisional_arrest") {
                assert_eq!(r.days_to_execution, Some(60));
            }
            if r.kind == "follow_up" {
                assert!(r.parent_id.is_some());
            }
        }
        assert!(missing_shown, "a draft shows what is missing");
        let acknowledged = list.items.iter().find(|i| i.status == "acknowledged").expect("an acknowledged request");
        let events = s.app.request_events(&officer, &acknowledged.id).await.expect("history");
        let ack = events.iter().find(|e| e.action == "acknowledge").expect("the acknowledgement");
        assert!(ack.effective_on < ack.recorded_at.date_naive(), "entered after it took effect");
        let sent = list.items.iter().find(|i| i.status == "transmitted" && i.partner_id == "ARG").expect("sent to ARG");
        let sent = s.app.request(&officer, &sent.id).await.expect("the transmitted request");
        let snapshot = sent.transmission.as_ref().expect("transmitted");
        assert!(snapshot.channel.is_some() && snapshot.language.is_some(), "{snapshot:?}");

        // An annex and a generated letter.
        let mut kinds = BTreeSet::new();
        for i in &list.items {
            for d in s.app.documents(&officer, &i.id).await.expect("documents") {
                if d.kind == "annex" {
                    let (_, bytes) = s.app.download_document(&officer, &i.id, &d.id).await.expect("download");
                    assert!(bytes.starts_with(b"%PDF-"));
                }
                kinds.insert(d.kind);
            }
        }
        assert!(kinds.contains("annex") && kinds.contains("letter"), "{kinds:?}");

        // The officer's work queues are filled.
        let work = s.app.my_work(&officer).await.expect("my work");
        assert!(!work.drafts.is_empty());
        assert!(!work.awaiting_transmission.is_empty());
        assert!(!work.overdue.is_empty());
        assert!(!work.due_this_week.is_empty());
        let approver = actor(&s, "registry.approver").await;
        assert!(!s.app.my_work(&approver).await.expect("approver's work").awaiting_my_approval.is_empty());

        // Argentina's focal point sees only what was sent to Argentina, in the external view.
        let fp = actor(&s, "fp.argentina").await;
        let seen = s.app.list_requests(&fp, &all).await.expect("the focal point's list");
        assert!(seen.total >= 4, "{}", seen.total);
        for i in &seen.items {
            assert_eq!(i.partner_id, "ARG", "{}", i.title);
            assert!(i.transmitted_on.is_some(), "{}", i.title);
            let r = s.app.request(&fp, &i.id).await.expect("readable");
            assert_eq!(r.view, "external");
            assert!(r.internal.is_none());
        }
        let arg_sent = list.items.iter().filter(|i| i.partner_id == "ARG" && i.transmitted_on.is_some()).count();
        assert_eq!(seen.items.len(), arg_sent);

        // The Defence request stays hidden from the Prosecution.
        let defence = list.items.iter().find(|i| i.on_behalf_of == "defence").expect("a Defence request");
        assert_eq!(defence.classification, "ex_parte");
        let d = s.app.request(&officer, &defence.id).await.expect("the Registry transmits it");
        assert!(d.transmission.is_some(), "transmitted");
        assert_eq!(d.internal.as_ref().map(|i| i.transmitting_unit.as_str()), Some("Registry"));
        let otp = actor(&s, "otp.officer").await;
        assert!(matches!(s.app.request(&otp, &defence.id).await, Err(AppError::NotFound)));
        let otp_list = s.app.list_requests(&otp, &all).await.expect("the OTP's list");
        assert!(otp_list.items.iter().all(|i| i.on_behalf_of != "defence"));
        assert!(otp_list.items.iter().any(|i| i.organ == "otp" && i.kind == "primary"), "the OTP's own request");

        // Assembly observers see no request.
        let observer = actor(&s, "asp.observer").await;
        assert_eq!(s.app.list_requests(&observer, &all).await.expect("observer's list").total, 0);

        // A second run adds nothing.
        s.app.populate_demo().await.expect("a second run");
        assert_eq!(s.app.list_requests(&officer, &all).await.expect("list").total, list.total);
    });
}
