//! The directory exports as CSV with the same rows as its JSON.

use comity_testkit::on_every_engine;
use reqwest::StatusCode;

use crate::{json, TestServer};

#[tokio::test]
async fn the_directory_exports_as_csv() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let token = s.token("admin").await;

        let res = s.get("/api/v1/partners?kind=state&format=csv&per_page=500", &token).await;
        assert_eq!(res.status(), StatusCode::OK);
        let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(content_type.starts_with("text/csv"), "content-type: {content_type}");
        let disposition = res.headers().get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(disposition.contains("attachment") && disposition.contains(".csv"), "{disposition}");
        let body = res.text().await.expect("a body");

        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let header: Vec<String> = reader.headers().expect("a header row").iter().map(str::to_owned).collect();
        assert_eq!(
            header,
            [
                "id",
                "kind",
                "name",
                "name_fr",
                "iso3",
                "regional_group",
                "un_status",
                "rome_statute",
                "apic",
                "status_on"
            ]
        );
        let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("well-formed CSV");
        assert_eq!(rows.len(), 196);
        assert!(rows.iter().all(|r| &r[1] == "state"));
        let arg = rows.iter().find(|r| &r[0] == "ARG").expect("Argentina is exported");
        assert_eq!((&arg[2], &arg[3], &arg[7], &arg[9]), ("Argentina", "Argentine", "party", "2026-03-02"));
        // Non-ASCII names arrive intact.
        let palestine = rows.iter().find(|r| &r[0] == "PSE").expect("Palestine is exported");
        assert_eq!(&palestine[3], "État de Palestine");

        // The same rows, in the same order, as the JSON list.
        let (_, page) = json(s.get("/api/v1/partners?kind=state&per_page=500", &token).await).await;
        let json_ids: Vec<&str> =
            page["items"].as_array().expect("items").iter().map(|p| p["id"].as_str().expect("id")).collect();
        let csv_ids: Vec<&str> = rows.iter().map(|r| r.get(0).expect("id")).collect();
        assert_eq!(csv_ids, json_ids);

        // Filters apply to the export too.
        let body = s.get("/api/v1/partners?kind=state&party_on=2017-09-01&format=csv&per_page=500", &token).await;
        let body = body.text().await.expect("a body");
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let parties: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("well-formed CSV");
        assert_eq!(parties.len(), 124);
        assert!(parties.iter().all(|r| &r[9] == "2017-09-01"));
    });
}
