//! Every role against every route, including other organisations' records.
//! Each row says which roles may pass; every other role must be refused.
//! Refusals must change nothing.

mod support;

use axum::http::StatusCode;
use linkwork_domain::referral::{ReferralRoute, ReferralStatus};
use linkwork_domain::role::Role;
use linkwork_domain::time::now;
use linkwork_domain::user::UserStatus;
use linkwork_storage::ReferralPerson;
use linkwork_storage_testsuite::referral_fixtures::{
    add_referral, new_referral, person, referral, referral_audit,
};
use support::TestApp;

/// One user per role. The admin administers PCN A (so PCN B and the VCSE
/// are another organisation's records to them).
const ACCOUNTS: [(Role, &str); 7] = [
    (Role::Admin, "admin@pcn-a.example"),
    (Role::LinkWorker, "lw@pcn-a.example"),
    (Role::TeamLead, "lead@pcn-a.example"),
    (Role::Referrer, "gp@practice-a.example"),
    (Role::Partner, "partner@vcse.example"),
    (Role::DirectoryManager, "directory@icb.example"),
    (Role::Commissioner, "commissioner@icb.example"),
];

enum Method {
    Get,
    Post(Vec<(&'static str, String)>),
}

struct Case {
    what: &'static str,
    method: Method,
    path: String,
    /// Roles allowed, and the status they get.
    allowed: Vec<Role>,
    allowed_status: StatusCode,
    /// What everyone else gets: 403, or 404 for people's records, whose
    /// existence another network must not learn.
    denied_status: StatusCode,
}

fn get(what: &'static str, path: String, allowed: &[Role]) -> Case {
    Case {
        what,
        method: Method::Get,
        path,
        allowed: allowed.to_vec(),
        allowed_status: StatusCode::OK,
        denied_status: StatusCode::FORBIDDEN,
    }
}

/// A record only some may see; to everyone else it does not exist.
fn hidden(case: Case) -> Case {
    Case {
        denied_status: StatusCode::NOT_FOUND,
        ..case
    }
}

fn post(
    what: &'static str,
    path: String,
    fields: Vec<(&'static str, String)>,
    allowed: &[Role],
    status: StatusCode,
) -> Case {
    Case {
        what,
        method: Method::Post(fields),
        path,
        allowed: allowed.to_vec(),
        allowed_status: status,
        denied_status: StatusCode::FORBIDDEN,
    }
}

async fn every_role_against_every_route(app: TestApp) {
    let t = app.tree().await;
    let org_of = |role: Role| match role {
        Role::Admin | Role::LinkWorker | Role::TeamLead => t.pcn_a.id,
        Role::Referrer => t.practice_a.id,
        Role::Partner => t.vcse.id,
        Role::DirectoryManager | Role::Commissioner => t.icb.id,
    };
    for (role, email) in ACCOUNTS {
        app.user(email, org_of(role), &[role]).await;
    }
    // Records: one user inside the admin's PCN, one in another PCN.
    let inside = app
        .user(
            "inside@practice-a.example",
            t.practice_a.id,
            &[Role::Referrer],
        )
        .await;
    let outside = app
        .user("outside@pcn-b.example", t.pcn_b.id, &[Role::LinkWorker])
        .await;
    // Directory listings: one of the partner's own organisation, one not.
    let own_org = linkwork_storage_testsuite::organization("Garden Friends");
    let other_org = linkwork_storage_testsuite::organization("Someone Else");
    let own_service = linkwork_storage_testsuite::rich_service(&own_org);
    let other_service = linkwork_storage_testsuite::rich_service(&other_org);
    let audit = || {
        linkwork_storage_testsuite::fixtures::event(
            linkwork_domain::audit::AuditAction::ServiceCreate,
            linkwork_domain::audit::EntityRef::new("service", "x"),
        )
    };
    app.store()
        .save_service(&own_service, &audit())
        .await
        .unwrap();
    app.store()
        .save_service(&other_service, &audit())
        .await
        .unwrap();
    app.store()
        .set_organization_tenant(own_org.id, Some(t.vcse.id), &audit())
        .await
        .unwrap();
    // A registered feed that brought the other organisation's listing,
    // since edited here, with one reading.
    let feed = linkwork_domain::directory::feeds::NewFeedInput {
        name: "Council".into(),
        url: "https://council.example/api".into(),
        every_hours: "24".into(),
    }
    .validate(outside.id, now(), chrono::NaiveTime::MIN)
    .unwrap();
    app.store().add_feed(&feed, &audit()).await.unwrap();
    let feed_run = linkwork_domain::directory::feeds::FeedRun {
        id: linkwork_domain::FeedRunId::new(),
        feed_id: feed.id,
        trigger: linkwork_domain::directory::feeds::RunTrigger::Schedule,
        started_at: now(),
        finished_at: now(),
        failure: None,
        report: Default::default(),
    };
    app.store()
        .finish_feed_run(
            linkwork_storage::FinishedRun {
                run: &feed_run,
                written: &[(other_service.id, "digest".into())],
                withdraw: &[],
                next_run_at: now(),
            },
            &audit(),
        )
        .await
        .unwrap();
    app.store()
        .save_service(&other_service, &audit())
        .await
        .unwrap();
    // People and referrals: one in PCN A made by practice A, one in PCN B.
    let person_a = person(t.pcn_a.id, "Ana", "Nowak", Some("9434765919"), None);
    let mut referral_a = referral(&person_a, ReferralRoute::Professional, now());
    referral_a.referrer.org_id = Some(t.practice_a.id);
    app.store()
        .create_referral(
            &new_referral(
                ReferralPerson::New(Box::new(person_a.clone())),
                referral_a.clone(),
            ),
            &referral_audit(&referral_a),
        )
        .await
        .unwrap();
    let person_b = person(t.pcn_b.id, "Bo", "Brown", None, None);
    let referral_b = add_referral(app.store(), person_b.clone(), now()).await;

    use Role::*;
    const ALL: &[Role] = &[
        Admin,
        LinkWorker,
        TeamLead,
        Referrer,
        Partner,
        DirectoryManager,
        Commissioner,
    ];
    let cases = vec![
        get("home", "/".into(), ALL),
        get("own account", "/account".into(), ALL),
        get(
            "setting up an authenticator app",
            "/account/second-factor".into(),
            ALL,
        ),
        // Admins must keep theirs; so must everyone in PCN A once its
        // admin requires it (the case below, which the admin reaches first).
        post(
            "removing one's own authenticator (wrong password)",
            "/account/second-factor/remove".into(),
            vec![("removal_password", "wrong".into())],
            &[Partner, DirectoryManager, Commissioner],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        post(
            "removing the authenticator app of a user in own tenancy",
            format!("/admin/users/{}/second-factor/reset", inside.id),
            vec![],
            &[Admin],
            StatusCode::SEE_OTHER,
        ),
        post(
            "removing the authenticator app of another organisation's user",
            format!("/admin/users/{}/second-factor/reset", outside.id),
            vec![],
            &[],
            StatusCode::SEE_OTHER,
        ),
        post(
            "requiring a second factor in own PCN",
            format!("/organisations/{}/sign-in", t.pcn_a.id),
            vec![("require_second_factor", "yes".into())],
            &[Admin],
            StatusCode::SEE_OTHER,
        ),
        // Incomplete, so nothing is saved; admins are told what is missing.
        post(
            "single sign-on for own PCN",
            format!("/organisations/{}/sso", t.pcn_a.id),
            vec![("issuer", "https://login.example".into())],
            &[Admin],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        post(
            "single sign-on for another PCN",
            format!("/organisations/{}/sso", t.pcn_b.id),
            vec![
                ("issuer", "https://evil.example".into()),
                ("client_id", "x".into()),
                ("client_secret", "x".into()),
                ("claim", "email".into()),
                ("email_domain", "pcn-b.example".into()),
            ],
            &[],
            StatusCode::SEE_OTHER,
        ),
        post(
            "requiring a second factor in another PCN",
            format!("/organisations/{}/sign-in", t.pcn_b.id),
            vec![("require_second_factor", "yes".into())],
            &[],
            StatusCode::SEE_OTHER,
        ),
        get("user list", "/admin/users".into(), &[Admin]),
        get("invite form", "/admin/users/new".into(), &[Admin]),
        get(
            "user in own tenancy",
            format!("/admin/users/{}", inside.id),
            &[Admin],
        ),
        get(
            "user of another organisation",
            format!("/admin/users/{}", outside.id),
            &[],
        ),
        get("organisation list", "/admin/organisations".into(), &[Admin]),
        get(
            "new organisation form",
            "/admin/organisations/new".into(),
            &[Admin],
        ),
        get("audit log", "/admin/audit".into(), &[Admin]),
        get(
            "reports",
            "/reports".into(),
            &[Admin, TeamLead, Commissioner],
        ),
        get(
            "a report table as CSV",
            "/reports/summary.csv".into(),
            &[Admin, TeamLead, Commissioner],
        ),
        get("security events", "/admin/security".into(), &[Admin]),
        get("outbox", "/admin/outbox".into(), &[Admin]),
        get(
            "own PCN's page",
            format!("/organisations/{}", t.pcn_a.id),
            &[Admin, LinkWorker, TeamLead, DirectoryManager, Commissioner],
        ),
        get(
            "another PCN's page",
            format!("/organisations/{}", t.pcn_b.id),
            &[DirectoryManager, Commissioner],
        ),
        get(
            "a community organisation's page",
            format!("/organisations/{}", t.vcse.id),
            &[Partner],
        ),
        // Open to the public; staff see more (tested in tests/directory.rs).
        get("directory search", "/directory".into(), ALL),
        get(
            "a service's page",
            format!("/directory/services/{}", other_service.id),
            ALL,
        ),
        get(
            "a partner's own listings",
            "/directory/your-listings".into(),
            &[Partner],
        ),
        get(
            "editing the partner's own listing",
            format!("/directory/services/{}/edit", own_service.id),
            &[Partner, DirectoryManager],
        ),
        get(
            "editing another organisation's listing",
            format!("/directory/services/{}/edit", other_service.id),
            &[DirectoryManager],
        ),
        get(
            "directory organisations",
            "/directory/organisations".into(),
            &[DirectoryManager],
        ),
        get(
            "the search's everyday words",
            "/directory/synonyms".into(),
            &[DirectoryManager],
        ),
        post(
            "changing the search's everyday words",
            "/directory/synonyms".into(),
            vec![(
                "synonyms",
                "[[link]]\nwords = [\"lonely\"]\nneeds = [\"befriending\"]".into(),
            )],
            &[DirectoryManager],
            StatusCode::SEE_OTHER,
        ),
        get(
            "directory feeds",
            "/directory/feeds".into(),
            &[DirectoryManager],
        ),
        post(
            "registering a directory feed",
            "/directory/feeds".into(),
            vec![
                ("name", "Charity".into()),
                ("url", "https://charity.example/api".into()),
                ("every_hours", "24".into()),
            ],
            &[DirectoryManager],
            StatusCode::SEE_OTHER,
        ),
        get(
            "a directory feed",
            format!("/directory/feeds/{}", feed.id),
            &[DirectoryManager],
        ),
        get(
            "a directory feed's reading",
            format!("/directory/feeds/{}/runs/{}", feed.id, feed_run.id),
            &[DirectoryManager],
        ),
        post(
            "asking for a feed to be read",
            format!("/directory/feeds/{}/read", feed.id),
            vec![],
            &[DirectoryManager],
            StatusCode::SEE_OTHER,
        ),
        post(
            "letting a feed update a listing edited here",
            format!(
                "/directory/feeds/{}/runs/{}/services/{}/release",
                feed.id, feed_run.id, other_service.id
            ),
            vec![],
            &[DirectoryManager],
            StatusCode::SEE_OTHER,
        ),
        post(
            "removing a directory feed",
            format!("/directory/feeds/{}/remove", feed.id),
            vec![],
            &[DirectoryManager],
            StatusCode::SEE_OTHER,
        ),
        post(
            "linking a directory organisation to a partner",
            format!("/directory/organisations/{}/partner", other_org.id),
            vec![("partner", t.vcse.id.to_string())],
            &[DirectoryManager],
            StatusCode::SEE_OTHER,
        ),
        get(
            "adding a listing",
            "/directory/services/new".into(),
            &[Partner, DirectoryManager],
        ),
        post(
            "saving another organisation's listing",
            format!("/directory/services/{}/edit", other_service.id),
            vec![("name", "Changed".into())],
            &[DirectoryManager],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        post(
            "change roles in own tenancy",
            format!("/admin/users/{}/roles", inside.id),
            vec![("roles", "referrer".into())],
            &[Admin],
            StatusCode::SEE_OTHER,
        ),
        post(
            "disable a user of another organisation",
            format!("/admin/users/{}/status", outside.id),
            vec![("enabled", "false".into())],
            &[],
            StatusCode::SEE_OTHER,
        ),
        post(
            "reset link for another organisation's user",
            format!("/admin/users/{}/reset-link", outside.id),
            vec![],
            &[],
            StatusCode::OK,
        ),
        post(
            "invite into another organisation",
            "/admin/users".into(),
            vec![
                ("email", "new@pcn-b.example".into()),
                ("display_name", "New Person".into()),
                ("org_id", t.pcn_b.id.to_string()),
                ("roles", "link_worker".into()),
            ],
            &[],
            StatusCode::OK,
        ),
        post(
            "add an organisation under another PCN",
            "/admin/organisations".into(),
            vec![
                ("name", "Sneaky Surgery".into()),
                ("kind", "gp_practice".into()),
                ("parent_id", t.pcn_b.id.to_string()),
            ],
            &[],
            StatusCode::SEE_OTHER,
        ),
        get("public referral form", "/refer".into(), ALL),
        get(
            "waiting list",
            "/waiting-list".into(),
            &[LinkWorker, TeamLead],
        ),
        get("caseload", "/caseload".into(), &[LinkWorker, TeamLead]),
        get("find a person", "/people".into(), &[LinkWorker, TeamLead]),
        hidden(get(
            "a person of own network",
            format!("/people/{}", person_a.id),
            &[LinkWorker, TeamLead],
        )),
        hidden(get(
            "a person of another network",
            format!("/people/{}", person_b.id),
            &[],
        )),
        hidden(get(
            "changing a person of another network",
            format!("/people/{}/edit", person_b.id),
            &[],
        )),
        hidden(get(
            "everything held about a person of another network",
            format!("/people/{}/subject-access", person_b.id),
            &[],
        )),
        get(
            "restricting a person of own network",
            format!("/people/{}/restrict", person_a.id),
            &[TeamLead],
        ),
        // Only team leads get as far as looking the record up, and another
        // network's is not found.
        post(
            "restrict a person of another network",
            format!("/people/{}/restrict", person_b.id),
            vec![("reason", "Asked by letter".into())],
            &[TeamLead],
            StatusCode::NOT_FOUND,
        ),
        get(
            "erasing a person of own network",
            format!("/people/{}/erase", person_a.id),
            &[TeamLead],
        ),
        post(
            "erase a person of another network",
            format!("/people/{}/erase", person_b.id),
            vec![("reason", "Asked by letter".into())],
            &[TeamLead],
            StatusCode::NOT_FOUND,
        ),
        get(
            "merging into a person of own network",
            format!("/people/{}/merge", person_a.id),
            &[TeamLead],
        ),
        post(
            "merge a person of another network into one of own",
            format!("/people/{}/merge", person_a.id),
            vec![("with", person_b.id.to_string())],
            &[TeamLead],
            StatusCode::NOT_FOUND,
        ),
        post(
            "undo a merge that is not there",
            format!(
                "/people/{}/merges/{}/undo",
                person_a.id,
                uuid::Uuid::new_v4()
            ),
            vec![],
            &[TeamLead],
            StatusCode::NOT_FOUND,
        ),
        post(
            "lift the restriction on a person of another network",
            format!("/people/{}/restriction/lift", person_b.id),
            vec![],
            &[TeamLead],
            StatusCode::NOT_FOUND,
        ),
        hidden(get(
            "a referral of own network, made by own practice",
            format!("/referrals/{}", referral_a.id),
            &[LinkWorker, TeamLead, Referrer],
        )),
        hidden(get(
            "a referral of another network",
            format!("/referrals/{}", referral_b.id),
            &[],
        )),
        hidden(get(
            "triaging a referral of own network",
            format!("/referrals/{}/accept", referral_a.id),
            &[LinkWorker, TeamLead],
        )),
        hidden(get(
            "coding the needs of a referral of own network",
            format!("/referrals/{}/needs", referral_a.id),
            &[LinkWorker, TeamLead],
        )),
        hidden(post(
            "code the needs of a referral of another network",
            format!("/referrals/{}/needs", referral_b.id),
            vec![("needs", "loneliness".into()), ("version", "1".into())],
            &[],
            StatusCode::SEE_OTHER,
        )),
        get(
            "referrals made",
            "/referrals/sent".into(),
            &[LinkWorker, TeamLead, Referrer],
        ),
        get(
            "professional referral form",
            "/referrals/new".into(),
            &[LinkWorker, TeamLead, Referrer],
        ),
        get("API tokens", "/admin/api-tokens".into(), &[Admin]),
        hidden(post(
            "decline a referral of another network",
            format!("/referrals/{}/decline", referral_b.id),
            vec![
                ("decline_reason", "not_eligible".into()),
                ("version", "1".into()),
            ],
            &[],
            StatusCode::SEE_OTHER,
        )),
        hidden(post(
            "record consent for a person of another network",
            format!("/people/{}/consents", person_b.id),
            vec![("kind", "contact".into()), ("given", "no".into())],
            &[],
            StatusCode::SEE_OTHER,
        )),
        get("own diary", "/diary".into(), &[LinkWorker, TeamLead]),
        post(
            "setting up a calendar feed",
            "/diary/feed".into(),
            vec![],
            &[LinkWorker, TeamLead],
            StatusCode::OK,
        ),
        hidden(get(
            "a calendar feed with a guessed address",
            "/calendar/guessed-token.ics".into(),
            &[],
        )),
        get("the team's loads", "/team".into(), &[TeamLead]),
        get(
            "open safeguarding concerns",
            "/safeguarding".into(),
            &[TeamLead],
        ),
        hidden(get(
            "what matters to a person of own network",
            format!("/referrals/{}/what-matters", referral_a.id),
            &[LinkWorker, TeamLead],
        )),
        hidden(get(
            "a plan of own network",
            format!("/referrals/{}/plan", referral_a.id),
            &[LinkWorker, TeamLead],
        )),
        hidden(get(
            "case notes of own network",
            format!("/referrals/{}/notes", referral_a.id),
            &[LinkWorker, TeamLead],
        )),
        hidden(get(
            "contacts of own network",
            format!("/referrals/{}/contacts", referral_a.id),
            &[LinkWorker, TeamLead],
        )),
        hidden(get(
            "discharging a person of own network",
            format!("/referrals/{}/discharge", referral_a.id),
            &[LinkWorker, TeamLead],
        )),
        hidden(get(
            "a GP summary before discharge",
            format!("/referrals/{}/gp-summary", referral_a.id),
            &[],
        )),
        hidden(get(
            "case notes of another network",
            format!("/referrals/{}/notes", referral_b.id),
            &[],
        )),
        hidden(get(
            "a plan of another network",
            format!("/referrals/{}/plan/print", referral_b.id),
            &[],
        )),
        hidden(post(
            "adding a note to another network's case",
            format!("/referrals/{}/notes", referral_b.id),
            vec![("text", "Sneaky note".into())],
            &[],
            StatusCode::SEE_OTHER,
        )),
        hidden(post(
            "saving what matters in another network's case",
            format!("/referrals/{}/what-matters", referral_b.id),
            vec![
                ("revision", "0".into()),
                ("in_their_words", "Sneaky".into()),
            ],
            &[],
            StatusCode::SEE_OTHER,
        )),
        hidden(get(
            "finding support for a person of own network",
            format!("/referrals/{}/find-support", referral_a.id),
            &[LinkWorker, TeamLead],
        )),
        hidden(get(
            "finding support for a person of another network",
            format!("/referrals/{}/find-support", referral_b.id),
            &[],
        )),
        hidden(get(
            "support and services of own network",
            format!("/referrals/{}/support", referral_a.id),
            &[LinkWorker, TeamLead],
        )),
        hidden(get(
            "the onward referral form, own network",
            format!(
                "/referrals/{}/refer-onward/{}",
                referral_a.id, other_service.id
            ),
            &[LinkWorker, TeamLead],
        )),
        hidden(post(
            "referring another network's person onward",
            format!(
                "/referrals/{}/refer-onward/{}",
                referral_b.id, own_service.id
            ),
            vec![("support", "information".into()), ("consent", "yes".into())],
            &[],
            StatusCode::SEE_OTHER,
        )),
        hidden(get(
            "a shortlist for a person of own network",
            format!(
                "/referrals/{}/shortlists/new?services={}",
                referral_a.id, own_service.id
            ),
            &[LinkWorker, TeamLead],
        )),
        hidden(post(
            "a shortlist for another network's person",
            format!("/referrals/{}/shortlists", referral_b.id),
            vec![
                ("services", own_service.id.to_string()),
                ("send", "print".into()),
            ],
            &[],
            StatusCode::SEE_OTHER,
        )),
        get(
            "needs attention",
            "/needs-attention".into(),
            &[LinkWorker, TeamLead],
        ),
        get("a partner's inbox", "/partner/referrals".into(), &[Partner]),
        Case {
            // Partners' pages: not found for a partner, refused to others.
            allowed_status: StatusCode::NOT_FOUND,
            ..get(
                "an onward referral with a guessed id",
                format!("/partner/referrals/{}", uuid::Uuid::new_v4()),
                &[Partner],
            )
        },
        hidden(get(
            "an answer link with a guessed token",
            "/answer/guessed-token".into(),
            &[],
        )),
        hidden(get(
            "outcomes of own network",
            format!("/referrals/{}/outcomes", referral_a.id),
            &[LinkWorker, TeamLead],
        )),
        hidden(get(
            "outcomes of another network",
            format!("/referrals/{}/outcomes", referral_b.id),
            &[],
        )),
        hidden(get(
            "a questionnaire for another network's person",
            format!("/referrals/{}/outcomes/record?measure=ucla3", referral_b.id),
            &[],
        )),
        hidden(post(
            "recording a questionnaire in another network's case",
            format!("/referrals/{}/outcomes/record?measure=ucla3", referral_b.id),
            vec![
                ("occasion", "baseline".into()),
                ("completed_by", "link_worker".into()),
                ("q1", "1".into()),
            ],
            &[],
            StatusCode::SEE_OTHER,
        )),
        hidden(post(
            "a questionnaire link for another network's person",
            format!("/referrals/{}/outcomes/link", referral_b.id),
            vec![
                ("link_measure", "ucla3".into()),
                ("occasion", "review".into()),
                ("send", "show".into()),
            ],
            &[],
            StatusCode::CREATED,
        )),
        hidden(post(
            "GP appointments in another network's case",
            format!("/referrals/{}/outcomes/gp", referral_b.id),
            vec![("before", "3".into())],
            &[],
            StatusCode::SEE_OTHER,
        )),
        get(
            "outcome evidence",
            "/reports/outcomes".into(),
            &[Admin, TeamLead, Commissioner],
        ),
        get(
            "outcome evidence as CSV",
            "/reports/outcomes.csv".into(),
            &[Admin, TeamLead, Commissioner],
        ),
        hidden(get(
            "a questionnaire link with a guessed token",
            "/q/guessed-token".into(),
            &[],
        )),
        get(
            "capacity of the partner's own listing",
            format!("/directory/services/{}/capacity", own_service.id),
            &[Partner, DirectoryManager],
        ),
        get(
            "capacity of another organisation's listing",
            format!("/directory/services/{}/capacity", other_service.id),
            &[DirectoryManager],
        ),
        post(
            "marking another organisation's listing full",
            format!("/directory/services/{}/capacity", other_service.id),
            vec![("capacity", "open".into())],
            &[DirectoryManager],
            StatusCode::SEE_OTHER,
        ),
        post(
            "a favourite service",
            format!("/directory/services/{}/favourite", other_service.id),
            vec![("favourite", "yes".into())],
            &[LinkWorker, TeamLead],
            StatusCode::SEE_OTHER,
        ),
        post(
            "issue an API token for another organisation",
            "/admin/api-tokens".into(),
            vec![
                ("org_id", t.pcn_b.id.to_string()),
                ("name", "Sneaky".into()),
            ],
            &[],
            StatusCode::OK,
        ),
    ];

    for (role, email) in ACCOUNTS {
        let mut client = app.signed_in(email).await;
        client.get("/account").await; // a page, for a CSRF token
        for case in &cases {
            let reply = match &case.method {
                Method::Get => client.get(&case.path).await,
                Method::Post(fields) => {
                    let borrowed: Vec<(&str, &str)> =
                        fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    client.post(&case.path, &borrowed).await
                }
            };
            let expected = if case.allowed.contains(&role) {
                case.allowed_status
            } else {
                case.denied_status
            };
            assert_eq!(
                reply.status,
                expected,
                "{role:?} → {} ({} {})",
                case.what,
                method_name(&case.method),
                case.path
            );
            if expected == StatusCode::FORBIDDEN {
                assert!(
                    reply.body.contains("You do not have permission"),
                    "a clear 403 page for {role:?} → {}",
                    case.what
                );
            }
        }
    }

    // Nothing refused changed anything.
    let feeds: Vec<String> = app
        .store()
        .feeds()
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.feed.name)
        .collect();
    assert_eq!(feeds, ["Charity"], "only the directory manager's changes");
    assert_eq!(
        app.store().org_sign_in(t.pcn_b.id).await.unwrap(),
        linkwork_storage::OrgSignIn::default()
    );
    let outside_now = app.store().user(outside.id).await.unwrap().unwrap();
    assert_eq!(outside_now.status, UserStatus::Active);
    let invited = app
        .store()
        .user_credentials(&linkwork_domain::user::Email::parse("new@pcn-b.example").unwrap())
        .await
        .unwrap();
    assert!(invited.is_none());
    let orgs = app.store().list_organisations(None).await.unwrap();
    assert!(!orgs.iter().any(|o| o.name == "Sneaky Surgery"));
    assert_eq!(
        app.store()
            .service(other_service.id)
            .await
            .unwrap()
            .unwrap()
            .name,
        other_service.name
    );
    let b = app.store().referral(referral_b.id).await.unwrap().unwrap();
    assert_eq!(b.status, ReferralStatus::Received);
    assert_eq!(app.store().consents(person_b.id).await.unwrap().len(), 1);
    let b_person = app.store().person(person_b.id).await.unwrap().unwrap();
    assert_eq!(b_person.rights, Default::default());
    assert!(app.store().api_tokens(None).await.unwrap().is_empty());
    let b_file = app.store().case_file(referral_b.id).await.unwrap();
    assert!(b_file.notes.is_empty() && b_file.what_matters.is_none());
    assert!(b_file.onward.is_empty() && b_file.shortlists.is_empty());
    assert!(
        app.store()
            .capacities(&[other_service.id])
            .await
            .unwrap()
            .is_empty()
    );
}

fn method_name(m: &Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Post(_) => "POST",
    }
}

on_both_backends!(every_role_against_every_route);
