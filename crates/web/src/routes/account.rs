//! A user's own account, and setting a password from a one-time link.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use linkwork_app::AppError;
use linkwork_app::accounts::ClientInfo;
use linkwork_domain::user::{MIN_PASSWORD_CHARS, User};
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;

use crate::client::ClientAddr;
use crate::error::{WebError, WebResult};
use crate::forms::Input;
use crate::page::{CurrentUser, PageCtx, render};
use crate::state::AppState;

fn password_hint() -> String {
    format!(
        "Use {MIN_PASSWORD_CHARS} characters or more. A few unrelated words are easy to remember and hard to guess."
    )
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: PageCtx,
    user: User,
    organisation: String,
    current_password: Input,
    password: Input,
    confirm_password: Input,
    second_factor: SecondFactorStatus,
    removal_password: Input,
}

/// The account's second factor, as its page shows it.
struct SecondFactorStatus {
    set_up: bool,
    required: bool,
    recovery_codes_left: usize,
}

#[derive(Debug, Deserialize, Default)]
pub struct AccountQuery {
    changed: Option<String>,
    second_factor: Option<String>,
}

/// The account page with `errors` from one of its forms.
pub async fn render_account(
    state: &AppState,
    page: PageCtx,
    principal: linkwork_app::Principal,
    errors: &ValidationErrors,
) -> WebResult<Response> {
    render(&account_page(state, page, principal.user, errors).await?)
}

async fn account_page(
    state: &AppState,
    page: PageCtx,
    user: User,
    errors: &ValidationErrors,
) -> WebResult<AccountPage> {
    let second_factor = SecondFactorStatus {
        set_up: state.app.has_second_factor(&user).await?,
        required: state.app.second_factor_required(&user).await?,
        recovery_codes_left: state.app.recovery_codes_left(&user).await?,
    };
    let organisation = state
        .app
        .store
        .organisation(user.org_id)
        .await
        .map_err(AppError::from)?
        .map(|o| o.name)
        .unwrap_or_default();
    Ok(AccountPage {
        page: page.title("Your account").errors(errors),
        user,
        organisation,
        current_password: Input::new("current_password", "Current password")
            .kind("password")
            .autocomplete("current-password")
            .errors(errors),
        password: Input::new("password", "New password")
            .kind("password")
            .autocomplete("new-password")
            .hint(password_hint())
            .errors(errors),
        confirm_password: Input::new("confirm_password", "Confirm new password")
            .kind("password")
            .autocomplete("new-password")
            .errors(errors),
        second_factor,
        removal_password: Input::new("removal_password", "Your password")
            .kind("password")
            .autocomplete("current-password")
            .errors(errors),
    })
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(query): Query<AccountQuery>,
) -> WebResult<Response> {
    let notice = match (query.changed, query.second_factor.as_deref()) {
        (Some(_), _) => Some("Your password has been changed."),
        (_, Some("set_up")) => Some("Your authenticator app is set up."),
        (_, Some("removed")) => Some("Your authenticator app has been removed."),
        _ => None,
    };
    let page = page.notice(notice.map(str::to_owned));
    render(&account_page(&state, page, principal.user, &ValidationErrors::new()).await?)
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Form(input): Form<PasswordForm>,
) -> WebResult<Response> {
    match state
        .app
        .change_own_password(
            &principal,
            &input.current_password,
            &input.password,
            &input.confirm_password,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to("/account?changed=1").into_response()),
        Err(AppError::Invalid(errors)) => {
            let body = account_page(&state, page, principal.user, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage {
    page: PageCtx,
    token: String,
    email: String,
    first_time: bool,
    password: Input,
    confirm_password: Input,
}

#[derive(Template)]
#[template(path = "link_expired.html")]
struct LinkExpiredPage {
    page: PageCtx,
}

fn set_password_page(
    page: PageCtx,
    token: String,
    user: &User,
    first_time: bool,
    errors: &ValidationErrors,
) -> SetPasswordPage {
    SetPasswordPage {
        page: page
            .title(if first_time {
                "Set up your account"
            } else {
                "Choose a new password"
            })
            .errors(errors),
        token,
        email: user.email.to_string(),
        first_time,
        password: Input::new("password", "Create a password")
            .kind("password")
            .autocomplete("new-password")
            .hint(password_hint())
            .errors(errors),
        confirm_password: Input::new("confirm_password", "Confirm your password")
            .kind("password")
            .autocomplete("new-password")
            .errors(errors),
    }
}

fn link_expired(page: PageCtx) -> WebResult<Response> {
    let body = render(&LinkExpiredPage {
        page: page.title("This link has expired"),
    })?;
    Ok((StatusCode::GONE, body).into_response())
}

pub async fn setup_form(
    State(state): State<AppState>,
    page: PageCtx,
    Path(token): Path<String>,
) -> WebResult<Response> {
    match state.app.credential_link(&token).await? {
        Some((link, user)) => {
            let first_time = link.purpose == linkwork_domain::session::CredentialPurpose::Invite;
            render(&set_password_page(
                page,
                token,
                &user,
                first_time,
                &ValidationErrors::new(),
            ))
        }
        None => link_expired(page),
    }
}

#[derive(Debug, Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn setup_submit(
    State(state): State<AppState>,
    page: PageCtx,
    Path(token): Path<String>,
    Extension(client): Extension<ClientAddr>,
    headers: HeaderMap,
    Form(input): Form<SetPasswordForm>,
) -> WebResult<Response> {
    let client = ClientInfo {
        ip: client.0,
        user_agent: headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    match state
        .app
        .redeem_credential_link(&token, &input.password, &input.confirm_password, &client)
        .await
    {
        Ok(_) => Ok(Redirect::to("/login?password_set=1").into_response()),
        Err(AppError::Invalid(errors)) => match state.app.credential_link(&token).await? {
            Some((link, user)) => {
                let first_time =
                    link.purpose == linkwork_domain::session::CredentialPurpose::Invite;
                let body = set_password_page(page, token, &user, first_time, &errors);
                Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
            }
            None => link_expired(page),
        },
        Err(AppError::NotFound(_)) => link_expired(page),
        Err(e) => Err(WebError::from(e)),
    }
}
