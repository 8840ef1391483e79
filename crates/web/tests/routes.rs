//! The routes no other test requested (issue 8, "every route tested"):
//! changing one's own password, the directory search API, the ORUK
//! taxonomy lists and records, adding a listing, and redirecting,
//! withdrawing and planning the next action on a referral. (Discharging
//! has its own page, tested with the rest of casework.)

mod support;

use axum::http::StatusCode;
use chrono::Datelike;
use linkwork_domain::OrgId;
use linkwork_domain::referral::{ReferralStatus, Urgency};
use linkwork_domain::user::Email;
use linkwork_storage::{AuditFilter, PageRequest, ReferralFilter, ReferralOrder};
use serde_json::Value;
use support::{Client, TestApp};

const NEW_PASSWORD: &str = "a quite different staple";

async fn org_of(app: &TestApp, email: &str) -> OrgId {
    app.store()
        .user_credentials(&Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap()
        .user
        .org_id
}

async fn changing_your_own_password(app: TestApp) {
    let email = "linkworker.north@riverside.example";
    let mut other_session = app.demo_user(email).await;
    let mut me = app.demo_user(email).await;
    assert_eq!(me.get("/account").await.status, StatusCode::OK);

    me.post_says(
        "/account/password",
        &[
            ("current_password", "not my password"),
            ("password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
        "Your current password is not correct",
    )
    .await;
    let mismatched = me
        .post(
            "/account/password",
            &[
                ("current_password", linkwork_demo::DEMO_PASSWORD),
                ("password", NEW_PASSWORD),
                ("confirm_password", "something else entirely"),
            ],
        )
        .await;
    assert_eq!(mismatched.status, StatusCode::UNPROCESSABLE_ENTITY);

    let changed = me
        .post(
            "/account/password",
            &[
                ("current_password", linkwork_demo::DEMO_PASSWORD),
                ("password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert_eq!(changed.location(), Some("/account?changed=1"));
    assert!(
        me.get("/account?changed=1")
            .await
            .body
            .contains("Your password has been changed.")
    );
    assert_eq!(
        other_session.get("/caseload").await.status,
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    assert_eq!(
        app.client()
            .login(email, linkwork_demo::DEMO_PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.signed_in_with(email, NEW_PASSWORD).await;
    let recorded = app
        .store()
        .audit_events(
            &AuditFilter {
                action: Some("user.password_change".into()),
                actor: Some(email.into()),
                ..Default::default()
            },
            PageRequest::new(1, 5),
        )
        .await
        .unwrap();
    assert_eq!(recorded.total, 1);
}

async fn the_directory_search_api_answers_signed_in_users(app: TestApp) {
    let mut signed_out = app.client();
    let refused = signed_out.get("/api/v1/directory/search?q=club").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.body.contains("\"unauthenticated\""));

    let mut worker = app.demo_user("linkworker.north@riverside.example").await;
    let reply = worker
        .get("/api/v1/directory/search?q=gardning&postcode=RV1%203BQ&distance=25")
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert!(body["total"].as_u64().unwrap() > 0, "{body}");
    assert_eq!(body["page"], 1);
    let first = &body["results"][0];
    assert!(first["name"].as_str().is_some());
    assert!(
        first["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("close to “gardning”")),
        "{first}"
    );
    assert!(first["distance_m"].as_f64().is_some());

    let bad = worker.get("/api/v1/directory/search?distance=3").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("validation_failed"));
    // Found by fuzzing: a field given twice was a plain-text 400.
    let twice = worker
        .get("/api/v1/directory/search?distance=1&distance=2")
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);
    let error: Value = serde_json::from_str(&twice.body).expect("an API error in JSON");
    assert_eq!(error["error"]["code"], "bad_request");
}

async fn json(c: &mut Client, path: &str) -> Value {
    let reply = c.get(path).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

async fn the_open_directory_lists_taxonomies_and_their_records(app: TestApp) {
    let mut c = app.client();
    let taxonomies = json(&mut c, "/api/oruk/taxonomies").await;
    let taxonomy = &taxonomies["contents"][0];
    let taxonomy_id = taxonomy["id"].as_str().unwrap();
    let one = json(&mut c, &format!("/api/oruk/taxonomies/{taxonomy_id}")).await;
    assert_eq!(one["id"], taxonomy_id);
    assert_eq!(one["name"], taxonomy["name"]);

    let terms = json(&mut c, "/api/oruk/taxonomy_terms?per_page=5").await;
    assert!(terms["total_items"].as_u64().unwrap() > 5, "{terms}");
    assert_eq!(terms["contents"].as_array().unwrap().len(), 5);
    let term = &terms["contents"][0];
    let term_id = term["id"].as_str().unwrap();
    let one = json(&mut c, &format!("/api/oruk/taxonomy_terms/{term_id}")).await;
    assert_eq!(one["id"], term_id);
    assert_eq!(one["name"], term["name"]);

    let places = json(&mut c, "/api/oruk/service_at_locations?per_page=1").await;
    let place_id = places["contents"][0]["id"].as_str().unwrap();
    let service = json(
        &mut c,
        &format!("/api/oruk/service_at_locations/{place_id}"),
    )
    .await;
    // The profile describes this response with the service schema.
    assert!(service["name"].as_str().is_some(), "{service}");
    assert!(
        service["service_at_locations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == place_id),
        "{service}"
    );
}

async fn a_directory_manager_adds_a_listing(app: TestApp) {
    let organisation = app
        .store()
        .directory_organizations(None)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let befriending = linkwork_domain::directory::needs::need_id("befriending")
        .unwrap()
        .to_string();
    let mut manager = app.demo_user("directory@riverside.example").await;
    assert_eq!(
        manager.get("/directory/services/new").await.status,
        StatusCode::OK
    );
    let missing = manager
        .post_says(
            "/directory/services/new",
            &[("name", "Knit and Natter"), ("status", "active")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "Select the organisation that runs the service",
        )
        .await;
    assert!(
        missing.body.contains("Knit and Natter"),
        "what was typed is kept"
    );

    let created = manager
        .post(
            "/directory/services/new",
            &[
                ("organization_id", &organisation.id.to_string()),
                ("name", "Knit and Natter"),
                ("description", "Knitting, tea and a chat on Thursdays"),
                ("status", "active"),
                ("needs", &befriending),
                ("free", "yes"),
                ("opens_th", "14:00"),
                ("closes_th", "16:00"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.location().unwrap().to_owned();
    assert!(location.ends_with("?done=created"), "{location}");
    let shown = manager.get(&location).await;
    assert!(
        shown
            .body
            .contains("The service has been added to the directory.")
    );
    let found = manager.get("/directory?q=knit+natter").await;
    assert!(found.body.contains("Knit and Natter"), "searchable at once");

    let mut worker = app.demo_user("linkworker.north@riverside.example").await;
    assert_eq!(
        worker
            .post(
                "/directory/services/new",
                &[
                    ("organization_id", &organisation.id.to_string()),
                    ("name", "Not mine to add"),
                ],
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// The version hidden in an action form.
fn version(body: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let start = body.find(marker).expect("a version") + marker.len();
    let end = body[start..].find('"').unwrap();
    body[start..start + end].to_owned()
}

async fn act(
    c: &mut Client,
    id: linkwork_domain::ReferralId,
    action: &str,
    fields: &[(&str, &str)],
) -> support::Reply {
    let form = c.get(&format!("/referrals/{id}/{action}")).await;
    assert_eq!(form.status, StatusCode::OK, "{action}: {}", form.body);
    let v = version(&form.body);
    let mut all = fields.to_vec();
    all.push(("version", &v));
    c.post(&format!("/referrals/{id}/{action}"), &all).await
}

/// A referral of the network in `status`, not yet used by this test.
async fn one_in(
    app: &TestApp,
    pcn: OrgId,
    status: ReferralStatus,
    skip: usize,
) -> linkwork_domain::ReferralId {
    app.store()
        .list_referrals(
            &ReferralFilter {
                pcn_id: Some(pcn),
                statuses: vec![status],
                ..Default::default()
            },
            ReferralOrder::OldestFirst,
            PageRequest::new(1, 10),
        )
        .await
        .unwrap()
        .items[skip]
        .referral
        .id
}

async fn redirect_withdraw_and_plan_the_next_action(app: TestApp) {
    let email = "teamlead.north@riverside.example";
    let pcn = org_of(&app, email).await;
    let mut lead = app.demo_user(email).await;
    let status = |id| {
        let store = app.app.store.clone();
        async move { store.referral(id).await.unwrap().unwrap() }
    };

    let redirecting = one_in(&app, pcn, ReferralStatus::Received, 0).await;
    let empty = act(&mut lead, redirecting, "redirect", &[]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty
            .body
            .contains("Enter the service the person is redirected to")
    );
    let redirected = act(
        &mut lead,
        redirecting,
        "redirect",
        &[
            ("redirected_to", "Riverside Talking Therapies"),
            ("note", "Needs specialist support first."),
        ],
    )
    .await;
    assert_eq!(
        redirected.status,
        StatusCode::SEE_OTHER,
        "{}",
        redirected.body
    );
    assert_eq!(
        redirected.location(),
        Some(format!("/referrals/{redirecting}?done=redirect").as_str())
    );
    assert_eq!(status(redirecting).await.status, ReferralStatus::Redirected);

    let withdrawing = one_in(&app, pcn, ReferralStatus::Accepted, 0).await;
    let unexplained = act(&mut lead, withdrawing, "withdraw", &[]).await;
    assert_eq!(unexplained.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unexplained
            .body
            .contains("Explain why the referral is withdrawn")
    );
    let withdrawn = act(
        &mut lead,
        withdrawing,
        "withdraw",
        &[("note", "Moved out of the area.")],
    )
    .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.body
    );
    let r = status(withdrawing).await;
    assert_eq!(r.status, ReferralStatus::Withdrawn);
    assert!(r.closed_at.is_some());

    let planning = one_in(&app, pcn, ReferralStatus::InProgress, 0).await;
    let due = app.app.today() + chrono::Duration::days(10);
    let (day, month, year) = (
        due.day().to_string(),
        due.month().to_string(),
        due.year().to_string(),
    );
    let past = act(
        &mut lead,
        planning,
        "next-action",
        &[
            ("due_day", "1"),
            ("due_month", "1"),
            ("due_year", "2020"),
            ("note", "Call back"),
        ],
    )
    .await;
    assert_eq!(
        past.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        past.body
    );
    assert!(past.body.contains("Call back"), "what was typed is kept");
    let planned = act(
        &mut lead,
        planning,
        "next-action",
        &[
            ("due_day", &day),
            ("due_month", &month),
            ("due_year", &year),
            ("note", "Call after the hospital appointment"),
        ],
    )
    .await;
    assert_eq!(planned.status, StatusCode::SEE_OTHER, "{}", planned.body);
    let r = status(planning).await;
    assert_eq!(r.next_action_due, Some(due));
    assert_eq!(
        r.next_action_note.as_deref(),
        Some("Call after the hospital appointment")
    );
    assert_eq!(r.status, ReferralStatus::InProgress);
    assert_ne!(r.urgency, Urgency::Urgent, "nothing else changed");

    // A referrer cannot reach these forms.
    let mut gp = app.demo_user("gp.north@riverside.example").await;
    gp.get("/").await;
    assert_eq!(
        gp.post(
            &format!("/referrals/{planning}/next-action"),
            &[("note", "x")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

on_both_backends_with_demo!(
    changing_your_own_password,
    the_directory_search_api_answers_signed_in_users,
    the_open_directory_lists_taxonomies_and_their_records,
    a_directory_manager_adds_a_listing,
    redirect_withdraw_and_plan_the_next_action,
);
