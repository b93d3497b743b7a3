//! Signed receipts over HTTP: a request's receipts, each as its signed JSON file or a
//! printable PDF, and the Court's published key ring that verifies them.

use axum::{
    extract::{Path, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    Json,
};
use comity_app::{
    receipts::{key_ring_text, PublishedKey, ReceiptSummary},
    AppError,
};

use crate::{api::requests::attachment, auth::ApiActor, error::ApiError, error::ErrorEnvelope, AppState};

/// The receipts of a request, first first: one per transmission, answer and upload once the
/// request has been sent. The Court and the addressee State see the same receipts.
#[utoipa::path(
    get, path = "/api/v1/requests/{id}/receipts", tag = "receipts", operation_id = "list_receipts",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<ReceiptSummary>), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn list(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<ReceiptSummary>>, ApiError> {
    Ok(Json(s.app.receipts(&actor, &id).await?))
}

fn number(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>().map_err(|_| AppError::NotFound.into())
}

/// A receipt as its signed JSON file, byte for byte as issued; check it offline with
/// `comity receipt verify`. Every download is audited.
#[utoipa::path(
    get, path = "/api/v1/requests/{id}/receipts/{number}", tag = "receipts", operation_id = "download_receipt",
    params(("id" = String, Path), ("number" = i64, Path, description = "1 for the request's first receipt")),
    responses(
        (status = 200, description = "The signed receipt (comity-receipt/1)", content_type = "application/json"),
        (status = 404, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn download(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, n)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (stem, file) = s.app.receipt_file(&actor, &id, number(&n)?).await?;
    Ok(as_attachment(file.into_bytes(), "application/json", &format!("{stem}.json")))
}

/// A printable copy of a receipt (PDF). The JSON file is the signed original.
#[utoipa::path(
    get, path = "/api/v1/requests/{id}/receipts/{number}/pdf", tag = "receipts", operation_id = "download_receipt_pdf",
    params(("id" = String, Path), ("number" = i64, Path)),
    responses(
        (status = 200, description = "The receipt as PDF", content_type = "application/pdf"),
        (status = 404, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn download_pdf(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, n)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (stem, pdf) = s.app.receipt_pdf(&actor, &id, number(&n)?).await?;
    Ok(as_attachment(pdf, "application/pdf", &format!("{stem}.pdf")))
}

pub(crate) fn as_attachment(body: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&attachment(filename)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

/// The Court's receipt keys, current and retired. Public: anyone may verify a receipt.
#[utoipa::path(
    get, path = "/api/v1/receipts/keys", tag = "receipts", operation_id = "receipt_keys",
    responses((status = 200, body = Vec<PublishedKey>))
)]
pub async fn keys(State(s): State<AppState>) -> Result<Json<Vec<PublishedKey>>, ApiError> {
    Ok(Json(s.app.receipt_keys().await?))
}

/// The same keys as a key ring file for `comity receipt verify --keys`.
#[utoipa::path(
    get, path = "/api/v1/receipts/keys.txt", tag = "receipts", operation_id = "receipt_key_ring",
    responses((status = 200, description = "One `ed25519:<hex>` line per key", content_type = "text/plain"))
)]
pub async fn key_ring(State(s): State<AppState>) -> Result<Response, ApiError> {
    let text = key_ring_text(&s.app.receipt_keys().await?);
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}
