//! `linkwork import …`: loading files with a progress bar and a summary.

use std::fs::File;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use linkwork_app::App;
use linkwork_app::directory_import::{ImportOptions, ImportSource, Stage};
use linkwork_app::postcode_import::Rejection;
use linkwork_domain::postcode::ImdEdition;

use crate::config::{ImdEditionArg, ImportCommand};

/// Rejected rows listed in full; beyond this only the count is printed.
const REJECTIONS_SHOWN: usize = 50;

pub async fn run(app: &App, command: ImportCommand) -> anyhow::Result<()> {
    match command {
        ImportCommand::Directory { source, strict } => directory(app, &source, strict).await,
        ImportCommand::Postcodes { file, imd_edition } => {
            let edition = match imd_edition {
                ImdEditionArg::Iod2019 => ImdEdition::Iod2019,
                ImdEditionArg::Iod2025 => ImdEdition::Iod2025,
            };
            let opened =
                File::open(&file).with_context(|| format!("could not open {}", file.display()))?;
            let size = opened.metadata().map(|m| m.len()).unwrap_or(0);
            let progress = progress_bar(size);
            let name = file.display().to_string();
            let summary = app
                .import_postcodes(progress.wrap_read(opened), &name, edition)
                .await;
            progress.finish_and_clear();
            let summary = summary?;
            println!("Imported {} postcodes from {name}.", summary.imported);
            report_rejections(&summary.rejected);
            Ok(())
        }
        ImportCommand::GpAppointments { file } => {
            let opened =
                File::open(&file).with_context(|| format!("could not open {}", file.display()))?;
            let report = app
                .import_gp_appointments(linkwork_domain::audit::Actor::Cli, opened)
                .await?;
            println!(
                "Imported {} GP appointment counts from {}.",
                report.applied,
                file.display()
            );
            report_rejections(&report.refused);
            Ok(())
        }
        ImportCommand::RegisteredPopulation { file } => {
            let name = file.display().to_string();
            let opened = File::open(&file).with_context(|| format!("could not open {name}"))?;
            let s = app.import_registered_population(opened, &name).await?;
            println!(
                "Imported {} rows of {} from {name}: {} practices, {} patients.",
                s.rows, s.kind, s.practices, s.patients
            );
            Ok(())
        }
        ImportCommand::Deprivation { file } => {
            let name = file.display().to_string();
            let opened = File::open(&file).with_context(|| format!("could not open {name}"))?;
            let (lsoas, edition) = app.import_deprivation(opened, &name).await?;
            let edition = match edition {
                ImdEdition::Iod2019 => "IoD2019",
                ImdEdition::Iod2025 => "IoD2025",
            };
            println!("Imported the deprivation of {lsoas} LSOAs ({edition}) from {name}.");
            Ok(())
        }
    }
}

async fn directory(app: &App, source: &str, strict: bool) -> anyhow::Result<()> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:<10} [{elapsed_precise}] {wide_bar} {pos}/{len}",
        )
        .expect("valid template"),
    );
    let writing = std::sync::Once::new();
    let progress = |stage: Stage, done: u64, total: Option<u64>| {
        if stage == Stage::Writing {
            // Said once, on stderr even when the bar is hidden: from here
            // on the import is being written, in parts, so stopping it
            // keeps the parts already written.
            writing.call_once(|| {
                bar.suspend(|| eprintln!("Writing {} records…", total.unwrap_or(0)));
            });
        }
        if stage == Stage::Checking && total.is_none() {
            // A file read as it streams: how many records are in it is
            // known only at its end.
            bar.set_message("Reading");
            bar.set_position(done);
            return;
        }
        bar.set_message(match stage {
            Stage::Fetching => "Fetching",
            Stage::Checking => "Checking",
            Stage::Writing => "Writing",
        });
        if let Some(total) = total {
            bar.set_length(total);
        }
        bar.set_position(done);
    };
    let client = crate::http_feed::HttpFeed::new()?;
    let path = std::path::Path::new(source);
    let import_source = if source.starts_with("http://") || source.starts_with("https://") {
        ImportSource::Feed {
            url: source,
            client: &client,
        }
    } else if path.is_dir() {
        ImportSource::CsvPackage(path)
    } else {
        ImportSource::JsonFile(path)
    };
    let summary = app
        .import_directory(
            import_source,
            ImportOptions {
                strict,
                ..Default::default()
            },
            &progress,
        )
        .await;
    bar.finish_and_clear();
    let summary = summary?;
    let c = summary.counts;
    if summary.refused {
        list_rejected(&summary.rejected);
        anyhow::bail!(
            "{} records of {source} were rejected; with --strict nothing was imported",
            summary.rejected.len()
        );
    }
    println!(
        "Imported from {source}: {} services new, {} updated, {} rejected; {} organisations, {} taxonomies, {} taxonomy terms.",
        c.services_created,
        c.services_updated,
        summary.rejected.len(),
        c.organizations,
        c.taxonomies,
        c.taxonomy_terms
    );
    list_rejected(&summary.rejected);
    if !summary.warnings.is_empty() {
        println!("Warnings ({}):", summary.warnings.len());
        for w in summary.warnings.iter().take(REJECTIONS_SHOWN) {
            println!("  {}: {}", w.position, w.message);
        }
        if summary.warnings.len() > REJECTIONS_SHOWN {
            println!("  … and {} more", summary.warnings.len() - REJECTIONS_SHOWN);
        }
    }
    Ok(())
}

fn list_rejected(rejected: &[linkwork_app::directory_import::Rejection]) {
    if rejected.is_empty() {
        return;
    }
    println!("Rejected:");
    for r in rejected.iter().take(REJECTIONS_SHOWN) {
        println!("  {}: {}", r.position, r.reason);
    }
    if rejected.len() > REJECTIONS_SHOWN {
        println!("  … and {} more", rejected.len() - REJECTIONS_SHOWN);
    }
}

/// A bar by bytes read, drawn on stderr only when it is a terminal.
fn progress_bar(bytes: u64) -> ProgressBar {
    let bar = ProgressBar::new(bytes);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({eta})",
        )
        .expect("valid template"),
    );
    bar
}

fn report_rejections(rejected: &[Rejection]) {
    if rejected.is_empty() {
        return;
    }
    println!("Rejected {} rows:", rejected.len());
    for r in rejected.iter().take(REJECTIONS_SHOWN) {
        println!("  line {}: {}", r.line, r.reason);
    }
    if rejected.len() > REJECTIONS_SHOWN {
        println!("  … and {} more", rejected.len() - REJECTIONS_SHOWN);
    }
}
