//! Profile self-service over HTTP: a State's focal points propose changes to their State's
//! communication profile; a Registry officer approves or rejects them.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use comity_app::proposals::{ProposalDecision, ProposalInput, ProposalView};

use crate::{
    auth::ApiActor,
    error::{ApiError, ErrorEnvelope},
    extract::ApiJson,
    AppState,
};

/// The proposals about a State, newest first: for the Registry and that State's focal points.
#[utoipa::path(
    get, path = "/api/v1/partners/{id}/profile-proposals", tag = "partners", operation_id = "list_profile_proposals",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<ProposalView>), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn list(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<ProposalView>>, ApiError> {
    Ok(Json(s.app.profile_proposals(&actor, &id).await?))
}

/// Propose a change to your own State's communication profile. Approved, it takes effect on
/// the agreed date or 45 days after the proposal (rule 180).
#[utoipa::path(
    post, path = "/api/v1/partners/{id}/profile-proposals", tag = "partners", operation_id = "propose_profile",
    params(("id" = String, Path)),
    request_body = ProposalInput,
    responses(
        (status = 201, body = ProposalView),
        (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn propose(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ProposalInput>,
) -> Result<(StatusCode, Json<ProposalView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.propose_profile(&actor, &id, &input).await?)))
}

/// Approve (recording the new profile) or reject (with a note) a pending proposal. Registry.
#[utoipa::path(
    post, path = "/api/v1/partners/{id}/profile-proposals/{proposal}/decision", tag = "partners",
    operation_id = "decide_profile_proposal",
    params(("id" = String, Path), ("proposal" = String, Path)),
    request_body = ProposalDecision,
    responses(
        (status = 200, body = ProposalView),
        (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "Already decided", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn decide(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, proposal)): Path<(String, String)>,
    ApiJson(decision): ApiJson<ProposalDecision>,
) -> Result<Json<ProposalView>, ApiError> {
    Ok(Json(s.app.decide_profile_proposal(&actor, &id, &proposal, &decision).await?))
}
