//! The JSON referral API: tokens issued and revoked by admins, referrals
//! sent and followed by other systems, errors as JSON with stable codes,
//! and the OpenAPI document.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use linkwork_app::admin::Caller;
use linkwork_domain::referral::{ReferralRoute, ReferralStatus};
use linkwork_domain::role::Role;
use linkwork_storage::{AuditFilter, PageRequest, ReferralFilter, ReferralOrder};
use serde_json::{Value, json};
use support::{Client, Reply, TestApp};

/// Issues a token for `org` through the admin pages, as `admin` would.
async fn issue_token(admin: &mut Client, org: &str, name: &str) -> String {
    admin.get("/admin/api-tokens").await;
    let page = admin
        .post("/admin/api-tokens", &[("org_id", org), ("name", name)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let marker = "<code class=\"lw-secret\" id=\"token\">";
    let start = page.body.find(marker).expect("the token is shown") + marker.len();
    let end = page.body[start..].find('<').unwrap();
    page.body[start..start + end].to_owned()
}

async fn call(
    client: &mut Client,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    extra: &[(&str, &str)],
) -> (Reply, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    for (k, v) in extra {
        request = request.header(*k, *v);
    }
    let body = body
        .map(|b| Body::from(b.to_string()))
        .unwrap_or_else(Body::empty);
    let reply = client.send(request.body(body).unwrap()).await;
    let json = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    (reply, json)
}

/// Posts a referral with no extra headers.
async fn post_referral(client: &mut Client, token: Option<&str>, body: Value) -> (Reply, Value) {
    call(client, "POST", "/api/v1/referrals", token, Some(body), &[]).await
}

fn referral() -> Value {
    json!({
        "person": {
            "nhs_number": "943 476 5919",
            "given_name": "Kwame",
            "family_name": "Mensah",
            "date_of_birth": "1948-11-02",
            "address": {"line1": "4 Canal Street", "postcode": "rv1 3bq"},
            "phone": "07700 900 123",
            "contact_method": "phone",
            "large_print": true
        },
        "reasons": ["loneliness", "physical_activity"],
        "details": "Discharged after a fall; lives alone.",
        "urgency": "urgent",
        "consent": {"referral": true, "contact": true},
        "referrer": {"name": "Ward 7 discharge team", "phone": "01632 960 555"}
    })
}

struct Setup {
    token: String,
    other_token: String,
    admin: Client,
    t: linkwork_storage_testsuite::fixtures::Tree,
}

async fn setup(app: &TestApp) -> Setup {
    let t = app.tree().await;
    app.app
        .set_pcn_coverage(Caller::Operator, &t.pcn_a, &["RV1".into()])
        .await
        .unwrap();
    app.user("admin@icb.example", t.icb.id, &[Role::Admin])
        .await;
    let mut admin = app.signed_in("admin@icb.example").await;
    let token = issue_token(&mut admin, &t.practice_a.id.to_string(), "EMIS bridge").await;
    let other_token = issue_token(&mut admin, &t.pcn_b.id.to_string(), "Other system").await;
    Setup {
        token,
        other_token,
        admin,
        t,
    }
}

async fn a_system_sends_a_referral_and_follows_its_status(app: TestApp) {
    let s = setup(&app).await;
    assert!(s.token.starts_with("lwk_"));
    let mut c = app.client();
    let (reply, body) = post_referral(&mut c, Some(&s.token), referral()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        reply.location(),
        Some(format!("/api/v1/referrals/{id}").as_str())
    );
    assert!(body["reference"].as_str().unwrap().starts_with("RF-"));
    assert_eq!(body["status"], "received");
    assert_eq!(body["network"]["name"], "Alpha PCN");
    assert_eq!(body["fhir"], format!("/fhir/ServiceRequest/{id}"));

    let waiting = app
        .store()
        .list_referrals(
            &ReferralFilter {
                pcn_id: Some(s.t.pcn_a.id),
                statuses: vec![ReferralStatus::Received],
                ..Default::default()
            },
            ReferralOrder::OldestFirst,
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(waiting.total, 1, "on the postcode's network's waiting list");
    let r = &waiting.items[0].referral;
    assert_eq!(r.route, ReferralRoute::Api);
    assert_eq!(r.needs, ["loneliness", "physical_activity"]);
    assert_eq!(r.code, "871731000000106");
    assert_eq!(r.referrer.org_id, Some(s.t.practice_a.id));
    assert_eq!(r.referrer.name, "Ward 7 discharge team");
    let person = app.store().person(r.person_id).await.unwrap().unwrap();
    assert!(person.details.large_print);

    let (reply, status) = call(
        &mut c,
        "GET",
        &format!("/api/v1/referrals/{id}"),
        Some(&s.token),
        None,
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(status["status"], "received");
    assert_eq!(status["person"]["nhs_number"], "9434765919");
    assert_eq!(status["code"], "871731000000106");
    assert_eq!(
        status["history"][0]["summary"],
        "From another system (API) received from Ward 7 discharge team"
    );
    let read = app
        .store()
        .audit_events(
            &AuditFilter {
                action: Some("person.view".into()),
                ..Default::default()
            },
            PageRequest::new(1, 5),
        )
        .await
        .unwrap();
    assert_eq!(read.total, 1);
    assert_eq!(read.items[0].actor_label, "API token \"EMIS bridge\"");

    // Another organisation's token cannot see it.
    let (reply, body) = call(
        &mut c,
        "GET",
        &format!("/api/v1/referrals/{id}"),
        Some(&s.other_token),
        None,
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

async fn retries_with_an_idempotency_key_make_one_referral(app: TestApp) {
    let s = setup(&app).await;
    let mut c = app.client();
    let key = [("idempotency-key", "emis-12345")];
    let (first, a) = call(
        &mut c,
        "POST",
        "/api/v1/referrals",
        Some(&s.token),
        Some(referral()),
        &key,
    )
    .await;
    let (second, b) = call(
        &mut c,
        "POST",
        "/api/v1/referrals",
        Some(&s.token),
        Some(referral()),
        &key,
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(a["id"], b["id"]);
    // The same key from another organisation is its own.
    let (third, c_body) = call(
        &mut c,
        "POST",
        "/api/v1/referrals",
        Some(&s.other_token),
        Some(referral()),
        &key,
    )
    .await;
    assert_eq!(third.status, StatusCode::CREATED);
    assert_ne!(a["id"], c_body["id"]);
}

async fn people_the_network_knows_are_linked_not_duplicated(app: TestApp) {
    let s = setup(&app).await;
    let mut c = app.client();
    let (_, first) = post_referral(&mut c, Some(&s.token), referral()).await;
    let person_of = |body: &Value| {
        let id: linkwork_domain::ReferralId = body["id"].as_str().unwrap().parse().unwrap();
        let store = app.store();
        async move { store.referral(id).await.unwrap().unwrap() }
    };
    let first = person_of(&first).await;

    // The same NHS number, a new phone number: the same person, the record
    // unchanged, the new number noted on the referral.
    let mut again = referral();
    again["person"]["phone"] = json!("01632 960 999");
    let (_, second) = post_referral(&mut c, Some(&s.token), again).await;
    let second = person_of(&second).await;
    assert_eq!(second.person_id, first.person_id);
    assert!(
        second
            .details
            .as_deref()
            .unwrap()
            .contains("Phone: 01632 960 999"),
        "{:?}",
        second.details
    );
    let record = app.store().person(first.person_id).await.unwrap().unwrap();
    assert_eq!(record.details.phone.as_deref(), Some("07700 900 123"));

    // Same name, date of birth and postcode but another NHS number: someone
    // else.
    let mut other = referral();
    other["person"]["nhs_number"] = json!("999 000 0018");
    let (_, third) = post_referral(&mut c, Some(&s.token), other).await;
    assert_ne!(person_of(&third).await.person_id, first.person_id);
}

async fn bad_requests_get_specific_json_errors(app: TestApp) {
    let s = setup(&app).await;
    let mut c = app.client();

    let (reply, body) = post_referral(&mut c, None, referral()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthenticated");
    assert!(reply.headers.get(header::WWW_AUTHENTICATE).is_some());
    let (reply, _) = post_referral(&mut c, Some("lwk_made-up"), referral()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    let mut bad = referral();
    bad["person"]["nhs_number"] = json!("943 476 5918");
    bad["person"]["date_of_birth"] = json!("2999-01-01");
    bad["reasons"] = json!(["astrology"]);
    bad["consent"]["referral"] = json!(false);
    let (reply, body) = post_referral(&mut c, Some(&s.token), bad).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(body["error"]["code"], "validation_failed");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for field in [
        "person.nhs_number",
        "person.date_of_birth",
        "reasons",
        "consent.referral",
    ] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }

    let mut missing = referral();
    missing["person"]
        .as_object_mut()
        .unwrap()
        .remove("family_name");
    let (reply, body) = post_referral(&mut c, Some(&s.token), missing).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_request");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("family_name"),
        "{body}"
    );

    let mut unknown = referral();
    unknown["person"]["gp_practice_ods_code"] = json!("ZZZ999");
    let (reply, body) = post_referral(&mut c, Some(&s.token), unknown).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["error"]["fields"][0]["field"],
        "person.gp_practice_ods_code"
    );

    let not_json = Request::post("/api/v1/referrals")
        .header(header::AUTHORIZATION, format!("Bearer {}", s.token))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("hello"))
        .unwrap();
    let reply = c.send(not_json).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("application/json"));

    let (reply, body) = call(
        &mut c,
        "GET",
        "/api/v1/nothing-here",
        Some(&s.token),
        None,
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
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
}

async fn revoked_tokens_stop_working_and_tokens_are_audited(app: TestApp) {
    let mut s = setup(&app).await;
    let page = s.admin.get("/admin/api-tokens").await;
    assert!(page.body.contains("EMIS bridge"));
    assert!(
        !page.body.contains(&s.token),
        "the secret is never shown again"
    );
    let token = app
        .store()
        .api_tokens(None)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "EMIS bridge")
        .unwrap();
    assert_ne!(token.token_hash, s.token, "only a hash is kept");
    let revoked = s
        .admin
        .post(&format!("/admin/api-tokens/{}/revoke", token.id), &[])
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let mut c = app.client();
    let (reply, _) = post_referral(&mut c, Some(&s.token), referral()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    for action in ["api_token.issue", "api_token.revoke"] {
        let events = app
            .store()
            .audit_events(
                &AuditFilter {
                    action: Some(action.into()),
                    ..Default::default()
                },
                PageRequest::new(1, 5),
            )
            .await
            .unwrap();
        assert!(events.total >= 1, "{action}");
    }
    // Issuing needs a name and an organisation.
    s.admin.get("/admin/api-tokens").await;
    let bad = s
        .admin
        .post("/admin/api-tokens", &[("org_id", ""), ("name", "")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body
            .contains("Select the organisation the token acts for")
    );
}

async fn the_api_describes_itself(app: TestApp) {
    setup(&app).await;
    let mut c = app.client();
    let (reply, doc) = call(&mut c, "GET", "/api/v1/openapi.json", None, None, &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/referrals",
        "/api/v1/referrals/{id}",
        "/api/v1/needs",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    assert!(doc["components"]["schemas"]["ReferralRequest"].is_object());
    assert!(doc["components"]["securitySchemes"]["api_token"].is_object());
    let (reply, needs) = call(&mut c, "GET", "/api/v1/needs", None, None, &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(needs[0]["code"], "loneliness");
}

async fn a_restricted_persons_referral_is_not_found_through_the_api(app: TestApp) {
    let s = setup(&app).await;
    let mut c = app.client();
    let (reply, body) = post_referral(&mut c, Some(&s.token), referral()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/referrals/{id}");
    let (seen, _) = call(&mut c, "GET", &path, Some(&s.token), None, &[]).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    let r = app
        .store()
        .referral(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    app.store()
        .set_restriction(
            r.person_id,
            Some(&linkwork_domain::person_rights::Restriction {
                reason: "Contests the record".into(),
                by: "lead@pcn-a.example".into(),
                at: linkwork_domain::time::now(),
            }),
            &linkwork_domain::audit::NewAuditEvent::new(
                linkwork_domain::audit::Actor::Cli,
                linkwork_domain::audit::AuditAction::PersonRestrict,
                linkwork_domain::time::now(),
            ),
        )
        .await
        .unwrap();
    let (hidden, _) = call(&mut c, "GET", &path, Some(&s.token), None, &[]).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.body);
    let (fhir, _) = call(
        &mut c,
        "GET",
        &format!("/fhir/ServiceRequest/{id}"),
        Some(&s.token),
        None,
        &[],
    )
    .await;
    assert_eq!(fhir.status, StatusCode::NOT_FOUND, "{}", fhir.body);
    let refused = app
        .store()
        .audit_events(
            &AuditFilter {
                action: Some("person.view_refused_restricted".into()),
                ..Default::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(refused.total, 2, "{refused:?}");
    assert!(
        refused
            .items
            .iter()
            .all(|e| e.actor_label.contains("EMIS bridge"))
    );
}

on_both_backends!(
    a_restricted_persons_referral_is_not_found_through_the_api,
    a_system_sends_a_referral_and_follows_its_status,
    retries_with_an_idempotency_key_make_one_referral,
    people_the_network_knows_are_linked_not_duplicated,
    bad_requests_get_specific_json_errors,
    revoked_tokens_stop_working_and_tokens_are_audited,
    the_api_describes_itself,
);
