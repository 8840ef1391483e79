//! Administration through the pages: inviting, set-password links, roles,
//! disabling, organisations and the audit log.

mod support;

use axum::http::StatusCode;
use linkwork_domain::role::Role;
use linkwork_domain::user::{Email, UserStatus};
use support::{PASSWORD, TestApp};

/// The set-password path in a page that shows a link.
fn link_path(body: &str) -> String {
    let start = body.find("/account/setup/").expect("a set-password link");
    let end = body[start..].find('<').unwrap();
    body[start..start + end].to_owned()
}

async fn an_invited_user_sets_a_password_and_signs_in(app: TestApp) {
    let t = app.tree().await;
    app.user("admin@example.org", t.pcn_a.id, &[Role::Admin])
        .await;
    let mut admin = app.signed_in("admin@example.org").await;
    let form = admin.get("/admin/users/new").await;
    assert!(
        form.body.contains("Alpha Surgery"),
        "organisations in scope are offered"
    );
    assert!(
        !form.body.contains("Beta PCN"),
        "organisations out of scope are not"
    );

    let bad = admin
        .post(
            "/admin/users",
            &[
                ("email", "not an email"),
                ("display_name", ""),
                ("org_id", &t.practice_a.id.to_string()),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Enter an email address in the correct format",
        "Enter the person&#39;s full name",
        "Select at least one role",
    ] {
        assert!(bad.body.contains(message), "{message} in {}", bad.body);
    }
    assert!(
        bad.body.contains("value=\"not an email\""),
        "what was typed is kept"
    );

    let created = admin
        .post(
            "/admin/users",
            &[
                ("email", "New.Person@Example.org"),
                ("display_name", "New Person"),
                ("org_id", &t.practice_a.id.to_string()),
                ("roles", "referrer"),
                ("roles", "admin"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert!(created.body.contains("New Person has been invited"));
    let path = link_path(&created.body);

    let email = Email::parse("new.person@example.org").unwrap();
    let user = app
        .store()
        .user_credentials(&email)
        .await
        .unwrap()
        .unwrap()
        .user;
    assert_eq!(user.status, UserStatus::Invited);
    assert!(user.roles.contains(Role::Admin) && user.roles.contains(Role::Referrer));

    admin
        .post_says(
            "/admin/users",
            &[
                ("email", "new.person@example.org"),
                ("display_name", "Again"),
                ("org_id", &t.practice_a.id.to_string()),
                ("roles", "referrer"),
            ],
            StatusCode::CONFLICT,
            "An account with that email address already exists",
        )
        .await;

    let mut newcomer = app.client();
    let page = newcomer.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Set up your account"));
    newcomer
        .post_says(
            &path,
            &[("password", "short"), ("confirm_password", "short")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "Password must be 12 characters or more",
        )
        .await;
    let set = newcomer
        .post(
            &path,
            &[("password", PASSWORD), ("confirm_password", PASSWORD)],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    assert_eq!(set.location(), Some("/login?password_set=1"));
    assert_eq!(
        app.store().user(user.id).await.unwrap().unwrap().status,
        UserStatus::Active
    );
    assert_eq!(
        newcomer.get(&path).await.status,
        StatusCode::GONE,
        "links work once"
    );
    assert_eq!(
        newcomer
            .login("new.person@example.org", PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

async fn a_reset_link_replaces_the_password(app: TestApp) {
    let t = app.tree().await;
    app.user("admin@example.org", t.pcn_a.id, &[Role::Admin])
        .await;
    let lw = app
        .user("lw@example.org", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    let mut admin = app.signed_in("admin@example.org").await;
    admin.get(&format!("/admin/users/{}", lw.id)).await;
    let first = admin
        .post(&format!("/admin/users/{}/reset-link", lw.id), &[])
        .await;
    let first_path = link_path(&first.body);
    admin.get(&format!("/admin/users/{}", lw.id)).await;
    let second = admin
        .post(&format!("/admin/users/{}/reset-link", lw.id), &[])
        .await;
    let second_path = link_path(&second.body);
    let mut lw_client = app.client();
    assert_eq!(
        lw_client.get(&first_path).await.status,
        StatusCode::GONE,
        "a newer link replaces the old"
    );
    lw_client.get(&second_path).await;
    let new_password = "a brand new passphrase";
    lw_client
        .post(
            &second_path,
            &[
                ("password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;
    assert_eq!(
        app.client().login("lw@example.org", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.client()
            .login("lw@example.org", new_password)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

async fn admins_cannot_lock_themselves_out(app: TestApp) {
    let t = app.tree().await;
    let me = app
        .user("admin@example.org", t.pcn_a.id, &[Role::Admin])
        .await;
    let mut admin = app.signed_in("admin@example.org").await;
    admin.get(&format!("/admin/users/{}", me.id)).await;
    admin
        .post_says(
            &format!("/admin/users/{}/status", me.id),
            &[("enabled", "false")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "You cannot disable your own account",
        )
        .await;
    admin
        .post_says(
            &format!("/admin/users/{}/roles", me.id),
            &[("roles", "link_worker")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "You cannot remove your own administrator role",
        )
        .await;
    let user = app.store().user(me.id).await.unwrap().unwrap();
    assert_eq!(user.status, UserStatus::Active);
    assert!(user.roles.contains(Role::Admin));
}

async fn roles_change_and_the_audit_log_shows_who_did_it(app: TestApp) {
    let t = app.tree().await;
    app.user("admin@example.org", t.pcn_a.id, &[Role::Admin])
        .await;
    let lw = app
        .user("lw@example.org", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    let mut admin = app.signed_in("admin@example.org").await;
    admin.get(&format!("/admin/users/{}", lw.id)).await;
    let saved = admin
        .post(
            &format!("/admin/users/{}/roles", lw.id),
            &[("roles", "link_worker"), ("roles", "team_lead")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = admin.get(saved.location().unwrap()).await;
    assert!(page.body.contains("Roles updated."));
    assert!(
        app.store()
            .user(lw.id)
            .await
            .unwrap()
            .unwrap()
            .roles
            .contains(Role::TeamLead)
    );

    let log = admin
        .get(&format!(
            "/admin/audit?entity_type=user&entity_id={}",
            lw.id
        ))
        .await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(log.body.contains("Changed roles"));
    assert!(log.body.contains("Link worker → Link worker, Team lead"));
    assert!(log.body.contains("admin@example.org"));
    let bad_dates = admin.get("/admin/audit?from=yesterday").await;
    assert!(
        bad_dates
            .body
            .contains("Enter a date in the format 2026-11-25")
    );
}

/// Tenancy follows the organisation, so an administrator cannot hand out a
/// role that reaches past it: a community group's admin cannot make anyone a
/// directory manager, who may edit every listing.
async fn roles_must_fit_the_kind_of_organisation(app: TestApp) {
    let t = app.tree().await;
    let me = app
        .user(
            "admin@vcse.example",
            t.vcse.id,
            &[Role::Admin, Role::Partner],
        )
        .await;
    let mut admin = app.signed_in("admin@vcse.example").await;
    let message = "Directory manager can only be given to staff of these kinds of organisation: \
                   Integrated Care Board, Local authority";

    admin.get("/admin/users/new").await;
    let invited = admin
        .post(
            "/admin/users",
            &[
                ("email", "curator@vcse.example"),
                ("display_name", "Would-be Curator"),
                ("org_id", &t.vcse.id.to_string()),
                ("roles", "directory_manager"),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invited.body.contains(message), "{}", invited.body);
    assert!(invited.body.contains("value=\"Would-be Curator\""));
    let curator = Email::parse("curator@vcse.example").unwrap();
    assert!(
        app.store()
            .user_credentials(&curator)
            .await
            .unwrap()
            .is_none()
    );

    admin.get(&format!("/admin/users/{}", me.id)).await;
    let promoted = admin
        .post(
            &format!("/admin/users/{}/roles", me.id),
            &[("roles", "admin"), ("roles", "directory_manager")],
        )
        .await;
    assert_eq!(promoted.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(promoted.body.contains(message), "{}", promoted.body);
    let roles = app.store().user(me.id).await.unwrap().unwrap().roles;
    assert!(!roles.contains(Role::DirectoryManager));

    let partner = admin
        .post(
            "/admin/users",
            &[
                ("email", "volunteer@vcse.example"),
                ("display_name", "Volunteer Coordinator"),
                ("org_id", &t.vcse.id.to_string()),
                ("roles", "partner"),
            ],
        )
        .await;
    assert_eq!(partner.status, StatusCode::OK, "{}", partner.body);
}

async fn organisations_are_added_within_the_tree(app: TestApp) {
    let t = app.tree().await;
    app.user("admin@example.org", t.icb.id, &[Role::Admin])
        .await;
    let mut admin = app.signed_in("admin@example.org").await;
    admin.get("/admin/organisations/new").await;
    let wrong = admin
        .post_says(
            "/admin/organisations",
            &[
                ("name", "Lone Surgery"),
                ("kind", "gp_practice"),
                ("parent_id", &t.icb.id.to_string()),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "A GP practice must belong to a Primary Care Network",
        )
        .await;
    assert!(wrong.body.contains("value=\"Lone Surgery\""));
    let added = admin
        .post(
            "/admin/organisations",
            &[
                ("name", "Lone Surgery"),
                ("kind", "gp_practice"),
                ("parent_id", &t.pcn_b.id.to_string()),
                ("code", "y12345"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = admin.get(added.location().unwrap()).await;
    assert!(page.body.contains("Lone Surgery has been added."));
    assert!(page.body.contains("Y12345"));
    admin
        .post_says(
            "/admin/organisations",
            &[
                ("name", "Other"),
                ("kind", "vcse"),
                ("parent_id", &t.icb.id.to_string()),
                ("code", "Y12345"),
            ],
            StatusCode::CONFLICT,
            "Another organisation already has that code",
        )
        .await;
}

on_both_backends!(
    an_invited_user_sets_a_password_and_signs_in,
    a_reset_link_replaces_the_password,
    admins_cannot_lock_themselves_out,
    roles_change_and_the_audit_log_shows_who_did_it,
    roles_must_fit_the_kind_of_organisation,
    organisations_are_added_within_the_tree,
);
