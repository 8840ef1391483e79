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
}

/// What a backup file holds, as checked before a restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupCheck {
    /// The newest migration it has: older ones are brought up to date when
    /// it is opened; newer ones than this version knows are refused.
    pub schema_version: i64,
}

impl SqliteStore {
    /// Writes a consistent copy of the database to `target` while it stays
    /// in use. SQLite's `VACUUM INTO` reads one snapshot (a read
    /// transaction, which in WAL mode never blocks writers), so the copy
    /// holds exactly what was committed when it began, compacted. `target`
    /// must not exist yet.
    pub async fn backup_to(&self, target: &Path) -> StorageResult<()> {
        if target.exists() {
            return Err(StorageError::Conflict(format!(
                "{} already exists: choose a new file for the backup",
                target.display()
            )));
        }
        let path = target.to_str().ok_or_else(|| {
            StorageError::Conflict("the backup file's name must be valid Unicode".into())
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await
            .map_err(StorageError::backend)?;
        Ok(())
    }

    /// Checks a backup without changing it: SQLite's integrity check must
    /// pass, and it must be a Linkwork database whose migrations this
    /// version knows.
    pub async fn check_backup(file: &Path) -> StorageResult<BackupCheck> {
        let refused = |why: String| StorageError::Conflict(format!("{}: {why}", file.display()));
        if !file.is_file() {
            return Err(refused("there is no such file".into()));
        }
        let options = SqliteConnectOptions::new()
            .filename(file)
            .read_only(true)
            .immutable(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| refused(format!("not a SQLite database ({e})")))?;
        let integrity: Result<String, sqlx::Error> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await;
        match integrity {
            Ok(ok) if ok == "ok" => {}
            Ok(problem) => return Err(refused(format!("it is damaged: {problem}"))),
            Err(e) => return Err(refused(format!("not a SQLite database ({e})"))),
        }
        let version: Option<i64> =
            sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&pool)
                .await
                .map_err(|_| refused("it is not a Linkwork database".into()))?;
        pool.close().await;
        let version = version.ok_or_else(|| refused("it is not a Linkwork database".into()))?;
        let newest = dialect::MIGRATOR
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0);
        if version > newest {
            return Err(refused(format!(
                "it was made by a newer Linkwork (schema {version}; this version knows up to {newest})"
            )));
        }
        Ok(BackupCheck {
            schema_version: version,
        })
    }
}
