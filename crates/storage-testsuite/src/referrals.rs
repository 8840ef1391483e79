//! The referral storage suite: people, referrals and their history,
//! reference data, API tokens and rate limits, on every backend.

use chrono::Duration;
use linkwork_domain::api_token::ApiToken;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::codes::{ClinicalCode, CodePurpose, Need};
use linkwork_domain::consent::{Consent, ConsentKind};
use linkwork_domain::nhs_number::NhsNumber;
use linkwork_domain::referral::{EventKind, ReferralRoute, ReferralStatus};
use linkwork_domain::role::Role;
use linkwork_domain::time::now;
use linkwork_domain::{ApiTokenId, ConsentId, PersonId, ReferralId};
use linkwork_storage::{
    PageRequest, ReferralFilter, ReferralOrder, ReferralPerson, StorageError, Store,
};

use crate::fixtures::{add_user, audit_count, tree, user};
use crate::referral_fixtures::{
    add_referral, event, new_referral, person, referral, referral_audit,
};

fn cli_event(action: AuditAction) -> NewAuditEvent {
    NewAuditEvent::new(Actor::Cli, action, now())
}

pub async fn referrals_are_created_with_their_person_consents_and_history(store: &dyn Store) {
    let t = tree(store).await;
    let p = person(
        t.pcn_a.id,
        "Sam",
        "Patel",
        Some("9434765919"),
        Some("RV1 3BQ"),
    );
    let mut r = referral(&p, ReferralRoute::SelfReferral, now());
    r.idempotency_key = Some("form:abc".into());
    r.submission_digest = Some("5e1f".repeat(16));
    r.reasons_as_written = Some("Lonely since her husband died\nStopped going out".into());
    r.needs_coding = true;
    r.authored_on = Some("2026-11-28T16:45:00+00:00".into());
    r.sender_identifier = Some("https://emis.example/referral|R-1001".into());
    r.gp_practice_code_given = Some("Y99999".into());
    let new = new_referral(ReferralPerson::New(Box::new(p.clone())), r.clone());
    let before = audit_count(store).await;
    store
        .create_referral(&new, &referral_audit(&r))
        .await
        .unwrap();
    assert_eq!(audit_count(store).await, before + 1);

    assert_eq!(store.referral(r.id).await.unwrap().unwrap(), r);
    assert_eq!(store.person(p.id).await.unwrap().unwrap(), p);
    assert_eq!(
        store
            .referral_by_reference(&r.reference)
            .await
            .unwrap()
            .unwrap()
            .id,
        r.id
    );
    assert_eq!(
        store
            .referral_by_idempotency_key("form:abc")
            .await
            .unwrap()
            .unwrap()
            .id,
        r.id
    );
    assert!(
        store
            .referral_by_idempotency_key("form:other")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.referral(ReferralId::new()).await.unwrap().is_none());
    assert_eq!(store.consents(p.id).await.unwrap(), new.consents);
    assert_eq!(store.referral_history(r.id).await.unwrap(), new.events);

    // A second referral of the same person keeps one record.
    let again = referral(&p, ReferralRoute::Professional, now());
    store
        .create_referral(
            &new_referral(ReferralPerson::Existing(p.id), again.clone()),
            &referral_audit(&again),
        )
        .await
        .unwrap();
    let theirs = store
        .list_referrals(
            &ReferralFilter {
                person_id: Some(p.id),
                ..Default::default()
            },
            ReferralOrder::NewestFirst,
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(theirs.total, 2);
    assert_eq!(theirs.items[0].referral.id, again.id);
    let to_code = store
        .list_referrals(
            &ReferralFilter {
                person_id: Some(p.id),
                needs_coding: true,
                ..Default::default()
            },
            ReferralOrder::NewestFirst,
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(to_code.total, 1, "only the one whose reasons need coding");
    assert_eq!(to_code.items[0].referral.id, r.id);
    assert_eq!(theirs.items[0].person.full_name(), "Sam Patel");
}

pub async fn clashing_submissions_write_nothing(store: &dyn Store) {
    let t = tree(store).await;
    let p = person(t.pcn_a.id, "Sam", "Patel", Some("9434765919"), None);
    let mut first = referral(&p, ReferralRoute::SelfReferral, now());
    first.idempotency_key = Some("form:same".into());
    store
        .create_referral(
            &new_referral(ReferralPerson::New(Box::new(p.clone())), first.clone()),
            &referral_audit(&first),
        )
        .await
        .unwrap();
    let before = audit_count(store).await;

    // The same form posted again: a new person and referral, same key.
    let twin = person(t.pcn_a.id, "Sam", "Patel", None, None);
    let mut second = referral(&twin, ReferralRoute::SelfReferral, now());
    second.idempotency_key = Some("form:same".into());
    let err = store
        .create_referral(
            &new_referral(ReferralPerson::New(Box::new(twin.clone())), second.clone()),
            &referral_audit(&second),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Conflict(_)), "{err:?}");
    assert!(
        store.person(twin.id).await.unwrap().is_none(),
        "the person was rolled back"
    );
    assert!(store.referral(second.id).await.unwrap().is_none());
    assert_eq!(audit_count(store).await, before);

    // A second record with the same NHS number in the same network.
    let clash = person(t.pcn_a.id, "Samuel", "Patel", Some("943 476 5919"), None);
    let r = referral(&clash, ReferralRoute::Professional, now());
    let err = store
        .create_referral(
            &new_referral(ReferralPerson::New(Box::new(clash)), r.clone()),
            &referral_audit(&r),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StorageError::Conflict(ref m) if m.contains("NHS number")),
        "{err:?}"
    );
    // In another network the same person may have their own record.
    let elsewhere = person(t.pcn_b.id, "Sam", "Patel", Some("9434765919"), None);
    add_referral(store, elsewhere, now()).await;
}

pub async fn matching_people_are_found_within_one_network(store: &dyn Store) {
    let t = tree(store).await;
    let sam = person(
        t.pcn_a.id,
        "Sam",
        "Patel",
        Some("9434765919"),
        Some("RV1 3BQ"),
    );
    add_referral(store, sam.clone(), now()).await;
    let same_in_b = person(
        t.pcn_b.id,
        "Sam",
        "Patel",
        Some("9434765919"),
        Some("RV1 3BQ"),
    );
    add_referral(store, same_in_b, now()).await;

    let nhs = NhsNumber::parse("9434765919").unwrap();
    let by_number = store
        .matching_people(t.pcn_a.id, Some(&nhs), None)
        .await
        .unwrap();
    assert_eq!(by_number.iter().map(|p| p.id).collect::<Vec<_>>(), [sam.id]);
    let key = sam.details.match_key().unwrap();
    let by_key = store
        .matching_people(t.pcn_a.id, None, Some(&key))
        .await
        .unwrap();
    assert_eq!(by_key.len(), 1);
    let other = NhsNumber::parse("9990000018").unwrap();
    assert!(
        store
            .matching_people(
                t.pcn_a.id,
                Some(&other),
                Some("nobody|x|1950-03-07|RV1 3BQ")
            )
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .matching_people(t.pcn_a.id, None, None)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn people_are_read_in_bulk(store: &dyn Store) {
    let t = tree(store).await;
    let ann = add_referral(store, person(t.pcn_a.id, "Ann", "Ash", None, None), now()).await;
    let ben = add_referral(store, person(t.pcn_b.id, "Ben", "Birch", None, None), now()).await;
    let mut found: Vec<(PersonId, String)> = store
        .people(&[ben.person_id, PersonId::new(), ann.person_id])
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.details.given_name))
        .collect();
    found.sort_by_key(|(_, name)| name.clone());
    assert_eq!(
        found,
        [
            (ann.person_id, "Ann".to_owned()),
            (ben.person_id, "Ben".to_owned())
        ]
    );
    assert!(store.people(&[]).await.unwrap().is_empty());
}

pub async fn people_are_searched_within_their_networks(store: &dyn Store) {
    let t = tree(store).await;
    for (given, family, nhs, postcode) in [
        ("Ana", "Nowak", Some("9990000018"), Some("RV1 3BQ")),
        ("Anthony", "Brown", None, Some("RV2 4XH")),
        ("Zainab", "Ali", Some("9990000026"), None),
    ] {
        add_referral(
            store,
            person(t.pcn_a.id, given, family, nhs, postcode),
            now(),
        )
        .await;
    }
    add_referral(store, person(t.pcn_b.id, "Ana", "Other", None, None), now()).await;
    let search = |terms: &[&str]| {
        let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
        let pcn = t.pcn_a.id;
        async move {
            store
                .search_people(&[pcn], &terms, false, PageRequest::new(1, 10))
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|p| p.details.full_name())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search(&["an"]).await, ["Anthony Brown", "Ana Nowak"]);
    assert_eq!(search(&["ana", "nowak"]).await, ["Ana Nowak"]);
    assert_eq!(search(&["9990000026"]).await, ["Zainab Ali"]);
    assert_eq!(search(&["rv13bq"]).await, ["Ana Nowak"]);
    assert_eq!(search(&[]).await.len(), 3);
    let paged = store
        .search_people(
            &[t.pcn_a.id, t.pcn_b.id],
            &["ana".into()],
            false,
            PageRequest::new(2, 1),
        )
        .await
        .unwrap();
    assert_eq!(paged.total, 2);
    assert_eq!(paged.items.len(), 1);
    assert_eq!(
        store
            .search_people(&[], &[], false, PageRequest::new(1, 10))
            .await
            .unwrap()
            .total,
        0
    );
}

pub async fn referral_lists_filter_and_order(store: &dyn Store) {
    let t = tree(store).await;
    let base = now() - Duration::days(10);
    let lw = user(
        "lw@example.org",
        "Lee Worker",
        t.pcn_a.id,
        &[Role::LinkWorker],
    );
    add_user(store, &lw).await;
    let mut ids = Vec::new();
    for (i, given) in ["Old", "Middle", "New"].iter().enumerate() {
        let p = person(t.pcn_a.id, given, "Person", None, None);
        ids.push(add_referral(store, p, base + Duration::days(i as i64 * 3)).await);
    }
    add_referral(
        store,
        person(t.pcn_b.id, "Other", "Network", None, None),
        base,
    )
    .await;
    // The middle one is accepted and assigned, with a next action.
    let mut middle = ids[1].clone();
    middle.status = ReferralStatus::Accepted;
    middle.assigned_to = Some(lw.id);
    middle.next_action_due = Some((base + Duration::days(20)).date_naive());
    middle.version += 1;
    store
        .update_referral(
            &middle,
            1,
            &event(&middle, EventKind::StatusChange, "Accepted", now()),
            &cli_event(AuditAction::ReferralStatusChange),
        )
        .await
        .unwrap();
    let list = |filter: ReferralFilter, order| async move {
        store
            .list_referrals(&filter, order, PageRequest::new(1, 10))
            .await
            .unwrap()
    };
    let waiting = list(
        ReferralFilter {
            pcn_id: Some(t.pcn_a.id),
            statuses: vec![ReferralStatus::Received, ReferralStatus::Accepted],
            ..Default::default()
        },
        ReferralOrder::OldestFirst,
    )
    .await;
    assert_eq!(waiting.total, 3);
    assert_eq!(
        waiting
            .items
            .iter()
            .map(|i| i.person.given_name.as_str())
            .collect::<Vec<_>>(),
        ["Old", "Middle", "New"]
    );
    let unassigned = list(
        ReferralFilter {
            pcn_id: Some(t.pcn_a.id),
            assigned_to: Some(None),
            ..Default::default()
        },
        ReferralOrder::NewestFirst,
    )
    .await;
    assert_eq!(
        unassigned
            .items
            .iter()
            .map(|i| i.person.given_name.as_str())
            .collect::<Vec<_>>(),
        ["New", "Old"]
    );
    let caseload = list(
        ReferralFilter {
            assigned_to: Some(Some(lw.id)),
            statuses: vec![ReferralStatus::Accepted, ReferralStatus::InProgress],
            ..Default::default()
        },
        ReferralOrder::NextActionDue,
    )
    .await;
    assert_eq!(caseload.total, 1);
    assert_eq!(caseload.items[0].referral.assigned_to, Some(lw.id));
    let old_only = list(
        ReferralFilter {
            pcn_id: Some(t.pcn_a.id),
            received_before: Some(base + Duration::days(1)),
            ..Default::default()
        },
        ReferralOrder::OldestFirst,
    )
    .await;
    assert_eq!(old_only.total, 1);
    // Next action due first, those without one after, oldest first.
    let by_action = list(
        ReferralFilter {
            pcn_id: Some(t.pcn_a.id),
            ..Default::default()
        },
        ReferralOrder::NextActionDue,
    )
    .await;
    assert_eq!(
        by_action
            .items
            .iter()
            .map(|i| i.person.given_name.as_str())
            .collect::<Vec<_>>(),
        ["Middle", "Old", "New"]
    );
    let none_made = list(
        ReferralFilter {
            referrer_within: Some(t.pcn_a.id),
            ..Default::default()
        },
        ReferralOrder::NewestFirst,
    )
    .await;
    assert_eq!(
        none_made.total, 0,
        "no referral names a referring organisation yet"
    );
}

pub async fn referrer_organisations_see_their_own_referrals(store: &dyn Store) {
    let t = tree(store).await;
    let p = person(t.pcn_a.id, "Made", "ByPractice", None, None);
    let mut r = referral(&p, ReferralRoute::Professional, now());
    r.referrer.org_id = Some(t.practice_a.id);
    store
        .create_referral(
            &new_referral(ReferralPerson::New(Box::new(p)), r.clone()),
            &referral_audit(&r),
        )
        .await
        .unwrap();
    add_referral(
        store,
        person(t.pcn_a.id, "Someone", "Else", None, None),
        now(),
    )
    .await;
    for (root, expected) in [(t.practice_a.id, 1), (t.pcn_a.id, 1), (t.pcn_b.id, 0)] {
        let made = store
            .list_referrals(
                &ReferralFilter {
                    referrer_within: Some(root),
                    ..Default::default()
                },
                ReferralOrder::NewestFirst,
                PageRequest::new(1, 10),
            )
            .await
            .unwrap();
        assert_eq!(made.total, expected);
    }
}

pub async fn referral_changes_are_versioned_and_kept_in_history(store: &dyn Store) {
    let t = tree(store).await;
    let r = add_referral(store, person(t.pcn_a.id, "Sam", "Patel", None, None), now()).await;
    let mut accepted = r.clone();
    accepted.status = ReferralStatus::Accepted;
    accepted.accepted_at = Some(now());
    accepted.version = 2;
    let before = audit_count(store).await;
    let change = event(&accepted, EventKind::StatusChange, "Accepted", now());
    store
        .update_referral(
            &accepted,
            1,
            &change,
            &cli_event(AuditAction::ReferralStatusChange),
        )
        .await
        .unwrap();
    assert_eq!(store.referral(r.id).await.unwrap().unwrap(), accepted);
    assert_eq!(audit_count(store).await, before + 1);

    // A stale copy (someone else changed it first) is refused, unwritten.
    let mut stale = r.clone();
    stale.status = ReferralStatus::Declined;
    stale.version = 2;
    let err = store
        .update_referral(
            &stale,
            1,
            &event(&stale, EventKind::StatusChange, "Declined", now()),
            &cli_event(AuditAction::ReferralStatusChange),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Conflict(_)), "{err:?}");
    assert_eq!(
        store.referral(r.id).await.unwrap().unwrap().status,
        ReferralStatus::Accepted
    );
    assert_eq!(audit_count(store).await, before + 1);
    let history = store.referral_history(r.id).await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|e| e.summary.as_str())
            .collect::<Vec<_>>(),
        ["Referral received", "Accepted"]
    );
}

pub async fn coding_needs_rewrites_them_and_clears_the_flag(store: &dyn Store) {
    let t = tree(store).await;
    let p = person(t.pcn_a.id, "Sam", "Patel", None, None);
    let mut r = referral(&p, ReferralRoute::Fhir, now());
    r.needs = vec!["loneliness".into()];
    r.needs_coding = true;
    r.reasons_as_written = Some("Lonely since husband died; stopped going out".into());
    store
        .create_referral(
            &new_referral(ReferralPerson::New(Box::new(p)), r.clone()),
            &referral_audit(&r),
        )
        .await
        .unwrap();
    // Any other change leaves the needs as they are.
    let mut planned = r.clone();
    planned.next_action_note = Some("Call back".into());
    planned.version = 2;
    store
        .update_referral(
            &planned,
            1,
            &event(&planned, EventKind::NextAction, "Next action set", now()),
            &cli_event(AuditAction::ReferralNextAction),
        )
        .await
        .unwrap();
    assert_eq!(store.referral(r.id).await.unwrap().unwrap(), planned);

    let mut coded = planned.clone();
    coded.needs = vec!["bereavement".into(), "loneliness".into()];
    coded.needs_coding = false;
    coded.version = 3;
    let before = audit_count(store).await;
    store
        .update_referral(
            &coded,
            2,
            &event(&coded, EventKind::NeedsCoded, "Needs coded", now()),
            &cli_event(AuditAction::ReferralNeedsCoded),
        )
        .await
        .unwrap();
    let stored = store.referral(r.id).await.unwrap().unwrap();
    assert_eq!(
        stored, coded,
        "needs in the chosen order, flag cleared, words kept"
    );
    assert_eq!(audit_count(store).await, before + 1);
    let history = store.referral_history(r.id).await.unwrap();
    assert_eq!(history.last().unwrap().kind, EventKind::NeedsCoded);
    let to_code = store
        .list_referrals(
            &ReferralFilter {
                pcn_id: Some(t.pcn_a.id),
                needs_coding: true,
                ..Default::default()
            },
            ReferralOrder::OldestFirst,
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(to_code.total, 0);
}

pub async fn people_are_updated_and_consents_recorded(store: &dyn Store) {
    let t = tree(store).await;
    let p = person(t.pcn_a.id, "Sam", "Patel", Some("9434765919"), None);
    add_referral(store, p.clone(), now()).await;
    let mut changed = p.clone();
    changed.details.phone = Some("01632 960 001".into());
    changed.details.family_name = "Patel-Jones".into();
    changed.updated_at = now();
    store
        .update_person(&changed, &cli_event(AuditAction::PersonUpdate))
        .await
        .unwrap();
    assert_eq!(store.person(p.id).await.unwrap().unwrap(), changed);

    let other = person(t.pcn_a.id, "Ana", "Nowak", Some("9990000018"), None);
    add_referral(store, other.clone(), now()).await;
    let mut clash = other.clone();
    clash.details.nhs_number = p.details.nhs_number.clone();
    let err = store
        .update_person(&clash, &cli_event(AuditAction::PersonUpdate))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Conflict(_)), "{err:?}");
    let mut ghost = other.clone();
    ghost.id = PersonId::new();
    assert!(matches!(
        store
            .update_person(&ghost, &cli_event(AuditAction::PersonUpdate))
            .await,
        Err(StorageError::NotFound(_))
    ));

    let share = Consent {
        id: ConsentId::new(),
        person_id: p.id,
        kind: ConsentKind::Share,
        partner_org_id: Some(t.vcse.id),
        given: true,
        recorded_at: now() + Duration::seconds(1),
        recorded_by: "lw@example.org".into(),
        recorded_by_user_id: None,
        referral_id: None,
    };
    store
        .record_consent(&share, &cli_event(AuditAction::ConsentRecord))
        .await
        .unwrap();
    let consents = store.consents(p.id).await.unwrap();
    assert_eq!(consents.len(), 2);
    assert_eq!(consents[1], share);
}

pub async fn search_synonyms_are_one_versioned_record(store: &dyn Store) {
    assert_eq!(store.search_synonyms().await.unwrap(), None, "none saved");
    let t = tree(store).await;
    let manager = user("dm@example.org", "Dee", t.icb.id, &[Role::DirectoryManager]);
    add_user(store, &manager).await;
    let event = || cli_event(AuditAction::SearchSynonymsChange);
    let before = audit_count(store).await;
    let first = "[[link]]\nwords = [\"lonely\"]\nneeds = [\"befriending\"]\n";
    let at = now();
    assert_eq!(
        store
            .save_search_synonyms(first, manager.id, at, &event())
            .await
            .unwrap(),
        1
    );
    let second = format!("{first}\n[[link]]\nwords = [\"copd\"]\nterms = [\"breathe easy\"]\n");
    assert_eq!(
        store
            .save_search_synonyms(&second, manager.id, at, &event())
            .await
            .unwrap(),
        2,
        "each save is a new version"
    );
    let stored = store.search_synonyms().await.unwrap().unwrap();
    assert_eq!(stored.text, second, "kept exactly as written");
    assert_eq!(stored.version, 2);
    assert_eq!(stored.updated_at, at);
    assert_eq!(stored.updated_by, manager.id);
    assert_eq!(audit_count(store).await, before + 2, "each save audited");
}

pub async fn reference_data_is_seeded_and_can_be_changed(store: &dyn Store) {
    let needs = store.needs().await.unwrap();
    assert!(needs.len() >= 13);
    assert_eq!(needs[0].code, "loneliness");
    assert!(needs.iter().all(|n| n.active));
    let mut debt = needs.iter().find(|n| n.code == "debt").unwrap().clone();
    debt.label = "Money worries".into();
    debt.active = false;
    store
        .save_need(&debt, &cli_event(AuditAction::NeedChange))
        .await
        .unwrap();
    let food = Need {
        code: "food".into(),
        label: "Food".into(),
        snomed_code: Some("123".into()),
        active: true,
        position: 5,
    };
    store
        .save_need(&food, &cli_event(AuditAction::NeedChange))
        .await
        .unwrap();
    let needs = store.needs().await.unwrap();
    assert_eq!(needs[0], food, "ordered by position");
    assert_eq!(needs.iter().find(|n| n.code == "debt").unwrap(), &debt);

    let referral_code = store
        .clinical_code(CodePurpose::Referral)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(referral_code.code, "871731000000106");
    assert_eq!(referral_code.system, "http://snomed.info/sct");
    let declined = store
        .clinical_code(CodePurpose::Declined)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(declined.code, "871711000000103");
    let corrected = ClinicalCode {
        display: "Referral to social prescribing service".into(),
        ..referral_code
    };
    store
        .set_clinical_code(&corrected, &cli_event(AuditAction::ClinicalCodeChange))
        .await
        .unwrap();
    assert_eq!(store.clinical_codes().await.unwrap()[1], corrected);

    let t = tree(store).await;
    let covers = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    store
        .set_pcn_coverage(
            t.pcn_a.id,
            &covers(&["RV10", "RV1", "RV2"]),
            &cli_event(AuditAction::PcnCoverageChange),
        )
        .await
        .unwrap();
    assert_eq!(
        store.pcn_coverage(t.pcn_a.id).await.unwrap(),
        ["RV1", "RV2", "RV10"]
    );
    assert_eq!(
        store.pcn_for_outcode("rv2").await.unwrap(),
        Some(t.pcn_a.id)
    );
    assert_eq!(store.pcn_for_outcode("RV3").await.unwrap(), None);
    let err = store
        .set_pcn_coverage(
            t.pcn_b.id,
            &covers(&["RV3", "RV2"]),
            &cli_event(AuditAction::PcnCoverageChange),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Conflict(_)), "{err:?}");
    assert!(
        store.pcn_coverage(t.pcn_b.id).await.unwrap().is_empty(),
        "rolled back"
    );
    // Replacing moves districts.
    store
        .set_pcn_coverage(
            t.pcn_a.id,
            &covers(&["RV1"]),
            &cli_event(AuditAction::PcnCoverageChange),
        )
        .await
        .unwrap();
    store
        .set_pcn_coverage(
            t.pcn_b.id,
            &covers(&["RV2"]),
            &cli_event(AuditAction::PcnCoverageChange),
        )
        .await
        .unwrap();
    assert_eq!(
        store.pcn_for_outcode("RV2").await.unwrap(),
        Some(t.pcn_b.id)
    );
}

pub async fn api_tokens_are_found_by_hash_and_revoked_once(store: &dyn Store) {
    let t = tree(store).await;
    let at = now();
    let token = |org, name: &str, hash: &str, minutes| ApiToken {
        id: ApiTokenId::new(),
        org_id: org,
        name: name.into(),
        token_hash: hash.into(),
        hint: "lwk_abcd".into(),
        created_at: at + Duration::minutes(minutes),
        created_by: "admin@example.org".into(),
        last_used_at: None,
        revoked_at: None,
    };
    let a = token(t.practice_a.id, "EMIS bridge", "hash-a", 0);
    let b = token(t.pcn_b.id, "Other", "hash-b", 1);
    for tok in [&a, &b] {
        store
            .create_api_token(tok, &cli_event(AuditAction::ApiTokenIssue))
            .await
            .unwrap();
    }
    assert_eq!(store.api_token_by_hash("hash-a").await.unwrap().unwrap(), a);
    assert!(store.api_token_by_hash("nope").await.unwrap().is_none());
    assert_eq!(
        store.api_tokens(None).await.unwrap(),
        [b.clone(), a.clone()]
    );
    assert_eq!(
        store.api_tokens(Some(t.pcn_a.id)).await.unwrap(),
        std::slice::from_ref(&a)
    );

    let used = now() + Duration::minutes(5);
    store.touch_api_token(a.id, used).await.unwrap();
    assert_eq!(
        store.api_token(a.id).await.unwrap().unwrap().last_used_at,
        Some(used)
    );
    store
        .revoke_api_token(a.id, used, &cli_event(AuditAction::ApiTokenRevoke))
        .await
        .unwrap();
    let revoked = store.api_token(a.id).await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(used));
    assert!(!revoked.is_active());
    let before = audit_count(store).await;
    assert!(matches!(
        store
            .revoke_api_token(a.id, used, &cli_event(AuditAction::ApiTokenRevoke))
            .await,
        Err(StorageError::NotFound(_))
    ));
    assert_eq!(audit_count(store).await, before);
}

pub async fn bulk_inserts_write_many_referrals_with_one_audit_event(store: &dyn Store) {
    let t = tree(store).await;
    let before = audit_count(store).await;
    let base = now() - Duration::days(30);
    // More than one batch, and people shared by later referrals.
    let mut shared = None;
    let mut rows = (0..1_203).map(|i| {
        let p = person(t.pcn_a.id, "Bulk", &format!("Person{i}"), None, None);
        let r = referral(&p, ReferralRoute::Api, base + Duration::minutes(i));
        if i % 100 == 99 {
            let id = shared.expect("a person from earlier");
            let mut r = r;
            r.person_id = id;
            new_referral(ReferralPerson::Existing(id), r)
        } else {
            shared = Some(p.id);
            new_referral(ReferralPerson::New(Box::new(p)), r)
        }
    });
    let event = NewAuditEvent::new(Actor::System, AuditAction::DemoReferrals, now())
        .entity(EntityRef::new("organisation", t.pcn_a.id))
        .detail("bulk test");
    let written = store
        .bulk_insert_referrals(&mut rows, &event)
        .await
        .unwrap();
    assert_eq!(written, 1_203);
    assert_eq!(audit_count(store).await, before + 1);
    let all = store
        .list_referrals(
            &ReferralFilter {
                pcn_id: Some(t.pcn_a.id),
                ..Default::default()
            },
            ReferralOrder::OldestFirst,
            PageRequest::new(1, 2),
        )
        .await
        .unwrap();
    assert_eq!(all.total, 1_203);
    assert_eq!(all.items[0].referral.needs, ["loneliness", "debt"]);
    let people = store
        .search_people(
            &[t.pcn_a.id],
            &["bulk".into()],
            false,
            PageRequest::new(1, 1),
        )
        .await
        .unwrap();
    assert_eq!(people.total, 1_203 - 12);
}
