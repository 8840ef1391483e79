//! The outbox: the emails and text messages sent for an administrator's
//! organisations, and those held or given up on, with why.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use linkwork_domain::MessageId;
use linkwork_domain::message::{Message, MessageStatus};
use linkwork_storage::PageRequest;
use serde::Deserialize;

use crate::error::{WebError, WebResult};
use crate::page::{CurrentUser, PageCtx, render};
use crate::pagination::Pagination;
use crate::referral_views::when;
use crate::state::AppState;

const PER_PAGE: u32 = 50;

#[derive(Debug, Deserialize, Default)]
pub struct OutboxQuery {
    #[serde(default, deserialize_with = "linkwork_app::page_number::deserialize")]
    page: Option<u32>,
}

/// A message as the outbox shows it.
pub struct MessageRow {
    pub message: Message,
    pub href: String,
    pub created: String,
    pub sent: Option<String>,
    pub next_attempt: Option<String>,
    /// The NHS.UK tag colour for its status.
    pub tag: &'static str,
}

impl MessageRow {
    fn new(message: Message) -> MessageRow {
        let tag = match message.status {
            MessageStatus::Queued => "nhsuk-tag--blue",
            MessageStatus::Sent => "nhsuk-tag--green",
            MessageStatus::Failed => "nhsuk-tag--red",
            MessageStatus::Held => "nhsuk-tag--orange",
        };
        MessageRow {
            href: format!("/admin/outbox/{}", message.id),
            created: when(message.created_at),
            sent: message.sent_at.map(when),
            next_attempt: (message.status == MessageStatus::Queued)
                .then(|| when(message.next_attempt_at)),
            tag,
            message,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    page: PageCtx,
    rows: Vec<MessageRow>,
    total: u64,
    pagination: Pagination,
}

pub async fn list(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(query): Query<OutboxQuery>,
) -> WebResult<Response> {
    let messages = state
        .app
        .outbox(
            &principal,
            PageRequest::new(query.page.unwrap_or(1), PER_PAGE),
        )
        .await?;
    render(&OutboxPage {
        page: page.title("Outbox"),
        pagination: Pagination::new(&messages, "/admin/outbox", ""),
        total: messages.total,
        rows: messages.items.into_iter().map(MessageRow::new).collect(),
    })
}

#[derive(Template)]
#[template(path = "admin/outbox_message.html")]
struct MessagePage {
    page: PageCtx,
    row: MessageRow,
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id: MessageId = id.parse().map_err(|_| WebError::NotFound)?;
    let message = state.app.outbox_message(&principal, id).await?;
    let title = message.purpose.clone();
    render(&MessagePage {
        page: page.title(title),
        row: MessageRow::new(message),
    })
}
