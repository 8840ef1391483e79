//! The link worker's casework for one referral: contacts, what matters,
//! the plan, notes and safeguarding concerns, tasks and discharge; and the
//! views across cases: each worker's day and diary, the team lead's view of
//! the team, open safeguarding concerns.
//!
//! Only the referral's network team (link workers, team leads) reaches any
//! of it; to anyone else a case does not exist. Every read and change is
//! audited.

mod contacts;
mod day;
mod discharge;
mod record;

use linkwork_domain::audit::{AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::casework::{Task, TaskKind};
use linkwork_domain::person::Person;
use linkwork_domain::referral::{Change, Referral};
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_domain::user::User;
use linkwork_domain::{ReferralId, TaskId, Timestamp, UserId};
use linkwork_storage::{CaseFile, CaseworkChanges, ReferralUpdate};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

pub use day::{Diary, DiaryDay, MyDay, TeamView};
pub use discharge::GpSummary;

/// A case as its team sees it.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub referral: Referral,
    pub person: Person,
    pub file: CaseFile,
    /// The people named in the file (workers, authors), by id.
    pub users: Vec<User>,
}

impl CaseView {
    /// The name of a user named in the file.
    pub fn user_name(&self, id: UserId) -> &str {
        self.users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.display_name.as_str())
            .unwrap_or("a former colleague")
    }
}

/// The message for a form loaded before someone else saved the record.
pub(crate) fn stale(what: &str) -> AppError {
    AppError::Conflict(format!(
        "Someone else changed {what} while you were working on it. Their version is shown: \
         make your change to it and save again"
    ))
}

impl App {
    /// The referral, if `p` works with its network's people.
    pub(crate) async fn case_referral(&self, p: &Principal, id: ReferralId) -> AppResult<Referral> {
        let referral = self
            .store
            .referral(id)
            .await?
            .ok_or(AppError::NotFound("case"))?;
        self.require_team(p, referral.pcn_id, EntityRef::new("referral", referral.id))
            .await?;
        p.require(Permission::WorkWithPeople)?;
        self.require_unrestricted_id(p, referral.person_id).await?;
        Ok(referral)
    }

    /// An audit event for `action` on a case.
    pub(crate) fn case_audit(
        &self,
        p: &Principal,
        action: AuditAction,
        referral: &Referral,
        detail: impl Into<String>,
    ) -> NewAuditEvent {
        NewAuditEvent::new(p.actor(), action, now())
            .entity(EntityRef::new("referral", referral.id))
            .org(referral.pcn_id)
            .detail(format!("{}: {}", referral.reference, detail.into()))
            .ip(p.ip.clone())
    }

    /// The referral's change for a casework save: its next version, with
    /// its history entry.
    fn referral_update(
        &self,
        p: &Principal,
        mut referral: Referral,
        change: Change,
        at: Timestamp,
    ) -> ReferralUpdate {
        let expected_version = referral.version;
        referral.version += 1;
        referral.updated_at = at;
        let event = change.into_event(
            referral.id,
            at,
            Some(p.user.id),
            p.user.display_name.clone(),
        );
        ReferralUpdate {
            referral,
            expected_version,
            event,
        }
    }

    /// A new task on a case, for its link worker (or `p` when it has none).
    fn new_task(
        &self,
        p: &Principal,
        referral: &Referral,
        kind: TaskKind,
        title: String,
        due: chrono::NaiveDate,
    ) -> Task {
        Task {
            id: TaskId::new(),
            referral_id: referral.id,
            person_id: referral.person_id,
            pcn_id: referral.pcn_id,
            owner: referral.assigned_to.unwrap_or(p.user.id),
            kind,
            title,
            due,
            contact_id: None,
            created_at: now(),
            created_by: p.user.id,
            done_at: None,
            done_by: None,
        }
    }

    /// A case's whole file. The view is audited as a read of the person's
    /// record.
    pub async fn case(&self, p: &Principal, id: ReferralId) -> AppResult<CaseView> {
        let referral = self.case_referral(p, id).await?;
        let person = self
            .store
            .person(referral.person_id)
            .await?
            .ok_or(AppError::NotFound("person"))?;
        let file = self.store.case_file(id).await?;
        let mut ids: Vec<UserId> = file
            .contacts
            .iter()
            .flat_map(|c| [Some(c.worker_id), c.recorded_by])
            .chain(file.tasks.iter().map(|t| Some(t.owner)))
            .chain(file.shortlists.iter().map(|s| Some(s.created_by)))
            .chain([referral.assigned_to])
            .flatten()
            .collect();
        ids.sort();
        ids.dedup();
        let mut users = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(u) = self.store.user(id).await? {
                users.push(u);
            }
        }
        self.audit_person_view(
            p.actor(),
            p.ip.clone(),
            person.id,
            referral.pcn_id,
            format!("Case file of referral {}", referral.reference),
        )
        .await?;
        Ok(CaseView {
            referral,
            person,
            file,
            users,
        })
    }

    /// Saves `changes` with its audit event.
    pub(crate) async fn save(
        &self,
        changes: CaseworkChanges,
        audit: NewAuditEvent,
    ) -> AppResult<()> {
        Ok(self.store.save_casework(&changes, &[audit]).await?)
    }
}
