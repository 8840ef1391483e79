//! Cross-site request forgery protection for every form.
//!
//! Signed-in users' forms carry their session's CSRF token. Before sign-in
//! (the login page, public forms) a random token is kept in a cookie and
//! repeated in the form (the double-submit pattern). Any POST, PUT, PATCH
//! or DELETE through the page routes without the matching token, as a
//! `csrf_token` form field or an `X-CSRF-Token` header, is refused before
//! its handler runs.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use linkwork_app::Principal;
use linkwork_app::secrets::{constant_time_eq, random_token};

use crate::error::WebError;
use crate::state::AppState;

/// The token the current page's forms must carry.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

pub const FIELD: &str = "csrf_token";
const HEADER: &str = "x-csrf-token";

/// The largest form body accepted on page routes.
pub const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

pub async fn protect(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    let (expected, new_cookie) = match request.extensions().get::<Principal>() {
        Some(principal) => (principal.csrf_token.clone(), None),
        None => match jar.get(state.cookies.csrf).map(|c| c.value().to_owned()) {
            Some(token) if token.len() >= 32 => (token, None),
            _ => {
                let token = random_token();
                (token.clone(), Some(token))
            }
        },
    };

    if !is_safe(request.method()) {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
            return WebError::BadRequest("The form was too large to send.".into()).into_response();
        };
        let submitted = parts
            .headers
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| form_field(&bytes, FIELD));
        let valid = submitted.is_some_and(|s| constant_time_eq(&s, &expected));
        if !valid {
            tracing::warn!(path = %parts.uri.path(), "form refused: CSRF token missing or wrong");
            return WebError::CsrfRejected.into_response();
        }
        request = Request::from_parts(parts, Body::from(bytes));
    }

    request.extensions_mut().insert(CsrfToken(expected));
    let mut response = next.run(request).await;
    if let Some(token) = new_cookie {
        let cookie = state.cookies.build(state.cookies.csrf, token);
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The value of `name` in a URL-encoded form body.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_token_among_repeated_fields() {
        let body = b"roles=admin&roles=referrer&csrf_token=abc%2Bdef&email=x";
        assert_eq!(form_field(body, FIELD).as_deref(), Some("abc+def"));
        assert_eq!(form_field(b"email=x", FIELD), None);
    }
}
