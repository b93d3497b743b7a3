//! The browser UI: server-rendered pages (askama) that work without JavaScript, enhanced by
//! htmx where it saves a round of page loads.

mod account;
mod admin;
mod directory;
mod edit;
mod invitations;
mod login;
mod notifications;
mod requests;
mod warrants;

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use comity_app::{auth::SessionState, AppError};
use comity_domain::access::Role;

use crate::{
    auth::{same_secret, set_cookie, UiSession},
    error::plain_page,
    i18n::{Lang, Tr, LANG_COOKIE},
    middleware::{current_lang, current_request_id},
    AppState,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/lang/{code}", get(switch_language))
        .route("/login", get(login::form).post(login::submit))
        .route("/login/second-factor", get(login::second_factor_form).post(login::second_factor_submit))
        .route("/logout", post(login::logout))
        .route("/account", get(account::page))
        .route("/account/second-factor", get(account::enrol_form).post(account::enrol_submit))
        .route("/activate/{token}", get(invitations::activate_form).post(invitations::activate_submit))
        .route("/partners/{id}/invitations", post(invitations::invite))
        .route("/partners/{id}/proposals", post(edit::propose_profile))
        .route("/partners/{id}/proposals/{proposal}/decision", post(edit::decide_proposal))
        .route("/partners", get(directory::list))
        .route("/partners/{id}", get(directory::profile))
        .route("/partners/{id}/focal-points", post(edit::save_focal_point))
        .route("/partners/{id}/arrest-law", post(directory::save_arrest_law))
        .route("/partners/{id}/demarches", post(directory::log_demarche))
        .route("/partners/{id}/focal-points/new", get(edit::new_focal_point))
        .route("/partners/{id}/focal-points/{fp}", post(edit::save_focal_point))
        .route("/partners/{id}/focal-points/{fp}/edit", get(edit::edit_focal_point))
        .route("/partners/{id}/communication-profiles", post(edit::save_profile))
        .route("/partners/{id}/communication-profiles/new", get(edit::new_profile))
        .route("/audit", get(admin::audit))
        .route("/admin/users", get(admin::users))
        .route("/admin/users/{name}/{action}", post(admin::set_disabled))
        .route("/notifications", get(notifications::page))
        .route("/notifications/read", post(notifications::mark_all_read))
        .route("/notifications/{id}/read", post(notifications::mark_read))
        .route("/warrants", get(warrants::list::list).post(warrants::list::create))
        .route("/warrants/new", get(warrants::list::new_form))
        .route("/warrants/{id}", get(warrants::detail::page))
        .route("/warrants/{id}/status", post(warrants::detail::set_status))
        .route("/warrants/{id}/unseal", get(warrants::detail::unseal_form).post(warrants::detail::unseal))
        .route("/warrants/{id}/requests", post(warrants::detail::send_requests))
        .route("/persons/{id}", get(warrants::persons::page))
        .route(
            "/persons/{id}/photo",
            get(warrants::persons::photo).post(warrants::persons::set_photo).layer(warrants::upload_limit()),
        )
        .route("/persons/{id}/demarches", post(warrants::persons::log_demarche))
        .route("/alerts", get(warrants::alerts::board).post(warrants::alerts::create))
        .route("/alerts/new", get(warrants::alerts::new_form))
        .route("/alerts/{id}", get(warrants::alerts::page).post(warrants::alerts::update))
        .route("/alerts/{id}/moves/{action}", post(warrants::alerts::move_alert))
        .route("/alerts/{id}/requests", post(warrants::alerts::draft_request))
        .route("/alerts/{id}/message", get(warrants::alerts::message))
        .route("/alerts/{id}/demarches", post(warrants::alerts::log_demarche))
        .route("/compliance", get(warrants::compliance::list).post(warrants::compliance::create))
        .route("/compliance/new", get(warrants::compliance::new_form))
        .route("/compliance/{id}", get(warrants::compliance::page))
        .route("/compliance/{id}/steps/{step}", post(warrants::compliance::update_step).layer(warrants::upload_limit()))
        .route("/compliance/{id}/steps/{step}/document", get(warrants::compliance::document))
        .route("/public/warrants", get(warrants::public::page))
        .merge(requests::routes())
}

/// What the page frame needs: the translator, the signed-in user and the navigation.
pub struct Chrome {
    pub tr: Tr,
    pub user: Option<ChromeUser>,
    pub csrf: String,
    pub nav: &'static str,
    pub demo: bool,
    pub session_expires: String,
    pub path: String,
}

pub struct ChromeUser {
    pub display_name: String,
    pub unit: String,
    pub auditor: bool,
    pub admin: bool,
    /// Whether the directory is open to them (observers work with aggregates only).
    pub directory: bool,
    /// Whether they work with requests (observers see aggregates only).
    pub requests: bool,
    /// How many of their notifications are unread.
    pub unread: i64,
    /// A State's focal point: their requests are their State's inbox.
    pub inbox: bool,
    /// An officer of the Court's organs, who work on warrants, alerts and non-compliance.
    pub court: bool,
}

impl Chrome {
    pub async fn new(s: &AppState, session: Option<&SessionState>, nav: &'static str, path: &str) -> Self {
        let unread = match session {
            Some(session) => s.app.unread_notifications(&session.actor).await.unwrap_or_else(|e| {
                tracing::warn!(request_id = %current_request_id(), error = %e, "could not count unread notifications");
                0
            }),
            None => 0,
        };
        let user = session.map(|s| ChromeUser {
            display_name: s.actor.display_name.clone(),
            unit: s.actor.unit_name.clone(),
            auditor: s.actor.has(Role::Auditor) || s.actor.has(Role::SystemAdmin),
            admin: s.actor.has(Role::SystemAdmin) || s.actor.has(Role::UnitAdmin),
            directory: s.actor.principal.unit_kind != comity_domain::access::UnitKind::AssemblyObserver,
            requests: s.actor.principal.unit_kind != comity_domain::access::UnitKind::AssemblyObserver,
            unread,
            inbox: s.actor.principal.unit_kind == comity_domain::access::UnitKind::StateFocalPoint,
            court: s.actor.principal.unit_kind.is_court_organ(),
        });
        Self {
            tr: Tr::new(current_lang(), s.i18n.clone()),
            user,
            csrf: session.map(|s| s.csrf_token.clone()).unwrap_or_default(),
            nav,
            demo: s.app.is_demo().await.unwrap_or(false),
            session_expires: session.map(|s| s.expires_at.to_rfc3339()).unwrap_or_default(),
            path: path.to_owned(),
        }
    }

    /// What the request list is called: a State's focal points see their State's inbox.
    pub fn requests_title(&self) -> String {
        match &self.user {
            Some(u) if u.inbox => self.tr.t("inbox-title"),
            _ => self.tr.t("requests-title"),
        }
    }

    pub fn dir(&self) -> &'static str {
        self.tr.lang.dir()
    }

    pub fn lang(&self) -> &'static str {
        self.tr.lang.code()
    }

    /// The other language, offered by the switcher.
    /// The other languages, each as (code, its own name), for the switcher.
    pub fn other_langs(&self) -> Vec<(&'static str, &'static str)> {
        Lang::ALL.into_iter().filter(|l| *l != self.tr.lang).map(|l| (l.code(), l.native_name())).collect()
    }
}

/// Renders a template into a response, or a plain error page if rendering fails.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => {
            tracing::error!(request_id = %current_request_id(), error = %e, "template rendering failed");
            plain_page(StatusCode::INTERNAL_SERVER_ERROR, "The page could not be rendered.")
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    status: u16,
    title: String,
    detail: String,
    request_id: String,
}

/// A full error page in the request's language, naming the request id.
/// A form refused for its fields, on a page of its own: `field: problem` for each.
pub fn refused_page(fields: comity_domain::validation::FieldErrors) -> Response {
    let text: Vec<String> = fields.0.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    error_page(StatusCode::UNPROCESSABLE_ENTITY, Some(text.join(". ")))
}

pub fn error_page(status: StatusCode, detail: Option<String>) -> Response {
    let tr = Tr::new(current_lang(), crate::i18n::I18n::shared());
    let title = match status {
        StatusCode::NOT_FOUND => tr.t("error-not-found"),
        StatusCode::FORBIDDEN => tr.t("error-forbidden"),
        StatusCode::TOO_MANY_REQUESTS => tr.t("error-throttled"),
        s if s.is_client_error() => tr.t("error-bad-request"),
        _ => tr.t("error-internal"),
    };
    let page = ErrorPage {
        c: Chrome {
            tr,
            user: None,
            csrf: String::new(),
            nav: "",
            demo: false,
            session_expires: String::new(),
            path: String::new(),
        },
        status: status.as_u16(),
        title,
        detail: detail.unwrap_or_default(),
        request_id: current_request_id(),
    };
    (status, render(&page)).into_response()
}

/// An application error shown as a page.
pub struct UiError(pub AppError);

impl From<AppError> for UiError {
    fn from(e: AppError) -> Self {
        UiError(e)
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let api = crate::error::ApiError::from(self.0);
        let status = api.code.status();
        let detail = if status.is_server_error() { None } else { Some(api.message.clone()) };
        let mut res = error_page(status, detail);
        if let Some(d) = api.internal {
            res.extensions_mut().insert(crate::error::InternalDetail(d));
        }
        res
    }
}

/// Whether a form's CSRF token matches the session's.
pub fn csrf_ok(session: &SessionState, submitted: &str) -> bool {
    same_secret(&session.csrf_token, submitted)
}

/// The answer to a form whose CSRF token did not match.
pub fn csrf_refused() -> Response {
    error_page(StatusCode::FORBIDDEN, Some(csrf_message()))
}

pub fn csrf_message() -> String {
    "The form has expired or did not come from Comity. Reload the page and try again.".into()
}

/// Whether the request came from htmx and wants only a fragment.
pub fn is_htmx(h: &HeaderMap) -> bool {
    h.contains_key("hx-request") && !h.contains_key("hx-history-restore-request")
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    c: Chrome,
    states_parties: usize,
    today: String,
}

async fn home(State(s): State<AppState>, UiSession(session): UiSession) -> Response {
    let today = s.app.today();
    let states_parties = s.app.partner_statistics(&session.actor, today).await.map(|st| st.states_parties).unwrap_or(0);
    render(&Home { c: Chrome::new(&s, Some(&session), "home", "/").await, states_parties, today: today.to_string() })
}

#[derive(serde::Deserialize)]
struct Next {
    next: Option<String>,
}

/// Only same-site paths may be redirect targets.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        // Control characters cannot go into a Location header (and have no place in a path).
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

async fn switch_language(State(s): State<AppState>, Path(code): Path<String>, Query(q): Query<Next>) -> Response {
    let Some(lang) = Lang::parse(&code) else {
        return error_page(StatusCode::NOT_FOUND, None);
    };
    let cookie = set_cookie(LANG_COOKIE, lang.code(), Some(365 * 24 * 3600), false, s.opts.secure_cookies);
    ([(header::SET_COOKIE, cookie)], Redirect::to(&safe_next(q.next.as_deref()))).into_response()
}
