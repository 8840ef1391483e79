//! Importing the registered population and deprivation files as they are
//! published: NHS England's "Patients Registered at a GP Practice"
//! (`gp-reg-pat-prac-lsoa-all.csv`, `gp-reg-pat-prac-quin-age.csv`) and
//! the English Indices of Deprivation's LSOA file (IoD2019 or IoD2025).
//! Headers have changed between releases (`CCG_CODE` became
//! `SUB_ICB_LOCATION_CODE`, `NUMBER_OF_PATIENTS` is sometimes
//! `Number of Patients`), so columns are found by name, and only the ones
//! needed are required. A population is a denominator: a file with any
//! bad row is refused whole, naming the rows, rather than loaded in part.

use std::collections::BTreeMap;
use std::io::Read;

use linkwork_domain::audit::{Actor, AuditAction, NewAuditEvent};
use linkwork_domain::person::Sex;
use linkwork_domain::postcode::ImdEdition;
use linkwork_domain::time::now;
use linkwork_storage::{LsoaDeprivation, RegisteredAgeSex, RegisteredLsoa, RegisteredPopulation};

use crate::App;
use crate::error::{AppError, AppResult};

/// Bad rows named in a refusal; the count says how many more there were.
const SHOWN_PROBLEMS: usize = 10;

/// What an import loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationImportSummary {
    /// What the file was, in words.
    pub kind: &'static str,
    pub rows: u64,
    pub practices: usize,
    pub patients: u64,
}

/// A header as compared: upper case, spaces as underscores.
fn normal(header: &str) -> String {
    header.trim().to_ascii_uppercase().replace([' ', '-'], "_")
}

fn find(headers: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|name| headers.iter().position(|h| h == name))
}

struct Table {
    headers: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
}

fn read_table(source: impl Read, name: &str) -> AppResult<Table> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(source);
    let unreadable = |e: csv::Error| AppError::Import(format!("{name} could not be read: {e}"));
    let headers = reader
        .headers()
        .map_err(unreadable)?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    let mut rows = Vec::new();
    for (i, row) in reader.records().enumerate() {
        rows.push((i as u64 + 2, row.map_err(unreadable)?));
    }
    Ok(Table { headers, rows })
}

/// Refuses the file when any row was bad, naming the first few.
fn refuse_if_any(name: &str, problems: Vec<String>) -> AppResult<()> {
    if problems.is_empty() {
        return Ok(());
    }
    let more = problems.len().saturating_sub(SHOWN_PROBLEMS);
    let mut message = format!(
        "{name} was not imported: {} {} wrong:\n  {}",
        problems.len(),
        if problems.len() == 1 {
            "row is"
        } else {
            "rows are"
        },
        problems[..problems.len().min(SHOWN_PROBLEMS)].join("\n  ")
    );
    if more > 0 {
        message.push_str(&format!("\n  and {more} more"));
    }
    Err(AppError::Import(message))
}

fn patients(raw: &str) -> Result<u64, String> {
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n <= u64::from(i32::MAX as u32))
        .ok_or_else(|| format!("the number of patients {raw:?} is not a whole number"))
}

/// `0_4` … `90_94`, `95+` (also `95_AND_OVER`): the band's first year.
fn age_band(raw: &str) -> Option<u8> {
    let digits: String = raw
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let from: u8 = digits.parse().ok()?;
    (from.is_multiple_of(5) && from <= 95 && raw.trim().len() > digits.len()).then_some(from)
}

fn sex(raw: &str) -> Option<Sex> {
    match raw.trim().to_ascii_uppercase().as_str() {
        "FEMALE" | "F" => Some(Sex::Female),
        "MALE" | "M" => Some(Sex::Male),
        _ => None,
    }
}

/// The registered population in a published file, by LSOA or by sex and
/// age band, whichever the file is.
fn parse_population(table: &Table, name: &str) -> AppResult<RegisteredPopulation> {
    let headers: Vec<String> = table.headers.iter().map(|h| normal(h)).collect();
    let practice = find(&headers, &["PRACTICE_CODE", "ORG_CODE"]);
    let number = find(&headers, &["NUMBER_OF_PATIENTS", "PATIENTS"]);
    let sex_column = find(&headers, &["SEX"]);
    let lsoa = find(&headers, &["LSOA_CODE", "LSOA_2011_CODE", "LSOA_2021_CODE"]);
    let age = find(&headers, &["AGE_GROUP_5", "AGE_GROUP"]);
    let (Some(practice), Some(number)) = (practice, number) else {
        return Err(AppError::Import(format!(
            "{name} is not a registered population file: it needs a practice column \
             (PRACTICE_CODE or ORG_CODE) and NUMBER_OF_PATIENTS"
        )));
    };
    let field =
        |row: &csv::StringRecord, i: usize| row.get(i).unwrap_or_default().trim().to_owned();
    let mut problems = Vec::new();
    if let Some(lsoa) = lsoa {
        // The LSOA file gives each practice and LSOA once with SEX "ALL";
        // a file split by sex is added up.
        let all_only = sex_column.is_some_and(|s| {
            table
                .rows
                .iter()
                .any(|(_, row)| field(row, s).eq_ignore_ascii_case("ALL"))
        });
        let mut totals: BTreeMap<(String, String), u64> = BTreeMap::new();
        for (line, row) in &table.rows {
            if all_only && !sex_column.is_some_and(|s| field(row, s).eq_ignore_ascii_case("ALL")) {
                continue;
            }
            let (code, area) = (field(row, practice), field(row, lsoa));
            if code.is_empty() || area.is_empty() {
                problems.push(format!("line {line}: no practice code or LSOA code"));
                continue;
            }
            match patients(&field(row, number)) {
                Ok(n) => *totals.entry((code, area)).or_default() += n,
                Err(e) => problems.push(format!("line {line}: {e}")),
            }
        }
        refuse_if_any(name, problems)?;
        return Ok(RegisteredPopulation::ByLsoa(
            totals
                .into_iter()
                .map(|((practice_code, lsoa), patients)| RegisteredLsoa {
                    practice_code,
                    lsoa,
                    patients,
                })
                .collect(),
        ));
    }
    let (Some(age), Some(sex_column)) = (age, sex_column) else {
        return Err(AppError::Import(format!(
            "{name} is not a registered population file: it needs LSOA_CODE (the LSOA file) \
             or SEX and AGE_GROUP_5 (the five-year age band file)"
        )));
    };
    let kind = find(&headers, &["TYPE", "ORG_TYPE"]);
    let mut totals: BTreeMap<(String, &'static str, u8), (Sex, u64)> = BTreeMap::new();
    for (line, row) in &table.rows {
        // Some releases add up practices into commissioners' rows, and
        // every release gives "ALL" totals: neither is a practice's band.
        if kind.is_some_and(|k| !field(row, k).eq_ignore_ascii_case("GP")) {
            continue;
        }
        let (raw_sex, raw_age) = (field(row, sex_column), field(row, age));
        if raw_sex.eq_ignore_ascii_case("ALL") || raw_age.eq_ignore_ascii_case("ALL") {
            continue;
        }
        let code = field(row, practice);
        let parsed = (|| {
            if code.is_empty() {
                return Err("no practice code".to_owned());
            }
            let sex =
                sex(&raw_sex).ok_or_else(|| format!("sex {raw_sex:?} is not MALE or FEMALE"))?;
            let from = age_band(&raw_age)
                .ok_or_else(|| format!("age band {raw_age:?} is not like 0_4, 5_9 … 95+"))?;
            Ok((sex, from, patients(&field(row, number))?))
        })();
        match parsed {
            Ok((sex, from, n)) => totals.entry((code, sex.code(), from)).or_insert((sex, 0)).1 += n,
            Err(e) => problems.push(format!("line {line}: {e}")),
        }
    }
    refuse_if_any(name, problems)?;
    Ok(RegisteredPopulation::ByAgeSex(
        totals
            .into_iter()
            .map(
                |((practice_code, _, age_from), (sex, patients))| RegisteredAgeSex {
                    practice_code,
                    sex,
                    age_from,
                    patients,
                },
            )
            .collect(),
    ))
}

/// Each LSOA's IMD rank and decile in an IoD LSOA file; the edition is
/// told by the LSOA column's year (2011 codes: IoD2019; 2021: IoD2025).
fn parse_deprivation(table: &Table, name: &str) -> AppResult<Vec<LsoaDeprivation>> {
    let lower: Vec<String> = table
        .headers
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let starting = |prefix: &str| lower.iter().position(|h| h.starts_with(prefix));
    let lsoa = starting("lsoa code");
    let rank = starting("index of multiple deprivation (imd) rank");
    let decile = starting("index of multiple deprivation (imd) decile");
    let (Some(lsoa), Some(rank)) = (lsoa, rank) else {
        return Err(AppError::Import(format!(
            "{name} is not an English Indices of Deprivation LSOA file: it needs \"LSOA code (2011)\" \
             or \"LSOA code (2021)\" and \"Index of Multiple Deprivation (IMD) Rank …\" columns"
        )));
    };
    let edition = if lower[lsoa].contains("2011") {
        ImdEdition::Iod2019
    } else if lower[lsoa].contains("2021") {
        ImdEdition::Iod2025
    } else {
        return Err(AppError::Import(format!(
            "{name}: the column {:?} does not say whether its LSOAs are 2011's (IoD2019) or 2021's (IoD2025)",
            table.headers[lsoa]
        )));
    };
    let mut problems = Vec::new();
    let mut rows = BTreeMap::new();
    for (line, row) in &table.rows {
        let field = |i: usize| row.get(i).unwrap_or_default().trim();
        let code = field(lsoa);
        let parsed = (|| {
            if code.is_empty() {
                return Err("no LSOA code".to_owned());
            }
            let raw = field(rank);
            let r: u32 = raw
                .parse()
                .map_err(|_| format!("IMD rank {raw:?} is not a whole number"))?;
            let expected = edition.decile(r).ok_or_else(|| {
                format!(
                    "IMD rank {r} is outside 1–{} for this edition",
                    edition.lsoa_count()
                )
            })?;
            if let Some(d) = decile.map(field)
                && d != expected.to_string()
            {
                return Err(format!("IMD decile {d:?} is not rank {r}'s ({expected})"));
            }
            Ok((r, expected))
        })();
        match parsed {
            Ok((rank, decile)) => {
                rows.insert(
                    code.to_owned(),
                    LsoaDeprivation {
                        lsoa: code.to_owned(),
                        edition,
                        rank,
                        decile,
                    },
                );
            }
            Err(e) => problems.push(format!("line {line}: {e}")),
        }
    }
    refuse_if_any(name, problems)?;
    Ok(rows.into_values().collect())
}

impl App {
    /// Imports a registered population file, replacing the population of
    /// its kind (by LSOA, or by sex and age band).
    pub async fn import_registered_population(
        &self,
        source: impl Read + Send,
        name: &str,
    ) -> AppResult<PopulationImportSummary> {
        let population = parse_population(&read_table(source, name)?, name)?;
        let (kind, practices, patients, rows) = match &population {
            RegisteredPopulation::ByLsoa(rows) => (
                "registered patients by practice and LSOA",
                rows.iter()
                    .map(|r| &r.practice_code)
                    .collect::<std::collections::BTreeSet<_>>()
                    .len(),
                rows.iter().map(|r| r.patients).sum(),
                rows.len(),
            ),
            RegisteredPopulation::ByAgeSex(rows) => (
                "registered patients by practice, sex and five-year age band",
                rows.iter()
                    .map(|r| &r.practice_code)
                    .collect::<std::collections::BTreeSet<_>>()
                    .len(),
                rows.iter().map(|r| r.patients).sum(),
                rows.len(),
            ),
        };
        let audit = NewAuditEvent::new(Actor::Cli, AuditAction::PopulationImport, now()).detail(
            format!("Imported {name}: {kind}, {practices} practices, {patients} patients"),
        );
        self.store
            .replace_registered_population(&population, &audit)
            .await?;
        Ok(PopulationImportSummary {
            kind,
            rows: rows as u64,
            practices,
            patients,
        })
    }

    /// Imports an English Indices of Deprivation LSOA file, replacing every
    /// LSOA's rank and decile. Returns how many LSOAs and the edition.
    pub async fn import_deprivation(
        &self,
        source: impl Read + Send,
        name: &str,
    ) -> AppResult<(u64, ImdEdition)> {
        let rows = parse_deprivation(&read_table(source, name)?, name)?;
        let edition = rows.first().map_or(ImdEdition::Iod2019, |r| r.edition);
        let audit = NewAuditEvent::new(Actor::Cli, AuditAction::PopulationImport, now()).detail(
            format!("Imported {name}: deprivation of {} LSOAs", rows.len()),
        );
        let written = self.store.replace_deprivation(&rows, &audit).await?;
        Ok((written, edition))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        read_table(text.as_bytes(), "test.csv").unwrap()
    }

    #[test]
    fn the_lsoa_file_is_read_by_header_name() {
        let file = "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\n\
            GP_PRAC_PAT_LIST,01NOV2026,Y00001,MEADOW LANE,E01090101,ALL,120\n\
            GP_PRAC_PAT_LIST,01NOV2026,Y00001,MEADOW LANE,CLOSED,ALL,3\n\
            GP_PRAC_PAT_LIST,01NOV2026,Y00002,CANAL STREET,E01090101,ALL,7\n";
        let RegisteredPopulation::ByLsoa(rows) = parse_population(&table(file), "f").unwrap()
        else {
            panic!("an LSOA file");
        };
        assert_eq!(rows.len(), 3);
        assert_eq!(rows.iter().map(|r| r.patients).sum::<u64>(), 130);
        // An older release, with spaces in its headers and split by sex.
        let old = "Practice Code,LSOA Code,Sex,Number of Patients\nY00001,E01090101,MALE,60\nY00001,E01090101,FEMALE,61\n";
        let RegisteredPopulation::ByLsoa(rows) = parse_population(&table(old), "f").unwrap() else {
            panic!("an LSOA file");
        };
        assert_eq!(
            rows,
            vec![RegisteredLsoa {
                practice_code: "Y00001".into(),
                lsoa: "E01090101".into(),
                patients: 121
            }]
        );
    }

    #[test]
    fn the_age_file_is_read_in_both_eras_and_totals_are_skipped() {
        for commissioner in ["CCG_CODE", "SUB_ICB_LOCATION_CODE"] {
            let file = format!(
                "PUBLICATION,EXTRACT_DATE,TYPE,{commissioner},ONS_CODE,ORG_CODE,POSTCODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS\n\
                 GP_PRAC_PAT_LIST,01NOV2026,GP,99X,E38000099,Y00001,RV1 1AA,FEMALE,0_4,10\n\
                 GP_PRAC_PAT_LIST,01NOV2026,GP,99X,E38000099,Y00001,RV1 1AA,MALE,95+,2\n\
                 GP_PRAC_PAT_LIST,01NOV2026,GP,99X,E38000099,Y00001,RV1 1AA,ALL,ALL,12\n"
            );
            let RegisteredPopulation::ByAgeSex(rows) =
                parse_population(&table(&file), "f").unwrap()
            else {
                panic!("an age file");
            };
            assert_eq!(rows.len(), 2, "{commissioner}");
            assert_eq!(
                (rows[1].sex, rows[1].age_from, rows[1].patients),
                (Sex::Male, 95, 2)
            );
        }
    }

    #[test]
    fn a_bad_row_refuses_the_whole_file_naming_it() {
        let file = "ORG_CODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS\nY00001,FEMALE,0_4,ten\nY00001,OTHER,5_9,1\nY00001,MALE,3_7,1\n";
        let AppError::Import(message) = parse_population(&table(file), "quin.csv").unwrap_err()
        else {
            panic!("an import error");
        };
        assert!(
            message.contains("quin.csv was not imported: 3 rows are wrong"),
            "{message}"
        );
        assert!(message.contains("line 2: the number of patients \"ten\""));
        assert!(message.contains("line 3: sex \"OTHER\""));
        assert!(message.contains("line 4: age band \"3_7\""));
        assert!(parse_population(&table("A,B\n1,2\n"), "x.csv").is_err());
    }

    #[test]
    fn deprivation_files_say_their_edition_by_their_lsoa_year() {
        let iod2019 = "LSOA code (2011),LSOA name (2011),Index of Multiple Deprivation (IMD) Score,Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)\n\
            E01090101,Riverside 001A,55.1,120,1\nE01091204,Riverside 012D,3.2,32000,10\n";
        let rows = parse_deprivation(&table(iod2019), "f").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].edition, rows[0].rank, rows[0].decile),
            (ImdEdition::Iod2019, 120, 1)
        );
        let iod2025 = "LSOA code (2021),Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)\nE01090101,33755\n";
        let rows = parse_deprivation(&table(iod2025), "f").unwrap();
        assert_eq!((rows[0].edition, rows[0].decile), (ImdEdition::Iod2025, 10));
        let wrong = "LSOA code (2011),Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)\nE01090101,120,4\nE01090102,99999,1\n";
        let AppError::Import(message) = parse_deprivation(&table(wrong), "iod.csv").unwrap_err()
        else {
            panic!("an import error");
        };
        assert!(
            message.contains("line 2: IMD decile \"4\" is not rank 120's (1)"),
            "{message}"
        );
        assert!(message.contains("line 3: IMD rank 99999 is outside"));
    }
}
