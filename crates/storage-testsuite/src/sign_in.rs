//! Second factors, recovery codes, sessions waiting for their second
//! factor, and organisations' sign-in settings.

use futures::future::join_all;
use linkwork_domain::audit::{AuditAction, EntityRef};
use linkwork_domain::role::Role;
use linkwork_domain::session::{Session, SignInMethod};
use linkwork_domain::time::now;
use linkwork_storage::{OidcSettings, OrgSignIn, StorageError, Store, StoredSecondFactor};

use crate::fixtures::{add_user, audit_count, event, tree, user};

fn waiting_session(user_id: linkwork_domain::UserId, token: &str) -> Session {
    let at = now();
    Session {
        token_hash: token.to_owned(),
        user_id,
        csrf_token: format!("csrf-{token}"),
        created_at: at,
        last_seen_at: at,
        expires_at: at + chrono::Duration::hours(12),
        ip: None,
        user_agent: None,
        second_factor_pending: true,
        signed_in_with: SignInMethod::Password,
    }
}

pub async fn second_factors_are_kept_with_recovery_codes_and_replaced_whole(store: &dyn Store) {
    let t = tree(store).await;
    let u = user("totp@example.org", "T", t.pcn_a.id, &[Role::Admin]);
    add_user(store, &u).await;
    assert_eq!(store.second_factor(u.id).await.unwrap(), None);

    let at = now();
    let factor = StoredSecondFactor {
        secret_sealed: "sealed-1".into(),
        last_step: 100,
        set_up_at: at,
    };
    let hashes: Vec<String> = (0..10).map(|i| format!("hash-{i}")).collect();
    let before = audit_count(store).await;
    let set_up = || event(AuditAction::SecondFactorSetUp, EntityRef::new("user", u.id));
    store
        .set_second_factor(u.id, &factor, &hashes, None, &set_up())
        .await
        .unwrap();
    assert_eq!(audit_count(store).await, before + 1, "audited");
    assert_eq!(store.second_factor(u.id).await.unwrap(), Some(factor));
    let unused = store.unused_recovery_codes(u.id).await.unwrap();
    assert_eq!(unused.len(), 10);
    assert_eq!(unused[3].code_hash, "hash-3");

    // Setting up again replaces the secret and every code.
    let again = StoredSecondFactor {
        secret_sealed: "sealed-2".into(),
        last_step: 200,
        set_up_at: at,
    };
    // Set up while signing in: the waiting session is complete with it.
    store
        .create_session(
            &waiting_session(u.id, "setting-up"),
            &event(AuditAction::SignIn, EntityRef::new("user", u.id)),
        )
        .await
        .unwrap();
    store
        .set_second_factor(
            u.id,
            &again,
            &["only".to_owned()],
            Some("setting-up"),
            &set_up(),
        )
        .await
        .unwrap();
    let (done, _) = store
        .session_with_user("setting-up")
        .await
        .unwrap()
        .unwrap();
    assert!(!done.second_factor_pending);
    assert_eq!(store.second_factor(u.id).await.unwrap(), Some(again));
    let unused = store.unused_recovery_codes(u.id).await.unwrap();
    assert_eq!(unused.len(), 1);
    assert_eq!(unused[0].code_hash, "only");

    store
        .remove_second_factor(
            u.id,
            &event(
                AuditAction::SecondFactorRemoved,
                EntityRef::new("user", u.id),
            ),
        )
        .await
        .unwrap();
    assert_eq!(store.second_factor(u.id).await.unwrap(), None);
    assert!(store.unused_recovery_codes(u.id).await.unwrap().is_empty());
}

pub async fn a_totp_step_is_used_once_and_completes_the_session(store: &dyn Store) {
    let t = tree(store).await;
    let u = user("step@example.org", "S", t.pcn_a.id, &[Role::LinkWorker]);
    add_user(store, &u).await;
    let factor = StoredSecondFactor {
        secret_sealed: "sealed".into(),
        last_step: 100,
        set_up_at: now(),
    };
    let set_up = event(AuditAction::SecondFactorSetUp, EntityRef::new("user", u.id));
    store
        .set_second_factor(u.id, &factor, &[], None, &set_up)
        .await
        .unwrap();
    let session = waiting_session(u.id, "waiting");
    store
        .create_session(
            &session,
            &event(AuditAction::SignIn, EntityRef::new("user", u.id)),
        )
        .await
        .unwrap();
    let used = event(AuditAction::SecondFactorUsed, EntityRef::new("user", u.id));

    // The step the set-up code used, and any before it, are refused.
    for step in [99, 100] {
        assert!(
            !store
                .use_totp_step(u.id, step, "waiting", &used)
                .await
                .unwrap()
        );
    }
    let (still, _) = store.session_with_user("waiting").await.unwrap().unwrap();
    assert!(
        still.second_factor_pending,
        "a refused code completes nothing"
    );

    // Requests bringing one code at the same moment: one succeeds.
    let before = audit_count(store).await;
    let results = join_all((0..4).map(|_| store.use_totp_step(u.id, 101, "waiting", &used))).await;
    let accepted = results.into_iter().filter(|r| *r.as_ref().unwrap()).count();
    assert_eq!(accepted, 1);
    assert_eq!(audit_count(store).await, before + 1);
    let (done, _) = store.session_with_user("waiting").await.unwrap().unwrap();
    assert!(!done.second_factor_pending);
    assert_eq!(
        store.second_factor(u.id).await.unwrap().unwrap().last_step,
        101
    );
}

pub async fn a_recovery_code_is_used_once(store: &dyn Store) {
    let t = tree(store).await;
    let u = user("recover@example.org", "R", t.pcn_a.id, &[Role::LinkWorker]);
    add_user(store, &u).await;
    let factor = StoredSecondFactor {
        secret_sealed: "sealed".into(),
        last_step: 1,
        set_up_at: now(),
    };
    let hashes = vec!["a".to_owned(), "b".to_owned()];
    let set_up = || event(AuditAction::SecondFactorSetUp, EntityRef::new("user", u.id));
    store
        .set_second_factor(u.id, &factor, &hashes, None, &set_up())
        .await
        .unwrap();
    store
        .create_session(
            &waiting_session(u.id, "waiting"),
            &event(AuditAction::SignIn, EntityRef::new("user", u.id)),
        )
        .await
        .unwrap();
    let used = event(AuditAction::RecoveryCodeUsed, EntityRef::new("user", u.id));
    let at = now();
    let results =
        join_all((0..3).map(|_| store.use_recovery_code(u.id, 1, at, "waiting", &used))).await;
    assert_eq!(
        results.into_iter().filter(|r| *r.as_ref().unwrap()).count(),
        1
    );
    let unused = store.unused_recovery_codes(u.id).await.unwrap();
    assert_eq!(unused.len(), 1);
    assert_eq!((unused[0].position, unused[0].code_hash.as_str()), (0, "a"));
    let (done, _) = store.session_with_user("waiting").await.unwrap().unwrap();
    assert!(!done.second_factor_pending);
    assert!(
        !store
            .use_recovery_code(u.id, 1, at, "waiting", &used)
            .await
            .unwrap()
    );
}

pub async fn organisations_keep_their_sign_in_settings(store: &dyn Store) {
    let t = tree(store).await;
    assert_eq!(
        store.org_sign_in(t.pcn_a.id).await.unwrap(),
        OrgSignIn::default()
    );
    let change = || {
        event(
            AuditAction::SignInPolicyChange,
            EntityRef::new("organisation", t.pcn_a.id),
        )
    };
    let required = OrgSignIn {
        require_second_factor: true,
        oidc: None,
    };
    store
        .set_org_sign_in(t.pcn_a.id, &required, now(), &change())
        .await
        .unwrap();
    assert_eq!(store.org_sign_in(t.pcn_a.id).await.unwrap(), required);

    let sso = OrgSignIn {
        require_second_factor: false,
        oidc: Some(OidcSettings {
            issuer: "https://login.example.nhs.uk".into(),
            client_id: "linkwork".into(),
            client_secret_sealed: "sealed".into(),
            claim: "email".into(),
            email_domain: "alpha.example.nhs.uk".into(),
        }),
    };
    store
        .set_org_sign_in(t.pcn_a.id, &sso, now(), &change())
        .await
        .unwrap();
    assert_eq!(store.org_sign_in(t.pcn_a.id).await.unwrap(), sso);
    assert_eq!(
        store
            .org_by_sso_domain("alpha.example.nhs.uk")
            .await
            .unwrap(),
        Some(t.pcn_a.id)
    );
    assert_eq!(
        store.org_by_sso_domain("example.nhs.uk").await.unwrap(),
        None
    );

    // One email domain leads to one organisation; the refusal writes
    // nothing, its audit event included.
    let before = audit_count(store).await;
    let clash = store
        .set_org_sign_in(
            t.pcn_b.id,
            &sso,
            now(),
            &event(
                AuditAction::SignInPolicyChange,
                EntityRef::new("organisation", t.pcn_b.id),
            ),
        )
        .await;
    assert!(matches!(clash, Err(StorageError::Conflict(_))), "{clash:?}");
    assert_eq!(audit_count(store).await, before);
    assert_eq!(
        store.org_sign_in(t.pcn_b.id).await.unwrap(),
        OrgSignIn::default()
    );
}
