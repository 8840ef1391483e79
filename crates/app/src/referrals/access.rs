//! Who may see a referral or a person, and how much.

use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::codes::Need;
use linkwork_domain::consent::Consent;
use linkwork_domain::organisation::Organisation;
use linkwork_domain::person::Person;
use linkwork_domain::referral::{Referral, ReferralEvent};
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_domain::user::User;
use linkwork_domain::{OrgId, PersonId, ReferralId};
use linkwork_storage::ReferralListItem;

use super::Waiting;
use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

/// How much of a referral the viewer may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The network's team: everything.
    Team,
    /// The referring organisation: status and its history, not the
    /// team's notes or the person's record.
    Referrer,
}

/// A referral as one viewer may see it.
#[derive(Debug, Clone)]
pub struct ReferralRecord {
    pub audience: Audience,
    pub referral: Referral,
    /// The person's full record: for the team only.
    pub person: Option<Person>,
    pub person_name: String,
    pub person_date_of_birth: chrono::NaiveDate,
    /// For a referrer, only status changes.
    pub history: Vec<ReferralEvent>,
    /// Consents recorded for the person: for the team only.
    pub consents: Vec<Consent>,
    pub pcn: Organisation,
    pub referrer_org: Option<Organisation>,
    pub assigned: Option<User>,
    pub needs: Vec<Need>,
    pub waiting: Waiting,
    /// The casework, for the team, once the referral is accepted.
    pub case: Option<linkwork_storage::CaseFile>,
}

/// Link workers and team leads: the people who work with a network's
/// referrals.
pub(crate) fn works_with_people(p: &Principal) -> bool {
    p.can(Permission::WorkWithPeople) || p.can(Permission::TriageReferrals)
}

impl App {
    /// `NotFound` unless `p` is on the team of `pcn_id` (their
    /// organisation's subtree holds it). Not found rather than forbidden,
    /// so another network's records cannot even be confirmed to exist; the
    /// refusal is recorded against `record`, for the network's admins.
    pub(crate) async fn require_team(
        &self,
        p: &Principal,
        pcn_id: OrgId,
        record: EntityRef,
    ) -> AppResult<()> {
        if works_with_people(p) && p.scope(self.store.as_ref()).await?.contains(pcn_id) {
            Ok(())
        } else {
            self.refuse(p.actor(), p.ip.clone(), pcn_id, record).await?;
            Err(AppError::NotFound("record"))
        }
    }

    /// Records a refused attempt to read a record of `pcn_id`'s, which
    /// belongs to that network (its admins and those above see it).
    pub(crate) async fn refuse(
        &self,
        actor: Actor,
        ip: Option<String>,
        pcn_id: OrgId,
        record: EntityRef,
    ) -> AppResult<()> {
        let detail = format!(
            "{} was refused a {} outside its network",
            actor.label(),
            record.kind
        );
        let event = NewAuditEvent::new(actor, AuditAction::AccessRefused, now())
            .entity(record)
            .org(pcn_id)
            .detail(detail)
            .ip(ip);
        Ok(self.store.record(&event).await?)
    }

    /// Records that `p` was shown `people` (with their networks) in `list`:
    /// one event per person, in one write, so each person's history names
    /// every list they appeared on.
    pub(crate) async fn audit_people_shown(
        &self,
        p: &Principal,
        list: &str,
        people: impl IntoIterator<Item = (PersonId, OrgId)>,
    ) -> AppResult<()> {
        let at = now();
        let mut seen = std::collections::HashSet::new();
        let events: Vec<NewAuditEvent> = people
            .into_iter()
            .filter(|(id, _)| seen.insert(*id))
            .map(|(id, pcn)| {
                NewAuditEvent::new(p.actor(), AuditAction::PeopleListed, at)
                    .entity(EntityRef::new("person", id))
                    .org(pcn)
                    .detail(list.to_owned())
                    .ip(p.ip.clone())
            })
            .collect();
        if events.is_empty() {
            return Ok(());
        }
        Ok(self.store.record_all(&events).await?)
    }

    /// `audit_people_shown` for a list of referrals.
    pub(crate) async fn audit_referrals_shown(
        &self,
        p: &Principal,
        list: &str,
        items: &[ReferralListItem],
    ) -> AppResult<()> {
        self.audit_people_shown(
            p,
            list,
            items.iter().map(|i| (i.person.id, i.referral.pcn_id)),
        )
        .await
    }

    /// The referral, if `p` may see it, and how much of it.
    pub(crate) async fn referral_for(
        &self,
        p: &Principal,
        id: ReferralId,
    ) -> AppResult<(Referral, Audience)> {
        let referral = self
            .store
            .referral(id)
            .await?
            .ok_or(AppError::NotFound("referral"))?;
        let scope = p.scope(self.store.as_ref()).await?;
        if works_with_people(p) && scope.contains(referral.pcn_id) {
            self.require_unrestricted_id(p, referral.person_id).await?;
            return Ok((referral, Audience::Team));
        }
        let made_here = referral
            .referrer
            .org_id
            .is_some_and(|org| scope.contains(org));
        if p.can(Permission::MakeReferrals) && made_here {
            self.require_unrestricted_id(p, referral.person_id).await?;
            return Ok((referral, Audience::Referrer));
        }
        self.refuse(
            p.actor(),
            p.ip.clone(),
            referral.pcn_id,
            EntityRef::new("referral", referral.id),
        )
        .await?;
        Err(AppError::NotFound("referral"))
    }

    /// Records that `actor` (from `ip`) saw a person's details.
    pub(crate) async fn audit_person_view(
        &self,
        actor: Actor,
        ip: Option<String>,
        person_id: linkwork_domain::PersonId,
        pcn_id: OrgId,
        detail: String,
    ) -> AppResult<()> {
        let event = NewAuditEvent::new(actor, AuditAction::PersonView, now())
            .entity(EntityRef::new("person", person_id))
            .org(pcn_id)
            .detail(detail)
            .ip(ip);
        Ok(self.store.record(&event).await?)
    }

    /// A referral's page: everything for its team, the status for the
    /// organisation that made it. The view is audited as a read of the
    /// person's record.
    pub async fn view_referral(&self, p: &Principal, id: ReferralId) -> AppResult<ReferralRecord> {
        let (referral, audience) = self.referral_for(p, id).await?;
        let person = self
            .store
            .person(referral.person_id)
            .await?
            .ok_or(AppError::NotFound("person"))?;
        let mut history = self.store.referral_history(id).await?;
        let consents = match audience {
            Audience::Team => self.store.consents(person.id).await?,
            Audience::Referrer => {
                history.retain(ReferralEvent::visible_to_referrer);
                Vec::new()
            }
        };
        let pcn = self
            .store
            .organisation(referral.pcn_id)
            .await?
            .ok_or(AppError::NotFound("organisation"))?;
        let referrer_org = match referral.referrer.org_id {
            Some(org) => self.store.organisation(org).await?,
            None => None,
        };
        let assigned = match (audience, referral.assigned_to) {
            (Audience::Team, Some(user)) => self.store.user(user).await?,
            _ => None,
        };
        let all_needs = self.store.needs().await?;
        let needs = referral
            .needs
            .iter()
            .filter_map(|code| all_needs.iter().find(|n| &n.code == code).cloned())
            .collect();
        self.audit_person_view(
            p.actor(),
            p.ip.clone(),
            person.id,
            referral.pcn_id,
            format!(
                "Referral {} ({})",
                referral.reference,
                match audience {
                    Audience::Team => "team view",
                    Audience::Referrer => "referrer's status view",
                }
            ),
        )
        .await?;
        let waiting = self.waiting(&referral, self.today());
        let taken_on = referral.accepted_at.is_some();
        let case = match audience {
            Audience::Team if taken_on => Some(self.store.case_file(id).await?),
            _ => None,
        };
        Ok(ReferralRecord {
            case,
            audience,
            person_name: person.details.full_name(),
            person_date_of_birth: person.details.date_of_birth,
            person: (audience == Audience::Team).then_some(person),
            history,
            consents,
            pcn,
            referrer_org,
            assigned,
            needs,
            waiting,
            referral,
        })
    }
}
