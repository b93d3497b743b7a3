//! Receipts over HTTP: both sides download the same signed files, they verify against the
//! published key ring, and nobody else gets them.

use comity_domain::receipt;
use comity_testkit::on_every_engine;
use reqwest::StatusCode;
use serde_json::json;

use crate::{complete_request, expect_error, json, Part, TestServer};

#[tokio::test]
async fn receipts_are_downloaded_by_both_sides_and_verify_against_the_published_ring() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let registry = s.user_token("reg.officer", "Registry", "officer,approver").await;
        let arg = s.user_token("fp.arg", "state:ARG", "officer").await;
        let fra = s.user_token("fp.fra", "state:FRA", "officer").await;
        let (status, draft) =
            json(s.post("/api/v1/requests", &registry, &complete_request("chamber", "ARG", "Bank records")).await)
                .await;
        assert_eq!(status, StatusCode::CREATED, "{draft}");
        let id = draft["id"].as_str().expect("id").to_owned();
        let receipts = format!("/api/v1/requests/{id}/receipts");
        for action in ["approve", "transmit"] {
            let (status, body) = json(
                s.post(&format!("/api/v1/requests/{id}/transitions"), &registry, &json!({ "action": action })).await,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{action}: {body}");
        }
        let ack = json!({ "action": "acknowledge", "national_reference": "AR-2026-9" });
        let (status, body) = json(s.post(&format!("/api/v1/requests/{id}/transitions"), &arg, &ack).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let upload = [
            Part::text("kind", "material_received"),
            Part::file("records.pdf", "application/pdf", b"%PDF-1.4 records"),
        ];
        assert_eq!(
            s.post_multipart(&format!("/api/v1/requests/{id}/documents"), &arg, &upload).await.status(),
            StatusCode::CREATED
        );

        let (status, list) = json(s.get(&receipts, &arg).await).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let events: Vec<&str> =
            list.as_array().expect("list").iter().map(|r| r["event"].as_str().expect("event")).collect();
        assert_eq!(events, ["transmit", "acknowledge", "document_added"]);
        assert_eq!(json(s.get(&receipts, &registry).await).await.1, list, "the Court sees the same receipts");

        // The key ring is public: no token needed.
        let ring = s.http.get(s.url("/api/v1/receipts/keys.txt")).send().await.expect("GET keys.txt");
        assert_eq!(ring.status(), StatusCode::OK);
        let keys = receipt::parse_public_keys(&ring.text().await.expect("text")).expect("a key ring");
        let listed_keys: serde_json::Value =
            s.http.get(s.url("/api/v1/receipts/keys")).send().await.expect("GET").json().await.expect("json");
        assert_eq!(listed_keys[0]["current"], true);

        let res = s.get(&format!("{receipts}/2"), &arg).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "application/json");
        let disposition = res.headers()["content-disposition"].to_str().expect("ascii").to_owned();
        assert!(disposition.contains("receipt-RFC-2026-00001-2.json"), "{disposition}");
        let file = res.bytes().await.expect("body");
        let signed = receipt::verify(&file, &keys).expect("the downloaded file verifies");
        assert_eq!(signed.receipt.detail["national_reference"], "AR-2026-9");
        assert_eq!(signed.receipt.previous.as_deref(), list[0]["sha256"].as_str());
        let mut altered = file.to_vec();
        let at = altered.len() / 2;
        altered[at] ^= 0x01;
        assert!(receipt::verify(&altered, &keys).is_err(), "one byte changed fails");

        let pdf = s.get(&format!("{receipts}/3/pdf"), &registry).await;
        assert_eq!(
            (pdf.status(), pdf.headers()["content-type"].to_str().expect("type")),
            (StatusCode::OK, "application/pdf")
        );
        assert!(pdf.bytes().await.expect("pdf").starts_with(b"%PDF-"));

        // Another State, a guessed number, a number that is not one, no token: nothing.
        for path in [receipts.clone(), format!("{receipts}/1"), format!("{receipts}/1/pdf")] {
            expect_error(s.get(&path, &fra).await, StatusCode::NOT_FOUND, "not_found").await;
        }
        expect_error(s.get(&format!("{receipts}/99"), &arg).await, StatusCode::NOT_FOUND, "not_found").await;
        expect_error(s.get(&format!("{receipts}/first"), &arg).await, StatusCode::NOT_FOUND, "not_found").await;
        let anonymous = s.http.get(s.url(&receipts)).send().await.expect("GET");
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    });
}
