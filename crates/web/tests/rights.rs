//! A person's rights: the subject access export holds their whole record,
//! casework, questionnaires and the trail of who saw it, and only their
//! network's team lead can produce it.

mod support;

use axum::http::StatusCode;
use linkwork_app::reports::DashboardFilter;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::message::{Channel, Message};
use linkwork_domain::organisation::OrgKind;
use linkwork_domain::person_rights::erased_date_of_birth;
use linkwork_domain::referral::ReferralStatus;
use linkwork_domain::role::Role;
use linkwork_domain::time::now;
use linkwork_storage::{AuditFilter, CaseworkChanges, PageRequest, ReferralFilter, ReferralOrder};
use linkwork_storage_testsuite::databases::TestDatabase;
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

    let exports = app.audited("person.subject_access").await;
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
    let refused = app.audited("person.view_refused_restricted").await;
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
    let referral_page = lead.get(&case).await;
    assert_eq!(referral_page.status, StatusCode::OK);
    assert!(
        referral_page.body.contains("Restricted record"),
        "{}",
        referral_page.body
    );

    let lifted = lead.post(&format!("{record}/restriction/lift"), &[]).await;
    assert_eq!(lifted.status, StatusCode::SEE_OTHER, "{}", lifted.body);
    assert_eq!(visible(&mut worker, &record, &case).await, [true; 4]);
    assert!(!lead.get(&record).await.body.contains("Restricted record"));
    for action in ["person.restrict", "person.restriction_lift"] {
        let events = app.audited(action).await;
        assert_eq!(events.total, 1, "{action}");
    }
}

async fn a_record_with_an_open_referral_is_not_erased(app: TestApp) {
    let t = app.tree().await;
    let lw = app
        .user("lw@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    app.user("lead@pcn-a.example", t.pcn_a.id, &[Role::TeamLead])
        .await;
    let mut worker = app.signed_in("lw@pcn-a.example").await;
    let referral = support::accepted_referral(&app, &mut worker, t.pcn_a.id, lw.id, "Iris").await;
    let r = app.store().referral(referral).await.unwrap().unwrap();
    let path = format!("/people/{}/erase", r.person_id);
    assert_eq!(worker.get(&path).await.status, StatusCode::FORBIDDEN);
    let mut lead = app.signed_in("lead@pcn-a.example").await;
    let page = lead.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("cannot be erased yet"), "{}", page.body);
    assert!(page.body.contains(r.reference.as_str()));
    let refused = lead.post(&path, &[("reason", "They asked")]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("is still open"), "{}", refused.body);
    let person = app.store().person(r.person_id).await.unwrap().unwrap();
    assert_eq!(person.details.full_name(), "Iris Patel");
    assert_eq!(person.rights.erased_at, None);
}

/// A person's subject access export as JSON, less what changes with every
/// export: when it was made, and the audit trail (which records the exports
/// and the merge themselves).
async fn export_of(
    lead: &mut support::Client,
    person: linkwork_domain::PersonId,
) -> serde_json::Value {
    let reply = lead
        .get(&format!("/people/{person}/subject-access?format=json"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut doc: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    doc.as_object_mut().unwrap().remove("generated_at");
    let sections = doc["sections"].as_array_mut().unwrap();
    let trail = sections.pop().unwrap();
    assert_eq!(trail["title"], "Who has read or changed their record");
    doc
}

async fn a_merge_moves_everything_and_undoing_it_restores_both_records(app: TestApp) {
    let t = app.tree().await;
    let lw = app
        .user("lw@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    app.user("lead@pcn-a.example", t.pcn_a.id, &[Role::TeamLead])
        .await;
    let mut worker = app.signed_in("lw@pcn-a.example").await;
    let first = support::accepted_referral(&app, &mut worker, t.pcn_a.id, lw.id, "Iris").await;
    let second = support::accepted_referral(&app, &mut worker, t.pcn_a.id, lw.id, "Irís").await;
    for (referral, text) in [
        (first, "Likes the allotment."),
        (second, "Wants to try choir."),
    ] {
        let note = worker
            .post(&format!("/referrals/{referral}/notes"), &[("text", text)])
            .await;
        assert_eq!(note.status, StatusCode::SEE_OTHER, "{}", note.body);
    }
    let a = app
        .store()
        .referral(first)
        .await
        .unwrap()
        .unwrap()
        .person_id;
    let b = app
        .store()
        .referral(second)
        .await
        .unwrap()
        .unwrap()
        .person_id;
    let mut lead = app.signed_in("lead@pcn-a.example").await;
    let (a_before, b_before) = (export_of(&mut lead, a).await, export_of(&mut lead, b).await);

    // Find the duplicate, compare, merge.
    let found = lead.get(&format!("/people/{a}/merge?q=patel")).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert!(
        found.body.contains(&format!("/people/{a}/merge?with={b}")),
        "{}",
        found.body
    );
    let side_by_side = lead.get(&format!("/people/{a}/merge?with={b}")).await;
    assert_eq!(side_by_side.status, StatusCode::OK);
    assert!(side_by_side.body.contains("Irís Patel") && side_by_side.body.contains("Iris Patel"));
    assert_eq!(
        worker
            .post(&format!("/people/{a}/merge"), &[("with", &b.to_string())])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A restricted record's contents would show on the other.
    let restricted = lead
        .post(&format!("/people/{b}/restrict"), &[("reason", "Disputed")])
        .await;
    assert_eq!(restricted.status, StatusCode::SEE_OTHER);
    let refused = lead
        .post(&format!("/people/{a}/merge"), &[("with", &b.to_string())])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    let lifted = lead
        .post(&format!("/people/{b}/restriction/lift"), &[])
        .await;
    assert_eq!(lifted.status, StatusCode::SEE_OTHER);
    let merged = lead
        .post(&format!("/people/{a}/merge"), &[("with", &b.to_string())])
        .await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);

    let a_merged = export_of(&mut lead, a).await.to_string();
    assert!(a_merged.contains("Wants to try choir.") && a_merged.contains("Likes the allotment."));
    assert_eq!(
        worker.get(&format!("/people/{b}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !worker
            .get("/people?q=patel")
            .await
            .body
            .contains("Irís Patel")
    );
    let b_page = lead.get(&format!("/people/{b}")).await;
    assert!(
        b_page.body.contains("Merged into another record"),
        "{}",
        b_page.body
    );
    // The case itself carries on, on the kept record.
    let case = worker.get(&format!("/referrals/{second}")).await;
    assert_eq!(case.status, StatusCode::OK);

    let a_page = lead.get(&format!("/people/{a}")).await;
    let merge_id = app.store().person_merges(a).await.unwrap()[0].id;
    let undo = format!("/people/{a}/merges/{merge_id}/undo");
    assert!(a_page.body.contains(&undo), "{}", a_page.body);
    let undone = lead.post(&undo, &[]).await;
    assert_eq!(undone.status, StatusCode::SEE_OTHER, "{}", undone.body);
    assert_eq!(lead.post(&undo, &[]).await.status, StatusCode::CONFLICT);

    assert_eq!(export_of(&mut lead, a).await, a_before);
    assert_eq!(export_of(&mut lead, b).await, b_before);
    assert_eq!(
        worker.get(&format!("/people/{b}")).await.status,
        StatusCode::OK
    );
    for action in ["person.merge", "person.merge_undo"] {
        let events = app.audited(action).await;
        assert_eq!(events.total, 1, "{action}");
    }
}

on_both_backends!(
    a_subject_access_export_holds_everything_and_who_saw_it,
    a_restricted_record_is_hidden_from_all_but_its_team_leads,
    a_record_with_an_open_referral_is_not_erased,
    a_merge_moves_everything_and_undoing_it_restores_both_records,
);

/// Every `table.column` of the test database holding `needle`.
async fn columns_containing(app: &TestApp, needle: &str) -> Vec<String> {
    match &app.db {
        support::Db::Sqlite(db) => db.columns_containing(needle).await,
        support::Db::Postgres(db) => db.columns_containing(needle).await,
    }
}

/// Every table of the dashboard over all dates, as CSV.
async fn every_report(app: &TestApp) -> Vec<(&'static str, String)> {
    let filter = DashboardFilter::parse("2000-01-01", "", "", "", app.app.today()).unwrap();
    app.app
        .dashboard_for_cli(filter)
        .await
        .unwrap()
        .tables
        .iter()
        .map(|t| (t.id, String::from_utf8(t.csv().unwrap()).unwrap()))
        .collect()
}

async fn an_erased_person_leaves_no_name_anywhere_and_the_reports_unchanged(app: TestApp) {
    let store = app.store();
    let today = app.app.today();
    let north = store
        .list_organisations(None)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == OrgKind::Pcn && o.name.contains("North"))
        .expect("the demo's north network");
    let referrals_of = |filter: ReferralFilter| async move {
        store
            .list_referrals(
                &filter,
                ReferralOrder::OldestFirst,
                PageRequest::new(1, 500),
            )
            .await
            .unwrap()
            .items
    };
    // Someone discharged, with no referral open, whose age band the year
    // of birth alone keeps (decision 53), and whose name went out in an
    // onward referral and a message.
    let band = |born| (today.years_since(born).unwrap_or(0) / 20).min(4);
    // Demo referrers have people's names too: someone who shares the
    // chosen person's name is someone else, whose records keep it.
    let mut names_elsewhere = std::collections::HashSet::new();
    for page in 1.. {
        let items = store
            .list_referrals(
                &ReferralFilter::default(),
                ReferralOrder::OldestFirst,
                PageRequest::new(page, PageRequest::MAX_PER_PAGE),
            )
            .await
            .unwrap()
            .items;
        if items.is_empty() {
            break;
        }
        names_elsewhere.extend(items.into_iter().map(|i| i.referral.referrer.name));
    }
    let networks: Vec<_> = store
        .list_organisations(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.kind == OrgKind::Pcn)
        .map(|o| o.id)
        .collect();
    let mut chosen = None;
    for item in referrals_of(ReferralFilter {
        pcn_id: Some(north.id),
        statuses: vec![ReferralStatus::Discharged],
        ..Default::default()
    })
    .await
    {
        let person = store.person(item.person.id).await.unwrap().unwrap();
        let born = person.details.date_of_birth;
        let theirs = referrals_of(ReferralFilter {
            person_id: Some(person.id),
            ..Default::default()
        })
        .await;
        let file = store.case_file(item.referral.id).await.unwrap();
        let namesakes = store
            .search_people(
                &networks,
                &[
                    person.details.given_name.to_lowercase(),
                    person.details.family_name.to_lowercase(),
                ],
                true,
                PageRequest::new(1, 10),
            )
            .await
            .unwrap()
            .total;
        if person.details.nhs_number.is_some()
            && namesakes == 1
            && !names_elsewhere.contains(&person.details.full_name())
            && theirs.iter().all(|i| i.referral.status.is_closed())
            && band(born) == band(erased_date_of_birth(born))
            && file.onward.iter().any(|o| o.shared.name.is_some())
        {
            chosen = Some((person, item.referral));
            break;
        }
    }
    let (person, referral) = chosen.expect("a discharged demo person");
    let id = person.id;
    // A text message about them, as a shortlist sends (the demo's shortlists
    // were sent before messages named the person they were about).
    let full_name = person.details.full_name();
    store
        .save_casework(
            &CaseworkChanges {
                messages: vec![
                    Message::new(
                        Channel::Text,
                        person.details.phone.clone().unwrap_or_default(),
                        None,
                        format!(
                            "Hello {}, here are the groups we talked about.",
                            person.details.given_name
                        ),
                        format!("Shortlist for {full_name}"),
                        Some(referral.pcn_id),
                        referral.updated_at,
                    )
                    .about(id),
                ],
                ..Default::default()
            },
            &[
                NewAuditEvent::new(Actor::Cli, AuditAction::ShortlistCreate, now())
                    .entity(EntityRef::new("referral", referral.id))
                    .detail(format!("Shortlist for {full_name}")),
            ],
        )
        .await
        .unwrap();
    let nhs = person.details.nhs_number.clone().unwrap();
    let needles = [
        person.details.full_name(),
        nhs.as_str().to_owned(),
        nhs.to_string(),
    ];
    let mut lead = app.demo_user("teamlead.north@riverside.example").await;
    // Reading and searching puts their name in the audit log too.
    assert_eq!(
        lead.get(&format!("/people/{id}")).await.status,
        StatusCode::OK
    );
    let search = format!("/people?q={}", person.details.full_name().replace(' ', "+"));
    assert!(
        lead.get(&search)
            .await
            .body
            .contains(&person.details.full_name())
    );
    let held = columns_containing(&app, &needles[0]).await;
    for column in [
        "people.search_text",
        "onward_referrals.shared_name",
        "messages.purpose",
        "audit_events.detail",
    ] {
        assert!(held.iter().any(|c| c == column), "{column} in {held:?}");
    }
    // (The NHS number is stored without its spaces.)
    for needle in &needles[..2] {
        assert!(
            !columns_containing(&app, needle).await.is_empty(),
            "{needle} is held before the erasure"
        );
    }
    let before = every_report(&app).await;

    let path = format!("/people/{id}/erase");
    let form = lead.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let named = lead
        .post(
            &path,
            &[("reason", &format!("{} asked", person.details.full_name()))],
        )
        .await;
    assert_eq!(named.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(named.body.contains("Leave their name"), "{}", named.body);
    let done = lead
        .post(
            &path,
            &[("reason", "They asked for their record to be erased")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    for needle in &needles {
        assert_eq!(
            columns_containing(&app, needle).await,
            Vec::<String>::new(),
            "{needle} is held nowhere after the erasure"
        );
    }
    let after = every_report(&app).await;
    assert_eq!(before.len(), after.len());
    for ((table, was), (_, is)) in before.iter().zip(&after) {
        assert_eq!(was, is, "the report table {table} is unchanged");
    }
    let erased = store.person(id).await.unwrap().unwrap();
    assert!(erased.rights.erased_at.is_some());
    assert_eq!(erased.details.sex, person.details.sex);
    assert_eq!(erased.details.ethnicity, person.details.ethnicity);
    assert_eq!(erased.details.gp_practice_id, person.details.gp_practice_id);
    assert_eq!(erased.imd_decile, person.imd_decile);
    assert_eq!(erased.details.postcode, None);
    let events = store
        .audit_events(
            &AuditFilter {
                action: Some("person.erase".into()),
                ..Default::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(events.total, 1);
    assert_eq!(
        events.items[0].detail,
        "Erased by anonymisation: They asked for their record to be erased"
    );
    let page = lead.get(&format!("/people/{id}")).await;
    assert!(
        page.body.contains("This record was erased"),
        "{}",
        page.body
    );
}

mod with_demo {
    use super::*;
    on_both_backends_with_demo!(an_erased_person_leaves_no_name_anywhere_and_the_reports_unchanged);
}
