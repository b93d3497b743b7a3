//! Profile self-service in a browser's shoes and over the API: the State's focal point
//! proposes from its page, the Registry approves from the same page, nobody else sees it.

use comity_testkit::on_every_engine;
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    expect_error, json,
    ui::{enrol_second_factor, hidden_csrf, location, Browser},
    TestServer,
};

async fn signed_in(s: &TestServer, name: &str, unit: &str, roles: &str) -> Browser {
    let password = s.user(name, unit, roles).await;
    let b = Browser::new(s);
    let res = b.login(name, &password).await;
    if location(&res) == "/account/second-factor" {
        enrol_second_factor(&b, s).await;
    }
    b
}

#[tokio::test]
async fn a_focal_point_proposes_from_the_state_page_and_the_registry_approves_there() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let fp = signed_in(&s, "fp.arg", "state:ARG", "officer").await;
        let page = fp.get("/partners/ARG").await.text().await.expect("the State's page");
        assert!(page.contains(r#"action="/partners/ARG/proposals""#), "the proposal form");
        let form = [
            ("csrf", hidden_csrf(&page)),
            ("channel", "central_authority".to_owned()),
            ("receiving_authority", "Ministerio de Justicia".to_owned()),
            ("languages", "es, en".to_owned()),
            ("notes", "New central authority since the 2026 reform".to_owned()),
        ];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = fp.post("/partners/ARG/proposals", &form).await;
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, "/partners/ARG#proposals".to_owned()));
        let page = fp.get("/partners/ARG").await.text().await.expect("page");
        assert!(page.contains("Ministerio de Justicia") && page.contains("Waiting for the Registry"));
        assert!(!page.contains("/decision\""), "a State does not decide its own proposal");

        let other = signed_in(&s, "fp.fra", "state:FRA", "officer").await;
        let page = other.get("/partners/ARG").await.text().await.expect("another State's view of the page");
        assert!(!page.contains("Ministerio de Justicia") && !page.contains(r#"id="proposals""#), "nothing of it");

        let reg = signed_in(&s, "reg.officer", "Registry", "officer").await;
        let page = reg.get("/partners/ARG").await.text().await.expect("the Registry's view");
        let at = page.find("/proposals/").expect("a decision form");
        let action: String = page[at - "/partners/ARG".len()..].chars().take_while(|c| *c != '"').collect();
        let csrf = hidden_csrf(&page);
        let refused = reg.post(&action, &[("csrf", csrf.as_str()), ("decision", "reject"), ("note", "")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "a rejection needs a reason");
        let res = reg.post(&action, &[("csrf", csrf.as_str()), ("decision", "approve"), ("note", "")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let page = fp.get("/partners/ARG").await.text().await.expect("page");
        assert!(page.contains("Approved"), "the State sees the decision");
    });
}

#[tokio::test]
async fn proposals_over_the_api_are_the_states_and_the_registrys_only() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let arg = s.user_token("fp.arg", "state:ARG", "officer").await;
        let fra = s.user_token("fp.fra", "state:FRA", "officer").await;
        let registry = s.user_token("reg.officer", "Registry", "officer").await;
        let body = json!({ "channel": "diplomatic", "receiving_authority": "Cancillería", "languages": ["es"] });
        let (status, proposed) = json(s.post("/api/v1/partners/ARG/profile-proposals", &arg, &body).await).await;
        assert_eq!(status, StatusCode::CREATED, "{proposed}");
        let bad = json!({ "channel": "diplomatic", "receiving_authority": "", "languages": [] });
        let e = expect_error(
            s.post("/api/v1/partners/ARG/profile-proposals", &arg, &bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(
            e["error"]["fields"]["languages"].is_string() && e["error"]["fields"]["receiving_authority"].is_string(),
            "{e}"
        );
        expect_error(s.get("/api/v1/partners/ARG/profile-proposals", &fra).await, StatusCode::NOT_FOUND, "not_found")
            .await;
        expect_error(
            s.post("/api/v1/partners/ARG/profile-proposals", &fra, &body).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        let decision =
            format!("/api/v1/partners/ARG/profile-proposals/{}/decision", proposed["id"].as_str().expect("id"));
        expect_error(s.post(&decision, &arg, &json!({ "approve": true })).await, StatusCode::FORBIDDEN, "forbidden")
            .await;
        let (status, decided) = json(
            s.post(&decision, &registry, &json!({ "approve": false, "note": "Please use the central authority" }))
                .await,
        )
        .await;
        assert_eq!((status, decided["status"].as_str()), (StatusCode::OK, Some("rejected")));
        expect_error(s.post(&decision, &registry, &json!({ "approve": true })).await, StatusCode::CONFLICT, "conflict")
            .await;
        let (_, listed) = json(s.get("/api/v1/partners/ARG/profile-proposals", &arg).await).await;
        assert_eq!(listed[0]["decision_note"], "Please use the central authority");
    });
}
