//! The groups inequalities are reported by, named once for the referral
//! rates and the outcomes by group: deprivation quintile, twenty-year age
//! band, sex and broad ethnic group.

use linkwork_domain::ethnicity::ETHNIC_CATEGORIES;
use linkwork_domain::person::Sex;

/// The five quintiles of the Index of Multiple Deprivation, 1 the most
/// deprived, from a decile.
pub(crate) fn quintile(decile: u8) -> u8 {
    decile.div_ceil(2)
}

pub(crate) fn quintile_label(quintile: u8) -> String {
    match quintile {
        1 => "1 (most deprived)".to_owned(),
        5 => "5 (least deprived)".to_owned(),
        q => q.to_string(),
    }
}

pub(crate) const AREA_NOT_KNOWN: &str = "Area not known";

/// Twenty-year bands from the published five-year ones: 0–19 … 80 and over.
pub(crate) fn age_band(age: u32) -> u32 {
    (age / 20).min(4)
}

pub(crate) fn age_band_label(band: u32) -> String {
    match band {
        4 => "80 and over".to_owned(),
        b => format!("{} to {}", b * 20, b * 20 + 19),
    }
}

/// The sexes the registered population is published by.
pub(crate) const PUBLISHED_SEXES: [Sex; 2] = [Sex::Female, Sex::Male];

pub(crate) const SEX_OTHER: &str = "Other or not recorded";

/// The broad group of an NHS ethnic category code, "Not known" without one.
pub(crate) fn ethnic_group(code: Option<&str>) -> &'static str {
    code.and_then(|code| {
        ETHNIC_CATEGORIES
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|(_, group, _)| *group)
    })
    .unwrap_or("Not known")
}
