//! "What matters to me": the current record, the form to change it, and
//! every earlier revision.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_app::Principal;
use linkwork_domain::casework::{Barrier, DayPart, FreeTime, WhatMatters, WhatMattersInput};
use linkwork_domain::codes::Need;
use linkwork_domain::directory::schedule::Weekday;
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;

use super::{CaseHeader, Done, Section, refused};
use crate::error::WebResult;
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::referral_views::when;
use crate::routes::referrals::parse_referral_id;
use crate::state::AppState;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WhatMattersForm {
    revision: i64,
    in_their_words: String,
    needs: Vec<String>,
    strengths: String,
    interests: String,
    barriers: Vec<String>,
    barrier_notes: String,
    free_times: Vec<String>,
    communication_needs: String,
}

impl WhatMattersForm {
    fn from_record(w: Option<&WhatMatters>) -> WhatMattersForm {
        let input = w.map(WhatMattersInput::from_record).unwrap_or_default();
        WhatMattersForm {
            revision: w.map_or(0, |w| w.revision),
            in_their_words: input.in_their_words,
            needs: input.needs,
            strengths: input.strengths,
            interests: input.interests,
            barriers: input.barriers,
            barrier_notes: input.barrier_notes,
            free_times: input.free_times,
            communication_needs: input.communication_needs,
        }
    }

    fn input(&self) -> WhatMattersInput {
        WhatMattersInput {
            in_their_words: self.in_their_words.clone(),
            needs: self.needs.clone(),
            strengths: self.strengths.clone(),
            interests: self.interests.clone(),
            barriers: self.barriers.clone(),
            barrier_notes: self.barrier_notes.clone(),
            free_times: self.free_times.clone(),
            communication_needs: self.communication_needs.clone(),
        }
    }
}

/// One row of the free-times grid: a day, with a checkbox per part.
pub struct FreeTimeRow {
    pub day: &'static str,
    pub cells: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "casework/what_matters.html")]
struct WhatMattersPage {
    page: PageCtx,
    header: CaseHeader,
    current: Option<WhatMatters>,
    current_needs: String,
    recorded: String,
    revision: i64,
    in_their_words: Input,
    needs: ChoiceField,
    strengths: Input,
    interests: Input,
    barriers: ChoiceField,
    barrier_notes: Input,
    free_times: Vec<FreeTimeRow>,
    free_times_error: Option<String>,
    communication_needs: Input,
}

fn need_labels(codes: &[String], needs: &[Need]) -> String {
    codes
        .iter()
        .map(|c| {
            needs
                .iter()
                .find(|n| &n.code == c)
                .map_or(c.clone(), |n| n.label.clone())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn page_for(
    state: &AppState,
    principal: &Principal,
    page: PageCtx,
    id: &str,
    form: Option<&WhatMattersForm>,
    errors: &ValidationErrors,
) -> WebResult<WhatMattersPage> {
    let app = &state.app;
    let view = app.case(principal, parse_referral_id(id)?).await?;
    let needs = app.all_needs().await?;
    let current = view.file.what_matters.clone();
    let stored = WhatMattersForm::from_record(current.as_ref());
    // After a conflict the form keeps what was typed, at the newer revision.
    let form = match form {
        Some(f) => WhatMattersForm {
            revision: stored.revision,
            ..f.clone()
        },
        None => stored,
    };
    let field = |id: &str, label: &str, value: &str| {
        Input::new(id, label).value(value.to_owned()).errors(errors)
    };
    let shown_needs: Vec<&Need> = needs
        .iter()
        .filter(|n| n.active || form.needs.contains(&n.code))
        .collect();
    Ok(WhatMattersPage {
        page: page
            .title(format!("What matters to {}", view.person.details.full_name()))
            .errors(errors),
        header: CaseHeader::new(&view, Section::WhatMatters),
        current_needs: current
            .as_ref()
            .map(|w| need_labels(&w.needs, &needs))
            .unwrap_or_default(),
        recorded: current
            .as_ref()
            .map(|w| format!("{} by {}", when(w.recorded_at), w.recorded_by_name))
            .unwrap_or_default(),
        current,
        revision: form.revision,
        in_their_words: field(
            "in_their_words",
            "What matters to them, in their own words",
            &form.in_their_words,
        )
        .hint("Write it as they said it, for example \"I want to get out of the house and meet people again\""),
        needs: ChoiceField::new(
            "needs",
            "What they would like support with",
            shown_needs
                .iter()
                .map(|n| Choice::new(n.code.clone(), n.label.clone(), form.needs.contains(&n.code)))
                .collect(),
        )
        .hint("Select all that apply. These are used to find services that fit.")
        .errors(errors),
        strengths: field("strengths", "Strengths (optional)", &form.strengths)
            .hint("What they are good at and what helps them cope"),
        interests: field("interests", "Interests (optional)", &form.interests)
            .hint("For example, gardening, football, cooking, music"),
        barriers: ChoiceField::new(
            "barriers",
            "What might get in the way",
            Barrier::ALL
                .iter()
                .map(|b| Choice::new(b.code(), b.label(), form.barriers.iter().any(|c| c == b.code())))
                .collect(),
        )
        .hint("Select all that apply")
        .errors(errors),
        barrier_notes: field(
            "barrier_notes",
            "More about what gets in the way (optional)",
            &form.barrier_notes,
        )
        .hint("For example, cannot manage stairs, or only free while the children are at school"),
        free_times: Weekday::ALL
            .into_iter()
            .map(|day| FreeTimeRow {
                day: day.name(),
                cells: DayPart::ALL
                    .iter()
                    .map(|part| {
                        let code = FreeTime { day, part: *part }.code();
                        let checked = form.free_times.contains(&code);
                        (code, part.label().to_owned(), checked)
                    })
                    .collect(),
            })
            .collect(),
        free_times_error: errors.for_field("free_times").map(str::to_owned),
        communication_needs: field(
            "communication_needs",
            "Communication needs (optional)",
            &form.communication_needs,
        )
        .hint("For example, prefers text messages, needs an interpreter, uses British Sign Language"),
    })
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> WebResult<Response> {
    let page = page.notice(done.notice(&[("saved", "What matters has been saved.")]));
    render(
        &page_for(
            &state,
            &principal,
            page,
            &id,
            None,
            &ValidationErrors::new(),
        )
        .await?,
    )
}

pub async fn save(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<WhatMattersForm>,
) -> WebResult<Response> {
    let referral_id = parse_referral_id(&id)?;
    match state
        .app
        .save_what_matters(&principal, referral_id, form.revision, &form.input())
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/referrals/{id}/what-matters?done=saved")).into_response())
        }
        Err(e) => {
            let (status, page, errors) = refused(e, page)?;
            let body = page_for(&state, &principal, page, &id, Some(&form), &errors).await?;
            Ok((status, render(&body)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "casework/what_matters_history.html")]
struct HistoryPage {
    page: PageCtx,
    header: CaseHeader,
    revisions: Vec<(WhatMatters, String, String)>,
}

pub async fn history(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let app = &state.app;
    let referral_id = parse_referral_id(&id)?;
    let view = app.case(&principal, referral_id).await?;
    let needs = app.all_needs().await?;
    let revisions = app
        .what_matters_history(&principal, referral_id)
        .await?
        .into_iter()
        .map(|w| {
            let labels = need_labels(&w.needs, &needs);
            let recorded = format!("{} by {}", when(w.recorded_at), w.recorded_by_name);
            (w, labels, recorded)
        })
        .collect();
    render(&HistoryPage {
        page: page.title(format!(
            "Earlier versions of what matters to {}",
            view.person.details.full_name()
        )),
        header: CaseHeader::new(&view, Section::WhatMatters),
        revisions,
    })
}
