//! The reports suite: the counts behind the dashboard, each checked
//! against referrals built by hand, in and out of the filter.

use chrono::{NaiveDate, TimeZone, Utc};
use linkwork_domain::audit::{AuditAction, EntityRef};
use linkwork_domain::casework::{ContactStatus, Discharge, DischargeReason};
use linkwork_domain::linking::{OnwardStatus, PartnerDecline};
use linkwork_domain::person::Person;
use linkwork_domain::person::Sex;
use linkwork_domain::postcode::ImdEdition;
use linkwork_domain::referral::{Referral, ReferralRoute, ReferralStatus};
use linkwork_domain::user::User;
use linkwork_domain::{OrgId, Timestamp};
use linkwork_storage::{
    CaseworkChanges, LsoaDeprivation, OnwardCount, PracticeCodes, ReferralPerson, RegisteredAgeSex,
    RegisteredGroups, RegisteredLsoa, RegisteredPopulation, RegisteredTotals, ReportFilter, Store,
    UtcDay, WaitCount,
};

use crate::casework::{contact, worker};
use crate::fixtures::{audit_count, event, tree};
use crate::linking::onward;
use crate::referral_fixtures::{new_referral, person, referral, referral_audit};

fn at(y: i32, m: u32, d: u32, h: u32) -> Timestamp {
    Utc.with_ymd_and_hms(y, m, d, h, 30, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32, last_hour: bool) -> UtcDay {
    UtcDay {
        day: NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        last_hour,
    }
}

/// Stores a referral of a new person as `change` leaves it.
async fn stored(
    store: &dyn Store,
    who: Person,
    route: ReferralRoute,
    received: Timestamp,
    change: impl FnOnce(&mut Referral),
) -> Referral {
    let mut r = referral(&who, route, received);
    change(&mut r);
    store
        .create_referral(
            &new_referral(ReferralPerson::New(Box::new(who)), r.clone()),
            &referral_audit(&r),
        )
        .await
        .unwrap();
    r
}

async fn save(store: &dyn Store, r: &Referral, changes: CaseworkChanges) {
    store
        .save_casework(
            &changes,
            &[event(AuditAction::NoteAdd, EntityRef::new("referral", r.id)).org(r.pcn_id)],
        )
        .await
        .unwrap();
}

fn march(pcn_ids: Vec<OrgId>, practice_id: Option<OrgId>) -> ReportFilter {
    ReportFilter {
        pcn_ids,
        practice_id,
        from: at(2026, 3, 1, 0) - chrono::Duration::minutes(30),
        to: at(2026, 4, 1, 0) - chrono::Duration::minutes(30),
    }
}

fn sorted<T: Ord + Clone>(list: &[T]) -> Vec<T> {
    let mut list = list.to_vec();
    list.sort();
    list
}

pub async fn report_counts_group_referrals_in_the_filter(store: &dyn Store) {
    let t = tree(store).await;
    let sam: User = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let bob: User = worker(store, t.pcn_b.id, "bob@example.org", "Bob Kay").await;
    let mut ana_person = person(t.pcn_a.id, "Ana", "Jones", None, None);
    ana_person.details.gp_practice_id = Some(t.practice_a.id);
    let ana = stored(
        store,
        ana_person,
        ReferralRoute::Professional,
        at(2026, 3, 2, 10),
        |r| {
            r.referrer.org_id = Some(t.practice_a.id);
            r.status = ReferralStatus::InProgress;
            r.assigned_to = Some(sam.id);
            r.first_contact_at = Some(at(2026, 3, 4, 10));
            r.intervention_received_at = Some(at(2026, 3, 10, 10));
        },
    )
    .await;
    // 23:30 UTC on 31 March is 1 April in the UK: kept as the last hour.
    stored(
        store,
        person(t.pcn_a.id, "Ben", "Jones", None, None),
        ReferralRoute::SelfReferral,
        at(2026, 3, 31, 23),
        |_| {},
    )
    .await;
    let cy = stored(
        store,
        person(t.pcn_a.id, "Cy", "Jones", None, None),
        ReferralRoute::Professional,
        at(2026, 3, 10, 9),
        |r| r.status = ReferralStatus::Discharged,
    )
    .await;
    // Before the period, but on Sam's caseload now.
    stored(
        store,
        person(t.pcn_a.id, "Dee", "Jones", None, None),
        ReferralRoute::Professional,
        at(2026, 2, 20, 9),
        |r| {
            r.status = ReferralStatus::Accepted;
            r.assigned_to = Some(sam.id);
        },
    )
    .await;
    // Another network's.
    let eve = stored(
        store,
        person(t.pcn_b.id, "Eve", "Jones", None, None),
        ReferralRoute::Professional,
        at(2026, 3, 5, 9),
        |r| {
            r.status = ReferralStatus::Accepted;
            r.assigned_to = Some(bob.id);
        },
    )
    .await;

    let first = contact(&ana, &sam, at(2026, 3, 4, 10), ContactStatus::Attended);
    let second = contact(&ana, &sam, at(2026, 3, 11, 10), ContactStatus::Attended);
    let missed = contact(&ana, &sam, at(2026, 3, 18, 10), ContactStatus::DidNotAttend);
    let elsewhere = contact(&eve, &bob, at(2026, 3, 18, 10), ContactStatus::Attended);
    for (r, c) in [
        (&ana, first),
        (&ana, second),
        (&ana, missed),
        (&eve, elsewhere),
    ] {
        save(
            store,
            r,
            CaseworkChanges {
                contacts: vec![(c, None)],
                ..Default::default()
            },
        )
        .await;
    }
    save(
        store,
        &cy,
        CaseworkChanges {
            discharge: Some(Discharge {
                referral_id: cy.id,
                reason: DischargeReason::GoalsMet,
                summary: "Settled".into(),
                discharged_at: at(2026, 3, 20, 12),
                discharged_by: sam.id,
                discharged_by_name: "Sam Lee".into(),
            }),
            ..Default::default()
        },
    )
    .await;
    let mut full = onward(&ana, &sam, Some(t.vcse.id));
    full.sent_at = at(2026, 3, 6, 10);
    full.status = OnwardStatus::Declined;
    full.decline_reason = Some(PartnerDecline::Full);
    full.answered_at = Some(at(2026, 3, 7, 10));
    let full_service = full.service_id;
    let mut done = onward(&ana, &sam, None);
    done.sent_at = at(2026, 3, 6, 11);
    done.status = OnwardStatus::Completed;
    done.answered_at = Some(at(2026, 3, 7, 10));
    done.started_at = Some(at(2026, 3, 8, 10));
    done.completed_at = Some(at(2026, 3, 28, 10));
    save(
        store,
        &ana,
        CaseworkChanges {
            onward: vec![(full, None), (done, None)],
            ..Default::default()
        },
    )
    .await;

    let counts = store
        .report_counts(&march(vec![t.pcn_a.id], None))
        .await
        .unwrap();
    assert_eq!(
        sorted(&counts.received),
        vec![
            (day(2026, 3, 2, false), 1),
            (day(2026, 3, 10, false), 1),
            (day(2026, 3, 31, true), 1)
        ]
    );
    let mut routes: Vec<(&str, u64)> = counts
        .by_route
        .iter()
        .map(|(r, n)| (r.code(), *n))
        .collect();
    routes.sort();
    assert_eq!(routes, vec![("professional", 2), ("self", 1)]);
    let mut referrers: Vec<(Option<String>, u64)> = counts
        .by_referrer
        .iter()
        .map(|(o, n)| (o.as_ref().map(|(_, name)| name.clone()), *n))
        .collect();
    referrers.sort();
    assert_eq!(
        referrers,
        vec![(None, 2), (Some("Alpha Surgery".into()), 1)]
    );
    assert_eq!(
        sorted(&counts.by_need),
        vec![("debt".into(), 3), ("loneliness".into(), 3)]
    );
    let mut waits = counts.waits.clone();
    waits.sort_by_key(|w| w.received);
    assert_eq!(
        waits,
        vec![
            WaitCount {
                received: day(2026, 3, 2, false),
                first_contact: Some(day(2026, 3, 4, false)),
                open: true,
                referrals: 1
            },
            WaitCount {
                received: day(2026, 3, 10, false),
                first_contact: None,
                open: false,
                referrals: 1
            },
            WaitCount {
                received: day(2026, 3, 31, true),
                first_contact: None,
                open: true,
                referrals: 1
            },
        ]
    );
    assert_eq!(counts.with_intervention, 1);
    assert_eq!(counts.people_referred, 3);
    assert_eq!(counts.caseloads, vec![(sam.id, "Sam Lee".into(), 2)]);
    assert_eq!(counts.contacts_per_person, vec![(2, 1)]);
    assert_eq!(counts.discharges, vec![(DischargeReason::GoalsMet, 1)]);
    let mut onward_counts = counts.onward.clone();
    onward_counts.sort_by_key(|o| o.partner.is_some());
    assert_eq!(
        onward_counts,
        vec![
            OnwardCount {
                partner: None,
                sent: 1,
                answered: 1,
                accepted: 1,
                declined: 0,
                declined_full: 0,
                started: 1,
                completed: 1,
            },
            OnwardCount {
                partner: Some((t.vcse.id, "Garden Friends".into())),
                sent: 1,
                answered: 1,
                accepted: 0,
                declined: 1,
                declined_full: 1,
                started: 0,
                completed: 0,
            },
        ]
    );

    assert_eq!(
        counts.coded_by_practice,
        vec![PracticeCodes {
            practice_id: t.practice_a.id,
            practice_name: "Alpha Surgery".into(),
            practice_code: t.practice_a.code.clone(),
            code: "871731000000106".into(),
            outcome: false,
            referrals: 1,
            people: 1,
        }]
    );

    assert_eq!(
        counts.declined_full,
        vec![(full_service, "Tuesday Lunch Club".to_owned(), 1)]
    );

    // Only Ana is registered with a practice.
    let people = &counts.registered_people;
    assert_eq!(people.by_decile, vec![(Some(3), 1)]);
    assert_eq!(people.by_sex, vec![(None, 1)]);
    assert_eq!(
        people.by_birth_date,
        vec![(NaiveDate::from_ymd_opt(1950, 3, 7).unwrap(), 1)]
    );
    assert_eq!(people.by_ethnicity, vec![(Some("A".into()), 1)]);

    // One practice: only Ana's referral and what followed it.
    let practice = store
        .report_counts(&march(vec![t.pcn_a.id], Some(t.practice_a.id)))
        .await
        .unwrap();
    assert_eq!(practice.received, vec![(day(2026, 3, 2, false), 1)]);
    assert_eq!(practice.caseloads, vec![(sam.id, "Sam Lee".into(), 1)]);
    assert_eq!(practice.contacts_per_person, vec![(2, 1)]);
    assert!(practice.discharges.is_empty());
    assert_eq!(practice.onward.len(), 2);

    // No networks: nothing, never everything.
    let none = store.report_counts(&march(vec![], None)).await.unwrap();
    assert!(none.received.is_empty() && none.caseloads.is_empty());
    let both = store
        .report_counts(&march(vec![t.pcn_a.id, t.pcn_b.id], None))
        .await
        .unwrap();
    assert_eq!(both.people_referred, 4);
    assert_eq!(sorted(&both.contacts_per_person), vec![(1, 1), (2, 1)]);
}

fn lsoa(practice: &str, lsoa: &str, patients: u64) -> RegisteredLsoa {
    RegisteredLsoa {
        practice_code: practice.into(),
        lsoa: lsoa.into(),
        patients,
    }
}

pub async fn registered_population_replaces_its_kind_whole(store: &dyn Store) {
    let audit = || {
        event(
            AuditAction::PopulationImport,
            EntityRef::new("population", "x"),
        )
    };
    let codes = |list: &[&str]| list.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    assert_eq!(
        store.registered_totals(&codes(&["A1"])).await.unwrap(),
        RegisteredTotals::default()
    );
    let before = audit_count(store).await;
    let first = RegisteredPopulation::ByLsoa(vec![
        lsoa("A1", "E01000001", 100),
        lsoa("A1", "E01000002", 50),
        lsoa("B2", "E01000001", 70),
    ]);
    assert_eq!(
        store
            .replace_registered_population(&first, &audit())
            .await
            .unwrap(),
        3
    );
    let ages = RegisteredPopulation::ByAgeSex(vec![
        RegisteredAgeSex {
            practice_code: "A1".into(),
            sex: Sex::Female,
            age_from: 95,
            patients: 9,
        },
        RegisteredAgeSex {
            practice_code: "A1".into(),
            sex: Sex::Male,
            age_from: 0,
            patients: 11,
        },
    ]);
    store
        .replace_registered_population(&ages, &audit())
        .await
        .unwrap();
    assert_eq!(audit_count(store).await, before + 2);
    assert_eq!(
        store
            .registered_totals(&codes(&["A1", "B2"]))
            .await
            .unwrap(),
        RegisteredTotals {
            by_age_sex: Some(20),
            by_lsoa: Some(220),
        }
    );
    // A newer file replaces the older one whole.
    let second = RegisteredPopulation::ByLsoa(vec![lsoa("B2", "E01000001", 80)]);
    store
        .replace_registered_population(&second, &audit())
        .await
        .unwrap();
    assert_eq!(
        store.registered_totals(&codes(&["A1"])).await.unwrap(),
        RegisteredTotals {
            by_age_sex: Some(20),
            by_lsoa: None,
        }
    );
    // A row the database refuses writes nothing, not even the audit entry.
    let twice = RegisteredPopulation::ByLsoa(vec![lsoa("C3", "E1", 1), lsoa("C3", "E1", 2)]);
    assert!(
        store
            .replace_registered_population(&twice, &audit())
            .await
            .is_err()
    );
    assert_eq!(
        store
            .registered_totals(&codes(&["B2"]))
            .await
            .unwrap()
            .by_lsoa,
        Some(80)
    );
    assert_eq!(audit_count(store).await, before + 3);

    let deprivation = |lsoa: &str, rank| LsoaDeprivation {
        lsoa: lsoa.into(),
        edition: ImdEdition::Iod2025,
        rank,
        decile: ImdEdition::Iod2025.decile(rank).unwrap(),
    };
    let rows = vec![
        deprivation("E01000001", 1),
        deprivation("E01000002", 33_755),
    ];
    assert_eq!(store.replace_deprivation(&rows, &audit()).await.unwrap(), 2);
    let mut groups = store
        .registered_groups(&codes(&["A1", "B2"]))
        .await
        .unwrap();
    groups.by_sex_age.sort_by_key(|(_, age, _)| *age);
    assert_eq!(
        groups,
        RegisteredGroups {
            by_decile: vec![(1, 80)],
            by_sex_age: vec![(Sex::Male, 0, 11), (Sex::Female, 95, 9)],
        }
    );
    assert_eq!(
        store.registered_groups(&[]).await.unwrap(),
        RegisteredGroups::default()
    );
}
