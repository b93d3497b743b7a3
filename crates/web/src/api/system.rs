//! Health, identity, public statistics and administration endpoints.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use comity_app::{statistics::PartnerStatistics, trail::AuditQuery, users::UserSummary};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    auth::ApiActor,
    error::{ApiError, ErrorCode, ErrorEnvelope},
    extract::ApiQuery,
    AppState,
};

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
}

/// 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(s): State<AppState>) -> Response {
    let engine = s.app.db.engine().name();
    match s.app.db.ping().await {
        Ok(()) => Json(Health { status: "ok", database: engine }).into_response(),
        Err(_) => {
            (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable", database: engine })).into_response()
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub unit: String,
    pub unit_kind: String,
    /// The State a focal-point office belongs to.
    pub state: Option<String>,
    pub roles: Vec<String>,
}

/// Who the token (or session) belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "system", responses((status = 200, body = Me), (status = 401, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn me(ApiActor(a): ApiActor) -> Json<Me> {
    Json(Me {
        id: a.principal.user_id.clone(),
        name: a.name.clone(),
        display_name: a.display_name.clone(),
        unit: a.unit_name.clone(),
        unit_kind: a.principal.unit_kind.code().into(),
        state: a.principal.unit_state.clone(),
        roles: a.principal.roles.iter().map(|r| r.code().to_owned()).collect(),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnDate {
    /// YYYY-MM-DD; today when omitted.
    pub on: Option<String>,
}

pub(crate) fn parse_date(field: &str, v: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::with_field(ErrorCode::ValidationFailed, field, "must be a date written YYYY-MM-DD"))
}

/// States Parties (by regional group), signatories and APIC parties on a date.
#[utoipa::path(
    get, path = "/api/v1/statistics/partners", tag = "statistics", params(OnDate),
    responses((status = 200, body = PartnerStatistics), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn partner_statistics(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<OnDate>,
) -> Result<Json<PartnerStatistics>, ApiError> {
    let on = match q.on.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => parse_date("on", d)?,
        None => s.app.today(),
    };
    Ok(Json(s.app.partner_statistics(&actor, on).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// A user's login name or id.
    pub user: Option<String>,
    pub record_kind: Option<String>,
    pub record_id: Option<String>,
    /// From this date (inclusive), YYYY-MM-DD.
    pub from: Option<String>,
    /// Until this date (inclusive), YYYY-MM-DD.
    pub to: Option<String>,
    /// Entries before this sequence number (the next page).
    pub before: Option<i64>,
    /// At most this many entries (1 to 500, default 100).
    pub limit: Option<i64>,
}

impl AuditParams {
    pub fn to_query(&self) -> Result<AuditQuery, ApiError> {
        let day = |field: &str, v: &Option<String>, plus_days: i64| -> Result<_, ApiError> {
            match v.as_deref().filter(|d| !d.is_empty()) {
                None => Ok(None),
                Some(d) => {
                    let date = parse_date(field, d)?;
                    let start = Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN));
                    Ok(Some(start + chrono::Duration::days(plus_days)))
                }
            }
        };
        if let Some(l) = self.limit {
            if !(1..=500).contains(&l) {
                return Err(ApiError::with_field(ErrorCode::ValidationFailed, "limit", "must be between 1 and 500"));
            }
        }
        Ok(AuditQuery {
            user: self.user.clone(),
            record_kind: self.record_kind.clone(),
            record_id: self.record_id.clone(),
            from: day("from", &self.from, 0)?,
            to: day("to", &self.to, 1)?,
            before_seq: self.before,
            limit: self.limit.unwrap_or(100),
        })
    }
}

/// The audit trail, newest first (auditors and system administrators).
#[utoipa::path(
    get, path = "/api/v1/audit", tag = "administration", params(AuditParams),
    responses((status = 200, description = "Entries, newest first"), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn audit_entries(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> Result<Json<Vec<comity_app::trail::AuditRow>>, ApiError> {
    Ok(Json(s.app.audit_entries(&actor, &p.to_query()?).await?))
}

/// Users you may administer or see.
#[utoipa::path(get, path = "/api/v1/users", tag = "administration", responses((status = 200, body = Vec<UserSummary>)), security(("bearer" = [])))]
pub async fn users(State(s): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<Vec<UserSummary>>, ApiError> {
    Ok(Json(s.app.list_users(&actor).await?))
}
