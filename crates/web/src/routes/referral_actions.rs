//! The team's actions on a referral, each a small form of its own so the
//! pages work without JavaScript: accept, decline, redirect, close as
//! unable to contact, withdraw, discharge, record a contact attempt, set
//! the next action, assign, code the needs. Every form carries the version it was loaded
//! at, so two people acting at once cannot overwrite each other.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_app::referrals::{Audience, ReferralRecord};
use linkwork_app::{AppError, Principal};
use linkwork_domain::codes::CodePurpose;
use linkwork_domain::person::{ContactMethod, DateParts};
use linkwork_domain::referral::{
    AttemptOutcome, ContactAttemptInput, DecisionInput, DeclineReason, NextActionInput,
    ReferralStatus,
};
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;

use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::referral_forms::DateField;
use crate::routes::referrals::parse_referral_id;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Accept,
    Decline,
    Redirect,
    UnableToContact,
    Withdraw,
    Contact,
    PlanNext,
    Assign,
    CodeNeeds,
}

impl Action {
    const ALL: [Action; 9] = [
        Action::Accept,
        Action::Decline,
        Action::Redirect,
        Action::UnableToContact,
        Action::Withdraw,
        Action::Contact,
        Action::PlanNext,
        Action::Assign,
        Action::CodeNeeds,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Decline => "decline",
            Action::Redirect => "redirect",
            Action::UnableToContact => "unable-to-contact",
            Action::Withdraw => "withdraw",
            Action::Contact => "contact",
            Action::PlanNext => "next-action",
            Action::Assign => "assign",
            Action::CodeNeeds => "needs",
        }
    }

    fn from_path(path: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.path() == path)
    }

    pub fn heading(self) -> &'static str {
        match self {
            Action::Accept => "Accept the referral",
            Action::Decline => "Decline the referral",
            Action::Redirect => "Redirect to another service",
            Action::UnableToContact => "Close the referral: unable to contact",
            Action::Withdraw => "Withdraw the referral",
            Action::Contact => "Record a contact attempt",
            Action::PlanNext => "Set the next action",
            Action::Assign => "Assign a link worker",
            Action::CodeNeeds => "Code the needs",
        }
    }

    pub fn button(self) -> &'static str {
        match self {
            Action::Accept => "Accept referral",
            Action::Decline => "Decline referral",
            Action::Redirect => "Redirect referral",
            Action::UnableToContact => "Close referral",
            Action::Withdraw => "Withdraw referral",
            Action::Contact => "Save contact attempt",
            Action::PlanNext => "Save next action",
            Action::Assign => "Save",
            Action::CodeNeeds => "Save needs",
        }
    }

    /// Closing actions are shown as warnings.
    pub fn closes(self) -> bool {
        matches!(
            self,
            Action::Decline | Action::Redirect | Action::UnableToContact | Action::Withdraw
        )
    }

    fn target(self) -> Option<ReferralStatus> {
        Some(match self {
            Action::Accept => ReferralStatus::Accepted,
            Action::Decline => ReferralStatus::Declined,
            Action::Redirect => ReferralStatus::Redirected,
            Action::UnableToContact => ReferralStatus::UnableToContact,
            Action::Withdraw => ReferralStatus::Withdrawn,
            Action::Contact | Action::PlanNext | Action::Assign | Action::CodeNeeds => {
                return None;
            }
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    version: i64,
    assign_to: String,
    decline_reason: String,
    redirected_to: String,
    note: String,
    method: String,
    outcome: String,
    due_day: String,
    due_month: String,
    due_year: String,
    needs: Vec<String>,
}

impl ActionForm {
    fn due(&self) -> DateParts {
        DateParts {
            day: self.due_day.clone(),
            month: self.due_month.clone(),
            year: self.due_year.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "referrals/action.html")]
struct ActionPage {
    page: PageCtx,
    action: Action,
    r: ReferralRecord,
    version: i64,
    assign_to: Option<ChoiceField>,
    decline_reason: Option<ChoiceField>,
    redirected_to: Option<Input>,
    method: Option<ChoiceField>,
    outcome: Option<ChoiceField>,
    due: Option<DateField>,
    note: Option<Input>,
    needs: Option<ChoiceField>,
    /// Why there is no form: the referral's state does not allow the action.
    closed: Option<String>,
}

async fn action_page(
    state: &AppState,
    principal: &Principal,
    page: PageCtx,
    action: Action,
    r: ReferralRecord,
    form: &ActionForm,
    errors: &ValidationErrors,
) -> WebResult<ActionPage> {
    let app = &state.app;
    let version = if form.version == 0 {
        r.referral.version
    } else {
        form.version
    };
    let assign_to = match action {
        Action::Accept | Action::Assign => {
            let workers = app.assignable_workers(principal, r.referral.pcn_id).await?;
            let current = if form.version == 0 {
                r.referral
                    .assigned_to
                    .map(|id| id.to_string())
                    .unwrap_or_default()
            } else {
                form.assign_to.clone()
            };
            Some(
                ChoiceField::new(
                    "assign_to",
                    "Link worker",
                    workers
                        .iter()
                        .map(|w| {
                            Choice::new(
                                w.id.to_string(),
                                w.display_name.clone(),
                                current == w.id.to_string(),
                            )
                        })
                        .collect(),
                )
                .placeholder(if action == Action::Accept {
                    "Assign later"
                } else {
                    "Nobody yet"
                })
                .errors(errors),
            )
        }
        _ => None,
    };
    let decline_reason = if action == Action::Decline {
        let declined = app.clinical_code(CodePurpose::Declined).await?;
        Some(
            ChoiceField::new(
                "decline_reason",
                "Why is it declined?",
                DeclineReason::ALL
                    .into_iter()
                    .map(|reason| {
                        let choice = Choice::new(
                            reason.code(),
                            reason.label(),
                            form.decline_reason == reason.code(),
                        );
                        match reason {
                            DeclineReason::PersonDeclined => choice.hint(format!(
                                "Recorded for the GP record as SNOMED CT {} ({})",
                                declined.code, declined.display
                            )),
                            _ => choice,
                        }
                    })
                    .collect(),
            )
            .errors(errors),
        )
    } else {
        None
    };
    let redirected_to = (action == Action::Redirect).then(|| {
        Input::new(
            "redirected_to",
            "Which service are they being redirected to?",
        )
        .hint("For example, the community mental health team, or Citizens Advice")
        .value(form.redirected_to.clone())
        .errors(errors)
    });
    let method = (action == Action::Contact).then(|| {
        ChoiceField::new(
            "method",
            "How did you try to contact them?",
            ContactMethod::ALL
                .into_iter()
                .map(|m| Choice::new(m.code(), m.label(), form.method == m.code()))
                .collect(),
        )
        .errors(errors)
    });
    let outcome = (action == Action::Contact).then(|| {
        ChoiceField::new(
            "outcome",
            "What happened?",
            AttemptOutcome::ALL
                .into_iter()
                .map(|o| {
                    let choice = Choice::new(o.code(), o.label(), form.outcome == o.code());
                    if o == AttemptOutcome::Reached && r.referral.status == ReferralStatus::Accepted
                    {
                        choice.hint("This is the first contact: the referral moves to in progress")
                    } else {
                        choice
                    }
                })
                .collect(),
        )
        .errors(errors)
    });
    let due = matches!(action, Action::Contact | Action::PlanNext).then(|| {
        let (id, label) = match action {
            Action::Contact => (
                "next_action_due",
                "When should the next contact be? (optional)",
            ),
            _ => ("due", "When is it due? (optional)"),
        };
        DateField::new(id, "due", label)
            .hint(format!(
                "For example, {}",
                (app.today() + chrono::Duration::days(7)).format("%-d %-m %Y")
            ))
            .value(&form.due_day, &form.due_month, &form.due_year)
            .errors(errors)
    });
    let needs = if action == Action::CodeNeeds {
        let chosen = if form.version == 0 {
            &r.referral.needs
        } else {
            &form.needs
        };
        Some(
            ChoiceField::new(
                "needs",
                "What does the person need help with?",
                app.active_needs()
                    .await?
                    .into_iter()
                    .map(|n| {
                        let selected = chosen.contains(&n.code);
                        Choice::new(n.code, n.label, selected)
                    })
                    .collect(),
            )
            .hint("Select all that apply. What the sender wrote is kept as it is.")
            .errors(errors),
        )
    } else {
        None
    };
    let note = match action {
        Action::Accept | Action::Assign | Action::CodeNeeds => None,
        Action::PlanNext => Some(
            Input::new("note", "What is the next action?")
                .hint("For example, call back after their hospital appointment"),
        ),
        Action::Withdraw => Some(Input::new("note", "Why is it withdrawn?")),
        Action::Decline => Some(
            Input::new("note", "Notes")
                .hint("Needed if the reason is not on the list. The referrer sees this."),
        ),
        Action::Redirect => {
            Some(Input::new("note", "Notes (optional)").hint("The referrer sees this."))
        }
        Action::UnableToContact => Some(Input::new("note", "Notes (optional)")),
        Action::Contact => Some(Input::new("note", "Notes (optional)")),
    }
    .map(|n| n.value(form.note.clone()).errors(errors));
    let status = r.referral.status;
    let allowed = match action.target() {
        Some(target) => status.can_move_to(target),
        None => !status.is_closed(),
    };
    let closed = (!allowed).then(|| {
        format!(
            "This referral is {}: this cannot be done now.",
            status.label().to_lowercase()
        )
    });
    Ok(ActionPage {
        page: page.title(action.heading()).errors(errors),
        closed,
        action,
        version,
        assign_to,
        decline_reason,
        redirected_to,
        method,
        outcome,
        due,
        note,
        needs,
        r,
    })
}

fn parse_action(raw: &str) -> WebResult<Action> {
    Action::from_path(raw).ok_or(WebError::NotFound)
}

/// The referral, seen as its team: action pages are the team's alone.
async fn team_record(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> WebResult<ReferralRecord> {
    let r = state
        .app
        .view_referral(principal, parse_referral_id(id)?)
        .await?;
    if r.audience != Audience::Team {
        return Err(WebError::NotFound);
    }
    Ok(r)
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path((id, action)): Path<(String, String)>,
) -> WebResult<Response> {
    let action = parse_action(&action)?;
    let r = team_record(&state, &principal, &id).await?;
    let body = action_page(
        &state,
        &principal,
        page,
        action,
        r,
        &ActionForm::default(),
        &ValidationErrors::new(),
    )
    .await?;
    render(&body)
}

pub async fn submit(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path((id, action)): Path<(String, String)>,
    Form(mut form): Form<ActionForm>,
) -> WebResult<Response> {
    let action = parse_action(&action)?;
    let referral_id = parse_referral_id(&id)?;
    let app = &state.app;
    let result = match (action, action.target()) {
        (Action::Contact, _) => {
            let input = ContactAttemptInput {
                method: form.method.clone(),
                outcome: form.outcome.clone(),
                note: form.note.clone(),
                next_action_due: form.due(),
            };
            app.record_contact_attempt(&principal, referral_id, form.version, &input)
                .await
        }
        (Action::PlanNext, _) => {
            let input = NextActionInput {
                due: form.due(),
                note: form.note.clone(),
            };
            app.set_next_action(&principal, referral_id, form.version, &input)
                .await
        }
        (Action::Assign, _) => {
            app.assign_referral(&principal, referral_id, form.version, &form.assign_to)
                .await
        }
        (Action::CodeNeeds, _) => {
            app.code_referral_needs(&principal, referral_id, form.version, &form.needs)
                .await
        }
        (_, Some(target)) => {
            let input = DecisionInput {
                decline_reason: form.decline_reason.clone(),
                redirected_to: form.redirected_to.clone(),
                note: form.note.clone(),
            };
            app.decide(
                &principal,
                referral_id,
                form.version,
                target,
                &input,
                &form.assign_to,
            )
            .await
        }
        (_, None) => return Err(WebError::NotFound),
    };
    let conflicted = matches!(result, Err(AppError::Conflict(_)));
    let (errors, status, page) = match result {
        Ok(r) => {
            return Ok(
                Redirect::to(&format!("/referrals/{}?done={}", r.id, action.path()))
                    .into_response(),
            );
        }
        Err(AppError::Invalid(errors)) => (errors, StatusCode::UNPROCESSABLE_ENTITY, page),
        Err(AppError::Conflict(message)) => (
            ValidationErrors::new(),
            StatusCode::CONFLICT,
            page.error(message),
        ),
        Err(e) => return Err(e.into()),
    };
    // An error about the referral's state (not a field) has no field to
    // sit beside: it goes in the summary alone.
    let (page, errors) = match errors.for_field("status") {
        Some(message) => (page.error(message.to_owned()), ValidationErrors::new()),
        None => (page, errors),
    };
    let r = team_record(&state, &principal, &id).await?;
    let page = match r.history.last() {
        // The newer change was this user's own (another tab, the back
        // button): say so, rather than blame someone else.
        Some(last) if conflicted && last.actor_user_id == Some(principal.user.id) => {
            let mut page = page;
            page.errors.clear();
            page.error(format!(
                "You already changed this referral after opening this page ({}). Check its latest state before going on.",
                last.summary
            ))
        }
        _ => page,
    };
    if conflicted {
        // The page now shows the newer state beside what was entered; sending
        // it again is a decision made knowing that change.
        form.version = r.referral.version;
    }
    let body = action_page(&state, &principal, page, action, r, &form, &errors).await?;
    Ok((status, render(&body)?).into_response())
}
