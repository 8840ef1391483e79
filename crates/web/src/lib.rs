//! Linkwork's web server: server-rendered pages in the NHS.UK design
//! system, usable without JavaScript, and the JSON APIs.

mod api;
mod assets;
mod charts;
mod client;
mod csrf;
mod downloads;
pub mod error;
mod fhir;
mod forms;
mod health;
mod oruk;
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
        .nest("/api/oruk", oruk::router())
        // Clients often add the trailing slash to the API's base address.
        .route(
            "/api/oruk/",
            get(oruk::root).layer(axum::middleware::from_fn(oruk::open_data_headers)),
        )
        .merge(pages)
        .nest("/api/v1", api::router(state.clone()))
        .merge(fhir::router(state.clone()))
        .layer(from_fn_with_state(
            state.clone(),
            client::record_client_addr,
        ))
        .layer(from_fn_with_state(state.clone(), security::headers))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(
            TraceLayer::new_for_http()
                // Path only: query strings can hold what someone searched for.
                .make_span_with(|request: &axum::http::Request<_>| {
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
                })
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .with_state(state)
}

/// Builds the directory index, then serves until `shutdown` resolves, then
/// stops accepting connections and lets requests in flight finish.
pub async fn serve(
    app: App,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    app.load_directory().await.map_err(std::io::Error::other)?;
    let housekeeping = tokio::spawn(housekeeping(app.clone()));
    let sync = tokio::spawn(follow_directory_changes(app.clone()));
    let delivery = tokio::spawn(deliver_messages(app.clone()));
    let feeds = tokio::spawn(read_feeds(app.clone()));
    let retention = tokio::spawn(sweep_retention(app.clone()));
    let service = router(app).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await;
    housekeeping.abort();
    sync.abort();
    delivery.abort();
    feeds.abort();
    retention.abort();
    result
}

/// Sends queued emails and text messages. Every instance runs this; each
/// message is claimed by one of them at a time (see `App::deliver_due`).
async fn deliver_messages(app: App) {
    let seconds = u64::from(app.settings.messaging.poll_interval_seconds.max(1));
    let mut every = tokio::time::interval(Duration::from_secs(seconds));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match app.deliver_due().await {
            Ok(done) if done == Default::default() => {}
            Ok(done) => tracing::info!(
                sent = done.sent,
                retrying = done.retrying,
                failed = done.failed,
                held = done.held,
                "messages delivered"
            ),
            Err(e) => tracing::warn!(error = %e, "message delivery failed"),
        }
    }
}

/// Runs the retention sweep when it is due. Every instance asks hourly;
/// the one that claims it runs it (see `App::scheduled_retention_sweep`).
async fn sweep_retention(app: App) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match app.scheduled_retention_sweep().await {
            Ok(Some(sweep)) => tracing::info!(
                due = sweep.due.len(),
                anonymised = sweep.anonymised,
                "retention sweep"
            ),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "retention sweep failed"),
        }
    }
}

/// Keeps this instance's search index current with changes made anywhere.
async fn follow_directory_changes(app: App) {
    let seconds = u64::from(app.settings.directory.sync_interval_seconds.max(1));
    let mut every = tokio::time::interval(Duration::from_secs(seconds));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match app.sync_directory().await {
            Ok(0) => {}
            Ok(changed) => tracing::info!(changed, "directory index updated"),
            Err(e) => tracing::warn!(error = %e, "directory sync failed"),
        }
    }
}

/// Reads registered directory feeds when they are due. Every instance runs
/// this; each reading is claimed by one of them (see `App::read_due_feed`).
async fn read_feeds(app: App) {
    let seconds = u64::from(app.settings.directory.feed_check_seconds.max(1));
    let mut every = tokio::time::interval(Duration::from_secs(seconds));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match app.read_due_feed().await {
            Ok(None) => {}
            Ok(Some(run)) => match &run.failure {
                None => tracing::info!(feed = %run.feed_id, "directory feed read"),
                Some(reason) => {
                    tracing::warn!(feed = %run.feed_id, reason, "directory feed reading failed")
                }
            },
            Err(e) => tracing::warn!(error = %e, "directory feed reading failed"),
        }
    }
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
