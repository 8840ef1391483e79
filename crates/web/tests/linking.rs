//! Linking through the pages: finding support that fits, shortlists,
//! onward referrals to a partner's inbox or by email, the partner's
//! answers (signed in, or from one-time links), capacity, "needs
//! attention", and "intervention received" wherever it is shown.

mod support;

use axum::http::StatusCode;
use linkwork_app::App;
use linkwork_domain::ReferralId;
use linkwork_domain::audit::{AuditAction, EntityRef};
use linkwork_domain::directory::{Organization, Service};
use linkwork_domain::linking::OnwardStatus;
use std::sync::Arc;

use linkwork_app::messaging::{Delivery, SendError, Transport, Transports};
use linkwork_domain::message::{Channel, Message, MessageStatus};
use linkwork_domain::role::Role;
use linkwork_domain::user::User;
use linkwork_storage::{AuditFilter, PageRequest, TaskFilter};
use linkwork_storage_testsuite::fixtures::{Tree, event, organisation};
use linkwork_storage_testsuite::referral_fixtures::person;
use linkwork_storage_testsuite::{organization, rich_service};
use support::{Client, TestApp, hidden, test_settings};

struct Setup {
    t: Tree,
    lw: User,
    /// Run by the partner `partner@garden.example` answers for.
    partner_service: Service,
    /// Run by an organisation not in Linkwork: referrals go by email.
    email_service: Service,
}

async fn setup(app: &TestApp) -> Setup {
    let t = app.tree().await;
    let lw = app
        .user("lw@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    app.user("lw@pcn-b.example", t.pcn_b.id, &[Role::LinkWorker])
        .await;
    app.user("partner@garden.example", t.vcse.id, &[Role::Partner])
        .await;
    // Another community partner, with its own users.
    let other = organisation(
        "Other Friends",
        linkwork_domain::organisation::OrgKind::Vcse,
        None,
    );
    app.store()
        .create_organisation(
            &other,
            &event(
                AuditAction::OrganisationCreate,
                EntityRef::new("organisation", other.id),
            ),
        )
        .await
        .unwrap();
    app.user("partner@other.example", other.id, &[Role::Partner])
        .await;

    let garden = organization("Garden Friends");
    let partner_service = rich_service(&garden);
    let library = Organization {
        email: Some("hello@library.example".into()),
        ..organization("Riverside Libraries")
    };
    let email_service = Service {
        name: "Library Reading Group".into(),
        email: Some("reading@library.example".into()),
        ..rich_service(&library)
    };
    let audit = || {
        event(
            AuditAction::ServiceCreate,
            EntityRef::new("service", "test"),
        )
    };
    for s in [&partner_service, &email_service] {
        app.store().save_service(s, &audit()).await.unwrap();
    }
    app.store()
        .set_organization_tenant(garden.id, Some(t.vcse.id), &audit())
        .await
        .unwrap();
    app.app.load_directory().await.unwrap();
    Setup {
        t,
        lw,
        partner_service,
        email_service,
    }
}

/// A referral in network A, accepted onto the link worker's caseload.
async fn accepted(app: &TestApp, s: &Setup, lw: &mut Client, given: &str) -> ReferralId {
    support::accepted_referral(app, lw, s.t.pcn_a.id, s.lw.id, given).await
}

async fn messages(app: &App) -> Vec<Message> {
    app.store
        .messages(None, PageRequest::new(1, 100))
        .await
        .unwrap()
        .items
}

async fn refer(lw: &mut Client, id: ReferralId, service: &Service) -> support::Reply {
    let path = format!("/referrals/{id}/refer-onward/{}", service.id);
    let form = lw.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    lw.post(
        &path,
        &[
            ("shared", "contact"),
            ("shared", "needs"),
            ("support", "introduction"),
            ("message", "She would like a call in the morning"),
            ("consent", "yes"),
        ],
    )
    .await
}

/// The answer links in an email, by what each answers.
fn links(body: &str) -> Vec<(String, String)> {
    body.lines()
        .filter_map(|line| {
            let (label, url) = line.strip_prefix("- ")?.split_once(": http")?;
            let path = url.split_once("/answer/")?.1;
            Some((label.to_owned(), format!("/answer/{path}")))
        })
        .collect()
}

async fn referring_to_a_partner_closes_the_loop(app: TestApp) {
    let s = setup(&app).await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let id = accepted(&app, &s, &mut lw, "Ana").await;

    // Find support: the service fits, with reasons.
    let found = lw.get(&format!("/referrals/{id}/find-support")).await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(
        found.body.contains(&s.partner_service.name),
        "{}",
        found.body
    );
    assert!(found.body.contains("Why it fits"));
    assert!(found.body.contains("matches"), "{}", found.body);

    let sent = refer(&mut lw, id, &s.partner_service).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let file = app.store().case_file(id).await.unwrap();
    let onward = file.onward[0].clone();
    assert_eq!(onward.status, OnwardStatus::Sent);
    assert_eq!(onward.partner_org_id, Some(s.t.vcse.id));
    assert_eq!(onward.shared.name.as_deref(), Some("Ana Patel"));
    assert!(onward.shared.what_matters.is_none(), "only what was ticked");
    // The partner's user is emailed a link to the inbox, not the details.
    let email = messages(&app.app)
        .await
        .into_iter()
        .find(|m| m.to == "partner@garden.example")
        .expect("the partner is emailed");
    assert_eq!(email.channel, Channel::Email);
    assert!(
        email
            .body
            .contains(&format!("/partner/referrals/{}", onward.id))
    );
    assert!(!email.body.contains("Ana"), "{}", email.body);
    assert!(!email.body.contains("07700"), "{}", email.body);

    // The partner sees it; another partner and other roles do not.
    let mut partner = app.signed_in("partner@garden.example").await;
    let inbox = partner.get("/partner/referrals").await;
    assert!(inbox.body.contains(&s.partner_service.name));
    assert!(inbox.body.contains("Ana Patel"));
    let detail = partner
        .get(&format!("/partner/referrals/{}", onward.id))
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("07700 900 982"));
    assert!(detail.body.contains("She would like a call in the morning"));
    let mut other = app.signed_in("partner@other.example").await;
    let refused = other
        .get(&format!("/partner/referrals/{}", onward.id))
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(
        !other
            .get("/partner/referrals?show=all")
            .await
            .body
            .contains("Ana")
    );
    let version = hidden(&detail.body, "version");
    let sneaky = other
        .post(
            &format!("/partner/referrals/{}", onward.id),
            &[("answer", "accept"), ("version", &version)],
        )
        .await;
    assert_eq!(sneaky.status, StatusCode::NOT_FOUND);

    // Accepted, then started: the person has received an intervention.
    let accepted = partner
        .post(
            &format!("/partner/referrals/{}", onward.id),
            &[("answer", "accept"), ("version", &version)],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    // The same form sent twice is refused: the referral moved on.
    let stale = partner
        .post(
            &format!("/partner/referrals/{}", onward.id),
            &[
                ("answer", "decline"),
                ("reason", "full"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let detail = partner
        .get(&format!("/partner/referrals/{}", onward.id))
        .await;
    let started = partner
        .post(
            &format!("/partner/referrals/{}", onward.id),
            &[
                ("answer", "started"),
                ("version", &hidden(&detail.body, "version")),
            ],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let referral = app.store().referral(id).await.unwrap().unwrap();
    assert!(referral.intervention_received_at.is_some());

    let support = lw.get(&format!("/referrals/{id}/support")).await;
    assert!(support.body.contains("Intervention received"));
    assert!(support.body.contains("Started: they attended"));
    let person_page = lw.get(&format!("/people/{}", referral.person_id)).await;
    assert!(person_page.body.contains("first attended a linked service"));
    let overview = lw.get(&format!("/referrals/{id}")).await;
    assert!(overview.body.contains("Intervention received"));
    let caseload = lw.get("/caseload").await;
    assert!(caseload.body.contains("Intervention received"));

    // Each answer is audited.
    let answers = app
        .store()
        .audit_events(
            &AuditFilter {
                action: Some(AuditAction::OnwardAnswer.code().to_owned()),
                ..Default::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(answers.total, 2);
}

async fn answer_links_work_once_and_reveal_nothing_else(app: TestApp) {
    let s = setup(&app).await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let id = accepted(&app, &s, &mut lw, "Bea").await;
    let sent = refer(&mut lw, id, &s.email_service).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let email = messages(&app.app)
        .await
        .into_iter()
        .find(|m| m.to == "reading@library.example")
        .expect("the service is emailed");
    // A service not in Linkwork gets what was shared, in the email.
    assert!(email.body.contains("Bea Patel"), "{}", email.body);
    let links = links(&email.body);
    let link = |label: &str| {
        links
            .iter()
            .find(|(l, _)| l.starts_with(label))
            .unwrap_or_else(|| panic!("a {label} link in {links:?}"))
            .1
            .clone()
    };
    let reference = app.store().referral(id).await.unwrap().unwrap().reference;

    // Anyone with the link, signed in or not.
    let mut stranger = app.client();
    let page = stranger.get(&link("Accept")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(reference.as_str()));
    assert!(page.body.contains("Library Reading Group"));
    assert!(!page.body.contains("Bea"), "the link alone reveals no one");
    assert!(!page.body.contains("07700"));
    // Opening it changed nothing (mail scanners follow links).
    let onward = app.store().case_file(id).await.unwrap().onward[0].clone();
    assert_eq!(onward.status, OnwardStatus::Sent);

    let done = stranger.post(&link("Accept"), &[]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Thank you"));
    let again = stranger.post(&link("Accept"), &[]).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.body.contains("already been used"));
    assert_eq!(stranger.get(&link("Accept")).await.status, StatusCode::GONE);

    // Tampered with: not found, clearly, and nothing changes.
    let mut tampered = link("They came");
    tampered.pop();
    tampered.push('x');
    let refused = stranger.post(&tampered, &[]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(refused.body.contains("This link is not right"));
    assert!(refused.body.contains("Nothing has been changed"));
    let onward = app.store().case_file(id).await.unwrap().onward[0].clone();
    assert_eq!(onward.status, OnwardStatus::Accepted);

    // A decline needs its reason.
    let decline = link("Decline");
    let missing = stranger.post(&decline, &[]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing
            .body
            .contains("Select why you cannot take the referral")
    );

    let started = stranger.post(&link("They came"), &[]).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let referral = app.store().referral(id).await.unwrap().unwrap();
    assert!(referral.intervention_received_at.is_some());
    // A decline after they started is not an answer it can take now.
    let late = stranger.post(&decline, &[("reason", "full")]).await;
    assert_eq!(late.status, StatusCode::GONE);
    assert!(late.body.contains("cannot be answered this way now"));
}

async fn an_expired_link_is_refused_and_changes_nothing(app: TestApp) {
    let s = setup(&app).await;
    // Links that expire as they are made.
    let mut settings = test_settings();
    settings.linking.answer_link_days = 0;
    let expiring = App::new(app.app.store.clone(), settings).unwrap();
    expiring.load_directory().await.unwrap();
    let router = linkwork_web::router(expiring.clone());
    let mut lw = app.signed_in("lw@pcn-a.example").await.with_router(router);
    let id = accepted(&app, &s, &mut lw, "Cy").await;
    let sent = refer(&mut lw, id, &s.email_service).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let email = messages(&expiring).await.remove(0);
    let accept = links(&email.body).remove(0).1;
    let refused = app.client().get(&accept).await;
    assert_eq!(refused.status, StatusCode::GONE);
    assert!(refused.body.contains("This link has expired"));
    assert!(
        !refused
            .body
            .contains("<form method=\"post\" action=\"/answer/")
    );
    let onward = app.store().case_file(id).await.unwrap().onward[0].clone();
    assert_eq!(onward.status, OnwardStatus::Sent);
}

async fn bad_onward_input_is_refused_and_changes_nothing(app: TestApp) {
    let s = setup(&app).await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let id = accepted(&app, &s, &mut lw, "Dee").await;
    let path = format!("/referrals/{id}/refer-onward/{}", s.partner_service.id);
    lw.get(&path).await;
    let no_consent = lw
        .post_says(
            &path,
            &[
                ("shared", "contact"),
                ("support", "introduction"),
                ("message", "Typed and kept"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "Confirm the person agrees",
        )
        .await;
    assert!(
        no_consent.body.contains("Typed and kept"),
        "nothing typed is lost"
    );
    let no_support = lw.post(&path, &[("consent", "yes")]).await;
    assert_eq!(no_support.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_support
            .body
            .contains("Select how the person will be helped")
    );
    let introduction_needs_contact = lw.post(&path, &[("support", "introduction")]).await;
    assert_eq!(
        introduction_needs_contact.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(
        introduction_needs_contact
            .body
            .contains("For an introduction the service needs")
    );
    // Another network's link worker cannot refer this person at all.
    let mut outsider = app.signed_in("lw@pcn-b.example").await;
    outsider.get("/account").await;
    let hidden_case = outsider
        .post(&path, &[("support", "information"), ("consent", "yes")])
        .await;
    assert_eq!(hidden_case.status, StatusCode::NOT_FOUND);
    assert!(app.store().case_file(id).await.unwrap().onward.is_empty());
    assert!(messages(&app.app).await.is_empty());
}

async fn a_shortlist_goes_to_the_person_without_case_notes(app: TestApp) {
    let s = setup(&app).await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let id = accepted(&app, &s, &mut lw, "Eve").await;
    lw.get(&format!("/referrals/{id}/notes")).await;
    let note = lw
        .post(
            &format!("/referrals/{id}/notes"),
            &[("text", "Private: worried about her son")],
        )
        .await;
    assert_eq!(note.status, StatusCode::SEE_OTHER);
    let new = lw
        .get(&format!(
            "/referrals/{id}/shortlists/new?services={}&services={}",
            s.partner_service.id, s.email_service.id
        ))
        .await;
    assert_eq!(new.status, StatusCode::OK);
    assert!(new.body.contains("To 07700 900 982"));
    let made = lw
        .post(
            &format!("/referrals/{id}/shortlists"),
            &[
                ("services", &s.partner_service.id.to_string()),
                ("services", &s.email_service.id.to_string()),
                ("note", "Try the Tuesday club first"),
                ("send", "text"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let text = messages(&app.app)
        .await
        .into_iter()
        .find(|m| m.channel == Channel::Text)
        .expect("a text message");
    assert_eq!(text.to, "07700 900 982");
    assert!(text.body.contains(&s.partner_service.name));
    assert!(text.body.contains("Library Reading Group"));
    assert!(text.body.contains("Try the Tuesday club first"));
    assert!(!text.body.contains("worried"), "no case notes");
    // Not a referral: nothing went to the services.
    assert!(app.store().case_file(id).await.unwrap().onward.is_empty());
    let printed = lw.get(made.location().unwrap()).await;
    assert_eq!(printed.status, StatusCode::OK);
    assert!(printed.body.contains("Every Tuesday") || printed.body.contains("Tuesday"));
    assert!(printed.body.contains("1 Mill Lane, RV1 3BQ"));
    assert!(printed.body.contains("01632 960000"));
    // With no email address on record, email is refused by field.
    lw.post_says(
        &format!("/referrals/{id}/shortlists"),
        &[
            ("services", &s.partner_service.id.to_string()),
            ("send", "email"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
        "Their record has no email address",
    )
    .await;
    assert_eq!(app.store().case_file(id).await.unwrap().shortlists.len(), 1);
}

async fn declines_need_attention_and_capacity_shows_in_the_ranking(app: TestApp) {
    let s = setup(&app).await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let id = accepted(&app, &s, &mut lw, "Fay").await;
    refer(&mut lw, id, &s.partner_service).await;
    let onward = app.store().case_file(id).await.unwrap().onward[0].clone();

    // The partner marks the service full and declines.
    let mut partner = app.signed_in("partner@garden.example").await;
    let capacity_path = format!("/directory/services/{}/capacity", s.partner_service.id);
    assert_eq!(partner.get(&capacity_path).await.status, StatusCode::OK);
    let until = app.app.today() + chrono::Duration::days(30);
    use chrono::Datelike;
    let saved = partner
        .post(
            &capacity_path,
            &[
                ("capacity", "full"),
                ("until_day", &until.day().to_string()),
                ("until_month", &until.month().to_string()),
                ("until_year", &until.year().to_string()),
                ("capacity_note", "New places from the spring"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let mut other = app.signed_in("partner@other.example").await;
    assert_eq!(
        other.get(&capacity_path).await.status,
        StatusCode::FORBIDDEN
    );
    let detail = partner
        .get(&format!("/partner/referrals/{}", onward.id))
        .await;
    let declined = partner
        .post(
            &format!("/partner/referrals/{}", onward.id),
            &[
                ("answer", "decline"),
                ("reason", "full"),
                ("version", &hidden(&detail.body, "version")),
            ],
        )
        .await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER, "{}", declined.body);

    // Full services drop out of the suggestions unless asked for.
    let found = lw.get(&format!("/referrals/{id}/find-support")).await;
    assert!(!found.body.contains(&s.partner_service.name));
    assert!(found.body.contains("Library Reading Group"));
    let with_full = lw
        .get(&format!(
            "/referrals/{id}/find-support?refined=yes&needs=loneliness&distance=25&include_full=yes"
        ))
        .await;
    assert!(
        with_full.body.contains(&s.partner_service.name),
        "{}",
        with_full.body
    );
    assert!(with_full.body.contains("full until"));

    // The decline needs the link worker's attention, with a task.
    let attention = lw.get("/needs-attention").await;
    assert!(
        attention.body.contains("Declined: The service is full"),
        "{}",
        attention.body
    );
    let tasks = app
        .store()
        .tasks(&TaskFilter {
            owner: Some(s.lw.id),
            open_only: true,
            limit: 20,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        tasks.iter().any(|t| t.task.title.contains("declined")),
        "{tasks:?}"
    );
    let seen = lw.post(&format!("/onward/{}/seen", onward.id), &[]).await;
    assert_eq!(seen.status, StatusCode::SEE_OTHER);
    let attention = lw.get("/needs-attention").await;
    assert!(!attention.body.contains("Declined"));
    // Another network's worker cannot mark it seen.
    let mut outsider = app.signed_in("lw@pcn-b.example").await;
    outsider.get("/account").await;
    let refused = outsider
        .post(&format!("/onward/{}/seen", onward.id), &[])
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
}

async fn the_referrer_sees_the_intervention_in_its_list_the_api_and_fhir(app: TestApp) {
    use axum::body::Body;
    use axum::http::{Request, header};
    let s = setup(&app).await;
    app.user(
        "gp@practice-a.example",
        s.t.practice_a.id,
        &[Role::Referrer],
    )
    .await;
    let admin = app
        .user("admin@icb.example", s.t.icb.id, &[Role::Admin])
        .await;
    let principal = linkwork_app::Principal {
        user: admin,
        session_hash: String::new(),
        csrf_token: String::new(),
        ip: None,
    };
    let token = app
        .app
        .issue_api_token(
            &principal,
            &s.t.practice_a.id.to_string(),
            "Practice system",
        )
        .await
        .unwrap()
        .secret;
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
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let form = lw.get(&format!("/referrals/{}/accept", r.id)).await;
    lw.post(
        &format!("/referrals/{}/accept", r.id),
        &[
            ("version", &hidden(&form.body, "version")),
            ("assign_to", &s.lw.id.to_string()),
        ],
    )
    .await;
    let get = |path: String| {
        Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::ACCEPT, "application/fhir+json")
            .body(Body::empty())
            .unwrap()
    };
    let mut system = app.client();
    let before: serde_json::Value = serde_json::from_str(
        &system
            .send(get(format!("/api/v1/referrals/{}", r.id)))
            .await
            .body,
    )
    .unwrap();
    assert!(before["intervention_received_at"].is_null());

    refer(&mut lw, r.id, &s.email_service).await;
    let email = messages(&app.app).await.remove(0);
    let started = links(&email.body)
        .into_iter()
        .find(|(label, _)| label.starts_with("They came"))
        .unwrap()
        .1;
    let mut service = app.client();
    service.get(&started).await;
    assert_eq!(service.post(&started, &[]).await.status, StatusCode::OK);

    let after: serde_json::Value = serde_json::from_str(
        &system
            .send(get(format!("/api/v1/referrals/{}", r.id)))
            .await
            .body,
    )
    .unwrap();
    let at = after["intervention_received_at"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok());
    let task: serde_json::Value =
        serde_json::from_str(&system.send(get(format!("/fhir/Task/{}", r.id))).await.body).unwrap();
    let output = &task["output"][0];
    assert_eq!(output["type"]["coding"][0]["code"], "intervention-received");
    assert_eq!(output["valueDateTime"], at);
    let mut gp = app.signed_in("gp@practice-a.example").await;
    assert!(
        gp.get("/referrals/sent")
            .await
            .body
            .contains("Intervention received")
    );
}

/// A transport that records what it is given, failing as told.
#[derive(Default)]
struct Recorder {
    sent: std::sync::Mutex<Vec<Message>>,
    fail: std::sync::Mutex<Option<SendError>>,
}

#[async_trait::async_trait]
impl Transport for Recorder {
    fn name(&self) -> &'static str {
        "Recorder"
    }

    fn carries(&self, channel: Channel) -> bool {
        channel == Channel::Email
    }

    async fn send(&self, message: &Message) -> Result<(), SendError> {
        if let Some(e) = self.fail.lock().unwrap().clone() {
            return Err(e);
        }
        self.sent.lock().unwrap().push(message.clone());
        Ok(())
    }
}

async fn messages_are_sent_retried_held_and_read_in_the_outbox(app: TestApp) {
    // Retries wait one second, not thirty, so the test can see one.
    let app = app.reconfigured(|s| s.messaging.retry_base_seconds = 1);
    let s = setup(&app).await;
    app.user("admin@pcn-a.example", s.t.pcn_a.id, &[Role::Admin])
        .await;
    app.user("admin@pcn-b.example", s.t.pcn_b.id, &[Role::Admin])
        .await;
    let recorder = Arc::new(Recorder::default());
    let sender = app.app.clone().with_transports(Transports {
        email: Some(recorder.clone()),
        by_organisation: Vec::new(),
    });
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let id = accepted(&app, &s, &mut lw, "Gus").await;
    assert_eq!(
        refer(&mut lw, id, &s.email_service).await.status,
        StatusCode::SEE_OTHER
    );

    // The mail server is down: tried, and queued again for later.
    *recorder.fail.lock().unwrap() = Some(SendError::Temporary("connection refused".into()));
    let first = sender.deliver_due().await.unwrap();
    assert_eq!((first.retrying, first.sent), (1, 0));
    let queued = messages(&app.app).await.remove(0);
    assert_eq!(queued.status, MessageStatus::Queued);
    assert_eq!(queued.attempts, 1);
    assert_eq!(queued.last_error.as_deref(), Some("connection refused"));
    // Not due again yet: nothing is tried.
    assert_eq!(sender.deliver_due().await.unwrap(), Delivery::default());

    // Back up: the next round after the wait sends it, once.
    *recorder.fail.lock().unwrap() = None;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(sender.deliver_due().await.unwrap().sent, 1);
    assert_eq!(sender.deliver_due().await.unwrap(), Delivery::default());
    let sent = recorder.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0]
            .body
            .contains("She would like a call in the morning")
    );
    let message = messages(&app.app).await.remove(0);
    assert_eq!(message.status, MessageStatus::Sent);
    assert!(message.sent_at.is_some());
    let disclosures = audit_of(&app, AuditAction::MessageSend).await;
    assert_eq!(disclosures.len(), 1);
    assert!(
        disclosures[0].detail.contains("by Recorder: sent"),
        "{}",
        disclosures[0].detail
    );

    // A text message, with nothing that carries texts: held in the outbox.
    let made = lw
        .post(
            &format!("/referrals/{id}/shortlists"),
            &[
                ("services", &s.partner_service.id.to_string()),
                ("send", "text"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    assert_eq!(sender.deliver_due().await.unwrap().held, 1);

    // A refused address is given up on at once.
    *recorder.fail.lock().unwrap() = Some(SendError::Permanent("no such mailbox".into()));
    let other_case = accepted(&app, &s, &mut lw, "Hal").await;
    refer(&mut lw, other_case, &s.email_service).await;
    assert_eq!(sender.deliver_due().await.unwrap().failed, 1);
    assert!(
        messages(&app.app)
            .await
            .iter()
            .any(|m| m.status == MessageStatus::Failed
                && m.attempts == 1
                && m.last_error.as_deref() == Some("no such mailbox"))
    );

    // The network's admin reads the outbox and each message in it.
    let mut admin = app.signed_in("admin@pcn-a.example").await;
    let outbox = admin.get("/admin/outbox").await;
    assert_eq!(outbox.status, StatusCode::OK);
    assert!(outbox.body.contains("3 messages"), "{}", outbox.body);
    assert!(outbox.body.contains("In the outbox"));
    assert!(outbox.body.contains("Could not be sent"));
    assert!(outbox.body.contains("no such mailbox"));
    assert!(outbox.body.contains(&s.email_service.name));
    let read = admin.get(&format!("/admin/outbox/{}", message.id)).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.body.contains("She would like a call in the morning"));
    assert!(read.body.contains("Sent"));
    // Another network's admin neither lists nor reads it.
    let mut other = app.signed_in("admin@pcn-b.example").await;
    assert!(
        other
            .get("/admin/outbox")
            .await
            .body
            .contains("No messages.")
    );
    assert_eq!(
        other
            .get(&format!("/admin/outbox/{}", message.id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(lw.get("/admin/outbox").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        audit_of(&app, AuditAction::OutboxView).await.len(),
        3,
        "a list and a read by A's admin, a list by B's"
    );
}

async fn audit_of(app: &TestApp, action: AuditAction) -> Vec<linkwork_domain::audit::AuditEvent> {
    app.store()
        .audit_events(
            &AuditFilter {
                action: Some(action.code().into()),
                ..Default::default()
            },
            PageRequest::new(1, 50),
        )
        .await
        .unwrap()
        .items
}

on_both_backends!(
    messages_are_sent_retried_held_and_read_in_the_outbox,
    the_referrer_sees_the_intervention_in_its_list_the_api_and_fhir,
    referring_to_a_partner_closes_the_loop,
    answer_links_work_once_and_reveal_nothing_else,
    an_expired_link_is_refused_and_changes_nothing,
    bad_onward_input_is_refused_and_changes_nothing,
    a_shortlist_goes_to_the_person_without_case_notes,
    declines_need_attention_and_capacity_shows_in_the_ranking,
);
