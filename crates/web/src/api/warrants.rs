//! Warrants, the persons they name, the requests sent to arrest them and the persons-at-large
//! figure, over HTTP.

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use comity_app::{
    requests::RequestSummary,
    warrants::{
        ArrestLaw, ArrestRequestsInput, PersonPage, PersonView, UnsealInput, WarrantImportReport, WarrantImportRow,
        WarrantInput, WarrantQuery, WarrantStatistics, WarrantStatusInput, WarrantSummary, WarrantView,
    },
};

use crate::{
    api::listing::{csv_response, page_of, Paged},
    api::system::{parse_date, OnDate},
    auth::ApiActor,
    error::{ApiError, ErrorCode, ErrorEnvelope},
    extract::{ApiJson, ApiQuery},
    AppState,
};

/// A page of warrants.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct WarrantPage {
    pub items: Vec<WarrantSummary>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

/// Warrants and summonses you may see, most recent first, paged; `format=csv` exports them
/// all. Under seal, a warrant is listed only for its named units.
#[utoipa::path(
    get, path = "/api/v1/warrants", tag = "warrants", operation_id = "list_warrants",
    params(WarrantQuery, Paged, super::Format),
    responses(
        (status = 200, description = "A page of warrants (JSON), or all of them (CSV)",
            content((WarrantPage = "application/json"), (String = "text/csv"))),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<WarrantQuery>,
    ApiQuery(paged): ApiQuery<Paged>,
    ApiQuery(format): ApiQuery<super::Format>,
) -> Result<Response, ApiError> {
    let all = s.app.list_warrants(&actor, &q).await?;
    match format.format.as_deref() {
        None | Some("") | Some("json") => {
            let (items, paging, total) = page_of(all, &paged);
            Ok(Json(WarrantPage { items, page: paging.page, per_page: paging.per_page, total }).into_response())
        }
        Some("csv") => {
            let rows: Vec<Vec<String>> = all
                .into_iter()
                .map(|w| {
                    vec![
                        w.reference,
                        w.kind,
                        w.person_name,
                        w.situation,
                        w.case_name,
                        w.chamber,
                        w.issued_on.to_string(),
                        w.classification,
                        w.under_seal.to_string(),
                        w.unsealed_on.map(|d| d.to_string()).unwrap_or_default(),
                        w.status,
                        w.status_on.to_string(),
                    ]
                })
                .collect();
            csv_response(
                "warrants.csv",
                &[
                    "reference",
                    "kind",
                    "person",
                    "situation",
                    "case",
                    "chamber",
                    "issued_on",
                    "classification",
                    "under_seal",
                    "unsealed_on",
                    "status",
                    "status_on",
                ],
                &rows,
            )
        }
        Some(_) => Err(ApiError::with_field(ErrorCode::InvalidQuery, "format", "must be json or csv")),
    }
}

/// Record a warrant of arrest or a summons, under seal or not, with its person.
#[utoipa::path(
    post, path = "/api/v1/warrants", tag = "warrants", operation_id = "issue_warrant", request_body = WarrantInput,
    responses(
        (status = 201, body = WarrantView),
        (status = 403, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<WarrantInput>,
) -> Result<(StatusCode, Json<WarrantView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.issue_warrant(&actor, &input).await?)))
}

#[utoipa::path(
    get, path = "/api/v1/warrants/{id}", tag = "warrants", operation_id = "get_warrant",
    params(("id" = String, Path)),
    responses((status = 200, body = WarrantView), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn get_one(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<WarrantView>, ApiError> {
    Ok(Json(s.app.warrant(&actor, &id).await?))
}

/// Record where the person stands (arrested, surrendered, ...), with the day it happened.
#[utoipa::path(
    post, path = "/api/v1/warrants/{id}/status", tag = "warrants", operation_id = "set_warrant_status",
    params(("id" = String, Path)), request_body = WarrantStatusInput,
    responses(
        (status = 200, body = WarrantView),
        (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "Stale version", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn set_status(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<WarrantStatusInput>,
) -> Result<Json<WarrantView>, ApiError> {
    Ok(Json(s.app.set_warrant_status(&actor, &id, &input).await?))
}

/// Lift the seal; the warrant becomes public.
#[utoipa::path(
    post, path = "/api/v1/warrants/{id}/unseal", tag = "warrants", operation_id = "unseal_warrant",
    params(("id" = String, Path)), request_body = UnsealInput,
    responses(
        (status = 200, body = WarrantView),
        (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn unseal(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<UnsealInput>,
) -> Result<Json<WarrantView>, ApiError> {
    Ok(Json(s.app.unseal_warrant(&actor, &id, &input).await?))
}

/// Draft requests for arrest and surrender (or provisional arrest) to one State or many at
/// once; each copy then follows the requests lifecycle on its own.
#[utoipa::path(
    post, path = "/api/v1/warrants/{id}/requests", tag = "warrants", operation_id = "send_arrest_requests",
    params(("id" = String, Path)), request_body = ArrestRequestsInput,
    responses(
        (status = 201, body = Vec<RequestSummary>),
        (status = 404, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn send_requests(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ArrestRequestsInput>,
) -> Result<(StatusCode, Json<Vec<RequestSummary>>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.send_arrest_requests(&actor, &id, &input).await?)))
}

/// A person with their warrants, requests, alerts and démarches, and one timeline.
#[utoipa::path(
    get, path = "/api/v1/persons/{id}", tag = "warrants", operation_id = "get_person",
    params(("id" = String, Path)),
    responses((status = 200, body = PersonPage), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn person(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<PersonPage>, ApiError> {
    Ok(Json(s.app.person(&actor, &id).await?))
}

/// The person's photo.
#[utoipa::path(
    get, path = "/api/v1/persons/{id}/photo", tag = "warrants", operation_id = "get_person_photo",
    params(("id" = String, Path)),
    responses((status = 200, description = "JPEG or PNG"), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn photo(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (media, bytes) = s.app.person_photo(&actor, &id).await?;
    let mut res = bytes.into_response();
    if let Ok(v) = HeaderValue::from_str(&media) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    res.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(res)
}

/// Set the person's photo: the body is the JPEG or PNG image.
#[utoipa::path(
    put, path = "/api/v1/persons/{id}/photo", tag = "warrants", operation_id = "set_person_photo",
    params(("id" = String, Path)), request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 200, body = PersonView), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn set_photo(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<PersonView>, ApiError> {
    Ok(Json(s.app.set_person_photo(&actor, &id, &body).await?))
}

fn day(s: &AppState, q: &OnDate) -> Result<chrono::NaiveDate, ApiError> {
    match q.on.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(d) => parse_date("on", d),
        None => Ok(s.app.today()),
    }
}

/// Paragraph 40 of the report: the persons at large on a date. Sealed warrants are counted
/// (for the Court's organs) but named only for their units.
#[utoipa::path(
    get, path = "/api/v1/statistics/warrants", tag = "statistics", operation_id = "warrant_statistics",
    params(OnDate),
    responses((status = 200, body = WarrantStatistics), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn statistics(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<OnDate>,
) -> Result<Json<WarrantStatistics>, ApiError> {
    let on = day(&s, &q)?;
    Ok(Json(s.app.warrant_statistics(&actor, on).await?))
}

/// The public figure: public warrants only, for anyone (no authentication).
#[utoipa::path(
    get, path = "/api/v1/public/warrants", tag = "statistics", operation_id = "public_warrants",
    params(OnDate),
    responses((status = 200, body = PublicWarrants), (status = 422, body = ErrorEnvelope))
)]
pub async fn public(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<OnDate>,
) -> Result<Json<PublicWarrants>, ApiError> {
    let on = day(&s, &q)?;
    Ok(Json(PublicWarrants {
        statistics: s.app.public_warrant_statistics(on).await?,
        warrants: s.app.public_warrants().await?,
    }))
}

/// What anyone may know: public warrants and the persons at large under them.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PublicWarrants {
    pub statistics: WarrantStatistics,
    pub warrants: Vec<WarrantSummary>,
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DryRun {
    /// Check and report, store nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Import past warrants with their histories (system administrators, or a Registry unit
/// administrator), all or nothing; warrants already known are skipped.
#[utoipa::path(
    post, path = "/api/v1/warrants/import", tag = "warrants", operation_id = "import_warrants",
    params(DryRun), request_body = Vec<WarrantImportRow>,
    responses(
        (status = 200, description = "Imported, or checked on a dry run", body = WarrantImportReport),
        (status = 403, body = ErrorEnvelope),
        (status = 422, description = "Problems by row; nothing imported", body = WarrantImportReport),
    ),
    security(("bearer" = []))
)]
pub async fn import(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<DryRun>,
    ApiJson(rows): ApiJson<Vec<WarrantImportRow>>,
) -> Result<(StatusCode, Json<WarrantImportReport>), ApiError> {
    let report = s.app.import_warrants(&actor, &rows, q.dry_run).await?;
    let status = if report.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(report)))
}

/// What the partner's own law allows for arrest and surrender, as the Court assesses it (its organs only).
#[utoipa::path(
    get, path = "/api/v1/partners/{id}/arrest-law", tag = "partners", operation_id = "get_arrest_law",
    params(("id" = String, Path)),
    responses((status = 200, body = ArrestLaw), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn arrest_law(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<ArrestLaw>, ApiError> {
    Ok(Json(s.app.arrest_law(&actor, &id).await?))
}

/// Record what the partner's law allows (the Registry, which keeps the directory).
#[utoipa::path(
    put, path = "/api/v1/partners/{id}/arrest-law", tag = "partners", operation_id = "set_arrest_law",
    params(("id" = String, Path)), request_body = ArrestLaw,
    responses(
        (status = 200, body = ArrestLaw),
        (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn set_arrest_law(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ArrestLaw>,
) -> Result<Json<ArrestLaw>, ApiError> {
    Ok(Json(s.app.set_arrest_law(&actor, &id, &input).await?))
}
