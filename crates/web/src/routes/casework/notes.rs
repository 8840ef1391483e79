//! A case's notes (some raising safeguarding concerns) and its tasks.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_app::Principal;
use linkwork_app::casework::CaseView;
use linkwork_domain::casework::{
    CaseNote, NoteInput, SafeguardingCategory, Task, TaskInput, TaskKind,
};
use linkwork_domain::person::DateParts;
use linkwork_domain::role::Permission;
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::{CaseNoteId, TaskId};
use serde::Deserialize;

use super::{CaseHeader, Done, Section, refused};
use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::referral_forms::DateField;
use crate::referral_views::{short_date, when};
use crate::routes::referrals::parse_referral_id;
use crate::state::AppState;

const NOTICES: &[(&str, &str)] = &[
    ("note", "The note has been added."),
    ("concern", "The safeguarding concern has been recorded."),
    ("task", "The task has been added."),
    ("task-done", "The task is done."),
    ("resolved", "The concern has been resolved."),
];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NotesForm {
    text: String,
    safeguarding: String,
    category: String,
    action_taken: String,
    kind: String,
    title: String,
    due_day: String,
    due_month: String,
    due_year: String,
    owner: String,
    resolution: String,
}

pub struct NoteRow {
    pub note: CaseNote,
    pub at: String,
}

pub struct TaskRow {
    pub task: Task,
    pub due: String,
    pub owner: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "casework/notes.html")]
struct NotesPage {
    page: PageCtx,
    header: CaseHeader,
    notes: Vec<NoteRow>,
    tasks: Vec<TaskRow>,
    text: Input,
    safeguarding: bool,
    category: ChoiceField,
    action_taken: Input,
    kind: ChoiceField,
    title: Input,
    due: DateField,
    owner: ChoiceField,
    can_resolve: bool,
    resolution: Input,
}

async fn notes_page(
    state: &AppState,
    principal: &Principal,
    page: PageCtx,
    view: &CaseView,
    form: &NotesForm,
    errors: &ValidationErrors,
) -> WebResult<NotesPage> {
    let app = &state.app;
    let today = app.today();
    let workers = app
        .assignable_workers(principal, view.referral.pcn_id)
        .await?;
    Ok(NotesPage {
        page: page
            .title(format!("Notes and tasks for {}", view.person.details.full_name()))
            .errors(errors),
        header: CaseHeader::new(view, Section::Notes),
        notes: view
            .file
            .notes
            .iter()
            .map(|n| NoteRow {
                at: when(n.at),
                note: n.clone(),
            })
            .collect(),
        tasks: view
            .file
            .tasks
            .iter()
            .map(|t| TaskRow {
                due: short_date(t.due),
                owner: view.user_name(t.owner).to_owned(),
                overdue: t.is_overdue(today),
                task: t.clone(),
            })
            .collect(),
        text: Input::new("text", "Note")
            .hint("Notes are for the team only. The person's referrer and community partners never see them.")
            .value(form.text.clone())
            .errors(errors),
        safeguarding: form.safeguarding == "yes",
        category: ChoiceField::new(
            "category",
            "Kind of concern",
            SafeguardingCategory::ALL
                .iter()
                .map(|c| Choice::new(c.code(), c.label(), form.category == c.code()))
                .collect(),
        )
        .placeholder("Choose the kind of concern")
        .errors(errors),
        action_taken: Input::new("action_taken", "Action taken")
            .hint("For example, discussed with the practice safeguarding lead, referred to adult social care")
            .value(form.action_taken.clone())
            .errors(errors),
        kind: ChoiceField::new(
            "kind",
            "Kind of task",
            TaskKind::MANUAL
                .iter()
                .map(|k| Choice::new(k.code(), k.label(), form.kind == k.code()))
                .collect(),
        )
        .errors(errors),
        title: Input::new("title", "What needs doing")
            .hint("Needed for \"Other\"; otherwise optional")
            .value(form.title.clone())
            .errors(errors),
        due: DateField::new("due", "due", "Due")
            .hint(format!("For example, {}", (today + chrono::Duration::days(7)).format("%-d %-m %Y")))
            .value(&form.due_day, &form.due_month, &form.due_year)
            .errors(errors),
        owner: ChoiceField::new(
            "owner",
            "Whose task is it?",
            workers
                .iter()
                .map(|w| Choice::new(w.id.to_string(), w.display_name.clone(), form.owner == w.id.to_string()))
                .collect(),
        )
        .placeholder("The person's link worker")
        .errors(errors),
        can_resolve: principal.can(Permission::ReassignCases),
        resolution: Input::new("resolution", "How was it resolved?")
            .value(form.resolution.clone())
            .errors(errors),
    })
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> WebResult<Response> {
    let view = state.app.case(&principal, parse_referral_id(&id)?).await?;
    let page = page.notice(done.notice(NOTICES));
    render(
        &notes_page(
            &state,
            &principal,
            page,
            &view,
            &NotesForm::default(),
            &ValidationErrors::new(),
        )
        .await?,
    )
}

/// After a note or task form: to the page with its notice, or the page
/// again with what was typed and what was wrong.
async fn finish(
    state: &AppState,
    principal: &Principal,
    page: PageCtx,
    id: &str,
    form: &NotesForm,
    result: linkwork_app::AppResult<&str>,
) -> WebResult<Response> {
    match result {
        Ok(done) => Ok(Redirect::to(&format!("/referrals/{id}/notes?done={done}")).into_response()),
        Err(e) => {
            let (status, page, errors) = refused(e, page)?;
            let view = state.app.case(principal, parse_referral_id(id)?).await?;
            let body = notes_page(state, principal, page, &view, form, &errors).await?;
            Ok((status, render(&body)?).into_response())
        }
    }
}

pub async fn add_note(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<NotesForm>,
) -> WebResult<Response> {
    let input = NoteInput {
        text: form.text.clone(),
        safeguarding: form.safeguarding == "yes",
        category: form.category.clone(),
        action_taken: form.action_taken.clone(),
    };
    let result = state
        .app
        .add_note(&principal, parse_referral_id(&id)?, &input)
        .await
        .map(|n| {
            if n.safeguarding.is_some() {
                "concern"
            } else {
                "note"
            }
        });
    finish(&state, &principal, page, &id, &form, result).await
}

pub async fn resolve(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path((id, note)): Path<(String, String)>,
    Form(form): Form<NotesForm>,
) -> WebResult<Response> {
    let note: CaseNoteId = note.parse().map_err(|_| WebError::NotFound)?;
    let result = state
        .app
        .resolve_concern(&principal, parse_referral_id(&id)?, note, &form.resolution)
        .await
        .map(|_| "resolved");
    finish(&state, &principal, page, &id, &form, result).await
}

pub async fn add_task(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<NotesForm>,
) -> WebResult<Response> {
    let input = TaskInput {
        kind: form.kind.clone(),
        title: form.title.clone(),
        due: DateParts {
            day: form.due_day.clone(),
            month: form.due_month.clone(),
            year: form.due_year.clone(),
        },
        owner: form.owner.clone(),
    };
    let result = state
        .app
        .add_task(&principal, parse_referral_id(&id)?, &input)
        .await
        .map(|_| "task");
    finish(&state, &principal, page, &id, &form, result).await
}

pub async fn complete_task(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path((id, task)): Path<(String, String)>,
    Form(form): Form<NotesForm>,
) -> WebResult<Response> {
    let task: TaskId = task.parse().map_err(|_| WebError::NotFound)?;
    let result = state
        .app
        .complete_task(&principal, parse_referral_id(&id)?, task)
        .await
        .map(|_| "task-done");
    finish(&state, &principal, page, &id, &form, result).await
}
