//! The person's rights in storage: a restricted record drops out of
//! searches, referral lists and the message queue until it is lifted.

use chrono::Duration;
use linkwork_domain::PersonId;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::message::{Channel, Message};
use linkwork_domain::person_rights::Restriction;
use linkwork_domain::time::now;
use linkwork_storage::{
    CaseworkChanges, PageRequest, ReferralFilter, ReferralOrder, StorageError, Store,
};

use crate::fixtures::{audit_count, tree};
use crate::referral_fixtures::{add_referral, person};

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
