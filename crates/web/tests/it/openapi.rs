//! The OpenAPI document and the error envelope are part of the stable interface: a change to
//! either shows up as a snapshot difference to review.

use comity_testkit::on_every_engine;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{expect_error, json, TestServer};

#[tokio::test]
async fn the_api_describes_itself_in_openapi_3_1() {
    let mut served: Vec<Value> = Vec::new();
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        // The document is public: clients read it before they hold a token.
        let (status, doc) = json(s.http.get(s.url("/api/v1/openapi.json")).send().await.expect("GET")).await;
        assert_eq!(status, StatusCode::OK);
        served.push(doc);
    });
    let doc = served.pop().expect("at least one engine");
    assert!(served.iter().all(|d| *d == doc), "every engine serves the same document");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/healthz",
        "/api/v1/partners",
        "/api/v1/partners/{id}",
        "/api/v1/partners/{id}/focal-points",
        "/api/v1/partners/{id}/focal-points/{fp}",
        "/api/v1/partners/{id}/communication-profiles",
        "/api/v1/statistics/partners",
        "/api/v1/audit",
    ] {
        assert!(paths.contains_key(p), "the document describes {p}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
    insta::assert_json_snapshot!("openapi", doc);
}

#[tokio::test]
async fn errors_share_one_envelope() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let res = s.http.get(s.url("/api/v1/partners")).send().await.expect("GET");
        let body = expect_error(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
        let id = body["error"]["request_id"].as_str().expect("a request id");
        assert_eq!(id.len(), 32, "a request id: {id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "a request id: {id}");
        insta::assert_json_snapshot!("error_unauthenticated", body, { ".error.request_id" => "[request_id]" });

        let token = s.token("admin").await;
        let bad = json!({"name": "", "mandates": ["astrology"], "languages": ["es"], "mandate_from": "2025-01-01"});
        let res = s.post("/api/v1/partners/ARG/focal-points", &token, &bad).await;
        let body = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        insta::assert_json_snapshot!("error_validation_failed", body, { ".error.request_id" => "[request_id]" });
    });
}
