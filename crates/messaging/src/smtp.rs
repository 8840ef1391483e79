//! Email over SMTP.

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use linkwork_app::messaging::{SendError, Transport};
use linkwork_domain::message::{Channel, Message};

use crate::ConfigError;

pub struct SmtpTransport {
    mailer: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpTransport {
    /// `url` as lettre reads it: `smtps://user:pass@host:465`, or
    /// `smtp://host:587?tls=required` for STARTTLS (plain `smtp://` only
    /// for a server on the same machine).
    pub fn new(url: &str, from: &str) -> Result<SmtpTransport, ConfigError> {
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            // Never echo the URL: it may hold a password.
            .map_err(|e| ConfigError::Smtp(e.to_string().replace(url, "…")))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| ConfigError::From(e.to_string()))?;
        Ok(SmtpTransport { mailer, from })
    }
}

#[async_trait]
impl Transport for SmtpTransport {
    fn name(&self) -> &'static str {
        "SMTP"
    }

    fn carries(&self, channel: Channel) -> bool {
        channel == Channel::Email
    }

    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let to = message
            .to
            .parse::<Mailbox>()
            .map_err(|e| SendError::Permanent(format!("not an email address: {e}")))?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone().unwrap_or_default())
            // The message's own id: a receiver can tell a repeat from a
            // new message, and tests can count deliveries.
            .message_id(Some(format!("<{}@linkwork>", message.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(message.body.clone())
            .map_err(|e| SendError::Permanent(format!("the email could not be built: {e}")))?;
        match self.mailer.send(email).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Temporary(e.to_string())),
        }
    }
}
