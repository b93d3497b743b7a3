//! Bad input to the requests API is refused with a stable code naming the field or the
//! moves still open, and loses nothing: the request, its history and its documents stay as
//! they were.

use comity_testkit::on_every_engine;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{complete_request, expect_error, json, Part, TestServer};

fn field<'a>(body: &'a Value, name: &str) -> &'a str {
    body["error"]["fields"][name].as_str().unwrap_or_else(|| panic!("the error names '{name}': {body}"))
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// Everything a client can read about a request.
async fn state(s: &TestServer, token: &str, id: &str) -> Value {
    let path = format!("/api/v1/requests/{id}");
    let (status, view) = json(s.get(&path, token).await).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let (_, events) = json(s.get(&format!("{path}/events"), token).await).await;
    let (_, documents) = json(s.get(&format!("{path}/documents"), token).await).await;
    json!({"view": view, "events": events, "documents": documents})
}

async fn post_raw(s: &TestServer, method: reqwest::Method, path: &str, token: &str, body: &str) -> reqwest::Response {
    s.http
        .request(method, s.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("send")
}

#[tokio::test]
async fn bad_input_to_requests_is_refused_and_loses_nothing() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let registry = s.user_token("reg.officer", "Registry", "officer").await;
        let approver = s.user_token("reg.approver", "Registry", "approver").await;

        // A draft with an annex, and a request already withdrawn.
        let (status, created) = json(
            s.post("/api/v1/requests", &registry, &complete_request("registry", "ARG", "Freezing of accounts")).await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_str().expect("id").to_owned();
        let path = format!("/api/v1/requests/{id}");
        let res = s
            .post_multipart(&format!("{path}/documents"), &registry, &[Part::file("annex.pdf", "application/pdf", PDF)])
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let (_, gone) = json(
            s.post("/api/v1/requests", &registry, &complete_request("registry", "FRA", "Withdrawn request")).await,
        )
        .await;
        let gone_path = format!("/api/v1/requests/{}", gone["id"].as_str().expect("id"));
        let e = expect_error(
            s.post(&format!("{gone_path}/transitions"), &registry, &json!({"action": "withdraw"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(field(&e, "reason"), "is required for this move");
        let withdraw = json!({"action": "withdraw", "reason": "The warrant was withdrawn"});
        let (status, withdrawn) = json(s.post(&format!("{gone_path}/transitions"), &registry, &withdraw).await).await;
        assert_eq!((status, &withdrawn["status"]), (StatusCode::OK, &json!("withdrawn")));

        let before = state(&s, &registry, &id).await;
        let gone_before = json(s.get(&gone_path, &registry).await).await.1;
        let (_, list_before) = json(s.get("/api/v1/requests", &registry).await).await;
        let head = s.audit_head().await;

        // Creating: an unknown partner, a past or malformed deadline, a missing field.
        let mut body = complete_request("registry", "XXX", "Nowhere");
        let e = expect_error(
            s.post("/api/v1/requests", &registry, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(field(&e, "partner_id").contains("XXX"), "{e}");
        body["partner_id"] = json!("ARG");
        for (deadline, problem) in [("2026-03-01", "must be today or later"), ("31/12/2026", "YYYY-MM-DD")] {
            body["deadline"] = json!(deadline);
            let e = expect_error(
                s.post("/api/v1/requests", &registry, &body).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
            assert!(field(&e, "deadline").contains(problem), "{deadline}: {e}");
        }
        let mut body = complete_request("registry", "ARG", "Typed wrong");
        body.as_object_mut().expect("an object").remove("on_behalf_of");
        let e = expect_error(
            s.post("/api/v1/requests", &registry, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(field(&e, "on_behalf_of"), "is required");
        let mut body = complete_request("registry", "ARG", "Typed wrong");
        body["lines"][0]["line_type"] = json!("teleportation");
        let e = expect_error(
            s.post("/api/v1/requests", &registry, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(field(&e, "lines[0].line_type").contains("provisional_arrest"), "the allowed types are listed: {e}");

        // Broken JSON, on every JSON endpoint.
        let broken = r#"{"on_behalf_of": "registry", "lines": ["#;
        for (method, p) in [
            (reqwest::Method::POST, "/api/v1/requests".to_owned()),
            (reqwest::Method::PATCH, path.clone()),
            (reqwest::Method::POST, format!("{path}/transitions")),
        ] {
            expect_error(post_raw(&s, method, &p, &registry, broken).await, StatusCode::BAD_REQUEST, "invalid_json")
                .await;
        }

        // Editing: the version is required, and must be the current one.
        let e = expect_error(
            s.patch(&path, &registry, &json!({"title": "No version"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        field(&e, "version");
        let e = expect_error(
            s.patch(&path, &registry, &json!({"version": 0, "title": "Stale"})).await,
            StatusCode::CONFLICT,
            "stale_version",
        )
        .await;
        assert!(e["error"]["message"].as_str().expect("message").contains("current version 1"), "{e}");
        let e = expect_error(
            s.patch(&path, &registry, &json!({"version": 1, "deadline": "2020-01-01", "urgency": "whenever"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        field(&e, "deadline");
        field(&e, "urgency");

        // Moves: unknown, not open from here, from a closed request, dated in the future.
        let transitions = format!("{path}/transitions");
        let e = expect_error(
            s.post(&transitions, &approver, &json!({"action": "teleport"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(field(&e, "action").contains("approve"), "the moves are listed: {e}");
        let e = expect_error(
            s.post(&transitions, &registry, &json!({"action": "acknowledge"})).await,
            StatusCode::CONFLICT,
            "invalid_transition",
        )
        .await;
        let allowed = e["error"]["allowed"].as_array().expect("allowed moves");
        for m in ["approve", "start_pre_consultation", "withdraw"] {
            assert!(allowed.contains(&json!(m)), "{m} is open from draft: {e}");
        }
        for action in ["approve", "transmit", "withdraw", "acknowledge"] {
            let e = expect_error(
                s.post(&format!("{gone_path}/transitions"), &registry, &json!({"action": action, "reason": "again"}))
                    .await,
                StatusCode::CONFLICT,
                "invalid_transition",
            )
            .await;
            assert_eq!(e["error"]["allowed"], json!([]), "nothing leads out of withdrawn: {e}");
            assert!(e["error"]["message"].as_str().expect("message").contains("withdrawn"), "{e}");
        }
        for effective_on in ["2026-03-03", "yesterday"] {
            let e = expect_error(
                s.post(&transitions, &approver, &json!({"action": "approve", "effective_on": effective_on})).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
            field(&e, "effective_on");
        }
        let e = expect_error(
            s.post(&transitions, &approver, &json!({"action": "approve", "version": 7})).await,
            StatusCode::CONFLICT,
            "stale_version",
        )
        .await;
        assert!(e["error"]["message"].as_str().expect("message").contains('1'), "{e}");

        // Uploads: too large (the file, or the whole body) is 413; no file or a refused type is 422.
        let max = s.app.max_upload_bytes();
        let documents = format!("{path}/documents");
        for size in [max + 1, max + 1024 * 1024] {
            let mut big = PDF.to_vec();
            big.resize(size, b' ');
            let res = s.post_multipart(&documents, &registry, &[Part::file("big.pdf", "application/pdf", &big)]).await;
            let e = expect_error(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
            assert!(e["error"]["message"].as_str().expect("message").contains("MiB"), "{e}");
        }
        let res = s.post_multipart(&documents, &registry, &[Part::text("description", "no file")]).await;
        let e = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(field(&e, "file"), "is required");
        let res = s
            .post_multipart(&documents, &registry, &[Part::file("tool.exe", "application/pdf", b"MZ\x90\0\x03\0\0\0")])
            .await;
        let e = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(field(&e, "file").contains("not accepted"), "{e}");
        let res = s
            .post_multipart(
                &documents,
                &registry,
                &[
                    Part::file("a.pdf", "application/pdf", PDF),
                    Part::text("kind", "evidence"),
                    Part::text("language", "xx-long"),
                ],
            )
            .await;
        let e = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        field(&e, "kind");
        field(&e, "language");
        let res = s
            .post_multipart(
                &documents,
                &registry,
                &[Part::file("a.pdf", "application/pdf", PDF), Part::text("owner", "me")],
            )
            .await;
        let e = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        field(&e, "owner");
        let res = s.post(&documents, &registry, &json!({"file": "not a form"})).await;
        let e = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(field(&e, "file").contains("multipart/form-data"), "{e}");

        // Lists: bad filters, sorts, pages and formats are named.
        for (query, status, code, name) in [
            ("sort=priority", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "sort"),
            ("order=sideways", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "order"),
            ("per_page=0", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "per_page"),
            ("status=lost", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "status"),
            ("partner=XXX", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "partner"),
            ("from=2026-13-01", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "from"),
            ("page=first", StatusCode::BAD_REQUEST, "invalid_query", "page"),
            ("overdue=maybe", StatusCode::BAD_REQUEST, "invalid_query", "overdue"),
            ("format=xml", StatusCode::BAD_REQUEST, "invalid_query", "format"),
        ] {
            let e = expect_error(s.get(&format!("/api/v1/requests?{query}"), &registry).await, status, code).await;
            field(&e, name);
        }
        let e = expect_error(
            s.get("/api/v1/statistics/requests?to=2026-12-31", &registry).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        field(&e, "from");

        // None of it wrote anything or changed anything.
        assert_eq!(s.audit_head().await, head, "refusals write nothing");
        assert_eq!(state(&s, &registry, &id).await, before);
        assert_eq!(json(s.get(&gone_path, &registry).await).await.1, gone_before);
        assert_eq!(json(s.get("/api/v1/requests", &registry).await).await.1, list_before);

        // An empty draft cannot be approved: every missing point is named, and it stays a draft.
        let bare = json!({"on_behalf_of": "registry", "partner_id": "ARG", "title": "Bare draft"});
        let (status, bare) = json(s.post("/api/v1/requests", &registry, &bare).await).await;
        assert_eq!(status, StatusCode::CREATED, "{bare}");
        let bare_id = bare["id"].as_str().expect("id").to_owned();
        let bare_before = state(&s, &registry, &bare_id).await;
        let e = expect_error(
            s.post(&format!("/api/v1/requests/{bare_id}/transitions"), &approver, &json!({"action": "approve"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        for name in ["purpose", "facts", "lines", "deadline", "decision_reference"] {
            field(&e, name);
        }
        assert!(field(&e, "facts").contains("art. 96(2)(c)"), "{e}");
        assert_eq!(state(&s, &registry, &bare_id).await, bare_before);
    });
}
