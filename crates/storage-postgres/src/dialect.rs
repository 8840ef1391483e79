//! What PostgreSQL does differently from SQLite, for the shared queries
//! (`crates/storage-sql/queries`). Everything else is written once.

use sqlx::{PgConnection, PgPool, Postgres, Transaction};

/// The database the shared queries are compiled for.
pub(crate) type Db = Postgres;
/// The store the shared queries implement the storage traits on.
pub(crate) type Store = crate::PostgresStore;

/// PostgreSQL's protocol numbers bound parameters with 16 bits.
pub(crate) const MAX_PARAMS: usize = 65_535;

/// `STRPOS(haystack, needle)`: the 1-based position of `needle` in
/// `haystack`, 0 when absent.
pub(crate) const STRPOS: &str = "strpos";

/// What a sub-select claiming queue rows ends with: rows another instance
/// is claiming at this moment are passed over rather than waited for, so
/// two instances never take the same message.
pub(crate) const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";

/// What a select of rows about to be rewritten from what it read ends
/// with: writers run side by side here, so the rows are locked until the
/// commit and a change saved meanwhile waits rather than being lost.
pub(crate) const FOR_UPDATE: &str = " FOR UPDATE";

/// Starts a transaction that will write. PostgreSQL runs writers side by
/// side; row locks and unique constraints keep them apart.
pub(crate) async fn begin_write(
    pool: &PgPool,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    pool.begin().await
}

/// Starts a read-only transaction that sees one snapshot throughout, as
/// `READ COMMITTED` (the default) would not: each statement would see
/// whatever had committed by then.
pub(crate) async fn begin_snapshot(
    pool: &PgPool,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await
}

/// Makes the directory change log's numbers follow commit order. Writers
/// run side by side here, and a transaction that took a lower number but
/// committed later would never be seen by a follower already past it. The
/// lock, held until the commit that follows, makes writers take turns for
/// that last moment only; readers are not blocked. Callers log their
/// changes last, just before committing.
pub(crate) async fn lock_change_log(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("LOCK TABLE dir_changes IN EXCLUSIVE MODE")
        .execute(conn)
        .await
        .map(|_| ())
}

/// A timestamp column's UTC date as `YYYY-MM-DD` text.
pub(crate) fn utc_day(column: &str) -> String {
    format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
}

/// 1 when a timestamp column is in the last hour of its UTC day (23:00 or
/// later), else 0.
pub(crate) fn utc_last_hour(column: &str) -> String {
    format!("CASE WHEN EXTRACT(HOUR FROM {column} AT TIME ZONE 'UTC') = 23 THEN 1 ELSE 0 END")
}

/// This backend's migrations (its own folder: the schemas differ in types).
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
