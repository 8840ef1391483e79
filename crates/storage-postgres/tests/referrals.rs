//! The shared referral suite on PostgreSQL (each test in its own
//! database), and the referral history's protection against direct SQL.
use linkwork_domain::time::now;
use linkwork_storage_testsuite::databases::{PostgresTestDatabase, TestDatabase};
use linkwork_storage_testsuite::fixtures::tree;
use linkwork_storage_testsuite::referral_fixtures::{add_referral, person};

linkwork_storage_testsuite::all_referral_cases!(PostgresTestDatabase::create);

#[tokio::test]
async fn referral_history_cannot_be_changed_deleted_or_truncated() {
    let Some(db) = PostgresTestDatabase::create().await else {
        return;
    };
    let store = db.store();
    let t = tree(store).await;
    add_referral(store, person(t.pcn_a.id, "Sam", "Patel", None, None), now()).await;
    for statement in [
        "UPDATE referral_events SET summary = 'changed'",
        "DELETE FROM referral_events",
        "TRUNCATE referral_events",
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
}
