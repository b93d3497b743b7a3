//! Inviting a State's focal point from its directory page, and the activation page the
//! invitation's link opens (no session: the link itself is the credential, once).

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use comity_app::{invitations::InvitationInput, AppError};

use crate::{
    auth::UiSession,
    ui::{csrf_ok, csrf_refused, render, requests::Fields, Chrome, UiError},
    AppState,
};

#[derive(Template)]
#[template(path = "activate.html")]
struct ActivatePage {
    c: Chrome,
    done: bool,
    name: String,
    display_name: String,
    unit: String,
    expires: String,
    min_len: usize,
    error: String,
}

async fn activate_page(s: &AppState, token: &str, error: String, status: StatusCode) -> Response {
    match s.app.invitation_preview(token).await {
        Ok(p) => {
            let c = Chrome::new(s, None, "login", "/activate").await;
            let page = ActivatePage {
                c,
                done: false,
                name: p.name,
                display_name: p.display_name,
                unit: p.unit,
                expires: p.expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                min_len: comity_app::auth::MIN_PASSWORD_LEN,
                error,
            };
            (status, render(&page)).into_response()
        }
        Err(e) => UiError(e).into_response(),
    }
}

pub async fn activate_form(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    activate_page(&s, &token, String::new(), StatusCode::OK).await
}

pub async fn activate_submit(
    State(s): State<AppState>,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let f = Fields::parse(&body);
    match s.app.activate(&token, &f.one("password"), &f.one("confirm")).await {
        Ok(_) => {
            let c = Chrome::new(&s, None, "login", "/activate").await;
            let page = ActivatePage {
                c,
                done: true,
                name: String::new(),
                display_name: String::new(),
                unit: String::new(),
                expires: String::new(),
                min_len: comity_app::auth::MIN_PASSWORD_LEN,
                error: String::new(),
            };
            render(&page).into_response()
        }
        Err(AppError::Validation(fields)) => {
            let error = fields.0.values().cloned().collect::<Vec<_>>().join(" ");
            activate_page(&s, &token, error, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => UiError(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "invitation_sent.html")]
struct SentPage {
    c: Chrome,
    partner: String,
    email: String,
    expires: String,
    path: Option<String>,
}

/// Invites a focal point of the State whose page this is.
pub async fn invite(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(partner): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    let input = InvitationInput {
        name: f.one("name"),
        display_name: Some(f.one("display_name")),
        email: f.one("email"),
        unit: format!("state:{partner}"),
        roles: f.one("role"),
    };
    match s.app.invite(&session.actor, &input).await {
        Ok(sent) => {
            let c = Chrome::new(&s, Some(&session), "partners", &format!("/partners/{partner}")).await;
            let page = SentPage {
                c,
                partner,
                email: sent.email,
                expires: sent.expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                path: sent.activation_path,
            };
            (StatusCode::CREATED, render(&page)).into_response()
        }
        Err(AppError::Validation(fields)) => crate::ui::refused_page(fields),
        Err(e) => UiError(e).into_response(),
    }
}
