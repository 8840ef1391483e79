//! Instances keep no state of their own: two Linkwork servers on one
//! PostgreSQL database share sessions and sign-in throttling.

mod support;

use std::sync::Arc;

use axum::http::StatusCode;
use linkwork_domain::role::Role;
use linkwork_storage::Store;
use linkwork_storage_postgres::PostgresStore;
use linkwork_storage_testsuite::databases::PostgresTestDatabase;
use support::{Db, PASSWORD, TestApp, test_settings};

#[tokio::test]
async fn two_instances_on_one_postgres_share_sessions_and_throttling() {
    let Some(db) = PostgresTestDatabase::create().await else {
        return;
    };
    let url = db.url().to_owned();
    let first = {
        let store: Arc<dyn Store> = Arc::new(PostgresStore::connect(&url, 5).await.unwrap());
        TestApp::with(store, Db::Postgres(db), test_settings())
    };
    // A second instance: its own connection pool and router.
    let second_store: Arc<dyn Store> = Arc::new(PostgresStore::connect(&url, 5).await.unwrap());
    let second =
        linkwork_web::router(linkwork_app::App::new(second_store, test_settings()).unwrap());

    let t = first.tree().await;
    first
        .user("lw@example.org", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    let on_first = first.signed_in("lw@example.org").await;
    let mut on_second = on_first.with_router(second.clone());
    let home = on_second.get("/").await;
    assert_eq!(
        home.status,
        StatusCode::OK,
        "the session made on one instance works on the other"
    );
    assert!(home.body.contains("Hello lw"));
    // Signing out on the second ends the session on the first too.
    on_second.post("/logout", &[]).await;
    let mut back_on_first = on_second.with_router(first.router.clone());
    assert_eq!(back_on_first.get("/").await.status, StatusCode::SEE_OTHER);

    // Failed sign-ins count across instances.
    let mut a = first.client();
    let mut b = support::Client::new(second);
    for i in 0..5 {
        let client = if i % 2 == 0 { &mut a } else { &mut b };
        assert_eq!(
            client.login("lw@example.org", "wrong").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        b.login("lw@example.org", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}
