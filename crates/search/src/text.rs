//! Turning text into searchable terms: lower case, split into words, drop
//! the commonest words, reduce each to its English stem (Porter2), so that
//! "gardening", "gardens" and "garden" meet.

use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Words too common to say anything about a service.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is",
    "it", "its", "of", "on", "or", "our", "that", "the", "their", "this", "to", "we", "with",
    "you", "your",
];

/// A word as written and its stem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub word: String,
    pub stem: String,
}

pub fn tokens(text: &str) -> Vec<Token> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|word| Token {
            stem: STEMMER.stem(&word).into_owned(),
            word,
        })
        .collect()
}

/// The shortest stem typo tolerance applies to, on either side.
///
/// The rule: a word is corrected only when the search does not know it
/// (neither the index nor the list of everyday words has it: a word it
/// knows means what it says), and only into a stem of at least
/// `MIN_FUZZY_CHARS` letters, within `typo_allowance` edits. Short words
/// are where one edit lands on a different real word: "lone" (the stem of
/// "lonely") is one edit from "one", "debt" from "dent", "art" from "part".
/// English stems of five letters or more are far enough apart that one
/// edit is almost always a slip of the keyboard ("gardn", "advis"), and
/// those of eight or more, two.
pub const MIN_FUZZY_CHARS: usize = 5;

/// How many typing mistakes a stem of this length may carry and still be
/// recognised: none below `MIN_FUZZY_CHARS`, one for medium, two for long.
pub fn typo_allowance(len: usize) -> usize {
    match len {
        0..MIN_FUZZY_CHARS => 0,
        MIN_FUZZY_CHARS..=7 => 1,
        _ => 2,
    }
}

/// Words longer than this are compared exactly only (no stem is this long
/// in English; it keeps the typo check on the stack).
const MAX_FUZZY_CHARS: usize = 40;

/// Optimal string alignment distance (Levenshtein plus adjacent
/// transpositions) between `a` (already split into chars, as the query word
/// is once per search) and `b`, or `None` if it exceeds `max`. Runs on the
/// stack: it is called for every vocabulary word of a similar length.
pub fn edit_distance_chars(a: &[char], b: &str, max: usize) -> Option<usize> {
    let mut b_buf = ['\0'; MAX_FUZZY_CHARS];
    let mut b_len = 0;
    for c in b.chars() {
        if b_len == MAX_FUZZY_CHARS {
            return None;
        }
        b_buf[b_len] = c;
        b_len += 1;
    }
    let b = &b_buf[..b_len];
    if a.len() > MAX_FUZZY_CHARS || a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    let mut prev2 = [0usize; MAX_FUZZY_CHARS + 1];
    let mut prev = [0usize; MAX_FUZZY_CHARS + 1];
    let mut cur = [0usize; MAX_FUZZY_CHARS + 1];
    for (j, p) in prev.iter_mut().enumerate().take(width) {
        *p = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..width {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
        let a: Vec<char> = a.chars().collect();
        edit_distance_chars(&a, b, max)
    }

    fn stems(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|t| t.stem).collect()
    }

    #[test]
    fn stems_english_words() {
        assert_eq!(stems("Gardening"), stems("gardens"));
        assert_eq!(stems("debts"), stems("debt"));
        assert_eq!(
            stems("Befriending for the lonely"),
            vec!["befriend", "lone"]
        );
        assert!(stems("the and of").is_empty());
    }

    #[test]
    fn splits_on_punctuation_and_keeps_numbers() {
        let words: Vec<String> = tokens("Men's-shed, 2pm!")
            .into_iter()
            .map(|t| t.word)
            .collect();
        assert_eq!(words, vec!["men", "s", "shed", "2pm"]);
    }

    #[test]
    fn measures_typos() {
        assert_eq!(edit_distance("gardn", "garden", 1), Some(1));
        assert_eq!(edit_distance("garden", "garden", 0), Some(0));
        assert_eq!(
            edit_distance("befreind", "befriend", 1),
            Some(1),
            "a swap counts once"
        );
        assert_eq!(edit_distance("choir", "chair", 1), Some(1));
        assert_eq!(edit_distance("walking", "talking", 0), None);
        assert_eq!(edit_distance("debt", "benefit", 2), None);
    }

    #[test]
    fn allowance_grows_with_length() {
        assert_eq!(typo_allowance(3), 0);
        assert_eq!(typo_allowance(4), 0, "“lone” must not become “one”");
        assert_eq!(typo_allowance(5), 1);
        assert_eq!(typo_allowance(9), 2);
    }
}
