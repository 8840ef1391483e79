//! Signing in through the organisation's identity provider (OpenID
//! Connect), and an admin setting it up on the organisation's page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use linkwork_app::AppError;
use linkwork_app::accounts::ClientInfo;
use linkwork_app::admin::Caller;
use linkwork_app::sso::SsoError;
use linkwork_domain::OrgId;
use linkwork_domain::sso::SsoSettingsInput;
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;

use crate::client::ClientAddr;
use crate::error::{WebError, WebResult};
use crate::forms::Input;
use crate::page::{CurrentUser, PageCtx, render};
use crate::session::safe_return_path;
use crate::state::AppState;

const CALLBACK: &str = "/login/sso/callback";

#[derive(Template)]
#[template(path = "sso_start.html")]
struct StartPage {
    page: PageCtx,
    email: Input,
    next: String,
}

/// A link, not a redirect: the sign-in form's Content-Security-Policy
/// (`form-action 'self'`) rightly stops a form submission being
/// redirected to another site, and the person sees where they are going.
#[derive(Template)]
#[template(path = "sso_continue.html")]
struct ContinuePage {
    page: PageCtx,
    provider_host: String,
    authorize_url: String,
}

#[derive(Template)]
#[template(path = "sso_refused.html")]
struct RefusedPage {
    page: PageCtx,
    reason: String,
}

fn start_page(page: PageCtx, email: &str, next: &str, errors: &ValidationErrors) -> StartPage {
    StartPage {
        page: page.title("Sign in with your organisation").errors(errors),
        email: Input::new("email", "Your work email address")
            .kind("email")
            .autocomplete("username")
            .hint("We use it to find your organisation's sign-in")
            .value(email)
            .errors(errors),
        next: next.to_owned(),
    }
}

/// Where the provider sends the browser back: the configured public
/// address, else the address this request came to.
fn redirect_uri(state: &AppState, headers: &HeaderMap) -> String {
    match &state.app.settings.public_url {
        Some(base) => format!("{}{CALLBACK}", base.trim_end_matches('/')),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}{CALLBACK}")
        }
    }
}

fn client_info(client: ClientAddr, headers: &HeaderMap) -> ClientInfo {
    ClientInfo {
        ip: client.0,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect()),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn show(page: PageCtx, Query(query): Query<NextQuery>) -> WebResult<Response> {
    let next = safe_return_path(query.next.as_deref());
    render(&start_page(page, "", &next, &ValidationErrors::new()))
}

#[derive(Debug, Deserialize)]
pub struct StartForm {
    #[serde(default)]
    email: String,
    next: Option<String>,
}

/// Finds the organisation by the address's domain and offers the way to
/// its provider, remembering the state, nonce and PKCE verifier in a
/// sealed cookie.
pub async fn start(
    State(state): State<AppState>,
    page: PageCtx,
    headers: HeaderMap,
    jar: CookieJar,
    Form(input): Form<StartForm>,
) -> WebResult<Response> {
    let next = safe_return_path(input.next.as_deref());
    let uri = redirect_uri(&state, &headers);
    match state.app.start_sso(&input.email, &uri, &next).await {
        Ok(started) => {
            let cookie = state.cookies.build(state.cookies.sso, started.pending);
            let provider_host = url::Url::parse(&started.authorize_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default();
            let body = render(&ContinuePage {
                page: page.title("Continue to your organisation's sign-in"),
                provider_host,
                authorize_url: started.authorize_url,
            })?;
            Ok((jar.add(cookie), body).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let body = render(&start_page(page, &input.email, &next, &errors))?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn refused(page: PageCtx, reason: String) -> WebResult<Response> {
    let body = render(&RefusedPage {
        page: page.title("You cannot sign in to Linkwork this way"),
        reason,
    })?;
    Ok((StatusCode::FORBIDDEN, body).into_response())
}

/// The provider sends the browser back here with a code (or an error).
pub async fn callback(
    State(state): State<AppState>,
    page: PageCtx,
    Extension(client): Extension<ClientAddr>,
    headers: HeaderMap,
    jar: CookieJar,
    Query(query): Query<CallbackQuery>,
) -> WebResult<Response> {
    let pending = jar.get(state.cookies.sso).map(|c| c.value().to_owned());
    let jar = jar.remove(Cookie::build((state.cookies.sso, "")).path("/").build());
    let (Some(code), Some(returned_state)) = (query.code, query.state) else {
        let reason = match query.error.as_deref() {
            Some("access_denied") => "Signing in with your organisation was cancelled.",
            _ => "Your organisation's sign-in did not finish. Start again.",
        };
        return Ok((jar, refused(page, reason.to_owned())?).into_response());
    };
    let uri = redirect_uri(&state, &headers);
    match state
        .app
        .finish_sso(
            pending.as_deref(),
            &returned_state,
            &code,
            &uri,
            &client_info(client, &headers),
        )
        .await
    {
        Ok((signed_in, next)) => {
            let cookie = state.cookies.build(state.cookies.session, signed_in.token);
            let next = safe_return_path(Some(&next));
            Ok((jar.add(cookie), Redirect::to(&next)).into_response())
        }
        Err(SsoError::Refused(reason)) => Ok((jar, refused(page, reason)?).into_response()),
        Err(SsoError::App(e)) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    claim: String,
    #[serde(default)]
    email_domain: String,
    /// "Turn off" rather than save.
    remove: Option<String>,
}

/// An admin sets up (or turns off) single sign-on for an organisation.
pub async fn save_settings(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(input): Form<SettingsForm>,
) -> WebResult<Response> {
    let id: OrgId = id.parse().map_err(|_| WebError::NotFound)?;
    let caller = Caller::User(&principal);
    let saved = if input.remove.is_some() {
        state.app.remove_org_sso(caller, id).await
    } else {
        let typed = SsoSettingsInput {
            issuer: input.issuer,
            client_id: input.client_id,
            client_secret: input.client_secret,
            claim: input.claim,
            email_domain: input.email_domain,
        };
        match state.app.set_org_sso(caller, id, &typed).await {
            Err(AppError::Invalid(errors)) => {
                return super::organisations::render_with_sso_errors(
                    &state, page, &principal, id, &typed, &errors,
                )
                .await;
            }
            other => other,
        }
    };
    saved?;
    Ok(Redirect::to(&format!("/organisations/{id}?done=sign_in")).into_response())
}
