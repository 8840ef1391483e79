//! The one web error type. A handler returns `WebError`; the layer of the
//! router it belongs to renders it, as an NHS.UK error page for pages or as
//! JSON with a stable code for APIs. Internals of a 500 are logged with a
//! reference the user can quote, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use linkwork_app::AppError;
use linkwork_app::accounts::SignInError;
use linkwork_domain::validation::ValidationErrors;
use serde::Serialize;

#[derive(Debug, Clone)]
pub enum WebError {
    /// Not signed in (APIs); pages redirect to the login page instead.
    Unauthenticated,
    Forbidden,
    NotFound,
    /// The form's CSRF token was missing or wrong.
    CsrfRejected,
    BadRequest(String),
    /// A query parameter of an API request is not usable.
    BadParameter {
        parameter: &'static str,
        message: String,
    },
    /// Input failed validation; the API lists each field's problem.
    Invalid(ValidationErrors),
    Conflict(String),
    TooManyRequests(String),
    /// The database is unreachable or failed.
    Unavailable,
    /// Too much is being asked at once: try again after a pause.
    Busy {
        retry_after_seconds: u32,
    },
    /// Anything else. The detail is logged, not shown.
    Internal(String),
}

/// What the rendering layers need, carried in the response's extensions.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub error: WebError,
    /// Quoted to users so a 500 can be found in the logs.
    pub reference: String,
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Unauthenticated => StatusCode::UNAUTHORIZED,
            WebError::Forbidden | WebError::CsrfRejected => StatusCode::FORBIDDEN,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) | WebError::BadParameter { .. } => StatusCode::BAD_REQUEST,
            WebError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Unavailable | WebError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable, documented codes for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            WebError::Unauthenticated => "unauthenticated",
            WebError::Forbidden => "forbidden",
            WebError::NotFound => "not_found",
            WebError::CsrfRejected => "csrf_token_invalid",
            WebError::BadRequest(_) => "bad_request",
            WebError::BadParameter { .. } => "invalid_parameter",
            WebError::Invalid(_) => "validation_failed",
            WebError::Conflict(_) => "conflict",
            WebError::TooManyRequests(_) => "too_many_requests",
            WebError::Unavailable => "service_unavailable",
            WebError::Busy { .. } => "busy",
            WebError::Internal(_) => "internal_error",
        }
    }

    /// What the user is told, in plain English.
    pub fn message(&self) -> String {
        match self {
            WebError::Unauthenticated => "Sign in to continue.".into(),
            WebError::Forbidden => "You do not have permission to see this page.".into(),
            WebError::NotFound => "Page not found.".into(),
            WebError::CsrfRejected => {
                "This form could not be accepted because it has expired. Go back, refresh the page and try again."
                    .into()
            }
            WebError::BadRequest(m) | WebError::Conflict(m) | WebError::TooManyRequests(m) => m.clone(),
            WebError::BadParameter { parameter, message } => format!("{parameter}: {message}"),
            WebError::Invalid(errors) => errors
                .errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or_else(|| "The request was not valid.".into()),
            WebError::Unavailable => "The service is unavailable. Try again later.".into(),
            WebError::Busy { retry_after_seconds } => format!(
                "The service is busy. Try again in {retry_after_seconds} seconds."
            ),
            WebError::Internal(_) => "Sorry, there is a problem with the service. Try again later.".into(),
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        WebError::Internal(e.to_string())
    }

    /// How long the client should wait before trying again, when it should.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            WebError::Busy {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    /// Adds `Retry-After` to a response rendered for this error, when the
    /// error asks the client to wait.
    pub fn add_retry_after(&self, response: &mut Response) {
        if let Some(seconds) = self.retry_after() {
            retry_after(response, seconds);
        }
    }
}

/// Tells the client to wait `seconds` before trying again.
pub fn retry_after(response: &mut Response, seconds: u32) {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Forbidden => WebError::Forbidden,
            AppError::NotFound(_) => WebError::NotFound,
            AppError::Invalid(errors) => WebError::Invalid(errors),
            AppError::Conflict(message) => WebError::Conflict(message),
            AppError::Busy {
                retry_after_seconds,
            } => WebError::Busy {
                retry_after_seconds,
            },
            AppError::Storage(e) => {
                tracing::error!(error = %e, "storage failure");
                WebError::Unavailable
            }
            other => WebError::internal(other),
        }
    }
}

impl From<SignInError> for WebError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::App(app) => app.into(),
            other => WebError::BadRequest(other.to_string()),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::internal(format!("template: {e}"))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        match &self {
            WebError::Internal(detail) => tracing::error!(reference, detail, "internal error"),
            WebError::Unavailable => tracing::error!(reference, "service unavailable"),
            _ => {}
        }
        let status = self.status();
        let mut response = status.into_response();
        self.add_retry_after(&mut response);
        response.extensions_mut().insert(ErrorInfo {
            error: self,
            reference,
        });
        response
    }
}

/// The JSON body of an API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiErrorDetail {
    /// Stable: unauthenticated, forbidden, not_found, invalid_parameter,
    /// validation_failed, conflict, too_many_requests, service_unavailable,
    /// busy, internal_error …
    pub code: &'static str,
    pub message: String,
    /// The query parameter at fault, for `invalid_parameter`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<&'static str>,
    /// Each invalid field and why, for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<FieldErrorSchema>)]
    pub fields: Vec<linkwork_domain::validation::FieldError>,
    /// Quote this when reporting a problem.
    pub reference: String,
}

/// How `FieldError` appears in the OpenAPI document (the domain type
/// cannot implement utoipa's trait itself).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct FieldErrorSchema {
    /// The property, e.g. `person.nhs_number`.
    field: String,
    message: String,
}

impl ApiErrorBody {
    pub fn from_info(info: &ErrorInfo) -> Self {
        let fields = match &info.error {
            WebError::Invalid(errors) => errors.errors.clone(),
            _ => Vec::new(),
        };
        let parameter = match &info.error {
            WebError::BadParameter { parameter, .. } => Some(*parameter),
            _ => None,
        };
        ApiErrorBody {
            error: ApiErrorDetail {
                code: info.error.code(),
                message: info.error.message(),
                parameter,
                fields,
                reference: info.reference.clone(),
            },
        }
    }
}

pub type WebResult<T> = Result<T, WebError>;
