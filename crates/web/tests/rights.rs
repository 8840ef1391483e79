//! A person's rights: the subject access export holds their whole record,
//! casework, questionnaires and the trail of who saw it, and only their
//! network's team lead can produce it.

mod support;

use axum::http::StatusCode;
use linkwork_domain::role::Role;
use linkwork_storage::{AuditFilter, PageRequest};
use support::TestApp;

async fn a_subject_access_export_holds_everything_and_who_saw_it(app: TestApp) {
    let t = app.tree().await;
    let lw = app
        .user("lw@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    app.user("lead@pcn-a.example", t.pcn_a.id, &[Role::TeamLead])
        .await;
    app.user("lead@pcn-b.example", t.pcn_b.id, &[Role::TeamLead])
        .await;
    let mut worker = app.signed_in("lw@pcn-a.example").await;
    let id = support::accepted_referral(&app, &mut worker, t.pcn_a.id, lw.id, "Iris").await;
    let note = worker
        .post(
            &format!("/referrals/{id}/notes"),
            &[("text", "Talked about the allotment society.")],
        )
        .await;
    assert_eq!(note.status, StatusCode::SEE_OTHER, "{}", note.body);
    let baseline = worker
        .post(
            &format!("/referrals/{id}/outcomes/record?measure=ucla3"),
            &[
                ("occasion", "baseline"),
                ("completed_by", "link_worker"),
                ("q1", "3"),
                ("q2", "2"),
                ("q3", "2"),
            ],
        )
        .await;
    assert_eq!(baseline.status, StatusCode::SEE_OTHER);
    let person = app.store().referral(id).await.unwrap().unwrap().person_id;
    let path = format!("/people/{person}/subject-access");

    // A link worker reads the record but does not produce exports; another
    // network's lead cannot learn the person exists.
    assert_eq!(worker.get(&path).await.status, StatusCode::FORBIDDEN);
    let mut other = app.signed_in("lead@pcn-b.example").await;
    assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND);

    let mut lead = app.signed_in("lead@pcn-a.example").await;
    let page = lead.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for expected in [
        "Everything held about Iris Patel",
        "Personal details",
        "07700 900 982",
        "Talked about the allotment society.",
        "ucla3",
        "Loneliness 7 (Often lonely)",
        "Who has read or changed their record",
        "lw@pcn-a.example",
    ] {
        assert!(page.body.contains(expected), "{expected} in {}", page.body);
    }
    let json = lead.get(&format!("{path}?format=json")).await;
    assert_eq!(json.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(doc["name"], "Iris Patel");
    let titles: Vec<&str> = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles[0], "Personal details");
    assert!(
        titles.iter().any(|t| t.starts_with("Referral RF-")),
        "{titles:?}"
    );
    assert_eq!(
        *titles.last().unwrap(),
        "Who has read or changed their record"
    );

    let exports = app
        .store()
        .audit_events(
            &AuditFilter {
                action: Some("person.subject_access".into()),
                ..Default::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(exports.total, 2, "each export is audited");
    assert_eq!(
        exports.items[0].entity_id.as_deref(),
        Some(&*person.to_string())
    );
}

/// Whether Iris Patel's record, her case, her place on the caseload and in
/// a search are there for `worker`.
async fn visible(worker: &mut support::Client, record: &str, case: &str) -> [bool; 4] {
    [
        worker.get(record).await.status == StatusCode::OK,
        worker.get(case).await.status == StatusCode::OK,
        worker.get("/caseload").await.body.contains("Iris Patel"),
        worker
            .get("/people?q=iris")
            .await
            .body
            .contains("Iris Patel"),
    ]
}

async fn a_restricted_record_is_hidden_from_all_but_its_team_leads(app: TestApp) {
    let t = app.tree().await;
    let lw = app
        .user("lw@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    app.user("lead@pcn-a.example", t.pcn_a.id, &[Role::TeamLead])
        .await;
    let mut worker = app.signed_in("lw@pcn-a.example").await;
    let referral = support::accepted_referral(&app, &mut worker, t.pcn_a.id, lw.id, "Iris").await;
    let person = app
        .store()
        .referral(referral)
        .await
        .unwrap()
        .unwrap()
        .person_id;
    let record = format!("/people/{person}");
    let case = format!("/referrals/{referral}");
    // What the link worker sees of Iris before the restriction.
    assert_eq!(visible(&mut worker, &record, &case).await, [true; 4]);

    // Only a team lead restricts, and only with a reason.
    assert_eq!(
        worker.get(&format!("{record}/restrict")).await.status,
        StatusCode::FORBIDDEN
    );
    let mut lead = app.signed_in("lead@pcn-a.example").await;
    let form = lead.get(&format!("{record}/restrict")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let blank = lead
        .post(&format!("{record}/restrict"), &[("reason", "  ")])
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.body.contains("Enter the reason"), "{}", blank.body);
    let done = lead
        .post(
            &format!("{record}/restrict"),
            &[("reason", "She contests the accuracy of her record")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    // To the link worker the record is gone, as another network's is.
    assert_eq!(visible(&mut worker, &record, &case).await, [false; 4]);
    assert_eq!(worker.get(&record).await.status, StatusCode::NOT_FOUND);
    let refused = app
        .store()
        .audit_events(
            &AuditFilter {
                action: Some("person.view_refused_restricted".into()),
                ..Default::default()
            },
            PageRequest::new(1, 50),
        )
        .await
        .unwrap();
    assert!(refused.total >= 3, "each attempt is audited: {refused:?}");
    assert!(refused.items.iter().all(|e| {
        e.entity_id.as_deref() == Some(&*person.to_string())
            && e.actor_label.contains("lw@pcn-a.example")
    }));

    // The team lead still opens it, under a clear banner, and finds it.
    let page = lead.get(&record).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Restricted record"), "{}", page.body);
    assert!(
        page.body
            .contains("She contests the accuracy of her record")
    );
    assert!(lead.get("/people?q=iris").await.body.contains("Restricted"));

    let lifted = lead.post(&format!("{record}/restriction/lift"), &[]).await;
    assert_eq!(lifted.status, StatusCode::SEE_OTHER, "{}", lifted.body);
    assert_eq!(visible(&mut worker, &record, &case).await, [true; 4]);
    assert!(!lead.get(&record).await.body.contains("Restricted record"));
    for action in ["person.restrict", "person.restriction_lift"] {
        let events = app
            .store()
            .audit_events(
                &AuditFilter {
                    action: Some(action.into()),
                    ..Default::default()
                },
                PageRequest::new(1, 10),
            )
            .await
            .unwrap();
        assert_eq!(events.total, 1, "{action}");
    }
}

on_both_backends!(
    a_subject_access_export_holds_everything_and_who_saw_it,
    a_restricted_record_is_hidden_from_all_but_its_team_leads,
);
