//! Who may call the API: a valid bearer token, and nothing else.

use chrono::Duration;
use comity_app::Actor;
use comity_testkit::on_every_engine;
use reqwest::StatusCode;

use crate::{expect_error, json, TestServer};

#[tokio::test]
async fn the_api_refuses_callers_without_a_valid_token() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;

        let (status, health) = json(s.http.get(s.url("/healthz")).send().await.expect("GET /healthz")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(health["status"], "ok");
        assert_eq!(health["database"], t.engine);

        let res = s.http.get(s.url("/api/v1/partners")).send().await.expect("GET");
        assert_eq!(res.headers().get("www-authenticate").and_then(|v| v.to_str().ok()), Some("Bearer"));
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;

        for garbage in ["garbage", "cmt_not-a-real-token", ""] {
            expect_error(s.get("/api/v1/partners", garbage).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
        }
        let basic = s.http.get(s.url("/api/v1/partners")).header("authorization", "Basic YWRtaW46YWRtaW4=");
        expect_error(basic.send().await.expect("GET"), StatusCode::UNAUTHORIZED, "unauthenticated").await;

        // A valid token works, until it is revoked.
        let token = s.token("admin").await;
        let (status, me) = json(s.get("/api/v1/me", &token).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["name"], "admin");
        assert_eq!(s.get("/api/v1/partners", &token).await.status(), StatusCode::OK);
        let id = s.app.list_tokens(&Actor::operator(), Some("admin")).await.expect("list tokens")[0].0.id.clone();
        s.app.revoke_token(&Actor::operator(), &id).await.expect("revoke the token");
        expect_error(s.get("/api/v1/partners", &token).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;

        // A token with a lifetime works until it runs out, and not a moment later.
        let short = s
            .app
            .create_token(&Actor::operator(), "admin", "short", &["read".into()], Some(Duration::days(1)))
            .await
            .expect("create a short-lived token")
            .token;
        s.clock.advance(Duration::days(1) - Duration::seconds(1));
        assert_eq!(s.get("/api/v1/partners", &short).await.status(), StatusCode::OK);
        s.clock.advance(Duration::seconds(1));
        expect_error(s.get("/api/v1/partners", &short).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    });
}
