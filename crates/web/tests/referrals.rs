//! Professional referrals, triage and the waiting list, caseloads, the
//! person's record, and who may see what.

mod support;

use axum::http::StatusCode;
use linkwork_app::admin::Caller;
use linkwork_domain::ReferralId;
use linkwork_domain::consent::ConsentKind;
use linkwork_domain::referral::{ReferralRoute, ReferralStatus};
use linkwork_domain::role::Role;
use linkwork_storage::{AuditFilter, PageRequest};
use linkwork_storage_testsuite::fixtures::Tree;
use support::{Client, TestApp};

struct Setup {
    t: Tree,
}

/// Alpha PCN covers RV1 (its practice is Alpha Surgery); Beta covers RV7.
async fn setup(app: &TestApp) -> Setup {
    let t = app.tree().await;
    app.app
        .set_pcn_coverage(Caller::Operator, &t.pcn_a, &["RV1".into()])
        .await
        .unwrap();
    app.app
        .set_pcn_coverage(Caller::Operator, &t.pcn_b, &["RV7".into()])
        .await
        .unwrap();
    app.user("gp@practice-a.example", t.practice_a.id, &[Role::Referrer])
        .await;
    app.user("lw@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    app.user("lw2@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    app.user("lead@pcn-a.example", t.pcn_a.id, &[Role::TeamLead])
        .await;
    app.user("lw@pcn-b.example", t.pcn_b.id, &[Role::LinkWorker])
        .await;
    Setup { t }
}

fn referral_fields<'a>(nhs_number: &'a str, given: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("nhs_number", nhs_number),
        ("given_name", given),
        ("family_name", "Patel"),
        ("dob_day", "7"),
        ("dob_month", "3"),
        ("dob_year", "1950"),
        ("postcode", "RV1 3BQ"),
        ("phone", "07700 900 982"),
        ("contact_method", "phone"),
        ("needs", "bereavement"),
        ("needs", "isolation"),
        ("details", "Lost her husband in the spring."),
        ("urgency", "routine"),
        ("consent_referral", "yes"),
        ("consent_contact", "yes"),
        ("referrer_name", "Dr Evans"),
        ("referrer_phone", "01632 960 001"),
    ]
}

/// Loads the form and posts it; `extra` adds or overrides fields.
async fn refer(client: &mut Client, fields: &[(&str, &str)]) -> support::Reply {
    let page = client.get("/referrals/new").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let key = page.form_key().expect("a form key");
    let mut all = fields.to_vec();
    all.push(("form_key", &key));
    client.post("/referrals/new", &all).await
}

/// Refers someone through the form and returns the new referral's id.
async fn referred(client: &mut Client, nhs_number: &str, given: &str) -> ReferralId {
    let reply = refer(client, &referral_fields(nhs_number, given)).await;
    referral_id(reply.location().expect("a redirect to the new referral"))
}

fn referral_id(location: &str) -> ReferralId {
    let id = location
        .trim_start_matches("/referrals/")
        .split(['?', '/'])
        .next()
        .unwrap();
    id.parse().unwrap()
}

/// The version hidden in the action form last loaded.
fn version(body: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let start = body.find(marker).expect("a version") + marker.len();
    let end = body[start..].find('"').unwrap();
    body[start..start + end].to_owned()
}

async fn act(
    client: &mut Client,
    id: ReferralId,
    action: &str,
    fields: &[(&str, &str)],
) -> support::Reply {
    let form = client.get(&format!("/referrals/{id}/{action}")).await;
    assert_eq!(form.status, StatusCode::OK, "{action} form: {}", form.body);
    let v = version(&form.body);
    let mut all = fields.to_vec();
    all.push(("version", &v));
    client
        .post(&format!("/referrals/{id}/{action}"), &all)
        .await
}

async fn user_id(app: &TestApp, email: &str) -> String {
    app.store()
        .user_credentials(&linkwork_domain::user::Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap()
        .user
        .id
        .to_string()
}

async fn a_professional_referral_reaches_its_practices_network(app: TestApp) {
    let s = setup(&app).await;
    let mut gp = app.signed_in("gp@practice-a.example").await;
    let form = gp.get("/referrals/new").await;
    assert!(
        form.body.contains(&format!(
            "<option value=\"{}\" selected>",
            s.t.practice_a.id
        )),
        "the referrer's own practice is chosen"
    );
    let share = s.t.vcse.id.to_string();
    let practice = s.t.practice_a.id.to_string();
    let mut fields = referral_fields("943 476 5919", "Sam");
    fields.push(("gp_practice", &practice));
    fields.push(("share_with", &share));
    let reply = refer(&mut gp, &fields).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply.location().unwrap().to_owned();
    let id = referral_id(&location);
    let status_page = gp.get(&location).await;
    assert_eq!(status_page.status, StatusCode::OK);
    assert!(
        status_page
            .body
            .contains("Referral sent. Its reference is RF-")
    );

    let referral = app.store().referral(id).await.unwrap().unwrap();
    assert_eq!(referral.route, ReferralRoute::Professional);
    assert_eq!(referral.pcn_id, s.t.pcn_a.id);
    assert_eq!(referral.needs, ["bereavement", "isolation"]);
    assert_eq!(referral.code, "871731000000106");
    assert_eq!(referral.referrer.org_id, Some(s.t.practice_a.id));
    let consents = app.store().consents(referral.person_id).await.unwrap();
    assert!(
        consents
            .iter()
            .any(|c| c.kind == ConsentKind::Share && c.partner_org_id == Some(s.t.vcse.id))
    );
    assert!(
        consents
            .iter()
            .all(|c| c.recorded_by == "gp@practice-a.example")
    );

    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let list = lw.get("/waiting-list").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Sam Patel"));
    assert!(list.body.contains("Bereavement, Social isolation"));
    assert!(list.body.contains("0 working days"));
    let mut other = app.signed_in("lw@pcn-b.example").await;
    assert!(!other.get("/waiting-list").await.body.contains("Sam Patel"));
}

async fn the_professional_form_explains_every_problem_and_keeps_input(app: TestApp) {
    setup(&app).await;
    let mut gp = app.signed_in("gp@practice-a.example").await;
    let reply = refer(
        &mut gp,
        &[
            ("given_name", "Sam"),
            ("dob_day", "30"),
            ("dob_month", "2"),
            ("dob_year", "1950"),
            ("postcode", "RV1 3BQ"),
            ("email", "sam@"),
            ("safeguarding_concern", "yes"),
            ("referrer_name", "Dr Evans"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Enter an NHS number",
        "Enter a last name",
        "Date of birth must be a real date",
        "Enter an email address in the correct format",
        "Describe the safeguarding concern",
        "Select at least one reason for the referral",
        "Confirm that the person agrees to this referral",
        "Select yes if the team can contact the person",
        "Enter a phone number or email address so the team can ask you about the referral",
    ] {
        assert!(reply.body.contains(message), "{message}");
    }
    assert!(reply.body.contains("value=\"30\""));
    assert!(reply.body.contains("value=\"sam@\""));
    assert!(
        reply.body.contains("value=\"yes\" checked"),
        "the safeguarding box stays ticked"
    );
}

async fn a_known_person_is_offered_instead_of_duplicated(app: TestApp) {
    setup(&app).await;
    let mut gp = app.signed_in("gp@practice-a.example").await;
    let first = refer(&mut gp, &referral_fields("943 476 5919", "Sam")).await;
    let first_id = referral_id(first.location().unwrap());
    let person = app
        .store()
        .referral(first_id)
        .await
        .unwrap()
        .unwrap()
        .person_id;

    // Same NHS number: the form asks, and nothing is written yet.
    let page = gp.get("/referrals/new").await;
    let key = page.form_key().expect("a form key");
    let mut fields = referral_fields("9434765919", "Samantha");
    fields.push(("form_key", &key));
    let asked = gp.post("/referrals/new", &fields).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(
        asked
            .body
            .contains("This person may already be known to the team")
    );
    // Described by what the referrer typed, not what the record holds.
    assert!(
        asked
            .body
            .contains("record with NHS number 943 476 5919 and date of birth 7 March 1950")
    );
    assert!(!asked.body.contains("Sam Patel"));
    // Showing the match is a read of Sam's record, and audited as one.
    let shown = app
        .store()
        .audit_events(
            &AuditFilter {
                action: Some("person.view".into()),
                entity_id: Some(person.to_string()),
                ..Default::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert!(
        shown
            .items
            .iter()
            .any(|e| e.actor_label == "gp@practice-a.example"
                && e.detail == "Shown as a possible match while making a referral"),
        "{:?}",
        shown.items
    );
    let count = || async {
        app.store()
            .list_referrals(
                &Default::default(),
                linkwork_storage::ReferralOrder::NewestFirst,
                PageRequest::new(1, 1),
            )
            .await
            .unwrap()
            .total
    };
    assert_eq!(count().await, 1);
    // "Someone else" cannot take an NHS number the team already holds.
    let mut new = fields.clone();
    new.push(("duplicate", "new"));
    let refused = gp.post("/referrals/new", &new).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("already has a record with this NHS number")
    );
    // Using the record links the referral to the same person.
    let person_choice = person.to_string();
    let mut existing = fields.clone();
    existing.push(("duplicate", &person_choice));
    let linked = gp.post("/referrals/new", &existing).await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER, "{}", linked.body);
    let second = app
        .store()
        .referral(referral_id(linked.location().unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.person_id, person);
    assert_eq!(count().await, 2);
    // The record kept its name: a referral never rewrites it.
    let record = app.store().person(person).await.unwrap().unwrap();
    assert_eq!(record.details.given_name, "Sam");

    // Same name, date of birth and postcode but another NHS number: may be
    // someone else.
    let mut twin = referral_fields("999 000 0018", "Sam");
    twin.push(("duplicate", "new"));
    let created = refer(&mut gp, &twin).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let third = app
        .store()
        .referral(referral_id(created.location().unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_ne!(third.person_id, person);
}

async fn triage_accept_assign_contact_and_caseload(app: TestApp) {
    setup(&app).await;
    let mut gp = app.signed_in("gp@practice-a.example").await;
    let id = referred(&mut gp, "943 476 5919", "Sam").await;
    let lw_id = user_id(&app, "lw@pcn-a.example").await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;

    let page = lw.get(&format!("/referrals/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Lost her husband in the spring."),
        "the team sees the details"
    );
    assert!(page.body.contains("href=\"/referrals/") && page.body.contains("/accept\""));

    let accepted = act(&mut lw, id, "accept", &[("assign_to", &lw_id)]).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    assert_eq!(
        accepted.location().unwrap(),
        format!("/referrals/{id}?done=accept")
    );
    let referral = app.store().referral(id).await.unwrap().unwrap();
    assert_eq!(referral.status, ReferralStatus::Accepted);
    assert_eq!(referral.assigned_to.unwrap().to_string(), lw_id);
    assert_eq!(
        referral.next_action_due,
        Some(app.app.first_contact_due(referral.received_at))
    );

    // Accepting again: the page says why there is no form, and a post
    // (a form left open in another tab) is refused with the reason.
    let stale_form = lw.get(&format!("/referrals/{id}/accept")).await;
    assert!(
        stale_form
            .body
            .contains("This referral is accepted: this cannot be done now.")
    );
    assert!(!stale_form.body.contains("name=\"version\""));
    lw.post_says(
        &format!("/referrals/{id}/accept"),
        &[("version", &referral.version.to_string())],
        StatusCode::UNPROCESSABLE_ENTITY,
        "This referral is accepted: it cannot be accepted",
    )
    .await;

    let caseload = lw.get("/caseload").await;
    assert!(caseload.body.contains("Sam Patel"));
    assert!(caseload.body.contains("First contact, due"));

    let missing = act(&mut lw, id, "contact", &[]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing
            .body
            .contains("Select how you tried to contact the person")
    );
    let reached = act(
        &mut lw,
        id,
        "contact",
        &[
            ("method", "phone"),
            ("outcome", "reached"),
            ("note", "Keen to try the choir."),
        ],
    )
    .await;
    assert_eq!(reached.status, StatusCode::SEE_OTHER, "{}", reached.body);
    let referral = app.store().referral(id).await.unwrap().unwrap();
    assert_eq!(referral.status, ReferralStatus::InProgress);
    assert!(referral.first_contact_at.is_some());
    assert!(
        !lw.get("/waiting-list").await.body.contains("Sam Patel"),
        "no longer waiting"
    );

    let history = app.store().referral_history(id).await.unwrap();
    let summaries: Vec<_> = history.iter().map(|e| e.summary.as_str()).collect();
    assert_eq!(
        summaries,
        [
            "Professional referral received from Dr Evans",
            "Accepted and assigned to lw",
            "Spoke to the person by phone call",
        ]
    );
    assert_eq!(history[2].reason.as_deref(), Some("Keen to try the choir."));
    assert!(history[1..].iter().all(|e| e.actor_label == "lw"));

    // The referrer sees the status and its history, not the team's notes.
    let status = gp.get(&format!("/referrals/{id}")).await;
    assert_eq!(status.status, StatusCode::OK);
    assert!(status.body.contains("In progress"));
    assert!(status.body.contains("Accepted and assigned to lw"));
    assert!(!status.body.contains("Keen to try the choir."));
    assert!(
        !status.body.contains("07700 900 982"),
        "nor the person's contact details"
    );
    assert_eq!(
        gp.get(&format!("/referrals/{id}/contact")).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn closing_needs_the_attempts_and_declines_are_coded(app: TestApp) {
    setup(&app).await;
    let mut gp = app.signed_in("gp@practice-a.example").await;
    let unreachable = referred(&mut gp, "943 476 5919", "Sam").await;
    let declining = referred(&mut gp, "999 000 0026", "Ana").await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    act(&mut lw, unreachable, "accept", &[]).await;
    let early = act(&mut lw, unreachable, "unable-to-contact", &[]).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        early
            .body
            .contains("Make at least 3 attempts to contact the person first (0 so far)")
    );
    for outcome in ["no_answer", "left_message", "no_answer"] {
        let reply = act(
            &mut lw,
            unreachable,
            "contact",
            &[("method", "phone"), ("outcome", outcome)],
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
    }
    let closed = act(
        &mut lw,
        unreachable,
        "unable-to-contact",
        &[("note", "Number unobtainable")],
    )
    .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let r = app.store().referral(unreachable).await.unwrap().unwrap();
    assert_eq!(r.status, ReferralStatus::UnableToContact);
    assert_eq!(r.failed_contact_attempts, 3);

    let no_reason = act(&mut lw, declining, "decline", &[]).await;
    assert!(
        no_reason
            .body
            .contains("Select why the referral is declined")
    );
    let declined = act(
        &mut lw,
        declining,
        "decline",
        &[("decline_reason", "person_declined")],
    )
    .await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER);
    let r = app.store().referral(declining).await.unwrap().unwrap();
    assert_eq!(r.status, ReferralStatus::Declined);
    assert_eq!(r.outcome.unwrap().code.as_deref(), Some("871711000000103"));
    let status = gp.get(&format!("/referrals/{declining}")).await;
    assert!(
        status
            .body
            .contains("The person does not want social prescribing")
    );
    assert!(status.body.contains("871711000000103"));
}

async fn a_team_lead_reassigns_and_link_workers_cannot(app: TestApp) {
    setup(&app).await;
    let mut gp = app.signed_in("gp@practice-a.example").await;
    let id = referred(&mut gp, "943 476 5919", "Sam").await;
    let lw_id = user_id(&app, "lw@pcn-a.example").await;
    let lw2_id = user_id(&app, "lw2@pcn-a.example").await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    act(&mut lw, id, "accept", &[]).await;
    // Taking an unassigned referral yourself.
    let page = lw.get(&format!("/referrals/{id}")).await;
    assert!(page.body.contains("Take this referral"));
    let v = version(&page.body);
    let taken = lw
        .post(
            &format!("/referrals/{id}/assign"),
            &[("assign_to", &lw_id), ("version", &v)],
        )
        .await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER);

    let mut lw2 = app.signed_in("lw2@pcn-a.example").await;
    let refused = act(&mut lw2, id, "assign", &[("assign_to", &lw2_id)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // A link worker asking for someone else's caseload gets their own.
    assert!(
        !lw2.get(&format!("/caseload?worker={lw_id}"))
            .await
            .body
            .contains("Sam Patel")
    );

    let mut lead = app.signed_in("lead@pcn-a.example").await;
    let theirs = lead.get(&format!("/caseload?worker={lw_id}")).await;
    assert!(theirs.body.contains("Sam Patel"));
    let everyone = lead.get("/caseload?worker=everyone").await;
    assert!(everyone.body.contains("Sam Patel") && everyone.body.contains("Reassign"));
    let moved = act(&mut lead, id, "assign", &[("assign_to", &lw2_id)]).await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.store()
            .referral(id)
            .await
            .unwrap()
            .unwrap()
            .assigned_to
            .unwrap()
            .to_string(),
        lw2_id
    );
    assert!(lw2.get("/caseload").await.body.contains("Sam Patel"));
    assert!(!lw.get("/caseload").await.body.contains("Sam Patel"));
}

async fn a_stale_form_cannot_overwrite_a_newer_decision(app: TestApp) {
    setup(&app).await;
    let mut gp = app.signed_in("gp@practice-a.example").await;
    let id = referred(&mut gp, "943 476 5919", "Sam").await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let mut lw2 = app.signed_in("lw2@pcn-a.example").await;
    let stale = lw2.get(&format!("/referrals/{id}/decline")).await;
    let stale_version = version(&stale.body);
    act(&mut lw, id, "accept", &[]).await;
    let late = lw2
        .post_says(
            &format!("/referrals/{id}/decline"),
            &[
                ("decline_reason", "not_eligible"),
                ("version", &stale_version),
            ],
            StatusCode::CONFLICT,
            "Someone else changed this referral",
        )
        .await;
    let now = app.store().referral(id).await.unwrap().unwrap();
    assert_eq!(now.status, ReferralStatus::Accepted);
    // The page shown now carries the newer version, so sending it again,
    // knowing what changed, is not refused as stale once more.
    assert_eq!(version(&late.body), now.version.to_string());
    let again = lw2
        .post(
            &format!("/referrals/{id}/decline"),
            &[
                ("decline_reason", "not_eligible"),
                ("version", &version(&late.body)),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(
        app.store().referral(id).await.unwrap().unwrap().status,
        ReferralStatus::Declined
    );
}

async fn another_networks_people_cannot_be_seen_or_found(app: TestApp) {
    setup(&app).await;
    let mut gp = app.signed_in("gp@practice-a.example").await;
    let id = referred(&mut gp, "943 476 5919", "Sam").await;
    let person = app.store().referral(id).await.unwrap().unwrap().person_id;
    let mut outsider = app.signed_in("lw@pcn-b.example").await;
    for path in [
        format!("/referrals/{id}"),
        format!("/referrals/{id}/accept"),
        format!("/people/{person}"),
        format!("/people/{person}/edit"),
    ] {
        assert_eq!(
            outsider.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    outsider.get("/people").await;
    let accepted = outsider
        .post(&format!("/referrals/{id}/accept"), &[("version", "1")])
        .await;
    assert_eq!(accepted.status, StatusCode::NOT_FOUND);
    for q in ["Sam", "9434765919", "943 476 5919", "RV1 3BQ"] {
        let found = outsider
            .get(&format!("/people?q={}", q.replace(' ', "+")))
            .await;
        assert!(!found.body.contains("Sam Patel"), "{q}");
        assert!(found.body.contains("No one matches"), "{q}");
    }
    let mut insider = app.signed_in("lw@pcn-a.example").await;
    for q in ["sam", "943+476+5919", "rv13bq"] {
        assert!(
            insider
                .get(&format!("/people?q={q}"))
                .await
                .body
                .contains("Sam Patel"),
            "{q}"
        );
    }
    assert_eq!(
        app.store().referral(id).await.unwrap().unwrap().status,
        ReferralStatus::Received
    );
}

async fn every_read_of_a_person_is_audited(app: TestApp) {
    setup(&app).await;
    let mut gp = app.signed_in("gp@practice-a.example").await;
    let id = referred(&mut gp, "943 476 5919", "Sam").await;
    let person = app.store().referral(id).await.unwrap().unwrap().person_id;
    let views = || async {
        app.store()
            .audit_events(
                &AuditFilter {
                    action: Some("person.view".into()),
                    entity_type: Some("person".into()),
                    entity_id: Some(person.to_string()),
                    ..Default::default()
                },
                PageRequest::new(1, 50),
            )
            .await
            .unwrap()
    };
    let before = views().await.total;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    lw.get(&format!("/referrals/{id}")).await;
    lw.get(&format!("/people/{person}")).await;
    gp.get(&format!("/referrals/{id}")).await;
    let after = views().await;
    assert_eq!(after.total, before + 3);
    let actors: Vec<_> = after
        .items
        .iter()
        .take(3)
        .map(|e| e.actor_label.as_str())
        .collect();
    assert_eq!(
        actors,
        [
            "gp@practice-a.example",
            "lw@pcn-a.example",
            "lw@pcn-a.example"
        ]
    );
    // A refused read records nothing.
    let mut outsider = app.signed_in("lw@pcn-b.example").await;
    outsider.get(&format!("/people/{person}")).await;
    assert_eq!(views().await.total, before + 3);
    // Searches are recorded with what was searched for.
    lw.get("/people?q=Patel").await;
    let searches = app
        .store()
        .audit_events(
            &AuditFilter {
                action: Some("person.search".into()),
                ..Default::default()
            },
            PageRequest::new(1, 5),
        )
        .await
        .unwrap();
    assert_eq!(searches.items[0].detail, "Searched for \"Patel\"");
}

async fn a_person_record_is_corrected_and_consent_recorded(app: TestApp) {
    let s = setup(&app).await;
    let mut gp = app.signed_in("gp@practice-a.example").await;
    let id = referred(&mut gp, "943 476 5919", "Sam").await;
    let person = app.store().referral(id).await.unwrap().unwrap().person_id;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let form = lw.get(&format!("/people/{person}/edit")).await;
    assert!(
        form.body.contains("value=\"943 476 5919\""),
        "the form starts from the record"
    );
    let mut fields = referral_fields("943 476 5919", "Samira");
    fields.retain(|(k, _)| {
        !k.starts_with("consent") && !k.starts_with("needs") && !k.starts_with("referrer")
    });
    let saved = lw.post(&format!("/people/{person}/edit"), &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        app.store()
            .person(person)
            .await
            .unwrap()
            .unwrap()
            .details
            .given_name,
        "Samira"
    );
    let mut bad = fields.clone();
    bad.retain(|(k, _)| *k != "nhs_number");
    let refused = lw.post(&format!("/people/{person}/edit"), &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Enter an NHS number"),
        "a record with an NHS number keeps one"
    );

    lw.get(&format!("/people/{person}")).await;
    let missing = lw
        .post(&format!("/people/{person}/consents"), &[("kind", "share")])
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing
            .body
            .contains("Select the organisation the consent is about")
    );
    let vcse = s.t.vcse.id.to_string();
    let recorded = lw
        .post(
            &format!("/people/{person}/consents"),
            &[("kind", "share"), ("partner", &vcse), ("given", "yes")],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER);
    let page = lw.get(&format!("/people/{person}")).await;
    assert!(
        page.body
            .contains("To share their details with Garden Friends")
    );
}

/// Names with hyphens and apostrophes are found whole and by their parts.
async fn hyphenated_and_apostrophe_names_are_found_whole_and_in_parts(app: TestApp) {
    let s = setup(&app).await;
    for (given, family) in [("Harriet", "Harrison-Evaluator"), ("Niamh", "O'Brien")] {
        linkwork_storage_testsuite::referral_fixtures::add_referral(
            app.store(),
            linkwork_storage_testsuite::referral_fixtures::person(
                s.t.pcn_a.id,
                given,
                family,
                None,
                None,
            ),
            chrono::Utc::now(),
        )
        .await;
    }
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    for (query, found) in [
        ("Harrison-Evaluator", "Harriet Harrison-Evaluator"),
        ("harrison", "Harriet Harrison-Evaluator"),
        ("Evaluator", "Harriet Harrison-Evaluator"),
        ("Harriet+Harrison-Evaluator", "Harriet Harrison-Evaluator"),
        ("O%27Brien", "Niamh O&#39;Brien"),
        ("O%E2%80%99Brien", "Niamh O&#39;Brien"),
        ("Brien", "Niamh O&#39;Brien"),
    ] {
        let page = lw.get(&format!("/people?q={query}")).await;
        assert!(page.body.contains(found), "{query} finds {found}");
    }
    // The waiting list finds them the same way.
    let list = lw.get("/waiting-list?q=Harrison-Evaluator").await;
    assert!(list.body.contains("Harriet Harrison-Evaluator"));
    assert!(!list.body.contains("O&#39;Brien"));
    let none = lw.get("/waiting-list?q=Nobody").await;
    assert!(
        none.body
            .contains("Nobody on this list matches that search.")
    );
}

on_both_backends!(
    hyphenated_and_apostrophe_names_are_found_whole_and_in_parts,
    a_professional_referral_reaches_its_practices_network,
    the_professional_form_explains_every_problem_and_keeps_input,
    a_known_person_is_offered_instead_of_duplicated,
    triage_accept_assign_contact_and_caseload,
    closing_needs_the_attempts_and_declines_are_coded,
    a_team_lead_reassigns_and_link_workers_cannot,
    a_stale_form_cannot_overwrite_a_newer_decision,
    another_networks_people_cannot_be_seen_or_found,
    every_read_of_a_person_is_audited,
    a_person_record_is_corrected_and_consent_recorded,
);
