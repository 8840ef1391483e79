//! Sessions: who is signed in, and sending everyone else to the login page.

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use linkwork_app::Principal;
use linkwork_app::accounts::{PendingSignIn, SessionState};

use crate::client::ClientAddr;
use crate::error::WebError;
use crate::state::AppState;

/// Puts the signed-in `Principal` (if any) into the request's extensions.
pub async fn load_principal(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    if let Some(cookie) = jar.get(state.cookies.session) {
        let ip = request
            .extensions()
            .get::<ClientAddr>()
            .and_then(|c| c.0.clone());
        match state.app.session(cookie.value(), ip).await {
            Ok(SessionState::SignedIn(principal)) => {
                request.extensions_mut().insert(principal);
            }
            Ok(SessionState::AwaitingSecondFactor(pending)) => {
                request.extensions_mut().insert(pending);
            }
            Ok(SessionState::None) => {}
            Err(e) => return WebError::from(e).into_response(),
        }
    }
    next.run(request).await
}

/// For pages that need a signed-in user: anyone else is sent to the login
/// page, which brings them back afterwards.
pub async fn require_principal(request: Request, next: Next) -> Response {
    if request.extensions().get::<Principal>().is_some() {
        return next.run(request).await;
    }
    // Half-way through signing in: nothing until the second factor.
    if request.extensions().get::<PendingSignIn>().is_some() {
        return Redirect::to(crate::routes::second_factor::PATH).into_response();
    }
    let back_to = if request.method() == Method::GET {
        request
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/")
    } else {
        "/"
    };
    let target = if back_to == "/" {
        "/login".to_owned()
    } else {
        format!("/login?next={}", urlencode(back_to))
    };
    Redirect::to(&target).into_response()
}

/// Only a path on this site may be returned to after sign-in, so the login
/// page cannot be used to send people elsewhere. Browsers strip tabs and
/// line breaks anywhere in a URL and read a backslash as a slash, so
/// `/\t/evil.example` is `//evil.example` to them: any control character,
/// space or backslash sends the user home instead. What is left is
/// resolved by the same (WHATWG) rules a browser uses and must stay on this
/// site as an absolute path; it is returned in its serialised form, so it
/// is always a valid `Location`.
pub fn safe_return_path(next: Option<&str>) -> String {
    const HOME: &str = "/";
    let Some(next) = next else {
        return HOME.to_owned();
    };
    if !next.starts_with('/')
        || next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return HOME.to_owned();
    }
    let base = url::Url::parse("http://linkwork.invalid/").expect("a valid base URL");
    match base.join(next) {
        Ok(resolved) if resolved.origin() == base.origin() => {
            let path = &resolved[url::Position::BeforePath..];
            // `/.//evil.example` resolves to the path `//evil.example`,
            // which as a `Location` would name another host.
            if path.starts_with("//") {
                HOME.to_owned()
            } else {
                path.to_owned()
            }
        }
        _ => HOME.to_owned(),
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|encoded| encoded.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(
            safe_return_path(Some("/admin/users?page=2")),
            "/admin/users?page=2"
        );
        assert_eq!(safe_return_path(Some("//evil.example")), "/");
        assert_eq!(safe_return_path(Some("https://evil.example")), "/");
        assert_eq!(safe_return_path(Some("/\\evil.example")), "/");
        assert_eq!(safe_return_path(Some("/\t/evil.example")), "/");
        assert_eq!(safe_return_path(Some("/\u{7f}")), "/");
        assert_eq!(safe_return_path(Some("/.//evil.example")), "/");
        assert_eq!(
            safe_return_path(Some("/people?q=Zoë")),
            "/people?q=Zo%C3%AB"
        );
        assert_eq!(safe_return_path(None), "/");
    }

    #[test]
    fn encodes_return_path() {
        assert_eq!(urlencode("/a b?x=1&y=2"), "%2Fa+b%3Fx%3D1%26y%3D2");
    }
}
