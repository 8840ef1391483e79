//! `linkwork import …`: loading files with a progress bar and a summary.

use std::fs::File;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use linkwork_app::App;
use linkwork_app::postcode_import::Rejection;
use linkwork_domain::postcode::ImdEdition;

use crate::config::{ImdEditionArg, ImportCommand};

/// Rejected rows listed in full; beyond this only the count is printed.
const REJECTIONS_SHOWN: usize = 50;

pub async fn run(app: &App, command: ImportCommand) -> anyhow::Result<()> {
    match command {
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
