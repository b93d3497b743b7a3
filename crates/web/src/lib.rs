//! Comity over HTTP: the JSON API under `/api/v1` and the server-rendered UI, sharing one
//! router, one error mapping and one set of security headers.
//!
//! Handlers stay thin: they turn HTTP into calls on [`comity_app::Comity`], which applies
//! the access policy and writes the audit trail.

mod api;
mod assets;
mod auth;
mod error;
mod extract;
mod i18n;
mod middleware;
mod ui;

use std::{net::SocketAddr, sync::Arc};

use axum::Router;
use comity_app::Comity;

pub use api::openapi_json;
pub use error::ErrorCode;

/// How the HTTP layer behaves.
#[derive(Debug, Clone, Default)]
pub struct WebOptions {
    /// Mark cookies `Secure` (set when Comity is served over HTTPS, directly or via a proxy).
    pub secure_cookies: bool,
}

/// Shared by every handler.
#[derive(Clone)]
pub(crate) struct AppState {
    pub app: Comity,
    pub i18n: Arc<i18n::I18n>,
    pub opts: Arc<WebOptions>,
}

/// The whole HTTP surface.
pub fn router(app: Comity, opts: WebOptions) -> Router {
    let state = AppState { app, i18n: i18n::I18n::shared(), opts: Arc::new(opts) };
    Router::new()
        .merge(api::routes())
        .merge(ui::routes())
        .merge(assets::routes())
        .fallback(error::not_found_fallback)
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn(middleware::request_id))
        .layer(axum::extract::DefaultBodyLimit::max(1024 * 1024))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
