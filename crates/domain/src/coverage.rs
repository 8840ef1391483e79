//! Which Primary Care Network takes referrals for which postcode
//! districts, for people whose GP practice is not known.

use crate::postcode::parse_outcode;
use crate::validation::ValidationErrors;

/// Checks and normalises a list of postcode districts ("rv1, RV2 rv3").
pub fn parse_outcodes(raw: &[String]) -> Result<Vec<String>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut outcodes = Vec::new();
    for item in raw.iter().flat_map(|r| r.split([',', ' ', '\n'])) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        match parse_outcode(item) {
            Some(outcode) if !outcodes.contains(&outcode) => outcodes.push(outcode),
            Some(_) => {}
            None => errors.add(
                "outcodes",
                format!("{item:?} is not a postcode district, like LS1 or SW1A"),
            ),
        }
    }
    errors.into_result(())?;
    sort_outcodes(&mut outcodes);
    Ok(outcodes)
}

/// Letters first, then the district number as a number: RV2 before RV10.
pub fn sort_outcodes(outcodes: &mut [String]) {
    fn key(outcode: &str) -> (String, u32, String) {
        let letters: String = outcode
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect();
        let rest = &outcode[letters.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let tail = rest[digits.len()..].to_owned();
        (letters, digits.parse().unwrap_or(0), tail)
    }
    outcodes.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.cmp(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_sorts_districts() {
        let parsed = parse_outcodes(&["rv10, RV2".into(), "rv1 rv2".into()]).unwrap();
        assert_eq!(parsed, ["RV1", "RV2", "RV10"]);
        let err = parse_outcodes(&["RV1 12X".into()]).unwrap_err();
        assert!(err.for_field("outcodes").unwrap().contains("12X"));
    }
}
