//! The audit log cannot be changed or emptied, even with direct SQL.
use linkwork_domain::audit::{Actor, AuditAction, NewAuditEvent};
use linkwork_domain::time::now;
use linkwork_storage::AuditStore;
use linkwork_storage_sqlite::SqliteStore;

#[tokio::test]
async fn audit_entries_cannot_be_updated_or_deleted() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    store
        .record(&NewAuditEvent::new(
            Actor::Cli,
            AuditAction::AuditExport,
            now(),
        ))
        .await
        .unwrap();
    for statement in [
        "UPDATE audit_events SET detail = 'changed'",
        "DELETE FROM audit_events",
    ] {
        let err = sqlx::query(statement)
            .execute(store.pool())
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("append-only"),
            "{statement}: {err}"
        );
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(count, 1);
}
