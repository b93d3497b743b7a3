//! The warrant, travel-alert and non-compliance pages in a browser's shoes: they render for an
//! officer of the Prosecutor, a sealed warrant stays hidden from a unit it does not name and
//! from a State's focal point, and the public page works signed out and names nothing sealed.
//! The journey from a travel report to a request for arrest in real Chromium is in the
//! `comity` binary's browser suite (`crates/cli/tests/it/browser.rs`).

use comity_app::{
    alerts::AlertInput,
    compliance::FindingInput,
    warrants::{PersonInput, WarrantInput},
    Actor,
};
use comity_domain::warrant::AlertIntake;
use comity_testkit::on_every_engine;
use reqwest::{Response, StatusCode};

use crate::{
    ui::{hidden_csrf, location, Browser},
    TestServer,
};

const OTP: &str = "Office of the Prosecutor";

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

/// Every field of a page has a label the keyboard and screen readers can reach.
fn assert_fields_labelled(html: &str, what: &str) {
    for name in ["input", "select", "textarea"] {
        for (i, _) in html.match_indices(&format!("<{name}")) {
            if !html[i + name.len() + 1..].starts_with([' ', '>']) {
                continue;
            }
            let tag = &html[i..i + html[i..].find('>').unwrap_or(0) + 1];
            if tag.contains(r#"type="hidden""#) || tag.contains(r#"type="submit""#) {
                continue;
            }
            let id = tag.split(" id=\"").nth(1).and_then(|r| r.split('"').next());
            let labelled = tag.contains("aria-label=") || id.is_some_and(|id| html.contains(&format!("for=\"{id}\"")));
            assert!(labelled, "{what}: a field without a label: {tag}");
        }
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

async fn signed_in(s: &TestServer, name: &str, password: &str) -> Browser {
    let b = Browser::new(s);
    let res = b.login(name, password).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{name} signs in");
    if location(&res) == "/account/second-factor" {
        crate::ui::enrol_second_factor(&b, s).await;
    }
    b
}

/// A user of `unit` with the actor the use cases take, and their password.
async fn user_actor(s: &TestServer, name: &str, unit: &str, roles: &str) -> (Actor, String) {
    let password = s.user(name, unit, roles).await;
    let token = s.token(name).await;
    let actor = s.app.token_actor(&token).await.expect("the user's actor");
    (actor, password)
}

fn warrant(reference: &str, name: &str, aliases: &[&str], under_seal: bool) -> WarrantInput {
    WarrantInput {
        reference: reference.into(),
        person: Some(PersonInput {
            name: name.into(),
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
            born_on: Some("1968-05-14".into()),
            nationality: None,
        }),
        situation: "Situation in the Republic of Example".into(),
        case_name: format!("The Prosecutor v. {name}"),
        chamber: "Pre-Trial Chamber II".into(),
        issued_on: "2025-11-20".into(),
        crimes: "Crimes against humanity of murder and persecution (art. 7(1)(a) and (h)).".into(),
        facts: "Attacks on the civilian population of the eastern province in 2024.".into(),
        under_seal,
        ..WarrantInput::default()
    }
}

/// The id in a redirect to `/{kind}/{id}?...`.
fn id_in(res: &Response, kind: &str) -> String {
    let to = location(res);
    let rest = to.strip_prefix(&format!("/{kind}/")).unwrap_or_else(|| panic!("a redirect to /{kind}/, got {to:?}"));
    rest.split(['?', '#']).next().expect("an id").to_owned()
}

#[tokio::test]
async fn the_pages_render_and_a_sealed_warrant_stays_hidden() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let (otp, otp_password) = user_actor(&s, "otp.officer", OTP, "officer").await;
        let public = s
            .app
            .issue_warrant(
                &otp,
                &warrant("ICC-01/99-01/26-3", "Ahmad Khalil al-Mansour", &["Ahmed Kalil Mansour"], false),
            )
            .await
            .expect("a public warrant");
        let sealed = s
            .app
            .issue_warrant(&otp, &warrant("ICC-01/99-01/26-9-SEALED", "Idris Concealed Name", &[], true))
            .await
            .expect("a sealed warrant");
        let alert = s
            .app
            .report_travel(
                &otp,
                &AlertInput {
                    reported_name: "Ahmed Khalil el-Mansour".into(),
                    source: "Liaison officer".into(),
                    ..AlertInput::default()
                },
                AlertIntake::Form,
            )
            .await
            .expect("a travel report");
        let (chambers, chambers_password) = user_actor(&s, "pt2.officer", "Chambers", "officer").await;
        let finding = s
            .app
            .record_finding(
                &chambers,
                &FindingInput {
                    partner_id: "ARG".into(),
                    decided_on: "2026-01-15".into(),
                    chamber: "Pre-Trial Chamber II".into(),
                    decision_reference: "ICC-01/99-01/26-40".into(),
                    summary: "Failure to arrest the suspect during a visit.".into(),
                    ..FindingInput::default()
                },
            )
            .await
            .expect("a finding");
        let (w, a, f) = (&public.summary.id, &alert.summary.id, &finding.summary.id);
        let (sw, sp) = (&sealed.summary.id, &sealed.person.id);

        // Every page renders for the officer, each field labelled.
        let officer = signed_in(&s, "otp.officer", &otp_password).await;
        for path in [
            "/warrants".to_owned(),
            "/warrants?status=at_large&q=mansour".to_owned(),
            "/warrants/new".to_owned(),
            format!("/warrants/{w}"),
            format!("/warrants/{sw}"),
            format!("/warrants/{sw}/unseal"),
            format!("/persons/{}", public.person.id),
            "/alerts".to_owned(),
            "/alerts/new".to_owned(),
            format!("/alerts/{a}"),
            "/compliance".to_owned(),
            format!("/compliance/{f}"),
            "/public/warrants".to_owned(),
        ] {
            let html = page(officer.get(&path).await, StatusCode::OK, &path).await;
            assert_fields_labelled(&html, &path);
        }
        let home = page(officer.get("/").await, StatusCode::OK, "home").await;
        for link in ["href=\"/warrants\"", "href=\"/alerts\"", "href=\"/compliance\""] {
            assert!(home.contains(link), "the navigation links {link}");
        }
        let list = page(officer.get("/warrants").await, StatusCode::OK, "the list").await;
        assert!(
            list.contains("ICC-01/99-01/26-3") && list.contains("ICC-01/99-01/26-9-SEALED"),
            "both, for their unit"
        );
        assert!(list.contains("id=\"at-large\""), "the persons-at-large figure");
        let alert_page = page(officer.get(&format!("/alerts/{a}")).await, StatusCode::OK, "the alert").await;
        assert!(alert_page.contains("Ahmad Khalil al-Mansour") && alert_page.contains("pick-person"), "the suggestion");
        let chambers_browser = signed_in(&s, "pt2.officer", &chambers_password).await;
        let findings = page(chambers_browser.get("/compliance").await, StatusCode::OK, "findings").await;
        assert!(
            findings.contains("ICC-01/99-01/26-40") && findings.contains("Good offices"),
            "the finding and its steps"
        );

        // A warrant recorded through the form, refused first for what it lacks.
        let csrf = hidden_csrf(&officer.get("/warrants/new").await.text().await.expect("the form"));
        let refused = officer.post("/warrants", &[("csrf", &csrf), ("person-name", "Third Person")]).await;
        let html = page(refused, StatusCode::UNPROCESSABLE_ENTITY, "an incomplete warrant").await;
        assert!(html.contains("href=\"#reference\"") && html.contains("id=\"case_name-error\""), "errors by field");
        assert!(html.contains("value=\"Third Person\""), "what was typed is kept");
        let created = officer
            .post(
                "/warrants",
                &[
                    ("csrf", &csrf),
                    ("person-name", "Third Person"),
                    ("person-aliases", "Troisième Personne\nTercera Persona"),
                    ("reference", "ICC-01/99-01/26-12"),
                    ("kind", "arrest_warrant"),
                    ("case_name", "The Prosecutor v. Third Person"),
                    ("chamber", "Pre-Trial Chamber II"),
                    ("issued_on", "2026-02-01"),
                    ("crimes", "War crimes (art. 8)."),
                    ("classification", "public"),
                ],
            )
            .await;
        assert_eq!(created.status(), StatusCode::SEE_OTHER);
        let third = id_in(&created, "warrants");
        let html = page(officer.get(&format!("/warrants/{third}?done=created")).await, StatusCode::OK, "new").await;
        assert!(html.contains("Troisième Personne") && html.contains("Recorded."));

        // A status change, and lifting a seal only once confirmed.
        let version = crate::ui::hidden_value(&html, "version");
        let moved = officer
            .post(
                &format!("/warrants/{third}/status"),
                &[("csrf", &csrf), ("version", &version), ("st-status", "arrested"), ("st-effective_on", "2026-03-01")],
            )
            .await;
        assert_eq!(moved.status(), StatusCode::SEE_OTHER);
        let html = page(officer.get(&format!("/warrants/{third}")).await, StatusCode::OK, "moved").await;
        assert!(html.contains("pstatus-arrested"), "the new status shows");
        let form = page(officer.get(&format!("/warrants/{sw}/unseal")).await, StatusCode::OK, "unseal").await;
        let version = crate::ui::hidden_value(&form, "version");
        let unconfirmed =
            officer.post(&format!("/warrants/{sw}/unseal"), &[("csrf", &csrf), ("version", &version)]).await;
        assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY, "a confirmation first");
        assert!(s.app.warrant(&otp, sw).await.expect("the warrant").summary.under_seal, "still sealed");

        // Requests to two States at once, one chosen and one typed.
        let sent = officer
            .post(
                &format!("/warrants/{w}/requests"),
                &[
                    ("csrf", &csrf),
                    ("send-line_type", "arrest_surrender"),
                    ("send-partner_ids", "ARG"),
                    ("send-codes", "ken"),
                    ("send-probable_location", "Believed to live in the capital."),
                ],
            )
            .await;
        assert_eq!(location(&sent), format!("/warrants/{w}?done=sent&count=2#requests"));
        let html = page(officer.get(&format!("/warrants/{w}?done=sent&count=2")).await, StatusCode::OK, "sent").await;
        assert!(html.contains("2 requests drafted") && html.contains("Argentina") && html.contains("Kenya"));
        let none = officer.post(&format!("/warrants/{w}/requests"), &[("csrf", &csrf)]).await;
        let html = page(none, StatusCode::UNPROCESSABLE_ENTITY, "no State").await;
        assert!(html.contains("id=\"send-partner_ids-error\""), "the States field says what is missing");

        // A démarche about the person, logged from the person's page.
        let person = format!("/persons/{}", public.person.id);
        let logged = officer
            .post(
                &format!("{person}/demarches"),
                &[
                    ("csrf", &csrf),
                    ("dm-kind", "meeting"),
                    ("dm-partner_id", "ARG"),
                    ("dm-happened_on", "2026-02-27"),
                    ("dm-summary", "Met the Director of International Cooperation."),
                ],
            )
            .await;
        assert_eq!(logged.status(), StatusCode::SEE_OTHER);
        let html = page(officer.get(&person).await, StatusCode::OK, "the person").await;
        assert!(html.contains("Met the Director of International Cooperation.") && html.contains("tl-demarche"));

        // Dismissing an alert needs a reason, said on the move's own field.
        let version = crate::ui::hidden_value(&alert_page, "version");
        let dismissed =
            officer.post(&format!("/alerts/{a}/moves/dismiss"), &[("csrf", &csrf), ("version", &version)]).await;
        let html = page(dismissed, StatusCode::UNPROCESSABLE_ENTITY, "dismiss").await;
        assert!(html.contains("id=\"dismiss-outcome-error\"") && html.contains("href=\"#dismiss-outcome\""));

        // An Assembly step recorded with its document (multipart, the token in the form).
        let html = page(chambers_browser.get(&format!("/compliance/{f}")).await, StatusCode::OK, "the finding").await;
        let (token, version) = (hidden_csrf(&html), crate::ui::hidden_value(&html, "version"));
        let parts = [
            crate::Part::text("csrf", &token),
            crate::Part::text("version", &version),
            crate::Part::text("status", "done"),
            crate::Part::text("done_on", "2026-02-20"),
            crate::Part::text("note", "The Bureau met in The Hague."),
            crate::Part::file("minutes.pdf", "application/pdf", b"%PDF-1.4 minutes"),
        ];
        let (content_type, body) = crate::multipart(&parts);
        let res = chambers_browser
            .client
            .post(s.url(&format!("/compliance/{f}/steps/bureau_meeting")))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST");
        assert_eq!(location(&res), format!("/compliance/{f}?done=step#steps"));
        let html = page(chambers_browser.get(&format!("/compliance/{f}")).await, StatusCode::OK, "after").await;
        assert!(html.contains("The Bureau met in The Hague.") && html.contains("minutes.pdf"));
        let doc = chambers_browser.get(&format!("/compliance/{f}/steps/bureau_meeting/document")).await;
        assert_eq!(doc.bytes().await.expect("the document").as_ref(), b"%PDF-1.4 minutes");

        // The sealed warrant is hidden from a unit it does not name, and from a State.
        let registry = signed_in(&s, "reg.officer", &s.user("reg.officer", "Registry", "officer").await).await;
        let state = signed_in(&s, "fp.arg", &s.user("fp.arg", "state:ARG", "officer").await).await;
        for (who, b) in [("the Registry", &registry), ("Argentina's focal point", &state)] {
            for path in [format!("/warrants/{sw}"), format!("/persons/{sp}"), format!("/warrants/{sw}/unseal")] {
                assert_eq!(b.get(&path).await.status(), StatusCode::NOT_FOUND, "{who}: {path}");
            }
        }
        let list = page(registry.get("/warrants").await, StatusCode::OK, "the Registry's list").await;
        assert!(list.contains("ICC-01/99-01/26-3"), "the public warrant is listed");
        assert!(!list.contains("SEALED") && !list.contains("Idris"), "nothing of the sealed one");
        let state_home = page(state.get("/").await, StatusCode::OK, "the State's home").await;
        assert!(!state_home.contains("href=\"/warrants\""), "no warrants link for a State");

        // The public page, signed out: public warrants and figures, nothing sealed.
        let res = s.http.get(s.url("/public/warrants")).send().await.expect("GET");
        let html = page(res, StatusCode::OK, "the public page").await;
        assert!(html.contains("ICC-01/99-01/26-3") && html.contains("Ahmad Khalil al-Mansour"));
        assert!(!html.contains("SEALED") && !html.contains("Idris Concealed Name"), "no sealed warrant");
        assert!(html.contains("id=\"public-at-large\""));
        let earlier = page(
            s.http.get(s.url("/public/warrants?on=2025-01-01")).send().await.expect("GET"),
            StatusCode::OK,
            "an earlier day",
        )
        .await;
        assert!(!earlier.contains("ICC-01/99-01/26-3"), "not yet issued on that day");
        let bad = s.http.get(s.url("/public/warrants?on=yesterday")).send().await.expect("GET");
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        for path in ["/warrants", "/alerts", "/compliance"] {
            let res = s.http.get(s.url(path)).send().await.expect("GET");
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path} needs a session");
        }
    });
}
