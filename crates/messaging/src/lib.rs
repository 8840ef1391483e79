//! The transports Linkwork's queued messages leave by: email over SMTP
//! (`lettre`), and email and text messages through GOV.UK Notify (its
//! documented REST API). The application's worker decides which applies
//! and records the outcome (`linkwork_app::messaging`).

mod notify;
mod smtp;

use std::sync::Arc;

use linkwork_app::messaging::Transports;
use linkwork_app::settings::MessagingSettings;

pub use notify::NotifyTransport;
pub use smtp::SmtpTransport;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("messaging.smtp_url is not a usable SMTP address: {0}")]
    Smtp(String),
    #[error("messaging.from is not an email sender: {0}")]
    From(String),
    #[error("messaging.notify for {organisation}: {problem}")]
    Notify {
        organisation: String,
        problem: String,
    },
}

/// The transports the settings describe.
pub fn transports(settings: &MessagingSettings) -> Result<Transports, ConfigError> {
    let email = match &settings.smtp_url {
        Some(url) => Some(Arc::new(SmtpTransport::new(url.expose(), &settings.from)?)
            as Arc<dyn linkwork_app::messaging::Transport>),
        None => None,
    };
    let mut by_organisation = Vec::new();
    for n in &settings.notify {
        let transport = NotifyTransport::new(n).map_err(|problem| ConfigError::Notify {
            organisation: n.organisation.clone(),
            problem,
        })?;
        by_organisation.push((
            n.organisation.clone(),
            Arc::new(transport) as Arc<dyn linkwork_app::messaging::Transport>,
        ));
    }
    Ok(Transports {
        email,
        by_organisation,
    })
}
