//! Inviting a focal point from the State's page and over the API, then activating the account
//! from the link, in a browser's shoes.

use comity_testkit::on_every_engine;
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    expect_error, json,
    ui::{enrol_second_factor, hidden_csrf, location, Browser},
    TestServer,
};

#[tokio::test]
async fn a_registry_officer_invites_and_the_focal_point_activates_from_the_link() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let password = s.user("reg.officer", "Registry", "officer").await;
        let officer = Browser::new(&s);
        assert_eq!(officer.login("reg.officer", &password).await.status(), StatusCode::SEE_OTHER);
        let page = officer.get("/partners/ARG").await.text().await.expect("the State's page");
        assert!(page.contains(r#"action="/partners/ARG/invitations""#), "the invitation form");
        let form = [
            ("csrf", hidden_csrf(&page)),
            ("name", "ana.perez".to_owned()),
            ("display_name", "Ana Pérez".to_owned()),
            ("email", "ana.perez@cancilleria.example".to_owned()),
            ("role", "officer,unit_admin".to_owned()),
        ];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = officer.post("/partners/ARG/invitations", &form).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let sent = res.text().await.expect("the confirmation");
        // This test server has no e-mail: the officer gets the link to hand over.
        let at = sent.find("/activate/").expect("the link shown to the officer");
        let link: String = sent[at..].chars().take_while(|c| !matches!(c, '<' | '"' | ' ')).collect();

        let visitor = Browser::new(&s);
        let form = visitor.get(&link).await;
        assert_eq!(form.status(), StatusCode::OK);
        let html = form.text().await.expect("the activation page");
        assert!(html.contains("ana.perez") && html.contains("Focal point: Argentina"), "{html}");
        let mismatch =
            visitor.post(&link, &[("password", "a long enough passphrase"), ("confirm", "something else")]).await;
        assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(mismatch.text().await.expect("page").contains("does not match"));
        let done = visitor
            .post(&link, &[("password", "a long enough passphrase"), ("confirm", "a long enough passphrase")])
            .await;
        assert_eq!(done.status(), StatusCode::OK);
        assert!(done.text().await.expect("page").contains("Your account is active"));
        let reused = visitor.get(&link).await;
        assert_eq!(reused.status(), StatusCode::CONFLICT);
        assert!(reused.text().await.expect("page").contains("already been used"));

        // The first sign-in goes to the second factor, then into Comity.
        let ana = Browser::new(&s);
        let res = ana.login("ana.perez", "a long enough passphrase").await;
        assert_eq!(location(&res), "/account/second-factor");
        enrol_second_factor(&ana, &s).await;
        assert_eq!(ana.get("/requests").await.status(), StatusCode::OK);
        // A focal point who is not an administrator of the office sees no invitation form.
        let page = ana.get("/partners/FRA").await.text().await.expect("another State's page");
        assert!(!page.contains("/invitations\""), "no form for another State");
    });
}

#[tokio::test]
async fn the_api_invites_and_names_what_is_wrong() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let registry = s.user_token("reg.officer", "Registry", "officer").await;
        let fra = s.user_token("fp.fra", "state:FRA", "officer").await;
        let body =
            json!({ "name": "k.otieno", "email": "k.otieno@mfa.example", "unit": "state:KEN", "roles": "officer" });
        let (status, sent) = json(s.post("/api/v1/invitations", &registry, &body).await).await;
        assert_eq!(status, StatusCode::CREATED, "{sent}");
        assert_eq!((sent["emailed"].as_bool(), sent["unit"].as_str()), (Some(false), Some("Focal point: Kenya")));
        assert!(sent["activation_path"].as_str().is_some_and(|p| p.starts_with("/activate/")));
        let again = expect_error(
            s.post("/api/v1/invitations", &registry, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(again["error"]["fields"]["name"].as_str().is_some_and(|m| m.contains("already")), "{again}");
        let other = json!({ "name": "x.fra", "email": "x@fra.example", "unit": "state:FRA", "roles": "officer" });
        expect_error(s.post("/api/v1/invitations", &fra, &other).await, StatusCode::FORBIDDEN, "forbidden").await;
    });
}
