//! TOTP second factor: enrolment, verification at login, and roles that require it.

use chrono::{DateTime, Duration, Utc};
use comity_app::{
    auth::{new_totp_secret, totp_code, Pending},
    Actor, AppError, Clock, Settings,
};
use comity_domain::access::Role;
use comity_testkit::on_every_engine;

use crate::TestApp;

/// A six-digit code that is not valid at `now`, even allowing for one step of drift.
fn wrong_code(secret: &str, now: DateTime<Utc>) -> String {
    let valid: Vec<String> =
        [-30, 0, 30].iter().map(|s| totp_code(secret, now + Duration::seconds(*s)).expect("a code")).collect();
    (0..1_000_000).map(|n| format!("{n:06}")).find(|c| !valid.contains(c)).expect("a wrong code")
}

fn is_code_refusal(r: Result<(), AppError>) -> bool {
    matches!(r, Err(AppError::Validation(f)) if f.0.contains_key("code"))
}

#[tokio::test]
async fn an_enrolled_second_factor_is_asked_for_at_every_login() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let now = || s.clock.now();
        let out = s.app.login("admin", &s.admin_password, "127.0.0.1").await.expect("sign in");
        assert_eq!(out.pending, None, "no second factor yet, none required");
        let session = s.app.session(&out.session_token).await.expect("a session");

        let (secret, url) = new_totp_secret("admin").expect("a new secret");
        assert!(url.starts_with("otpauth://totp/") && url.contains(&secret), "{url}");
        let wrong = wrong_code(&secret, now());
        assert!(is_code_refusal(s.app.enrol_second_factor(&session, &secret, &wrong).await));
        let users = s.app.list_users(&Actor::operator()).await.expect("users");
        assert!(!users[0].second_factor, "a refused enrolment stores nothing");
        let code = totp_code(&secret, now()).expect("a code");
        s.app.enrol_second_factor(&session, &secret, &code).await.expect("enrol");
        let users = s.app.list_users(&Actor::operator()).await.expect("users");
        assert!(users[0].second_factor);

        // The next login waits for the code.
        s.clock.advance(Duration::minutes(2));
        let out = s.app.login("admin", &s.admin_password, "127.0.0.1").await.expect("sign in");
        assert_eq!(out.pending, Some(Pending::VerifyTotp));
        let pending = s.app.session(&out.session_token).await.expect("a pending session");
        assert_eq!(pending.pending, Some(Pending::VerifyTotp));
        assert!(is_code_refusal(s.app.verify_second_factor(&pending, &wrong_code(&secret, now()), "127.0.0.1").await));
        // A password alone cannot swap the enrolled authenticator for one of its own.
        let (own, _) = new_totp_secret("admin").expect("another secret");
        let own_code = totp_code(&own, now()).expect("a code");
        let r = s.app.enrol_second_factor(&pending, &own, &own_code).await;
        assert!(matches!(r, Err(AppError::SecondFactorRequired)), "{r:?}");
        assert_eq!(s.app.session(&out.session_token).await.expect("session").pending, Some(Pending::VerifyTotp));
        let stale = totp_code(&secret, now() - Duration::minutes(2)).expect("an old code");
        if !(-1..=1).any(|step| totp_code(&secret, now() + Duration::seconds(30 * step)).ok() == Some(stale.clone())) {
            assert!(
                is_code_refusal(s.app.verify_second_factor(&pending, &stale, "127.0.0.1").await),
                "old codes expire"
            );
        }
        assert_eq!(s.app.session(&out.session_token).await.expect("session").pending, Some(Pending::VerifyTotp));
        let code = totp_code(&secret, now()).expect("the current code");
        s.app.verify_second_factor(&pending, &code, "127.0.0.1").await.expect("the right code completes the login");
        assert_eq!(s.app.session(&out.session_token).await.expect("session").pending, None);

        // Wrong codes count towards the login throttle.
        s.clock.advance(Duration::minutes(1));
        let out = s.app.login("admin", &s.admin_password, "127.0.0.1").await.expect("sign in");
        let pending = s.app.session(&out.session_token).await.expect("a pending session");
        for _ in 0..5 {
            let wrong = wrong_code(&secret, now());
            assert!(is_code_refusal(s.app.verify_second_factor(&pending, &wrong, "127.0.0.1").await));
        }
        let code = totp_code(&secret, now()).expect("the current code");
        let r = s.app.verify_second_factor(&pending, &code, "127.0.0.1").await;
        assert!(matches!(r, Err(AppError::Throttled { .. })), "{r:?}");
        assert_eq!(s.app.session(&out.session_token).await.expect("session").pending, Some(Pending::VerifyTotp));
    });
}

#[tokio::test]
async fn a_role_that_requires_a_second_factor_must_enrol_one() {
    on_every_engine!(|t| {
        let settings = Settings { totp_required_roles: vec![Role::SystemAdmin], ..Settings::default() };
        let s = TestApp::with_settings(t, settings).await;
        let now = || s.clock.now();
        let out = s.app.login("admin", &s.admin_password, "127.0.0.1").await.expect("sign in");
        assert_eq!(out.pending, Some(Pending::EnrolTotp));
        let session = s.app.session(&out.session_token).await.expect("a pending session");
        assert_eq!(session.pending, Some(Pending::EnrolTotp));
        let r = s.app.verify_second_factor(&session, "123456", "127.0.0.1").await;
        assert!(matches!(r, Err(AppError::Conflict(_))), "nothing to verify before enrolment: {r:?}");

        let (secret, _) = new_totp_secret("admin").expect("a new secret");
        let code = totp_code(&secret, now()).expect("a code");
        s.app.enrol_second_factor(&session, &secret, &code).await.expect("enrol");
        assert_eq!(s.app.session(&out.session_token).await.expect("session").pending, None);

        let again = s.app.login("admin", &s.admin_password, "127.0.0.1").await.expect("sign in");
        assert_eq!(again.pending, Some(Pending::VerifyTotp));
    });
}

#[tokio::test]
async fn a_code_signs_in_once_only() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let now = || s.clock.now();
        let out = s.app.login("admin", &s.admin_password, "127.0.0.1").await.expect("sign in");
        let session = s.app.session(&out.session_token).await.expect("a session");
        let (secret, _) = new_totp_secret("admin").expect("a new secret");
        s.app.enrol_second_factor(&session, &secret, &totp_code(&secret, now()).expect("code")).await.expect("enrol");

        // The code used to enrol cannot also open the next session.
        let out = s.app.login("admin", &s.admin_password, "127.0.0.1").await.expect("sign in");
        let pending = s.app.session(&out.session_token).await.expect("a pending session");
        let used = totp_code(&secret, now()).expect("code");
        let r = s.app.verify_second_factor(&pending, &used, "127.0.0.1").await;
        assert!(is_code_refusal(r), "a replayed code is refused");

        s.clock.advance(Duration::seconds(30));
        let fresh = totp_code(&secret, now()).expect("code");
        s.app.verify_second_factor(&pending, &fresh, "127.0.0.1").await.expect("the next code works");

        // And that code cannot be replayed into another session either.
        let out = s.app.login("admin", &s.admin_password, "127.0.0.1").await.expect("sign in");
        let other = s.app.session(&out.session_token).await.expect("a pending session");
        assert!(is_code_refusal(s.app.verify_second_factor(&other, &fresh, "127.0.0.1").await));
        assert_eq!(s.app.session(&out.session_token).await.expect("session").pending, Some(Pending::VerifyTotp));
    });
}

#[tokio::test]
async fn a_malformed_secret_from_the_enrolment_form_is_refused_as_input() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let out = s.app.login("admin", &s.admin_password, "127.0.0.1").await.expect("sign in");
        let session = s.app.session(&out.session_token).await.expect("a session");
        let r = s.app.enrol_second_factor(&session, "not base32 !", "123456").await;
        assert!(matches!(&r, Err(AppError::Validation(f)) if f.0.contains_key("secret")), "{r:?}");
        let users = s.app.list_users(&Actor::operator()).await.expect("users");
        assert!(!users[0].second_factor, "nothing was enrolled");
    });
}

#[tokio::test]
async fn everyone_outside_the_court_must_enrol_a_second_factor() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let password = s.user("fp.ken", "state:KEN", "officer").await;
        let inside = s.user("reg", "Registry", "officer").await;
        let out = s.app.login("fp.ken", &password, "127.0.0.1").await.expect("sign in");
        assert_eq!(out.pending, Some(Pending::EnrolTotp), "no setting needed for a State's focal point");
        let session = s.app.session(&out.session_token).await.expect("a session");
        let (secret, _) = new_totp_secret("fp.ken").expect("a secret");
        let code = totp_code(&secret, s.clock.now()).expect("a code");
        s.app.enrol_second_factor(&session, &secret, &code).await.expect("enrol");
        s.clock.advance(Duration::minutes(2));
        let again = s.app.login("fp.ken", &password, "127.0.0.1").await.expect("sign in again");
        assert_eq!(again.pending, Some(Pending::VerifyTotp), "and then asked at every sign-in");
        let court = s.app.login("reg", &inside, "127.0.0.1").await.expect("a Court officer");
        assert_eq!(court.pending, None, "inside the Court it follows the settings");
    });
}
