//! The audit log cannot be changed, deleted or truncated, even with direct SQL.
use linkwork_domain::audit::{Actor, AuditAction, NewAuditEvent};
use linkwork_domain::time::now;
use linkwork_storage::AuditStore;
use linkwork_storage_testsuite::databases::{PostgresTestDatabase, TestDatabase};

#[tokio::test]
async fn audit_entries_cannot_be_updated_deleted_or_truncated() {
    let Some(db) = PostgresTestDatabase::create().await else {
        return;
    };
    let store = db.store();
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
        "TRUNCATE audit_events",
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
