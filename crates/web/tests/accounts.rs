//! Signing in and out, sessions, CSRF, throttling and security headers.

mod support;

use axum::http::{StatusCode, header};
use linkwork_domain::role::Role;
use linkwork_storage::{AuditFilter, PageRequest};
use support::{PASSWORD, TestApp};

async fn audit_count(app: &TestApp, action: &str) -> u64 {
    let filter = AuditFilter {
        action: Some(action.into()),
        ..Default::default()
    };
    app.store()
        .audit_events(&filter, PageRequest::new(1, 1))
        .await
        .unwrap()
        .total
}

async fn signing_in_starts_a_session_and_audits_it(app: TestApp) {
    let tree = app.tree().await;
    app.user("lw@example.org", tree.pcn_a.id, &[Role::LinkWorker])
        .await;
    let mut client = app.client();
    let reply = client.login("LW@example.org ", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), Some("/"));
    assert!(reply.sets_cookie("lw_session"));
    let home = client.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Hello lw"), "{}", home.body);
    assert!(
        home.body.contains("Alpha PCN"),
        "organisation in the header"
    );
    assert_eq!(audit_count(&app, "sign_in").await, 1);
}

async fn a_wrong_password_is_refused_clearly_without_a_session(app: TestApp) {
    let tree = app.tree().await;
    app.user("lw@example.org", tree.pcn_a.id, &[Role::LinkWorker])
        .await;
    let mut client = app.client();
    let reply = client.login("lw@example.org", "not the password").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.body.contains("There is a problem"));
    assert!(
        reply
            .body
            .contains("Enter a correct email address and password")
    );
    assert!(
        reply.body.contains("value=\"lw@example.org\""),
        "the email typed is kept"
    );
    assert!(!reply.sets_cookie("lw_session"));
    assert!(!client.has_cookie("lw_session"));
    let home = client.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER, "still signed out");
    assert_eq!(audit_count(&app, "sign_in_failed").await, 1);

    let unknown = client.login("nobody@example.org", PASSWORD).await;
    assert_eq!(
        unknown.status,
        StatusCode::UNAUTHORIZED,
        "unknown accounts look the same"
    );
    assert!(
        unknown
            .body
            .contains("Enter a correct email address and password")
    );
}

async fn empty_fields_are_named(app: TestApp) {
    let mut client = app.client();
    client.get("/login").await;
    let reply = client
        .post("/login", &[("email", ""), ("password", "")])
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .body
            .contains("<a href=\"#email\">Enter your email address</a>")
    );
    assert!(
        reply
            .body
            .contains("<a href=\"#password\">Enter your password</a>")
    );
    assert!(
        reply
            .body
            .contains("<title>Error: Sign in – Linkwork</title>")
    );
}

async fn the_sixth_rapid_wrong_attempt_is_throttled(app: TestApp) {
    let tree = app.tree().await;
    app.user("lw@example.org", tree.pcn_a.id, &[Role::LinkWorker])
        .await;
    let mut client = app.client();
    for attempt in 1..=5 {
        let reply = client.login("lw@example.org", "wrong password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let sixth = client.login("lw@example.org", "wrong password").await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        sixth
            .body
            .contains("Too many failed attempts. Wait 15 minutes"),
        "{}",
        sixth.body
    );
    // Even the right password is refused until the window passes.
    let right = client.login("lw@example.org", PASSWORD).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!client.has_cookie("lw_session"));
    assert_eq!(audit_count(&app, "sign_in_throttled").await, 2);
    // Other accounts are unaffected.
    app.user("other@example.org", tree.pcn_a.id, &[Role::LinkWorker])
        .await;
    assert_eq!(
        client.login("other@example.org", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

async fn forms_without_the_csrf_token_are_refused(app: TestApp) {
    let tree = app.tree().await;
    app.user("lw@example.org", tree.pcn_a.id, &[Role::LinkWorker])
        .await;
    let mut client = app.client();
    client.get("/login").await;
    let no_token = client
        .post_raw(
            "/login",
            &[("email", "lw@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert!(no_token.body.contains("This form has expired"));
    assert!(
        !client.has_cookie("lw_session"),
        "no session from a refused form"
    );
    let wrong = client
        .post_raw(
            "/login",
            &[
                ("email", "lw@example.org"),
                ("password", PASSWORD),
                ("csrf_token", "forged-token-forged-token-forged-token"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);

    // Signed in, the session's own token is required.
    let mut signed_in = app.signed_in("lw@example.org").await;
    signed_in.get("/account").await;
    let logout_without = signed_in.post_raw("/logout", &[]).await;
    assert_eq!(logout_without.status, StatusCode::FORBIDDEN);
    assert_eq!(
        signed_in.get("/").await.status,
        StatusCode::OK,
        "still signed in"
    );
    let logout = signed_in.post("/logout", &[]).await;
    assert_eq!(logout.status, StatusCode::SEE_OTHER);
    assert_eq!(logout.location(), Some("/login?signed_out=1"));
    assert_eq!(
        signed_in.get("/").await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
    assert_eq!(audit_count(&app, "sign_out").await, 1);
}

async fn signed_out_visitors_are_sent_to_the_login_page(app: TestApp) {
    let mut client = app.client();
    for path in [
        "/",
        "/account",
        "/admin/users",
        "/admin/users/new",
        "/admin/audit",
        "/admin/organisations",
        "/no-such-page",
    ] {
        let reply = client.get(path).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        let location = reply.location().unwrap();
        assert!(location.starts_with("/login"), "{path} → {location}");
    }
    let back = client.get("/admin/users?page=2").await;
    assert_eq!(
        back.location(),
        Some("/login?next=%2Fadmin%2Fusers%3Fpage%3D2")
    );
    for path in [
        "/login",
        "/healthz",
        "/readyz",
        "/accessibility",
        "/privacy",
        "/static/css/linkwork.css",
    ] {
        assert_eq!(
            client.get(path).await.status,
            StatusCode::OK,
            "{path} is public"
        );
    }
}

async fn sign_in_returns_to_the_page_asked_for_but_never_off_site(app: TestApp) {
    let tree = app.tree().await;
    // Not an admin: admins go to their second factor first (tests/second_factor.rs).
    app.user("admin@example.org", tree.pcn_a.id, &[Role::TeamLead])
        .await;
    let mut client = app.client();
    client.get("/login?next=%2Fadmin%2Fusers").await;
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
    assert_eq!(reply.location(), Some("/admin/users"));
    let mut other = app.client();
    other.get("/login").await;
    let reply = other
        .post(
            "/login",
            &[
                ("email", "admin@example.org"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(reply.location(), Some("/"));
}

async fn disabled_and_invited_accounts_cannot_sign_in(app: TestApp) {
    let tree = app.tree().await;
    let admin = app
        .user("admin@example.org", tree.pcn_a.id, &[Role::Admin])
        .await;
    let lw = app
        .user("lw@example.org", tree.pcn_a.id, &[Role::LinkWorker])
        .await;
    let mut lw_client = app.signed_in("lw@example.org").await;
    let mut admin_client = app.signed_in(admin.email.as_str()).await;
    admin_client.get(&format!("/admin/users/{}", lw.id)).await;
    let disable = admin_client
        .post(
            &format!("/admin/users/{}/status", lw.id),
            &[("enabled", "false")],
        )
        .await;
    assert_eq!(disable.status, StatusCode::SEE_OTHER);
    assert_eq!(
        lw_client.get("/").await.status,
        StatusCode::SEE_OTHER,
        "their session ended"
    );
    let refused = app.client().login("lw@example.org", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("Your account has been disabled"));
}

async fn security_headers_are_sent(app: TestApp) {
    let reply = app.client().get("/login").await;
    let h = &reply.headers;
    let csp = h
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
    assert_eq!(h.get(header::REFERRER_POLICY).unwrap(), "same-origin");
    assert_eq!(h.get(header::CACHE_CONTROL).unwrap(), "no-store");
    assert!(
        h.get(header::STRICT_TRANSPORT_SECURITY).is_none(),
        "no HSTS without TLS"
    );
    let cookie = h.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

async fn health_and_readiness(app: TestApp) {
    let mut client = app.client();
    assert_eq!(client.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(client.get("/readyz").await.status, StatusCode::OK);
}

on_both_backends!(
    signing_in_starts_a_session_and_audits_it,
    a_wrong_password_is_refused_clearly_without_a_session,
    empty_fields_are_named,
    the_sixth_rapid_wrong_attempt_is_throttled,
    forms_without_the_csrf_token_are_refused,
    signed_out_visitors_are_sent_to_the_login_page,
    sign_in_returns_to_the_page_asked_for_but_never_off_site,
    disabled_and_invited_accounts_cannot_sign_in,
    security_headers_are_sent,
    health_and_readiness,
);

/// Behind TLS: secure, `__Host-` cookies and HSTS.
#[tokio::test]
async fn behind_tls_cookies_are_secure_and_hsts_is_sent() {
    let db = linkwork_storage_testsuite::databases::SqliteTestDatabase::create()
        .await
        .unwrap();
    let store: std::sync::Arc<dyn linkwork_storage::Store> = std::sync::Arc::new(
        linkwork_storage_testsuite::databases::TestDatabase::store(&db).clone(),
    );
    let mut settings = support::test_settings();
    settings.public_url = Some("https://linkwork.example.nhs.uk".into());
    let app = TestApp::with(store, support::Db::Sqlite(db), settings);
    let reply = app.client().get("/login").await;
    assert!(
        reply
            .headers
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_some()
    );
    let cookie = reply
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        cookie.starts_with("__Host-lw_csrf=") && cookie.contains("Secure"),
        "{cookie}"
    );
}

/// `/readyz` says 503 when the database has gone; `/healthz` still 200.
#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::sqlite().await.unwrap();
    let support::Db::Sqlite(db) = &app.db else {
        unreachable!()
    };
    linkwork_storage_testsuite::databases::TestDatabase::store(db)
        .pool()
        .close()
        .await;
    let mut client = app.client();
    assert_eq!(
        client.get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(client.get("/healthz").await.status, StatusCode::OK);
}
