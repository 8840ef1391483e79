//! The link worker's casework through the pages: contacts, what matters,
//! the plan, notes and tasks, the diary and its feed, the team lead's
//! view, discharge and the GP summary; and who may see any of it.

mod support;

use axum::http::StatusCode;
use chrono::{Datelike, Duration};
use linkwork_domain::ReferralId;
use linkwork_domain::referral::ReferralStatus;
use linkwork_domain::role::Role;
use linkwork_storage::{AuditFilter, PageRequest, TaskFilter};
use linkwork_storage_testsuite::fixtures::Tree;
use linkwork_storage_testsuite::referral_fixtures::person;
use support::{Client, TestApp, hidden};

struct Setup {
    t: Tree,
    lw: String,
    lw2: String,
}

async fn setup(app: &TestApp) -> Setup {
    let t = app.tree().await;
    let lw = app
        .user("lw@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    let lw2 = app
        .user("lw2@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    app.user("lead@pcn-a.example", t.pcn_a.id, &[Role::TeamLead])
        .await;
    app.user("lw@pcn-b.example", t.pcn_b.id, &[Role::LinkWorker])
        .await;
    app.user("gp@practice-a.example", t.practice_a.id, &[Role::Referrer])
        .await;
    app.user("partner@garden.example", t.vcse.id, &[Role::Partner])
        .await;
    Setup {
        lw: lw.id.to_string(),
        lw2: lw2.id.to_string(),
        t,
    }
}

/// A referral in network A, accepted onto `worker`'s caseload.
async fn accepted(app: &TestApp, s: &Setup, lw: &mut Client, given: &str) -> ReferralId {
    support::accepted_referral(app, lw, s.t.pcn_a.id, s.lw.parse().unwrap(), given).await
}

fn date_fields(prefix: &str, date: chrono::NaiveDate) -> Vec<(String, String)> {
    vec![
        (format!("{prefix}_day"), date.day().to_string()),
        (format!("{prefix}_month"), date.month().to_string()),
        (format!("{prefix}_year"), date.year().to_string()),
    ]
}

async fn post_owned(
    client: &mut Client,
    path: &str,
    fields: &[(String, String)],
) -> support::Reply {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client.post(path, &borrowed).await
}

async fn a_case_runs_from_first_contact_to_discharge(app: TestApp) {
    let s = setup(&app).await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let id = accepted(&app, &s, &mut lw, "Ana").await;
    let today = app.app.today();

    // A contact that happened yesterday: the first, so support starts and
    // the wait ends then.
    lw.get(&format!("/referrals/{id}/contacts")).await;
    let yesterday = today - Duration::days(1);
    let mut fields = date_fields("date", yesterday);
    fields.extend([
        ("time".into(), "10:30".into()),
        ("mode".into(), "phone".into()),
        ("status".into(), "attended".into()),
        ("notes".into(), "Talked about her garden".into()),
    ]);
    let recorded = post_owned(&mut lw, &format!("/referrals/{id}/contacts"), &fields).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let referral = app.store().referral(id).await.unwrap().unwrap();
    assert_eq!(referral.status, ReferralStatus::InProgress);
    let first = referral.first_contact_at.unwrap();
    assert_eq!(linkwork_domain::calendar::uk_date(first), yesterday);

    // A booking for next week is a task for its day, in the diary.
    let next_week = today + Duration::days(7);
    let mut fields = date_fields("date", next_week);
    fields.extend([
        ("time".into(), "2pm".into()),
        ("mode".into(), "face_to_face".into()),
        ("location".into(), "Riverside Library".into()),
    ]);
    let booked = post_owned(&mut lw, &format!("/referrals/{id}/contacts"), &fields).await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.body);
    let diary = lw.get(&format!("/diary?week={next_week}")).await;
    assert!(
        diary.body.contains("14:00") && diary.body.contains("Ana Patel"),
        "{}",
        diary.body
    );

    // What matters, in her words, with fields to search by.
    let page = lw.get(&format!("/referrals/{id}/what-matters")).await;
    let revision = hidden(&page.body, "revision");
    let saved = lw
        .post(
            &format!("/referrals/{id}/what-matters"),
            &[
                ("revision", &revision),
                ("in_their_words", "I want to meet people again"),
                ("needs", "loneliness"),
                ("barriers", "transport"),
                ("free_times", "TU-morning"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = lw.get(&format!("/referrals/{id}/what-matters")).await;
    assert!(page.body.contains("I want to meet people again"));
    assert!(page.body.contains("Tuesday morning"));

    // A plan with two goals and a review date of today.
    for goal in ["Join a walking group", "Sort out my bills"] {
        let form = lw.get(&format!("/referrals/{id}/plan/goals/new")).await;
        let version = hidden(&form.body, "version");
        let saved = lw
            .post(
                &format!("/referrals/{id}/plan/goals/new"),
                &[
                    ("version", &version),
                    ("in_their_words", goal),
                    ("steps-1-what", "Find out when it meets"),
                    ("steps-1-who", "Me"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    }
    let plan = lw.get(&format!("/referrals/{id}/plan")).await;
    let version = hidden(&plan.body, "version");
    let mut fields = date_fields("review_date", today);
    fields.push(("version".into(), version));
    let set = post_owned(
        &mut lw,
        &format!("/referrals/{id}/plan/review-date"),
        &fields,
    )
    .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);

    // The review falls due today: the home page says so.
    let home = lw.get("/").await;
    assert!(
        home.body.contains("Review the plan, due today"),
        "{}",
        home.body
    );
    assert!(home.body.contains("Ana Patel"));

    // The printable plan has the goals and no site navigation.
    let print = lw.get(&format!("/referrals/{id}/plan/print")).await;
    assert!(
        print.body.contains("Join a walking group") && print.body.contains("Sort out my bills")
    );
    assert!(!print.body.contains("nhsuk-header"));
    assert!(
        print.body.contains("lw@pcn-a.example"),
        "how to reach the link worker"
    );

    // The review is recorded: its task is done and the home page clears.
    let plan = lw.get(&format!("/referrals/{id}/plan")).await;
    let version = hidden(&plan.body, "version");
    let reviewed = lw
        .post(
            &format!("/referrals/{id}/plan/review"),
            &[
                ("version", &version),
                ("summary", "Going well; walking group found"),
            ],
        )
        .await;
    assert_eq!(reviewed.status, StatusCode::SEE_OTHER, "{}", reviewed.body);
    let home = lw.get("/").await;
    assert!(!home.body.contains("Review the plan, due today"));

    // Discharge: every open goal needs its final status.
    let form = lw.get(&format!("/referrals/{id}/discharge")).await;
    let version = hidden(&form.body, "version");
    let missing = lw
        .post(
            &format!("/referrals/{id}/discharge"),
            &[
                ("version", &version),
                ("reason", "goals_met"),
                ("summary", "Walks every week"),
            ],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("Say for every goal"));
    assert_eq!(
        app.store().referral(id).await.unwrap().unwrap().status,
        ReferralStatus::InProgress,
        "a refused discharge changes nothing"
    );
    let goals = app.store().case_file(id).await.unwrap().plan.unwrap().goals;
    let mut fields = vec![
        ("version".to_owned(), version),
        ("reason".to_owned(), "goals_met".to_owned()),
        (
            "summary".to_owned(),
            "Walks every week with the group".to_owned(),
        ),
    ];
    fields.push((format!("goal-{}", goals[0].id), "achieved".into()));
    fields.push((format!("goal-{}", goals[1].id), "no_longer_relevant".into()));
    let done = post_owned(&mut lw, &format!("/referrals/{id}/discharge"), &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        done.location(),
        Some(format!("/referrals/{id}/gp-summary").as_str())
    );

    let file = app.store().case_file(id).await.unwrap();
    assert!(
        file.tasks.iter().all(|t| !t.is_open()),
        "open tasks are done"
    );
    assert!(
        file.contacts.iter().all(|c| !c.is_booked()),
        "bookings are cancelled"
    );
    assert_eq!(
        app.store().referral(id).await.unwrap().unwrap().status,
        ReferralStatus::Discharged
    );

    let summary = lw.get(&format!("/referrals/{id}/gp-summary")).await;
    assert_eq!(summary.status, StatusCode::OK);
    for expected in [
        "871731000000106",
        "I want to meet people again",
        "Join a walking group: achieved",
        "Sort out my bills: no longer relevant",
        "Walks every week with the group",
        "Goals met",
    ] {
        assert!(summary.body.contains(expected), "{expected} in the summary");
    }
    // The stale discharge form now explains instead of offering itself.
    let again = lw.get(&format!("/referrals/{id}/discharge")).await;
    assert_eq!(
        again.location(),
        Some(format!("/referrals/{id}/gp-summary").as_str())
    );
}

async fn two_people_editing_one_plan_cannot_overwrite_each_other(app: TestApp) {
    let s = setup(&app).await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let mut lead = app.signed_in("lead@pcn-a.example").await;
    let id = accepted(&app, &s, &mut lw, "Ben").await;
    let path = format!("/referrals/{id}/plan/goals/new");
    let first = lw.get(&path).await;
    let second = lead.get(&path).await;
    let (v1, v2) = (
        hidden(&first.body, "version"),
        hidden(&second.body, "version"),
    );
    let saved = lw
        .post(
            &path,
            &[("version", &v1), ("in_their_words", "Go to the men's shed")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let refused = lead
        .post(
            &path,
            &[
                ("version", &v2),
                ("in_their_words", "Cook a meal for friends"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("Someone else changed this plan"));
    assert!(
        refused.body.contains("Cook a meal for friends"),
        "what was typed is kept"
    );
    let newer = hidden(&refused.body, "version");
    assert_ne!(newer, v2, "the form now carries the newer version");
    let goals: Vec<String> = app
        .store()
        .case_file(id)
        .await
        .unwrap()
        .plan
        .unwrap()
        .goals
        .into_iter()
        .map(|g| g.in_their_words)
        .collect();
    assert_eq!(
        goals,
        ["Go to the men's shed"],
        "the first save stands alone"
    );
    // Sent again knowing the change, it is added beside the first.
    let resent = lead
        .post(
            &path,
            &[
                ("version", &newer),
                ("in_their_words", "Cook a meal for friends"),
            ],
        )
        .await;
    assert_eq!(resent.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.store()
            .case_file(id)
            .await
            .unwrap()
            .plan
            .unwrap()
            .goals
            .len(),
        2
    );
}

async fn casework_is_the_network_teams_alone(app: TestApp) {
    let s = setup(&app).await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let id = accepted(&app, &s, &mut lw, "Cara").await;
    lw.get(&format!("/referrals/{id}/notes")).await;
    let note = lw
        .post(
            &format!("/referrals/{id}/notes"),
            &[
                ("text", "Son takes her pension"),
                ("safeguarding", "yes"),
                ("category", "financial"),
                ("action_taken", "Told the practice safeguarding lead"),
            ],
        )
        .await;
    assert_eq!(note.status, StatusCode::SEE_OTHER, "{}", note.body);

    let pages = [
        format!("/referrals/{id}/notes"),
        format!("/referrals/{id}/plan"),
        format!("/referrals/{id}/what-matters"),
        format!("/referrals/{id}/contacts"),
        format!("/referrals/{id}/discharge"),
    ];
    for email in [
        "gp@practice-a.example",
        "partner@garden.example",
        "lw@pcn-b.example",
    ] {
        let mut other = app.signed_in(email).await;
        for path in &pages {
            let reply = other.get(path).await;
            assert!(
                matches!(reply.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
                "{email} {path}: {}",
                reply.status
            );
            assert!(!reply.body.contains("Son takes her pension"));
        }
        let list = other.get("/safeguarding").await;
        assert!(!list.body.contains("Son takes her pension"), "{email}");
    }
    let mut lead = app.signed_in("lead@pcn-a.example").await;
    let list = lead.get("/safeguarding").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Cara Patel") && list.body.contains("Financial or material abuse"));
    // Reading a case is recorded.
    let views = app
        .store()
        .audit_events(
            &AuditFilter {
                action: Some("person.view".into()),
                ..Default::default()
            },
            PageRequest::new(1, 100),
        )
        .await
        .unwrap();
    assert!(
        views
            .items
            .iter()
            .any(|e| e.detail.contains("Case file of referral"))
    );
}

async fn the_calendar_feed_names_people_briefly_and_can_be_turned_off(app: TestApp) {
    let s = setup(&app).await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let id = accepted(&app, &s, &mut lw, "Dee").await;
    let tomorrow = app.app.today() + Duration::days(1);
    lw.get(&format!("/referrals/{id}/contacts")).await;
    let mut fields = date_fields("date", tomorrow);
    fields.extend([
        ("time".into(), "09:00".into()),
        ("mode".into(), "home_visit".into()),
        ("location".into(), "12 Mill Lane".into()),
    ]);
    post_owned(&mut lw, &format!("/referrals/{id}/contacts"), &fields).await;

    lw.get("/diary").await;
    let issued = lw.post("/diary/feed", &[]).await;
    assert_eq!(issued.status, StatusCode::OK);
    let start = issued.body.find("/calendar/").expect("the feed address");
    let end = issued.body[start..].find(".ics").unwrap() + start + 4;
    let path = issued.body[start..end].to_owned();

    let mut calendar_app = app.client();
    let feed = calendar_app.get(&path).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(
        feed.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    assert!(
        feed.body.contains("SUMMARY:Home visit with Dee P"),
        "{}",
        feed.body
    );
    assert!(!feed.body.contains("Patel") && !feed.body.contains("Mill Lane"));

    lw.get("/diary").await;
    let revoked = lw.post("/diary/feed/revoke", &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(calendar_app.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        calendar_app.get("/calendar/guess.ics").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn reassigning_a_case_moves_its_tasks_and_the_team_lead_sees_loads(app: TestApp) {
    let s = setup(&app).await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let id = accepted(&app, &s, &mut lw, "Eve").await;
    lw.get(&format!("/referrals/{id}/notes")).await;
    let mut fields = date_fields("due", app.app.today() + Duration::days(3));
    fields.extend([("kind".into(), "chase_partner".into())]);
    let added = post_owned(&mut lw, &format!("/referrals/{id}/tasks"), &fields).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);

    let mut lead = app.signed_in("lead@pcn-a.example").await;
    let team = lead.get("/team").await;
    assert_eq!(team.status, StatusCode::OK);
    assert!(team.body.contains("lw"), "{}", team.body);
    let form = lead.get(&format!("/referrals/{id}/assign")).await;
    let version = hidden(&form.body, "version");
    let moved = lead
        .post(
            &format!("/referrals/{id}/assign"),
            &[("version", &version), ("assign_to", &s.lw2)],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let tasks = app
        .store()
        .tasks(&TaskFilter {
            referral_id: Some(id),
            open_only: true,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!tasks.is_empty());
    assert!(tasks.iter().all(|t| t.task.owner.to_string() == s.lw2));
    // Link workers do not get the team lead's pages.
    assert_eq!(lw.get("/team").await.status, StatusCode::FORBIDDEN);
    assert_eq!(lw.get("/safeguarding").await.status, StatusCode::FORBIDDEN);
}

async fn bad_input_is_refused_by_field_and_changes_nothing(app: TestApp) {
    let s = setup(&app).await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let id = accepted(&app, &s, &mut lw, "Fay").await;
    lw.get(&format!("/referrals/{id}/contacts")).await;
    let reply = lw
        .post(
            &format!("/referrals/{id}/contacts"),
            &[
                ("date_day", "31"),
                ("date_month", "February"),
                ("date_year", "2027"),
                ("time", "25:00"),
                ("mode", "carrier pigeon"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "The date must be a real date",
        "Enter a real time",
        "Select how the contact happens",
    ] {
        assert!(reply.body.contains(message), "{message}");
    }
    assert!(
        reply.body.contains("value=\"25:00\""),
        "what was typed is kept"
    );
    assert!(app.store().case_file(id).await.unwrap().contacts.is_empty());
    let page = lw.get(&format!("/referrals/{id}/what-matters")).await;
    let revision = hidden(&page.body, "revision");
    let reply = lw
        .post(
            &format!("/referrals/{id}/what-matters"),
            &[("revision", &revision), ("needs", "flying")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("Enter what matters to the person"));
    assert!(
        app.store()
            .case_file(id)
            .await
            .unwrap()
            .what_matters
            .is_none()
    );
}

/// The referring system fetches the summary for the GP record as a FHIR
/// document, and the referral's Task points at it.
async fn the_referrer_fetches_the_discharge_summary_as_a_fhir_document(app: TestApp) {
    use axum::body::Body;
    use axum::http::{Request, header};
    let s = setup(&app).await;
    let admin = app
        .user("admin@icb.example", s.t.icb.id, &[Role::Admin])
        .await;
    let principal = linkwork_app::Principal {
        user: admin,
        session_hash: String::new(),
        csrf_token: String::new(),
        ip: None,
    };
    let issue = |org: linkwork_domain::OrgId, name: &'static str| {
        let app = &app.app;
        let principal = &principal;
        async move {
            app.issue_api_token(principal, &org.to_string(), name)
                .await
                .unwrap()
                .secret
        }
    };
    let token = issue(s.t.practice_a.id, "Practice system").await;
    let other = issue(s.t.pcn_b.id, "Someone else").await;
    let p = person(s.t.pcn_a.id, "Gwen", "Patel", Some("9434765919"), None);
    let mut r = linkwork_storage_testsuite::referral_fixtures::referral(
        &p,
        linkwork_domain::referral::ReferralRoute::Fhir,
        chrono::Utc::now(),
    );
    r.referrer.org_id = Some(s.t.practice_a.id);
    app.store()
        .create_referral(
            &linkwork_storage_testsuite::referral_fixtures::new_referral(
                linkwork_storage::ReferralPerson::New(Box::new(p)),
                r.clone(),
            ),
            &linkwork_storage_testsuite::referral_fixtures::referral_audit(&r),
        )
        .await
        .unwrap();
    let id = r.id;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let form = lw.get(&format!("/referrals/{id}/accept")).await;
    let version = hidden(&form.body, "version");
    lw.post(
        &format!("/referrals/{id}/accept"),
        &[("version", &version), ("assign_to", &s.lw)],
    )
    .await;
    lw.get(&format!("/referrals/{id}/contacts")).await;
    let mut fields = date_fields("date", app.app.today() - Duration::days(2));
    fields.extend([
        ("time".into(), "11:00".into()),
        ("mode".into(), "video".into()),
        ("status".into(), "attended".into()),
    ]);
    post_owned(&mut lw, &format!("/referrals/{id}/contacts"), &fields).await;
    let form = lw.get(&format!("/referrals/{id}/discharge")).await;
    let version = hidden(&form.body, "version");
    let done = lw
        .post(
            &format!("/referrals/{id}/discharge"),
            &[
                ("version", &version),
                ("reason", "no_longer_wants_support"),
                ("summary", "Decided to stop for now"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    let mut system = app.client();
    let get = |path: String, token: String, accept: &'static str| {
        Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::ACCEPT, accept)
            .body(Body::empty())
            .unwrap()
    };
    let reply = system
        .send(get(
            format!("/fhir/Bundle/{id}"),
            token.clone(),
            "application/fhir+json",
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let bundle: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "document");
    let entries = bundle["entry"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .all(|e| e["fullUrl"].as_str().unwrap().starts_with("urn:uuid:"))
    );
    let composition = &entries[0]["resource"];
    assert_eq!(composition["resourceType"], "Composition");
    let titles: Vec<&str> = composition["section"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Referral",
            "What matters to me",
            "Plan and goals",
            "Contacts",
            "Services linked to",
            "Discharge"
        ]
    );
    let codes: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["resource"]["code"]["coding"][0]["code"].as_str())
        .collect();
    assert!(codes.contains(&"871731000000106"), "the referral's code");
    assert!(
        codes.contains(&"871711000000103"),
        "the outcome's code: declined"
    );
    assert!(reply.body.contains("Decided to stop for now"));

    let xml = system
        .send(get(
            format!("/fhir/Bundle/{id}"),
            token.clone(),
            "application/fhir+xml",
        ))
        .await;
    assert_eq!(xml.status, StatusCode::OK);
    assert!(xml.body.contains("<Bundle xmlns=\"http://hl7.org/fhir\">"));
    assert!(
        xml.body
            .contains("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>")
    );

    let task = system
        .send(get(
            format!("/fhir/Task/{id}"),
            token.clone(),
            "application/fhir+json",
        ))
        .await;
    let task: serde_json::Value = serde_json::from_str(&task.body).unwrap();
    assert_eq!(task["status"], "completed");
    assert_eq!(
        task["output"][0]["valueReference"]["reference"],
        format!("Bundle/{id}")
    );

    let refused = system
        .send(get(
            format!("/fhir/Bundle/{id}"),
            other,
            "application/fhir+json",
        ))
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(refused.body.contains("OperationOutcome"));
}

on_both_backends!(
    the_referrer_fetches_the_discharge_summary_as_a_fhir_document,
    a_case_runs_from_first_contact_to_discharge,
    two_people_editing_one_plan_cannot_overwrite_each_other,
    casework_is_the_network_teams_alone,
    the_calendar_feed_names_people_briefly_and_can_be_turned_off,
    reassigning_a_case_moves_its_tasks_and_the_team_lead_sees_loads,
    bad_input_is_refused_by_field_and_changes_nothing,
);
