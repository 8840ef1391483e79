//! The public referral form, /refer: self and community referrals without
//! signing in, checked, routed, rate-limited, spam-resistant and
//! idempotent.

mod support;

use axum::http::StatusCode;
use linkwork_app::admin::Caller;
use linkwork_domain::referral::{ReferralReference, ReferralRoute, ReferralStatus};
use linkwork_storage::{AuditFilter, PageRequest, ReferralFilter, ReferralOrder};
use support::{Client, TestApp};

/// Alpha PCN covers RV1 and RV2; Beta PCN covers RV7.
async fn setup(app: &TestApp) -> linkwork_storage_testsuite::fixtures::Tree {
    let t = app.tree().await;
    app.app
        .set_pcn_coverage(Caller::Operator, &t.pcn_a, &["RV1".into(), "RV2".into()])
        .await
        .unwrap();
    app.app
        .set_pcn_coverage(Caller::Operator, &t.pcn_b, &["RV7".into()])
        .await
        .unwrap();
    t
}

fn self_referral<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("referral_for", "self"),
        ("given_name", "Ana"),
        ("family_name", "Nowak"),
        ("dob_day", "7"),
        ("dob_month", "3"),
        ("dob_year", "1950"),
        ("postcode", "rv7 1aa"),
        ("phone", "07700 900 982"),
        ("contact_method", "phone"),
        ("safe_to_leave_message", "yes"),
        ("communication", "interpreter"),
        ("language", "Polish"),
        ("needs", "loneliness"),
        ("needs", "debt"),
        ("details", "I moved here last year and don't know anyone."),
        ("consent_referral", "yes"),
        ("consent_contact", "yes"),
    ]
}

async fn post_form(client: &mut Client, fields: &[(&str, &str)]) -> support::Reply {
    let page = client.get("/refer").await;
    assert_eq!(page.status, StatusCode::OK);
    let key = page.form_key().expect("a form key");
    let mut all = fields.to_vec();
    all.push(("form_key", &key));
    client.post("/refer", &all).await
}

async fn a_self_referral_reaches_the_network_covering_the_postcode(app: TestApp) {
    let t = setup(&app).await;
    let mut client = app.client();
    let reply = post_form(&mut client, &self_referral()).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply.location().unwrap().to_owned();
    assert!(
        location.starts_with("/refer/confirmation/RF-"),
        "{location}"
    );
    let done = client.get(&location).await;
    assert_eq!(done.status, StatusCode::OK);
    let reference = ReferralReference::parse(location.rsplit('/').next().unwrap()).unwrap();
    assert!(done.body.contains(reference.as_str()));
    assert!(done.body.contains("Referral sent"));

    let referral = app
        .store()
        .referral_by_reference(&reference)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        referral.pcn_id, t.pcn_b.id,
        "routed by postcode to the network covering RV7"
    );
    assert_eq!(referral.route, ReferralRoute::SelfReferral);
    assert_eq!(referral.status, ReferralStatus::Received);
    assert_eq!(referral.needs, ["loneliness", "debt"]);
    assert_eq!(referral.code, "871731000000106");
    assert_eq!(referral.referrer.name, "Ana Nowak");
    let person = app
        .store()
        .person(referral.person_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.details.postcode.unwrap().as_str(), "RV7 1AA");
    assert!(person.details.interpreter_needed);
    assert_eq!(
        person.details.nhs_number, None,
        "optional on the public form"
    );
    let consents = app.store().consents(person.id).await.unwrap();
    assert_eq!(consents.len(), 2);
    assert!(
        consents
            .iter()
            .all(|c| c.given && c.recorded_by == "Ana Nowak (self-referral)")
    );

    // Unknown references are not found.
    assert_eq!(
        client.get("/refer/confirmation/RF-2222-2222").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client.get("/refer/confirmation/nonsense").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn a_community_referral_is_routed_by_gp_practice(app: TestApp) {
    let t = setup(&app).await;
    let mut client = app.client();
    let practice = t.practice_a.id.to_string();
    let mut fields: Vec<(&str, &str)> = self_referral()
        .into_iter()
        .filter(|(k, _)| *k != "referral_for")
        .collect();
    fields.extend([
        ("referral_for", "someone_else"),
        ("gp_practice", practice.as_str()),
        ("referrer_name", "Grace Hall"),
        ("referrer_role", "Neighbour"),
        ("referrer_phone", "01632 960 001"),
    ]);
    let reply = post_form(&mut client, &fields).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let made = app
        .store()
        .list_referrals(
            &ReferralFilter::default(),
            ReferralOrder::NewestFirst,
            PageRequest::new(1, 5),
        )
        .await
        .unwrap();
    let referral = &made.items[0].referral;
    assert_eq!(
        referral.pcn_id, t.pcn_a.id,
        "the practice's network, though the postcode is Beta's"
    );
    assert_eq!(referral.route, ReferralRoute::Community);
    assert_eq!(referral.referrer.name, "Grace Hall");
    assert_eq!(referral.referrer.role.as_deref(), Some("Neighbour"));
}

async fn bad_input_comes_back_with_every_message_and_what_was_typed(app: TestApp) {
    setup(&app).await;
    let mut client = app.client();
    let reply = post_form(
        &mut client,
        &[
            ("given_name", "Ana"),
            ("nhs_number", "943 476 5918"),
            ("postcode", "RV99 ZZZ9"),
            ("dob_day", "1"),
            ("dob_month", "1"),
            ("dob_year", "2999"),
            ("details", "Some <b>text</b> & more"),
            ("phone", "07700 900 982"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "There is a problem",
        "Select who the referral is for",
        "Enter a last name",
        "Enter a valid NHS number",
        "Enter a real postcode",
        "Date of birth must be in the past",
        "Select at least one thing you would like help with",
        "Confirm that you agree to be referred",
        "Select yes if the team can contact you",
    ] {
        assert!(reply.body.contains(message), "{message} in the page");
    }
    assert!(reply.body.contains("<title>Error: "));
    for kept in [
        "value=\"Ana\"",
        "value=\"943 476 5918\"",
        "value=\"RV99 ZZZ9\"",
        "value=\"2999\"",
        "Some &#60;b&#62;text&#60;/b&#62; &#38; more</textarea>",
    ] {
        assert!(reply.body.contains(kept), "{kept} kept");
    }
    assert!(
        reply.body.contains("href=\"#date_of_birth\""),
        "the summary links to the day box"
    );
    assert_eq!(
        app.store()
            .list_referrals(
                &ReferralFilter::default(),
                ReferralOrder::NewestFirst,
                PageRequest::new(1, 1)
            )
            .await
            .unwrap()
            .total,
        0
    );
    // A postcode no network covers, and no practice, cannot be routed.
    let mut fields = self_referral();
    fields.retain(|(k, _)| *k != "postcode");
    fields.push(("postcode", "LS1 4AP"));
    let reply = post_form(&mut client, &fields).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .body
            .contains("We cannot find a social prescribing team for your postcode")
    );
}

async fn the_same_form_sent_twice_makes_one_referral(app: TestApp) {
    setup(&app).await;
    let mut client = app.client();
    let page = client.get("/refer").await;
    let key = page.form_key().expect("a form key");
    let mut fields = self_referral();
    fields.push(("form_key", &key));
    let first = client.post("/refer", &fields).await;
    let second = client.post("/refer", &fields).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(second.status, StatusCode::SEE_OTHER);
    assert_eq!(first.location(), second.location(), "the same confirmation");
    let all = app
        .store()
        .list_referrals(
            &ReferralFilter::default(),
            ReferralOrder::NewestFirst,
            PageRequest::new(1, 5),
        )
        .await
        .unwrap();
    assert_eq!(all.total, 1);
    // A new form load is a new referral, matched to the same person.
    let again = post_form(&mut client, &self_referral()).await;
    assert_ne!(again.location(), first.location());
    let all = app
        .store()
        .list_referrals(
            &ReferralFilter::default(),
            ReferralOrder::NewestFirst,
            PageRequest::new(1, 5),
        )
        .await
        .unwrap();
    assert_eq!(all.total, 2);
    assert_eq!(
        all.items[0].person.id, all.items[1].person.id,
        "one person record"
    );
}

async fn robots_and_floods_are_turned_away(app: TestApp) {
    setup(&app).await;
    let mut client = app.client();
    let mut trapped = self_referral();
    trapped.push(("website", "http://spam.example"));
    let reply = post_form(&mut client, &trapped).await;
    assert_eq!(reply.status, StatusCode::OK, "looks like success");
    assert!(reply.body.contains("Referral sent"));
    assert!(!reply.body.contains("RF-"), "but no reference");
    let count = || async {
        app.store()
            .list_referrals(
                &ReferralFilter::default(),
                ReferralOrder::NewestFirst,
                PageRequest::new(1, 1),
            )
            .await
            .unwrap()
            .total
    };
    assert_eq!(count().await, 0);
    // One submission was counted; nine more are allowed in the hour.
    for _ in 0..9 {
        let reply = post_form(&mut client, &[("given_name", "x")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let refused = post_form(&mut client, &self_referral()).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused.body.contains("value=\"Nowak\""),
        "what was typed is kept"
    );
    assert_eq!(count().await, 0);
    let store = app.store();
    let logged = |action: &'static str| async move {
        store
            .audit_events(
                &AuditFilter {
                    action: Some(action.into()),
                    ..Default::default()
                },
                PageRequest::new(1, 1),
            )
            .await
            .unwrap()
            .total
    };
    assert_eq!(logged("referral.discarded").await, 1);
    assert_eq!(logged("referral.throttled").await, 1);
}

async fn posting_without_the_form_token_is_refused(app: TestApp) {
    setup(&app).await;
    let mut client = app.client();
    client.get("/refer").await;
    let reply = client.post_raw("/refer", &self_referral()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

on_both_backends!(
    a_self_referral_reaches_the_network_covering_the_postcode,
    a_community_referral_is_routed_by_gp_practice,
    bad_input_comes_back_with_every_message_and_what_was_typed,
    the_same_form_sent_twice_makes_one_referral,
    robots_and_floods_are_turned_away,
    posting_without_the_form_token_is_refused,
);
