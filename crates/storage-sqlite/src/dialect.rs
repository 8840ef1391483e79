//! What SQLite does differently from PostgreSQL, for the shared queries
//! (`crates/storage-sql/queries`). Everything else is written once.

use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};

/// The database the shared queries are compiled for.
pub(crate) type Db = Sqlite;
/// The store the shared queries implement the storage traits on.
pub(crate) type Store = crate::SqliteStore;

/// SQLite refuses statements with more bound parameters than this
/// (`SQLITE_MAX_VARIABLE_NUMBER`).
pub(crate) const MAX_PARAMS: usize = 32_766;

/// `STRPOS(haystack, needle)`: the 1-based position of `needle` in
/// `haystack`, 0 when absent. SQLite calls it `instr`.
pub(crate) const STRPOS: &str = "instr";

/// What a sub-select claiming queue rows ends with. SQLite has one writer
/// at a time, so an `UPDATE` claiming rows cannot race another.
pub(crate) const SKIP_LOCKED: &str = "";

/// Nothing to add: a writing transaction here already holds the database's
/// one write lock, so nothing changes what it read before it commits.
pub(crate) const FOR_UPDATE: &str = "";

/// Starts a transaction that will write. `BEGIN IMMEDIATE` takes SQLite's
/// single write lock up front, so two writers queue (within the busy
/// timeout) instead of one failing when it upgrades a read lock.
pub(crate) async fn begin_write(
    pool: &SqlitePool,
) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// Starts a read-only transaction that sees one snapshot throughout. In WAL
/// mode every SQLite read transaction does.
pub(crate) async fn begin_snapshot(
    pool: &SqlitePool,
) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
    pool.begin().await
}

/// Makes the directory change log's numbers follow commit order. SQLite
/// already has one writer at a time (`begin_write`), so numbers are taken
/// in commit order without anything more.
pub(crate) async fn lock_change_log(_conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    Ok(())
}

/// A timestamp column's UTC date as `YYYY-MM-DD` text. SQLite keeps
/// timestamps as RFC 3339 text in UTC, so the date is its first ten
/// characters.
pub(crate) fn utc_day(column: &str) -> String {
    format!("substr({column}, 1, 10)")
}

/// 1 when a timestamp column is in the last hour of its UTC day (23:00 or
/// later), else 0: the hour is characters 12 and 13 of the text.
pub(crate) fn utc_last_hour(column: &str) -> String {
    format!("CASE WHEN substr({column}, 12, 2) = '23' THEN 1 ELSE 0 END")
}

/// This backend's migrations (its own folder: the schemas differ in types).
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
