//! GOV.UK Notify: `POST /v2/notifications/email` and `/v2/notifications/sms`
//! with a JSON Web Token (HS256; `iss` the service id, `iat` now) made from
//! the API key, as Notify's API documentation describes.

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use linkwork_app::messaging::{SendError, Transport};
use linkwork_app::settings::NotifySettings;
use linkwork_domain::message::{Channel, Message};
use serde_json::json;
use sha2::Sha256;

pub struct NotifyTransport {
    client: reqwest::Client,
    base_url: String,
    service_id: String,
    secret: String,
    email_template: Option<String>,
    text_template: Option<String>,
}

/// An API key is `{name}-{service id}-{secret}`, each id a 36-character
/// UUID.
fn split_key(key: &str) -> Option<(String, String)> {
    let len = key.len();
    if len < 74 || !key.is_ascii() {
        return None;
    }
    let secret = &key[len - 36..];
    let service = &key[len - 73..len - 37];
    let valid = |s: &str| s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    (valid(secret) && valid(service) && key.as_bytes()[len - 37] == b'-')
        .then(|| (service.to_owned(), secret.to_owned()))
}

impl NotifyTransport {
    pub fn new(settings: &NotifySettings) -> Result<NotifyTransport, String> {
        let (service_id, secret) = split_key(settings.api_key.expose()).ok_or(
            "the API key is not in Notify's form (a name, then the service id and the secret key)",
        )?;
        if settings.email_template_id.is_none() && settings.text_template_id.is_none() {
            return Err("give an email_template_id, a text_template_id or both".into());
        }
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(NotifyTransport {
            client,
            base_url: settings.base_url.trim_end_matches('/').to_owned(),
            service_id,
            secret,
            email_template: settings.email_template_id.clone(),
            text_template: settings.text_template_id.clone(),
        })
    }

    /// A token for one request: Notify refuses one more than 30 seconds old.
    fn token(&self) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
        let claims = URL_SAFE_NO_PAD.encode(
            json!({ "iss": self.service_id, "iat": chrono::Utc::now().timestamp() }).to_string(),
        );
        let signing_input = format!("{header}.{claims}");
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }
}

#[async_trait]
impl Transport for NotifyTransport {
    fn name(&self) -> &'static str {
        "GOV.UK Notify"
    }

    fn carries(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.email_template.is_some(),
            Channel::Text => self.text_template.is_some(),
        }
    }

    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let (path, body) = match message.channel {
            Channel::Email => (
                "email",
                json!({
                    "email_address": message.to,
                    "template_id": self.email_template,
                    "personalisation": {
                        "subject": message.subject.clone().unwrap_or_default(),
                        "body": message.body,
                    },
                    "reference": message.id.to_string(),
                }),
            ),
            Channel::Text => (
                "sms",
                json!({
                    "phone_number": message.to,
                    "template_id": self.text_template,
                    "personalisation": { "body": message.body },
                    "reference": message.id.to_string(),
                }),
            ),
        };
        let response = self
            .client
            .post(format!("{}/v2/notifications/{path}", self.base_url))
            .bearer_auth(self.token())
            .json(&body)
            .send()
            .await
            .map_err(|e| SendError::Temporary(format!("Notify could not be reached: {e}")))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let detail = response.text().await.unwrap_or_default();
        let detail: String = detail.chars().take(500).collect();
        match status.as_u16() {
            // The address or the message itself is refused: it never will be.
            400 => Err(SendError::Permanent(format!("Notify refused it: {detail}"))),
            // A wrong key or template, or a rate limit: it can work once
            // the configuration is put right, or later.
            _ => Err(SendError::Temporary(format!(
                "Notify answered {status}: {detail}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_key_gives_its_service_id_and_secret() {
        let key = "linkwork_test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0";
        assert_eq!(
            split_key(key),
            Some((
                "26785a09-ab16-4eb0-8407-a37497a57506".to_owned(),
                "3d844edf-8d35-48ac-975b-e847b4f122b0".to_owned()
            ))
        );
        assert_eq!(split_key("not-a-key"), None);
        assert_eq!(split_key(&key.replace('-', "_")), None);
    }
}
