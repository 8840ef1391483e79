//! Discharging a person, and the summary for their GP record.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_app::casework::{CaseView, GpSummary};
use linkwork_domain::casework::{DischargeInput, DischargeReason, Goal, GoalStatus};
use linkwork_domain::validation::ValidationErrors;

use super::{CaseHeader, Section, refused};
use crate::error::WebResult;
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::referral_views::{long_date, when};
use crate::routes::referrals::parse_referral_id;
use crate::state::AppState;

type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// An open goal's choice of final status.
pub struct GoalChoice {
    pub goal: Goal,
    pub name: String,
    pub achieved: bool,
    pub dropped: bool,
}

#[derive(Template)]
#[template(path = "casework/discharge.html")]
struct DischargePage {
    page: PageCtx,
    header: CaseHeader,
    version: i64,
    reason: ChoiceField,
    summary: Input,
    goals: Vec<GoalChoice>,
    goals_error: Option<String>,
    open_tasks: usize,
    booked: usize,
}

fn discharge_page(
    page: PageCtx,
    view: &CaseView,
    fields: &Fields,
    errors: &ValidationErrors,
) -> DischargePage {
    let chosen = field(fields, "reason");
    DischargePage {
        page: page
            .title(format!("Discharge {}", view.person.details.full_name()))
            .errors(errors),
        header: CaseHeader::new(view, Section::Overview),
        version: view.referral.version,
        reason: ChoiceField::new(
            "reason",
            "Why is support ending?",
            DischargeReason::ALL
                .iter()
                .map(|r| Choice::new(r.code(), r.label(), chosen == r.code()))
                .collect(),
        )
        .errors(errors),
        summary: Input::new("summary", "Closing summary")
            .hint("What changed for the person and what they will carry on with. This goes in the summary for their GP.")
            .value(field(fields, "summary").to_owned())
            .errors(errors),
        goals: view
            .file
            .plan
            .iter()
            .flat_map(|p| &p.goals)
            .filter(|g| g.status.is_open())
            .map(|g| {
                let name = format!("goal-{}", g.id);
                let value = field(fields, &name);
                GoalChoice {
                    achieved: value == GoalStatus::Achieved.code(),
                    dropped: value == GoalStatus::NoLongerRelevant.code(),
                    goal: g.clone(),
                    name,
                }
            })
            .collect(),
        goals_error: errors.for_field("goals").map(str::to_owned),
        open_tasks: view.file.tasks.iter().filter(|t| t.is_open()).count(),
        booked: view.file.contacts.iter().filter(|c| c.is_booked()).count(),
    }
}

pub async fn form(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let view = state.app.case(&principal, parse_referral_id(&id)?).await?;
    if view.file.discharge.is_some() {
        return Ok(Redirect::to(&format!("/referrals/{id}/gp-summary")).into_response());
    }
    let page = match view.referral.require_open_case() {
        // The form would only be refused: say why instead of offering it.
        Err(e) => page.error(e.for_field("status").unwrap_or_default().to_owned()),
        Ok(()) => page,
    };
    render(&discharge_page(
        page,
        &view,
        &Fields::new(),
        &ValidationErrors::new(),
    ))
}

pub async fn submit(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> WebResult<Response> {
    let referral_id = parse_referral_id(&id)?;
    let input = DischargeInput {
        reason: field(&fields, "reason").to_owned(),
        summary: field(&fields, "summary").to_owned(),
        goal_statuses: fields
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("goal-")?.parse().ok()?, v.clone())))
            .collect(),
    };
    let version = field(&fields, "version").parse().unwrap_or(-1);
    match state
        .app
        .discharge(&principal, referral_id, version, &input)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/referrals/{id}/gp-summary")).into_response()),
        Err(e) => {
            let (status, page, errors) = refused(e, page)?;
            let view = state.app.case(&principal, referral_id).await?;
            if view.file.discharge.is_some() {
                // Discharged meanwhile (by this user in another tab, or a
                // colleague): the summary is what there is to see.
                return Ok(Redirect::to(&format!("/referrals/{id}/gp-summary")).into_response());
            }
            Ok((
                status,
                render(&discharge_page(page, &view, &fields, &errors))?,
            )
                .into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "casework/gp_summary.html")]
struct GpSummaryPage {
    page: PageCtx,
    header: CaseHeader,
    s: GpSummary,
    date_of_birth: String,
    received: String,
    first_contact: String,
    discharged: String,
    needs: String,
    /// The referring organisation, when it is not the GP practice.
    referrer_copy: String,
}

/// The letter for the GP record, printable.
pub async fn gp_summary(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let referral_id = parse_referral_id(&id)?;
    let app = &state.app;
    let view = app.case(&principal, referral_id).await?;
    let s = app.gp_summary(&principal, referral_id).await?;
    render(&GpSummaryPage {
        page: page.title("Summary for the GP record"),
        header: CaseHeader::new(&view, Section::Overview),
        date_of_birth: long_date(s.person.details.date_of_birth),
        received: when(s.referral.received_at),
        first_contact: s.first_contact.map(when).unwrap_or_default(),
        discharged: when(s.discharge.discharged_at),
        referrer_copy: s
            .referrer_org
            .as_ref()
            .filter(|org| s.gp_practice.as_ref().map(|g| g.id) != Some(org.id))
            .map(|org| org.name.clone())
            .unwrap_or_default(),
        needs: s
            .needs
            .iter()
            .map(|n| n.label.clone())
            .collect::<Vec<_>>()
            .join(", "),
        s,
    })
}
