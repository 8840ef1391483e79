//! For team leads: each link worker's load, and the open safeguarding
//! concerns across their networks.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use linkwork_app::casework::TeamView;
use linkwork_domain::OrgId;
use linkwork_storage::ConcernItem;
use serde::Deserialize;

use crate::error::{WebError, WebResult};
use crate::page::{CurrentUser, PageCtx, render};
use crate::referral_views::when;
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct TeamQuery {
    pcn: Option<String>,
}

#[derive(Template)]
#[template(path = "casework/team.html")]
struct TeamPage {
    page: PageCtx,
    team: TeamView,
    totals: (u64, u64, u64, u64, u64),
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(query): Query<TeamQuery>,
) -> WebResult<Response> {
    let pcn = match query.pcn.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<OrgId>().map_err(|_| WebError::NotFound)?),
    };
    let team = state.app.team_view(&principal, pcn).await?;
    let totals = team.loads.iter().fold((0, 0, 0, 0, 0), |t, l| {
        (
            t.0 + l.open_cases,
            t.1 + l.without_recent_contact,
            t.2 + l.overdue_tasks,
            t.3 + l.waiting_breaches,
            t.4 + l.intervention_received,
        )
    });
    render(&TeamPage {
        page: page.title(format!("{}: the team", team.pcn.name)),
        team,
        totals,
    })
}

pub struct ConcernRow {
    pub item: ConcernItem,
    pub raised: String,
}

#[derive(Template)]
#[template(path = "casework/safeguarding.html")]
struct ConcernsPage {
    page: PageCtx,
    concerns: Vec<ConcernRow>,
}

pub async fn safeguarding(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
) -> WebResult<Response> {
    let concerns = state
        .app
        .open_concerns(&principal)
        .await?
        .into_iter()
        .map(|item| ConcernRow {
            raised: when(item.note.at),
            item,
        })
        .collect();
    render(&ConcernsPage {
        page: page.title("Open safeguarding concerns"),
        concerns,
    })
}
