//! The cohort evidence: for the episodes of support whose baseline fell in
//! a period, in a network or every network a reader can see, each score's
//! mean change with its confidence interval, effect size and how many
//! improved; and GP appointments before and after referral. The same
//! figures as CSV, with the pairs they were computed from so anyone can
//! check them.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, NaiveTime};
use linkwork_domain::audit::{AuditAction, NewAuditEvent};
use linkwork_domain::measures::{CohortChange, Definition, Pair, cohort_change, pair_responses};
use linkwork_domain::organisation::{OrgKind, Organisation};
use linkwork_domain::person::Person;
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::{OrgId, PersonId, ReferralId, Timestamp};
use linkwork_storage::{CohortFilter, GpCohortFilter};

use super::by_group::{GroupChange, by_group};
use crate::App;
use crate::csv_export::{Cell, SpreadsheetCsv};
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

/// Which episodes the figures count: baselines completed from `from` to
/// `to` (both days included), in one network or all the reader can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceFilter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub network: Option<OrgId>,
}

impl EvidenceFilter {
    /// The filter a form asked for: dates as `YYYY-MM-DD`, blank for the
    /// last twelve months; a network's id, blank for all.
    pub fn parse(from: &str, to: &str, network: &str, today: NaiveDate) -> AppResult<Self> {
        let mut errors = ValidationErrors::new();
        let mut date = |field: &'static str, raw: &str, default: NaiveDate| {
            let raw = raw.trim();
            if raw.is_empty() {
                return Some(default);
            }
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_err(|_| errors.add(field, "Enter a real date, like 2026-04-01"))
                .ok()
        };
        let from = date("from", from, today - Duration::days(365));
        let to = date("to", to, today);
        let network = match network.trim() {
            "" => None,
            raw => match raw.parse() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.add("network", "Choose a network from the list");
                    None
                }
            },
        };
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            errors.add("to", "The end of the period must be on or after its start");
        }
        errors.into_result(())?;
        Ok(EvidenceFilter {
            from: from.unwrap_or(today),
            to: to.unwrap_or(today),
            network,
        })
    }

    fn instants(&self) -> (Timestamp, Timestamp) {
        let start = |d: NaiveDate| d.and_time(NaiveTime::MIN).and_utc();
        (start(self.from), start(self.to + Duration::days(1)))
    }
}

/// One score's change across the cohort.
#[derive(Debug, Clone)]
pub struct ScoreEvidence {
    pub measure: String,
    pub measure_name: String,
    pub code: String,
    pub label: String,
    pub higher_is_better: bool,
    pub meaningful_change: Option<f64>,
    /// `None` when no one has both a baseline and a follow-up.
    pub change: Option<CohortChange>,
    /// Left out: a baseline and no follow-up yet.
    pub without_follow_up: usize,
    /// The pairs the figures come from.
    pub pairs: Vec<(ReferralId, Pair)>,
    /// The change within each group of people.
    pub by_group: Vec<GroupChange>,
}

/// GP appointments in the six months before and after referral, for the
/// people referred in the period with both counts.
#[derive(Debug, Clone)]
pub struct GpEvidence {
    pub change: Option<CohortChange>,
    /// Referred in the period with a count before but none after yet.
    pub without_after: usize,
    pub pairs: Vec<(ReferralId, Pair)>,
}

/// The cohort evidence for a filter.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub filter: EvidenceFilter,
    /// The networks the reader may choose from.
    pub networks: Vec<Organisation>,
    pub scores: Vec<ScoreEvidence>,
    pub gp: GpEvidence,
}

impl App {
    /// The networks whose reports `p` may read: their own, or every one in
    /// their tenancy (an ICB's, or all for a top-level administrator).
    pub async fn report_networks(&self, p: &Principal) -> AppResult<Vec<Organisation>> {
        p.require(Permission::ViewReports)?;
        Ok(self
            .store
            .list_organisations(Some(p.user.org_id))
            .await?
            .into_iter()
            .filter(|o| o.kind == OrgKind::Pcn)
            .collect())
    }

    /// The cohort evidence for `filter`.
    pub async fn outcome_evidence(
        &self,
        p: &Principal,
        filter: EvidenceFilter,
    ) -> AppResult<Evidence> {
        let networks = self.report_networks(p).await?;
        let pcn_ids: Vec<OrgId> = match filter.network {
            Some(id) if networks.iter().any(|n| n.id == id) => vec![id],
            Some(_) => return Err(AppError::NotFound("network")),
            None => networks.iter().map(|n| n.id).collect(),
        };
        let (from, to) = filter.instants();
        let mut scores = Vec::new();
        let mut person_of = HashMap::new();
        for definition in self.measures() {
            let responses = self
                .store
                .cohort_responses(&CohortFilter {
                    pcn_ids: Some(pcn_ids.clone()),
                    measure: definition.code.clone(),
                    from,
                    to,
                })
                .await?;
            person_of.extend(responses.iter().map(|r| (r.referral_id, r.person_id)));
            scores.extend(score_evidence(definition, &responses));
        }
        let ids: Vec<PersonId> = person_of
            .values()
            .copied()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let people: HashMap<PersonId, Person> = self
            .store
            .people(&ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        for score in &mut scores {
            score.by_group = by_group(
                &score.pairs,
                &person_of,
                &people,
                filter.to,
                score.higher_is_better,
                score.meaningful_change,
            );
        }
        let gp = self
            .store
            .cohort_gp_appointments(&GpCohortFilter {
                pcn_ids: Some(pcn_ids),
                from,
                to,
            })
            .await?;
        let gp_pairs: Vec<(ReferralId, Pair)> = gp
            .iter()
            .filter_map(|g| {
                Some((
                    g.referral_id,
                    Pair {
                        baseline: f64::from(g.before?),
                        follow_up: f64::from(g.after?),
                    },
                ))
            })
            .collect();
        let pairs_only: Vec<Pair> = gp_pairs.iter().map(|(_, p)| *p).collect();
        let gp = GpEvidence {
            change: cohort_change(&pairs_only, false, None),
            without_after: gp
                .iter()
                .filter(|g| g.before.is_some() && g.after.is_none())
                .count(),
            pairs: gp_pairs,
        };
        let audit = NewAuditEvent::new(p.actor(), AuditAction::OutcomesView, now())
            .org(filter.network.unwrap_or(p.user.org_id))
            .detail(format!("Outcome evidence {} to {}", filter.from, filter.to))
            .ip(p.ip.clone());
        self.store.record(&audit).await?;
        Ok(Evidence {
            filter,
            networks,
            scores,
            gp,
        })
    }

    /// The figures as CSV: one row per score (and GP appointments), then,
    /// after an empty row, every pair they were computed from.
    pub async fn outcome_evidence_csv(
        &self,
        p: &Principal,
        filter: EvidenceFilter,
    ) -> AppResult<Vec<u8>> {
        let evidence = self.outcome_evidence(p, filter).await?;
        let mut out = Vec::new();
        let mut csv = SpreadsheetCsv::sections(&mut out);
        let failed = |e: csv::Error| AppError::Export(e.to_string());
        csv.write_row([
            "measure",
            "score",
            "people_paired",
            "without_follow_up",
            "mean_baseline",
            "mean_follow_up",
            "mean_change",
            "ci95_low",
            "ci95_high",
            "effect_size",
            "improved",
            "unchanged",
            "worse",
            "meaningful_change",
            "higher_is_better",
        ])
        .map_err(failed)?;
        let number = |v: Option<f64>| v.map_or(Cell::Text(String::new()), |v| Cell::number(v, 4));
        let count = |n: usize| Cell::Number(n.to_string());
        let text = |t: &str| Cell::Text(t.to_owned());
        let summary = |measure: &str,
                       score: &str,
                       change: &Option<CohortChange>,
                       left_out: usize,
                       meaningful: Option<f64>,
                       higher: bool| {
            let c = change.as_ref();
            vec![
                text(measure),
                text(score),
                count(c.map_or(0, |c| c.people)),
                count(left_out),
                number(c.map(|c| c.mean_baseline)),
                number(c.map(|c| c.mean_follow_up)),
                number(c.map(|c| c.mean_change)),
                number(c.and_then(|c| c.ci95).map(|ci| ci.0)),
                number(c.and_then(|c| c.ci95).map(|ci| ci.1)),
                number(c.and_then(|c| c.effect_size)),
                c.map_or(text(""), |c| count(c.improved)),
                c.map_or(text(""), |c| count(c.unchanged)),
                c.map_or(text(""), |c| count(c.worse)),
                number(meaningful),
                text(&higher.to_string()),
            ]
        };
        for s in &evidence.scores {
            csv.write_cells(&summary(
                &s.measure,
                &s.code,
                &s.change,
                s.without_follow_up,
                s.meaningful_change,
                s.higher_is_better,
            ))
            .map_err(failed)?;
        }
        let gp = &evidence.gp;
        csv.write_cells(&summary(
            "gp_appointments",
            "six_months",
            &gp.change,
            gp.without_after,
            None,
            false,
        ))
        .map_err(failed)?;
        // Each score by group, small groups suppressed: a group's people
        // are few enough to be recognised.
        csv.write_row([""]).map_err(failed)?;
        csv.write_row([
            "measure",
            "score",
            "group_by",
            "group",
            "people_paired",
            "mean_change",
            "ci95_low",
            "ci95_high",
        ])
        .map_err(failed)?;
        let below = self.settings.reports.suppress_below;
        for s in &evidence.scores {
            for g in &s.by_group {
                let people = g.change.as_ref().map_or(0, |c| c.people);
                let shown = g.change.as_ref().filter(|_| people as u64 >= below);
                csv.write_cells(&[
                    text(&s.measure),
                    text(&s.code),
                    text(g.dimension),
                    text(&g.group),
                    if people as u64 >= below {
                        count(people)
                    } else {
                        text(&format!("fewer than {below}"))
                    },
                    number(shown.map(|c| c.mean_change)),
                    number(shown.and_then(|c| c.ci95).map(|ci| ci.0)),
                    number(shown.and_then(|c| c.ci95).map(|ci| ci.1)),
                ])
                .map_err(failed)?;
            }
        }
        csv.write_row([""]).map_err(failed)?;
        csv.write_row(["measure", "score", "referral_id", "baseline", "follow_up"])
            .map_err(failed)?;
        let pairs = evidence
            .scores
            .iter()
            .map(|s| (s.measure.as_str(), s.code.as_str(), &s.pairs))
            .chain([("gp_appointments", "six_months", &gp.pairs)]);
        for (measure, score, list) in pairs {
            for (referral, pair) in list {
                csv.write_cells(&[
                    text(measure),
                    text(score),
                    text(&referral.to_string()),
                    Cell::Number(pair.baseline.to_string()),
                    Cell::Number(pair.follow_up.to_string()),
                ])
                .map_err(failed)?;
            }
        }
        csv.flush().map_err(|e| AppError::Export(e.to_string()))?;
        drop(csv);
        Ok(out)
    }
}

/// Each of a measure's scores across the cohort's responses.
fn score_evidence(
    definition: &Definition,
    responses: &[linkwork_domain::measures::MeasureResponse],
) -> Vec<ScoreEvidence> {
    definition
        .scores
        .iter()
        .map(|score| {
            let paired = pair_responses(responses, &score.code);
            let pairs: Vec<Pair> = paired.pairs.iter().map(|(_, p)| *p).collect();
            ScoreEvidence {
                measure: definition.code.clone(),
                measure_name: definition.name.clone(),
                code: score.code.clone(),
                label: score.label.clone(),
                higher_is_better: score.higher_is_better,
                meaningful_change: score.meaningful_change,
                change: cohort_change(&pairs, score.higher_is_better, score.meaningful_change),
                without_follow_up: paired.without_follow_up,
                pairs: paired.pairs,
                by_group: Vec::new(),
            }
        })
        .collect()
}
