//! Cross-cutting HTTP behaviour: a request id on every exchange and the security headers.

use crate::i18n::Lang;
use axum::{
    extract::Request,
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

tokio::task_local! {
    static REQUEST_SCOPE: RequestScope;
}

/// What every part of a request's handling may need without threading it through.
#[derive(Debug, Clone)]
struct RequestScope {
    id: String,
    lang: Lang,
}

/// The id of the request being handled (empty outside a request).
pub fn current_request_id() -> String {
    REQUEST_SCOPE.try_with(|s| s.id.clone()).unwrap_or_default()
}

/// The language of the request being handled.
pub fn current_lang() -> Lang {
    REQUEST_SCOPE.try_with(|s| s.lang).unwrap_or_default()
}

/// Gives every request an id, echoed in `x-request-id`, error bodies and the log.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let id = uuid::Uuid::now_v7().simple().to_string();
    let lang = Lang::from_headers(req.headers());
    req.extensions_mut().insert(lang);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = std::time::Instant::now();
    let scope = RequestScope { id: id.clone(), lang };
    let mut res = REQUEST_SCOPE.scope(scope, next.run(req)).await;
    let status = res.status();
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    if let Some(detail) = res.extensions().get::<crate::error::InternalDetail>() {
        tracing::error!(request_id = %id, %method, %path, status = status.as_u16(), error = %detail.0, "request failed");
    } else {
        tracing::debug!(request_id = %id, %method, %path, status = status.as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "request");
    }
    res
}

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with("/assets/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if !is_asset && !h.contains_key(header::CACHE_CONTROL) {
        // Pages and API answers carry confidential data: never keep them in shared caches.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
