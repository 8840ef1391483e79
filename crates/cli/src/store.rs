//! Opening the configured database.

use std::path::Path;
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
            private_folder(&settings.data_dir).with_context(|| {
                format!(
                    "could not create the data folder {}",
                    settings.data_dir.display()
                )
            })?;
            private_database_files(&settings.sqlite_path()).with_context(|| {
                format!(
                    "could not make {} readable by this account only",
                    settings.sqlite_path().display()
                )
            })?;
            let store = SqliteStore::open(&settings.sqlite_path())
                .await
                .with_context(|| format!("could not open {description}"))?;
            Ok(Arc::new(store))
        }
    }
}

/// Without a configured `secret_key`, the one kept in `secret.key` in the
/// data folder (created on first run, readable by this account only): the
/// key that seals second-factor and single sign-on secrets must outlive a
/// restart, and stays out of the database and its backups.
pub fn ensure_secret_key(settings: &mut Settings) -> anyhow::Result<()> {
    if settings.secret_key.is_some() {
        return Ok(());
    }
    if settings.database_url.is_some() {
        tracing::warn!(
            "secret_key is not set: using secret.key in the data folder; instances sharing this database must all use the same key"
        );
    }
    let dir = &settings.data_dir;
    private_folder(dir)
        .with_context(|| format!("could not create the data folder {}", dir.display()))?;
    let path = dir.join("secret.key");
    let key = match std::fs::read_to_string(&path) {
        Ok(key) => key,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = linkwork_app::secrets::SealingKey::generate_base64();
            write_private(&path, &key)
                .with_context(|| format!("could not write {}", path.display()))?;
            key
        }
        Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
    };
    settings.secret_key = Some(linkwork_app::settings::Secret::new(key.trim()));
    Ok(())
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}

/// The data folder holds people's health and social records: it is created
/// (with any missing parents) readable by this account only, and an
/// existing one is closed up to others.
fn private_folder(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

/// Creates the database file readable and writable by this account only,
/// before SQLite opens it: SQLite gives the WAL and shared-memory files it
/// makes beside the database the database file's own permissions. Files an
/// older version left open to others are closed up.
fn private_database_files(database: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(database)?;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = database.as_os_str().to_owned();
            name.push(suffix);
            let file = Path::new(&name);
            if file.exists() {
                std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = database;
    Ok(())
}
