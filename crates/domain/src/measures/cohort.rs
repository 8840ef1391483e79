//! What a cohort's paired scores say: the mean change with its 95%
//! confidence interval, the effect size, and how many improved, stayed the
//! same or got worse. The method is spelt out in `METHOD`, for the page
//! that shows the figures.

use std::collections::BTreeMap;

use super::response::{MeasureResponse, Occasion};
use crate::ReferralId;

/// One person's score at baseline and at follow-up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    pub baseline: f64,
    pub follow_up: f64,
}

/// A cohort's change on one score.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortChange {
    /// People with both a baseline and a follow-up.
    pub people: usize,
    pub mean_baseline: f64,
    pub mean_follow_up: f64,
    /// Follow-up minus baseline (whatever direction is better).
    pub mean_change: f64,
    /// The 95% confidence interval of the mean change (Student's t);
    /// `None` with fewer than two people.
    pub ci95: Option<(f64, f64)>,
    /// The mean change over the standard deviation of the baseline scores
    /// (Cohen's d); `None` when the baseline scores do not vary.
    pub effect_size: Option<f64>,
    pub improved: usize,
    pub unchanged: usize,
    pub worse: usize,
}

/// How the figures are worked out, in plain English.
pub const METHOD: &str = "Only people with both a baseline and a follow-up score are counted. The change is the follow-up score minus the baseline score. The 95% confidence interval of the mean change uses Student's t distribution with one fewer degrees of freedom than people. The effect size is the mean change divided by the standard deviation of the baseline scores (Cohen's d). A person has improved or got worse when their score moved in that direction by at least the measure's published meaningful change, where it has one, and by any amount otherwise.";

/// The change across `pairs`. `meaningful` is the smallest change that
/// counts as improvement or worsening (any change when `None`).
pub fn cohort_change(
    pairs: &[Pair],
    higher_is_better: bool,
    meaningful: Option<f64>,
) -> Option<CohortChange> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let changes: Vec<f64> = pairs.iter().map(|p| p.follow_up - p.baseline).collect();
    let mean = |xs: &mut dyn Iterator<Item = f64>| xs.sum::<f64>() / n;
    let mean_change = mean(&mut changes.iter().copied());
    let mean_baseline = mean(&mut pairs.iter().map(|p| p.baseline));
    let mean_follow_up = mean(&mut pairs.iter().map(|p| p.follow_up));
    let ci95 = (pairs.len() >= 2).then(|| {
        let half = t_quantile_975(pairs.len() - 1) * sample_sd(&changes) / n.sqrt();
        (mean_change - half, mean_change + half)
    });
    let baselines: Vec<f64> = pairs.iter().map(|p| p.baseline).collect();
    let spread = sample_sd(&baselines);
    let effect_size = (pairs.len() >= 2 && spread > 0.0).then(|| mean_change / spread);
    // Tiny float differences in table scores (18.59 − 17.43) are not
    // changes in either direction.
    const EPSILON: f64 = 1e-9;
    let threshold = meaningful.unwrap_or(0.0);
    let (mut improved, mut unchanged, mut worse) = (0, 0, 0);
    for change in &changes {
        let better = if higher_is_better { *change } else { -change };
        if better > EPSILON && better >= threshold - EPSILON {
            improved += 1;
        } else if better < -EPSILON && -better >= threshold - EPSILON {
            worse += 1;
        } else {
            unchanged += 1;
        }
    }
    Some(CohortChange {
        people: pairs.len(),
        mean_baseline,
        mean_follow_up,
        mean_change,
        ci95,
        effect_size,
        improved,
        unchanged,
        worse,
    })
}

/// A cohort's responses to one measure, paired within each referral.
#[derive(Debug, Clone, PartialEq)]
pub struct Paired {
    /// Each referral's first baseline score with its latest later
    /// follow-up (a review, discharge or other time) score.
    pub pairs: Vec<(ReferralId, Pair)>,
    /// Referrals with a baseline score and no follow-up score yet.
    pub without_follow_up: usize,
}

/// How baselines and follow-ups are paired, for the page.
pub const PAIRING: &str = "Each person's first complete baseline questionnaire in an episode of support is paired with their latest complete questionnaire after it (at a review, at discharge or at another time). Incomplete questionnaires have no score and are not used.";

/// Pairs `responses` (of one measure) on the score `score`: incomplete
/// responses have no score and take no part.
pub fn pair_responses(responses: &[MeasureResponse], score: &str) -> Paired {
    let mut by_referral: BTreeMap<ReferralId, Vec<&MeasureResponse>> = BTreeMap::new();
    for r in responses.iter().filter(|r| r.score(score).is_some()) {
        by_referral.entry(r.referral_id).or_default().push(r);
    }
    let mut paired = Paired {
        pairs: Vec::new(),
        without_follow_up: 0,
    };
    for (referral, mut list) in by_referral {
        list.sort_by_key(|r| (r.completed_at, r.id));
        let Some(baseline) = list.iter().find(|r| r.occasion == Occasion::Baseline) else {
            continue;
        };
        let follow_up = list
            .iter()
            .rev()
            .find(|r| r.occasion != Occasion::Baseline && r.completed_at > baseline.completed_at);
        match follow_up {
            Some(f) => paired.pairs.push((
                referral,
                Pair {
                    baseline: baseline.score(score).unwrap_or_default(),
                    follow_up: f.score(score).unwrap_or_default(),
                },
            )),
            None => paired.without_follow_up += 1,
        }
    }
    paired
}

/// The sample standard deviation (n − 1).
fn sample_sd(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// Student's t at 97.5% (two-sided 95%) for `df` degrees of freedom: from
/// the table to 30, then the Cornish-Fisher expansion about the normal
/// quantile, which is within 0.0005 of the exact value from there on.
fn t_quantile_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
        2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739,
        2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ];
    if (1..=30).contains(&df) {
        return TABLE[df - 1];
    }
    let z = 1.959_964;
    let v = df.max(1) as f64;
    let z3 = z * z * z;
    let z5 = z3 * z * z;
    let z7 = z5 * z * z;
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(values: &[(f64, f64)]) -> Vec<Pair> {
        values
            .iter()
            .map(|(b, f)| Pair {
                baseline: *b,
                follow_up: *f,
            })
            .collect()
    }

    #[test]
    fn the_mean_change_its_interval_and_effect_size_match_a_hand_computation() {
        // Changes 1..5: mean 3, sd 1.5811, se 0.7071, t(4) = 2.7764.
        let p = pairs(&[
            (10.0, 11.0),
            (12.0, 14.0),
            (14.0, 17.0),
            (16.0, 20.0),
            (18.0, 23.0),
        ]);
        let c = cohort_change(&p, true, None).unwrap();
        assert_eq!(c.people, 5);
        assert!((c.mean_change - 3.0).abs() < 1e-12);
        let (lo, hi) = c.ci95.unwrap();
        assert!((lo - 1.0368).abs() < 1e-3, "{lo}");
        assert!((hi - 4.9632).abs() < 1e-3, "{hi}");
        // Baseline sd = 3.1623: d = 3 / 3.1623.
        assert!((c.effect_size.unwrap() - 0.9487).abs() < 1e-3);
        assert_eq!((c.improved, c.unchanged, c.worse), (5, 0, 0));
    }

    #[test]
    fn lower_is_better_and_a_threshold_decide_who_improved() {
        // Loneliness: lower is better; a change of at least 1 counts.
        let p = pairs(&[(8.0, 5.0), (6.0, 6.0), (5.0, 7.0), (7.0, 6.5)]);
        let c = cohort_change(&p, false, Some(1.0)).unwrap();
        assert_eq!((c.improved, c.unchanged, c.worse), (1, 2, 1));
        let any = cohort_change(&p, false, None).unwrap();
        assert_eq!((any.improved, any.unchanged, any.worse), (2, 1, 1));
    }

    #[test]
    fn one_person_has_no_interval_and_no_one_has_nothing() {
        let c = cohort_change(&pairs(&[(10.0, 12.0)]), true, None).unwrap();
        assert_eq!(c.ci95, None);
        assert_eq!(c.effect_size, None);
        assert_eq!(cohort_change(&[], true, None), None);
    }

    #[test]
    fn t_quantiles_are_close_to_the_exact_values() {
        // Exact values: t(0.975; 31) = 2.0395, 60 → 2.0003, 120 → 1.9799.
        for (df, exact) in [(31, 2.0395), (60, 2.0003), (120, 1.9799), (1000, 1.9623)] {
            assert!(
                (t_quantile_975(df) - exact).abs() < 5e-4,
                "{df}: {}",
                t_quantile_975(df)
            );
        }
        assert_eq!(t_quantile_975(4), 2.7764);
    }
}
