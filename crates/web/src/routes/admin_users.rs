//! Administration of user accounts.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_app::admin::Caller;
use linkwork_app::{AppError, Principal};
use linkwork_domain::UserId;
use linkwork_domain::calendar::uk_date;
use linkwork_domain::organisation::{OrgKind, Organisation};
use linkwork_domain::role::{Permission, Role};
use linkwork_domain::user::{NewUserInput, User, UserStatus};
use linkwork_domain::validation::ValidationErrors;
use linkwork_storage::{PageRequest, UserFilter};
use serde::Deserialize;

use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::pagination::Pagination;
use crate::referral_views::{long_date, when};
use crate::state::AppState;

const PER_PAGE: u32 = 25;

#[derive(Debug, Deserialize, Default, serde::Serialize)]
pub struct ListQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    q: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    role: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    status: String,
    #[serde(
        default,
        skip_serializing,
        deserialize_with = "linkwork_app::page_number::deserialize"
    )]
    page: Option<u32>,
}

pub struct UserRow {
    pub user: User,
    pub organisation: String,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    page: PageCtx,
    rows: Vec<UserRow>,
    total: u64,
    q: Input,
    role: ChoiceField,
    status: ChoiceField,
    pagination: Pagination,
}

fn role_choices(selected: &[Role]) -> Vec<Choice> {
    Role::ALL
        .into_iter()
        .map(|r| Choice::new(r.code(), r.label(), selected.contains(&r)).hint(role_hint(r)))
        .collect()
}

/// What the role does and, unless any organisation may hold it, whose staff
/// it is for, so an admin is not surprised by the check on saving.
fn role_hint(role: Role) -> String {
    let kinds = role.org_kinds();
    if kinds.len() == OrgKind::ALL.len() {
        return role.description().to_owned();
    }
    let names: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
    format!("{}. For staff of: {}", role.description(), names.join(", "))
}

fn org_names(orgs: &[Organisation]) -> impl Fn(linkwork_domain::OrgId) -> String + '_ {
    move |id| {
        orgs.iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    }
}

pub async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(query): Query<ListQuery>,
) -> WebResult<Response> {
    principal.require(Permission::ManageUsers)?;
    let role = query.role.parse::<Role>().ok();
    let status = query.status.parse::<UserStatus>().ok();
    let filter = UserFilter {
        text: Some(query.q.trim().to_owned()).filter(|t| !t.is_empty()),
        role,
        status,
        ..Default::default()
    };
    let results = state
        .app
        .admin_list_users(
            &principal,
            filter,
            PageRequest::new(query.page.unwrap_or(1), PER_PAGE),
        )
        .await?;
    let orgs = state
        .app
        .admin_organisations(Caller::User(&principal))
        .await
        .unwrap_or_default();
    let name_of = org_names(&orgs);
    let filters = serde_urlencoded::to_string(&query).unwrap_or_default();
    let pagination = Pagination::new(&results, "/admin/users", &filters);
    let total = results.total;
    let rows = results
        .items
        .into_iter()
        .map(|user| UserRow {
            organisation: name_of(user.org_id),
            user,
        })
        .collect();
    let statuses = [
        UserStatus::Active,
        UserStatus::Invited,
        UserStatus::Disabled,
    ]
    .into_iter()
    .map(|s| Choice::new(s.code(), s.label(), status == Some(s)))
    .collect();
    render(&UsersPage {
        page: page.title("Users"),
        rows,
        total,
        q: Input::new("q", "Name or email").value(query.q.clone()),
        role: ChoiceField::new(
            "role",
            "Role",
            Role::ALL
                .into_iter()
                .map(|r| Choice::new(r.code(), r.label(), role == Some(r)))
                .collect(),
        )
        .placeholder("Any role"),
        status: ChoiceField::new("status", "Status", statuses).placeholder("Any status"),
        pagination,
    })
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
struct NewUserPage {
    page: PageCtx,
    email: Input,
    display_name: Input,
    org_id: ChoiceField,
    roles: ChoiceField,
}

#[derive(Debug, Deserialize, Default)]
pub struct NewUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    roles: Vec<String>,
}

async fn new_user_page(
    state: &AppState,
    principal: &Principal,
    page: PageCtx,
    form: &NewUserForm,
    errors: &ValidationErrors,
) -> WebResult<NewUserPage> {
    let orgs = state
        .app
        .admin_organisations(Caller::User(principal))
        .await?;
    let selected_roles: Vec<Role> = form.roles.iter().filter_map(|r| r.parse().ok()).collect();
    Ok(NewUserPage {
        page: page.title("Invite a user").errors(errors),
        email: Input::new("email", "Email address")
            .kind("email")
            .hint("Their work email. They will use it to sign in.")
            .value(form.email.clone())
            .errors(errors),
        display_name: Input::new("display_name", "Full name")
            .value(form.display_name.clone())
            .autocomplete("off")
            .errors(errors),
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
        .placeholder("Select an organisation")
        .errors(errors),
        roles: ChoiceField::new("roles", "Roles", role_choices(&selected_roles))
            .hint("Select all that apply")
            .errors(errors),
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
) -> WebResult<Response> {
    principal.require(Permission::ManageUsers)?;
    let form = NewUserForm {
        org_id: principal.user.org_id.to_string(),
        ..Default::default()
    };
    render(&new_user_page(&state, &principal, page, &form, &ValidationErrors::new()).await?)
}

#[derive(Template)]
#[template(path = "admin/user_link.html")]
struct LinkPage {
    page: PageCtx,
    user: User,
    link: String,
    invited: bool,
    days: u32,
}

fn link_url(state: &AppState, token: &str) -> String {
    format!(
        "{}/account/setup/{token}",
        state.app.settings.public_base_url()
    )
}

pub async fn create(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Form(form): Form<NewUserForm>,
) -> WebResult<Response> {
    principal.require(Permission::ManageUsers)?;
    let input = NewUserInput {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        org_id: form.org_id.clone(),
        roles: form.roles.clone(),
    };
    match state
        .app
        .invite_user(Caller::User(&principal), &input)
        .await
    {
        Ok(invited) => render(&LinkPage {
            page: page.title("User invited"),
            link: link_url(&state, &invited.link_token),
            user: invited.user,
            invited: true,
            days: state.app.settings.session.credential_link_days,
        }),
        Err(AppError::Invalid(errors)) => {
            let body = new_user_page(&state, &principal, page, &form, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
        Err(AppError::Conflict(message)) => {
            let errors = ValidationErrors::single("email", message);
            let body = new_user_page(&state, &principal, page, &form, &errors).await?;
            Ok((StatusCode::CONFLICT, render(&body)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    page: PageCtx,
    user: User,
    /// On UK clocks.
    last_login: Option<String>,
    created: String,
    organisation: String,
    roles: ChoiceField,
    is_self: bool,
    has_second_factor: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct UserQuery {
    done: Option<String>,
}

fn parse_user_id(raw: &str) -> WebResult<UserId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

async fn user_page(
    state: &AppState,
    principal: &Principal,
    page: PageCtx,
    user: User,
    errors: &ValidationErrors,
) -> WebResult<UserPage> {
    let organisation = state
        .app
        .store
        .organisation(user.org_id)
        .await
        .map_err(AppError::from)?
        .map(|o| o.name)
        .unwrap_or_default();
    let current: Vec<Role> = user.roles.iter().collect();
    Ok(UserPage {
        page: page.title(user.display_name.clone()).errors(errors),
        organisation,
        roles: ChoiceField::new("roles", "Roles", role_choices(&current)).errors(errors),
        is_self: principal.user.id == user.id,
        has_second_factor: state.app.has_second_factor(&user).await?,
        last_login: user.last_login_at.map(when),
        created: long_date(uk_date(user.created_at)),
        user,
    })
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<UserQuery>,
) -> WebResult<Response> {
    let user = state
        .app
        .admin_user(Caller::User(&principal), parse_user_id(&id)?)
        .await?;
    let notice = match query.done.as_deref() {
        Some("roles") => Some("Roles updated.".to_owned()),
        Some("disabled") => Some(format!("{} can no longer sign in.", user.display_name)),
        Some("enabled") => Some(format!("{} can sign in again.", user.display_name)),
        Some("second_factor") => Some(format!(
            "{}'s authenticator app has been removed.",
            user.display_name
        )),
        _ => None,
    };
    render(
        &user_page(
            &state,
            &principal,
            page.notice(notice),
            user,
            &ValidationErrors::new(),
        )
        .await?,
    )
}

#[derive(Debug, Deserialize, Default)]
pub struct RolesForm {
    #[serde(default)]
    roles: Vec<String>,
}

pub async fn update_roles(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<RolesForm>,
) -> WebResult<Response> {
    let id = parse_user_id(&id)?;
    match state
        .app
        .set_user_roles(Caller::User(&principal), id, &form.roles)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/admin/users/{id}?done=roles")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let user = state.app.admin_user(Caller::User(&principal), id).await?;
            let body = user_page(&state, &principal, page, user, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    enabled: bool,
}

pub async fn update_status(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> WebResult<Response> {
    let id = parse_user_id(&id)?;
    match state
        .app
        .set_user_enabled(Caller::User(&principal), id, form.enabled)
        .await
    {
        Ok(()) => {
            let done = if form.enabled { "enabled" } else { "disabled" };
            Ok(Redirect::to(&format!("/admin/users/{id}?done={done}")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let user = state.app.admin_user(Caller::User(&principal), id).await?;
            let body = user_page(&state, &principal, page, user, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes the user's authenticator app and recovery codes (a lost phone).
pub async fn reset_second_factor(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = parse_user_id(&id)?;
    state
        .app
        .reset_second_factor(Caller::User(&principal), id)
        .await?;
    Ok(Redirect::to(&format!("/admin/users/{id}?done=second_factor")).into_response())
}

pub async fn reset_link(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = parse_user_id(&id)?;
    match state
        .app
        .issue_reset_link(Caller::User(&principal), id)
        .await
    {
        Ok(token) => {
            let user = state.app.admin_user(Caller::User(&principal), id).await?;
            render(&LinkPage {
                page: page.title("Sign-in link created"),
                link: link_url(&state, &token),
                invited: user.status == UserStatus::Invited,
                user,
                days: state.app.settings.session.credential_link_days,
            })
        }
        Err(AppError::Invalid(errors)) => {
            let user = state.app.admin_user(Caller::User(&principal), id).await?;
            let body = user_page(&state, &principal, page, user, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
