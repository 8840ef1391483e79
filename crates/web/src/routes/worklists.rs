//! The waiting list (a network's referrals not yet contacted, longest
//! waiting first, against the first-contact target) and caseloads (each
//! link worker's open cases by next action due; a team lead sees everyone
//! and can reassign).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwork_app::AppError;
use linkwork_app::referrals::{CaseloadScope, WaitingStage};
use linkwork_domain::role::Permission;
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::{OrgId, UserId};
use linkwork_storage::PageRequest;
use serde::{Deserialize, Serialize};

use crate::error::WebResult;
use crate::forms::{Choice, ChoiceField};
use crate::page::{CurrentUser, PageCtx, render};
use crate::pagination::Pagination;
use crate::referral_views::ReferralRow;
use crate::state::AppState;

const PER_PAGE: u32 = 25;

#[derive(Debug, Deserialize, Serialize, Default)]
pub struct WaitingQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pcn: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    stage: String,
    /// A name, NHS number or postcode to find someone on the list.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    q: String,
    #[serde(
        default,
        skip_serializing,
        deserialize_with = "linkwork_app::page_number::deserialize"
    )]
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "referrals/waiting_list.html")]
struct WaitingListPage {
    page: PageCtx,
    network: String,
    pcn: Option<ChoiceField>,
    stage: ChoiceField,
    q: crate::forms::Input,
    searched: bool,
    stage_label: &'static str,
    rows: Vec<ReferralRow>,
    shown: u64,
    total_waiting: u64,
    past_target: u64,
    target: u32,
    pagination: Pagination,
}

pub async fn waiting_list(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(query): Query<WaitingQuery>,
) -> WebResult<Response> {
    let app = &state.app;
    let stage = WaitingStage::from_code(&query.stage).unwrap_or_default();
    let pcn = query.pcn.parse::<OrgId>().ok();
    let page_request = PageRequest::new(query.page.unwrap_or(1), PER_PAGE);
    // A search that cannot be run (too many words, hidden characters) is
    // said beside the search box, over the whole list.
    let (list, errors) = match app
        .waiting_list(&principal, pcn, stage, &query.q, page_request)
        .await
    {
        Ok(list) => (list, ValidationErrors::new()),
        Err(AppError::Invalid(errors)) => (
            app.waiting_list(&principal, pcn, stage, "", page_request)
                .await?,
            errors,
        ),
        Err(e) => return Err(e.into()),
    };
    let needs = app.all_needs().await?;
    let workers = app.assignable_workers(&principal, list.pcn.id).await?;
    let today = app.today();
    let filters = serde_urlencoded::to_string(&query).unwrap_or_default();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = render(&WaitingListPage {
        page: page.title("Waiting list").errors(&errors),
        network: list.pcn.name.clone(),
        pcn: (list.networks.len() > 1).then(|| {
            ChoiceField::new(
                "pcn",
                "Network",
                list.networks
                    .iter()
                    .map(|n| Choice::new(n.id.to_string(), n.name.clone(), n.id == list.pcn.id))
                    .collect(),
            )
        }),
        stage: ChoiceField::new(
            "stage",
            "Show",
            WaitingStage::ALL
                .into_iter()
                .map(|s| Choice::new(s.code(), s.label(), s == stage))
                .collect(),
        ),
        q: crate::forms::Input::new("q", "Name, NHS number or postcode")
            .value(query.q.clone())
            .errors(&errors),
        searched: !query.q.trim().is_empty() && errors.is_empty(),
        stage_label: stage.label(),
        pagination: Pagination::new(&list.page, "/waiting-list", &filters),
        shown: list.page.total,
        total_waiting: list.total_waiting,
        past_target: list.past_target,
        target: list.target_working_days,
        rows: list
            .page
            .items
            .iter()
            .map(|item| ReferralRow::new(app, item, &needs, &workers, today))
            .collect(),
    })?;
    Ok((status, body).into_response())
}

#[derive(Debug, Deserialize, Serialize, Default)]
pub struct CaseloadQuery {
    /// A link worker's id, or "everyone".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    worker: String,
    #[serde(
        default,
        skip_serializing,
        deserialize_with = "linkwork_app::page_number::deserialize"
    )]
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "referrals/caseload.html")]
struct CaseloadPage {
    page: PageCtx,
    heading: String,
    whose: Option<ChoiceField>,
    show_worker: bool,
    can_reassign: bool,
    rows: Vec<ReferralRow>,
    total: u64,
    pagination: Pagination,
}

pub async fn caseload(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(query): Query<CaseloadQuery>,
) -> WebResult<Response> {
    let app = &state.app;
    let lead = principal.can(Permission::ReassignCases);
    let networks = app.team_networks(&principal).await?;
    let mut workers = Vec::new();
    for network in &networks {
        workers.extend(app.assignable_workers(&principal, network.id).await?);
    }
    let scope = match (lead, query.worker.as_str()) {
        (true, "everyone") => networks.first().map(|n| CaseloadScope::Network(n.id)),
        (true, raw) => raw.parse::<UserId>().ok().map(CaseloadScope::Worker),
        (false, _) => None,
    }
    .unwrap_or(CaseloadScope::Mine);
    let results = app
        .caseload(
            &principal,
            scope,
            PageRequest::new(query.page.unwrap_or(1), PER_PAGE),
        )
        .await?;
    let needs = app.all_needs().await?;
    let today = app.today();
    let heading = match scope {
        CaseloadScope::Mine => "Your caseload".to_owned(),
        CaseloadScope::Worker(id) => format!(
            "{}'s caseload",
            workers
                .iter()
                .find(|w| w.id == id)
                .map(|w| w.display_name.as_str())
                .unwrap_or("A link worker")
        ),
        CaseloadScope::Network(_) => format!(
            "Everyone's caseload in {}",
            networks
                .first()
                .map(|n| n.name.as_str())
                .unwrap_or("the network")
        ),
    };
    let whose = lead.then(|| {
        let mut choices = vec![Choice::new("", "Mine", scope == CaseloadScope::Mine)];
        choices.extend(
            workers
                .iter()
                .filter(|w| w.id != principal.user.id)
                .map(|w| {
                    Choice::new(
                        w.id.to_string(),
                        w.display_name.clone(),
                        scope == CaseloadScope::Worker(w.id),
                    )
                }),
        );
        choices.push(Choice::new(
            "everyone",
            "Everyone in the network",
            matches!(scope, CaseloadScope::Network(_)),
        ));
        ChoiceField::new("worker", "Whose caseload", choices)
    });
    let filters = serde_urlencoded::to_string(&query).unwrap_or_default();
    render(&CaseloadPage {
        page: page.title(heading.clone()),
        heading,
        whose,
        show_worker: matches!(scope, CaseloadScope::Network(_)),
        can_reassign: lead,
        pagination: Pagination::new(&results, "/caseload", &filters),
        total: results.total,
        rows: results
            .items
            .iter()
            .map(|item| ReferralRow::new(app, item, &needs, &workers, today))
            .collect(),
    })
}
