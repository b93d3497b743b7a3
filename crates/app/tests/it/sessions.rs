//! Sessions end after 30 idle minutes, and 12 hours after login however active.

use chrono::Duration;
use comity_app::AppError;
use comity_testkit::on_every_engine;

use crate::TestApp;

fn unauthenticated<T: std::fmt::Debug>(r: Result<T, AppError>) -> bool {
    matches!(r, Err(AppError::Unauthenticated))
}

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let out = s.app.login("admin", &s.admin_password, "127.0.0.1").await.expect("sign in");
        let token = out.session_token.clone();
        let first = s.app.session(&token).await.expect("a live session");
        assert_eq!(first.expires_at, crate::start_instant() + Duration::minutes(30));
        assert_eq!(first.actor.name, "admin");
        assert!(first.pending.is_none());

        // Activity keeps it alive past the first thirty minutes...
        s.clock.advance(Duration::minutes(29));
        let touched = s.app.session(&token).await.expect("still live after 29 minutes");
        assert!(touched.expires_at > first.expires_at, "activity pushes the expiry back");
        s.clock.advance(Duration::minutes(29));
        s.app.session(&token).await.expect("live 58 minutes after login, being active");

        // ...but thirty-one quiet minutes end it, for good.
        s.clock.advance(Duration::minutes(31));
        assert!(unauthenticated(s.app.session(&token).await));
        s.clock.advance(Duration::minutes(-31));
        assert!(unauthenticated(s.app.session(&token).await), "an expired session is deleted, not just refused");

        // Unknown cookies are refused the same way.
        assert!(unauthenticated(s.app.session("not-a-session").await));
    });
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_login_however_active() {
    on_every_engine!(|t| {
        let s = TestApp::start(t).await;
        let out = s.app.login("admin", &s.admin_password, "127.0.0.1").await.expect("sign in");
        let token = out.session_token;
        let mut elapsed = Duration::zero();
        while elapsed + Duration::minutes(20) < Duration::hours(12) {
            s.clock.advance(Duration::minutes(20));
            elapsed += Duration::minutes(20);
            let live = s.app.session(&token).await.unwrap_or_else(|e| panic!("live after {elapsed}: {e:?}"));
            assert!(live.expires_at <= crate::start_instant() + Duration::hours(12));
        }
        s.clock.advance(Duration::hours(12) - elapsed);
        assert!(unauthenticated(s.app.session(&token).await), "the maximum lifetime is reached");

        // The housekeeping job removes what has expired.
        let other = s.app.login("admin", &s.admin_password, "127.0.0.1").await.expect("sign in again");
        s.clock.advance(Duration::minutes(31));
        assert_eq!(s.app.purge_expired_sessions().await.expect("purge"), 1);
        assert!(unauthenticated(s.app.session(&other.session_token).await));
    });
}
