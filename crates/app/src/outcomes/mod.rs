//! Outcome evidence: questionnaires recorded by the link worker, filled in
//! by the person on the worker's device or from a one-time link on their
//! own phone; GP appointments before and after referral; and the cohort
//! figures commissioners fund on.
//!
//! A case's outcomes are reached only by its network's team, like the rest
//! of its casework; the cohort figures by those who read reports, for the
//! networks in their tenancy. Every read and change is audited.

mod api;
mod by_group;
mod evidence;
mod gp;
mod link;
mod record;

use linkwork_domain::measures::{Definition, builtin_definitions};

use crate::error::{AppError, AppResult};
use crate::settings::OutcomeSettings;

pub use by_group::GroupChange;
pub use evidence::{Evidence, EvidenceFilter, GpEvidence, ScoreEvidence};
pub use gp::GpImportReport;
pub use link::LinkQuestionnaire;
pub use record::{NewLink, OutcomesView, questionnaire_address};

/// The questionnaires this deployment offers: the built-in ones, then the
/// organisation's own definition files, each checked.
pub fn load_definitions(settings: &OutcomeSettings) -> AppResult<Vec<Definition>> {
    let mut all = builtin_definitions();
    for path in &settings.definition_files {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            AppError::Internal(format!(
                "could not read questionnaire definition {name}: {e}"
            ))
        })?;
        let definition =
            Definition::parse(&name, &text).map_err(|e| AppError::Internal(e.to_string()))?;
        if all.iter().any(|d| d.code == definition.code) {
            return Err(AppError::Internal(format!(
                "{name}: a questionnaire with the code `{}` is already defined",
                definition.code
            )));
        }
        all.push(definition);
    }
    Ok(all)
}

impl crate::App {
    /// Every questionnaire offered, built-in ones first.
    pub fn measures(&self) -> &[Definition] {
        &self.measures
    }

    /// The questionnaire with this code.
    pub fn measure(&self, code: &str) -> AppResult<&Definition> {
        self.measures
            .iter()
            .find(|d| d.code == code)
            .ok_or(AppError::NotFound("questionnaire"))
    }
}
