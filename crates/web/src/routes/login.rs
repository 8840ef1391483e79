//! Signing in and out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use linkwork_app::accounts::{ClientInfo, PendingSignIn, SignInError};
use linkwork_app::{AppError, Principal};
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;

use crate::client::ClientAddr;
use crate::error::{WebResult, retry_after};
use crate::forms::Input;
use crate::page::{CurrentUser, PageCtx, render};
use crate::session::safe_return_path;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: PageCtx,
    email: Input,
    password: Input,
    next: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    signed_out: Option<String>,
    password_set: Option<String>,
}

fn form(page: PageCtx, email: &str, next: &str, errors: &ValidationErrors) -> LoginPage {
    LoginPage {
        page: page.errors(errors),
        email: Input::new("email", "Email address")
            .kind("email")
            .autocomplete("username")
            .value(email)
            .errors(errors),
        password: Input::new("password", "Password")
            .kind("password")
            .autocomplete("current-password")
            .errors(errors),
        next: next.to_owned(),
    }
}

pub async fn show(
    page: PageCtx,
    principal: Option<Extension<Principal>>,
    pending: Option<Extension<PendingSignIn>>,
    Query(query): Query<LoginQuery>,
) -> WebResult<Response> {
    let next = safe_return_path(query.next.as_deref());
    if principal.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    if pending.is_some() {
        return Ok(Redirect::to(&second_factor_path(&next)).into_response());
    }
    let notice = if query.signed_out.is_some() {
        Some("You have logged out.".to_owned())
    } else if query.password_set.is_some() {
        Some("Your password has been set. You can now sign in.".to_owned())
    } else {
        None
    };
    render(&form(
        page.title("Sign in").notice(notice),
        "",
        &next,
        &ValidationErrors::new(),
    ))
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    page: PageCtx,
    Extension(client): Extension<ClientAddr>,
    headers: HeaderMap,
    jar: CookieJar,
    Form(input): Form<LoginForm>,
) -> WebResult<Response> {
    let next = safe_return_path(input.next.as_deref());
    let page = page.title("Sign in");
    let mut missing = ValidationErrors::new();
    if input.email.trim().is_empty() {
        missing.add("email", "Enter your email address");
    }
    if input.password.is_empty() {
        missing.add("password", "Enter your password");
    }
    if !missing.is_empty() {
        let fields = form(page, &input.email, &next, &missing);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&fields)?).into_response());
    }

    let client = ClientInfo {
        ip: client.0,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect()),
    };
    match state
        .app
        .sign_in(&input.email, &input.password, &client)
        .await
    {
        Ok(signed_in) => {
            let cookie = state.cookies.build(state.cookies.session, signed_in.token);
            let to = if signed_in.awaiting_second_factor {
                second_factor_path(&next)
            } else {
                next
            };
            Ok((jar.add(cookie), Redirect::to(&to)).into_response())
        }
        Err(SignInError::App(AppError::Busy {
            retry_after_seconds,
        })) => {
            let fields = form(
                page.error(
                    "Too many people are signing in at once. Wait a few seconds, then try again",
                ),
                &input.email,
                &next,
                &ValidationErrors::new(),
            );
            let mut response = (StatusCode::SERVICE_UNAVAILABLE, render(&fields)?).into_response();
            retry_after(&mut response, retry_after_seconds);
            Ok(response)
        }
        Err(SignInError::App(e)) => Err(e.into()),
        Err(refused) => {
            let status = match refused {
                SignInError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
                SignInError::Disabled | SignInError::NotActivated => StatusCode::FORBIDDEN,
                _ => StatusCode::UNAUTHORIZED,
            };
            let fields = form(
                page.error(refused.to_string()),
                &input.email,
                &next,
                &ValidationErrors::new(),
            );
            let mut response = (status, render(&fields)?).into_response();
            if let SignInError::Throttled { minutes } = refused {
                retry_after(&mut response, minutes.saturating_mul(60));
            }
            Ok(response)
        }
    }
}

/// The second step, bringing the page asked for along.
fn second_factor_path(next: &str) -> String {
    let path = super::second_factor::PATH;
    if next == "/" {
        path.to_owned()
    } else {
        let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
        format!("{path}?{query}")
    }
}

pub async fn logout(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    jar: CookieJar,
) -> WebResult<Response> {
    state.app.sign_out(&principal).await?;
    let removal = Cookie::build((state.cookies.session, "")).path("/").build();
    Ok((jar.remove(removal), Redirect::to("/login?signed_out=1")).into_response())
}
