//! Organisations: the admin list, creating one, and an organisation's page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_app::admin::Caller;
use linkwork_app::{AppError, Principal};
use linkwork_domain::OrgId;
use linkwork_domain::organisation::{NewOrganisationInput, OrgKind, Organisation};
use linkwork_domain::role::Permission;
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
    let org = state.app.view_organisation(&principal, id).await?;
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
                .admin_list_users(&principal, filter, PageRequest::new(1, 200))
                .await?
                .items,
        )
    } else {
        None
    };
    let sign_in = if principal.can(Permission::ManageOrganisations) {
        Some(
            state
                .app
                .org_sign_in_settings(Caller::User(&principal), org.id)
                .await?,
        )
    } else {
        None
    };
    let notice = match query.done.as_deref() {
        Some("created") => Some(format!("{} has been added.", org.name)),
        Some("sign_in") => Some("The sign-in settings have been saved.".to_owned()),
        _ => None,
    };
    render(&OrganisationPage {
        page: page.title(org.name.clone()).notice(notice),
        org,
        parent,
        children,
        members,
        sign_in,
    })
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
