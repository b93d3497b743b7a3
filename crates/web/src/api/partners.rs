//! `/api/v1/partners`: the directory, focal points and communication profiles.

use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use comity_app::partners::{
    FocalPointInput, FocalPointView, PartnerDetail, PartnerQuery, PartnerSummary, ProfileInput, ProfileView,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    auth::ApiActor,
    error::{ApiError, ErrorEnvelope},
    extract::{ApiJson, ApiQuery},
    AppState,
};

/// One page of partners.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerPage {
    pub items: Vec<PartnerSummary>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

/// The columns of the directory's CSV export, in order.
pub const CSV_COLUMNS: &[&str] =
    &["id", "kind", "name", "name_fr", "iso3", "regional_group", "un_status", "rome_statute", "apic", "status_on"];

pub fn partners_csv(items: &[PartnerSummary]) -> Result<String, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let internal = |e: csv::Error| ApiError::from(comity_app::AppError::Internal(e.to_string()));
    w.write_record(CSV_COLUMNS).map_err(internal)?;
    for p in items {
        w.write_record([
            p.id.as_str(),
            &p.kind,
            &p.name,
            p.name_fr.as_deref().unwrap_or(""),
            p.iso3.as_deref().unwrap_or(""),
            p.regional_group.as_deref().unwrap_or(""),
            p.un_status.as_deref().unwrap_or(""),
            &p.rome_statute,
            &p.apic,
            &p.status_on.to_string(),
        ])
        .map_err(internal)?;
    }
    let bytes = w.into_inner().map_err(|e| ApiError::from(comity_app::AppError::Internal(e.to_string())))?;
    String::from_utf8(bytes).map_err(|e| ApiError::from(comity_app::AppError::Internal(e.to_string())))
}

/// The directory page as a CSV download.
pub fn partners_csv_response(items: &[PartnerSummary]) -> Response {
    match partners_csv(items) {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"partners.csv\""),
            ],
            body,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// List partners, filtered, sorted and paged; `format=csv` exports the page as CSV.
#[utoipa::path(
    get, path = "/api/v1/partners", tag = "partners",
    params(PartnerQuery, super::Format),
    responses(
        (status = 200, description = "A page of partners", body = PartnerPage),
        (status = 400, description = "A query parameter is malformed", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 422, description = "A filter value is invalid", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<PartnerQuery>,
    ApiQuery(format): ApiQuery<super::Format>,
) -> Result<Response, ApiError> {
    let page = s.app.list_partners(&actor, &query).await?;
    match format.format.as_deref() {
        None | Some("") | Some("json") => {
            Ok(Json(PartnerPage { items: page.items, page: page.page, per_page: page.per_page, total: page.total })
                .into_response())
        }
        Some("csv") => Ok(partners_csv_response(&page.items)),
        Some(_) => Err(ApiError::with_field(crate::error::ErrorCode::InvalidQuery, "format", "must be json or csv")),
    }
}

/// One partner with its treaty history and the communication profile in force.
#[utoipa::path(
    get, path = "/api/v1/partners/{id}", tag = "partners",
    params(("id" = String, Path, description = "ISO 3166 alpha-3 code for a State, or the organisation's code")),
    responses(
        (status = 200, body = PartnerDetail),
        (status = 404, description = "No such partner, or not visible to you", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn get_one(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<PartnerDetail>, ApiError> {
    Ok(Json(s.app.partner(&actor, &id).await?))
}

/// The partner's focal points and authorities that you may see.
#[utoipa::path(
    get, path = "/api/v1/partners/{id}/focal-points", tag = "partners",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<FocalPointView>), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn focal_points(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<FocalPointView>>, ApiError> {
    Ok(Json(s.app.focal_points(&actor, &id).await?))
}

/// Add a focal point (Registry officers and administrators).
#[utoipa::path(
    post, path = "/api/v1/partners/{id}/focal-points", tag = "partners",
    params(("id" = String, Path)),
    request_body = FocalPointInput,
    responses(
        (status = 201, body = FocalPointView),
        (status = 403, body = ErrorEnvelope),
        (status = 422, description = "A field is missing or invalid", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn add_focal_point(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<FocalPointInput>,
) -> Result<(StatusCode, Json<FocalPointView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.add_focal_point(&actor, &id, &input).await?)))
}

/// Replace a focal point's details; send the `version` you read.
#[utoipa::path(
    put, path = "/api/v1/partners/{id}/focal-points/{fp}", tag = "partners",
    params(("id" = String, Path), ("fp" = String, Path)),
    request_body = FocalPointInput,
    responses(
        (status = 200, body = FocalPointView),
        (status = 409, description = "Someone else changed it first", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn update_focal_point(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, fp)): Path<(String, String)>,
    ApiJson(input): ApiJson<FocalPointInput>,
) -> Result<Json<FocalPointView>, ApiError> {
    Ok(Json(s.app.update_focal_point(&actor, &id, &fp, &input).await?))
}

/// The partner's communication profiles, latest effective first.
#[utoipa::path(
    get, path = "/api/v1/partners/{id}/communication-profiles", tag = "partners",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<ProfileView>), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn profiles(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<ProfileView>>, ApiError> {
    Ok(Json(s.app.communication_profiles(&actor, &id).await?))
}

/// Record a notified communication profile; it takes effect on the agreed date or 45 days
/// after notice (rule 180).
#[utoipa::path(
    post, path = "/api/v1/partners/{id}/communication-profiles", tag = "partners",
    params(("id" = String, Path)),
    request_body = ProfileInput,
    responses((status = 201, body = ProfileView), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn add_profile(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ProfileInput>,
) -> Result<(StatusCode, Json<ProfileView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.add_communication_profile(&actor, &id, &input).await?)))
}
