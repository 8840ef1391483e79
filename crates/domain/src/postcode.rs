//! UK postcodes: validation by the gov.uk bulk data transfer pattern, and
//! the normal form used everywhere in Linkwork (upper case, one space
//! before the last three characters, e.g. "LS1 4AP").

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// The gov.uk pattern, anchored around the whole alternation (anchoring one
/// branch only would accept trailing junk after the other).
static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:GIR ?0AA|(?:(?:[A-Z][0-9]{1,2})|(?:(?:[A-Z][A-HJ-Y][0-9]{1,2})|(?:(?:[A-Z][0-9][A-Z])|(?:[A-Z][A-HJ-Y][0-9][A-Z]?)))) ?[0-9][A-Z]{2})$",
    )
    .expect("valid postcode pattern")
});

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Postcode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostcodeError {
    #[error("Enter a postcode")]
    Empty,
    #[error("Enter a real postcode, like LS1 4AP")]
    Format,
}

impl Postcode {
    pub fn parse(raw: &str) -> Result<Postcode, PostcodeError> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if compact.is_empty() {
            return Err(PostcodeError::Empty);
        }
        if compact.len() < 5 || compact.len() > 7 || !PATTERN.is_match(&compact) {
            return Err(PostcodeError::Format);
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        Ok(Postcode(format!("{outward} {inward}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The outward code (postcode district), e.g. "LS1" of "LS1 4AP".
    pub fn outcode(&self) -> &str {
        self.0.split(' ').next().unwrap_or_default()
    }
}

/// A postcode district on its own ("LS1"), for searches near a district
/// when no full postcode is given.
pub fn parse_outcode(raw: &str) -> Option<String> {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    // An outcode is a valid postcode with its inward part removed.
    (compact.len() >= 2 && compact.len() <= 4 && Postcode::parse(&format!("{compact}1AA")).is_ok())
        .then_some(compact)
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Postcode {
    type Err = PostcodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Postcode::parse(s)
    }
}

impl TryFrom<String> for Postcode {
    type Error = PostcodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Postcode::parse(&s)
    }
}

impl From<Postcode> for String {
    fn from(p: Postcode) -> String {
        p.0
    }
}

/// Which edition of the English Indices of Deprivation a rank comes from;
/// it decides how many LSOAs the rank is out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImdEdition {
    /// IoD2019: 32,844 LSOAs (2011 boundaries).
    Iod2019,
    /// IoD2025: 33,755 LSOAs (2021 boundaries).
    Iod2025,
}

impl ImdEdition {
    pub fn lsoa_count(self) -> u32 {
        match self {
            ImdEdition::Iod2019 => 32_844,
            ImdEdition::Iod2025 => 33_755,
        }
    }

    /// The decile (1 = most deprived 10%) of a rank (1 = most deprived):
    /// rank ÷ number of LSOAs, in tenths, rounded up.
    pub fn decile(self, rank: u32) -> Option<u8> {
        let n = u64::from(self.lsoa_count());
        (1..=n)
            .contains(&u64::from(rank))
            .then(|| (u64::from(rank) * 10).div_ceil(n) as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_spacing() {
        for (raw, normal) in [
            ("ls14ap", "LS1 4AP"),
            (" LS1  4AP ", "LS1 4AP"),
            ("sw1a1aa", "SW1A 1AA"),
            ("M11AE", "M1 1AE"),
            ("B338TH", "B33 8TH"),
            ("CR26XH", "CR2 6XH"),
            ("DN551PT", "DN55 1PT"),
            ("W1A0AX", "W1A 0AX"),
            ("EC1A1BB", "EC1A 1BB"),
            ("GIR0AA", "GIR 0AA"),
        ] {
            assert_eq!(Postcode::parse(raw).unwrap().as_str(), normal, "{raw}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_postcode() {
        assert_eq!(Postcode::parse("  "), Err(PostcodeError::Empty));
        for bad in [
            "LS1",
            "LS1 4A",
            "LSS1 4AP",
            "1LS 4AP",
            "LS1 4AP X",
            "QI1 1AA",
            "LS1-4AP",
            "GIR 0AB",
            "ABCDEFGH",
        ] {
            assert_eq!(Postcode::parse(bad), Err(PostcodeError::Format), "{bad}");
        }
    }

    #[test]
    fn outcodes() {
        assert_eq!(Postcode::parse("sw1a 1aa").unwrap().outcode(), "SW1A");
        assert_eq!(parse_outcode(" ls1 ").as_deref(), Some("LS1"));
        assert_eq!(parse_outcode("LS1 4AP"), None);
        assert_eq!(parse_outcode("1LS"), None);
    }

    #[test]
    fn deciles_from_ranks() {
        let e = ImdEdition::Iod2019;
        assert_eq!(e.decile(1), Some(1));
        assert_eq!(e.decile(3284), Some(1));
        assert_eq!(e.decile(3285), Some(2));
        assert_eq!(e.decile(32_844), Some(10));
        assert_eq!(e.decile(0), None);
        assert_eq!(e.decile(32_845), None);
        assert_eq!(ImdEdition::Iod2025.decile(33_755), Some(10));
    }
}
