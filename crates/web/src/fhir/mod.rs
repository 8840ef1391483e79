//! FHIR R4 for referrals, after the HL7 SDOH Clinical Care closed-loop
//! pattern: another system `POST`s a UK Core ServiceRequest (its UK Core
//! Patient contained or in a Bundle), and follows the referral through
//! the ServiceRequest's status and a Task of the same id whose status says
//! what the team did (requested, accepted, in progress, completed,
//! rejected, failed, cancelled). JSON and XML both ways; every error is an
//! OperationOutcome that names the problem and where it is.

mod discharge_summary;
mod format;
mod questionnaires;
mod resources;
mod service_request;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use linkwork_app::AppError;
use linkwork_app::referrals::{ApiClient, IntakeOutcome, Submission, Submitter};
use linkwork_domain::codes::CodePurpose;
use linkwork_domain::organisation::OrgKind;
use linkwork_domain::referral::{ReferralInput, ReferralRoute};

pub use format::Format;
use format::{ReadError, Resource, json_to_value, xml_to_value};

use crate::api::referrals::organisation_by_ods;
use crate::api::{self, Client};
use crate::error::{ErrorInfo, WebError};
use crate::routes::referrals::parse_referral_id;
use crate::state::AppState;

/// One problem, as an OperationOutcome issue.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// FHIR's issue type: invalid, structure, required, value, not-found …
    pub code: &'static str,
    pub diagnostics: String,
    /// Where the problem is, as a FHIRPath expression.
    pub expression: Option<String>,
}

/// A FHIR request that failed: its status and what was wrong.
#[derive(Debug, Clone)]
pub struct FhirError {
    pub status: StatusCode,
    pub issues: Vec<Issue>,
}

impl FhirError {
    /// The body could not be read as a resource (400).
    pub fn structure(diagnostics: impl Into<String>, expression: Option<&str>) -> FhirError {
        FhirError {
            status: StatusCode::BAD_REQUEST,
            issues: vec![Issue {
                code: "structure",
                diagnostics: diagnostics.into(),
                expression: expression.map(str::to_owned),
            }],
        }
    }

    /// A body nested deeper or holding more than any referral needs (400):
    /// refused before it costs the server more.
    pub fn too_costly(diagnostics: String) -> FhirError {
        FhirError {
            status: StatusCode::BAD_REQUEST,
            issues: vec![Issue {
                code: "too-costly",
                diagnostics,
                expression: None,
            }],
        }
    }

    /// A readable resource that breaks the profile or the service's rules
    /// (422).
    pub fn invalid(
        code: &'static str,
        diagnostics: impl Into<String>,
        expression: &str,
    ) -> FhirError {
        FhirError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            issues: vec![Issue {
                code,
                diagnostics: diagnostics.into(),
                expression: Some(expression.to_owned()),
            }],
        }
    }
}

/// Carried in the response's extensions for `render_outcomes`.
#[derive(Debug, Clone)]
struct Outcome(Vec<Issue>);

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(Outcome(self.issues));
        response
    }
}

impl From<WebError> for FhirError {
    fn from(e: WebError) -> FhirError {
        let code = match &e {
            WebError::Unauthenticated => "login",
            WebError::Forbidden | WebError::CsrfRejected => "forbidden",
            WebError::NotFound => "not-found",
            WebError::BadRequest(_) | WebError::BadParameter { .. } => "invalid",
            WebError::Invalid(_) => "invalid",
            WebError::Conflict(_) => "conflict",
            WebError::TooManyRequests(_) => "throttled",
            WebError::Unavailable | WebError::Busy { .. } => "transient",
            WebError::Internal(_) => "exception",
        };
        let issues = match &e {
            WebError::Invalid(errors) => service_request::issues_for(errors),
            WebError::Unauthenticated => vec![Issue {
                code,
                diagnostics: "Send a Linkwork API token: Authorization: Bearer lwk_…".into(),
                expression: None,
            }],
            WebError::NotFound => vec![Issue {
                code,
                diagnostics: "No such resource, or it was not sent by your organisation".into(),
                expression: None,
            }],
            other => vec![Issue {
                code,
                diagnostics: other.message(),
                expression: None,
            }],
        };
        FhirError {
            status: e.status(),
            issues,
        }
    }
}

impl From<AppError> for FhirError {
    fn from(e: AppError) -> FhirError {
        WebError::from(e).into()
    }
}

/// The format to answer in: `_format`, else `Accept` when it names a FHIR
/// format, else the request's own `Content-Type`, else JSON.
fn negotiate(parts_uri: &axum::http::Uri, headers: &HeaderMap) -> Format {
    let from_query = parts_uri.query().and_then(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == "_format")
            .and_then(|(_, v)| Format::from_media_type(&v))
    });
    let header_format = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').find_map(Format::from_media_type))
    };
    from_query
        .or_else(|| header_format(header::ACCEPT))
        .or_else(|| header_format(header::CONTENT_TYPE))
        .unwrap_or(Format::Json)
}

/// The response format, for handlers.
pub struct Negotiated(pub Format);

impl<S: Send + Sync> FromRequestParts<S> for Negotiated {
    type Rejection = FhirError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Negotiated(negotiate(&parts.uri, &parts.headers)))
    }
}

fn respond(status: StatusCode, format: Format, resource: &Resource) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, format.content_type())],
        resource.write(format),
    )
        .into_response()
}

/// Renders every error from the FHIR routes (including authentication's)
/// as an OperationOutcome in the format the client asked for.
async fn render_outcomes(request: Request, next: Next) -> Response {
    let format = negotiate(request.uri(), request.headers());
    let response = next.run(request).await;
    let status = response.status();
    let issues = match (
        response.extensions().get::<Outcome>(),
        response.extensions().get::<ErrorInfo>(),
    ) {
        (Some(Outcome(issues)), _) => issues.clone(),
        (None, Some(info)) => FhirError::from(info.error.clone()).issues,
        (None, None) if status.is_client_error() || status.is_server_error() => {
            vec![outcome_for_status(status)]
        }
        (None, None) => return response,
    };
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let mut response = respond(status, format, &resources::operation_outcome(&issues));
    if let Some(seconds) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, seconds);
    }
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"linkwork\""),
        );
    }
    response
}

/// The FHIR routes, at `/fhir`, to merge into the application's.
pub fn router(state: AppState) -> Router<AppState> {
    let authenticated = Router::new()
        .route("/", post(transaction))
        .route("/ServiceRequest", post(create_service_request))
        .route("/ServiceRequest/{id}", get(read_service_request))
        .route("/Task/{id}", get(read_task))
        .route("/Bundle/{id}", get(read_discharge_summary))
        .route("/Questionnaire", get(search_questionnaires))
        .route("/Questionnaire/{code}", get(read_questionnaire))
        .route(
            "/QuestionnaireResponse",
            get(search_questionnaire_responses).post(create_questionnaire_response),
        )
        .layer(from_fn_with_state(state.clone(), api::authenticate));
    let fhir = Router::new()
        .route("/metadata", get(capability_statement))
        .merge(authenticated)
        .fallback(|| async {
            FhirError {
                status: StatusCode::NOT_FOUND,
                issues: vec![Issue {
                    code: "not-supported",
                    diagnostics: "This server supports transaction Bundles at the base (POST /fhir), ServiceRequest (create, read), Task (read), Bundle (read: discharge summaries), Questionnaire (read, search), QuestionnaireResponse (create, search by based-on) and metadata".into(),
                    expression: None,
                }],
            }
        });
    Router::new()
        .nest("/fhir", fhir)
        // Many clients write the base with a trailing slash; without this
        // route it would reach the pages and their form checks.
        .route(
            "/fhir/",
            post(transaction).route_layer(from_fn_with_state(state, api::authenticate)),
        )
        .layer(from_fn(render_outcomes))
        .layer(DefaultBodyLimit::max(api::MAX_BODY_BYTES))
}

/// An OperationOutcome for an error that came with none: a body over the
/// limit, a method a path does not take, a request that took too long.
fn outcome_for_status(status: StatusCode) -> Issue {
    let (code, diagnostics) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "too-costly",
            format!(
                "The body is larger than this server takes ({} bytes)",
                api::MAX_BODY_BYTES
            ),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "not-supported",
            "This path does not take that method: see GET /fhir/metadata".to_owned(),
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "timeout",
            "The request took too long to answer; try again".to_owned(),
        ),
        other if other.is_server_error() => (
            "exception",
            "The server could not answer; try again later".to_owned(),
        ),
        other => (
            "invalid",
            format!(
                "The request could not be taken ({})",
                other.canonical_reason().unwrap_or("refused")
            ),
        ),
    };
    Issue {
        code,
        diagnostics,
        expression: None,
    }
}

/// Where this server is, for absolute URLs: the configured public URL,
/// else the host the client used.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    match &state.app.settings.public_url {
        Some(url) => format!("{}/fhir", url.trim_end_matches('/')),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
                .unwrap_or_else(|| state.app.settings.listen.to_string());
            format!("http://{host}/fhir")
        }
    }
}

async fn capability_statement(
    State(state): State<AppState>,
    Negotiated(format): Negotiated,
    headers: HeaderMap,
) -> Response {
    respond(
        StatusCode::OK,
        format,
        &resources::capability_statement(&base_url(&state, &headers)),
    )
}

/// Reads the body in the format its `Content-Type` names.
fn read_body(headers: &HeaderMap, body: &Bytes) -> Result<serde_json::Value, FhirError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match Format::from_media_type(content_type) {
        Some(Format::Json) => json_to_value(body).map_err(|e| match e {
            ReadError::TooComplex(m) => FhirError::too_costly(m),
            e => FhirError::structure(format!("The body is not valid JSON: {e}"), None),
        }),
        Some(Format::Xml) => {
            let text = std::str::from_utf8(body)
                .map_err(|_| FhirError::structure("The XML body is not UTF-8", None))?;
            xml_to_value(text).map_err(|e| match e {
                ReadError::TooComplex(m) => FhirError::too_costly(m),
                e => FhirError::structure(format!("The body is not valid FHIR XML: {e}"), None),
            })
        }
        None => Err(FhirError {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            issues: vec![Issue {
                code: "not-supported",
                diagnostics: format!(
                    "Send application/fhir+json or application/fhir+xml, not {:?}",
                    if content_type.is_empty() {
                        "no Content-Type"
                    } else {
                        content_type
                    }
                ),
                expression: None,
            }],
        }),
    }
}

/// A referral received: its ServiceRequest as answered, and how.
struct Received {
    status: StatusCode,
    resource: Resource,
    /// The ServiceRequest's address, absolute.
    location: String,
    version: i64,
    /// What the sender should know though the referral was taken.
    warnings: Vec<Issue>,
}

impl Received {
    /// The ServiceRequest, or with `Prefer: return=OperationOutcome` the
    /// warnings (FHIR's way to ask for them on a create).
    fn respond(self, format: Format, headers: &HeaderMap) -> Response {
        let outcome_preferred = headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split([',', ';']))
            .any(|p| p.trim() == "return=OperationOutcome");
        let body = if outcome_preferred {
            resources::warnings(&self.warnings)
        } else {
            self.resource.clone()
        };
        let mut response = respond(self.status, format, &body);
        if let Ok(v) = HeaderValue::from_str(&self.location) {
            response.headers_mut().insert(header::LOCATION, v);
        }
        if let Ok(v) = HeaderValue::from_str(&format!("W/\"{}\"", self.version)) {
            response.headers_mut().insert(header::ETAG, v);
        }
        response
    }
}

/// Reads, checks and records the referral `value` holds (a ServiceRequest,
/// or a Bundle holding one).
async fn receive_referral(
    state: &AppState,
    client: &ApiClient,
    headers: &HeaderMap,
    value: &serde_json::Value,
) -> Result<Received, FhirError> {
    let needs = state.app.active_needs().await?;
    let code = state.app.clinical_code(CodePurpose::Referral).await?;
    let parsed = service_request::read(value, &needs, &code)?;
    let network = organisation_by_ods(
        state,
        parsed.performer_ods.as_deref(),
        OrgKind::Pcn,
        "network",
    )
    .await?;
    // A practice code no practice here has does not refuse the referral:
    // it is kept as given, the referral is routed by the performer or the
    // postcode, and the sender is warned.
    let mut warnings = Vec::new();
    let mut practice_code_given = None;
    let gp_practice = match organisation_by_ods(
        state,
        parsed.gp_practice_ods.as_deref(),
        OrgKind::GpPractice,
        "gp_practice",
    )
    .await
    {
        Ok(id) => id,
        Err(WebError::Invalid(_)) => {
            let code = parsed.gp_practice_ods.clone().unwrap_or_default();
            warnings.push(Issue {
                code: "not-found",
                diagnostics: format!(
                    "No GP practice here has the ODS code {code:?}: it is kept as given, and the referral was routed {}",
                    if network.is_some() {
                        "to the network in ServiceRequest.performer"
                    } else {
                        "by the person's postcode"
                    }
                ),
                expression: Some("Patient.generalPractitioner".into()),
            });
            practice_code_given = Some(code);
            None
        }
        Err(other) => return Err(other.into()),
    };
    let mut person = parsed.person;
    person.gp_practice = gp_practice.map(|id| id.to_string()).unwrap_or_default();
    let submission = Submission {
        person,
        referral: ReferralInput {
            // Sending a referral is the requester's statement that the
            // person agreed to it and to being contacted (documented in the
            // README): UK Core's ServiceRequest has no consent element.
            consent_referral: true,
            consent_contact: "yes".into(),
            ..parsed.referral
        },
        network,
        idempotency_key: parsed.identifier.clone(),
        authored_on: parsed.authored_on,
        sender_identifier: parsed.identifier,
        gp_practice_code_given: practice_code_given,
        ..Default::default()
    };
    let outcome = state
        .app
        .submit_referral(
            Submitter::System {
                client,
                route: ReferralRoute::Fhir,
            },
            &submission,
        )
        .await
        .map_err(|e| match e {
            AppError::Invalid(errors) => FhirError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                issues: service_request::issues_for(&errors),
            },
            other => other.into(),
        })?;
    let (referral, status) = match outcome {
        IntakeOutcome::Created(r) => (r, StatusCode::CREATED),
        IntakeOutcome::AlreadyReceived(r) => (r, StatusCode::OK),
        IntakeOutcome::PossibleDuplicates(..) => {
            return Err(WebError::internal("FHIR cannot be asked about duplicates").into());
        }
    };
    let (referral, person, _, pcn) = state.app.api_referral(client, referral.id).await?;
    let resource = resources::service_request(
        &referral,
        &person,
        &pcn,
        &client.organisation,
        &needs,
        &code,
    );
    Ok(Received {
        status,
        resource,
        location: format!(
            "{}/ServiceRequest/{}",
            base_url(state, headers),
            referral.id
        ),
        version: referral.version,
        warnings,
    })
}

/// `POST /fhir/ServiceRequest`: a referral from another system.
async fn create_service_request(
    State(state): State<AppState>,
    Client(client): Client,
    Negotiated(format): Negotiated,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, FhirError> {
    let value = read_body(&headers, &body)?;
    Ok(receive_referral(&state, &client, &headers, &value)
        .await?
        .respond(format, &headers))
}

/// `POST /fhir`: a transaction Bundle holding the referral (its
/// ServiceRequest, Patient and requester), as many systems send one. The
/// referral is recorded whole or not at all, as a transaction must be;
/// the answer is a transaction-response with an entry for each entry
/// sent, in order.
async fn transaction(
    State(state): State<AppState>,
    Client(client): Client,
    Negotiated(format): Negotiated,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, FhirError> {
    let value = read_body(&headers, &body)?;
    let kind = value.get("resourceType").and_then(|v| v.as_str());
    let bundle_type = value.get("type").and_then(|v| v.as_str());
    if kind != Some("Bundle") || !matches!(bundle_type, Some("transaction" | "batch")) {
        return Err(FhirError::invalid(
            "not-supported",
            format!(
                "The base takes a transaction Bundle holding a ServiceRequest, not {}; \
                 or POST the ServiceRequest (or a Bundle) to /fhir/ServiceRequest",
                match (kind, bundle_type) {
                    (Some("Bundle"), Some(t)) => format!("a {t} Bundle"),
                    (Some("Bundle"), None) => "a Bundle without a type".to_owned(),
                    (Some(k), _) => format!("a {k}"),
                    (None, _) => "a body without a resourceType".to_owned(),
                }
            ),
            "Bundle.type",
        ));
    }
    let received = receive_referral(&state, &client, &headers, &value).await?;
    let status_line = match received.status {
        StatusCode::CREATED => "201 Created",
        _ => "200 OK",
    };
    let location = format!(
        "{}/_history/{}",
        received
            .location
            .rsplit_once("/ServiceRequest/")
            .map(|(_, id)| format!("ServiceRequest/{id}"))
            .unwrap_or_default(),
        received.version
    );
    let entries = value
        .get("entry")
        .and_then(|e| e.as_array())
        .map(Vec::as_slice)
        .unwrap_or_default();
    // The Patient and requester are part of the referral, not resources
    // of their own here: their entries share its outcome.
    let answers = entries
        .iter()
        .map(|entry| {
            let is_request = entry
                .get("resource")
                .and_then(|r| r.get("resourceType"))
                .and_then(|k| k.as_str())
                == Some("ServiceRequest");
            let mut response = vec![("status", format::Node::str(status_line))];
            if is_request {
                response.push(("location", format::Node::str(location.clone())));
                response.push((
                    "etag",
                    format::Node::str(format!("W/\"{}\"", received.version)),
                ));
                if !received.warnings.is_empty() {
                    response.push((
                        "outcome",
                        format::Node::Resource(Box::new(resources::warnings(&received.warnings))),
                    ));
                }
            }
            let mut fields = Vec::new();
            if is_request {
                fields.push((
                    "resource",
                    Some(format::Node::Resource(Box::new(received.resource.clone()))),
                ));
            }
            fields.push(("response", Some(format::Node::Object(response))));
            format::object(fields)
        })
        .collect();
    let answer = Resource::new("Bundle")
        .with(
            "type",
            format::Node::str(format!("{}-response", bundle_type.unwrap_or("transaction"))),
        )
        .with("entry", format::Node::List(answers));
    Ok(respond(StatusCode::OK, format, &answer))
}

/// `GET /fhir/ServiceRequest/{id}`: the referral and its current status.
async fn read_service_request(
    State(state): State<AppState>,
    Client(client): Client,
    Negotiated(format): Negotiated,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let (referral, person, _, pcn) = state
        .app
        .api_referral(&client, parse_referral_id(&id)?)
        .await?;
    let needs = state.app.all_needs().await?;
    let code = state.app.clinical_code(CodePurpose::Referral).await?;
    Ok(respond(
        StatusCode::OK,
        format,
        &resources::service_request(
            &referral,
            &person,
            &pcn,
            &client.organisation,
            &needs,
            &code,
        ),
    ))
}

/// `GET /fhir/Task/{id}`: what the team has done with the referral of the
/// same id.
async fn read_task(
    State(state): State<AppState>,
    Client(client): Client,
    Negotiated(format): Negotiated,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let (referral, person, _, pcn) = state
        .app
        .api_referral(&client, parse_referral_id(&id)?)
        .await?;
    let declined = state.app.clinical_code(CodePurpose::Declined).await?;
    let mut task = resources::task(&referral, &person, &pcn, &client.organisation, &declined);
    let mut outputs = Vec::new();
    if let Some(at) = referral.intervention_received_at {
        outputs.push(resources::intervention_received_output(at));
    }
    if referral.status == linkwork_domain::referral::ReferralStatus::Discharged {
        // The closed loop's last step: the Task points at the summary.
        outputs.push(resources::discharge_summary_output(referral.id));
    }
    if !outputs.is_empty() {
        task = task.with("output", format::Node::List(outputs));
    }
    Ok(respond(StatusCode::OK, format, &task))
}

/// `GET /fhir/Bundle/{id}`: the discharge summary of the referral of the
/// same id, as a document Bundle, for the system that made the referral.
async fn read_discharge_summary(
    State(state): State<AppState>,
    Client(client): Client,
    Negotiated(format): Negotiated,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let summary = state
        .app
        .gp_summary_for_client(&client, parse_referral_id(&id)?)
        .await?;
    Ok(respond(
        StatusCode::OK,
        format,
        &discharge_summary::document(&summary),
    ))
}

/// A searchset Bundle of `resources`.
fn searchset(base: &str, kind: &str, resources: Vec<(String, Resource)>) -> Resource {
    let total = resources.len();
    Resource::new("Bundle")
        .with("type", format::Node::str("searchset"))
        .with(
            "total",
            format::Node::Prim(format::Prim::Num(total.to_string())),
        )
        .with(
            "entry",
            format::Node::List(
                resources
                    .into_iter()
                    .map(|(id, r)| {
                        format::object(vec![
                            (
                                "fullUrl",
                                Some(format::Node::str(format!("{base}/{kind}/{id}"))),
                            ),
                            ("resource", Some(format::Node::Resource(Box::new(r)))),
                        ])
                    })
                    .collect(),
            ),
        )
}

/// `GET /fhir/Questionnaire`: every outcome measure offered.
async fn search_questionnaires(
    State(state): State<AppState>,
    Negotiated(format): Negotiated,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&state, &headers);
    let all = state
        .app
        .measures()
        .iter()
        .map(|d| (d.code.clone(), questionnaires::questionnaire(&base, d)))
        .collect();
    respond(
        StatusCode::OK,
        format,
        &searchset(&base, "Questionnaire", all),
    )
}

async fn read_questionnaire(
    State(state): State<AppState>,
    Negotiated(format): Negotiated,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, FhirError> {
    let definition = state.app.measure(&code)?;
    Ok(respond(
        StatusCode::OK,
        format,
        &questionnaires::questionnaire(&base_url(&state, &headers), definition),
    ))
}

#[derive(Debug, serde::Deserialize)]
struct BasedOn {
    #[serde(rename = "based-on")]
    based_on: Option<String>,
}

/// `GET /fhir/QuestionnaireResponse?based-on=ServiceRequest/{id}`: the
/// questionnaires of a referral the client made.
async fn search_questionnaire_responses(
    State(state): State<AppState>,
    Client(client): Client,
    Negotiated(format): Negotiated,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<BasedOn>,
) -> Result<Response, FhirError> {
    let reference = q.based_on.unwrap_or_default();
    let id = reference
        .strip_prefix("ServiceRequest/")
        .unwrap_or(&reference);
    let id = id.parse().map_err(|_| {
        FhirError::structure(
            "Search by the referral: based-on=ServiceRequest/{id}",
            Some("based-on"),
        )
    })?;
    let responses = state.app.responses_for_client(&client, id).await?;
    let base = base_url(&state, &headers);
    let found = responses
        .iter()
        .filter_map(|r| {
            let d = state.app.measure(&r.measure).ok()?;
            Some((
                r.id.to_string(),
                questionnaires::questionnaire_response(&base, d, r),
            ))
        })
        .collect();
    Ok(respond(
        StatusCode::OK,
        format,
        &searchset(&base, "QuestionnaireResponse", found),
    ))
}

/// `POST /fhir/QuestionnaireResponse`: scored and recorded on the referral
/// it is based on; answered with the response as recorded, scores and all.
async fn create_questionnaire_response(
    State(state): State<AppState>,
    Client(client): Client,
    Negotiated(format): Negotiated,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, FhirError> {
    let value = read_body(&headers, &body)?;
    let posted = questionnaires::read_posted(&value, state.app.measures())?;
    let response = state
        .app
        .record_response_from_client(
            &client,
            posted.referral,
            &posted.measure,
            posted.occasion,
            posted.answers,
        )
        .await?;
    let definition = state.app.measure(&response.measure)?;
    Ok(respond(
        StatusCode::CREATED,
        format,
        &questionnaires::questionnaire_response(&base_url(&state, &headers), definition, &response),
    ))
}
