//! The NHS ethnic category codes (NHS Data Dictionary "Ethnic Category",
//! based on the 2001 census groups), the codes GP records and national
//! data sets use. One table, so a code and its wording never drift apart.

/// `(code, group, description)` in the order the data dictionary lists them.
pub const ETHNIC_CATEGORIES: &[(&str, &str, &str)] = &[
    ("A", "White", "British"),
    ("B", "White", "Irish"),
    ("C", "White", "Any other White background"),
    ("D", "Mixed", "White and Black Caribbean"),
    ("E", "Mixed", "White and Black African"),
    ("F", "Mixed", "White and Asian"),
    ("G", "Mixed", "Any other mixed background"),
    ("H", "Asian or Asian British", "Indian"),
    ("J", "Asian or Asian British", "Pakistani"),
    ("K", "Asian or Asian British", "Bangladeshi"),
    ("L", "Asian or Asian British", "Any other Asian background"),
    ("M", "Black or Black British", "Caribbean"),
    ("N", "Black or Black British", "African"),
    ("P", "Black or Black British", "Any other Black background"),
    ("R", "Other ethnic groups", "Chinese"),
    ("S", "Other ethnic groups", "Any other ethnic group"),
    (
        "Z",
        "Not stated",
        "Not stated (the person chose not to say)",
    ),
    ("99", "Not known", "Not known (not asked)"),
];

/// "White: British" for code "A".
pub fn ethnicity_label(code: &str) -> Option<String> {
    ETHNIC_CATEGORIES.iter().find(|(c, _, _)| *c == code).map(
        |(_, group, description)| match *group {
            "Not stated" | "Not known" => (*description).to_owned(),
            _ => format!("{group}: {description}"),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_labelled() {
        let mut codes: Vec<_> = ETHNIC_CATEGORIES.iter().map(|(c, _, _)| *c).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), ETHNIC_CATEGORIES.len());
        assert_eq!(
            ethnicity_label("J").as_deref(),
            Some("Asian or Asian British: Pakistani")
        );
        assert_eq!(
            ethnicity_label("Z").as_deref(),
            Some("Not stated (the person chose not to say)")
        );
        assert_eq!(ethnicity_label("I"), None);
    }
}
