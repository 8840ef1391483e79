//! The storage suite. Each case gets an empty store and checks one
//! behaviour through the public traits only.

use chrono::Duration;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::geo::GeoPoint;
use linkwork_domain::organisation::OrgKind;
use linkwork_domain::postcode::Postcode;
use linkwork_domain::role::{Role, Roles};
use linkwork_domain::session::{CredentialPurpose, CredentialToken, Session, SignInMethod};
use linkwork_domain::time::now;
use linkwork_domain::user::{Email, UserStatus};
use linkwork_domain::{Timestamp, UserId};
use linkwork_storage::{AuditFilter, PageRequest, PostcodeRecord, StorageError, Store, UserFilter};

use crate::fixtures::{actor, add_user, audit_count, event, organisation, tree, user};

fn session_for(user_id: UserId, token: &str, at: Timestamp) -> Session {
    Session {
        token_hash: token.to_owned(),
        user_id,
        csrf_token: format!("csrf-{token}"),
        created_at: at,
        last_seen_at: at,
        expires_at: at + Duration::hours(12),
        ip: Some("192.0.2.1".into()),
        user_agent: Some("test".into()),
        second_factor_pending: false,
        signed_in_with: SignInMethod::Password,
    }
}

pub async fn organisations_sit_in_a_tree(store: &dyn Store) {
    let t = tree(store).await;
    let fetched = store.organisation(t.practice_a.id).await.unwrap().unwrap();
    assert_eq!(fetched, t.practice_a);

    let scope = store.org_scope(t.icb.id).await.unwrap();
    for org in [&t.icb, &t.pcn_a, &t.pcn_b, &t.practice_a] {
        assert!(scope.contains(org.id), "{} in ICB scope", org.name);
    }
    assert!(!scope.contains(t.vcse.id));
    let pcn_scope = store.org_scope(t.pcn_a.id).await.unwrap();
    assert_eq!(pcn_scope.members().len(), 2);
    assert!(pcn_scope.contains(t.practice_a.id) && !pcn_scope.contains(t.pcn_b.id));

    let all: Vec<_> = store
        .list_organisations(None)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(
        all,
        [
            "Alpha PCN",
            "Alpha Surgery",
            "Beta PCN",
            "Garden Friends",
            "North ICB"
        ]
    );
    let within: Vec<_> = store
        .list_organisations(Some(t.pcn_a.id))
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(within, ["Alpha PCN", "Alpha Surgery"]);
}

pub async fn organisation_codes_are_unique_and_failed_changes_leave_no_audit(store: &dyn Store) {
    let mut first = organisation("High Street Surgery", OrgKind::Vcse, None);
    first.code = Some("F84001".into());
    store
        .create_organisation(
            &first,
            &event(
                AuditAction::OrganisationCreate,
                EntityRef::new("organisation", first.id),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .organisation_by_code("f84001")
            .await
            .unwrap()
            .unwrap()
            .id,
        first.id
    );
    assert_eq!(audit_count(store).await, 1);

    let mut clash = organisation("Other", OrgKind::Vcse, None);
    clash.code = Some("F84001".into());
    let err = store
        .create_organisation(
            &clash,
            &event(
                AuditAction::OrganisationCreate,
                EntityRef::new("organisation", clash.id),
            ),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Conflict(_)), "{err:?}");
    assert!(store.organisation(clash.id).await.unwrap().is_none());
    assert_eq!(
        audit_count(store).await,
        1,
        "the failed change wrote no audit entry"
    );
}

pub async fn users_are_created_with_roles_and_found_by_email(store: &dyn Store) {
    let t = tree(store).await;
    let mut lw = user(
        "Sam.Lee@example.org",
        "Sam Lee",
        t.pcn_a.id,
        &[Role::LinkWorker, Role::TeamLead],
    );
    lw.status = UserStatus::Invited;
    store
        .create_user(
            &lw,
            None,
            &event(AuditAction::UserCreate, EntityRef::new("user", lw.id)),
        )
        .await
        .unwrap();
    assert_eq!(store.user(lw.id).await.unwrap().unwrap(), lw);
    let creds = store
        .user_credentials(&Email::parse("sam.lee@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        creds.user.roles,
        Roles::new([Role::LinkWorker, Role::TeamLead])
    );
    assert_eq!(creds.password_hash, None);
    assert!(
        store
            .user_credentials(&Email::parse("nobody@example.org").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.user(UserId::new()).await.unwrap().is_none());
}

pub async fn duplicate_email_is_a_conflict_and_changes_nothing(store: &dyn Store) {
    let t = tree(store).await;
    let first = user("a@example.org", "A", t.pcn_a.id, &[Role::Referrer]);
    add_user(store, &first).await;
    let before = audit_count(store).await;
    let second = user("a@example.org", "B", t.pcn_b.id, &[Role::Admin]);
    let err = store
        .create_user(
            &second,
            None,
            &event(AuditAction::UserCreate, EntityRef::new("user", second.id)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StorageError::Conflict(ref m) if m.contains("email")),
        "{err:?}"
    );
    assert!(store.user(second.id).await.unwrap().is_none());
    assert_eq!(audit_count(store).await, before);
}

pub async fn users_are_listed_with_filters_and_pages(store: &dyn Store) {
    let t = tree(store).await;
    let alice = user(
        "alice@example.org",
        "Alice Adams",
        t.pcn_a.id,
        &[Role::LinkWorker],
    );
    let bob = user(
        "bob@example.org",
        "bob Brown",
        t.practice_a.id,
        &[Role::Referrer],
    );
    let cara = user(
        "cara@example.org",
        "Cara Cole",
        t.pcn_b.id,
        &[Role::LinkWorker],
    );
    let mut dan = user("dan@garden.org", "Dan Dale", t.vcse.id, &[Role::Partner]);
    dan.status = UserStatus::Disabled;
    for u in [&alice, &bob, &cara, &dan] {
        add_user(store, u).await;
    }
    let names = |page: linkwork_storage::Page<linkwork_domain::user::User>| {
        page.items
            .into_iter()
            .map(|u| u.display_name)
            .collect::<Vec<_>>()
    };
    let all = store
        .list_users(&UserFilter::default(), PageRequest::new(1, 50))
        .await
        .unwrap();
    assert_eq!(all.total, 4);
    assert_eq!(
        names(all),
        ["Alice Adams", "bob Brown", "Cara Cole", "Dan Dale"],
        "sorted ignoring case"
    );

    let cases: [(&str, UserFilter, &[&str]); 6] = [
        (
            "within a network",
            UserFilter {
                within: Some(t.pcn_a.id),
                ..Default::default()
            },
            &["Alice Adams", "bob Brown"],
        ),
        (
            "by role",
            UserFilter {
                role: Some(Role::LinkWorker),
                ..Default::default()
            },
            &["Alice Adams", "Cara Cole"],
        ),
        (
            "by status",
            UserFilter {
                status: Some(UserStatus::Disabled),
                ..Default::default()
            },
            &["Dan Dale"],
        ),
        (
            "by name, ignoring case",
            UserFilter {
                text: Some("BROWN".into()),
                ..Default::default()
            },
            &["bob Brown"],
        ),
        (
            "by email",
            UserFilter {
                text: Some("garden.org".into()),
                ..Default::default()
            },
            &["Dan Dale"],
        ),
        (
            "by organisation",
            UserFilter {
                org_id: Some(t.pcn_b.id),
                ..Default::default()
            },
            &["Cara Cole"],
        ),
    ];
    for (what, filter, expected) in cases {
        let page = store
            .list_users(&filter, PageRequest::new(1, 50))
            .await
            .unwrap();
        assert_eq!(names(page), expected, "{what}");
    }

    let page2 = store
        .list_users(&UserFilter::default(), PageRequest::new(2, 3))
        .await
        .unwrap();
    assert_eq!(page2.total, 4);
    assert_eq!(page2.total_pages(), 2);
    assert_eq!(names(page2), ["Dan Dale"]);
}

pub async fn roles_can_be_replaced(store: &dyn Store) {
    let t = tree(store).await;
    let u = user("r@example.org", "R", t.pcn_a.id, &[Role::Referrer]);
    add_user(store, &u).await;
    let roles = Roles::new([Role::LinkWorker, Role::Admin]);
    store
        .set_user_roles(
            u.id,
            &roles,
            &event(AuditAction::UserRolesChange, EntityRef::new("user", u.id)),
        )
        .await
        .unwrap();
    assert_eq!(store.user(u.id).await.unwrap().unwrap().roles, roles);
    let missing = store
        .set_user_roles(
            UserId::new(),
            &roles,
            &event(AuditAction::UserRolesChange, EntityRef::new("user", "x")),
        )
        .await;
    assert!(matches!(missing, Err(StorageError::NotFound(_))));
}

pub async fn disabling_a_user_ends_their_sessions(store: &dyn Store) {
    let t = tree(store).await;
    let u = user("d@example.org", "D", t.pcn_a.id, &[Role::LinkWorker]);
    add_user(store, &u).await;
    let at = now();
    store
        .create_session(
            &session_for(u.id, "s1", at),
            &NewAuditEvent::new(actor(&u), AuditAction::SignIn, at),
        )
        .await
        .unwrap();
    store
        .set_user_status(
            u.id,
            UserStatus::Disabled,
            &event(AuditAction::UserDisable, EntityRef::new("user", u.id)),
        )
        .await
        .unwrap();
    assert_eq!(
        store.user(u.id).await.unwrap().unwrap().status,
        UserStatus::Disabled
    );
    assert!(store.session_with_user("s1").await.unwrap().is_none());
    store
        .set_user_status(
            u.id,
            UserStatus::Active,
            &event(AuditAction::UserEnable, EntityRef::new("user", u.id)),
        )
        .await
        .unwrap();
    assert_eq!(
        store.user(u.id).await.unwrap().unwrap().status,
        UserStatus::Active
    );
    let missing = store
        .set_user_status(
            UserId::new(),
            UserStatus::Active,
            &event(AuditAction::UserEnable, EntityRef::new("user", "x")),
        )
        .await;
    assert!(matches!(missing, Err(StorageError::NotFound(_))));
}

pub async fn setting_a_password_activates_and_ends_other_sessions(store: &dyn Store) {
    let t = tree(store).await;
    let mut u = user("p@example.org", "P", t.pcn_a.id, &[Role::LinkWorker]);
    u.status = UserStatus::Invited;
    add_user(store, &u).await;
    let at = now();
    for token in ["keep", "other"] {
        store
            .create_session(
                &session_for(u.id, token, at),
                &NewAuditEvent::new(actor(&u), AuditAction::SignIn, at),
            )
            .await
            .unwrap();
    }
    let link = CredentialToken {
        token_hash: "link".into(),
        user_id: u.id,
        purpose: CredentialPurpose::Invite,
        created_at: at,
        expires_at: at + Duration::days(7),
    };
    store
        .issue_credential_token(
            &link,
            &event(
                AuditAction::CredentialLinkIssue,
                EntityRef::new("user", u.id),
            ),
        )
        .await
        .unwrap();
    store
        .set_password(
            u.id,
            "new-hash",
            Some("keep"),
            &event(AuditAction::PasswordSet, EntityRef::new("user", u.id)),
        )
        .await
        .unwrap();
    let creds = store.user_credentials(&u.email).await.unwrap().unwrap();
    assert_eq!(creds.password_hash.as_deref(), Some("new-hash"));
    assert_eq!(creds.user.status, UserStatus::Active);
    assert!(store.session_with_user("keep").await.unwrap().is_some());
    assert!(store.session_with_user("other").await.unwrap().is_none());
    assert!(
        store.credential_token("link").await.unwrap().is_none(),
        "links are one-time"
    );

    // Without a session to keep, every session ends; a disabled user stays disabled.
    store
        .set_user_status(
            u.id,
            UserStatus::Disabled,
            &event(AuditAction::UserDisable, EntityRef::new("user", u.id)),
        )
        .await
        .unwrap();
    store
        .set_password(
            u.id,
            "h2",
            None,
            &event(AuditAction::PasswordSet, EntityRef::new("user", u.id)),
        )
        .await
        .unwrap();
    assert!(store.session_with_user("keep").await.unwrap().is_none());
    assert_eq!(
        store.user(u.id).await.unwrap().unwrap().status,
        UserStatus::Disabled
    );
}

pub async fn sessions_are_created_touched_and_removed(store: &dyn Store) {
    let t = tree(store).await;
    let u = user("s@example.org", "S", t.pcn_a.id, &[Role::TeamLead]);
    add_user(store, &u).await;
    let at = now();
    let s = session_for(u.id, "token-hash", at);
    store
        .create_session(&s, &NewAuditEvent::new(actor(&u), AuditAction::SignIn, at))
        .await
        .unwrap();
    let (found, found_user) = store
        .session_with_user("token-hash")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, s);
    assert_eq!(found_user.id, u.id);
    assert_eq!(found_user.last_login_at, Some(at), "sign-in time recorded");

    let later = at + Duration::minutes(5);
    store.touch_session("token-hash", later).await.unwrap();
    assert_eq!(
        store
            .session_with_user("token-hash")
            .await
            .unwrap()
            .unwrap()
            .0
            .last_seen_at,
        later
    );

    store
        .delete_session(
            "token-hash",
            &NewAuditEvent::new(actor(&u), AuditAction::SignOut, later),
        )
        .await
        .unwrap();
    assert!(
        store
            .session_with_user("token-hash")
            .await
            .unwrap()
            .is_none()
    );
    let sign_outs = store
        .audit_events(
            &AuditFilter {
                action: Some("sign_out".into()),
                ..Default::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(sign_outs.total, 1);
    assert_eq!(sign_outs.items[0].actor_user_id, Some(u.id));
}

pub async fn stale_sessions_are_swept(store: &dyn Store) {
    let t = tree(store).await;
    let u = user("st@example.org", "St", t.pcn_a.id, &[Role::TeamLead]);
    add_user(store, &u).await;
    let at = now();
    let fresh = session_for(u.id, "fresh", at);
    let mut idle = session_for(u.id, "idle", at - Duration::hours(2));
    idle.expires_at = at + Duration::hours(10);
    let mut expired = session_for(u.id, "expired", at);
    expired.expires_at = at - Duration::seconds(1);
    for s in [&fresh, &idle, &expired] {
        store
            .create_session(s, &NewAuditEvent::new(actor(&u), AuditAction::SignIn, at))
            .await
            .unwrap();
    }
    let removed = store
        .delete_stale_sessions(at, at - Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(removed, 2);
    assert!(store.session_with_user("fresh").await.unwrap().is_some());
    assert!(store.session_with_user("idle").await.unwrap().is_none());
    assert!(store.session_with_user("expired").await.unwrap().is_none());
}

pub async fn credential_links_replace_earlier_ones(store: &dyn Store) {
    let t = tree(store).await;
    let u = user("c@example.org", "C", t.pcn_a.id, &[Role::Referrer]);
    add_user(store, &u).await;
    let at = now();
    let link = |hash: &str, purpose| CredentialToken {
        token_hash: hash.into(),
        user_id: u.id,
        purpose,
        created_at: at,
        expires_at: at + Duration::days(7),
    };
    let audit = || {
        event(
            AuditAction::CredentialLinkIssue,
            EntityRef::new("user", u.id),
        )
    };
    store
        .issue_credential_token(&link("first", CredentialPurpose::Invite), &audit())
        .await
        .unwrap();
    store
        .issue_credential_token(&link("second", CredentialPurpose::Reset), &audit())
        .await
        .unwrap();
    assert!(store.credential_token("first").await.unwrap().is_none());
    assert_eq!(
        store.credential_token("second").await.unwrap().unwrap(),
        link("second", CredentialPurpose::Reset)
    );
}

pub async fn audit_events_filter_and_page(store: &dyn Store) {
    let t = tree(store).await;
    let alice = user("alice@example.org", "Alice", t.pcn_a.id, &[Role::Admin]);
    let bea = user("bea@example.org", "Bea", t.pcn_b.id, &[Role::Admin]);
    add_user(store, &alice).await;
    add_user(store, &bea).await;
    let base = now() + Duration::days(1);
    for (i, who) in [&alice, &bea, &alice].iter().enumerate() {
        let e = NewAuditEvent::new(
            actor(who),
            AuditAction::SignIn,
            base + Duration::minutes(i as i64),
        )
        .entity(EntityRef::new("user", who.id))
        .detail(format!("event {i}"))
        .ip(Some("198.51.100.4".into()));
        store.record(&e).await.unwrap();
    }
    let sign_ins = AuditFilter {
        action: Some("sign_in".into()),
        ..Default::default()
    };
    let page = store
        .audit_events(&sign_ins, PageRequest::new(1, 2))
        .await
        .unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(
        page.items
            .iter()
            .map(|e| e.detail.as_str())
            .collect::<Vec<_>>(),
        ["event 2", "event 1"],
        "newest first"
    );
    assert_eq!(page.items[0].ip.as_deref(), Some("198.51.100.4"));
    assert_eq!(page.items[0].actor_label, "alice@example.org");
    assert_eq!(page.items[0].at, base + Duration::minutes(2));

    let within_a = AuditFilter {
        within: Some(t.pcn_a.id),
        ..Default::default()
    };
    assert_eq!(
        store
            .audit_events(&within_a, PageRequest::new(1, 10))
            .await
            .unwrap()
            .total,
        2
    );
    let within_icb = AuditFilter {
        within: Some(t.icb.id),
        ..Default::default()
    };
    assert_eq!(
        store
            .audit_events(&within_icb, PageRequest::new(1, 10))
            .await
            .unwrap()
            .total,
        3
    );
    let by_actor = AuditFilter {
        actor: Some("BEA@".into()),
        ..Default::default()
    };
    assert_eq!(
        store
            .audit_events(&by_actor, PageRequest::new(1, 10))
            .await
            .unwrap()
            .total,
        1
    );
    let by_entity = AuditFilter {
        entity_type: Some("user".into()),
        entity_id: Some(bea.id.to_string()),
        ..Default::default()
    };
    // Bea's creation and her sign-in are both about her.
    assert_eq!(
        store
            .audit_events(&by_entity, PageRequest::new(1, 10))
            .await
            .unwrap()
            .total,
        2
    );
    let window = AuditFilter {
        from: Some(base + Duration::minutes(1)),
        to: Some(base + Duration::minutes(2)),
        ..Default::default()
    };
    let in_window = store
        .audit_events(&window, PageRequest::new(1, 10))
        .await
        .unwrap();
    assert_eq!(
        in_window
            .items
            .iter()
            .map(|e| e.detail.as_str())
            .collect::<Vec<_>>(),
        ["event 1"]
    );
}

pub async fn audit_export_walks_in_order(store: &dyn Store) {
    let base = now();
    for i in 0..7 {
        // Two events share each instant, so ordering must fall back to id.
        let at = base + Duration::seconds(i / 2);
        store
            .record(
                &NewAuditEvent::new(Actor::Cli, AuditAction::AuditExport, at).detail(i.to_string()),
            )
            .await
            .unwrap();
    }
    let filter = AuditFilter::default();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let batch = store.audit_events_after(&filter, after, 3).await.unwrap();
        if batch.is_empty() {
            break;
        }
        after = batch.last().map(|e| (e.at, e.id));
        seen.extend(batch);
    }
    assert_eq!(seen.len(), 7);
    assert!(
        seen.windows(2)
            .all(|w| (w[0].at, w[0].id) < (w[1].at, w[1].id))
    );
}

fn postcode(pc: &str, lat: f64, lon: f64, rank: Option<u32>) -> PostcodeRecord {
    PostcodeRecord {
        postcode: Postcode::parse(pc).unwrap(),
        point: GeoPoint::new(lat, lon).unwrap(),
        lsoa: rank.map(|r| format!("E0100{r:04}")),
        imd_rank: rank,
        imd_decile: rank.map(|r| (r % 10 + 1) as u8),
    }
}

pub async fn postcodes_import_in_one_transaction_and_are_found(store: &dyn Store) {
    let rows = vec![
        postcode("RV1 1AA", 53.40, -2.20, Some(120)),
        postcode("RV1 1AB", 53.42, -2.24, Some(30000)),
        postcode("RV2 3CD", 53.50, -2.30, None),
    ];
    let event =
        || NewAuditEvent::new(Actor::Cli, AuditAction::PostcodeImport, now()).detail("test file");
    let written = store
        .import_postcodes(&mut rows.clone().into_iter().map(Ok), &event())
        .await
        .unwrap();
    assert_eq!(written, 3);
    assert_eq!(store.postcode_count().await.unwrap(), 3);
    let found = store
        .postcode(&Postcode::parse("rv11ab").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, rows[1]);
    assert!(
        store
            .postcode(&Postcode::parse("RV9 9ZZ").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    let centre = store.outcode_centroid("rv1").await.unwrap().unwrap();
    assert!(
        (centre.lat - 53.41).abs() < 1e-9 && (centre.lon + 2.22).abs() < 1e-9,
        "{centre:?}"
    );
    assert!(store.outcode_centroid("RV7").await.unwrap().is_none());

    // Re-importing replaces rows by postcode rather than duplicating them.
    let moved = vec![postcode("RV2 3CD", 53.55, -2.35, Some(7))];
    store
        .import_postcodes(&mut moved.clone().into_iter().map(Ok), &event())
        .await
        .unwrap();
    assert_eq!(store.postcode_count().await.unwrap(), 3);
    assert_eq!(
        store.postcode(&moved[0].postcode).await.unwrap().unwrap(),
        moved[0]
    );
    // An error part-way rolls the whole import back.
    let failing = vec![
        Ok(postcode("RV5 5EE", 53.6, -2.4, None)),
        Err("line 3 unreadable".to_owned()),
    ];
    let err = store
        .import_postcodes(&mut failing.into_iter(), &event())
        .await
        .unwrap_err();
    assert!(
        matches!(err, StorageError::Aborted(ref m) if m == "line 3 unreadable"),
        "{err:?}"
    );
    assert!(
        store
            .postcode(&Postcode::parse("RV5 5EE").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.postcode_count().await.unwrap(), 3);

    let imports = AuditFilter {
        action: Some("postcode.import".into()),
        ..Default::default()
    };
    let logged = store
        .audit_events(&imports, PageRequest::new(1, 10))
        .await
        .unwrap();
    assert_eq!(logged.total, 2);
    assert!(
        logged.items[0].detail.contains("1 postcodes"),
        "{}",
        logged.items[0].detail
    );
}

/// The audit log and referral histories cannot be changed or emptied, even
/// with SQL run directly on the database: triggers refuse it.
pub async fn append_only_tables_refuse_direct_changes<D: crate::databases::TestDatabase>(db: &D) {
    let store = db.store();
    let t = tree(store).await;
    crate::referral_fixtures::add_referral(
        store,
        crate::referral_fixtures::person(t.pcn_a.id, "Sam", "Patel", None, None),
        now(),
    )
    .await;
    let before = audit_count(store).await;
    for (table, column) in [("audit_events", "detail"), ("referral_events", "summary")] {
        let statements = [
            format!("UPDATE {table} SET {column} = 'changed'"),
            format!("DELETE FROM {table}"),
            // Erasure may only blank text to its fixed words (migration
            // 0016), never change anything else with it.
            format!(
                "UPDATE {table} SET {column} = '{}', actor_label = 'someone else'",
                if table == "audit_events" {
                    linkwork_domain::person_rights::ERASED_AUDIT_DETAIL.replace('\'', "''")
                } else {
                    linkwork_domain::person_rights::ERASED_TEXT.to_owned()
                }
            ),
        ]
        .into_iter()
        .chain(D::emptying_statements(table));
        for statement in statements {
            let err = db.execute_directly(&statement).await.unwrap_err();
            assert!(err.contains("append-only"), "{statement}: {err}");
        }
    }
    assert_eq!(audit_count(store).await, before);
}
