//! Booking contacts and recording how they went. The first attended
//! contact starts the person's support, in the same transaction; a booked
//! contact is a task for its day, done once its outcome is recorded.

use linkwork_domain::audit::AuditAction;
use linkwork_domain::calendar::uk_datetime;
use linkwork_domain::casework::{
    Contact, ContactDetails, ContactInput, ContactOutcomeInput, ContactStatus, TaskKind,
};
use linkwork_domain::referral::Referral;
use linkwork_domain::time::now;
use linkwork_domain::{ContactId, ReferralId};
use linkwork_storage::{CaseworkChanges, TaskFilter};

use super::stale;
use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

impl App {
    /// A contact, if `p` is on its case's team, with its referral.
    pub async fn contact_for(
        &self,
        p: &Principal,
        id: ContactId,
    ) -> AppResult<(Contact, Referral)> {
        let contact = self
            .store
            .contact(id)
            .await?
            .ok_or(AppError::NotFound("contact"))?;
        let referral = self.case_referral(p, contact.referral_id).await?;
        Ok((contact, referral))
    }

    /// Books a contact, or records one that has happened (the form says
    /// which by its outcome).
    pub async fn add_contact(
        &self,
        p: &Principal,
        referral_id: ReferralId,
        input: &ContactInput,
    ) -> AppResult<Contact> {
        let referral = self.case_referral(p, referral_id).await?;
        referral.require_open_case()?;
        let details = input.validate(now(), self.today())?;
        let mut changes = CaseworkChanges::default();
        let contact = self.book(p, &referral, &details, &mut changes);
        let action = if contact.is_booked() {
            AuditAction::ContactBook
        } else {
            self.apply_outcome(p, &referral, &contact, &mut changes)
                .await?;
            AuditAction::ContactRecord
        };
        let audit = self.case_audit(p, action, &referral, describe(&contact));
        self.save(changes, audit).await?;
        Ok(contact)
    }

    /// Records how a booked contact went and, when `next` is given, books
    /// the next one in the same step.
    pub async fn record_contact(
        &self,
        p: &Principal,
        id: ContactId,
        expected_version: i64,
        outcome: &ContactOutcomeInput,
        next: Option<&ContactInput>,
    ) -> AppResult<Contact> {
        let (mut contact, referral) = self.contact_for(p, id).await?;
        if contact.version != expected_version {
            return Err(stale("this contact"));
        }
        referral.require_open_case()?;
        if !contact.is_booked() {
            return Err(AppError::Conflict(
                "What happened at this contact has already been recorded".into(),
            ));
        }
        let at = now();
        let (status, duration, notes) = outcome.validate(&contact, at)?;
        let next = next
            .map(|n| n.validate(at, self.today()))
            .transpose()?
            .filter(|n| n.status == ContactStatus::Scheduled);
        let mut changes = CaseworkChanges::default();
        let expected = contact.version;
        contact.status = status;
        contact.duration_minutes = duration;
        contact.notes = notes;
        contact.recorded_at = Some(at);
        contact.recorded_by = Some(p.user.id);
        contact.version += 1;
        changes.contacts.push((contact.clone(), Some(expected)));
        self.apply_outcome(p, &referral, &contact, &mut changes)
            .await?;
        let mut detail = describe(&contact);
        if let Some(next) = &next {
            let booked = self.book(p, &referral, next, &mut changes);
            detail = format!("{detail}; booked {}", describe(&booked));
        }
        let audit = self.case_audit(p, AuditAction::ContactRecord, &referral, detail);
        self.save(changes, audit).await?;
        Ok(contact)
    }

    /// Adds a new contact to `changes`, with a task for its day when it is
    /// a booking.
    fn book(
        &self,
        p: &Principal,
        referral: &Referral,
        d: &ContactDetails,
        changes: &mut CaseworkChanges,
    ) -> Contact {
        let at = now();
        let recorded = d.status != ContactStatus::Scheduled;
        let contact = Contact {
            id: ContactId::new(),
            referral_id: referral.id,
            person_id: referral.person_id,
            pcn_id: referral.pcn_id,
            worker_id: referral.assigned_to.unwrap_or(p.user.id),
            starts_at: d.starts_at,
            duration_minutes: d.duration_minutes,
            mode: d.mode,
            status: d.status,
            location: d.location.clone(),
            notes: d.notes.clone(),
            created_at: at,
            created_by: p.user.id,
            recorded_at: recorded.then_some(at),
            recorded_by: recorded.then_some(p.user.id),
            version: 1,
        };
        if contact.is_booked() {
            let starts = uk_datetime(contact.starts_at);
            let mut task = self.new_task(
                p,
                referral,
                TaskKind::Contact,
                format!("{} at {}", contact.mode.label(), starts.format("%H:%M")),
                starts.date(),
            );
            task.owner = contact.worker_id;
            task.contact_id = Some(contact.id);
            changes.tasks.push(task);
        }
        changes.contacts.push((contact.clone(), None));
        contact
    }

    /// What a recorded outcome changes beyond the contact: the contact's
    /// task is done, and the first attended contact starts support.
    async fn apply_outcome(
        &self,
        p: &Principal,
        referral: &Referral,
        contact: &Contact,
        changes: &mut CaseworkChanges,
    ) -> AppResult<()> {
        let at = now();
        let open = self
            .store
            .tasks(&TaskFilter {
                referral_id: Some(referral.id),
                open_only: true,
                limit: 500,
                ..Default::default()
            })
            .await?;
        for item in open {
            if item.task.contact_id == Some(contact.id) {
                let mut task = item.task;
                task.complete(at, p.user.id);
                changes.tasks.push(task);
            }
        }
        if contact.status == ContactStatus::Attended {
            let mut started = referral.clone();
            let how = contact.mode.label().to_lowercase();
            if let Some(change) = started.record_attended_contact(contact.starts_at, &how)? {
                changes.referral = Some(self.referral_update(p, started, change, at));
            }
        }
        Ok(())
    }
}

/// A contact in a few words, for the audit log: no notes.
fn describe(c: &Contact) -> String {
    format!(
        "{} on {} ({})",
        c.mode.label(),
        uk_datetime(c.starts_at).format("%-d %B %Y %H:%M"),
        c.status.label().to_lowercase()
    )
}
