//! The second step of a password sign-in (a code from an authenticator
//! app, or a recovery code), setting an app up (while signing in, when an
//! account must have one, or from the account page) and removing it.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use linkwork_app::AppError;
use linkwork_app::accounts::{PendingSignIn, SignInError};
use linkwork_app::second_factor::{RecoveryCodes, SettingUp, SetupOffer};
use linkwork_domain::user::User;
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;

use crate::error::{WebResult, retry_after};
use crate::forms::Input;
use crate::page::{CurrentUser, PageCtx, render};
use crate::session::safe_return_path;
use crate::state::AppState;

pub const PATH: &str = "/login/second-factor";

#[derive(Template)]
#[template(path = "second_factor.html")]
struct CodePage {
    page: PageCtx,
    code: Input,
    next: String,
}

#[derive(Template)]
#[template(path = "second_factor_setup.html")]
struct SetupPage {
    page: PageCtx,
    email: String,
    offer: SetupOffer,
    code: Input,
    action: &'static str,
    next: String,
    signing_in: bool,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    page: PageCtx,
    codes: Vec<String>,
    next: String,
}

fn code_input(errors: &ValidationErrors, label: &str) -> Input {
    Input::new("code", label)
        .autocomplete("one-time-code")
        .width("nhsuk-input--width-10")
        .errors(errors)
}

fn code_page(page: PageCtx, next: &str, errors: &ValidationErrors) -> CodePage {
    CodePage {
        page: page.title("Enter your security code").errors(errors),
        code: code_input(errors, "Security code"),
        next: next.to_owned(),
    }
}

fn setup_page(
    page: PageCtx,
    user: &User,
    offer: SetupOffer,
    next: &str,
    signing_in: bool,
    errors: &ValidationErrors,
) -> SetupPage {
    SetupPage {
        page: page.title("Set up your authenticator app").errors(errors),
        email: user.email.to_string(),
        offer,
        code: code_input(errors, "Code from your authenticator app"),
        action: if signing_in {
            "/login/second-factor/set-up"
        } else {
            "/account/second-factor"
        },
        next: next.to_owned(),
        signing_in,
    }
}

fn recovery_codes(page: PageCtx, codes: RecoveryCodes, next: &str) -> WebResult<Response> {
    render(&RecoveryCodesPage {
        page: page.title("Your authenticator app is set up"),
        codes: codes.0,
        next: next.to_owned(),
    })
}

fn unprocessable(body: WebResult<Response>) -> WebResult<Response> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body?).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

/// The second step: the code, or setting an app up first if the account
/// has none. Anyone not half-way through signing in goes to the login page.
pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    pending: Option<Extension<PendingSignIn>>,
    Query(query): Query<NextQuery>,
) -> WebResult<Response> {
    let next = safe_return_path(query.next.as_deref());
    let Some(Extension(pending)) = pending else {
        return Ok(Redirect::to("/login").into_response());
    };
    let none = ValidationErrors::new();
    if pending.has_second_factor {
        render(&code_page(page, &next, &none))
    } else {
        let offer = state.app.offer_second_factor(&pending.user);
        render(&setup_page(page, &pending.user, offer, &next, true, &none))
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    next: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    page: PageCtx,
    pending: Option<Extension<PendingSignIn>>,
    Form(input): Form<CodeForm>,
) -> WebResult<Response> {
    let next = safe_return_path(input.next.as_deref());
    let Some(Extension(pending)) = pending else {
        return Ok(Redirect::to("/login").into_response());
    };
    if input.code.trim().is_empty() {
        let errors = ValidationErrors::single(
            "code",
            "Enter the 6-digit code from your authenticator app, or a recovery code",
        );
        return unprocessable(render(&code_page(page, &next, &errors)));
    }
    match state.app.give_second_factor(&pending, &input.code).await {
        Ok(()) => Ok(Redirect::to(&next).into_response()),
        Err(SignInError::App(e)) => Err(e.into()),
        Err(refused) => {
            let status = match refused {
                SignInError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNAUTHORIZED,
            };
            let errors = ValidationErrors::single("code", refused.to_string());
            let mut response = (status, render(&code_page(page, &next, &errors))?).into_response();
            if let SignInError::Throttled { minutes } = refused {
                retry_after(&mut response, minutes.saturating_mul(60));
            }
            Ok(response)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    sealed: String,
    #[serde(default)]
    code: String,
    next: Option<String>,
}

/// Setting an app up half-way through signing in, because the account
/// must have one.
pub async fn set_up_while_signing_in(
    State(state): State<AppState>,
    page: PageCtx,
    pending: Option<Extension<PendingSignIn>>,
    Form(input): Form<SetupForm>,
) -> WebResult<Response> {
    let next = safe_return_path(input.next.as_deref());
    let Some(Extension(pending)) = pending else {
        return Ok(Redirect::to("/login").into_response());
    };
    match state
        .app
        .confirm_second_factor(SettingUp::SigningIn(&pending), &input.sealed, &input.code)
        .await
    {
        Ok(codes) => recovery_codes(page, codes, &next),
        Err(AppError::Invalid(errors)) => {
            let offer = state
                .app
                .reoffer_second_factor(&pending.user, &input.sealed)
                .unwrap_or_else(|_| state.app.offer_second_factor(&pending.user));
            unprocessable(render(&setup_page(
                page,
                &pending.user,
                offer,
                &next,
                true,
                &errors,
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// Leaving half-way: the waiting session ends.
pub async fn cancel(
    State(state): State<AppState>,
    pending: Option<Extension<PendingSignIn>>,
) -> WebResult<Response> {
    if let Some(Extension(pending)) = pending {
        state.app.cancel_sign_in(&pending).await?;
    }
    Ok(Redirect::to("/login?signed_out=1").into_response())
}

/// Setting up (or replacing) an app from the account page.
pub async fn account_show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
) -> WebResult<Response> {
    let offer = state.app.offer_second_factor(&principal.user);
    render(&setup_page(
        page,
        &principal.user,
        offer,
        "/account",
        false,
        &ValidationErrors::new(),
    ))
}

pub async fn account_confirm(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Form(input): Form<SetupForm>,
) -> WebResult<Response> {
    match state
        .app
        .confirm_second_factor(SettingUp::SignedIn(&principal), &input.sealed, &input.code)
        .await
    {
        Ok(codes) => recovery_codes(page, codes, "/account?second_factor=set_up"),
        Err(AppError::Invalid(errors)) => {
            let offer = state
                .app
                .reoffer_second_factor(&principal.user, &input.sealed)
                .unwrap_or_else(|_| state.app.offer_second_factor(&principal.user));
            unprocessable(render(&setup_page(
                page,
                &principal.user,
                offer,
                "/account",
                false,
                &errors,
            )))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    removal_password: String,
}

pub async fn account_remove(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Form(input): Form<RemoveForm>,
) -> WebResult<Response> {
    match state
        .app
        .remove_own_second_factor(&principal, &input.removal_password)
        .await
    {
        Ok(()) => Ok(Redirect::to("/account?second_factor=removed").into_response()),
        Err(AppError::Invalid(errors)) => {
            let body = super::account::render_account(&state, page, principal, &errors).await;
            unprocessable(body)
        }
        Err(e) => Err(e.into()),
    }
}
