//! `/api/v1/requests`: requests for cooperation over HTTP: drafting and editing, the
//! lifecycle moves, the history, the lists and their CSV export, the work queues and the
//! per-partner figures. Handlers only translate HTTP; the use cases check access.

use axum::{
    extract::{Path, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use comity_app::{
    documents::{DocumentUpload, DocumentView},
    requests::{
        EventView, MyWork, PartnerRequestFigures, RequestInput, RequestPatch, RequestQuery, RequestSummary,
        RequestView, TransitionInput,
    },
    statistics::RequestStatistics,
    AppError, Paging,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    auth::ApiActor,
    error::{ApiError, ErrorCode, ErrorEnvelope},
    extract::{ApiJson, ApiQuery},
    AppState,
};

/// One page of requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestPage {
    pub items: Vec<RequestSummary>,
    pub page: i64,
    pub per_page: i64,
    /// How many requests match, among those you may see.
    pub total: i64,
}

/// The columns of the requests CSV export, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "reference",
    "direction",
    "organ",
    "on_behalf_of",
    "kind",
    "partner_id",
    "partner_name",
    "title",
    "situation",
    "line_types",
    "urgency",
    "status",
    "deadline",
    "overdue",
    "transmitted_on",
    "first_response_on",
    "executed_on",
    "classification",
    "imported",
    "updated_at",
];

/// The most rows one export carries; a larger selection is cut here and says so in the
/// `X-Export-Truncated` header (narrow the filters to get the rest).
pub const EXPORT_MAX_ROWS: i64 = 20_000;

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

/// Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula; free text
/// entered by users (titles, situations) is defused with a leading apostrophe.
pub(crate) fn cell(v: &str) -> String {
    match v.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{v}"),
        _ => v.to_owned(),
    }
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// The requests as CSV, with a header row.
pub fn requests_csv(items: &[RequestSummary]) -> Result<String, AppError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_COLUMNS).map_err(internal)?;
    for r in items {
        w.write_record([
            cell(&r.id),
            cell(&r.reference),
            cell(&r.direction),
            cell(&r.organ),
            cell(&r.on_behalf_of),
            cell(&r.kind),
            cell(&r.partner_id),
            cell(&r.partner_name),
            cell(&r.title),
            cell(&r.situation),
            r.line_types.join(";"),
            cell(&r.urgency),
            cell(&r.status),
            date(r.deadline),
            r.overdue.to_string(),
            date(r.transmitted_on),
            date(r.first_response_on),
            date(r.executed_on),
            cell(&r.classification),
            r.imported.to_string(),
            r.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ])
        .map_err(internal)?;
    }
    let bytes = w.into_inner().map_err(internal)?;
    String::from_utf8(bytes).map_err(internal)
}

/// List requests you may see, filtered, searched, sorted and paged. `format=csv` exports
/// every matching request (not only one page) as CSV, in the same order.
#[utoipa::path(
    get, path = "/api/v1/requests", tag = "requests", operation_id = "list_requests",
    params(RequestQuery, super::Format),
    responses(
        (status = 200, description = "A page of requests (JSON), or every matching request (CSV)",
            content((RequestPage = "application/json"), (String = "text/csv"))),
        (status = 400, description = "A query parameter is malformed", body = ErrorEnvelope),
        (status = 401, description = "Not authenticated", body = ErrorEnvelope),
        (status = 422, description = "A filter value is invalid", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<RequestQuery>,
    ApiQuery(format): ApiQuery<super::Format>,
) -> Result<Response, ApiError> {
    match format.format.as_deref() {
        None | Some("") | Some("json") => {
            let page = s.app.list_requests(&actor, &query).await?;
            Ok(Json(RequestPage { items: page.items, page: page.page, per_page: page.per_page, total: page.total })
                .into_response())
        }
        Some("csv") => {
            // The export walks the pages itself; the caller's paging does not apply.
            let mut q = RequestQuery { page: Some(1), per_page: Some(Paging::MAX_PER_PAGE), ..query };
            let mut items = Vec::new();
            let mut total;
            loop {
                let page = s.app.list_requests(&actor, &q).await?;
                total = page.total;
                let got = page.items.len() as i64;
                items.extend(page.items);
                if got < Paging::MAX_PER_PAGE || items.len() as i64 >= total {
                    break;
                }
                if items.len() as i64 >= EXPORT_MAX_ROWS {
                    break;
                }
                q.page = Some(q.page.unwrap_or(1) + 1);
            }
            items.truncate(EXPORT_MAX_ROWS as usize);
            let body = requests_csv(&items)?;
            let mut res = (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"requests.csv\""),
                ],
                body,
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&total.to_string()) {
                res.headers_mut().insert("x-total-count", v);
            }
            if total > items.len() as i64 {
                res.headers_mut().insert("x-export-truncated", HeaderValue::from_static("true"));
            }
            Ok(res)
        }
        Some(_) => Err(ApiError::with_field(ErrorCode::InvalidQuery, "format", "must be json or csv")),
    }
}

/// Draft a new outgoing request, or register an incoming one (art. 93(10)).
#[utoipa::path(
    post, path = "/api/v1/requests", tag = "requests", operation_id = "create_request",
    request_body = RequestInput,
    responses(
        (status = 201, description = "Created; `Location` names the new request", body = RequestView,
            headers(("location" = String, description = "The new request's URL"))),
        (status = 400, description = "The body is not JSON", body = ErrorEnvelope),
        (status = 403, description = "Your unit does not draft requests", body = ErrorEnvelope),
        (status = 422, description = "A field is missing or invalid", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<RequestInput>,
) -> Result<Response, ApiError> {
    let view = s.app.create_request(&actor, &input).await?;
    let mut res = (StatusCode::CREATED, Json(&view)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/requests/{}", view.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// One request. The addressee State's focal points get the external view (`"view":
/// "external"`, no `internal` fields), and only once it has been transmitted.
#[utoipa::path(
    get, path = "/api/v1/requests/{id}", tag = "requests", operation_id = "get_request",
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, body = RequestView),
        (status = 404, description = "No such request, or not visible to you", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn get_one(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<RequestView>, ApiError> {
    Ok(Json(s.app.request(&actor, &id).await?))
}

/// Change a request: its content while it is a draft; its deadline, responsible officer and
/// classification while it is open. Send the `version` you read.
#[utoipa::path(
    patch, path = "/api/v1/requests/{id}", tag = "requests", operation_id = "update_request",
    params(("id" = String, Path)),
    request_body = RequestPatch,
    responses(
        (status = 200, body = RequestView),
        (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "Someone else changed it first (`stale_version`), or the request no longer \
            accepts this change (`conflict`)", body = ErrorEnvelope),
        (status = 422, description = "A field is missing or invalid (the version is required)", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn update(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<RequestPatch>,
) -> Result<Json<RequestView>, ApiError> {
    Ok(Json(s.app.update_request(&actor, &id, &patch).await?))
}

/// Make a lifecycle move (`approve`, `transmit`, `acknowledge`, `record_execution`...). The
/// request's `allowed_moves` lists those open to you now.
#[utoipa::path(
    post, path = "/api/v1/requests/{id}/transitions", tag = "requests", operation_id = "transition_request",
    params(("id" = String, Path)),
    request_body = TransitionInput,
    responses(
        (status = 200, description = "The request after the move", body = RequestView),
        (status = 403, description = "The move is not yours to make", body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "`invalid_transition` (with `allowed`, the moves open now) or `stale_version`",
            body = ErrorEnvelope),
        (status = 422, description = "A field is missing or invalid, or the checklist is incomplete", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn transition(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TransitionInput>,
) -> Result<Json<RequestView>, ApiError> {
    Ok(Json(s.app.transition(&actor, &id, &input).await?))
}

/// The request's history, oldest first, each step with the day it took effect and the
/// moment it was recorded.
#[utoipa::path(
    get, path = "/api/v1/requests/{id}/events", tag = "requests", operation_id = "request_events",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<EventView>), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn events(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<EventView>>, ApiError> {
    Ok(Json(s.app.request_events(&actor, &id).await?))
}

/// Your work queues: your drafts, requests awaiting your approval or transmission, and
/// yours that are overdue or due within the week.
#[utoipa::path(
    get, path = "/api/v1/me/work", tag = "requests", operation_id = "my_work",
    responses((status = 200, body = MyWork), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn my_work(State(s): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<MyWork>, ApiError> {
    Ok(Json(s.app.my_work(&actor).await?))
}

/// Open, overdue and executed requests to a partner and its median turnaround. Shown to the
/// Court's organs, and to a State's focal points for their own State.
#[utoipa::path(
    get, path = "/api/v1/partners/{id}/request-figures", tag = "requests", operation_id = "partner_request_figures",
    params(("id" = String, Path, description = "ISO 3166 alpha-3 code for a State, or the organisation's code")),
    responses(
        (status = 200, body = PartnerRequestFigures),
        (status = 404, description = "No such partner, or its figures are not for you", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn partner_figures(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<PartnerRequestFigures>, ApiError> {
    // Resolves lower-case codes and refuses unknown partners the way the directory does.
    let partner = s.app.partner(&actor, &id).await?;
    s.app.partner_request_figures(&actor, &partner.summary.id).await?.map(Json).ok_or_else(|| AppError::NotFound.into())
}

/// Room for the multipart framing and the small text parts around the file itself.
const MULTIPART_OVERHEAD: usize = 256 * 1024;

/// The documents attached to a request, oldest first.
#[utoipa::path(
    get, path = "/api/v1/requests/{id}/documents", tag = "requests", operation_id = "request_documents",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<DocumentView>), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub async fn documents(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<DocumentView>>, ApiError> {
    Ok(Json(s.app.documents(&actor, &id).await?))
}

/// The multipart form of an upload, for the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DocumentForm {
    /// The file (PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, TIFF, .txt, .csv or .eml); its type is
    /// recognised from its contents.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// letter, annex (default), material_received, correspondence, translation or other.
    pub kind: Option<String>,
    /// A two-letter language code.
    pub language: Option<String>,
    pub description: Option<String>,
}

fn upload_error(field: &str, problem: impl Into<String>) -> ApiError {
    ApiError::with_field(ErrorCode::ValidationFailed, field, problem)
}

fn too_large(max: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the file is larger than the limit of {} MiB", max / (1024 * 1024)),
    )
}

/// What became of reading an upload's body.
enum Body {
    Read(Vec<u8>),
    TooLarge,
    Broken(String),
}

/// Reads the body up to `limit` bytes. Past the limit it keeps reading (and discarding) up
/// to `drain_cap`, so the client, still sending, receives the 413 instead of a connection
/// reset.
async fn read_limited(mut body: axum::body::Body, limit: usize, drain_cap: usize) -> Body {
    use axum::body::HttpBody;
    let mut buf = Vec::new();
    let mut seen = 0usize;
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => break,
            Some(Err(e)) => return Body::Broken(e.to_string()),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    seen = seen.saturating_add(data.len());
                    if seen <= limit {
                        buf.extend_from_slice(&data);
                    } else {
                        buf = Vec::new();
                        if seen > drain_cap {
                            break;
                        }
                    }
                }
            }
        }
    }
    if seen > limit {
        Body::TooLarge
    } else {
        Body::Read(buf)
    }
}

/// Attach a file to a request: `multipart/form-data` with a `file` part and optional
/// `kind`, `language` and `description` parts. Larger than the limit (25 MiB) is 413.
#[utoipa::path(
    post, path = "/api/v1/requests/{id}/documents", tag = "requests", operation_id = "upload_document",
    params(("id" = String, Path)),
    request_body(content = DocumentForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored; `Location` names the download", body = DocumentView,
            headers(("location" = String, description = "The document's download URL"))),
        (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 413, description = "The file is larger than the limit", body = ErrorEnvelope),
        (status = 422, description = "No file, a file type not accepted, or a bad part", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn upload(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    use axum::extract::{FromRequest, Multipart};
    let max = s.app.max_upload_bytes();
    let limit = max.saturating_add(MULTIPART_OVERHEAD);
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(upload_error("file", "send the document as multipart/form-data with a 'file' part"));
    }
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    // Reading on past the limit is bounded: an absurd declared size is refused at once.
    let drain_cap = limit.saturating_mul(2);
    if declared.is_some_and(|n| n > drain_cap) {
        return Err(too_large(max));
    }
    let (parts, body) = req.into_parts();
    let bytes = match read_limited(body, limit, drain_cap).await {
        Body::Read(b) => b,
        Body::TooLarge => return Err(too_large(max)),
        Body::Broken(e) => return Err(upload_error("file", format!("the upload was interrupted: {e}"))),
    };
    let req = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
    let mut form =
        Multipart::from_request(req, &()).await.map_err(|e| upload_error("file", format!("malformed form: {e}")))?;
    let mut upload = DocumentUpload::default();
    let mut file = None;
    while let Some(field) =
        form.next_field().await.map_err(|e| upload_error("file", format!("malformed form: {}", e.body_text())))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                if file.is_some() {
                    return Err(upload_error("file", "send one file per upload"));
                }
                upload.filename = field.file_name().unwrap_or_default().to_owned();
                upload.media_type = field.content_type().unwrap_or_default().to_owned();
                let data = field.bytes().await.map_err(|e| upload_error("file", e.body_text()))?;
                if data.len() > max {
                    return Err(too_large(max));
                }
                file = Some(data.to_vec());
            }
            "kind" | "language" | "description" => {
                let text = field.text().await.map_err(|_| upload_error(&name, "must be UTF-8 text"))?;
                match name.as_str() {
                    "kind" => upload.kind = Some(text),
                    "language" => upload.language = Some(text),
                    _ => upload.description = text,
                }
            }
            other => {
                return Err(upload_error(other, "unknown part; send file, kind, language and description"));
            }
        }
    }
    upload.bytes = file.ok_or_else(|| upload_error("file", "is required"))?;
    let view = s.app.add_document(&actor, &id, upload).await?;
    Ok(created_document(&view))
}

fn created_document(view: &DocumentView) -> Response {
    let mut res = (StatusCode::CREATED, Json(view)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/requests/{}/documents/{}", view.request_id, view.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// `Content-Disposition: attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266).
pub(crate) fn attachment(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| if (c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%' | ';')) || c == ' ' { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for b in filename.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Download a document: always as an attachment, with its SHA-256 in `X-Content-SHA256`.
/// Every download is written to the audit trail.
#[utoipa::path(
    get, path = "/api/v1/requests/{id}/documents/{doc}", tag = "requests", operation_id = "download_document",
    params(("id" = String, Path), ("doc" = String, Path, description = "The document's id")),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream",
            headers(("x-content-sha256" = String, description = "SHA-256 of the contents, hex"))),
        (status = 404, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn download(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (view, bytes) = s.app.download_document(&actor, &id, &doc).await?;
    let content_type = HeaderValue::from_str(&view.media_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let disposition = HeaderValue::from_str(&attachment(&view.filename))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment; filename=\"document\""));
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, content_type);
    h.insert(header::CONTENT_DISPOSITION, disposition);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Ok(v) = HeaderValue::from_str(&view.sha256) {
        h.insert("x-content-sha256", v);
    }
    Ok(res)
}

/// Generate the formal request letter (DOCX) in the addressee's declared language and attach
/// it to the request.
#[utoipa::path(
    post, path = "/api/v1/requests/{id}/letter", tag = "requests", operation_id = "generate_letter",
    params(("id" = String, Path)),
    responses(
        (status = 201, description = "The letter, attached", body = DocumentView,
            headers(("location" = String, description = "The letter's download URL"))),
        (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "Not an outgoing request", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn letter(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let view = s.app.generate_letter(&actor, &id).await?;
    Ok(created_document(&view))
}

/// The period of a statistics query.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// First day, YYYY-MM-DD (inclusive).
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (inclusive).
    pub to: Option<String>,
}

/// The request figures of the Court's report for a period: requests transmitted by the
/// Registry and the OTP, requests received from States against the previous period of the
/// same length, turnaround and outcomes. Aggregates only: confidential requests are counted,
/// none is itemised.
#[utoipa::path(
    get, path = "/api/v1/statistics/requests", tag = "statistics", operation_id = "request_statistics",
    params(Period),
    responses(
        (status = 200, body = RequestStatistics),
        (status = 422, description = "The period is missing or invalid", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn statistics(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<Period>,
) -> Result<Json<RequestStatistics>, ApiError> {
    let from = q.from.as_deref().unwrap_or("");
    let to = q.to.as_deref().unwrap_or("");
    Ok(Json(s.app.request_statistics(&actor, from, to).await?))
}

/// Import options.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// true: check everything and store nothing.
    pub dry_run: Option<bool>,
}

/// The largest register accepted in one call.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// Imports a past register (see docs/import.md): a JSON array of requests (`application/json`)
/// or a CSV file (`text/csv`). Every row is checked first; if any has a problem nothing is
/// stored and the answer is 422 with every problem by row and field. Rows whose reference is
/// already stored are left unchanged, so re-sending a register is harmless. System
/// administrators and the Registry's unit administrators only.
#[utoipa::path(
    post, path = "/api/v1/requests/import", tag = "requests", operation_id = "import_requests",
    params(ImportParams),
    request_body(content((Vec<comity_app::import::ImportRecord> = "application/json"), (String = "text/csv"))),
    responses(
        (status = 200, description = "Imported (or, with dry_run, checked)", body = comity_app::import::ImportReport),
        (status = 400, description = "The body is neither JSON nor CSV", body = ErrorEnvelope),
        (status = 403, description = "Only administrators import", body = ErrorEnvelope),
        (status = 422, description = "Problems found; nothing stored", body = comity_app::import::ImportReport),
    ),
    security(("bearer" = []))
)]
pub async fn import(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(params): ApiQuery<ImportParams>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::new(ErrorCode::InvalidJson, "the register must be UTF-8 text"))?;
    let dry_run = params.dry_run.unwrap_or(false);
    let parsed = if content_type.starts_with("text/csv") {
        comity_app::import::parse_csv(text)
    } else if content_type.starts_with("application/json") {
        comity_app::import::parse_json(text)
            .map(|records| records.into_iter().enumerate().map(|(i, r)| (i + 1, r)).collect())
            .map_err(|p| vec![p])
    } else {
        return Err(ApiError::new(ErrorCode::InvalidJson, "send the register as application/json or text/csv"));
    };
    let report = match parsed {
        Ok(rows) => s.app.import_requests(&actor, &rows, dry_run, |_| {}).await?,
        Err(problems) => comity_app::import::ImportReport { dry_run, problems, ..Default::default() },
    };
    let status = if report.problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(report)).into_response())
}
