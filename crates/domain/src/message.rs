//! Messages Linkwork sends: emails and text messages, queued in the
//! database with whatever caused them and sent once, later, by a worker
//! (so sending never holds up a page). Where nothing is configured to send
//! them, they stay in an outbox an administrator can read.

use chrono::Duration;
use serde::Serialize;

use crate::{MessageId, OrgId, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    /// A text message (SMS).
    Text,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Text => "text",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "Email",
            Channel::Text => "Text message",
        }
    }

    pub fn from_code(code: &str) -> Option<Channel> {
        [Channel::Email, Channel::Text]
            .into_iter()
            .find(|c| c.code() == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Waiting to be sent (or to be tried again).
    Queued,
    Sent,
    /// Given up on after the last attempt.
    Failed,
    /// Kept in the outbox: nothing is configured to send it.
    Held,
}

impl MessageStatus {
    pub fn code(self) -> &'static str {
        match self {
            MessageStatus::Queued => "queued",
            MessageStatus::Sent => "sent",
            MessageStatus::Failed => "failed",
            MessageStatus::Held => "held",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MessageStatus::Queued => "Waiting to send",
            MessageStatus::Sent => "Sent",
            MessageStatus::Failed => "Could not be sent",
            MessageStatus::Held => "In the outbox",
        }
    }

    pub fn from_code(code: &str) -> Option<MessageStatus> {
        [
            MessageStatus::Queued,
            MessageStatus::Sent,
            MessageStatus::Failed,
            MessageStatus::Held,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// An email or text message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub id: MessageId,
    pub channel: Channel,
    /// An email address or a phone number.
    pub to: String,
    /// Emails only.
    pub subject: Option<String>,
    /// Plain text.
    pub body: String,
    /// What it is for, in a few words ("Shortlist for Ana Nowak"): the
    /// outbox lists it so.
    pub purpose: String,
    /// The organisation it is sent for (whose admins see it in the outbox).
    pub org_id: Option<OrgId>,
    pub status: MessageStatus,
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

/// Tries before a message is given up on: spread over about a day.
pub const MAX_ATTEMPTS: u32 = 10;

impl Message {
    /// A message to send as soon as a worker can.
    pub fn new(
        channel: Channel,
        to: impl Into<String>,
        subject: Option<String>,
        body: String,
        purpose: impl Into<String>,
        org_id: Option<OrgId>,
        at: Timestamp,
    ) -> Message {
        Message {
            id: MessageId::new(),
            channel,
            to: to.into(),
            subject,
            body,
            purpose: purpose.into(),
            org_id,
            status: MessageStatus::Queued,
            attempts: 0,
            next_attempt_at: at,
            created_at: at,
            sent_at: None,
            last_error: None,
        }
    }
}

/// How long to wait before trying again after `attempts` failures:
/// 30 seconds, doubling each time, at most four hours.
pub fn retry_after(attempts: u32) -> Duration {
    let seconds = 30i64.saturating_mul(1i64 << attempts.min(16));
    Duration::seconds(seconds.min(4 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_stop_growing() {
        assert_eq!(retry_after(0), Duration::seconds(30));
        assert_eq!(retry_after(1), Duration::seconds(60));
        assert_eq!(retry_after(5), Duration::seconds(960));
        assert_eq!(retry_after(9), Duration::hours(4));
        assert_eq!(retry_after(60), Duration::hours(4));
    }
}
