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

use crate::support::Server;

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
    if std::env::var("COMITY_TEST_BROWSER").ok().as_deref() != Some("1") {
        eprintln!("skipped: set COMITY_TEST_BROWSER=1");
        return;
    }
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots).unwrap_or_else(|e| panic!("create {}: {e}", shots.display()));
    let driver = Chromedriver::start();
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

    // Back to English, so the choice is seen to stick both ways.
    client.find(Locator::Css("header a.lang")).await?.click().await?;
    client.wait().at_most(WAIT).for_element(Locator::Css("html[lang='en']")).await?;
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
