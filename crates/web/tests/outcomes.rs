//! Outcome measures through the pages: questionnaires recorded on the
//! link worker's device, the person's own-phone link, GP appointments,
//! the case's chart and table, and the cohort evidence with its CSV; and
//! who may reach any of it.

mod support;

use axum::http::StatusCode;
use linkwork_domain::measures::{CompletedBy, Occasion};
use linkwork_domain::role::Role;
use linkwork_domain::{ReferralId, UserId};
use linkwork_storage_testsuite::fixtures::Tree;
use support::{Client, TestApp, test_settings};

struct Setup {
    t: Tree,
    lw: UserId,
}

async fn setup(app: &TestApp) -> Setup {
    let t = app.tree().await;
    let lw = app
        .user("lw@pcn-a.example", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    app.user("lead@pcn-a.example", t.pcn_a.id, &[Role::TeamLead])
        .await;
    app.user("lead@pcn-b.example", t.pcn_b.id, &[Role::TeamLead])
        .await;
    app.user("lw@pcn-b.example", t.pcn_b.id, &[Role::LinkWorker])
        .await;
    app.user("commissioner@icb.example", t.icb.id, &[Role::Commissioner])
        .await;
    app.user("gp@practice-a.example", t.practice_a.id, &[Role::Referrer])
        .await;
    app.user("partner@garden.example", t.vcse.id, &[Role::Partner])
        .await;
    Setup { lw: lw.id, t }
}

/// Records the UCLA-3 on the link worker's device: `values` for items 1 to
/// 3, blank for a question left out.
async fn ucla(
    lw: &mut Client,
    id: ReferralId,
    occasion: &str,
    values: [&str; 3],
) -> support::Reply {
    lw.post(
        &format!("/referrals/{id}/outcomes/record?measure=ucla3"),
        &[
            ("occasion", occasion),
            ("completed_by", "person_on_device"),
            ("q1", values[0]),
            ("q2", values[1]),
            ("q3", values[2]),
        ],
    )
    .await
}

async fn a_link_worker_records_questionnaires_and_sees_the_change(app: TestApp) {
    let s = setup(&app).await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let id = support::accepted_referral(&app, &mut lw, s.t.pcn_a.id, s.lw, "Ana").await;
    let empty = lw.get(&format!("/referrals/{id}/outcomes")).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("No questionnaires have been recorded"));
    let form = lw
        .get(&format!("/referrals/{id}/outcomes/record?measure=ucla3"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body
            .contains("How often do you feel that you lack companionship?"),
        "{}",
        form.body
    );

    // An answer the questionnaire does not offer: refused, naming the
    // question, and nothing saved.
    let wrong = ucla(&mut lw, id, "baseline", ["3", "9", "3"]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.body.contains("Choose one of the answers to"),
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains("href=\"#q2\""));
    assert!(app.store().referral_responses(id).await.unwrap().is_empty());

    let baseline = ucla(&mut lw, id, "baseline", ["3", "3", "3"]).await;
    assert_eq!(baseline.status, StatusCode::SEE_OTHER, "{}", baseline.body);
    assert_eq!(
        baseline.location(),
        Some(&*format!("/referrals/{id}/outcomes?done=complete"))
    );
    // One question left out: saved, incomplete, no score.
    let partial = ucla(&mut lw, id, "review", ["1", "", "1"]).await;
    assert_eq!(
        partial.location(),
        Some(&*format!("/referrals/{id}/outcomes?done=incomplete"))
    );
    let review = ucla(&mut lw, id, "review", ["2", "1", "2"]).await;
    assert_eq!(review.status, StatusCode::SEE_OTHER);

    let saved = app.store().referral_responses(id).await.unwrap();
    assert_eq!(saved.len(), 3);
    assert_eq!(saved[0].score("loneliness"), Some(9.0));
    assert_eq!(saved[0].occasion, Occasion::Baseline);
    assert_eq!(saved[0].completed_by, CompletedBy::PersonOnDevice);
    assert!(!saved[1].complete);
    assert_eq!(saved[1].score("loneliness"), None);
    assert_eq!(saved[2].score("loneliness"), Some(5.0));

    let page = lw.get(&format!("/referrals/{id}/outcomes")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Down 4 since baseline (9 to 5): better"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<svg class=\"lw-chart\""));
    assert!(page.body.contains("role=\"img\""));
    assert!(
        page.body
            .contains("1 incomplete questionnaire has no score")
    );
    assert!(page.body.contains("Loneliness: the numbers in the chart"));

    // GP appointments: a count must be a whole number.
    lw.post_says(
        &format!("/referrals/{id}/outcomes/gp"),
        &[("before", "lots"), ("after", "")],
        StatusCode::UNPROCESSABLE_ENTITY,
        "Enter the number of appointments as a whole number",
    )
    .await;
    assert_eq!(app.store().gp_appointments(id).await.unwrap(), None);
    let gp = lw
        .post(
            &format!("/referrals/{id}/outcomes/gp"),
            &[("before", "7"), ("after", "3")],
        )
        .await;
    assert_eq!(gp.status, StatusCode::SEE_OTHER, "{}", gp.body);
    let page = lw.get(&format!("/referrals/{id}/outcomes")).await;
    assert!(
        page.body
            .contains("4 fewer GP appointments after referral.")
    );
}

/// The address on the page shown after making a link.
fn link_in(body: &str) -> String {
    let start = body.find("/q/").expect("a questionnaire link on the page");
    let end = start + body[start..].find('<').unwrap();
    body[start..end].to_owned()
}

async fn the_persons_phone_link_works_once_and_reveals_nothing(app: TestApp) {
    let s = setup(&app).await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let id = support::accepted_referral(&app, &mut lw, s.t.pcn_a.id, s.lw, "Bea").await;
    // Their record has no email address: an email cannot be sent.
    lw.post_says(
        &format!("/referrals/{id}/outcomes/link"),
        &[
            ("link_measure", "ucla3"),
            ("occasion", "review"),
            ("send", "email"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
        "Their record has no email address",
    )
    .await;
    let made = lw
        .post(
            &format!("/referrals/{id}/outcomes/link"),
            &[
                ("link_measure", "ucla3"),
                ("occasion", "review"),
                ("send", "show"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let link = link_in(&made.body);

    let mut phone = app.client();
    let page = phone.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("How often do you feel left out?"));
    assert!(
        !page.body.contains("Bea"),
        "the link shows nothing about them"
    );
    assert!(!page.body.contains("Patel"));
    // Opening it records nothing.
    assert!(app.store().referral_responses(id).await.unwrap().is_empty());

    let sent = phone
        .post(&link, &[("q1", "2"), ("q2", "2"), ("q3", "1")])
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(sent.body.contains("Your answers have been sent"));
    let saved = app.store().referral_responses(id).await.unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].completed_by, CompletedBy::PersonOwnPhone);
    assert_eq!(saved[0].occasion, Occasion::Review);
    assert_eq!(saved[0].score("loneliness"), Some(5.0));

    let again = phone
        .post(&link, &[("q1", "3"), ("q2", "3"), ("q3", "3")])
        .await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.body.contains("already been filled in"));
    assert_eq!(phone.get(&link).await.status, StatusCode::GONE);

    let mut tampered = link.clone();
    tampered.pop();
    tampered.push(if link.ends_with('x') { 'y' } else { 'x' });
    let refused = phone.post(&tampered, &[("q1", "1")]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(refused.body.contains("This link is not right"));
    assert_eq!(
        app.store().referral_responses(id).await.unwrap().len(),
        1,
        "nothing changed"
    );

    // Links that expire as they are made.
    let mut settings = test_settings();
    settings.outcomes.link_days = 0;
    let expiring = linkwork_app::App::new(app.app.store.clone(), settings).unwrap();
    let mut lw = lw.with_router(linkwork_web::router(expiring));
    let made = lw
        .post(
            &format!("/referrals/{id}/outcomes/link"),
            &[
                ("link_measure", "ons4"),
                ("occasion", "review"),
                ("send", "show"),
            ],
        )
        .await;
    let expired = link_in(&made.body);
    let late = phone.post(&expired, &[("q1", "5")]).await;
    assert_eq!(late.status, StatusCode::GONE);
    assert!(late.body.contains("This link has expired"));
    assert_eq!(app.store().referral_responses(id).await.unwrap().len(), 1);
}

async fn outcomes_are_the_teams_and_evidence_is_for_report_readers(app: TestApp) {
    let s = setup(&app).await;
    let mut lw = app.signed_in("lw@pcn-a.example").await;
    let ana = support::accepted_referral(&app, &mut lw, s.t.pcn_a.id, s.lw, "Ana").await;
    let ben = support::accepted_referral(&app, &mut lw, s.t.pcn_a.id, s.lw, "Ben").await;
    let cy = support::accepted_referral(&app, &mut lw, s.t.pcn_a.id, s.lw, "Cy").await;
    // Ana 9 → 5, Ben 7 → 6, Cy a baseline only.
    for (id, first, then) in [
        (ana, ["3", "3", "3"], Some(["2", "1", "2"])),
        (ben, ["3", "2", "2"], Some(["2", "2", "2"])),
        (cy, ["2", "2", "2"], None),
    ] {
        assert_eq!(
            ucla(&mut lw, id, "baseline", first).await.status,
            StatusCode::SEE_OTHER
        );
        if let Some(then) = then {
            assert_eq!(
                ucla(&mut lw, id, "discharge", then).await.status,
                StatusCode::SEE_OTHER
            );
        }
    }

    for who in [
        "gp@practice-a.example",
        "partner@garden.example",
        "lw@pcn-b.example",
    ] {
        let mut other = app.signed_in(who).await;
        let page = other.get(&format!("/referrals/{ana}/outcomes")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{who}");
        let post = ucla(&mut other, ana, "review", ["1", "1", "1"]).await;
        assert_eq!(post.status, StatusCode::NOT_FOUND, "{who}");
    }
    assert_eq!(app.store().referral_responses(ana).await.unwrap().len(), 2);
    for who in [
        "lw@pcn-a.example",
        "gp@practice-a.example",
        "partner@garden.example",
    ] {
        let mut other = app.signed_in(who).await;
        assert_eq!(
            other.get("/reports/outcomes").await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        assert_eq!(
            other.get("/reports/outcomes.csv").await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }

    let mut lead = app.signed_in("lead@pcn-a.example").await;
    let page = lead.get("/reports/outcomes").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("How this is counted"));
    assert!(page.body.contains("Student"));
    // The independent computation: changes −4 and −1, mean −2.5, sd 2.1213,
    // t(1) = 12.7062, half-width 12.7062 × 2.1213 / √2 = 19.0593.
    let csv = lead.get("/reports/outcomes.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let row = csv
        .body
        .lines()
        .find(|l| l.starts_with("ucla3,loneliness,"))
        .expect("a loneliness row");
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(cells[2], "2", "two people paired");
    assert_eq!(cells[3], "1", "Cy has no follow-up");
    assert_eq!(cells[6], "-2.5000");
    assert_eq!(cells[7], "-21.5593");
    assert_eq!(cells[8], "16.5593");
    assert_eq!((cells[10], cells[11], cells[12]), ("2", "0", "0"));
    assert!(csv.body.contains(&format!("ucla3,loneliness,{ana},9,5")));

    // Another network's lead sees none of it; the commissioner sees the ICB.
    let mut other_lead = app.signed_in("lead@pcn-b.example").await;
    let theirs = other_lead.get("/reports/outcomes.csv").await;
    assert!(
        theirs.body.contains("ucla3,loneliness,0,0,"),
        "{}",
        theirs.body
    );
    let refused = other_lead
        .get(&format!("/reports/outcomes?network={}", s.t.pcn_a.id))
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let mut commissioner = app.signed_in("commissioner@icb.example").await;
    let all = commissioner.get("/reports/outcomes.csv").await;
    assert!(all.body.contains("ucla3,loneliness,2,1,"), "{}", all.body);
    let bad = commissioner.get("/reports/outcomes?from=yesterday").await;
    assert!(bad.body.contains("Enter a real date"));
}

/// Each score's change by group, against the whole cohort's: every
/// grouping counts each paired person once, and the groups' mean changes,
/// weighted by their people, give the whole's.
async fn outcome_change_by_group_adds_up_to_the_whole(app: TestApp) {
    let app = app.reconfigured(|s| s.reports.suppress_below = 1);
    let mut commissioner = app.demo_user("commissioner@riverside.example").await;
    let page = commissioner.get("/reports/outcomes?from=2000-01-01").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Change by group"));
    assert!(
        page.body
            .contains("Deprivation quintile: 1 (most deprived)")
    );
    let csv = commissioner
        .get("/reports/outcomes.csv?from=2000-01-01")
        .await;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.body.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let sections: Vec<&[Vec<String>]> = rows.split(|r| r.iter().all(String::is_empty)).collect();
    let (whole, groups) = (sections[0], sections[1]);
    assert_eq!(groups[0][2], "group_by");
    let mut checked = 0;
    for score in &whole[1..] {
        let people: u64 = score[2].parse().unwrap();
        if people == 0 || score[0] == "gp_appointments" {
            continue;
        }
        let mean: f64 = score[6].parse().unwrap();
        for dimension in ["Deprivation quintile", "Age", "Sex", "Ethnic group"] {
            let mine: Vec<&Vec<String>> = groups[1..]
                .iter()
                .filter(|g| g[0] == score[0] && g[1] == score[1] && g[2] == dimension)
                .collect();
            let total: u64 = mine.iter().map(|g| g[4].parse::<u64>().unwrap()).sum();
            assert_eq!(total, people, "{} {} by {dimension}", score[0], score[1]);
            let weighted: f64 = mine
                .iter()
                .map(|g| g[4].parse::<f64>().unwrap() * g[5].parse::<f64>().unwrap())
                .sum::<f64>()
                / people as f64;
            assert!((weighted - mean).abs() < 1e-3, "{weighted} against {mean}");
            checked += 1;
        }
    }
    assert!(checked >= 4, "the demo has paired scores to group");
}

mod demo {
    use super::*;

    on_both_backends_with_demo!(outcome_change_by_group_adds_up_to_the_whole);
}

on_both_backends!(
    a_link_worker_records_questionnaires_and_sees_the_change,
    the_persons_phone_link_works_once_and_reveals_nothing,
    outcomes_are_the_teams_and_evidence_is_for_report_readers,
);
