//! The person's record: reading it (audited), finding people, correcting
//! their details and recording consent.

use linkwork_domain::audit::{AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::consent::{Consent, ConsentKind};
use linkwork_domain::organisation::{OrgKind, Organisation};
use linkwork_domain::person::{
    Person, PersonDetails, PersonInput, PersonRules, checked_search_terms,
};
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::{ConsentId, OrgId, PersonId};
use linkwork_storage::{Page, PageRequest, ReferralFilter, ReferralListItem, ReferralOrder};

use super::access::works_with_people;
use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

/// A person's record with what the team needs beside it.
#[derive(Debug, Clone)]
pub struct PersonRecord {
    pub person: Person,
    pub pcn: Organisation,
    pub gp_practice: Option<Organisation>,
    /// Newest first.
    pub referrals: Vec<ReferralListItem>,
    pub consents: Vec<Consent>,
}

impl App {
    /// The person, if `p` is on their network's team; `NotFound` otherwise.
    async fn person_for(&self, p: &Principal, id: PersonId) -> AppResult<Person> {
        let person = self
            .store
            .person(id)
            .await?
            .ok_or(AppError::NotFound("person"))?;
        self.require_team(p, person.pcn_id, EntityRef::new("person", person.id))
            .await?;
        self.require_unrestricted(p, &person).await?;
        Ok(person)
    }

    /// A person's record. Every view is audited.
    pub async fn view_person(&self, p: &Principal, id: PersonId) -> AppResult<PersonRecord> {
        let person = self.person_for(p, id).await?;
        let pcn = self
            .store
            .organisation(person.pcn_id)
            .await?
            .ok_or(AppError::NotFound("organisation"))?;
        let gp_practice = match person.details.gp_practice_id {
            Some(id) => self.store.organisation(id).await?,
            None => None,
        };
        let referrals = self
            .store
            .list_referrals(
                &ReferralFilter {
                    person_id: Some(id),
                    // `person_for` let `p` see this record.
                    include_restricted: true,
                    ..Default::default()
                },
                ReferralOrder::NewestFirst,
                PageRequest::new(1, PageRequest::MAX_PER_PAGE),
            )
            .await?
            .items;
        let consents = self.store.consents(id).await?;
        self.audit_person_view(
            p.actor(),
            p.ip.clone(),
            id,
            person.pcn_id,
            "Person's record".into(),
        )
        .await?;
        Ok(PersonRecord {
            person,
            pcn,
            gp_practice,
            referrals,
            consents,
        })
    }

    /// The networks whose people `p` works with.
    pub async fn team_networks(&self, p: &Principal) -> AppResult<Vec<Organisation>> {
        if !works_with_people(p) {
            return Err(AppError::Forbidden);
        }
        Ok(self
            .store
            .list_organisations(Some(p.user.org_id))
            .await?
            .into_iter()
            .filter(|o| o.kind == OrgKind::Pcn)
            .collect())
    }

    /// People of `p`'s networks matching every word of `query` (names, NHS
    /// number, postcode). Searches are audited with their words.
    pub async fn search_people(
        &self,
        p: &Principal,
        query: &str,
        page: PageRequest,
    ) -> AppResult<Page<Person>> {
        let networks: Vec<OrgId> = self.team_networks(p).await?.iter().map(|o| o.id).collect();
        let terms = checked_search_terms(query)?;
        let event = NewAuditEvent::new(p.actor(), AuditAction::PersonSearch, now())
            .detail(format!("Searched for {:?}", query.trim()))
            .ip(p.ip.clone());
        self.store.record(&event).await?;
        // Team leads find their networks' restricted records, to lift
        // the restriction; no one else learns they exist.
        let with_restricted = p.can(Permission::ManagePersonRights);
        let found = self
            .store
            .search_people(&networks, &terms, with_restricted, page)
            .await?;
        self.audit_people_shown(
            p,
            &format!("People found by {:?}, page {}", query.trim(), page.page),
            found.items.iter().map(|person| (person.id, person.pcn_id)),
        )
        .await?;
        Ok(found)
    }

    /// Replaces a person's details after checking them as the professional
    /// form does.
    pub async fn update_person(
        &self,
        p: &Principal,
        id: PersonId,
        input: &PersonInput,
    ) -> AppResult<Person> {
        let mut person = self.person_for(p, id).await?;
        let details = PersonDetails::validate(
            input,
            PersonRules {
                // A record that has an NHS number keeps one.
                nhs_number_required: person.details.nhs_number.is_some(),
                today: self.today(),
            },
        )?;
        if let Some(practice) = details.gp_practice_id {
            self.require_gp_practice(practice).await?;
        }
        let (lsoa, imd_decile) = self.deprivation(details.postcode.as_ref()).await?;
        person.details = details;
        person.lsoa = lsoa;
        person.imd_decile = imd_decile;
        person.updated_at = now();
        let event = NewAuditEvent::new(p.actor(), AuditAction::PersonUpdate, person.updated_at)
            .entity(EntityRef::new("person", id))
            .org(person.pcn_id)
            .detail(format!("Updated {}'s details", person.details.full_name()))
            .ip(p.ip.clone());
        self.store
            .update_person(&person, &event)
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Conflict(message) => {
                    ValidationErrors::single("nhs_number", message).into()
                }
                other => other,
            })?;
        Ok(person)
    }

    /// Records consent given or withdrawn. Sharing consent names the partner
    /// organisation (a community organisation).
    pub async fn record_consent(
        &self,
        p: &Principal,
        person_id: PersonId,
        kind: &str,
        partner: &str,
        given: &str,
    ) -> AppResult<Consent> {
        let person = self.person_for(p, person_id).await?;
        let mut errors = ValidationErrors::new();
        let kind = ConsentKind::from_code(kind.trim());
        if kind.is_none() {
            errors.add("kind", "Select what the consent is for");
        }
        let given = match given.trim() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => {
                errors.add(
                    "given",
                    "Select whether the person gave or withdrew consent",
                );
                None
            }
        };
        let partner_org_id = match (kind, partner.trim()) {
            (Some(ConsentKind::Share), "") => {
                errors.add("partner", "Select the organisation the consent is about");
                None
            }
            (Some(ConsentKind::Share), raw) => {
                let org = match raw.parse::<OrgId>() {
                    Ok(id) => self.community_organisation(id).await?,
                    Err(_) => None,
                };
                if org.is_none() {
                    errors.add("partner", "Select a community organisation from the list");
                }
                org.map(|o| o.id)
            }
            _ => None,
        };
        errors.into_result(())?;
        let (kind, given) = (kind.expect("validated"), given.expect("validated"));
        let consent = Consent {
            id: ConsentId::new(),
            person_id,
            kind,
            partner_org_id,
            given,
            recorded_at: now(),
            recorded_by: p.actor().label(),
            recorded_by_user_id: Some(p.user.id),
            referral_id: None,
        };
        let event = NewAuditEvent::new(p.actor(), AuditAction::ConsentRecord, consent.recorded_at)
            .entity(EntityRef::new("person", person_id))
            .org(person.pcn_id)
            .detail(format!(
                "{}: {}",
                kind.label(),
                if given { "given" } else { "withdrawn" }
            ))
            .ip(p.ip.clone());
        self.store.record_consent(&consent, &event).await?;
        Ok(consent)
    }

    /// Community organisations consent to share can name: those of the
    /// person's care board area (or anywhere, outside the tree).
    pub async fn partner_organisations(&self) -> AppResult<Vec<Organisation>> {
        Ok(self
            .store
            .list_organisations(None)
            .await?
            .into_iter()
            .filter(|o| o.kind == OrgKind::Vcse)
            .collect())
    }

    /// The community organisation (VCSE) `id`, if it is one.
    pub(crate) async fn community_organisation(
        &self,
        id: OrgId,
    ) -> AppResult<Option<Organisation>> {
        Ok(self
            .store
            .organisation(id)
            .await?
            .filter(|o| o.kind == OrgKind::Vcse))
    }

    /// `Invalid` unless `id` is a GP practice.
    pub(crate) async fn require_gp_practice(&self, id: OrgId) -> AppResult<Organisation> {
        match self.store.organisation(id).await? {
            Some(org) if org.kind == OrgKind::GpPractice => Ok(org),
            _ => Err(
                ValidationErrors::single("gp_practice", "Select a GP practice from the list")
                    .into(),
            ),
        }
    }

    /// The LSOA and deprivation decile of a postcode, where the postcode
    /// lookup has been imported.
    pub(crate) async fn deprivation(
        &self,
        postcode: Option<&linkwork_domain::postcode::Postcode>,
    ) -> AppResult<(Option<String>, Option<u8>)> {
        Ok(match postcode {
            Some(pc) => match self.store.postcode(pc).await? {
                Some(record) => (record.lsoa, record.imd_decile),
                None => (None, None),
            },
            None => (None, None),
        })
    }

    /// Every GP practice, by name, for the forms' practice lists.
    pub async fn gp_practices(&self) -> AppResult<Vec<Organisation>> {
        Ok(self
            .store
            .list_organisations(None)
            .await?
            .into_iter()
            .filter(|o| o.kind == OrgKind::GpPractice)
            .collect())
    }
}
