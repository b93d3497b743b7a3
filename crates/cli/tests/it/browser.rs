//! The browser smoke test: real headless Chromium, driven through chromedriver, against the
//! real `comity serve` on each engine. It signs in with the password the first start
//! prints, searches the partner directory, checks a State's treaty dates against the
//! shipped reference data in English and in French, checks keyboard access, and saves
//! screenshots for a human to look at.
//!
//! Runs only when `COMITY_TEST_BROWSER=1` (CI sets it); needs `/usr/bin/chromium` and
//! `/usr/bin/chromedriver` (Debian: `apt-get install chromium chromium-driver`).

use std::{
    net::TcpStream,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{
    actions::{InputSource, KeyAction, KeyActions},
    key::Key,
    Client, ClientBuilder, Locator,
};
use serde_json::json;

use crate::support::{add_user, execute, Server};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const WAIT: Duration = Duration::from_secs(60);

/// Argentina in `crates/app/data/states_parties.csv` and `apic_status.csv`:
/// (label on the page in English, in French, Rome Statute date, APIC date).
const ARGENTINA: &[(&str, &str, &str, &str)] = &[
    ("Signature", "Signature", "1999-01-08", "2002-10-07"),
    ("Instrument deposited", "Dépôt de l'instrument", "2001-02-08", "2007-02-01"),
    ("Entry into force", "Entrée en vigueur", "2002-07-01", "2007-03-03"),
];

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

async fn browser(driver: &Chromedriver, profile_dir: &std::path::Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--lang=en-GB",
                "--window-size=1280,1100",
                format!("--user-data-dir={}", profile_dir.display()),
            ],
        }),
    );
    ClientBuilder::rustls()
        .expect("a TLS connector")
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|e| panic!("could not open {CHROMIUM} through chromedriver: {e}"))
}

#[tokio::test]
async fn sign_in_search_and_read_a_state_profile_in_two_languages() {
    let Some((shots, driver)) = browser_run() else { return };
    comity_testkit::on_every_engine!(|t| {
        let server = Server::start(&t.url);
        let password = server.admin_password().expect("the first start prints the administrator's password");
        let profile = tempfile::tempdir().expect("a browser profile directory");
        let _ = std::fs::remove_file(shots.join(format!("failure-{}.png", t.engine)));
        let client = browser(&driver, profile.path()).await;
        let result = walk_through(&client, &server, &password, &shots, t.engine).await;
        if let Err(e) = &result {
            let failure = shots.join(format!("failure-{}.png", t.engine));
            if let Ok(png) = client.screenshot().await {
                let _ = std::fs::write(&failure, png);
            }
            let url = client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
            let source = client.source().await.unwrap_or_default();
            let _ = client.close().await;
            panic!(
                "browser test on {} failed at {url}: {e}\nscreenshot: {}\n--- page ---\n{source}\n{}",
                t.engine,
                failure.display(),
                server.output()
            );
        }
        client.close().await.expect("close the browser");
    });
}

async fn walk_through(
    client: &Client,
    server: &Server,
    password: &str,
    shots: &std::path::Path,
    engine: &str,
) -> Result<(), Failure> {
    // Sign in with the printed password.
    client.goto(&server.url("/login")).await?;
    client.wait().at_most(WAIT).for_element(Locator::Id("name")).await?.send_keys("admin").await?;
    client.find(Locator::Id("password")).await?.send_keys(password).await?;
    client.find(Locator::Css("form[action='/login'] button[type=submit]")).await?.click().await?;
    wait_for_path(client, "/").await?;
    let who = client.wait().at_most(WAIT).for_element(Locator::Css("header a.who")).await?.text().await?;
    if who.trim().is_empty() {
        return Err(fail("the header names the signed-in user".into()));
    }

    // Keyboard: the first Tab on a page lands on the skip link, and following it moves focus
    // to the main content.
    client.goto(&server.url("/")).await?;
    client.wait().at_most(WAIT).for_element(Locator::Id("main")).await?;
    press(client, Key::Tab).await?;
    let focused = client.active_element().await?;
    let (text, href) = (focused.text().await?, focused.attr("href").await?);
    if text.trim() != "Skip to content" || href.as_deref() != Some("#main") {
        return Err(fail(format!("the first Tab focuses {text:?} ({href:?}), not the skip link")));
    }
    press(client, Key::Enter).await?;
    let focused = client.active_element().await?.attr("id").await?;
    if focused.as_deref() != Some("main") {
        return Err(fail(format!("the skip link moves focus to the main content, not to {focused:?}")));
    }

    // Search the directory.
    client.goto(&server.url("/partners")).await?;
    let search = client.wait().at_most(WAIT).for_element(Locator::Id("q")).await?;
    search.send_keys("Argentina").await?;
    search.send_keys(&Key::Enter.to_string()).await?;
    let deadline = Instant::now() + WAIT;
    loop {
        let rows = client.find_all(Locator::Css("#results tbody tr")).await?;
        let url = client.current_url().await?;
        if rows.len() == 1 && url.query().is_some_and(|q| q.contains("q=Argentina")) {
            break;
        }
        if Instant::now() > deadline {
            return Err(fail(format!("searching 'Argentina' leaves {} rows at {url}", rows.len())));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Typing also schedules a delayed search (htmx, 300 ms): let it land before clicking, so
    // the link is not swapped out under the click.
    settle(client).await?;
    save(client, shots, &format!("partners-search-{engine}.png")).await?;
    let mut clicked = Ok(());
    for _ in 0..3 {
        let link = client.find(Locator::XPath("//div[@id='results']//a[normalize-space()='Argentina']")).await?;
        clicked = link.click().await;
        if clicked.is_ok() {
            break;
        }
        settle(client).await?;
    }
    clicked?;
    wait_for_path(client, "/partners/ARG").await?;
    let h1 = client.wait().at_most(WAIT).for_element(Locator::Css("main h1")).await?.text().await?;
    if !h1.contains("Argentina") {
        return Err(fail(format!("the profile's heading is {h1:?}")));
    }

    // The treaty dates, in English, then in French.
    check_treaties(client, "Rome Statute", "APIC", false).await?;
    save(client, shots, &format!("partner-profile-en-{engine}.png")).await?;

    client.find(Locator::Css("header a.lang")).await?.click().await?;
    let deadline = Instant::now() + WAIT;
    while client.find(Locator::Css("html")).await?.attr("lang").await?.as_deref() != Some("fr") {
        if Instant::now() > deadline {
            return Err(fail("the language link switches the page to French".into()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_for_path(client, "/partners/ARG").await?;
    let skip = client.find(Locator::Css("a.skip")).await?.prop("textContent").await?.unwrap_or_default();
    if skip.trim() != "Aller au contenu" {
        return Err(fail(format!("the skip link is translated, got {skip:?}")));
    }
    check_treaties(client, "Statut de Rome", "APIC", true).await?;
    save(client, shots, &format!("partner-profile-fr-{engine}.png")).await?;

    // In Arabic the page is laid out right to left.
    client.find(Locator::Css("header a.lang[hreflang='ar']")).await?.click().await?;
    client.wait().at_most(WAIT).for_element(Locator::Css("html[lang='ar'][dir='rtl']")).await?;
    save(client, shots, &format!("partner-profile-ar-{engine}.png")).await?;

    // Back to English, so the choice is seen to stick both ways.
    client.find(Locator::Css("header a.lang[hreflang='en']")).await?.click().await?;
    client.wait().at_most(WAIT).for_element(Locator::Css("html[lang='en'][dir='ltr']")).await?;
    Ok(())
}

/// Each treaty card's label/date pairs must match the reference data.
async fn check_treaties(client: &Client, rome: &str, apic: &str, french: bool) -> Result<(), Failure> {
    let cards = client.find_all(Locator::Css(".treaties .treaty")).await?;
    let mut seen = Vec::new();
    for card in cards {
        let title = card.find(Locator::Css("h3")).await?.text().await?;
        let dts = card.find_all(Locator::Css("dt")).await?;
        let dds = card.find_all(Locator::Css("dd")).await?;
        let mut pairs = Vec::new();
        for (dt, dd) in dts.iter().zip(&dds) {
            pairs.push((dt.text().await?.trim().to_owned(), dd.text().await?.trim().to_owned()));
        }
        seen.push((title.trim().to_owned(), pairs));
    }
    for (i, treaty) in [rome, apic].into_iter().enumerate() {
        let Some((_, pairs)) = seen.iter().find(|(title, _)| title == treaty) else {
            return Err(fail(format!("no {treaty:?} card among {seen:?}")));
        };
        for row in ARGENTINA {
            let label = if french { row.1 } else { row.0 };
            let expected = if i == 0 { row.2 } else { row.3 };
            let found = pairs.iter().find(|(l, _)| l == label).map(|(_, v)| v.as_str());
            // A deposit reads "2001-02-08 (Ratification)": the date comes first.
            if !found.is_some_and(|v| v.starts_with(expected)) {
                return Err(fail(format!("{treaty}: {label} should be {expected}, page shows {found:?}")));
            }
        }
    }
    Ok(())
}

async fn press(client: &Client, key: Key) -> Result<(), Failure> {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key.into() })
        .then(KeyAction::Up { value: key.into() });
    client.perform_actions(keys).await?;
    client.release_actions().await?;
    Ok(())
}

/// Waits until htmx has no request in flight, twice in a row half a second apart.
async fn settle(client: &Client) -> Result<(), Failure> {
    let deadline = Instant::now() + WAIT;
    let mut quiet = 0;
    while quiet < 2 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let busy = client.execute("return document.querySelectorAll('.htmx-request').length", vec![]).await?;
        quiet = if busy.as_u64() == Some(0) { quiet + 1 } else { 0 };
        if Instant::now() > deadline {
            return Err(fail("htmx requests still in flight".into()));
        }
    }
    Ok(())
}

async fn wait_for_path(client: &Client, path: &str) -> Result<(), Failure> {
    let deadline = Instant::now() + WAIT;
    loop {
        let url = client.current_url().await?;
        if url.path() == path {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(fail(format!("expected to arrive at {path}, still at {url}")));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn save(client: &Client, dir: &std::path::Path, name: &str) -> Result<(), Failure> {
    let png = client.screenshot().await?;
    if !png.starts_with(b"\x89PNG") {
        return Err(fail(format!("{name}: the screenshot is not a PNG")));
    }
    let path = dir.join(name);
    std::fs::write(&path, png).map_err(|e| fail(format!("write {}: {e}", path.display())))?;
    eprintln!("screenshot: {}", path.display());
    Ok(())
}

/// The request journey in Chromium: a Registry officer who also approves drafts a
/// provisional-arrest request, sees what the Statute checklist still misses, completes it,
/// approves and transmits it, records the acknowledgement, a partial and then a full
/// execution with the State's report uploaded, and reads the turnaround on the page.
#[tokio::test]
async fn draft_approve_send_and_execute_a_request() {
    let Some((shots, driver)) = browser_run() else { return };
    comity_testkit::on_every_engine!(|t| {
        let server = Server::start(&t.url);
        let password = add_user(&t.url, "reg.head", "officer,approver", "Registry");
        let profile = tempfile::tempdir().expect("a browser profile directory");
        let failure = shots.join(format!("failure-request-{}.png", t.engine));
        let _ = std::fs::remove_file(&failure);
        let client = browser(&driver, profile.path()).await;
        let result = request_journey(&client, &server, &t.url, &password, profile.path(), &shots, t.engine).await;
        if let Err(e) = &result {
            if let Ok(png) = client.screenshot().await {
                let _ = std::fs::write(&failure, png);
            }
            let url = client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
            let source = client.source().await.unwrap_or_default();
            let _ = client.close().await;
            panic!(
                "request journey on {} failed at {url}: {e}\nscreenshot: {}\n--- page ---\n{source}\n{}",
                t.engine,
                failure.display(),
                server.output()
            );
        }
        client.close().await.expect("close the browser");
    });
}

/// Sets a form field's value as a date picker would (typing into date inputs depends on the
/// browser's locale).
async fn set_value(client: &Client, id: &str, value: &str) -> Result<(), Failure> {
    client
        .execute(
            "var e = document.getElementById(arguments[0]); e.value = arguments[1]; return e.value;",
            vec![json!(id), json!(value)],
        )
        .await?;
    Ok(())
}

async fn fill(client: &Client, id: &str, text: &str) -> Result<(), Failure> {
    client.find(Locator::Id(id)).await?.send_keys(text).await?;
    Ok(())
}

/// Waits until the element's text contains `needle` (the page may still be the previous one
/// when a form posts back to the same address), and returns the text.
async fn text_with(client: &Client, css: &str, needle: &str) -> Result<String, Failure> {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = match client.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(needle) {
            return Ok(text);
        }
        if Instant::now() > deadline {
            return Err(fail(format!("{css} never showed {needle:?}; it reads {text:?}")));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text_of(client: &Client, css: &str) -> Result<String, Failure> {
    Ok(client.wait().at_most(WAIT).for_element(Locator::Css(css)).await?.text().await?)
}

/// Opens a move's form from the request page, fills it and submits it.
async fn make_move(
    client: &Client,
    request: &str,
    m: &str,
    effective_on: &str,
    fields: &[(&str, &str)],
    shot: Option<(&std::path::Path, &str)>,
) -> Result<(), Failure> {
    client.find(Locator::Css(&format!("ul.moves a[href='{request}/moves/{m}']"))).await?.click().await?;
    wait_for_path(client, &format!("{request}/moves/{m}")).await?;
    client.wait().at_most(WAIT).for_element(Locator::Id("effective_on")).await?;
    set_value(client, "effective_on", effective_on).await?;
    for (id, value) in fields {
        let e = client.find(Locator::Id(id)).await?;
        if e.tag_name().await?.eq_ignore_ascii_case("select") {
            e.select_by_value(value).await?;
        } else {
            e.send_keys(value).await?;
        }
    }
    if let Some((dir, name)) = shot {
        save(client, dir, name).await?;
    }
    client.find(Locator::Css("form.move-form button[type=submit]")).await?.click().await?;
    wait_for_path(client, request).await?;
    let done = text_of(client, "p.done").await?;
    if done.trim().is_empty() {
        return Err(fail(format!("{m}: no confirmation on the request page")));
    }
    Ok(())
}

async fn request_journey(
    client: &Client,
    server: &Server,
    database_url: &str,
    password: &str,
    scratch: &std::path::Path,
    shots: &std::path::Path,
    engine: &str,
) -> Result<(), Failure> {
    // The server's own clock: the system clock, read the way Comity reads it.
    let today = comity_app::Clock::now(&comity_app::SystemClock).date_naive();
    let day = |offset: i64| (today + chrono::Duration::days(offset)).to_string();

    client.goto(&server.url("/login")).await?;
    client.wait().at_most(WAIT).for_element(Locator::Id("name")).await?.send_keys("reg.head").await?;
    client.find(Locator::Id("password")).await?.send_keys(password).await?;
    client.find(Locator::Css("form[action='/login'] button[type=submit]")).await?.click().await?;
    wait_for_path(client, "/").await?;

    // Draft from the Requests page: particulars, then a provisional-arrest line.
    client.find(Locator::Css("header nav a[href='/requests']")).await?.click().await?;
    wait_for_path(client, "/requests").await?;
    client.wait().at_most(WAIT).for_element(Locator::Css("a[href='/requests/new']")).await?.click().await?;
    wait_for_path(client, "/requests/new").await?;
    client.wait().at_most(WAIT).for_element(Locator::Id("partner_id")).await?.select_by_value("ARG").await?;
    fill(client, "title", "Provisional arrest of a suspect at large").await?;
    set_value(client, "deadline", &day(45)).await?;
    client.find(Locator::Id("urgency")).await?.select_by_value("urgent").await?;
    fill(client, "purpose", "Provisional arrest pending a request for surrender (art. 92).").await?;
    client.find(Locator::Id("new_line_type")).await?.select_by_value("provisional_arrest").await?;
    client.find(Locator::Css("button[name=op][value=add_line]")).await?.click().await?;
    let label = text_of(client, "label[for='lines-0-content-person_description']").await?;
    if !label.contains("Description of the person sought") || !label.contains("art. 92(2)(a)") {
        return Err(fail(format!("the checklist field is labelled {label:?}")));
    }
    if client.find(Locator::Id("title")).await?.prop("value").await?.as_deref()
        != Some("Provisional arrest of a suspect at large")
    {
        return Err(fail("adding a line keeps what was typed".into()));
    }
    fill(client, "lines-0-content-person_description", "Adult male, about 45, scar on the left hand.").await?;
    // Changing a line's type swaps in that type's checklist in place (htmx), keeping answers
    // the two types share.
    let before = client.current_url().await?;
    for (line_type, field) in [
        ("arrest_surrender", "lines-0-content-national_requirements"),
        ("provisional_arrest", "lines-0-content-surrender_request_to_follow"),
    ] {
        client.find(Locator::Id("lines-0-line_type")).await?.select_by_value(line_type).await?;
        client.wait().at_most(WAIT).for_element(Locator::Id(field)).await?;
        settle(client).await?;
    }
    let kept = client.find(Locator::Id("lines-0-content-person_description")).await?.prop("value").await?;
    if kept.as_deref() != Some("Adult male, about 45, scar on the left hand.") {
        return Err(fail(format!("changing the line type lost the shared answer: {kept:?}")));
    }
    if client.current_url().await? != before {
        return Err(fail("the type change happened in place, without leaving the page".into()));
    }
    client.execute("document.getElementById('line-1').scrollIntoView()", vec![]).await?;
    save(client, shots, &format!("request-draft-form-{engine}.png")).await?;
    client.find(Locator::Css("button[name=op][value=save]")).await?.click().await?;
    let deadline = Instant::now() + WAIT;
    let request = loop {
        let url = client.current_url().await?;
        let path = url.path().to_owned();
        if path.starts_with("/requests/") && path != "/requests/new" && !path.ends_with("/edit") {
            break path;
        }
        if Instant::now() > deadline {
            return Err(fail(format!("saving the draft leads to {url}")));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let id = request.trim_start_matches("/requests/").to_owned();

    // What is missing, point by point.
    let missing = text_of(client, "#missing").await?;
    for point in ["Probable location of the person", "Warrant of arrest", "Essential facts"] {
        if !missing.contains(point) {
            return Err(fail(format!("'What is missing' does not list {point:?}: {missing}")));
        }
    }
    save(client, shots, &format!("request-draft-missing-{engine}.png")).await?;

    // The server runs on the real clock. To record each step on the day it really happened,
    // the draft is moved three weeks back, behind Comity's back, as if drafted then.
    execute(
        database_url,
        &format!("UPDATE request_events SET effective_on = '{}' WHERE request_id = '{id}'", day(-21)),
    )
    .await;

    // Complete it from the checklist's own link.
    client.find(Locator::Css("#missing a")).await?.click().await?;
    wait_for_path(client, &format!("{request}/edit")).await?;
    client.wait().at_most(WAIT).for_element(Locator::Id("facts")).await?;
    fill(client, "facts", "The suspect is believed to travel under an alias.").await?;
    fill(client, "lines-0-content-probable_location", "Buenos Aires, Argentina.").await?;
    fill(client, "lines-0-content-crimes_and_facts", "Crimes against humanity (art. 7).").await?;
    fill(client, "lines-0-content-warrant_reference", "ICC-01/99-01/26-1, issued by Pre-Trial Chamber I.").await?;
    fill(client, "lines-0-content-surrender_request_to_follow", "A request for surrender will follow within 60 days.")
        .await?;
    client.find(Locator::Css("button[name=op][value=save]")).await?.click().await?;
    wait_for_path(client, &request).await?;
    let complete = text_of(client, "#missing").await?;
    if !complete.contains("Every checklist point is answered") {
        return Err(fail(format!("the completed draft still misses: {complete}")));
    }

    // Approve, then transmit: each step records the day it took effect.
    make_move(client, &request, "approve", &day(-20), &[("decision_reference", "ICC-01/99-01/26-7")], None).await?;
    if text_of(client, "#status").await?.trim() != "Approved" {
        return Err(fail("the request shows as approved".into()));
    }
    save(client, shots, &format!("request-approved-{engine}.png")).await?;
    make_move(client, &request, "transmit", &day(-14), &[("note_verbale", "NV/2026/123")], None).await?;
    let sent = text_of(client, "#transmission-title").await?;
    if sent.trim() != "How it was sent" {
        return Err(fail(format!("no transmission snapshot: {sent:?}")));
    }
    client.execute("document.getElementById('transmission-title').scrollIntoView()", vec![]).await?;
    save(client, shots, &format!("request-transmitted-{engine}.png")).await?;

    // Once sent, the request has a thread with the State; a message goes without any script.
    fill(client, "message-body", "The note verbale went out today; please confirm the central authority.").await?;
    client.find(Locator::Css("form.message-form button[type=submit]")).await?.click().await?;
    text_with(client, "ol.thread", "please confirm the central authority").await?;
    client.execute("document.getElementById('messages').scrollIntoView()", vec![]).await?;
    save(client, shots, &format!("request-thread-{engine}.png")).await?;

    // The State's answers, recorded after the fact with their own dates.
    make_move(client, &request, "acknowledge", &day(-10), &[("national_reference", "AR-2026-77")], None).await?;
    make_move(
        client,
        &request,
        "record_partial_execution",
        &day(-5),
        &[("line_outcomes-1", "partially_executed"), ("reason", "The person was located; arrest pending.")],
        Some((shots, &format!("request-move-form-{engine}.png"))),
    )
    .await?;

    // The State's report, uploaded as material received.
    let pdf = scratch.join("execution-report.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n% Comity browser test\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
        .map_err(|e| fail(format!("write {}: {e}", pdf.display())))?;
    client.find(Locator::Id("file")).await?.send_keys(&pdf.display().to_string()).await?;
    client.find(Locator::Id("doc-kind")).await?.select_by_value("material_received").await?;
    fill(client, "doc-description", "Execution report from the central authority").await?;
    client.find(Locator::Css("form.upload button[type=submit]")).await?.click().await?;
    let docs = text_with(client, "section[aria-labelledby=documents] table", "execution-report.pdf").await?;
    if !docs.contains("Material received") {
        return Err(fail(format!("the uploaded report is not listed as material received: {docs}")));
    }

    make_move(client, &request, "record_execution", &day(0), &[], None).await?;
    let turnaround = text_of(client, "#turnaround").await?;
    if !turnaround.contains("4 days") || !turnaround.contains("14 days") {
        return Err(fail(format!("the turnaround reads {turnaround:?}, expected 4 and 14 days")));
    }
    if text_of(client, "#status").await?.trim() != "Executed" {
        return Err(fail("the request shows as executed".into()));
    }
    save(client, shots, &format!("request-executed-{engine}.png")).await?;
    client.execute("document.getElementById('history').scrollIntoView()", vec![]).await?;
    save(client, shots, &format!("request-history-{engine}.png")).await?;

    // Every exchange since transmission has a signed receipt, downloadable as JSON and PDF.
    let receipts = text_of(client, "section[aria-labelledby=receipts] tbody").await?;
    for step in ["Transmitted", "Acknowledged", "Partially executed", "Document added", "Executed"] {
        if !receipts.contains(step) {
            return Err(fail(format!("no receipt for {step:?}: {receipts}")));
        }
    }
    let links = client.find_all(Locator::Css("section[aria-labelledby=receipts] a[download]")).await?;
    if links.len() != 10 {
        return Err(fail(format!("{} receipt download links, expected 10 (JSON and PDF for 5 receipts)", links.len())));
    }
    client.execute("document.getElementById('receipts').scrollIntoView()", vec![]).await?;
    save(client, shots, &format!("request-receipts-{engine}.png")).await?;

    // The list finds it among the executed requests; the page reads in French too.
    client.goto(&server.url("/requests?status=executed")).await?;
    let row = text_of(client, "#results tbody tr").await?;
    if !row.contains("Provisional arrest of a suspect at large") {
        return Err(fail(format!("the executed request is not listed: {row:?}")));
    }
    save(client, shots, &format!("requests-list-{engine}.png")).await?;
    client.goto(&server.url(&format!("/lang/fr?next={request}"))).await?;
    client.wait().at_most(WAIT).for_element(Locator::Css("html[lang='fr']")).await?;
    let status = text_of(client, "#status").await?;
    if status.trim() != "Exécutée" {
        return Err(fail(format!("the status in French reads {status:?}")));
    }
    save(client, shots, &format!("request-executed-fr-{engine}.png")).await?;
    client.goto(&server.url(&format!("/lang/en?next={request}"))).await?;
    client.wait().at_most(WAIT).for_element(Locator::Css("html[lang='en']")).await?;
    Ok(())
}

/// The State portal with two people side by side, each in a browser of their own: a Registry
/// officer invites Argentina's focal point and transmits a request; the focal point activates
/// the account with a second factor, acknowledges, opens a consultation, gets an answer in the
/// thread, and reports execution with the material uploaded; the officer sees each step.
#[tokio::test]
async fn an_officer_and_a_focal_point_work_a_request_side_by_side() {
    let Some((shots, driver)) = browser_run() else { return };
    comity_testkit::on_every_engine!(|t| {
        let server = Server::start(&t.url);
        let password = add_user(&t.url, "reg.officer", "officer,approver", "Registry");
        let (_, token) = crate::support::create_token(&t.url, "reg.officer");
        let (officer_profile, state_profile) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
        let officer = browser(&driver, officer_profile.path()).await;
        let state = browser(&driver, state_profile.path()).await;
        let failure = shots.join(format!("failure-portal-{}.png", t.engine));
        let _ = std::fs::remove_file(&failure);
        let result =
            portal_journey(&officer, &state, &server, (&password, &token), state_profile.path(), &shots, t.engine)
                .await;
        if let Err(e) = &result {
            for (who, client) in [("officer", &officer), ("state", &state)] {
                if let Ok(png) = client.screenshot().await {
                    let _ = std::fs::write(shots.join(format!("failure-portal-{who}-{}.png", t.engine)), png);
                }
            }
            let url = state.current_url().await.map(|u| u.to_string()).unwrap_or_default();
            let source = state.source().await.unwrap_or_default();
            let _ = officer.close().await;
            let _ = state.close().await;
            panic!(
                "portal journey on {} failed ({url}): {e}\n--- state's page ---\n{source}\n{}",
                t.engine,
                server.output()
            );
        }
        officer.close().await.expect("close");
        state.close().await.expect("close");
    });
}

async fn sign_in(client: &Client, server: &Server, name: &str, password: &str) -> Result<(), Failure> {
    client.goto(&server.url("/login")).await?;
    client.wait().at_most(WAIT).for_element(Locator::Id("name")).await?.send_keys(name).await?;
    client.find(Locator::Id("password")).await?.send_keys(password).await?;
    client.find(Locator::Css("form[action='/login'] button[type=submit]")).await?.click().await?;
    Ok(())
}

/// Reloads the request page and returns the text of its history.
async fn history_of(client: &Client, server: &Server, request: &str) -> Result<String, Failure> {
    client.goto(&server.url(request)).await?;
    text_of(client, "#history + p + ol, section[aria-labelledby=history]").await
}

async fn portal_journey(
    officer: &Client,
    state: &Client,
    server: &Server,
    (password, token): (&str, &str),
    scratch: &std::path::Path,
    shots: &std::path::Path,
    engine: &str,
) -> Result<(), Failure> {
    let today = comity_app::Clock::now(&comity_app::SystemClock).date_naive().to_string();

    // The officer invites Argentina's focal point from the State's page; this server has no
    // e-mail, so the page shows the activation link to hand over.
    sign_in(officer, server, "reg.officer", password).await?;
    wait_for_path(officer, "/").await?;
    officer.goto(&server.url("/partners/ARG")).await?;
    officer.find(Locator::Css("details.invite summary")).await?.click().await?;
    fill(officer, "inv-name", "ana.perez").await?;
    fill(officer, "inv-display", "Ana Pérez").await?;
    fill(officer, "inv-email", "ana.perez@cancilleria.example").await?;
    officer.find(Locator::Id("inv-role")).await?.select_by_value("officer").await?;
    officer.find(Locator::Css("form[action='/partners/ARG/invitations'] button[type=submit]")).await?.click().await?;
    let link = text_of(officer, "main code.hash").await?;
    if !link.starts_with("/activate/") {
        return Err(fail(format!("no activation link shown: {link:?}")));
    }
    save(officer, shots, &format!("portal-1-invited-{engine}.png")).await?;

    // The focal point activates the account, then enrols a second factor at first sign-in.
    state.goto(&server.url(&link)).await?;
    fill(state, "password", "Cancilleria-2026-segura").await?;
    fill(state, "confirm", "Cancilleria-2026-segura").await?;
    save(state, shots, &format!("portal-2-activate-{engine}.png")).await?;
    state.find(Locator::Css("form button[type=submit]")).await?.click().await?;
    text_of(state, "p.notice").await?;
    sign_in(state, server, "ana.perez", "Cancilleria-2026-segura").await?;
    wait_for_path(state, "/account/second-factor").await?;
    let secret = state.find(Locator::Css("input[name=secret]")).await?.attr("value").await?.unwrap_or_default();
    let now = comity_app::Clock::now(&comity_app::SystemClock);
    let code = comity_app::auth::totp_code(&secret, now).map_err(|e| fail(format!("a TOTP code: {e}")))?;
    save(state, shots, &format!("portal-3-second-factor-{engine}.png")).await?;
    fill(state, "code", &code).await?;
    state.find(Locator::Css("form button[type=submit]")).await?.click().await?;
    wait_for_path(state, "/account").await?;

    // The officer approves and transmits a complete draft to Argentina (drafted over the API:
    // the drafting pages have their own journey above).
    let request = draft_complete_request(server, token).await?;
    officer.goto(&server.url(&request)).await?;
    make_move(officer, &request, "approve", &today, &[("decision_reference", "ICC-01/99-01/26-9")], None).await?;
    make_move(officer, &request, "transmit", &today, &[("note_verbale", "NV/2026/311")], None).await?;

    // The focal point finds it in the State's list and acknowledges it.
    state.goto(&server.url("/requests")).await?;
    state
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&format!("#results a[href='{request}']")))
        .await?
        .click()
        .await?;
    wait_for_path(state, &request).await?;
    save(state, shots, &format!("portal-4-state-sees-request-{engine}.png")).await?;
    make_move(state, &request, "acknowledge", &today, &[("national_reference", "AR-MLA-2026-77")], None).await?;
    if !history_of(officer, server, &request).await?.contains("AR-MLA-2026-77") {
        return Err(fail("the officer does not see the acknowledgement".into()));
    }

    // A consultation, and its answer in the thread.
    make_move(
        state,
        &request,
        "open_consultation",
        &today,
        &[("consultation_type", "art_97"), ("reason", "The account holder's name differs in our records.")],
        None,
    )
    .await?;
    if !history_of(officer, server, &request).await?.contains("differs in our records") {
        return Err(fail("the officer does not see the consultation".into()));
    }
    officer.goto(&server.url(&request)).await?;
    fill(officer, "message-body", "Both spellings are the same person; see the annexed passport copy.").await?;
    officer.find(Locator::Css("form.message-form button[type=submit]")).await?.click().await?;
    // The officer's page was already the request's: wait for the thread the answer renders.
    text_with(officer, "ol.thread", "Both spellings are the same person").await?;
    state.goto(&server.url(&request)).await?;
    let thread = text_of(state, "ol.thread").await?;
    if !thread.contains("Both spellings are the same person") {
        return Err(fail(format!("the State does not see the answer: {thread}")));
    }
    state.execute("document.getElementById('messages').scrollIntoView()", vec![]).await?;
    save(state, shots, &format!("portal-5-thread-{engine}.png")).await?;
    // The Court concludes the consultation it was asked for.
    officer.goto(&server.url(&request)).await?;
    make_move(officer, &request, "conclude_consultation", &today, &[("consultation_outcome", "resolved")], None)
        .await?;

    // The State reports execution with the material uploaded.
    let pdf = scratch.join("bank-records.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n% Banco Example records\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
        .map_err(|e| fail(format!("write {}: {e}", pdf.display())))?;
    state.goto(&server.url(&request)).await?;
    state.find(Locator::Id("file")).await?.send_keys(&pdf.display().to_string()).await?;
    state.find(Locator::Id("doc-kind")).await?.select_by_value("material_received").await?;
    state.find(Locator::Css("form.upload button[type=submit]")).await?.click().await?;
    // The page was already this request's: wait for the answer to the upload, not the URL.
    text_with(state, "section[aria-labelledby=documents] table", "bank-records.pdf").await?;
    make_move(state, &request, "record_execution", &today, &[], None).await?;
    save(state, shots, &format!("portal-6-state-executed-{engine}.png")).await?;

    // The officer sees each step, the material and the receipts.
    let history = history_of(officer, server, &request).await?;
    for step in ["Acknowledged", "Consultation opened", "Consultation concluded", "Document added", "Executed"] {
        if !history.contains(step) {
            return Err(fail(format!("the officer's history lacks {step:?}: {history}")));
        }
    }
    let docs = text_of(officer, "section[aria-labelledby=documents] table").await?;
    if !docs.contains("bank-records.pdf") {
        return Err(fail(format!("the officer does not see the material: {docs}")));
    }
    if text_of(officer, "#status").await?.trim() != "Executed" {
        return Err(fail("the request is not executed on the officer's page".into()));
    }
    officer.execute("document.getElementById('receipts').scrollIntoView()", vec![]).await?;
    save(officer, shots, &format!("portal-7-officer-sees-all-{engine}.png")).await?;
    Ok(())
}

/// A complete draft to Argentina, created over the API; returns its page's path.
async fn draft_complete_request(server: &Server, token: &str) -> Result<String, Failure> {
    let body = json!({
        "on_behalf_of": "chamber",
        "partner_id": "ARG",
        "title": "Bank records of the accused",
        "purpose": "To trace and freeze the assets of the accused held in Argentina.",
        "facts": "The accused is alleged to have moved the proceeds of the crimes abroad.",
        "legal_basis": "Articles 93(1)(k) and 96 of the Rome Statute",
        "situation": "Situation in the Republic of Example",
        "deadline": (comity_app::Clock::now(&comity_app::SystemClock).date_naive() + chrono::Duration::days(60)).to_string(),
        "lines": [{
            "line_type": "a93_1_k_assets_trace_freeze_seize",
            "content": {
                "assistance_sought": "Identify and freeze the accounts of the accused.",
                "persons_places": "Banco Example, Buenos Aires",
                "procedure": "Freezing order under national law.",
            },
        }],
    });
    let res = reqwest::Client::new()
        .post(server.url("/api/v1/requests"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| fail(format!("POST /api/v1/requests: {e}")))?;
    let status = res.status();
    let created: serde_json::Value = res.json().await.map_err(|e| fail(format!("the draft: {e}")))?;
    match created["id"].as_str() {
        Some(id) if status.is_success() => Ok(format!("/requests/{id}")),
        _ => Err(fail(format!("the draft was refused ({status}): {created}"))),
    }
}

/// The travel-alert journey in Chromium: a warrant is recorded over the API, then an officer
/// of the Prosecutor reports a journey with the form, finds the draft on the board, picks the
/// suggested person, sets the destination and the dates, confirms, reads the destination's
/// brief, and drafts the request for arrest and surrender in one click, landing on the
/// prefilled draft.
#[tokio::test]
async fn a_reported_journey_is_triaged_and_becomes_a_request_for_arrest() {
    let Some((shots, driver)) = browser_run() else { return };
    comity_testkit::on_every_engine!(|t| {
        let server = Server::start(&t.url);
        add_user(&t.url, "reg.officer", "officer", "Registry");
        let (_, token) = crate::support::create_token(&t.url, "reg.officer");
        let password = add_user(&t.url, "otp.tracker", "officer,approver", "Office of the Prosecutor");
        let profile = tempfile::tempdir().expect("a browser profile directory");
        let failure = shots.join(format!("failure-alerts-{}.png", t.engine));
        let _ = std::fs::remove_file(&failure);
        let client = browser(&driver, profile.path()).await;
        let result = alert_journey(&client, &server, (&password, &token), &shots, t.engine).await;
        if let Err(e) = &result {
            if let Ok(png) = client.screenshot().await {
                let _ = std::fs::write(&failure, png);
            }
            let url = client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
            let source = client.source().await.unwrap_or_default();
            let _ = client.close().await;
            panic!(
                "alert journey on {} failed at {url}: {e}\nscreenshot: {}\n--- page ---\n{source}\n{}",
                t.engine,
                failure.display(),
                server.output()
            );
        }
        client.close().await.expect("close the browser");
    });
}

/// A public arrest warrant for a person with an alias, recorded over the API by the Registry
/// and shared with the Office of the Prosecutor: a public warrant is seen by every unit, but
/// only the units it names may draft requests under it.
async fn issue_public_warrant(server: &Server, token: &str) -> Result<(), Failure> {
    let body = json!({
        "reference": "ICC-01/99-01/26-3",
        "person": {
            "name": "Ahmad Khalil al-Mansour",
            "aliases": ["Ahmed Kalil Mansour"],
            "born_on": "1968-05-14",
        },
        "situation": "Situation in the Republic of Example",
        "case_name": "The Prosecutor v. Ahmad Khalil al-Mansour",
        "chamber": "Pre-Trial Chamber II",
        "issued_on": "2025-11-20",
        "crimes": "Crimes against humanity of murder and persecution (art. 7(1)(a) and (h)).",
        "facts": "Attacks on the civilian population of the eastern province in 2024.",
        "named_units": ["Office of the Prosecutor"],
    });
    let res = reqwest::Client::new()
        .post(server.url("/api/v1/warrants"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| fail(format!("POST /api/v1/warrants: {e}")))?;
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    if status != reqwest::StatusCode::CREATED {
        return Err(fail(format!("the warrant was refused ({status}): {text}")));
    }
    Ok(())
}

/// Waits until the browser leaves `from` for a page under `prefix`, and returns its path.
async fn wait_for_path_under(client: &Client, prefix: &str, from: &str) -> Result<String, Failure> {
    let deadline = Instant::now() + WAIT;
    loop {
        let url = client.current_url().await?;
        let path = url.path();
        if path.starts_with(prefix) && path != from {
            return Ok(path.to_owned());
        }
        if Instant::now() > deadline {
            return Err(fail(format!("expected a page under {prefix}, still at {url}")));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn alert_journey(
    client: &Client,
    server: &Server,
    (password, token): (&str, &str),
    shots: &std::path::Path,
    engine: &str,
) -> Result<(), Failure> {
    let shot = |n: u32| format!("alerts-{n}-{engine}.png");
    // The server's own clock: the system clock, read the way Comity reads it.
    let today = comity_app::Clock::now(&comity_app::SystemClock).date_naive();
    let day = |offset: i64| (today + chrono::Duration::days(offset)).to_string();

    issue_public_warrant(server, token).await?;
    sign_in(client, server, "otp.tracker", password).await?;
    wait_for_path(client, "/").await?;

    // Report a journey with the form: a spelling of the name the warrant does not use, where
    // and when the report says the person goes.
    client.goto(&server.url("/alerts")).await?;
    client.wait().at_most(WAIT).for_element(Locator::Css("a[href='/alerts/new']")).await?.click().await?;
    wait_for_path(client, "/alerts/new").await?;
    client.wait().at_most(WAIT).for_element(Locator::Id("reported_name")).await?;
    fill(client, "reported_name", "Ahmed Khalil el-Mansour").await?;
    set_value(client, "destinations", "ARG").await?;
    set_value(client, "expected_from", &day(8)).await?;
    set_value(client, "expected_to", &day(11)).await?;
    fill(client, "source", "Liaison officer, embassy in Buenos Aires").await?;
    set_value(client, "source_reliability", "B").await?;
    set_value(client, "information_credibility", "2").await?;
    fill(client, "summary", "Expected on a commercial flight for a regional summit next week.").await?;
    save(client, shots, &shot(1)).await?;
    client.find(Locator::Css("#alert-form button[type=submit]")).await?.click().await?;
    let alert = wait_for_path_under(client, "/alerts/", "/alerts/new").await?;
    text_with(client, "p.done", "Recorded.").await?;
    if text_of(client, "#status").await?.trim() != "To triage" {
        return Err(fail("the reported journey is a draft to triage".into()));
    }

    // The draft is on the board.
    client.goto(&server.url("/alerts")).await?;
    let row = text_with(client, "table.alerts tbody", "Ahmed Khalil el-Mansour").await?;
    if !row.contains("To triage") || !row.contains("Not matched to a person yet") || !row.contains("Argentina") {
        return Err(fail(format!("the board's row: {row:?}")));
    }
    save(client, shots, &shot(2)).await?;
    client.find(Locator::Css(&format!("table.alerts tbody a[href='{alert}']"))).await?.click().await?;
    wait_for_path(client, &alert).await?;

    // Triage: the suggested person in one click.
    let suggested = text_with(client, "#matches", "Ahmad Khalil al-Mansour").await?;
    if !suggested.contains("This is Ahmad Khalil al-Mansour") {
        return Err(fail(format!("the suggestion reads {suggested:?}")));
    }
    save(client, shots, &shot(3)).await?;
    client.find(Locator::Css("button.pick-person")).await?.click().await?;
    text_with(client, "p.done", "The person is set.").await?;
    text_with(client, "#person-link", "Ahmad Khalil al-Mansour").await?;

    // The destination and the dates, then confirm.
    client.wait().at_most(WAIT).for_element(Locator::Id("destinations")).await?;
    set_value(client, "destinations", "ARG").await?;
    set_value(client, "expected_from", &day(7)).await?;
    set_value(client, "expected_to", &day(10)).await?;
    client.execute("document.getElementById('triage-form').scrollIntoView()", vec![]).await?;
    save(client, shots, &shot(4)).await?;
    client.find(Locator::Id("save-triage")).await?.click().await?;
    text_with(client, "p.done", "Saved.").await?;
    client.find(Locator::Css("#move-confirm button[type=submit]")).await?.click().await?;
    text_with(client, "#status", "Confirmed").await?;

    // The brief: Argentina's party status and the days left.
    let brief = text_with(client, "#brief-ARG", "Argentina").await?;
    for needle in ["Party", "bound to arrest and surrender", "7 days"] {
        if !brief.contains(needle) {
            return Err(fail(format!("the brief lacks {needle:?}: {brief}")));
        }
    }
    client.execute("document.getElementById('brief-ARG').scrollIntoView()", vec![]).await?;
    save(client, shots, &shot(5)).await?;

    // One click drafts the request and opens it, its checklist filled from the warrant.
    client.find(Locator::Css("#brief-ARG button.draft-request")).await?.click().await?;
    let request = wait_for_path_under(client, "/requests/", "").await?;
    let line = text_with(client, "#line-1", "Ahmad Khalil al-Mansour").await?;
    for needle in ["Description of the person sought", "Warrant of arrest", "ICC-01/99-01/26-3"] {
        if !line.contains(needle) {
            return Err(fail(format!("the request's line lacks {needle:?}: {line}")));
        }
    }
    save(client, shots, &shot(6)).await?;
    client.goto(&server.url(&format!("{request}/edit"))).await?;
    for (id, needle) in [
        ("lines-0-content-person_description", "Ahmad Khalil al-Mansour"),
        ("lines-0-content-warrant_reference", "ICC-01/99-01/26-3"),
    ] {
        let value = client.wait().at_most(WAIT).for_element(Locator::Id(id)).await?.prop("value").await?;
        if !value.as_deref().is_some_and(|v| v.contains(needle)) {
            return Err(fail(format!("#{id} holds {value:?}, not {needle:?}")));
        }
    }
    client.execute("document.getElementById('line-1').scrollIntoView()", vec![]).await?;
    save(client, shots, &shot(7)).await?;

    // The person's timeline has the journey and the request, most recent first.
    client.goto(&server.url(&alert)).await?;
    client.wait().at_most(WAIT).for_element(Locator::Id("person-link")).await?.click().await?;
    let person = wait_for_path_under(client, "/persons/", "").await?;
    let timeline = text_with(client, "section[aria-labelledby=timeline]", "Journey").await?;
    for needle in ["Confirmed", "Draft", "Issued"] {
        if !timeline.contains(needle) {
            return Err(fail(format!("the timeline lacks {needle:?}: {timeline}")));
        }
    }
    save(client, shots, &shot(8)).await?;

    // The warrant's page reads right to left in Arabic.
    client.find(Locator::Css("section[aria-labelledby=warrants] tbody a")).await?.click().await?;
    let warrant = wait_for_path_under(client, "/warrants/", &person).await?;
    client.goto(&server.url(&format!("/lang/ar?next={warrant}"))).await?;
    client.wait().at_most(WAIT).for_element(Locator::Css("html[lang='ar'][dir='rtl']")).await?;
    text_with(client, "#status", "طليق").await?;
    save(client, shots, &shot(9)).await?;
    client.goto(&server.url(&format!("/lang/en?next={warrant}"))).await?;
    client.wait().at_most(WAIT).for_element(Locator::Css("html[lang='en'][dir='ltr']")).await?;
    Ok(())
}
