//! API tokens: an admin issues one per system that sends referrals for an
//! organisation (shown once), and revokes it when it is no longer needed.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_app::admin::Caller;
use linkwork_app::{AppError, Principal};
use linkwork_domain::ApiTokenId;
use linkwork_domain::api_token::ApiToken;
use linkwork_domain::organisation::Organisation;
use linkwork_domain::role::Permission;
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;

use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::referral_views::when;
use crate::state::AppState;

pub struct TokenRow {
    pub token: ApiToken,
    pub organisation: String,
    pub created: String,
    pub last_used: String,
}

#[derive(Template)]
#[template(path = "admin/api_tokens.html")]
struct TokensPage {
    page: PageCtx,
    rows: Vec<TokenRow>,
    org_id: ChoiceField,
    name: Input,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    org_id: String,
    name: String,
}

async fn tokens_page(
    state: &AppState,
    principal: &Principal,
    page: PageCtx,
    form: &TokenForm,
    errors: &ValidationErrors,
) -> WebResult<TokensPage> {
    let app = &state.app;
    let tokens = app.api_tokens(principal).await?;
    let orgs: Vec<Organisation> = app.admin_organisations(Caller::User(principal)).await?;
    Ok(TokensPage {
        page: page.title("API tokens").errors(errors),
        rows: tokens
            .into_iter()
            .map(|(token, org)| TokenRow {
                organisation: org.name,
                created: format!("{} by {}", when(token.created_at), token.created_by),
                last_used: token
                    .last_used_at
                    .map(when)
                    .unwrap_or_else(|| "Never".into()),
                token,
            })
            .collect(),
        org_id: ChoiceField::new(
            "org_id",
            "Organisation",
            orgs.iter()
                .map(|o| {
                    Choice::new(
                        o.id.to_string(),
                        format!("{} ({})", o.name, o.kind.label()),
                        form.org_id == o.id.to_string(),
                    )
                })
                .collect(),
        )
        .hint(
            "Referrals sent with the token are this organisation's: its referrers can follow them",
        )
        .placeholder("Select an organisation")
        .errors(errors),
        name: Input::new("name", "What will use the token?")
            .hint("For example, EMIS referral bridge or Riverside Hospital discharge system")
            .value(form.name.clone())
            .errors(errors),
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct DoneQuery {
    revoked: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(query): Query<DoneQuery>,
) -> WebResult<Response> {
    principal.require(Permission::ManageApiTokens)?;
    let mut body = tokens_page(
        &state,
        &principal,
        page,
        &TokenForm::default(),
        &ValidationErrors::new(),
    )
    .await?;
    // The query names the token by id; its name comes from the list, so
    // no text from the address is ever shown as if Linkwork said it.
    let revoked: Option<ApiTokenId> = query.revoked.and_then(|id| id.parse().ok());
    body.page.notice = body
        .rows
        .iter()
        .find(|row| Some(row.token.id) == revoked && !row.token.is_active())
        .map(|row| {
            format!(
                "The token \"{}\" has been revoked. Calls with it are refused.",
                row.token.name
            )
        });
    render(&body)
}

#[derive(Template)]
#[template(path = "admin/api_token_issued.html")]
struct IssuedPage {
    page: PageCtx,
    name: String,
    organisation: String,
    secret: String,
    base_url: String,
}

pub async fn issue(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Form(form): Form<TokenForm>,
) -> WebResult<Response> {
    principal.require(Permission::ManageApiTokens)?;
    match state
        .app
        .issue_api_token(&principal, &form.org_id, &form.name)
        .await
    {
        Ok(issued) => {
            let organisation = state
                .app
                .store
                .organisation(issued.token.org_id)
                .await
                .map_err(AppError::from)?
                .map(|o| o.name)
                .unwrap_or_default();
            render(&IssuedPage {
                page: page.title("API token issued"),
                name: issued.token.name,
                organisation,
                secret: issued.secret,
                base_url: state.app.settings.public_base_url(),
            })
        }
        Err(AppError::Invalid(errors)) => {
            let body = tokens_page(&state, &principal, page, &form, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id: ApiTokenId = id.parse().map_err(|_| WebError::NotFound)?;
    let token = state.app.revoke_api_token(&principal, id).await?;
    Ok(Redirect::to(&format!("/admin/api-tokens?revoked={}", token.id)).into_response())
}
