//! The casework suite: contacts, what matters, plans, notes, tasks,
//! discharges and calendar feeds, on every backend.

use chrono::{Duration, NaiveDate};
use linkwork_domain::audit::{AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::casework::*;
use linkwork_domain::directory::schedule::Weekday;
use linkwork_domain::referral::{Referral, ReferralStatus};
use linkwork_domain::role::Role;
use linkwork_domain::time::now;
use linkwork_domain::user::User;
use linkwork_domain::{CaseNoteId, ContactId, GoalId, TaskId, Timestamp, WhatMattersId};
use linkwork_storage::{
    CalendarFeed, CaseworkChanges, LoadCutoffs, ReferralUpdate, StorageError, Store, TaskFilter,
};

use crate::fixtures::{add_user, audit_count, event, tree, user};
use crate::referral_fixtures::{add_referral, person};

fn audit(action: AuditAction, r: &Referral) -> Vec<NewAuditEvent> {
    vec![event(action, EntityRef::new("referral", r.id)).org(r.pcn_id)]
}

/// A referral accepted onto `worker`'s caseload, as stored.
pub(crate) async fn accepted_case(store: &dyn Store, worker: &User, given: &str) -> Referral {
    let r = add_referral(
        store,
        person(worker.org_id, given, "Jones", None, None),
        now(),
    )
    .await;
    let mut accepted = r.clone();
    accepted.status = ReferralStatus::Accepted;
    accepted.accepted_at = Some(now());
    accepted.assigned_to = Some(worker.id);
    accepted.version += 1;
    store
        .update_referral(
            &accepted,
            r.version,
            &crate::referral_fixtures::event(
                &accepted,
                linkwork_domain::referral::EventKind::StatusChange,
                "Accepted",
                now(),
            ),
            &audit(AuditAction::ReferralStatusChange, &accepted)[0],
        )
        .await
        .unwrap();
    accepted
}

pub(crate) async fn worker(
    store: &dyn Store,
    org: linkwork_domain::OrgId,
    email: &str,
    name: &str,
) -> User {
    let u = user(email, name, org, &[Role::LinkWorker]);
    add_user(store, &u).await;
    u
}

pub(crate) fn contact(
    r: &Referral,
    worker: &User,
    starts_at: Timestamp,
    status: ContactStatus,
) -> Contact {
    Contact {
        id: ContactId::new(),
        referral_id: r.id,
        person_id: r.person_id,
        pcn_id: r.pcn_id,
        worker_id: worker.id,
        starts_at,
        duration_minutes: 45,
        mode: ContactMode::FaceToFace,
        status,
        location: Some("Riverside Library".into()),
        notes: None,
        created_at: now(),
        created_by: worker.id,
        recorded_at: None,
        recorded_by: None,
        version: 1,
    }
}

fn task(r: &Referral, owner: &User, kind: TaskKind, due: NaiveDate) -> Task {
    Task {
        id: TaskId::new(),
        referral_id: r.id,
        person_id: r.person_id,
        pcn_id: r.pcn_id,
        owner: owner.id,
        kind,
        title: kind.label().into(),
        due,
        contact_id: None,
        created_at: now(),
        created_by: owner.id,
        done_at: None,
        done_by: None,
    }
}

/// A record of what matters (needs: loneliness and debt).
pub fn what_matters(r: &Referral, by: &User, revision: i64, words: &str) -> WhatMatters {
    WhatMatters {
        id: WhatMattersId::new(),
        referral_id: r.id,
        person_id: r.person_id,
        revision,
        in_their_words: words.into(),
        needs: vec!["loneliness".into(), "debt".into()],
        strengths: Some("Loves gardening".into()),
        interests: None,
        barriers: vec![Barrier::Cost, Barrier::Transport],
        barrier_notes: None,
        free_times: vec![
            FreeTime {
                day: Weekday::Tu,
                part: DayPart::Morning,
            },
            FreeTime {
                day: Weekday::Th,
                part: DayPart::Afternoon,
            },
        ],
        communication_needs: None,
        recorded_at: now(),
        recorded_by: by.id,
        recorded_by_name: by.display_name.clone(),
    }
}

fn plan(r: &Referral, by: &User, version: i64, goals: &[&str]) -> Plan {
    Plan {
        referral_id: r.id,
        person_id: r.person_id,
        goals: goals
            .iter()
            .map(|g| Goal {
                id: GoalId::new(),
                in_their_words: (*g).into(),
                status: GoalStatus::NotStarted,
                steps: vec![Step {
                    what: format!("First step towards: {g}"),
                    who: Some("Me".into()),
                    by_when: NaiveDate::from_ymd_opt(2027, 1, 31),
                    done: false,
                }],
            })
            .collect(),
        review_date: NaiveDate::from_ymd_opt(2027, 2, 1),
        version,
        updated_at: now(),
        updated_by: by.id,
    }
}

fn is_conflict<T: std::fmt::Debug>(result: Result<T, StorageError>) -> bool {
    matches!(result, Err(StorageError::Conflict(_)))
}

pub async fn contacts_are_booked_recorded_and_versioned(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let r = accepted_case(store, &sam, "Ana").await;
    let at = now() + Duration::days(2);
    let booked = contact(&r, &sam, at, ContactStatus::Scheduled);
    let changes = CaseworkChanges {
        contacts: vec![(booked.clone(), None)],
        ..Default::default()
    };
    store
        .save_casework(&changes, &audit(AuditAction::ContactBook, &r))
        .await
        .unwrap();
    assert_eq!(
        store.contact(booked.id).await.unwrap(),
        Some(booked.clone())
    );

    let diary = store
        .diary(sam.id, at - Duration::hours(1), at + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(diary.len(), 1);
    assert_eq!(diary[0].person.given_name, "Ana");
    assert_eq!(diary[0].reference, r.reference);
    assert!(
        store
            .diary(sam.id, at + Duration::hours(1), at + Duration::days(1))
            .await
            .unwrap()
            .is_empty()
    );

    let mut cancelled = booked.clone();
    cancelled.status = ContactStatus::CancelledByPerson;
    cancelled.version = 2;
    store
        .save_casework(
            &CaseworkChanges {
                contacts: vec![(cancelled.clone(), Some(1))],
                ..Default::default()
            },
            &audit(AuditAction::ContactRecord, &r),
        )
        .await
        .unwrap();
    let before = audit_count(store).await;
    let mut stale = booked.clone();
    stale.status = ContactStatus::Attended;
    stale.version = 2;
    let result = store
        .save_casework(
            &CaseworkChanges {
                contacts: vec![(stale, Some(1))],
                ..Default::default()
            },
            &audit(AuditAction::ContactRecord, &r),
        )
        .await;
    assert!(is_conflict(result));
    assert_eq!(store.contact(booked.id).await.unwrap(), Some(cancelled));
    assert_eq!(
        audit_count(store).await,
        before,
        "a refused change leaves no audit"
    );
}

pub async fn the_first_attended_contact_starts_support_or_nothing_is_written(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let r = accepted_case(store, &sam, "Ben").await;
    let attended = contact(
        &r,
        &sam,
        now() - Duration::hours(1),
        ContactStatus::Attended,
    );
    let mut started = r.clone();
    let change = started
        .record_attended_contact(attended.starts_at, "face-to-face appointment")
        .unwrap()
        .expect("the first contact moves the status");
    started.version += 1;
    let update = |referral: &Referral, expected| ReferralUpdate {
        referral: referral.clone(),
        expected_version: expected,
        event: change
            .clone()
            .into_event(r.id, now(), Some(sam.id), "Sam Lee"),
    };
    // Someone else changed the referral first: nothing is written.
    let stale = CaseworkChanges {
        referral: Some(update(&started, r.version - 1)),
        contacts: vec![(attended.clone(), None)],
        ..Default::default()
    };
    assert!(is_conflict(
        store
            .save_casework(&stale, &audit(AuditAction::ContactRecord, &r))
            .await
    ));
    assert_eq!(store.contact(attended.id).await.unwrap(), None);
    assert_eq!(
        store.referral(r.id).await.unwrap().unwrap().status,
        ReferralStatus::Accepted
    );

    let good = CaseworkChanges {
        referral: Some(update(&started, r.version)),
        contacts: vec![(attended.clone(), None)],
        ..Default::default()
    };
    store
        .save_casework(&good, &audit(AuditAction::ContactRecord, &r))
        .await
        .unwrap();
    let stored = store.referral(r.id).await.unwrap().unwrap();
    assert_eq!(stored.status, ReferralStatus::InProgress);
    assert_eq!(stored.first_contact_at, Some(attended.starts_at));
    assert_eq!(store.case_file(r.id).await.unwrap().contacts, [attended]);
}

pub async fn what_matters_is_kept_as_revisions(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let r = accepted_case(store, &sam, "Cara").await;
    let first = what_matters(&r, &sam, 1, "Getting out of the house again");
    let mut second = what_matters(&r, &sam, 2, "Getting out, and sorting the bills");
    second.barriers = vec![Barrier::Anxiety];
    second.free_times.clear();
    second.needs = vec!["debt".into()];
    for w in [&first, &second] {
        store
            .save_casework(
                &CaseworkChanges {
                    what_matters: Some(w.clone()),
                    ..Default::default()
                },
                &audit(AuditAction::WhatMattersSave, &r),
            )
            .await
            .unwrap();
    }
    let history = store.what_matters_history(r.id).await.unwrap();
    assert_eq!(history, [second.clone(), first.clone()]);
    assert_eq!(
        store.case_file(r.id).await.unwrap().what_matters,
        Some(second.clone())
    );
    assert_eq!(
        store.latest_what_matters(r.person_id).await.unwrap(),
        Some(second.clone())
    );
    // Two people saving the same revision: the second is refused.
    let clash = what_matters(&r, &sam, 2, "Something else");
    assert!(is_conflict(
        store
            .save_casework(
                &CaseworkChanges {
                    what_matters: Some(clash),
                    ..Default::default()
                },
                &audit(AuditAction::WhatMattersSave, &r),
            )
            .await
    ));
    assert_eq!(store.what_matters_history(r.id).await.unwrap().len(), 2);
}

pub async fn plans_are_versioned_and_replaced_whole(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let r = accepted_case(store, &sam, "Dee").await;
    let v1 = plan(&r, &sam, 1, &["Join a walking group", "Sort out my bills"]);
    let save = |p: &Plan, expected| CaseworkChanges {
        plan: Some((p.clone(), expected)),
        ..Default::default()
    };
    store
        .save_casework(&save(&v1, 0), &audit(AuditAction::PlanSave, &r))
        .await
        .unwrap();
    assert_eq!(store.case_file(r.id).await.unwrap().plan, Some(v1.clone()));
    // A second "first" plan is refused.
    assert!(is_conflict(
        store
            .save_casework(&save(&v1, 0), &audit(AuditAction::PlanSave, &r))
            .await
    ));

    let mut v2 = v1.clone();
    v2.version = 2;
    v2.goals.remove(0);
    v2.goals[0].status = GoalStatus::Achieved;
    v2.goals[0].steps[0].done = true;
    v2.review_date = None;
    store
        .save_casework(&save(&v2, 1), &audit(AuditAction::PlanSave, &r))
        .await
        .unwrap();
    assert_eq!(store.case_file(r.id).await.unwrap().plan, Some(v2.clone()));

    let mut stale = v1.clone();
    stale.version = 2;
    stale.goals[0].in_their_words = "Overwritten".into();
    assert!(is_conflict(
        store
            .save_casework(&save(&stale, 1), &audit(AuditAction::PlanSave, &r))
            .await
    ));
    assert_eq!(store.case_file(r.id).await.unwrap().plan, Some(v2));
}

pub async fn notes_keep_their_words_and_concerns_are_listed_until_resolved(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let other = worker(store, t.pcn_b.id, "kim@example.org", "Kim Ng").await;
    let r = accepted_case(store, &sam, "Eve").await;
    let elsewhere = accepted_case(store, &other, "Fay").await;
    let note = |r: &Referral, text: &str, concern: bool| CaseNote {
        id: CaseNoteId::new(),
        person_id: r.person_id,
        referral_id: r.id,
        pcn_id: r.pcn_id,
        at: now(),
        author_id: sam.id,
        author_name: "Sam Lee".into(),
        text: text.into(),
        safeguarding: concern.then(|| Safeguarding {
            category: SafeguardingCategory::Financial,
            action_taken: "Told the practice safeguarding lead".into(),
            resolved_at: None,
            resolved_by: None,
            resolution: None,
        }),
    };
    let plain = note(&r, "Talked about the allotment", false);
    let concern = note(&r, "Son takes her pension", true);
    let far = note(&elsewhere, "Another network's concern", true);
    for (n, referral) in [(&plain, &r), (&concern, &r), (&far, &elsewhere)] {
        store
            .save_casework(
                &CaseworkChanges {
                    notes: vec![n.clone()],
                    ..Default::default()
                },
                &audit(AuditAction::NoteAdd, referral),
            )
            .await
            .unwrap();
    }
    let open = store.open_concerns(&[t.pcn_a.id]).await.unwrap();
    assert_eq!(
        open.iter().map(|c| c.note.id).collect::<Vec<_>>(),
        [concern.id]
    );
    assert_eq!(open[0].person.given_name, "Eve");

    let mut resolved = concern.clone();
    resolved.text = "An attempt to rewrite the note".into();
    let s = resolved.safeguarding.as_mut().unwrap();
    s.resolved_at = Some(now());
    s.resolved_by = Some(sam.id);
    s.resolution = Some("Adult social care took it on".into());
    store
        .save_casework(
            &CaseworkChanges {
                notes: vec![resolved.clone()],
                ..Default::default()
            },
            &audit(AuditAction::SafeguardingResolve, &r),
        )
        .await
        .unwrap();
    assert!(store.open_concerns(&[t.pcn_a.id]).await.unwrap().is_empty());
    let notes = store.case_file(r.id).await.unwrap().notes;
    let stored = notes.iter().find(|n| n.id == concern.id).unwrap();
    assert_eq!(stored.text, "Son takes her pension", "words are kept");
    assert_eq!(
        stored.safeguarding.as_ref().unwrap().resolution.as_deref(),
        Some("Adult social care took it on")
    );
    assert_eq!(store.open_concerns(&[t.pcn_b.id]).await.unwrap().len(), 1);
}

pub async fn tasks_follow_their_owner_and_move_when_a_case_is_reassigned(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let kim = worker(store, t.pcn_a.id, "kim@example.org", "Kim Ng").await;
    let r = accepted_case(store, &sam, "Gus").await;
    let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    let overdue = task(&r, &sam, TaskKind::FollowUpCall, today - Duration::days(2));
    let due_today = task(&r, &sam, TaskKind::ChasePartner, today);
    let later = task(&r, &sam, TaskKind::Other, today + Duration::days(5));
    let mut done = task(&r, &sam, TaskKind::Other, today - Duration::days(9));
    done.complete(now(), sam.id);
    let booked = contact(
        &r,
        &sam,
        now() + Duration::days(3),
        ContactStatus::Scheduled,
    );
    store
        .save_casework(
            &CaseworkChanges {
                contacts: vec![(booked.clone(), None)],
                tasks: vec![
                    overdue.clone(),
                    due_today.clone(),
                    later.clone(),
                    done.clone(),
                ],
                ..Default::default()
            },
            &audit(AuditAction::TaskAdd, &r),
        )
        .await
        .unwrap();
    let due_by = store
        .tasks(&TaskFilter {
            owner: Some(sam.id),
            due_by: Some(today),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        due_by.iter().map(|i| i.task.id).collect::<Vec<_>>(),
        [overdue.id, due_today.id]
    );
    let all = store
        .tasks(&TaskFilter {
            referral_id: Some(r.id),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|i| i.task.id).collect::<Vec<_>>(),
        [overdue.id, due_today.id, later.id, done.id],
        "open by due date, then done"
    );

    store
        .save_casework(
            &CaseworkChanges {
                reassign: Some((r.id, kim.id)),
                ..Default::default()
            },
            &audit(AuditAction::ReferralAssign, &r),
        )
        .await
        .unwrap();
    let kims = store
        .tasks(&TaskFilter {
            owner: Some(kim.id),
            open_only: true,
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(kims.len(), 3, "open tasks move");
    let sams = store
        .tasks(&TaskFilter {
            owner: Some(sam.id),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        sams.iter().map(|i| i.task.id).collect::<Vec<_>>(),
        [done.id],
        "done ones stay with who did them"
    );
    assert_eq!(
        store.contact(booked.id).await.unwrap().unwrap().worker_id,
        kim.id,
        "booked contacts move to the new worker's diary"
    );
}

pub async fn the_team_lead_sees_each_workers_load(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let ali = worker(store, t.pcn_a.id, "ali@example.org", "Ali Khan").await;
    worker(store, t.pcn_b.id, "kim@example.org", "Kim Ng").await;
    let quiet = accepted_case(store, &sam, "Quiet").await;
    let recent = accepted_case(store, &sam, "Recent").await;
    accepted_case(store, &sam, "Waiting").await;
    let long_ago = now() - Duration::days(30);
    for (r, at) in [(&quiet, long_ago), (&recent, now() - Duration::days(1))] {
        let c = contact(r, &sam, at, ContactStatus::Attended);
        let mut started = r.clone();
        let change = started
            .record_attended_contact(at, "visit")
            .unwrap()
            .unwrap();
        started.version += 1;
        store
            .save_casework(
                &CaseworkChanges {
                    referral: Some(ReferralUpdate {
                        referral: started,
                        expected_version: r.version,
                        event: change.into_event(r.id, now(), Some(sam.id), "Sam Lee"),
                    }),
                    contacts: vec![(c, None)],
                    tasks: vec![task(
                        r,
                        &sam,
                        TaskKind::FollowUpCall,
                        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                    )],
                    ..Default::default()
                },
                &audit(AuditAction::ContactRecord, r),
            )
            .await
            .unwrap();
    }
    let loads = store
        .worker_loads(
            t.pcn_a.id,
            LoadCutoffs {
                contact_since: now() - Duration::days(14),
                today: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
                breach_received_before: now() + Duration::minutes(1),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        loads.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        ["Ali Khan", "Sam Lee"],
        "the network's workers only, by name"
    );
    let sam_load = &loads[1];
    assert_eq!(sam_load.user_id, sam.id);
    assert_eq!(sam_load.open_cases, 3);
    assert_eq!(sam_load.without_recent_contact, 1);
    assert_eq!(sam_load.overdue_tasks, 2);
    assert_eq!(sam_load.waiting_breaches, 1);
    assert_eq!(sam_load.intervention_received, 0);
    assert_eq!((loads[0].user_id, loads[0].open_cases), (ali.id, 0));
}

pub async fn a_discharge_is_recorded_once(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let r = accepted_case(store, &sam, "Hal").await;
    let discharge = Discharge {
        referral_id: r.id,
        reason: DischargeReason::GoalsMet,
        summary: "Goes to the walking group every week".into(),
        discharged_at: now(),
        discharged_by: sam.id,
        discharged_by_name: "Sam Lee".into(),
    };
    let changes = CaseworkChanges {
        discharge: Some(discharge.clone()),
        ..Default::default()
    };
    store
        .save_casework(&changes, &audit(AuditAction::Discharge, &r))
        .await
        .unwrap();
    assert_eq!(
        store.case_file(r.id).await.unwrap().discharge,
        Some(discharge)
    );
    assert!(is_conflict(
        store
            .save_casework(&changes, &audit(AuditAction::Discharge, &r))
            .await
    ));
}

pub async fn calendar_feeds_are_found_by_hash_and_revoked(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let feed = CalendarFeed {
        user_id: sam.id,
        token_hash: "hash-1".into(),
        full_names: false,
        created_at: now(),
    };
    let ev = || {
        event(
            AuditAction::CalendarFeedIssue,
            EntityRef::new("user", sam.id),
        )
    };
    store
        .set_calendar_feed(sam.id, Some(&feed), &ev())
        .await
        .unwrap();
    assert_eq!(
        store.calendar_feed_by_hash("hash-1").await.unwrap(),
        Some(feed.clone())
    );
    let replaced = CalendarFeed {
        token_hash: "hash-2".into(),
        full_names: true,
        ..feed
    };
    store
        .set_calendar_feed(sam.id, Some(&replaced), &ev())
        .await
        .unwrap();
    assert_eq!(store.calendar_feed_by_hash("hash-1").await.unwrap(), None);
    assert_eq!(store.calendar_feed(sam.id).await.unwrap(), Some(replaced));
    store.set_calendar_feed(sam.id, None, &ev()).await.unwrap();
    assert_eq!(store.calendar_feed_by_hash("hash-2").await.unwrap(), None);
}

pub async fn casework_loads_in_bulk_with_one_audit_event(store: &dyn Store) {
    let t = tree(store).await;
    let sam = worker(store, t.pcn_a.id, "sam@example.org", "Sam Lee").await;
    let mut cases = Vec::new();
    for i in 0..3 {
        cases.push(accepted_case(store, &sam, &format!("Bulk{i}")).await);
    }
    let before = audit_count(store).await;
    let rows: Vec<CaseworkChanges> = cases
        .iter()
        .map(|r| CaseworkChanges {
            contacts: vec![(contact(r, &sam, now(), ContactStatus::Attended), None)],
            what_matters: Some(what_matters(r, &sam, 1, "Company")),
            plan: Some((plan(r, &sam, 1, &["Make a friend"]), 0)),
            tasks: vec![task(
                r,
                &sam,
                TaskKind::PlanReview,
                NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
            )],
            ..Default::default()
        })
        .collect();
    let written = store
        .bulk_insert_casework(
            &mut rows.clone().into_iter(),
            &NewAuditEvent::new(
                linkwork_domain::audit::Actor::Cli,
                AuditAction::DemoCasework,
                now(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(written, 3);
    assert_eq!(audit_count(store).await, before + 1);
    for (r, row) in cases.iter().zip(&rows) {
        let file = store.case_file(r.id).await.unwrap();
        assert_eq!(file.contacts.len(), 1);
        assert_eq!(file.what_matters.as_ref(), row.what_matters.as_ref());
        assert_eq!(file.plan.as_ref(), row.plan.as_ref().map(|(p, _)| p));
        assert_eq!(file.tasks.len(), 1);
    }
}
