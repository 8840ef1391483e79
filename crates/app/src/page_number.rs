//! Page numbers from query strings (`?page=3`). A number too large for a
//! page number is the last page there could be, not an error and not a
//! number cut down to fit (`4294967297` is not page 1); anything that is
//! not a number is no page number at all, so the first page is shown.

use serde::{Deserialize, Deserializer};

/// For `#[serde(default, deserialize_with = "…")]` on an `Option<u32>`.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let raw = Option::<String>::deserialize(deserializer)?;
    Ok(raw.as_deref().and_then(parse))
}

fn parse(raw: &str) -> Option<u32> {
    let digits = raw.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_numbers_are_the_last_page_and_words_the_first() {
        assert_eq!(parse("3"), Some(3));
        assert_eq!(parse("4294967295"), Some(u32::MAX));
        assert_eq!(parse("4294967297"), Some(u32::MAX));
        assert_eq!(parse(&"9".repeat(400)), Some(u32::MAX));
        assert_eq!(parse("-1"), None);
        assert_eq!(parse("two"), None);
        assert_eq!(parse(""), None);
    }
}
