//! Accounts: what a new user must look like, and what resetting or disabling one ends.

use comity_app::{Actor, AppError};
use comity_testkit::on_every_engine;

use crate::{input, problem, TestApp};

#[tokio::test]
async fn a_new_user_needs_a_valid_name_known_roles_and_an_existing_unit() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let op = Actor::operator();
        let add = |name: &'static str, unit: &'static str, roles: &'static str| {
            let app = s.app.clone();
            async move { app.add_user(&Actor::operator(), &input(name, unit, roles)).await }
        };

        for bad in ["Bad Name", "x", "ünïcode", "semi;colon"] {
            let e = s.app.add_user(&op, &input(bad, "Registry", "officer")).await.expect_err(bad);
            assert!(problem(e, "name").contains("lowercase"), "{bad}");
        }
        let e = add("", "Registry", "officer").await.expect_err("an empty name");
        assert_eq!(problem(e, "name"), "is required");

        let e = add("some.one", "Registry", "wizard").await.expect_err("an unknown role");
        let msg = problem(e, "role");
        for role in ["viewer", "officer", "approver", "unit_admin", "system_admin", "auditor"] {
            assert!(msg.contains(role), "the roles are listed: {msg}");
        }
        let e = add("some.one", "Registry", " , ").await.expect_err("no role");
        problem(e, "role");

        let e = add("some.one", "Narnia", "officer").await.expect_err("an unknown unit");
        let msg = problem(e, "unit");
        for unit in
            ["Narnia", "Registry", "Office of the Prosecutor", "Assembly observers", "state:ISO3", "defence:TEAM"]
        {
            assert!(msg.contains(unit), "the message names '{unit}': {msg}");
        }
        let e = add("some.one", "state:XXX", "officer").await.expect_err("an unknown State");
        assert!(problem(e, "unit").contains("XXX"));
        let e = add("some.one", "Registry", "system_admin").await.expect_err("an administrator outside Administration");
        problem(e, "role");
        let e = add("admin", "Administration", "system_admin").await.expect_err("a taken name");
        assert!(problem(e, "name").contains("already exists"));

        // None of the refusals left anything behind.
        let users = s.app.list_users(&op).await.expect("list users");
        assert_eq!(users.len(), 1, "{users:?}");

        // A State's focal-point office is created on first use and found again afterwards.
        let (fp, password) =
            s.app.add_user(&op, &input("fp.arg", "state:arg", "officer")).await.expect("a focal point");
        assert_eq!(fp.unit, "Focal point: Argentina");
        assert_eq!(fp.unit_kind, "state_focal_point");
        assert_eq!(password.len(), 20);
        let out = s.app.login("fp.arg", &password, "127.0.0.1").await.expect("the new user signs in");
        let session = s.app.session(&out.session_token).await.expect("a session");
        assert_eq!(session.actor.principal.unit_state.as_deref(), Some("ARG"));
    });
}

#[tokio::test]
async fn resetting_a_password_ends_the_sessions_tokens_and_the_old_password() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let out = s.app.login("admin", &s.admin_password, "127.0.0.1").await.expect("sign in");
        s.app.session(&out.session_token).await.expect("a live session");
        let token =
            s.app.create_token(&Actor::operator(), "admin", "ci", &["read".into()], None).await.expect("a token");

        let new = s.app.reset_password(&Actor::operator(), "admin").await.expect("reset");
        assert_ne!(new, s.admin_password);
        assert!(matches!(s.app.session(&out.session_token).await, Err(AppError::Unauthenticated)));
        assert!(matches!(s.app.login("admin", &s.admin_password, "127.0.0.1").await, Err(AppError::BadCredentials)));
        s.app.login("admin", &new, "127.0.0.1").await.expect("the new password works");
        // A reset answers a suspected compromise: tokens issued before it stop working.
        assert!(matches!(s.app.token_actor(&token.token).await, Err(AppError::Unauthenticated)));
        assert!(matches!(s.app.reset_password(&Actor::operator(), "nobody").await, Err(AppError::NotFound)));
    });
}

#[tokio::test]
async fn a_disabled_user_can_neither_sign_in_nor_use_a_token() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let out = s.app.login("admin", &s.admin_password, "127.0.0.1").await.expect("sign in");
        let token =
            s.app.create_token(&Actor::operator(), "admin", "ci", &["read".into()], None).await.expect("a token");
        s.app.token_actor(&token.token).await.expect("the token works");

        s.app.set_user_disabled(&Actor::operator(), "admin", true).await.expect("disable");
        let users = s.app.list_users(&Actor::operator()).await.expect("list users");
        assert!(users[0].disabled);
        assert!(matches!(s.app.session(&out.session_token).await, Err(AppError::Unauthenticated)));
        assert!(matches!(s.app.token_actor(&token.token).await, Err(AppError::Unauthenticated)));
        // The right password is refused like a wrong one, telling nothing about the account.
        assert!(matches!(s.app.login("admin", &s.admin_password, "127.0.0.1").await, Err(AppError::BadCredentials)));

        s.app.set_user_disabled(&Actor::operator(), "admin", false).await.expect("enable again");
        s.app.token_actor(&token.token).await.expect("the token works again");
    });
}
