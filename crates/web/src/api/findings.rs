//! Findings of non-compliance and the Assembly's procedure over HTTP.

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
    Json,
};
use comity_app::compliance::{FindingInput, FindingList, FindingView, StepInput};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    api::as_attachment,
    auth::ApiActor,
    error::{ApiError, ErrorEnvelope},
    extract::{ApiJson, ApiQuery},
    AppState,
};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindingQuery {
    /// A State's partner id.
    pub partner_id: Option<String>,
    /// The year of the decision.
    pub year: Option<i32>,
}

/// Findings by State and year, with the Assembly follow-ups still open (overdue first).
#[utoipa::path(
    get, path = "/api/v1/findings", tag = "findings", operation_id = "list_findings", params(FindingQuery),
    responses((status = 200, body = FindingList)),
    security(("bearer" = []))
)]
pub async fn list(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<FindingQuery>,
) -> Result<Json<FindingList>, ApiError> {
    Ok(Json(s.app.list_findings(&actor, q.partner_id.as_deref(), q.year).await?))
}

/// Record a Chamber's finding (art. 87(7) or 87(5)(b)); a referral to the Assembly opens its
/// procedure's steps with their deadlines.
#[utoipa::path(
    post, path = "/api/v1/findings", tag = "findings", operation_id = "record_finding", request_body = FindingInput,
    responses((status = 201, body = FindingView), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn create(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<FindingInput>,
) -> Result<(StatusCode, Json<FindingView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.record_finding(&actor, &input).await?)))
}

#[utoipa::path(
    get, path = "/api/v1/findings/{id}", tag = "findings", operation_id = "get_finding",
    params(("id" = String, Path)),
    responses((status = 200, body = FindingView), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn get_one(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<FindingView>, ApiError> {
    Ok(Json(s.app.finding(&actor, &id).await?))
}

/// Record progress on an Assembly step: good_offices, bureau_meeting, open_letter,
/// state_reply, public_meeting or plenary.
#[utoipa::path(
    put, path = "/api/v1/findings/{id}/steps/{step}", tag = "findings", operation_id = "update_finding_step",
    params(("id" = String, Path), ("step" = String, Path)), request_body = StepInput,
    responses(
        (status = 200, body = FindingView),
        (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn update_step(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, step)): Path<(String, String)>,
    ApiJson(input): ApiJson<StepInput>,
) -> Result<Json<FindingView>, ApiError> {
    Ok(Json(s.app.update_step(&actor, &id, &step, &input).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentName {
    /// The file's name.
    pub filename: String,
}

/// Attach the step's document (the open letter, the reply, minutes); the body is the file.
#[utoipa::path(
    put, path = "/api/v1/findings/{id}/steps/{step}/document", tag = "findings", operation_id = "attach_step_document",
    params(("id" = String, Path), ("step" = String, Path), DocumentName),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = FindingView), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn attach(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, step)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<DocumentName>,
    body: Bytes,
) -> Result<Json<FindingView>, ApiError> {
    Ok(Json(s.app.attach_step_document(&actor, &id, &step, &q.filename, &body).await?))
}

#[utoipa::path(
    get, path = "/api/v1/findings/{id}/steps/{step}/document", tag = "findings", operation_id = "step_document",
    params(("id" = String, Path), ("step" = String, Path)),
    responses((status = 200, description = "The file"), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn document(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, step)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (name, bytes) = s.app.step_document(&actor, &id, &step).await?;
    Ok(as_attachment(bytes, "application/octet-stream", &name))
}
