//! The inverted index and the search itself.

use std::collections::{HashMap, HashSet};

use linkwork_domain::directory::TaxonomyTerm;
use linkwork_domain::directory::schedule::OpeningRule;
use uuid::Uuid;

use crate::doc::{Doc, Field};
use crate::query::{Hit, Order, Query, Results};
use crate::text::{edit_distance, tokens, typo_allowance};

/// One document's occurrences of a stem.
#[derive(Debug, Clone, Copy)]
struct Posting {
    slot: u32,
    /// Occurrences weighted by field.
    weight: f32,
    /// Which fields it occurred in.
    fields: u8,
}

/// BM25 parameters (the usual defaults).
const K1: f32 = 1.2;
const B: f32 = 0.75;
/// A misspelt word counts for less than one spelt right.
const FUZZY_FACTOR: f32 = 0.6;
/// Rebuild the postings when this share of slots belongs to replaced or
/// removed documents.
const COMPACT_AT: f64 = 0.25;
const MILE_M: f64 = 1609.344;

#[derive(Default)]
pub struct SearchIndex {
    /// By slot; `None` once replaced or removed.
    docs: Vec<Option<Doc>>,
    /// Weighted length of each slot's text, for BM25.
    lengths: Vec<f32>,
    slot_of: HashMap<Uuid, u32>,
    postings: HashMap<String, Vec<Posting>>,
    /// The word most often written for each stem, to explain matches.
    surface: HashMap<String, String>,
    live: usize,
    total_length: f64,
    terms: HashMap<Uuid, TaxonomyTerm>,
    children: HashMap<Uuid, Vec<Uuid>>,
}

impl SearchIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the taxonomy the index knows (for need names, hierarchy and
    /// taxonomy filters).
    pub fn set_terms(&mut self, terms: Vec<TaxonomyTerm>) {
        self.children.clear();
        for t in &terms {
            if let Some(parent) = t.parent_id {
                self.children.entry(parent).or_default().push(t.id);
            }
        }
        self.terms = terms.into_iter().map(|t| (t.id, t)).collect();
    }

    /// Names of a term and its ancestors, for indexing.
    pub fn term_names(&self, id: Uuid) -> Vec<String> {
        let mut names = Vec::new();
        let mut seen = HashSet::new();
        let mut current = Some(id);
        while let Some(term) = current.and_then(|c| self.terms.get(&c)) {
            if !seen.insert(term.id) {
                break;
            }
            names.push(term.name.clone());
            current = term.parent_id;
        }
        names
    }

    pub fn term(&self, id: Uuid) -> Option<&TaxonomyTerm> {
        self.terms.get(&id)
    }

    /// A term and all its descendants.
    fn with_descendants(&self, roots: &[Uuid]) -> HashSet<Uuid> {
        let mut found: HashSet<Uuid> = HashSet::new();
        let mut stack: Vec<Uuid> = roots.to_vec();
        while let Some(id) = stack.pop() {
            if found.insert(id) {
                stack.extend(self.children.get(&id).into_iter().flatten().copied());
            }
        }
        found
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    pub fn doc(&self, id: Uuid) -> Option<&Doc> {
        self.slot_of
            .get(&id)
            .and_then(|s| self.docs[*s as usize].as_ref())
    }

    /// Adds a document, replacing any with the same id.
    pub fn upsert(&mut self, doc: Doc) {
        self.remove(doc.id);
        let slot = self.docs.len() as u32;
        let mut per_stem: HashMap<String, (f32, u8)> = HashMap::new();
        let mut length = 0.0f32;
        for (field, text) in &doc.fields {
            for token in tokens(text) {
                let entry = per_stem.entry(token.stem.clone()).or_default();
                entry.0 += field.weight();
                entry.1 |= field.bit();
                length += field.weight();
                self.surface.entry(token.stem).or_insert(token.word);
            }
        }
        for (stem, (weight, fields)) in per_stem {
            self.postings.entry(stem).or_default().push(Posting {
                slot,
                weight,
                fields,
            });
        }
        self.slot_of.insert(doc.id, slot);
        self.docs.push(Some(doc));
        self.lengths.push(length);
        self.live += 1;
        self.total_length += f64::from(length);
    }

    pub fn remove(&mut self, id: Uuid) {
        let Some(slot) = self.slot_of.remove(&id) else {
            return;
        };
        if self.docs[slot as usize].take().is_some() {
            self.live -= 1;
            self.total_length -= f64::from(self.lengths[slot as usize]);
        }
        let dead = self.docs.len() - self.live;
        if dead as f64 > COMPACT_AT * self.docs.len() as f64 && dead > 64 {
            self.compact();
        }
    }

    /// Rebuilds the postings without the dead slots.
    fn compact(&mut self) {
        let docs: Vec<Doc> = std::mem::take(&mut self.docs)
            .into_iter()
            .flatten()
            .collect();
        let terms = std::mem::take(&mut self.terms);
        let children = std::mem::take(&mut self.children);
        *self = SearchIndex {
            terms,
            children,
            ..Default::default()
        };
        for doc in docs {
            self.upsert(doc);
        }
    }

    /// Stems in the index within the typo allowance of `stem`.
    fn near_stems(&self, stem: &str) -> Vec<String> {
        let max = typo_allowance(stem.chars().count());
        if max == 0 {
            return Vec::new();
        }
        self.postings
            .keys()
            .filter(|candidate| edit_distance(stem, candidate, max).is_some())
            .cloned()
            .collect()
    }

    /// Text scores per slot, with the reasons for each.
    fn text_scores(&self, text: &str) -> HashMap<u32, (f32, usize, Vec<String>)> {
        let n = self.live.max(1) as f32;
        let avg_len = (self.total_length / self.live.max(1) as f64) as f32;
        let mut scores: HashMap<u32, (f32, usize, Vec<String>)> = HashMap::new();
        let query_tokens = tokens(text);
        let mut seen_stems = HashSet::new();
        for token in query_tokens
            .iter()
            .filter(|t| seen_stems.insert(t.stem.clone()))
        {
            let exact = self.postings.contains_key(&token.stem);
            let candidates: Vec<(String, f32)> = if exact {
                vec![(token.stem.clone(), 1.0)]
            } else {
                self.near_stems(&token.stem)
                    .into_iter()
                    .map(|s| (s, FUZZY_FACTOR))
                    .collect()
            };
            let mut best_for_token: HashMap<u32, (f32, String)> = HashMap::new();
            for (stem, factor) in &candidates {
                let postings = &self.postings[stem];
                let df = postings
                    .iter()
                    .filter(|p| self.docs[p.slot as usize].is_some())
                    .count() as f32;
                let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
                for p in postings {
                    if self.docs[p.slot as usize].is_none() {
                        continue;
                    }
                    let len = self.lengths[p.slot as usize];
                    let tf = p.weight;
                    let score = factor * idf * (tf * (K1 + 1.0))
                        / (tf + K1 * (1.0 - B + B * len / avg_len.max(1.0)));
                    let fields: Vec<&str> = Field::ALL
                        .iter()
                        .filter(|f| p.fields & f.bit() != 0)
                        .map(|f| f.describe())
                        .collect();
                    let word = self
                        .surface
                        .get(stem)
                        .cloned()
                        .unwrap_or_else(|| stem.clone());
                    let reason = if exact {
                        format!("“{}” in {}", token.word, join_and(&fields))
                    } else {
                        format!(
                            "“{word}” in {} (close to “{}”)",
                            join_and(&fields),
                            token.word
                        )
                    };
                    let entry = best_for_token.entry(p.slot).or_insert((0.0, String::new()));
                    if score > entry.0 {
                        *entry = (score, reason);
                    }
                }
            }
            for (slot, (score, reason)) in best_for_token {
                let entry = scores.entry(slot).or_insert((0.0, 0, Vec::new()));
                entry.0 += score;
                entry.1 += 1;
                entry.2.push(reason);
            }
        }
        // Reward results that match more of the words asked for.
        let asked = seen_stems.len().max(1) as f32;
        for entry in scores.values_mut() {
            entry.0 *= entry.1 as f32 / asked;
        }
        scores
    }

    pub fn search(&self, query: &Query) -> Results {
        let text = query
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let text_scores = text.map(|t| self.text_scores(t));
        let needs = (!query.needs.is_empty()).then(|| self.with_descendants(&query.needs));
        let language = query
            .language
            .as_deref()
            .map(|l| linkwork_domain::directory::language_name(l).to_lowercase());

        let candidates: Box<dyn Iterator<Item = u32>> = match &text_scores {
            Some(scores) => Box::new(scores.keys().copied().collect::<Vec<_>>().into_iter()),
            None => {
                Box::new((0..self.docs.len() as u32).filter(|s| self.docs[*s as usize].is_some()))
            }
        };
        let mut hits: Vec<Hit> = Vec::new();
        for slot in candidates {
            let Some(doc) = self.docs[slot as usize].as_ref() else {
                continue;
            };
            let mut reasons = Vec::new();
            let (score, text_reasons) = match &text_scores {
                Some(scores) => {
                    let (score, _, reasons) = &scores[&slot];
                    (*score, reasons.clone())
                }
                None => (0.0, Vec::new()),
            };
            reasons.extend(text_reasons);
            if !query.statuses.is_empty() && !query.statuses.contains(&doc.status) {
                continue;
            }
            if let Some(needs) = &needs {
                let Some(term) = doc.term_ids.iter().find(|t| needs.contains(t)) else {
                    continue;
                };
                let name = self
                    .terms
                    .get(term)
                    .map(|t| t.name.as_str())
                    .unwrap_or("a need searched for");
                reasons.push(format!("Helps with {name}"));
            }
            if let Some(taxonomy) = query.taxonomy
                && !doc.term_ids.iter().any(|t| {
                    self.terms
                        .get(t)
                        .is_some_and(|t| t.taxonomy_id == Some(taxonomy))
                })
            {
                continue;
            }
            if query.organization.is_some() && doc.organization_id != query.organization {
                continue;
            }
            let mut distance_m = None;
            let mut nearest_location = None;
            if let Some(point) = &query.near {
                match doc.nearest(point) {
                    Some((i, d)) => {
                        if query.within_m.is_some_and(|max| d > max) {
                            continue;
                        }
                        distance_m = Some(d);
                        nearest_location = Some(i);
                        let from = query
                            .near_label
                            .as_deref()
                            .map(|l| format!(" from {l}"))
                            .unwrap_or_default();
                        reasons.push(format!("{}{from}", describe_distance(d)));
                    }
                    None if query.within_m.is_some() => continue,
                    None => {}
                }
            }
            if query.free_only {
                if !doc.free {
                    continue;
                }
                reasons.push("Free".into());
            }
            if query.day.is_some()
                || query.open_at.is_some()
                || query.opens_from.is_some()
                || query.closes_by.is_some()
            {
                let Some(rule) = doc.rules.iter().find(|r| rule_matches(r, query)) else {
                    continue;
                };
                reasons.push(format!("Open {}", rule.describe().to_lowercase()));
            }
            if let Some(age) = query.age {
                if !doc.accepts_age(age) {
                    continue;
                }
                reasons.push(format!("For people aged {age}"));
            }
            if let Some(min) = query.minimum_age_at_least
                && doc.minimum_age.is_none_or(|m| m < min)
            {
                continue;
            }
            if let Some(max) = query.maximum_age_at_most
                && doc.maximum_age.is_none_or(|m| m > max)
            {
                continue;
            }
            if !query.access.iter().all(|f| doc.has_access(*f)) {
                continue;
            }
            reasons.extend(query.access.iter().map(|f| f.label().to_owned()));
            if let Some(language) = &language {
                if !doc.languages.contains(language) {
                    continue;
                }
                reasons.push(format!(
                    "In {}",
                    linkwork_domain::directory::language_name(language)
                ));
            }
            if let Some(after) = query.modified_after
                && doc.last_modified.is_none_or(|m| m < after)
            {
                continue;
            }
            hits.push(Hit {
                id: doc.id,
                score,
                distance_m,
                nearest_location,
                reasons,
            });
        }

        let by_name = |a: &Hit, b: &Hit| {
            let name = |h: &Hit| {
                self.doc(h.id)
                    .map(|d| d.name.to_lowercase())
                    .unwrap_or_default()
            };
            name(a).cmp(&name(b)).then(a.id.cmp(&b.id))
        };
        let by_distance = |a: &Hit, b: &Hit| {
            a.distance_m
                .unwrap_or(f64::MAX)
                .total_cmp(&b.distance_m.unwrap_or(f64::MAX))
                .then_with(|| by_name(a, b))
        };
        match query.order {
            Order::Name => hits.sort_by(by_name),
            Order::Distance => hits.sort_by(by_distance),
            Order::Auto if text.is_some() => {
                hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| by_distance(a, b)));
            }
            Order::Auto if query.near.is_some() => hits.sort_by(by_distance),
            Order::Auto => hits.sort_by(by_name),
        }
        let total = hits.len();
        let per_page = query.per_page.max(1);
        let start = (query.page.max(1) - 1).saturating_mul(per_page);
        let hits = hits.into_iter().skip(start).take(per_page).collect();
        Results { hits, total }
    }
}

/// One schedule satisfying every time condition asked for.
fn rule_matches(rule: &OpeningRule, q: &Query) -> bool {
    let day_ok = q.day.is_none_or(|d| rule.open_on(d));
    let at_ok = q.open_at.is_none_or(|t| match q.day {
        Some(d) => rule.open_at(d, t),
        None => rule.days.iter().any(|d| rule.open_at(*d, t)),
    });
    let from_ok = q
        .opens_from
        .is_none_or(|t| rule.opens.is_some_and(|o| o >= t));
    let by_ok = q
        .closes_by
        .is_none_or(|t| rule.closes.is_some_and(|c| c <= t));
    day_ok && at_ok && from_ok && by_ok
}

/// "0.4 miles", "12 miles" (people in England think in miles).
fn describe_distance(m: f64) -> String {
    let miles = m / MILE_M;
    if miles < 0.1 {
        "Less than 0.1 miles".into()
    } else if miles < 10.0 {
        format!("{miles:.1} miles")
    } else {
        format!("{miles:.0} miles")
    }
}

fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests;
