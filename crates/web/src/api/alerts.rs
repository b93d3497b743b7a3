//! Travel alerts and démarches over HTTP: intake (JSON, or a raw e-mail), triage, the
//! per-destination brief, the prefilled drafts and the log of actions taken.

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use comity_app::{
    alerts::{AlertDrafts, AlertInput, AlertMove, AlertPatch, AlertRequestInput, AlertSummary, AlertView, MailboxPoll},
    demarches::{About, DemarcheInput, DemarcheView},
    requests::RequestSummary,
};
use comity_domain::warrant::AlertIntake;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    api::as_attachment,
    api::listing::{csv_response, page_of, Paged},
    auth::ApiActor,
    error::{ApiError, ErrorCode, ErrorEnvelope},
    extract::{ApiJson, ApiQuery},
    AppState,
};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// draft, confirmed, dismissed or closed.
    pub status: Option<String>,
}

/// A page of the alert board.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AlertPage {
    pub items: Vec<AlertSummary>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

/// The travel-alert board, the soonest arrival first, paged; `format=csv` exports it all.
#[utoipa::path(
    get, path = "/api/v1/alerts", tag = "alerts", operation_id = "list_alerts",
    params(AlertQuery, Paged, super::Format),
    responses(
        (status = 200, description = "A page of alerts (JSON), or all of them (CSV)",
            content((AlertPage = "application/json"), (String = "text/csv"))),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<AlertQuery>,
    ApiQuery(paged): ApiQuery<Paged>,
    ApiQuery(format): ApiQuery<super::Format>,
) -> Result<Response, ApiError> {
    let all = s.app.list_alerts(&actor, q.status.as_deref()).await?;
    match format.format.as_deref() {
        None | Some("") | Some("json") => {
            let (items, paging, total) = page_of(all, &paged);
            Ok(Json(AlertPage { items, page: paging.page, per_page: paging.per_page, total }).into_response())
        }
        Some("csv") => {
            let rows: Vec<Vec<String>> = all
                .into_iter()
                .map(|a| {
                    vec![
                        a.person_name.unwrap_or_default(),
                        a.reported_name,
                        a.destination_names.join("; "),
                        a.expected_from.map(|d| d.to_string()).unwrap_or_default(),
                        a.expected_to.map(|d| d.to_string()).unwrap_or_default(),
                        a.days_to_arrival.map(|d| d.to_string()).unwrap_or_default(),
                        a.grading,
                        a.status,
                        a.intake,
                        a.created_on.to_string(),
                    ]
                })
                .collect();
            csv_response(
                "travel-alerts.csv",
                &[
                    "person",
                    "reported_name",
                    "destinations",
                    "expected_from",
                    "expected_to",
                    "days_to_arrival",
                    "grading",
                    "status",
                    "intake",
                    "reported_on",
                ],
                &rows,
            )
        }
        Some(_) => Err(ApiError::with_field(ErrorCode::InvalidQuery, "format", "must be json or csv")),
    }
}

/// Report a journey: a draft alert for triage.
#[utoipa::path(
    post, path = "/api/v1/alerts", tag = "alerts", operation_id = "report_travel", request_body = AlertInput,
    responses((status = 201, body = AlertView), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn create(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<AlertInput>,
) -> Result<(StatusCode, Json<AlertView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.report_travel(&actor, &input, AlertIntake::Api).await?)))
}

/// Hand over a report received by e-mail outside the mailbox: the body is the raw message
/// (message/rfc822). It becomes a draft alert with the original kept.
#[utoipa::path(
    post, path = "/api/v1/alerts/messages", tag = "alerts", operation_id = "submit_report_message",
    request_body(content = String, content_type = "message/rfc822"),
    responses((status = 201, body = AlertView), (status = 422, description = "The message cannot be parsed", body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn submit_message(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    body: Bytes,
) -> Result<(StatusCode, Json<AlertView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.submit_report_message(&actor, &body).await?)))
}

/// Poll the travel mailbox now (system administrators; the server also polls on its own).
#[utoipa::path(
    post, path = "/api/v1/alerts/mailbox/poll", tag = "alerts", operation_id = "poll_travel_mailbox",
    responses((status = 200, body = MailboxPoll), (status = 403, body = ErrorEnvelope), (status = 503, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn poll(State(s): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<MailboxPoll>, ApiError> {
    if !actor.has(comity_domain::access::Role::SystemAdmin) {
        return Err(comity_app::AppError::Forbidden.into());
    }
    Ok(Json(s.app.poll_travel_mailbox().await?))
}

/// An alert with suggested persons and, per destination, what decides the action.
#[utoipa::path(
    get, path = "/api/v1/alerts/{id}", tag = "alerts", operation_id = "get_alert", params(("id" = String, Path)),
    responses((status = 200, body = AlertView), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn get_one(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<AlertView>, ApiError> {
    Ok(Json(s.app.alert(&actor, &id).await?))
}

/// Triage: change the person, destinations, dates, source or grading.
#[utoipa::path(
    patch, path = "/api/v1/alerts/{id}", tag = "alerts", operation_id = "update_alert",
    params(("id" = String, Path)), request_body = AlertPatch,
    responses(
        (status = 200, body = AlertView),
        (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn update(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<AlertPatch>,
) -> Result<Json<AlertView>, ApiError> {
    Ok(Json(s.app.update_alert(&actor, &id, &patch).await?))
}

/// Confirm, dismiss or close an alert.
#[utoipa::path(
    post, path = "/api/v1/alerts/{id}/transitions", tag = "alerts", operation_id = "move_alert",
    params(("id" = String, Path)), request_body = AlertMove,
    responses(
        (status = 200, body = AlertView),
        (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn transition(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AlertMove>,
) -> Result<Json<AlertView>, ApiError> {
    Ok(Json(s.app.move_alert(&actor, &id, &input).await?))
}

/// The prefilled drafts of a confirmed alert: note verbale, Assembly notice, request.
#[utoipa::path(
    get, path = "/api/v1/alerts/{id}/drafts", tag = "alerts", operation_id = "alert_drafts",
    params(("id" = String, Path)),
    responses((status = 200, body = AlertDrafts), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn drafts(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<AlertDrafts>, ApiError> {
    Ok(Json(s.app.alert_drafts(&actor, &id).await?))
}

/// Draft the request for arrest to one destination, prefilled from the warrant and the alert.
#[utoipa::path(
    post, path = "/api/v1/alerts/{id}/requests", tag = "alerts", operation_id = "alert_request",
    params(("id" = String, Path)), request_body = AlertRequestInput,
    responses(
        (status = 201, body = RequestSummary),
        (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn request(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AlertRequestInput>,
) -> Result<(StatusCode, Json<RequestSummary>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.alert_request(&actor, &id, &input).await?)))
}

/// The original e-mail of a report that came through the mailbox.
#[utoipa::path(
    get, path = "/api/v1/alerts/{id}/message", tag = "alerts", operation_id = "alert_message",
    params(("id" = String, Path)),
    responses((status = 200, description = "message/rfc822"), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn message(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let bytes = s.app.alert_message(&actor, &id).await?;
    Ok(as_attachment(bytes, "message/rfc822", &format!("report-{id}.eml")))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DemarcheQuery {
    pub person_id: Option<String>,
    pub partner_id: Option<String>,
    pub alert_id: Option<String>,
}

/// Démarches you may see, most recent first, about a person, a State or an alert.
#[utoipa::path(
    get, path = "/api/v1/demarches", tag = "alerts", operation_id = "list_demarches", params(DemarcheQuery),
    responses((status = 200, body = Vec<DemarcheView>)),
    security(("bearer" = []))
)]
pub async fn demarches(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<DemarcheQuery>,
) -> Result<Json<Vec<DemarcheView>>, ApiError> {
    let about = match (&q.person_id, &q.partner_id, &q.alert_id) {
        (Some(p), _, _) => About::Person(p),
        (_, Some(p), _) => About::Partner(p),
        (_, _, Some(a)) => About::Alert(a),
        _ => About::Everything,
    };
    Ok(Json(s.app.demarches_about(&actor, about).await?))
}

/// Log an action taken with a State or an organisation.
#[utoipa::path(
    post, path = "/api/v1/demarches", tag = "alerts", operation_id = "log_demarche", request_body = DemarcheInput,
    responses((status = 201, body = DemarcheView), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn log_demarche(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<DemarcheInput>,
) -> Result<(StatusCode, Json<DemarcheView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.log_demarche(&actor, &input).await?)))
}
