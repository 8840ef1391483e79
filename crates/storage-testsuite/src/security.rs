//! The storage behaviour the security fixes (issue 8) rely on: counting
//! attempts and using up set-password links as single atomic steps (each
//! checked with requests made at the same moment), several audit events
//! written at once, security events listed by action and attribution, and
//! a referral's identity check kept.

use chrono::Duration;
use futures::future::join_all;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::referral::ReferralRoute;
use linkwork_domain::role::Role;
use linkwork_domain::session::{CredentialPurpose, CredentialToken};
use linkwork_domain::time::now;
use linkwork_storage::{AuditFilter, PageRequest, ReferralPerson, Store};

use crate::fixtures::{add_user, audit_count, event, tree, user};
use crate::referral_fixtures::{new_referral, person, referral, referral_audit};

pub async fn attempts_are_counted_in_windows(store: &dyn Store) {
    let at = now();
    let window = at - Duration::minutes(15);
    let keys = |k: &[&str]| k.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    for expected in 1..=3 {
        assert_eq!(
            store
                .count_attempts(&keys(&["a", "b"]), at, window, None)
                .await
                .unwrap(),
            [expected, expected]
        );
    }
    assert_eq!(
        store
            .count_attempts(&keys(&["b", "c"]), at, window, None)
            .await
            .unwrap(),
        [4, 1],
        "counts come back in the order asked"
    );
    assert_eq!(store.attempts("a", window).await.unwrap(), 3);
    assert_eq!(store.attempts("nothing", window).await.unwrap(), 0);

    // A window that began before the one asked about has passed: the next
    // attempt starts a new one.
    let later = at + Duration::minutes(20);
    let later_window = later - Duration::minutes(15);
    assert_eq!(store.attempts("a", later_window).await.unwrap(), 0);
    assert_eq!(
        store
            .count_attempts(&keys(&["a"]), later, later_window, None)
            .await
            .unwrap(),
        [1]
    );

    store.clear_attempts("b").await.unwrap();
    assert_eq!(store.attempts("b", window).await.unwrap(), 0);
    // "a" began again later; "c" is the only window left from before.
    assert_eq!(store.prune_attempts(later_window).await.unwrap(), 1);
    assert_eq!(store.attempts("a", later_window).await.unwrap(), 1);

    let before = audit_count(store).await;
    let failed = NewAuditEvent::new(Actor::Anonymous, AuditAction::SignInFailed, at);
    store
        .count_attempts(&keys(&["d"]), at, window, Some(&failed))
        .await
        .unwrap();
    assert_eq!(
        audit_count(store).await,
        before + 1,
        "audited with the count"
    );
}

/// Finding 12: counting read, then wrote, so guesses made at the same
/// moment all saw the same count. Each of twenty at once sees its own.
pub async fn attempts_made_at_once_each_see_their_own_count(store: &dyn Store) {
    let at = now();
    let window = at - Duration::minutes(15);
    let key = vec!["sign-in:someone".to_owned()];
    let counts = join_all((0..20).map(|_| store.count_attempts(&key, at, window, None))).await;
    let mut seen: Vec<u32> = counts.into_iter().map(|c| c.unwrap()[0]).collect();
    seen.sort_unstable();
    assert_eq!(seen, (1..=20).collect::<Vec<u32>>());
}

/// Finding 12: a set-password link was checked, then used, so two requests
/// bringing it at once could both set a password. Of five at once, one
/// does; an expired link, or another user's, does nothing.
pub async fn a_set_password_link_is_used_once(store: &dyn Store) {
    let t = tree(store).await;
    let u = user("new@example.org", "New", t.pcn_a.id, &[Role::LinkWorker]);
    let other = user(
        "other@example.org",
        "Other",
        t.pcn_a.id,
        &[Role::LinkWorker],
    );
    add_user(store, &u).await;
    add_user(store, &other).await;
    let at = now();
    let link = |hash: &str, expires_in: i64| CredentialToken {
        token_hash: hash.to_owned(),
        user_id: u.id,
        purpose: CredentialPurpose::Invite,
        created_at: at,
        expires_at: at + Duration::minutes(expires_in),
    };
    let issued = || {
        event(
            AuditAction::CredentialLinkIssue,
            EntityRef::new("user", u.id),
        )
    };
    store
        .issue_credential_token(&link("once", 60), &issued())
        .await
        .unwrap();
    let set = || event(AuditAction::PasswordSet, EntityRef::new("user", u.id));
    let before = audit_count(store).await;
    let audit = set();
    let tries = join_all((0..5).map(|i| {
        store.redeem_credential_token("once", u.id, at, ["h0", "h1", "h2", "h3", "h4"][i], &audit)
    }))
    .await;
    let used: Vec<bool> = tries.into_iter().map(Result::unwrap).collect();
    assert_eq!(used.iter().filter(|u| **u).count(), 1, "{used:?}");
    assert!(store.credential_token("once").await.unwrap().is_none());
    assert_eq!(audit_count(store).await, before + 1);
    let credentials = store.user_credentials(&u.email).await.unwrap().unwrap();
    assert!(credentials.password_hash.unwrap().starts_with('h'));

    store
        .issue_credential_token(&link("expired", -1), &issued())
        .await
        .unwrap();
    assert!(
        !store
            .redeem_credential_token("expired", u.id, at, "x", &set())
            .await
            .unwrap()
    );
    store
        .issue_credential_token(&link("theirs", 60), &issued())
        .await
        .unwrap();
    assert!(
        !store
            .redeem_credential_token("theirs", other.id, at, "x", &set())
            .await
            .unwrap(),
        "a link is for its own user only"
    );
    assert!(store.credential_token("theirs").await.unwrap().is_some());
}

pub async fn several_events_are_recorded_at_once(store: &dyn Store) {
    let before = audit_count(store).await;
    let events: Vec<NewAuditEvent> = (0..3)
        .map(|i| {
            NewAuditEvent::new(Actor::System, AuditAction::PeopleListed, now())
                .entity(EntityRef::new("person", format!("p{i}")))
                .detail("Waiting list")
        })
        .collect();
    store.record_all(&events).await.unwrap();
    store.record_all(&[]).await.unwrap();
    assert_eq!(audit_count(store).await, before + 3);
    let listed = store
        .audit_events(
            &AuditFilter {
                entity_id: Some("p1".into()),
                ..Default::default()
            },
            PageRequest::new(1, 5),
        )
        .await
        .unwrap();
    assert_eq!(listed.items[0].action, "person.list_view");
}

pub async fn security_events_are_listed_by_action_and_attribution(store: &dyn Store) {
    let t = tree(store).await;
    let at = now();
    let events: Vec<NewAuditEvent> = [
        (AuditAction::SignInFailed, Some(t.pcn_a.id)),
        (AuditAction::SignInFailed, Some(t.pcn_b.id)),
        (AuditAction::SignInFailed, None),
        (AuditAction::PublicReferralDiscarded, None),
        (AuditAction::SignIn, Some(t.pcn_a.id)),
    ]
    .into_iter()
    .map(|(action, org)| {
        let e = NewAuditEvent::new(Actor::Anonymous, action, at);
        match org {
            Some(org) => e.org(org),
            None => e,
        }
    })
    .collect();
    for e in &events {
        store.record(e).await.unwrap();
    }
    let count = |within, unattributed, actions: &[&str]| {
        let filter = AuditFilter {
            within,
            unattributed,
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            ..Default::default()
        };
        async move {
            store
                .audit_events(&filter, PageRequest::new(1, 10))
                .await
                .unwrap()
                .total
        }
    };
    let security = ["sign_in_failed", "referral.discarded"];
    assert_eq!(count(Some(t.pcn_a.id), false, &security).await, 1);
    assert_eq!(count(Some(t.icb.id), false, &security).await, 2);
    assert_eq!(count(Some(t.icb.id), true, &security).await, 4);
    assert_eq!(
        count(Some(t.icb.id), true, &[]).await,
        audit_count(store).await,
        "with no actions named, every action"
    );
    assert_eq!(count(None, false, &["sign_in_failed"]).await, 3);
}

pub async fn a_referral_keeps_its_identity_check(store: &dyn Store) {
    let t = tree(store).await;
    let p = person(t.pcn_a.id, "Nadia", "Smith", None, Some("RV4 6EL"));
    let mut r = referral(&p, ReferralRoute::Api, now());
    r.identity_check =
        Some("The NHS number given belongs to a record with another date of birth".into());
    store
        .create_referral(
            &new_referral(ReferralPerson::New(Box::new(p)), r.clone()),
            &referral_audit(&r),
        )
        .await
        .unwrap();
    assert_eq!(
        store.referral(r.id).await.unwrap().unwrap().identity_check,
        r.identity_check
    );
}
