//! The audit log page, and the security events every admin watches.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use linkwork_app::admin::Caller;
use linkwork_domain::audit::{AuditAction, AuditEvent};
use linkwork_domain::calendar::{uk_datetime, uk_start_of_day};
use linkwork_domain::role::Permission;
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::validation::non_empty;
use linkwork_storage::{AuditFilter, PageRequest};
use serde::{Deserialize, Serialize};

use crate::error::WebResult;
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::pagination::Pagination;
use crate::state::AppState;

const PER_PAGE: u32 = 50;

#[derive(Debug, Deserialize, Serialize, Default)]
pub struct AuditQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    actor: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    action: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    entity_type: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    entity_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    from: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    to: String,
    #[serde(
        default,
        skip_serializing,
        deserialize_with = "linkwork_app::page_number::deserialize"
    )]
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    page: PageCtx,
    events: Vec<EventRow>,
    total: u64,
    actor: Input,
    action: ChoiceField,
    entity_id: Input,
    from: Input,
    to: Input,
    entity_type: String,
    pagination: Pagination,
}

/// Parses the date filters (whole UK days, from local midnight; `to`
/// inclusive), noting bad ones.
fn date_filter(
    raw: &str,
    field: &'static str,
    end_of_day: bool,
    errors: &mut ValidationErrors,
) -> Option<chrono::DateTime<Utc>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(date) => {
            let date = if end_of_day {
                date.succ_opt().unwrap_or(date)
            } else {
                date
            };
            Some(uk_start_of_day(date))
        }
        Err(_) => {
            errors.add(field, "Enter a date in the format 2026-11-25");
            None
        }
    }
}

/// An event as the log shows it, its time on UK clocks.
struct EventRow {
    event: AuditEvent,
    when: String,
}

impl EventRow {
    fn new(event: AuditEvent) -> Self {
        EventRow {
            when: uk_datetime(event.at)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            event,
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(query): Query<AuditQuery>,
) -> WebResult<Response> {
    principal.require(Permission::ViewAuditLog)?;
    let mut errors = ValidationErrors::new();
    let filter = AuditFilter {
        within: None,
        actor: non_empty(&query.actor),
        action: non_empty(&query.action),
        entity_type: non_empty(&query.entity_type),
        entity_id: non_empty(&query.entity_id),
        from: date_filter(&query.from, "from", false, &mut errors),
        to: date_filter(&query.to, "to", true, &mut errors),
        ..Default::default()
    };
    let results = state
        .app
        .audit_page(
            Caller::User(&principal),
            filter,
            PageRequest::new(query.page.unwrap_or(1), PER_PAGE),
        )
        .await?;
    let filters = serde_urlencoded::to_string(&query).unwrap_or_default();
    let actions = AuditAction::ALL
        .iter()
        .map(|a| Choice::new(a.code(), a.label(), query.action == a.code()))
        .collect();
    render(&AuditPage {
        page: page.title("Audit log").errors(&errors),
        pagination: Pagination::new(&results, "/admin/audit", &filters),
        total: results.total,
        events: results.items.into_iter().map(EventRow::new).collect(),
        actor: Input::new("actor", "Who")
            .hint("Part of an email address")
            .value(query.actor.clone()),
        action: ChoiceField::new("action", "What", actions).placeholder("Any action"),
        entity_id: Input::new("entity_id", "Record ID").value(query.entity_id.clone()),
        from: Input::new("from", "From")
            .kind("date")
            .value(query.from.clone())
            .errors(&errors),
        to: Input::new("to", "To")
            .kind("date")
            .value(query.to.clone())
            .errors(&errors),
        entity_type: query.entity_type.clone(),
    })
}

#[derive(Template)]
#[template(path = "admin/security.html")]
struct SecurityPage {
    page: PageCtx,
    events: Vec<EventRow>,
    total: u64,
    pagination: Pagination,
}

#[derive(Debug, Deserialize, Default)]
pub struct SecurityQuery {
    #[serde(default, deserialize_with = "linkwork_app::page_number::deserialize")]
    page: Option<u32>,
}

/// Failed, refused and locked sign-ins, refused reads of records, spam on
/// the public form, exports of the log and changes to who can get in.
pub async fn security(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(query): Query<SecurityQuery>,
) -> WebResult<Response> {
    let results = state
        .app
        .security_events(
            &principal,
            PageRequest::new(query.page.unwrap_or(1), PER_PAGE),
        )
        .await?;
    render(&SecurityPage {
        page: page.title("Security events"),
        pagination: Pagination::new(&results, "/admin/security", ""),
        total: results.total,
        events: results.items.into_iter().map(EventRow::new).collect(),
    })
}
