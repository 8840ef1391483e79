//! Directory import and search, end to end through the application, on
//! both databases.

use std::path::PathBuf;
use std::sync::Arc;

use linkwork_app::directory_import::{ImportSource, Progress};
use linkwork_app::settings::PasswordHashing;
use linkwork_app::{App, AppError, Settings};
use linkwork_search::Query;
use linkwork_storage::Store;
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
    let text = std::fs::read_to_string(examples().join(name)).unwrap();
    app.import_directory(ImportSource::Json { name, text: &text }, &quiet())
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
        .import_directory(ImportSource::CsvPackage(&examples().join("csv")), &quiet())
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
    app.import_directory(ImportSource::CsvPackage(&examples().join("csv")), &quiet())
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

async fn unreadable_files_change_nothing(app: App) {
    let before = app.store.service_count().await.unwrap();
    let err = app
        .import_directory(
            ImportSource::Json {
                name: "broken.json",
                text: "[{\"id\": \"x\", ",
            },
            &quiet(),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("broken.json is not valid JSON"),
        "{err}"
    );
    let err = app
        .import_directory(ImportSource::CsvPackage(&examples().join("nope")), &quiet())
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
    unreadable_files_change_nothing,
    search_finds_imported_services_and_follows_changes,
    saving_an_untouched_edit_form_changes_nothing
);
