//! Bad input is refused with a stable code naming the field, and changes nothing.

use comity_testkit::on_every_engine;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{expect_error, focal_point, json, TestServer};

fn field<'a>(body: &'a Value, name: &str) -> &'a str {
    body["error"]["fields"][name].as_str().unwrap_or_else(|| panic!("the error names '{name}': {body}"))
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_changes_nothing() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        s.user("reg.officer", "Registry", "officer").await;
        let token = s.token("reg.officer").await;
        let (status, _) =
            json(s.post("/api/v1/partners/ARG/focal-points", &token, &focal_point("A. Known", "internal")).await).await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, before) = json(s.get("/api/v1/partners/ARG/focal-points", &token).await).await;
        let head = s.audit_head().await;
        let path = "/api/v1/partners/ARG/focal-points";

        // Broken JSON, or not JSON at all.
        let res = s
            .http
            .post(s.url(path))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(r#"{"name": "A. Broken", "mandates": ["#)
            .send()
            .await
            .expect("POST");
        expect_error(res, StatusCode::BAD_REQUEST, "invalid_json").await;
        let res = s.http.post(s.url(path)).bearer_auth(&token).body("name=A.+Form").send().await.expect("POST");
        expect_error(res, StatusCode::BAD_REQUEST, "invalid_json").await;

        // Missing or mistyped fields are named.
        for missing in ["name", "mandates", "languages", "mandate_from"] {
            let mut body = focal_point("A. Missing", "internal");
            body.as_object_mut().expect("an object").remove(missing);
            let e =
                expect_error(s.post(path, &token, &body).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
                    .await;
            assert_eq!(field(&e, missing), "is required", "{e}");
        }
        let mut body = focal_point("A. Mistyped", "internal");
        body["mandates"] = json!("central_authority");
        let e = expect_error(s.post(path, &token, &body).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
            .await;
        field(&e, "mandates");

        // Values outside the vocabulary, and every problem at once.
        let mut body = focal_point("A. Unknown", "internal");
        body["mandates"] = json!(["central_authority", "astrology"]);
        let e = expect_error(s.post(path, &token, &body).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
            .await;
        assert!(field(&e, "mandates").contains("central_authority"), "the allowed values are listed: {e}");
        let body = json!({
            "name": "  ", "mandates": [], "languages": ["english"], "mandate_from": "2025-02-30",
            "mandate_to": "2024-01-01", "email": "nobody", "classification": "sealed",
        });
        let e = expect_error(s.post(path, &token, &body).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
            .await;
        for f in ["name", "mandates", "languages", "mandate_from", "email", "classification"] {
            field(&e, f);
        }
        let e = expect_error(
            s.post("/api/v1/partners/ARG/communication-profiles", &token, &json!({"channel": "pigeon", "receiving_authority": "X", "languages": ["es"], "notified_on": "yesterday"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        field(&e, "channel");
        field(&e, "notified_on");

        // Query strings: a malformed number is a bad query, a wrong value a failed validation.
        let e = expect_error(
            s.get("/api/v1/partners?per_page=abc", &token).await,
            StatusCode::BAD_REQUEST,
            "invalid_query",
        )
        .await;
        field(&e, "per_page");
        let e = expect_error(
            s.get("/api/v1/partners?party_on=2017-13-01", &token).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        field(&e, "party_on");
        let e = expect_error(
            s.get("/api/v1/partners?per_page=501", &token).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        field(&e, "per_page");
        let e = expect_error(
            s.get("/api/v1/partners?kind=planet&sort=size", &token).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        field(&e, "kind");
        field(&e, "sort");
        let e =
            expect_error(s.get("/api/v1/partners?format=xml", &token).await, StatusCode::BAD_REQUEST, "invalid_query")
                .await;
        field(&e, "format");
        let e = expect_error(
            s.get("/api/v1/statistics/partners?on=soon", &token).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        field(&e, "on");

        // Bodies beyond a megabyte are refused before they are parsed.
        let mut huge = focal_point("A. Huge", "internal");
        huge["authority"] = json!("x".repeat(1024 * 1024 + 1));
        expect_error(s.post(path, &token, &huge).await, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;

        // Unknown endpoints and methods answer in the same envelope.
        expect_error(s.get("/api/v1/nothing-here", &token).await, StatusCode::NOT_FOUND, "not_found").await;
        let res = s.http.delete(s.url("/api/v1/partners/ARG")).bearer_auth(&token).send().await.expect("DELETE");
        expect_error(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;

        // None of it reached the database.
        let (_, after) = json(s.get("/api/v1/partners/ARG/focal-points", &token).await).await;
        assert_eq!(after, before);
        assert_eq!(s.audit_head().await, head, "refused input writes nothing, not even to the audit trail");
        let (_, profiles) = json(s.get("/api/v1/partners/ARG/communication-profiles", &token).await).await;
        assert_eq!(profiles, json!([]));
    });
}
