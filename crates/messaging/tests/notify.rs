//! GOV.UK Notify, against a stand-in that checks what Notify's API
//! documentation requires: the path per channel, a JSON Web Token signed
//! (HS256) with the key's secret, issued by the service id within the last
//! 30 seconds, and the template's personalisation.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use linkwork_app::messaging::{SendError, Transport};
use linkwork_app::settings::{NotifySettings, Secret};
use linkwork_domain::message::{Channel, Message};
use linkwork_domain::time::now;
use linkwork_messaging::NotifyTransport;
use serde_json::Value;
use sha2::Sha256;

const SERVICE: &str = "26785a09-ab16-4eb0-8407-a37497a57506";
const SECRET: &str = "3d844edf-8d35-48ac-975b-e847b4f122b0";
const EMAIL_TEMPLATE: &str = "f33517ff-2a88-4f6e-b855-c550268ce08a";
const TEXT_TEMPLATE: &str = "a8a2b5e4-35a2-4c04-a6b6-d1a0f1ea6c3f";

#[derive(Clone, Default)]
struct StandIn {
    received: Arc<Mutex<Vec<(String, Value)>>>,
    /// What to answer; 201 when unset.
    answer: Arc<Mutex<Option<StatusCode>>>,
}

/// Checks the token as Notify does; records the request.
async fn notification(
    State(s): State<StandIn>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let Some(token) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return StatusCode::FORBIDDEN;
    };
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, signature] = parts[..] else {
        return StatusCode::FORBIDDEN;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{header}.{claims}").as_bytes());
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
        return StatusCode::FORBIDDEN;
    };
    if mac.verify_slice(&signature).is_err() {
        return StatusCode::FORBIDDEN;
    }
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
    let age = chrono::Utc::now().timestamp() - claims["iat"].as_i64().unwrap_or(0);
    if header["alg"] != "HS256" || claims["iss"] != SERVICE || !(0..=30).contains(&age) {
        return StatusCode::FORBIDDEN;
    }
    let body: Value = serde_json::from_str(&body).unwrap();
    s.received
        .lock()
        .unwrap()
        .push((uri.path().to_owned(), body));
    s.answer.lock().unwrap().unwrap_or(StatusCode::CREATED)
}

async fn stand_in() -> (StandIn, String) {
    let state = StandIn::default();
    let app = Router::new()
        .route("/v2/notifications/{kind}", post(notification))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (state, url)
}

fn settings(base_url: &str, secret: &str) -> NotifySettings {
    NotifySettings {
        organisation: "QWO".into(),
        api_key: Secret::new(format!("linkwork_test-{SERVICE}-{secret}")),
        email_template_id: Some(EMAIL_TEMPLATE.into()),
        text_template_id: Some(TEXT_TEMPLATE.into()),
        base_url: base_url.into(),
    }
}

fn message(channel: Channel, to: &str) -> Message {
    Message::new(
        channel,
        to,
        (channel == Channel::Email).then(|| "Services to try".to_owned()),
        "Tuesday Lunch Club, 12pm".into(),
        "Shortlist",
        None,
        now(),
    )
}

#[tokio::test]
async fn emails_and_texts_go_to_notify_signed_with_the_key() {
    let (s, url) = stand_in().await;
    let notify = NotifyTransport::new(&settings(&url, SECRET)).unwrap();
    let email = message(Channel::Email, "ana@example.org");
    notify.send(&email).await.unwrap();
    let text = message(Channel::Text, "07700900982");
    notify.send(&text).await.unwrap();
    let received = s.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    let (path, body) = &received[0];
    assert_eq!(path, "/v2/notifications/email");
    assert_eq!(body["email_address"], "ana@example.org");
    assert_eq!(body["template_id"], EMAIL_TEMPLATE);
    assert_eq!(body["personalisation"]["subject"], "Services to try");
    assert_eq!(body["personalisation"]["body"], "Tuesday Lunch Club, 12pm");
    assert_eq!(body["reference"], email.id.to_string());
    let (path, body) = &received[1];
    assert_eq!(path, "/v2/notifications/sms");
    assert_eq!(body["phone_number"], "07700900982");
    assert_eq!(body["template_id"], TEXT_TEMPLATE);
}

#[tokio::test]
async fn refusals_are_final_and_outages_are_tried_again() {
    let (s, url) = stand_in().await;
    let notify = NotifyTransport::new(&settings(&url, SECRET)).unwrap();
    *s.answer.lock().unwrap() = Some(StatusCode::BAD_REQUEST);
    assert!(matches!(
        notify.send(&message(Channel::Text, "123")).await,
        Err(SendError::Permanent(_))
    ));
    for status in [
        StatusCode::TOO_MANY_REQUESTS,
        StatusCode::INTERNAL_SERVER_ERROR,
    ] {
        *s.answer.lock().unwrap() = Some(status);
        assert!(matches!(
            notify.send(&message(Channel::Text, "07700900982")).await,
            Err(SendError::Temporary(_))
        ));
    }
    // A wrong key is refused by Notify (403): put right, it would work.
    *s.answer.lock().unwrap() = None;
    let wrong =
        NotifyTransport::new(&settings(&url, "00000000-0000-4000-8000-000000000000")).unwrap();
    assert!(matches!(
        wrong.send(&message(Channel::Text, "07700900982")).await,
        Err(SendError::Temporary(e)) if e.contains("403")
    ));
}

#[test]
fn a_key_or_templates_that_cannot_work_are_refused() {
    let mut bad_key = settings("http://127.0.0.1:1", SECRET);
    bad_key.api_key = Secret::new("just-a-password");
    assert!(NotifyTransport::new(&bad_key).is_err());
    let mut no_templates = settings("http://127.0.0.1:1", SECRET);
    no_templates.email_template_id = None;
    no_templates.text_template_id = None;
    assert!(NotifyTransport::new(&no_templates).is_err());
    let texts_only = {
        let mut s = settings("http://127.0.0.1:1", SECRET);
        s.email_template_id = None;
        NotifyTransport::new(&s).unwrap()
    };
    assert!(texts_only.carries(Channel::Text));
    assert!(!texts_only.carries(Channel::Email));
}
