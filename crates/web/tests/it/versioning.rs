//! Optimistic concurrency: an edit must name the version it read.

use comity_testkit::on_every_engine;
use reqwest::StatusCode;
use serde_json::json;

use crate::{expect_error, focal_point, json, TestServer};

#[tokio::test]
async fn an_edit_based_on_a_stale_version_is_refused() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        s.user("reg.officer", "Registry", "officer").await;
        let token = s.token("reg.officer").await;
        let (status, created) =
            json(s.post("/api/v1/partners/ARG/focal-points", &token, &focal_point("A. Original", "internal")).await)
                .await;
        assert_eq!(status, StatusCode::CREATED);
        let id = created["id"].as_str().expect("id").to_owned();
        let path = format!("/api/v1/partners/ARG/focal-points/{id}");

        // Without a version, the edit is refused and names the field.
        let e = expect_error(
            s.put(&path, &token, &focal_point("A. Renamed", "internal")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(e["error"]["fields"]["version"].is_string(), "{e}");

        // With the version read, it succeeds and the version moves on.
        let mut edit = focal_point("A. Renamed", "internal");
        edit["version"] = json!(1);
        let (status, updated) = json(s.put(&path, &token, &edit).await).await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!(updated["version"], 2);
        assert_eq!(updated["name"], "A. Renamed");
        assert_eq!(updated["id"], created["id"]);

        // A second writer still holding version 1 is told someone else changed it.
        let head = s.audit_head().await;
        let mut stale = focal_point("A. Overwritten", "internal");
        stale["version"] = json!(1);
        let e = expect_error(s.put(&path, &token, &stale).await, StatusCode::CONFLICT, "stale_version").await;
        assert!(e["error"]["message"].as_str().expect("message").contains('2'), "the current version is named: {e}");
        assert_eq!(s.audit_head().await, head, "a refused edit writes nothing");
        let (_, list) = json(s.get("/api/v1/partners/ARG/focal-points", &token).await).await;
        assert_eq!(list[0]["name"], "A. Renamed");
        assert_eq!(list[0]["version"], 2);

        // Re-reading and sending the current version works again.
        stale["version"] = json!(2);
        let (status, again) = json(s.put(&path, &token, &stale).await).await;
        assert_eq!((status, &again["version"]), (StatusCode::OK, &json!(3)));

        // Writers racing with the same version: exactly one wins, on either engine.
        let racers = (0..6).map(|i| {
            let mut body = focal_point(&format!("A. Racer {i}"), "internal");
            body["version"] = json!(3);
            let request = s.http.put(s.url(&path)).bearer_auth(&token).json(&body);
            tokio::spawn(async move { request.send().await.expect("PUT").status() })
        });
        let mut statuses = Vec::new();
        for r in racers.collect::<Vec<_>>() {
            statuses.push(r.await.expect("a racer"));
        }
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT), "{statuses:?}");
        let (_, list) = json(s.get("/api/v1/partners/ARG/focal-points", &token).await).await;
        assert_eq!(list[0]["version"], 4);

        // A focal point is edited only under its own partner.
        let mut elsewhere = focal_point("A. Elsewhere", "internal");
        elsewhere["version"] = json!(4);
        let res = s.put(&format!("/api/v1/partners/FRA/focal-points/{id}"), &token, &elsewhere).await;
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    });
}
