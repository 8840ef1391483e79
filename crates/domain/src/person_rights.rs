//! The person's rights over their record beyond reading it: restriction of
//! processing, erasure by anonymisation and merging duplicates. The rules
//! here need no storage; the application applies them.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::validation::{ValidationErrors, required_text};
use crate::{PersonId, Timestamp};

/// Why, when and by whom a record was restricted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restriction {
    pub reason: String,
    pub by: String,
    pub at: Timestamp,
}

/// Where a record stands: restricted, erased, merged into another.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecordRights {
    pub restriction: Option<Restriction>,
    pub erased_at: Option<Timestamp>,
    pub merged_into: Option<PersonId>,
}

/// The longest reason a team lead may give.
pub const MAX_REASON: usize = 2000;

/// The reason given for restricting, erasing or merging, which must be
/// given: the audit log keeps it.
pub fn reason(raw: &str) -> Result<String, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let value = required_text(
        &mut errors,
        "reason",
        raw,
        MAX_REASON,
        "The reason",
        "Enter the reason",
    );
    errors.into_result(value.unwrap_or_default())
}

/// A reason for erasing a record, which the audit log keeps after the
/// record is gone: `reason`'s rules, and it must not repeat any of
/// `identifying` (their name, NHS number), whatever the case.
pub fn erasure_reason(raw: &str, identifying: &[String]) -> Result<String, ValidationErrors> {
    let reason = reason(raw)?;
    let lower = reason.to_lowercase();
    if identifying
        .iter()
        .any(|t| !t.trim().is_empty() && lower.contains(&t.to_lowercase()))
    {
        return Err(ValidationErrors::single(
            "reason",
            "Leave their name and NHS number out of the reason: it is kept after the record is erased",
        ));
    }
    Ok(reason)
}

/// What an erased record's free text and names become.
pub const ERASED_TEXT: &str = "Removed when the record was erased";
/// The name an erased record shows.
pub const ERASED_GIVEN_NAME: &str = "Erased";
pub const ERASED_FAMILY_NAME: &str = "record";
/// The one detail an audit entry may be changed to (the audit log's
/// triggers allow this and nothing else).
pub const ERASED_AUDIT_DETAIL: &str = "Details removed when the person's record was erased";

/// The date of birth an erased record keeps: the year only (reports count
/// age bands), as 1 July, the middle of the year, so an age worked out
/// from it is never more than half a year out.
pub fn erased_date_of_birth(born: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(born.year(), 7, 1).unwrap_or(born)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_required_and_checked() {
        assert_eq!(reason("  asked by letter ").unwrap(), "asked by letter");
        assert_eq!(
            reason(" ").unwrap_err().for_field("reason"),
            Some("Enter the reason")
        );
        assert!(reason("a\u{202e}b").is_err());
    }

    #[test]
    fn an_erasure_reason_must_not_name_them() {
        let who = ["Iris Patel".to_owned(), "9434765919".to_owned()];
        assert_eq!(
            erasure_reason("Asked in writing", &who).unwrap(),
            "Asked in writing"
        );
        for named in ["iris patel asked", "NHS 9434765919"] {
            assert!(erasure_reason(named, &who).is_err(), "{named}");
        }
    }

    #[test]
    fn an_erased_date_of_birth_keeps_the_year_only() {
        let born = NaiveDate::from_ymd_opt(1950, 3, 7).unwrap();
        assert_eq!(
            erased_date_of_birth(born),
            NaiveDate::from_ymd_opt(1950, 7, 1).unwrap()
        );
    }
}
