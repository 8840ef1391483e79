//! The person's rights, for their network's team leads: restricting
//! processing of their record and lifting the restriction, and erasing it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_app::AppError;
use linkwork_domain::PersonId;
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;

use crate::error::{WebError, WebResult};
use crate::forms::Input;
use crate::page::{CurrentUser, PageCtx, render};
use crate::state::AppState;

fn parse_person_id(raw: &str) -> WebResult<PersonId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ReasonForm {
    reason: String,
}

#[derive(Template)]
#[template(path = "people/restrict.html")]
struct RestrictPage {
    page: PageCtx,
    id: PersonId,
    name: String,
    reason: Input,
}

fn restrict_page(
    page: PageCtx,
    id: PersonId,
    name: String,
    form: &ReasonForm,
    errors: &ValidationErrors,
) -> RestrictPage {
    RestrictPage {
        page: page
            .title(format!("Restrict processing of {name}'s record"))
            .errors(errors),
        id,
        name,
        reason: Input::new("reason", "Why is the record being restricted?")
            .hint("For example, they contest the accuracy of their record, or object to how it is used. This is kept in the audit log.")
            .value(form.reason.clone())
            .errors(errors),
    }
}

pub async fn restrict_form(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = parse_person_id(&id)?;
    let person = state
        .app
        .person_for_rights_page(&principal, id, "Restriction form")
        .await?;
    render(&restrict_page(
        page,
        id,
        person.details.full_name(),
        &ReasonForm::default(),
        &ValidationErrors::new(),
    ))
}

pub async fn restrict(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ReasonForm>,
) -> WebResult<Response> {
    let id = parse_person_id(&id)?;
    match state
        .app
        .restrict_person(&principal, id, &form.reason)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/people/{id}?done=restricted")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let person = state
                .app
                .person_for_rights_page(&principal, id, "Restriction form")
                .await?;
            let body = render(&restrict_page(
                page,
                id,
                person.details.full_name(),
                &form,
                &errors,
            ))?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn lift_restriction(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = parse_person_id(&id)?;
    state.app.lift_restriction(&principal, id).await?;
    Ok(Redirect::to(&format!("/people/{id}?done=lifted")).into_response())
}

#[derive(Template)]
#[template(path = "people/erase.html")]
struct ErasePage {
    page: PageCtx,
    id: PersonId,
    name: String,
    /// References of their open referrals: while any is open, no form.
    open: Vec<String>,
    reason: Input,
}

async fn erase_page(
    state: &AppState,
    principal: &linkwork_app::Principal,
    page: PageCtx,
    id: PersonId,
    form: &ReasonForm,
    errors: &ValidationErrors,
) -> WebResult<ErasePage> {
    let (person, open) = state.app.erasure_page(principal, id).await?;
    let name = person.details.full_name();
    Ok(ErasePage {
        page: page.title(format!("Erase {name}'s record")).errors(errors),
        id,
        name,
        open,
        reason: Input::new("reason", "Why is the record being erased?")
            .hint("For example, they asked for it to be erased and nothing requires it to be kept. Do not include their name or NHS number: the reason is kept after the record is erased.")
            .value(form.reason.clone())
            .errors(errors),
    })
}

pub async fn erase_form(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = parse_person_id(&id)?;
    let body = erase_page(
        &state,
        &principal,
        page,
        id,
        &ReasonForm::default(),
        &ValidationErrors::new(),
    )
    .await?;
    render(&body)
}

pub async fn erase(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ReasonForm>,
) -> WebResult<Response> {
    let id = parse_person_id(&id)?;
    match state.app.erase_person(&principal, id, &form.reason).await {
        Ok(()) => Ok(Redirect::to(&format!("/people/{id}?done=erased")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let body = erase_page(&state, &principal, page, id, &form, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct MergeQuery {
    q: String,
    with: String,
}

/// One record in the side-by-side comparison.
struct Side {
    person: linkwork_domain::person::Person,
    born: String,
}

#[derive(Template)]
#[template(path = "people/merge.html")]
struct MergePage {
    page: PageCtx,
    id: PersonId,
    name: String,
    q: Input,
    searched: bool,
    candidates: Vec<linkwork_domain::person::Person>,
    /// The two records, kept first, once one is chosen.
    pair: Option<(Side, Side)>,
}

/// Finding a duplicate of a record, and comparing the two before merging.
pub async fn merge_form(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<MergeQuery>,
) -> WebResult<Response> {
    let id = parse_person_id(&id)?;
    let app = &state.app;
    let kept = app
        .person_for_rights_page(&principal, id, "Merge form")
        .await?;
    let mut errors = ValidationErrors::new();
    let searched = !query.q.trim().is_empty();
    let candidates = if searched {
        match app.merge_candidates(&principal, id, &query.q).await {
            Ok(found) => found,
            Err(AppError::Invalid(problems)) => {
                errors = problems;
                Vec::new()
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        Vec::new()
    };
    let pair = match query.with.trim() {
        "" => None,
        raw => {
            let other = parse_person_id(raw)?;
            let (a, b) = app.merge_comparison(&principal, id, other).await?;
            let side = |person: linkwork_domain::person::Person| Side {
                born: crate::referral_views::long_date(person.details.date_of_birth),
                person,
            };
            Some((side(a), side(b)))
        }
    };
    let name = kept.details.full_name();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = render(&MergePage {
        page: page
            .title(format!("Merge a duplicate into {name}'s record"))
            .errors(&errors),
        id,
        name,
        q: Input::new("q", "Find the duplicate record")
            .hint("Name, NHS number or postcode")
            .value(query.q.clone())
            .errors(&errors),
        searched,
        candidates,
        pair,
    })?;
    Ok((status, body).into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct MergeForm {
    with: String,
}

pub async fn merge(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<MergeForm>,
) -> WebResult<Response> {
    let id = parse_person_id(&id)?;
    let other = parse_person_id(form.with.trim())?;
    state.app.merge_people(&principal, id, other).await?;
    Ok(Redirect::to(&format!("/people/{id}?done=merged")).into_response())
}

pub async fn undo_merge(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    Path((id, merge)): Path<(String, String)>,
) -> WebResult<Response> {
    let id = parse_person_id(&id)?;
    let merge = merge
        .parse::<uuid::Uuid>()
        .map_err(|_| WebError::NotFound)?;
    let undone = state.app.undo_merge(&principal, merge).await?;
    if undone.kept_id != id {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to(&format!("/people/{id}?done=unmerged")).into_response())
}
