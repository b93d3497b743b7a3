//! Inviting States' focal points: who may invite whom, the e-mailed link that works once and
//! expires, and the account it activates, which must then enrol a second factor.

use chrono::Duration;
use comity_app::{auth::Pending, invitations::InvitationInput, AppError};
use comity_testkit::{on_every_engine, smtp::SmtpServer};

use crate::{problem, requests::actor, TestApp};

fn invitation(name: &str, unit: &str, roles: &str) -> InvitationInput {
    InvitationInput {
        name: name.into(),
        display_name: Some("Ana Pérez".into()),
        email: format!("{name}@cancilleria.example"),
        unit: unit.into(),
        roles: roles.into(),
    }
}

/// The activation token in an invitation e-mail.
fn token_in(mail: &str) -> String {
    let text = mail.replace("=\r\n", "");
    let at = text.find("/activate/").expect("an activation link") + "/activate/".len();
    text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect()
}

#[tokio::test]
async fn an_invited_focal_point_activates_once_and_must_enrol_a_second_factor() {
    on_every_engine!(|t| {
        let smtp = SmtpServer::start().await;
        let s = TestApp::with_settings(t, crate::mailing_to(&smtp)).await;
        s.user("reg", "Registry", "officer").await;
        let reg = actor(&s, "reg").await;

        let sent =
            s.app.invite(&reg, &invitation("ana.perez", "state:ARG", "officer,unit_admin")).await.expect("invite");
        assert!(sent.emailed && sent.activation_path.is_none(), "the link goes by e-mail only");
        let mails = smtp.messages();
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].to, ["ana.perez@cancilleria.example"]);
        assert!(mails[0].data.replace("=\r\n", "").contains("https://comity.court.example/activate/"));
        let token = token_in(&mails[0].data);

        let preview = s.app.invitation_preview(&token).await.expect("the link works");
        assert_eq!((preview.name.as_str(), preview.unit.as_str()), ("ana.perez", "Focal point: Argentina"));
        let short = s.app.activate(&token, "short", "short").await.expect_err("a short password");
        assert!(problem(short, "password").contains("at least"));
        let typo =
            s.app.activate(&token, "a long enough passphrase", "a long enough passphrasE").await.expect_err("typo");
        assert_eq!(problem(typo, "confirm"), "does not match the password");
        let user =
            s.app.activate(&token, "a long enough passphrase", "a long enough passphrase").await.expect("activate");
        assert_eq!((user.name.as_str(), user.unit.as_str()), ("ana.perez", "Focal point: Argentina"));

        let again = s.app.activate(&token, "another passphrase!", "another passphrase!").await;
        assert!(matches!(&again, Err(AppError::Conflict(m)) if m.contains("already been used")), "{again:?}");
        let login = s.app.login("ana.perez", "a long enough passphrase", "127.0.0.1").await.expect("sign in");
        assert_eq!(login.pending, Some(Pending::EnrolTotp), "a second factor before anything else");

        // The new office administrator invites a colleague, but not into another State's office.
        let ana = actor(&s, "ana.perez").await;
        s.app.invite(&ana, &invitation("luis.gomez", "state:ARG", "officer")).await.expect("a colleague");
        let elsewhere = s.app.invite(&ana, &invitation("jean.dupont", "state:FRA", "officer")).await;
        assert!(matches!(elsewhere, Err(AppError::Forbidden | AppError::NotFound)), "{elsewhere:?}");
    });
}

#[tokio::test]
async fn invitations_expire_and_bad_ones_are_refused_with_reasons() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        s.user("otp", "Office of the Prosecutor", "officer").await;
        s.user("fp.fra", "state:FRA", "officer").await;
        s.user("taken", "Registry", "viewer").await;
        let (otp, fra) = (actor(&s, "otp").await, actor(&s, "fp.fra").await);

        // Without e-mail on this server, the inviter gets the link to hand over.
        let sent = s.app.invite(&otp, &invitation("k.otieno", "state:KEN", "officer")).await.expect("invite");
        let path = sent.activation_path.expect("the link for the inviter");
        let token = path.trim_start_matches("/activate/").to_owned();
        s.clock.advance(Duration::days(8));
        let late = s.app.activate(&token, "a long enough passphrase", "a long enough passphrase").await;
        assert!(matches!(&late, Err(AppError::Conflict(m)) if m.contains("expired")), "{late:?}");
        assert!(matches!(s.app.invitation_preview("not-a-token").await, Err(AppError::NotFound)));

        let name = s.app.invite(&otp, &invitation("taken", "state:KEN", "officer")).await.expect_err("name taken");
        assert!(problem(name, "name").contains("already taken"));
        let admin = s.app.invite(&otp, &invitation("x.admin", "state:KEN", "system_admin")).await.expect_err("role");
        assert!(problem(admin, "roles").contains("viewer, officer or unit_admin"));
        let inside = s.app.invite(&otp, &invitation("x.reg", "Registry", "officer")).await.expect_err("internal");
        assert!(problem(inside, "unit").contains("state:ISO3"));
        let no_mail = InvitationInput { email: String::new(), ..invitation("x.mail", "state:KEN", "officer") };
        assert!(problem(s.app.invite(&otp, &no_mail).await.expect_err("e-mail"), "email").contains("required"));
        // A focal point who is not the office's administrator invites no one.
        assert!(matches!(
            s.app.invite(&fra, &invitation("x.fra", "state:FRA", "officer")).await,
            Err(AppError::Forbidden)
        ));
    });
}

#[tokio::test]
async fn an_invitation_that_cannot_be_emailed_is_withdrawn() {
    on_every_engine!(|t| {
        let smtp = SmtpServer::start().await;
        let s = TestApp::with_settings(t, crate::mailing_to(&smtp)).await;
        s.user("reg", "Registry", "officer").await;
        let reg = actor(&s, "reg").await;
        smtp.reject_next_data(10);
        let failed = s.app.invite(&reg, &invitation("ana.perez", "state:ARG", "officer")).await;
        assert!(matches!(failed, Err(AppError::Unavailable(_))), "{failed:?}");
        // Nothing is left behind: the same person can be invited again once mail works.
        smtp.reject_next_data(0);
        let sent = s.app.invite(&reg, &invitation("ana.perez", "state:ARG", "officer")).await.expect("invite again");
        assert!(sent.emailed);
    });
}
