//! Discharge: why support ended, a closing summary, and where each goal
//! ended up; from these the summary for the GP record is written.

use serde::Serialize;

use super::{GoalStatus, coded_enum};
use crate::validation::{ValidationErrors, required_text};
use crate::{GoalId, ReferralId, Timestamp, UserId};

coded_enum! {
    DischargeReason {
        GoalsMet => "goals_met", "Goals met";
        NoLongerWantsSupport => "no_longer_wants_support", "No longer wants support";
        MovedAway => "moved_away", "Moved away";
        UnableToContact => "unable_to_contact", "Unable to contact";
        ReferredToStatutory => "referred_to_statutory", "Referred to a statutory service";
        Died => "died", "Died";
        Other => "other", "Another reason";
    }
}

impl DischargeReason {
    /// When the person chose to stop, the GP record is coded "social
    /// prescribing declined", as at triage.
    pub fn person_declined(self) -> bool {
        self == DischargeReason::NoLongerWantsSupport
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discharge {
    pub referral_id: ReferralId,
    pub reason: DischargeReason,
    pub summary: String,
    pub discharged_at: Timestamp,
    pub discharged_by: UserId,
    pub discharged_by_name: String,
}

/// A checked discharge form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DischargeDetails {
    pub reason: DischargeReason,
    pub summary: String,
    /// Each goal's final status.
    pub goal_statuses: Vec<(GoalId, GoalStatus)>,
}

/// The discharge form, as typed: `goal_statuses` pairs each goal with the
/// status chosen for it.
#[derive(Debug, Clone, Default)]
pub struct DischargeInput {
    pub reason: String,
    pub summary: String,
    pub goal_statuses: Vec<(GoalId, String)>,
}

impl DischargeInput {
    /// Checks the form; every goal still open must be given its final
    /// status.
    pub fn validate(&self, goals: &[GoalId]) -> Result<DischargeDetails, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let reason = DischargeReason::from_code(&self.reason);
        if reason.is_none() {
            e.add("reason", "Select why support is ending");
        }
        let summary = required_text(
            &mut e,
            "summary",
            &self.summary,
            4000,
            "The summary",
            "Write a closing summary",
        );
        let mut statuses = Vec::new();
        for id in goals {
            let chosen = self
                .goal_statuses
                .iter()
                .find(|(g, _)| g == id)
                .and_then(|(_, code)| GoalStatus::from_code(code));
            match chosen {
                Some(s) if !s.is_open() => statuses.push((*id, s)),
                _ => e.add(
                    "goals",
                    "Say for every goal whether it was achieved or is no longer relevant",
                ),
            }
        }
        e.errors.dedup();
        e.into_result(())?;
        Ok(DischargeDetails {
            reason: reason.expect("validated"),
            summary: summary.expect("validated"),
            goal_statuses: statuses,
        })
    }
}
