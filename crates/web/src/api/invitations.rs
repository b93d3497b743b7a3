//! Inviting a State's focal point over HTTP.

use axum::{extract::State, http::StatusCode, Json};
use comity_app::invitations::{InvitationInput, InvitationIssued};

use crate::{
    auth::ApiActor,
    error::{ApiError, ErrorEnvelope},
    extract::ApiJson,
    AppState,
};

/// Invite a focal point of a State's office (`unit` = `state:ISO3`). The activation link goes
/// by e-mail (usable once, for 7 days); where this server has no e-mail, the answer carries
/// the path for the inviter to hand over. Registry and OTP officers invite into any State's
/// office; an office's administrators, their own colleagues.
#[utoipa::path(
    post, path = "/api/v1/invitations", tag = "administration", operation_id = "invite_focal_point",
    request_body = InvitationInput,
    responses(
        (status = 201, body = InvitationIssued),
        (status = 403, body = ErrorEnvelope),
        (status = 422, description = "A missing or invalid field, or a name already taken", body = ErrorEnvelope),
        (status = 503, description = "The e-mail could not be sent; nothing was created", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn invite(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<InvitationInput>,
) -> Result<(StatusCode, Json<InvitationIssued>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.invite(&actor, &input).await?)))
}
