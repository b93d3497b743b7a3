//! `POST /api/v1/requests/import`: a register of past requests yields exact figures for a
//! period two years back, and sending it again changes nothing.

use comity_testkit::on_every_engine;
use reqwest::StatusCode;
use serde_json::json;

use crate::{json, TestServer};

/// Requests of 2024 (the test clock stands in March 2026), with their real dates.
const REGISTER: &str = "\
reference,on_behalf_of,kind,parent_reference,partner,title,line_types,drafted_on,transmitted_on,acknowledged_on,executed_on,refused_on,direction
R-24-01,chamber,primary,,ARG,Records,a93_1_i_records_documents,2024-01-02,2024-01-10,2024-01-15,2024-02-09,,
R-24-02,defence,primary,,FRA,Witness,a93_1_b_take_evidence,2024-02-01,2024-02-03,2024-02-13,,,
R-24-03,registry,primary,,KEN,Service,notification_judicial_documents,2024-03-01,2024-03-04,,,,
R-24-04,registry,primary,,KEN,Mission,mission_support;agreement_related,2024-03-01,2024-03-05,,,,
R-24-05,victims,primary,,DEU,Mixed,notification_judicial_documents;a93_1_b_take_evidence,2024-04-01,2024-04-02,2024-04-22,,2024-05-02,
O-24-01,prosecution,primary,,ARG,Interview,a93_1_b_take_evidence,2024-05-01,2024-05-06,2024-05-08,2024-07-05,,
O-24-02,prosecution,primary,,ARG,Bank,a93_1_k_assets_trace_freeze_seize,2024-06-01,2024-06-03,,,,
O-24-03,prosecution,primary,,UGA,Sites,a93_1_g_examine_sites,2024-06-01,2024-06-10,,,,
O-24-04,prosecution,follow_up,O-24-01,ARG,Interview again,a93_1_b_take_evidence,2024-08-01,2024-08-02,,,,
O-23-09,prosecution,primary,,GBR,Last year,a93_1_b_take_evidence,2023-12-01,2023-12-20,,,,
I-23-01,registry,primary,,DEU,Documents,assistance_to_state,2023-03-01,,,,,incoming
I-24-01,registry,primary,,DEU,Documents,assistance_to_state,2024-03-01,,,,,incoming
I-24-02,registry,primary,,NLD,Testimony,assistance_to_state,2024-09-09,,,,,incoming
";

#[tokio::test]
async fn an_imported_register_gives_exact_figures_two_years_back_and_imports_once() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let admin = s.user_token("reg.admin", "Registry", "unit_admin,officer").await;
        let post = |dry: bool| {
            s.http
                .post(s.url(&format!("/api/v1/requests/import?dry_run={dry}")))
                .bearer_auth(&admin)
                .header("content-type", "text/csv")
                .body(REGISTER)
                .send()
        };
        let (status, dry) = json(post(true).await.expect("dry run")).await;
        assert_eq!(status, StatusCode::OK, "{dry}");
        assert_eq!((dry["created"].clone(), dry["dry_run"].clone()), (json!(13), json!(true)));

        let (status, done) = json(post(false).await.expect("import")).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["created"], 13);
        let head = s.audit_head().await;

        let (_, figures) = json(s.get("/api/v1/statistics/requests?from=2024-01-01&to=2024-12-31", &admin).await).await;
        let registry = &figures["registry_transmitted"];
        // R-24-03 and R-24-04 are only notifications, missions or agreements (footnote 7).
        assert_eq!((registry["total"].clone(), registry["excluded"].clone()), (json!(3), json!(2)), "{figures}");
        assert_eq!(
            registry["by_on_behalf_of"],
            json!({"chamber": 1, "defence": 1, "registry": 0, "victims": 1}),
            "{figures}"
        );
        assert_eq!(figures["otp_primary_transmitted"], json!({"count": 3, "distinct_partners": 2}), "{figures}");
        let received = &figures["received_from_states"];
        assert_eq!((received["count"].clone(), received["previous_period_count"].clone()), (json!(2), json!(1)));
        assert_eq!(received["change_percent"], json!(100.0));
        let overall = &figures["turnaround"]["overall"];
        // First responses: 5, 10, 20 and 2 days; executions: 30 and 60 days.
        assert_eq!(overall["to_first_response"], json!({"n": 4, "median_days": 7.5, "p90_days": 20}), "{figures}");
        assert_eq!(overall["to_execution"], json!({"n": 2, "median_days": 45.0, "p90_days": 60}), "{figures}");
        assert_eq!(
            figures["outcomes"],
            json!({"executed": 2, "refused": 1, "withdrawn": 0, "pending": 6}),
            "{figures}"
        );

        // Sending the register again creates nothing and changes no figure.
        let (status, again) = json(post(false).await.expect("re-import")).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!((again["created"].clone(), again["unchanged"].clone()), (json!(0), json!(13)));
        let (_, after) = json(s.get("/api/v1/statistics/requests?from=2024-01-01&to=2024-12-31", &admin).await).await;
        assert_eq!(after, figures);
        assert_eq!(s.audit_head().await, head + 1, "only the run itself is recorded");
    });
}

#[tokio::test]
async fn a_faulty_register_is_refused_whole_and_only_administrators_import() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let admin = s.user_token("reg.admin", "Registry", "unit_admin").await;
        let officer = s.user_token("reg.officer", "Registry", "officer").await;
        let body = json!([
            {"reference": "J-1", "on_behalf_of": "chamber", "partner": "ARG", "title": "Fine",
             "line_types": ["a93_1_b_take_evidence"], "history": [{"action": "transmit", "on": "2024-01-10"}]},
            {"reference": "J-2", "on_behalf_of": "chamber", "partner": "ARG", "title": "Bad",
             "line_types": ["a93_1_b_take_evidence"], "history": [{"action": "fly", "on": "2024-01-10"}]}
        ]);
        let (status, report) = json(s.post("/api/v1/requests/import", &admin, &body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
        assert_eq!(report["problems"][0]["row"], 2);
        assert_eq!(report["problems"][0]["field"], "history[0].action");
        assert_eq!(report["created"], 0);
        let (_, list) = json(s.get("/api/v1/requests", &admin).await).await;
        assert_eq!(list["total"], 0, "nothing stored");

        let res = s.post("/api/v1/requests/import", &officer, &body).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = s
            .http
            .post(s.url("/api/v1/requests/import"))
            .bearer_auth(&admin)
            .header("content-type", "text/plain")
            .body("x")
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    });
}
