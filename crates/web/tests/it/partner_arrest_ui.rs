//! A State's page for the Court's officers: what its law allows for arrest and surrender, kept
//! by the Registry, and the démarches made with it; neither is shown to the State itself.

use comity_testkit::on_every_engine;
use reqwest::StatusCode;

use crate::{
    ui::{enrol_second_factor, hidden_csrf, location, Browser},
    TestServer,
};

async fn signed_in(s: &TestServer, name: &str, unit: &str, roles: &str) -> Browser {
    let password = s.user(name, unit, roles).await;
    let b = Browser::new(s);
    let res = b.login(name, &password).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{name} signs in");
    if location(&res) == "/account/second-factor" {
        enrol_second_factor(&b, s).await;
    }
    b
}

#[tokio::test]
async fn the_registry_records_a_states_law_and_logs_a_demarche_on_its_page() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let reg = signed_in(&s, "reg", "Registry", "officer").await;
        let page = reg.get("/partners/ZAF").await.text().await.expect("page");
        assert!(page.contains("id=\"arrest\"") && page.contains("Not known"), "the law is unknown at first");
        let csrf = hidden_csrf(&page);
        let form = [("csrf", csrf.as_str()), ("surrender_law", "partial"), ("arrest_notes", "Implementation Act 2002")];
        let res = reg.post("/partners/ZAF/arrest-law", &form).await;
        assert_eq!((res.status(), location(&res).as_str()), (StatusCode::SEE_OTHER, "/partners/ZAF#arrest"));
        let bad = [("csrf", csrf.as_str()), ("surrender_law", "perhaps"), ("arrest_notes", "")];
        assert_eq!(reg.post("/partners/ZAF/arrest-law", &bad).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let demarche = [
            ("csrf", csrf.as_str()),
            ("dm-kind", "meeting"),
            ("dm-partner_id", ""),
            ("dm-summary", "Met the Ministry of Justice about pending requests"),
            ("dm-outcome", "Answers promised within a month"),
        ];
        let res = reg.post("/partners/ZAF/demarches", &demarche).await;
        assert_eq!((res.status(), location(&res).as_str()), (StatusCode::SEE_OTHER, "/partners/ZAF#demarches"));
        let page = reg.get("/partners/ZAF").await.text().await.expect("page");
        let section = page.split("id=\"arrest\"").nth(1).unwrap_or_default();
        assert!(
            page.contains("Partial legislation") && page.contains("Implementation Act 2002"),
            "{}",
            &section[..section.len().min(1500)]
        );
        assert!(page.contains("Met the Ministry of Justice about pending requests"));

        // The State's focal point sees its page without the Court's notes on it.
        let fp = signed_in(&s, "fp.zaf", "state:ZAF", "officer").await;
        let page = fp.get("/partners/ZAF").await.text().await.expect("page");
        assert!(!page.contains("id=\"arrest\"") && !page.contains("Met the Ministry"), "nothing of the Court's notes");
        let csrf = hidden_csrf(&page);
        let form = [("csrf", csrf.as_str()), ("surrender_law", "implemented"), ("arrest_notes", "")];
        assert_eq!(fp.post("/partners/ZAF/arrest-law", &form).await.status(), StatusCode::FORBIDDEN);
    });
}
