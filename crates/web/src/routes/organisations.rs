//! Organisations: the admin list, creating one, and an organisation's page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_app::admin::Caller;
use linkwork_app::sso::SsoSummary;
use linkwork_app::{AppError, Principal};
use linkwork_domain::OrgId;
use linkwork_domain::organisation::{NewOrganisationInput, OrgKind, Organisation};
use linkwork_domain::role::Permission;
use linkwork_domain::sso::{ACCOUNT_CLAIMS, SsoSettingsInput};
use linkwork_domain::user::{User, UserStatus};
use linkwork_domain::validation::ValidationErrors;
use linkwork_storage::{PageRequest, UserFilter};
use serde::Deserialize;

use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::state::AppState;

pub struct OrgRow {
    pub org: Organisation,
    pub parent: String,
}

#[derive(Template)]
#[template(path = "admin/organisations.html")]
struct OrganisationsPage {
    page: PageCtx,
    rows: Vec<OrgRow>,
}

fn name_in(orgs: &[Organisation], id: Option<OrgId>) -> String {
    id.and_then(|id| orgs.iter().find(|o| o.id == id))
        .map(|o| o.name.clone())
        .unwrap_or_default()
}

pub async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
) -> WebResult<Response> {
    let orgs = state
        .app
        .admin_organisations(Caller::User(&principal))
        .await?;
    let rows = orgs
        .iter()
        .map(|org| OrgRow {
            parent: name_in(&orgs, org.parent_id),
            org: org.clone(),
        })
        .collect();
    render(&OrganisationsPage {
        page: page.title("Organisations"),
        rows,
    })
}

#[derive(Template)]
#[template(path = "admin/organisation_new.html")]
struct NewOrganisationPage {
    page: PageCtx,
    name: Input,
    kind: ChoiceField,
    parent_id: ChoiceField,
    code: Input,
}

#[derive(Debug, Deserialize, Default)]
pub struct NewOrganisationForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    code: String,
}

async fn new_page(
    state: &AppState,
    principal: &Principal,
    page: PageCtx,
    form: &NewOrganisationForm,
    errors: &ValidationErrors,
) -> WebResult<NewOrganisationPage> {
    let orgs = state
        .app
        .admin_organisations(Caller::User(principal))
        .await?;
    Ok(NewOrganisationPage {
        page: page.title("Add an organisation").errors(errors),
        name: Input::new("name", "Name").value(form.name.clone()).errors(errors),
        kind: ChoiceField::new(
            "kind",
            "Kind of organisation",
            OrgKind::ALL
                .into_iter()
                .filter(|k| *k != OrgKind::Icb)
                .map(|k| Choice::new(k.code(), k.label(), form.kind == k.code()))
                .collect(),
        )
        .errors(errors),
        parent_id: ChoiceField::new(
            "parent_id",
            "Belongs to",
            orgs.iter()
                .filter(|o| matches!(o.kind, OrgKind::Icb | OrgKind::Pcn))
                .map(|o| Choice::new(o.id.to_string(), format!("{} ({})", o.name, o.kind.label()), form.parent_id == o.id.to_string()))
                .collect(),
        )
        .hint("A practice belongs to a Primary Care Network; networks and community organisations belong to an Integrated Care Board")
        .placeholder("Select an organisation")
        .errors(errors),
        code: Input::new("code", "ODS code or charity number (optional)")
            .hint("For example, F84001")
            .width("nhsuk-input--width-10")
            .value(form.code.clone())
            .errors(errors),
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
) -> WebResult<Response> {
    principal.require(Permission::ManageOrganisations)?;
    render(
        &new_page(
            &state,
            &principal,
            page,
            &NewOrganisationForm::default(),
            &ValidationErrors::new(),
        )
        .await?,
    )
}

pub async fn create(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Form(form): Form<NewOrganisationForm>,
) -> WebResult<Response> {
    principal.require(Permission::ManageOrganisations)?;
    let input = NewOrganisationInput {
        name: form.name.clone(),
        kind: form.kind.clone(),
        code: form.code.clone(),
    };
    let parent = match form.parent_id.trim() {
        "" => None,
        raw => match raw.parse::<OrgId>() {
            Ok(id) => Some(id),
            Err(_) => {
                let errors = ValidationErrors::single(
                    "parent_id",
                    "Select the organisation this one belongs to",
                );
                let body = new_page(&state, &principal, page, &form, &errors).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response());
            }
        },
    };
    match state
        .app
        .create_organisation(Caller::User(&principal), &input, parent)
        .await
    {
        Ok(org) => {
            Ok(Redirect::to(&format!("/organisations/{}?done=created", org.id)).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let body = new_page(&state, &principal, page, &form, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
        Err(AppError::Conflict(message)) => {
            let errors = ValidationErrors::single("code", message);
            let body = new_page(&state, &principal, page, &form, &errors).await?;
            Ok((StatusCode::CONFLICT, render(&body)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    page: PageCtx,
    org: Organisation,
    parent: Option<Organisation>,
    children: Vec<Organisation>,
    /// Shown to admins only.
    members: Option<Vec<User>>,
    /// Shown to those who may change them.
    sign_in: Option<linkwork_storage::OrgSignIn>,
    sso: Option<SsoForm>,
}

#[derive(Debug, Deserialize, Default)]
pub struct OrganisationQuery {
    done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<OrganisationQuery>,
) -> WebResult<Response> {
    let id: OrgId = id.parse().map_err(|_| WebError::NotFound)?;
    let body =
        organisation_page(&state, page, &principal, id, None, &ValidationErrors::new()).await?;
    let notice = match query.done.as_deref() {
        Some("created") => Some(format!("{} has been added.", body.org.name)),
        Some("sign_in") => Some("The sign-in settings have been saved.".to_owned()),
        _ => None,
    };
    render(&OrganisationPage {
        page: body.page.notice(notice),
        ..body
    })
}

/// The organisation's page with the single sign-on form as typed, and
/// what was wrong with it.
pub async fn render_with_sso_errors(
    state: &AppState,
    page: PageCtx,
    principal: &Principal,
    id: OrgId,
    typed: &SsoSettingsInput,
    errors: &ValidationErrors,
) -> WebResult<Response> {
    let body = organisation_page(state, page, principal, id, Some(typed), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
}

async fn organisation_page(
    state: &AppState,
    page: PageCtx,
    principal: &Principal,
    id: OrgId,
    typed: Option<&SsoSettingsInput>,
    errors: &ValidationErrors,
) -> WebResult<OrganisationPage> {
    let org = state.app.view_organisation(principal, id).await?;
    let store = &state.app.store;
    let parent = match org.parent_id {
        Some(p) => store.organisation(p).await.map_err(AppError::from)?,
        None => None,
    };
    let children = store
        .list_organisations(Some(org.id))
        .await
        .map_err(AppError::from)?
        .into_iter()
        .filter(|o| o.parent_id == Some(org.id))
        .collect();
    let members = if principal.can(Permission::ManageUsers) {
        let filter = UserFilter {
            org_id: Some(org.id),
            ..Default::default()
        };
        Some(
            state
                .app
                .admin_list_users(principal, filter, PageRequest::new(1, 200))
                .await?
                .items,
        )
    } else {
        None
    };
    let (sign_in, sso) = if principal.can(Permission::ManageOrganisations) {
        let caller = Caller::User(principal);
        let settings = state.app.org_sign_in_settings(caller, org.id).await?;
        let summary = state.app.org_sso(caller, org.id).await?;
        (
            Some(settings),
            Some(SsoForm::new(summary.as_ref(), typed, errors)),
        )
    } else {
        (None, None)
    };
    Ok(OrganisationPage {
        page: page.title(org.name.clone()).errors(errors),
        org,
        parent,
        children,
        members,
        sign_in,
        sso,
    })
}

/// The single sign-on form: what is stored (never the secret), or what
/// was typed.
pub struct SsoForm {
    pub configured: bool,
    pub issuer: Input,
    pub client_id: Input,
    pub client_secret: Input,
    pub claim: ChoiceField,
    pub email_domain: Input,
}

impl SsoForm {
    fn new(
        stored: Option<&SsoSummary>,
        typed: Option<&SsoSettingsInput>,
        errors: &ValidationErrors,
    ) -> SsoForm {
        let value = |typed_value: Option<&String>, stored_value: Option<&String>| {
            typed_value.or(stored_value).cloned().unwrap_or_default()
        };
        let claim = value(typed.map(|t| &t.claim), stored.map(|s| &s.claim));
        let claim = if claim.is_empty() {
            "email".to_owned()
        } else {
            claim
        };
        SsoForm {
            configured: stored.is_some(),
            issuer: Input::new("issuer", "Issuer address")
                .hint("From your identity provider, for example https://login.microsoftonline.com/your-tenant-id/v2.0")
                .value(value(typed.map(|t| &t.issuer), stored.map(|s| &s.issuer)))
                .errors(errors),
            client_id: Input::new("client_id", "Client ID")
                .value(value(typed.map(|t| &t.client_id), stored.map(|s| &s.client_id)))
                .errors(errors),
            client_secret: Input::new("client_secret", "Client secret")
                .kind("password")
                .autocomplete("off")
                .hint(if stored.is_some() {
                    "A secret is saved. Leave this blank to keep it; it is never shown again"
                } else {
                    "It is kept encrypted and never shown again"
                })
                .errors(errors),
            claim: ChoiceField::new(
                "claim",
                "Claim holding the person's email address",
                ACCOUNT_CLAIMS
                    .iter()
                    .map(|c| Choice::new(*c, *c, *c == claim))
                    .collect(),
            )
            .hint("It must match the email address of their Linkwork account")
            .errors(errors),
            email_domain: Input::new("email_domain", "Staff email domain")
                .hint("People type their work email address to find this sign-in, for example riverside.nhs.uk")
                .value(value(
                    typed.map(|t| &t.email_domain),
                    stored.map(|s| &s.email_domain),
                ))
                .errors(errors),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SecondFactorPolicyForm {
    require_second_factor: Option<String>,
}

/// An admin turns "a second factor for everyone" on or off.
pub async fn set_second_factor_policy(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(input): Form<SecondFactorPolicyForm>,
) -> WebResult<Response> {
    let id: OrgId = id.parse().map_err(|_| WebError::NotFound)?;
    state
        .app
        .set_second_factor_requirement(
            Caller::User(&principal),
            id,
            input.require_second_factor.is_some(),
        )
        .await?;
    Ok(Redirect::to(&format!("/organisations/{id}?done=sign_in")).into_response())
}
