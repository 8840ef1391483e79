//! NHS numbers: ten digits, the last a modulus 11 check digit. Written
//! 3-3-4 with spaces for people to read ("943 476 5919"); stored as the
//! ten digits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NhsNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    #[error("Enter an NHS number")]
    Empty,
    #[error("NHS number must be 10 digits, like 943 476 5919")]
    Format,
    #[error("Enter a valid NHS number: check you have typed it correctly")]
    CheckDigit,
}

/// The check digit for the first nine digits, or `None` when the weighted
/// sum gives 10, which no NHS number may have.
pub fn check_digit(first_nine: &[u8; 9]) -> Option<u8> {
    let sum: u32 = first_nine
        .iter()
        .zip((2..=10u32).rev())
        .map(|(d, weight)| u32::from(*d) * weight)
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        check => Some(check as u8),
    }
}

impl NhsNumber {
    /// Accepts the ten digits with or without spaces or hyphens.
    pub fn parse(raw: &str) -> Result<NhsNumber, NhsNumberError> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if compact.is_empty() {
            return Err(NhsNumberError::Empty);
        }
        if compact.len() != 10 || !compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NhsNumberError::Format);
        }
        let digits: Vec<u8> = compact.bytes().map(|b| b - b'0').collect();
        let first_nine: [u8; 9] = digits[..9].try_into().expect("ten digits");
        if check_digit(&first_nine) != Some(digits[9]) {
            return Err(NhsNumberError::CheckDigit);
        }
        Ok(NhsNumber(compact))
    }

    /// The NHS number whose first nine digits are `base` (0 to 999,999,999),
    /// if that base has a valid check digit: for generating test data.
    pub fn from_base(base: u32) -> Option<NhsNumber> {
        let text = format!("{base:09}");
        if text.len() != 9 {
            return None;
        }
        let first_nine: [u8; 9] = text
            .bytes()
            .map(|b| b - b'0')
            .collect::<Vec<_>>()
            .try_into()
            .ok()?;
        check_digit(&first_nine).map(|check| NhsNumber(format!("{text}{check}")))
    }

    /// The ten digits, as stored and sent to other systems.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Shown 3-3-4, as the NHS writes them.
impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }
}

impl FromStr for NhsNumber {
    type Err = NhsNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NhsNumber::parse(s)
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = NhsNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        NhsNumber::parse(&s)
    }
}

impl From<NhsNumber> for String {
    fn from(n: NhsNumber) -> String {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_by_modulus_11() {
        let valid = NhsNumber::parse("943 476 5919").unwrap();
        assert_eq!(valid.as_str(), "9434765919");
        assert_eq!(valid.to_string(), "943 476 5919");
        assert_eq!(NhsNumber::parse("943-476-5919"), Ok(valid.clone()));
        assert_eq!(NhsNumber::parse("9434765919"), Ok(valid));
        assert_eq!(
            NhsNumber::parse("943 476 5918"),
            Err(NhsNumberError::CheckDigit)
        );
    }

    #[test]
    fn rejects_wrong_shapes() {
        assert_eq!(NhsNumber::parse("  "), Err(NhsNumberError::Empty));
        for bad in [
            "943476591",
            "94347659190",
            "94347659a9",
            "９４３４７６５９１９",
        ] {
            assert_eq!(NhsNumber::parse(bad), Err(NhsNumberError::Format), "{bad}");
        }
    }

    #[test]
    fn a_check_of_ten_is_never_valid_and_eleven_becomes_zero() {
        // The last of the nine digits has weight 2.
        assert_eq!(check_digit(&[0, 0, 0, 0, 0, 0, 0, 0, 1]), Some(9)); // 11 - 2
        assert_eq!(check_digit(&[0, 0, 0, 0, 0, 0, 0, 0, 5]), Some(1)); // 11 - 10
        assert_eq!(check_digit(&[0; 9]), Some(0)); // 11 - 0 = 11 → 0
        assert_eq!(check_digit(&[0, 0, 0, 0, 0, 0, 0, 0, 6]), None); // 11 - 1 = 10
        assert_eq!(NhsNumber::from_base(6), None);
        assert_eq!(
            NhsNumber::from_base(943_476_591).unwrap().as_str(),
            "9434765919"
        );
    }
}
