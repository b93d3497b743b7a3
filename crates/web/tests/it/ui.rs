//! The browser flows: sign in with CSRF protection, browse, switch language, sign out.

use std::sync::Arc;

use comity_testkit::on_every_engine;
use reqwest::{cookie::CookieStore, Response, StatusCode};

use crate::TestServer;

/// A browser: keeps cookies, shows redirects instead of following them.
pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<reqwest::cookie::Jar>,
    base: String,
}

impl Browser {
    pub fn new(s: &TestServer) -> Self {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a browser client");
        Self { client, jar, base: s.base.clone() }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.expect("GET")
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client.post(format!("{}{path}", self.base)).form(form).send().await.expect("POST")
    }

    /// The value of a cookie the browser holds for the server.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = self.base.parse().expect("the server URL");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    }

    /// Opens the login page and returns its CSRF token.
    pub async fn login_form(&self) -> String {
        let res = self.get("/login").await;
        assert_eq!(res.status(), StatusCode::OK);
        hidden_csrf(&res.text().await.expect("the login page"))
    }

    /// Signs in through the form; returns the response to the form.
    pub async fn login(&self, name: &str, password: &str) -> Response {
        let csrf = self.login_form().await;
        self.post("/login", &[("name", name), ("password", password), ("csrf", &csrf), ("next", "/")]).await
    }
}

/// The value of the hidden `csrf` input of a page's form.
/// Completes the enrolment the sign-in asked for, with a code from the page's secret.
pub async fn enrol_second_factor(b: &Browser, s: &crate::TestServer) {
    let form = b.get("/account/second-factor").await.text().await.expect("the enrolment page");
    let secret = hidden_value(&form, "secret");
    let code = comity_app::auth::totp_code(&secret, comity_app::Clock::now(&*s.clock)).expect("a code");
    let res =
        b.post("/account/second-factor", &[("csrf", &hidden_csrf(&form)), ("secret", &secret), ("code", &code)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the second factor is enrolled");
}

pub fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker).unwrap_or_else(|| panic!("no hidden {name}")) + marker.len();
    html[start..start + html[start..].find('"').expect("a closing quote")].to_owned()
}

pub fn hidden_csrf(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker).unwrap_or_else(|| panic!("no csrf input in the page:\n{html}")) + marker.len();
    let value = &html[start..start + html[start..].find('"').expect("a closing quote")];
    assert!(!value.is_empty(), "the csrf input has a value");
    value.to_owned()
}

pub fn set_cookies(res: &Response) -> Vec<String> {
    res.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
}

fn set_cookie(res: &Response, name: &str) -> Option<String> {
    set_cookies(res).into_iter().find(|c| c.starts_with(&format!("{name}=")))
}

pub fn location(res: &Response) -> String {
    res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_browser_signs_in_browses_and_signs_out() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let b = Browser::new(&s);

        // Not signed in: pages send the browser to the login form, keeping where it was going.
        let res = b.get("/partners/ARG").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/login?next=/partners/ARG");

        // The browser's language is followed until one is chosen.
        let french = s.http.get(s.url("/login")).header("accept-language", "fr-CH, fr;q=0.9, en;q=0.8").send().await;
        let page = french.expect("GET /login").text().await.expect("the page");
        assert!(page.contains("Connexion") && page.contains(r#"<html lang="fr" dir="ltr">"#));

        // The login form sets its own CSRF cookie, and carries the same token in the form.
        let res = b.get("/login").await;
        assert_eq!(res.status(), StatusCode::OK);
        let cookie = set_cookie(&res, "comity_login_csrf").expect("the login CSRF cookie");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        let csrf = hidden_csrf(&res.text().await.expect("the page"));
        assert_eq!(b.cookie("comity_login_csrf").as_deref(), Some(csrf.as_str()));

        // Without the token, or with another one, even the right password is refused.
        let form = [("name", "admin"), ("password", s.admin_password.as_str()), ("next", "/partners/ARG")];
        let res = b.post("/login", &form).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(set_cookie(&res, "comity_session").is_none());
        let res = b.post("/login", &[form[0], form[1], form[2], ("csrf", "forged")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(set_cookie(&res, "comity_session").is_none());
        assert!(b.cookie("comity_session").is_none());

        // With it, the browser is signed in and sent where it was going.
        let csrf = b.login_form().await;
        let res = b.post("/login", &[form[0], form[1], form[2], ("csrf", &csrf)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/partners/ARG");
        let session = set_cookie(&res, "comity_session").expect("a session cookie");
        assert!(session.contains("HttpOnly"), "{session}");
        assert!(session.contains("SameSite=Strict"), "{session}");
        assert!(session.contains("Path=/"), "{session}");
        let raw_session = b.cookie("comity_session").expect("the browser keeps the session");

        let res = b.get("/partners/ARG").await;
        assert_eq!(res.status(), StatusCode::OK);
        let page = res.text().await.expect("the page");
        assert!(page.contains("Argentina") && page.contains("2002-07-01"), "the profile shows the treaty dates");
        let res = b.get("/login").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "a signed-in browser skips the login form");

        // The session may read the API, but changes need a token.
        assert_eq!(b.get("/api/v1/me").await.status(), StatusCode::OK);
        let res = b
            .client
            .post(format!("{}/api/v1/partners/ARG/focal-points", s.base))
            .json(&crate::focal_point("A. Forged", "public"))
            .send()
            .await
            .expect("POST");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

        // The language switch is remembered and the pages follow it.
        let res = b.get("/partners").await;
        let page = res.text().await.expect("the page");
        assert!(page.contains("Partners") && !page.contains("Partenaires"));
        let res = b.get("/lang/fr?next=/partners").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/partners");
        assert!(set_cookie(&res, "comity_lang").is_some_and(|c| c.starts_with("comity_lang=fr")));
        let page = b.get("/partners").await.text().await.expect("the page");
        assert!(page.contains("Partenaires"), "French labels after switching");
        assert!(page.contains(r#"<html lang="fr" dir="ltr">"#));
        let page = b.get("/partners/ARG").await.text().await.expect("the page");
        assert!(page.contains("Argentine"), "the French name of the State");
        let res = b.get("/lang/fr?next=//evil.example/").await;
        assert_eq!(location(&res), "/", "the switch never redirects off-site");
        let res = b.get("/lang/fr?next=/partners%0D%0ASet-Cookie:%20x=y").await;
        assert_eq!((res.status(), location(&res)), (StatusCode::SEE_OTHER, "/".to_owned()), "no header injection");
        let res = b.get("/lang/en?next=/partners").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        // Signing out needs the session's CSRF token.
        let home = b.get("/").await;
        assert_eq!(home.status(), StatusCode::OK);
        let csrf = hidden_csrf(&home.text().await.expect("the page"));
        assert_eq!(b.post("/logout", &[]).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(b.post("/logout", &[("csrf", "forged")]).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(b.get("/").await.status(), StatusCode::OK, "a refused logout leaves the session alone");
        let res = b.post("/logout", &[("csrf", &csrf)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/login");
        let res = b.get("/").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/login");

        // The server forgot the session: replaying the old cookie gets nowhere.
        let replay = s
            .http
            .get(s.url("/partners"))
            .header("cookie", format!("comity_session={raw_session}"))
            .send()
            .await
            .expect("GET");
        assert_eq!(replay.status(), StatusCode::SEE_OTHER);
        assert!(location(&replay).starts_with("/login"));
        let replay = s
            .http
            .get(s.url("/api/v1/me"))
            .header("cookie", format!("comity_session={raw_session}"))
            .send()
            .await
            .expect("GET");
        assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    });
}

#[tokio::test]
async fn cookies_are_marked_secure_when_served_over_https() {
    on_every_engine!(|t| {
        let options = comity_web::WebOptions { secure_cookies: true };
        let s = TestServer::with_options(t, comity_app::Settings::default(), options).await;
        let res = s.http.get(s.url("/login")).send().await.expect("GET /login");
        let login_csrf = set_cookie(&res, "comity_login_csrf").expect("the login CSRF cookie");
        assert!(login_csrf.contains("; Secure"), "{login_csrf}");
        let value = login_csrf.split(';').next().expect("name=value").to_owned();
        let csrf = hidden_csrf(&res.text().await.expect("the page"));
        let res = s
            .http
            .post(s.url("/login"))
            .header("cookie", value)
            .form(&[("name", "admin"), ("password", s.admin_password.as_str()), ("csrf", &csrf)])
            .send()
            .await
            .expect("POST /login");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let session = set_cookie(&res, "comity_session").expect("a session cookie");
        assert!(session.contains("; Secure") && session.contains("HttpOnly"), "{session}");
        let res = s.http.get(s.url("/lang/fr")).send().await.expect("GET /lang/fr");
        assert!(set_cookie(&res, "comity_lang").is_some_and(|c| c.contains("; Secure")));
    });
}
