//! Reference data the referral record is coded with: the list of needs a
//! referral can give as reasons, and the clinical codes written into GP
//! records. Both live in the database (seeded by a migration) so that a
//! deploying organisation can correct or extend them without a release;
//! nothing else in the code spells out a code.

use serde::Serialize;

/// SNOMED CT's system URI in FHIR.
pub const SNOMED_SYSTEM: &str = "http://snomed.info/sct";

/// SNOMED CT 373942005 |Discharge summary (record artifact)|: the type of
/// the document sent back to the GP. It names the document, not anything
/// recorded about the person, so it is not among the deployment's
/// clinical codes.
pub const DISCHARGE_SUMMARY_DOCUMENT: (&str, &str) = ("373942005", "Discharge summary");

/// A reason someone can be referred for ("Loneliness", "Debt" …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Need {
    /// Stable identifier, e.g. "loneliness"; what the API and FHIR
    /// reasonCode use.
    pub code: String,
    pub label: String,
    /// A SNOMED CT concept other systems may send for this need, when the
    /// deploying organisation has mapped one.
    pub snomed_code: Option<String>,
    /// Retired needs stay on old referrals but are not offered.
    pub active: bool,
    pub position: i32,
}

/// What a clinical code is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodePurpose {
    /// Recorded with every referral: "Referral to social prescribing service".
    Referral,
    /// Recorded when the person declined: "Social prescribing declined".
    Declined,
}

impl CodePurpose {
    pub const ALL: [CodePurpose; 2] = [CodePurpose::Referral, CodePurpose::Declined];

    pub fn code(self) -> &'static str {
        match self {
            CodePurpose::Referral => "referral",
            CodePurpose::Declined => "declined",
        }
    }

    pub fn from_code(code: &str) -> Option<CodePurpose> {
        CodePurpose::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// A coded concept, e.g. SNOMED CT 871731000000106.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClinicalCode {
    pub purpose: CodePurpose,
    pub system: String,
    pub code: String,
    pub display: String,
}
