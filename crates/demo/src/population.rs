//! The demo area's registered population and deprivation, in the formats
//! NHS England and the English Indices of Deprivation publish (so the demo
//! loads them with the same importers real deployments use): patients by
//! practice and LSOA (`gp-reg-pat-prac-lsoa-all.csv`), by practice, sex and
//! five-year age band (`gp-reg-pat-prac-quin-age.csv`, sub-ICB-era
//! headers), and each LSOA's IMD rank and decile (IoD2019's File 7
//! columns). Made by arithmetic, not chance, from the demo postcode
//! lookup's LSOAs and ranks. The generated files are committed under
//! `data/population/` (a test keeps them identical to this generator).

use std::collections::BTreeMap;
use std::fmt::Write;

use linkwork_domain::postcode::ImdEdition;

use crate::organisations::RIVERSIDE_PRACTICES;
use crate::postcodes::{DISTRICTS, RIVERSIDE_NSPL};

/// The committed files, loaded by `linkwork demo`.
pub const RIVERSIDE_LSOA: &str =
    include_str!("../../../data/population/riverside-gp-reg-pat-prac-lsoa-all.csv");
pub const RIVERSIDE_QUIN_AGE: &str =
    include_str!("../../../data/population/riverside-gp-reg-pat-prac-quin-age.csv");
pub const RIVERSIDE_IOD: &str = include_str!("../../../data/population/riverside-iod2019-lsoa.csv");

const EXTRACT: &str = "GP_PRAC_PAT_LIST,01NOV2026";

/// Patients per thousand in each five-year band from 0–4 to 95+, about
/// England's shape.
const AGE_SHAPE: [u64; 20] = [
    55, 60, 60, 57, 60, 68, 68, 68, 65, 62, 65, 68, 62, 55, 52, 45, 33, 22, 12, 5,
];

/// How a practice's patients spread over its LSOAs.
const LSOA_SHARES: [u64; 8] = [3, 5, 4, 6, 2, 5, 3, 4];

/// Each demo LSOA with its IoD2019 rank, from the postcode lookup.
fn lsoa_ranks() -> BTreeMap<String, u32> {
    RIVERSIDE_NSPL
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            Some((f.get(21)?.to_string(), f.get(33)?.parse().ok()?))
        })
        .collect()
}

/// A practice's patients by sex and band: `(female, male)` per band.
fn ages(index: usize) -> Vec<(u64, u64)> {
    let size = 7_000 + 1_300 * index as u64;
    AGE_SHAPE
        .iter()
        .map(|per_thousand| {
            let band = size * per_thousand / 1_000;
            (band * 51 / 100, band - band * 51 / 100)
        })
        .collect()
}

/// The LSOAs a practice's patients live in: those of two of its
/// network's districts.
fn practice_lsoas(index: usize, in_north: bool, all: &BTreeMap<String, u32>) -> Vec<String> {
    let first = if in_north { 1 } else { DISTRICTS / 2 + 1 };
    let within = (index % 3) as u32;
    all.keys()
        .filter(|lsoa| {
            let district: u32 = lsoa[5..7].parse().unwrap_or(0);
            (first..first + DISTRICTS / 2).contains(&district) && (district - first) % 3 == within
        })
        .cloned()
        .collect()
}

/// `gp-reg-pat-prac-quin-age.csv` for the demo practices.
pub fn quin_age() -> String {
    let mut out = String::from(
        "PUBLICATION,EXTRACT_DATE,TYPE,SUB_ICB_LOCATION_CODE,ONS_SUB_ICB_LOCATION_CODE,ORG_CODE,POSTCODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS\n",
    );
    for (i, (_, _, code)) in RIVERSIDE_PRACTICES.iter().enumerate() {
        let bands = ages(i);
        let prefix = format!("{EXTRACT},GP,99X,E38000099,{code},RV{} 1AB", i + 1);
        let total: u64 = bands.iter().map(|(f, m)| f + m).sum();
        writeln!(out, "{prefix},ALL,ALL,{total}").expect("writing to a String");
        for (sex, pick) in [("FEMALE", 0), ("MALE", 1)] {
            for (b, (female, male)) in bands.iter().enumerate() {
                let from = b * 5;
                let band = if from == 95 {
                    "95+".to_owned()
                } else {
                    format!("{from}_{}", from + 4)
                };
                let n = if pick == 0 { female } else { male };
                writeln!(out, "{prefix},{sex},{band},{n}").expect("writing to a String");
            }
        }
    }
    out
}

/// `gp-reg-pat-prac-lsoa-all.csv` for the demo practices: the same totals
/// as `quin_age`, spread over each practice's LSOAs.
pub fn lsoa_all() -> String {
    let ranks = lsoa_ranks();
    let mut out = String::from(
        "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\n",
    );
    for (i, (name, in_north, code)) in RIVERSIDE_PRACTICES.iter().enumerate() {
        let total: u64 = ages(i).iter().map(|(f, m)| f + m).sum();
        let lsoas = practice_lsoas(i, *in_north, &ranks);
        let shares: Vec<u64> = (0..lsoas.len())
            .map(|k| LSOA_SHARES[k % LSOA_SHARES.len()])
            .collect();
        let whole: u64 = shares.iter().sum();
        let mut given = 0;
        for (k, lsoa) in lsoas.iter().enumerate() {
            let n = if k + 1 == lsoas.len() {
                total - given
            } else {
                total * shares[k] / whole
            };
            given += n;
            writeln!(
                out,
                "{EXTRACT},{code},{},{lsoa},ALL,{n}",
                name.to_uppercase().replace('\'', "")
            )
            .expect("writing to a String");
        }
    }
    out
}

/// The IoD2019 LSOA file (File 7's first columns) for the demo LSOAs.
pub fn deprivation() -> String {
    let edition = ImdEdition::Iod2019;
    let mut out = String::from(
        "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),Local Authority District name (2019),\
         Index of Multiple Deprivation (IMD) Score,Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),\
         Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)\n",
    );
    for (lsoa, rank) in lsoa_ranks() {
        let score = 80.0 * (1.0 - f64::from(rank) / f64::from(edition.lsoa_count()));
        let decile = edition.decile(rank).expect("demo ranks are in range");
        writeln!(
            out,
            "{lsoa},Riverside {}{},E08000099,Riverside,{score:.3},{rank},{decile}",
            &lsoa[5..7],
            (b'A' + lsoa[7..9].parse::<u8>().unwrap_or(1) - 1) as char
        )
        .expect("writing to a String");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_files_match_the_generator() {
        let refresh = "run `cargo run -p linkwork-demo --example write-population` to refresh";
        assert_eq!(RIVERSIDE_LSOA, lsoa_all(), "{refresh}");
        assert_eq!(RIVERSIDE_QUIN_AGE, quin_age(), "{refresh}");
        assert_eq!(RIVERSIDE_IOD, deprivation(), "{refresh}");
    }

    #[test]
    fn both_population_files_give_each_practice_the_same_patients() {
        let sum = |text: &str, practice: usize, skip: &dyn Fn(&[&str]) -> bool| -> u64 {
            text.lines()
                .skip(1)
                .map(|l| l.split(',').collect::<Vec<_>>())
                .filter(|f| f.iter().any(|c| *c == RIVERSIDE_PRACTICES[practice].2) && !skip(f))
                .map(|f| f.last().unwrap().parse::<u64>().unwrap())
                .sum()
        };
        for p in 0..RIVERSIDE_PRACTICES.len() {
            let by_age = sum(&quin_age(), p, &|f| f[7] == "ALL");
            assert!(by_age > 5_000);
            assert_eq!(sum(&lsoa_all(), p, &|_| false), by_age);
        }
    }
}
