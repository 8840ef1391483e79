//! Opening the configured database.

use std::sync::Arc;

use anyhow::Context;
use linkwork_app::Settings;
use linkwork_storage::Store;
use linkwork_storage_postgres::PostgresStore;
use linkwork_storage_sqlite::SqliteStore;

/// Opens PostgreSQL when a database URL is configured, otherwise the SQLite
/// file in the data folder (creating both on first run). Migrations are
/// applied either way.
pub async fn open(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    let description = settings.database_description();
    match &settings.database_url {
        Some(url) => {
            let store = PostgresStore::connect(url.expose(), settings.database_max_connections)
                .await
                .with_context(|| format!("could not open {description}"))?;
            Ok(Arc::new(store))
        }
        None => {
            std::fs::create_dir_all(&settings.data_dir).with_context(|| {
                format!(
                    "could not create the data folder {}",
                    settings.data_dir.display()
                )
            })?;
            let store = SqliteStore::open(&settings.sqlite_path())
                .await
                .with_context(|| format!("could not open {description}"))?;
            Ok(Arc::new(store))
        }
    }
}
