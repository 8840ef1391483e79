//! The diary: a week of contacts, and the calendar feed that puts them in
//! a calendar app.

use askama::Template;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::{Duration, NaiveDate};
use linkwork_app::casework::Diary;
use linkwork_domain::UserId;
use linkwork_domain::calendar::uk_datetime;
use serde::Deserialize;

use super::Done;
use crate::client::ClientAddr;
use crate::error::{WebError, WebResult};
use crate::page::{CurrentUser, PageCtx, render};
use crate::referral_views::long_date;
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct DiaryQuery {
    /// Any day of the week to show, `YYYY-MM-DD`.
    week: Option<String>,
    /// A colleague's diary (team leads).
    worker: Option<String>,
    done: Option<String>,
}

pub struct DayView {
    pub heading: String,
    pub today: bool,
    pub entries: Vec<EntryView>,
}

pub struct EntryView {
    pub time: String,
    pub href: String,
    pub name: String,
    pub what: String,
    pub status: linkwork_domain::casework::ContactStatus,
}

#[derive(Template)]
#[template(path = "casework/diary.html")]
struct DiaryPage {
    page: PageCtx,
    mine: bool,
    worker_query: String,
    week_of: String,
    previous: String,
    next: String,
    this_week: String,
    days: Vec<DayView>,
    feed: Option<bool>,
    feed_url: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(query): Query<DiaryQuery>,
) -> WebResult<Response> {
    let app = &state.app;
    let today = app.today();
    let week = match query.week.as_deref() {
        None | Some("") => today,
        Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| WebError::BadRequest("The week must be a date like 2026-12-07".into()))?,
    };
    let worker = match query.worker.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<UserId>().map_err(|_| WebError::NotFound)?),
    };
    let Diary { worker, days, feed } = app.diary(&principal, worker, week).await?;
    let mine = worker.id == principal.user.id;
    let monday = days[0].date;
    let worker_query = if mine {
        String::new()
    } else {
        format!("&worker={}", worker.id)
    };
    let notice = Done { done: query.done }.notice(&[(
        "revoked",
        "Your calendar feed has been turned off. Calendars using it will stop updating.",
    )]);
    render(&DiaryPage {
        page: page
            .title(if mine {
                "Your diary".to_owned()
            } else {
                format!("{}'s diary", worker.display_name)
            })
            .notice(notice),
        week_of: long_date(monday),
        previous: (monday - Duration::days(7)).to_string(),
        next: (monday + Duration::days(7)).to_string(),
        this_week: today.to_string(),
        days: days
            .into_iter()
            .map(|d| DayView {
                heading: d.date.format("%A %-d %B").to_string(),
                today: d.date == today,
                entries: d
                    .entries
                    .into_iter()
                    .map(|e| EntryView {
                        time: uk_datetime(e.contact.starts_at).format("%H:%M").to_string(),
                        href: format!("/referrals/{}/contacts", e.contact.referral_id),
                        name: e.person.full_name(),
                        what: format!(
                            "{}, {} minutes{}",
                            e.contact.mode.label(),
                            e.contact.duration_minutes,
                            e.contact
                                .location
                                .as_deref()
                                .map(|l| format!(", {l}"))
                                .unwrap_or_default()
                        ),
                        status: e.contact.status,
                    })
                    .collect(),
            })
            .collect(),
        feed: feed.map(|f| f.full_names),
        feed_url: None,
        mine,
        worker_query,
    })
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct FeedForm {
    full_names: String,
}

/// Sets up a new feed address (replacing any earlier one) and shows it
/// once.
pub async fn issue_feed(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Form(form): Form<FeedForm>,
) -> WebResult<Response> {
    let app = &state.app;
    let token = app
        .issue_calendar_feed(&principal, form.full_names == "yes")
        .await?;
    let base = app
        .settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", app.settings.listen));
    let today = app.today();
    let Diary { days, .. } = app.diary(&principal, None, today).await?;
    render(&DiaryPage {
        page: page.title("Your diary").notice(Some(
            "Your calendar feed is ready. Copy its address now: it is shown only once.".into(),
        )),
        mine: true,
        worker_query: String::new(),
        week_of: long_date(days[0].date),
        previous: (days[0].date - Duration::days(7)).to_string(),
        next: (days[0].date + Duration::days(7)).to_string(),
        this_week: today.to_string(),
        days: Vec::new(),
        feed: Some(form.full_names == "yes"),
        feed_url: Some(format!(
            "{}/calendar/{token}.ics",
            base.trim_end_matches('/')
        )),
    })
}

pub async fn revoke_feed(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
) -> WebResult<Response> {
    state.app.revoke_calendar_feed(&principal).await?;
    Ok(Redirect::to("/diary?done=revoked").into_response())
}

/// The feed itself, read by calendar apps with the secret in the address
/// (they cannot sign in). A wrong or revoked address is simply not found.
pub async fn calendar(
    State(state): State<AppState>,
    Extension(ClientAddr(ip)): Extension<ClientAddr>,
    Path(file): Path<String>,
) -> WebResult<Response> {
    let token = file.strip_suffix(".ics").ok_or(WebError::NotFound)?;
    let body = state.app.calendar_ics(token, ip).await?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
