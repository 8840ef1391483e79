//! Linkwork on SQLite: the embedded default. The database is one file,
//! created with its schema on first use; nothing to install.
//!
//! The queries are shared with PostgreSQL (`crates/storage-sql/queries`,
//! compiled here as `queries`); this crate holds only what is SQLite's own:
//! opening the file, its pragmas and migrations, and the `dialect`.

mod dialect;
#[path = "../../storage-sql/queries/mod.rs"]
mod queries;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use linkwork_storage::{StorageError, StorageResult};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

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
}
