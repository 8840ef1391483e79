//! Rules for published figures: small numbers are suppressed, as NHS
//! statistics do, so no one can be recognised from a count; percentiles
//! are taken by the nearest-rank method, which any reader can redo by
//! hand from the counts.

use std::fmt;

/// Counts below `below` are never shown: a page or file says "fewer than
/// 5" instead. Zero is suppressed too, so a blank-looking cell never tells
/// a reader which suppressed cells are empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suppression {
    pub below: u64,
}

/// A count as it may be published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Count(u64),
    /// Fewer than this many (the suppression threshold).
    FewerThan(u64),
    /// Not small, but not shown either: with it and a published total, a
    /// suppressed count could be worked out (see `protect_partition`).
    Withheld,
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Count(n) => write!(f, "{n}"),
            Shown::FewerThan(n) => write!(f, "fewer than {n}"),
            Shown::Withheld => f.write_str("withheld to protect a small number"),
        }
    }
}

/// Secondary suppression, as NHS statistics do it, for counts that add up
/// to a total published elsewhere (referrals by route add up to the
/// referrals received): with exactly one of them suppressed, the total
/// minus the rest would give it back, so the smallest count still shown
/// is withheld too. With two or more suppressed, only their sum can be
/// worked out, and that is not one person's group.
pub fn protect_partition(cells: &mut [Shown]) {
    let suppressed = cells
        .iter()
        .filter(|c| matches!(c, Shown::FewerThan(_)))
        .count();
    if suppressed != 1 {
        return;
    }
    if let Some(smallest) = cells
        .iter_mut()
        .filter(|c| matches!(c, Shown::Count(_)))
        .min_by_key(|c| c.value())
    {
        *smallest = Shown::Withheld;
    }
}

impl Shown {
    /// The number, when it may be shown (for drawing a chart).
    pub fn value(self) -> Option<u64> {
        match self {
            Shown::Count(n) => Some(n),
            Shown::FewerThan(_) | Shown::Withheld => None,
        }
    }
}

/// A figure derived from counts (a percentage, a median) as it may be
/// published.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShownFigure {
    Value(f64),
    /// Computed from fewer people than the threshold, so not shown.
    FewerThan(u64),
    /// Nothing to compute it from (no one in the denominator).
    None,
}

impl ShownFigure {
    pub fn value(self) -> Option<f64> {
        match self {
            ShownFigure::Value(v) => Some(v),
            _ => None,
        }
    }

    /// As a page or file shows it, with `decimals` places.
    pub fn display(self, decimals: usize) -> String {
        match self {
            ShownFigure::Value(v) => format!("{v:.decimals$}"),
            ShownFigure::FewerThan(n) => format!("fewer than {n}"),
            ShownFigure::None => "none".to_owned(),
        }
    }
}

impl Default for Suppression {
    fn default() -> Self {
        Suppression { below: 5 }
    }
}

impl Suppression {
    pub fn count(self, n: u64) -> Shown {
        if n < self.below {
            Shown::FewerThan(self.below)
        } else {
            Shown::Count(n)
        }
    }

    /// `part` of `whole` as a percentage. Suppressed when either count is:
    /// a percentage of a shown total would give the hidden part back.
    pub fn percent(self, part: u64, whole: u64) -> ShownFigure {
        if whole == 0 {
            ShownFigure::None
        } else if part < self.below || whole < self.below {
            ShownFigure::FewerThan(self.below)
        } else {
            ShownFigure::Value(100.0 * part as f64 / whole as f64)
        }
    }

    /// A figure computed from `people`: shown only when they are not
    /// fewer than the threshold.
    pub fn figure(self, value: Option<f64>, people: u64) -> ShownFigure {
        match value {
            None => ShownFigure::None,
            Some(_) if people < self.below => ShownFigure::FewerThan(self.below),
            Some(v) => ShownFigure::Value(v),
        }
    }
}

/// The `p`th percentile (0 < p ≤ 100) of values given as `(value, how
/// many)`: the smallest value with at least `p`% of the whole at or below
/// it (the nearest-rank method). `None` when there are no values.
pub fn percentile(counts: &[(u32, u64)], p: f64) -> Option<u32> {
    let mut sorted: Vec<(u32, u64)> = counts.iter().copied().filter(|(_, n)| *n > 0).collect();
    sorted.sort_unstable();
    let total: u64 = sorted.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let rank = ((p / 100.0) * total as f64).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (value, n) in sorted {
        seen += n;
        if seen >= rank {
            return Some(value);
        }
    }
    None
}

/// A group's rate against everyone else's, with its 95% confidence
/// interval: `a` of `n1` in the group, `c` of `n2` in the rest. The
/// interval is the usual one on the log scale (Katz):
/// ln RR ± 1.96 × √(1/a − 1/n1 + 1/c − 1/n2). `None` when either rate is
/// zero or has no denominator, where no ratio can be taken.
pub fn rate_ratio(a: u64, n1: u64, c: u64, n2: u64) -> Option<RateRatio> {
    if a == 0 || c == 0 || a > n1 || c > n2 {
        return None;
    }
    let (a, n1, c, n2) = (a as f64, n1 as f64, c as f64, n2 as f64);
    let ratio = (a / n1) / (c / n2);
    let se = (1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2).max(0.0).sqrt();
    Some(RateRatio {
        ratio,
        low: (ratio.ln() - 1.96 * se).exp(),
        high: (ratio.ln() + 1.96 * se).exp(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateRatio {
    pub ratio: f64,
    pub low: f64,
    pub high: f64,
}

impl RateRatio {
    /// In words: lower or higher than everyone else's when the whole
    /// interval is, else no clear difference.
    pub fn verdict(self) -> &'static str {
        if self.high < 1.0 {
            "Lower"
        } else if self.low > 1.0 {
            "Higher"
        } else {
            "No clear difference"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_suppressed_count_takes_the_next_smallest_with_it() {
        let s = Suppression::default();
        let mut cells: Vec<Shown> = [40, 3, 12, 9].map(|n| s.count(n)).to_vec();
        protect_partition(&mut cells);
        assert_eq!(
            cells,
            [
                Shown::Count(40),
                Shown::FewerThan(5),
                Shown::Count(12),
                Shown::Withheld
            ]
        );
        assert_eq!(cells[3].to_string(), "withheld to protect a small number");
        // Two suppressed: only their sum can be worked out.
        let mut two: Vec<Shown> = [40, 3, 2, 9].map(|n| s.count(n)).to_vec();
        protect_partition(&mut two);
        assert_eq!(two[3], Shown::Count(9));
        // None suppressed: nothing to protect.
        let mut none: Vec<Shown> = [40, 30].map(|n| s.count(n)).to_vec();
        protect_partition(&mut none);
        assert_eq!(none, [Shown::Count(40), Shown::Count(30)]);
    }

    #[test]
    fn small_counts_and_the_rates_made_from_them_are_hidden() {
        let s = Suppression::default();
        assert_eq!(s.count(0).to_string(), "fewer than 5");
        assert_eq!(s.count(4).to_string(), "fewer than 5");
        assert_eq!(s.count(5).to_string(), "5");
        assert_eq!(s.percent(4, 100), ShownFigure::FewerThan(5));
        assert_eq!(s.percent(50, 4), ShownFigure::FewerThan(5));
        assert_eq!(s.percent(0, 0), ShownFigure::None);
        assert_eq!(s.percent(25, 100).display(1), "25.0");
        assert_eq!(s.figure(Some(3.0), 4).display(0), "fewer than 5");
        let strict = Suppression { below: 10 };
        assert_eq!(strict.count(9).to_string(), "fewer than 10");
    }

    #[test]
    fn rate_ratios_have_a_log_scale_interval() {
        // 20 of 1,000 against 40 of 4,000: twice the rate.
        let rr = rate_ratio(20, 1_000, 40, 4_000).unwrap();
        assert!((rr.ratio - 2.0).abs() < 1e-9);
        let se: f64 = (1.0 / 20.0 - 1.0 / 1_000.0 + 1.0 / 40.0 - 1.0 / 4_000.0_f64).sqrt();
        assert!((rr.low - (2.0_f64.ln() - 1.96 * se).exp()).abs() < 1e-9);
        assert!(
            (rr.low - 1.17).abs() < 0.01 && (rr.high - 3.41).abs() < 0.01,
            "{rr:?}"
        );
        assert_eq!(rr.verdict(), "Higher");
        assert_eq!(
            rate_ratio(5, 1_000, 40, 4_000).unwrap().verdict(),
            "No clear difference"
        );
        assert_eq!(rate_ratio(2, 1_000, 80, 4_000).unwrap().verdict(), "Lower");
        assert_eq!(rate_ratio(0, 1_000, 40, 4_000), None);
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        // 1, 2, 2, 3, 10
        let counts = [(2, 2), (10, 1), (1, 1), (3, 1)];
        assert_eq!(percentile(&counts, 50.0), Some(2));
        assert_eq!(percentile(&counts, 90.0), Some(10));
        assert_eq!(percentile(&counts, 20.0), Some(1));
        assert_eq!(percentile(&[(4, 2), (6, 2)], 50.0), Some(4));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
