//! Email over SMTP against a real server (aiosmtpd), and sending from
//! several instances sharing PostgreSQL: every message arrives once.

mod smtp_server;

use std::sync::Arc;
use std::time::Duration;

use linkwork_app::messaging::{SendError, Transport, Transports};
use linkwork_app::{App, Settings};
use linkwork_domain::message::{Channel, Message, MessageStatus};
use linkwork_domain::time::now;
use linkwork_messaging::SmtpTransport;
use linkwork_storage::{CaseworkChanges, CaseworkStore, PageRequest, Store};
use linkwork_storage_postgres::PostgresStore;
use linkwork_storage_testsuite::databases::{PostgresTestDatabase, TestDatabase};
use smtp_server::{SmtpServer, emails_in, free_port, maildir};

const FROM: &str = "Linkwork <no-reply@linkwork.test>";

fn email(to: &str, body: &str) -> Message {
    Message::new(
        Channel::Email,
        to,
        Some("Services to try".into()),
        body.into(),
        "Shortlist",
        None,
        now(),
    )
}

#[tokio::test]
async fn an_email_arrives_with_its_id_subject_and_text() {
    let Some(server) = SmtpServer::start().await else {
        return;
    };
    let smtp = SmtpTransport::new(&server.url(), FROM).unwrap();
    let message = email(
        "ana@example.org",
        "Tuesday Lunch Club\nEvery Tuesday, 12pm, 1 Mill Lane",
    );
    smtp.send(&message).await.unwrap();
    let emails = server.emails();
    assert_eq!(emails.len(), 1);
    let mail = &emails[0];
    assert!(mail.contains(&format!("Message-ID: <{}@linkwork>", message.id)));
    assert!(mail.contains("Subject: Services to try"));
    assert!(mail.contains("To: ana@example.org"));
    assert!(mail.contains("From: Linkwork <no-reply@linkwork.test>"));
    assert!(mail.contains("Every Tuesday, 12pm, 1 Mill Lane"));
}

#[tokio::test]
async fn a_server_that_is_down_is_worth_trying_again_a_bad_address_is_not() {
    let down = SmtpTransport::new(&format!("smtp://127.0.0.1:{}", free_port()), FROM).unwrap();
    assert!(matches!(
        down.send(&email("ana@example.org", "Hello")).await,
        Err(SendError::Temporary(_))
    ));
    assert!(matches!(
        down.send(&email("not an address", "Hello")).await,
        Err(SendError::Permanent(_))
    ));
}

#[test]
fn settings_that_cannot_work_are_refused_without_echoing_secrets() {
    let bad = SmtpTransport::new("smtp://user:s3cret@", FROM)
        .err()
        .unwrap();
    assert!(!bad.to_string().contains("s3cret"), "{bad}");
    assert!(SmtpTransport::new("smtp://127.0.0.1:25", "nobody").is_err());
}

/// An app instance with its own connection pool, sending through SMTP on
/// `port`, retrying after a second.
async fn instance(url: &str, port: u16) -> App {
    let store: Arc<dyn Store> = Arc::new(PostgresStore::connect(url, 5).await.unwrap());
    let mut settings = Settings::default();
    settings.messaging.retry_base_seconds = 1;
    let smtp = SmtpTransport::new(&format!("smtp://127.0.0.1:{port}"), FROM).unwrap();
    App::new(store, settings)
        .unwrap()
        .with_transports(Transports {
            email: Some(Arc::new(smtp)),
            by_organisation: Vec::new(),
        })
}

#[tokio::test]
async fn instances_sharing_postgresql_send_every_message_once_through_an_outage() {
    let Some(db) = PostgresTestDatabase::create().await else {
        return;
    };
    let port = free_port();
    let (a, b) = (
        instance(db.url(), port).await,
        instance(db.url(), port).await,
    );
    let queued: Vec<Message> = (0..30)
        .map(|i| email(&format!("person{i}@example.org"), &format!("Message {i}")))
        .collect();
    db.store()
        .save_casework(
            &CaseworkChanges {
                messages: queued.clone(),
                ..Default::default()
            },
            &[linkwork_storage_testsuite::fixtures::event(
                linkwork_domain::audit::AuditAction::ShortlistCreate,
                linkwork_domain::audit::EntityRef::new("shortlist", "x"),
            )],
        )
        .await
        .unwrap();

    // The mail server is down: both instances try, and queue again.
    let (first_a, first_b) = futures::join!(a.deliver_due(), b.deliver_due());
    let (first_a, first_b) = (first_a.unwrap(), first_b.unwrap());
    assert_eq!(first_a.sent + first_b.sent, 0);
    assert_eq!(
        first_a.retrying + first_b.retrying,
        30,
        "each tried once, by one instance"
    );

    // It comes back; both instances keep working the queue.
    let Some(server) = SmtpServer::start_on(port, maildir()).await else {
        return;
    };
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..20 {
        let (x, y) = futures::join!(a.deliver_due(), b.deliver_due());
        let (x, y) = (x.unwrap(), y.unwrap());
        if x == Default::default() && y == Default::default() && all_sent(db.store()).await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    assert!(all_sent(db.store()).await, "every message sent");
    let emails = emails_in(&server.maildir);
    for m in &queued {
        let id = format!("Message-ID: <{}@linkwork>", m.id);
        assert_eq!(
            emails.iter().filter(|e| e.contains(&id)).count(),
            1,
            "{} arrived once",
            m.to
        );
    }
    assert_eq!(emails.len(), queued.len());
}

async fn all_sent(store: &dyn Store) -> bool {
    store
        .messages(None, PageRequest::new(1, 100))
        .await
        .unwrap()
        .items
        .iter()
        .all(|m| m.status == MessageStatus::Sent)
}
