//! The measures Linkwork ships: ONS4 and UCLA-3 whole, and SWEMWBS's
//! scoring without its wording (copyright of the University of Warwick,
//! licensed to each organisation, which may not republish it).

use super::definition::{Definition, Rule, ScoreDefinition};

/// SWEMWBS raw totals (7–35) and their metric scores, from the published
/// conversion table.
pub const SWEMWBS_METRIC: [(i32, f64); 29] = [
    (7, 7.00),
    (8, 9.51),
    (9, 11.25),
    (10, 12.40),
    (11, 13.33),
    (12, 14.08),
    (13, 14.75),
    (14, 15.32),
    (15, 15.84),
    (16, 16.36),
    (17, 16.88),
    (18, 17.43),
    (19, 17.98),
    (20, 18.59),
    (21, 19.25),
    (22, 19.98),
    (23, 20.73),
    (24, 21.54),
    (25, 22.35),
    (26, 23.21),
    (27, 24.11),
    (28, 25.03),
    (29, 26.02),
    (30, 27.03),
    (31, 28.13),
    (32, 29.31),
    (33, 30.70),
    (34, 32.55),
    (35, 35.00),
];

const BUILT_IN: [(&str, &str); 2] = [
    ("ons4.toml", include_str!("../../measures/ons4.toml")),
    ("ucla3.toml", include_str!("../../measures/ucla3.toml")),
];

/// ONS4 and UCLA-3.
pub fn builtin_definitions() -> Vec<Definition> {
    BUILT_IN
        .iter()
        .map(|(file, text)| Definition::parse(file, text).expect("built-in definitions are valid"))
        .collect()
}

/// SWEMWBS's score for an organisation's definition: its seven items,
/// each answered 1 to 5, all needed, the raw total converted by the table.
pub(crate) fn swemwbs_score(definition: &Definition) -> Result<ScoreDefinition, String> {
    if definition.items.len() != 7 {
        return Err(format!(
            "SWEMWBS has 7 items; this definition has {}",
            definition.items.len()
        ));
    }
    for item in &definition.items {
        let values: Vec<i32> = definition.options(item).iter().map(|o| o.value).collect();
        if values != [1, 2, 3, 4, 5] {
            return Err(format!(
                "SWEMWBS items are answered 1 to 5; item `{}` offers {values:?}",
                item.code
            ));
        }
    }
    Ok(ScoreDefinition {
        code: "wellbeing".into(),
        label: "Mental wellbeing (SWEMWBS metric score)".into(),
        items: definition.items.iter().map(|i| i.code.clone()).collect(),
        rule: Rule::Lookup,
        reversed: Vec::new(),
        min_items: 7,
        higher_is_better: true,
        meaningful_change: None,
        table: SWEMWBS_METRIC.to_vec(),
        bands: Vec::new(),
    })
}
