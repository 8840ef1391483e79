//! Instances follow the directory change log by sequence number, so numbers
//! must be taken in commit order. SQLite gets that from taking writers one at
//! a time; PostgreSQL runs writers side by side, which these tests exercise
//! (as they do an import reading what an edit saved meanwhile).
use std::sync::mpsc;

use linkwork_domain::audit::{Actor, AuditAction, NewAuditEvent};
use linkwork_domain::directory::ServiceList;
use linkwork_domain::time::now;
use linkwork_storage::{DirectoryItem, DirectoryStore};
use linkwork_storage_testsuite::databases::{PostgresTestDatabase, TestDatabase};
use linkwork_storage_testsuite::{organization, rich_service};

fn event() -> NewAuditEvent {
    NewAuditEvent::new(Actor::Cli, AuditAction::DirectoryImport, now())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_committed_later_is_never_behind_a_follower() {
    let Some(db) = PostgresTestDatabase::create().await else {
        return;
    };
    let store = db.store().clone();
    // Different organisations: the import's row locks must not be what
    // makes the edit wait.
    let imported = rich_service(&organization("Riverside Befrienders"));
    let edited = rich_service(&organization("Green Shoots Community Garden"));
    let start = store.directory_change_head().await.unwrap();

    // An import that has written its first service and is still reading the
    // file when an edit elsewhere commits. Imports write in batches of a few
    // hundred records, so the pause comes after more than a batch.
    let (resume, wait) = mpsc::channel::<()>();
    let (written, started) = tokio::sync::oneshot::channel::<()>();
    let mut items = std::iter::once(DirectoryItem::Service(Box::new(imported.clone())))
        .chain((0..1000).map(|i| DirectoryItem::Organization(organization(&format!("Group {i}")))));
    let mut written = Some(written);
    let mut file = std::iter::from_fn(move || {
        let item = items.next();
        if item.is_none()
            && let Some(signal) = written.take()
        {
            signal.send(()).unwrap();
            // Lets the runtime run other tasks while this one waits.
            tokio::task::block_in_place(|| wait.recv().unwrap());
        }
        item.map(Ok)
    });
    let importer = store.clone();
    let import = tokio::spawn(async move {
        importer
            .import_directory(&mut file, &event())
            .await
            .unwrap()
    });
    started.await.unwrap();
    store.save_service(&edited, &event()).await.unwrap();

    // A follower catches up with what is committed so far.
    let seen = store.directory_changes_after(start, 100).await.unwrap();
    assert_eq!(
        seen.iter().map(|c| c.service_id).collect::<Vec<_>>(),
        vec![edited.id]
    );
    let cursor = seen.last().unwrap().seq;

    resume.send(()).unwrap();
    import.await.unwrap();
    let later = store.directory_changes_after(cursor, 100).await.unwrap();
    assert_eq!(
        later.iter().map(|c| c.service_id).collect::<Vec<_>>(),
        vec![imported.id],
        "the import committed after the follower's cursor, so it must come after it"
    );
}

/// The second reproduction: an edit saved while an import is
/// running is kept by a summary record of the same service that the
/// import writes after it. The lists a summary leaves out are read in the
/// import's own transaction, when it writes, not before it began.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_saved_during_an_import_is_kept_by_a_summary() {
    let Some(db) = PostgresTestDatabase::create().await else {
        return;
    };
    let store = db.store().clone();
    let stored = rich_service(&organization("Riverside Walkers"));
    store.save_service(&stored, &event()).await.unwrap();
    let mut summary = stored.clone();
    summary.name = "Riverside Walkers (summary)".into();
    summary.schedules.clear();

    // The import writes a first batch of other records, then pauses while
    // it reads the file; the edit commits meanwhile; then the summary.
    let (resume, wait) = mpsc::channel::<()>();
    let (paused, started) = tokio::sync::oneshot::channel::<()>();
    let mut paused = Some(paused);
    let mut before =
        (0..600).map(|i| DirectoryItem::Organization(organization(&format!("Group {i}"))));
    let mut last = Some(DirectoryItem::PartialService {
        service: Box::new(summary),
        keep: vec![ServiceList::Schedules],
    });
    let mut file = std::iter::from_fn(move || {
        if let Some(item) = before.next() {
            return Some(Ok(item));
        }
        if let Some(signal) = paused.take() {
            signal.send(()).unwrap();
            tokio::task::block_in_place(|| wait.recv().unwrap());
        }
        last.take().map(Ok)
    });
    let importer = store.clone();
    let import = tokio::spawn(async move {
        importer
            .import_directory(&mut file, &event())
            .await
            .unwrap()
    });
    started.await.unwrap();
    let mut edited = stored.clone();
    edited.schedules[0].byday = Some("SA,SU".into());
    store.save_service(&edited, &event()).await.unwrap();
    resume.send(()).unwrap();
    import.await.unwrap();

    let saved = store.service(stored.id).await.unwrap().unwrap();
    assert_eq!(saved.name, "Riverside Walkers (summary)");
    assert_eq!(saved.schedules, edited.schedules, "the edit is not lost");
}
