//! The JSON referral API, for other systems: token authentication (no
//! cookies, so no CSRF), errors as JSON with stable codes, and an OpenAPI
//! document generated from the handlers at `/api/v1/openapi.json`.

pub(crate) mod directory;
pub(crate) mod referrals;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use linkwork_app::referrals::ApiClient;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::client::ClientAddr;
use crate::error::{ApiErrorBody, ErrorInfo, WebError};
use crate::state::AppState;

/// The largest request body the API accepts.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Linkwork API",
        version = "1",
        description = "Send referrals to social prescribing teams and follow their status. \
            Authenticate with an API token issued by your Linkwork administrator: \
            `Authorization: Bearer lwk_…`. Errors are JSON with a stable `code`; \
            `validation_failed` lists each invalid field. FHIR R4 clients can use \
            `POST /fhir/ServiceRequest` instead."
    ),
    paths(referrals::create, referrals::show, referrals::needs, directory::directory_search),
    components(schemas(
        referrals::ReferralRequest,
        referrals::PersonPayload,
        referrals::AddressPayload,
        referrals::ConsentPayload,
        referrals::ReferrerPayload,
        referrals::ReferralReceipt,
        referrals::ReferralStatusResponse,
        referrals::NetworkPayload,
        referrals::PersonSummary,
        referrals::HistoryEntry,
        referrals::OutcomePayload,
        referrals::NeedPayload,
        directory::SearchResults,
        directory::SearchResult,
        ApiErrorBody,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "referrals", description = "Referrals and the reasons they can give"),
        (name = "directory", description = "The community directory as link workers search it (also published openly to the Open Referral UK profile at /api/oruk)")
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("Linkwork API token (lwk_…)")
                    .build(),
            ),
        );
    }
}

/// The API's OpenAPI document, as served. It also says (as OpenAPI links)
/// that the `id` a referral's receipt gives is the one
/// `GET /api/v1/referrals/{id}` takes, so clients and tools can follow a
/// referral from sending it. The links are added to the JSON because
/// utoipa 5.5 writes a link's `operationId` as `operation_id`.
fn openapi_document() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serialises");
    let responses = &mut doc["paths"]["/api/v1/referrals"]["post"]["responses"];
    for status in ["200", "201"] {
        if let Some(response) = responses.get_mut(status).and_then(|r| r.as_object_mut()) {
            response.insert(
                "links".into(),
                serde_json::json!({
                    "FollowReferral": {
                        "operationId": "show",
                        "parameters": {"id": "$response.body#/id"},
                        "description": "The referral's status and history"
                    }
                }),
            );
        }
    }
    doc
}

async fn openapi_json() -> Json<serde_json::Value> {
    Json(openapi_document())
}

/// The API's routes, to nest at `/api/v1`, with their own authentication
/// and error rendering.
pub fn router(state: AppState) -> Router<AppState> {
    let authenticated = Router::new()
        .route("/referrals", post(referrals::create))
        .route("/referrals/{id}", get(referrals::show))
        .layer(from_fn_with_state(state.clone(), authenticate));
    // Signed-in users' own calls authenticate with their session cookie.
    let session = directory::router().layer(from_fn_with_state(
        state.clone(),
        crate::session::load_principal,
    ));
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/needs", get(referrals::needs))
        .merge(authenticated)
        .merge(session)
        .fallback(|| async { WebError::NotFound })
        .layer(axum::middleware::from_fn(render_json_errors))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// Puts the `ApiClient` for the request's bearer token in its extensions,
/// or refuses it.
pub(crate) async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    let Some(token) = token else {
        return WebError::Unauthenticated.into_response();
    };
    let ip = request
        .extensions()
        .get::<ClientAddr>()
        .and_then(|c| c.0.clone());
    match state.app.authenticate_api_token(&token, ip).await {
        Ok(Some(client)) => {
            request.extensions_mut().insert(client);
            next.run(request).await
        }
        Ok(None) => WebError::Unauthenticated.into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The calling system, for handlers behind `authenticate`.
pub struct Client(pub ApiClient);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Client {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ApiClient>()
            .cloned()
            .map(Client)
            .ok_or(WebError::Unauthenticated)
    }
}

/// Turns an error response from any API handler into its JSON body, as
/// `page::render_error_pages` does for pages.
pub async fn render_json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    let status = info.error.status();
    let mut response = (status, Json(ApiErrorBody::from_info(&info))).into_response();
    info.error.add_retry_after(&mut response);
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"linkwork\""),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_links_to_the_referral_it_names() {
        let doc = openapi_document();
        let show = &doc["paths"]["/api/v1/referrals/{id}"]["get"]["operationId"];
        for status in ["200", "201"] {
            let link = &doc["paths"]["/api/v1/referrals"]["post"]["responses"][status]["links"]["FollowReferral"];
            assert_eq!(&link["operationId"], show, "{status}");
            assert_eq!(link["parameters"]["id"], "$response.body#/id");
        }
    }
}
