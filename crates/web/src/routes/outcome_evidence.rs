//! The outcome evidence for commissioners and team leads: for a period
//! and a network (or all they can see), each score's change across the
//! people with a baseline and a follow-up, with the method on the page,
//! and the same figures (with the pairs behind them) as CSV.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use linkwork_app::outcomes::{Evidence, EvidenceFilter};
use linkwork_domain::measures::{CohortChange, METHOD, PAIRING};
use serde::Deserialize;

use crate::charts::{ChartText, bar_chart, number};
use crate::downloads;
use crate::error::WebResult;
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::state::AppState;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FilterQuery {
    from: String,
    to: String,
    network: String,
}

/// One score's figures as the page shows them.
pub struct ScoreRow {
    pub measure: String,
    pub label: String,
    pub people: usize,
    pub without_follow_up: usize,
    /// Mean baseline → mean follow-up.
    pub means: String,
    pub change: String,
    pub interval: String,
    pub effect: String,
    pub improved: String,
    pub unchanged: String,
    pub worse: String,
    pub threshold: String,
    pub chart: Option<String>,
}

fn share(n: usize, of: usize) -> String {
    if of == 0 {
        String::new()
    } else {
        format!("{n} ({:.0}%)", 100.0 * n as f64 / of as f64)
    }
}

fn row(
    id: &str,
    measure: &str,
    label: &str,
    change: Option<&CohortChange>,
    without_follow_up: usize,
    threshold: String,
    better: &str,
) -> ScoreRow {
    let signed = |v: f64| format!("{v:+.2}");
    let Some(c) = change else {
        return ScoreRow {
            measure: measure.to_owned(),
            label: label.to_owned(),
            people: 0,
            without_follow_up,
            means: String::new(),
            change: "No one with a baseline and a follow-up".into(),
            interval: String::new(),
            effect: String::new(),
            improved: String::new(),
            unchanged: String::new(),
            worse: String::new(),
            threshold,
            chart: None,
        };
    };
    let chart = bar_chart(
        &ChartText {
            id,
            title: &format!("{measure}, {label}: who improved"),
            description: &format!(
                "Of {} people, {} improved, {} stayed the same and {} got worse. {better}",
                c.people, c.improved, c.unchanged, c.worse
            ),
        },
        &[
            ("Improved".into(), c.improved as f64),
            ("No change".into(), c.unchanged as f64),
            ("Worse".into(), c.worse as f64),
        ],
        c.people as f64,
    );
    ScoreRow {
        measure: measure.to_owned(),
        label: label.to_owned(),
        people: c.people,
        without_follow_up,
        means: format!(
            "{} to {}",
            number((c.mean_baseline * 100.0).round() / 100.0),
            number((c.mean_follow_up * 100.0).round() / 100.0)
        ),
        change: signed(c.mean_change),
        interval: c
            .ci95
            .map_or("Needs two or more people".into(), |(lo, hi)| {
                format!("{} to {}", signed(lo), signed(hi))
            }),
        effect: c
            .effect_size
            .map_or("Not available".into(), |d| format!("{d:+.2}")),
        improved: share(c.improved, c.people),
        unchanged: share(c.unchanged, c.people),
        worse: share(c.worse, c.people),
        threshold,
        chart: Some(chart),
    }
}

/// One score's change within one group, as the page shows it.
pub struct GroupRow {
    measure: String,
    group: String,
    people: String,
    change: String,
    interval: String,
}

fn group_rows(evidence: &Evidence, below: u64) -> Vec<GroupRow> {
    let signed = |v: f64| format!("{v:+.2}");
    evidence
        .scores
        .iter()
        .flat_map(|s| {
            s.by_group.iter().map(move |g| {
                let shown = g.change.as_ref().filter(|c| c.people as u64 >= below);
                GroupRow {
                    measure: format!("{}: {}", s.measure_name, s.label),
                    group: format!("{}: {}", g.dimension, g.group),
                    people: match shown {
                        Some(c) => c.people.to_string(),
                        None => format!("fewer than {below}"),
                    },
                    change: shown.map_or(String::new(), |c| signed(c.mean_change)),
                    interval: shown
                        .and_then(|c| c.ci95)
                        .map_or(String::new(), |(lo, hi)| {
                            format!("{} to {}", signed(lo), signed(hi))
                        }),
                }
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "outcomes/evidence.html")]
struct EvidencePage {
    page: PageCtx,
    from: Input,
    to: Input,
    network: ChoiceField,
    rows: Vec<ScoreRow>,
    gp: ScoreRow,
    groups: Vec<GroupRow>,
    suppress_below: u64,
    method: &'static str,
    pairing: &'static str,
    csv_href: String,
}

fn rows(evidence: &Evidence) -> (Vec<ScoreRow>, ScoreRow) {
    let scores = evidence
        .scores
        .iter()
        .map(|s| {
            row(
                &format!("chart-{}-{}", s.measure, s.code),
                &s.measure_name,
                &s.label,
                s.change.as_ref(),
                s.without_follow_up,
                s.meaningful_change
                    .map_or("None published: any change counts".into(), |m| {
                        format!("{} points", number(m))
                    }),
                if s.higher_is_better {
                    "A higher score is better."
                } else {
                    "A lower score is better."
                },
            )
        })
        .collect();
    let gp = row(
        "chart-gp",
        "GP appointments",
        "Six months before and after referral",
        evidence.gp.change.as_ref(),
        evidence.gp.without_after,
        "Any change counts".into(),
        "Fewer appointments is better.",
    );
    (scores, gp)
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(q): Query<FilterQuery>,
) -> WebResult<Response> {
    let today = state.app.today();
    let filter = EvidenceFilter::parse(&q.from, &q.to, &q.network, today);
    let (filter, errors) = match filter {
        Ok(f) => (f, Default::default()),
        Err(linkwork_app::AppError::Invalid(errors)) => {
            (EvidenceFilter::parse("", "", "", today)?, errors)
        }
        Err(e) => return Err(e.into()),
    };
    let evidence = state.app.outcome_evidence(&principal, filter).await?;
    let f = &evidence.filter;
    let (rows, gp) = rows(&evidence);
    let csv_href = format!(
        "/reports/outcomes.csv?from={}&to={}&network={}",
        f.from,
        f.to,
        f.network.map(|n| n.to_string()).unwrap_or_default()
    );
    render(&EvidencePage {
        page: page.title("Outcome evidence").errors(&errors),
        from: Input::new("from", "Baselines from")
            .kind("date")
            .value(f.from.to_string())
            .errors(&errors),
        to: Input::new("to", "Baselines to")
            .kind("date")
            .value(f.to.to_string())
            .errors(&errors),
        network: ChoiceField::new(
            "network",
            "Network",
            evidence
                .networks
                .iter()
                .map(|n| Choice::new(n.id.to_string(), n.name.clone(), f.network == Some(n.id)))
                .collect(),
        )
        .placeholder("All networks you can see")
        .errors(&errors),
        rows,
        gp,
        groups: group_rows(&evidence, state.app.settings.reports.suppress_below),
        suppress_below: state.app.settings.reports.suppress_below,
        method: METHOD,
        pairing: PAIRING,
        csv_href,
    })
}

pub async fn csv(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    Query(q): Query<FilterQuery>,
) -> WebResult<Response> {
    let filter = EvidenceFilter::parse(&q.from, &q.to, &q.network, state.app.today())?;
    let name = format!("outcomes-{}-to-{}.csv", filter.from, filter.to);
    let body = state.app.outcome_evidence_csv(&principal, filter).await?;
    Ok(downloads::csv(&name, body))
}
