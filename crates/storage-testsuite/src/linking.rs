//! The linking suite: onward referrals and partners' answers, answer
//! links, inboxes, capacity, favourites, shortlists and the message queue.

use chrono::Duration;
use linkwork_domain::audit::{AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::linking::*;
use linkwork_domain::message::{Channel, Message, MessageStatus};
use linkwork_domain::referral::Referral;
use linkwork_domain::time::now;
use linkwork_domain::user::User;
use linkwork_domain::{OnwardReferralId, OrgId, ShortlistId};
use linkwork_storage::{
    AnswerLink, AttentionFilter, CaseworkChanges, InboxFilter, LoadCutoffs, OnwardEvent,
    PageRequest, StorageError, Store,
};
use uuid::Uuid;

use crate::casework::{accepted_case, worker};
use crate::fixtures::{audit_count, event, tree};

fn audit(r: &Referral) -> Vec<NewAuditEvent> {
    vec![event(AuditAction::NoteAdd, EntityRef::new("referral", r.id)).org(r.pcn_id)]
}

pub(crate) fn onward(r: &Referral, by: &User, partner: Option<OrgId>) -> OnwardReferral {
    let at = now();
    OnwardReferral {
        id: OnwardReferralId::new(),
        referral_id: r.id,
        person_id: r.person_id,
        pcn_id: r.pcn_id,
        service_id: Uuid::new_v4(),
        service_name: "Tuesday Lunch Club".into(),
        partner_org_id: partner,
        service_email: partner.is_none().then(|| "club@example.org".into()),
        support: SupportLevel::Introduction,
        shared: SharedDetails {
            fields: vec![SharedField::Contact, SharedField::Needs],
            name: Some("Ana Jones".into()),
            phone: Some("07700 900 982".into()),
            needs: vec!["Loneliness".into(), "Debt and money worries".into()],
            ..Default::default()
        },
        message: Some("She would like someone to meet her at the door".into()),
        status: OnwardStatus::Sent,
        decline_reason: None,
        answer_note: None,
        sent_at: at,
        sent_by: by.id,
        sent_by_name: by.display_name.clone(),
        answered_at: None,
        started_at: None,
        completed_at: None,
        chased: false,
        version: 1,
        updated_at: at,
    }
}

fn history(o: &OnwardReferral, summary: &str) -> OnwardEvent {
    OnwardEvent {
        id: Uuid::new_v4(),
        onward_id: o.id,
        at: now(),
        actor_user_id: None,
        actor_label: "Tuesday Lunch Club".into(),
        summary: summary.into(),
        note: None,
    }
}

fn is_conflict<T: std::fmt::Debug>(result: Result<T, StorageError>) -> bool {
    matches!(result, Err(StorageError::Conflict(_)))
}

pub async fn onward_referrals_are_answered_once_per_version_and_an_attendance_is_kept(
    store: &dyn Store,
) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let r = accepted_case(store, &sam, "Ana").await;
    let sent = onward(&r, &sam, Some(t.vcse.id));
    store
        .save_casework(
            &CaseworkChanges {
                onward: vec![(sent.clone(), None)],
                onward_events: vec![history(&sent, "Sent")],
                ..Default::default()
            },
            &audit(&r),
        )
        .await
        .unwrap();
    assert_eq!(
        store.onward_referral(sent.id).await.unwrap(),
        Some(sent.clone())
    );
    assert_eq!(
        store.case_file(r.id).await.unwrap().onward,
        std::slice::from_ref(&sent)
    );

    let mut started = sent.clone();
    started.answer(&PartnerAnswer::Started, now()).unwrap();
    let answer = |o: &OnwardReferral, expected| CaseworkChanges {
        onward: vec![(o.clone(), Some(expected))],
        onward_events: vec![history(o, "Started")],
        intervention: Some((r.id, o.started_at.unwrap())),
        ..Default::default()
    };
    store
        .save_casework(&answer(&started, 1), &audit(&r))
        .await
        .unwrap();
    let first = store
        .referral(r.id)
        .await
        .unwrap()
        .unwrap()
        .intervention_received_at;
    assert_eq!(first, started.started_at);
    let loads = store
        .worker_loads(
            t.pcn_a.id,
            LoadCutoffs {
                contact_since: now(),
                today: now().date_naive(),
                breach_received_before: now(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        loads
            .iter()
            .find(|l| l.user_id == sam.id)
            .map(|l| l.intervention_received),
        Some(1),
        "the team lead's view counts it"
    );
    // The same answer sent again against the old version is refused.
    let before = audit_count(store).await;
    assert!(is_conflict(
        store.save_casework(&answer(&started, 1), &audit(&r)).await
    ));
    assert_eq!(audit_count(store).await, before);
    assert_eq!(store.onward_history(sent.id).await.unwrap().len(), 2);
    // A later attendance elsewhere does not move the first.
    let mut later = started.clone();
    later
        .answer(&PartnerAnswer::Completed, now() + Duration::days(3))
        .unwrap();
    let mut changes = answer(&later, 2);
    changes.intervention = Some((r.id, now() + Duration::days(3)));
    store.save_casework(&changes, &audit(&r)).await.unwrap();
    assert_eq!(
        store
            .referral(r.id)
            .await
            .unwrap()
            .unwrap()
            .intervention_received_at,
        first
    );
}

pub async fn an_answer_link_works_once(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let r = accepted_case(store, &sam, "Ben").await;
    let sent = onward(&r, &sam, None);
    let link = AnswerLink {
        token_hash: "hash-accept".into(),
        onward_id: sent.id,
        answer: "accept".into(),
        expires_at: now() + Duration::days(14),
        used_at: None,
    };
    store
        .save_casework(
            &CaseworkChanges {
                onward: vec![(sent.clone(), None)],
                answer_links: vec![link.clone()],
                ..Default::default()
            },
            &audit(&r),
        )
        .await
        .unwrap();
    assert_eq!(store.answer_link("hash-accept").await.unwrap(), Some(link));
    let mut accepted = sent.clone();
    accepted.answer(&PartnerAnswer::Accept, now()).unwrap();
    let use_it = |o: &OnwardReferral, expected| CaseworkChanges {
        onward: vec![(o.clone(), Some(expected))],
        use_link: Some(("hash-accept".into(), now())),
        ..Default::default()
    };
    store
        .save_casework(&use_it(&accepted, 1), &audit(&r))
        .await
        .unwrap();
    assert!(
        store
            .answer_link("hash-accept")
            .await
            .unwrap()
            .unwrap()
            .used_at
            .is_some()
    );
    // Used again (even with a version that would fit), it is refused.
    let mut again = accepted.clone();
    again
        .answer(
            &PartnerAnswer::Decline {
                reason: PartnerDecline::Full,
                note: None,
            },
            now(),
        )
        .unwrap();
    assert!(is_conflict(
        store.save_casework(&use_it(&again, 2), &audit(&r)).await
    ));
    assert_eq!(
        store
            .onward_referral(sent.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        OnwardStatus::Accepted
    );
}

pub async fn partners_see_their_own_inbox_and_the_team_what_needs_attention(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let r = accepted_case(store, &sam, "Cara").await;
    let mine = onward(&r, &sam, Some(t.vcse.id));
    let other_partner = onward(&r, &sam, Some(t.practice_a.id));
    let mut old = onward(&r, &sam, None);
    old.sent_at = now() - Duration::days(20);
    let mut declined = onward(&r, &sam, Some(t.vcse.id));
    declined
        .answer(
            &PartnerAnswer::Decline {
                reason: PartnerDecline::Full,
                note: None,
            },
            now(),
        )
        .unwrap();
    store
        .save_casework(
            &CaseworkChanges {
                onward: [&mine, &other_partner, &old, &declined]
                    .into_iter()
                    .map(|o| (o.clone(), None))
                    .collect(),
                ..Default::default()
            },
            &audit(&r),
        )
        .await
        .unwrap();
    let inbox = store
        .partner_inbox(
            &InboxFilter {
                partners: vec![t.vcse.id],
                statuses: Vec::new(),
            },
            PageRequest::new(1, 20),
        )
        .await
        .unwrap();
    assert_eq!(inbox.total, 2);
    assert!(
        inbox
            .items
            .iter()
            .all(|o| o.partner_org_id == Some(t.vcse.id))
    );
    let sent_only = store
        .partner_inbox(
            &InboxFilter {
                partners: vec![t.vcse.id],
                statuses: vec![OnwardStatus::Sent],
            },
            PageRequest::new(1, 20),
        )
        .await
        .unwrap();
    assert_eq!(
        sent_only.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        [mine.id]
    );

    let attention_of =
        |pcn: OrgId, worker: Option<linkwork_domain::UserId>, before| AttentionFilter {
            pcn_ids: vec![pcn],
            assigned_to: worker,
            unanswered_before: before,
        };
    let attention = store
        .needs_attention(&attention_of(
            t.pcn_a.id,
            Some(sam.id),
            now() - Duration::days(10),
        ))
        .await
        .unwrap();
    let ids: Vec<_> = attention.iter().map(|i| i.onward.id).collect();
    assert_eq!(
        ids,
        [old.id, declined.id],
        "the unanswered one and the declined one, oldest first"
    );
    assert_eq!(attention[0].person.given_name, "Cara");
    assert!(
        store
            .needs_attention(&attention_of(t.pcn_b.id, None, now()))
            .await
            .unwrap()
            .is_empty(),
        "another network's"
    );
    assert!(
        store
            .needs_attention(&attention_of(
                t.pcn_a.id,
                Some(linkwork_domain::UserId::new()),
                now()
            ))
            .await
            .unwrap()
            .is_empty(),
        "another worker's cases"
    );
    assert_eq!(
        store
            .unchased(now() - Duration::days(10), 10)
            .await
            .unwrap()
            .iter()
            .map(|o| o.id)
            .collect::<Vec<_>>(),
        [old.id]
    );
    // No chasing for a restricted record, until the restriction is lifted.
    let restriction = linkwork_domain::person_rights::Restriction {
        reason: "Asked us to stop".into(),
        by: "Team lead".into(),
        at: now(),
    };
    let restricting = || {
        event(
            AuditAction::PersonRestrict,
            EntityRef::new("person", r.person_id),
        )
    };
    store
        .set_restriction(old.person_id, Some(&restriction), &restricting())
        .await
        .unwrap();
    assert!(
        store
            .unchased(now() - Duration::days(10), 10)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .set_restriction(old.person_id, None, &restricting())
        .await
        .unwrap();
    assert_eq!(
        store
            .unchased(now() - Duration::days(10), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    // Seen, the decline leaves the list.
    store
        .save_casework(
            &CaseworkChanges {
                seen: vec![(declined.id, now())],
                ..Default::default()
            },
            &audit(&r),
        )
        .await
        .unwrap();
    let attention = store
        .needs_attention(&attention_of(t.pcn_a.id, None, now() - Duration::days(10)))
        .await
        .unwrap();
    assert_eq!(
        attention.iter().map(|i| i.onward.id).collect::<Vec<_>>(),
        [old.id]
    );
    // Once the case is closed, nothing of it needs attention.
    let mut closed = store.referral(r.id).await.unwrap().unwrap();
    let version = closed.version;
    closed.status = linkwork_domain::referral::ReferralStatus::Withdrawn;
    closed.version += 1;
    store
        .update_referral(
            &closed,
            version,
            &crate::referral_fixtures::event(
                &closed,
                linkwork_domain::referral::EventKind::StatusChange,
                "Withdrawn",
                now(),
            ),
            &audit(&r)[0],
        )
        .await
        .unwrap();
    assert!(
        store
            .needs_attention(&attention_of(t.pcn_a.id, None, now()))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn capacity_favourites_and_shortlists_are_kept(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let r = accepted_case(store, &sam, "Dee").await;
    let service = Uuid::new_v4();
    let today = linkwork_domain::calendar::uk_date(now());
    let full = Capacity {
        service_id: service,
        state: CapacityState::Full,
        until: today + Duration::days(30),
        note: Some("Full until the new term".into()),
        set_by: sam.id,
        set_at: now(),
    };
    let ev = || {
        event(
            AuditAction::ServiceUpdate,
            EntityRef::new("service", service),
        )
    };
    store
        .set_capacity(service, Some(&full), &ev())
        .await
        .unwrap();
    assert_eq!(
        store.capacities(&[service, Uuid::new_v4()]).await.unwrap(),
        std::slice::from_ref(&full)
    );
    assert_eq!(store.current_capacities(today).await.unwrap().len(), 1);
    assert!(
        store
            .current_capacities(today + Duration::days(31))
            .await
            .unwrap()
            .is_empty()
    );
    store.set_capacity(service, None, &ev()).await.unwrap();
    assert!(store.capacities(&[service]).await.unwrap().is_empty());

    store
        .set_favourite(sam.id, service, true, now())
        .await
        .unwrap();
    store
        .set_favourite(sam.id, service, true, now())
        .await
        .unwrap();
    assert_eq!(store.favourites(sam.id).await.unwrap(), [service]);
    store
        .set_favourite(sam.id, service, false, now())
        .await
        .unwrap();
    assert!(store.favourites(sam.id).await.unwrap().is_empty());

    let list = Shortlist {
        id: ShortlistId::new(),
        referral_id: r.id,
        person_id: r.person_id,
        pcn_id: r.pcn_id,
        service_ids: vec![Uuid::new_v4(), service],
        note: Some("Both meet on Tuesdays".into()),
        created_at: now(),
        created_by: sam.id,
        sent_via: Some(Channel::Email),
        sent_to: Some("dee@example.org".into()),
    };
    store
        .save_casework(
            &CaseworkChanges {
                shortlists: vec![list.clone()],
                ..Default::default()
            },
            &audit(&r),
        )
        .await
        .unwrap();
    assert_eq!(store.shortlist(list.id).await.unwrap(), Some(list.clone()));
    assert_eq!(store.case_file(r.id).await.unwrap().shortlists, [list]);
}

pub async fn each_queued_message_is_claimed_by_one_worker(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let r = accepted_case(store, &sam, "Eve").await;
    let at = now();
    let messages: Vec<Message> = (0..6)
        .map(|i| {
            Message::new(
                Channel::Email,
                format!("person{i}@example.org"),
                Some("Services to try".into()),
                "Tuesday Lunch Club, 10am".into(),
                "Shortlist",
                Some(t.pcn_a.id),
                at - Duration::seconds(1),
            )
        })
        .collect();
    store
        .save_casework(
            &CaseworkChanges {
                messages: messages.clone(),
                ..Default::default()
            },
            &audit(&r),
        )
        .await
        .unwrap();
    let until = at + Duration::minutes(5);
    let (a, b) = futures::join!(
        store.claim_messages(at, until, 4),
        store.claim_messages(at, until, 4)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.len() <= 4 && b.len() <= 4, "never more than the limit");
    let mut ids: Vec<_> = a.iter().chain(&b).map(|m| m.id).collect();
    assert_eq!(ids.len(), 6, "every message claimed");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6, "none claimed twice");
    assert!(
        store
            .claim_messages(at, until, 10)
            .await
            .unwrap()
            .is_empty(),
        "claimed ones wait"
    );

    let mut sent = a[0].clone();
    sent.status = MessageStatus::Sent;
    sent.attempts = 1;
    sent.sent_at = Some(at);
    store.finish_message(&sent).await.unwrap();
    assert_eq!(store.message(sent.id).await.unwrap(), Some(sent));
    // Another's claim lapses: it can be taken again.
    let later = until + Duration::seconds(1);
    assert_eq!(
        store
            .claim_messages(later, later + Duration::minutes(5), 10)
            .await
            .unwrap()
            .len(),
        5
    );
    let outbox = store
        .messages(Some(t.icb.id), PageRequest::new(1, 50))
        .await
        .unwrap();
    assert_eq!(
        outbox.total, 6,
        "the ICB's admins see their networks' messages"
    );
    assert_eq!(
        store
            .messages(Some(t.pcn_b.id), PageRequest::new(1, 50))
            .await
            .unwrap()
            .total,
        0
    );
}
