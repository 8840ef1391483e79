//! Linkwork on PostgreSQL: the server database. App instances keep no
//! state of their own, so any number of them can share one database.
//!
//! The queries are shared with SQLite (`crates/storage-sql/queries`,
//! compiled here as `queries`); this crate holds only what is PostgreSQL's
//! own: connecting, its migrations, and the `dialect`.

mod dialect;
#[path = "../../storage-sql/queries/mod.rs"]
mod queries;

use std::time::Duration;

use linkwork_storage::{StorageError, StorageResult};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

/// A Linkwork store in a PostgreSQL database.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://…`) and brings the schema up to date.
    /// Migrations take an advisory lock, so instances starting together
    /// apply them once.
    pub async fn connect(url: &str, max_connections: u32) -> StorageResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(StorageError::backend)?;
        let store = PostgresStore { pool };
        store.migrate().await?;
        Ok(store)
    }
}
