//! Who is calling: bearer tokens for the API, server-side sessions (by cookie) for the UI.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts, HeaderMap, Method},
    response::{IntoResponse, Redirect, Response},
};
use comity_app::{
    auth::{Pending, SessionState},
    Actor, AppError,
};

use crate::{error::ApiError, AppState};

pub const SESSION_COOKIE: &str = "comity_session";
/// Double-submit token protecting the login form, before any session exists.
pub const LOGIN_CSRF_COOKIE: &str = "comity_login_csrf";

/// Reads one cookie from the request headers.
pub fn cookie(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value with the attributes every Comity cookie carries.
pub fn set_cookie(name: &str, value: &str, max_age_secs: Option<i64>, http_only: bool, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; SameSite=Strict");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// Compares secrets without revealing through timing where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address, for login throttling.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientAddr(addr))
    }
}

/// The caller of an API endpoint: a bearer token, or a browser session for reads.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let raw = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
                .ok_or_else(|| ApiError::from(AppError::Unauthenticated))?;
            return Ok(ApiActor(state.app.token_actor(raw.trim()).await?));
        }
        // A signed-in browser may read the API (the UI's own scripts do); changes need a
        // token, so a forged cross-site form can never write through a session cookie.
        if matches!(parts.method, Method::GET | Method::HEAD) {
            if let Some(raw) = cookie(&parts.headers, SESSION_COOKIE) {
                if let Ok(s) = state.app.session(&raw).await {
                    if s.pending.is_none() {
                        return Ok(ApiActor(s.actor));
                    }
                }
            }
        }
        Err(AppError::Unauthenticated.into())
    }
}

/// Any session, including one still waiting for its second factor.
pub struct AnySession(pub SessionState);

/// Where to send a browser that is not signed in.
pub struct ToLogin(Response);

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        self.0
    }
}

fn login_redirect(parts: &Parts) -> ToLogin {
    let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let target = if next == "/" || next.starts_with("/login") {
        "/login".to_owned()
    } else {
        format!("/login?next={}", url_encode(next))
    };
    ToLogin(Redirect::to(&target).into_response())
}

pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FromRequestParts<AppState> for AnySession {
    type Rejection = ToLogin;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let raw = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(|| login_redirect(parts))?;
        state.app.session(&raw).await.map(AnySession).map_err(|_| login_redirect(parts))
    }
}

/// A fully signed-in browser session.
pub struct UiSession(pub SessionState);

impl FromRequestParts<AppState> for UiSession {
    type Rejection = ToLogin;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let AnySession(s) = AnySession::from_request_parts(parts, state).await?;
        match s.pending {
            None => Ok(UiSession(s)),
            Some(Pending::VerifyTotp) => Err(ToLogin(Redirect::to("/login/second-factor").into_response())),
            Some(Pending::EnrolTotp) => Err(ToLogin(Redirect::to("/account/second-factor").into_response())),
        }
    }
}

/// A session if there is one.
pub struct MaybeSession(pub Option<SessionState>);

impl FromRequestParts<AppState> for MaybeSession {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(raw) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Ok(MaybeSession(None));
        };
        Ok(MaybeSession(state.app.session(&raw).await.ok().filter(|s| s.pending.is_none())))
    }
}

/// A fresh random token for forms.
pub fn random_form_token() -> String {
    comity_app::auth::random_token()
}
