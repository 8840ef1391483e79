//! FHIR R4: UK Core ServiceRequests in JSON and XML, their status as the
//! team works (ServiceRequest and Task), and OperationOutcomes that name
//! every problem.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use linkwork_app::admin::Caller;
use linkwork_domain::organisation::NewOrganisationInput;
use linkwork_domain::referral::{EventKind, ReferralRoute, ReferralStatus};
use linkwork_domain::role::Role;
use linkwork_storage::{AuditFilter, PageRequest, ReferralFilter, ReferralOrder};
use serde_json::{Value, json};
use support::{Client, Reply, TestApp};

const NEEDS: &str = "https://linkwork.github.io/fhir/CodeSystem/need";

fn service_request() -> Value {
    json!({
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "https://emis.example/referral", "value": "R-1001"}],
        "contained": [
            {
                "resourceType": "Patient",
                "id": "p1",
                "meta": {"profile": ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"]},
                "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}],
                "name": [{"use": "official", "family": "Okafor", "given": ["Grace"]}],
                "gender": "female",
                "birthDate": "1946-04-12",
                "telecom": [{"system": "phone", "value": "07700 900 456", "use": "mobile"}],
                "address": [{"use": "home", "line": ["12 Mill Lane"], "city": "Riverside", "postalCode": "RV1 2AB"}],
                "generalPractitioner": [{"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "F84001"}}],
                "communication": [{"language": {"text": "Yoruba"}, "preferred": true}],
                "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired", "valueBoolean": true}]
            },
            {
                "resourceType": "Practitioner",
                "id": "gp",
                "name": [{"prefix": ["Dr"], "given": ["Hannah"], "family": "Evans"}],
                "telecom": [{"system": "phone", "value": "01632 960 001"}]
            }
        ],
        "status": "active",
        "intent": "order",
        "priority": "urgent",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "871731000000106", "display": "Referral to social prescribing service"}]},
        "subject": {"reference": "#p1"},
        "requester": {"reference": "#gp"},
        "reasonCode": [
            {"coding": [{"system": NEEDS, "code": "loneliness"}]},
            {"text": "Debt and money worries"}
        ],
        "note": [{"text": "Widowed last year."}]
    })
}

const BUNDLE_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Bundle xmlns="http://hl7.org/fhir">
  <type value="collection"/>
  <entry>
    <fullUrl value="urn:uuid:6b1c7b8e-0000-4000-8000-000000000001"/>
    <resource>
      <ServiceRequest>
        <status value="active"/>
        <intent value="order"/>
        <subject><reference value="urn:uuid:6b1c7b8e-0000-4000-8000-000000000002"/></subject>
        <requester><reference value="urn:uuid:6b1c7b8e-0000-4000-8000-000000000003"/></requester>
        <reasonCode><coding><system value="https://linkwork.github.io/fhir/CodeSystem/need"/><code value="physical_activity"/></coding></reasonCode>
        <note><text value="Lives alone &amp; keen to get moving."/></note>
      </ServiceRequest>
    </resource>
  </entry>
  <entry>
    <fullUrl value="urn:uuid:6b1c7b8e-0000-4000-8000-000000000002"/>
    <resource>
      <Patient>
        <identifier><system value="https://fhir.nhs.uk/Id/nhs-number"/><value value="9990000018"/></identifier>
        <name><family value="Kowalski"/><given value="Tomasz"/></name>
        <birthDate value="1959-09-30"/>
        <telecom><system value="email"/><value value="tomasz@example.org"/></telecom>
        <address><postalCode value="RV1 9ZZ"/></address>
      </Patient>
    </resource>
  </entry>
  <entry>
    <fullUrl value="urn:uuid:6b1c7b8e-0000-4000-8000-000000000003"/>
    <resource>
      <PractitionerRole>
        <organization><display value="Riverside Hospital discharge team"/></organization>
        <code><text value="Discharge coordinator"/></code>
        <telecom><system value="phone"/><value value="01632 960 555"/></telecom>
      </PractitionerRole>
    </resource>
  </entry>
</Bundle>"#;

struct Setup {
    token: String,
    other_token: String,
    t: linkwork_storage_testsuite::fixtures::Tree,
}

/// Alpha PCN covers RV1; a practice with ODS code F84001 sits in Beta PCN.
async fn setup(app: &TestApp) -> Setup {
    let t = app.tree().await;
    app.app
        .set_pcn_coverage(Caller::Operator, &t.pcn_a, &["RV1".into()])
        .await
        .unwrap();
    app.app
        .create_organisation(
            Caller::Operator,
            &NewOrganisationInput {
                name: "Beta Surgery".into(),
                kind: "gp_practice".into(),
                code: "F84001".into(),
            },
            Some(t.pcn_b.id),
        )
        .await
        .unwrap();
    let admin = app
        .user("admin@icb.example", t.icb.id, &[Role::Admin])
        .await;
    app.user("lw@pcn-b.example", t.pcn_b.id, &[Role::LinkWorker])
        .await;
    let principal = linkwork_app::Principal {
        user: admin,
        session_hash: String::new(),
        csrf_token: String::new(),
        ip: None,
    };
    let token = app
        .app
        .issue_api_token(&principal, &t.practice_a.id.to_string(), "EMIS FHIR bridge")
        .await
        .unwrap()
        .secret;
    let other_token = app
        .app
        .issue_api_token(&principal, &t.pcn_a.id.to_string(), "Someone else")
        .await
        .unwrap()
        .secret;
    Setup {
        token,
        other_token,
        t,
    }
}

async fn send(
    c: &mut Client,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    accept: Option<&str>,
    body: String,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(ct) = content_type {
        request = request.header(header::CONTENT_TYPE, ct);
    }
    if let Some(a) = accept {
        request = request.header(header::ACCEPT, a);
    }
    c.send(request.body(Body::from(body)).unwrap()).await
}

async fn post_json(c: &mut Client, token: &str, body: &Value) -> (Reply, Value) {
    let reply = send(
        c,
        "POST",
        "/fhir/ServiceRequest",
        Some(token),
        Some("application/fhir+json"),
        None,
        body.to_string(),
    )
    .await;
    let json = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    (reply, json)
}

fn content_type(reply: &Reply) -> &str {
    reply
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

async fn a_uk_core_service_request_in_json_becomes_a_referral(app: TestApp) {
    let s = setup(&app).await;
    let mut c = app.client();
    let (reply, body) = post_json(&mut c, &s.token, &service_request()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert!(content_type(&reply).starts_with("application/fhir+json"));
    let id = body["id"].as_str().unwrap().to_owned();
    let location = reply.location().unwrap();
    assert!(
        location.ends_with(&format!("/fhir/ServiceRequest/{id}")),
        "{location}"
    );
    assert!(location.starts_with("http://"), "absolute: {location}");
    assert_eq!(body["resourceType"], "ServiceRequest");
    assert_eq!(body["status"], "active");
    assert_eq!(body["intent"], "order");
    assert_eq!(body["code"]["coding"][0]["code"], "871731000000106");
    assert_eq!(body["subject"]["identifier"]["value"], "9434765919");
    assert_eq!(body["performer"][0]["display"], "Beta PCN");
    assert!(
        body["identifier"][0]["value"]
            .as_str()
            .unwrap()
            .starts_with("RF-")
    );

    let referral = app
        .store()
        .referral(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(referral.route, ReferralRoute::Fhir);
    assert_eq!(
        referral.pcn_id, s.t.pcn_b.id,
        "routed by the GP practice's ODS code, not the postcode"
    );
    assert_eq!(referral.needs, ["loneliness", "debt"]);
    assert_eq!(referral.code, "871731000000106");
    assert_eq!(referral.referrer.name, "Dr Hannah Evans");
    assert_eq!(referral.referrer.phone.as_deref(), Some("01632 960 001"));
    assert_eq!(referral.referrer.org_id, Some(s.t.practice_a.id));
    assert_eq!(referral.details.as_deref(), Some("Widowed last year."));
    let person = app
        .store()
        .person(referral.person_id)
        .await
        .unwrap()
        .unwrap();
    assert!(person.details.interpreter_needed);
    assert_eq!(person.details.language.as_deref(), Some("Yoruba"));

    // The sender's identifier makes a resend return the same referral.
    let (again, body2) = post_json(&mut c, &s.token, &service_request()).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(body2["id"], id.as_str());

    // It sits on Beta PCN's waiting list.
    let mut lw = app.signed_in("lw@pcn-b.example").await;
    assert!(lw.get("/waiting-list").await.body.contains("Grace Okafor"));
}

async fn a_bundle_in_xml_becomes_a_referral_and_answers_in_xml(app: TestApp) {
    let s = setup(&app).await;
    let mut c = app.client();
    let reply = send(
        &mut c,
        "POST",
        "/fhir/ServiceRequest",
        Some(&s.token),
        Some("application/fhir+xml"),
        None,
        BUNDLE_XML.into(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert!(content_type(&reply).starts_with("application/fhir+xml"));
    assert!(
        reply
            .body
            .contains("<ServiceRequest xmlns=\"http://hl7.org/fhir\">")
    );
    assert!(reply.body.contains("<status value=\"active\"/>"));
    let made = app
        .store()
        .list_referrals(
            &ReferralFilter {
                pcn_id: Some(s.t.pcn_a.id),
                ..Default::default()
            },
            ReferralOrder::NewestFirst,
            PageRequest::new(1, 5),
        )
        .await
        .unwrap();
    assert_eq!(made.total, 1, "routed by postcode to Alpha PCN");
    let r = &made.items[0].referral;
    assert_eq!(r.needs, ["physical_activity"]);
    assert_eq!(r.referrer.name, "Riverside Hospital discharge team");
    assert_eq!(r.referrer.role.as_deref(), Some("Discharge coordinator"));
    assert_eq!(r.referrer.phone.as_deref(), Some("01632 960 555"));
    assert_eq!(
        r.details.as_deref(),
        Some("Lives alone & keen to get moving.")
    );
    assert_eq!(made.items[0].person.full_name(), "Tomasz Kowalski");

    // JSON in, XML out, when asked.
    let reply = send(
        &mut c,
        "POST",
        "/fhir/ServiceRequest?_format=xml",
        Some(&s.token),
        Some("application/fhir+json"),
        None,
        {
            let mut sr = service_request();
            sr["identifier"][0]["value"] = json!("R-2002");
            sr.to_string()
        },
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert!(reply.body.starts_with("<?xml"));
}

async fn status_follows_the_team_through_service_request_and_task(app: TestApp) {
    let s = setup(&app).await;
    let mut c = app.client();
    let (_, body) = post_json(&mut c, &s.token, &service_request()).await;
    let id = body["id"].as_str().unwrap().to_owned();
    let task = send(
        &mut c,
        "GET",
        &format!("/fhir/Task/{id}"),
        Some(&s.token),
        None,
        Some("application/fhir+json"),
        String::new(),
    )
    .await;
    assert_eq!(task.status, StatusCode::OK, "{}", task.body);
    let task: Value = serde_json::from_str(&task.body).unwrap();
    assert_eq!(task["status"], "requested");
    assert_eq!(task["focus"]["reference"], format!("ServiceRequest/{id}"));
    assert_eq!(task["owner"]["display"], "Beta PCN");

    let mut lw = app.signed_in("lw@pcn-b.example").await;
    let form = lw.get(&format!("/referrals/{id}/decline")).await;
    let marker = "name=\"version\" value=\"";
    let start = form.body.find(marker).unwrap() + marker.len();
    let version = &form.body[start..start + 1];
    let declined = lw
        .post(
            &format!("/referrals/{id}/decline"),
            &[("decline_reason", "person_declined"), ("version", version)],
        )
        .await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER, "{}", declined.body);

    let sr = send(
        &mut c,
        "GET",
        &format!("/fhir/ServiceRequest/{id}"),
        Some(&s.token),
        None,
        Some("application/fhir+json"),
        String::new(),
    )
    .await;
    let sr: Value = serde_json::from_str(&sr.body).unwrap();
    assert_eq!(sr["status"], "revoked");
    let task = send(
        &mut c,
        "GET",
        &format!("/fhir/Task/{id}"),
        Some(&s.token),
        None,
        Some("application/fhir+xml"),
        String::new(),
    )
    .await;
    assert!(
        task.body.contains("<status value=\"rejected\"/>"),
        "{}",
        task.body
    );
    assert!(
        task.body.contains("<code value=\"871711000000103\"/>"),
        "the person declined, coded"
    );
    assert!(
        task.body
            .contains("The person does not want social prescribing")
    );

    // Only the organisation that sent it can read it; reads are audited.
    let other = send(
        &mut c,
        "GET",
        &format!("/fhir/ServiceRequest/{id}"),
        Some(&s.other_token),
        None,
        None,
        String::new(),
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let outcome: Value = serde_json::from_str(&other.body).unwrap();
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    assert_eq!(outcome["issue"][0]["code"], "not-found");
    let reads = app
        .store()
        .audit_events(
            &AuditFilter {
                action: Some("person.view".into()),
                actor: Some("EMIS FHIR bridge".into()),
                ..Default::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert!(reads.total >= 3, "{}", reads.total);
    assert_eq!(
        app.store()
            .referral(id.parse().unwrap())
            .await
            .unwrap()
            .unwrap()
            .status,
        ReferralStatus::Declined
    );
}

/// Posts `body` and returns the OperationOutcome's first issue.
async fn problem(c: &mut Client, token: &str, body: &Value, status: StatusCode) -> Value {
    let (reply, outcome) = post_json(c, token, body).await;
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(
        outcome["resourceType"], "OperationOutcome",
        "{}",
        reply.body
    );
    assert_eq!(outcome["issue"][0]["severity"], "error");
    outcome["issue"][0].clone()
}

async fn malformed_requests_get_an_operation_outcome_naming_the_problem(app: TestApp) {
    let s = setup(&app).await;
    let mut c = app.client();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;

    let mut bad_number = service_request();
    bad_number["contained"][0]["identifier"][0]["value"] = json!("9434765918");
    let issue = problem(&mut c, &s.token, &bad_number, unprocessable).await;
    assert!(
        issue["diagnostics"]
            .as_str()
            .unwrap()
            .contains("modulus 11"),
        "{issue}"
    );
    assert!(
        issue["expression"][0]
            .as_str()
            .unwrap()
            .contains("nhs-number")
    );

    let mut no_number = service_request();
    no_number["contained"][0]["identifier"] =
        json!([{"system": "https://example.org/mrn", "value": "123"}]);
    let issue = problem(&mut c, &s.token, &no_number, unprocessable).await;
    assert_eq!(issue["expression"][0], "Patient.identifier");

    let mut no_reason = service_request();
    no_reason.as_object_mut().unwrap().remove("reasonCode");
    let issue = problem(&mut c, &s.token, &no_reason, unprocessable).await;
    assert_eq!(issue["expression"][0], "ServiceRequest.reasonCode");

    let mut unknown_reason = service_request();
    // Words are a reason (for the team to code); a code the service does
    // not know, with no words, is not.
    unknown_reason["reasonCode"][1] =
        json!({"coding": [{"system": "https://example.org/astrology", "code": "Leo"}]});
    let issue = problem(&mut c, &s.token, &unknown_reason, unprocessable).await;
    assert_eq!(issue["expression"][0], "ServiceRequest.reasonCode[1]");
    assert!(
        issue["diagnostics"]
            .as_str()
            .unwrap()
            .contains("astrology|Leo")
    );

    let mut dangling = service_request();
    dangling["subject"]["reference"] = json!("#nobody");
    let issue = problem(&mut c, &s.token, &dangling, unprocessable).await;
    assert_eq!(issue["expression"][0], "ServiceRequest.subject");

    let mut no_requester = service_request();
    no_requester.as_object_mut().unwrap().remove("requester");
    let issue = problem(&mut c, &s.token, &no_requester, unprocessable).await;
    assert_eq!(issue["expression"][0], "ServiceRequest.requester");

    let mut draft = service_request();
    draft["status"] = json!("draft");
    let issue = problem(&mut c, &s.token, &draft, unprocessable).await;
    assert!(issue["diagnostics"].as_str().unwrap().contains("'active'"));

    let mut wrong_code = service_request();
    wrong_code["code"]["coding"][0]["code"] = json!("12345");
    let issue = problem(&mut c, &s.token, &wrong_code, unprocessable).await;
    assert!(
        issue["diagnostics"]
            .as_str()
            .unwrap()
            .contains("871731000000106")
    );

    let mut unborn = service_request();
    unborn["contained"][0]["birthDate"] = json!("2999-01-01");
    let issue = problem(&mut c, &s.token, &unborn, unprocessable).await;
    assert_eq!(issue["expression"][0], "Patient.birthDate");
    assert!(
        issue["diagnostics"]
            .as_str()
            .unwrap()
            .contains("must be in the past")
    );

    // A practice no one knows, no performer, a postcode no network covers:
    // the answer names every way to route it.
    let mut unroutable = service_request();
    unroutable["contained"][0]["generalPractitioner"][0]["identifier"]["value"] = json!("ZZZ999");
    unroutable["contained"][0]["address"][0]["postalCode"] = json!("LS1 4AP");
    let issue = problem(&mut c, &s.token, &unroutable, unprocessable).await;
    assert_eq!(issue["expression"][0], "Patient.address.postalCode");
    let diagnostics = issue["diagnostics"].as_str().unwrap();
    for way in [
        "ServiceRequest.performer",
        "Patient.generalPractitioner",
        "Patient.address.postalCode",
    ] {
        assert!(diagnostics.contains(way), "{diagnostics}");
    }

    let patient = json!({"resourceType": "Patient"});
    let issue = problem(&mut c, &s.token, &patient, StatusCode::BAD_REQUEST).await;
    assert!(
        issue["diagnostics"]
            .as_str()
            .unwrap()
            .contains("not a Patient")
    );

    let reply = send(
        &mut c,
        "POST",
        "/fhir/ServiceRequest",
        Some(&s.token),
        Some("application/fhir+json"),
        None,
        "{not json".into(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("not valid JSON"));

    let reply = send(
        &mut c,
        "POST",
        "/fhir/ServiceRequest",
        Some(&s.token),
        Some("application/fhir+xml"),
        None,
        "<ServiceRequest xmlns=\"http://hl7.org/fhir\"><status value=\"active\">".into(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        content_type(&reply).starts_with("application/fhir+xml"),
        "errors answer in the request's format"
    );
    assert!(
        reply
            .body
            .contains("<OperationOutcome xmlns=\"http://hl7.org/fhir\">")
    );

    let reply = send(
        &mut c,
        "POST",
        "/fhir/ServiceRequest",
        Some(&s.token),
        Some("text/plain"),
        None,
        "hello".into(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let (reply, outcome) = {
        let r = send(
            &mut c,
            "POST",
            "/fhir/ServiceRequest",
            None,
            Some("application/fhir+json"),
            None,
            service_request().to_string(),
        )
        .await;
        let v: Value = serde_json::from_str(&r.body).unwrap();
        (r, v)
    };
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(outcome["issue"][0]["code"], "login");

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
        0,
        "nothing was recorded"
    );
}

async fn an_identifier_reused_for_another_referral_is_a_conflict(app: TestApp) {
    let s = setup(&app).await;
    let mut c = app.client();
    let (first, body) = post_json(&mut c, &s.token, &service_request()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let id = body["id"].clone();

    // The same identifier for another patient, and for other reasons.
    let mut other_patient = service_request();
    other_patient["contained"][0]["identifier"][0]["value"] = json!("9990000018");
    other_patient["contained"][0]["name"][0]["given"] = json!(["Tomasz"]);
    other_patient["contained"][0]["birthDate"] = json!("1959-09-30");
    let mut other_reasons = service_request();
    other_reasons["reasonCode"] =
        json!([{"coding": [{"system": NEEDS, "code": "physical_activity"}]}]);
    for body in [other_patient, other_reasons] {
        let (reply, outcome) = post_json(&mut c, &s.token, &body).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
        assert!(content_type(&reply).starts_with("application/fhir+json"));
        assert_eq!(outcome["resourceType"], "OperationOutcome");
        assert_eq!(outcome["issue"][0]["code"], "conflict");
        assert!(
            outcome["issue"][0]["diagnostics"]
                .as_str()
                .unwrap()
                .contains("already used")
                && outcome["issue"][0]["diagnostics"]
                    .as_str()
                    .unwrap()
                    .contains("different referral"),
            "{outcome}"
        );
    }

    // An identical resend, its reasons in another order, is still the first.
    let mut resend = service_request();
    resend["reasonCode"] = json!([
        {"text": "Debt and money worries"},
        {"coding": [{"system": NEEDS, "code": "loneliness"}]}
    ]);
    let (again, body) = post_json(&mut c, &s.token, &resend).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(body["id"], id);
    assert_eq!(
        app.store()
            .list_referrals(
                &ReferralFilter::default(),
                ReferralOrder::NewestFirst,
                PageRequest::new(1, 10)
            )
            .await
            .unwrap()
            .total,
        1,
        "neither conflicting referral was recorded"
    );
}

/// Reasons as GP and hospital systems write them: words only, a code the
/// service does not know with its display, a need code with words.
async fn reasons_in_words_are_kept_and_left_for_the_team_to_code(app: TestApp) {
    let s = setup(&app).await;
    let mut c = app.client();
    let mut words = service_request();
    words["identifier"][0]["value"] = json!("R-3003");
    words["reasonCode"] = json!([
        {"text": "Lonely since husband died; stopped going out"},
        {"coding": [{"system": "http://snomed.info/sct", "code": "1129981000000109",
                     "display": "Feels isolated from community"}]},
        {"coding": [{"system": NEEDS, "code": "debt"}], "text": "Rent arrears, worried sick"}
    ]);
    let (reply, body) = post_json(&mut c, &s.token, &words).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let referral = app
        .store()
        .referral(body["id"].as_str().unwrap().parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(referral.needs, ["debt"], "the coded reason is a need");
    assert!(
        referral.needs_coding,
        "words without a need are for the team to code"
    );
    assert_eq!(
        referral.reasons_as_written.as_deref(),
        Some(
            "Lonely since husband died; stopped going out\nFeels isolated from community\nRent arrears, worried sick"
        ),
        "kept word for word, the coded reason's words too"
    );
    // The sender reads its words back.
    let texts: Vec<&str> = body["reasonCode"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["text"].as_str())
        .collect();
    assert!(
        texts.contains(&"Lonely since husband died; stopped going out"),
        "{texts:?}"
    );

    // Words alone make a referral too; a coded need alone needs no coding.
    let mut only_words = service_request();
    only_words["identifier"][0]["value"] = json!("R-3004");
    only_words["contained"][0]["identifier"][0]["value"] = json!("9990000018");
    only_words["contained"][0]["name"][0]["given"] = json!(["Tomasz"]);
    only_words["contained"][0]["name"][0]["family"] = json!("Kowalski");
    only_words["reasonCode"] = json!([{"text": "Struggling since the fall"}]);
    let (reply, _) = post_json(&mut c, &s.token, &only_words).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let (reply, coded) = post_json(&mut c, &s.other_token, &{
        let mut r = service_request();
        r["identifier"][0]["value"] = json!("R-3005");
        r["reasonCode"] = json!([{"coding": [{"system": NEEDS, "code": "loneliness"}]}]);
        r
    })
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let coded = app
        .store()
        .referral(coded["id"].as_str().unwrap().parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(!coded.needs_coding && coded.reasons_as_written.is_none());

    // A code the service does not know, with no words to keep, is refused.
    let mut unknown = service_request();
    unknown["identifier"][0]["value"] = json!("R-3006");
    unknown["reasonCode"] =
        json!([{"coding": [{"system": "http://snomed.info/sct", "code": "1129981000000109"}]}]);
    let issue = problem(&mut c, &s.token, &unknown, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(issue["expression"][0], "ServiceRequest.reasonCode[0]");
    assert!(
        issue["diagnostics"].as_str().unwrap().contains("in words"),
        "{issue}"
    );

    // The waiting list shows who needs coding, and filters to them.
    let mut lw = app.signed_in("lw@pcn-b.example").await;
    let all = lw.get("/waiting-list").await.body;
    assert!(all.contains("Needs coding"), "{all}");
    let to_code = lw.get("/waiting-list?stage=needs_coding").await.body;
    assert!(to_code.contains("Grace Okafor") && to_code.contains("Tomasz Kowalski"));
    assert_eq!(to_code.matches("Needs coding").count(), 2, "{to_code}");
    let page = lw.get(&format!("/referrals/{}", referral.id)).await.body;
    assert!(page.contains("Lonely since husband died; stopped going out"));
    assert!(
        page.contains(&format!("/referrals/{}/needs", referral.id)),
        "{page}"
    );

    // A referrer cannot code them: to them the form does not exist.
    app.user(
        "gp@practice-a.example",
        s.t.practice_a.id,
        &[Role::Referrer],
    )
    .await;
    let mut gp = app.signed_in("gp@practice-a.example").await;
    gp.get("/referrals/sent").await;
    let path = format!("/referrals/{}/needs", referral.id);
    let version = referral.version.to_string();
    let refused = gp
        .post(&path, &[("version", &version), ("needs", "loneliness")])
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);

    // The link worker codes them from the list; the words stay as sent.
    let form = lw.get(&path).await.body;
    assert!(
        form.contains("Lonely since husband died; stopped going out"),
        "{form}"
    );
    let unknown = lw
        .post(&path, &[("version", &version), ("needs", "gardening")])
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let saved = lw
        .post(
            &path,
            &[
                ("version", &version),
                ("needs", "bereavement"),
                ("needs", "loneliness"),
                ("needs", "debt"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let coded = app.store().referral(referral.id).await.unwrap().unwrap();
    assert_eq!(coded.needs, ["bereavement", "loneliness", "debt"]);
    assert!(!coded.needs_coding);
    assert_eq!(coded.reasons_as_written, referral.reasons_as_written);
    let history = app.store().referral_history(referral.id).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.kind, EventKind::NeedsCoded);
    assert_eq!(
        last.summary,
        "Needs coded: Bereavement, Loneliness, Debt and money worries"
    );
    let coding = app
        .store()
        .audit_events(
            &AuditFilter {
                action: Some("referral.needs_coded".into()),
                ..Default::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(coding.total, 1, "only the link worker's change");
    let to_code = lw.get("/waiting-list?stage=needs_coding").await.body;
    assert!(to_code.contains("Tomasz Kowalski") && !to_code.contains("Grace Okafor"));
}

/// A transaction Bundle as GP systems send one: the ServiceRequest, its
/// Patient and requester, each entry with its request.
fn transaction_bundle(identifier: &str) -> Value {
    let mut request = service_request();
    let contained = request
        .as_object_mut()
        .unwrap()
        .remove("contained")
        .unwrap();
    request["identifier"][0]["value"] = json!(identifier);
    request["subject"] = json!({"reference": "urn:uuid:0d1a7c2e-0000-4000-8000-000000000002"});
    request["requester"] = json!({"reference": "urn:uuid:0d1a7c2e-0000-4000-8000-000000000003"});
    let entry = |n: u8, resource: &Value| {
        json!({
            "fullUrl": format!("urn:uuid:0d1a7c2e-0000-4000-8000-00000000000{n}"),
            "resource": resource,
            "request": {"method": "POST", "url": resource["resourceType"]}
        })
    };
    json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [entry(1, &request), entry(2, &contained[0]), entry(3, &contained[1])]
    })
}

async fn the_base_takes_transactions_and_every_error_is_an_operation_outcome(app: TestApp) {
    let s = setup(&app).await;
    let mut c = app.client();
    for (path, identifier) in [("/fhir", "T-1"), ("/fhir/", "T-2")] {
        let body = transaction_bundle(identifier).to_string();
        let reply = send(
            &mut c,
            "POST",
            path,
            Some(&s.token),
            Some("application/fhir+json"),
            None,
            body,
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        assert!(content_type(&reply).starts_with("application/fhir+json"));
        let answer: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(answer["resourceType"], "Bundle");
        assert_eq!(answer["type"], "transaction-response");
        let entries = answer["entry"].as_array().unwrap();
        assert_eq!(entries.len(), 3, "one answer per entry, in order");
        assert_eq!(entries[0]["response"]["status"], "201 Created");
        let id = entries[0]["resource"]["id"].as_str().unwrap();
        assert_eq!(
            entries[0]["response"]["location"],
            format!("ServiceRequest/{id}/_history/1")
        );
        assert_eq!(entries[1]["response"]["status"], "201 Created");
        let referral = app
            .store()
            .referral(id.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(referral.route, ReferralRoute::Fhir);
        assert_eq!(referral.referrer.name, "Dr Hannah Evans");
    }
    // A resend is the same referral.
    let again = send(
        &mut c,
        "POST",
        "/fhir",
        Some(&s.token),
        Some("application/fhir+json"),
        None,
        transaction_bundle("T-1").to_string(),
    )
    .await;
    assert!(again.body.contains("\"200 OK\""), "{}", again.body);

    // Errors at every FHIR path are OperationOutcomes, never a page or
    // plain text, in the format asked for.
    let outcome = |reply: &Reply, status: StatusCode, code: &str| {
        assert_eq!(reply.status, status, "{}", reply.body);
        assert!(
            content_type(reply).starts_with("application/fhir+json"),
            "{:?}",
            reply.headers
        );
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body["resourceType"], "OperationOutcome", "{}", reply.body);
        assert_eq!(body["issue"][0]["code"], code, "{}", reply.body);
    };
    let huge = format!(
        r#"{{"resourceType": "ServiceRequest", "note": [{{"text": "{}"}}]}}"#,
        "x".repeat(1024 * 1024 + 1)
    );
    let too_big = send(
        &mut c,
        "POST",
        "/fhir/ServiceRequest",
        Some(&s.token),
        Some("application/fhir+json"),
        None,
        huge.clone(),
    )
    .await;
    outcome(&too_big, StatusCode::PAYLOAD_TOO_LARGE, "too-costly");
    let too_big_xml = send(
        &mut c,
        "POST",
        "/fhir",
        Some(&s.token),
        Some("application/fhir+json"),
        Some("application/fhir+xml"),
        huge,
    )
    .await;
    assert_eq!(too_big_xml.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(content_type(&too_big_xml).starts_with("application/fhir+xml"));
    assert!(
        too_big_xml.body.contains("<OperationOutcome"),
        "{}",
        too_big_xml.body
    );
    let signed_out = send(
        &mut c,
        "POST",
        "/fhir/",
        None,
        Some("application/fhir+json"),
        None,
        transaction_bundle("T-3").to_string(),
    )
    .await;
    outcome(&signed_out, StatusCode::UNAUTHORIZED, "login");
    let collection = send(
        &mut c,
        "POST",
        "/fhir",
        Some(&s.token),
        Some("application/fhir+json"),
        None,
        json!({"resourceType": "Bundle", "type": "collection", "entry": []}).to_string(),
    )
    .await;
    outcome(
        &collection,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not-supported",
    );
    assert!(collection.body.contains("a collection Bundle"));
    let wrong_method = send(&mut c, "GET", "/fhir/", None, None, None, String::new()).await;
    outcome(
        &wrong_method,
        StatusCode::METHOD_NOT_ALLOWED,
        "not-supported",
    );
}

/// What the sender said is kept: when it wrote the referral, its own
/// identifier, and a practice code no practice here has (the referral
/// routed by its performer, with a warning).
async fn what_the_sender_said_is_kept(app: TestApp) {
    let s = setup(&app).await;
    let mut c = app.client();
    let mut request = service_request();
    request["identifier"][0]["value"] = json!("R-4004");
    request["authoredOn"] = json!("2026-11-28T16:45:00+00:00");
    request["contained"][0]["generalPractitioner"][0]["identifier"]["value"] = json!("Y99999");
    let gamma = app
        .app
        .create_organisation(
            Caller::Operator,
            &NewOrganisationInput {
                name: "Gamma PCN".into(),
                kind: "pcn".into(),
                code: "U12345".into(),
            },
            Some(s.t.icb.id),
        )
        .await
        .unwrap();
    request["performer"] = json!([{"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "U12345"}}]);
    let reply = send(
        &mut c,
        "POST",
        "/fhir/ServiceRequest",
        Some(&s.token),
        Some("application/fhir+json"),
        None,
        request.to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["authoredOn"], "2026-11-28T16:45:00+00:00");
    assert_eq!(
        body["identifier"][1],
        json!({"system": "https://emis.example/referral", "value": "R-4004"}),
        "the sender's identifier echoed"
    );
    let referral = app
        .store()
        .referral(body["id"].as_str().unwrap().parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(referral.pcn_id, gamma.id, "routed by the performer");
    assert_eq!(referral.gp_practice_code_given.as_deref(), Some("Y99999"));
    assert_eq!(
        referral.authored_on.as_deref(),
        Some("2026-11-28T16:45:00+00:00")
    );
    assert!(
        referral.received_at > chrono::Utc::now() - chrono::Duration::minutes(5),
        "the time of receipt is kept beside it"
    );

    // Asked for, the warning comes as an OperationOutcome.
    let mut again = request.clone();
    again["identifier"][0]["value"] = json!("R-4005");
    let mut client = app.client();
    let reply = client
        .send(
            Request::builder()
                .method("POST")
                .uri("/fhir/ServiceRequest")
                .header(header::AUTHORIZATION, format!("Bearer {}", s.token))
                .header(header::CONTENT_TYPE, "application/fhir+json")
                .header("Prefer", "return=OperationOutcome")
                .body(Body::from(again.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let outcome: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    assert_eq!(outcome["issue"][0]["severity"], "warning");
    assert_eq!(
        outcome["issue"][0]["expression"][0],
        "Patient.generalPractitioner"
    );
    assert!(
        outcome["issue"][0]["diagnostics"]
            .as_str()
            .unwrap()
            .contains("Y99999")
    );

    let mut bad_date = service_request();
    bad_date["identifier"][0]["value"] = json!("R-4006");
    bad_date["authoredOn"] = json!("yesterday");
    let issue = problem(
        &mut c,
        &s.token,
        &bad_date,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(issue["expression"][0], "ServiceRequest.authoredOn");
}

async fn the_server_states_what_it_can_do(app: TestApp) {
    setup(&app).await;
    let mut c = app.client();
    let reply = send(
        &mut c,
        "GET",
        "/fhir/metadata",
        None,
        None,
        Some("application/fhir+json"),
        String::new(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let cs: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(cs["resourceType"], "CapabilityStatement");
    assert_eq!(cs["fhirVersion"], "4.0.1");
    assert_eq!(cs["rest"][0]["resource"][0]["type"], "ServiceRequest");
    assert_eq!(cs["rest"][0]["interaction"][0]["code"], "transaction");
    let types: Vec<&str> = cs["rest"][0]["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "ServiceRequest",
            "Task",
            "Bundle",
            "Questionnaire",
            "QuestionnaireResponse"
        ]
    );
    let responses = &cs["rest"][0]["resource"][4];
    assert_eq!(responses["interaction"][0]["code"], "create");
    assert_eq!(responses["searchParam"][0]["name"], "based-on");
    let missing = send(
        &mut c,
        "GET",
        "/fhir/Patient/1",
        None,
        None,
        None,
        String::new(),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("OperationOutcome"));
}

/// A QuestionnaireResponse to the UCLA-3 for `referral`, answering the
/// questions with `values` (a `None` left out).
fn ucla_response(referral: &str, values: [Option<&str>; 3], occasion: &str) -> Value {
    let items: Vec<Value> = ["companionship", "left_out", "isolated"]
        .iter()
        .zip(values)
        .filter_map(|(link, v)| {
            Some(json!({"linkId": link, "answer": [{"valueCoding": {"code": v?}}]}))
        })
        .collect();
    json!({
        "resourceType": "QuestionnaireResponse",
        "extension": [{
            "url": "https://linkwork.github.io/fhir/StructureDefinition/occasion",
            "valueCode": occasion
        }],
        "questionnaire": "http://example.org/fhir/Questionnaire/ucla3",
        "status": "completed",
        "basedOn": [{"reference": format!("ServiceRequest/{referral}")}],
        "item": items
    })
}

/// A GET with `token`, its status and JSON body.
async fn fhir_get(c: &mut Client, path: &str, token: &str) -> (StatusCode, Value) {
    let reply = send(c, "GET", path, Some(token), None, None, String::new()).await;
    (
        reply.status,
        serde_json::from_str(&reply.body).unwrap_or(Value::Null),
    )
}

/// A QuestionnaireResponse posted with `token`, the status and JSON body.
async fn post_qr(c: &mut Client, body: Value, token: &str) -> (StatusCode, Value) {
    let reply = send(
        c,
        "POST",
        "/fhir/QuestionnaireResponse",
        Some(token),
        Some("application/fhir+json"),
        None,
        body.to_string(),
    )
    .await;
    (
        reply.status,
        serde_json::from_str(&reply.body).unwrap_or(Value::Null),
    )
}

async fn outcome_measures_go_both_ways_as_questionnaires(app: TestApp) {
    let s = setup(&app).await;
    let mut c = app.client();
    let (status, all) = fhir_get(&mut c, "/fhir/Questionnaire", &s.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["type"], "searchset");
    let codes: Vec<&str> = all["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["id"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"ons4") && codes.contains(&"ucla3"),
        "{codes:?}"
    );
    let (status, ucla) = fhir_get(&mut c, "/fhir/Questionnaire/ucla3", &s.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ucla["resourceType"], "Questionnaire");
    assert_eq!(ucla["item"][1]["linkId"], "left_out");
    assert_eq!(
        ucla["item"][1]["answerOption"][2]["valueCoding"]["code"],
        "3"
    );
    assert_eq!(
        ucla["item"][1]["answerOption"][2]["valueCoding"]["display"],
        "Often"
    );
    assert!(ucla["copyright"].as_str().unwrap().contains("Hughes"));
    let (status, missing) = fhir_get(&mut c, "/fhir/Questionnaire/phq9", &s.token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["resourceType"], "OperationOutcome");

    let (made, body) = post_json(&mut c, &s.token, &service_request()).await;
    assert_eq!(made.status, StatusCode::CREATED);
    let id = body["id"].as_str().unwrap().to_owned();

    let (status, recorded) = post_qr(
        &mut c,
        ucla_response(&id, [Some("3"), Some("3"), Some("2")], "baseline"),
        &s.token,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{recorded}");
    assert_eq!(recorded["resourceType"], "QuestionnaireResponse");
    assert_eq!(recorded["status"], "completed");
    let score = recorded["extension"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["url"] == "https://linkwork.github.io/fhir/StructureDefinition/score")
        .expect("the score it gave");
    assert_eq!(score["extension"][0]["valueCode"], "loneliness");
    assert_eq!(score["extension"][1]["valueDecimal"], 8.0);
    assert_eq!(score["extension"][2]["valueString"], "Often lonely");
    let stored = app
        .store()
        .referral_responses(id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].score("loneliness"), Some(8.0));
    assert_eq!(stored[0].recorded_by_name, "Alpha Surgery");

    // Unanswerable, unknown or someone else's: refused, nothing recorded.
    let (status, wrong) = post_qr(
        &mut c,
        ucla_response(&id, [Some("3"), Some("7"), Some("2")], "review"),
        &s.token,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        wrong["issue"][0]["expression"][0],
        "QuestionnaireResponse.item[1].answer[0]"
    );
    let mut unknown = ucla_response(&id, [Some("1"), Some("1"), Some("1")], "review");
    unknown["questionnaire"] = json!("http://example.org/fhir/Questionnaire/phq9");
    let (status, _) = post_qr(&mut c, unknown, &s.token).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = post_qr(
        &mut c,
        ucla_response(&id, [Some("1"), Some("1"), Some("1")], "review"),
        &s.other_token,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.store()
            .referral_responses(id.parse().unwrap())
            .await
            .unwrap()
            .len(),
        1
    );

    // One question left out: recorded as in progress, without a score.
    let (status, partial) = post_qr(
        &mut c,
        ucla_response(&id, [Some("1"), None, Some("1")], "review"),
        &s.token,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(partial["status"], "in-progress");
    assert!(
        !partial["extension"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["url"] == "https://linkwork.github.io/fhir/StructureDefinition/score")
    );

    let (status, found) = fhir_get(
        &mut c,
        &format!("/fhir/QuestionnaireResponse?based-on=ServiceRequest/{id}"),
        &s.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["total"], 2);
    assert_eq!(
        found["entry"][0]["resource"]["basedOn"][0]["reference"],
        format!("ServiceRequest/{id}")
    );
    let (status, _) = fhir_get(
        &mut c,
        &format!("/fhir/QuestionnaireResponse?based-on=ServiceRequest/{id}"),
        &s.other_token,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

on_both_backends!(
    outcome_measures_go_both_ways_as_questionnaires,
    a_uk_core_service_request_in_json_becomes_a_referral,
    a_bundle_in_xml_becomes_a_referral_and_answers_in_xml,
    status_follows_the_team_through_service_request_and_task,
    malformed_requests_get_an_operation_outcome_naming_the_problem,
    the_server_states_what_it_can_do,
    an_identifier_reused_for_another_referral_is_a_conflict,
    reasons_in_words_are_kept_and_left_for_the_team_to_code,
    the_base_takes_transactions_and_every_error_is_an_operation_outcome,
    what_the_sender_said_is_kept,
);
