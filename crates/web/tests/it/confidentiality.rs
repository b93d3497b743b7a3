//! Confidentiality through the API: each caller sees what the policy allows and no more,
//! refusals change nothing, and reading a confidential record leaves an audit entry.

use comity_testkit::on_every_engine;
use reqwest::StatusCode;
use serde_json::Value;

use crate::{expect_error, focal_point, json, TestServer};

fn names(list: &Value) -> Vec<&str> {
    let mut n: Vec<&str> = list.as_array().expect("a list").iter().map(|f| f["name"].as_str().expect("name")).collect();
    n.sort_unstable();
    n
}

#[tokio::test]
async fn each_caller_sees_only_the_focal_points_the_policy_allows() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        s.user("reg.officer", "Registry", "officer").await;
        s.user("fp.arg", "state:ARG", "officer").await;
        s.user("fp.fra", "state:FRA", "officer").await;
        s.user("observer", "Assembly observers", "viewer").await;
        let registry = s.token("reg.officer").await;
        let registry_read_only = s.token_with("reg.officer", &["read"]).await;
        let arg = s.token("fp.arg").await;
        let fra = s.token("fp.fra").await;
        let observer = s.token("observer").await;
        let admin = s.token("admin").await;

        // The Registry keeps the directory, confidential entries included.
        let mut ids = std::collections::HashMap::new();
        for (name, classification) in
            [("P. Public", "public"), ("I. Internal", "internal"), ("C. Confidential", "confidential")]
        {
            let (status, fp) =
                json(s.post("/api/v1/partners/ARG/focal-points", &registry, &focal_point(name, classification)).await)
                    .await;
            assert_eq!(status, StatusCode::CREATED, "{classification}: {fp}");
            assert_eq!(fp["classification"], classification);
            assert_eq!(fp["version"], 1);
            ids.insert(classification, fp["id"].as_str().expect("id").to_owned());
        }
        let (status, all) = json(s.get("/api/v1/partners/ARG/focal-points", &registry).await).await;
        assert_eq!(status, StatusCode::OK, "{all}");
        assert_eq!(names(&all), ["C. Confidential", "I. Internal", "P. Public"]);

        // Another State's focal point sees the public entry only, and that read is not audited.
        let head = s.audit_head().await;
        let (status, seen_by_fra) = json(s.get("/api/v1/partners/ARG/focal-points", &fra).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(names(&seen_by_fra), ["P. Public"]);
        assert_eq!(s.audit_head().await, head, "reading public entries writes no audit entry");
        assert_eq!(s.get("/api/v1/partners/ARG", &fra).await.status(), StatusCode::OK, "the State itself is public");
        let (status, own) = json(s.get("/api/v1/partners/FRA/focal-points", &fra).await).await;
        assert_eq!((status, own.as_array().map(Vec::len)), (StatusCode::OK, Some(0)));

        // Argentina's own focal point sees all of Argentina's entries; reading the confidential
        // one is audited by the same request, under the reader's name.
        let (status, seen_by_arg) = json(s.get("/api/v1/partners/ARG/focal-points", &arg).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(names(&seen_by_arg), ["C. Confidential", "I. Internal", "P. Public"]);
        assert_eq!(s.audit_head().await, head + 1, "exactly one read was audited");
        let path = format!("/api/v1/audit?record_kind=focal_point&record_id={}", ids["confidential"]);
        let (status, trail) = json(s.get(&path, &admin).await).await;
        assert_eq!(status, StatusCode::OK, "{trail}");
        let reads: Vec<&Value> =
            trail.as_array().expect("entries").iter().filter(|e| e["action"] == "focal_point.read").collect();
        assert!(reads.iter().any(|e| e["actor_name"] == "fp.arg" && e["classification"] == "confidential"), "{trail}");
        let path = format!("/api/v1/audit?record_kind=focal_point&record_id={}", ids["internal"]);
        let (_, internal_trail) = json(s.get(&path, &admin).await).await;
        assert!(
            !internal_trail.as_array().expect("entries").iter().any(|e| e["action"] == "focal_point.read"),
            "reads of internal entries are not audited: {internal_trail}"
        );
        // The audit trail itself is closed to the focal points.
        expect_error(s.get("/api/v1/audit", &arg).await, StatusCode::NOT_FOUND, "not_found").await;

        // A State's focal point cannot write the directory, for any partner.
        let head = s.audit_head().await;
        for partner in ["ARG", "FRA", "UN"] {
            for classification in ["public", "internal"] {
                let path = format!("/api/v1/partners/{partner}/focal-points");
                let res = s.post(&path, &fra, &focal_point("X. Intruder", classification)).await;
                expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
            }
        }
        // A read-only token cannot write either, whoever owns it; it still reads.
        assert_eq!(s.get("/api/v1/partners/ARG/focal-points", &registry_read_only).await.status(), StatusCode::OK);
        let head_after_read = s.audit_head().await;
        assert_eq!(head_after_read, head + 1, "the Registry's read of the confidential entry is audited");
        for classification in ["public", "confidential"] {
            let res = s
                .post("/api/v1/partners/ARG/focal-points", &registry_read_only, &focal_point("R. O.", classification))
                .await;
            expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
        }
        assert_eq!(s.audit_head().await, head_after_read, "refusals write nothing");
        let (_, after) = json(s.get("/api/v1/partners/ARG/focal-points", &arg).await).await;
        assert_eq!(names(&after), ["C. Confidential", "I. Internal", "P. Public"]);

        // Assembly observers see published aggregates only.
        expect_error(s.get("/api/v1/partners", &observer).await, StatusCode::NOT_FOUND, "not_found").await;
        expect_error(s.get("/api/v1/partners/ARG", &observer).await, StatusCode::NOT_FOUND, "not_found").await;
        expect_error(s.get("/api/v1/partners/ARG/focal-points", &observer).await, StatusCode::NOT_FOUND, "not_found")
            .await;
        let (status, stats) = json(s.get("/api/v1/statistics/partners?on=2017-09-01", &observer).await).await;
        assert_eq!(status, StatusCode::OK, "{stats}");
        assert_eq!(stats["states_parties"], 124);

        // Every read and write above went onto an intact chain.
        let verified = s.app.verify_audit(|_| {}).await.expect("verify the audit chain");
        assert!(verified.is_ok(), "{verified:?}");
    });
}
