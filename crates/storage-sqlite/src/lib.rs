//! Linkwork on SQLite: the embedded default. The database is one file,
//! created with its schema on first use; nothing to install.

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

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use linkwork_storage::{HealthStore, StorageError, StorageResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A Linkwork store in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `path` and brings its
    /// schema up to date.
    pub async fn open(path: &Path) -> StorageResult<Self> {
        let options = SqliteConnectOptions::new().filename(path);
        Self::connect_with(options).await
    }

    /// Opens a `sqlite:` URL (e.g. `sqlite::memory:` for tests).
    pub async fn connect(url: &str) -> StorageResult<Self> {
        let options = SqliteConnectOptions::from_str(url).map_err(StorageError::backend)?;
        Self::connect_with(options).await
    }

    async fn connect_with(options: SqliteConnectOptions) -> StorageResult<Self> {
        let in_memory = options.get_filename() == Path::new(":memory:");
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // Each connection to ":memory:" would be a separate empty database.
        let max_connections = if in_memory { 1 } else { 8 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .connect_with(options)
            .await
            .map_err(StorageError::backend)?;
        let store = SqliteStore { pool };
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

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Starts a write transaction. `BEGIN IMMEDIATE` takes the write lock
    /// up front, so two writers queue (within the busy timeout) instead of
    /// one failing when it upgrades a read lock.
    async fn write(&self) -> StorageResult<Transaction<'static, Sqlite>> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StorageError::backend)
    }
}

#[async_trait]
impl HealthStore for SqliteStore {
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
