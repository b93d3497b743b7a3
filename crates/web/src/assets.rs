//! Static assets compiled into the binary, so a deployment is one file and nothing is
//! fetched from elsewhere.

use axum::{
    extract::Path,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use crate::AppState;

const FILES: &[(&str, &str, &[u8])] = &[
    ("comity.css", "text/css; charset=utf-8", include_bytes!("../assets/comity.css")),
    ("comity.js", "text/javascript; charset=utf-8", include_bytes!("../assets/comity.js")),
    ("htmx.min.js", "text/javascript; charset=utf-8", include_bytes!("../assets/vendor/htmx.min.js")),
    ("favicon.svg", "image/svg+xml", include_bytes!("../assets/favicon.svg")),
];

/// The assets are gzipped for browsers that accept it: htmx alone is 52 KB, 16 KB gzipped,
/// which keeps pages light on slow connections. Pages themselves are not compressed: they
/// carry a CSRF token next to text a visitor can make them echo (BREACH).
pub fn routes() -> Router<AppState> {
    Router::new().route("/assets/{file}", get(asset)).layer(tower_http::compression::CompressionLayer::new())
}

async fn asset(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => {
            ([(header::CONTENT_TYPE, *mime), (header::CACHE_CONTROL, "public, max-age=3600")], *body).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
