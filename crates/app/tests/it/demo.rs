//! The demonstration workspace fills only a database of its own.

use comity_app::{demo::ILLUSTRATIVE, Actor, AppError};
use comity_testkit::on_every_engine;

use crate::TestApp;

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
