//! Communication profiles are effective-dated: the agreed date, or 45 days after notice
//! (rule 180); exactly one is in force on any day.

use chrono::Duration;
use comity_testkit::on_every_engine;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{json, TestServer};

fn profile(channel: &str, notified_on: &str, agreed: Option<&str>) -> Value {
    json!({
        "channel": channel,
        "receiving_authority": "Ministry of Foreign Affairs",
        "languages": ["es"],
        "interpol_for_urgent": true,
        "notified_on": notified_on,
        "agreed_effective_on": agreed,
    })
}

fn in_force(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .filter(|p| p["in_force"] == true)
        .map(|p| p["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn a_profile_takes_effect_on_the_agreed_date_or_45_days_after_notice() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        s.user("reg.officer", "Registry", "officer").await;
        let token = s.token("reg.officer").await;
        let path = "/api/v1/partners/ARG/communication-profiles";

        let (status, notice) = json(s.post(path, &token, &profile("diplomatic", "2024-01-01", None)).await).await;
        assert_eq!(status, StatusCode::CREATED, "{notice}");
        assert_eq!(notice["effective_from"], "2024-02-15");
        assert_eq!(notice["agreed_effective_on"], Value::Null);
        assert_eq!(notice["in_force"], true);
        assert_eq!(notice["classification"], "internal");

        let (status, agreed) =
            json(s.post(path, &token, &profile("ministry", "2023-06-01", Some("2023-07-01"))).await).await;
        assert_eq!(status, StatusCode::CREATED, "{agreed}");
        assert_eq!(agreed["effective_from"], "2023-07-01");
        assert_eq!(agreed["in_force"], false, "an older profile is history");

        // Notified on 20 February 2026 (the server's clock stands at 2 March 2026).
        let (_, coming) = json(s.post(path, &token, &profile("central_authority", "2026-02-20", None)).await).await;
        assert_eq!(coming["effective_from"], "2026-04-06");
        assert_eq!(coming["in_force"], false, "a notified change waits for its date");

        let (status, list) = json(s.get(path, &token).await).await;
        assert_eq!(status, StatusCode::OK);
        let order: Vec<&str> =
            list.as_array().expect("list").iter().map(|p| p["effective_from"].as_str().expect("date")).collect();
        assert_eq!(order, ["2026-04-06", "2024-02-15", "2023-07-01"], "latest effective first");
        assert_eq!(in_force(&list), [notice["id"].as_str().expect("id")]);
        let (_, arg) = json(s.get("/api/v1/partners/ARG", &token).await).await;
        assert_eq!(arg["current_profile"]["id"], notice["id"]);

        // The day before, nothing changes; on the effective date, the new profile takes over.
        s.clock.advance(Duration::days(34));
        let (_, list) = json(s.get(path, &token).await).await;
        assert_eq!(in_force(&list), [notice["id"].as_str().expect("id")]);
        s.clock.advance(Duration::days(1));
        let (_, list) = json(s.get(path, &token).await).await;
        assert_eq!(in_force(&list), [coming["id"].as_str().expect("id")]);
        let (_, arg) = json(s.get("/api/v1/partners/ARG", &token).await).await;
        assert_eq!(arg["current_profile"]["channel"], "central_authority");

        // Other States' profiles are separate.
        let (_, fra) = json(s.get("/api/v1/partners/FRA/communication-profiles", &token).await).await;
        assert_eq!(fra, json!([]));
    });
}
