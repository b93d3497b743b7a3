//! `/api/v1/me/notifications`: your own in-app notifications (deadline reminders) and
//! marking them read. Nobody sees or marks anyone else's.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use comity_app::{reminders::NotificationView, Paging};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    auth::ApiActor,
    error::{ApiError, ErrorEnvelope},
    extract::ApiQuery,
    AppState,
};

/// Which page of notifications.
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// The page, from 1 (default 1).
    pub page: Option<i64>,
    /// Notifications per page, 1 to 500 (default 50).
    pub per_page: Option<i64>,
}

impl NotificationQuery {
    pub fn paging(&self) -> Paging {
        Paging::new(self.page, self.per_page)
    }
}

/// One page of your notifications, unread first, then newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
    /// How many of all your notifications (not only this page's) are unread.
    pub unread: i64,
}

/// How many notifications a request marked read.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    pub marked: i64,
}

/// Your notifications: reminders of deadlines that approach or have passed on requests you
/// are responsible for. Unread first, then newest first.
#[utoipa::path(
    get, path = "/api/v1/me/notifications", tag = "notifications", operation_id = "my_notifications",
    params(NotificationQuery),
    responses(
        (status = 200, body = NotificationPage),
        (status = 400, description = "A query parameter is malformed", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> Result<Json<NotificationPage>, ApiError> {
    let page = s.app.notifications(&actor, q.paging()).await?;
    let unread = s.app.unread_notifications(&actor).await?;
    Ok(Json(NotificationPage {
        items: page.items,
        page: page.page,
        per_page: page.per_page,
        total: page.total,
        unread,
    }))
}

/// Mark one of your notifications read. Marking it again changes nothing.
#[utoipa::path(
    post, path = "/api/v1/me/notifications/{id}/read", tag = "notifications", operation_id = "read_notification",
    params(("id" = String, Path, description = "The notification's id")),
    responses(
        (status = 204, description = "Marked read"),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "A read-only token may not mark notifications", body = ErrorEnvelope),
        (status = 404, description = "No such notification of yours", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn mark_read(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.mark_notification_read(&actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark all your notifications read; says how many were unread.
#[utoipa::path(
    post, path = "/api/v1/me/notifications/read", tag = "notifications", operation_id = "read_all_notifications",
    responses(
        (status = 200, body = MarkedRead),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 403, description = "A read-only token may not mark notifications", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn mark_all_read(State(s): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<MarkedRead>, ApiError> {
    Ok(Json(MarkedRead { marked: s.app.mark_all_notifications_read(&actor).await? }))
}
