//! `linkwork backup FILE` and `linkwork restore FILE` for the embedded
//! SQLite database. A backup is taken while Linkwork runs (a consistent
//! snapshot, not a file copy); a restore checks the file first, keeps the
//! database it replaces beside it, and is done with Linkwork stopped.
//! PostgreSQL is backed up with its own tools (README, "Backup and
//! restore").

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use linkwork_app::Settings;
use linkwork_storage_sqlite::SqliteStore;

fn sqlite_only(settings: &Settings, what: &str) -> anyhow::Result<()> {
    if settings.database_url.is_some() {
        bail!(
            "Linkwork is using PostgreSQL ({}): {what} it with PostgreSQL's own tools (pg_dump and pg_restore, or continuous archiving); see \"Backup and restore\" in the README",
            settings.database_description()
        );
    }
    Ok(())
}

/// People's records: readable by this account only.
fn private(file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    Ok(())
}

pub async fn backup(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    sqlite_only(settings, "back up")?;
    let database = settings.sqlite_path();
    if !database.is_file() {
        bail!("there is no database at {} to back up", database.display());
    }
    let store = SqliteStore::open(&database)
        .await
        .with_context(|| format!("could not open {}", database.display()))?;
    store
        .backup_to(file)
        .await
        .with_context(|| format!("could not back up to {}", file.display()))?;
    private(file).with_context(|| format!("could not make {} private", file.display()))?;
    let check = SqliteStore::check_backup(file).await?;
    println!(
        "Backed up {} to {} (schema {}, checked).",
        database.display(),
        file.display(),
        check.schema_version
    );
    Ok(())
}

/// Where the database a restore replaces is kept: beside it, named by
/// when.
fn kept_aside(database: &Path) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    database.with_extension(format!("db.before-restore-{stamp}"))
}

pub async fn restore(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    sqlite_only(settings, "restore")?;
    let check = SqliteStore::check_backup(file).await?;
    let database = settings.sqlite_path();
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("could not create {}", settings.data_dir.display()))?;
    // Copied next to the database first, so the swap is a rename.
    let incoming = database.with_extension("db.restoring");
    std::fs::copy(file, &incoming).with_context(|| format!("could not copy {}", file.display()))?;
    private(&incoming)?;
    if database.exists() {
        let aside = kept_aside(&database);
        for suffix in ["", "-wal", "-shm"] {
            let from = PathBuf::from(format!("{}{suffix}", database.display()));
            if from.exists() {
                let to = PathBuf::from(format!("{}{suffix}", aside.display()));
                std::fs::rename(&from, &to)
                    .with_context(|| format!("could not move {} aside", from.display()))?;
            }
        }
        println!("The database it replaces is kept at {}.", aside.display());
    }
    std::fs::rename(&incoming, &database).with_context(|| {
        format!(
            "could not put the backup in place at {}",
            database.display()
        )
    })?;
    // Opening applies any migrations newer than the backup.
    SqliteStore::open(&database)
        .await
        .with_context(|| format!("could not open the restored {}", database.display()))?;
    println!(
        "Restored {} to {} (schema {}, checked).",
        file.display(),
        database.display(),
        check.schema_version
    );
    Ok(())
}
