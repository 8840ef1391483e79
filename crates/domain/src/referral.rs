//! Referrals and their journey: received → accepted (waiting) → in
//! progress → discharged, or declined, redirected, unable to contact or
//! withdrawn. Every change goes through one of the methods here, which
//! refuse moves the journey does not allow and describe the change for the
//! referral's history.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::codes::Need;
use crate::person::{ContactMethod, DateParts};
use crate::user::Email;
use crate::validation::{Layout, ValidationErrors, non_empty, text_field};
use crate::{ApiTokenId, OrgId, PersonId, ReferralEventId, ReferralId, Timestamp, UserId};

/// How a referral arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralRoute {
    /// A signed-in referrer's form (GP practice, hospital, council …).
    Professional,
    /// The person, on the public form.
    SelfReferral,
    /// Someone in the community (a friend, faith leader, youth worker) on
    /// the public form.
    Community,
    /// Another system, through the JSON API.
    Api,
    /// Another system, as a FHIR ServiceRequest.
    Fhir,
}

impl ReferralRoute {
    pub const ALL: [ReferralRoute; 5] = [
        ReferralRoute::Professional,
        ReferralRoute::SelfReferral,
        ReferralRoute::Community,
        ReferralRoute::Api,
        ReferralRoute::Fhir,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReferralRoute::Professional => "professional",
            ReferralRoute::SelfReferral => "self",
            ReferralRoute::Community => "community",
            ReferralRoute::Api => "api",
            ReferralRoute::Fhir => "fhir",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReferralRoute::Professional => "Professional referral",
            ReferralRoute::SelfReferral => "Self-referral",
            ReferralRoute::Community => "Community referral",
            ReferralRoute::Api => "From another system (API)",
            ReferralRoute::Fhir => "From another system (FHIR)",
        }
    }

    pub fn from_code(code: &str) -> Option<ReferralRoute> {
        ReferralRoute::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The public form and self-referrals need not give an NHS number;
    /// professionals and other systems must.
    pub fn requires_nhs_number(self) -> bool {
        !matches!(self, ReferralRoute::SelfReferral | ReferralRoute::Community)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    /// Waiting for the team to triage it.
    Received,
    /// On the waiting list for a link worker's first contact.
    Accepted,
    /// The link worker is working with the person.
    InProgress,
    Discharged,
    Declined,
    /// Sent on to a more suitable service.
    Redirected,
    UnableToContact,
    Withdrawn,
}

impl ReferralStatus {
    pub const ALL: [ReferralStatus; 8] = [
        ReferralStatus::Received,
        ReferralStatus::Accepted,
        ReferralStatus::InProgress,
        ReferralStatus::Discharged,
        ReferralStatus::Declined,
        ReferralStatus::Redirected,
        ReferralStatus::UnableToContact,
        ReferralStatus::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReferralStatus::Received => "received",
            ReferralStatus::Accepted => "accepted",
            ReferralStatus::InProgress => "in_progress",
            ReferralStatus::Discharged => "discharged",
            ReferralStatus::Declined => "declined",
            ReferralStatus::Redirected => "redirected",
            ReferralStatus::UnableToContact => "unable_to_contact",
            ReferralStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReferralStatus::Received => "Received",
            ReferralStatus::Accepted => "Accepted",
            ReferralStatus::InProgress => "In progress",
            ReferralStatus::Discharged => "Discharged",
            ReferralStatus::Declined => "Declined",
            ReferralStatus::Redirected => "Redirected",
            ReferralStatus::UnableToContact => "Unable to contact",
            ReferralStatus::Withdrawn => "Withdrawn",
        }
    }

    /// The NHS.UK tag colour for the status.
    pub fn tag_class(self) -> &'static str {
        match self {
            ReferralStatus::Received => "nhsuk-tag--blue",
            ReferralStatus::Accepted => "nhsuk-tag--purple",
            ReferralStatus::InProgress => "nhsuk-tag--green",
            ReferralStatus::Discharged => "nhsuk-tag--grey",
            ReferralStatus::Declined | ReferralStatus::UnableToContact => "nhsuk-tag--red",
            ReferralStatus::Redirected | ReferralStatus::Withdrawn => "nhsuk-tag--orange",
        }
    }

    pub fn from_code(code: &str) -> Option<ReferralStatus> {
        ReferralStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Where a referral may go from here.
    pub fn next(self) -> &'static [ReferralStatus] {
        use ReferralStatus::*;
        match self {
            Received => &[Accepted, Declined, Redirected, Withdrawn],
            Accepted => &[InProgress, Declined, Redirected, UnableToContact, Withdrawn],
            InProgress => &[Discharged, Withdrawn],
            Discharged | Declined | Redirected | UnableToContact | Withdrawn => &[],
        }
    }

    pub fn is_closed(self) -> bool {
        self.next().is_empty()
    }

    pub fn can_move_to(self, to: ReferralStatus) -> bool {
        self.next().contains(&to)
    }
}

impl fmt::Display for ReferralStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Routine,
    Urgent,
}

impl Urgency {
    pub fn code(self) -> &'static str {
        match self {
            Urgency::Routine => "routine",
            Urgency::Urgent => "urgent",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Urgency::Routine => "Routine",
            Urgency::Urgent => "Urgent",
        }
    }

    pub fn from_code(code: &str) -> Option<Urgency> {
        [Urgency::Routine, Urgency::Urgent]
            .into_iter()
            .find(|u| u.code() == code)
    }
}

/// A short reference people can read out on the phone: "RF-7K3M-9QXP".
/// No 0/O, 1/I/L or U, so it cannot be misread.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ReferralReference(String);

const REFERENCE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

impl ReferralReference {
    /// The reference for 40 random bits (the caller supplies randomness;
    /// the store's uniqueness rule catches the rare clash).
    pub fn from_random(mut bits: u64) -> ReferralReference {
        let n = REFERENCE_ALPHABET.len() as u64;
        let chars: String = (0..8)
            .map(|_| {
                let c = REFERENCE_ALPHABET[(bits % n) as usize] as char;
                bits /= n;
                c
            })
            .collect();
        ReferralReference(format!("RF-{}-{}", &chars[..4], &chars[4..]))
    }

    /// A reference as someone typed it: any case, with or without the
    /// prefix, spaces or hyphens.
    pub fn parse(raw: &str) -> Option<ReferralReference> {
        let compact: String = raw
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_uppercase();
        let body = compact.strip_prefix("RF").unwrap_or(&compact);
        (body.len() == 8 && body.bytes().all(|b| REFERENCE_ALPHABET.contains(&b)))
            .then(|| ReferralReference(format!("RF-{}-{}", &body[..4], &body[4..])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReferralReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who made the referral and how to reach them about it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Referrer {
    /// The referring organisation (professional, API and FHIR routes):
    /// its users may follow the referral's status.
    pub org_id: Option<OrgId>,
    pub user_id: Option<UserId>,
    pub api_token_id: Option<ApiTokenId>,
    /// The person who referred; for a self-referral, the person themselves.
    pub name: String,
    /// Job title, or for a community referral how they know the person.
    pub role: Option<String>,
    pub phone: Option<String>,
    pub email: Option<Email>,
}

/// Why a referral was declined. Only `PersonDeclined` is coded as
/// "social prescribing declined" in the GP record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineReason {
    PersonDeclined,
    NotEligible,
    NeedsOtherCare,
    AlreadySupported,
    Duplicate,
    Other,
}

impl DeclineReason {
    pub const ALL: [DeclineReason; 6] = [
        DeclineReason::PersonDeclined,
        DeclineReason::NotEligible,
        DeclineReason::NeedsOtherCare,
        DeclineReason::AlreadySupported,
        DeclineReason::Duplicate,
        DeclineReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DeclineReason::PersonDeclined => "person_declined",
            DeclineReason::NotEligible => "not_eligible",
            DeclineReason::NeedsOtherCare => "needs_other_care",
            DeclineReason::AlreadySupported => "already_supported",
            DeclineReason::Duplicate => "duplicate",
            DeclineReason::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DeclineReason::PersonDeclined => "The person does not want social prescribing",
            DeclineReason::NotEligible => "Not eligible, for example outside our area",
            DeclineReason::NeedsOtherCare => {
                "Needs other care first, for example clinical or crisis support"
            }
            DeclineReason::AlreadySupported => "Already getting the support they need",
            DeclineReason::Duplicate => "A duplicate of another referral",
            DeclineReason::Other => "Another reason",
        }
    }

    pub fn from_code(code: &str) -> Option<DeclineReason> {
        DeclineReason::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// How a closed referral ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub decline_reason: Option<DeclineReason>,
    /// The service the person was redirected to.
    pub redirected_to: Option<String>,
    /// In the team's words.
    pub note: Option<String>,
    /// The clinical code recorded with the outcome (SNOMED CT "social
    /// prescribing declined" when the person declined).
    pub code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Referral {
    pub id: ReferralId,
    pub reference: ReferralReference,
    pub person_id: PersonId,
    /// The Primary Care Network the referral was routed to.
    pub pcn_id: OrgId,
    pub route: ReferralRoute,
    pub status: ReferralStatus,
    pub urgency: Urgency,
    /// Need codes, in the order given.
    pub needs: Vec<String>,
    /// The reasons as the sending system wrote them, one a line.
    pub reasons_as_written: Option<String>,
    /// Some reasons arrived as words only: the team is to code the needs.
    pub needs_coding: bool,
    /// When the sender wrote the referral (FHIR `authoredOn`), as given;
    /// `received_at` is when it arrived.
    pub authored_on: Option<String>,
    /// The sending system's own identifier for it, `system|value`.
    pub sender_identifier: Option<String>,
    /// A GP practice ODS code the sender gave that no practice here has,
    /// kept as given (the referral was routed another way).
    pub gp_practice_code_given: Option<String>,
    /// What the referrer wrote.
    pub details: Option<String>,
    pub referrer: Referrer,
    /// The clinical code the referral is recorded with (SNOMED CT
    /// 871731000000106 unless the deployment changed it), as it was when
    /// the referral arrived.
    pub code: String,
    /// Makes a repeated submission (a double click, a resend) find this
    /// referral instead of creating another.
    pub idempotency_key: Option<String>,
    /// Who the submission was for and why, digested, so a resend with the
    /// same key can be told from a different referral reusing it.
    pub submission_digest: Option<String>,
    pub received_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
    pub first_contact_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub assigned_to: Option<UserId>,
    /// Attempts to reach the person that did not reach them.
    pub failed_contact_attempts: u32,
    pub next_action_due: Option<NaiveDate>,
    pub next_action_note: Option<String>,
    pub outcome: Option<Outcome>,
    /// What the referral said about the person that disagreed with the
    /// network's record of the same NHS number: the referral was not
    /// attached to that record, and the team checks who the person is.
    pub identity_check: Option<String>,
    /// When the person first attended a service they were linked to: the
    /// "intervention received" commissioners count.
    pub intervention_received_at: Option<Timestamp>,
    /// Incremented by every change, so two people changing the referral at
    /// once cannot overwrite each other.
    pub version: i64,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Received,
    StatusChange,
    Assignment,
    ContactAttempt,
    NextAction,
    /// The team chose the needs of a referral whose reasons came as words.
    NeedsCoded,
}

impl EventKind {
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Received => "received",
            EventKind::StatusChange => "status_change",
            EventKind::Assignment => "assignment",
            EventKind::ContactAttempt => "contact_attempt",
            EventKind::NextAction => "next_action",
            EventKind::NeedsCoded => "needs_coded",
        }
    }

    pub fn from_code(code: &str) -> Option<EventKind> {
        [
            EventKind::Received,
            EventKind::StatusChange,
            EventKind::Assignment,
            EventKind::ContactAttempt,
            EventKind::NextAction,
            EventKind::NeedsCoded,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// One entry of a referral's history: who did what, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferralEvent {
    pub id: ReferralEventId,
    pub referral_id: ReferralId,
    pub at: Timestamp,
    pub actor_user_id: Option<UserId>,
    pub actor_label: String,
    pub kind: EventKind,
    pub from_status: Option<ReferralStatus>,
    pub to_status: Option<ReferralStatus>,
    /// What happened, e.g. "Accepted and assigned to Sam Lee".
    pub summary: String,
    /// Why, in the words of whoever did it.
    pub reason: Option<String>,
}

impl ReferralEvent {
    /// Whether a referrer may see this entry: status changes and their
    /// reasons, not the team's working notes.
    pub fn visible_to_referrer(&self) -> bool {
        matches!(self.kind, EventKind::Received | EventKind::StatusChange)
    }
}

/// A change about to be made, described for the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: EventKind,
    pub from_status: Option<ReferralStatus>,
    pub to_status: Option<ReferralStatus>,
    pub summary: String,
    pub reason: Option<String>,
}

impl Change {
    /// The history entry for this change to `referral_id`, made at `at`
    /// by the named actor.
    pub fn into_event(
        self,
        referral_id: ReferralId,
        at: Timestamp,
        actor_user_id: Option<UserId>,
        actor_label: impl Into<String>,
    ) -> ReferralEvent {
        ReferralEvent {
            id: ReferralEventId::new(),
            referral_id,
            at,
            actor_user_id,
            actor_label: actor_label.into(),
            kind: self.kind,
            from_status: self.from_status,
            to_status: self.to_status,
            summary: self.summary,
            reason: self.reason,
        }
    }
}

/// A triage decision or closing action, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Accept {
        assign_to: Option<(UserId, String)>,
    },
    Decline {
        reason: DeclineReason,
        note: Option<String>,
    },
    Redirect {
        service: String,
        note: Option<String>,
    },
    UnableToContact {
        note: Option<String>,
    },
    Withdraw {
        note: String,
    },
}

impl Decision {
    pub fn target(&self) -> ReferralStatus {
        match self {
            Decision::Accept { .. } => ReferralStatus::Accepted,
            Decision::Decline { .. } => ReferralStatus::Declined,
            Decision::Redirect { .. } => ReferralStatus::Redirected,
            Decision::UnableToContact { .. } => ReferralStatus::UnableToContact,
            Decision::Withdraw { .. } => ReferralStatus::Withdrawn,
        }
    }
}

/// The fields of the decision forms, as typed.
#[derive(Debug, Clone, Default)]
pub struct DecisionInput {
    pub decline_reason: String,
    pub redirected_to: String,
    pub note: String,
}

fn note(errors: &mut ValidationErrors, raw: &str) -> Option<String> {
    text_field(errors, "note", raw, Layout::Lines, 2000, "Notes")
}

impl DecisionInput {
    /// Checks the fields `target` needs. Acceptance is built by the caller,
    /// who looks up the link worker to assign.
    pub fn validate(&self, target: ReferralStatus) -> Result<Decision, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let note = note(&mut e, &self.note);
        let decision = match target {
            ReferralStatus::Declined => {
                let reason = DeclineReason::from_code(self.decline_reason.trim());
                if reason.is_none() {
                    e.add("decline_reason", "Select why the referral is declined");
                }
                if reason == Some(DeclineReason::Other) && note.is_none() {
                    e.add("note", "Explain why the referral is declined");
                }
                reason.map(|reason| Decision::Decline { reason, note })
            }
            ReferralStatus::Redirected => {
                let service = text_field(
                    &mut e,
                    "redirected_to",
                    &self.redirected_to,
                    Layout::Line,
                    200,
                    "Service name",
                );
                if service.is_none() {
                    e.add(
                        "redirected_to",
                        "Enter the service the person is redirected to",
                    );
                }
                service.map(|service| Decision::Redirect { service, note })
            }
            ReferralStatus::UnableToContact => Some(Decision::UnableToContact { note }),
            ReferralStatus::Withdrawn => {
                if note.is_none() {
                    e.add("note", "Explain why the referral is withdrawn");
                }
                note.map(|note| Decision::Withdraw { note })
            }
            other => {
                e.add(
                    "status",
                    format!("A referral cannot be set to {} this way", other.label()),
                );
                None
            }
        };
        e.into_result(())?;
        Ok(decision.expect("validated"))
    }
}

/// How an attempt to reach the person went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// Spoke to (or heard back from) the person: the first contact.
    Reached,
    NoAnswer,
    LeftMessage,
    WrongDetails,
}

impl AttemptOutcome {
    pub const ALL: [AttemptOutcome; 4] = [
        AttemptOutcome::Reached,
        AttemptOutcome::NoAnswer,
        AttemptOutcome::LeftMessage,
        AttemptOutcome::WrongDetails,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AttemptOutcome::Reached => "reached",
            AttemptOutcome::NoAnswer => "no_answer",
            AttemptOutcome::LeftMessage => "left_message",
            AttemptOutcome::WrongDetails => "wrong_details",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AttemptOutcome::Reached => "Spoke to the person",
            AttemptOutcome::NoAnswer => "No answer",
            AttemptOutcome::LeftMessage => "Left a message",
            AttemptOutcome::WrongDetails => "Contact details were wrong",
        }
    }

    pub fn from_code(code: &str) -> Option<AttemptOutcome> {
        AttemptOutcome::ALL.into_iter().find(|o| o.code() == code)
    }
}

/// One attempt to reach the person, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactAttempt {
    pub method: ContactMethod,
    pub outcome: AttemptOutcome,
    pub note: Option<String>,
    /// When to try again (or what to do next), if set.
    pub next_action_due: Option<NaiveDate>,
}

/// The contact attempt form, as typed.
#[derive(Debug, Clone, Default)]
pub struct ContactAttemptInput {
    pub method: String,
    pub outcome: String,
    pub note: String,
    pub next_action_due: DateParts,
}

/// A date on or after `today`, for next actions.
pub(crate) fn due_date(
    errors: &mut ValidationErrors,
    field: &'static str,
    parts: &DateParts,
    today: NaiveDate,
) -> Option<NaiveDate> {
    match parts.parse("The date") {
        Err(message) => {
            errors.add(field, message);
            None
        }
        Ok(Some(d)) if d < today => {
            errors.add(field, "The date must be today or in the future");
            None
        }
        Ok(date) => date,
    }
}

impl ContactAttemptInput {
    pub fn validate(&self, today: NaiveDate) -> Result<ContactAttempt, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let method = ContactMethod::from_code(self.method.trim());
        if method.is_none() {
            e.add("method", "Select how you tried to contact the person");
        }
        let outcome = AttemptOutcome::from_code(self.outcome.trim());
        if outcome.is_none() {
            e.add("outcome", "Select what happened");
        }
        let note = note(&mut e, &self.note);
        let next_action_due = due_date(&mut e, "next_action_due", &self.next_action_due, today);
        e.into_result(())?;
        Ok(ContactAttempt {
            method: method.expect("validated"),
            outcome: outcome.expect("validated"),
            note,
            next_action_due,
        })
    }
}

/// The next action form, as typed.
#[derive(Debug, Clone, Default)]
pub struct NextActionInput {
    pub due: DateParts,
    pub note: String,
}

impl NextActionInput {
    pub fn validate(
        &self,
        today: NaiveDate,
    ) -> Result<(Option<NaiveDate>, Option<String>), ValidationErrors> {
        let mut e = ValidationErrors::new();
        let due = due_date(&mut e, "due", &self.due, today);
        let note = text_field(
            &mut e,
            "note",
            &self.note,
            Layout::Line,
            200,
            "The next action",
        );
        e.into_result((due, note))
    }
}

impl Referral {
    fn move_to(
        &mut self,
        to: ReferralStatus,
        at: Timestamp,
    ) -> Result<ReferralStatus, ValidationErrors> {
        let from = self.status;
        if !from.can_move_to(to) {
            return Err(ValidationErrors::single(
                "status",
                format!(
                    "This referral is {}: it cannot be {}",
                    from.label().to_lowercase(),
                    to.label().to_lowercase()
                ),
            ));
        }
        self.status = to;
        if to.is_closed() {
            self.closed_at = Some(at);
            self.next_action_due = None;
            self.next_action_note = None;
        }
        Ok(from)
    }

    /// Applies a triage decision. `first_contact_due` is when the first
    /// contact target falls (for acceptance); `required_attempts` is how
    /// many failed attempts must come before "unable to contact";
    /// `declined_code` is the clinical code for a person declining.
    pub fn decide(
        &mut self,
        decision: Decision,
        at: Timestamp,
        first_contact_due: NaiveDate,
        required_attempts: u32,
        declined_code: &str,
    ) -> Result<Change, ValidationErrors> {
        let to = decision.target();
        if to == ReferralStatus::UnableToContact && self.failed_contact_attempts < required_attempts
        {
            return Err(ValidationErrors::single(
                "status",
                format!(
                    "Make at least {required_attempts} attempts to contact the person first ({} so far)",
                    self.failed_contact_attempts
                ),
            ));
        }
        let from = self.move_to(to, at)?;
        let (summary, reason) = match decision {
            Decision::Accept { assign_to } => {
                self.accepted_at = Some(at);
                self.next_action_due = Some(first_contact_due);
                self.next_action_note = Some("First contact".into());
                match assign_to {
                    Some((id, name)) => {
                        self.assigned_to = Some(id);
                        (format!("Accepted and assigned to {name}"), None)
                    }
                    None => ("Accepted onto the waiting list".to_owned(), None),
                }
            }
            Decision::Decline { reason, note } => {
                self.outcome = Some(Outcome {
                    decline_reason: Some(reason),
                    note: note.clone(),
                    code: (reason == DeclineReason::PersonDeclined)
                        .then(|| declined_code.to_owned()),
                    ..Default::default()
                });
                (format!("Declined: {}", reason.label()), note)
            }
            Decision::Redirect { service, note } => {
                let summary = format!("Redirected to {service}");
                self.outcome = Some(Outcome {
                    redirected_to: Some(service),
                    note: note.clone(),
                    ..Default::default()
                });
                (summary, note)
            }
            Decision::UnableToContact { note } => {
                self.outcome = Some(Outcome {
                    note: note.clone(),
                    ..Default::default()
                });
                (
                    format!(
                        "Closed: unable to contact after {} attempts",
                        self.failed_contact_attempts
                    ),
                    note,
                )
            }
            Decision::Withdraw { note } => {
                self.outcome = Some(Outcome {
                    note: Some(note.clone()),
                    ..Default::default()
                });
                ("Withdrawn".to_owned(), Some(note))
            }
        };
        Ok(Change {
            kind: EventKind::StatusChange,
            from_status: Some(from),
            to_status: Some(to),
            summary,
            reason,
        })
    }

    /// Records an attempt to reach the person. Reaching them is the first
    /// contact: an accepted referral moves to in progress.
    pub fn record_contact_attempt(
        &mut self,
        attempt: &ContactAttempt,
        at: Timestamp,
    ) -> Result<Change, ValidationErrors> {
        if !matches!(
            self.status,
            ReferralStatus::Accepted | ReferralStatus::InProgress
        ) {
            return Err(ValidationErrors::single(
                "status",
                "Accept the referral before recording contact with the person",
            ));
        }
        let from = self.status;
        let mut to = None;
        if attempt.outcome == AttemptOutcome::Reached {
            if self.first_contact_at.is_none() {
                self.first_contact_at = Some(at);
            }
            if self.status == ReferralStatus::Accepted {
                self.move_to(ReferralStatus::InProgress, at)?;
                to = Some(ReferralStatus::InProgress);
            }
        } else {
            self.failed_contact_attempts += 1;
        }
        self.next_action_due = attempt.next_action_due;
        self.next_action_note = attempt.next_action_due.map(|_| match attempt.outcome {
            AttemptOutcome::Reached => "Next contact".to_owned(),
            _ => "Try to contact again".to_owned(),
        });
        Ok(Change {
            kind: EventKind::ContactAttempt,
            from_status: to.map(|_| from),
            to_status: to,
            summary: format!(
                "{} by {}",
                attempt.outcome.label(),
                attempt.method.label().to_lowercase()
            ),
            reason: attempt.note.clone(),
        })
    }

    /// Records that the person attended a contact at `at`. The first one
    /// starts their support: an accepted referral moves to in progress and
    /// the wait for first contact ends then. Returns the change to record,
    /// if the referral changed.
    pub fn record_attended_contact(
        &mut self,
        at: Timestamp,
        how: &str,
    ) -> Result<Option<Change>, ValidationErrors> {
        self.require_open_case()?;
        let earliest = self.first_contact_at.is_none_or(|first| at < first);
        if earliest {
            self.first_contact_at = Some(at);
        }
        if self.status == ReferralStatus::Accepted {
            self.move_to(ReferralStatus::InProgress, at)?;
            self.next_action_due = None;
            self.next_action_note = None;
            return Ok(Some(Change {
                kind: EventKind::StatusChange,
                from_status: Some(ReferralStatus::Accepted),
                to_status: Some(ReferralStatus::InProgress),
                summary: format!("Support started: {how}"),
                reason: None,
            }));
        }
        Ok(earliest.then(|| Change {
            kind: EventKind::ContactAttempt,
            from_status: None,
            to_status: None,
            summary: format!("First contact: {how}"),
            reason: None,
        }))
    }

    /// Casework (contacts, plans, notes) belongs to a referral the team has
    /// accepted and not yet closed.
    pub fn require_open_case(&self) -> Result<(), ValidationErrors> {
        if matches!(
            self.status,
            ReferralStatus::Accepted | ReferralStatus::InProgress
        ) {
            Ok(())
        } else {
            Err(ValidationErrors::single(
                "status",
                format!(
                    "This referral is {}: casework is for referrals that are accepted or in progress",
                    self.status.label().to_lowercase()
                ),
            ))
        }
    }

    /// Ends support. `declined_code` is recorded as the outcome when the
    /// person chose to stop.
    pub fn discharge(
        &mut self,
        reason: crate::casework::DischargeReason,
        summary: &str,
        at: Timestamp,
        declined_code: &str,
    ) -> Result<Change, ValidationErrors> {
        let from = self.move_to(ReferralStatus::Discharged, at)?;
        self.outcome = Some(Outcome {
            note: Some(summary.to_owned()),
            code: reason.person_declined().then(|| declined_code.to_owned()),
            ..Default::default()
        });
        Ok(Change {
            kind: EventKind::StatusChange,
            from_status: Some(from),
            to_status: Some(ReferralStatus::Discharged),
            summary: format!("Discharged: {}", reason.label()),
            reason: Some(summary.to_owned()),
        })
    }

    /// Assigns (or unassigns, with `None`) the link worker. Only open
    /// referrals the team has accepted can be assigned.
    pub fn assign(&mut self, to: Option<(UserId, String)>) -> Result<Change, ValidationErrors> {
        if !matches!(
            self.status,
            ReferralStatus::Accepted | ReferralStatus::InProgress
        ) {
            return Err(ValidationErrors::single(
                "assign_to",
                "Only an accepted referral can be assigned to a link worker",
            ));
        }
        let summary = match &to {
            Some((_, name)) => format!("Assigned to {name}"),
            None => "Unassigned".to_owned(),
        };
        if self.assigned_to == to.as_ref().map(|(id, _)| *id) {
            return Err(ValidationErrors::single(
                "assign_to",
                "The referral is already assigned that way",
            ));
        }
        self.assigned_to = to.map(|(id, _)| id);
        Ok(Change {
            kind: EventKind::Assignment,
            from_status: None,
            to_status: None,
            summary,
            reason: None,
        })
    }

    pub fn set_next_action(
        &mut self,
        due: Option<NaiveDate>,
        note: Option<String>,
    ) -> Result<Change, ValidationErrors> {
        if self.status.is_closed() {
            return Err(ValidationErrors::single(
                "due",
                "A closed referral has no next action",
            ));
        }
        self.next_action_due = due;
        self.next_action_note = note.clone();
        let summary = match due {
            Some(d) => format!("Next action due {}", d.format("%-d %B %Y")),
            None => "Next action cleared".to_owned(),
        };
        Ok(Change {
            kind: EventKind::NextAction,
            from_status: None,
            to_status: None,
            summary,
            reason: note,
        })
    }

    /// Replaces the needs with `codes`, chosen by the team from the active
    /// list (`needs`), and clears "needs coding". The reasons as written
    /// stay as they were: the codes are what Linkwork made of them.
    pub fn code_needs(
        &mut self,
        codes: &[String],
        needs: &[Need],
    ) -> Result<Change, ValidationErrors> {
        if self.status.is_closed() {
            return Err(ValidationErrors::single(
                "status",
                format!(
                    "This referral is {}: its needs can no longer be changed",
                    self.status.label().to_lowercase()
                ),
            ));
        }
        let mut e = ValidationErrors::new();
        let chosen = chosen_needs(&mut e, codes, needs);
        if codes.is_empty() {
            e.add("needs", "Select at least one need");
        }
        e.into_result(())?;
        let codes: Vec<String> = chosen.iter().map(|n| n.code.clone()).collect();
        if codes == self.needs && !self.needs_coding {
            return Err(ValidationErrors::single(
                "needs",
                "These are already the referral's needs",
            ));
        }
        self.needs = codes;
        self.needs_coding = false;
        let labels: Vec<&str> = chosen.iter().map(|n| n.label.as_str()).collect();
        Ok(Change {
            kind: EventKind::NeedsCoded,
            from_status: None,
            to_status: None,
            summary: format!("Needs coded: {}", labels.join(", ")),
            reason: None,
        })
    }
}

/// The active needs `codes` name, each once and in the order given; a code
/// not on the list is an error on `needs`.
fn chosen_needs<'a>(
    e: &mut ValidationErrors,
    codes: &[String],
    needs: &'a [Need],
) -> Vec<&'a Need> {
    let mut chosen: Vec<&Need> = Vec::new();
    for code in codes {
        let code = code.trim();
        match needs.iter().find(|n| n.code == code && n.active) {
            Some(n) if !chosen.iter().any(|c| c.code == n.code) => chosen.push(n),
            Some(_) => {}
            None => e.add(
                "needs",
                format!("{code:?} is not one of the reasons on the list"),
            ),
        }
    }
    chosen
}

/// What a referral gives as its reasons and context, as typed (the person
/// is checked separately).
#[derive(Debug, Clone, Default)]
pub struct ReferralInput {
    pub needs: Vec<String>,
    /// The reasons as another system wrote them (FHIR `reasonCode` text),
    /// one each, kept word for word.
    pub reasons_as_written: Vec<String>,
    /// Some reasons are words no need was found for: the team codes the
    /// referral's needs at triage, so it may arrive with none.
    pub needs_coding: bool,
    pub details: String,
    pub urgency: String,
    pub consent_referral: bool,
    /// "yes", "no" or empty.
    pub consent_contact: String,
    pub referrer_name: String,
    pub referrer_role: String,
    pub referrer_phone: String,
    pub referrer_email: String,
}

/// The checked referral fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralDetails {
    pub needs: Vec<String>,
    /// The reasons as written, one a line.
    pub reasons_as_written: Option<String>,
    pub needs_coding: bool,
    pub details: Option<String>,
    pub urgency: Urgency,
    pub consent_contact: bool,
    pub referrer_name: Option<String>,
    pub referrer_role: Option<String>,
    pub referrer_phone: Option<String>,
    pub referrer_email: Option<Email>,
}

impl ReferralInput {
    /// Checks reasons against `needs` (the active list), consent, and the
    /// referrer's details the route asks for.
    pub fn validate(
        &self,
        route: ReferralRoute,
        needs: &[Need],
    ) -> Result<ReferralDetails, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let chosen: Vec<String> = chosen_needs(&mut e, &self.needs, needs)
            .into_iter()
            .map(|n| n.code.clone())
            .collect();
        let mut written = Vec::new();
        for reason in &self.reasons_as_written {
            written.extend(text_field(
                &mut e,
                "reasons",
                reason,
                Layout::Lines,
                1000,
                "Each reason",
            ));
        }
        let needs_coding = self.needs_coding && !written.is_empty();
        if self.needs.is_empty() && !needs_coding {
            e.add(
                "needs",
                match route {
                    ReferralRoute::SelfReferral => {
                        "Select at least one thing you would like help with"
                    }
                    _ => "Select at least one reason for the referral",
                },
            );
        }
        let details = text_field(
            &mut e,
            "details",
            &self.details,
            Layout::Lines,
            4000,
            "Details",
        );
        let urgency = match non_empty(&self.urgency) {
            None => Some(Urgency::Routine),
            Some(code) => {
                let urgency = Urgency::from_code(&code);
                if urgency.is_none() {
                    e.add("urgency", "Select how urgent the referral is");
                }
                urgency
            }
        };
        if !self.consent_referral {
            e.add(
                "consent_referral",
                match route {
                    ReferralRoute::SelfReferral => "Confirm that you agree to be referred",
                    _ => "Confirm that the person agrees to this referral",
                },
            );
        }
        let consent_contact = match self.consent_contact.trim() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => {
                e.add(
                    "consent_contact",
                    match route {
                        ReferralRoute::SelfReferral => "Select yes if the team can contact you",
                        _ => "Select yes if the team can contact the person",
                    },
                );
                None
            }
        };
        let limit = |e: &mut ValidationErrors, field, raw: &str, label: &str| {
            text_field(e, field, raw, Layout::Line, 100, label)
        };
        let referrer_name = limit(&mut e, "referrer_name", &self.referrer_name, "Name");
        let referrer_role = limit(&mut e, "referrer_role", &self.referrer_role, "Role");
        let referrer_phone = limit(
            &mut e,
            "referrer_phone",
            &self.referrer_phone,
            "Phone number",
        );
        let referrer_email = match non_empty(&self.referrer_email) {
            None => None,
            Some(raw) => Email::parse(&raw)
                .map_err(|err| e.add("referrer_email", err.to_string()))
                .ok(),
        };
        if route != ReferralRoute::SelfReferral {
            if referrer_name.is_none() {
                e.add("referrer_name", "Enter your name");
            }
            // A person referring by hand must leave a way to reach them;
            // another system's referrals come from an organisation the team
            // can already reach (the API token's).
            let by_hand = matches!(
                route,
                ReferralRoute::Professional | ReferralRoute::Community
            );
            if by_hand
                && referrer_phone.is_none()
                && referrer_email.is_none()
                && e.for_field("referrer_email").is_none()
            {
                e.add(
                    "referrer_phone",
                    "Enter a phone number or email address so the team can ask you about the referral",
                );
            }
        }
        if route == ReferralRoute::Community && referrer_role.is_none() {
            e.add("referrer_role", "Tell us how you know the person");
        }
        e.into_result(())?;
        Ok(ReferralDetails {
            needs: chosen,
            reasons_as_written: (!written.is_empty()).then(|| written.join("\n")),
            needs_coding,
            details,
            urgency: urgency.expect("validated"),
            consent_contact: consent_contact.expect("validated"),
            referrer_name,
            referrer_role,
            referrer_phone,
            referrer_email,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::now;

    fn referral() -> Referral {
        let at = now();
        Referral {
            id: ReferralId::new(),
            reference: ReferralReference::from_random(12345),
            person_id: PersonId::new(),
            pcn_id: OrgId::new(),
            route: ReferralRoute::Professional,
            status: ReferralStatus::Received,
            urgency: Urgency::Routine,
            needs: vec!["loneliness".into()],
            details: None,
            referrer: Referrer::default(),
            code: "871731000000106".into(),
            idempotency_key: None,
            submission_digest: None,
            reasons_as_written: None,
            needs_coding: false,
            authored_on: None,
            sender_identifier: None,
            gp_practice_code_given: None,
            received_at: at,
            accepted_at: None,
            first_contact_at: None,
            closed_at: None,
            assigned_to: None,
            failed_contact_attempts: 0,
            next_action_due: None,
            next_action_note: None,
            outcome: None,
            identity_check: None,
            intervention_received_at: None,
            version: 1,
            updated_at: at,
        }
    }

    fn due() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, 8).unwrap()
    }

    fn attempt(outcome: AttemptOutcome) -> ContactAttempt {
        ContactAttempt {
            method: ContactMethod::Phone,
            outcome,
            note: None,
            next_action_due: None,
        }
    }

    #[test]
    fn references_are_readable_and_parse_back() {
        let r = ReferralReference::from_random(0xDEAD_BEEF_u64);
        assert!(
            r.as_str().starts_with("RF-") && r.as_str().len() == 12,
            "{r}"
        );
        assert_eq!(
            ReferralReference::parse(&r.as_str().to_lowercase().replace('-', " ")),
            Some(r.clone())
        );
        assert_eq!(ReferralReference::parse(&r.as_str()[3..]), Some(r));
        assert_eq!(
            ReferralReference::parse("RF-0000-1111"),
            None,
            "no look-alike characters"
        );
        assert_eq!(ReferralReference::parse("RF-ABC"), None);
    }

    #[test]
    fn only_valid_transitions_are_allowed() {
        use ReferralStatus::*;
        for status in ReferralStatus::ALL {
            for to in status.next() {
                assert_ne!(*to, Received, "nothing returns to received");
            }
        }
        assert!(Received.can_move_to(Accepted));
        assert!(!Received.can_move_to(InProgress));
        assert!(!Received.can_move_to(Discharged));
        assert!(Accepted.can_move_to(UnableToContact));
        assert!(!InProgress.can_move_to(Declined));
        for closed in [Discharged, Declined, Redirected, UnableToContact, Withdrawn] {
            assert!(closed.is_closed());
        }
    }

    #[test]
    fn accepting_sets_the_first_contact_target_and_assignment() {
        let mut r = referral();
        let lw = UserId::new();
        let change = r
            .decide(
                Decision::Accept {
                    assign_to: Some((lw, "Sam Lee".into())),
                },
                now(),
                due(),
                3,
                "871711000000103",
            )
            .unwrap();
        assert_eq!(r.status, ReferralStatus::Accepted);
        assert_eq!(r.assigned_to, Some(lw));
        assert_eq!(r.next_action_due, Some(due()));
        assert_eq!(change.summary, "Accepted and assigned to Sam Lee");
        assert_eq!(change.from_status, Some(ReferralStatus::Received));

        // Accepting twice is refused.
        let again = r
            .decide(Decision::Accept { assign_to: None }, now(), due(), 3, "x")
            .unwrap_err();
        assert!(
            again
                .for_field("status")
                .unwrap()
                .contains("cannot be accepted")
        );
    }

    #[test]
    fn the_person_declining_is_coded() {
        let mut r = referral();
        r.decide(
            Decision::Decline {
                reason: DeclineReason::PersonDeclined,
                note: None,
            },
            now(),
            due(),
            3,
            "871711000000103",
        )
        .unwrap();
        assert_eq!(r.status, ReferralStatus::Declined);
        assert!(r.closed_at.is_some());
        assert_eq!(
            r.outcome.as_ref().unwrap().code.as_deref(),
            Some("871711000000103")
        );

        let mut other = referral();
        other
            .decide(
                Decision::Decline {
                    reason: DeclineReason::NotEligible,
                    note: None,
                },
                now(),
                due(),
                3,
                "871711000000103",
            )
            .unwrap();
        assert_eq!(other.outcome.unwrap().code, None);
    }

    #[test]
    fn unable_to_contact_needs_the_attempts_first() {
        let mut r = referral();
        r.decide(Decision::Accept { assign_to: None }, now(), due(), 3, "x")
            .unwrap();
        let early = r
            .decide(
                Decision::UnableToContact { note: None },
                now(),
                due(),
                3,
                "x",
            )
            .unwrap_err();
        assert!(
            early
                .for_field("status")
                .unwrap()
                .contains("at least 3 attempts")
        );
        for outcome in [
            AttemptOutcome::NoAnswer,
            AttemptOutcome::LeftMessage,
            AttemptOutcome::NoAnswer,
        ] {
            r.record_contact_attempt(&attempt(outcome), now()).unwrap();
        }
        assert_eq!(r.failed_contact_attempts, 3);
        let change = r
            .decide(
                Decision::UnableToContact { note: None },
                now(),
                due(),
                3,
                "x",
            )
            .unwrap();
        assert_eq!(r.status, ReferralStatus::UnableToContact);
        assert!(change.summary.contains("after 3 attempts"));
        assert_eq!(
            r.next_action_due, None,
            "closed referrals have no next action"
        );
    }

    #[test]
    fn reaching_the_person_starts_the_work() {
        let mut r = referral();
        assert!(
            r.record_contact_attempt(&attempt(AttemptOutcome::Reached), now())
                .is_err()
        );
        r.decide(Decision::Accept { assign_to: None }, now(), due(), 3, "x")
            .unwrap();
        let change = r
            .record_contact_attempt(&attempt(AttemptOutcome::Reached), now())
            .unwrap();
        assert_eq!(r.status, ReferralStatus::InProgress);
        assert!(r.first_contact_at.is_some());
        assert_eq!(change.to_status, Some(ReferralStatus::InProgress));
        assert_eq!(change.summary, "Spoke to the person by phone call");
        // Discharge needs a reason; in progress cannot be declined.
        assert!(
            DecisionInput::default()
                .validate(ReferralStatus::Discharged)
                .is_err()
        );
        let decline = Decision::Decline {
            reason: DeclineReason::Other,
            note: Some("x".into()),
        };
        assert!(r.decide(decline, now(), due(), 3, "x").is_err());
    }

    #[test]
    fn assignment_is_for_accepted_referrals() {
        let mut r = referral();
        let lw = UserId::new();
        assert!(r.assign(Some((lw, "A".into()))).is_err());
        r.decide(Decision::Accept { assign_to: None }, now(), due(), 3, "x")
            .unwrap();
        assert_eq!(
            r.assign(Some((lw, "A".into()))).unwrap().summary,
            "Assigned to A"
        );
        assert!(r.assign(Some((lw, "A".into()))).is_err(), "no change");
        assert_eq!(r.assign(None).unwrap().summary, "Unassigned");
    }

    #[test]
    fn decision_forms_need_their_reasons() {
        let input = |reason: &str, to: &str, note: &str| DecisionInput {
            decline_reason: reason.into(),
            redirected_to: to.into(),
            note: note.into(),
        };
        let e = input("", "", "")
            .validate(ReferralStatus::Declined)
            .unwrap_err();
        assert!(e.for_field("decline_reason").is_some());
        let e = input("other", "", "")
            .validate(ReferralStatus::Declined)
            .unwrap_err();
        assert!(e.for_field("note").is_some());
        assert!(
            input("person_declined", "", "")
                .validate(ReferralStatus::Declined)
                .is_ok()
        );
        let e = input("", "", "")
            .validate(ReferralStatus::Redirected)
            .unwrap_err();
        assert!(e.for_field("redirected_to").is_some());
        assert!(
            input("", "", "")
                .validate(ReferralStatus::Withdrawn)
                .is_err()
        );
        assert!(
            input("", "", "")
                .validate(ReferralStatus::Accepted)
                .is_err()
        );
    }

    fn needs() -> Vec<Need> {
        ["loneliness", "debt"]
            .iter()
            .enumerate()
            .map(|(i, c)| Need {
                code: (*c).into(),
                label: c.to_uppercase(),
                snomed_code: None,
                active: true,
                position: i as i32,
            })
            .collect()
    }

    #[test]
    fn referral_input_checks_reasons_consent_and_referrer() {
        let e = ReferralInput::default()
            .validate(ReferralRoute::Community, &needs())
            .unwrap_err();
        for field in [
            "needs",
            "consent_referral",
            "consent_contact",
            "referrer_name",
            "referrer_phone",
            "referrer_role",
        ] {
            assert!(e.for_field(field).is_some(), "{field}: {e}");
        }
        let self_referral = ReferralInput {
            needs: vec!["debt".into(), "debt".into(), "loneliness".into()],
            consent_referral: true,
            consent_contact: "yes".into(),
            ..Default::default()
        }
        .validate(ReferralRoute::SelfReferral, &needs())
        .unwrap();
        assert_eq!(self_referral.needs, ["debt", "loneliness"]);
        assert_eq!(self_referral.urgency, Urgency::Routine);
        let from_a_system = ReferralInput {
            needs: vec!["debt".into()],
            consent_referral: true,
            consent_contact: "yes".into(),
            referrer_name: "Discharge team".into(),
            ..Default::default()
        }
        .validate(ReferralRoute::Fhir, &needs());
        assert!(
            from_a_system.is_ok(),
            "systems need not give the referrer's phone"
        );
        let unknown = ReferralInput {
            needs: vec!["astrology".into()],
            ..Default::default()
        }
        .validate(ReferralRoute::SelfReferral, &needs())
        .unwrap_err();
        assert!(unknown.for_field("needs").unwrap().contains("astrology"));
    }

    #[test]
    fn reasons_in_words_stand_in_for_needs_until_coded() {
        let words = |reasons: &[&str], needs_coding| ReferralInput {
            reasons_as_written: reasons.iter().map(|r| (*r).to_owned()).collect(),
            needs_coding,
            consent_referral: true,
            consent_contact: "yes".into(),
            referrer_name: "Dr Evans".into(),
            ..Default::default()
        };
        let checked = words(
            &["Lonely since husband died;  stopped going out", "Bereaved"],
            true,
        )
        .validate(ReferralRoute::Fhir, &needs())
        .unwrap();
        assert!(checked.needs.is_empty() && checked.needs_coding);
        assert_eq!(
            checked.reasons_as_written.as_deref(),
            Some("Lonely since husband died;  stopped going out\nBereaved")
        );
        // Words that are not to be coded, or no words at all, are no reason.
        for input in [words(&["Bereaved"], false), words(&[" "], true)] {
            let errors = input.validate(ReferralRoute::Fhir, &needs()).unwrap_err();
            assert!(errors.for_field("needs").is_some());
        }
        let hidden = words(&["Lonely\u{202E}"], true)
            .validate(ReferralRoute::Fhir, &needs())
            .unwrap_err();
        assert!(hidden.for_field("reasons").is_some());
    }

    #[test]
    fn coding_needs_replaces_them_keeps_the_words_and_clears_the_flag() {
        let mut r = referral();
        r.needs = Vec::new();
        r.needs_coding = true;
        r.reasons_as_written = Some("Lonely since husband died".into());
        let codes = |c: &[&str]| c.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
        for bad in [codes(&[]), codes(&["debt", "gardening"])] {
            let e = r.clone().code_needs(&bad, &needs()).unwrap_err();
            assert!(e.for_field("needs").is_some(), "{e}");
        }
        let change = r
            .code_needs(&codes(&["loneliness", "debt", "loneliness"]), &needs())
            .unwrap();
        assert_eq!(r.needs, codes(&["loneliness", "debt"]));
        assert!(!r.needs_coding);
        assert_eq!(
            r.reasons_as_written.as_deref(),
            Some("Lonely since husband died")
        );
        assert_eq!(change.kind, EventKind::NeedsCoded);
        assert_eq!(change.summary, "Needs coded: LONELINESS, DEBT");
        // Saving the same needs again changes nothing, so it is refused.
        assert!(
            r.code_needs(&codes(&["loneliness", "debt"]), &needs())
                .is_err()
        );
        r.status = ReferralStatus::Declined;
        let closed = r.code_needs(&codes(&["debt"]), &needs()).unwrap_err();
        assert!(closed.for_field("status").is_some());
    }
}
