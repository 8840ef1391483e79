//! Linkwork's web server: server-rendered pages in the NHS.UK design
//! system, usable without JavaScript, and the JSON APIs.

mod api;
mod assets;
mod client;
mod csrf;
pub mod error;
mod fhir;
mod forms;
mod health;
mod page;
mod pagination;
mod referral_forms;
mod referral_views;
mod routes;
mod security;
mod session;
mod state;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use linkwork_app::App;
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use state::AppState;

/// How long a request may take before it is abandoned with a 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole application as one router.
pub fn router(app: App) -> Router {
    let state = AppState::new(app);
    let pages = routes::public()
        .merge(routes::signed_in())
        .layer(from_fn_with_state(state.clone(), csrf::protect))
        .layer(from_fn_with_state(state.clone(), page::render_error_pages))
        .layer(from_fn_with_state(state.clone(), session::load_principal))
        .layer(DefaultBodyLimit::max(csrf::MAX_FORM_BYTES));

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/static/{*path}", get(assets::serve))
        .merge(pages)
        .nest("/api/v1", api::router(state.clone()))
        .nest("/fhir", fhir::router(state.clone()))
        .layer(from_fn_with_state(
            state.clone(),
            client::record_client_addr,
        ))
        .layer(from_fn_with_state(state.clone(), security::headers))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` resolves, then stops accepting connections and
/// lets requests in flight finish.
pub async fn serve(
    app: App,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let housekeeping = tokio::spawn(housekeeping(app.clone()));
    let service = router(app).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await;
    housekeeping.abort();
    result
}

/// Sweeps expired sessions and old failed sign-ins every few minutes.
async fn housekeeping(app: App) {
    let mut every = tokio::time::interval(Duration::from_secs(300));
    loop {
        every.tick().await;
        if let Err(e) = app.housekeeping(linkwork_domain::time::now()).await {
            tracing::warn!(error = %e, "housekeeping failed");
        }
    }
}
