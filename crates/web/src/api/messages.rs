//! A request's thread over HTTP: read it, and write in it (with one of the request's
//! documents, uploaded first, if need be).

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use comity_app::messages::{MessageInput, MessageView};

use crate::{
    auth::ApiActor,
    error::{ApiError, ErrorEnvelope},
    extract::ApiJson,
    AppState,
};

/// The thread between the Court and the requested State, oldest first. The State's focal
/// points read it once the request has been sent.
#[utoipa::path(
    get, path = "/api/v1/requests/{id}/messages", tag = "requests", operation_id = "list_messages",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<MessageView>), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn list(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<MessageView>>, ApiError> {
    Ok(Json(s.app.messages(&actor, &id).await?))
}

/// Write in the thread. The other side gets a notification in Comity and an e-mail that says
/// only that there is something new.
#[utoipa::path(
    post, path = "/api/v1/requests/{id}/messages", tag = "requests", operation_id = "post_message",
    params(("id" = String, Path)),
    request_body = MessageInput,
    responses(
        (status = 201, body = MessageView),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "The request has not been sent yet", body = ErrorEnvelope),
        (status = 422, description = "An empty or too long message, or a document that cannot be shared", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn post(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MessageInput>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.post_message(&actor, &id, &input).await?)))
}
