//! A case's contacts: the list, booking or recording one, and recording
//! how a booked one went (booking the next at the same time).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_app::casework::CaseView;
use linkwork_domain::ContactId;
use linkwork_domain::calendar::uk_datetime;
use linkwork_domain::casework::{
    Contact, ContactInput, ContactMode, ContactOutcomeInput, ContactStatus,
};
use linkwork_domain::person::DateParts;
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;

use super::{CaseHeader, Done, Section, refused};
use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::referral_forms::DateField;
use crate::routes::referrals::parse_referral_id;
use crate::state::AppState;

const NOTICES: &[(&str, &str)] = &[
    ("booked", "The contact has been booked."),
    ("recorded", "The contact has been recorded."),
];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    version: i64,
    date_day: String,
    date_month: String,
    date_year: String,
    time: String,
    duration_minutes: String,
    mode: String,
    status: String,
    location: String,
    notes: String,
    next_date_day: String,
    next_date_month: String,
    next_date_year: String,
    next_time: String,
    next_mode: String,
    next_location: String,
}

impl ContactForm {
    fn input(&self) -> ContactInput {
        ContactInput {
            date: DateParts {
                day: self.date_day.clone(),
                month: self.date_month.clone(),
                year: self.date_year.clone(),
            },
            time: self.time.clone(),
            duration_minutes: self.duration_minutes.clone(),
            mode: self.mode.clone(),
            status: self.status.clone(),
            location: self.location.clone(),
            notes: self.notes.clone(),
        }
    }

    /// The next booking, if any part of it was filled in.
    fn next(&self) -> Option<ContactInput> {
        let any = [
            &self.next_date_day,
            &self.next_date_month,
            &self.next_date_year,
            &self.next_time,
        ]
        .iter()
        .any(|v| !v.trim().is_empty());
        any.then(|| ContactInput {
            date: DateParts {
                day: self.next_date_day.clone(),
                month: self.next_date_month.clone(),
                year: self.next_date_year.clone(),
            },
            time: self.next_time.clone(),
            duration_minutes: String::new(),
            mode: self.next_mode.clone(),
            status: String::new(),
            location: self.next_location.clone(),
            notes: String::new(),
        })
    }
}

/// A contact as a row of the list.
pub struct ContactRow {
    pub contact: Contact,
    pub when: String,
    pub worker: String,
}

fn rows(view: &CaseView, contacts: impl Iterator<Item = Contact>) -> Vec<ContactRow> {
    contacts
        .map(|c| ContactRow {
            when: uk_datetime(c.starts_at)
                .format("%a %-d %b %Y, %H:%M")
                .to_string(),
            worker: view.user_name(c.worker_id).to_owned(),
            contact: c,
        })
        .collect()
}

fn mode_field(
    id: &'static str,
    label: &str,
    chosen: &str,
    errors: &ValidationErrors,
) -> ChoiceField {
    ChoiceField::new(
        id,
        label,
        ContactMode::ALL
            .iter()
            .map(|m| Choice::new(m.code(), m.label(), chosen == m.code()))
            .collect(),
    )
    .errors(errors)
}

#[derive(Template)]
#[template(path = "casework/contacts.html")]
struct ContactsPage {
    page: PageCtx,
    header: CaseHeader,
    booked: Vec<ContactRow>,
    past: Vec<ContactRow>,
    date: DateField,
    time: Input,
    duration: Input,
    mode: ChoiceField,
    status: ChoiceField,
    location: Input,
    notes: Input,
    first_contact: bool,
}

fn contacts_page(
    page: PageCtx,
    view: &CaseView,
    form: &ContactForm,
    errors: &ValidationErrors,
) -> ContactsPage {
    let (booked, past): (Vec<Contact>, Vec<Contact>) = view
        .file
        .contacts
        .iter()
        .cloned()
        .partition(|c| c.is_booked());
    let status_choices = std::iter::once(ContactStatus::Scheduled)
        .chain(ContactStatus::OUTCOMES)
        .map(|s| {
            let label = match s {
                ContactStatus::Scheduled => "Book it: it has not happened yet",
                other => other.label(),
            };
            let chosen = form.status == s.code()
                || (form.status.is_empty() && s == ContactStatus::Scheduled);
            Choice::new(s.code(), label, chosen)
        })
        .collect();
    ContactsPage {
        page: page
            .title(format!("Contacts with {}", view.person.details.full_name()))
            .errors(errors),
        header: CaseHeader::new(view, Section::Contacts),
        booked: rows(view, booked.into_iter()),
        past: rows(view, past.into_iter().rev()),
        date: DateField::new("date", "date", "Date")
            .hint("For example, 15 12 2026")
            .value(&form.date_day, &form.date_month, &form.date_year)
            .errors(errors),
        time: Input::new("time", "Time")
            .hint("For example, 10:30 or 2pm")
            .width("nhsuk-input--width-5")
            .value(form.time.clone())
            .errors(errors),
        duration: Input::new("duration_minutes", "How long, in minutes (optional)")
            .hint("30 minutes if left empty")
            .width("nhsuk-input--width-3")
            .value(form.duration_minutes.clone())
            .errors(errors),
        mode: mode_field("mode", "How", &form.mode, errors),
        status: ChoiceField::new("status", "Has it happened?", status_choices).errors(errors),
        location: Input::new("location", "Where (optional)")
            .hint("For example, Riverside Library, room 2")
            .value(form.location.clone())
            .errors(errors),
        notes: Input::new("notes", "Notes (optional)")
            .value(form.notes.clone())
            .errors(errors),
        first_contact: view.referral.first_contact_at.is_none(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> WebResult<Response> {
    let view = state.app.case(&principal, parse_referral_id(&id)?).await?;
    let page = page.notice(done.notice(NOTICES));
    render(&contacts_page(
        page,
        &view,
        &ContactForm::default(),
        &ValidationErrors::new(),
    ))
}

pub async fn add(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ContactForm>,
) -> WebResult<Response> {
    let referral_id = parse_referral_id(&id)?;
    match state
        .app
        .add_contact(&principal, referral_id, &form.input())
        .await
    {
        Ok(c) => {
            let done = if c.is_booked() { "booked" } else { "recorded" };
            Ok(Redirect::to(&format!("/referrals/{id}/contacts?done={done}")).into_response())
        }
        Err(e) => {
            let (status, page, errors) = refused(e, page)?;
            let view = state.app.case(&principal, referral_id).await?;
            Ok((status, render(&contacts_page(page, &view, &form, &errors))?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "casework/contact.html")]
struct ContactPage {
    page: PageCtx,
    header: CaseHeader,
    row: ContactRow,
    version: i64,
    status: ChoiceField,
    duration: Input,
    notes: Input,
    next_date: DateField,
    next_time: Input,
    next_mode: ChoiceField,
    next_location: Input,
    first_contact: bool,
}

fn contact_page(
    page: PageCtx,
    view: &CaseView,
    contact: Contact,
    form: &ContactForm,
    errors: &ValidationErrors,
) -> ContactPage {
    // The next booking's errors are the same fields under other names.
    let next_errors = ValidationErrors {
        errors: errors
            .errors
            .iter()
            .filter_map(|e| {
                let field = match e.field {
                    "next_date" => "next_date",
                    "next_time" => "next_time",
                    "next_mode" => "next_mode",
                    _ => return None,
                };
                Some(linkwork_domain::validation::FieldError {
                    field,
                    message: e.message.clone(),
                })
            })
            .collect(),
    };
    let version = if form.version == 0 {
        contact.version
    } else {
        form.version
    };
    ContactPage {
        page: page.title("Record what happened").errors(errors),
        header: CaseHeader::new(view, Section::Contacts),
        version,
        status: ChoiceField::new(
            "status",
            "What happened?",
            ContactStatus::OUTCOMES
                .iter()
                .map(|s| Choice::new(s.code(), s.label(), form.status == s.code()))
                .collect(),
        )
        .errors(errors),
        duration: Input::new("duration_minutes", "How long, in minutes")
            .width("nhsuk-input--width-3")
            .value(if form.version == 0 {
                contact.duration_minutes.to_string()
            } else {
                form.duration_minutes.clone()
            })
            .errors(errors),
        notes: Input::new("notes", "Notes (optional)")
            .value(form.notes.clone())
            .errors(errors),
        next_date: DateField::new(
            "next_date",
            "next_date",
            "Date of the next contact (optional)",
        )
        .value(
            &form.next_date_day,
            &form.next_date_month,
            &form.next_date_year,
        )
        .errors(&next_errors),
        next_time: Input::new("next_time", "Time of the next contact")
            .width("nhsuk-input--width-5")
            .value(form.next_time.clone())
            .errors(&next_errors),
        next_mode: mode_field(
            "next_mode",
            "How will the next contact happen?",
            &form.next_mode,
            &next_errors,
        ),
        next_location: Input::new("next_location", "Where (optional)")
            .value(form.next_location.clone())
            .errors(errors),
        first_contact: view.referral.first_contact_at.is_none(),
        row: rows(view, std::iter::once(contact)).remove(0),
    }
}

fn parse_contact_id(raw: &str) -> WebResult<ContactId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

/// The booked contact, which must belong to this case.
fn contact_in(view: &CaseView, id: ContactId) -> WebResult<Contact> {
    view.file
        .contacts
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .ok_or(WebError::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path((id, contact)): Path<(String, String)>,
) -> WebResult<Response> {
    let view = state.app.case(&principal, parse_referral_id(&id)?).await?;
    let contact = contact_in(&view, parse_contact_id(&contact)?)?;
    if !contact.is_booked() {
        return Ok(Redirect::to(&format!("/referrals/{id}/contacts")).into_response());
    }
    let form = ContactForm::default();
    render(&contact_page(
        page,
        &view,
        contact,
        &form,
        &ValidationErrors::new(),
    ))
}

pub async fn record(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path((id, contact)): Path<(String, String)>,
    Form(mut form): Form<ContactForm>,
) -> WebResult<Response> {
    let referral_id = parse_referral_id(&id)?;
    let contact_id = parse_contact_id(&contact)?;
    let outcome = ContactOutcomeInput {
        status: form.status.clone(),
        duration_minutes: form.duration_minutes.clone(),
        notes: form.notes.clone(),
    };
    let next = form.next();
    let result = state
        .app
        .record_contact(
            &principal,
            contact_id,
            form.version,
            &outcome,
            next.as_ref(),
        )
        .await;
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/referrals/{id}/contacts?done=recorded")).into_response())
        }
        Err(e) => {
            // The next booking's problems are named like the contact's own
            // fields: give them the next booking's names.
            let e = match e {
                linkwork_app::AppError::Invalid(mut errors) if next.is_some() => {
                    for err in &mut errors.errors {
                        err.field = match err.field {
                            "date" => "next_date",
                            "time" => "next_time",
                            "mode" => "next_mode",
                            other => other,
                        };
                    }
                    linkwork_app::AppError::Invalid(errors)
                }
                other => other,
            };
            let (status, page, errors) = refused(e, page)?;
            let view = state.app.case(&principal, referral_id).await?;
            let contact = contact_in(&view, contact_id)?;
            if !contact.is_booked() {
                return Ok(Redirect::to(&format!("/referrals/{id}/contacts")).into_response());
            }
            form.version = contact.version;
            let body = contact_page(page, &view, contact, &form, &errors);
            Ok((status, render(&body)?).into_response())
        }
    }
}
