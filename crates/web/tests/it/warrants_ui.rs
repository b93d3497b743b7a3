//! The warrant, travel-alert and non-compliance pages in a browser's shoes: they render for an
//! officer of the Prosecutor, a sealed warrant stays hidden from a unit it does not name and
//! from a State's focal point, the public page works signed out and names nothing sealed;
//! and, in real headless Chromium, a reported journey is triaged, confirmed and turned into
//! the prefilled request for arrest and surrender.
//!
//! The browser journey runs only when `COMITY_TEST_BROWSER=1`; it needs `/usr/bin/chromium`
//! and `/usr/bin/chromedriver`, and speaks the W3C WebDriver protocol to chromedriver itself.

use std::{
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use base64::Engine;
use comity_app::{
    alerts::AlertInput,
    compliance::FindingInput,
    warrants::{PersonInput, WarrantInput},
    Actor,
};
use comity_domain::warrant::AlertIntake;
use comity_testkit::on_every_engine;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

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

// ---- The browser journey ----------------------------------------------------------------

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const WAIT: Duration = Duration::from_secs(60);
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn fail(msg: String) -> Failure {
    msg.into()
}

/// Where screenshots go: `$COMITY_SCREENSHOT_DIR`, else `screenshots` in the target directory.
fn screenshot_dir() -> PathBuf {
    match std::env::var_os("COMITY_SCREENSHOT_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_TARGET_TMPDIR")).parent().map(|p| p.join("screenshots")).unwrap_or_default(),
    }
}

/// A chromedriver process of our own, stopped on drop.
struct Chromedriver {
    child: Child,
    url: String,
}

impl Chromedriver {
    fn start() -> Self {
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = {
                let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
                l.local_addr().expect("local address").port()
            };
            let mut child = Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("could not start {CHROMEDRIVER} (apt-get install chromium-driver): {e}"));
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = child.try_wait() {
                    last_error = format!("chromedriver exited with {status} on port {port}");
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Self { child, url: format!("http://127.0.0.1:{port}") };
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
            if last_error.is_empty() {
                last_error = format!("chromedriver did not listen on port {port}");
            }
        }
        panic!("{last_error}");
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where screenshots go and a running chromedriver, or none when browser tests are off
/// (`COMITY_TEST_BROWSER=1` turns them on; CI sets it).
fn browser_run() -> Option<(PathBuf, Chromedriver)> {
    if std::env::var("COMITY_TEST_BROWSER").ok().as_deref() != Some("1") {
        eprintln!("skipped: set COMITY_TEST_BROWSER=1");
        return None;
    }
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots).unwrap_or_else(|e| panic!("create {}: {e}", shots.display()));
    Some((shots, Chromedriver::start()))
}

/// One Chromium session, driven over the W3C WebDriver protocol.
struct Chromium {
    http: reqwest::Client,
    session: String,
}

impl Chromium {
    async fn open(driver: &Chromedriver, profile: &Path) -> Result<Self, Failure> {
        let http = reqwest::Client::new();
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-dev-shm-usage", "--no-first-run", "--disable-component-update", "--disable-sync",
                    "--hide-scrollbars", "--lang=en-GB", "--window-size=1280,1100",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        }}});
        let res: Value = http.post(format!("{}/session", driver.url)).json(&caps).send().await?.json().await?;
        let id = res["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| fail(format!("could not open {CHROMIUM} through chromedriver: {res}")))?;
        Ok(Self { http, session: format!("{}/session/{id}", driver.url) })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, Failure> {
        let mut req = self.http.request(method, format!("{}{path}", self.session));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await?.json().await?;
        match v["value"].get("error") {
            Some(e) => Err(fail(format!("{path}: {e}: {}", v["value"]["message"]))),
            None => Ok(v["value"].clone()),
        }
    }

    async fn get(&self, path: &str) -> Result<Value, Failure> {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, Failure> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn goto(&self, url: &str) -> Result<(), Failure> {
        self.post("/url", json!({ "url": url })).await.map(|_| ())
    }

    async fn path(&self) -> Result<String, Failure> {
        let url = self.get("/url").await?;
        let url = reqwest::Url::parse(url.as_str().unwrap_or_default())?;
        Ok(url.path().to_owned())
    }

    async fn find(&self, css: &str) -> Result<String, Failure> {
        let e = self.post("/element", json!({ "using": "css selector", "value": css })).await?;
        e[ELEMENT].as_str().map(str::to_owned).ok_or_else(|| fail(format!("no element id for {css}: {e}")))
    }

    /// Waits until an element matches, and returns it.
    async fn wait_for(&self, css: &str) -> Result<String, Failure> {
        let deadline = Instant::now() + WAIT;
        loop {
            match self.find(css).await {
                Ok(e) => return Ok(e),
                Err(e) if Instant::now() > deadline => return Err(fail(format!("{css} never appeared: {e}"))),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    async fn click(&self, css: &str) -> Result<(), Failure> {
        let e = self.wait_for(css).await?;
        self.post(&format!("/element/{e}/click"), json!({})).await.map(|_| ())
    }

    async fn type_in(&self, css: &str, text: &str) -> Result<(), Failure> {
        let e = self.wait_for(css).await?;
        self.post(&format!("/element/{e}/value"), json!({ "text": text })).await.map(|_| ())
    }

    async fn text(&self, css: &str) -> Result<String, Failure> {
        let e = self.wait_for(css).await?;
        Ok(self.get(&format!("/element/{e}/text")).await?.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until the element's text contains `needle` (the page may still be the previous
    /// one when a form posts back to the same address), and returns the text.
    async fn text_with(&self, css: &str, needle: &str) -> Result<String, Failure> {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = self.text(css).await.unwrap_or_default();
            if text.contains(needle) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                return Err(fail(format!("{css} never showed {needle:?}; it reads {text:?}")));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn run(&self, script: &str, args: Value) -> Result<Value, Failure> {
        self.post("/execute/sync", json!({ "script": script, "args": args })).await
    }

    /// Sets a field's value as a date picker or a select would (typing into date inputs
    /// depends on the browser's locale).
    async fn set_value(&self, id: &str, value: &str) -> Result<(), Failure> {
        self.run(
            "var e = document.getElementById(arguments[0]); e.value = arguments[1]; return e.value;",
            json!([id, value]),
        )
        .await
        .map(|_| ())
    }

    /// Chooses options of a multiple select by value.
    async fn choose(&self, id: &str, values: &[&str]) -> Result<(), Failure> {
        let script = "var s = document.getElementById(arguments[0]); \
                      for (var o of s.options) { o.selected = arguments[1].indexOf(o.value) >= 0; } \
                      return s.selectedOptions.length;";
        let n = self.run(script, json!([id, values])).await?;
        if n.as_u64() != Some(values.len() as u64) {
            return Err(fail(format!("#{id}: {n} of {values:?} chosen")));
        }
        Ok(())
    }

    async fn wait_for_path(&self, path: &str) -> Result<(), Failure> {
        let deadline = Instant::now() + WAIT;
        loop {
            let now = self.path().await?;
            if now == path {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(fail(format!("expected to arrive at {path}, still at {now}")));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn scroll_to(&self, css: &str) -> Result<(), Failure> {
        self.run("document.querySelector(arguments[0]).scrollIntoView()", json!([css])).await.map(|_| ())
    }

    async fn screenshot(&self) -> Result<Vec<u8>, Failure> {
        let b64 = self.get("/screenshot").await?;
        Ok(base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap_or_default())?)
    }

    async fn save(&self, dir: &Path, name: &str) -> Result<(), Failure> {
        let png = self.screenshot().await?;
        if !png.starts_with(b"\x89PNG") {
            return Err(fail(format!("{name}: the screenshot is not a PNG")));
        }
        let path = dir.join(name);
        std::fs::write(&path, png).map_err(|e| fail(format!("write {}: {e}", path.display())))?;
        eprintln!("screenshot: {}", path.display());
        Ok(())
    }

    async fn source(&self) -> String {
        self.get("/source").await.ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }

    async fn close(&self) {
        let _ = self.http.delete(&self.session).send().await;
    }
}

/// The travel-alert journey in Chromium: an officer of the Prosecutor reports a journey with
/// the form, finds the draft on the board, picks the suggested person, sets the destination
/// and the dates, confirms, reads the destination's brief, and drafts the request for arrest
/// and surrender in one click, landing on the prefilled draft.
#[tokio::test]
async fn a_reported_journey_is_triaged_and_becomes_a_request_for_arrest() {
    let Some((shots, driver)) = browser_run() else { return };
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        // The browser keeps real time (the session warning reads it): so does the server.
        let behind = comity_app::Clock::now(&comity_app::SystemClock) - crate::start_instant();
        if behind > chrono::Duration::zero() {
            s.clock.advance(behind);
        }
        let (otp, password) = user_actor(&s, "otp.tracker", OTP, "officer").await;
        s.app
            .issue_warrant(
                &otp,
                &warrant("ICC-01/99-01/26-3", "Ahmad Khalil al-Mansour", &["Ahmed Kalil Mansour"], false),
            )
            .await
            .expect("the warrant");
        let profile = tempfile_dir();
        let suffix = if t.engine == "sqlite" { String::new() } else { format!("-{}", t.engine) };
        let failure = shots.join(format!("failure-alerts{suffix}.png"));
        let _ = std::fs::remove_file(&failure);
        let client = Chromium::open(&driver, &profile).await.unwrap_or_else(|e| panic!("{e}"));
        let result = alert_journey(&client, &s, &password, &shots, &suffix).await;
        if let Err(e) = &result {
            if let Ok(png) = client.screenshot().await {
                let _ = std::fs::write(&failure, png);
            }
            let url = client.get("/url").await.unwrap_or_default();
            let source = client.source().await;
            client.close().await;
            let _ = std::fs::remove_dir_all(&profile);
            panic!(
                "alert journey on {} failed at {url}: {e}\nscreenshot: {}\n--- page ---\n{source}",
                t.engine,
                failure.display()
            );
        }
        client.close().await;
        let _ = std::fs::remove_dir_all(&profile);
    });
}

/// A fresh browser profile directory.
fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("comity-chromium-{}", uuid_like()));
    std::fs::create_dir_all(&dir).expect("a browser profile directory");
    dir
}

fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{}-{nanos}", std::process::id())
}

async fn alert_journey(
    client: &Chromium,
    s: &TestServer,
    password: &str,
    shots: &Path,
    suffix: &str,
) -> Result<(), Failure> {
    let shot = |n: u32| format!("alerts-{n}{suffix}.png");

    // Sign in.
    client.goto(&s.url("/login")).await?;
    client.type_in("#name", "otp.tracker").await?;
    client.type_in("#password", password).await?;
    client.click("form[action='/login'] button[type=submit]").await?;
    client.wait_for_path("/").await?;

    // Report a journey with the form: only what the report says.
    client.goto(&s.url("/alerts")).await?;
    client.click("a[href='/alerts/new']").await?;
    client.wait_for_path("/alerts/new").await?;
    client.type_in("#reported_name", "Ahmed Khalil el-Mansour").await?;
    client.type_in("#source", "Liaison officer, embassy in Buenos Aires").await?;
    client.set_value("source_reliability", "B").await?;
    client.set_value("information_credibility", "2").await?;
    client.type_in("#summary", "Expected on a commercial flight for a regional summit next week.").await?;
    client.save(shots, &shot(1)).await?;
    client.click("#alert-form button[type=submit]").await?;
    client.text_with("p.done", "Recorded.").await?;

    // The draft is on the board.
    client.goto(&s.url("/alerts")).await?;
    let row = client.text_with("table.alerts tbody", "Ahmed Khalil el-Mansour").await?;
    if !row.contains("To triage") || !row.contains("Not matched to a person yet") {
        return Err(fail(format!("the board's row: {row:?}")));
    }
    client.save(shots, &shot(2)).await?;
    client.click("table.alerts tbody a").await?;

    // Triage: the suggested person in one click.
    let suggested = client.text_with("#matches", "Ahmad Khalil al-Mansour").await?;
    if !suggested.contains("This is Ahmad Khalil al-Mansour") {
        return Err(fail(format!("the suggestion reads {suggested:?}")));
    }
    client.save(shots, &shot(3)).await?;
    client.click("button.pick-person").await?;
    client.text_with("p.done", "The person is set.").await?;
    client.text_with("#person-link", "Ahmad Khalil al-Mansour").await?;

    // The destination and the dates, then confirm.
    client.choose("destinations", &["ARG"]).await?;
    let today = s.app.today();
    client.set_value("expected_from", &(today + chrono::Duration::days(7)).to_string()).await?;
    client.set_value("expected_to", &(today + chrono::Duration::days(10)).to_string()).await?;
    client.scroll_to("#triage-form").await?;
    client.save(shots, &shot(4)).await?;
    client.click("#save-triage").await?;
    client.text_with("p.done", "Saved.").await?;
    client.click("#move-confirm button[type=submit]").await?;
    client.text_with("#status", "Confirmed").await?;

    // The brief: Argentina's party status and the days left.
    let brief = client.text_with("#brief-ARG", "Argentina").await?;
    for needle in ["Party", "bound to arrest and surrender", "7 days"] {
        if !brief.contains(needle) {
            return Err(fail(format!("the brief lacks {needle:?}: {brief}")));
        }
    }
    client.scroll_to("#brief-ARG").await?;
    client.save(shots, &shot(5)).await?;

    // One click drafts the request and opens it, its checklist filled from the warrant.
    client.click("#brief-ARG button.draft-request").await?;
    let deadline = Instant::now() + WAIT;
    let request = loop {
        let path = client.path().await?;
        if path.starts_with("/requests/") {
            break path;
        }
        if Instant::now() > deadline {
            return Err(fail(format!("no request opened; still at {path}")));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let line = client.text_with("#line-1", "Ahmad Khalil al-Mansour").await?;
    for needle in ["Description of the person sought", "Warrant of arrest", "ICC-01/99-01/26-3"] {
        if !line.contains(needle) {
            return Err(fail(format!("the request's line lacks {needle:?}: {line}")));
        }
    }
    client.save(shots, &shot(6)).await?;
    client.goto(&s.url(&format!("{request}/edit"))).await?;
    let read = "return document.getElementById(arguments[0]).value;";
    for (id, needle) in [
        ("lines-0-content-person_description", "Ahmad Khalil al-Mansour"),
        ("lines-0-content-warrant_reference", "ICC-01/99-01/26-3"),
    ] {
        client.wait_for(&format!("#{id}")).await?;
        let value = client.run(read, json!([id])).await?;
        if !value.as_str().is_some_and(|v| v.contains(needle)) {
            return Err(fail(format!("#{id} holds {value}, not {needle:?}")));
        }
    }
    client.scroll_to("#line-1").await?;
    client.save(shots, &shot(7)).await?;

    // The person's timeline has the journey and the request, most recent first.
    client.goto(&s.url("/alerts")).await?;
    client.click("table.alerts tbody a").await?;
    client.click("#person-link").await?;
    let timeline = client.text_with("section[aria-labelledby=timeline]", "Journey").await?;
    for needle in ["Confirmed", "Draft", "Issued"] {
        if !timeline.contains(needle) {
            return Err(fail(format!("the timeline lacks {needle:?}: {timeline}")));
        }
    }
    client.save(shots, &shot(8)).await?;

    // The warrant's page reads right to left in Arabic.
    let person = client.path().await?;
    client.click("section[aria-labelledby=warrants] tbody a").await?;
    let warrant = loop {
        let path = client.path().await?;
        if path != person {
            break path;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    client.goto(&s.url(&format!("/lang/ar?next={warrant}"))).await?;
    client.wait_for("html[lang='ar'][dir='rtl']").await?;
    client.text_with("#status", "طليق").await?;
    client.save(shots, &shot(9)).await?;
    client.goto(&s.url(&format!("/lang/en?next={warrant}"))).await?;
    client.wait_for("html[lang='en'][dir='ltr']").await?;
    Ok(())
}
