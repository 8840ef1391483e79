//! Registered directory feeds: what every backend must do with them.

use chrono::{Duration, NaiveTime};
use linkwork_domain::audit::{AuditAction, EntityRef};
use linkwork_domain::directory::ServiceStatus;
use linkwork_domain::directory::feeds::{
    Feed, FeedRun, NamedService, NewFeedInput, RunReport, RunTrigger,
};
use linkwork_domain::role::Role;
use linkwork_domain::time::now;
use linkwork_domain::{FeedRunId, Timestamp};
use linkwork_storage::{FeedService, FinishedRun, PageRequest, StorageError, Store};
use uuid::Uuid;

use crate::fixtures::{add_user, event, tree, user};
use crate::{organization, rich_service};

async fn registered(store: &dyn Store, url: &str) -> Feed {
    let t = tree(store).await;
    let manager = user(
        &format!("dm{}@icb.example", Uuid::new_v4().simple()),
        "Dee",
        t.icb.id,
        &[Role::DirectoryManager],
    );
    add_user(store, &manager).await;
    let feed = NewFeedInput {
        name: "Council".into(),
        url: url.into(),
        every_hours: "24".into(),
    }
    .validate(manager.id, now(), NaiveTime::MIN)
    .unwrap();
    store
        .add_feed(
            &feed,
            &event(AuditAction::FeedRegister, EntityRef::new("feed", feed.id)),
        )
        .await
        .unwrap();
    feed
}

fn reading(feed: &Feed, at: Timestamp, report: RunReport) -> FeedRun {
    FeedRun {
        id: FeedRunId::new(),
        feed_id: feed.id,
        trigger: RunTrigger::Schedule,
        started_at: at,
        finished_at: at,
        failure: None,
        report,
    }
}

async fn finish(
    store: &dyn Store,
    run: &FeedRun,
    written: &[(Uuid, String)],
    withdraw: &[Uuid],
    next: Timestamp,
) {
    store
        .finish_feed_run(
            FinishedRun {
                run,
                written,
                withdraw,
                next_run_at: next,
            },
            &event(AuditAction::FeedRun, EntityRef::new("feed", run.feed_id)),
        )
        .await
        .unwrap();
}

pub async fn feeds_are_registered_once_and_claimed_by_one_reader(store: &dyn Store) {
    let feed = registered(store, "https://council.example/api").await;
    // The same address again is a conflict, and writes nothing.
    let mut twin = feed.clone();
    twin.id = linkwork_domain::FeedId::new();
    let clash = store
        .add_feed(
            &twin,
            &event(AuditAction::FeedRegister, EntityRef::new("feed", twin.id)),
        )
        .await;
    assert!(matches!(clash, Err(StorageError::Conflict(_))), "{clash:?}");
    assert_eq!(store.feeds().await.unwrap().len(), 1);

    // Not due yet: nothing to claim.
    let before = feed.next_run_at - Duration::minutes(1);
    assert!(
        store
            .claim_due_feed(before, before + Duration::hours(2))
            .await
            .unwrap()
            .is_none()
    );
    // Due: the first claim has it, a second (another instance) does not.
    let at = feed.next_run_at + Duration::minutes(1);
    let (claimed, trigger) = store
        .claim_due_feed(at, at + Duration::hours(2))
        .await
        .unwrap()
        .expect("due");
    assert_eq!((claimed.id, trigger), (feed.id, RunTrigger::Schedule));
    assert!(
        store
            .claim_due_feed(at, at + Duration::hours(2))
            .await
            .unwrap()
            .is_none()
    );
    // A claim whose holder died lapses.
    let later = at + Duration::hours(3);
    assert!(
        store
            .claim_due_feed(later, later + Duration::hours(2))
            .await
            .unwrap()
            .is_some()
    );

    // Finishing releases the claim and sets the next reading.
    let run = reading(&feed, later, RunReport::default());
    let next = later + Duration::days(1);
    finish(store, &run, &[], &[], next).await;
    assert!(
        store
            .claim_due_feed(later, later + Duration::hours(2))
            .await
            .unwrap()
            .is_none()
    );
    let listed = store.feed(feed.id).await.unwrap().unwrap();
    assert_eq!(listed.feed.next_run_at, next);
    assert_eq!(listed.last_run.as_ref().map(|r| r.id), Some(run.id));

    // Asked for: due now, and the claim says why.
    store
        .ask_feed_run(
            feed.id,
            later,
            &event(AuditAction::FeedRunAsk, EntityRef::new("feed", feed.id)),
        )
        .await
        .unwrap();
    assert!(store.feed(feed.id).await.unwrap().unwrap().asked);
    let (_, trigger) = store
        .claim_due_feed(later, later + Duration::hours(2))
        .await
        .unwrap()
        .expect("asked for");
    assert_eq!(trigger, RunTrigger::Asked);

    // Removed: no longer listed or read, its readings kept.
    assert!(
        store
            .remove_feed(
                feed.id,
                later,
                &event(AuditAction::FeedRemove, EntityRef::new("feed", feed.id))
            )
            .await
            .unwrap()
    );
    assert!(store.feeds().await.unwrap().is_empty());
    assert!(store.feed_run(run.id).await.unwrap().is_some());
    // Its address may be registered again.
    let again = registered(store, "https://council.example/api").await;
    assert_eq!(store.feeds().await.unwrap()[0].feed.id, again.id);
}

pub async fn a_feed_keeps_its_services_and_withdraws_those_that_leave(store: &dyn Store) {
    let feed = registered(store, "https://council.example/api").await;
    let other = registered(store, "https://charity.example/api").await;
    let org = organization("Garden Friends");
    let kept = rich_service(&org);
    let leaving = rich_service(&org);
    let theirs = rich_service(&org);
    let audit = || event(AuditAction::DirectoryImport, EntityRef::new("service", "x"));
    for s in [&kept, &leaving, &theirs] {
        store.save_service(s, &audit()).await.unwrap();
    }
    let at = now();
    let named = |id: Uuid| NamedService {
        id,
        name: "x".into(),
    };
    let first = reading(
        &feed,
        at,
        RunReport {
            created: vec![named(kept.id), named(leaving.id)],
            ..Default::default()
        },
    );
    finish(
        store,
        &first,
        &[(kept.id, "a".into()), (leaving.id, "b".into())],
        &[],
        at,
    )
    .await;
    finish(
        store,
        &reading(&other, at, RunReport::default()),
        &[(theirs.id, "c".into())],
        &[],
        at,
    )
    .await;
    let mut mine = store.feed_services(feed.id).await.unwrap();
    mine.sort_by_key(|s| s.fingerprint.clone());
    assert_eq!(
        mine,
        [
            FeedService {
                service_id: kept.id,
                fingerprint: "a".into(),
                edited_locally: false,
                withdrawn: false
            },
            FeedService {
                service_id: leaving.id,
                fingerprint: "b".into(),
                edited_locally: false,
                withdrawn: false
            },
        ]
    );
    assert_eq!(
        store.services_of_other_feeds(feed.id).await.unwrap(),
        [theirs.id]
    );

    // An edit made here marks the listing; releasing it clears the mark.
    store.save_service(&kept, &audit()).await.unwrap();
    let edited = store.feed_services(feed.id).await.unwrap();
    assert!(
        edited
            .iter()
            .any(|s| s.service_id == kept.id && s.edited_locally)
    );
    let release = || event(AuditAction::FeedRelease, EntityRef::new("service", kept.id));
    assert!(store.release_local_edit(kept.id, &release()).await.unwrap());
    assert!(!store.release_local_edit(kept.id, &release()).await.unwrap());

    // A service that left the feed is inactive, not deleted, and its
    // change is logged for every instance's index.
    let log_before = store
        .directory_changes_after(0, 10_000)
        .await
        .unwrap()
        .len();
    let second = reading(
        &feed,
        at,
        RunReport {
            withdrawn: vec![named(leaving.id)],
            ..Default::default()
        },
    );
    finish(store, &second, &[], &[leaving.id], at).await;
    let gone = store.service(leaving.id).await.unwrap().expect("kept");
    assert_eq!(gone.status, ServiceStatus::Inactive);
    assert_eq!(
        store.service(kept.id).await.unwrap().unwrap().status,
        kept.status
    );
    let log_after = store.directory_changes_after(0, 10_000).await.unwrap();
    assert!(log_after.len() > log_before);
    assert!(log_after.iter().any(|c| c.service_id == leaving.id));
    assert!(
        store
            .feed_services(feed.id)
            .await
            .unwrap()
            .iter()
            .any(|s| s.service_id == leaving.id && s.withdrawn)
    );
    // Back in the feed: linked again, no longer withdrawn.
    finish(
        store,
        &reading(&feed, at, RunReport::default()),
        &[(leaving.id, "b2".into())],
        &[],
        at,
    )
    .await;
    assert!(
        store
            .feed_services(feed.id)
            .await
            .unwrap()
            .iter()
            .any(|s| s.service_id == leaving.id && !s.withdrawn && s.fingerprint == "b2")
    );

    // The report is kept whole, newest first.
    let runs = store
        .feed_runs(feed.id, PageRequest::new(1, 10))
        .await
        .unwrap();
    assert_eq!(runs.total, 3);
    assert_eq!(
        store.feed_run(second.id).await.unwrap().unwrap().report,
        second.report
    );
    assert_eq!(
        store
            .feed_run(first.id)
            .await
            .unwrap()
            .unwrap()
            .report
            .created
            .len(),
        2
    );
}
