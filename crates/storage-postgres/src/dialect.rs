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
