//! Erasure by anonymisation (UK GDPR article 17, where the law allows it):
//! a team lead erases a person's record with a reason, once none of their
//! referrals is open. Everything that says who they are, and every free
//! text about them, is replaced or removed in one transaction; what the
//! reports count is kept, so the figures do not change (DEVELOPERS.md
//! decision 53). The retention sweep erases through the same code.

use linkwork_domain::PersonId;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::person::Person;
use linkwork_domain::person_rights::{erased_date_of_birth, erasure_reason};
use linkwork_domain::referral::ReferralStatus;
use linkwork_domain::time::now;
use linkwork_storage::{Erasure, PageRequest, ReferralFilter, ReferralOrder};

use crate::App;
use crate::error::AppResult;
use crate::principal::Principal;

/// Text that identifies `person` wherever it was written: their full name
/// (and with their preferred name), NHS number as stored and as shown, and
/// email address.
fn identifying(person: &Person) -> Vec<String> {
    let d = &person.details;
    let mut found = vec![d.full_name()];
    if let Some(preferred) = &d.preferred_name {
        found.push(format!("{preferred} {}", d.family_name));
    }
    if let Some(n) = &d.nhs_number {
        found.push(n.as_str().to_owned());
        found.push(n.to_string());
    }
    if let Some(email) = &d.email {
        found.push(email.as_str().to_owned());
    }
    found
}

impl App {
    /// The person, for the erasure page (their network's team leads only,
    /// audited), with the references of their referrals still open, which
    /// stop the erasure.
    pub async fn erasure_page(
        &self,
        p: &Principal,
        id: PersonId,
    ) -> AppResult<(Person, Vec<String>)> {
        let person = self.person_for_rights_page(p, id, "Erasure form").await?;
        let open = self
            .store
            .list_referrals(
                &ReferralFilter {
                    person_id: Some(id),
                    statuses: ReferralStatus::ALL
                        .into_iter()
                        .filter(|s| !s.is_closed())
                        .collect(),
                    include_restricted: true,
                    ..Default::default()
                },
                ReferralOrder::OldestFirst,
                PageRequest::new(1, PageRequest::MAX_PER_PAGE),
            )
            .await?
            .items
            .into_iter()
            .map(|i| i.referral.reference.to_string())
            .collect();
        Ok((person, open))
    }

    /// Erases a person's record at a team lead's request. Refused (409)
    /// while one of their referrals is open, naming it.
    pub async fn erase_person(&self, p: &Principal, id: PersonId, reason: &str) -> AppResult<()> {
        let person = self.person_for_rights(p, id).await?;
        let reason = erasure_reason(reason, &identifying(&person))?;
        self.erase(
            &person,
            p.actor(),
            p.ip.clone(),
            format!("Erased by anonymisation: {reason}"),
        )
        .await
    }

    /// Anonymises `person`, audited as `actor` with `detail` (which must not
    /// name them).
    pub(crate) async fn erase(
        &self,
        person: &Person,
        actor: Actor,
        ip: Option<String>,
        detail: String,
    ) -> AppResult<()> {
        let at = now();
        let erasure = Erasure {
            person_id: person.id,
            date_of_birth: erased_date_of_birth(person.details.date_of_birth),
            at,
            identifying: identifying(person),
        };
        let event = NewAuditEvent::new(actor, AuditAction::PersonErase, at)
            .entity(EntityRef::new("person", person.id))
            .org(person.pcn_id)
            .detail(detail)
            .ip(ip);
        Ok(self.store.erase_person(&erasure, &event).await?)
    }
}
