//! An outgoing request's whole life over HTTP: drafted by the Registry for a Chamber,
//! refused approval while its checklist is incomplete, completed, approved, transmitted
//! through the channel in force, answered and executed by the State; then the lists, their
//! filters and the CSV export.

use chrono::Duration;
use comity_testkit::on_every_engine;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{complete_request, expect_error, json, Part, TestServer};

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().expect("items").iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect()
}

fn field_names(e: &Value) -> Vec<String> {
    e["error"]["fields"].as_object().map(|f| f.keys().cloned().collect()).unwrap_or_default()
}

/// A provisional arrest (art. 92) with only the person and place answered, and an asset
/// line that is complete.
fn arrest_draft() -> Value {
    json!({
        "on_behalf_of": "chamber",
        "partner_id": "ARG",
        "title": "Provisional arrest of Mr X and freezing of his accounts",
        "purpose": "Provisional arrest pending a request for surrender, and the freezing of assets.",
        "facts": "Mr X is sought under a warrant of arrest for crimes against humanity.",
        "legal_basis": "Articles 89, 92 and 93(1)(k) of the Rome Statute",
        "situation": "Situation in the Republic of Example",
        "urgency": "urgent",
        "deadline": "2026-06-30",
        "persons": [{"name": "Mr X", "role": "suspect"}],
        "lines": [
            {
                "line_type": "provisional_arrest",
                "content": {"person_description": "Male, born 1970, 1.80 m", "probable_location": "Buenos Aires"},
            },
            {
                "line_type": "a93_1_k_assets_trace_freeze_seize",
                "content": {
                    "assistance_sought": "Freeze the accounts of Mr X",
                    "persons_places": "Banco Example, Buenos Aires",
                    "procedure": "Freezing order",
                },
            },
        ],
    })
}

fn completed_lines() -> Value {
    json!([
        {
            "line_type": "provisional_arrest",
            "content": {
                "person_description": "Male, born 1970, 1.80 m",
                "probable_location": "Buenos Aires",
                "crimes_and_facts": "Murder and persecution as crimes against humanity (art. 7)",
                "warrant_reference": "ICC-01/99-01/26-3",
                "surrender_request_to_follow": "A request for surrender will follow within 60 days",
            },
        },
        {
            "line_type": "a93_1_k_assets_trace_freeze_seize",
            "content": {
                "assistance_sought": "Freeze the accounts of Mr X",
                "persons_places": "Banco Example, Buenos Aires",
                "procedure": "Freezing order",
            },
        },
    ])
}

#[tokio::test]
async fn an_outgoing_request_goes_from_draft_to_execution() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let registry = s.user_token("reg.officer", "Registry", "officer").await;
        let judge = s.user_token("chambers.approver", "Chambers", "approver").await;
        let arg = s.user_token("fp.arg", "state:ARG", "officer").await;

        // Argentina's channel and languages, in force since 2025.
        let profile = json!({
            "channel": "central_authority",
            "receiving_authority": "Ministerio de Justicia y Derechos Humanos",
            "languages": ["es", "en"],
            "notified_on": "2024-11-01",
            "agreed_effective_on": "2025-01-01",
        });
        let (status, profile) =
            json(s.post("/api/v1/partners/ARG/communication-profiles", &registry, &profile).await).await;
        assert_eq!(status, StatusCode::CREATED, "{profile}");

        // The Registry drafts on behalf of the Chamber.
        let res = s.post("/api/v1/requests", &registry, &arrest_draft()).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).expect("a Location").to_owned();
        let (_, draft) = json(res).await;
        let id = draft["id"].as_str().expect("id").to_owned();
        let path = format!("/api/v1/requests/{id}");
        assert_eq!(location, path);
        assert_eq!(draft["status"], "draft");
        assert_eq!(draft["organ"], "registry");
        assert_eq!(draft["on_behalf_of"], "chamber");
        assert_eq!(draft["classification"], "confidential", "requests are confidential by default");
        assert_eq!(draft["reference"], "RFC-2026-00001");
        assert_eq!(draft["version"], 1);
        assert_eq!(draft["view"], "internal");
        assert_eq!(draft["internal"]["chamber_unit"], "Chambers");
        assert_eq!(draft["internal"]["responsible_user"], "reg.officer");
        let missing: Vec<&str> = draft["internal"]["missing"]
            .as_array()
            .expect("missing")
            .iter()
            .map(|m| m["key"].as_str().expect("key"))
            .collect();
        assert_eq!(missing, ["crimes_and_facts", "warrant_reference", "surrender_request_to_follow"]);
        let (status, same) = json(s.get(&location, &registry).await).await;
        assert_eq!((status, &same["id"]), (StatusCode::OK, &draft["id"]));

        // It waits in the drafter's queue.
        let (_, work) = json(s.get("/api/v1/me/work", &registry).await).await;
        assert_eq!(ids(&json!({"items": work["drafts"]})), [id.as_str()]);
        let (_, work) = json(s.get("/api/v1/me/work", &judge).await).await;
        assert_eq!(work["awaiting_my_approval"], json!([]), "an incomplete draft is not ready to approve");

        // The Chamber cannot approve an incomplete request: each missing point is named.
        let approve = json!({"action": "approve", "decision_reference": "ICC-01/99-01/26-3-Conf"});
        let e = expect_error(
            s.post(&format!("{path}/transitions"), &judge, &approve).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(
            field_names(&e),
            [
                "lines[0].content.crimes_and_facts",
                "lines[0].content.surrender_request_to_follow",
                "lines[0].content.warrant_reference"
            ]
        );
        assert!(e["error"]["fields"]["lines[0].content.warrant_reference"]
            .as_str()
            .is_some_and(|m| m.contains("art. 92(2)(c)")));
        let (_, unchanged) = json(s.get(&path, &registry).await).await;
        assert_eq!((&unchanged["status"], &unchanged["version"]), (&json!("draft"), &json!(1)));

        // The Registry completes it, naming the version it read.
        let (status, completed) =
            json(s.patch(&path, &registry, &json!({"version": 1, "lines": completed_lines()})).await).await;
        assert_eq!(status, StatusCode::OK, "{completed}");
        assert_eq!(completed["version"], 2);
        assert_eq!(completed["internal"]["missing"], json!([]));
        assert_eq!(completed["lines"][0]["content"]["warrant_reference"], "ICC-01/99-01/26-3");
        // A second writer still holding version 1 is refused and changes nothing.
        let e = expect_error(
            s.patch(&path, &registry, &json!({"version": 1, "title": "Overwritten"})).await,
            StatusCode::CONFLICT,
            "stale_version",
        )
        .await;
        assert!(e["error"]["message"].as_str().expect("message").contains('2'), "{e}");
        let (_, after) = json(s.get(&path, &registry).await).await;
        assert_eq!(after, completed);

        let (_, work) = json(s.get("/api/v1/me/work", &judge).await).await;
        assert_eq!(ids(&json!({"items": work["awaiting_my_approval"]})), [id.as_str()]);
        let (status, approved) = json(s.post(&format!("{path}/transitions"), &judge, &approve).await).await;
        assert_eq!(status, StatusCode::OK, "{approved}");
        assert_eq!(approved["status"], "approved");
        assert_eq!(approved["internal"]["decision_reference"], "ICC-01/99-01/26-3-Conf");
        // The Chamber, as the requesting side, may take it back; only the Registry transmits.
        assert_eq!(approved["allowed_moves"], json!(["return_to_draft", "withdraw"]), "the Chamber does not transmit");

        // The Registry transmits it: the channel and language are those in force that day.
        let (_, work) = json(s.get("/api/v1/me/work", &registry).await).await;
        assert_eq!(ids(&json!({"items": work["awaiting_transmission"]})), [id.as_str()]);
        let (_, before) = json(s.get(&path, &registry).await).await;
        assert!(before["allowed_moves"].as_array().expect("moves").contains(&json!("transmit")), "{before}");
        let transmit = json!({"action": "transmit", "note_verbale": "NV/2026/001", "version": before["version"]});
        let (status, sent) = json(s.post(&format!("{path}/transitions"), &registry, &transmit).await).await;
        assert_eq!(status, StatusCode::OK, "{sent}");
        assert_eq!(sent["status"], "transmitted");
        let tr = &sent["transmission"];
        assert_eq!(tr["transmitted_on"], "2026-03-02");
        assert_eq!(tr["channel"], "central_authority");
        assert_eq!(tr["receiving_authority"], "Ministerio de Justicia y Derechos Humanos");
        assert!(tr["language"].as_str().is_some_and(|l| l.starts_with("es")), "{tr}");
        assert_eq!(tr["profile_id"], profile["id"]);

        // A later change of profile does not touch what was sent.
        let change = json!({
            "channel": "diplomatic",
            "receiving_authority": "Cancillería",
            "languages": ["en"],
            "notified_on": "2026-03-02",
            "agreed_effective_on": "2026-03-03",
        });
        let (status, _) = json(s.post("/api/v1/partners/ARG/communication-profiles", &registry, &change).await).await;
        assert_eq!(status, StatusCode::CREATED);

        // Ten days later Argentina records its acknowledgment, dated two days back.
        s.clock.advance(Duration::days(10));
        let ack = json!({"action": "acknowledge", "effective_on": "2026-03-10", "national_reference": "AR-MJ-2026-77"});
        let (status, acked) = json(s.post(&format!("{path}/transitions"), &arg, &ack).await).await;
        assert_eq!(status, StatusCode::OK, "{acked}");
        assert_eq!(acked["status"], "acknowledged");
        assert_eq!(acked["view"], "external");
        assert_eq!(acked["national_reference"], "AR-MJ-2026-77");
        assert_eq!(acked["first_response_on"], "2026-03-10");
        assert_eq!(acked["transmission"]["channel"], "central_authority");

        // The arrest is carried out the next day; the assets are still being traced.
        let partial = json!({
            "action": "record_partial_execution",
            "effective_on": "2026-03-11",
            "line_outcomes": {"1": "executed", "2": "in_execution"},
        });
        let (status, partly) = json(s.post(&format!("{path}/transitions"), &arg, &partial).await).await;
        assert_eq!(status, StatusCode::OK, "{partly}");
        assert_eq!(partly["status"], "partially_executed");
        assert_eq!(partly["lines"][0]["outcome"], "executed");
        assert_eq!(partly["lines"][0]["outcome_on"], "2026-03-11");
        assert_eq!(partly["lines"][1]["outcome"], "in_execution");
        // The provisional arrest starts the rule 188 clock: 60 days for the full request.
        assert_eq!(partly["legal_clocks"][0]["rule"], "rule_188");
        assert_eq!(partly["legal_clocks"][0]["started_on"], "2026-03-11");
        assert_eq!(partly["legal_clocks"][0]["due_on"], "2026-05-10");

        let (status, done) =
            json(s.post(&format!("{path}/transitions"), &arg, &json!({"action": "record_execution"})).await).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["status"], "executed");

        // The Court's view carries the dates the figures use.
        let (_, executed) = json(s.get(&path, &registry).await).await;
        assert_eq!(executed["status"], "executed");
        assert_eq!(executed["first_response_on"], "2026-03-10");
        assert_eq!(executed["executed_on"], "2026-03-12");
        assert_eq!(executed["closed_on"], "2026-03-12");
        assert_eq!(executed["days_to_first_response"], 8);
        assert_eq!(executed["days_to_execution"], 10);
        assert_eq!(executed["lines"][1]["outcome"], "executed");
        assert_eq!(executed["overdue"], false);
        assert_eq!(executed["allowed_moves"], json!([]));
        insta::assert_json_snapshot!("executed_request", executed, {
            ".id" => "[id]",
            ".transmission.profile_id" => "[id]",
            ".internal.created_at" => "[timestamp]",
            ".internal.updated_at" => "[timestamp]",
        });

        // The history, oldest first, with when each step took effect and who entered it.
        let (status, events) = json(s.get(&format!("{path}/events"), &registry).await).await;
        assert_eq!(status, StatusCode::OK, "{events}");
        let steps: Vec<(&str, &str, &str)> = events
            .as_array()
            .expect("events")
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().expect("action"),
                    e["to_status"].as_str().expect("to"),
                    e["effective_on"].as_str().expect("date"),
                )
            })
            .collect();
        assert_eq!(
            steps,
            [
                ("create", "draft", "2026-03-02"),
                ("edit", "draft", "2026-03-02"),
                ("approve", "approved", "2026-03-02"),
                ("transmit", "transmitted", "2026-03-02"),
                ("acknowledge", "acknowledged", "2026-03-10"),
                ("record_partial_execution", "partially_executed", "2026-03-11"),
                ("record_execution", "executed", "2026-03-12"),
            ]
        );
        let seqs: Vec<i64> =
            events.as_array().expect("events").iter().map(|e| e["seq"].as_i64().expect("seq")).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        assert_eq!(events[4]["actor"], "fp.arg");
        assert_eq!(events[4]["recorded_at"], "2026-03-12T09:00:00Z", "recorded on the day it was entered");
        assert_eq!(events[3]["detail"]["channel"], "central_authority");
        assert_eq!(events[3]["detail"]["note_verbale"], "NV/2026/001");

        // Nothing leads out of execution: the refusal lists no allowed move.
        let head = s.audit_head().await;
        let e = expect_error(
            s.post(&format!("{path}/transitions"), &registry, &json!({"action": "withdraw", "reason": "too late"}))
                .await,
            StatusCode::CONFLICT,
            "invalid_transition",
        )
        .await;
        assert_eq!(e["error"]["allowed"], json!([]), "{e}");
        assert_eq!(s.audit_head().await, head, "a refused move writes nothing");
        let (_, still) = json(s.get(&path, &registry).await).await;
        assert_eq!(still, executed);

        // The figures on Argentina's page, for the Court and for Argentina.
        let (status, figures) = json(s.get("/api/v1/partners/arg/request-figures", &registry).await).await;
        assert_eq!(status, StatusCode::OK, "{figures}");
        assert_eq!(
            figures,
            json!({
                "open": 0, "overdue": 0, "executed": 1,
                "median_days_to_first_response": 8.0, "median_days_to_execution": 10.0,
            })
        );
        let (status, theirs) = json(s.get("/api/v1/partners/ARG/request-figures", &arg).await).await;
        assert_eq!((status, &theirs), (StatusCode::OK, &figures));
        let e = s.get("/api/v1/partners/FRA/request-figures", &arg).await;
        expect_error(e, StatusCode::NOT_FOUND, "not_found").await;
        let e = s.get("/api/v1/partners/XXX/request-figures", &registry).await;
        expect_error(e, StatusCode::NOT_FOUND, "not_found").await;
    });
}

#[tokio::test]
async fn request_lists_filter_search_sort_page_and_export() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let registry = s.user_token("reg.officer", "Registry", "officer").await;
        let approver = s.user_token("reg.approver", "Registry", "approver").await;

        // 1: an arrest request to Argentina, executed.
        let (_, a) = json(s.post("/api/v1/requests", &registry, &arrest_draft()).await).await;
        let a_id = a["id"].as_str().expect("id").to_owned();
        let a_path = format!("/api/v1/requests/{a_id}");
        let (status, _) =
            json(s.patch(&a_path, &registry, &json!({"version": 1, "lines": completed_lines()})).await).await;
        assert_eq!(status, StatusCode::OK);
        let judge = s.user_token("chambers.approver", "Chambers", "approver").await;
        for (token, body) in [
            (&judge, json!({"action": "approve", "decision_reference": "ICC-01/99-01/26-3"})),
            (&registry, json!({"action": "transmit"})),
            (&registry, json!({"action": "record_execution"})),
        ] {
            let (status, r) = json(s.post(&format!("{a_path}/transitions"), token, &body).await).await;
            assert_eq!(status, StatusCode::OK, "{body}: {r}");
        }

        // 2: an asset-freezing request to Argentina whose deadline will pass in draft.
        let mut b = complete_request("registry", "ARG", "Freezing of the Example Holdings accounts");
        b["deadline"] = json!("2026-03-05");
        let (status, b) = json(s.post("/api/v1/requests", &registry, &b).await).await;
        assert_eq!(status, StatusCode::CREATED, "{b}");
        let b_id = b["id"].as_str().expect("id").to_owned();

        // 3: a request to France, approved by the Registry and transmitted.
        let mut c = complete_request("registry", "fra", "Service of the summons on a witness");
        c["lines"] = json!([{
            "line_type": "a93_1_d_service_of_documents",
            "content": {"assistance_sought": "Serve the summons", "persons_places": "Paris", "procedure": "Personal service"},
        }]);
        let (status, c) = json(s.post("/api/v1/requests", &registry, &c).await).await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        assert_eq!(c["partner_id"], "FRA", "partner codes are case-insensitive");
        let c_id = c["id"].as_str().expect("id").to_owned();
        for (token, action) in [(&approver, "approve"), (&registry, "transmit")] {
            let (status, r) =
                json(s.post(&format!("/api/v1/requests/{c_id}/transitions"), token, &json!({"action": action})).await)
                    .await;
            assert_eq!(status, StatusCode::OK, "{action}: {r}");
        }

        // 4: an incoming request from Germany (art. 93(10)), received last week.
        let incoming = json!({
            "direction": "incoming",
            "on_behalf_of": "registry",
            "partner_id": "DEU",
            "title": "Assistance with a national investigation",
            "purpose": "Records of the Court's testimony",
            "received_on": "2026-02-23",
            "lines": [{"line_type": "assistance_to_state", "content": {"assistance_sought": "Transcripts"}}],
        });
        let (status, d) = json(s.post("/api/v1/requests", &registry, &incoming).await).await;
        assert_eq!(status, StatusCode::CREATED, "{d}");
        assert_eq!(d["status"], "received");
        let d_id = d["id"].as_str().expect("id").to_owned();

        s.clock.advance(Duration::days(10));
        let list = |q: &str| {
            let path = format!("/api/v1/requests{q}");
            let token = registry.clone();
            let s = &s;
            async move {
                let (status, page) = json(s.get(&path, &token).await).await;
                assert_eq!(status, StatusCode::OK, "{path}: {page}");
                page
            }
        };

        let all = list("").await;
        assert_eq!(all["total"], 4);
        assert_eq!((all["page"].as_i64(), all["per_page"].as_i64()), (Some(1), Some(50)));
        let mut sorted = ids(&all);
        sorted.sort();
        let mut expected = vec![a_id.clone(), b_id.clone(), c_id.clone(), d_id.clone()];
        expected.sort();
        assert_eq!(sorted, expected);

        assert_eq!(ids(&list("?direction=incoming").await), [d_id.as_str()]);
        let mut outgoing = ids(&list("?direction=outgoing").await);
        outgoing.sort();
        let mut expected = vec![a_id.clone(), b_id.clone(), c_id.clone()];
        expected.sort();
        assert_eq!(outgoing, expected);
        assert_eq!(ids(&list("?status=executed").await), [a_id.as_str()]);
        let mut open = ids(&list("?status=draft,transmitted").await);
        open.sort();
        let mut expected = vec![b_id.clone(), c_id.clone()];
        expected.sort();
        assert_eq!(open, expected);
        let mut to_arg = ids(&list("?partner=arg").await);
        to_arg.sort();
        let mut expected = vec![a_id.clone(), b_id.clone()];
        expected.sort();
        assert_eq!(to_arg, expected);
        assert_eq!(ids(&list("?line_type=provisional_arrest").await), [a_id.as_str()]);
        assert_eq!(ids(&list("?line_type=a93_1_d_service_of_documents").await), [c_id.as_str()]);
        let overdue = list("?overdue=true").await;
        assert_eq!(ids(&overdue), [b_id.as_str()]);
        assert_eq!(overdue["items"][0]["overdue"], true);
        assert_eq!(ids(&list("?on_behalf_of=chamber").await), [a_id.as_str()]);
        assert_eq!(ids(&list("?from=2026-03-01&to=2026-03-31").await).len(), 2, "transmitted in March");

        // Full-text search over the reference, title and purpose, by word prefix.
        assert_eq!(ids(&list("?q=holdings").await), [b_id.as_str()]);
        assert_eq!(ids(&list("?q=summ").await), [c_id.as_str()]);
        assert_eq!(ids(&list("?q=RFC-2026-00003").await), [c_id.as_str()]);
        assert_eq!(ids(&list("?q=freez&partner=ARG").await).len(), 2);
        assert_eq!(list("?q=nonexistentword").await["total"], 0);

        // Sorting both ways, and paging through the same order.
        let by_ref = ids(&list("?sort=reference&order=asc").await);
        assert_eq!(by_ref, [a_id.clone(), b_id.clone(), c_id.clone(), d_id.clone()]);
        let desc = ids(&list("?sort=reference&order=desc").await);
        assert_eq!(desc, by_ref.iter().rev().cloned().collect::<Vec<_>>());
        let by_title = list("?sort=title").await;
        let titles: Vec<&str> =
            by_title["items"].as_array().expect("items").iter().map(|r| r["title"].as_str().expect("title")).collect();
        let mut sorted_titles = titles.clone();
        sorted_titles.sort();
        assert_eq!(titles, sorted_titles);
        let second = list("?sort=reference&order=asc&per_page=1&page=2").await;
        assert_eq!(
            (second["total"].as_i64(), second["per_page"].as_i64(), ids(&second)),
            (Some(4), Some(1), vec![b_id.clone()])
        );
        let beyond = list("?sort=reference&per_page=3&page=2").await;
        assert_eq!(ids(&beyond), [d_id.as_str()]);

        // The CSV export carries every matching row, whatever the page asked for.
        let res = s.get("/api/v1/requests?sort=reference&order=asc&per_page=1&format=csv", &registry).await;
        assert_eq!(res.status(), StatusCode::OK);
        let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(content_type.starts_with("text/csv"), "{content_type}");
        let disposition = res.headers().get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(disposition.contains("attachment") && disposition.contains("requests.csv"), "{disposition}");
        let body = res.text().await.expect("a body");
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let header: Vec<String> = reader.headers().expect("a header row").iter().map(str::to_owned).collect();
        assert_eq!(&header[..4], ["id", "reference", "direction", "organ"]);
        let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("a {name} column"));
        let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("well-formed CSV");
        let csv_ids: Vec<&str> = rows.iter().map(|r| &r[col("id")]).collect();
        assert_eq!(csv_ids, by_ref.iter().map(String::as_str).collect::<Vec<_>>());
        let first = &rows[0];
        assert_eq!(&first[col("reference")], "RFC-2026-00001");
        assert_eq!(&first[col("partner_name")], "Argentina");
        assert_eq!(&first[col("status")], "executed");
        assert_eq!(&first[col("line_types")], "provisional_arrest;a93_1_k_assets_trace_freeze_seize");
        assert_eq!(&first[col("transmitted_on")], "2026-03-02");
        assert_eq!(&rows[1][col("overdue")], "true");
        assert_eq!(&rows[1][col("deadline")], "2026-03-05");

        // Filters apply to the export; JSON remains the default format.
        let body = s.get("/api/v1/requests?partner=FRA&format=csv", &registry).await.text().await.expect("a body");
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("well-formed CSV");
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][0], c_id.as_str());
        let (status, page) = json(s.get("/api/v1/requests?format=json&partner=FRA", &registry).await).await;
        assert_eq!((status, ids(&page)), (StatusCode::OK, vec![c_id.clone()]));
        let (_, nothing) = json(s.get("/api/v1/requests?partner=DEU&direction=outgoing", &registry).await).await;
        assert_eq!(nothing["total"], 0);
        let empty = s.get("/api/v1/requests?partner=DEU&direction=outgoing&format=csv", &registry).await;
        let body = empty.text().await.expect("a body");
        assert_eq!(body.lines().count(), 1, "only the header row: {body}");

        // The overdue draft is in its officer's queue.
        let (_, work) = json(s.get("/api/v1/me/work", &registry).await).await;
        let overdue_ids: Vec<&str> =
            work["overdue"].as_array().expect("overdue").iter().map(|r| r["id"].as_str().expect("id")).collect();
        assert_eq!(overdue_ids, [b_id.as_str()]);
    });
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
/// `sha256sum` of [`PDF`].
const PDF_SHA256: &str = "2424e4b37c25d8dac4c66fd4ecd780c717b828582c3f9a9fc718672d2d5e31f1";

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("a {name} header"))
}

#[tokio::test]
async fn documents_are_attached_hashed_and_downloaded_as_attachments() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let registry = s.user_token("reg.officer", "Registry", "officer").await;
        let approver = s.user_token("reg.approver", "Registry", "approver").await;
        let arg = s.user_token("fp.arg", "state:ARG", "officer").await;
        let (status, r) =
            json(s.post("/api/v1/requests", &registry, &complete_request("registry", "ARG", "Bank records")).await)
                .await;
        assert_eq!(status, StatusCode::CREATED, "{r}");
        let path = format!("/api/v1/requests/{}", r["id"].as_str().expect("id"));

        // A path and header-breaking characters in the name do not survive; accents do.
        let parts = [
            Part::file("../../Annexe É: 1?.pdf", "application/octet-stream", PDF),
            Part::text("kind", "annex"),
            Part::text("language", "fr"),
            Part::text("description", "Décision de la Chambre"),
        ];
        let res = s.post_multipart(&format!("{path}/documents"), &registry, &parts).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let location = header(&res, "location").to_owned();
        let (_, doc) = json(res).await;
        assert_eq!(location, format!("{path}/documents/{}", doc["id"].as_str().expect("id")));
        assert_eq!(doc["filename"], "Annexe É_ 1_.pdf");
        assert_eq!(doc["media_type"], "application/pdf", "recognised from the contents, not the claim");
        assert_eq!(doc["size"], PDF.len());
        assert_eq!(doc["sha256"], PDF_SHA256);
        assert_eq!((&doc["kind"], &doc["language"]), (&json!("annex"), &json!("fr")));
        assert_eq!(doc["uploaded_by"], "reg.officer");

        let res = s.get(&location, &registry).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, "content-type"), "application/pdf");
        assert_eq!(header(&res, "x-content-sha256"), PDF_SHA256);
        assert_eq!(header(&res, "x-content-type-options"), "nosniff");
        let disposition = header(&res, "content-disposition").to_owned();
        assert!(disposition.starts_with("attachment; filename=\"Annexe __ 1_.pdf\""), "{disposition}");
        assert!(disposition.contains("filename*=UTF-8''Annexe%20%C3%89_%201_.pdf"), "{disposition}");
        assert_eq!(res.bytes().await.expect("bytes").as_ref(), PDF);
        expect_error(
            s.get(&format!("{path}/documents/nonexistent"), &registry).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;

        // The formal letter, in English for a Spanish-speaking State, flagged for translation.
        let profile = json!({
            "channel": "diplomatic", "receiving_authority": "Cancillería", "languages": ["es"],
            "notified_on": "2024-01-01", "agreed_effective_on": "2024-02-01",
        });
        let (status, _) = json(s.post("/api/v1/partners/ARG/communication-profiles", &registry, &profile).await).await;
        assert_eq!(status, StatusCode::CREATED);
        let res = s.post(&format!("{path}/letter"), &registry, &json!({})).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let letter_location = header(&res, "location").to_owned();
        let (_, letter) = json(res).await;
        assert_eq!(letter["kind"], "letter");
        assert_eq!(letter["language"], "en");
        assert_eq!(letter["translation_needed"], "es");
        assert!(letter["filename"].as_str().is_some_and(|f| f.ends_with(".docx")), "{letter}");
        let res = s.get(&letter_location, &registry).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(header(&res, "content-type").contains("wordprocessingml"));
        assert_eq!(header(&res, "x-content-sha256"), letter["sha256"].as_str().expect("sha256"));
        assert!(res.bytes().await.expect("bytes").starts_with(b"PK\x03\x04"), "a DOCX package");

        let (_, docs) = json(s.get(&format!("{path}/documents"), &registry).await).await;
        let kinds: Vec<&str> =
            docs.as_array().expect("docs").iter().map(|d| d["kind"].as_str().expect("kind")).collect();
        assert_eq!(kinds, ["annex", "letter"]);
        let (_, events) = json(s.get(&format!("{path}/events"), &registry).await).await;
        let added = events.as_array().expect("events").iter().filter(|e| e["action"] == "document_added").count();
        assert_eq!(added, 2, "{events}");

        // Once the request is sent, the State uploads what it found.
        for (token, action) in [(&approver, "approve"), (&registry, "transmit")] {
            let (status, r) =
                json(s.post(&format!("{path}/transitions"), token, &json!({"action": action})).await).await;
            assert_eq!(status, StatusCode::OK, "{action}: {r}");
        }
        let parts = [
            Part::file("extracto.txt", "text/plain", "Cuentas congeladas".as_bytes()),
            Part::text("kind", "material_received"),
        ];
        let res = s.post_multipart(&format!("{path}/documents"), &arg, &parts).await;
        let (status, material) = json(res).await;
        assert_eq!(status, StatusCode::CREATED, "{material}");
        assert_eq!(material["media_type"], "text/plain; charset=utf-8");
        let (_, docs) = json(s.get(&format!("{path}/documents"), &arg).await).await;
        assert_eq!(docs.as_array().map(Vec::len), Some(3));
    });
}
