//! Login throttling: after five wrong passwords an account refuses every attempt, the right
//! password included, until the window has passed; the form and the use case share the count.

use chrono::Duration;
use comity_app::AppError;
use comity_testkit::on_every_engine;
use reqwest::StatusCode;

use crate::{
    ui::{location, Browser},
    TestServer,
};

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_for_the_window() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let b = Browser::new(&s);

        for _ in 0..3 {
            let res = b.login("admin", "not the password").await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
            assert!(res.text().await.expect("the page").contains("The login name or password is wrong."));
        }
        // Failures count per account, whichever door they come through and from where.
        for _ in 0..2 {
            let e = s.app.login("admin", "still not it", "192.0.2.7").await.expect_err("a wrong password");
            assert!(matches!(e, AppError::BadCredentials), "{e:?}");
        }

        let res = b.login("admin", &s.admin_password).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("900"));
        assert!(res
            .headers()
            .get("set-cookie")
            .is_none_or(|c| !c.to_str().unwrap_or("").starts_with("comity_session")));
        let page = res.text().await.expect("the page");
        assert!(page.contains("Too many failed attempts. Try again in 15 minutes."), "a clear message:\n{page}");
        assert!(b.cookie("comity_session").is_none());
        let e = s.app.login("admin", &s.admin_password, "198.51.100.9").await.expect_err("throttled");
        assert!(matches!(e, AppError::Throttled { retry_after_secs: 900 }), "{e:?}");
        // Case does not get around it.
        let e = s.app.login("ADMIN", &s.admin_password, "198.51.100.9").await.expect_err("throttled");
        assert!(matches!(e, AppError::Throttled { .. }), "{e:?}");

        // Not yet...
        s.clock.advance(Duration::minutes(15) - Duration::seconds(1));
        assert_eq!(b.login("admin", &s.admin_password).await.status(), StatusCode::TOO_MANY_REQUESTS);
        // ...but once the window has passed, the right password works again.
        s.clock.advance(Duration::seconds(1));
        let res = b.login("admin", &s.admin_password).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/");
        assert!(b.cookie("comity_session").is_some());
    });
}
