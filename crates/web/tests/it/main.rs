//! The HTTP suite: a real server on a local port, on every available database engine, driven
//! with reqwest the way an API client or a browser would drive it.

mod api_auth;
mod bad_input;
mod confidentiality;
mod export;
mod headers;
mod invitations_ui;
mod messages_api;
mod notifications;
mod openapi;
mod partner_arrest_ui;
mod partners;
mod profiles;
mod proposals_ui;
mod receipts_api;
mod requests_api;
mod requests_bad_input;
mod requests_confidentiality;
mod requests_import;
mod requests_ui;
mod second_factor;
mod throttling;
mod ui;
mod versioning;
mod warrants_api;
mod warrants_ui;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use comity_app::{trail::AuditQuery, users::UserInput, Actor, Comity, ManualClock, Settings};
use comity_store::Db;
use comity_testkit::TestDatabase;
use comity_web::WebOptions;
use reqwest::{Response, StatusCode};
use serde_json::Value;
use tokio::sync::oneshot;

/// Every test server starts at this instant; tests move the clock when time matters.
pub fn start_instant() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().expect("a valid start instant")
}

/// A Comity server on 127.0.0.1 with the shipped reference data, over one test database.
pub struct TestServer {
    pub app: Comity,
    pub clock: Arc<ManualClock>,
    pub base: String,
    /// The first administrator's password, as `prepare` returned it.
    pub admin_password: String,
    /// A plain client: no cookies, no redirects followed.
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
}

impl TestServer {
    pub async fn start(db: &TestDatabase) -> Self {
        Self::with_settings(db, Settings::default()).await
    }

    pub async fn with_settings(db: &TestDatabase, settings: Settings) -> Self {
        Self::with_options(db, settings, WebOptions::default()).await
    }

    pub async fn with_options(db: &TestDatabase, settings: Settings, options: WebOptions) -> Self {
        let store = Db::connect(&db.url).await.expect("connect to the test database");
        store.migrate().await.expect("migrate the test database");
        let clock = Arc::new(ManualClock::new(start_instant()));
        let app = Comity::new(store, clock.clone(), settings);
        let prepared = app.prepare(|_| {}).await.expect("prepare the database");
        let admin_password = prepared.admin_password.expect("a first start returns the admin password");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a local port");
        let base = format!("http://{}", listener.local_addr().expect("the bound address"));
        let (tx, rx) = oneshot::channel::<()>();
        let router = comity_web::router(app.clone(), options);
        tokio::spawn(comity_web::serve(listener, router, async move {
            let _ = rx.await;
        }));
        let http =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("an HTTP client");
        Self { app, clock, base, admin_password, http, shutdown: Some(tx) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Adds a user as the operator and returns the generated password.
    pub async fn user(&self, name: &str, unit: &str, roles: &str) -> String {
        let input =
            UserInput { name: name.into(), display_name: None, email: None, roles: roles.into(), unit: unit.into() };
        self.app.add_user(&Actor::operator(), &input).await.expect("add a test user").1
    }

    /// A read-and-write API token for a user.
    pub async fn token(&self, user: &str) -> String {
        self.token_with(user, &["read", "write"]).await
    }

    pub async fn token_with(&self, user: &str, scopes: &[&str]) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.app.create_token(&Actor::operator(), user, "test", &scopes, None).await.expect("create a token").token
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.http.get(self.url(path)).bearer_auth(token).send().await.expect("GET")
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.http.post(self.url(path)).bearer_auth(token).json(body).send().await.expect("POST")
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.http.put(self.url(path)).bearer_auth(token).json(body).send().await.expect("PUT")
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Response {
        self.http.patch(self.url(path)).bearer_auth(token).json(body).send().await.expect("PATCH")
    }

    /// Adds a user and returns a read-and-write token for them.
    pub async fn user_token(&self, name: &str, unit: &str, roles: &str) -> String {
        self.user(name, unit, roles).await;
        self.token(name).await
    }

    /// Posts a `multipart/form-data` body made of `parts`.
    pub async fn post_multipart(&self, path: &str, token: &str, parts: &[Part<'_>]) -> Response {
        let (content_type, body) = multipart(parts);
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST multipart")
    }

    /// The sequence number of the newest audit entry: unchanged means nothing was written.
    pub async fn audit_head(&self) -> i64 {
        let q = AuditQuery { limit: 1, ..Default::default() };
        let rows = self.app.audit_entries(&Actor::operator(), &q).await.expect("read the audit trail");
        rows.first().map_or(0, |r| r.entry.seq)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The status and JSON body of a response.
pub async fn json(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.expect("a response body");
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("expected JSON ({e}), got {status}: {text}"));
    (status, body)
}

/// Asserts an error envelope and returns it.
pub async fn expect_error(res: Response, status: StatusCode, code: &str) -> Value {
    let (got, body) = json(res).await;
    assert_eq!(got, status, "unexpected status; body: {body}");
    assert_eq!(body["error"]["code"], code, "unexpected error code; body: {body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "an error has a message: {body}");
    body
}

/// A focal point body for POST and PUT.
pub fn focal_point(name: &str, classification: &str) -> Value {
    serde_json::json!({
        "name": name,
        "title": "Director of International Cooperation",
        "authority": "Ministry of Foreign Affairs",
        "mandates": ["central_authority"],
        "email": "cooperation@example.invalid",
        "languages": ["es", "en"],
        "mandate_from": "2025-01-01",
        "classification": classification,
    })
}

/// One part of a multipart form: its name, the file name for a file, and the contents.
pub struct Part<'a> {
    pub name: &'a str,
    pub filename: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub data: &'a [u8],
}

impl<'a> Part<'a> {
    pub fn text(name: &'a str, value: &'a str) -> Self {
        Self { name, filename: None, content_type: None, data: value.as_bytes() }
    }

    pub fn file(filename: &'a str, content_type: &'a str, data: &'a [u8]) -> Self {
        Self { name: "file", filename: Some(filename), content_type: Some(content_type), data }
    }
}

/// A `multipart/form-data` body (RFC 7578) and its content type.
pub fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "comity-test-boundary-5f0c2a9e";
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match p.filename {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{}\"; filename=\"{f}\"\r\n", p.name).as_bytes(),
            ),
            None => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{}\"\r\n", p.name).as_bytes())
            }
        }
        if let Some(t) = p.content_type {
            body.extend_from_slice(format!("Content-Type: {t}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(p.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// A complete outgoing request body (every checklist point answered) with one line of
/// `line_type`, for tests that need a request able to leave draft.
pub fn complete_request(on_behalf_of: &str, partner_id: &str, title: &str) -> Value {
    serde_json::json!({
        "on_behalf_of": on_behalf_of,
        "partner_id": partner_id,
        "title": title,
        "purpose": "To trace and freeze the assets of the suspect held in the requested State.",
        "facts": "The suspect is alleged to have transferred proceeds of the crimes to accounts abroad.",
        "legal_basis": "Articles 93(1)(k) and 96 of the Rome Statute",
        "situation": "Situation in the Republic of Example",
        "deadline": "2026-06-30",
        "decision_reference": "ICC-01/99-01/26-12",
        "lines": [{
            "line_type": "a93_1_k_assets_trace_freeze_seize",
            "content": {
                "assistance_sought": "Identify and freeze accounts held by the suspect.",
                "persons_places": "Banco Example, Buenos Aires",
                "procedure": "Freezing order under national law.",
            },
        }],
    })
}
