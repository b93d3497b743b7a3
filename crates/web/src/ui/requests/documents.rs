//! A request's documents from the browser: upload (multipart, with the CSRF token in the
//! form), download (audited by the use case), and the generated request letter.

use askama::Template;
use axum::{
    extract::{DefaultBodyLimit, Multipart, Path, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use comity_app::{documents::DocumentUpload, AppError};

use super::{Fields, FormErrors};
use crate::{
    auth::UiSession,
    i18n::Tr,
    ui::{csrf_ok, csrf_refused, directory::Choice, error_page, render, Chrome, UiError},
    AppState,
};

/// Room for the largest accepted file and the form around it.
pub fn upload_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(comity_app::documents::MAX_UPLOAD_BYTES + 64 * 1024)
}

#[derive(Template)]
#[template(path = "request_upload.html")]
struct UploadPage {
    c: Chrome,
    id: String,
    reference: String,
    kinds: Vec<Choice>,
    language: String,
    description: String,
    max_upload_mib: usize,
    errors: FormErrors,
}

#[derive(Default)]
struct Upload {
    csrf: String,
    /// A message's text, when the form is the thread's.
    body: String,
    filename: String,
    media_type: String,
    bytes: Vec<u8>,
    kind: String,
    language: String,
    description: String,
}

async fn read(mut m: Multipart) -> Result<Upload, axum::extract::multipart::MultipartError> {
    let mut u = Upload::default();
    while let Some(field) = m.next_field().await? {
        match field.name().unwrap_or_default() {
            "file" => {
                u.filename = field.file_name().unwrap_or_default().to_owned();
                u.media_type = field.content_type().unwrap_or_default().to_owned();
                u.bytes = field.bytes().await?.to_vec();
            }
            "csrf" => u.csrf = field.text().await?,
            "kind" => u.kind = field.text().await?,
            "language" => u.language = field.text().await?,
            "description" => u.description = field.text().await?,
            "body" => u.body = field.text().await?,
            _ => {}
        }
    }
    Ok(u)
}

/// The submitted form with its CSRF token checked, or the page that says why it was refused
/// (too large: the limit).
async fn received(
    s: &AppState,
    session: &comity_app::auth::SessionState,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Upload, Response> {
    let u = match multipart {
        Ok(m) => read(m).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                let mib = s.app.max_upload_bytes() / (1024 * 1024);
                let tr = Tr::new(crate::middleware::current_lang(), s.i18n.clone());
                error_page(StatusCode::PAYLOAD_TOO_LARGE, Some(tr.t1("doc-limit", "mib", mib)))
            } else {
                error_page(StatusCode::BAD_REQUEST, None)
            }
        }),
        Err(_) => Err(error_page(StatusCode::BAD_REQUEST, None)),
    }?;
    if !csrf_ok(session, &u.csrf) {
        return Err(csrf_refused());
    }
    Ok(u)
}

pub async fn upload(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let u = match received(&s, &session, multipart).await {
        Ok(u) => u,
        Err(page) => return page,
    };
    let input = DocumentUpload {
        filename: u.filename.clone(),
        media_type: u.media_type.clone(),
        kind: Some(u.kind.clone()).filter(|k| !k.is_empty()),
        language: Some(u.language.clone()).filter(|k| !k.is_empty()),
        description: u.description.clone(),
        bytes: u.bytes,
    };
    let fields = match s.app.add_document(&session.actor, &id, input).await {
        Ok(_) => return Redirect::to(&format!("/requests/{id}?done=uploaded#documents")).into_response(),
        Err(AppError::Validation(f)) => f.0,
        Err(e) => return UiError(e).into_response(),
    };
    let r = match s.app.request(&session.actor, &id).await {
        Ok(r) => r,
        Err(e) => return UiError(e).into_response(),
    };
    let c = Chrome::new(&s, Some(&session), "requests", &format!("/requests/{id}")).await;
    let errors = FormErrors::from_fields(&c.tr, fields, &|_| true, None);
    let kinds = comity_app::documents::DocumentKind::ALL
        .iter()
        .map(|k| Choice { value: k.code().into(), label: c.tr.code("dockind", k.code()), selected: k.code() == u.kind })
        .collect();
    let page = UploadPage {
        id: r.id,
        reference: r.reference,
        kinds,
        language: u.language,
        description: u.description,
        max_upload_mib: s.app.max_upload_bytes() / (1024 * 1024),
        errors,
        c,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}

/// `attachment`, as the API sends it.
fn disposition(filename: &str) -> HeaderValue {
    HeaderValue::from_str(&crate::api::attachment(filename)).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

pub async fn download(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path((id, doc)): Path<(String, String)>,
) -> Response {
    match s.app.download_document(&session.actor, &id, &doc).await {
        Ok((view, bytes)) => {
            let mime = HeaderValue::from_str(&view.media_type)
                .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
            let mut res = bytes.into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, mime);
            res.headers_mut().insert(header::CONTENT_DISPOSITION, disposition(&view.filename));
            res
        }
        Err(e) => UiError(e).into_response(),
    }
}

/// Writes in the request's thread, with the attached file (if any) added to the request's
/// documents as correspondence first.
pub async fn message(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let u = match received(&s, &session, multipart).await {
        Ok(u) => u,
        Err(page) => return page,
    };
    let refused = crate::ui::refused_page;
    if u.body.trim().is_empty() {
        let mut f = comity_domain::validation::FieldErrors::new();
        f.add("body", "is required");
        return refused(f);
    }
    let mut input = comity_app::messages::MessageInput { body: u.body, document_id: None };
    if !u.bytes.is_empty() {
        let upload = DocumentUpload {
            filename: u.filename,
            media_type: u.media_type,
            kind: Some("correspondence".into()),
            bytes: u.bytes,
            ..DocumentUpload::default()
        };
        match s.app.add_document(&session.actor, &id, upload).await {
            Ok(d) => input.document_id = Some(d.id),
            Err(AppError::Validation(f)) => return refused(f),
            Err(e) => return UiError(e).into_response(),
        }
    }
    match s.app.post_message(&session.actor, &id, &input).await {
        Ok(_) => Redirect::to(&format!("/requests/{id}?done=message#messages")).into_response(),
        Err(AppError::Validation(f)) => refused(f),
        Err(e) => UiError(e).into_response(),
    }
}

/// A receipt's signed JSON file, or with `/pdf` its printable copy.
pub async fn receipt(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path((id, number)): Path<(String, String)>,
) -> Response {
    let (number, pdf) = match number.strip_suffix(".pdf") {
        Some(n) => (n, true),
        None => (number.strip_suffix(".json").unwrap_or(&number), false),
    };
    let Ok(number) = number.parse::<i64>() else { return UiError(comity_app::AppError::NotFound).into_response() };
    let file = if pdf {
        s.app
            .receipt_pdf(&session.actor, &id, number)
            .await
            .map(|(stem, b)| (b, "application/pdf", format!("{stem}.pdf")))
    } else {
        s.app
            .receipt_file(&session.actor, &id, number)
            .await
            .map(|(stem, f)| (f.into_bytes(), "application/json", format!("{stem}.json")))
    };
    match file {
        Ok((bytes, mime, name)) => crate::api::as_attachment(bytes, mime, &name),
        Err(e) => UiError(e).into_response(),
    }
}

pub async fn letter(
    State(s): State<AppState>,
    UiSession(session): UiSession,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let f = Fields::parse(&body);
    if !csrf_ok(&session, &f.one("csrf")) {
        return csrf_refused();
    }
    match s.app.generate_letter(&session.actor, &id).await {
        Ok(_) => Redirect::to(&format!("/requests/{id}?done=letter#documents")).into_response(),
        Err(e) => UiError(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_cannot_break_the_header() {
        let v = disposition("rapport \"final\"é.pdf");
        let s = v.to_str().expect("ASCII header");
        assert!(s.starts_with("attachment; filename=\"rapport _final__.pdf\""), "{s}");
        assert!(s.contains("filename*=UTF-8''rapport%20%22final%22%C3%A9.pdf"), "{s}");
    }
}
