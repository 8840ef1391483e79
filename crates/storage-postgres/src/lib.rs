//! Linkwork on PostgreSQL: the server database. App instances keep no
//! state of their own, so any number of them can share one database.

mod audit;
mod directory;
mod organisations;
mod people;
mod postcodes;
mod reference;
mod referrals;
mod rows;
mod sessions;
mod users;

use std::time::Duration;

use async_trait::async_trait;
use linkwork_storage::{HealthStore, StorageError, StorageResult};
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, Transaction};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

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

    /// Applies any migrations not yet applied. Safe to run repeatedly.
    pub async fn migrate(&self) -> StorageResult<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(StorageError::backend)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn write(&self) -> StorageResult<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(StorageError::backend)
    }
}

#[async_trait]
impl HealthStore for PostgresStore {
    async fn ping(&self) -> StorageResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(StorageError::backend)
    }
}

/// Maps a unique-constraint failure to `Conflict` with `message`; any other
/// error is a backend error.
fn conflict_or_backend(e: sqlx::Error, message: &str) -> StorageError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StorageError::Conflict(message.to_owned())
        }
        _ => StorageError::backend(e),
    }
}

fn backend(e: sqlx::Error) -> StorageError {
    StorageError::backend(e)
}
