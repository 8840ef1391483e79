//! Sending the messages Linkwork queues (emails and text messages): each
//! instance's worker claims what is due, sends it through the transport
//! that applies (an organisation's GOV.UK Notify service, else SMTP for
//! email) and records how it went. With no transport for a message it is
//! held in the outbox, where an administrator can read it.
//!
//! The transports themselves are adapters outside this crate (see
//! `linkwork-messaging`); this module is the port they plug into.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;
use linkwork_domain::MessageId;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::message::{Channel, Message, MessageStatus};
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_storage::{Page, PageRequest};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

/// Why a message did not go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// It may work later (the server is down, a rate limit): try again.
    #[error("{0}")]
    Temporary(String),
    /// It never will (the address or the message is refused).
    #[error("{0}")]
    Permanent(String),
}

/// Something that delivers messages: an SMTP server, a Notify service.
#[async_trait]
pub trait Transport: Send + Sync {
    /// For the outbox and logs: "SMTP", "GOV.UK Notify".
    fn name(&self) -> &'static str;
    /// Whether it can carry `channel`.
    fn carries(&self, channel: Channel) -> bool;
    async fn send(&self, message: &Message) -> Result<(), SendError>;
}

/// The transports configured: for email, and per organisation (by code;
/// for it and the organisations under it).
#[derive(Clone, Default)]
pub struct Transports {
    pub email: Option<Arc<dyn Transport>>,
    pub by_organisation: Vec<(String, Arc<dyn Transport>)>,
}

/// What one round of sending did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: u32,
    pub retrying: u32,
    pub failed: u32,
    pub held: u32,
}

/// How many messages one round takes.
const BATCH: u32 = 20;

impl App {
    /// Uses `transports` to send messages (the CLI wires them from the
    /// settings; without them every message is held in the outbox).
    pub fn with_transports(mut self, transports: Transports) -> App {
        self.transports = Arc::new(transports);
        self
    }

    /// The transport for `message`: its organisation's (or the nearest
    /// organisation above it with one), else SMTP for email.
    async fn transport_for(&self, message: &Message) -> AppResult<Option<Arc<dyn Transport>>> {
        let mut org = message.org_id;
        let mut hops = 0;
        while let Some(id) = org {
            let Some(o) = self.store.organisation(id).await? else {
                break;
            };
            if let Some((_, t)) = self.transports.by_organisation.iter().find(|(code, t)| {
                o.code.as_deref() == Some(code.as_str()) && t.carries(message.channel)
            }) {
                return Ok(Some(t.clone()));
            }
            org = o.parent_id;
            hops += 1;
            if hops > 10 {
                break;
            }
        }
        Ok(self
            .transports
            .email
            .clone()
            .filter(|t| t.carries(message.channel)))
    }

    /// Sends what is due, once: each message is claimed by this instance
    /// alone, sent, and its outcome recorded. Returns what happened.
    pub async fn deliver_due(&self) -> AppResult<Delivery> {
        let m = &self.settings.messaging;
        let at = now();
        let claimed = self
            .store
            .claim_messages(
                at,
                at + Duration::seconds(i64::from(m.claim_seconds)),
                BATCH,
            )
            .await?;
        let base = Duration::seconds(i64::from(m.retry_base_seconds.max(1)));
        let mut done = Delivery::default();
        for mut message in claimed {
            let via = match self.transport_for(&message).await? {
                None => {
                    message.held();
                    done.held += 1;
                    None
                }
                Some(transport) => {
                    match transport.send(&message).await {
                        Ok(()) => {
                            message.sent(now());
                            done.sent += 1;
                        }
                        Err(SendError::Temporary(e)) => {
                            message.failed_for_now(e, now(), base);
                            if message.status == MessageStatus::Failed {
                                done.failed += 1;
                            } else {
                                done.retrying += 1;
                            }
                        }
                        Err(SendError::Permanent(e)) => {
                            message.failed_for_good(e);
                            done.failed += 1;
                        }
                    }
                    Some(transport.name())
                }
            };
            self.store.finish_message(&message).await?;
            if let Some(via) = via
                && matches!(message.status, MessageStatus::Sent | MessageStatus::Failed)
            {
                // A message carries personal details out of Linkwork: who
                // it went to is part of the record of disclosures.
                let event = NewAuditEvent::new(Actor::System, AuditAction::MessageSend, now())
                    .entity(EntityRef::new("message", message.id))
                    .detail(format!(
                        "{} to {} by {via}: {}",
                        message.purpose,
                        message.to,
                        message.status.label().to_lowercase()
                    ));
                let event = match message.org_id {
                    Some(org) => event.org(org),
                    None => event,
                };
                self.store.record(&event).await?;
            }
            if let Some(e) = &message.last_error {
                tracing::warn!(message = %message.id, error = %e, status = message.status.code(), "message not sent");
            }
        }
        Ok(done)
    }

    /// The outbox: messages for the organisations an administrator looks
    /// after, newest first.
    pub async fn outbox(&self, p: &Principal, page: PageRequest) -> AppResult<Page<Message>> {
        p.require(Permission::ManageUsers)?;
        let messages = self.store.messages(Some(p.user.org_id), page).await?;
        self.store
            .record(
                &NewAuditEvent::new(p.actor(), AuditAction::OutboxView, now())
                    .org(p.user.org_id)
                    .detail(format!("Outbox: {} messages listed", messages.items.len()))
                    .ip(p.ip.clone()),
            )
            .await?;
        Ok(messages)
    }

    /// One message in full, for an administrator whose organisations it
    /// was sent for.
    pub async fn outbox_message(&self, p: &Principal, id: MessageId) -> AppResult<Message> {
        p.require(Permission::ManageUsers)?;
        let message = self
            .store
            .message(id)
            .await?
            .ok_or(AppError::NotFound("message"))?;
        let scope = p.scope(self.store.as_ref()).await?;
        if !message.org_id.is_some_and(|org| scope.contains(org)) {
            return Err(AppError::NotFound("message"));
        }
        self.store
            .record(
                &NewAuditEvent::new(p.actor(), AuditAction::OutboxView, now())
                    .entity(EntityRef::new("message", message.id))
                    .org(message.org_id.unwrap_or(p.user.org_id))
                    .detail(format!("Read: {} to {}", message.purpose, message.to))
                    .ip(p.ip.clone()),
            )
            .await?;
        Ok(message)
    }
}
