//! Every query Linkwork runs, written once for both databases.
//!
//! This folder is not a module of `linkwork-storage-sql`: each backend crate
//! compiles it as its own `queries` module (`#[path]` in its `lib.rs`),
//! against that crate's `dialect` module, which names the database (`Db`),
//! the store type (`Store`) and the few things the two databases do
//! differently. Compiled inside the backend, the code below is ordinary
//! sqlx code over concrete types, so it reads, type-checks and reports
//! errors as if it had been written for one database, while existing once.
//! DEVELOPERS.md ("Storage: every query once") explains the choice.
//!
//! Both databases accept the same SQL here: `$1` parameters, `RETURNING`,
//! `ON CONFLICT … DO UPDATE`, `string_agg(… ORDER BY …)`,
//! `IS DISTINCT FROM`, recursive CTEs. Integers are bound and read at the
//! PostgreSQL column's width (`i16`, `i32`, `i64`); SQLite stores every
//! width as one INTEGER type and reads any of them back.

mod audit;
mod casework;
mod directory;
mod feeds;
mod linking;
mod measures;
mod organisations;
mod people;
mod postcodes;
mod reference;
mod referrals;
mod reports;
mod rights;
mod rows;
mod sessions;
mod sign_in;
mod users;

use async_trait::async_trait;
use linkwork_storage::{BulkLoaded, HealthStore, StorageError, StorageResult};
use sqlx::query_builder::Separated;
use sqlx::{Database, QueryBuilder};

use crate::dialect::{self, Db, MAX_PARAMS, Store};

/// A connection of this backend, or the inside of one of its transactions.
type Connection = <Db as Database>::Connection;
/// A row as this backend returns it.
type DbRow = <Db as Database>::Row;

impl Store {
    /// Applies any of this backend's migrations not yet applied. Safe to
    /// run repeatedly (PostgreSQL's take an advisory lock, so instances
    /// starting together apply them once).
    pub async fn migrate(&self) -> StorageResult<()> {
        dialect::MIGRATOR
            .run(&self.pool)
            .await
            .map_err(StorageError::backend)
    }

    pub fn pool(&self) -> &sqlx::Pool<Db> {
        &self.pool
    }
}

#[async_trait]
impl HealthStore for Store {
    async fn ping(&self) -> StorageResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn refresh_statistics(&self, loaded: BulkLoaded) -> StorageResult<()> {
        let tables: &[&str] = match loaded {
            BulkLoaded::Directory => &[
                "dir_organizations",
                "dir_organization_identifiers",
                "dir_taxonomies",
                "dir_taxonomy_terms",
                "dir_services",
                "dir_locations",
                "dir_addresses",
                "dir_accessibility",
                "dir_service_at_locations",
                "dir_schedules",
                "dir_cost_options",
                "dir_contacts",
                "dir_phones",
                "dir_languages",
                "dir_service_areas",
                "dir_funding",
                "dir_service_attributes",
                "dir_changes",
            ],
            BulkLoaded::Postcodes => &["postcodes"],
            // A bare ANALYZE covers every table.
            BulkLoaded::Everything => &[""],
        };
        for table in tables {
            sqlx::query(&format!("ANALYZE {table}"))
                .execute(&self.pool)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }
}

impl Store {
    /// Starts a transaction that changes data (see `dialect::begin_write`).
    async fn write(&self) -> StorageResult<sqlx::Transaction<'static, Db>> {
        dialect::begin_write(&self.pool).await.map_err(backend)
    }
}

fn backend(e: sqlx::Error) -> StorageError {
    StorageError::backend(e)
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

/// The value of `column` in `row`.
fn get<'r, T>(row: &'r DbRow, column: &str) -> StorageResult<T>
where
    T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    use sqlx::Row;
    row.try_get(column).map_err(backend)
}

/// A value in the database that this version cannot understand: a bug or
/// a hand edit, reported rather than silently skipped.
fn corrupt(what: &str, value: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(format!("unexpected {what} in database: {value}").into())
}

/// A code-named value (`from_code`) in `column`: anything this version
/// does not know is reported as corrupt.
fn coded<T>(row: &DbRow, column: &str, parse: fn(&str) -> Option<T>) -> StorageResult<T> {
    let raw: String = get(row, column)?;
    parse(&raw).ok_or_else(|| corrupt(column, &raw))
}

/// `INSERT INTO table (columns) VALUES …, …` then `suffix` (an
/// `ON CONFLICT` clause, or nothing), in as few statements as the backend's
/// limit on bound parameters allows.
async fn insert_rows<'a, T>(
    conn: &mut Connection,
    table: &str,
    columns: &str,
    rows: &'a [T],
    suffix: &str,
    mut bind: impl FnMut(&mut Separated<'_, 'a, Db, &'static str>, &'a T),
) -> Result<(), sqlx::Error> {
    let per_row = columns.matches(',').count() + 1;
    for chunk in rows.chunks((MAX_PARAMS / per_row).max(1)) {
        let mut query = QueryBuilder::<Db>::new(format!("INSERT INTO {table} ({columns}) "));
        query.push_values(chunk, |mut b, row| bind(&mut b, row));
        query.push(suffix);
        query.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Pushes `column IN ($1, $2, …)` for `ids`, which must fit one statement.
fn push_in<T>(qb: &mut QueryBuilder<'_, Db>, column: &str, ids: &[T])
where
    T: for<'q> sqlx::Encode<'q, Db> + sqlx::Type<Db> + Clone + Send + 'static,
{
    qb.push(column).push(" IN (");
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(id.clone());
    }
    list.push_unseparated(")");
}

/// Pushes ` LIMIT … OFFSET …` for one page.
fn push_page(qb: &mut QueryBuilder<'_, Db>, page: linkwork_storage::PageRequest) {
    qb.push(" LIMIT ")
        .push_bind(i64::from(page.per_page))
        .push(" OFFSET ")
        .push_bind(page.offset() as i64);
}

/// A table's columns prefixed with its alias, for joins.
fn prefixed(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}
