//! The outcomes suite: questionnaire responses as recorded and read back,
//! cohorts selected by baseline, one-time links, and GP appointments.

use chrono::Duration;
use linkwork_domain::audit::{AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::measures::{
    Answers, CompletedBy, GpAppointments, MeasureLink, MeasureResponse, Occasion, ResponseContext,
    builtin_definitions,
};
use linkwork_domain::nhs_number::NhsNumber;
use linkwork_domain::referral::Referral;
use linkwork_domain::time::now;
use linkwork_domain::{Timestamp, UserId};
use linkwork_storage::{CohortFilter, GpCohortFilter, MeasureChanges, StorageError, Store};

use crate::casework::worker;
use crate::fixtures::{audit_count, event, tree};
use crate::referral_fixtures::{add_referral, person};

fn audit(r: &Referral) -> Vec<NewAuditEvent> {
    vec![event(AuditAction::MeasureRecord, EntityRef::new("referral", r.id)).org(r.pcn_id)]
}

/// A UCLA-3 response with every item answered `value`, or only the first
/// two when `complete` is false.
fn ucla(
    r: &Referral,
    occasion: Occasion,
    value: i32,
    complete: bool,
    at: Timestamp,
    by: UserId,
) -> MeasureResponse {
    let definition = builtin_definitions()
        .into_iter()
        .find(|d| d.code == "ucla3")
        .unwrap();
    let answers: Answers = definition
        .items
        .iter()
        .take(if complete { 3 } else { 2 })
        .map(|i| (i.code.clone(), value))
        .collect();
    MeasureResponse::record(
        &definition,
        answers,
        ResponseContext {
            person_id: r.person_id,
            referral_id: r.id,
            pcn_id: r.pcn_id,
            occasion,
            completed_by: CompletedBy::LinkWorker,
            completed_at: at,
            recorded_by: Some(by),
            recorded_by_name: "Sam Lee".into(),
        },
    )
    .unwrap()
}

fn responses(list: Vec<MeasureResponse>) -> MeasureChanges {
    MeasureChanges {
        responses: list,
        ..Default::default()
    }
}

pub async fn responses_keep_their_answers_and_scores_and_cohorts_start_at_baseline(
    store: &dyn Store,
) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let ana = add_referral(store, person(t.pcn_a.id, "Ana", "Jones", None, None), now()).await;
    let ben = add_referral(store, person(t.pcn_a.id, "Ben", "Jones", None, None), now()).await;
    let cy = add_referral(store, person(t.pcn_b.id, "Cy", "Jones", None, None), now()).await;
    let start = now() - Duration::days(120);
    let later = now() - Duration::days(30);
    let before = audit_count(store).await;
    let ana_baseline = ucla(&ana, Occasion::Baseline, 3, true, start, sam.id);
    let ana_review = ucla(&ana, Occasion::Review, 2, true, later, sam.id);
    let ana_partial = ucla(&ana, Occasion::OnDemand, 1, false, later, sam.id);
    store
        .save_measures(
            &responses(vec![
                ana_baseline.clone(),
                ana_review.clone(),
                ana_partial.clone(),
            ]),
            &audit(&ana),
        )
        .await
        .unwrap();
    assert_eq!(audit_count(store).await, before + 1);
    let read = store.referral_responses(ana.id).await.unwrap();
    assert_eq!(read.len(), 3);
    assert_eq!(read[0], ana_baseline, "read back exactly as written");
    assert_eq!(read[0].score("loneliness"), Some(9.0));
    let partial = read.iter().find(|r| r.id == ana_partial.id).unwrap();
    assert!(!partial.complete);
    assert_eq!(partial.score("loneliness"), None, "incomplete: no score");

    // Ben's baseline is too old for the period; Cy is in another network.
    store
        .save_measures(
            &responses(vec![ucla(
                &ben,
                Occasion::Baseline,
                3,
                true,
                start - Duration::days(400),
                sam.id,
            )]),
            &audit(&ben),
        )
        .await
        .unwrap();
    store
        .save_measures(
            &responses(vec![ucla(&cy, Occasion::Baseline, 2, true, start, sam.id)]),
            &audit(&cy),
        )
        .await
        .unwrap();
    let period = |pcn_ids| CohortFilter {
        pcn_ids,
        measure: "ucla3".into(),
        from: now() - Duration::days(365),
        to: now(),
    };
    let network_a = store
        .cohort_responses(&period(Some(vec![t.pcn_a.id])))
        .await
        .unwrap();
    assert_eq!(
        network_a.len(),
        3,
        "Ana's three: every response of her episode"
    );
    assert!(network_a.iter().all(|r| r.referral_id == ana.id));
    let everyone = store.cohort_responses(&period(None)).await.unwrap();
    assert_eq!(everyone.len(), 4, "and Cy's baseline; not Ben's old one");
    assert!(
        store
            .cohort_responses(&period(Some(vec![])))
            .await
            .unwrap()
            .is_empty()
    );
    let other_measure = CohortFilter {
        measure: "ons4".into(),
        ..period(None)
    };
    assert!(
        store
            .cohort_responses(&other_measure)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn a_questionnaire_link_works_once(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let ana = add_referral(store, person(t.pcn_a.id, "Ana", "Jones", None, None), now()).await;
    let link = MeasureLink {
        token_hash: "hash-ucla".into(),
        referral_id: ana.id,
        person_id: ana.person_id,
        pcn_id: ana.pcn_id,
        measure: "ucla3".into(),
        occasion: Occasion::Review,
        created_by: sam.id,
        created_by_name: "Sam Lee".into(),
        created_at: now(),
        expires_at: now() + Duration::days(7),
        used_at: None,
    };
    store
        .save_measures(
            &MeasureChanges {
                links: vec![link.clone()],
                ..Default::default()
            },
            &audit(&ana),
        )
        .await
        .unwrap();
    assert_eq!(
        store.measure_link("hash-ucla").await.unwrap(),
        Some(link.clone())
    );
    assert_eq!(store.measure_link("hash-other").await.unwrap(), None);
    let answered = |value| MeasureChanges {
        responses: vec![ucla(&ana, Occasion::Review, value, true, now(), sam.id)],
        use_link: Some(("hash-ucla".into(), now())),
        ..Default::default()
    };
    store
        .save_measures(&answered(2), &audit(&ana))
        .await
        .unwrap();
    assert!(
        store
            .measure_link("hash-ucla")
            .await
            .unwrap()
            .unwrap()
            .used_at
            .is_some()
    );
    let before = audit_count(store).await;
    let again = store.save_measures(&answered(3), &audit(&ana)).await;
    assert!(matches!(again, Err(StorageError::Conflict(_))), "{again:?}");
    assert_eq!(
        store.referral_responses(ana.id).await.unwrap().len(),
        1,
        "the second use wrote nothing"
    );
    assert_eq!(audit_count(store).await, before);
}

pub async fn gp_appointments_are_kept_per_referral_and_found_by_nhs_number(store: &dyn Store) {
    let t = tree(store).await;
    let nhs = "9434765919";
    let old = add_referral(
        store,
        person(t.pcn_a.id, "Ana", "Jones", Some(nhs), None),
        now() - Duration::days(400),
    )
    .await;
    let found = store
        .latest_referral_for(&NhsNumber::parse(nhs).unwrap(), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.referral_id, old.id);
    assert_eq!(
        store
            .latest_referral_for(&NhsNumber::parse(nhs).unwrap(), Some(&[t.pcn_b.id]))
            .await
            .unwrap(),
        None,
        "not in another network"
    );
    let figures = |before, after| GpAppointments {
        referral_id: old.id,
        person_id: old.person_id,
        pcn_id: old.pcn_id,
        before,
        after,
        recorded_at: now(),
        recorded_by_name: "Import".into(),
    };
    let changes = |g| MeasureChanges {
        gp_appointments: vec![g],
        ..Default::default()
    };
    store
        .save_measures(&changes(figures(Some(9), None)), &audit(&old))
        .await
        .unwrap();
    store
        .save_measures(&changes(figures(Some(9), Some(4))), &audit(&old))
        .await
        .unwrap();
    let kept = store.gp_appointments(old.id).await.unwrap().unwrap();
    assert_eq!(
        (kept.before, kept.after),
        (Some(9), Some(4)),
        "replaced, not added"
    );
    assert_eq!(kept.change(), Some(-5));
    let cohort = |from: Timestamp| GpCohortFilter {
        pcn_ids: Some(vec![t.pcn_a.id]),
        from,
        to: now(),
    };
    assert_eq!(
        store
            .cohort_gp_appointments(&cohort(now() - Duration::days(500)))
            .await
            .unwrap(),
        vec![kept]
    );
    assert!(
        store
            .cohort_gp_appointments(&cohort(now() - Duration::days(100)))
            .await
            .unwrap()
            .is_empty(),
        "referred before the period"
    );
}

pub async fn responses_load_in_bulk_with_one_audit_event(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let ana = add_referral(store, person(t.pcn_a.id, "Ana", "Jones", None, None), now()).await;
    let before = audit_count(store).await;
    let mut rows = (0..1250).map(|i| MeasureChanges {
        responses: (0..2)
            .map(|j| {
                ucla(
                    &ana,
                    Occasion::OnDemand,
                    1 + (i + j) % 3,
                    true,
                    now() - Duration::minutes(i64::from(i * 2 + j)),
                    sam.id,
                )
            })
            .collect(),
        gp_appointments: vec![GpAppointments {
            referral_id: ana.id,
            person_id: ana.person_id,
            pcn_id: ana.pcn_id,
            before: Some(i as u32),
            after: None,
            recorded_at: now(),
            recorded_by_name: "Demo".into(),
        }],
        ..Default::default()
    });
    let written = store
        .bulk_insert_measures(&mut rows, &audit(&ana)[0])
        .await
        .unwrap();
    assert_eq!(written, 2500);
    assert_eq!(store.referral_responses(ana.id).await.unwrap().len(), 2500);
    assert_eq!(
        store.gp_appointments(ana.id).await.unwrap().unwrap().before,
        Some(1249),
        "the last figures given for a referral stand"
    );
    assert_eq!(audit_count(store).await, before + 1);
}
