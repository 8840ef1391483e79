//! `linkwork measures`: the built-in outcome measures, and checking an
//! organisation's questionnaire definition files before they are used.

use anyhow::{Context, bail};
use linkwork_domain::measures::{Definition, Rule, builtin_definitions};

use crate::config::MeasuresCommand;

pub fn run(command: &MeasuresCommand) -> anyhow::Result<()> {
    match command {
        MeasuresCommand::List => {
            for d in builtin_definitions() {
                describe(&d);
            }
            Ok(())
        }
        MeasuresCommand::Check { files } => {
            let mut refused = 0;
            for path in files {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("could not read {}", path.display()))?;
                match Definition::parse(&path.display().to_string(), &text) {
                    Ok(d) => {
                        print!("{}: ", path.display());
                        describe(&d);
                    }
                    Err(e) => {
                        eprintln!("{e}");
                        refused += 1;
                    }
                }
            }
            if refused > 0 {
                bail!("{refused} of {} definition files refused", files.len());
            }
            Ok(())
        }
    }
}

/// One line for the measure, one per score.
fn describe(d: &Definition) {
    println!("{} ({}), {} items", d.name, d.code, d.items.len());
    for s in &d.scores {
        let rule = match s.rule {
            Rule::Sum => "sum",
            Rule::Lookup => "sum, then the table",
        };
        let better = if s.higher_is_better {
            "higher"
        } else {
            "lower"
        };
        let bands: Vec<&str> = s.bands.iter().map(|b| b.label.as_str()).collect();
        println!(
            "  {} ({}): {rule} of {} item{}, {better} is better{}",
            s.label,
            s.code,
            s.items.len(),
            if s.items.len() == 1 { "" } else { "s" },
            if bands.is_empty() {
                String::new()
            } else {
                format!("; bands {}", bands.join(", "))
            }
        );
    }
}
