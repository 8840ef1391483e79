//! Tasks: follow-up calls, plan reviews, chasing a partner, anything else,
//! each with an owner and a due date. Many are made by the work itself: a
//! booked contact, a plan's review date, a contact attempt that asks for
//! another.

use chrono::NaiveDate;
use serde::Serialize;

use super::coded_enum;
use crate::person::DateParts;
use crate::validation::{ValidationErrors, text};
use crate::{ContactId, OrgId, PersonId, ReferralId, TaskId, Timestamp, UserId};

coded_enum! {
    TaskKind {
        FollowUpCall => "follow_up_call", "Follow-up call";
        PlanReview => "plan_review", "Plan review";
        ChasePartner => "chase_partner", "Chase a partner";
        /// A booked contact: done when its outcome is recorded.
        Contact => "contact", "Contact";
        Other => "other", "Other";
    }
}

impl TaskKind {
    /// The kinds someone can add by hand.
    pub const MANUAL: [TaskKind; 3] = [
        TaskKind::FollowUpCall,
        TaskKind::ChasePartner,
        TaskKind::Other,
    ];
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    pub id: TaskId,
    pub referral_id: ReferralId,
    pub person_id: PersonId,
    pub pcn_id: OrgId,
    pub owner: UserId,
    pub kind: TaskKind,
    pub title: String,
    pub due: NaiveDate,
    /// The booked contact this task is for, when it is one.
    pub contact_id: Option<ContactId>,
    pub created_at: Timestamp,
    pub created_by: UserId,
    pub done_at: Option<Timestamp>,
    pub done_by: Option<UserId>,
}

impl Task {
    pub fn is_open(&self) -> bool {
        self.done_at.is_none()
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.is_open() && self.due < today
    }

    pub fn complete(&mut self, at: Timestamp, by: UserId) {
        if self.done_at.is_none() {
            self.done_at = Some(at);
            self.done_by = Some(by);
        }
    }
}

/// The new-task form, as typed.
#[derive(Debug, Clone, Default)]
pub struct TaskInput {
    pub kind: String,
    pub title: String,
    pub due: DateParts,
    /// The owner's user id; empty for whoever adds it.
    pub owner: String,
}

impl TaskInput {
    pub fn validate(
        &self,
        today: NaiveDate,
    ) -> Result<(TaskKind, String, NaiveDate), ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = TaskKind::from_code(&self.kind).filter(|k| TaskKind::MANUAL.contains(k));
        if kind.is_none() {
            e.add("kind", "Select the kind of task");
        }
        let title = text(&mut e, "title", &self.title, 200, "The task");
        if title.is_none() && kind == Some(TaskKind::Other) && e.for_field("title").is_none() {
            e.add("title", "Describe the task");
        }
        let due = super::optional_date(&mut e, "due", &self.due, "The due date");
        match due {
            None if e.for_field("due").is_none() => e.add("due", "Enter when the task is due"),
            Some(d) if d < today => e.add("due", "The due date must be today or in the future"),
            _ => {}
        }
        e.into_result(())?;
        let kind = kind.expect("validated");
        Ok((
            kind,
            title.unwrap_or_else(|| kind.label().to_owned()),
            due.expect("validated"),
        ))
    }
}
