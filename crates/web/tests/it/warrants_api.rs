//! Warrants, alerts and findings over HTTP: the wrong user gets 404, the anonymous public
//! figure carries nothing sealed whatever its date, and bad input names the field.

use comity_testkit::on_every_engine;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{expect_error, json, TestServer};

fn sealed_warrant() -> Value {
    json!({
        "reference": "ICC-01/26-01/26-7-US",
        "person": { "name": "Joseph Kony", "aliases": ["J. Kony"], "nationality": "UGA" },
        "situation": "Situation in Uganda",
        "case_name": "The Prosecutor v. Joseph Kony",
        "chamber": "Pre-Trial Chamber II",
        "issued_on": "2026-01-10",
        "crimes": "War crimes",
        "facts": "Attacks on camps.",
        "under_seal": true,
        "named_units": ["Office of the Prosecutor"]
    })
}

#[tokio::test]
async fn sealed_warrants_reach_only_their_units_and_never_the_public_figure() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let reg = s.user_token("reg", "Registry", "officer,approver").await;
        let otp = s.user_token("otp", "Office of the Prosecutor", "officer").await;
        let chambers = s.user_token("chambers", "Chambers", "officer").await;
        let arg = s.user_token("fp.arg", "state:ARG", "officer").await;
        let (status, w) = json(s.post("/api/v1/warrants", &reg, &sealed_warrant()).await).await;
        assert_eq!(status, StatusCode::CREATED, "{w}");
        let id = w["id"].as_str().expect("id").to_owned();
        let person = w["person"]["id"].as_str().expect("person").to_owned();
        assert_eq!(json(s.get(&format!("/api/v1/warrants/{id}"), &otp).await).await.0, StatusCode::OK);
        let (_, page) = json(s.get("/api/v1/warrants?per_page=1&page=1", &otp).await).await;
        assert_eq!(
            (page["total"].as_i64(), page["items"][0]["reference"].as_str()),
            (Some(1), Some("ICC-01/26-01/26-7-US"))
        );
        let res = s.get("/api/v1/warrants?format=csv", &otp).await;
        assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
        let csv = res.text().await.expect("csv");
        assert!(csv.starts_with("reference,kind,person,") && csv.contains("Joseph Kony"), "{csv}");
        expect_error(s.get("/api/v1/warrants?format=xml", &otp).await, StatusCode::BAD_REQUEST, "invalid_query").await;
        for token in [&chambers, &arg] {
            expect_error(s.get(&format!("/api/v1/warrants/{id}"), token).await, StatusCode::NOT_FOUND, "not_found")
                .await;
            expect_error(s.get(&format!("/api/v1/persons/{person}"), token).await, StatusCode::NOT_FOUND, "not_found")
                .await;
            let (_, list) = json(s.get("/api/v1/warrants", token).await).await;
            assert_eq!((&list["items"], &list["total"]), (&json!([]), &json!(0)));
            let csv = s.get("/api/v1/warrants?format=csv", token).await.text().await.expect("csv");
            assert_eq!(csv.lines().count(), 1, "only the header: {csv}");
            let status = json!({ "status": "arrested", "version": 1 });
            expect_error(
                s.post(&format!("/api/v1/warrants/{id}/status"), token, &status).await,
                StatusCode::NOT_FOUND,
                "not_found",
            )
            .await;
        }
        let (_, figure) = json(s.get("/api/v1/statistics/warrants?on=2026-02-01", &chambers).await).await;
        assert_eq!((figure["at_large"].as_u64(), figure["not_named"].as_u64()), (Some(1), Some(1)), "{figure}");
        assert_eq!(figure["named"], json!([]));
        let (_, figure) = json(s.get("/api/v1/statistics/warrants?on=2026-02-01", &arg).await).await;
        assert_eq!(figure["at_large"], 0, "{figure}");

        // Anonymous: no token at all, on any day, never a trace of the sealed warrant.
        for on in ["", "?on=2026-01-09", "?on=2026-01-10", "?on=2026-02-01", "?on=2030-01-01"] {
            let res = s.http.get(s.url(&format!("/api/v1/public/warrants{on}"))).send().await.expect("GET");
            assert_eq!(res.status(), StatusCode::OK);
            let text = res.text().await.expect("body");
            assert!(!text.contains("Kony") && !text.contains("ICC-01/26-01/26-7"), "{text}");
            let body: Value = serde_json::from_str(&text).expect("json");
            assert_eq!(
                (body["statistics"]["at_large"].as_u64(), body["statistics"]["not_named"].as_u64()),
                (Some(0), Some(0))
            );
        }
        let res = s.http.get(s.url("/api/v1/public/warrants?on=yesterday")).send().await.expect("GET");
        let body = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["error"]["fields"]["on"], "must be a date written YYYY-MM-DD");

        // Unsealed, it is public, and the public page says so.
        let unseal = json!({ "effective_on": "2026-02-20", "version": w["version"] });
        let (status, body) = json(s.post(&format!("/api/v1/warrants/{id}/unseal"), &reg, &unseal).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let res = s.http.get(s.url("/api/v1/public/warrants?on=2026-02-01")).send().await.expect("GET");
        let body: Value = res.json().await.expect("json");
        insta::assert_json_snapshot!("public_warrants_after_unsealing", body, {
            ".statistics.named[].person_id" => "[id]",
            ".statistics.named[].warrant_id" => "[id]",
            ".warrants[].id" => "[id]",
            ".warrants[].person_id" => "[id]",
        });
    });
}

#[tokio::test]
async fn alerts_and_findings_refuse_bad_input_with_the_field_named() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let otp = s.user_token("otp", "Office of the Prosecutor", "officer").await;
        let chambers = s.user_token("chambers", "Chambers", "officer").await;
        let arg = s.user_token("fp.arg", "state:ARG", "officer").await;
        let past = json!({ "reported_name": "X Y", "destinations": ["ZAF"], "expected_from": "2026-01-01" });
        let body = expect_error(
            s.post("/api/v1/alerts", &otp, &past).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(body["error"]["fields"]["expected_from"].as_str().is_some_and(|m| m.contains("in the past")), "{body}");
        let unknown = json!({ "person_id": "nobody", "destinations": ["ZAF"] });
        let body = expect_error(
            s.post("/api/v1/alerts", &otp, &unknown).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["error"]["fields"]["person_id"], "no such person 'nobody'");
        let res = s
            .http
            .post(s.url("/api/v1/alerts/messages"))
            .bearer_auth(&otp)
            .header("content-type", "message/rfc822")
            .body(vec![0u8, 159, 146, 150])
            .send()
            .await
            .expect("POST");
        let body = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(body["error"]["fields"]["message"].is_string(), "{body}");
        let wrong = json!({ "reported_name": 5 });
        expect_error(
            s.post("/api/v1/alerts", &otp, &wrong).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        expect_error(s.post("/api/v1/alerts", &arg, &past).await, StatusCode::FORBIDDEN, "forbidden").await;

        // A draft reported by the OTP is not the Chambers' business.
        let good = json!({ "reported_name": "Joseph Kony", "destinations": ["ZAF"], "expected_from": "2026-04-01" });
        let (status, alert) = json(s.post("/api/v1/alerts", &otp, &good).await).await;
        assert_eq!(status, StatusCode::CREATED, "{alert}");
        let aid = alert["id"].as_str().expect("id");
        expect_error(s.get(&format!("/api/v1/alerts/{aid}"), &chambers).await, StatusCode::NOT_FOUND, "not_found")
            .await;
        expect_error(s.get(&format!("/api/v1/alerts/{aid}"), &arg).await, StatusCode::NOT_FOUND, "not_found").await;
        let confirm = json!({ "action": "confirm", "version": alert["version"] });
        let body = expect_error(
            s.post(&format!("/api/v1/alerts/{aid}/transitions"), &otp, &confirm).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["error"]["fields"]["person_id"], "choose the person before confirming");
        let drafts = s.get(&format!("/api/v1/alerts/{aid}/drafts"), &otp).await;
        expect_error(drafts, StatusCode::CONFLICT, "conflict").await;

        let finding = json!({ "partner_id": "Narnia", "decided_on": "2030-01-01", "chamber": "", "decision_reference": "x", "reply_days": 0 });
        let body = expect_error(
            s.post("/api/v1/findings", &chambers, &finding).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        let fields = &body["error"]["fields"];
        assert_eq!(fields["partner_id"], "unknown partner 'Narnia'");
        assert_eq!(fields["decided_on"], "cannot be later than today");
        assert_eq!(fields["chamber"], "is required");
        assert_eq!(fields["reply_days"], "must be between 1 and 180 days");
        expect_error(s.post("/api/v1/findings", &arg, &finding).await, StatusCode::FORBIDDEN, "forbidden").await;
    });
}
