//! A questionnaire definition as written in its file, and the checks that
//! make it safe to score with.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

/// A questionnaire, checked: every reference resolves, every possible raw
/// total has a value and a band.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Short and stable ("ons4"): responses are stored against it.
    pub code: String,
    pub name: String,
    /// The copyright and licence notice shown with the questionnaire.
    pub notice: String,
    /// Shown before the items ("Over the last two weeks…").
    #[serde(default)]
    pub introduction: Option<String>,
    /// Named sets of answer options, shared by items.
    pub answers: BTreeMap<String, AnswerSet>,
    pub items: Vec<Item>,
    /// A built-in scoring to use instead of `scores`: `"swemwbs"`, for an
    /// organisation supplying SWEMWBS's wording under its licence.
    #[serde(default)]
    pub scoring: Option<String>,
    #[serde(default)]
    pub scores: Vec<ScoreDefinition>,
}

/// An item's answer options: listed, or a numeric scale with its ends named.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum AnswerSet {
    Options(Vec<AnswerOption>),
    Scale {
        from: i32,
        to: i32,
        from_label: String,
        to_label: String,
    },
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerOption {
    pub value: i32,
    pub label: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub code: String,
    pub text: String,
    /// The name of its answer set.
    pub answers: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The item values added up (reversed items turned round first).
    Sum,
    /// The sum, then looked up in the score's table (e.g. a raw total to a
    /// metric score).
    Lookup,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreDefinition {
    pub code: String,
    pub label: String,
    pub items: Vec<String>,
    pub rule: Rule,
    /// Items scored the other way round (highest option counts lowest).
    #[serde(default)]
    pub reversed: Vec<String>,
    /// Answered items needed for a score; with fewer there is none. With
    /// at least this many but not all, a sum is prorated (the mean of the
    /// answers times the number of items, rounded).
    pub min_items: usize,
    /// Whether a higher score is the better one (not for anxiety or
    /// loneliness).
    pub higher_is_better: bool,
    /// The smallest change that counts as meaningful, where one is
    /// published.
    #[serde(default)]
    pub meaningful_change: Option<f64>,
    /// For `lookup`: each raw total and the score it gives.
    #[serde(default)]
    pub table: Vec<(i32, f64)>,
    /// Named, inclusive ranges of the score, covering all of it; none where
    /// no banding is published.
    #[serde(default)]
    pub bands: Vec<Band>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub label: String,
    pub from: f64,
    pub to: f64,
}

/// Why a definition file was refused: which file, where in it, and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {place}: {problem}")]
pub struct DefinitionError {
    pub file: String,
    /// "item `left_out`", "score `total`", or a line for a syntax error.
    pub place: String,
    pub problem: String,
}

/// The most items a questionnaire may have: each has a fixed form field
/// name (`item_field`), and no published wellbeing measure comes close.
pub const MAX_ITEMS: usize = 40;

/// The form field (and error field) of the item at `index`.
pub fn item_field(index: usize) -> &'static str {
    const FIELDS: [&str; MAX_ITEMS] = [
        "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "q11", "q12", "q13", "q14",
        "q15", "q16", "q17", "q18", "q19", "q20", "q21", "q22", "q23", "q24", "q25", "q26", "q27",
        "q28", "q29", "q30", "q31", "q32", "q33", "q34", "q35", "q36", "q37", "q38", "q39", "q40",
    ];
    FIELDS[index]
}

impl Definition {
    /// Reads and checks a definition; `file` names it in any error.
    pub fn parse(file: &str, text: &str) -> Result<Definition, DefinitionError> {
        let mut definition: Definition = toml::from_str(text).map_err(|e| {
            let place = match e.span() {
                Some(span) => format!("line {}", text[..span.start].lines().count().max(1)),
                None => "the file".to_owned(),
            };
            DefinitionError {
                file: file.to_owned(),
                place,
                problem: e.message().to_owned(),
            }
        })?;
        let built_in = definition.apply_built_in_scoring();
        built_in
            .and_then(|()| definition.check())
            .map_err(|(place, problem)| DefinitionError {
                file: file.to_owned(),
                place,
                problem,
            })?;
        Ok(definition)
    }

    /// Replaces `scoring = "…"` with the built-in scores it names.
    fn apply_built_in_scoring(&mut self) -> Result<(), (String, String)> {
        let Some(name) = self.scoring.clone() else {
            return Ok(());
        };
        let at = || "scoring".to_owned();
        if !self.scores.is_empty() {
            return Err((
                at(),
                "give either a built-in scoring or scores, not both".into(),
            ));
        }
        match name.as_str() {
            "swemwbs" => {
                self.scores
                    .push(super::builtin::swemwbs_score(self).map_err(|p| (at(), p))?);
                Ok(())
            }
            other => Err((
                at(),
                format!("there is no built-in scoring `{other}` (there is `swemwbs`)"),
            )),
        }
    }

    /// The options an item offers, lowest value first.
    pub fn options(&self, item: &Item) -> Vec<AnswerOption> {
        match self.answers.get(&item.answers) {
            Some(AnswerSet::Options(options)) => {
                let mut options = options.clone();
                options.sort_by_key(|o| o.value);
                options
            }
            Some(AnswerSet::Scale {
                from,
                to,
                from_label,
                to_label,
            }) => (*from..=*to)
                .map(|value| AnswerOption {
                    value,
                    label: if value == *from {
                        format!("{value} ({from_label})")
                    } else if value == *to {
                        format!("{value} ({to_label})")
                    } else {
                        value.to_string()
                    },
                })
                .collect(),
            None => Vec::new(),
        }
    }

    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    /// The lowest and highest value an item can take.
    pub(crate) fn value_range(&self, item: &Item) -> (i32, i32) {
        let options = self.options(item);
        (
            options.first().map_or(0, |o| o.value),
            options.last().map_or(0, |o| o.value),
        )
    }

    /// Every rule a definition must keep, with where it breaks one.
    fn check(&self) -> Result<(), (String, String)> {
        let top = |problem: &str| Err(("the definition".to_owned(), problem.to_owned()));
        if !is_code(&self.code) {
            return top("its code must be lower-case letters, digits, - or _");
        }
        if self.name.trim().is_empty() {
            return top("it needs a name");
        }
        if self.notice.trim().is_empty() {
            return top("it needs the copyright and licence notice shown with it");
        }
        if self.items.is_empty() {
            return top("it has no items");
        }
        if self.items.len() > MAX_ITEMS {
            return top(&format!(
                "it has {} items: at most {MAX_ITEMS} are supported",
                self.items.len()
            ));
        }
        if self.scores.is_empty() {
            return top("it has no scores");
        }
        for (name, set) in &self.answers {
            let at = format!("answers `{name}`");
            match set {
                AnswerSet::Options(options) => {
                    if options.len() < 2 {
                        return Err((at, "give at least two options".into()));
                    }
                    let mut seen = HashSet::new();
                    for o in options {
                        if !seen.insert(o.value) {
                            return Err((at, format!("the value {} is given twice", o.value)));
                        }
                        if o.label.trim().is_empty() {
                            return Err((at, format!("the option worth {} has no label", o.value)));
                        }
                    }
                }
                AnswerSet::Scale { from, to, .. } if from >= to => {
                    return Err((at, format!("a scale from {from} must go up, not to {to}")));
                }
                AnswerSet::Scale { .. } => {}
            }
        }
        let mut codes = HashSet::new();
        for item in &self.items {
            let at = format!("item `{}`", item.code);
            if !is_code(&item.code) {
                return Err((
                    at,
                    "its code must be lower-case letters, digits, - or _".into(),
                ));
            }
            if !codes.insert(item.code.as_str()) {
                return Err((at, "the code is used twice".into()));
            }
            if item.text.trim().is_empty() {
                return Err((at, "it has no wording".into()));
            }
            if !self.answers.contains_key(&item.answers) {
                return Err((at, format!("no answers are named `{}`", item.answers)));
            }
        }
        let mut score_codes = HashSet::new();
        for score in &self.scores {
            self.check_score(score, &mut score_codes)
                .map_err(|problem| (format!("score `{}`", score.code), problem))?;
        }
        Ok(())
    }

    fn check_score<'a>(
        &self,
        score: &'a ScoreDefinition,
        codes: &mut HashSet<&'a str>,
    ) -> Result<(), String> {
        if !is_code(&score.code) || !codes.insert(score.code.as_str()) {
            return Err("its code must be unique: lower-case letters, digits, - or _".into());
        }
        if score.items.is_empty() {
            return Err("it scores no items".into());
        }
        for code in score.items.iter().chain(&score.reversed) {
            if self.item(code).is_none() {
                return Err(format!("there is no item `{code}`"));
            }
        }
        if let Some(r) = score.reversed.iter().find(|r| !score.items.contains(r)) {
            return Err(format!("`{r}` is reversed but not one of its items"));
        }
        if score.min_items == 0 || score.min_items > score.items.len() {
            return Err(format!(
                "min_items must be from 1 to its {} items",
                score.items.len()
            ));
        }
        let (low, high) = self.raw_range(score);
        let possible: Vec<f64> = match score.rule {
            Rule::Sum => {
                if !score.table.is_empty() {
                    return Err("a table is only for rule = \"lookup\"".into());
                }
                (low..=high).map(f64::from).collect()
            }
            Rule::Lookup => (low..=high)
                .map(|raw| {
                    score
                        .table
                        .iter()
                        .find(|(r, _)| *r == raw)
                        .map(|(_, v)| *v)
                        .ok_or(format!("its table has no score for a raw total of {raw}"))
                })
                .collect::<Result<_, _>>()?,
        };
        check_bands(&score.bands, &possible)
    }

    /// The lowest and highest raw total of a score's items.
    pub(crate) fn raw_range(&self, score: &ScoreDefinition) -> (i32, i32) {
        score
            .items
            .iter()
            .filter_map(|code| self.item(code))
            .map(|item| self.value_range(item))
            .fold((0, 0), |(lo, hi), (l, h)| (lo + l, hi + h))
    }
}

/// Every score that can come out falls in exactly one band (when it has
/// bands).
fn check_bands(bands: &[Band], possible: &[f64]) -> Result<(), String> {
    if bands.is_empty() {
        return Ok(());
    }
    if let Some(b) = bands.iter().find(|b| b.from > b.to) {
        return Err(format!(
            "band `{}` goes from {} down to {}",
            b.label, b.from, b.to
        ));
    }
    for value in possible {
        let holding: Vec<&Band> = bands.iter().filter(|b| b.holds(*value)).collect();
        match holding[..] {
            [] => return Err(format!("no band covers a score of {value}")),
            [_] => {}
            [a, b, ..] => {
                return Err(format!(
                    "bands `{}` and `{}` both cover a score of {value}",
                    a.label, b.label
                ));
            }
        }
    }
    Ok(())
}

impl Band {
    pub fn holds(&self, value: f64) -> bool {
        self.from <= value && value <= self.to
    }
}

fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}
