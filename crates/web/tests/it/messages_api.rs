//! The thread over the API: both sides read and write it, bad input is named, and nobody else
//! reads it.

use comity_testkit::on_every_engine;
use reqwest::StatusCode;
use serde_json::json;

use crate::{complete_request, expect_error, json, TestServer};

#[tokio::test]
async fn the_thread_is_read_and_written_by_the_two_sides_only() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let registry = s.user_token("reg.officer", "Registry", "officer,approver").await;
        let arg = s.user_token("fp.arg", "state:ARG", "officer").await;
        let fra = s.user_token("fp.fra", "state:FRA", "officer").await;
        let (_, draft) =
            json(s.post("/api/v1/requests", &registry, &complete_request("chamber", "ARG", "Records")).await).await;
        let id = draft["id"].as_str().expect("id").to_owned();
        let thread = format!("/api/v1/requests/{id}/messages");

        let early = s.post(&thread, &registry, &json!({ "body": "Before sending" })).await;
        expect_error(early, StatusCode::CONFLICT, "conflict").await;
        for action in ["approve", "transmit"] {
            let res =
                s.post(&format!("/api/v1/requests/{id}/transitions"), &registry, &json!({ "action": action })).await;
            assert_eq!(res.status(), StatusCode::OK, "{action}");
        }
        let (status, posted) =
            json(s.post(&thread, &registry, &json!({ "body": "Please confirm receipt." })).await).await;
        assert_eq!(status, StatusCode::CREATED, "{posted}");
        assert_eq!((posted["side"].as_str(), posted["author_unit"].as_str()), (Some("court"), Some("Registry")));
        let (status, _) = json(s.post(&thread, &arg, &json!({ "body": "Received, thank you." })).await).await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, read) = json(s.get(&thread, &arg).await).await;
        let sides: Vec<&str> =
            read.as_array().expect("list").iter().map(|m| m["side"].as_str().expect("side")).collect();
        assert_eq!(sides, ["court", "partner"]);

        let bad = expect_error(
            s.post(&thread, &arg, &json!({ "body": "" })).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(bad["error"]["fields"]["body"].is_string(), "{bad}");
        expect_error(
            s.post(&thread, &arg, &json!({ "text": "hi" })).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        expect_error(s.get(&thread, &fra).await, StatusCode::NOT_FOUND, "not_found").await;
        expect_error(s.post(&thread, &fra, &json!({ "body": "hi" })).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(s.http.get(s.url(&thread)).send().await.expect("GET").status(), StatusCode::UNAUTHORIZED);
        let (_, after) = json(s.get(&thread, &registry).await).await;
        assert_eq!(after.as_array().map(Vec::len), Some(2), "nothing more was written");
    });
}
