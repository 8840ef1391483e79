//! A service's capacity: its partner (or the directory manager) marks it
//! full or with a waiting list until a date. Staff see it; the public
//! directory does not.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_domain::linking::{Capacity, CapacityState};
use linkwork_domain::person::DateParts;
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::referral_forms::DateField;
use crate::routes::casework::refused;
use crate::state::AppState;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CapacityForm {
    capacity: String,
    until_day: String,
    until_month: String,
    until_year: String,
    capacity_note: String,
}

impl CapacityForm {
    fn from_current(c: Option<&Capacity>) -> CapacityForm {
        match c {
            Some(c) => CapacityForm {
                capacity: c.state.code().to_owned(),
                until_day: c.until.format("%-d").to_string(),
                until_month: c.until.format("%-m").to_string(),
                until_year: c.until.format("%Y").to_string(),
                capacity_note: c.note.clone().unwrap_or_default(),
            },
            None => CapacityForm {
                capacity: "open".into(),
                ..Default::default()
            },
        }
    }
}

#[derive(Template)]
#[template(path = "linking/capacity.html")]
struct CapacityPage {
    page: PageCtx,
    service_id: Uuid,
    state: ChoiceField,
    until: DateField,
    note: Input,
}

fn capacity_page(
    page: PageCtx,
    service: &linkwork_domain::directory::Service,
    form: &CapacityForm,
    errors: &ValidationErrors,
) -> CapacityPage {
    let mut choices = vec![Choice::new(
        "open",
        "Open to new people",
        form.capacity == "open" || form.capacity.is_empty(),
    )];
    choices.extend(
        CapacityState::ALL
            .iter()
            .map(|s| Choice::new(s.code(), s.label(), form.capacity == s.code())),
    );
    CapacityPage {
        page: page
            .title(format!("Can {} take new people?", service.name))
            .errors(errors),
        service_id: service.id,
        state: ChoiceField::new("capacity", "Room for new people", choices)
            .hint("Link workers see this when they look for support; the public directory does not.")
            .errors(errors),
        until: DateField::new("until", "until", "Until")
            .hint("Needed if it is full or has a waiting list: when to show it as open again, for example 31 3 2027")
            .value(&form.until_day, &form.until_month, &form.until_year)
            .errors(errors),
        note: Input::new("capacity_note", "A note for link workers (optional)")
            .hint("For example, \"new places from April\" or \"phone first to check\"")
            .value(form.capacity_note.clone())
            .errors(errors),
    }
}

fn service_id(raw: &str) -> WebResult<Uuid> {
    raw.parse().map_err(|_| WebError::NotFound)
}

pub async fn form(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = service_id(&id)?;
    let service = state.app.directory_service(id).await?;
    if !state.app.can_edit_service(&principal, &service).await? {
        return Err(WebError::Forbidden);
    }
    let current = state.app.capacity(&principal, id).await?;
    render(&capacity_page(
        page,
        &service,
        &CapacityForm::from_current(current.as_ref()),
        &ValidationErrors::new(),
    ))
}

pub async fn submit(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<CapacityForm>,
) -> WebResult<Response> {
    let id = service_id(&id)?;
    let until = DateParts {
        day: form.until_day.clone(),
        month: form.until_month.clone(),
        year: form.until_year.clone(),
    };
    match state
        .app
        .set_capacity(&principal, id, &form.capacity, &until, &form.capacity_note)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/directory/services/{id}?done=capacity")).into_response())
        }
        Err(e) => {
            let (status, page, errors) = refused(e, page)?;
            let service = state.app.directory_service(id).await?;
            Ok((
                status,
                render(&capacity_page(page, &service, &form, &errors))?,
            )
                .into_response())
        }
    }
}
