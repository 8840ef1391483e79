//! Triage and the waiting list, decisions along the referral's journey,
//! assignment, contact attempts, next actions, caseloads, and the
//! referrals an organisation has made.

use linkwork_domain::audit::{AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::codes::CodePurpose;
use linkwork_domain::organisation::Organisation;
use linkwork_domain::referral::{
    Change, ContactAttemptInput, Decision, DecisionInput, NextActionInput, Referral, ReferralStatus,
};
use linkwork_domain::role::{Permission, Role};
use linkwork_domain::time::now;
use linkwork_domain::user::{User, UserStatus};
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::{OrgId, ReferralId, UserId};
use linkwork_storage::{
    CaseworkChanges, Page, PageRequest, ReferralFilter, ReferralListItem, ReferralOrder,
    ReferralUpdate, UserFilter,
};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

/// How long a referral has waited for first contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    /// Working days since it arrived (until first contact, once made).
    pub working_days: u32,
    /// When first contact is due.
    pub due: chrono::NaiveDate,
    /// First contact is (or was) later than the target.
    pub breached: bool,
    /// Open and not yet contacted.
    pub still_waiting: bool,
}

/// Which part of the waiting list to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WaitingStage {
    /// Everything not yet contacted: new referrals and accepted ones.
    #[default]
    All,
    /// Received, not yet triaged.
    NeedsTriage,
    /// Accepted, waiting for first contact.
    Accepted,
    /// Accepted with no link worker yet.
    Unassigned,
    /// Waiting longer than the first-contact target.
    PastTarget,
    /// Some reasons arrived as words only: the team codes the needs.
    NeedsCoding,
}

impl WaitingStage {
    pub const ALL: [WaitingStage; 6] = [
        WaitingStage::All,
        WaitingStage::NeedsTriage,
        WaitingStage::Accepted,
        WaitingStage::Unassigned,
        WaitingStage::PastTarget,
        WaitingStage::NeedsCoding,
    ];

    pub fn code(self) -> &'static str {
        match self {
            WaitingStage::All => "all",
            WaitingStage::NeedsTriage => "new",
            WaitingStage::Accepted => "accepted",
            WaitingStage::Unassigned => "unassigned",
            WaitingStage::PastTarget => "past_target",
            WaitingStage::NeedsCoding => "needs_coding",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WaitingStage::All => "Everyone waiting",
            WaitingStage::NeedsTriage => "New, to triage",
            WaitingStage::Accepted => "Accepted, waiting for first contact",
            WaitingStage::Unassigned => "Accepted, no link worker yet",
            WaitingStage::PastTarget => "Past the first-contact target",
            WaitingStage::NeedsCoding => "Reasons in words, needs to code",
        }
    }

    pub fn from_code(code: &str) -> Option<WaitingStage> {
        WaitingStage::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// One network's waiting list.
#[derive(Debug, Clone)]
pub struct WaitingList {
    pub pcn: Organisation,
    /// The networks the viewer can switch between.
    pub networks: Vec<Organisation>,
    pub page: Page<ReferralListItem>,
    /// Everyone waiting, whatever the stage shown.
    pub total_waiting: u64,
    pub past_target: u64,
    pub target_working_days: u32,
}

/// Whose caseload to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseloadScope {
    Mine,
    /// One link worker's (team leads).
    Worker(UserId),
    /// A whole network's, assigned or not (team leads).
    Network(OrgId),
}

const WAITING: [ReferralStatus; 2] = [ReferralStatus::Received, ReferralStatus::Accepted];
const OPEN_CASES: [ReferralStatus; 2] = [ReferralStatus::Accepted, ReferralStatus::InProgress];

impl App {
    /// The network `pcn` (default: the first) among those `p` works with.
    async fn choose_network(
        &self,
        p: &Principal,
        pcn: Option<OrgId>,
    ) -> AppResult<(Organisation, Vec<Organisation>)> {
        let networks = self.team_networks(p).await?;
        let chosen = match pcn {
            Some(id) => networks.iter().find(|n| n.id == id),
            None => networks.first(),
        }
        .cloned()
        .ok_or(AppError::NotFound("network"))?;
        Ok((chosen, networks))
    }

    /// A network's waiting list, longest waiting first.
    pub async fn waiting_list(
        &self,
        p: &Principal,
        pcn: Option<OrgId>,
        stage: WaitingStage,
        search: &str,
        page: PageRequest,
    ) -> AppResult<WaitingList> {
        p.require(Permission::TriageReferrals)?;
        let (pcn, networks) = self.choose_network(p, pcn).await?;
        let person_terms = linkwork_domain::person::checked_search_terms(search)?;
        if !person_terms.is_empty() {
            let event = NewAuditEvent::new(p.actor(), AuditAction::PersonSearch, now())
                .org(pcn.id)
                .detail(format!("Searched the waiting list for {:?}", search.trim()))
                .ip(p.ip.clone());
            self.store.record(&event).await?;
        }
        let waiting = ReferralFilter {
            pcn_id: Some(pcn.id),
            statuses: WAITING.to_vec(),
            ..Default::default()
        };
        let past_target_filter = ReferralFilter {
            received_before: Some(self.breach_cutoff(self.today())),
            ..waiting.clone()
        };
        let filter = match stage {
            WaitingStage::All => waiting.clone(),
            WaitingStage::NeedsTriage => ReferralFilter {
                statuses: vec![ReferralStatus::Received],
                ..waiting.clone()
            },
            WaitingStage::Accepted => ReferralFilter {
                statuses: vec![ReferralStatus::Accepted],
                ..waiting.clone()
            },
            WaitingStage::Unassigned => ReferralFilter {
                statuses: vec![ReferralStatus::Accepted],
                assigned_to: Some(None),
                ..waiting.clone()
            },
            WaitingStage::PastTarget => past_target_filter.clone(),
            WaitingStage::NeedsCoding => ReferralFilter {
                needs_coding: true,
                ..waiting.clone()
            },
        };
        let filter = ReferralFilter {
            person_terms,
            ..filter
        };
        let count = |f: ReferralFilter| async move {
            self.store
                .list_referrals(&f, ReferralOrder::OldestFirst, PageRequest::new(1, 1))
                .await
                .map(|p| p.total)
        };
        let items = self
            .store
            .list_referrals(&filter, ReferralOrder::OldestFirst, page)
            .await?;
        self.audit_referrals_shown(
            p,
            &format!(
                "Waiting list of {} ({}), page {}",
                pcn.name,
                stage.label().to_lowercase(),
                page.page
            ),
            &items.items,
        )
        .await?;
        Ok(WaitingList {
            total_waiting: count(waiting).await?,
            past_target: count(past_target_filter).await?,
            target_working_days: self.settings.referrals.first_contact_target_working_days,
            page: items,
            pcn,
            networks,
        })
    }

    /// Open cases (accepted or in progress), next action due first.
    pub async fn caseload(
        &self,
        p: &Principal,
        scope: CaseloadScope,
        page: PageRequest,
    ) -> AppResult<Page<ReferralListItem>> {
        p.require(Permission::WorkWithPeople)?;
        let (filter, list) = match scope {
            CaseloadScope::Mine => (
                ReferralFilter {
                    assigned_to: Some(Some(p.user.id)),
                    ..Default::default()
                },
                "Own caseload".to_owned(),
            ),
            CaseloadScope::Worker(worker) => {
                p.require(Permission::ReassignCases)?;
                let user = self
                    .store
                    .user(worker)
                    .await?
                    .ok_or(AppError::NotFound("user"))?;
                self.require_team(p, user.org_id, EntityRef::new("user", user.id))
                    .await?;
                (
                    ReferralFilter {
                        assigned_to: Some(Some(worker)),
                        ..Default::default()
                    },
                    format!("Caseload of {}", user.display_name),
                )
            }
            CaseloadScope::Network(pcn) => {
                p.require(Permission::ReassignCases)?;
                self.require_team(p, pcn, EntityRef::new("organisation", pcn))
                    .await?;
                let name = self
                    .store
                    .organisation(pcn)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default();
                (
                    ReferralFilter {
                        pcn_id: Some(pcn),
                        ..Default::default()
                    },
                    format!("Everyone's caseload in {name}"),
                )
            }
        };
        let filter = ReferralFilter {
            statuses: OPEN_CASES.to_vec(),
            ..filter
        };
        let cases = self
            .store
            .list_referrals(&filter, ReferralOrder::NextActionDue, page)
            .await?;
        self.audit_referrals_shown(p, &format!("{list}, page {}", page.page), &cases.items)
            .await?;
        Ok(cases)
    }

    /// Active link workers and team leads of a network: who referrals
    /// can be assigned to.
    pub async fn assignable_workers(&self, p: &Principal, pcn: OrgId) -> AppResult<Vec<User>> {
        self.require_team(p, pcn, EntityRef::new("organisation", pcn))
            .await?;
        let users = self
            .store
            .list_users(
                &UserFilter {
                    within: Some(pcn),
                    status: Some(UserStatus::Active),
                    ..Default::default()
                },
                PageRequest::new(1, PageRequest::MAX_PER_PAGE),
            )
            .await?;
        Ok(users
            .items
            .into_iter()
            .filter(|u| u.roles.contains(Role::LinkWorker) || u.roles.contains(Role::TeamLead))
            .collect())
    }

    /// The worker `raw` names (a user id), if they can take the network's
    /// referrals; `None` for "nobody yet".
    async fn assignee(
        &self,
        p: &Principal,
        pcn: OrgId,
        raw: &str,
    ) -> AppResult<Option<(UserId, String)>> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let workers = self.assignable_workers(p, pcn).await?;
        raw.parse::<UserId>()
            .ok()
            .and_then(|id| workers.into_iter().find(|w| w.id == id))
            .map(|w| Some((w.id, w.display_name)))
            .ok_or_else(|| {
                ValidationErrors::single("assign_to", "Select a link worker from the list").into()
            })
    }

    /// The referral for a change by its team, refused if it changed since
    /// the form was loaded (`expected_version`).
    async fn referral_to_change(
        &self,
        p: &Principal,
        id: ReferralId,
        expected_version: i64,
    ) -> AppResult<Referral> {
        let referral = self
            .store
            .referral(id)
            .await?
            .ok_or(AppError::NotFound("referral"))?;
        self.require_team(p, referral.pcn_id, EntityRef::new("referral", referral.id))
            .await?;
        self.require_unrestricted_id(p, referral.person_id).await?;
        if referral.version != expected_version {
            return Err(AppError::Conflict(
                "Someone else changed this referral while you were working on it. Check its latest state and try again"
                    .into(),
            ));
        }
        Ok(referral)
    }

    /// Saves a change made by `p` with its history entry and audit event.
    async fn save_change(
        &self,
        p: &Principal,
        referral: Referral,
        change: Change,
        action: AuditAction,
    ) -> AppResult<Referral> {
        self.save_change_with(p, referral, change, action, CaseworkChanges::default())
            .await
    }

    /// Saves a change with the casework it brings (a follow-up task, tasks
    /// moving with a reassigned case), in one transaction.
    async fn save_change_with(
        &self,
        p: &Principal,
        mut referral: Referral,
        change: Change,
        action: AuditAction,
        mut casework: CaseworkChanges,
    ) -> AppResult<Referral> {
        let at = now();
        let expected = referral.version;
        referral.version += 1;
        referral.updated_at = at;
        let summary = change.summary.clone();
        let event = change.into_event(
            referral.id,
            at,
            Some(p.user.id),
            p.user.display_name.clone(),
        );
        let audit = NewAuditEvent::new(p.actor(), action, at)
            .entity(EntityRef::new("referral", referral.id))
            .org(referral.pcn_id)
            .detail(format!("{}: {summary}", referral.reference))
            .ip(p.ip.clone());
        casework.referral = Some(ReferralUpdate {
            referral: referral.clone(),
            expected_version: expected,
            event,
        });
        self.store.save_casework(&casework, &[audit]).await?;
        Ok(referral)
    }

    /// Moves a referral along its journey: accept (optionally assigning a
    /// link worker), decline, redirect, close as unable to contact,
    /// withdraw or discharge.
    pub async fn decide(
        &self,
        p: &Principal,
        id: ReferralId,
        expected_version: i64,
        target: ReferralStatus,
        input: &DecisionInput,
        assign_to: &str,
    ) -> AppResult<Referral> {
        // The record first: to anyone off its team it does not exist.
        let mut referral = self.referral_to_change(p, id, expected_version).await?;
        p.require(match target {
            ReferralStatus::Accepted | ReferralStatus::Declined | ReferralStatus::Redirected => {
                Permission::TriageReferrals
            }
            _ => Permission::WorkWithPeople,
        })?;
        let decision = match target {
            ReferralStatus::Accepted => Decision::Accept {
                assign_to: self.assignee(p, referral.pcn_id, assign_to).await?,
            },
            other => input.validate(other)?,
        };
        let declined = self.clinical_code(CodePurpose::Declined).await?;
        let change = referral.decide(
            decision,
            now(),
            self.first_contact_due(referral.received_at),
            self.settings
                .referrals
                .contact_attempts_before_unable_to_contact,
            &declined.code,
        )?;
        self.save_change(p, referral, change, AuditAction::ReferralStatusChange)
            .await
    }

    /// Assigns a referral to a link worker, or unassigns it (empty
    /// `assign_to`). Taking an unassigned referral yourself needs only to
    /// work with people; assigning others needs triage; moving a referral
    /// from one link worker to another needs a team lead.
    pub async fn assign_referral(
        &self,
        p: &Principal,
        id: ReferralId,
        expected_version: i64,
        assign_to: &str,
    ) -> AppResult<Referral> {
        let mut referral = self.referral_to_change(p, id, expected_version).await?;
        p.require(Permission::WorkWithPeople)?;
        let to = self.assignee(p, referral.pcn_id, assign_to).await?;
        let to_id = to.as_ref().map(|(id, _)| *id);
        let needed = match (referral.assigned_to, to_id) {
            (None, Some(me)) if me == p.user.id => None,
            (None, _) => Some(Permission::TriageReferrals),
            (Some(_), _) => Some(Permission::ReassignCases),
        };
        if let Some(permission) = needed {
            p.require(permission)?;
        }
        let moving = referral
            .assigned_to
            .zip(to_id)
            .map(|(_, to)| (referral.id, to));
        let change = referral.assign(to)?;
        let casework = CaseworkChanges {
            reassign: moving,
            ..Default::default()
        };
        self.save_change_with(p, referral, change, AuditAction::ReferralAssign, casework)
            .await
    }

    /// Records an attempt to reach the person; reaching them is the first
    /// contact.
    pub async fn record_contact_attempt(
        &self,
        p: &Principal,
        id: ReferralId,
        expected_version: i64,
        input: &ContactAttemptInput,
    ) -> AppResult<Referral> {
        let mut referral = self.referral_to_change(p, id, expected_version).await?;
        p.require(Permission::WorkWithPeople)?;
        let attempt = input.validate(self.today())?;
        let change = referral.record_contact_attempt(&attempt, now())?;
        let casework = CaseworkChanges {
            tasks: attempt
                .next_action_due
                .map(|due| self.follow_up_task(p, &referral, due))
                .into_iter()
                .collect(),
            ..Default::default()
        };
        self.save_change_with(
            p,
            referral,
            change,
            AuditAction::ReferralContactAttempt,
            casework,
        )
        .await
    }

    pub async fn set_next_action(
        &self,
        p: &Principal,
        id: ReferralId,
        expected_version: i64,
        input: &NextActionInput,
    ) -> AppResult<Referral> {
        let mut referral = self.referral_to_change(p, id, expected_version).await?;
        p.require(Permission::WorkWithPeople)?;
        let (due, note) = input.validate(self.today())?;
        let change = referral.set_next_action(due, note)?;
        self.save_change(p, referral, change, AuditAction::ReferralNextAction)
            .await
    }

    /// Codes the needs of a referral whose reasons came as words (or
    /// corrects them at triage): `codes` from the active list replace the
    /// needs, and the referral no longer shows as needing coding.
    pub async fn code_referral_needs(
        &self,
        p: &Principal,
        id: ReferralId,
        expected_version: i64,
        codes: &[String],
    ) -> AppResult<Referral> {
        let mut referral = self.referral_to_change(p, id, expected_version).await?;
        p.require(Permission::TriageReferrals)?;
        let change = referral.code_needs(codes, &self.active_needs().await?)?;
        self.save_change(p, referral, change, AuditAction::ReferralNeedsCoded)
            .await
    }

    /// Referrals made by `p`'s organisation (and those beneath it), newest
    /// first.
    pub async fn referrals_made(
        &self,
        p: &Principal,
        page: PageRequest,
    ) -> AppResult<Page<ReferralListItem>> {
        p.require(Permission::MakeReferrals)?;
        let sent = self
            .store
            .list_referrals(
                &ReferralFilter {
                    referrer_within: Some(p.user.org_id),
                    ..Default::default()
                },
                ReferralOrder::NewestFirst,
                page,
            )
            .await?;
        self.audit_referrals_shown(
            p,
            &format!(
                "Referrals sent by the user's organisation, page {}",
                page.page
            ),
            &sent.items,
        )
        .await?;
        Ok(sent)
    }
}
