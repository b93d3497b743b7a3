//! The thread of a request: it opens at transmission, only the two sides read it, each is told
//! of the other's messages, and the e-mail that tells them carries nothing of what was written.

use comity_app::{documents::DocumentUpload, messages::MessageInput, users::UserInput, Actor, AppError, Paging};
use comity_testkit::{on_every_engine, smtp::SmtpServer};

use crate::{
    problem,
    requests::{actor, complete, evidence_draft, mv},
    TestApp,
};

fn say(body: &str) -> MessageInput {
    MessageInput { body: body.into(), document_id: None }
}

async fn user_with_email(s: &TestApp, name: &str, unit: &str) -> Actor {
    let input =
        UserInput { email: Some(format!("{name}@example.org")), ..crate::input(name, unit, "officer,approver") };
    s.app.add_user(&Actor::operator(), &input).await.expect("add a user");
    actor(s, name).await
}

#[tokio::test]
async fn the_court_and_the_state_write_to_each_other_and_no_one_else_reads_it() {
    on_every_engine!(|t| {
        let smtp = SmtpServer::start().await;
        let s = TestApp::with_settings(t, crate::mailing_to(&smtp)).await;
        let reg = user_with_email(&s, "reg", "Registry").await;
        let fp = user_with_email(&s, "fp.arg", "state:ARG").await;
        let other = user_with_email(&s, "fp.fra", "state:FRA").await;
        let otp = user_with_email(&s, "otp", "Office of the Prosecutor").await;
        let r = s.app.create_request(&reg, &complete(evidence_draft("ARG"))).await.expect("draft");

        // Before transmission there is no thread: the State does not know of the request.
        let early = s.app.post_message(&reg, &r.id, &say("Draft question")).await;
        assert!(matches!(early, Err(AppError::Conflict(_))), "{early:?}");
        assert!(matches!(s.app.messages(&fp, &r.id).await, Err(AppError::NotFound)));
        for m in ["approve", "transmit"] {
            s.app.transition(&reg, &r.id, &mv(m)).await.expect(m);
        }

        let secret = "The witness W-0457 now lives at the safe house on Calle Falsa";
        s.app.post_message(&reg, &r.id, &say(secret)).await.expect("the Court writes");
        let material = DocumentUpload {
            filename: "bank-records.pdf".into(),
            kind: Some("material_received".into()),
            bytes: b"%PDF-1.4 records".to_vec(),
            ..Default::default()
        };
        let doc = s.app.add_document(&fp, &r.id, material).await.expect("the State uploads");
        let answer = MessageInput {
            body: "Records attached; the account was closed in 2024.".into(),
            document_id: Some(doc.id.clone()),
        };
        s.app.post_message(&fp, &r.id, &answer).await.expect("the State answers");

        let thread = s.app.messages(&fp, &r.id).await.expect("the State reads the thread");
        let lines: Vec<_> = thread.iter().map(|m| (m.side.as_str(), m.body.as_str())).collect();
        assert_eq!(lines, [("court", secret), ("partner", "Records attached; the account was closed in 2024.")]);
        assert_eq!(thread[1].document.as_ref().map(|d| d.filename.as_str()), Some("bank-records.pdf"));
        assert_eq!(s.app.messages(&reg, &r.id).await.expect("the Court reads it").len(), 2);

        // Another State, and another organ of the Court that may not read the request: nothing.
        assert!(matches!(s.app.messages(&other, &r.id).await, Err(AppError::NotFound)));
        assert!(matches!(s.app.post_message(&other, &r.id, &say("hello")).await, Err(AppError::NotFound)));
        assert!(matches!(s.app.messages(&otp, &r.id).await, Err(AppError::NotFound)));

        // Each side is told of the other's message, in the application.
        let told = |a: Actor| {
            let app = s.app.clone();
            async move { app.notifications(&a, Paging::new(None, None)).await.expect("notifications").items }
        };
        let fp_told = told(fp.clone()).await;
        assert_eq!(fp_told.iter().filter(|n| n.kind == "message").count(), 1);
        assert_eq!(told(reg.clone()).await.iter().filter(|n| n.kind == "message").count(), 1);
        assert!(told(other.clone()).await.is_empty());

        // ... and by e-mail, which names nothing: no words of the message, no reference, no title.
        let mailer = s.app.mailer().expect("a mailer");
        assert_eq!(s.app.run_due_jobs(&mailer).await.expect("run"), 2);
        let mails = smtp.messages();
        let mut to: Vec<_> = mails.iter().flat_map(|m| m.to.clone()).collect();
        to.sort();
        assert_eq!(to, ["fp.arg@example.org", "reg@example.org"]);
        for m in &mails {
            // Quoted-printable: soft line breaks undone before reading.
            let text = m.data.replace("=\r\n", "");
            for leak in ["W-0457", "Calle Falsa", "Records attached", &r.reference, &r.title, "bank-records"] {
                assert!(!text.contains(leak), "the e-mail leaks {leak:?}:\n{text}");
            }
            assert!(text.contains(&format!("https://comity.court.example/requests/{}#messages", r.id)), "{text}");
        }
        assert_eq!(s.app.run_due_jobs(&mailer).await.expect("rerun"), 0, "each notice is sent once");
    });
}

#[tokio::test]
async fn bad_messages_are_refused_and_nothing_is_written() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        s.user("reg", "Registry", "officer,approver").await;
        s.user("fp.arg", "state:ARG", "viewer").await;
        let (reg, viewer) = (actor(&s, "reg").await, actor(&s, "fp.arg").await);
        let r = s.app.create_request(&reg, &complete(evidence_draft("ARG"))).await.expect("draft");
        for m in ["approve", "transmit"] {
            s.app.transition(&reg, &r.id, &mv(m)).await.expect(m);
        }
        let note = DocumentUpload {
            filename: "assessment.pdf".into(),
            kind: Some("internal_note".into()),
            bytes: b"%PDF-1.4 note".to_vec(),
            ..Default::default()
        };
        let note = s.app.add_document(&reg, &r.id, note).await.expect("an internal note");

        let empty = s.app.post_message(&reg, &r.id, &say("   ")).await.expect_err("empty");
        assert_eq!(problem(empty, "body"), "is required");
        let long = s.app.post_message(&reg, &r.id, &say(&"x".repeat(10_001))).await.expect_err("too long");
        assert!(problem(long, "body").contains("at most 10000"));
        let shared_note = MessageInput { body: "See our assessment".into(), document_id: Some(note.id) };
        let e = s.app.post_message(&reg, &r.id, &shared_note).await.expect_err("an internal note");
        assert!(problem(e, "document_id").contains("internal note"));
        let stranger = MessageInput { body: "See this".into(), document_id: Some("no-such-document".into()) };
        let e = s.app.post_message(&reg, &r.id, &stranger).await.expect_err("unknown document");
        assert!(problem(e, "document_id").contains("not a document of this request"));
        // A focal point who may only read cannot write.
        assert!(matches!(s.app.post_message(&viewer, &r.id, &say("hello")).await, Err(AppError::Forbidden)));
        assert!(s.app.messages(&reg, &r.id).await.expect("thread").is_empty(), "nothing was written");
    });
}

/// Informal consultation: a draft shared with the State for comment shows it the external
/// view and opens the thread; the comments stay with the request; nothing goes out until it is
/// approved and sent, and meanwhile the State cannot move it.
#[tokio::test]
async fn a_draft_is_shared_for_comment_before_it_is_approved_and_sent() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        s.user("reg", "Registry", "officer,approver").await;
        s.user("fp.arg", "state:ARG", "officer").await;
        s.user("fp.fra", "state:FRA", "officer").await;
        let (reg, fp, fra) = (actor(&s, "reg").await, actor(&s, "fp.arg").await, actor(&s, "fp.fra").await);
        let r = s.app.create_request(&reg, &complete(evidence_draft("ARG"))).await.expect("draft");
        assert!(matches!(s.app.request(&fp, &r.id).await, Err(AppError::NotFound)), "a draft is the Court's own");

        s.app.transition(&reg, &r.id, &mv("start_pre_consultation")).await.expect("share for comment");
        let seen = s.app.request(&fp, &r.id).await.expect("the State reads the shared draft");
        assert!(seen.internal.is_none(), "the external view only");
        assert_eq!(seen.status, "pre_consultation");
        assert!(seen.allowed_moves.is_empty(), "the State comments; it cannot move a draft");
        let listed = s.app.list_requests(&fp, &comity_app::requests::RequestQuery::default()).await.expect("list");
        assert_eq!(listed.total, 1, "in the State's list too");
        let told = s.app.notifications(&fp, Paging::new(None, None)).await.expect("notifications").items;
        assert!(told.iter().any(|n| n.message.contains("shared with you for comment")), "{told:?}");
        assert!(matches!(s.app.request(&fra, &r.id).await, Err(AppError::NotFound)), "not another State");

        s.app
            .post_message(&fp, &r.id, &say("Please name the bank branch; our law requires it."))
            .await
            .expect("comment");
        s.app.post_message(&reg, &r.id, &say("Added: Banco Example, Buenos Aires branch.")).await.expect("reply");
        let refused = s.app.transition(&fp, &r.id, &mv("transmit")).await;
        assert!(refused.is_err(), "the State cannot send the Court's request: {refused:?}");

        // Approved, it is the Court's alone until sent; the comments stay with it.
        s.app.transition(&reg, &r.id, &mv("approve")).await.expect("approve");
        assert!(matches!(s.app.request(&fp, &r.id).await, Err(AppError::NotFound)), "approved, not yet sent");
        assert_eq!(s.app.messages(&reg, &r.id).await.expect("thread").len(), 2);
        s.app.transition(&reg, &r.id, &mv("transmit")).await.expect("transmit");
        let thread = s.app.messages(&fp, &r.id).await.expect("the State reads the thread again");
        assert_eq!(thread.len(), 2, "the comments made on the draft are still there");
    });
}
