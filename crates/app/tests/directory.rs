//! Directory import and search, end to end through the application, on
//! both databases.

use std::path::PathBuf;
use std::sync::Arc;

use linkwork_app::directory_import::{
    DirectoryImportSummary, ImportOptions, ImportSource, Progress,
};
use linkwork_app::settings::PasswordHashing;
use linkwork_app::{App, AppError, Settings};
use linkwork_search::Query;
use linkwork_storage::{AuditFilter, PageRequest, Store};
use linkwork_storage_testsuite::databases::{
    PostgresTestDatabase, SqliteTestDatabase, TestDatabase,
};

fn settings() -> Settings {
    Settings {
        password_hashing: PasswordHashing {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
            ..PasswordHashing::default()
        },
        ..Settings::default()
    }
}

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/standards/oruk-uk-3.0/examples")
}

fn quiet() -> impl Progress {
    |_: linkwork_app::directory_import::Stage, _: u64, _: Option<u64>| {}
}

async fn import_file(
    app: &App,
    name: &str,
) -> Result<linkwork_app::directory_import::DirectoryImportSummary, AppError> {
    // Read as it streams, as the command line does.
    app.import_directory(
        ImportSource::JsonFile(&examples().join(name)),
        ImportOptions::default(),
        &quiet(),
    )
    .await
}

async fn the_profile_s_examples_import_and_reimport_without_duplicates(app: App) {
    let files = [
        "service_full.json",
        "organization_full.json",
        "service_at_location_full.json",
        "service_list.json",
        "taxonomy.json",
        "taxonomy_term.json",
        "taxonomy_list.json",
        "taxonomy_term_list.json",
        "organization_list.json",
        "service_at_location_list.json",
    ];
    for file in files {
        let summary = import_file(&app, file)
            .await
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(
            summary.rejected.is_empty(),
            "{file}: {:?}",
            summary.rejected
        );
    }
    let services = app.store.service_count().await.unwrap();
    let terms = app.store.taxonomy_terms().await.unwrap().len();
    assert!(services >= 1);
    let full = app
        .store
        .service("ac148810-d857-441c-9679-408f346de14b".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(full.name, "Community Counselling");
    assert_eq!(full.schedules[0].byday.as_deref(), Some("TH,FR"));
    assert_eq!(
        full.organization.as_ref().unwrap().name,
        "Example Organization Inc."
    );
    assert!(
        full.service_at_locations[0].location.latitude.is_none(),
        "latitude 100 is impossible and left out"
    );

    let csv = app
        .import_directory(
            ImportSource::CsvPackage(&examples().join("csv")),
            ImportOptions::default(),
            &quiet(),
        )
        .await
        .unwrap();
    assert!(csv.rejected.is_empty(), "{:?}", csv.rejected);
    assert_eq!(
        csv.counts.services_created, 0,
        "the CSV package describes the same service"
    );
    for file in files {
        import_file(&app, file).await.unwrap();
    }
    app.import_directory(
        ImportSource::CsvPackage(&examples().join("csv")),
        ImportOptions::default(),
        &quiet(),
    )
    .await
    .unwrap();
    assert_eq!(
        app.store.service_count().await.unwrap(),
        services,
        "re-importing never duplicates"
    );
    assert_eq!(app.store.taxonomy_terms().await.unwrap().len(), terms);
}

async fn broken_records_are_listed_and_the_rest_import(app: App) {
    let text = r#"[
        {"id": "11111111-1111-4111-8111-111111111111", "name": "Good Club", "status": "active"},
        {"id": "22222222-2222-4222-8222-222222222222", "name": "", "status": "active"},
        {"id": "33333333-3333-4333-8333-333333333333", "name": "Bad Status", "status": "open"},
        {"name": "No Id", "status": "active"},
        {"id": 44, "name": "Numbered", "status": "active", "minimum_age": 70, "maximum_age": 18},
        {"id": "55555555-5555-4555-8555-555555555555", "name": "Also Good", "status": "inactive", "email": "nope"}
    ]"#;
    let summary = app
        .import_directory(
            ImportSource::Json {
                name: "mixed.json",
                text,
            },
            ImportOptions::default(),
            &quiet(),
        )
        .await
        .unwrap();
    assert_eq!(summary.counts.services_created, 2);
    let rejected: Vec<(String, String)> = summary
        .rejected
        .iter()
        .map(|r| (r.position.clone(), r.reason.clone()))
        .collect();
    assert_eq!(
        rejected,
        vec![
            ("item 2".to_owned(), "the service has no name".to_owned()),
            (
                "item 3".to_owned(),
                "status: unknown variant `open`, expected one of `active`, `inactive`, `defunct`, `temporarily closed`".to_owned()
            ),
            ("item 4".to_owned(), "the service has no id".to_owned()),
            ("item 5".to_owned(), "minimum_age 70 is above maximum_age 18".to_owned()),
        ]
    );
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.position == "item 6" && w.message.contains("\"nope\" is not an email"))
    );
    assert_eq!(app.store.service_count().await.unwrap(), 2);
}

async fn import(app: &App, text: &str, options: ImportOptions) -> DirectoryImportSummary {
    app.import_directory(
        ImportSource::Json {
            name: "feed.json",
            text,
        },
        options,
        &quiet(),
    )
    .await
    .unwrap()
}

/// The issue's reproduction, and every other kind of reference a service
/// makes: each broken one is named with its record's position and field,
/// and the rest import.
async fn broken_references_are_named_and_the_rest_import(app: App) {
    import(
        &app,
        r#"{"id": "0a0a0a0a-0000-4000-8000-000000000001", "name": "Stored Org",
            "description": "", "website": "https://stored.example"}"#,
        ImportOptions::default(),
    )
    .await;
    let feed = r#"[
        {"id": "5f0c7a4e-1b2d-4c3e-9f10-bbbbbbbbbbbb", "name": "Good", "status": "active"},
        {"id": "5f0c7a4e-1b2d-4c3e-9f10-aaaaaaaaaaaa", "name": "X", "status": "active",
         "organization_id": "0b0b0b0b-0000-4000-8000-000000000001"},
        {"id": "5f0c7a4e-1b2d-4c3e-9f10-000000000003", "name": "Names the stored org", "status": "active",
         "organization_id": "0a0a0a0a-0000-4000-8000-000000000001"},
        {"id": "5f0c7a4e-1b2d-4c3e-9f10-000000000004", "name": "Names an org further on", "status": "active",
         "organization_id": "0c0c0c0c-0000-4000-8000-000000000001",
         "attributes": [{"id": "6a000000-0000-4000-8000-000000000001",
                         "taxonomy_term_id": "7a000000-0000-4000-8000-000000000001"}],
         "contacts": [{"id": "8a000000-0000-4000-8000-000000000001", "name": "Sam"}],
         "phones": [{"id": "9a000000-0000-4000-8000-000000000001", "number": "01632 960123",
                     "contact_id": "8a000000-0000-4000-8000-000000000001"}]},
        {"id": "0c0c0c0c-0000-4000-8000-000000000001", "name": "Org in the feed",
         "description": "", "website": "https://feed.example"},
        {"id": "7a000000-0000-4000-8000-000000000001", "name": "Gardening", "description": "",
         "parent_id": null},
        {"id": "5f0c7a4e-1b2d-4c3e-9f10-000000000007", "name": "Everything broken", "status": "active",
         "attributes": [{"id": "6a000000-0000-4000-8000-000000000002",
                         "taxonomy_term_id": "7b000000-0000-4000-8000-000000000001"}],
         "service_at_locations": [{"id": "5a000000-0000-4000-8000-000000000001",
                                   "location_id": "4b000000-0000-4000-8000-000000000001",
                                   "location": {"id": "4a000000-0000-4000-8000-000000000001",
                                                "location_type": "virtual"}}],
         "schedules": [{"id": "3a000000-0000-4000-8000-000000000001", "freq": "WEEKLY", "byday": "MO",
                        "service_at_location_id": "5b000000-0000-4000-8000-000000000001"}],
         "phones": [{"id": "9b000000-0000-4000-8000-000000000001", "number": "01632 960124",
                     "contact_id": "8b000000-0000-4000-8000-000000000001"}]},
        {"id": "5f0c7a4e-1b2d-4c3e-9f10-000000000008", "name": "Carries an org", "status": "active",
         "organization": {"id": "0d0d0d0d-0000-4000-8000-000000000001", "name": "Nested Org", "description": ""},
         "organization_id": "0d0d0d0d-0000-4000-8000-000000000001",
         "attributes": [{"id": "6a000000-0000-4000-8000-000000000003",
                         "taxonomy_term_id": "7c000000-0000-4000-8000-000000000001"}]},
        {"id": "5f0c7a4e-1b2d-4c3e-9f10-000000000009", "name": "Leans on that org", "status": "active",
         "organization_id": "0d0d0d0d-0000-4000-8000-000000000001"},
        {"id": "5f0c7a4e-1b2d-4c3e-9f10-000000000010", "name": "Names one of Linkwork's needs", "status": "active",
         "attributes": [{"id": "6a000000-0000-4000-8000-000000000004", "taxonomy_term_id": "NEED"}]}
    ]"#
    .replace(
        "NEED",
        &linkwork_domain::directory::needs::terms()[0].id.to_string(),
    );
    let feed = feed.as_str();
    let strict = app
        .import_directory(
            ImportSource::Json {
                name: "feed.json",
                text: feed,
            },
            ImportOptions {
                strict: true,
                ..Default::default()
            },
            &quiet(),
        )
        .await
        .unwrap();
    assert!(strict.refused);
    assert_eq!(strict.rejected.len(), 4);
    assert_eq!(
        app.store.service_count().await.unwrap(),
        0,
        "a strict import with rejections writes nothing"
    );

    let summary = import(&app, feed, ImportOptions::default()).await;
    assert!(!summary.refused);
    let rejected: Vec<(&str, &str)> = summary
        .rejected
        .iter()
        .map(|r| (r.position.as_str(), r.reason.as_str()))
        .collect();
    assert_eq!(
        rejected,
        vec![
            (
                "item 2",
                "organization_id 0b0b0b0b-0000-4000-8000-000000000001 names an organization that is neither in this import nor in the directory"
            ),
            (
                "item 7",
                "attributes[0].taxonomy_term_id 7b000000-0000-4000-8000-000000000001 names a taxonomy term that is neither in this import nor in the directory; \
                 service_at_locations[0].location_id 4b000000-0000-4000-8000-000000000001 is not the id of the location given with it (4a000000-0000-4000-8000-000000000001); \
                 schedules[0].service_at_location_id 5b000000-0000-4000-8000-000000000001 names none of this service's service_at_locations; \
                 phones[0].contact_id 8b000000-0000-4000-8000-000000000001 names none of this service's contacts"
            ),
            (
                "item 8",
                "attributes[0].taxonomy_term_id 7c000000-0000-4000-8000-000000000001 names a taxonomy term that is neither in this import nor in the directory"
            ),
            (
                "item 9",
                "organization_id 0d0d0d0d-0000-4000-8000-000000000001 names an organization that is neither in this import nor in the directory"
            ),
        ]
    );
    assert_eq!(summary.counts.services_created, 4);
    assert_eq!(app.store.service_count().await.unwrap(), 4);
    let further = app
        .store
        .service("5f0c7a4e-1b2d-4c3e-9f10-000000000004".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(further.organization.unwrap().name, "Org in the feed");
    assert!(further.phones.is_empty(), "the contact's phone moved to it");
    assert_eq!(further.contacts[0].phones[0].number, "01632 960123");
    assert_eq!(
        further.attributes[0].taxonomy_term.as_ref().unwrap().name,
        "Gardening"
    );
}

/// A canned feed: pages of services at `…/services?page=N`.
struct Pages(Vec<serde_json::Value>);

#[async_trait::async_trait]
impl linkwork_app::directory_import::FeedClient for Pages {
    async fn get_json(&self, url: &str) -> Result<serde_json::Value, String> {
        let page: usize = url
            .split("page=")
            .nth(1)
            .and_then(|p| p.split('&').next())
            .and_then(|p| p.parse().ok())
            .ok_or("no page")?;
        self.0
            .get(page - 1)
            .cloned()
            .ok_or_else(|| "no such page".into())
    }
}

/// What the profile requires but Linkwork tolerates is said as a warning,
/// and nothing the profile defines is dropped on the way through.
async fn feeds_are_warned_about_and_nothing_defined_is_dropped(app: App) {
    let page = r#"{"total_items": 5, "total_pages": 3, "page_number": 1, "size": 2,
        "first_page": true, "last_page": true, "empty": false, "contents": [
        {"id": "1a000000-0000-4000-8000-000000000001", "name": "Counselling", "status": "active",
         "last_modified": "2023-03-15T10:30:45.123Z",
         "attributes": [{"id": "2a000000-0000-4000-8000-000000000001",
                         "taxonomy_term": {"id": "3a000000-0000-4000-8000-000000000001", "name": "Talking"}}],
         "service_at_locations": [{"id": "4a000000-0000-4000-8000-000000000001",
            "location": {"id": "5a000000-0000-4000-8000-000000000001", "location_type": "physical",
                "accessibility": [{"id": "6a000000-0000-4000-8000-000000000001",
                    "description": "Ramp", "accessibility": "Wheelchair access is possible on all levels."}]}}]},
        {"id": "7a000000-0000-4000-8000-000000000001", "name": "Choir", "status": "active",
         "organization": {"id": "8a000000-0000-4000-8000-000000000001", "name": "Singers"}}
    ]}"#;
    let summary = import(&app, page, ImportOptions::default()).await;
    assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    let warnings: Vec<(&str, &str)> = summary
        .warnings
        .iter()
        .map(|w| (w.position.as_str(), w.message.as_str()))
        .collect();
    assert_eq!(
        warnings,
        vec![
            (
                "item 1",
                "attributes[0].taxonomy_term: the taxonomy term 3a000000-0000-4000-8000-000000000001 has no description, which the profile requires"
            ),
            (
                "item 2",
                "organization: the organization 8a000000-0000-4000-8000-000000000001 has no description, which the profile requires"
            ),
        ],
        "counts that agree say nothing, and one page of three is not checked against the whole feed"
    );
    let stored = app
        .store
        .service("1a000000-0000-4000-8000-000000000001".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.service_at_locations[0].location.accessibility[0]
            .accessibility
            .as_deref(),
        Some("Wheelchair access is possible on all levels.")
    );
    assert_eq!(
        serde_json::to_value(stored.last_modified.unwrap()).unwrap(),
        "2023-03-15T10:30:45.123Z",
        "milliseconds kept"
    );

    // The only page of a file, and a feed walked whole, are checked
    // against their totals.
    let only = r#"{"total_items": 3, "total_pages": 1, "size": 10, "contents": [
        {"id": "9a000000-0000-4000-8000-000000000001", "name": "Walks", "status": "active"}]}"#;
    let summary = import(&app, only, ImportOptions::default()).await;
    assert_eq!(
        summary
            .warnings
            .iter()
            .map(|w| w.message.as_str())
            .collect::<Vec<_>>(),
        ["total_items is 3, but the feed holds 1"]
    );
    let service = |n: u8| {
        serde_json::json!({"id": format!("9b000000-0000-4000-8000-00000000000{n}"),
        "name": format!("Club {n}"), "status": "active", "schedules": []})
    };
    let feed = Pages(vec![
        serde_json::json!({"total_items": 4, "total_pages": 3, "size": 1, "last_page": false,
            "contents": [service(1), service(2)]}),
        serde_json::json!({"total_items": 4, "total_pages": 3, "size": 1, "last_page": true,
            "contents": [service(3)]}),
    ]);
    let summary = app
        .import_directory(
            ImportSource::Feed {
                url: "https://feed.example/api",
                client: &feed,
            },
            ImportOptions::default(),
            &quiet(),
        )
        .await
        .unwrap();
    assert_eq!(summary.counts.services_created, 3);
    let messages: Vec<&str> = summary
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "page 1: a page holds 2 items but says its size is 1",
            "page 1: total_pages is 3, but 4 items at 1 a page make 4",
            "page 2: total_pages is 3, but 4 items at 1 a page make 4",
            "total_items is 4, but the feed holds 3",
            "total_pages is 3, but the feed has 2",
        ]
    );
}

async fn unreadable_files_change_nothing(app: App) {
    let before = app.store.service_count().await.unwrap();
    let err = app
        .import_directory(
            ImportSource::Json {
                name: "broken.json",
                text: "[{\"id\": \"x\", ",
            },
            ImportOptions::default(),
            &quiet(),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("broken.json is not valid JSON"),
        "{err}"
    );
    let err = app
        .import_directory(
            ImportSource::CsvPackage(&examples().join("nope")),
            ImportOptions::default(),
            &quiet(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is not a folder"), "{err}");
    assert_eq!(app.store.service_count().await.unwrap(), before);
}

async fn search_finds_imported_services_and_follows_changes(app: App) {
    import_file(&app, "service_full.json").await.unwrap();
    app.load_directory().await.unwrap();
    let q = |text: &str| Query {
        text: Some(text.into()),
        per_page: 10,
        ..Default::default()
    };
    assert_eq!(
        app.search_directory(&q("counseling")).await.unwrap().total,
        1,
        "typo"
    );
    assert_eq!(
        app.search_directory(&q("counselling")).await.unwrap().total,
        1
    );
    assert_eq!(
        app.search_directory(&q("gardening")).await.unwrap().total,
        0
    );

    // A change made through another route is picked up by sync.
    let mut service = app
        .store
        .service("ac148810-d857-441c-9679-408f346de14b".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    service.name = "Community Gardening Club".into();
    let event = linkwork_domain::audit::NewAuditEvent::new(
        linkwork_domain::audit::Actor::Cli,
        linkwork_domain::audit::AuditAction::ServiceUpdate,
        linkwork_domain::time::now(),
    );
    app.store.save_service(&service, &event).await.unwrap();
    assert_eq!(
        app.search_directory(&q("gardening")).await.unwrap().total,
        0,
        "not until synced"
    );
    assert_eq!(app.sync_directory().await.unwrap(), 1);
    assert_eq!(
        app.search_directory(&q("gardening")).await.unwrap().total,
        1
    );
    assert_eq!(app.sync_directory().await.unwrap(), 0, "nothing new");
}

async fn saving_an_untouched_edit_form_changes_nothing(app: App) {
    app.ensure_need_taxonomy().await.unwrap();
    let org = linkwork_storage_testsuite::organization("Riverside Befrienders");
    let service = linkwork_storage_testsuite::rich_service(&org);
    let event = linkwork_domain::audit::NewAuditEvent::new(
        linkwork_domain::audit::Actor::Cli,
        linkwork_domain::audit::AuditAction::ServiceCreate,
        linkwork_domain::time::now(),
    );
    app.store.save_service(&service, &event).await.unwrap();
    let stored = app.store.service(service.id).await.unwrap().unwrap();
    let form = linkwork_app::directory_edit::ServiceForm::from_service(&stored);
    let mut edited = stored.clone();
    app.apply_service_form(&mut edited, &form)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        edited, stored,
        "nothing a user entered is lost or renumbered"
    );
}

/// A service with one weekly schedule on `day`, listing every list.
fn full_copy(name: &str, day: &str) -> String {
    format!(
        r#"{{"id": "a1a1a1a1-0000-4000-8000-000000000001", "name": "{name}", "status": "active",
        "schedules": [{{"id": "a1a1a1a1-0000-4000-8000-000000000002", "freq": "WEEKLY", "byday": "{day}",
                        "opens_at": "10:00", "closes_at": "12:00"}}],
        "service_areas": [], "service_at_locations": [], "languages": [], "funding": [],
        "cost_options": [], "contacts": [], "phones": [], "attributes": []}}"#
    )
}

/// A summary from a feed's list page: the name, no lists.
const SUMMARY: &str = r#"{"id": "a1a1a1a1-0000-4000-8000-000000000001", "name": "Walk and Talk", "status": "active"}"#;

async fn schedule_days(app: &App) -> Vec<String> {
    app.store
        .service("a1a1a1a1-0000-4000-8000-000000000001".parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .schedules
        .iter()
        .map(|s| s.byday.clone().unwrap_or_default())
        .collect()
}

/// The issue's reproduction: a feed holding a summary copy and a full copy
/// of a service already stored. The summary keeps what it leaves out; the
/// full copy's new lists are never replaced by the old ones.
async fn a_summary_copy_never_undoes_the_full_copy(app: App) {
    import(
        &app,
        &format!("[{}]", full_copy("Walk and Talk", "MO")),
        ImportOptions::default(),
    )
    .await;
    assert_eq!(schedule_days(&app).await, ["MO"]);
    for (feed, days) in [
        (
            format!("[{SUMMARY}, {}]", full_copy("Walk and Talk", "TU")),
            ["TU"],
        ),
        (
            format!("[{}, {SUMMARY}]", full_copy("Walk and Talk", "WE")),
            ["WE"],
        ),
        (format!("[{SUMMARY}]"), ["WE"]),
    ] {
        let summary = import(&app, &feed, ImportOptions::default()).await;
        assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
        assert_eq!(schedule_days(&app).await, days, "{feed}");
    }
}

/// A national feed is written in parts, each its own transaction with its
/// own audit event, so the database is never locked for the whole import.
async fn a_large_import_is_written_in_parts(app: App) {
    let orgs: Vec<String> = (0..5_001)
        .map(|i| {
            format!(
                r#"{{"id": "b0000000-0000-4000-8000-{i:012}", "name": "Group {i}", "description": "A group", "website": "https://g{i}.example"}}"#
            )
        })
        .collect();
    let summary = import(
        &app,
        &format!("[{}]", orgs.join(",")),
        ImportOptions::default(),
    )
    .await;
    assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    assert_eq!(summary.counts.organizations, 5_001);
    let parts: Vec<String> = app
        .store
        .audit_events(
            &AuditFilter {
                action: Some("directory.import".into()),
                ..Default::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.detail)
        .collect();
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert!(
        parts
            .iter()
            .any(|d| d.ends_with("part 1 of 2, records 1 to 5000")),
        "{parts:?}"
    );
    assert!(
        parts
            .iter()
            .any(|d| d.ends_with("part 2 of 2, records 5001 to 5001")),
        "{parts:?}"
    );
}

macro_rules! both {
    ($($name:ident),*) => {
        mod sqlite {
            use super::*;
            $(#[tokio::test] async fn $name() {
                let db = SqliteTestDatabase::create().await.unwrap();
                let store: Arc<dyn Store> = Arc::new(db.store().clone());
                super::$name(App::new(store, super::settings()).unwrap()).await;
            })*
        }
        mod postgres {
            use super::*;
            $(#[tokio::test] async fn $name() {
                let Some(db) = PostgresTestDatabase::create().await else { return };
                let store: Arc<dyn Store> = Arc::new(db.store().clone());
                super::$name(App::new(store, super::settings()).unwrap()).await;
            })*
        }
    };
}

both!(
    the_profile_s_examples_import_and_reimport_without_duplicates,
    broken_records_are_listed_and_the_rest_import,
    broken_references_are_named_and_the_rest_import,
    feeds_are_warned_about_and_nothing_defined_is_dropped,
    unreadable_files_change_nothing,
    search_finds_imported_services_and_follows_changes,
    saving_an_untouched_edit_form_changes_nothing,
    a_summary_copy_never_undoes_the_full_copy,
    a_large_import_is_written_in_parts
);
