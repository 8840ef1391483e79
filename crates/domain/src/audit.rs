//! The audit log: who did what to which record, when, and from where.
//! Entries are appended in the same transaction as the change they record
//! and are never updated or deleted.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::user::Email;
use crate::{ApiTokenId, AuditEventId, OrgId, Timestamp, UserId};

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user.
    User {
        id: UserId,
        email: Email,
        org_id: OrgId,
    },
    /// Someone not signed in (the login page, the public referral form).
    Anonymous,
    /// An operator at the command line (`linkwork user add`, imports).
    Cli,
    /// Linkwork itself (demo data, scheduled housekeeping).
    System,
    /// Another system calling the API with one of an organisation's tokens.
    ApiClient {
        token_id: ApiTokenId,
        org_id: OrgId,
        /// The token's name, e.g. "EMIS referral bridge".
        name: String,
    },
}

impl Actor {
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    pub fn org_id(&self) -> Option<OrgId> {
        match self {
            Actor::User { org_id, .. } | Actor::ApiClient { org_id, .. } => Some(*org_id),
            _ => None,
        }
    }

    /// How the actor is named in the log; kept even if the user is later
    /// renamed or disabled.
    pub fn label(&self) -> String {
        match self {
            Actor::User { email, .. } => email.to_string(),
            Actor::Anonymous => "anonymous".into(),
            Actor::Cli => "command line".into(),
            Actor::System => "system".into(),
            Actor::ApiClient { name, .. } => format!("API token \"{name}\""),
        }
    }
}

macro_rules! audit_actions {
    ($($variant:ident => $code:literal, $label:literal;)*) => {
        /// Every kind of event the log records.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction { $($variant),* }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $(AuditAction::$variant => $code),* }
            }

            pub fn label(self) -> &'static str {
                match self { $(AuditAction::$variant => $label),* }
            }
        }
    };
}

audit_actions! {
    SignIn => "sign_in", "Signed in";
    SignInFailed => "sign_in_failed", "Failed sign-in";
    SignInThrottled => "sign_in_throttled", "Sign-in refused: too many attempts";
    AccountLocked => "account.locked", "Sign-ins to an account refused from one address";
    AccessRefused => "access.refused", "Refused a record outside the user's network";
    PeopleListed => "person.list_view", "Shown in a list of people";
    SignOut => "sign_out", "Signed out";
    OrganisationCreate => "organisation.create", "Created organisation";
    UserCreate => "user.create", "Created user";
    UserRolesChange => "user.roles_change", "Changed roles";
    UserDisable => "user.disable", "Disabled user";
    UserEnable => "user.enable", "Re-enabled user";
    CredentialLinkIssue => "user.credential_link_issue", "Issued a set-password link";
    PasswordSet => "user.password_set", "Set password";
    PasswordChange => "user.password_change", "Changed own password";
    SecondFactorSetUp => "second_factor.set_up", "Set up a second factor";
    SecondFactorUsed => "second_factor.used", "Signed in with a second factor";
    RecoveryCodeUsed => "second_factor.recovery_code_used", "Signed in with a recovery code";
    SecondFactorFailed => "second_factor.failed", "Wrong second-factor code";
    SecondFactorRemoved => "second_factor.removed", "Removed a second factor";
    SignInPolicyChange => "organisation.sign_in_policy", "Changed how an organisation's staff sign in";
    SingleSignOnRefused => "sign_in_sso_refused", "Single sign-on refused";
    AuditExport => "audit.export", "Exported the audit log";
    PostcodeImport => "postcode.import", "Imported postcodes";
    DirectoryImport => "directory.import", "Imported directory data";
    FeedRegister => "directory.feed_register", "Registered a directory feed";
    FeedRemove => "directory.feed_remove", "Removed a directory feed";
    FeedRun => "directory.feed_run", "Read a directory feed";
    FeedRunAsk => "directory.feed_run_ask", "Asked for a directory feed to be read";
    FeedRelease => "directory.feed_release", "Let a feed update a listing edited locally";
    ServiceCreate => "directory.service_create", "Added a service";
    ServiceUpdate => "directory.service_update", "Changed a service";
    TaxonomyUpdate => "directory.taxonomy_update", "Updated a taxonomy";
    OrganizationLink => "directory.organization_link", "Linked a directory organisation to a partner";
    SearchSynonymsChange => "directory.synonyms_change", "Changed the directory search's everyday words";
    PersonView => "person.view", "Viewed a person's record";
    PersonSearch => "person.search", "Searched for people";
    PersonUpdate => "person.update", "Changed a person's record";
    ConsentRecord => "person.consent", "Recorded consent";
    ReferralCreate => "referral.create", "Received a referral";
    ReferralStatusChange => "referral.status_change", "Changed a referral's status";
    ReferralAssign => "referral.assign", "Assigned a referral";
    ReferralContactAttempt => "referral.contact_attempt", "Recorded a contact attempt";
    ReferralNextAction => "referral.next_action", "Set a referral's next action";
    ReferralNeedsCoded => "referral.needs_coded", "Coded a referral's needs";
    PublicReferralDiscarded => "referral.discarded", "Discarded a suspected spam referral";
    PublicReferralThrottled => "referral.throttled", "Refused a referral: too many from one address";
    ApiTokenIssue => "api_token.issue", "Issued an API token";
    ApiTokenRevoke => "api_token.revoke", "Revoked an API token";
    PcnCoverageChange => "organisation.coverage", "Changed a network's postcode districts";
    NeedChange => "need.change", "Changed the list of needs";
    ClinicalCodeChange => "clinical_code.change", "Changed a clinical code";
    DemoReferrals => "demo.referrals", "Generated demo referrals";
    ContactBook => "contact.book", "Booked a contact";
    ContactRecord => "contact.record", "Recorded a contact";
    WhatMattersSave => "what_matters.save", "Recorded what matters";
    PlanSave => "plan.save", "Changed a plan";
    NoteAdd => "note.add", "Added a case note";
    SafeguardingConcern => "safeguarding.concern", "Raised a safeguarding concern";
    SafeguardingResolve => "safeguarding.resolve", "Resolved a safeguarding concern";
    TaskAdd => "task.add", "Added a task";
    TaskComplete => "task.complete", "Completed a task";
    Discharge => "referral.discharge", "Discharged a person";
    CalendarFeedIssue => "calendar_feed.issue", "Set up a calendar feed";
    CalendarFeedRevoke => "calendar_feed.revoke", "Revoked a calendar feed";
    CalendarFeedRead => "calendar_feed.read", "A calendar app read a diary";
    DemoCasework => "demo.casework", "Generated demo casework";
    DemoOutcomes => "demo.outcomes", "Generated demo outcome measures";
    OnwardReferral => "onward.send", "Referred someone to a service";
    OnwardAnswer => "onward.answer", "A service answered a referral";
    OnwardSeen => "onward.seen", "Saw a service's answer";
    OnwardWithdraw => "onward.withdraw", "Withdrew a referral to a service";
    ShortlistCreate => "shortlist.create", "Gave someone a shortlist of services";
    CapacitySet => "directory.capacity", "Changed a service's capacity";
    MessageSend => "message.send", "Sent a message";
    OutboxView => "message.outbox_view", "Read the outbox";
    MeasureRecord => "measure.record", "Recorded an outcome questionnaire";
    MeasureLinkIssue => "measure.link_issue", "Gave a person a questionnaire link";
    GpAppointmentsRecord => "gp_appointments.record", "Recorded GP appointments";
    GpAppointmentsImport => "gp_appointments.import", "Imported GP appointments";
    OutcomesView => "outcomes.view", "Read the outcome evidence";
    SubjectAccessExport => "person.subject_access", "Exported everything held about a person";
    ReportsView => "reports.view", "Read reports";
    PopulationImport => "population.import", "Imported a registered population or deprivation file";
    PersonRestrict => "person.restrict", "Restricted processing of a person's record";
    PersonRestrictionLift => "person.restriction_lift", "Lifted the restriction on a person's record";
    PersonViewRefusedRestricted => "person.view_refused_restricted", "Refused a restricted record";
    PersonErase => "person.erase", "Erased a person's record by anonymising it";
    PersonMerge => "person.merge", "Merged a duplicate record into another";
    PersonMergeUndo => "person.merge_undo", "Undid a merge of two records";
    RetentionSweep => "retention.sweep", "Ran the retention sweep";
}

impl AuditAction {
    /// What an organisation's administrators watch for signs of attack or
    /// misuse: failed, refused and locked sign-ins, refused reads of
    /// records, spam and floods on the public form, exports of the log, and
    /// changes to who can get in.
    pub const SECURITY: &'static [AuditAction] = &[
        AuditAction::SignInFailed,
        AuditAction::SignInThrottled,
        AuditAction::AccountLocked,
        AuditAction::AccessRefused,
        AuditAction::PersonViewRefusedRestricted,
        AuditAction::PublicReferralDiscarded,
        AuditAction::PublicReferralThrottled,
        AuditAction::AuditExport,
        AuditAction::ApiTokenIssue,
        AuditAction::ApiTokenRevoke,
        AuditAction::UserDisable,
        AuditAction::UserRolesChange,
        AuditAction::CredentialLinkIssue,
        AuditAction::SecondFactorFailed,
        AuditAction::RecoveryCodeUsed,
        AuditAction::SecondFactorRemoved,
        AuditAction::SignInPolicyChange,
        AuditAction::SingleSignOnRefused,
    ];
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for AuditAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuditAction::ALL
            .iter()
            .copied()
            .find(|a| a.code() == s)
            .ok_or_else(|| format!("unknown audit action {s:?}"))
    }
}

/// A record an event is about, e.g. `("user", id)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityRef {
    pub kind: &'static str,
    pub id: String,
}

impl EntityRef {
    pub fn new(kind: &'static str, id: impl ToString) -> Self {
        EntityRef {
            kind,
            id: id.to_string(),
        }
    }
}

/// An event about to be appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    pub id: AuditEventId,
    pub at: Timestamp,
    pub actor: Actor,
    pub action: AuditAction,
    pub entity: Option<EntityRef>,
    /// The organisation whose tenancy the event belongs to, which decides
    /// whose admins can read it: by default the acting user's.
    pub org_id: Option<OrgId>,
    /// A plain-English detail. Never a secret, a password or a token.
    pub detail: String,
    /// The client address the request came from, when there was one.
    pub ip: Option<String>,
}

impl NewAuditEvent {
    pub fn new(actor: Actor, action: AuditAction, at: Timestamp) -> Self {
        NewAuditEvent {
            id: AuditEventId::new(),
            at,
            org_id: actor.org_id(),
            actor,
            action,
            entity: None,
            detail: String::new(),
            ip: None,
        }
    }

    pub fn entity(mut self, entity: EntityRef) -> Self {
        self.entity = Some(entity);
        self
    }

    pub fn org(mut self, org_id: OrgId) -> Self {
        self.org_id = Some(org_id);
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    pub fn ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip;
        self
    }
}

/// An event as read back from the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub at: Timestamp,
    pub actor_user_id: Option<UserId>,
    pub actor_label: String,
    pub org_id: Option<OrgId>,
    pub action: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub detail: String,
    pub ip: Option<String>,
}

impl AuditEvent {
    /// The action's label, or its raw code if this version does not know
    /// it (an entry written by a newer release).
    pub fn action_label(&self) -> &str {
        self.action
            .parse::<AuditAction>()
            .map(AuditAction::label)
            .unwrap_or(&self.action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_codes_are_unique_and_parse_back() {
        let mut codes: Vec<_> = AuditAction::ALL.iter().map(|a| a.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), AuditAction::ALL.len());
        for action in AuditAction::ALL {
            assert_eq!(action.code().parse::<AuditAction>(), Ok(*action));
        }
    }

    #[test]
    fn actors_are_labelled() {
        let email = Email::parse("lw@example.org").unwrap();
        let actor = Actor::User {
            id: UserId::new(),
            email,
            org_id: OrgId::new(),
        };
        assert_eq!(actor.label(), "lw@example.org");
        assert!(actor.user_id().is_some());
        assert_eq!(Actor::Cli.label(), "command line");
        assert_eq!(Actor::Anonymous.user_id(), None);
    }
}
