//! Signing in and out: password, then the second factor when the account has one.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Form,
};
use comity_app::AppError;
use serde::Deserialize;

use super::{csrf_ok, csrf_refused, render, safe_next, Chrome};
use crate::{
    auth::{
        cookie, random_form_token, same_secret, set_cookie, AnySession, ClientAddr, MaybeSession, LOGIN_CSRF_COOKIE,
        SESSION_COOKIE,
    },
    AppState,
};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    name: String,
    next: String,
    error: String,
    login_csrf: String,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

fn login_page(c: Chrome, name: String, next: String, error: String, status: StatusCode, secure: bool) -> Response {
    let login_csrf = random_form_token();
    let cookie = set_cookie(LOGIN_CSRF_COOKIE, &login_csrf, Some(3600), true, secure);
    (status, [(header::SET_COOKIE, cookie)], render(&LoginPage { c, name, next, error, login_csrf })).into_response()
}

pub async fn form(
    State(s): State<AppState>,
    MaybeSession(signed_in): MaybeSession,
    Query(q): Query<LoginQuery>,
) -> Response {
    if signed_in.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    let c = Chrome::new(&s, None, "login", "/login").await;
    login_page(c, String::new(), safe_next(q.next.as_deref()), String::new(), StatusCode::OK, s.opts.secure_cookies)
}

#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    csrf: String,
}

pub async fn submit(
    State(s): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let c = Chrome::new(&s, None, "login", "/login").await;
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_secret(&expected, &f.csrf) {
        let msg = c.tr.t("login-expired");
        return login_page(c, f.name, f.next, msg, StatusCode::FORBIDDEN, s.opts.secure_cookies);
    }
    match s.app.login(&f.name, &f.password, &addr).await {
        Ok(out) => {
            let session = set_cookie(SESSION_COOKIE, &out.session_token, None, true, s.opts.secure_cookies);
            let target = if out.pending.is_some() {
                match out.pending {
                    Some(comity_app::auth::Pending::VerifyTotp) => "/login/second-factor".to_owned(),
                    _ => "/account/second-factor".to_owned(),
                }
            } else {
                safe_next(Some(&f.next))
            };
            let clear = set_cookie(LOGIN_CSRF_COOKIE, "", Some(0), true, s.opts.secure_cookies);
            let mut res = Redirect::to(&target).into_response();
            if let (Ok(a), Ok(b)) = (session.parse(), clear.parse()) {
                res.headers_mut().append(header::SET_COOKIE, a);
                res.headers_mut().append(header::SET_COOKIE, b);
            }
            res
        }
        Err(AppError::Throttled { retry_after_secs }) => {
            let msg = c.tr.t1("login-throttled", "minutes", retry_after_secs.div_ceil(60));
            let mut res = login_page(c, f.name, f.next, msg, StatusCode::TOO_MANY_REQUESTS, s.opts.secure_cookies);
            if let Ok(v) = retry_after_secs.to_string().parse() {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
        Err(AppError::BadCredentials) => {
            let msg = c.tr.t("login-failed");
            login_page(c, f.name, f.next, msg, StatusCode::UNAUTHORIZED, s.opts.secure_cookies)
        }
        Err(e) => super::UiError(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    c: Chrome,
    error: String,
}

pub async fn second_factor_form(State(s): State<AppState>, AnySession(session): AnySession) -> Response {
    let mut c = Chrome::new(&s, None, "login", "/login/second-factor").await;
    c.csrf = session.csrf_token.clone();
    render(&SecondFactorPage { c, error: String::new() })
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    #[serde(default)]
    csrf: String,
}

pub async fn second_factor_submit(
    State(s): State<AppState>,
    AnySession(session): AnySession,
    ClientAddr(addr): ClientAddr,
    Form(f): Form<CodeForm>,
) -> Response {
    if !csrf_ok(&session, &f.csrf) {
        return csrf_refused();
    }
    match s.app.verify_second_factor(&session, &f.code, &addr).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => {
            let mut c = Chrome::new(&s, None, "login", "/login/second-factor").await;
            c.csrf = session.csrf_token.clone();
            let (status, error) = match e {
                AppError::Throttled { retry_after_secs } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    c.tr.t1("login-throttled", "minutes", retry_after_secs.div_ceil(60)),
                ),
                AppError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, c.tr.t("totp-wrong")),
                other => return super::UiError(other).into_response(),
            };
            (status, render(&SecondFactorPage { c, error })).into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(State(s): State<AppState>, AnySession(session): AnySession, Form(f): Form<CsrfForm>) -> Response {
    if !csrf_ok(&session, &f.csrf) {
        return csrf_refused();
    }
    if let Err(e) = s.app.logout(&session).await {
        return super::UiError(e).into_response();
    }
    let clear = set_cookie(SESSION_COOKIE, "", Some(0), true, s.opts.secure_cookies);
    ([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response()
}
