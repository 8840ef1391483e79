//! Directory search for signed-in users' scripts and clients, with their
//! session (cookie) authentication: the same search as the page.

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use axum_extra::extract::Query as MultiQuery;
use axum_extra::extract::QueryRejection;
use linkwork_app::Principal;
use linkwork_app::directory_search::{Found, SearchRequest};
use linkwork_domain::role::Permission;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{WebError, WebResult};
use crate::state::AppState;

/// The routes, behind the session layer.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/directory/search", get(directory_search))
        .route_layer(middleware::from_fn(require_principal))
}

/// API calls without a session get a 401, not a redirect.
async fn require_principal(request: Request, next: Next) -> Response {
    if request.extensions().get::<Principal>().is_some() {
        next.run(request).await
    } else {
        WebError::Unauthenticated.into_response()
    }
}

/// The same fields as the directory search form.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Describes the query for the OpenAPI document only.
struct SearchParams {
    /// Free text; words may be misspelt.
    q: Option<String>,
    /// A taxonomy term id (a need); its child terms match too.
    need: Option<Uuid>,
    /// A postcode or postcode district to measure distance from.
    postcode: Option<String>,
    /// Miles from the postcode: 1, 2, 5, 10 or 25.
    distance: Option<u32>,
    /// Any value: free of charge only.
    free: Option<String>,
    /// A day the service runs: MO … SU, or the day's name.
    day: Option<String>,
    /// A time it is open, `HH:MM`.
    time: Option<String>,
    /// The person's age; services whose age range includes it.
    age: Option<f64>,
    /// Accessibility needs (repeat): step-free, hearing-loop, accessible-toilet, parking, quiet-space.
    access: Option<Vec<String>>,
    /// A language, by name or ISO 639-1 code.
    language: Option<String>,
    /// Any value: include services that are no longer running.
    include_closed: Option<String>,
    /// Pages count from 1; a number past the last page gives no results.
    page: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub results: Vec<SearchResult>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResult {
    pub id: Uuid,
    pub name: String,
    pub organization: String,
    pub summary: String,
    /// `active`, `inactive`, `defunct` or `temporarily closed`.
    pub status: String,
    pub free: bool,
    /// Not updated for longer than the directory's staleness limit.
    pub possibly_out_of_date: bool,
    /// Metres to the nearest place it runs, when searching near a postcode.
    pub distance_m: Option<f64>,
    /// That place's name and address.
    pub place: Option<String>,
    /// Plain-English opening times.
    pub opening: Vec<String>,
    /// Why it matched the search, in plain English.
    pub reasons: Vec<String>,
}

impl From<Found> for SearchResult {
    fn from(f: Found) -> Self {
        SearchResult {
            id: f.id,
            name: f.name,
            organization: f.organization,
            summary: f.summary,
            status: f.status.code().to_owned(),
            free: f.free,
            possibly_out_of_date: f.possibly_out_of_date,
            distance_m: f.distance_m.map(f64::round),
            place: f.place,
            opening: f.opening,
            reasons: f.reasons,
        }
    }
}

/// Search the community directory as a link worker does.
#[utoipa::path(
    get,
    path = "/api/v1/directory/search",
    tag = "directory",
    params(SearchParams),
    responses(
        (status = 200, description = "Matching services, best first (or nearest first without search words)", body = SearchResults),
        (status = 401, description = "Not signed in (this endpoint uses the session cookie of a signed-in user)", body = crate::error::ApiErrorBody),
        (status = 403, description = "The user's roles do not include directory search", body = crate::error::ApiErrorBody),
        (status = 400, description = "The query string cannot be read, e.g. a field given twice (code `bad_request`)", body = crate::error::ApiErrorBody),
        (status = 422, description = "A field is not valid; `fields` says which and why", body = crate::error::ApiErrorBody),
        (status = 503, description = "The search took too long on a busy server (code `busy`); try again after `Retry-After` seconds", body = crate::error::ApiErrorBody),
    )
)]
pub(crate) async fn directory_search(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    form: Result<MultiQuery<SearchRequest>, QueryRejection>,
) -> WebResult<Json<SearchResults>> {
    principal.require(Permission::SearchDirectory)?;
    // A query string that does not read as the form (a field given twice)
    // is an API error like any other, in JSON.
    let MultiQuery(form) = form.map_err(|e| WebError::BadRequest(e.body_text()))?;
    let query = state
        .app
        .directory_query(&form)
        .await?
        .map_err(WebError::Invalid)?;
    let (found, total) = state.app.find_services(&query).await?;
    let results = found.into_iter().map(SearchResult::from).collect();
    Ok(Json(SearchResults {
        total,
        page: query.page,
        per_page: query.per_page,
        results,
    }))
}
