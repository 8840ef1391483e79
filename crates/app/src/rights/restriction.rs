//! Restriction of processing (UK GDPR article 18): a team lead restricts a
//! person's record, with a reason, and lifts it. While it is restricted the
//! record is kept but only its network's team leads can open it; to anyone
//! else it is "not found", as another network's record is, and each such
//! attempt is audited. Work lists leave it out for everyone, and messages to
//! the person wait (DEVELOPERS.md decision 52).

use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::person::Person;
use linkwork_domain::person_rights::{self, Restriction};
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_domain::{OrgId, PersonId};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

impl App {
    /// Whether `p` may open `pcn_id`'s restricted records: its team leads.
    pub(crate) async fn sees_restricted(&self, p: &Principal, pcn_id: OrgId) -> AppResult<bool> {
        Ok(p.can(Permission::ManagePersonRights)
            && p.scope(self.store.as_ref()).await?.contains(pcn_id))
    }

    /// `NotFound` if `person`'s record is restricted and `p` is not one of
    /// its network's team leads; the refused attempt is audited.
    ///
    /// A record merged into another is hidden the same way (its team leads
    /// see it, to undo the merge), but refusing it needs no audit entry:
    /// everything it held now belongs to the other record.
    pub(crate) async fn require_unrestricted(
        &self,
        p: &Principal,
        person: &Person,
    ) -> AppResult<()> {
        let hidden = person.rights.restriction.is_some() || person.rights.merged_into.is_some();
        if !hidden || self.sees_restricted(p, person.pcn_id).await? {
            return Ok(());
        }
        if person.rights.restriction.is_none() {
            return Err(AppError::NotFound("person"));
        }
        self.refuse_restricted(p.actor(), p.ip.clone(), person)
            .await
    }

    /// `require_unrestricted` for the person a referral is about.
    pub(crate) async fn require_unrestricted_id(
        &self,
        p: &Principal,
        person_id: PersonId,
    ) -> AppResult<()> {
        let person = self
            .store
            .person(person_id)
            .await?
            .ok_or(AppError::NotFound("person"))?;
        self.require_unrestricted(p, &person).await
    }

    /// `NotFound` if the person's record is restricted, for callers that are
    /// never team leads (API clients); the attempt is audited.
    pub(crate) async fn require_unrestricted_for(
        &self,
        actor: Actor,
        ip: Option<String>,
        person_id: PersonId,
    ) -> AppResult<()> {
        match self.store.person(person_id).await? {
            Some(person) if person.rights.restriction.is_some() => {
                self.refuse_restricted(actor, ip, &person).await
            }
            Some(_) => Ok(()),
            None => Err(AppError::NotFound("person")),
        }
    }

    async fn refuse_restricted(
        &self,
        actor: Actor,
        ip: Option<String>,
        person: &Person,
    ) -> AppResult<()> {
        let event = NewAuditEvent::new(
            actor.clone(),
            AuditAction::PersonViewRefusedRestricted,
            now(),
        )
        .entity(EntityRef::new("person", person.id))
        .org(person.pcn_id)
        .detail(format!("{} was refused a restricted record", actor.label()))
        .ip(ip);
        self.store.record(&event).await?;
        Err(AppError::NotFound("record"))
    }

    /// The person, for a change to their rights by one of their network's
    /// team leads. The role is checked first: refusing it says nothing
    /// about whether the record exists.
    pub(crate) async fn person_for_rights(&self, p: &Principal, id: PersonId) -> AppResult<Person> {
        let person = self.person_for_rights_or_merged(p, id).await?;
        if person.rights.merged_into.is_some() || person.rights.erased_at.is_some() {
            return Err(AppError::NotFound("person"));
        }
        Ok(person)
    }

    /// `person_for_rights`, also for a record merged into another or
    /// erased (to list its merges).
    pub(crate) async fn person_for_rights_or_merged(
        &self,
        p: &Principal,
        id: PersonId,
    ) -> AppResult<Person> {
        p.require(Permission::ManagePersonRights)?;
        let person = self
            .store
            .person(id)
            .await?
            .ok_or(AppError::NotFound("person"))?;
        self.require_team(p, person.pcn_id, EntityRef::new("person", person.id))
            .await?;
        Ok(person)
    }

    /// The person, for a page about their rights (restricting, erasing,
    /// merging): their network's team leads only. Audited as a read.
    pub async fn person_for_rights_page(
        &self,
        p: &Principal,
        id: PersonId,
        page: &str,
    ) -> AppResult<Person> {
        let person = self.person_for_rights(p, id).await?;
        self.audit_person_view(p.actor(), p.ip.clone(), id, person.pcn_id, page.to_owned())
            .await?;
        Ok(person)
    }

    /// Restricts processing of a person's record, with the reason.
    pub async fn restrict_person(
        &self,
        p: &Principal,
        id: PersonId,
        reason: &str,
    ) -> AppResult<()> {
        let person = self.person_for_rights(p, id).await?;
        let reason = person_rights::reason(reason)?;
        if person.rights.restriction.is_some() {
            return Err(AppError::Conflict(
                "This record is already restricted".into(),
            ));
        }
        let restriction = Restriction {
            reason,
            by: p.actor().label(),
            at: now(),
        };
        let event = NewAuditEvent::new(p.actor(), AuditAction::PersonRestrict, restriction.at)
            .entity(EntityRef::new("person", id))
            .org(person.pcn_id)
            .detail(format!("Restricted: {}", restriction.reason))
            .ip(p.ip.clone());
        Ok(self
            .store
            .set_restriction(id, Some(&restriction), &event)
            .await?)
    }

    /// Lifts the restriction: the record is back in every list, and messages
    /// waiting for the person go.
    pub async fn lift_restriction(&self, p: &Principal, id: PersonId) -> AppResult<()> {
        let person = self.person_for_rights(p, id).await?;
        if person.rights.restriction.is_none() {
            return Err(AppError::Conflict("This record is not restricted".into()));
        }
        let event = NewAuditEvent::new(p.actor(), AuditAction::PersonRestrictionLift, now())
            .entity(EntityRef::new("person", id))
            .org(person.pcn_id)
            .detail("Restriction lifted".to_owned())
            .ip(p.ip.clone());
        Ok(self.store.set_restriction(id, None, &event).await?)
    }
}
