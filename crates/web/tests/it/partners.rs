//! The directory's treaty status on a date, computed from the shipped reference data.

use comity_testkit::on_every_engine;
use reqwest::StatusCode;
use serde_json::Value;

use crate::{json, TestServer};

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().expect("items").iter().map(|p| p["id"].as_str().expect("id").to_owned()).collect()
}

#[tokio::test]
async fn states_parties_on_a_date_match_the_courts_figures() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let token = s.token("admin").await;

        // The Report on Cooperation of 2017 counts 124 States Parties.
        let (status, page) =
            json(s.get("/api/v1/partners?kind=state&party_on=2017-09-01&per_page=500", &token).await).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["total"], 124);
        let parties = ids(&page);
        assert_eq!(parties.len(), 124);
        assert!(parties.contains(&"ARG".to_owned()) && parties.contains(&"PSE".to_owned()));
        // Burundi had notified its withdrawal but was still bound; the Philippines still party.
        let burundi = page["items"].as_array().expect("items").iter().find(|p| p["id"] == "BDI").expect("Burundi");
        assert_eq!(burundi["rome_statute"], "withdrawing");
        assert_eq!(burundi["status_on"], "2017-09-01");
        assert!(parties.contains(&"PHL".to_owned()));
        assert!(!parties.contains(&"UKR".to_owned()), "Ukraine was not yet party in 2017");
        for p in page["items"].as_array().expect("items") {
            assert!(p["rome_statute"] == "party" || p["rome_statute"] == "withdrawing", "{p}");
        }

        let (_, rest) =
            json(s.get("/api/v1/partners?kind=state&non_party_on=2017-09-01&per_page=500", &token).await).await;
        assert_eq!(rest["total"], 196 - 124);
        assert!(!ids(&rest).iter().any(|id| parties.contains(id)));

        // Burundi and the Philippines left, Kiribati, Armenia and Ukraine joined, and Hungary's
        // withdrawal took effect on 2 June 2026.
        let (_, later) =
            json(s.get("/api/v1/partners?kind=state&party_on=2026-11-28&per_page=500", &token).await).await;
        assert_eq!(later["total"], 124);
        let later = ids(&later);
        for gone in ["BDI", "PHL", "HUN"] {
            assert!(!later.contains(&gone.to_owned()), "{gone} is no longer party in November 2026");
        }
        for joined in ["KIR", "ARM", "UKR"] {
            assert!(later.contains(&joined.to_owned()), "{joined} is party in November 2026");
        }
        let (_, before_hungary_left) =
            json(s.get("/api/v1/partners?kind=state&party_on=2026-06-01&per_page=500", &token).await).await;
        assert_eq!(before_hungary_left["total"], 125);

        // Paging walks through the same total.
        let (_, first) = json(s.get("/api/v1/partners?kind=state&party_on=2017-09-01&per_page=50", &token).await).await;
        assert_eq!((first["total"].as_i64(), ids(&first).len()), (Some(124), 50));
        let (_, last) =
            json(s.get("/api/v1/partners?kind=state&party_on=2017-09-01&per_page=50&page=3", &token).await).await;
        assert_eq!(ids(&last).len(), 24);

        // Sorting, both ways, and searching by name or code.
        let (_, by_code) = json(s.get("/api/v1/partners?kind=state&sort=iso3&per_page=500", &token).await).await;
        let codes = ids(&by_code);
        assert_eq!((codes.first().map(String::as_str), codes.last().map(String::as_str)), (Some("AFG"), Some("ZWE")));
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted);
        let (_, desc) = json(s.get("/api/v1/partners?kind=state&sort=iso3&order=desc&per_page=1", &token).await).await;
        assert_eq!(ids(&desc), ["ZWE"]);
        let (_, found) = json(s.get("/api/v1/partners?q=argent", &token).await).await;
        assert_eq!(ids(&found), ["ARG"]);
        let (_, found) = json(s.get("/api/v1/partners?q=fra&kind=state", &token).await).await;
        assert!(ids(&found).contains(&"FRA".to_owned()));
        let (_, orgs) = json(s.get("/api/v1/partners?kind=organisation&per_page=500", &token).await).await;
        assert_eq!(orgs["total"], 27);
        let (_, networks) = json(s.get("/api/v1/partners?kind=network&per_page=500", &token).await).await;
        assert_eq!(networks["total"], 13);
        assert!(orgs["items"].as_array().expect("items").iter().all(|p| p["rome_statute"] == "not_party"));

        let (_, stats) = json(s.get("/api/v1/statistics/partners?on=2017-09-01", &token).await).await;
        assert_eq!(stats["states_parties"], 124);
    });
}

#[tokio::test]
async fn a_states_profile_gives_its_treaty_dates() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let token = s.token("admin").await;

        let (status, arg) = json(s.get("/api/v1/partners/ARG", &token).await).await;
        assert_eq!(status, StatusCode::OK, "{arg}");
        assert_eq!(arg["name"], "Argentina");
        assert_eq!(arg["kind"], "state");
        assert_eq!(arg["rome_statute"], "party");
        assert_eq!(arg["apic"], "party");
        assert_eq!(arg["status_on"], "2026-03-02");
        let rs = &arg["rome_statute_dates"];
        assert_eq!(rs["signature"], "1999-01-08");
        assert_eq!(rs["deposit"], "2001-02-08");
        assert_eq!(rs["deposit_kind"], "ratification");
        assert_eq!(rs["entry_into_force"], "2002-07-01");
        assert_eq!(rs["withdrawal_effective"], Value::Null);
        let apic = &arg["apic_dates"];
        assert_eq!(apic["signature"], "2002-10-07");
        assert_eq!(apic["deposit"], "2007-02-01");
        assert_eq!(apic["entry_into_force"], "2007-03-03");

        // Lower-case codes find the same State; unknown ones are 404.
        let (status, lower) = json(s.get("/api/v1/partners/arg", &token).await).await;
        assert_eq!((status, &lower["id"]), (StatusCode::OK, &Value::from("ARG")));
        crate::expect_error(s.get("/api/v1/partners/XXX", &token).await, StatusCode::NOT_FOUND, "not_found").await;
    });
}
