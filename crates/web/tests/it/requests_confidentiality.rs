//! Who sees a request: the addressee State only once it is sent, and then only its external
//! view; no other State; never the Prosecution for the Defence, nor one Defence team for
//! another; Assembly observers only the aggregates.

use comity_testkit::on_every_engine;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{complete_request, expect_error, json, Part, TestServer};

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().expect("items").iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect()
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

#[tokio::test]
async fn a_request_reaches_its_addressee_only_once_sent_and_no_other_state() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let registry = s.user_token("reg.officer", "Registry", "officer").await;
        let approver = s.user_token("reg.approver", "Registry", "approver").await;
        let arg = s.user_token("fp.arg", "state:ARG", "officer").await;
        let fra = s.user_token("fp.fra", "state:FRA", "officer").await;
        let observer = s.user_token("observer", "Assembly observers", "viewer").await;

        let mut body = complete_request("registry", "ARG", "Freezing of the accounts of Mr Y");
        body["persons"] = json!([{"name": "Witness P-0042", "role": "witness", "protected": true}]);
        let (status, created) = json(s.post("/api/v1/requests", &registry, &body).await).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_str().expect("id").to_owned();
        let path = format!("/api/v1/requests/{id}");
        let res = s
            .post_multipart(&format!("{path}/documents"), &registry, &[Part::file("annex.pdf", "application/pdf", PDF)])
            .await;
        let (status, doc) = json(res).await;
        assert_eq!(status, StatusCode::CREATED, "{doc}");
        let doc_path = format!("{path}/documents/{}", doc["id"].as_str().expect("id"));

        // Before transmission the addressee does not know the request exists.
        for p in [path.clone(), format!("{path}/events"), format!("{path}/documents"), doc_path.clone()] {
            expect_error(s.get(&p, &arg).await, StatusCode::NOT_FOUND, "not_found").await;
        }
        let (status, list) = json(s.get("/api/v1/requests", &arg).await).await;
        assert_eq!((status, &list["total"]), (StatusCode::OK, &json!(0)));
        // Nor can it act on it.
        let ack = json!({"action": "acknowledge"});
        expect_error(s.post(&format!("{path}/transitions"), &arg, &ack).await, StatusCode::NOT_FOUND, "not_found")
            .await;

        for (token, action) in [(&approver, "approve"), (&registry, "transmit")] {
            let (status, r) =
                json(s.post(&format!("{path}/transitions"), token, &json!({"action": action})).await).await;
            assert_eq!(status, StatusCode::OK, "{action}: {r}");
        }

        // Once sent, Argentina sees the external view: no internal notes, no author names.
        let (status, seen) = json(s.get(&path, &arg).await).await;
        assert_eq!(status, StatusCode::OK, "{seen}");
        assert_eq!(seen["view"], "external");
        assert!(seen.get("internal").is_none(), "no internal fields in the external view: {seen}");
        assert_eq!(seen["title"], "Freezing of the accounts of Mr Y");
        assert_eq!(seen["status"], "transmitted");
        assert!(seen["allowed_moves"].as_array().expect("moves").contains(&json!("acknowledge")), "{seen}");
        let text = seen.to_string();
        for secret in ["reg.officer", "reg.approver", "Registry"] {
            assert!(!text.contains(secret), "the external view names '{secret}': {text}");
        }
        let (status, events) = json(s.get(&format!("{path}/events"), &arg).await).await;
        assert_eq!(status, StatusCode::OK, "{events}");
        assert!(events.as_array().expect("events").iter().all(|e| e["actor"].is_null()), "{events}");
        let (status, docs) = json(s.get(&format!("{path}/documents"), &arg).await).await;
        assert_eq!((status, docs.as_array().map(Vec::len)), (StatusCode::OK, Some(1)));
        let res = s.get(&doc_path, &arg).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.bytes().await.expect("bytes").as_ref(), PDF);
        let (_, list) = json(s.get("/api/v1/requests", &arg).await).await;
        assert_eq!(ids(&list), [id.as_str()]);
        // The Court still sees its internal view.
        let (_, internal) = json(s.get(&path, &registry).await).await;
        assert_eq!(internal["view"], "internal");
        assert_eq!(internal["internal"]["created_by"], "reg.officer");

        // France sees nothing of it, anywhere.
        for p in [path.clone(), format!("{path}/events"), format!("{path}/documents"), doc_path.clone()] {
            expect_error(s.get(&p, &fra).await, StatusCode::NOT_FOUND, "not_found").await;
        }
        let (status, list) = json(s.get("/api/v1/requests", &fra).await).await;
        assert_eq!((status, &list["total"], ids(&list)), (StatusCode::OK, &json!(0), vec![]));
        let (_, found) = json(s.get("/api/v1/requests?q=freezing", &fra).await).await;
        assert_eq!(found["total"], 0);
        let csv = s.get("/api/v1/requests?format=csv", &fra).await.text().await.expect("a body");
        assert_eq!(csv.lines().count(), 1, "only the header row: {csv}");
        expect_error(s.post(&format!("{path}/transitions"), &fra, &ack).await, StatusCode::NOT_FOUND, "not_found")
            .await;
        let res = s.patch(&path, &fra, &json!({"version": 3, "deadline": "2026-12-31"})).await;
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
        let res =
            s.post_multipart(&format!("{path}/documents"), &fra, &[Part::file("x.pdf", "application/pdf", PDF)]).await;
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
        let (_, after) = json(s.get(&path, &registry).await).await;
        assert_eq!(after, internal, "France's attempts changed nothing");

        // Assembly observers see no case data, only the published aggregates.
        let (status, list) = json(s.get("/api/v1/requests", &observer).await).await;
        assert_eq!((status, &list["total"], ids(&list)), (StatusCode::OK, &json!(0), vec![]));
        for p in [path.clone(), format!("{path}/events"), format!("{path}/documents"), doc_path.clone()] {
            expect_error(s.get(&p, &observer).await, StatusCode::NOT_FOUND, "not_found").await;
        }
        expect_error(
            s.get("/api/v1/partners/ARG/request-figures", &observer).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        let (status, stats) =
            json(s.get("/api/v1/statistics/requests?from=2026-01-01&to=2026-12-31", &observer).await).await;
        assert_eq!(status, StatusCode::OK, "{stats}");
        assert_eq!(stats["registry_transmitted"]["total"], 1, "the confidential request is counted: {stats}");
        let text = stats.to_string();
        assert!(!text.contains(&id) && !text.contains("Mr Y") && !text.contains("RFC-2026"), "never itemised: {text}");
    });
}

#[tokio::test]
async fn defence_requests_are_kept_from_the_prosecution_and_from_other_teams() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let registry = s.user_token("reg.officer", "Registry", "officer").await;
        let alpha = s.user_token("defence.alpha", "defence:Alpha", "officer").await;
        let beta = s.user_token("defence.beta", "defence:Beta", "officer").await;
        let otp = s.user_token("otp.officer", "Office of the Prosecutor", "officer").await;

        // The Registry drafts for the Alpha team, ex parte, and the team drafts one itself.
        let mut for_alpha = complete_request("defence", "ARG", "Exculpatory bank records of the accused");
        for_alpha["acting_for_unit"] = json!("Defence: Alpha");
        for_alpha["classification"] = json!("ex_parte");
        let (status, by_registry) = json(s.post("/api/v1/requests", &registry, &for_alpha).await).await;
        assert_eq!(status, StatusCode::CREATED, "{by_registry}");
        assert_eq!(by_registry["internal"]["acting_for_unit"], "Defence: Alpha");
        let mut own = complete_request("defence", "ARG", "Exculpatory witness interview");
        own["classification"] = json!("confidential");
        let (status, by_team) = json(s.post("/api/v1/requests", &alpha, &own).await).await;
        assert_eq!(status, StatusCode::CREATED, "{by_team}");
        // A request of the Prosecution's own, for contrast.
        let (status, otp_own) = json(
            s.post("/api/v1/requests", &otp, &complete_request("prosecution", "ARG", "Bank records of the accused"))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{otp_own}");

        let defence_ids = [by_registry["id"].as_str().expect("id"), by_team["id"].as_str().expect("id")];
        for id in defence_ids {
            let path = format!("/api/v1/requests/{id}");
            // The team it is for, and the Registry that transmits it, see it.
            for token in [&alpha, &registry] {
                let (status, r) = json(s.get(&path, token).await).await;
                assert_eq!(status, StatusCode::OK, "{r}");
            }
            // The Prosecution and the other team do not know it exists.
            for token in [&otp, &beta] {
                for p in [path.clone(), format!("{path}/events"), format!("{path}/documents")] {
                    expect_error(s.get(&p, token).await, StatusCode::NOT_FOUND, "not_found").await;
                }
                let res =
                    s.post(&format!("{path}/transitions"), token, &json!({"action": "withdraw", "reason": "x"})).await;
                expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
            }
        }

        // Nor does it appear in their lists or searches.
        let (_, otp_list) = json(s.get("/api/v1/requests?per_page=500", &otp).await).await;
        assert_eq!(ids(&otp_list), [otp_own["id"].as_str().expect("id").to_owned()]);
        for q in ["exculpatory", "records", "accused"] {
            let (_, found) = json(s.get(&format!("/api/v1/requests?q={q}&on_behalf_of=defence"), &otp).await).await;
            assert_eq!(found["total"], 0, "{q}: {found}");
        }
        let (_, found) = json(s.get("/api/v1/requests?q=bank", &otp).await).await;
        assert_eq!(ids(&found), [otp_own["id"].as_str().expect("id").to_owned()]);
        let csv = s.get("/api/v1/requests?format=csv", &otp).await.text().await.expect("a body");
        assert!(!csv.contains("Exculpatory"), "{csv}");
        let (_, beta_list) = json(s.get("/api/v1/requests", &beta).await).await;
        assert_eq!(beta_list["total"], 0);
        let (_, found) = json(s.get("/api/v1/requests?q=exculpatory", &beta).await).await;
        assert_eq!(found["total"], 0);

        // The Alpha team sees both of its requests and not the Prosecution's.
        let (_, alpha_list) = json(s.get("/api/v1/requests", &alpha).await).await;
        let mut seen = ids(&alpha_list);
        seen.sort();
        let mut expected: Vec<String> = defence_ids.iter().map(|i| (*i).to_owned()).collect();
        expected.sort();
        assert_eq!(seen, expected);
        let (_, alpha_work) = json(s.get("/api/v1/me/work", &alpha).await).await;
        let drafts: Vec<&str> =
            alpha_work["drafts"].as_array().expect("drafts").iter().map(|r| r["id"].as_str().expect("id")).collect();
        assert_eq!(drafts, [defence_ids[1]]);
        let (_, otp_work) = json(s.get("/api/v1/me/work", &otp).await).await;
        assert!(!otp_work.to_string().contains("Exculpatory"), "{otp_work}");
    });
}

#[tokio::test]
async fn the_addressees_history_leaves_out_the_courts_internal_steps() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let registry = s.user_token("reg.officer", "Registry", "officer").await;
        let approver = s.user_token("reg.approver", "Registry", "approver").await;
        let arg = s.user_token("fp.arg", "state:ARG", "officer").await;
        let mut body = complete_request("registry", "ARG", "Freezing of the accounts of Mr Z");
        body["decision_reference"] = json!("ICC-01/99-01/26-77-Conf-Exp");
        let (_, created) = json(s.post("/api/v1/requests", &registry, &body).await).await;
        let path = format!("/api/v1/requests/{}", created["id"].as_str().expect("id"));
        for (token, move_) in [
            (&registry, json!({"action": "start_pre_consultation"})),
            (&registry, json!({"action": "return_to_draft", "reason": "Internal legal review: facts too thin"})),
            (&approver, json!({"action": "approve"})),
            (&registry, json!({"action": "transmit"})),
        ] {
            let (status, r) = json(s.post(&format!("{path}/transitions"), token, &move_).await).await;
            assert_eq!(status, StatusCode::OK, "{move_}: {r}");
        }
        let (_, view) = json(s.get(&path, &arg).await).await;
        assert!(!view.to_string().contains("26-77-Conf-Exp"), "the external view hides the decision: {view}");
        let (status, events) = json(s.get(&format!("{path}/events"), &arg).await).await;
        assert_eq!(status, StatusCode::OK);
        let text = events.to_string();
        assert!(!text.contains("26-77-Conf-Exp"), "the external history names the internal decision: {text}");
        assert!(!text.contains("Internal legal review"), "the external history shows internal reasons: {text}");
    });
}
