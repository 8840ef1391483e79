//! The person's rights in storage: a restricted record drops out of
//! searches, referral lists and the message queue until it is lifted.

use chrono::Duration;
use linkwork_domain::PersonId;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::message::{Channel, Message};
use linkwork_domain::person_rights::Restriction;
use linkwork_domain::person_rights::{ERASED_AUDIT_DETAIL, ERASED_TEXT};
use linkwork_domain::referral::{ReferralRoute, ReferralStatus};
use linkwork_domain::time::now;
use linkwork_storage::{
    AuditFilter, CaseworkChanges, Erasure, PageRequest, PersonMerge, ReferralFilter, ReferralOrder,
    ReferralPerson, StorageError, Store,
};

use crate::fixtures::{audit_count, tree};
use crate::referral_fixtures::{
    add_referral, event, new_referral, person, referral, referral_audit,
};

fn audit(action: AuditAction, id: PersonId) -> NewAuditEvent {
    NewAuditEvent::new(Actor::Cli, action, now()).entity(EntityRef::new("person", id))
}

pub async fn a_restricted_record_leaves_lists_and_the_message_queue(store: &dyn Store) {
    let t = tree(store).await;
    let ana = person(t.pcn_a.id, "Ana", "Nowak", None, None);
    let r = add_referral(store, ana.clone(), now()).await;
    let at = now();
    store
        .save_casework(
            &CaseworkChanges {
                messages: vec![
                    Message::new(
                        Channel::Text,
                        "07700 900 982",
                        None,
                        "Groups to try".into(),
                        "Shortlist",
                        Some(t.pcn_a.id),
                        at - Duration::seconds(1),
                    )
                    .about(ana.id),
                ],
                ..Default::default()
            },
            &[audit(AuditAction::NoteAdd, ana.id)],
        )
        .await
        .unwrap();
    let search = |with_restricted| async move {
        store
            .search_people(
                &[t.pcn_a.id],
                &["nowak".into()],
                with_restricted,
                PageRequest::new(1, 10),
            )
            .await
            .unwrap()
            .total
    };
    let listed = |include_restricted| async move {
        store
            .list_referrals(
                &ReferralFilter {
                    pcn_id: Some(t.pcn_a.id),
                    include_restricted,
                    ..Default::default()
                },
                ReferralOrder::OldestFirst,
                PageRequest::new(1, 10),
            )
            .await
            .unwrap()
            .items
            .iter()
            .map(|i| i.referral.id)
            .collect::<Vec<_>>()
    };
    assert_eq!((search(false).await, listed(false).await), (1, vec![r.id]));

    let restriction = Restriction {
        reason: "Contests the accuracy of the record".into(),
        by: "lead@example.org".into(),
        at: now(),
    };
    let before = audit_count(store).await;
    store
        .set_restriction(
            ana.id,
            Some(&restriction),
            &audit(AuditAction::PersonRestrict, ana.id),
        )
        .await
        .unwrap();
    assert_eq!(audit_count(store).await, before + 1);
    let stored = store.person(ana.id).await.unwrap().unwrap();
    assert_eq!(stored.rights.restriction, Some(restriction));
    assert_eq!(stored.details, ana.details, "the record is kept whole");
    assert_eq!(search(false).await, 0);
    assert_eq!(search(true).await, 1, "found by those who may see it");
    assert!(listed(false).await.is_empty());
    assert_eq!(listed(true).await, vec![r.id]);
    let until = now() + Duration::minutes(5);
    assert!(
        store
            .claim_messages(now(), until, 10)
            .await
            .unwrap()
            .is_empty(),
        "messages to the person wait"
    );

    store
        .set_restriction(
            ana.id,
            None,
            &audit(AuditAction::PersonRestrictionLift, ana.id),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .person(ana.id)
            .await
            .unwrap()
            .unwrap()
            .rights
            .restriction,
        None
    );
    assert_eq!((search(false).await, listed(false).await), (1, vec![r.id]));
    let claimed = store.claim_messages(now(), until, 10).await.unwrap();
    assert_eq!(claimed.len(), 1, "the waiting message goes once lifted");
    assert_eq!(claimed[0].about, Some(ana.id));

    let nobody = PersonId::new();
    assert!(matches!(
        store
            .set_restriction(
                nobody,
                None,
                &audit(AuditAction::PersonRestrictionLift, nobody)
            )
            .await,
        Err(StorageError::NotFound(_))
    ));
}

/// The audit details of events about `entity_id`, oldest first.
async fn details_about(store: &dyn Store, entity_id: String) -> Vec<String> {
    let mut found: Vec<_> = store
        .audit_events(
            &AuditFilter {
                entity_id: Some(entity_id),
                ..Default::default()
            },
            PageRequest::new(1, 100),
        )
        .await
        .unwrap()
        .items;
    found.sort_by_key(|e| (e.at, e.id));
    found.into_iter().map(|e| e.detail).collect()
}

pub async fn erasure_anonymises_a_self_referral_and_keeps_what_reports_count(store: &dyn Store) {
    let t = tree(store).await;
    let mut zofia = person(
        t.pcn_a.id,
        "Zofia",
        "Quill",
        Some("9434765919"),
        Some("RV1 3BQ"),
    );
    zofia.details.sex = Some(linkwork_domain::person::Sex::Female);
    let at = now() - Duration::days(30);
    let mut r = referral(&zofia, ReferralRoute::SelfReferral, at);
    r.referrer.name = "Zofia Quill".into();
    r.referrer.phone = Some("07700 900 982".into());
    r.details = Some("Zofia Quill says she is lonely".into());
    r.reasons_as_written = Some("Lonely".into());
    r.status = ReferralStatus::Withdrawn;
    r.closed_at = Some(at);
    let mut new = new_referral(ReferralPerson::New(Box::new(zofia.clone())), r.clone());
    new.events = vec![{
        let mut e = event(
            &r,
            linkwork_domain::referral::EventKind::Received,
            "Received from Zofia Quill",
            at,
        );
        e.actor_label = "Zofia Quill (self-referral)".into();
        e.reason = Some("She rang".into());
        e
    }];
    store
        .create_referral(
            &new,
            &referral_audit(&r).detail("Self-referral from Zofia Quill"),
        )
        .await
        .unwrap();
    let searched = NewAuditEvent::new(Actor::Cli, AuditAction::PersonSearch, now())
        .detail("Searched for \"ZOFIA QUILL\"");
    let unrelated = NewAuditEvent::new(Actor::Cli, AuditAction::PersonSearch, now())
        .detail("Searched for \"ana nowak\"");
    store.record_all(&[searched, unrelated]).await.unwrap();

    let erasure = Erasure {
        person_id: zofia.id,
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1950, 7, 1).unwrap(),
        at: now(),
        identifying: vec!["Zofia Quill".into(), "9434765919".into()],
    };
    let before = audit_count(store).await;
    store
        .erase_person(
            &erasure,
            &audit(AuditAction::PersonErase, zofia.id).detail("Erased: asked in writing"),
        )
        .await
        .unwrap();
    assert_eq!(audit_count(store).await, before + 1);

    let erased = store.person(zofia.id).await.unwrap().unwrap();
    assert_eq!(erased.details.full_name(), "Erased record");
    assert_eq!(erased.details.nhs_number, None);
    assert_eq!(erased.details.postcode, None);
    assert_eq!(erased.details.phone, None);
    assert_eq!(erased.details.address_line1, None);
    assert_eq!(erased.details.date_of_birth, erasure.date_of_birth);
    assert_eq!(erased.rights.erased_at, Some(erasure.at));
    // What reports count is kept.
    assert_eq!(erased.details.sex, zofia.details.sex);
    assert_eq!(erased.details.ethnicity, zofia.details.ethnicity);
    assert_eq!(erased.imd_decile, zofia.imd_decile);
    let kept = store.referral(r.id).await.unwrap().unwrap();
    assert_eq!(
        (kept.status, kept.received_at, kept.closed_at, &kept.needs),
        (r.status, r.received_at, r.closed_at, &r.needs)
    );
    assert_eq!(kept.details.as_deref(), Some(ERASED_TEXT));
    assert_eq!(kept.reasons_as_written.as_deref(), Some(ERASED_TEXT));
    assert_eq!(kept.referrer.name, ERASED_TEXT);
    assert_eq!(kept.referrer.phone, None);
    let history = store.referral_history(r.id).await.unwrap();
    assert_eq!(
        (
            &*history[0].summary,
            &*history[0].actor_label,
            history[0].reason.as_deref()
        ),
        (ERASED_TEXT, ERASED_TEXT, Some(ERASED_TEXT))
    );
    assert_eq!(
        store.consents(zofia.id).await.unwrap()[0].recorded_by,
        ERASED_TEXT
    );
    assert_eq!(
        details_about(store, zofia.id.to_string()).await,
        ["Erased: asked in writing"],
        "the erasure's own event is kept as written"
    );
    assert_eq!(
        details_about(store, r.id.to_string()).await,
        [ERASED_AUDIT_DETAIL]
    );
    let searches: Vec<String> = store
        .audit_events(
            &AuditFilter {
                action: Some("person.search".into()),
                ..Default::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.detail)
        .collect();
    assert!(
        searches.contains(&ERASED_AUDIT_DETAIL.to_owned()),
        "{searches:?}"
    );
    assert!(searches.contains(&"Searched for \"ana nowak\"".to_owned()));
}

pub async fn erasure_waits_until_every_referral_is_closed(store: &dyn Store) {
    let t = tree(store).await;
    let ana = person(t.pcn_a.id, "Ana", "Nowak", None, None);
    let r = add_referral(store, ana.clone(), now()).await;
    let before = audit_count(store).await;
    let refused = store
        .erase_person(
            &Erasure {
                person_id: ana.id,
                date_of_birth: ana.details.date_of_birth,
                at: now(),
                identifying: vec!["Ana Nowak".into()],
            },
            &audit(AuditAction::PersonErase, ana.id),
        )
        .await;
    match refused {
        Err(StorageError::Conflict(message)) => {
            assert!(message.contains(r.reference.as_str()), "{message}")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(audit_count(store).await, before);
    assert_eq!(store.person(ana.id).await.unwrap().unwrap(), ana);
}

/// The ids of `person`'s referrals.
async fn referrals_of(store: &dyn Store, person: PersonId) -> Vec<linkwork_domain::ReferralId> {
    let mut ids: Vec<_> = store
        .list_referrals(
            &ReferralFilter {
                person_id: Some(person),
                include_restricted: true,
                ..Default::default()
            },
            ReferralOrder::OldestFirst,
            PageRequest::new(1, 100),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.referral.id)
        .collect();
    ids.sort();
    ids
}

pub async fn a_merge_moves_what_the_duplicate_held_and_undoing_it_moves_exactly_that_back(
    store: &dyn Store,
) {
    let t = tree(store).await;
    let kept = person(t.pcn_a.id, "Ana", "Nowak", None, None);
    let dup = person(t.pcn_a.id, "Anna", "Nowak", None, None);
    let other_network = person(t.pcn_b.id, "Ana", "Nowak", None, None);
    let ra = add_referral(store, kept.clone(), now()).await;
    let rb = add_referral(store, dup.clone(), now()).await;
    add_referral(store, other_network.clone(), now()).await;
    store
        .save_casework(
            &CaseworkChanges {
                messages: vec![
                    Message::new(
                        Channel::Email,
                        "anna@example.org",
                        Some("Groups to try".into()),
                        "Lunch club".into(),
                        "Shortlist",
                        Some(t.pcn_a.id),
                        now(),
                    )
                    .about(dup.id),
                ],
                ..Default::default()
            },
            &[audit(AuditAction::NoteAdd, dup.id)],
        )
        .await
        .unwrap();
    let consents_before = (
        store.consents(kept.id).await.unwrap(),
        store.consents(dup.id).await.unwrap(),
    );
    let merge = |merged_id| PersonMerge {
        id: uuid::Uuid::new_v4(),
        pcn_id: t.pcn_a.id,
        kept_id: kept.id,
        merged_id,
        moved: 0,
        merged_at: now(),
        merged_by: "lead@example.org".into(),
        undone_at: None,
        undone_by: None,
    };
    let across = store
        .merge_people(
            &merge(other_network.id),
            &audit(AuditAction::PersonMerge, kept.id),
        )
        .await;
    assert!(
        matches!(across, Err(StorageError::Conflict(_))),
        "{across:?}"
    );

    let before = audit_count(store).await;
    let done = store
        .merge_people(&merge(dup.id), &audit(AuditAction::PersonMerge, kept.id))
        .await
        .unwrap();
    assert_eq!(audit_count(store).await, before + 1);
    // A referral, its consent and the message.
    assert_eq!(done.moved, 3);
    let mut both = vec![ra.id, rb.id];
    both.sort();
    assert_eq!(referrals_of(store, kept.id).await, both);
    assert!(referrals_of(store, dup.id).await.is_empty());
    assert_eq!(store.consents(kept.id).await.unwrap().len(), 2);
    let stored_dup = store.person(dup.id).await.unwrap().unwrap();
    assert_eq!(stored_dup.rights.merged_into, Some(kept.id));
    assert_eq!(stored_dup.details, dup.details, "the duplicate is kept");
    let found = store
        .search_people(
            &[t.pcn_a.id],
            &["nowak".into()],
            true,
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(
        found.items.iter().map(|p| p.id).collect::<Vec<_>>(),
        [kept.id]
    );
    assert!(matches!(
        store
            .merge_people(&merge(dup.id), &audit(AuditAction::PersonMerge, kept.id))
            .await,
        Err(StorageError::Conflict(_))
    ));
    assert_eq!(
        store.person_merges(dup.id).await.unwrap(),
        std::slice::from_ref(&done)
    );

    let undone = store
        .undo_merge(
            done.id,
            now(),
            "lead@example.org",
            &audit(AuditAction::PersonMergeUndo, kept.id),
        )
        .await
        .unwrap();
    assert!(undone.undone_at.is_some());
    assert_eq!(referrals_of(store, kept.id).await, [ra.id]);
    assert_eq!(referrals_of(store, dup.id).await, [rb.id]);
    assert_eq!(
        (
            store.consents(kept.id).await.unwrap(),
            store.consents(dup.id).await.unwrap()
        ),
        consents_before
    );
    assert_eq!(store.person(dup.id).await.unwrap().unwrap(), dup);
    let until = now() + Duration::minutes(5);
    let claimed = store
        .claim_messages(now() + Duration::seconds(1), until, 10)
        .await
        .unwrap();
    assert_eq!(claimed[0].about, Some(dup.id), "the message went back too");
    assert!(matches!(
        store
            .undo_merge(
                done.id,
                now(),
                "lead@example.org",
                &audit(AuditAction::PersonMergeUndo, kept.id)
            )
            .await,
        Err(StorageError::Conflict(_))
    ));
    assert_eq!(
        store
            .person_merge(done.id)
            .await
            .unwrap()
            .unwrap()
            .undone_by
            .as_deref(),
        Some("lead@example.org")
    );
}

pub async fn retention_finds_people_whose_referrals_all_closed_before_the_cutoff(
    store: &dyn Store,
) {
    let t = tree(store).await;
    let closed = |given: &str, days_ago: i64| {
        let p = person(t.pcn_a.id, given, "Nowak", None, None);
        let at = now() - Duration::days(days_ago);
        let mut r = referral(&p, ReferralRoute::Professional, at);
        r.status = ReferralStatus::Discharged;
        r.closed_at = Some(at);
        (p, r)
    };
    let (old, old_r) = closed("Olga", 4000);
    let (recent, recent_r) = closed("Rita", 10);
    let (restricted, restricted_r) = closed("Rosa", 4000);
    for (p, r) in [
        (&old, &old_r),
        (&recent, &recent_r),
        (&restricted, &restricted_r),
    ] {
        store
            .create_referral(
                &new_referral(ReferralPerson::New(Box::new(p.clone())), r.clone()),
                &referral_audit(r),
            )
            .await
            .unwrap();
    }
    // Someone with an old closed referral and a newer open one is not due.
    let (reopened, reopened_r) = closed("Ines", 4000);
    store
        .create_referral(
            &new_referral(
                ReferralPerson::New(Box::new(reopened.clone())),
                reopened_r.clone(),
            ),
            &referral_audit(&reopened_r),
        )
        .await
        .unwrap();
    let open = referral(&reopened, ReferralRoute::Professional, now());
    store
        .create_referral(
            &new_referral(ReferralPerson::Existing(reopened.id), open.clone()),
            &referral_audit(&open),
        )
        .await
        .unwrap();
    store
        .set_restriction(
            restricted.id,
            Some(&Restriction {
                reason: "Legal claim".into(),
                by: "lead".into(),
                at: now(),
            }),
            &audit(AuditAction::PersonRestrict, restricted.id),
        )
        .await
        .unwrap();
    let cutoff = now() - Duration::days(365 * 8);
    assert_eq!(
        store.people_past_retention(cutoff).await.unwrap(),
        [(old.id, t.pcn_a.id)]
    );

    // The schedule: one claim of many made at once wins, and none until
    // it is due again.
    let at = now();
    let next = at + Duration::hours(24);
    let claims =
        futures::future::join_all((0..4).map(|_| store.claim_job("retention_sweep", at, next)))
            .await;
    assert_eq!(claims.iter().filter(|c| *c.as_ref().unwrap()).count(), 1);
    assert!(
        !store
            .claim_job("retention_sweep", at + Duration::hours(1), next)
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_job("retention_sweep", next, next + Duration::hours(24))
            .await
            .unwrap()
    );
}
