//! Registered directory feeds: a directory manager registers one, it is
//! read by exactly one instance, its changes applied, services that left
//! it withdrawn, listings edited here kept (and said so), and each
//! reading's report shown.

mod support;

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use linkwork_domain::directory::ServiceStatus;
use linkwork_domain::role::Role;
use serde_json::{Value, json};
use support::TestApp;
use uuid::Uuid;

const A: &str = "1a000000-0000-4000-8000-00000000000a";
const B: &str = "1a000000-0000-4000-8000-00000000000b";
const C: &str = "1a000000-0000-4000-8000-00000000000c";

/// A feed whose services the test changes between readings, served as
/// ORUK pages of `/services`.
#[derive(Clone, Default)]
struct LiveFeed(Arc<Mutex<Vec<Value>>>);

impl LiveFeed {
    fn publish(&self, services: Vec<Value>) {
        *self.0.lock().unwrap() = services;
    }
}

#[async_trait::async_trait]
impl linkwork_app::directory_import::FeedClient for LiveFeed {
    async fn get_json(&self, url: &str) -> Result<Value, String> {
        let services = self.0.lock().unwrap().clone();
        // A summary in the list is fetched whole from its own address.
        if let Some(id) = url.strip_prefix("https://council.example/api/services/") {
            return services
                .into_iter()
                .find(|s| s["id"] == id)
                .ok_or_else(|| "HTTP 404 Not Found".into());
        }
        assert!(
            url.starts_with("https://council.example/api/services?page=1"),
            "{url}"
        );
        Ok(json!({
            "total_items": services.len(), "total_pages": 1, "page_number": 1,
            "size": services.len(), "first_page": true, "last_page": true,
            "empty": services.is_empty(), "contents": services
        }))
    }
}

fn service(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "status": "active",
           "description": format!("{name}: a weekly group"),
           "service_at_locations": [], "schedules": [], "contacts": []})
}

/// The app reading `feed`, and a second instance on the same database.
fn with_feed(app: TestApp, feed: &LiveFeed) -> (TestApp, linkwork_app::App) {
    let other = app.app.clone().with_feed_client(Arc::new(feed.clone()));
    let app = app.with_app(|app| app.with_feed_client(Arc::new(feed.clone())));
    (app, other)
}

async fn read(app: &linkwork_app::App) -> linkwork_domain::directory::feeds::FeedRun {
    app.read_due_feed().await.unwrap().expect("a feed was due")
}

fn names(list: &[linkwork_domain::directory::feeds::NamedService]) -> Vec<&str> {
    let mut names: Vec<&str> = list.iter().map(|s| s.name.as_str()).collect();
    names.sort();
    names
}

async fn a_feed_is_kept_current_and_each_reading_reported(app: TestApp) {
    let feed = LiveFeed::default();
    let (app, second_instance) = with_feed(app, &feed);
    let t = app.tree().await;
    app.user("dm@icb.example", t.icb.id, &[Role::DirectoryManager])
        .await;
    let mut dm = app.signed_in("dm@icb.example").await;
    let empty_list = dm.get("/directory/feeds").await;
    assert_eq!(empty_list.status, StatusCode::OK);
    assert!(empty_list.body.contains("No feeds are registered yet"));

    // Registering: bad input is refused field by field, and kept.
    let refused = dm
        .post(
            "/directory/feeds",
            &[
                ("name", "Council"),
                ("url", "council.example"),
                ("every_hours", "24"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("web address as it starts, like https://example.org/api"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"council.example\""));
    assert!(app.store().feeds().await.unwrap().is_empty());
    let registered = dm
        .post(
            "/directory/feeds",
            &[
                ("name", "Council"),
                ("url", "https://council.example/api"),
                ("every_hours", "24"),
            ],
        )
        .await;
    assert_eq!(registered.status, StatusCode::SEE_OTHER);
    let feed_page = registered
        .location()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    dm.post_says(
        "/directory/feeds",
        &[
            ("name", "Council again"),
            ("url", "https://council.example/api"),
            ("every_hours", "24"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
        "already registered",
    )
    .await;
    // Not due until tonight.
    assert!(app.app.read_due_feed().await.unwrap().is_none());

    // Read now, asked for: exactly one of two instances reads it.
    feed.publish(vec![service(A, "Walking Group"), service(B, "Lunch Club")]);
    let asked = dm.post(&format!("{feed_page}/read"), &[]).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    let (one, two) = futures::join!(app.app.read_due_feed(), second_instance.read_due_feed());
    let runs: Vec<_> = [one.unwrap(), two.unwrap()].into_iter().flatten().collect();
    assert_eq!(runs.len(), 1, "one reading between the two instances");
    let first = &runs[0];
    assert_eq!(first.failure, None);
    assert_eq!(
        names(&first.report.created),
        ["Lunch Club", "Walking Group"]
    );
    let a: Uuid = A.parse().unwrap();
    let b: Uuid = B.parse().unwrap();
    assert_eq!(
        app.store().service(a).await.unwrap().unwrap().name,
        "Walking Group"
    );

    // Edited here; then the feed renames it, drops one and adds one.
    let mut edited = app.store().service(a).await.unwrap().unwrap();
    edited.name = "Walking Group (meets at the library)".into();
    let event = linkwork_storage_testsuite::fixtures::event(
        linkwork_domain::audit::AuditAction::ServiceUpdate,
        linkwork_domain::audit::EntityRef::new("service", a),
    );
    app.store().save_service(&edited, &event).await.unwrap();
    feed.publish(vec![
        service(A, "Health Walks"),
        service(C, "Men's Shed"),
        json!({"id": "1a000000-0000-4000-8000-0000000000dd", "name": "", "status": "active"}),
    ]);
    dm.post(&format!("{feed_page}/read"), &[]).await;
    let second = read(&app.app).await;
    assert_eq!(names(&second.report.created), ["Men's Shed"]);
    assert!(second.report.updated.is_empty());
    assert_eq!(
        names(&second.report.kept_local),
        ["Walking Group (meets at the library)"]
    );
    assert_eq!(names(&second.report.withdrawn), ["Lunch Club"]);
    assert_eq!(
        second.report.rejected.len(),
        1,
        "{:?}",
        second.report.rejected
    );
    assert_eq!(
        app.store().service(a).await.unwrap().unwrap().name,
        "Walking Group (meets at the library)",
        "an edit made here is not overwritten"
    );
    let withdrawn = app.store().service(b).await.unwrap().expect("not deleted");
    assert_eq!(withdrawn.status, ServiceStatus::Inactive);

    // The report is on a page, with the way to let the feed update it.
    let report_path = format!("{feed_page}/runs/{}", second.id);
    let report = dm.get(&report_path).await;
    assert_eq!(report.status, StatusCode::OK);
    for text in [
        "Edited here, left as they are (1)",
        "Withdrawn (1)",
        "Lunch Club",
        "New (1)",
        "Rejected (1)",
        "the service has no name",
    ] {
        assert!(report.body.contains(text), "{text} in {}", report.body);
    }
    let listing = dm.get(&feed_page).await;
    assert!(
        listing
            .body
            .contains("1 new, 0 updated, 1 withdrawn, 1 kept as edited here, 1 rejected")
    );
    let released = dm
        .post(&format!("{report_path}/services/{a}/release"), &[])
        .await;
    assert_eq!(released.status, StatusCode::SEE_OTHER);

    // Next reading: the released listing takes the feed's version; an
    // unchanged service is not written again; the withdrawn one is back.
    feed.publish(vec![
        service(A, "Health Walks"),
        service(B, "Lunch Club"),
        service(C, "Men's Shed"),
    ]);
    dm.post(&format!("{feed_page}/read"), &[]).await;
    let third = read(&app.app).await;
    assert_eq!(names(&third.report.updated), ["Health Walks", "Lunch Club"]);
    assert!(third.report.created.is_empty() && third.report.withdrawn.is_empty());
    assert_eq!(
        app.store().service(a).await.unwrap().unwrap().name,
        "Health Walks"
    );
    assert_eq!(
        app.store().service(b).await.unwrap().unwrap().status,
        ServiceStatus::Active
    );

    // A feed that answers with nothing is an outage, not a mass closure.
    feed.publish(vec![]);
    dm.post(&format!("{feed_page}/read"), &[]).await;
    let empty = read(&app.app).await;
    assert!(
        empty
            .failure
            .as_deref()
            .unwrap()
            .contains("nothing was withdrawn")
    );
    assert_eq!(
        app.store().service(a).await.unwrap().unwrap().status,
        ServiceStatus::Active
    );

    // Every reading is in the audit log.
    let readings = app
        .audited(linkwork_domain::audit::AuditAction::FeedRun.code())
        .await;
    assert_eq!(readings.total, 4);

    // Removing it stops the readings; its services stay.
    let removed = dm.post(&format!("{feed_page}/remove"), &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    dm.get("/directory/feeds").await;
    assert!(app.store().feeds().await.unwrap().is_empty());
    assert!(
        app.store()
            .service(C.parse().unwrap())
            .await
            .unwrap()
            .is_some()
    );
}

on_both_backends!(a_feed_is_kept_current_and_each_reading_reported);
