//! The personalised care and support plan: goals and their steps, the
//! review date and reviews, and the page the person takes away.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_app::casework::CaseView;
use linkwork_domain::GoalId;
use linkwork_domain::casework::{GoalInput, GoalStatus, MAX_STEPS, Plan, StepInput};
use linkwork_domain::person::DateParts;
use linkwork_domain::validation::ValidationErrors;

use super::{CaseHeader, Done, Section, refused};
use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::referral_forms::DateField;
use crate::referral_views::long_date;
use crate::routes::referrals::parse_referral_id;
use crate::state::AppState;

const NOTICES: &[(&str, &str)] = &[
    ("goal", "The goal has been saved."),
    ("review-date", "The review date has been saved."),
    ("reviewed", "The review has been recorded."),
];

/// A form's fields as posted, for the forms whose fields are numbered
/// (a goal's steps).
type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn version(fields: &Fields) -> i64 {
    field(fields, "version").parse().unwrap_or(-1)
}

fn date_parts(fields: &Fields, name: &str) -> DateParts {
    DateParts {
        day: field(fields, &format!("{name}_day")).to_owned(),
        month: field(fields, &format!("{name}_month")).to_owned(),
        year: field(fields, &format!("{name}_year")).to_owned(),
    }
}

#[derive(Template)]
#[template(path = "casework/plan.html")]
struct PlanPage {
    page: PageCtx,
    header: CaseHeader,
    plan: Option<Plan>,
    version: i64,
    review_date: String,
    review_due: bool,
    review_field: DateField,
    review_summary: Input,
    next_review: DateField,
}

async fn plan_page(
    state: &AppState,
    page: PageCtx,
    view: CaseView,
    errors: &ValidationErrors,
    typed: Option<&Fields>,
) -> WebResult<PlanPage> {
    let today = state.app.today();
    let plan = view.file.plan.clone();
    let review = plan.as_ref().and_then(|p| p.review_date);
    let typed_date = |name: &str, stored: Option<chrono::NaiveDate>| match typed {
        Some(f) => date_parts(f, name),
        None => stored
            .map(|d| DateParts::from_iso(&d.to_string()))
            .unwrap_or_default(),
    };
    let review_parts = typed_date("review_date", review);
    let next_parts = typed_date("next_review", None);
    Ok(PlanPage {
        page: page
            .title(format!("{}'s plan", view.person.details.full_name()))
            .errors(errors),
        header: CaseHeader::new(&view, Section::Plan),
        version: plan.as_ref().map_or(0, |p| p.version),
        review_date: review.map(long_date).unwrap_or_default(),
        review_due: review.is_some_and(|d| d <= today),
        review_field: DateField::new("review_date", "review_date", "Review date")
            .hint("When you and the person will look at the plan together again")
            .value(&review_parts.day, &review_parts.month, &review_parts.year)
            .errors(errors),
        review_summary: Input::new("summary", "What you agreed at the review")
            .value(
                typed
                    .map(|f| field(f, "summary").to_owned())
                    .unwrap_or_default(),
            )
            .errors(errors),
        next_review: DateField::new("next_review", "next_review", "Next review date (optional)")
            .value(&next_parts.day, &next_parts.month, &next_parts.year)
            .errors(errors),
        plan,
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
    render(&plan_page(&state, page, view, &ValidationErrors::new(), None).await?)
}

/// The review date form, and recording a review, both post here.
pub async fn review(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path((id, what)): Path<(String, String)>,
    Form(fields): Form<Fields>,
) -> WebResult<Response> {
    let referral_id = parse_referral_id(&id)?;
    let app = &state.app;
    let result = match what.as_str() {
        "review-date" => {
            app.set_review_date(
                &principal,
                referral_id,
                version(&fields),
                &date_parts(&fields, "review_date"),
            )
            .await
        }
        "review" => {
            app.review_plan(
                &principal,
                referral_id,
                version(&fields),
                field(&fields, "summary"),
                &date_parts(&fields, "next_review"),
            )
            .await
        }
        _ => return Err(WebError::NotFound),
    };
    match result {
        Ok(_) => {
            let done = if what == "review" {
                "reviewed"
            } else {
                "review-date"
            };
            Ok(Redirect::to(&format!("/referrals/{id}/plan?done={done}")).into_response())
        }
        Err(e) => {
            let (status, page, errors) = refused(e, page)?;
            let view = app.case(&principal, referral_id).await?;
            let body = plan_page(&state, page, view, &errors, Some(&fields)).await?;
            Ok((status, render(&body)?).into_response())
        }
    }
}

/// One step's row of the goal form.
pub struct StepRow {
    pub number: usize,
    pub what: Input,
    pub who: Input,
    pub by_when: DateField,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "casework/goal.html")]
struct GoalPage {
    page: PageCtx,
    header: CaseHeader,
    action: String,
    version: i64,
    in_their_words: Input,
    status: ChoiceField,
    steps: Vec<StepRow>,
}

fn goal_input(fields: &Fields) -> GoalInput {
    GoalInput {
        in_their_words: field(fields, "in_their_words").to_owned(),
        status: field(fields, "status").to_owned(),
        steps: (1..=MAX_STEPS)
            .map(|i| StepInput {
                what: field(fields, &format!("steps-{i}-what")).to_owned(),
                who: field(fields, &format!("steps-{i}-who")).to_owned(),
                by_when: date_parts(fields, &format!("steps-{i}-by_when")),
                done: field(fields, &format!("steps-{i}-done")) == "yes",
            })
            .collect(),
    }
}

/// The step fields' ids, which the domain names its errors by.
const STEP_IDS: [[&str; 3]; MAX_STEPS] = [
    ["steps-1-what", "steps-1-who", "steps-1-by_when"],
    ["steps-2-what", "steps-2-who", "steps-2-by_when"],
    ["steps-3-what", "steps-3-who", "steps-3-by_when"],
    ["steps-4-what", "steps-4-who", "steps-4-by_when"],
    ["steps-5-what", "steps-5-who", "steps-5-by_when"],
    ["steps-6-what", "steps-6-who", "steps-6-by_when"],
    ["steps-7-what", "steps-7-who", "steps-7-by_when"],
    ["steps-8-what", "steps-8-who", "steps-8-by_when"],
];

fn goal_page(
    page: PageCtx,
    view: &CaseView,
    goal: Option<GoalId>,
    input: &GoalInput,
    version: i64,
    errors: &ValidationErrors,
) -> GoalPage {
    let heading = if goal.is_some() {
        "Change a goal"
    } else {
        "Add a goal"
    };
    // Every step so far, and room for two more.
    let rows = (input
        .steps
        .iter()
        .filter(|s| !s.what.trim().is_empty())
        .count()
        + 2)
    .min(MAX_STEPS);
    let steps = (0..rows)
        .map(|i| {
            let s = input.steps.get(i).cloned().unwrap_or_default();
            let [what, who, by_when] = STEP_IDS[i];
            StepRow {
                number: i + 1,
                what: Input::new(what, format!("Step {}: what", i + 1))
                    .value(s.what)
                    .errors(errors),
                who: Input::new(who, "Who does it")
                    .hint("For example, me, my daughter, Sam (link worker)")
                    .value(s.who)
                    .errors(errors),
                by_when: DateField::new(by_when, by_when, "By when (optional)")
                    .value(&s.by_when.day, &s.by_when.month, &s.by_when.year)
                    .errors(errors),
                done: s.done,
            }
        })
        .collect();
    GoalPage {
        page: page.title(heading).errors(errors),
        header: CaseHeader::new(view, Section::Plan),
        action: match goal {
            Some(g) => format!("/referrals/{}/plan/goals/{g}", view.referral.id),
            None => format!("/referrals/{}/plan/goals/new", view.referral.id),
        },
        version,
        in_their_words: Input::new("in_their_words", "The goal, in the person's own words")
            .hint("For example, \"I want to feel confident going to the shops on my own\"")
            .value(input.in_their_words.clone())
            .errors(errors),
        status: ChoiceField::new(
            "status",
            "Where does it stand?",
            GoalStatus::ALL
                .iter()
                .map(|s| {
                    let chosen = if input.status.is_empty() {
                        *s == GoalStatus::NotStarted
                    } else {
                        input.status == s.code()
                    };
                    Choice::new(s.code(), s.label(), chosen)
                })
                .collect(),
        )
        .errors(errors),
        steps,
    }
}

fn parse_goal(raw: &str) -> WebResult<Option<GoalId>> {
    if raw == "new" {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| WebError::NotFound)
}

pub async fn goal_form(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path((id, goal)): Path<(String, String)>,
) -> WebResult<Response> {
    let goal = parse_goal(&goal)?;
    let view = state.app.case(&principal, parse_referral_id(&id)?).await?;
    let plan = view.file.plan.as_ref();
    let input = match goal {
        Some(g) => GoalInput::from_goal(plan.and_then(|p| p.goal(g)).ok_or(WebError::NotFound)?),
        None => GoalInput::default(),
    };
    let version = plan.map_or(0, |p| p.version);
    render(&goal_page(
        page,
        &view,
        goal,
        &input,
        version,
        &ValidationErrors::new(),
    ))
}

pub async fn goal_submit(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path((id, goal)): Path<(String, String)>,
    Form(fields): Form<Fields>,
) -> WebResult<Response> {
    let goal = parse_goal(&goal)?;
    let referral_id = parse_referral_id(&id)?;
    let input = goal_input(&fields);
    match state
        .app
        .save_goal(&principal, referral_id, goal, version(&fields), &input)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/referrals/{id}/plan?done=goal")).into_response()),
        Err(e) => {
            let (status, page, errors) = refused(e, page)?;
            let view = state.app.case(&principal, referral_id).await?;
            // Sent again, the form is a change made knowing the newer plan.
            let current = view.file.plan.as_ref().map_or(0, |p| p.version);
            let body = goal_page(page, &view, goal, &input, current, &errors);
            Ok((status, render(&body)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "casework/plan_print.html")]
struct PrintPage {
    page: PageCtx,
    back: String,
    plan: Option<Plan>,
    review_date: String,
    worker: String,
    worker_email: String,
    team: String,
    printed: String,
}

/// The plan as the person takes it away: plain English, large type, no
/// navigation, and how to reach their link worker.
pub async fn print(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let app = &state.app;
    let view = app.case(&principal, parse_referral_id(&id)?).await?;
    let worker = view
        .referral
        .assigned_to
        .and_then(|id| view.users.iter().find(|u| u.id == id));
    let team = app
        .store
        .organisation(view.referral.pcn_id)
        .await
        .map_err(linkwork_app::AppError::from)?
        .map(|o| o.name)
        .unwrap_or_default();
    let name = view
        .person
        .details
        .preferred_name
        .clone()
        .unwrap_or_else(|| view.person.details.given_name.clone());
    render(&PrintPage {
        page: page.title(format!("{name}'s plan")),
        back: format!("/referrals/{}/plan", view.referral.id),
        review_date: view
            .file
            .plan
            .as_ref()
            .and_then(|p| p.review_date)
            .map(long_date)
            .unwrap_or_default(),
        worker: worker.map(|u| u.display_name.clone()).unwrap_or_default(),
        worker_email: worker.map(|u| u.email.to_string()).unwrap_or_default(),
        team,
        printed: long_date(app.today()),
        plan: view.file.plan,
    })
}
