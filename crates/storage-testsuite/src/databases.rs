//! Fresh, isolated databases for tests: an in-memory SQLite store, or a
//! new PostgreSQL database per test, dropped when the test ends.

use std::io::Write;
use std::sync::Once;
use std::time::Duration;

use linkwork_storage::Store;
use linkwork_storage_postgres::PostgresStore;
use linkwork_storage_sqlite::SqliteStore;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor, PgConnection};
use std::str::FromStr;

/// A test's own database.
pub trait TestDatabase {
    type Store: Store + Clone;
    fn store(&self) -> &Self::Store;
    /// Runs `sql` on the database directly, bypassing the store, as anyone
    /// with the file or a SQL console could; the error as text.
    fn execute_directly(&self, sql: &str) -> impl Future<Output = Result<(), String>> + Send;
    /// Statements that empty `table` at once, beyond `DELETE FROM table`.
    fn emptying_statements(table: &str) -> Vec<String>;
    /// Every text column of every table (read from the schema, so tables
    /// added later are searched too) holding `needle` in any row, ignoring
    /// case, as `table.column`.
    fn columns_containing(&self, needle: &str) -> impl Future<Output = Vec<String>> + Send;
}

pub struct SqliteTestDatabase {
    store: SqliteStore,
}

impl SqliteTestDatabase {
    pub async fn create() -> Option<Self> {
        let store = SqliteStore::connect("sqlite::memory:")
            .await
            .expect("in-memory SQLite opens");
        Some(SqliteTestDatabase { store })
    }
}

impl TestDatabase for SqliteTestDatabase {
    type Store = SqliteStore;
    fn store(&self) -> &SqliteStore {
        &self.store
    }
    async fn execute_directly(&self, sql: &str) -> Result<(), String> {
        sqlx::query(sql)
            .execute(self.store.pool())
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    /// SQLite has no `TRUNCATE`; an unqualified `DELETE` is its fast path.
    fn emptying_statements(_table: &str) -> Vec<String> {
        Vec::new()
    }
    async fn columns_containing(&self, needle: &str) -> Vec<String> {
        let pool = self.store.pool();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(pool)
        .await
        .expect("list tables");
        let mut found = Vec::new();
        for table in tables {
            let columns: Vec<(String, String)> = sqlx::query_as(&format!(
                "SELECT name, type FROM pragma_table_info('{table}')"
            ))
            .fetch_all(pool)
            .await
            .expect("list columns");
            for (column, kind) in columns {
                if !matches!(kind.to_uppercase().as_str(), "TEXT" | "ANY" | "") {
                    continue;
                }
                let hits: i64 = sqlx::query_scalar(&format!(
                    "SELECT count(*) FROM \"{table}\" WHERE instr(lower(CAST(\"{column}\" AS TEXT)), $1) > 0"
                ))
                .bind(needle.to_lowercase())
                .fetch_one(pool)
                .await
                .expect("search a column");
                if hits > 0 {
                    found.push(format!("{table}.{column}"));
                }
            }
        }
        found
    }
}

/// The server the PostgreSQL tests use: `LINKWORK_TEST_POSTGRES_URL`, by
/// default the development and CI machines' trust-auth server.
pub fn postgres_admin_url() -> String {
    std::env::var("LINKWORK_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Whether a PostgreSQL test must fail rather than skip when the server is
/// unreachable: in CI (`CI=true`) or when `LINKWORK_REQUIRE_POSTGRES=1`.
pub fn postgres_required() -> bool {
    let set = |name: &str| {
        std::env::var(name)
            .map(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
            .unwrap_or(false)
    };
    set("CI") || set("LINKWORK_REQUIRE_POSTGRES")
}

pub struct PostgresTestDatabase {
    store: PostgresStore,
    name: String,
    url: String,
}

impl PostgresTestDatabase {
    /// Creates an empty database with Linkwork's schema, or returns `None`
    /// (saying so once on stderr) when PostgreSQL is unreachable outside CI.
    pub async fn create() -> Option<Self> {
        let admin_url = postgres_admin_url();
        let mut admin = match connect(&admin_url).await {
            Ok(conn) => conn,
            Err(e) => {
                if postgres_required() {
                    panic!(
                        "PostgreSQL tests are required (CI) but {admin_url} is unreachable: {e}"
                    );
                }
                static SKIP_NOTICE: Once = Once::new();
                SKIP_NOTICE.call_once(|| {
                    // Written past the test harness's capture so the skip is seen.
                    let _ = writeln!(
                        std::io::stderr(),
                        "\nPostgreSQL tests SKIPPED: {admin_url} is unreachable ({e}). \
                         Start PostgreSQL or set LINKWORK_TEST_POSTGRES_URL; CI=true makes this a failure.\n"
                    );
                });
                return None;
            }
        };
        let name = format!("linkwork_test_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create test database");
        let options = PgConnectOptions::from_str(&admin_url)
            .expect("valid PostgreSQL URL")
            .database(&name);
        let url = options.to_url_lossy().to_string();
        let store = PostgresStore::connect(&url, 5)
            .await
            .expect("connect to the test database");
        Some(PostgresTestDatabase { store, name, url })
    }

    /// The test database's URL, to start further instances on it.
    pub fn url(&self) -> &str {
        &self.url
    }
}

async fn connect(url: &str) -> Result<PgConnection, String> {
    tokio::time::timeout(Duration::from_secs(3), PgConnection::connect(url))
        .await
        .map_err(|_| "timed out".to_owned())?
        .map_err(|e| e.to_string())
}

impl TestDatabase for PostgresTestDatabase {
    type Store = PostgresStore;
    fn store(&self) -> &PostgresStore {
        &self.store
    }
    async fn execute_directly(&self, sql: &str) -> Result<(), String> {
        sqlx::query(sql)
            .execute(self.store.pool())
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    fn emptying_statements(table: &str) -> Vec<String> {
        vec![format!("TRUNCATE {table}")]
    }
    async fn columns_containing(&self, needle: &str) -> Vec<String> {
        let pool = self.store.pool();
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' \
             AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')",
        )
        .fetch_all(pool)
        .await
        .expect("list columns");
        let mut found = Vec::new();
        for (table, column) in columns {
            let hits: i64 = sqlx::query_scalar(&format!(
                "SELECT count(*) FROM \"{table}\" WHERE strpos(lower(\"{column}\"::text), $1) > 0"
            ))
            .bind(needle.to_lowercase())
            .fetch_one(pool)
            .await
            .expect("search a column");
            if hits > 0 {
                found.push(format!("{table}.{column}"));
            }
        }
        found
    }
}

impl Drop for PostgresTestDatabase {
    fn drop(&mut self) {
        // Drop is synchronous and may run inside a runtime, so the database
        // is dropped from a thread with its own small runtime.
        let name = self.name.clone();
        let result = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let mut admin = connect(&postgres_admin_url()).await?;
                admin
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>(())
            })
        })
        .join();
        if let Ok(Err(e)) | Err(e) = result.map_err(|_| "panicked".to_owned()) {
            let _ = writeln!(
                std::io::stderr(),
                "could not drop test database {}: {e}",
                self.name
            );
        }
    }
}
