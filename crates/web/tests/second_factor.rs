//! The second factor for password sign-in: admins made to set one up
//! before anything else, codes that are wrong, replayed or throttled,
//! recovery codes that work once, and an organisation requiring it of
//! everyone.

mod support;

use axum::http::StatusCode;
use linkwork_domain::audit::AuditAction;
use linkwork_domain::role::Role;
use linkwork_domain::second_factor::{code_for, step_at};
use linkwork_domain::time::now;
use linkwork_storage::{AuditFilter, PageRequest};
use support::{Client, PASSWORD, TestApp, base32_decode, current_code};

async fn count(app: &TestApp, action: AuditAction) -> u64 {
    app.store()
        .audit_events(
            &AuditFilter {
                actions: vec![action.code().to_owned()],
                ..Default::default()
            },
            PageRequest::new(1, 1),
        )
        .await
        .unwrap()
        .total
}

/// Signs in with the password only, leaving the second step to the test.
async fn password_only(app: &TestApp, email: &str) -> Client {
    let mut client = app.client();
    let reply = client.login(email, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), Some("/login/second-factor"));
    client
}

async fn an_admin_must_set_up_a_second_factor_before_anything_else(app: TestApp) {
    let tree = app.tree().await;
    app.user("admin@example.org", tree.pcn_a.id, &[Role::Admin])
        .await;
    let mut client = app.client();
    client.get("/login").await;
    let reply = client
        .post(
            "/login",
            &[
                ("email", "admin@example.org"),
                ("password", PASSWORD),
                ("next", "/admin/users"),
            ],
        )
        .await;
    assert_eq!(
        reply.location(),
        Some("/login/second-factor?next=%2Fadmin%2Fusers"),
        "the page asked for comes along"
    );

    // Nothing is reachable until it is done, the login page included.
    for path in ["/", "/admin/users", "/account", "/people"] {
        let reply = client.get(path).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(reply.location(), Some("/login/second-factor"), "{path}");
    }
    let reply = client.get("/login").await;
    assert!(
        reply
            .location()
            .is_some_and(|l| l.starts_with("/login/second-factor"))
    );

    let page = client
        .get("/login/second-factor?next=%2Fadmin%2Fusers")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Set up your authenticator app"));
    let key = page.field_text("setup-key").expect("the key is shown");
    let uri = page.field_text("setup-uri").expect("and the URI");
    assert!(
        uri.starts_with("otpauth://totp/Linkwork:admin@example.org?secret="),
        "{uri}"
    );
    assert!(uri.contains(&key.replace(' ', "")), "{uri} has {key}");
    let secret = base32_decode(&key);
    let sealed = page.hidden_field("sealed").unwrap();
    assert!(
        !sealed.contains(&key.replace(' ', "")),
        "the form carries it sealed"
    );

    // A wrong code sets nothing up, and the page keeps the same key.
    let wrong = client
        .post(
            "/login/second-factor/set-up",
            &[
                ("sealed", &sealed),
                ("code", "000000"),
                ("next", "/admin/users"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("The code is not correct"));
    assert_eq!(wrong.field_text("setup-key").as_deref(), Some(key.as_str()));
    assert_eq!(client.get("/").await.status, StatusCode::SEE_OTHER);

    let done = client
        .post(
            "/login/second-factor/set-up",
            &[
                ("sealed", &sealed),
                ("code", &current_code(&secret)),
                ("next", "/admin/users"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let codes = done.body.matches("<li><code>").count();
    assert_eq!(codes, 10, "ten recovery codes, shown once");
    assert!(done.body.contains("href=\"/admin/users\""));
    assert_eq!(client.get("/admin/users").await.status, StatusCode::OK);
    assert_eq!(count(&app, AuditAction::SecondFactorSetUp).await, 1);

    // Setting up again while signing in is refused now one exists: a
    // password alone never replaces a second factor.
    let mut again = password_only(&app, "admin@example.org").await;
    let page = again.get("/login/second-factor").await;
    assert!(page.body.contains("Enter your security code"));
    let offer = app.app.offer_second_factor(
        &app.store()
            .user_credentials(&linkwork_domain::user::Email::parse("admin@example.org").unwrap())
            .await
            .unwrap()
            .unwrap()
            .user,
    );
    let replaced = again
        .post(
            "/login/second-factor/set-up",
            &[("sealed", &offer.sealed), ("code", "123456")],
        )
        .await;
    assert_eq!(replaced.status, StatusCode::FORBIDDEN);
}

async fn wrong_and_replayed_codes_are_refused(app: TestApp) {
    let tree = app.tree().await;
    app.user("admin@example.org", tree.pcn_a.id, &[Role::Admin])
        .await;
    // Set up through the real flow, as the person would.
    app.signed_in("admin@example.org").await;
    let secret = app.authenticator("admin@example.org").unwrap();
    // The set-up used the current step; the next one is fresh.
    let step = step_at(now()) + 1;
    let fresh = code_for(&secret, step);

    let mut client = password_only(&app, "admin@example.org").await;
    client.get("/login/second-factor").await;
    let wrong = client
        .post("/login/second-factor", &[("code", "12345x")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .body
            .contains("The code is not correct or has been used")
    );
    assert_eq!(client.get("/").await.status, StatusCode::SEE_OTHER);
    let empty = client.post("/login/second-factor", &[("code", " ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);

    let right = client
        .post("/login/second-factor", &[("code", &fresh)])
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
    assert_eq!(right.location(), Some("/"));
    assert_eq!(client.get("/").await.status, StatusCode::OK);
    assert_eq!(count(&app, AuditAction::SecondFactorUsed).await, 1);

    // The same code again, from another sign-in: refused, as is any
    // earlier one.
    let mut thief = password_only(&app, "admin@example.org").await;
    thief.get("/login/second-factor").await;
    for code in [fresh.clone(), code_for(&secret, step - 1)] {
        let replayed = thief.post("/login/second-factor", &[("code", &code)]).await;
        assert_eq!(replayed.status, StatusCode::UNAUTHORIZED, "{code}");
    }
    assert_eq!(thief.get("/").await.status, StatusCode::SEE_OTHER);
    assert!(count(&app, AuditAction::SecondFactorFailed).await >= 3);
}

async fn wrong_codes_are_throttled_like_passwords(app: TestApp) {
    let tree = app.tree().await;
    app.user("admin@example.org", tree.pcn_a.id, &[Role::Admin])
        .await;
    app.signed_in("admin@example.org").await;
    let secret = app.authenticator("admin@example.org").unwrap();
    let mut client = password_only(&app, "admin@example.org").await;
    client.get("/login/second-factor").await;
    let limit = app.app.settings.login.max_failures_per_account;
    for _ in 0..limit {
        let reply = client
            .post("/login/second-factor", &[("code", "000000")])
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    // Past the limit even the right code is refused until the window ends.
    app.forget_used_codes("admin@example.org").await;
    let refused = client
        .post("/login/second-factor", &[("code", &current_code(&secret))])
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers.contains_key("retry-after"));
    assert_eq!(client.get("/").await.status, StatusCode::SEE_OTHER);
}

async fn a_recovery_code_works_once(app: TestApp) {
    let tree = app.tree().await;
    app.user("lw@example.org", tree.pcn_a.id, &[Role::LinkWorker])
        .await;
    // A link worker sets an app up from their account page, by choice.
    let mut client = app.signed_in("lw@example.org").await;
    let page = client.get("/account").await;
    assert!(page.body.contains("Set up an authenticator app"));
    let page = client.get("/account/second-factor").await;
    let secret = base32_decode(&page.field_text("setup-key").unwrap());
    let sealed = page.hidden_field("sealed").unwrap();
    let done = client
        .post(
            "/account/second-factor",
            &[("sealed", &sealed), ("code", &current_code(&secret))],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    let first_code = {
        let start = done.body.find("<li><code>").unwrap() + "<li><code>".len();
        let end = done.body[start..].find('<').unwrap() + start;
        done.body[start..end].to_owned()
    };
    assert_eq!(first_code.len(), 11, "{first_code}");
    let account = client.get("/account").await;
    assert!(account.body.contains("You have 10 unused recovery codes"));

    // Now the password is not enough.
    let mut phone_lost = password_only(&app, "lw@example.org").await;
    phone_lost.get("/login/second-factor").await;
    let used = phone_lost
        .post(
            "/login/second-factor",
            &[("code", &first_code.to_uppercase())],
        )
        .await;
    assert_eq!(used.status, StatusCode::SEE_OTHER, "{}", used.body);
    assert_eq!(count(&app, AuditAction::RecoveryCodeUsed).await, 1);
    let account = phone_lost.get("/account").await;
    assert!(account.body.contains("You have 9 unused recovery codes"));

    let mut again = password_only(&app, "lw@example.org").await;
    again.get("/login/second-factor").await;
    let reused = again
        .post("/login/second-factor", &[("code", &first_code)])
        .await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(count(&app, AuditAction::RecoveryCodeUsed).await, 1);

    // Leaving half-way ends the waiting session.
    let cancelled = again.post("/login/second-factor/cancel", &[]).await;
    assert_eq!(cancelled.location(), Some("/login?signed_out=1"));
    assert_eq!(
        again.get("/login/second-factor").await.location(),
        Some("/login")
    );

    // Not required of a link worker, so they may remove it, with their
    // password.
    let wrong = client
        .post(
            "/account/second-factor/remove",
            &[("removal_password", "not it")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("Your password is not correct"));
    let removed = client
        .post(
            "/account/second-factor/remove",
            &[("removal_password", PASSWORD)],
        )
        .await;
    assert_eq!(removed.location(), Some("/account?second_factor=removed"));
    assert_eq!(count(&app, AuditAction::SecondFactorRemoved).await, 1);
    let mut plain = app.client();
    let reply = plain.login("lw@example.org", PASSWORD).await;
    assert_eq!(reply.location(), Some("/"));
}

async fn an_organisation_can_require_it_of_everyone(app: TestApp) {
    let tree = app.tree().await;
    app.user("admin@example.org", tree.icb.id, &[Role::Admin])
        .await;
    app.user("lw@example.org", tree.pcn_a.id, &[Role::LinkWorker])
        .await;
    let mut plain = app.client();
    assert_eq!(
        plain.login("lw@example.org", PASSWORD).await.location(),
        Some("/")
    );

    let mut admin = app.signed_in("admin@example.org").await;
    let page = admin.get(&format!("/organisations/{}", tree.icb.id)).await;
    assert!(page.body.contains("must use an authenticator app"));
    let saved = admin
        .post(
            &format!("/organisations/{}/sign-in", tree.icb.id),
            &[("require_second_factor", "yes")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(count(&app, AuditAction::SignInPolicyChange).await, 1);

    // The link worker's PCN is under the ICB: set one up first.
    let mut client = password_only(&app, "lw@example.org").await;
    let page = client.get("/login/second-factor").await;
    assert!(
        page.body
            .contains("must have a second way to prove it is you")
    );
    // …and may not remove it afterwards.
    app.give_second_factor(&mut client, "lw@example.org").await;
    let account = client.get("/account").await;
    assert!(!account.body.contains("Remove authenticator app"));
    let refused = client
        .post(
            "/account/second-factor/remove",
            &[("removal_password", PASSWORD)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Turned off again, a link worker without an app signs in with a
    // password alone.
    admin.get(&format!("/organisations/{}", tree.icb.id)).await;
    admin
        .post(&format!("/organisations/{}/sign-in", tree.icb.id), &[])
        .await;
    assert!(
        !app.store()
            .org_sign_in(tree.icb.id)
            .await
            .unwrap()
            .require_second_factor
    );
}

async fn an_admin_removes_a_lost_authenticator(app: TestApp) {
    let tree = app.tree().await;
    let lost = app
        .user("lost@example.org", tree.pcn_a.id, &[Role::Admin])
        .await;
    let admin = app
        .user("admin@example.org", tree.pcn_a.id, &[Role::Admin])
        .await;
    app.signed_in("lost@example.org").await;
    let mut client = app.signed_in("admin@example.org").await;
    let page = client.get(&format!("/admin/users/{}", lost.id)).await;
    assert!(page.body.contains("Remove authenticator app"));
    let own = client.get(&format!("/admin/users/{}", admin.id)).await;
    assert!(!own.body.contains("Remove authenticator app"));
    let refused = client
        .post(
            &format!("/admin/users/{}/second-factor/reset", admin.id),
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let removed = client
        .post(
            &format!("/admin/users/{}/second-factor/reset", lost.id),
            &[],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(count(&app, AuditAction::SecondFactorRemoved).await, 1);
    // Still an admin: a new one is set up at the next sign-in.
    let mut next_time = password_only(&app, "lost@example.org").await;
    let page = next_time.get("/login/second-factor").await;
    assert!(page.field_text("setup-key").is_some());
}

on_both_backends!(
    an_admin_removes_a_lost_authenticator,
    an_admin_must_set_up_a_second_factor_before_anything_else,
    wrong_and_replayed_codes_are_refused,
    wrong_codes_are_throttled_like_passwords,
    a_recovery_code_works_once,
    an_organisation_can_require_it_of_everyone,
);
