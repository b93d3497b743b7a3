//! The second factor in the browser: a password alone opens nothing, and cannot be used to
//! replace the enrolled authenticator.

use comity_app::{
    auth::{new_totp_secret, totp_code},
    Clock,
};
use comity_testkit::on_every_engine;
use reqwest::StatusCode;

use crate::{
    ui::{hidden_csrf, location, Browser},
    TestServer,
};

#[tokio::test]
async fn a_password_alone_neither_signs_in_nor_replaces_the_second_factor() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let out = s.app.login("admin", &s.admin_password, "127.0.0.1").await.expect("sign in");
        let session = s.app.session(&out.session_token).await.expect("a session");
        let (secret, _) = new_totp_secret("admin").expect("a secret");
        let code = totp_code(&secret, s.clock.now()).expect("a code");
        s.app.enrol_second_factor(&session, &secret, &code).await.expect("enrol");

        let b = Browser::new(&s);
        let res = b.login("admin", &s.admin_password).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/login/second-factor");
        let res = b.get("/").await;
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, "/login/second-factor".to_owned()));
        assert_eq!(b.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED, "the API waits for the code too");
        let res = b.get("/account/second-factor").await;
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, "/login/second-factor".to_owned()));

        // Enrolling an authenticator of one's own must not stand in for the enrolled one.
        let page = b.get("/login/second-factor").await;
        assert_eq!(page.status(), StatusCode::OK);
        let csrf = hidden_csrf(&page.text().await.expect("the page"));
        let (own, _) = new_totp_secret("admin").expect("another secret");
        let own_code = totp_code(&own, s.clock.now()).expect("a code");
        let res = b.post("/account/second-factor", &[("csrf", &csrf), ("secret", &own), ("code", &own_code)]).await;
        assert!(!res.status().is_redirection(), "refused: {} {}", res.status(), location(&res));
        let res = b.get("/").await;
        assert_eq!(location(&res), "/login/second-factor", "still waiting for the enrolled factor");
        let raw = b.cookie("comity_session").expect("the browser's session");
        let pending = s.app.session(&raw).await.expect("the session").pending;
        assert_eq!(pending, Some(comity_app::auth::Pending::VerifyTotp));

        // The enrolled authenticator's next code completes the login (the one used to enrol
        // cannot be replayed).
        let res = b.post("/login/second-factor", &[("csrf", &csrf), ("code", "000000x")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = b.post("/login/second-factor", &[("csrf", &csrf), ("code", &code)]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "the enrolment code is spent");
        s.clock.advance(chrono::Duration::seconds(30));
        let code = totp_code(&secret, s.clock.now()).expect("the current code");
        let res = b.post("/login/second-factor", &[("csrf", &csrf), ("code", &code)]).await;
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, "/".to_owned()));
        assert_eq!(b.get("/").await.status(), StatusCode::OK);
        assert_eq!(b.get("/api/v1/me").await.status(), StatusCode::OK);
    });
}
