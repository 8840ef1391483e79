//! A backup taken while Linkwork is writing holds everything committed
//! before it began and nothing half-written; a damaged or foreign file is
//! refused before any restore.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use linkwork_domain::audit::{Actor, AuditAction, NewAuditEvent};
use linkwork_domain::time::now;
use linkwork_storage::{AuditFilter, AuditStore, PageRequest, StorageError};
use linkwork_storage_sqlite::SqliteStore;

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("linkwork-backup-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(n: u64) -> NewAuditEvent {
    NewAuditEvent::new(Actor::Cli, AuditAction::NoteAdd, now()).detail(format!("write {n}"))
}

/// The numbers of the `write n` events in the store.
async fn writes(store: &SqliteStore) -> Vec<u64> {
    let mut numbers: Vec<u64> = store
        .audit_events(&AuditFilter::default(), PageRequest::new(1, 100_000))
        .await
        .unwrap()
        .items
        .iter()
        .filter_map(|e| e.detail.strip_prefix("write ")?.parse().ok())
        .collect();
    numbers.sort_unstable();
    numbers
}

#[tokio::test]
async fn a_backup_under_write_load_holds_every_committed_record() {
    let dir = temp("load");
    let store = SqliteStore::open(&dir.join("linkwork.db")).await.unwrap();
    let committed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, committed, stop) = (store.clone(), committed.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                store.record(&write(n)).await.unwrap();
                n += 1;
                committed.store(n, Ordering::SeqCst);
            }
        })
    };
    while committed.load(Ordering::SeqCst) < 200 {
        tokio::task::yield_now().await;
    }
    let before = committed.load(Ordering::SeqCst);
    let target = dir.join("backup.db");
    store.backup_to(&target).await.unwrap();
    let after = committed.load(Ordering::SeqCst);
    // Writing carried on during and after the backup.
    while committed.load(Ordering::SeqCst) < after + 50 {
        tokio::task::yield_now().await;
    }
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();

    let check = SqliteStore::check_backup(&target).await.unwrap();
    assert!(check.schema_version >= 12, "{check:?}");
    let restored = SqliteStore::open(&target).await.unwrap();
    let held = writes(&restored).await;
    let count = held.len() as u64;
    assert!(
        (before..=after).contains(&count),
        "committed before: {before}, held: {count}, committed after: {after}"
    );
    assert_eq!(held, (0..count).collect::<Vec<_>>(), "a prefix, no gaps");
    assert!(
        writes(&store).await.len() as u64 > after,
        "the live database kept writing"
    );

    let again = store.backup_to(&target).await.unwrap_err();
    assert!(matches!(again, StorageError::Conflict(_)), "{again}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn damaged_and_foreign_files_are_refused_before_a_restore() {
    let dir = temp("refused");
    let refused = |e: StorageError| e.to_string();

    let missing = SqliteStore::check_backup(&dir.join("none.db"))
        .await
        .unwrap_err();
    assert!(refused(missing).contains("there is no such file"));

    let text = dir.join("notes.txt");
    std::fs::write(
        &text,
        "not a database at all, just some words\n".repeat(200),
    )
    .unwrap();
    let e = SqliteStore::check_backup(&text).await.unwrap_err();
    assert!(refused(e).contains("not a SQLite database"));

    // A SQLite database, but not Linkwork's.
    let other = dir.join("other.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", other.display()))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE t (x INTEGER)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let e = SqliteStore::check_backup(&other).await.unwrap_err();
    assert!(refused(e).contains("not a Linkwork database"));

    // A Linkwork backup with a page overwritten.
    let store = SqliteStore::open(&dir.join("linkwork.db")).await.unwrap();
    for n in 0..500 {
        store.record(&write(n)).await.unwrap();
    }
    let good = dir.join("good.db");
    store.backup_to(&good).await.unwrap();
    SqliteStore::check_backup(&good).await.unwrap();
    let mut bytes = std::fs::read(&good).unwrap();
    let page = 4096 * 3;
    for b in &mut bytes[page..page + 4096] {
        *b = 0x5a;
    }
    let damaged = dir.join("damaged.db");
    std::fs::write(&damaged, bytes).unwrap();
    let e = SqliteStore::check_backup(&damaged).await.unwrap_err();
    let why = refused(e);
    assert!(
        why.contains("damaged") || why.contains("not a SQLite database"),
        "{why}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
