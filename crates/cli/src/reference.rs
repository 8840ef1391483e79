//! `linkwork needs …`, `linkwork codes …` and `linkwork org coverage …`:
//! the reference data referrals rely on.

use std::io::Write;

use linkwork_app::App;
use linkwork_app::admin::Caller;
use linkwork_domain::organisation::Organisation;

use crate::commands::explain;
use crate::config::{CodesCommand, NeedsCommand};

pub async fn needs(app: &App, command: NeedsCommand) -> anyhow::Result<()> {
    match command {
        NeedsCommand::List => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{:<24}  {:<8}  {:<10}  {:<8}  LABEL",
                "CODE", "POSITION", "SNOMED", "STATUS"
            )?;
            for n in app.all_needs().await.map_err(explain)? {
                writeln!(
                    out,
                    "{:<24}  {:<8}  {:<10}  {:<8}  {}",
                    n.code,
                    n.position,
                    n.snomed_code.as_deref().unwrap_or("-"),
                    if n.active { "active" } else { "retired" },
                    n.label
                )?;
            }
            Ok(())
        }
        NeedsCommand::Set {
            code,
            label,
            snomed,
            position,
            retire,
            restore,
        } => {
            let active = match (retire, restore) {
                (true, _) => Some(false),
                (_, true) => Some(true),
                _ => None,
            };
            let need = app
                .save_need(&code, label.as_deref(), snomed.as_deref(), active, position)
                .await
                .map_err(explain)?;
            println!(
                "Saved need {} \"{}\"{}.",
                need.code,
                need.label,
                if need.active { "" } else { " (retired)" }
            );
            Ok(())
        }
    }
}

pub async fn codes(app: &App, command: CodesCommand) -> anyhow::Result<()> {
    match command {
        CodesCommand::List => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{:<10}  {:<18}  {:<24}  DISPLAY",
                "PURPOSE", "CODE", "SYSTEM"
            )?;
            for c in app.clinical_codes().await.map_err(explain)? {
                writeln!(
                    out,
                    "{:<10}  {:<18}  {:<24}  {}",
                    c.purpose.code(),
                    c.code,
                    c.system,
                    c.display
                )?;
            }
            Ok(())
        }
        CodesCommand::Set {
            purpose,
            code,
            display,
        } => {
            let c = app
                .set_clinical_code(&purpose, &code, &display)
                .await
                .map_err(explain)?;
            println!(
                "Referrals are now recorded as {} {} ({}).",
                c.system, c.code, c.display
            );
            Ok(())
        }
    }
}

pub async fn coverage(
    app: &App,
    org: &Organisation,
    set: Option<Vec<String>>,
) -> anyhow::Result<()> {
    let districts = match set {
        Some(districts) => app
            .set_pcn_coverage(Caller::Operator, org, &districts)
            .await
            .map_err(explain)?,
        None => app.pcn_coverage(org).await.map_err(explain)?,
    };
    if districts.is_empty() {
        println!("{} covers no postcode districts.", org.name);
    } else {
        println!("{} covers {}.", org.name, districts.join(", "));
    }
    Ok(())
}
