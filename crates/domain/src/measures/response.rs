//! A questionnaire as a person answered it: when in their support, who
//! filled it in, the answers, and the scores they gave by the definition's
//! rules at the time. Also the one-time link that lets the person answer
//! on their own phone, and the GP appointments before and after referral.

use std::collections::BTreeMap;

use super::definition::{Definition, item_field};
use super::scoring::{AnswerError, Answers, Score};
use crate::casework::coded_enum;
use crate::validation::ValidationErrors;
use crate::{MeasureResponseId, OrgId, PersonId, ReferralId, Timestamp, UserId};

coded_enum! {
    /// When in a person's support a questionnaire was completed.
    Occasion {
        Baseline => "baseline", "At the start (baseline)";
        Review => "review", "At a review";
        Discharge => "discharge", "At discharge";
        OnDemand => "on_demand", "At another time";
    }
}

coded_enum! {
    /// Who filled the questionnaire in, and where.
    CompletedBy {
        LinkWorker => "link_worker", "Entered by the link worker";
        PersonOnDevice => "person_on_device", "By the person, on the link worker's device";
        PersonOwnPhone => "person_own_phone", "By the person, from a link on their own phone";
        Api => "api", "Sent by another system";
    }
}

/// One completed (or partly completed) questionnaire.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureResponse {
    pub id: MeasureResponseId,
    pub person_id: PersonId,
    /// The episode of support it belongs to: baselines and follow-ups are
    /// paired within one referral.
    pub referral_id: ReferralId,
    pub pcn_id: OrgId,
    /// The definition's code (`ons4`).
    pub measure: String,
    pub occasion: Occasion,
    pub completed_by: CompletedBy,
    pub answers: Answers,
    /// See `Scored::complete`: an incomplete response has no scores.
    pub complete: bool,
    /// As scored when recorded, so a later change to a definition never
    /// rewrites what was reported.
    pub scores: Vec<Score>,
    pub completed_at: Timestamp,
    /// The signed-in user who recorded it or sent the link.
    pub recorded_by: Option<UserId>,
    pub recorded_by_name: String,
}

/// Where a response belongs and who recorded it.
#[derive(Debug, Clone)]
pub struct ResponseContext {
    pub person_id: PersonId,
    pub referral_id: ReferralId,
    pub pcn_id: OrgId,
    pub occasion: Occasion,
    pub completed_by: CompletedBy,
    pub completed_at: Timestamp,
    pub recorded_by: Option<UserId>,
    pub recorded_by_name: String,
}

impl MeasureResponse {
    /// Checks `answers` against the definition and scores them. An answer
    /// the definition does not offer is refused, naming its item.
    pub fn record(
        definition: &Definition,
        answers: Answers,
        context: ResponseContext,
    ) -> Result<MeasureResponse, ValidationErrors> {
        definition.check_answers(&answers).map_err(|e| {
            let item = match &e {
                AnswerError::UnknownItem(item) | AnswerError::NotAnOption { item, .. } => item,
            };
            let field = definition
                .items
                .iter()
                .position(|i| &i.code == item)
                .map_or("answers", item_field);
            ValidationErrors::single(field, format!("Choose one of the answers: {e}"))
        })?;
        let scored = definition.score(&answers);
        Ok(MeasureResponse {
            id: MeasureResponseId::new(),
            person_id: context.person_id,
            referral_id: context.referral_id,
            pcn_id: context.pcn_id,
            measure: definition.code.clone(),
            occasion: context.occasion,
            completed_by: context.completed_by,
            answers,
            complete: scored.complete,
            scores: scored.scores,
            completed_at: context.completed_at,
            recorded_by: context.recorded_by,
            recorded_by_name: context.recorded_by_name,
        })
    }

    /// The value of the score `code`, if the response has one.
    pub fn score(&self, code: &str) -> Option<f64> {
        self.scores
            .iter()
            .find(|s| s.code == code)
            .and_then(|s| s.value)
    }
}

/// Reads a questionnaire form: each item's field (`item_field`) holds the
/// chosen value, or nothing when the question was skipped. Anything else
/// is an error on that item's field.
pub fn answers_from_form(
    definition: &Definition,
    form: &BTreeMap<String, String>,
) -> Result<Answers, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut answers = Answers::new();
    for (index, item) in definition.items.iter().enumerate() {
        let Some(raw) = form.get(item_field(index)).map(|v| v.trim()) else {
            continue;
        };
        if raw.is_empty() {
            continue;
        }
        let options = definition.options(item);
        match raw.parse::<i32>() {
            Ok(v) if options.iter().any(|o| o.value == v) => {
                answers.insert(item.code.clone(), v);
            }
            _ => errors.add(
                item_field(index),
                format!("Choose one of the answers to \"{}\"", item.text),
            ),
        }
    }
    errors.into_result(answers)
}

/// A link sent to a person so they can answer a questionnaire on their own
/// phone: single use, expiring, and only the hash of its secret is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureLink {
    pub token_hash: String,
    pub referral_id: ReferralId,
    pub person_id: PersonId,
    pub pcn_id: OrgId,
    pub measure: String,
    pub occasion: Occasion,
    pub created_by: UserId,
    pub created_by_name: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

impl MeasureLink {
    /// Why the link cannot be used now, if it cannot.
    pub fn refused(&self, now: Timestamp) -> Option<&'static str> {
        if self.used_at.is_some() {
            Some("This questionnaire has already been filled in. Thank you.")
        } else if self.expires_at < now {
            Some("This link has expired. Ask your link worker for a new one.")
        } else {
            None
        }
    }
}

/// GP appointments in the six months before a referral and the six months
/// after it: the system outcome commissioners ask social prescribing for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpAppointments {
    pub referral_id: ReferralId,
    pub person_id: PersonId,
    pub pcn_id: OrgId,
    pub before: Option<u32>,
    pub after: Option<u32>,
    pub recorded_at: Timestamp,
    pub recorded_by_name: String,
}

impl GpAppointments {
    /// After minus before, when both are known.
    pub fn change(&self) -> Option<i64> {
        Some(i64::from(self.after?) - i64::from(self.before?))
    }
}

/// A count of appointments as typed: blank for not known yet.
pub fn appointment_count(
    errors: &mut ValidationErrors,
    field: &'static str,
    raw: &str,
) -> Option<u32> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<u32>() {
        Ok(n) if n <= 500 => Some(n),
        _ => {
            errors.add(
                field,
                "Enter the number of appointments as a whole number, like 4",
            );
            None
        }
    }
}
