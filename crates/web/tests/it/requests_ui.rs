//! The request pages in a browser's shoes: the list, guided drafting with per-field errors,
//! the request page, moves through their forms, the work queues, both languages, and what a
//! State's focal point may and may not see.

use comity_testkit::on_every_engine;
use reqwest::{Response, StatusCode};

use crate::{
    ui::{hidden_csrf, location, Browser},
    TestServer,
};

/// Pages must carry no inline script, handler or style: the CSP forbids them.
fn assert_no_inline_code(html: &str, what: &str) {
    for (i, _) in html.match_indices("<script") {
        let tag = &html[i..i + html[i..].find('>').expect("a closed script tag")];
        assert!(tag.contains(" src="), "{what}: inline script {tag}");
    }
    let lower = html.to_lowercase();
    for attr in [" onclick=", " onchange=", " onsubmit=", " onload=", " style=", "javascript:"] {
        assert!(!lower.contains(attr), "{what}: inline code ({attr})");
    }
}

/// The body of a page that must answer `status`.
async fn page(res: Response, status: StatusCode, what: &str) -> String {
    let got = res.status();
    let body = res.text().await.expect("a page");
    assert_eq!(got, status, "{what}: unexpected status; page:\n{body}");
    assert_no_inline_code(&body, what);
    body
}

fn hidden(html: &str, name: &str) -> String {
    crate::ui::hidden_value(html, name)
}

async fn signed_in(s: &TestServer, name: &str, unit: &str, roles: &str) -> Browser {
    let password = s.user(name, unit, roles).await;
    let b = Browser::new(s);
    let res = b.login(name, &password).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{name} signs in");
    // Everyone outside the Court enrols a second factor before anything else.
    if location(&res) == "/account/second-factor" {
        crate::ui::enrol_second_factor(&b, s).await;
    }
    b
}

async fn relogin(s: &TestServer, name: &str, password: &str) -> Browser {
    let b = Browser::new(s);
    assert_eq!(b.login(name, password).await.status(), StatusCode::SEE_OTHER, "{name} signs in");
    b
}

async fn csrf(b: &Browser, path: &str) -> String {
    hidden_csrf(&b.get(path).await.text().await.expect("a page"))
}

/// The id of the request a redirect leads to: `/requests/{id}?done=...`.
fn request_id(res: &Response) -> String {
    let to = location(res);
    let rest = to.strip_prefix("/requests/").unwrap_or_else(|| panic!("redirect to a request, got {to:?}"));
    rest.split(['?', '#']).next().expect("an id").to_owned()
}

/// Who makes a move, which move, the day it took effect, and one extra field.
type Step = (&'static str, &'static str, &'static str, Option<(&'static str, &'static str)>);

/// A `multipart/form-data` body: (name, file name, contents) per part.
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "comity-test-boundary-7d9f";
    let mut body = Vec::new();
    for (name, file, data) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(b: &Browser, s: &TestServer, path: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Response {
    let (content_type, body) = multipart(parts);
    b.client.post(s.url(path)).header("content-type", content_type).body(body).send().await.expect("POST")
}

/// A complete provisional-arrest draft as the form posts it.
fn complete_draft<'a>(csrf: &'a str, version: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("version", version),
        ("op", "save"),
        ("on_behalf_of", "registry"),
        ("partner_id", "ARG"),
        ("title", "Provisional arrest of a suspect at large"),
        ("deadline", "2026-04-15"),
        ("classification", "confidential"),
        ("urgency", "urgent"),
        ("purpose", "Provisional arrest pending a request for surrender."),
        ("facts", "The suspect is believed to travel under an alias."),
        ("lines-0-line_type", "provisional_arrest"),
        ("lines-0-content-person_description", "Adult male, about 45, scar on the left hand."),
        ("lines-0-content-probable_location", "Buenos Aires."),
        ("lines-0-content-crimes_and_facts", "Crimes against humanity (art. 7)."),
        ("lines-0-content-warrant_reference", "ICC-01/99-01/26-1"),
        ("lines-0-content-surrender_request_to_follow", "A request for surrender will follow within 60 days."),
    ]
}

#[tokio::test]
async fn a_request_is_drafted_completed_approved_and_sent_through_the_pages() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let officer = signed_in(&s, "reg.officer", "Registry", "officer").await;

        // The list, the form and the work queues render, without inline code.
        let list = page(officer.get("/requests").await, StatusCode::OK, "list").await;
        assert!(list.contains("Requests for cooperation") && list.contains(r#"href="/requests/new""#));
        assert!(list.contains("No request yet"), "the empty state");
        assert!(list.contains("/api/v1/requests?format=csv"), "the CSV export link");
        let work = page(officer.get("/my-work").await, StatusCode::OK, "my work").await;
        assert!(work.contains("Drafts to finish") && work.contains("No draft of yours is waiting."));
        let form = page(officer.get("/requests/new").await, StatusCode::OK, "new").await;
        assert!(form.contains("Requested State or partner") && form.contains(r#"value="ARG""#));
        let token = hidden_csrf(&form);

        // Bad input comes back with every problem named, next to its field, values kept.
        let bad = [
            ("csrf", token.as_str()),
            ("op", "save"),
            ("partner_id", "ZZZ"),
            ("title", "Kept title"),
            ("deadline", "2026-01-01"),
            ("on_behalf_of", "registry"),
        ];
        let html = page(officer.post("/requests", &bad).await, StatusCode::UNPROCESSABLE_ENTITY, "bad draft").await;
        assert!(html.contains(r#"id="form-errors""#), "an error summary");
        assert!(html.contains(r##"href="#partner_id""##) && html.contains("ZZZ"), "the unknown partner is named");
        assert!(html.contains(r##"href="#deadline""##) && html.contains("must be today or later"));
        assert!(html.contains(r#"id="deadline-error""#) && html.contains(r#"aria-describedby="deadline-error""#));
        assert!(html.contains(r#"value="Kept title""#) && html.contains(r#"value="2026-01-01""#), "values are kept");
        assert_eq!(
            s.app.list_requests(&comity_app::Actor::operator(), &Default::default()).await.expect("list").total,
            0
        );

        // Adding a line re-renders the form with that type's checklist, labelled and cited.
        let add = [
            ("csrf", token.as_str()),
            ("op", "add_line"),
            ("title", "Kept title"),
            ("new_line_type", "provisional_arrest"),
        ];
        let html = page(officer.post("/requests", &add).await, StatusCode::OK, "add line").await;
        assert!(html.contains(r#"id="lines-0-content-person_description""#));
        assert!(html.contains("Description of the person sought") && html.contains("(art. 92(2)(a))"));
        assert!(html.contains(r#"value="Kept title""#));

        // An incomplete draft is saved all the same.
        let partial = [
            ("csrf", token.as_str()),
            ("op", "save"),
            ("on_behalf_of", "registry"),
            ("partner_id", "ARG"),
            ("title", "Provisional arrest of a suspect at large"),
            ("deadline", "2026-04-15"),
            ("lines-0-line_type", "provisional_arrest"),
            ("lines-0-content-person_description", "Adult male, about 45."),
        ];
        let res = officer.post("/requests", &partial).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let id = request_id(&res);
        let html = page(officer.get(&format!("/requests/{id}")).await, StatusCode::OK, "draft page").await;
        assert!(html.contains("What is missing") && html.contains("Probable location of the person"));
        assert!(html.contains(&format!(r#"href="/requests/{id}/edit#lines-0-content-probable_location""#)));
        assert!(html.contains("Essential facts"), "the request's own points are listed too");

        // The approver's attempt is refused with each missing point named.
        let approver = signed_in(&s, "reg.approver", "Registry", "approver").await;
        let path = format!("/requests/{id}/moves/approve");
        let form = page(approver.get(&path).await, StatusCode::OK, "approve form").await;
        let token_a = hidden_csrf(&form);
        let version = hidden(&form, "version");
        let approve = [
            ("csrf", token_a.as_str()),
            ("version", version.as_str()),
            ("decision_reference", "ICC-01/99-01/26-7"),
            ("effective_on", "2026-03-02"),
        ];
        let html =
            page(approver.post(&path, &approve).await, StatusCode::UNPROCESSABLE_ENTITY, "approve refused").await;
        assert!(html.contains("Probable location of the person") && html.contains("is required by art. 92(2)(a)"));
        assert!(html.contains(&format!(r#"href="/requests/{id}/edit#facts""#)), "links lead to the draft form");

        // The officer completes the draft through the edit form.
        let edit = page(officer.get(&format!("/requests/{id}/edit")).await, StatusCode::OK, "edit").await;
        assert!(edit.contains("Adult male, about 45."), "the stored answers fill the form");
        let old_version = hidden(&edit, "version");
        let token = hidden_csrf(&edit);
        let res = officer.post(&format!("/requests/{id}/edit"), &complete_draft(&token, &old_version)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "the completed draft is saved");
        // A second save from the same, now stale, page is refused with a clear message.
        let html = page(
            officer.post(&format!("/requests/{id}/edit"), &complete_draft(&token, &old_version)).await,
            StatusCode::CONFLICT,
            "stale edit",
        )
        .await;
        assert!(html.contains("Someone else changed this request"), "{html}");
        let html = page(officer.get(&format!("/requests/{id}")).await, StatusCode::OK, "complete draft").await;
        assert!(html.contains("Every checklist point is answered"));

        // Now the approval goes through.
        let form = page(approver.get(&path).await, StatusCode::OK, "approve form").await;
        let version = hidden(&form, "version");
        let approve = [
            ("csrf", token_a.as_str()),
            ("version", version.as_str()),
            ("decision_reference", "ICC-01/99-01/26-7"),
            ("effective_on", "2026-03-02"),
        ];
        let res = approver.post(&path, &approve).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), format!("/requests/{id}?done=approve"));
        let html = page(approver.get(&location(&res)).await, StatusCode::OK, "approved").await;
        assert!(html.contains("The request was approved.") && html.contains("rstatus-approved"));
        let work = page(officer.get("/my-work").await, StatusCode::OK, "my work").await;
        assert!(work.contains(&format!(r#"href="/requests/{id}""#)), "the approved request awaits transmission");

        // The Registry transmits it.
        let tpath = format!("/requests/{id}/moves/transmit");
        let form = page(officer.get(&tpath).await, StatusCode::OK, "transmit form").await;
        assert!(form.contains(r#"max="2026-03-02""#), "the effective date cannot be in the future");
        let transmit = [
            ("csrf", token.as_str()),
            ("version", &hidden(&form, "version")),
            ("effective_on", "2026-03-02"),
            ("note_verbale", "NV/2026/123"),
        ];
        let res = officer.post(&tpath, &transmit).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let html = page(officer.get(&format!("/requests/{id}")).await, StatusCode::OK, "transmitted").await;
        assert!(html.contains("How it was sent") && html.contains("NV/2026/123"));
        assert!(html.contains("reg.officer"), "the Court's view names who recorded each step");

        // A move no longer open answers 409 with the moves that are.
        let html = page(approver.get(&path).await, StatusCode::CONFLICT, "stale move").await;
        assert!(html.contains("This step is not open"));
        // Withdrawing needs the explicit confirmation.
        let wpath = format!("/requests/{id}/moves/withdraw");
        let form = page(officer.get(&wpath).await, StatusCode::OK, "withdraw form").await;
        assert!(form.contains(r#"name="confirm""#));
        let withdraw = [("csrf", token.as_str()), ("version", &hidden(&form, "version")), ("reason", "Changed plans")];
        let html = page(officer.post(&wpath, &withdraw).await, StatusCode::UNPROCESSABLE_ENTITY, "unconfirmed").await;
        assert!(html.contains("Tick the box to confirm."));

        // The addressee's focal point sees the external view and may acknowledge.
        let argentina = signed_in(&s, "fp.arg", "state:ARG", "officer").await;
        let html = page(argentina.get(&format!("/requests/{id}")).await, StatusCode::OK, "external").await;
        assert!(html.contains("Partner&#39;s view") || html.contains("Partner's view"), "{html}");
        assert!(!html.contains("Internal record") && !html.contains("reg.officer"), "no internal panel, no who");
        assert!(!html.contains("ICC-01/99-01/26-7") && !html.contains("Draft created"), "nothing from before sending");
        assert!(html.contains(&format!("/requests/{id}/moves/acknowledge")));
        assert!(!html.contains(&format!("/requests/{id}/moves/withdraw")), "only the partner's own moves");
        // Another State's focal point does not learn the request exists.
        let france = signed_in(&s, "fp.fra", "state:FRA", "officer").await;
        let html = page(france.get(&format!("/requests/{id}")).await, StatusCode::NOT_FOUND, "other State").await;
        assert!(html.contains("Not found"));
        assert_eq!(france.get(&format!("/requests/{id}/moves/acknowledge")).await.status(), StatusCode::NOT_FOUND);

        // The partner's page counts the request.
        let html = page(officer.get("/partners/ARG").await, StatusCode::OK, "partner").await;
        assert!(html.contains("open requests") && html.contains("/requests?partner=ARG"));

        // The list finds it by its filters, and htmx gets only the results.
        let html =
            page(officer.get("/requests?partner=ARG&status=transmitted").await, StatusCode::OK, "filtered").await;
        assert!(html.contains(&format!(r#"href="/requests/{id}""#)) && html.contains("1 request"));
        let fragment = officer
            .client
            .get(s.url("/requests?q=provisional"))
            .header("hx-request", "true")
            .send()
            .await
            .expect("GET");
        let fragment = page(fragment, StatusCode::OK, "fragment").await;
        assert!(!fragment.contains("<html") && fragment.contains(&format!(r#"href="/requests/{id}""#)));
        let html =
            page(officer.get("/requests?from=not-a-date").await, StatusCode::UNPROCESSABLE_ENTITY, "bad filter").await;
        assert!(html.contains(r##"href="#from""##));

        // Every page in French.
        assert_eq!(officer.get("/lang/fr?next=/requests").await.status(), StatusCode::SEE_OTHER);
        let html = page(officer.get("/requests").await, StatusCode::OK, "liste").await;
        assert!(html.contains("Demandes de coopération") && html.contains(r#"<html lang="fr" dir="ltr">"#));
        assert!(html.contains("Transmise"), "the status in French");
        assert!(html.contains("Argentine") && !html.contains("Argentina"), "the partner's French name");
        let html = page(officer.get(&format!("/requests/{id}")).await, StatusCode::OK, "demande").await;
        assert!(html.contains("Historique") && html.contains("Signalement de la personne recherchée"));
        assert!(html.contains("Argentine"), "the partner's French name");
        let html = page(officer.get("/requests/new").await, StatusCode::OK, "nouvelle").await;
        assert!(html.contains("Nouvelle demande") && html.contains("Arrestation provisoire (art. 92)"));
        let html = page(officer.get("/my-work").await, StatusCode::OK, "mon travail").await;
        assert!(html.contains("Projets à terminer"));
        let html = page(officer.get(&format!("/requests/{id}/moves/withdraw")).await, StatusCode::OK, "retrait").await;
        assert!(html.contains("Je confirme le retrait"));

        // And in Spanish, where the switcher offers the two other languages by their own names.
        assert_eq!(officer.get("/lang/es?next=/requests").await.status(), StatusCode::SEE_OTHER);
        let html = page(officer.get("/requests").await, StatusCode::OK, "lista").await;
        assert!(html.contains("Solicitudes de cooperación") && html.contains(r#"<html lang="es" dir="ltr">"#));
        assert!(html.contains(r#"hreflang="en">English</a>"#) && html.contains(r#"hreflang="fr">Français</a>"#));
        let html = page(officer.get(&format!("/requests/{id}")).await, StatusCode::OK, "solicitud").await;
        assert!(html.contains("Historial"), "{html}");

        // And in Arabic, laid out right to left.
        assert_eq!(officer.get("/lang/ar?next=/requests").await.status(), StatusCode::SEE_OTHER);
        let html = page(officer.get("/requests").await, StatusCode::OK, "arabic list").await;
        assert!(html.contains(r#"<html lang="ar" dir="rtl">"#), "right to left");
        assert!(html.contains(r#"hreflang="es">Español</a>"#) && !html.contains("Solicitudes de cooperación"));
    });
}

#[tokio::test]
async fn execution_is_recorded_line_by_line_with_documents_and_turnaround() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let officer_password = s.user("reg.officer", "Registry", "officer").await;
        let approver_password = s.user("reg.approver", "Registry", "approver").await;
        let officer = relogin(&s, "reg.officer", &officer_password).await;
        let token = csrf(&officer, "/requests/new").await;
        let res = officer.post("/requests", &complete_draft(&token, "0")).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let id = request_id(&res);

        // Twelve days later the steps are recorded, each with the day it took effect.
        s.clock.advance(chrono::Duration::days(12));
        let officer = relogin(&s, "reg.officer", &officer_password).await;
        let approver = relogin(&s, "reg.approver", &approver_password).await;
        let token = csrf(&officer, "/").await;
        let token_a = csrf(&approver, "/").await;
        let steps: [Step; 5] = [
            ("approver", "approve", "2026-03-02", Some(("decision_reference", "ICC-01/99-01/26-7"))),
            ("officer", "transmit", "2026-03-05", None),
            ("officer", "acknowledge", "2026-03-08", Some(("national_reference", "AR-2026-77"))),
            ("officer", "record_partial_execution", "2026-03-11", Some(("line_outcomes-1", "partially_executed"))),
            ("officer", "record_execution", "2026-03-14", None),
        ];
        for (who, m, on, extra) in steps {
            let (b, tok) = if who == "approver" { (&approver, &token_a) } else { (&officer, &token) };
            let path = format!("/requests/{id}/moves/{m}");
            let form = page(b.get(&path).await, StatusCode::OK, m).await;
            let version = hidden(&form, "version");
            let mut fields = vec![("csrf", tok.as_str()), ("version", version.as_str()), ("effective_on", on)];
            fields.extend(extra);
            let res = b.post(&path, &fields).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{m}: {}", res.text().await.unwrap_or_default());
        }
        let html = page(officer.get(&format!("/requests/{id}")).await, StatusCode::OK, "executed").await;
        assert!(html.contains("rstatus-executed"));
        assert!(html.contains("3 days") && html.contains("9 days"), "days to first response and to execution");
        assert!(html.contains("AR-2026-77") && html.contains("Partially executed"), "the history keeps the details");

        // A file is uploaded, listed with its hash, and downloaded intact.
        let pdf = b"%PDF-1.4\n% Comity test\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
        let docs = format!("/requests/{id}/documents");
        let parts: [(&str, Option<&str>, &[u8]); 4] = [
            ("csrf", None, token.as_bytes()),
            ("kind", None, b"material_received"),
            ("description", None, b"Execution report"),
            ("file", Some("report.pdf"), &pdf),
        ];
        let res = upload(&officer, &s, &docs, &parts).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let html = page(officer.get(&format!("/requests/{id}")).await, StatusCode::OK, "with a document").await;
        let sha = comity_app::documents::sha256_hex(&pdf);
        assert!(html.contains("report.pdf") && html.contains(&sha), "the list shows the file and its hash");
        let href_at = html.find(&format!("/requests/{id}/documents/")).expect("a download link");
        let href = &html[href_at..href_at + html[href_at..].find('"').expect("end of link")];
        let res = officer.get(href).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        assert_eq!(res.bytes().await.expect("the file").to_vec(), pdf);

        // A file that is not accepted comes back with the problem named; a forged form is refused.
        let parts: [(&str, Option<&str>, &[u8]); 2] =
            [("csrf", None, token.as_bytes()), ("file", Some("tool.exe"), b"MZ\x90\x00")];
        let html =
            page(upload(&officer, &s, &docs, &parts).await, StatusCode::UNPROCESSABLE_ENTITY, "refused upload").await;
        assert!(html.contains(r##"href="#file""##) && html.contains("not accepted"));
        let parts: [(&str, Option<&str>, &[u8]); 2] = [("csrf", None, b"forged"), ("file", Some("x.pdf"), &pdf)];
        assert_eq!(upload(&officer, &s, &docs, &parts).await.status(), StatusCode::FORBIDDEN);

        // The letter is generated into the documents.
        let res = officer.post(&format!("/requests/{id}/letter"), &[("csrf", token.as_str())]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let html = page(officer.get(&format!("/requests/{id}")).await, StatusCode::OK, "with a letter").await;
        assert!(html.contains("-letter-") && html.contains(".docx"), "the generated letter is listed");
    });
}

/// The thread on the request page: a State's focal point writes with a file attached, without
/// JavaScript; the Court reads it; another State cannot post to it.
#[tokio::test]
async fn a_focal_point_writes_in_the_thread_from_the_request_page() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let registry = s.user_token("reg.officer", "Registry", "officer,approver").await;
        let body = crate::complete_request("chamber", "ARG", "Bank records of the accused");
        let (_, draft) = crate::json(s.post("/api/v1/requests", &registry, &body).await).await;
        let id = draft["id"].as_str().expect("id").to_owned();
        let path = format!("/requests/{id}");
        let fp = signed_in(&s, "fp.arg", "state:ARG", "officer").await;
        for action in ["approve", "transmit"] {
            let res = s
                .post(
                    &format!("/api/v1/requests/{id}/transitions"),
                    &registry,
                    &serde_json::json!({ "action": action }),
                )
                .await;
            assert_eq!(res.status(), StatusCode::OK, "{action}");
        }

        let html = page(fp.get(&path).await, StatusCode::OK, "the State's request page").await;
        assert!(html.contains(r#"id="messages""#) && html.contains("No message yet."), "an empty thread");
        assert!(html.contains(r#"action="/requests/"#) && html.contains("/messages\" enctype=\"multipart/form-data\""));
        let token = hidden(&html, "csrf");
        let parts: [(&str, Option<&str>, &[u8]); 3] = [
            ("csrf", None, token.as_bytes()),
            ("body", None, "The accounts were frozen on 3 March; the order is attached.".as_bytes()),
            ("file", Some("freezing-order.pdf"), b"%PDF-1.4 order"),
        ];
        let res = upload(&fp, &s, &format!("{path}/messages"), &parts).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), format!("{path}?done=message#messages"));
        let html = page(fp.get(&format!("{path}?done=message")).await, StatusCode::OK, "after sending").await;
        assert!(html.contains("Your message was sent"), "a confirmation");
        assert!(html.contains("The accounts were frozen on 3 March") && html.contains("freezing-order.pdf"));

        let (status, thread) = crate::json(s.get(&format!("/api/v1/requests/{id}/messages"), &registry).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(thread[0]["side"], "partner");
        assert_eq!(thread[0]["document"]["filename"], "freezing-order.pdf");

        // No token, another State: refused, and nothing added.
        let forged: [(&str, Option<&str>, &[u8]); 2] = [("csrf", None, b"forged"), ("body", None, b"hello")];
        assert_eq!(upload(&fp, &s, &format!("{path}/messages"), &forged).await.status(), StatusCode::FORBIDDEN);
        let fra = signed_in(&s, "fp.fra", "state:FRA", "officer").await;
        let fra_token = csrf(&fra, "/requests").await;
        let theirs: [(&str, Option<&str>, &[u8]); 2] = [("csrf", None, fra_token.as_bytes()), ("body", None, b"hello")];
        assert_eq!(upload(&fra, &s, &format!("{path}/messages"), &theirs).await.status(), StatusCode::NOT_FOUND);
        let (_, thread) = crate::json(s.get(&format!("/api/v1/requests/{id}/messages"), &registry).await).await;
        assert_eq!(thread.as_array().map(Vec::len), Some(1));
    });
}

/// The portal's pages stay light for focal points on slow connections: a request page and a
/// full list, with the stylesheet and scripts they load, weigh under 100 KB as transferred.
#[tokio::test]
async fn the_state_pages_weigh_under_100_kb_with_their_assets() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let registry = s.user_token("reg.officer", "Registry", "officer,approver").await;
        let mut last = String::new();
        for n in 0..50 {
            let body = crate::complete_request("chamber", "ARG", &format!("Bank records, part {n}"));
            let (_, draft) = crate::json(s.post("/api/v1/requests", &registry, &body).await).await;
            last = draft["id"].as_str().expect("id").to_owned();
            for action in ["approve", "transmit"] {
                s.post(
                    &format!("/api/v1/requests/{last}/transitions"),
                    &registry,
                    &serde_json::json!({ "action": action }),
                )
                .await;
            }
        }
        let fp = signed_in(&s, "fp.arg", "state:ARG", "officer").await;
        // As a browser fetches them: the assets gzipped, the pages not (see `assets::routes`).
        let assets: u64 = {
            let mut total = 0;
            for asset in ["/assets/comity.css", "/assets/comity.js", "/assets/htmx.min.js"] {
                let res = fp.client.get(s.url(asset)).header("accept-encoding", "gzip").send().await.expect("asset");
                assert_eq!(
                    res.headers().get("content-encoding").map(|v| v.to_str().unwrap_or("")),
                    Some("gzip"),
                    "{asset}"
                );
                total += res.bytes().await.expect("asset").len() as u64;
            }
            total
        };
        for path in ["/requests".to_owned(), format!("/requests/{last}"), "/partners/ARG".to_owned()] {
            let html = page(fp.get(&path).await, StatusCode::OK, &path).await;
            let weight = html.len() as u64 + assets;
            assert!(weight < 100 * 1024, "{path} weighs {} KB with its assets", weight / 1024);
        }
    });
}

/// Another State's focal point reaches nothing of a request through the pages or the API: not
/// the request, its documents, receipts, thread or the State's proposals; an unshared draft is
/// hidden from the addressee too. Their own list is their State's inbox.
#[tokio::test]
async fn another_states_focal_point_reaches_nothing_through_pages_or_api() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let registry = s.user_token("reg.officer", "Registry", "officer,approver").await;
        let fra_token = s.user_token("fp.fra.api", "state:FRA", "officer").await;
        let body = crate::complete_request("chamber", "ARG", "Bank records of the accused");
        let (_, draft) = crate::json(s.post("/api/v1/requests", &registry, &body).await).await;
        let id = draft["id"].as_str().expect("id").to_owned();
        let (_, unshared) = crate::json(s.post("/api/v1/requests", &registry, &body).await).await;
        let unshared = unshared["id"].as_str().expect("id").to_owned();
        for action in ["approve", "transmit"] {
            s.post(&format!("/api/v1/requests/{id}/transitions"), &registry, &serde_json::json!({ "action": action }))
                .await;
        }
        let upload =
            [crate::Part::text("kind", "annex"), crate::Part::file("annex.pdf", "application/pdf", b"%PDF-1.4 annex")];
        let (_, doc) =
            crate::json(s.post_multipart(&format!("/api/v1/requests/{id}/documents"), &registry, &upload).await).await;
        let doc = doc["id"].as_str().expect("document id").to_owned();
        s.post(
            &format!("/api/v1/requests/{id}/messages"),
            &registry,
            &serde_json::json!({ "body": "For Argentina only" }),
        )
        .await;

        let arg = signed_in(&s, "fp.arg", "state:ARG", "officer").await;
        let inbox = page(arg.get("/requests").await, StatusCode::OK, "Argentina's inbox").await;
        assert!(inbox.contains("Inbox: requests to your State") && inbox.contains(&format!("/requests/{id}")));
        assert!(!inbox.contains(&format!("/requests/{unshared}")), "an unshared draft is not in the inbox");
        assert_eq!(arg.get(&format!("/requests/{unshared}")).await.status(), StatusCode::NOT_FOUND);

        let fra = signed_in(&s, "fp.fra", "state:FRA", "officer").await;
        for path in [
            format!("/requests/{id}"),
            format!("/requests/{id}/documents/{doc}"),
            format!("/requests/{id}/receipts/1.json"),
            format!("/requests/{id}/receipts/1.pdf"),
            format!("/requests/{id}/moves/acknowledge"),
        ] {
            assert_eq!(fra.get(&path).await.status(), StatusCode::NOT_FOUND, "page {path}");
        }
        let list = page(fra.get("/requests").await, StatusCode::OK, "France's inbox").await;
        assert!(!list.contains(&id) && !list.contains("Bank records"), "nothing of it in another State's list");
        for path in [
            format!("/api/v1/requests/{id}"),
            format!("/api/v1/requests/{id}/events"),
            format!("/api/v1/requests/{id}/documents"),
            format!("/api/v1/requests/{id}/documents/{doc}"),
            format!("/api/v1/requests/{id}/messages"),
            format!("/api/v1/requests/{id}/receipts"),
            format!("/api/v1/requests/{id}/receipts/1"),
            "/api/v1/partners/ARG/profile-proposals".to_owned(),
        ] {
            crate::expect_error(s.get(&path, &fra_token).await, StatusCode::NOT_FOUND, "not_found").await;
        }
        let (_, search) = crate::json(s.get("/api/v1/requests?q=bank", &fra_token).await).await;
        assert_eq!(search["total"], 0);
    });
}

/// An office's administrator manages their own colleagues from the accounts page, and no one
/// else's.
#[tokio::test]
async fn a_states_office_administrator_disables_a_colleague_and_no_one_else() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        s.user("luis.gomez", "state:ARG", "officer").await;
        s.user("jean.dupont", "state:FRA", "officer").await;
        let admin = signed_in(&s, "ana.perez", "state:ARG", "officer,unit_admin").await;
        let html = page(admin.get("/admin/users").await, StatusCode::OK, "the office's accounts").await;
        assert!(html.contains("luis.gomez") && !html.contains("jean.dupont"), "their own office only");
        let token = hidden(&html, "csrf");
        let unconfirmed = admin.post("/admin/users/luis.gomez/disable", &[("csrf", token.as_str())]).await;
        assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY, "a confirmation first");
        let done = admin.post("/admin/users/luis.gomez/disable", &[("csrf", token.as_str()), ("confirm", "yes")]).await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER);
        let html = page(admin.get("/admin/users").await, StatusCode::OK, "after").await;
        assert!(html.contains("/admin/users/luis.gomez/enable"), "disabled, and can be enabled again");
        let foreign =
            admin.post("/admin/users/jean.dupont/disable", &[("csrf", token.as_str()), ("confirm", "yes")]).await;
        assert!(matches!(foreign.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", foreign.status());
        let users = s.app.list_users(&comity_app::Actor::operator()).await.expect("users");
        let disabled: Vec<_> = users.iter().filter(|u| u.disabled).map(|u| u.name.as_str()).collect();
        assert_eq!(disabled, ["luis.gomez"]);
    });
}

/// Every control of the portal's pages can be reached and named from the keyboard: each
/// field has a label (or an accessible name), nothing reorders the tab sequence, and every
/// action is a link or a button, not a scripted element.
#[tokio::test]
async fn the_portal_pages_are_usable_from_the_keyboard() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let registry = s.user_token("reg.officer", "Registry", "officer,approver").await;
        let body = crate::complete_request("chamber", "ARG", "Bank records of the accused");
        let (_, draft) = crate::json(s.post("/api/v1/requests", &registry, &body).await).await;
        let id = draft["id"].as_str().expect("id").to_owned();
        for action in ["approve", "transmit"] {
            s.post(&format!("/api/v1/requests/{id}/transitions"), &registry, &serde_json::json!({ "action": action }))
                .await;
        }
        let fp = signed_in(&s, "fp.arg", "state:ARG", "officer,unit_admin").await;
        let invitation = comity_app::invitations::InvitationInput {
            name: "luis.gomez".into(),
            email: "luis@cancilleria.example".into(),
            unit: "state:ARG".into(),
            roles: "officer".into(),
            ..Default::default()
        };
        let sent = s.app.invite(&comity_app::Actor::operator(), &invitation).await.expect("an invitation");
        let link = sent.activation_path.expect("a link");
        let pages = [
            ("/requests".to_owned(), &fp),
            (format!("/requests/{id}"), &fp),
            (format!("/requests/{id}/moves/acknowledge"), &fp),
            (format!("/requests/{id}/moves/open_consultation"), &fp),
            ("/partners/ARG".to_owned(), &fp),
            ("/admin/users".to_owned(), &fp),
            ("/account".to_owned(), &fp),
        ];
        let visitor = crate::ui::Browser::new(&s);
        let mut checked = Vec::new();
        for (path, who) in pages.iter().map(|(p, b)| (p.clone(), *b)).chain([(link, &visitor)]) {
            let html = page(who.get(&path).await, StatusCode::OK, &path).await;
            let problems = keyboard_problems(&html);
            assert!(problems.is_empty(), "{path}: {problems:#?}");
            checked.push(path);
        }
        assert_eq!(checked.len(), 8);
    });
}

/// What would stop a keyboard user on a page: an unlabelled field, a positive tabindex, a
/// clickable element that is neither a link nor a button.
fn keyboard_problems(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let tags = |name: &str| -> Vec<String> {
        html.match_indices(&format!("<{name}"))
            .filter(|(i, _)| html[i + name.len() + 1..].starts_with([' ', '>']))
            .map(|(i, _)| html[i..i + html[i..].find('>').unwrap_or(0) + 1].to_owned())
            .collect()
    };
    let attr = |tag: &str, a: &str| -> Option<String> {
        let key = format!(" {a}=\"");
        tag.find(&key).map(|i| tag[i + key.len()..].split('"').next().unwrap_or("").to_owned())
    };
    for tag in tags("input").into_iter().chain(tags("select")).chain(tags("textarea")) {
        if matches!(attr(&tag, "type").as_deref(), Some("hidden" | "submit")) {
            continue;
        }
        let named = attr(&tag, "aria-label").is_some()
            || attr(&tag, "id").is_some_and(|id| html.contains(&format!("for=\"{id}\"")));
        if !named {
            problems.push(format!("a field without a label: {tag}"));
        }
    }
    for tag in tags("button").into_iter().chain(tags("a")) {
        if attr(&tag, "tabindex").is_some_and(|t| t.parse::<i32>().unwrap_or(0) > 0) {
            problems.push(format!("a positive tabindex reorders the page: {tag}"));
        }
    }
    for tag in tags("div").into_iter().chain(tags("span")) {
        if tag.contains("onclick") || tag.contains("role=\"button\"") {
            problems.push(format!("a scripted control the keyboard cannot reach: {tag}"));
        }
    }
    problems
}

#[test]
fn keyboard_problems_are_found() {
    let bad = r#"<label for="a">A</label><input id="a"><input id="b" name="b"><a href="/" tabindex="3">x</a><div onclick="go()">y</div>"#;
    let found = keyboard_problems(bad);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(keyboard_problems(r#"<label for="a">A</label><select id="a"></select><input type="hidden" name="csrf">"#)
        .is_empty());
}
