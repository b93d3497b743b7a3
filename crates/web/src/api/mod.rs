//! The JSON API under `/api/v1`, and its OpenAPI 3.1 document generated from the handlers.

mod alerts;
mod findings;
mod invitations;
mod listing;
mod messages;
mod notifications;
mod partners;
mod proposals;
mod receipts;
mod requests;
mod system;
mod warrants;

pub(crate) use receipts::as_attachment;
pub(crate) use requests::attachment;

pub use partners::partners_csv_response;
pub use system::AuditParams;

use axum::{
    extract::DefaultBodyLimit,
    routing::{get, post},
    Json, Router,
};
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Comity API",
        description = "The cooperation desk of an international criminal court and of the national authorities that work with it. \
Authenticate with 'Authorization: Bearer <token>' (create one with 'comity token create --user NAME'). \
Errors are '{\"error\": {\"code\", \"message\", \"fields\", \"request_id\"}}' with stable codes.",
        license(name = "AGPL-3.0-or-later")
    ),
    paths(
        system::healthz,
        system::me,
        system::partner_statistics,
        system::audit_entries,
        system::users,
        invitations::invite,
        partners::list,
        partners::get_one,
        partners::focal_points,
        partners::add_focal_point,
        partners::update_focal_point,
        partners::profiles,
        partners::add_profile,
        proposals::list,
        proposals::propose,
        proposals::decide,
        requests::list,
        requests::create,
        requests::get_one,
        requests::update,
        requests::transition,
        requests::events,
        requests::documents,
        requests::upload,
        requests::download,
        requests::letter,
        messages::list,
        messages::post,
        receipts::list,
        receipts::download,
        receipts::download_pdf,
        receipts::keys,
        receipts::key_ring,
        requests::my_work,
        requests::partner_figures,
        requests::statistics,
        requests::import,
        notifications::list,
        notifications::mark_read,
        notifications::mark_all_read,
        warrants::list,
        warrants::create,
        warrants::import,
        warrants::get_one,
        warrants::set_status,
        warrants::unseal,
        warrants::send_requests,
        warrants::person,
        warrants::photo,
        warrants::set_photo,
        warrants::statistics,
        warrants::arrest_law,
        warrants::set_arrest_law,
        warrants::public,
        alerts::list,
        alerts::create,
        alerts::submit_message,
        alerts::poll,
        alerts::get_one,
        alerts::update,
        alerts::transition,
        alerts::drafts,
        alerts::request,
        alerts::message,
        alerts::demarches,
        alerts::log_demarche,
        findings::list,
        findings::create,
        findings::get_one,
        findings::update_step,
        findings::attach,
        findings::document,
    ),
    components(schemas(crate::error::ErrorEnvelope, crate::error::ErrorBody, crate::error::ErrorCode)),
    modifiers(&BearerAuth),
    tags(
        (name = "partners", description = "States, organisations and networks; focal points; communication profiles"),
        (name = "requests", description = "Requests for cooperation: drafting, lifecycle moves, history, documents and work queues"),
        (name = "receipts", description = "Signed receipts of each exchange on a request, and the keys that verify them"),
        (name = "warrants", description = "Warrants and summonses, the persons they name, and the requests sent to arrest them"),
        (name = "alerts", description = "Travel alerts: intake, triage, the destination brief and prefilled drafts; démarches"),
        (name = "findings", description = "Findings of non-compliance and the Assembly's procedure"),
        (name = "notifications", description = "Your in-app notifications: reminders of approaching and passed deadlines"),
        (name = "statistics", description = "Public aggregates"),
        (name = "administration", description = "Accounts and the audit trail"),
        (name = "system", description = "Health and identity"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document as JSON.
pub fn openapi_json() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()
}

async fn openapi() -> Json<serde_json::Value> {
    Json(openapi_json())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(system::healthz))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/me", get(system::me))
        .route("/api/v1/statistics/partners", get(system::partner_statistics))
        .route("/api/v1/audit", get(system::audit_entries))
        .route("/api/v1/users", get(system::users))
        .route("/api/v1/invitations", post(invitations::invite))
        .route("/api/v1/partners", get(partners::list))
        .route("/api/v1/partners/{id}", get(partners::get_one))
        .route("/api/v1/partners/{id}/focal-points", get(partners::focal_points).post(partners::add_focal_point))
        .route("/api/v1/partners/{id}/focal-points/{fp}", axum::routing::put(partners::update_focal_point))
        .route("/api/v1/partners/{id}/communication-profiles", get(partners::profiles).post(partners::add_profile))
        .route("/api/v1/partners/{id}/profile-proposals", get(proposals::list).post(proposals::propose))
        .route("/api/v1/partners/{id}/profile-proposals/{proposal}/decision", post(proposals::decide))
        .route("/api/v1/partners/{id}/request-figures", get(requests::partner_figures))
        .route("/api/v1/requests", get(requests::list).post(requests::create))
        .route(
            "/api/v1/requests/import",
            post(requests::import).layer(DefaultBodyLimit::max(requests::MAX_IMPORT_BYTES)),
        )
        .route("/api/v1/requests/{id}", get(requests::get_one).patch(requests::update))
        .route("/api/v1/requests/{id}/transitions", post(requests::transition))
        .route("/api/v1/requests/{id}/events", get(requests::events))
        // The upload handler bounds the body itself (just above the upload limit), so the
        // router's default limit for JSON bodies does not apply there.
        .route(
            "/api/v1/requests/{id}/documents",
            post(requests::upload).layer(DefaultBodyLimit::disable()).get(requests::documents),
        )
        .route("/api/v1/requests/{id}/documents/{doc}", get(requests::download))
        .route("/api/v1/requests/{id}/letter", post(requests::letter))
        .route("/api/v1/requests/{id}/messages", get(messages::list).post(messages::post))
        .route("/api/v1/requests/{id}/receipts", get(receipts::list))
        .route("/api/v1/requests/{id}/receipts/{number}", get(receipts::download))
        .route("/api/v1/requests/{id}/receipts/{number}/pdf", get(receipts::download_pdf))
        .route("/api/v1/receipts/keys", get(receipts::keys))
        .route("/api/v1/warrants", get(warrants::list).post(warrants::create))
        .route("/api/v1/warrants/import", post(warrants::import))
        .route("/api/v1/warrants/{id}", get(warrants::get_one))
        .route("/api/v1/warrants/{id}/status", post(warrants::set_status))
        .route("/api/v1/warrants/{id}/unseal", post(warrants::unseal))
        .route("/api/v1/warrants/{id}/requests", post(warrants::send_requests))
        .route("/api/v1/persons/{id}", get(warrants::person))
        .route("/api/v1/persons/{id}/photo", get(warrants::photo).put(warrants::set_photo))
        .route("/api/v1/statistics/warrants", get(warrants::statistics))
        .route("/api/v1/partners/{id}/arrest-law", get(warrants::arrest_law).put(warrants::set_arrest_law))
        .route("/api/v1/public/warrants", get(warrants::public))
        .route("/api/v1/alerts", get(alerts::list).post(alerts::create))
        .route("/api/v1/alerts/messages", post(alerts::submit_message))
        .route("/api/v1/alerts/mailbox/poll", post(alerts::poll))
        .route("/api/v1/alerts/{id}", get(alerts::get_one).patch(alerts::update))
        .route("/api/v1/alerts/{id}/transitions", post(alerts::transition))
        .route("/api/v1/alerts/{id}/drafts", get(alerts::drafts))
        .route("/api/v1/alerts/{id}/requests", post(alerts::request))
        .route("/api/v1/alerts/{id}/message", get(alerts::message))
        .route("/api/v1/demarches", get(alerts::demarches).post(alerts::log_demarche))
        .route("/api/v1/findings", get(findings::list).post(findings::create))
        .route("/api/v1/findings/{id}", get(findings::get_one))
        .route("/api/v1/findings/{id}/steps/{step}", axum::routing::put(findings::update_step))
        .route(
            "/api/v1/findings/{id}/steps/{step}/document",
            axum::routing::put(findings::attach).get(findings::document),
        )
        .route("/api/v1/receipts/keys.txt", get(receipts::key_ring))
        .route("/api/v1/me/work", get(requests::my_work))
        .route("/api/v1/me/notifications", get(notifications::list))
        .route("/api/v1/me/notifications/read", post(notifications::mark_all_read))
        .route("/api/v1/me/notifications/{id}/read", post(notifications::mark_read))
        .route("/api/v1/statistics/requests", get(requests::statistics))
        .method_not_allowed_fallback(method_not_allowed)
}

async fn method_not_allowed() -> crate::error::ApiError {
    crate::error::ApiError::new(crate::error::ErrorCode::MethodNotAllowed, "this method is not allowed here")
}

/// Whether a list was asked for as CSV (`?format=csv`) rather than JSON.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Format {
    /// json (default) or csv.
    pub format: Option<String>,
}
