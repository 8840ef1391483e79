//! The reports dashboard: who may read which networks' figures, small
//! numbers suppressed on the page and in CSV, and figures that agree with
//! a count made independently from the referrals themselves.

mod support;

use axum::http::StatusCode;
use chrono::{Duration, NaiveDate};
use linkwork_domain::OrgId;
use linkwork_domain::calendar::uk_start_of_day;
use linkwork_domain::referral::ReferralRoute;
use linkwork_domain::role::Role;
use linkwork_domain::time::now;
use linkwork_storage::{PageRequest, ReferralFilter, ReferralOrder};
use linkwork_storage_testsuite::referral_fixtures::{add_referral, person};
use support::TestApp;

const NORTH: &str = "Riverside North Primary Care Network";
const SOUTH: &str = "Riverside South Primary Care Network";

async fn network(app: &TestApp, name: &str) -> OrgId {
    app.store()
        .list_organisations(None)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.name == name)
        .unwrap()
        .id
}

/// The value in a CSV file's row that starts with `label` (quoted when it
/// holds a comma).
fn csv_value(csv: &str, label: &str) -> String {
    let cell = if label.contains(',') {
        format!("\"{label}\",")
    } else {
        format!("{label},")
    };
    let line = csv
        .lines()
        .find(|l| l.starts_with(&cell))
        .unwrap_or_else(|| panic!("no row {label} in {csv}"));
    line[cell.len()..].to_owned()
}

async fn readers_see_the_networks_of_their_tenancy_only(app: TestApp) {
    let north = network(&app, NORTH).await;
    let south = network(&app, SOUTH).await;

    let mut lead = app.demo_user("teamlead.north@riverside.example").await;
    let page = lead.get("/reports").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(NORTH));
    assert!(!page.body.contains(SOUTH));
    assert!(
        page.body.contains("href=\"/reports\""),
        "Reports is in the navigation"
    );
    assert!(page.body.contains("href=\"/reports/outcomes\""));
    for path in [
        format!("/reports?network={south}"),
        format!("/reports/summary.csv?network={south}"),
    ] {
        assert_eq!(
            lead.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let own = lead.get("/reports/summary.csv?from=2000-01-01").await;
    assert_eq!(own.status, StatusCode::OK);

    let mut commissioner = app.demo_user("commissioner@riverside.example").await;
    let page = commissioner.get("/reports").await;
    assert!(page.body.contains(NORTH) && page.body.contains(SOUTH));
    let north_only = commissioner
        .get(&format!(
            "/reports/summary.csv?from=2000-01-01&network={north}"
        ))
        .await;
    assert_eq!(
        north_only.body, own.body,
        "the team lead's figures are North's"
    );
    let all = commissioner
        .get("/reports/summary.csv?from=2000-01-01")
        .await;
    let received = |csv: &str| csv_value(csv, "Referrals received").parse::<u64>().unwrap();
    assert!(received(&all.body) > received(&own.body));

    for email in [
        "linkworker.north@riverside.example",
        "partner.befrienders@riverside.example",
        "gp.north@riverside.example",
        "directory@riverside.example",
    ] {
        let mut client = app.demo_user(email).await;
        for path in ["/reports", "/reports/summary.csv"] {
            let reply = client.get(path).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{email} {path}");
        }
        assert!(!client.get("/").await.body.contains("href=\"/reports\""));
    }

    let mut admin = app.demo_user("admin@riverside.example").await;
    assert_eq!(admin.get("/reports").await.status, StatusCode::OK);
    assert_eq!(
        admin.get("/reports/nothing.csv").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin.get("/reports/summary").await.status,
        StatusCode::NOT_FOUND
    );
    let bad = admin.get("/reports?from=yesterday&to=2026-01-01").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("Enter a real date"));
}

async fn figures_match_a_count_made_from_the_referrals(app: TestApp) {
    let today = app.app.today();
    let from = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let (start, end) = (
        uk_start_of_day(from),
        uk_start_of_day(today + Duration::days(1)),
    );
    let mut by_route = std::collections::BTreeMap::<&str, u64>::new();
    let mut intervention = 0;
    let mut waits = Vec::new();
    let mut coded = std::collections::BTreeSet::new();
    let mut referred = std::collections::BTreeSet::new();
    for name in [NORTH, SOUTH] {
        let pcn_id = network(&app, name).await;
        let mut page = 1;
        loop {
            let list = app
                .store()
                .list_referrals(
                    &ReferralFilter {
                        pcn_id: Some(pcn_id),
                        ..Default::default()
                    },
                    ReferralOrder::OldestFirst,
                    PageRequest::new(page, 200),
                )
                .await
                .unwrap();
            for item in &list.items {
                let r = &item.referral;
                if r.received_at < start || r.received_at >= end {
                    continue;
                }
                *by_route.entry(r.route.label()).or_default() += 1;
                intervention += u64::from(r.intervention_received_at.is_some());
                if r.first_contact_at.is_some() {
                    waits.push(app.app.waiting(r, today).working_days);
                }
                referred.insert(r.person_id);
                if r.code == "871731000000106" {
                    coded.insert(r.person_id);
                }
            }
            if u64::from(page) * 200 >= list.total {
                break;
            }
            page += 1;
        }
    }
    waits.sort_unstable();
    // IIF PC-01: people coded as referred who are registered with a
    // practice, over the practices' registered list (the "ALL, ALL" rows
    // of the shipped age and sex file).
    let mut registered_referred = 0u64;
    for id in coded {
        let person = app.store().person(id).await.unwrap().unwrap();
        registered_referred += u64::from(person.details.gp_practice_id.is_some());
    }
    // Women referred who are registered with a practice, each once.
    let mut women = 0u64;
    for id in referred {
        let person = app.store().person(id).await.unwrap().unwrap();
        women += u64::from(
            person.details.gp_practice_id.is_some()
                && person.details.sex == Some(linkwork_domain::person::Sex::Female),
        );
    }
    let list_size: u64 = linkwork_demo::population::RIVERSIDE_QUIN_AGE
        .lines()
        .filter(|l| l.contains(",ALL,ALL,"))
        .map(|l| {
            let last = l.trim_end().rsplit(',').next().unwrap();
            // Below the threshold of 1 is none.
            if last == "fewer than 1" {
                return 0;
            }
            last.parse::<u64>().unwrap_or_else(|_| panic!("{l:?}"))
        })
        .sum();
    let pc01 = format!(
        "{:.2}",
        100.0 * registered_referred as f64 / list_size as f64
    );
    // Nearest rank: the ⌈n/2⌉th smallest.
    let median = waits[waits.len().div_ceil(2) - 1];

    let mut commissioner = app.demo_user("commissioner@riverside.example").await;
    let routes = commissioner
        .get("/reports/referrals-by-route.csv?from=2000-01-01")
        .await;
    assert_eq!(routes.status, StatusCode::OK);
    assert!(routes.body.starts_with("Route,Referrals\n"));
    for route in ReferralRoute::ALL {
        let expected = by_route.get(route.label()).copied().unwrap_or(0);
        let shown = csv_value(&routes.body, route.label());
        if expected < 5 {
            assert_eq!(shown, "fewer than 5");
        } else {
            assert_eq!(shown, expected.to_string(), "{}", route.label());
        }
    }
    let summary = commissioner
        .get("/reports/summary.csv?from=2000-01-01")
        .await;
    assert_eq!(
        csv_value(&summary.body, "Registered patients referred, IIF PC-01 (%)"),
        pc01
    );
    assert_eq!(
        csv_value(
            &summary.body,
            "Patients registered with the practices counted"
        ),
        list_size.to_string()
    );
    assert_eq!(
        csv_value(
            &summary.body,
            "Referrals whose person received an intervention"
        ),
        intervention.to_string()
    );
    let waiting = commissioner
        .get("/reports/waiting-times.csv?from=2000-01-01")
        .await;
    assert_eq!(
        csv_value(&waiting.body, "Median wait (working days)"),
        median.to_string()
    );
    assert_eq!(
        csv_value(&waiting.body, "Had a first contact"),
        waits.len().to_string()
    );

    let by_sex = commissioner
        .get("/reports/rates-by-sex.csv?from=2000-01-01")
        .await;
    let female = csv_value(&by_sex.body, "Female");
    assert_eq!(
        female.split(',').nth(1),
        Some(women.to_string().as_str()),
        "{female}"
    );

    let page = commissioner.get("/reports?from=2000-01-01").await;
    for id in [
        "referrals-by-month",
        "referrals-by-route",
        "onward-referrals",
    ] {
        assert!(page.body.contains(&format!("id=\"{id}\"")), "{id}");
        assert!(
            page.body
                .contains(&format!("href=\"/reports/{id}.csv?from=2000-01-01\""))
        );
    }
    assert!(page.body.contains("<svg class=\"lw-chart\""));
    assert!(page.body.contains("How this is counted"));
}

async fn small_counts_show_as_fewer_than_the_threshold(app: TestApp) {
    let t = app.tree().await;
    app.user("lead@pcn-a.example", t.pcn_a.id, &[Role::TeamLead])
        .await;
    for given in ["Ana", "Ben"] {
        add_referral(
            app.store(),
            person(t.pcn_a.id, given, "Jones", None, None),
            now(),
        )
        .await;
    }
    let mut lead = app.signed_in("lead@pcn-a.example").await;
    let page = lead.get("/reports").await;
    assert!(page.body.contains(
        "Referrals received</th><td class=\"nhsuk-table__cell nhsuk-table__cell--numeric lw-numeric\">fewer than 5</td>"
    ));
    let csv = lead.get("/reports/summary.csv").await;
    assert_eq!(csv_value(&csv.body, "Referrals received"), "fewer than 5");
    assert_eq!(csv_value(&csv.body, "People referred"), "fewer than 5");
    assert_eq!(
        csv_value(&csv.body, "Registered patients referred, IIF PC-01 (%)"),
        "No registered population loaded"
    );
    let routes = lead.get("/reports/referrals-by-route.csv").await;
    assert_eq!(
        csv_value(&routes.body, "Professional referral"),
        "fewer than 5"
    );
    assert!(!routes.body.contains(",2"));

    let app = app.reconfigured(|s| s.reports.suppress_below = 2);
    let mut lead = app.signed_in("lead@pcn-a.example").await;
    let csv = lead.get("/reports/summary.csv").await;
    assert_eq!(csv_value(&csv.body, "Referrals received"), "2");
    assert_eq!(
        csv_value(&csv.body, "Referrals whose person received an intervention"),
        "fewer than 2"
    );
}

/// The long waits column of the gaps table, summed over needs.
fn long_waits(csv: &str) -> u64 {
    csv.lines()
        .skip(1)
        .map(|l| {
            let last = l.trim_end().rsplit(',').next().unwrap();
            // Below the threshold of 1 is none.
            if last == "fewer than 1" {
                return 0;
            }
            last.parse::<u64>().unwrap_or_else(|_| panic!("{l:?}"))
        })
        .sum()
}

async fn gaps_show_needs_out_of_reach_and_long_waits(app: TestApp) {
    // Everything shown; every service with a place counts as within reach.
    let app = app.reconfigured(|s| {
        s.reports.suppress_below = 1;
        s.reports.gap_distance_km = 1000;
    });
    let north = network(&app, NORTH).await;
    let falconry = linkwork_domain::codes::Need {
        code: "falconry".into(),
        label: "Falconry".into(),
        snomed_code: None,
        active: true,
        position: 99,
    };
    let audit = || {
        linkwork_storage_testsuite::fixtures::event(
            linkwork_domain::audit::AuditAction::NeedChange,
            linkwork_domain::audit::EntityRef::new("need", "falconry"),
        )
    };
    app.store().save_need(&falconry, &audit()).await.unwrap();
    let worker = app
        .user("gaps@north.example", north, &[Role::LinkWorker])
        .await;
    let referral = add_referral(
        app.store(),
        person(north, "Fal", "Coner", None, Some("RV1 3BQ")),
        now(),
    )
    .await;
    // No service meets falconry; loneliness is met within reach.
    let mut matters =
        linkwork_storage_testsuite::casework::what_matters(&referral, &worker, 1, "Birds");
    matters.needs = vec!["falconry".into(), "loneliness".into()];
    app.store()
        .save_casework(
            &linkwork_storage::CaseworkChanges {
                what_matters: Some(matters),
                ..Default::default()
            },
            &[audit()],
        )
        .await
        .unwrap();

    let mut commissioner = app.demo_user("commissioner@riverside.example").await;
    let today = linkwork_domain::calendar::uk_date(now());
    let gaps = commissioner
        .get(&format!(
            "/reports/gaps-out-of-reach.csv?from={today}&to={today}"
        ))
        .await;
    assert_eq!(gaps.status, StatusCode::OK, "{}", gaps.body);
    assert!(
        gaps.body.lines().any(|l| l == "RV1,Falconry,1,1"),
        "{}",
        gaps.body
    );
    assert!(!gaps.body.contains("Loneliness"), "{}", gaps.body);
    let page = commissioner
        .get(&format!("/reports?from={today}&to={today}"))
        .await;
    assert!(
        page.body
            .contains("Gaps in provision: needs with no suitable service within reach")
    );

    // Long waits depend on the threshold, and never exceed what was sent.
    let waits = |app: &TestApp| {
        let app_router = app.client();
        async move {
            let mut c = app_router;
            c.login(
                "commissioner@riverside.example",
                linkwork_demo::DEMO_PASSWORD,
            )
            .await;
            c.get("/reports/gaps-long-waits.csv?from=2000-01-01")
                .await
                .body
        }
    };
    let none = app.reconfigured(|s| s.reports.long_wait_days = 100_000);
    let csv = waits(&none).await;
    assert!(
        csv.lines().count() > 1,
        "demo onward referrals counted: {csv}"
    );
    assert_eq!(long_waits(&csv), 0, "{csv}");
    let all = none.reconfigured(|s| s.reports.long_wait_days = 0);
    let csv = waits(&all).await;
    assert!(long_waits(&csv) > 0, "{csv}");
    for line in csv.lines().skip(1) {
        // From the right: the need's label may hold a comma.
        let cells: Vec<&str> = line.trim_end().rsplitn(5, ',').collect();
        let sent: u64 = cells[3].parse().unwrap_or(0);
        assert!(long_waits(&format!("h\n{line}")) <= sent, "{line}");
    }
}

on_both_backends_with_demo!(
    readers_see_the_networks_of_their_tenancy_only,
    figures_match_a_count_made_from_the_referrals,
    gaps_show_needs_out_of_reach_and_long_waits,
);

mod plain {
    use super::*;

    on_both_backends!(small_counts_show_as_fewer_than_the_threshold);
}
