//! The user's own account: identity, and enrolling a TOTP second factor.

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    Form,
};
use comity_app::{
    auth::{new_totp_secret, totp_url},
    AppError,
};
use serde::Deserialize;

use super::{csrf_ok, csrf_refused, render, Chrome, UiError};
use crate::{
    auth::{AnySession, UiSession},
    AppState,
};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    name: String,
    unit: String,
    roles: Vec<String>,
    second_factor: bool,
}

pub async fn page(State(s): State<AppState>, UiSession(session): UiSession) -> Response {
    let c = Chrome::new(&s, Some(&session), "account", "/account").await;
    let roles = session.actor.principal.roles.iter().map(|r| c.tr.code("role", r.code())).collect();
    render(&AccountPage {
        name: session.user.name.clone(),
        unit: session.actor.unit_name.clone(),
        roles,
        second_factor: session.user.totp_secret.is_some(),
        c,
    })
}

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    c: Chrome,
    secret: String,
    url: String,
    required: bool,
    error: String,
}

fn enrol_page(c: Chrome, secret: String, url: String, required: bool, error: String, status: StatusCode) -> Response {
    (status, render(&EnrolPage { c, secret, url, required, error })).into_response()
}

pub async fn enrol_form(State(s): State<AppState>, AnySession(session): AnySession) -> Response {
    if session.pending == Some(comity_app::auth::Pending::VerifyTotp) {
        return Redirect::to("/login/second-factor").into_response();
    }
    let (secret, url) = match new_totp_secret(&session.user.name) {
        Ok(x) => x,
        Err(e) => return UiError(e).into_response(),
    };
    let required = session.pending.is_some();
    let mut c = Chrome::new(&s, if required { None } else { Some(&session) }, "account", "/account").await;
    c.csrf = session.csrf_token.clone();
    enrol_page(c, secret, url, required, String::new(), StatusCode::OK)
}

#[derive(Deserialize)]
pub struct EnrolForm {
    secret: String,
    code: String,
    #[serde(default)]
    csrf: String,
}

pub async fn enrol_submit(
    State(s): State<AppState>,
    AnySession(session): AnySession,
    Form(f): Form<EnrolForm>,
) -> Response {
    if !csrf_ok(&session, &f.csrf) {
        return csrf_refused();
    }
    match s.app.enrol_second_factor(&session, f.secret.trim(), &f.code).await {
        Ok(()) => Redirect::to("/account").into_response(),
        Err(AppError::Validation(_)) => {
            let required = session.pending.is_some();
            let mut c = Chrome::new(&s, if required { None } else { Some(&session) }, "account", "/account").await;
            c.csrf = session.csrf_token.clone();
            // A tampered secret field cannot be shown as a URL; the page then offers the secret alone.
            let url = totp_url(f.secret.trim(), &session.user.name).unwrap_or_default();
            let error = c.tr.t("totp-wrong");
            enrol_page(c, f.secret, url, required, error, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => UiError(e).into_response(),
    }
}
