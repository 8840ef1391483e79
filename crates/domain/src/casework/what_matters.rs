//! "What matters to me": the conversation that starts a person's support,
//! kept as fields (needs, barriers, free times) that finding support can
//! rank services by, as well as in the person's own words. Each save is a
//! new revision, dated and attributed; earlier ones are kept.

use serde::Serialize;

use super::coded_enum;
use crate::codes::Need;
use crate::directory::schedule::Weekday;
use crate::validation::{ValidationErrors, required_text, text};
use crate::{PersonId, ReferralId, Timestamp, UserId, WhatMattersId};

coded_enum! {
    /// What gets in the way of taking part.
    Barrier {
        Cost => "cost", "Cost";
        Transport => "transport", "Transport";
        Mobility => "mobility", "Mobility or disability";
        Caring => "caring", "Caring responsibilities";
        Anxiety => "anxiety", "Anxiety about trying something new";
        Language => "language", "Language";
        Digital => "digital", "Digital access";
        NotKnowing => "not_knowing", "Not knowing what is out there";
    }
}

coded_enum! {
    /// A part of the day someone is free.
    DayPart {
        Morning => "morning", "Morning";
        Afternoon => "afternoon", "Afternoon";
        Evening => "evening", "Evening";
    }
}

impl DayPart {
    /// The hours (UK clock, start inclusive, end exclusive) the part covers,
    /// for matching against services' opening times.
    pub fn hours(self) -> (u32, u32) {
        match self {
            DayPart::Morning => (8, 12),
            DayPart::Afternoon => (12, 17),
            DayPart::Evening => (17, 21),
        }
    }
}

/// A time someone is free: a day of the week and part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FreeTime {
    pub day: Weekday,
    pub part: DayPart,
}

impl FreeTime {
    /// As a form sends it: "MO-morning".
    pub fn code(self) -> String {
        format!("{}-{}", self.day.code(), self.part.code())
    }

    pub fn from_code(code: &str) -> Option<FreeTime> {
        let (day, part) = code.trim().split_once('-')?;
        Some(FreeTime {
            day: day.parse().ok()?,
            part: DayPart::from_code(part)?,
        })
    }

    pub fn label(self) -> String {
        format!("{} {}", self.day.name(), self.part.label().to_lowercase())
    }
}

/// One revision of what matters to a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhatMatters {
    pub id: WhatMattersId,
    pub referral_id: ReferralId,
    pub person_id: PersonId,
    /// 1 for the first conversation, then one more for each change.
    pub revision: i64,
    /// What matters, in the person's own words.
    pub in_their_words: String,
    /// Need codes, from the configurable list.
    pub needs: Vec<String>,
    pub strengths: Option<String>,
    pub interests: Option<String>,
    pub barriers: Vec<Barrier>,
    /// More about the barriers, e.g. "can't manage stairs".
    pub barrier_notes: Option<String>,
    pub free_times: Vec<FreeTime>,
    pub communication_needs: Option<String>,
    pub recorded_at: Timestamp,
    pub recorded_by: UserId,
    pub recorded_by_name: String,
}

/// What the person would like support with now: the needs recorded in
/// "what matters" when there are any, else those the referral gave.
pub fn current_needs(what_matters: Option<&WhatMatters>, referral_needs: &[String]) -> Vec<String> {
    match what_matters {
        Some(w) if !w.needs.is_empty() => w.needs.clone(),
        _ => referral_needs.to_vec(),
    }
}

/// The form, as typed.
#[derive(Debug, Clone, Default)]
pub struct WhatMattersInput {
    pub in_their_words: String,
    pub needs: Vec<String>,
    pub strengths: String,
    pub interests: String,
    pub barriers: Vec<String>,
    pub barrier_notes: String,
    pub free_times: Vec<String>,
    pub communication_needs: String,
}

/// The checked fields of a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatMattersDetails {
    pub in_their_words: String,
    pub needs: Vec<String>,
    pub strengths: Option<String>,
    pub interests: Option<String>,
    pub barriers: Vec<Barrier>,
    pub barrier_notes: Option<String>,
    pub free_times: Vec<FreeTime>,
    pub communication_needs: Option<String>,
}

impl WhatMattersInput {
    /// The form pre-filled from a revision, to change it.
    pub fn from_record(w: &WhatMatters) -> WhatMattersInput {
        WhatMattersInput {
            in_their_words: w.in_their_words.clone(),
            needs: w.needs.clone(),
            strengths: w.strengths.clone().unwrap_or_default(),
            interests: w.interests.clone().unwrap_or_default(),
            barriers: w.barriers.iter().map(|b| b.code().to_owned()).collect(),
            barrier_notes: w.barrier_notes.clone().unwrap_or_default(),
            free_times: w.free_times.iter().map(|f| f.code()).collect(),
            communication_needs: w.communication_needs.clone().unwrap_or_default(),
        }
    }

    /// Checks the form against `needs` (the list in force; a retired need
    /// already on the record may stay).
    pub fn validate(
        &self,
        needs: &[Need],
        current: Option<&WhatMatters>,
    ) -> Result<WhatMattersDetails, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let in_their_words = required_text(
            &mut e,
            "in_their_words",
            &self.in_their_words,
            4000,
            "What matters",
            "Enter what matters to the person, in their own words",
        );
        let mut chosen: Vec<String> = Vec::new();
        for code in &self.needs {
            let code = code.trim();
            let known = needs.iter().any(|n| {
                n.code == code
                    && (n.active || current.is_some_and(|c| c.needs.iter().any(|k| k == code)))
            });
            if !known {
                e.add(
                    "needs",
                    format!("{code:?} is not one of the needs on the list"),
                );
            } else if !chosen.iter().any(|c| c == code) {
                chosen.push(code.to_owned());
            }
        }
        let mut barriers = Vec::new();
        for code in &self.barriers {
            match Barrier::from_code(code) {
                Some(b) if !barriers.contains(&b) => barriers.push(b),
                Some(_) => {}
                None => e.add(
                    "barriers",
                    format!("{code:?} is not one of the barriers on the list"),
                ),
            }
        }
        barriers.sort();
        let mut free_times = Vec::new();
        for code in &self.free_times {
            match FreeTime::from_code(code) {
                Some(f) if !free_times.contains(&f) => free_times.push(f),
                Some(_) => {}
                None => e.add(
                    "free_times",
                    format!("{code:?} is not a day and time on the list"),
                ),
            }
        }
        free_times.sort();
        let strengths = text(&mut e, "strengths", &self.strengths, 2000, "Strengths");
        let interests = text(&mut e, "interests", &self.interests, 2000, "Interests");
        let barrier_notes = text(
            &mut e,
            "barrier_notes",
            &self.barrier_notes,
            2000,
            "More about what gets in the way",
        );
        let communication_needs = text(
            &mut e,
            "communication_needs",
            &self.communication_needs,
            1000,
            "Communication needs",
        );
        e.into_result(())?;
        Ok(WhatMattersDetails {
            in_their_words: in_their_words.expect("validated"),
            needs: chosen,
            strengths,
            interests,
            barriers,
            barrier_notes,
            free_times,
            communication_needs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs() -> Vec<Need> {
        ["loneliness", "debt"]
            .iter()
            .enumerate()
            .map(|(i, c)| Need {
                code: (*c).into(),
                label: (*c).into(),
                snomed_code: None,
                active: i == 0,
                position: i as i32,
            })
            .collect()
    }

    #[test]
    fn fields_are_checked_and_kept_as_codes() {
        let input = WhatMattersInput {
            in_their_words: "  Getting out of the house again  ".into(),
            needs: vec!["loneliness".into(), "loneliness".into()],
            barriers: vec!["transport".into(), "cost".into()],
            free_times: vec!["TU-morning".into(), "MO-evening".into()],
            ..Default::default()
        };
        let d = input.validate(&needs(), None).unwrap();
        assert_eq!(d.in_their_words, "Getting out of the house again");
        assert_eq!(d.needs, ["loneliness"]);
        assert_eq!(d.barriers, [Barrier::Cost, Barrier::Transport]);
        assert_eq!(
            d.free_times.iter().map(|f| f.label()).collect::<Vec<_>>(),
            ["Monday evening", "Tuesday morning"]
        );
    }

    #[test]
    fn unknown_codes_and_missing_words_are_refused() {
        let input = WhatMattersInput {
            needs: vec!["debt".into(), "flying".into()],
            barriers: vec!["weather".into()],
            free_times: vec!["XX-morning".into()],
            ..Default::default()
        };
        let err = input.validate(&needs(), None).unwrap_err();
        for field in ["in_their_words", "needs", "barriers", "free_times"] {
            assert!(err.for_field(field).is_some(), "{field}");
        }
    }
}
