//! Case notes, some marked as safeguarding concerns. Notes are for the
//! team only: never shown to referrers or community partners.

use serde::Serialize;

use super::coded_enum;
use crate::validation::{ValidationErrors, required_text, text};
use crate::{CaseNoteId, OrgId, PersonId, ReferralId, Timestamp, UserId};

coded_enum! {
    /// The categories of abuse and neglect in the Care Act 2014 statutory
    /// guidance, which safeguarding referrals in England use.
    SafeguardingCategory {
        Physical => "physical", "Physical abuse";
        Domestic => "domestic", "Domestic abuse";
        Sexual => "sexual", "Sexual abuse";
        Psychological => "psychological", "Psychological or emotional abuse";
        Financial => "financial", "Financial or material abuse";
        ModernSlavery => "modern_slavery", "Modern slavery";
        Discriminatory => "discriminatory", "Discriminatory abuse";
        Organisational => "organisational", "Organisational abuse";
        Neglect => "neglect", "Neglect or acts of omission";
        SelfNeglect => "self_neglect", "Self-neglect";
        Other => "other", "Another concern";
    }
}

/// A note's safeguarding concern: what kind, what was done, and whether it
/// is still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Safeguarding {
    pub category: SafeguardingCategory,
    pub action_taken: String,
    pub resolved_at: Option<Timestamp>,
    pub resolved_by: Option<UserId>,
    pub resolution: Option<String>,
}

impl Safeguarding {
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseNote {
    pub id: CaseNoteId,
    pub person_id: PersonId,
    pub referral_id: ReferralId,
    pub pcn_id: OrgId,
    pub at: Timestamp,
    pub author_id: UserId,
    pub author_name: String,
    pub text: String,
    pub safeguarding: Option<Safeguarding>,
}

/// The note form, as typed.
#[derive(Debug, Clone, Default)]
pub struct NoteInput {
    pub text: String,
    pub safeguarding: bool,
    pub category: String,
    pub action_taken: String,
}

impl NoteInput {
    pub fn validate(
        &self,
    ) -> Result<(String, Option<(SafeguardingCategory, String)>), ValidationErrors> {
        let mut e = ValidationErrors::new();
        let note = required_text(&mut e, "text", &self.text, 8000, "A note", "Enter the note");
        let mut concern = None;
        if self.safeguarding {
            let category = SafeguardingCategory::from_code(&self.category);
            if category.is_none() {
                e.add("category", "Select the kind of safeguarding concern");
            }
            let action = text(
                &mut e,
                "action_taken",
                &self.action_taken,
                4000,
                "The action taken",
            );
            if action.is_none() {
                e.add(
                    "action_taken",
                    "Enter the action taken, for example who it was reported to",
                );
            }
            concern = category.zip(action);
        }
        e.into_result(())?;
        Ok((note.expect("validated"), concern))
    }
}

/// Closing a safeguarding concern: what happened.
pub fn validate_resolution(raw: &str) -> Result<String, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let resolution = text(&mut e, "resolution", raw, 4000, "The outcome");
    if resolution.is_none() {
        e.add("resolution", "Enter how the concern was resolved");
    }
    e.into_result(())?;
    Ok(resolution.expect("validated"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_safeguarding_concern_needs_its_category_and_action() {
        let plain = NoteInput {
            text: "Talked about the allotment".into(),
            ..Default::default()
        };
        assert_eq!(plain.validate().unwrap().1, None);
        let concern = NoteInput {
            text: "Bruising on arm, said a fall".into(),
            safeguarding: true,
            ..Default::default()
        };
        let err = concern.validate().unwrap_err();
        assert!(err.for_field("category").is_some() && err.for_field("action_taken").is_some());
        let concern = NoteInput {
            category: "physical".into(),
            action_taken: "Discussed with the practice safeguarding lead".into(),
            ..concern
        };
        assert_eq!(
            concern.validate().unwrap().1.map(|c| c.0),
            Some(SafeguardingCategory::Physical)
        );
    }
}
