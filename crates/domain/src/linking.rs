//! Linking a person to community support: referring them onward to a
//! service (a community partner's inbox, or the service's email address),
//! the partner's answers that close the loop, services' capacity, the
//! shortlists given to people (information, not referrals) and link
//! workers' favourite services.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use crate::casework::coded_enum;
use crate::validation::{ValidationErrors, text};
use crate::{OnwardReferralId, OrgId, PersonId, ReferralId, ShortlistId, Timestamp, UserId};

coded_enum! {
    /// How the person is helped to get there.
    SupportLevel {
        InformationOnly => "information", "Information only: they will get in touch themselves";
        Introduction => "introduction", "An introduction: the service gets in touch with them";
        Accompanied => "accompanied", "An accompanied first visit";
    }
}

coded_enum! {
    /// What the link worker may share with the service, with consent.
    SharedField {
        Contact => "contact", "Name and contact details";
        Needs => "needs", "What they would like support with";
        WhatMatters => "what_matters", "What matters to them, in their words";
        AccessNeeds => "access_needs", "Access and communication needs";
    }
}

coded_enum! {
    /// Where an onward referral stands.
    OnwardStatus {
        Sent => "sent", "Sent, waiting for an answer";
        Accepted => "accepted", "Accepted";
        Declined => "declined", "Declined";
        Started => "started", "Started: attended";
        DidNotAttend => "did_not_attend", "Did not attend";
        Completed => "completed", "Completed";
        Withdrawn => "withdrawn", "Withdrawn by the link worker";
    }
}

impl OnwardStatus {
    pub fn tag_class(self) -> &'static str {
        match self {
            OnwardStatus::Sent => "nhsuk-tag--blue",
            OnwardStatus::Accepted => "nhsuk-tag--purple",
            OnwardStatus::Started | OnwardStatus::Completed => "nhsuk-tag--green",
            OnwardStatus::Declined | OnwardStatus::DidNotAttend => "nhsuk-tag--red",
            OnwardStatus::Withdrawn => "nhsuk-tag--grey",
        }
    }

    /// What the service may say next.
    pub fn answers(self) -> &'static [PartnerAnswerKind] {
        use PartnerAnswerKind::*;
        match self {
            OnwardStatus::Sent => &[Accept, Decline, Started],
            OnwardStatus::Accepted => &[Decline, Started, DidNotAttend],
            OnwardStatus::DidNotAttend => &[Started, Completed],
            OnwardStatus::Started => &[Completed],
            OnwardStatus::Declined | OnwardStatus::Completed | OnwardStatus::Withdrawn => &[],
        }
    }

    pub fn is_closed(self) -> bool {
        self.answers().is_empty()
    }
}

coded_enum! {
    /// An answer a community partner gives.
    PartnerAnswerKind {
        Accept => "accept", "Accept";
        Decline => "decline", "Decline";
        Started => "started", "They came: record that they started";
        DidNotAttend => "did_not_attend", "They did not come";
        Completed => "completed", "Completed";
    }
}

coded_enum! {
    /// Why a partner declined.
    PartnerDecline {
        Full => "full", "The service is full";
        NotEligible => "not_eligible", "Not eligible for the service";
        CannotContact => "cannot_contact", "We could not contact them";
        Other => "other", "Another reason";
    }
}

/// What was shared with the service, as it was when the referral was
/// sent: the partner sees this and nothing else about the person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SharedDetails {
    pub fields: Vec<SharedField>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub contact_preference: Option<String>,
    pub needs: Vec<String>,
    pub what_matters: Option<String>,
    pub access_needs: Option<String>,
}

/// A referral from the link worker to a community service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OnwardReferral {
    pub id: OnwardReferralId,
    /// The person's referral to social prescribing (the episode).
    pub referral_id: ReferralId,
    pub person_id: PersonId,
    pub pcn_id: OrgId,
    pub service_id: Uuid,
    pub service_name: String,
    /// The community partner whose inbox it is in, when the service's
    /// organisation uses Linkwork.
    pub partner_org_id: Option<OrgId>,
    /// Otherwise, where it was emailed.
    pub service_email: Option<String>,
    pub support: SupportLevel,
    pub shared: SharedDetails,
    /// To the service, from the link worker.
    pub message: Option<String>,
    pub status: OnwardStatus,
    pub decline_reason: Option<PartnerDecline>,
    pub answer_note: Option<String>,
    pub sent_at: Timestamp,
    pub sent_by: UserId,
    pub sent_by_name: String,
    pub answered_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    /// The "chase the partner" task made when no answer came in time.
    pub chased: bool,
    pub version: i64,
    pub updated_at: Timestamp,
}

/// A partner's answer, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartnerAnswer {
    Accept,
    Decline {
        reason: PartnerDecline,
        note: Option<String>,
    },
    Started,
    DidNotAttend,
    Completed,
}

impl PartnerAnswer {
    pub fn kind(&self) -> PartnerAnswerKind {
        match self {
            PartnerAnswer::Accept => PartnerAnswerKind::Accept,
            PartnerAnswer::Decline { .. } => PartnerAnswerKind::Decline,
            PartnerAnswer::Started => PartnerAnswerKind::Started,
            PartnerAnswer::DidNotAttend => PartnerAnswerKind::DidNotAttend,
            PartnerAnswer::Completed => PartnerAnswerKind::Completed,
        }
    }

    /// Checks an answer as a form sent it. Returns it with the partner's
    /// note, which any answer may carry (a decline keeps it as its reason
    /// too).
    pub fn parse(
        kind: &str,
        reason: &str,
        note: &str,
    ) -> Result<(PartnerAnswer, Option<String>), ValidationErrors> {
        let mut e = ValidationErrors::new();
        let note = text(&mut e, "note", note, 2000, "The note");
        let answer = match PartnerAnswerKind::from_code(kind) {
            None => {
                e.add("answer", "Select what happened");
                None
            }
            Some(PartnerAnswerKind::Decline) => {
                let reason = PartnerDecline::from_code(reason);
                if reason.is_none() {
                    e.add("reason", "Select why you cannot take the referral");
                }
                if reason == Some(PartnerDecline::Other) && note.is_none() {
                    e.add("note", "Say why you cannot take the referral");
                }
                reason.map(|reason| PartnerAnswer::Decline {
                    reason,
                    note: note.clone(),
                })
            }
            Some(PartnerAnswerKind::Accept) => Some(PartnerAnswer::Accept),
            Some(PartnerAnswerKind::Started) => Some(PartnerAnswer::Started),
            Some(PartnerAnswerKind::DidNotAttend) => Some(PartnerAnswer::DidNotAttend),
            Some(PartnerAnswerKind::Completed) => Some(PartnerAnswer::Completed),
        };
        e.into_result(())?;
        Ok((answer.expect("validated"), note))
    }
}

impl OnwardReferral {
    /// Applies a partner's answer at `at`, refusing one the referral's
    /// state does not allow. Returns a summary for the history.
    pub fn answer(
        &mut self,
        answer: &PartnerAnswer,
        at: Timestamp,
    ) -> Result<String, ValidationErrors> {
        let kind = answer.kind();
        if !self.status.answers().contains(&kind) {
            return Err(ValidationErrors::single(
                "answer",
                format!(
                    "This referral is {}: it cannot be answered \"{}\" now",
                    self.status.label().to_lowercase(),
                    kind.label().to_lowercase()
                ),
            ));
        }
        self.answered_at.get_or_insert(at);
        let summary = match answer {
            PartnerAnswer::Accept => {
                self.status = OnwardStatus::Accepted;
                "Accepted".to_owned()
            }
            PartnerAnswer::Decline { reason, note } => {
                self.status = OnwardStatus::Declined;
                self.decline_reason = Some(*reason);
                self.answer_note = note.clone();
                format!("Declined: {}", reason.label())
            }
            PartnerAnswer::Started => {
                self.status = OnwardStatus::Started;
                self.started_at.get_or_insert(at);
                "Started: they attended".to_owned()
            }
            PartnerAnswer::DidNotAttend => {
                self.status = OnwardStatus::DidNotAttend;
                "Did not attend".to_owned()
            }
            PartnerAnswer::Completed => {
                self.status = OnwardStatus::Completed;
                self.completed_at = Some(at);
                "Completed".to_owned()
            }
        };
        self.version += 1;
        self.updated_at = at;
        Ok(summary)
    }

    /// The link worker takes the referral back (the person changed their
    /// mind, or it was sent in error).
    pub fn withdraw(&mut self, at: Timestamp) -> Result<(), ValidationErrors> {
        if self.status.is_closed() {
            return Err(ValidationErrors::single(
                "answer",
                format!(
                    "This referral is {}: it cannot be withdrawn",
                    self.status.label().to_lowercase()
                ),
            ));
        }
        self.status = OnwardStatus::Withdrawn;
        self.version += 1;
        self.updated_at = at;
        Ok(())
    }

    /// Whether the person received an intervention through this referral:
    /// they attended at least once.
    pub fn intervention_received(&self) -> bool {
        self.started_at.is_some()
    }
}

/// The onward referral form, as typed.
#[derive(Debug, Clone, Default)]
pub struct OnwardInput {
    pub shared: Vec<String>,
    pub support: String,
    pub message: String,
    /// The person agreed to share the chosen details with this service.
    pub consent: bool,
}

/// A checked onward referral form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnwardDetails {
    pub shared: Vec<SharedField>,
    pub support: SupportLevel,
    pub message: Option<String>,
}

impl OnwardInput {
    pub fn validate(&self) -> Result<OnwardDetails, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let mut shared = Vec::new();
        for code in &self.shared {
            match SharedField::from_code(code) {
                Some(f) if !shared.contains(&f) => shared.push(f),
                Some(_) => {}
                None => e.add(
                    "shared",
                    format!("{code:?} is not something that can be shared"),
                ),
            }
        }
        shared.sort();
        let support = SupportLevel::from_code(&self.support);
        if support.is_none() {
            e.add(
                "support",
                "Select how the person will be helped to get there",
            );
        }
        if support == Some(SupportLevel::Introduction) && !shared.contains(&SharedField::Contact) {
            e.add(
                "shared",
                "For an introduction the service needs the person's name and contact details",
            );
        }
        if !shared.is_empty() && !self.consent {
            e.add(
                "consent",
                "Confirm the person agrees to share these details with the service, or share nothing",
            );
        }
        let message = text(&mut e, "message", &self.message, 2000, "The message");
        e.into_result(())?;
        Ok(OnwardDetails {
            shared,
            support: support.expect("validated"),
            message,
        })
    }
}

coded_enum! {
    /// A service's room for new people, as its partner (or the directory
    /// manager) says.
    CapacityState {
        Full => "full", "Full";
        WaitingList => "waiting_list", "Waiting list";
    }
}

/// A service marked full or with a waiting list, until a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capacity {
    pub service_id: Uuid,
    pub state: CapacityState,
    pub until: NaiveDate,
    /// Staff only: never in the open directory.
    pub note: Option<String>,
    pub set_by: UserId,
    pub set_at: Timestamp,
}

impl Capacity {
    pub fn in_force(&self, today: NaiveDate) -> bool {
        today <= self.until
    }
}

/// Services given to a person to try themselves: information, not a
/// referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortlist {
    pub id: ShortlistId,
    pub referral_id: ReferralId,
    pub person_id: PersonId,
    pub pcn_id: OrgId,
    pub service_ids: Vec<Uuid>,
    pub note: Option<String>,
    pub created_at: Timestamp,
    pub created_by: UserId,
    /// How it went to the person: printed, or sent by email or text.
    pub sent_via: Option<crate::message::Channel>,
    pub sent_to: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn onward() -> OnwardReferral {
        let at = crate::time::now();
        OnwardReferral {
            id: OnwardReferralId::new(),
            referral_id: ReferralId::new(),
            person_id: PersonId::new(),
            pcn_id: OrgId::new(),
            service_id: Uuid::new_v4(),
            service_name: "Lunch Club".into(),
            partner_org_id: None,
            service_email: Some("club@example.org".into()),
            support: SupportLevel::Introduction,
            shared: SharedDetails::default(),
            message: None,
            status: OnwardStatus::Sent,
            decline_reason: None,
            answer_note: None,
            sent_at: at,
            sent_by: UserId::new(),
            sent_by_name: "Sam".into(),
            answered_at: None,
            started_at: None,
            completed_at: None,
            chased: false,
            version: 1,
            updated_at: at,
        }
    }

    #[test]
    fn answers_follow_the_loop_and_attendance_is_an_intervention() {
        let at = crate::time::now();
        let mut o = onward();
        assert!(
            o.answer(&PartnerAnswer::Completed, at).is_err(),
            "not before starting"
        );
        o.answer(&PartnerAnswer::Accept, at).unwrap();
        assert!(!o.intervention_received());
        o.answer(&PartnerAnswer::DidNotAttend, at).unwrap();
        o.answer(&PartnerAnswer::Started, at).unwrap();
        assert!(o.intervention_received());
        o.answer(&PartnerAnswer::Completed, at).unwrap();
        assert_eq!(o.status, OnwardStatus::Completed);
        assert_eq!(o.version, 5);
        let err = o.answer(&PartnerAnswer::Accept, at).unwrap_err();
        assert!(err.for_field("answer").unwrap().contains("completed"));
    }

    #[test]
    fn declines_need_a_reason_and_sharing_needs_consent() {
        assert!(PartnerAnswer::parse("decline", "", "").is_err());
        assert!(PartnerAnswer::parse("decline", "other", "").is_err());
        assert_eq!(
            PartnerAnswer::parse("decline", "full", "").unwrap(),
            (
                PartnerAnswer::Decline {
                    reason: PartnerDecline::Full,
                    note: None
                },
                None
            )
        );
        assert_eq!(
            PartnerAnswer::parse("started", "", " Came on Tuesday ").unwrap(),
            (PartnerAnswer::Started, Some("Came on Tuesday".into())),
            "a note is kept whatever the answer"
        );
        let input = OnwardInput {
            shared: vec!["contact".into()],
            support: "introduction".into(),
            ..Default::default()
        };
        assert!(input.validate().unwrap_err().for_field("consent").is_some());
        let input = OnwardInput {
            consent: true,
            ..input
        };
        assert_eq!(input.validate().unwrap().shared, [SharedField::Contact]);
        let no_contact = OnwardInput {
            support: "introduction".into(),
            ..Default::default()
        };
        assert!(
            no_contact
                .validate()
                .unwrap_err()
                .for_field("shared")
                .is_some()
        );
    }
}
