//! Builders for people and referrals in tests.

use chrono::NaiveDate;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::consent::{Consent, ConsentKind};
use linkwork_domain::nhs_number::NhsNumber;
use linkwork_domain::person::{Person, PersonDetails};
use linkwork_domain::postcode::Postcode;
use linkwork_domain::referral::{
    EventKind, Referral, ReferralEvent, ReferralReference, ReferralRoute, ReferralStatus, Referrer,
    Urgency,
};
use linkwork_domain::time::now;
use linkwork_domain::{ConsentId, OrgId, PersonId, ReferralEventId, ReferralId, Timestamp};
use linkwork_storage::{NewReferral, ReferralPerson, Store};

/// A person of `pcn` with the given name, NHS number and postcode, born
/// 7 March 1950.
pub fn person(
    pcn: OrgId,
    given: &str,
    family: &str,
    nhs_number: Option<&str>,
    postcode: Option<&str>,
) -> Person {
    let at = now();
    Person {
        id: PersonId::new(),
        pcn_id: pcn,
        details: PersonDetails {
            nhs_number: nhs_number.map(|n| NhsNumber::parse(n).expect("valid test NHS number")),
            given_name: given.into(),
            family_name: family.into(),
            preferred_name: None,
            date_of_birth: NaiveDate::from_ymd_opt(1950, 3, 7).unwrap(),
            sex: None,
            gender_identity: None,
            ethnicity: Some("A".into()),
            address_line1: Some("1 High Street".into()),
            address_line2: None,
            town: None,
            postcode: postcode.map(|p| Postcode::parse(p).expect("valid test postcode")),
            gp_practice_id: None,
            phone: Some("07700 900 982".into()),
            email: None,
            contact_method: None,
            contact_times: None,
            safe_to_leave_message: Some(true),
            language: Some("Polish".into()),
            interpreter_needed: true,
            bsl: false,
            easy_read: true,
            large_print: false,
            other_communication_needs: None,
            safeguarding_concern: false,
            safeguarding_details: None,
        },
        lsoa: Some("E01000001".into()),
        imd_decile: Some(3),
        created_at: at,
        updated_at: at,
        rights: Default::default(),
    }
}

/// A received referral of `person`, made at `at`.
pub fn referral(person: &Person, route: ReferralRoute, at: Timestamp) -> Referral {
    let id = ReferralId::new();
    Referral {
        id,
        reference: ReferralReference::from_random(id.0.as_u64_pair().0),
        person_id: person.id,
        pcn_id: person.pcn_id,
        route,
        status: ReferralStatus::Received,
        urgency: Urgency::Routine,
        needs: vec!["loneliness".into(), "debt".into()],
        details: Some("Recently bereaved and struggling with bills.".into()),
        referrer: Referrer {
            name: "Dr Evans".into(),
            role: Some("GP".into()),
            phone: Some("01632 960 001".into()),
            ..Default::default()
        },
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

/// The history entry for a change to `referral` at `at`.
pub fn event(referral: &Referral, kind: EventKind, summary: &str, at: Timestamp) -> ReferralEvent {
    ReferralEvent {
        id: ReferralEventId::new(),
        referral_id: referral.id,
        at,
        actor_user_id: None,
        actor_label: "system".into(),
        kind,
        from_status: None,
        to_status: Some(referral.status),
        summary: summary.into(),
        reason: None,
    }
}

/// A new referral with its consent to the referral and its "received"
/// history entry.
pub fn new_referral(person: ReferralPerson, referral: Referral) -> NewReferral {
    let person_id = match &person {
        ReferralPerson::New(p) => p.id,
        ReferralPerson::Existing(id) => *id,
    };
    NewReferral {
        consents: vec![Consent {
            id: ConsentId::new(),
            person_id,
            kind: ConsentKind::Referral,
            partner_org_id: None,
            given: true,
            recorded_at: referral.received_at,
            recorded_by: referral.referrer.name.clone(),
            recorded_by_user_id: None,
            referral_id: Some(referral.id),
        }],
        events: vec![event(
            &referral,
            EventKind::Received,
            "Referral received",
            referral.received_at,
        )],
        person,
        referral,
    }
}

pub fn referral_audit(referral: &Referral) -> NewAuditEvent {
    NewAuditEvent::new(Actor::System, AuditAction::ReferralCreate, now())
        .entity(EntityRef::new("referral", referral.id))
        .org(referral.pcn_id)
}

/// Creates a new person with one received referral in `pcn`, at `at`.
pub async fn add_referral(store: &dyn Store, person: Person, at: Timestamp) -> Referral {
    let r = referral(&person, ReferralRoute::Professional, at);
    store
        .create_referral(
            &new_referral(ReferralPerson::New(Box::new(person)), r.clone()),
            &referral_audit(&r),
        )
        .await
        .expect("create referral");
    r
}
