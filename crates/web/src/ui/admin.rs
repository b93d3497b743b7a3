//! Administration pages: the audit viewer and the list of users.

use askama::Template;
use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use comity_app::{trail::AuditRow, users::UserSummary};

use super::{render, Chrome, UiError};
use crate::{api::AuditParams, auth::UiSession, extract::ApiQuery, AppState};

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    f: AuditParams,
    rows: Vec<AuditRow>,
    next_before: Option<i64>,
    query_string: String,
}

pub async fn audit(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    q: Result<ApiQuery<AuditParams>, crate::error::ApiError>,
) -> Response {
    let f = match q {
        Ok(ApiQuery(f)) => f,
        Err(e) => return super::error_page(e.code.status(), Some(e.message)),
    };
    let query = match f.to_query() {
        Ok(q) => q,
        Err(e) => return super::error_page(e.code.status(), Some(e.message)),
    };
    let rows = match s.app.audit_entries(&session.actor, &query).await {
        Ok(r) => r,
        Err(e) => return UiError(e).into_response(),
    };
    let next_before = (rows.len() as i64 == query.limit).then(|| rows.last().map(|r| r.entry.seq)).flatten();
    let query_string = {
        let mut qs = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("user", &f.user),
            ("record_kind", &f.record_kind),
            ("record_id", &f.record_id),
            ("from", &f.from),
            ("to", &f.to),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                qs.append_pair(k, v);
            }
        }
        qs.finish()
    };
    let c = Chrome::new(&s, Some(&session), "audit", "/audit").await;
    render(&AuditPage { c, f, rows, next_before, query_string })
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    users: Vec<UserSummary>,
    /// The reader's own login: no one disables themselves from here.
    me: String,
}

pub async fn users(State(s): State<AppState>, UiSession(session): UiSession) -> Response {
    match s.app.list_users(&session.actor).await {
        Ok(users) => {
            let c = Chrome::new(&s, Some(&session), "users", "/admin/users").await;
            render(&UsersPage { c, users, me: session.user.name.clone() })
        }
        Err(e) => UiError(e).into_response(),
    }
}

/// An administrator disables (after ticking the confirmation) or re-enables an account of
/// their own office; their sessions end at once.
pub async fn set_disabled(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    axum::extract::Path((name, action)): axum::extract::Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let f = super::requests::Fields::parse(&body);
    if !super::csrf_ok(&session, &f.one("csrf")) {
        return super::csrf_refused();
    }
    let disabled = match action.as_str() {
        "disable" if f.one("confirm") == "yes" => true,
        "disable" => {
            let mut e = comity_domain::validation::FieldErrors::new();
            e.add("confirm", "tick the box to confirm");
            return super::refused_page(e);
        }
        "enable" => false,
        _ => return super::error_page(axum::http::StatusCode::NOT_FOUND, None),
    };
    match s.app.set_user_disabled(&session.actor, &name, disabled).await {
        Ok(()) => axum::response::Redirect::to("/admin/users").into_response(),
        Err(e) => UiError(e).into_response(),
    }
}
