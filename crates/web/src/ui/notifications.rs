//! The notifications page: your deadline reminders, unread first, each linked to its
//! request, with a small form to mark one, or all, read. Works without JavaScript.

use askama::Template;
use axum::{
    body::Bytes,
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use comity_app::reminders::NotificationView;
use serde::Deserialize;

use super::{csrf_ok, csrf_refused, error_page, render, requests::Fields, Chrome, UiError};
use crate::{auth::UiSession, extract::ApiQuery, AppState};

/// One notification as the page shows it.
pub struct NotificationRow {
    pub id: String,
    pub kind_label: String,
    pub overdue: bool,
    pub message: String,
    pub request_href: Option<String>,
    /// RFC 3339, for `<time datetime>`.
    pub created_at: String,
    /// As read by people, in UTC.
    pub created_at_label: String,
    pub read: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    c: Chrome,
    rows: Vec<NotificationRow>,
    total: i64,
    unread: i64,
    page: i64,
    pages: i64,
    /// `&per_page=N` when the reader chose a page size, for the pager's links.
    per_page_param: String,
    done: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
    per_page: Option<i64>,
    done: Option<String>,
}

fn row(c: &Chrome, n: NotificationView) -> NotificationRow {
    NotificationRow {
        kind_label: c.tr.code("notification-kind", &n.kind),
        overdue: n.kind == "deadline_overdue",
        request_href: n.request_id.as_ref().map(|id| format!("/requests/{id}")),
        created_at: n.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        created_at_label: n.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        read: n.read,
        id: n.id,
        message: n.message,
    }
}

pub async fn page(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    q: Result<ApiQuery<PageQuery>, crate::error::ApiError>,
) -> Response {
    let q = match q {
        Ok(ApiQuery(q)) => q,
        Err(e) => return error_page(e.code.status(), Some(e.message)),
    };
    let paging = comity_app::Paging::new(q.page, q.per_page);
    let list = match s.app.notifications(&session.actor, paging).await {
        Ok(l) => l,
        Err(e) => return UiError(e).into_response(),
    };
    let c = Chrome::new(&s, Some(&session), "notifications", "/notifications").await;
    let unread = c.user.as_ref().map_or(0, |u| u.unread);
    let done = q
        .done
        .filter(|d| matches!(d.as_str(), "read" | "all-read"))
        .map(|d| c.tr.code("notifications-done", &d))
        .unwrap_or_default();
    let per_page_param = match q.per_page {
        Some(_) => format!("&per_page={}", paging.per_page),
        None => String::new(),
    };
    let pages = list.pages();
    let (total, page) = (list.total, list.page);
    let rows = list.items.into_iter().map(|n| row(&c, n)).collect();
    render(&NotificationsPage { c, rows, total, unread, page, pages, per_page_param, done })
}

/// Where to go back to after a mark: the same page of the list.
fn back(fields: &Fields, done: &str) -> Redirect {
    let page = fields.one("page").parse::<i64>().ok().filter(|p| *p > 1);
    match page {
        Some(p) => Redirect::to(&format!("/notifications?page={p}&done={done}")),
        None => Redirect::to(&format!("/notifications?done={done}")),
    }
}

/// Marks one of your notifications read.
pub async fn mark_read(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    if !csrf_ok(&session, &fields.one("csrf")) {
        return csrf_refused();
    }
    match s.app.mark_notification_read(&session.actor, &id).await {
        Ok(()) => back(&fields, "read").into_response(),
        Err(e) => UiError(e).into_response(),
    }
}

/// Marks all your notifications read.
pub async fn mark_all_read(State(s): State<AppState>, UiSession(session): UiSession, body: Bytes) -> Response {
    let fields = Fields::parse(&body);
    if !csrf_ok(&session, &fields.one("csrf")) {
        return csrf_refused();
    }
    match s.app.mark_all_notifications_read(&session.actor).await {
        Ok(_) => Redirect::to("/notifications?done=all-read").into_response(),
        Err(e) => UiError(e).into_response(),
    }
}
