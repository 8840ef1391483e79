//! Who is and is not being reached: people referred per 1,000 registered
//! patients by deprivation quintile, age band and sex, each group's rate
//! against everyone else's with its 95% interval, so under-reached groups
//! stand out; and people referred by ethnic group, for which no registered
//! population is published by practice.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use linkwork_domain::ethnicity::ETHNIC_CATEGORIES;
use linkwork_domain::person::Sex;
use linkwork_domain::report::{Suppression, rate_ratio};
use linkwork_storage::{PeopleGroups, RegisteredGroups};

use super::dashboard::PARTITION;
use super::groups::{
    AREA_NOT_KNOWN, PUBLISHED_SEXES, SEX_OTHER, age_band, age_band_label, ethnic_group, quintile,
    quintile_label,
};
use super::table::{Cell, ChartKind, ReportTable};

const COLUMNS: [&str; 8] = [
    "Group",
    "Referred per 1,000 registered",
    "People referred",
    "Registered patients",
    "Rate ratio",
    "95% interval, low",
    "95% interval, high",
    "Compared with everyone else",
];

const HOW: &str = "People referred: each person with a referral received in the period, in \
     the chosen network (or every network you can see) and practice, who is registered with a \
     GP practice, counted once. Registered patients: the registered population last imported \
     for the same practices. The rate ratio compares the group's rate with everyone else's \
     (all the other groups together); its 95% interval is taken on the log scale (Katz). A group \
     is “Lower” or “Higher” only when the whole interval is below or above 1.";

/// Rows of `(group, people referred, registered patients)`, then rows of
/// people with no denominator (not known).
fn rate_table(
    s: Suppression,
    id: &'static str,
    title: &'static str,
    how_counted: String,
    groups: Vec<(String, u64, u64)>,
    unknown: Vec<(String, u64)>,
) -> ReportTable {
    let all_people: u64 = groups.iter().map(|g| g.1).sum();
    let all_registered: u64 = groups.iter().map(|g| g.2).sum();
    let mut rows: Vec<Vec<Cell>> = groups
        .iter()
        .map(|(label, people, registered)| {
            let shown = |v: Option<f64>, decimals| Cell::Figure(s.figure(v, *people), decimals);
            let rate = (*registered > 0).then(|| 1000.0 * *people as f64 / *registered as f64);
            let rr = rate_ratio(
                *people,
                *registered,
                all_people - people,
                all_registered - registered,
            );
            vec![
                Cell::Text(label.clone()),
                shown(rate, 2),
                Cell::Count(s.count(*people)),
                Cell::Count(s.count(*registered)),
                shown(rr.map(|r| r.ratio), 2),
                shown(rr.map(|r| r.low), 2),
                shown(rr.map(|r| r.high), 2),
                Cell::Text(match rr {
                    Some(_) if *people < s.below => "Too few to compare".to_owned(),
                    Some(r) => r.verdict().to_owned(),
                    None => "Cannot be compared".to_owned(),
                }),
            ]
        })
        .collect();
    for (label, people) in unknown {
        let none = || Cell::Text("not applicable".to_owned());
        rows.push(vec![
            Cell::Text(label),
            none(),
            Cell::Count(s.count(people)),
            none(),
            none(),
            none(),
            none(),
            none(),
        ]);
    }
    // Each grouping of the same people adds up to the same total, so a
    // lone small group would give itself away; its rate and ratio would
    // too.
    ReportTable {
        id,
        title,
        how_counted: format!("{how_counted} {HOW} {PARTITION}"),
        columns: COLUMNS.to_vec(),
        rows,
        chart: Some(ChartKind::Bar),
    }
    .protect_partition(2, &[1, 4, 5, 6, 7])
}

pub(super) fn tables(
    s: Suppression,
    people: &PeopleGroups,
    registered: &RegisteredGroups,
    period_end: NaiveDate,
) -> Vec<ReportTable> {
    vec![
        by_deprivation(s, people, registered),
        by_age(s, people, registered, period_end),
        by_sex(s, people, registered),
        by_ethnicity(s, people),
    ]
}

fn by_deprivation(
    s: Suppression,
    people: &PeopleGroups,
    registered: &RegisteredGroups,
) -> ReportTable {
    let mut groups: BTreeMap<u8, (u64, u64)> = (1..=5).map(|q| (q, (0, 0))).collect();
    let mut unknown = 0;
    for (decile, n) in &people.by_decile {
        match decile {
            Some(d) => groups.entry(quintile(*d)).or_default().0 += n,
            None => unknown += n,
        }
    }
    for (decile, n) in &registered.by_decile {
        groups.entry(quintile(*decile)).or_default().1 += n;
    }
    rate_table(
        s,
        "rates-by-deprivation",
        "Referral rates by deprivation quintile",
        "Quintiles of the Index of Multiple Deprivation (1 = the most deprived fifth of areas in \
         England): a person's from the LSOA of their postcode when referred; registered patients' \
         from the LSOA they live in, in the registered population by LSOA, with the deprivation \
         file last imported. Use the edition matching the files (LSOAs of 2011: IoD2019; 2021: \
         IoD2025)."
            .to_owned(),
        groups
            .into_iter()
            .map(|(q, (p, r))| (quintile_label(q), p, r))
            .collect(),
        vec![(AREA_NOT_KNOWN.to_owned(), unknown)],
    )
}

fn by_age(
    s: Suppression,
    people: &PeopleGroups,
    registered: &RegisteredGroups,
    period_end: NaiveDate,
) -> ReportTable {
    let mut groups: BTreeMap<u32, (u64, u64)> = (0..=4).map(|b| (b, (0, 0))).collect();
    for (born, n) in &people.by_birth_date {
        let age = period_end.years_since(*born).unwrap_or(0);
        groups.entry(age_band(age)).or_default().0 += n;
    }
    for (_, from, n) in &registered.by_sex_age {
        groups.entry(age_band(u32::from(*from))).or_default().1 += n;
    }
    rate_table(
        s,
        "rates-by-age",
        "Referral rates by age",
        "Age on the last day of the period, from the date of birth; registered patients' from the \
         registered population by five-year age band, at its extract date."
            .to_owned(),
        groups
            .into_iter()
            .map(|(b, (p, r))| (age_band_label(b), p, r))
            .collect(),
        Vec::new(),
    )
}

fn by_sex(s: Suppression, people: &PeopleGroups, registered: &RegisteredGroups) -> ReportTable {
    let published = PUBLISHED_SEXES;
    let referred = |sex: Sex| {
        people
            .by_sex
            .iter()
            .filter(|(s, _)| *s == Some(sex))
            .map(|(_, n)| n)
            .sum::<u64>()
    };
    let other: u64 = people
        .by_sex
        .iter()
        .filter(|(s, _)| !s.is_some_and(|s| published.contains(&s)))
        .map(|(_, n)| n)
        .sum();
    let groups = published
        .iter()
        .map(|sex| {
            let r = registered
                .by_sex_age
                .iter()
                .filter(|(s, _, _)| s == sex)
                .map(|(_, _, n)| n)
                .sum();
            (sex.label().to_owned(), referred(*sex), r)
        })
        .collect();
    rate_table(
        s,
        "rates-by-sex",
        "Referral rates by sex",
        "Sex as recorded on the person's record; registered patients' from the registered \
         population by sex and age band, which gives female and male only."
            .to_owned(),
        groups,
        vec![(SEX_OTHER.to_owned(), other)],
    )
}

fn by_ethnicity(s: Suppression, people: &PeopleGroups) -> ReportTable {
    let mut groups: Vec<(&str, u64)> = Vec::new();
    for (_, group, _) in ETHNIC_CATEGORIES {
        if !groups.iter().any(|(g, _)| g == group) {
            groups.push((group, 0));
        }
    }
    for (code, n) in &people.by_ethnicity {
        let group = ethnic_group(code.as_deref());
        if let Some(entry) = groups.iter_mut().find(|(g, _)| *g == group) {
            entry.1 += n;
        }
    }
    let total: u64 = groups.iter().map(|(_, n)| n).sum();
    ReportTable {
        id: "people-by-ethnicity",
        title: "People referred by ethnic group",
        how_counted: "People referred in the period who are registered with a GP practice, \
             counted once, by the broad group of the NHS ethnic category on their record. NHS \
             England does not publish practices' registered patients by ethnic group, so there is \
             no rate here: compare the shares with the area's census figures."
            .to_owned()
            + " "
            + PARTITION,
        columns: vec![
            "Ethnic group",
            "People referred",
            "Share of people referred (%)",
        ],
        rows: groups
            .into_iter()
            .map(|(group, n)| {
                vec![
                    Cell::Text(group.to_owned()),
                    Cell::Count(s.count(n)),
                    Cell::Figure(s.percent(n, total), 1),
                ]
            })
            .collect(),
        chart: Some(ChartKind::Bar),
    }
    .protect_partition(1, &[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_groups_rate_is_against_everyone_elses() {
        let people = PeopleGroups {
            by_decile: vec![(Some(1), 40), (Some(2), 20), (Some(9), 10), (None, 3)],
            ..Default::default()
        };
        let registered = RegisteredGroups {
            by_decile: vec![(1, 2_000), (2, 2_000), (9, 4_000)],
            by_sex_age: Vec::new(),
        };
        let table = by_deprivation(Suppression::default(), &people, &registered);
        let row = |label: &str| {
            table
                .rows
                .iter()
                .find(|r| r[0].to_string() == label)
                .unwrap()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        // Quintile 1: 60 of 4,000 (15 per 1,000) against 10 of 4,000.
        let most = row("1 (most deprived)");
        assert_eq!(most[1..4], ["15.00", "60", "4000"]);
        assert_eq!(most[4], "6.00");
        assert_eq!(most[7], "Higher");
        let least = row("5 (least deprived)");
        assert_eq!(least[2], "10");
        assert_eq!(least[7], "Lower");
        // Quintile 2 has no one: suppressed, and no ratio.
        assert_eq!(row("2")[2], "fewer than 5");
        assert_eq!(row("2")[7], "Cannot be compared");
        assert_eq!(row("Area not known")[2], "fewer than 5");
    }
}
