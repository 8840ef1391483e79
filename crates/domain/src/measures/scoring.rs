//! Scoring a response by its definition's rules. An incomplete response
//! (fewer answers than a score needs) has no score, never a guess.

use std::collections::BTreeMap;

use super::definition::{Definition, Rule, ScoreDefinition};

/// A response's answers: item code → the value of the option chosen.
pub type Answers = BTreeMap<String, i32>;

/// One score of a response.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Score {
    pub code: String,
    pub label: String,
    /// The raw total (prorated when some items are unanswered), if the
    /// score could be given.
    pub raw: Option<i32>,
    /// The score: the raw total, or what the table gives for it.
    pub value: Option<f64>,
    pub band: Option<String>,
}

/// A response scored.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// Enough items answered for every score, by the definition's own
    /// minimum (every item, for the built-in measures). An incomplete
    /// response has no scores at all: never a partial picture that reads
    /// like a whole one.
    pub complete: bool,
    pub scores: Vec<Score>,
}

/// Why answers cannot be scored: an answer the definition does not offer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("there is no item `{0}`")]
    UnknownItem(String),
    #[error("{value} is not an answer to `{item}`")]
    NotAnOption { item: String, value: i32 },
}

impl Definition {
    /// Checks that every answer is one the item offers.
    pub fn check_answers(&self, answers: &Answers) -> Result<(), AnswerError> {
        for (code, value) in answers {
            let item = self
                .item(code)
                .ok_or_else(|| AnswerError::UnknownItem(code.clone()))?;
            if !self.options(item).iter().any(|o| o.value == *value) {
                return Err(AnswerError::NotAnOption {
                    item: code.clone(),
                    value: *value,
                });
            }
        }
        Ok(())
    }

    /// Scores checked answers (see `check_answers`).
    pub fn score(&self, answers: &Answers) -> Scored {
        let mut scores: Vec<Score> = self
            .scores
            .iter()
            .map(|s| self.score_one(s, answers))
            .collect();
        let complete = scores.iter().all(|s| s.raw.is_some());
        if !complete {
            for s in &mut scores {
                (s.raw, s.value, s.band) = (None, None, None);
            }
        }
        Scored { complete, scores }
    }

    fn score_one(&self, score: &ScoreDefinition, answers: &Answers) -> Score {
        let raw = self.raw_total(score, answers);
        let value = raw.and_then(|raw| match score.rule {
            Rule::Sum => Some(f64::from(raw)),
            Rule::Lookup => score.table.iter().find(|(r, _)| *r == raw).map(|(_, v)| *v),
        });
        Score {
            code: score.code.clone(),
            label: score.label.clone(),
            raw,
            value,
            band: value.and_then(|v| {
                score
                    .bands
                    .iter()
                    .find(|b| b.holds(v))
                    .map(|b| b.label.clone())
            }),
        }
    }

    /// The items' values added up, reversed items turned round; prorated
    /// from the answered ones when at least `min_items` are answered.
    fn raw_total(&self, score: &ScoreDefinition, answers: &Answers) -> Option<i32> {
        let values: Vec<i32> = score
            .items
            .iter()
            .filter_map(|code| {
                let value = *answers.get(code)?;
                let item = self.item(code)?;
                Some(if score.reversed.contains(code) {
                    let (low, high) = self.value_range(item);
                    low + high - value
                } else {
                    value
                })
            })
            .collect();
        if values.len() < score.min_items {
            return None;
        }
        let sum: i32 = values.iter().sum();
        if values.len() == score.items.len() {
            return Some(sum);
        }
        let mean = f64::from(sum) / values.len() as f64;
        Some((mean * score.items.len() as f64).round() as i32)
    }
}
