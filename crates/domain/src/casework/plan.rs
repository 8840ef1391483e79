//! The personalised care and support plan: goals in the person's own
//! words, each with steps (what, who, by when) and a status, and a date to
//! review it all.

use chrono::NaiveDate;
use serde::Serialize;

use super::coded_enum;
use crate::person::DateParts;
use crate::validation::{ValidationErrors, required_text, text};
use crate::{GoalId, PersonId, ReferralId, Timestamp, UserId};

coded_enum! {
    GoalStatus {
        NotStarted => "not_started", "Not started";
        InProgress => "in_progress", "In progress";
        Achieved => "achieved", "Achieved";
        NoLongerRelevant => "no_longer_relevant", "No longer relevant";
    }
}

impl GoalStatus {
    pub fn tag_class(self) -> &'static str {
        match self {
            GoalStatus::NotStarted => "nhsuk-tag--grey",
            GoalStatus::InProgress => "nhsuk-tag--blue",
            GoalStatus::Achieved => "nhsuk-tag--green",
            GoalStatus::NoLongerRelevant => "nhsuk-tag--white",
        }
    }

    pub fn is_open(self) -> bool {
        matches!(self, GoalStatus::NotStarted | GoalStatus::InProgress)
    }
}

/// One step towards a goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub what: String,
    /// Who does it: "Me", "Sam (link worker)", "My daughter".
    pub who: Option<String>,
    pub by_when: Option<NaiveDate>,
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Goal {
    pub id: GoalId,
    /// The goal as the person put it.
    pub in_their_words: String,
    pub status: GoalStatus,
    pub steps: Vec<Step>,
}

/// A referral's plan. `version` goes up with every change, so two people
/// editing at once cannot overwrite each other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub referral_id: ReferralId,
    pub person_id: PersonId,
    pub goals: Vec<Goal>,
    pub review_date: Option<NaiveDate>,
    pub version: i64,
    pub updated_at: Timestamp,
    pub updated_by: UserId,
}

impl Plan {
    /// An empty plan, before anything is saved (version 0).
    pub fn empty(referral_id: ReferralId, person_id: PersonId, at: Timestamp, by: UserId) -> Plan {
        Plan {
            referral_id,
            person_id,
            goals: Vec::new(),
            review_date: None,
            version: 0,
            updated_at: at,
            updated_by: by,
        }
    }

    pub fn goal(&self, id: GoalId) -> Option<&Goal> {
        self.goals.iter().find(|g| g.id == id)
    }
}

/// The most steps one goal's form offers.
pub const MAX_STEPS: usize = 8;
/// The most goals a plan holds: more than this is not a plan a person can
/// take away.
pub const MAX_GOALS: usize = 12;

/// One step's fields, as typed.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub what: String,
    pub who: String,
    pub by_when: DateParts,
    pub done: bool,
}

/// A goal's form, as typed: the goal, its status and its steps (blank
/// step rows are ignored).
#[derive(Debug, Clone, Default)]
pub struct GoalInput {
    pub in_their_words: String,
    pub status: String,
    pub steps: Vec<StepInput>,
}

impl GoalInput {
    pub fn from_goal(goal: &Goal) -> GoalInput {
        GoalInput {
            in_their_words: goal.in_their_words.clone(),
            status: goal.status.code().to_owned(),
            steps: goal
                .steps
                .iter()
                .map(|s| StepInput {
                    what: s.what.clone(),
                    who: s.who.clone().unwrap_or_default(),
                    by_when: s
                        .by_when
                        .map(|d| DateParts::from_iso(&d.to_string()))
                        .unwrap_or_default(),
                    done: s.done,
                })
                .collect(),
        }
    }

    /// Checks the goal; errors on step `i` are on fields `steps-{i}-…`,
    /// numbered from 1 as the form shows them.
    pub fn validate(&self) -> Result<(String, GoalStatus, Vec<Step>), ValidationErrors> {
        const WHAT: [&str; MAX_STEPS] = [
            "steps-1-what",
            "steps-2-what",
            "steps-3-what",
            "steps-4-what",
            "steps-5-what",
            "steps-6-what",
            "steps-7-what",
            "steps-8-what",
        ];
        const WHO: [&str; MAX_STEPS] = [
            "steps-1-who",
            "steps-2-who",
            "steps-3-who",
            "steps-4-who",
            "steps-5-who",
            "steps-6-who",
            "steps-7-who",
            "steps-8-who",
        ];
        const BY_WHEN: [&str; MAX_STEPS] = [
            "steps-1-by_when",
            "steps-2-by_when",
            "steps-3-by_when",
            "steps-4-by_when",
            "steps-5-by_when",
            "steps-6-by_when",
            "steps-7-by_when",
            "steps-8-by_when",
        ];
        let mut e = ValidationErrors::new();
        let goal = required_text(
            &mut e,
            "in_their_words",
            &self.in_their_words,
            500,
            "The goal",
            "Enter the goal, in the person's own words",
        );
        let status = match self.status.trim() {
            "" => Some(GoalStatus::NotStarted),
            code => GoalStatus::from_code(code),
        };
        if status.is_none() {
            e.add("status", "Select where the goal stands");
        }
        if self.steps.len() > MAX_STEPS {
            e.add("steps", format!("A goal can have up to {MAX_STEPS} steps"));
        }
        let mut steps = Vec::new();
        for (i, s) in self.steps.iter().take(MAX_STEPS).enumerate() {
            let blank = s.what.trim().is_empty() && s.who.trim().is_empty() && s.by_when.is_empty();
            if blank {
                continue;
            }
            let what = text(&mut e, WHAT[i], &s.what, 300, "The step");
            if what.is_none() {
                e.add(WHAT[i], format!("Enter what step {} is", i + 1));
            }
            let who = text(&mut e, WHO[i], &s.who, 100, "Who");
            let by_when = super::optional_date(&mut e, BY_WHEN[i], &s.by_when, "The date");
            if let Some(what) = what {
                steps.push(Step {
                    what,
                    who,
                    by_when,
                    done: s.done,
                });
            }
        }
        e.into_result(())?;
        Ok((goal.expect("validated"), status.expect("validated"), steps))
    }
}

/// The review date form.
pub fn validate_review_date(
    parts: &DateParts,
    today: NaiveDate,
) -> Result<Option<NaiveDate>, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let date = super::optional_date(&mut e, "review_date", parts, "The review date");
    if date.is_some_and(|d| d < today) {
        e.add(
            "review_date",
            "The review date must be today or in the future",
        );
    }
    e.into_result(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goals_keep_their_words_and_steps_skip_blank_rows() {
        let input = GoalInput {
            in_their_words: "Feel confident going to the shops on my own".into(),
            status: String::new(),
            steps: vec![
                StepInput {
                    what: "Walk to the corner shop with Sam".into(),
                    who: "Me and Sam".into(),
                    by_when: DateParts {
                        day: "12".into(),
                        month: "Jan".into(),
                        year: "2027".into(),
                    },
                    done: false,
                },
                StepInput::default(),
            ],
        };
        let (goal, status, steps) = input.validate().unwrap();
        assert_eq!(goal, "Feel confident going to the shops on my own");
        assert_eq!(status, GoalStatus::NotStarted);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].by_when, NaiveDate::from_ymd_opt(2027, 1, 12));
    }

    #[test]
    fn a_step_with_a_date_but_nothing_to_do_is_refused_by_its_row() {
        let input = GoalInput {
            in_their_words: "x".into(),
            status: "achieved".into(),
            steps: vec![
                StepInput {
                    what: "First".into(),
                    ..Default::default()
                },
                StepInput {
                    who: "Me".into(),
                    ..Default::default()
                },
            ],
        };
        let err = input.validate().unwrap_err();
        assert_eq!(err.for_field("steps-2-what"), Some("Enter what step 2 is"));
    }
}
