//! Messages Linkwork sends: emails and text messages, queued in the
//! database with whatever caused them and sent once, later, by a worker
//! (so sending never holds up a page). Where nothing is configured to send
//! them, they stay in an outbox an administrator can read.

use chrono::Duration;
use serde::Serialize;

use crate::{MessageId, OrgId, PersonId, Timestamp};

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
    /// The person it is to or about, if any: it waits while their record is
    /// restricted and is anonymised with it.
    pub about: Option<PersonId>,
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
            about: None,
        }
    }

    /// The same message, about `person`.
    pub fn about(self, person: PersonId) -> Message {
        Message {
            about: Some(person),
            ..self
        }
    }
}

/// How long to wait before trying again after `attempts` failures:
/// `base`, doubling each time, at most four hours (30 seconds at first by
/// default, so ten tries span about a day).
pub fn retry_after(base: Duration, attempts: u32) -> Duration {
    let factor = 1i32 << attempts.saturating_sub(1).min(16);
    (base * factor).min(Duration::hours(4))
}

impl Message {
    /// The state after a try that failed but may work later: queued again
    /// with back-off, or given up on after `MAX_ATTEMPTS`.
    pub fn failed_for_now(&mut self, error: String, at: Timestamp, base: Duration) {
        self.attempts += 1;
        self.last_error = Some(error);
        if self.attempts >= MAX_ATTEMPTS {
            self.status = MessageStatus::Failed;
        } else {
            self.status = MessageStatus::Queued;
            self.next_attempt_at = at + retry_after(base, self.attempts);
        }
    }

    /// The state after a try that can never work (the address is refused).
    pub fn failed_for_good(&mut self, error: String) {
        self.attempts += 1;
        self.last_error = Some(error);
        self.status = MessageStatus::Failed;
    }

    pub fn sent(&mut self, at: Timestamp) {
        self.attempts += 1;
        self.status = MessageStatus::Sent;
        self.sent_at = Some(at);
        self.last_error = None;
    }

    /// Nothing is configured to send it: it stays in the outbox.
    pub fn held(&mut self) {
        self.status = MessageStatus::Held;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_stop_growing() {
        let base = Duration::seconds(30);
        assert_eq!(retry_after(base, 1), Duration::seconds(30));
        assert_eq!(retry_after(base, 2), Duration::seconds(60));
        assert_eq!(retry_after(base, 6), Duration::seconds(960));
        assert_eq!(retry_after(base, 10), Duration::hours(4));
        assert_eq!(retry_after(base, 60), Duration::hours(4));
    }

    #[test]
    fn a_message_is_given_up_on_after_the_last_try() {
        let at = crate::time::now();
        let mut m = Message::new(
            Channel::Email,
            "a@example.org",
            None,
            "Hi".into(),
            "Test",
            None,
            at,
        );
        for n in 1..MAX_ATTEMPTS {
            m.failed_for_now("connection refused".into(), at, Duration::seconds(30));
            assert_eq!((m.status, m.attempts), (MessageStatus::Queued, n));
            assert!(m.next_attempt_at > at);
        }
        m.failed_for_now("connection refused".into(), at, Duration::seconds(30));
        assert_eq!(m.status, MessageStatus::Failed);
        assert_eq!(m.last_error.as_deref(), Some("connection refused"));
        let mut ok = Message::new(
            Channel::Text,
            "07700 900 982",
            None,
            "Hi".into(),
            "Test",
            None,
            at,
        );
        ok.sent(at);
        assert_eq!(
            (ok.status, ok.attempts, ok.sent_at),
            (MessageStatus::Sent, 1, Some(at))
        );
    }
}
