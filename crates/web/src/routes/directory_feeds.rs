//! The directory manager's feeds: the Open Referral UK feeds the directory
//! is kept current from, each one's readings, and what each reading did.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use linkwork_app::error::AppError;
use linkwork_domain::directory::feeds::{FeedRun, NewFeedInput, SCHEDULES, schedule_label};
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::{FeedId, FeedRunId};
use linkwork_storage::{FeedWithLastRun, PageRequest};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::pagination::Pagination;
use crate::referral_views::when;
use crate::state::AppState;

const RUNS_PER_PAGE: u32 = 20;

/// A reading in a list: when, why, and what it did in a line.
struct RunRow {
    href: String,
    at: String,
    why: &'static str,
    failed: bool,
    summary: String,
}

impl RunRow {
    fn new(run: &FeedRun) -> RunRow {
        let r = &run.report;
        RunRow {
            href: format!("/directory/feeds/{}/runs/{}", run.feed_id, run.id),
            at: when(run.started_at),
            why: match run.trigger {
                linkwork_domain::directory::feeds::RunTrigger::Schedule => "On schedule",
                linkwork_domain::directory::feeds::RunTrigger::Asked => "Asked for",
            },
            failed: run.failure.is_some(),
            summary: match &run.failure {
                Some(reason) => reason.clone(),
                None => format!(
                    "{} new, {} updated, {} withdrawn, {} kept as edited here, {} rejected",
                    r.created.len(),
                    r.updated.len(),
                    r.withdrawn.len(),
                    r.kept_local.len(),
                    r.rejected.len()
                ),
            },
        }
    }
}

/// A registered feed in the list.
struct FeedRow {
    href: String,
    name: String,
    url: String,
    schedule: String,
    next: String,
    last: Option<RunRow>,
}

impl FeedRow {
    fn new(f: &FeedWithLastRun) -> FeedRow {
        FeedRow {
            href: format!("/directory/feeds/{}", f.feed.id),
            name: f.feed.name.clone(),
            url: f.feed.url.clone(),
            schedule: f.feed.schedule_label(),
            next: if f.asked {
                "Within a minute (asked for)".into()
            } else {
                when(f.feed.next_run_at)
            },
            last: f.last_run.as_ref().map(RunRow::new),
        }
    }
}

#[derive(Template)]
#[template(path = "directory/feeds.html")]
struct FeedsPage {
    page: PageCtx,
    feeds: Vec<FeedRow>,
    name: Input,
    url: Input,
    every_hours: ChoiceField,
}

fn schedule_field(chosen: &str) -> ChoiceField {
    let choices = SCHEDULES
        .iter()
        .map(|h| Choice::new(h.to_string(), schedule_label(*h), chosen == h.to_string()))
        .collect();
    ChoiceField::new("every_hours", "How often to read it", choices)
        .hint("Nightly feeds are read in the early hours, when no one is using Linkwork")
}

async fn feeds_page(
    state: &AppState,
    page: PageCtx,
    principal: &linkwork_app::principal::Principal,
    input: &NewFeedInput,
    errors: &ValidationErrors,
) -> WebResult<FeedsPage> {
    let feeds = state.app.directory_feeds(principal).await?;
    Ok(FeedsPage {
        page: page.title("Directory feeds").errors(errors),
        feeds: feeds.iter().map(FeedRow::new).collect(),
        name: Input::new("name", "Name")
            .hint("Whose feed it is, such as Leeds City Council")
            .value(&input.name)
            .errors(errors),
        url: Input::new("url", "Web address")
            .hint(
                "The feed's address, such as https://example.org/api (its /services list is read)",
            )
            .kind("url")
            .value(&input.url)
            .errors(errors),
        every_hours: schedule_field(if input.every_hours.is_empty() {
            "24"
        } else {
            &input.every_hours
        })
        .errors(errors),
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    page: Option<u32>,
}

pub async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(q): Query<DoneQuery>,
) -> WebResult<Response> {
    let notice = match q.done.as_deref() {
        Some("removed") => Some("Feed removed. Its services stay in the directory.".to_owned()),
        _ => None,
    };
    let body = feeds_page(
        &state,
        page.notice(notice),
        &principal,
        &NewFeedInput::default(),
        &ValidationErrors::new(),
    )
    .await?;
    render(&body)
}

pub async fn register(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Form(input): Form<NewFeedInput>,
) -> WebResult<Response> {
    match state.app.register_feed(&principal, &input).await {
        Ok(feed) => Ok(
            Redirect::to(&format!("/directory/feeds/{}?done=registered", feed.id)).into_response(),
        ),
        Err(AppError::Invalid(errors)) => {
            let body = feeds_page(&state, page, &principal, &input, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "directory/feed.html")]
struct FeedPage {
    page: PageCtx,
    feed: FeedRow,
    runs: Vec<RunRow>,
    total: u64,
    pagination: Pagination,
}

fn feed_id(raw: &str) -> WebResult<FeedId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> WebResult<Response> {
    let id = feed_id(&id)?;
    let view = state
        .app
        .directory_feed(
            &principal,
            id,
            PageRequest::new(q.page.unwrap_or(1), RUNS_PER_PAGE),
        )
        .await?;
    let notice = match q.done.as_deref() {
        Some("registered") => Some(
            "Feed registered. It is read on its schedule; read it now to see what it holds."
                .to_owned(),
        ),
        Some("asked") => Some(
            "The feed will be read within a minute. Refresh this page to see the report."
                .to_owned(),
        ),
        _ => None,
    };
    let path = format!("/directory/feeds/{id}");
    render(&FeedPage {
        page: page.title(view.feed.feed.name.clone()).notice(notice),
        feed: FeedRow::new(&view.feed),
        runs: view.runs.items.iter().map(RunRow::new).collect(),
        total: view.runs.total,
        pagination: Pagination::new(&view.runs, &path, ""),
    })
}

pub async fn ask(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = feed_id(&id)?;
    state.app.ask_feed_run(&principal, id).await?;
    Ok(Redirect::to(&format!("/directory/feeds/{id}?done=asked")).into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    state.app.remove_feed(&principal, feed_id(&id)?).await?;
    Ok(Redirect::to("/directory/feeds?done=removed").into_response())
}

#[derive(Template)]
#[template(path = "directory/feed_run.html")]
struct RunPage {
    page: PageCtx,
    feed: FeedRow,
    row: RunRow,
    run: FeedRun,
    feed_id: FeedId,
}

pub async fn run(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path((id, run)): Path<(String, String)>,
    Query(q): Query<DoneQuery>,
) -> WebResult<Response> {
    let id = feed_id(&id)?;
    let run: FeedRunId = run.parse().map_err(|_| WebError::NotFound)?;
    let (feed, run) = state.app.feed_run(&principal, id, run).await?;
    let notice = (q.done.as_deref() == Some("released")).then(|| {
        "The feed's next reading will update that listing, replacing the changes made here."
            .to_owned()
    });
    render(&RunPage {
        page: page
            .title(format!(
                "{}: reading of {}",
                feed.feed.name,
                when(run.started_at)
            ))
            .notice(notice),
        feed: FeedRow::new(&feed),
        row: RunRow::new(&run),
        run,
        feed_id: id,
    })
}

pub async fn release(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    Path((id, run, service)): Path<(String, String, String)>,
) -> WebResult<Response> {
    let id = feed_id(&id)?;
    let run: FeedRunId = run.parse().map_err(|_| WebError::NotFound)?;
    let service: Uuid = service.parse().map_err(|_| WebError::NotFound)?;
    state
        .app
        .release_local_edit(&principal, id, service)
        .await?;
    Ok(Redirect::to(&format!("/directory/feeds/{id}/runs/{run}?done=released")).into_response())
}
