//! Receiving referrals by every route: a professional's form, the public
//! form (self and community referrals), the JSON API and FHIR. Each is
//! checked the same way, routed to the network that covers the person's
//! GP practice or else their postcode, matched against the people that
//! network already holds, and recorded with the SNOMED CT referral code.

use chrono::Duration;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::codes::CodePurpose;
use linkwork_domain::consent::{Consent, ConsentKind};
use linkwork_domain::organisation::{OrgKind, Organisation};
use linkwork_domain::person::{
    Likeness, MatchBasis, Person, PersonDetails, PersonInput, PersonRules,
};
use linkwork_domain::referral::{
    Change, EventKind, Referral, ReferralDetails, ReferralEvent, ReferralInput, ReferralReference,
    ReferralRoute, ReferralStatus, Referrer,
};
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::{ConsentId, OrgId, PersonId, ReferralId, Timestamp};
use linkwork_storage::{NewReferral, ReferralPerson, StorageError};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::ApiClient;
use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

/// Who is sending a referral.
#[derive(Clone, Copy)]
pub enum Submitter<'a> {
    /// A signed-in user who may make referrals.
    User(&'a Principal),
    /// Someone on the public form, for themselves (`SelfReferral`) or for
    /// someone they know (`Community`).
    Public {
        route: ReferralRoute,
        ip: Option<&'a str>,
    },
    /// Another system, through the JSON API (`Api`) or FHIR (`Fhir`).
    System {
        client: &'a ApiClient,
        route: ReferralRoute,
    },
}

impl Submitter<'_> {
    fn route(&self) -> ReferralRoute {
        match self {
            Submitter::User(_) => ReferralRoute::Professional,
            Submitter::Public { route, .. } | Submitter::System { route, .. } => *route,
        }
    }

    /// The submission's idempotency key, scoped to this sender: the same
    /// key from two senders is two referrals.
    fn idempotency_key(&self, submission: &Submission) -> Option<String> {
        let key = submission.idempotency_key.as_ref()?;
        let scope = match self {
            Submitter::User(p) => format!("form:{}", p.user.id),
            // Public forms carry a random one-time key and no identity.
            Submitter::Public { .. } => "refer".to_owned(),
            Submitter::System { client, route } => {
                format!("{}:{}", route.code(), client.token.org_id)
            }
        };
        Some(format!("{scope}:{key}"))
    }

    fn actor(&self) -> Actor {
        match self {
            Submitter::User(p) => p.actor(),
            Submitter::Public { .. } => Actor::Anonymous,
            Submitter::System { client, .. } => client.actor(),
        }
    }

    fn ip(&self) -> Option<String> {
        match self {
            Submitter::User(p) => p.ip.clone(),
            Submitter::Public { ip, .. } => ip.map(str::to_owned),
            Submitter::System { client, .. } => client.ip.clone(),
        }
    }
}

/// The professional form's answer when the person may already be known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DuplicateChoice {
    /// Not asked yet.
    #[default]
    Unasked,
    UseExisting(PersonId),
    CreateNew,
}

/// A referral as submitted by any route.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    pub person: PersonInput,
    pub referral: ReferralInput,
    /// Community organisations the person agreed to share their details
    /// with (ids), from the professional form.
    pub share_with: Vec<String>,
    /// The network the sender addressed (FHIR `performer`), if any.
    pub network: Option<OrgId>,
    /// Makes a repeated submission return the first referral: the form's
    /// one-time key, an API `Idempotency-Key`, a FHIR identifier. Keys are
    /// the sender's own; intake scopes them to the sender.
    pub idempotency_key: Option<String>,
    pub duplicate: DuplicateChoice,
    /// From another system: when it was written, the system's own
    /// identifier (`system|value`), and a GP practice code it gave that no
    /// practice here has. Kept as given.
    pub authored_on: Option<String>,
    pub sender_identifier: Option<String>,
    pub gp_practice_code_given: Option<String>,
}

#[derive(Debug, Clone)]
pub enum IntakeOutcome {
    Created(Box<Referral>),
    /// The same submission arrived before: its referral, unchanged.
    AlreadyReceived(Box<Referral>),
    /// The professional form must say whether one of these is the person;
    /// with the problem, if its last answer was not acceptable.
    PossibleDuplicates(Vec<PossibleMatch>, Option<&'static str>),
}

/// A record the network holds that agrees with what a referrer typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PossibleMatch {
    pub id: PersonId,
    pub basis: MatchBasis,
    /// How to offer it, from what the referrer typed alone: "Yes: the
    /// team's record with NHS number 943 476 5919 and date of birth …".
    pub label: String,
}

/// What the team is told when a referral's details disagree with the
/// record holding its NHS number.
fn identity_check(given: &PersonDetails, record: &Person) -> String {
    let number = given
        .nhs_number
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    format!(
        "The NHS number given, {number}, is on the record of {} (born {}), but this referral gives {}, born {}. It was not added to that record, and the number is not kept on this one: check who the person is.",
        record.details.full_name(),
        record.details.date_of_birth.format("%-d %B %Y"),
        given.full_name(),
        given.date_of_birth.format("%-d %B %Y"),
    )
}

/// Who a submission is for and why, digested (SHA-256, so the column holds
/// no NHS number): the NHS number, date of birth and names as given, and
/// the reasons in any order.
fn submission_digest(submission: &Submission) -> String {
    let person = &submission.person;
    let tidy = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let nhs_number: String = person
        .nhs_number
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let born = &person.date_of_birth;
    let mut needs: Vec<String> = submission
        .referral
        .needs
        .iter()
        .chain(&submission.referral.reasons_as_written)
        .map(|n| tidy(n))
        .collect();
    needs.sort();
    needs.dedup();
    let text = [
        nhs_number,
        format!(
            "{}-{}-{}",
            tidy(&born.year),
            tidy(&born.month),
            tidy(&born.day)
        ),
        tidy(&person.given_name),
        tidy(&person.family_name),
        needs.join(","),
    ]
    .join("\n");
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Attempts at a unique reference before giving up (a clash is a one in
/// hundreds of billions event; three in a row means something is wrong).
const REFERENCE_ATTEMPTS: usize = 3;

impl App {
    /// Checks, routes and records a referral.
    pub async fn submit_referral(
        &self,
        submitter: Submitter<'_>,
        submission: &Submission,
    ) -> AppResult<IntakeOutcome> {
        let route = submitter.route();
        match submitter {
            Submitter::User(p) => p.require(Permission::MakeReferrals)?,
            Submitter::Public { route, .. } => {
                if !matches!(
                    route,
                    ReferralRoute::SelfReferral | ReferralRoute::Community
                ) {
                    return Err(AppError::Forbidden);
                }
            }
            Submitter::System { route, .. } => {
                if !matches!(route, ReferralRoute::Api | ReferralRoute::Fhir) {
                    return Err(AppError::Forbidden);
                }
            }
        }
        if let Some(existing) = self.already_received(submitter, submission).await? {
            return Ok(IntakeOutcome::AlreadyReceived(Box::new(existing)));
        }

        let (person, details) = self.check_submission(route, submission).await?;
        let practice = match person.gp_practice_id {
            Some(id) => Some(self.require_gp_practice(id).await?),
            None => None,
        };
        let shares = self.share_consents(&submission.share_with).await?;
        let pcn = self
            .route_to_network(submission.network, practice.as_ref(), &person, route)
            .await?;

        let candidates = self
            .store
            .matching_people(
                pcn.id,
                person.nhs_number.as_ref(),
                person.match_key().as_deref(),
            )
            .await?;
        // A record is the person only when enough agrees (NHS number and
        // date of birth, or name, date of birth and postcode); a record
        // with the NHS number given but another date of birth is never
        // used, nor shown: the number may be one the sender does not know.
        let mut same: Vec<(Person, MatchBasis)> = Vec::new();
        let mut conflicting = None;
        for record in candidates {
            match person.compare_with_record(&record.details) {
                Likeness::Same(basis) => same.push((record, basis)),
                Likeness::Conflicting => conflicting = Some(record),
                Likeness::Other => {}
            }
        }
        // NHS number matches first; otherwise most recently updated first,
        // as the candidates come.
        same.sort_by_key(|(_, basis)| *basis != MatchBasis::NhsNumberAndBirthDate);
        let existing = match (submitter, submission.duplicate) {
            (_, _) if same.is_empty() => None,
            (Submitter::User(p), DuplicateChoice::Unasked) => {
                return self.ask_which(p, pcn.id, &person, same, None).await;
            }
            (Submitter::User(p), DuplicateChoice::UseExisting(id)) => {
                match same.iter().position(|(m, _)| m.id == id) {
                    Some(i) => Some(same.swap_remove(i).0),
                    None => {
                        let problem =
                            "Choose one of the records shown, or say this is someone else";
                        return self
                            .ask_which(p, pcn.id, &person, same, Some(problem))
                            .await;
                    }
                }
            }
            (Submitter::User(p), DuplicateChoice::CreateNew) => {
                if same
                    .iter()
                    .any(|(_, basis)| *basis == MatchBasis::NhsNumberAndBirthDate)
                {
                    let problem =
                        "The team already has a record with this NHS number: use that record";
                    return self
                        .ask_which(p, pcn.id, &person, same, Some(problem))
                        .await;
                }
                None
            }
            // Other routes cannot be asked: the best match is the person if
            // its name agrees too; a record with the NHS number and date of
            // birth but another name is not used, but checked by the team.
            _ => {
                let (agreeing, disagreeing): (Vec<_>, Vec<_>) = same
                    .into_iter()
                    .partition(|(record, _)| record.details.same_name(&person));
                if agreeing.is_empty() {
                    conflicting = disagreeing.into_iter().next().map(|(record, _)| record);
                }
                agreeing.into_iter().next().map(|(record, _)| record)
            }
        };
        // Never attached to a record whose details disagree: the referral
        // gets a record of its own, without the NHS number (which belongs
        // to the other record in this network), and the team checks who
        // the person is.
        let (person, identity_check) = match (&existing, conflicting) {
            (None, Some(record)) => {
                let check = identity_check(&person, &record);
                (
                    PersonDetails {
                        nhs_number: None,
                        ..person
                    },
                    Some(check),
                )
            }
            _ => (person, None),
        };

        self.record_referral(
            submitter,
            submission,
            person,
            details,
            existing,
            shares,
            pcn,
            practice,
            identity_check,
        )
        .await
    }

    /// Checks a submission's person and referral together, so every
    /// problem is reported at once. Writes nothing.
    pub async fn check_submission(
        &self,
        route: ReferralRoute,
        submission: &Submission,
    ) -> AppResult<(PersonDetails, ReferralDetails)> {
        let needs = self.store.needs().await?;
        let person = PersonDetails::validate(
            &submission.person,
            PersonRules {
                nhs_number_required: route.requires_nhs_number(),
                today: self.today(),
            },
        );
        let referral = submission.referral.validate(route, &needs);
        match (person, referral) {
            (Ok(p), Ok(r)) => Ok((p, r)),
            (p, r) => {
                let mut errors = p.err().unwrap_or_default();
                errors.extend(r.err().unwrap_or_default());
                Err(errors.into())
            }
        }
    }

    /// Asks a referrer whether the team's record that agrees with what
    /// they typed is the person. Each is described by what they typed and
    /// what agrees, nothing the record holds beyond it; showing it still
    /// confirms the record exists, so each is audited as a view.
    async fn ask_which(
        &self,
        p: &Principal,
        pcn_id: OrgId,
        typed: &PersonDetails,
        matches: Vec<(Person, MatchBasis)>,
        problem: Option<&'static str>,
    ) -> AppResult<IntakeOutcome> {
        let several = matches.len() > 1;
        let mut offered = Vec::new();
        for (i, (record, basis)) in matches.into_iter().enumerate() {
            self.audit_person_view(
                p.actor(),
                p.ip.clone(),
                record.id,
                pcn_id,
                "Shown as a possible match while making a referral".to_owned(),
            )
            .await?;
            let born = typed.date_of_birth.format("%-d %B %Y");
            let mut label = match (basis, &typed.nhs_number, &typed.postcode) {
                (MatchBasis::NhsNumberAndBirthDate, Some(number), _) => {
                    format!(
                        "Yes: the team's record with NHS number {number} and date of birth {born}"
                    )
                }
                (_, _, Some(postcode)) => format!(
                    "Yes: the team's record for {}, born {born}, at {postcode}",
                    typed.full_name()
                ),
                _ => format!(
                    "Yes: the team's record for {}, born {born}",
                    typed.full_name()
                ),
            };
            if several {
                label.push_str(&format!(" (record {})", i + 1));
            }
            offered.push(PossibleMatch {
                id: record.id,
                basis,
                label,
            });
        }
        Ok(IntakeOutcome::PossibleDuplicates(offered, problem))
    }

    /// The referral an earlier submission with the same key made, if this
    /// is a resend of it. The same key for another person or other
    /// reasons is a different referral reusing the key: refused
    /// (`Conflict`), so neither is silently lost.
    async fn already_received(
        &self,
        submitter: Submitter<'_>,
        submission: &Submission,
    ) -> AppResult<Option<Referral>> {
        let Some(key) = submitter.idempotency_key(submission) else {
            return Ok(None);
        };
        let Some(first) = self.store.referral_by_idempotency_key(&key).await? else {
            return Ok(None);
        };
        match &first.submission_digest {
            // Referrals received before digests were kept are taken as
            // resent, as they were then.
            Some(digest) if *digest != submission_digest(submission) => {
                Err(AppError::Conflict(format!(
                    "This identifier was already used, on {}, for a different referral (another patient or other reasons). \
                     A resend must repeat that referral; a new referral needs an identifier of its own.",
                    first.received_at.format("%-d %B %Y at %H:%M UTC")
                )))
            }
            _ => Ok(Some(first)),
        }
    }

    /// The community organisations named for sharing consent.
    async fn share_consents(&self, ids: &[String]) -> AppResult<Vec<OrgId>> {
        let mut orgs = Vec::new();
        for raw in ids {
            let org = match raw.trim().parse::<OrgId>() {
                Ok(id) => self.community_organisation(id).await?,
                Err(_) => None,
            };
            match org {
                Some(o) => {
                    if !orgs.contains(&o.id) {
                        orgs.push(o.id)
                    }
                }
                _ => {
                    return Err(ValidationErrors::single(
                        "share_with",
                        "Select community organisations from the list",
                    )
                    .into());
                }
            }
        }
        Ok(orgs)
    }

    /// The network that takes the referral: the one the sender addressed,
    /// else the one the person's GP practice belongs to, else the one
    /// covering their postcode district.
    async fn route_to_network(
        &self,
        addressed: Option<OrgId>,
        practice: Option<&Organisation>,
        person: &PersonDetails,
        route: ReferralRoute,
    ) -> AppResult<Organisation> {
        let candidate = match (addressed, practice) {
            (Some(id), _) => Some(id),
            (None, Some(practice)) => practice.parent_id,
            (None, None) => match &person.postcode {
                Some(pc) => self.store.pcn_for_outcode(pc.outcode()).await?,
                None => None,
            },
        };
        if let Some(id) = candidate
            && let Some(org) = self.store.organisation(id).await?
            && org.kind == OrgKind::Pcn
        {
            return Ok(org);
        }
        let message = match (route, &person.postcode) {
            (ReferralRoute::SelfReferral, Some(_)) => {
                "We cannot find a social prescribing team for your postcode. Check it, or choose your GP practice"
            }
            (ReferralRoute::SelfReferral, None) => {
                "Enter your postcode or choose your GP practice, so we can send your referral to the right team"
            }
            // Another system cannot be asked: name every way to route.
            (ReferralRoute::Fhir, _) => {
                "The referral cannot be routed to a team. Give any one of: the network it is for \
                 (ServiceRequest.performer, with the network's ODS code), the person's GP practice \
                 (Patient.generalPractitioner, with an ODS code known here), or a postcode a network \
                 here covers (Patient.address.postalCode)"
            }
            (ReferralRoute::Api, _) => {
                "The referral cannot be routed to a team. Give any one of: the network it is for, \
                 the person's GP practice (an ODS code known here), or a postcode a network here covers"
            }
            (_, Some(_)) => {
                "No social prescribing team covers this postcode. Check it, or choose the person's GP practice"
            }
            (_, None) => {
                "Enter the person's postcode or choose their GP practice, so the referral reaches the right team"
            }
        };
        Err(ValidationErrors::single("postcode", message).into())
    }

    #[allow(clippy::too_many_arguments)]
    async fn record_referral(
        &self,
        submitter: Submitter<'_>,
        submission: &Submission,
        details: PersonDetails,
        referral_details: ReferralDetails,
        existing: Option<Person>,
        shares: Vec<OrgId>,
        pcn: Organisation,
        practice: Option<Organisation>,
        identity_check: Option<String>,
    ) -> AppResult<IntakeOutcome> {
        let route = submitter.route();
        let at = now();
        let code = self.clinical_code(CodePurpose::Referral).await?;

        // A referral never changes the record it matches; what it says
        // differently about reaching the person is kept with the referral.
        let mut free_text = referral_details.details.clone();
        let person = match existing {
            Some(record) => {
                let differences = record.details.differences_from_record(&details);
                if !differences.is_empty() {
                    let note = format!(
                        "Details given with this referral that the record does not have: {}.",
                        differences.join("; ")
                    );
                    free_text = Some(match free_text {
                        Some(text) => format!("{text}\n\n{note}"),
                        None => note,
                    });
                }
                ReferralPerson::Existing(record.id)
            }
            None => {
                let (lsoa, imd_decile) = self.deprivation(details.postcode.as_ref()).await?;
                ReferralPerson::New(Box::new(Person {
                    id: PersonId::new(),
                    pcn_id: pcn.id,
                    details: details.clone(),
                    lsoa,
                    imd_decile,
                    created_at: at,
                    updated_at: at,
                    rights: Default::default(),
                }))
            }
        };
        let person_id = match &person {
            ReferralPerson::New(p) => p.id,
            ReferralPerson::Existing(id) => *id,
        };
        let referrer = self.referrer(submitter, &details, &referral_details);
        let actor = submitter.actor();
        let recorded_by = match submitter {
            Submitter::Public { .. } => {
                format!("{} ({})", referrer.name, route.label().to_lowercase())
            }
            _ => actor.label(),
        };
        let id = ReferralId::new();
        let consent = |kind, given, partner_org_id| Consent {
            id: ConsentId::new(),
            person_id,
            kind,
            partner_org_id,
            given,
            recorded_at: at,
            recorded_by: recorded_by.clone(),
            recorded_by_user_id: actor.user_id(),
            referral_id: Some(id),
        };
        let mut consents = vec![
            consent(ConsentKind::Referral, true, None),
            consent(ConsentKind::Contact, referral_details.consent_contact, None),
        ];
        consents.extend(
            shares
                .iter()
                .map(|org| consent(ConsentKind::Share, true, Some(*org))),
        );
        let routed_by = match (submission.network, &practice) {
            (Some(_), _) => "as addressed".to_owned(),
            (None, Some(p)) => format!("by GP practice {}", p.name),
            (None, None) => "by postcode".to_owned(),
        };
        let mut referral = Referral {
            id,
            reference: random_reference(),
            person_id,
            pcn_id: pcn.id,
            route,
            status: ReferralStatus::Received,
            urgency: referral_details.urgency,
            needs: referral_details.needs.clone(),
            reasons_as_written: referral_details.reasons_as_written.clone(),
            needs_coding: referral_details.needs_coding,
            authored_on: submission.authored_on.clone(),
            sender_identifier: submission.sender_identifier.clone(),
            gp_practice_code_given: submission.gp_practice_code_given.clone(),
            details: free_text,
            referrer,
            code: code.code,
            idempotency_key: submitter.idempotency_key(submission),
            submission_digest: submitter
                .idempotency_key(submission)
                .map(|_| submission_digest(submission)),
            received_at: at,
            accepted_at: None,
            first_contact_at: None,
            closed_at: None,
            assigned_to: None,
            failed_contact_attempts: 0,
            next_action_due: None,
            next_action_note: None,
            outcome: None,
            identity_check,
            intervention_received_at: None,
            version: 1,
            updated_at: at,
        };
        for _ in 0..REFERENCE_ATTEMPTS {
            let new = NewReferral {
                person: person.clone(),
                events: vec![received_event(&referral, &recorded_by, actor.user_id(), at)],
                consents: consents.clone(),
                referral: referral.clone(),
            };
            let audit = NewAuditEvent::new(actor.clone(), AuditAction::ReferralCreate, at)
                .entity(EntityRef::new("referral", id))
                .org(pcn.id)
                .detail(format!(
                    "{} {} for {}, routed to {} {routed_by}{}",
                    route.label(),
                    referral.reference,
                    details.full_name(),
                    pcn.name,
                    if referral.identity_check.is_some() {
                        "; its details disagree with the record holding its NHS number, for the team to check"
                    } else {
                        ""
                    }
                ))
                .ip(submitter.ip());
            match self.store.create_referral(&new, &audit).await {
                Ok(()) => return Ok(IntakeOutcome::Created(Box::new(referral))),
                Err(StorageError::Conflict(_)) => {
                    // The same submission raced in from another request.
                    if let Some(first) = self.already_received(submitter, submission).await? {
                        return Ok(IntakeOutcome::AlreadyReceived(Box::new(first)));
                    }
                    // Or another request added this person first.
                    if let ReferralPerson::New(p) = &person
                        && let Some(number) = &p.details.nhs_number
                        && !self
                            .store
                            .matching_people(pcn.id, Some(number), None)
                            .await?
                            .is_empty()
                    {
                        return Err(ValidationErrors::single(
                            "nhs_number",
                            "Someone else has just added a person with this NHS number. Send the referral again to use their record",
                        )
                        .into());
                    }
                    // Otherwise the random reference was taken: draw again.
                    referral.reference = random_reference();
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(AppError::Internal(format!(
            "{REFERENCE_ATTEMPTS} random referral references in a row were taken"
        )))
    }

    fn referrer(
        &self,
        submitter: Submitter<'_>,
        person: &PersonDetails,
        r: &ReferralDetails,
    ) -> Referrer {
        let given = Referrer {
            name: r.referrer_name.clone().unwrap_or_default(),
            role: r.referrer_role.clone(),
            phone: r.referrer_phone.clone(),
            email: r.referrer_email.clone(),
            ..Default::default()
        };
        match submitter {
            Submitter::User(p) => Referrer {
                org_id: Some(p.user.org_id),
                user_id: Some(p.user.id),
                ..given
            },
            Submitter::Public {
                route: ReferralRoute::SelfReferral,
                ..
            } => Referrer {
                name: person.full_name(),
                ..Default::default()
            },
            Submitter::Public { .. } => given,
            Submitter::System { client, .. } => Referrer {
                org_id: Some(client.token.org_id),
                api_token_id: Some(client.token.id),
                ..given
            },
        }
    }

    /// Whether the public form may accept another submission from `ip`
    /// this hour. Every submission counts, valid or not, so the form
    /// cannot be used to probe or flood; refusals are audited.
    pub async fn allow_public_submission(&self, ip: Option<&str>) -> AppResult<bool> {
        let at = now();
        let key = format!("refer:{}", ip.unwrap_or("unknown"));
        // Counted and compared in one step, so submissions sent at the same
        // moment cannot all slip under the limit.
        let this_hour = self
            .store
            .count_attempts(&[key], at, at - Duration::hours(1), None)
            .await?[0];
        if this_hour
            > self
                .settings
                .referrals
                .public_submissions_per_address_per_hour
        {
            let event =
                NewAuditEvent::new(Actor::Anonymous, AuditAction::PublicReferralThrottled, at)
                    .detail("Public referral form: too many submissions from one address")
                    .ip(ip.map(str::to_owned));
            self.store.record(&event).await?;
            return Ok(false);
        }
        Ok(true)
    }

    /// Notes a public submission thrown away as spam (its hidden field was
    /// filled in), without keeping what it said.
    pub async fn discard_public_submission(&self, ip: Option<&str>) -> AppResult<()> {
        let event = NewAuditEvent::new(
            Actor::Anonymous,
            AuditAction::PublicReferralDiscarded,
            now(),
        )
        .detail("Public referral form: the field people cannot see was filled in")
        .ip(ip.map(str::to_owned));
        Ok(self.store.record(&event).await?)
    }

    /// A public confirmation page's referral: only whether the reference
    /// exists, nothing about the person.
    pub async fn referral_exists(&self, reference: &ReferralReference) -> AppResult<bool> {
        Ok(self.store.referral_by_reference(reference).await?.is_some())
    }

    /// The active needs, in order: the reasons a referral can give.
    pub async fn active_needs(&self) -> AppResult<Vec<linkwork_domain::codes::Need>> {
        let mut needs = self.store.needs().await?;
        needs.retain(|n| n.active);
        Ok(needs)
    }
}

fn random_reference() -> ReferralReference {
    ReferralReference::from_random(rand::rng().next_u64())
}

fn received_event(
    referral: &Referral,
    actor_label: &str,
    actor_user_id: Option<linkwork_domain::UserId>,
    at: Timestamp,
) -> ReferralEvent {
    Change {
        kind: EventKind::Received,
        from_status: None,
        to_status: Some(ReferralStatus::Received),
        summary: format!(
            "{} received from {}",
            referral.route.label(),
            referral.referrer.name
        ),
        reason: None,
    }
    .into_event(referral.id, at, actor_user_id, actor_label)
}
