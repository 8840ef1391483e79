//! The inverted index and the search itself.

use std::collections::{HashMap, HashSet};

use linkwork_domain::directory::TaxonomyTerm;
use linkwork_domain::directory::schedule::OpeningRule;
use linkwork_domain::geo::{METRES_PER_DEGREE, METRES_PER_MILE};
use uuid::Uuid;

use crate::doc::{Doc, Field};
use crate::query::{Hit, Order, Query, Results};
use crate::synonyms::{Synonyms, Target};
use crate::text::{MIN_FUZZY_CHARS, edit_distance_chars, tokens, typo_allowance};

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
/// What an everyday word stands for (synonyms) counts for less than the
/// word itself, so a listing that says "lonely" comes before one found
/// through "befriending".
const LINKED_FACTOR: f32 = 0.5;
/// Rebuild the postings when this share of slots belongs to replaced or
/// removed documents.
const COMPACT_AT: f64 = 0.25;
/// The side of a map square, in degrees (about 5.5 km north to south).
const SQUARE_DEGREES: f64 = 0.05;

/// The letters a–z a word uses, as bits (other characters share one bit).
fn letters(word: &str) -> u32 {
    word.chars().fold(0, |m, c| {
        let bit = if c.is_ascii_lowercase() {
            c as u32 - 'a' as u32
        } else {
            26
        };
        m | (1 << bit)
    })
}

/// BM25's score for a word occurring with weight `tf` in a document of
/// weighted length `len`.
fn bm25(idf: f32, tf: f32, len: f32, avg_len: f32) -> f32 {
    idf * (tf * (K1 + 1.0)) / (tf + K1 * (1.0 - B + B * len / avg_len))
}

/// BM25's inverse document frequency. Postings of replaced documents
/// count until the next compaction (at most a quarter of them), a
/// difference ranking does not notice.
fn idf(n: f32, df: usize) -> f32 {
    let df = df as f32;
    ((n - df + 0.5) / (df + 0.5) + 1.0).ln().max(0.01)
}

fn square(lat: f64, lon: f64) -> (i32, i32) {
    (
        (lat / SQUARE_DEGREES).floor() as i32,
        (lon / SQUARE_DEGREES).floor() as i32,
    )
}

#[derive(Default)]
pub struct SearchIndex {
    /// Everyday words and what they stand for, applied at query time.
    synonyms: Synonyms,
    /// By slot; `None` once replaced or removed.
    docs: Vec<Option<Doc>>,
    /// Weighted length of each slot's text, for BM25.
    lengths: Vec<f32>,
    slot_of: HashMap<Uuid, u32>,
    postings: HashMap<String, Vec<Posting>>,
    /// The stems by length in chars, so typo matching only looks at stems
    /// of a similar length.
    stems_by_length: Vec<Vec<(String, u32)>>,
    /// Slots by taxonomy term, and by map square: where a search without
    /// words starts, instead of every service.
    by_term: HashMap<Uuid, Vec<u32>>,
    by_square: HashMap<(i32, i32), Vec<u32>>,
    /// The word most often written for each stem, to explain matches.
    surface: HashMap<String, String>,
    total_length: f64,
    terms: HashMap<Uuid, TaxonomyTerm>,
    children: HashMap<Uuid, Vec<Uuid>>,
}

impl SearchIndex {
    /// An empty index with the synonyms Linkwork ships.
    pub fn new() -> Self {
        Self {
            synonyms: Synonyms::shipped(),
            ..Default::default()
        }
    }

    /// Replaces the everyday words the index understands; the next search
    /// uses them (nothing is re-indexed: they apply at query time).
    pub fn set_synonyms(&mut self, synonyms: Synonyms) {
        self.synonyms = synonyms;
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

    /// A term and all its descendants: a handful of ids, which a linear
    /// scan checks faster than hashing each document's terms.
    pub fn with_descendants(&self, roots: &[Uuid]) -> Vec<Uuid> {
        let mut found: Vec<Uuid> = Vec::new();
        let mut stack: Vec<Uuid> = roots.to_vec();
        while let Some(id) = stack.pop() {
            if !found.contains(&id) {
                found.push(id);
                stack.extend(self.children.get(&id).into_iter().flatten().copied());
            }
        }
        found
    }

    /// Documents in the index (replaced and removed ones are not counted).
    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slot_of.is_empty()
    }

    /// Every service in the index, in no particular order.
    pub fn docs(&self) -> impl Iterator<Item = &Doc> {
        self.docs.iter().flatten()
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
            let postings = self.postings.entry(stem).or_insert_with_key(|stem| {
                let len = stem.chars().count();
                if self.stems_by_length.len() <= len {
                    self.stems_by_length.resize(len + 1, Vec::new());
                }
                self.stems_by_length[len].push((stem.clone(), letters(stem)));
                Vec::new()
            });
            postings.push(Posting {
                slot,
                weight,
                fields,
            });
        }
        for term in &doc.term_ids {
            self.by_term.entry(*term).or_default().push(slot);
        }
        let mut squares: Vec<(i32, i32)> = doc
            .locations
            .iter()
            .map(|l| square(l.point.lat, l.point.lon))
            .collect();
        squares.sort_unstable();
        squares.dedup();
        for sq in squares {
            self.by_square.entry(sq).or_default().push(slot);
        }
        self.slot_of.insert(doc.id, slot);
        self.docs.push(Some(doc));
        self.lengths.push(length);
        self.total_length += f64::from(length);
    }

    pub fn remove(&mut self, id: Uuid) {
        let Some(slot) = self.slot_of.remove(&id) else {
            return;
        };
        if self.docs[slot as usize].take().is_some() {
            self.total_length -= f64::from(self.lengths[slot as usize]);
        }
        let dead = self.docs.len() - self.len();
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
        let synonyms = std::mem::take(&mut self.synonyms);
        *self = SearchIndex {
            terms,
            children,
            synonyms,
            ..Default::default()
        };
        for doc in docs {
            self.upsert(doc);
        }
    }

    /// Stems in the index within the typo allowance of `stem`, none of
    /// them shorter than `MIN_FUZZY_CHARS` (see there for the rule).
    /// Numbers are never "nearly" another number.
    fn near_stems(&self, stem: &str) -> Vec<String> {
        let chars: Vec<char> = stem.chars().collect();
        let max = typo_allowance(chars.len());
        if max == 0 || chars.iter().any(char::is_ascii_digit) {
            return Vec::new();
        }
        let mask = letters(stem);
        let lengths = chars.len().saturating_sub(max).max(MIN_FUZZY_CHARS)..=chars.len() + max;
        lengths
            .filter_map(|len| self.stems_by_length.get(len))
            .flatten()
            // Each edit adds or removes at most two letters from the set of
            // letters used: a one-instruction test that rules out most stems
            // before the full comparison.
            .filter(|(_, m)| (m ^ mask).count_ones() as usize <= 2 * max)
            .filter(|(candidate, _)| edit_distance_chars(&chars, candidate, max).is_some())
            .map(|(candidate, _)| candidate.clone())
            .collect()
    }

    /// What each query word matches: itself when the index has it, else
    /// (if it is not an everyday word the search knows) the stems within
    /// its typo allowance, worth less; and what the everyday words it
    /// belongs to stand for, worth less again.
    fn expand(&self, text: &str) -> Vec<QueryWord> {
        let words = tokens(text);
        let stems: Vec<&str> = words.iter().map(|t| t.stem.as_str()).collect();
        let mut linked: Vec<Vec<(usize, f32)>> = self
            .synonyms
            .links_at(&stems)
            .into_iter()
            .map(|links| links.into_iter().map(|l| (l, LINKED_FACTOR)).collect())
            .collect();
        let mut seen = HashSet::new();
        let mut expanded = Vec::new();
        for (i, t) in words.iter().enumerate() {
            if !seen.insert(t.stem.clone()) {
                continue;
            }
            let mut ways = Vec::new();
            if self.postings.contains_key(&t.stem) {
                ways.push(Way {
                    stems: vec![t.stem.clone()],
                    factor: 1.0,
                    via: Via::Word,
                });
            } else if !self.synonyms.knows(&t.stem) {
                ways.extend(self.near_stems(&t.stem).into_iter().map(|stem| Way {
                    stems: vec![stem],
                    factor: FUZZY_FACTOR,
                    via: Via::Typo,
                }));
                if linked[i].is_empty() {
                    linked[i] = self
                        .synonyms
                        .near(&t.word)
                        .into_iter()
                        .map(|l| (l, LINKED_FACTOR * FUZZY_FACTOR))
                        .collect();
                }
            }
            for &(l, factor) in &linked[i] {
                for target in &self.synonyms.link(l).targets {
                    let (label, stems) = match target {
                        Target::Words { phrase, stems } => (phrase.clone(), stems.clone()),
                        Target::Need(id) => match self.terms.get(id) {
                            Some(term) => (
                                term.name.clone(),
                                tokens(&term.name).into_iter().map(|t| t.stem).collect(),
                            ),
                            None => continue,
                        },
                    };
                    // Only what the index has can match.
                    if !stems.is_empty() && stems.iter().all(|s| self.postings.contains_key(s)) {
                        ways.push(Way {
                            stems,
                            factor,
                            via: Via::Linked(label),
                        });
                    }
                }
            }
            expanded.push(QueryWord {
                word: t.word.clone(),
                ways,
            });
        }
        expanded
    }

    /// The postings and weights of each way of matching each word.
    fn prepare<'a>(&'a self, words: &'a [QueryWord]) -> Vec<Vec<PreparedWay<'a>>> {
        let n = self.len().max(1) as f32;
        words
            .iter()
            .map(|w| {
                w.ways
                    .iter()
                    .map(|way| PreparedWay {
                        lists: way
                            .stems
                            .iter()
                            .map(|s| {
                                let postings = self.postings[s].as_slice();
                                (postings, idf(n, postings.len()))
                            })
                            .collect(),
                        factor: way.factor,
                    })
                    .collect()
            })
            .collect()
    }

    fn avg_len(&self) -> f32 {
        ((self.total_length / self.len().max(1) as f64) as f32).max(1.0)
    }

    /// BM25 scores of every document matching any word, in slot order of
    /// first match. Scores are kept in dense arrays (one entry per slot):
    /// cheaper than maps at this size, and nothing is formatted here, since
    /// only the page shown needs explaining.
    fn text_scores(&self, words: &[QueryWord]) -> Vec<(u32, f32)> {
        let avg_len = self.avg_len();
        let slots = self.docs.len();
        let mut total = vec![0f32; slots];
        let mut matched = vec![0u16; slots];
        let mut touched: Vec<u32> = Vec::new();
        let mut best = vec![0f32; slots];
        for ways in self.prepare(words) {
            let mut word_touched: Vec<u32> = Vec::new();
            for way in &ways {
                // Walk the rarest word of a phrase; look the others up.
                let Some((walk, _)) = way.lists.iter().min_by_key(|(p, _)| p.len()) else {
                    continue;
                };
                for p in *walk {
                    let slot = p.slot as usize;
                    if self.docs[slot].is_none() {
                        continue;
                    }
                    let len = self.lengths[slot];
                    let score = match way.lists.as_slice() {
                        [(_, idf)] => way.factor * bm25(*idf, p.weight, len, avg_len),
                        _ => match way.score(p.slot, len, avg_len) {
                            Some(score) => score,
                            None => continue,
                        },
                    };
                    if best[slot] == 0.0 {
                        word_touched.push(p.slot);
                    }
                    best[slot] = best[slot].max(score);
                }
            }
            for slot in word_touched {
                let i = slot as usize;
                if matched[i] == 0 {
                    touched.push(slot);
                }
                total[i] += best[i];
                matched[i] += 1;
                best[i] = 0.0;
            }
        }
        // Reward results that match more of the words asked for.
        let asked = words.len().max(1) as f32;
        touched
            .into_iter()
            .map(|slot| {
                (
                    slot,
                    total[slot as usize] * f32::from(matched[slot as usize]) / asked,
                )
            })
            .collect()
    }

    /// The same scores for a known, smaller set of candidates: each looks its
    /// words up in the postings (sorted by slot) instead of walking them,
    /// which wins when a need or a distance has already narrowed the search.
    fn text_scores_among(&self, words: &[QueryWord], slots: &[u32]) -> Vec<(u32, f32)> {
        let avg_len = self.avg_len();
        let asked = words.len().max(1) as f32;
        let prepared = self.prepare(words);
        slots
            .iter()
            .filter_map(|&slot| {
                let len = self.lengths[slot as usize];
                let mut total = 0.0;
                let mut matched = 0u16;
                for ways in &prepared {
                    let best = ways
                        .iter()
                        .filter_map(|way| way.score(slot, len, avg_len))
                        .fold(0.0f32, f32::max);
                    if best > 0.0 {
                        total += best;
                        matched += 1;
                    }
                }
                (matched > 0).then(|| (slot, total * f32::from(matched) / asked))
            })
            .collect()
    }

    /// Why `doc` matched: the words (and where), then each filter.
    fn explain(
        &self,
        slot: u32,
        doc: &Doc,
        words: &[QueryWord],
        query: &Query,
        needs: Option<&Vec<Uuid>>,
        distance_m: Option<f64>,
    ) -> Vec<String> {
        let mut reasons = Vec::new();
        let len = self.lengths[slot as usize];
        let avg_len = self.avg_len();
        for (word, ways) in words.iter().zip(self.prepare(words)) {
            // The way that scored, for this listing.
            let best = word
                .ways
                .iter()
                .zip(&ways)
                .filter_map(|(way, prepared)| Some((way, prepared.score(slot, len, avg_len)?)))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let Some((way, _)) = best else { continue };
            let fields = way.stems.iter().fold(0u8, |bits, stem| {
                let postings = &self.postings[stem];
                postings
                    .binary_search_by_key(&slot, |p| p.slot)
                    .map_or(bits, |i| bits | postings[i].fields)
            });
            let places: Vec<&str> = Field::ALL
                .iter()
                .filter(|f| fields & f.bit() != 0)
                .map(|f| f.describe())
                .collect();
            let places = join_and(&places);
            reasons.push(match &way.via {
                Via::Word => format!("“{}” in {places}", word.word),
                Via::Typo => {
                    let stem = &way.stems[0];
                    let written = self.surface.get(stem).unwrap_or(stem);
                    format!("“{written}” in {places} (close to “{}”)", word.word)
                }
                Via::Linked(label) => {
                    format!("“{label}” in {places} (for “{}”)", word.word)
                }
            });
        }
        if let Some(needs) = needs
            && let Some(term) = doc.term_ids.iter().find(|t| needs.contains(t))
        {
            let name = self
                .terms
                .get(term)
                .map(|t| t.name.as_str())
                .unwrap_or("a need searched for");
            reasons.push(format!("Helps with {name}"));
        }
        if let Some(d) = distance_m {
            let from = query
                .near_label
                .as_deref()
                .map(|l| format!(" from {l}"))
                .unwrap_or_default();
            reasons.push(format!("{}{from}", describe_distance(d)));
        }
        if query.free_only {
            reasons.push("Free".into());
        }
        if let Some(rule) = doc
            .rules
            .iter()
            .find(|r| has_time_filter(query) && rule_matches(r, query))
        {
            reasons.push(format!("Open {}", rule.describe().to_lowercase()));
        }
        if let Some(age) = query.age {
            reasons.push(format!("For people aged {age}"));
        }
        reasons.extend(query.access.iter().map(|f| f.label().to_owned()));
        if let Some(language) = &query.language {
            reasons.push(format!(
                "In {}",
                linkwork_domain::directory::language_name(language)
            ));
        }
        reasons
    }

    /// Whether `doc` passes every filter; its distance when measured.
    fn passes(
        &self,
        doc: &Doc,
        query: &Query,
        needs: Option<&Vec<Uuid>>,
        language: Option<&str>,
    ) -> Option<Option<(usize, f64)>> {
        // Distance first: near a place it rules out most of the country.
        let near = match &query.near {
            None => None,
            Some(point) => match doc.nearest_within(point, query.radius_m()) {
                Some(found) => Some(found),
                None if query.within_m.is_some() => return None,
                None => None,
            },
        };
        if !query.statuses.is_empty() && !query.statuses.contains(&doc.status) {
            return None;
        }
        if let Some(needs) = needs
            && !doc.term_ids.iter().any(|t| needs.contains(t))
        {
            return None;
        }
        if let Some(taxonomy) = query.taxonomy
            && !doc.term_ids.iter().any(|t| {
                self.terms
                    .get(t)
                    .is_some_and(|t| t.taxonomy_id == Some(taxonomy))
            })
        {
            return None;
        }
        if query.organization.is_some() && doc.organization_id != query.organization {
            return None;
        }
        if query.free_only && !doc.free {
            return None;
        }
        if has_time_filter(query) && !doc.rules.iter().any(|r| rule_matches(r, query)) {
            return None;
        }
        if let Some(age) = query.age
            && !doc.accepts_age(age)
        {
            return None;
        }
        if let Some(min) = query.minimum_age_at_least
            && doc.minimum_age.is_none_or(|m| m < min)
        {
            return None;
        }
        if let Some(max) = query.maximum_age_at_most
            && doc.maximum_age.is_none_or(|m| m > max)
        {
            return None;
        }
        if !query.access.iter().all(|f| doc.has_access(*f)) {
            return None;
        }
        if let Some(language) = language
            && !doc.languages.iter().any(|l| l == language)
        {
            return None;
        }
        if let Some(after) = query.modified_after
            && doc.last_modified.is_none_or(|m| m < after)
        {
            return None;
        }
        Some(near)
    }

    /// The services a need or a distance allows, found from the indexes of
    /// terms and map squares without looking at any service: the services
    /// with the needs asked for and in the squares within the distance.
    /// (Later filters check each candidate fully.) Dense bitmaps, not
    /// sorting, remove duplicates and intersect the two.
    fn narrowed(&self, query: &Query, needs: Option<&[Uuid]>) -> Option<Vec<u32>> {
        let slots = self.docs.len();
        let area: Option<(Vec<bool>, Vec<u32>)> = match (&query.near, query.radius_m()) {
            (Some(point), Some(max)) => {
                let lat_span = max / METRES_PER_DEGREE;
                let lon_span = max / (METRES_PER_DEGREE * point.lat.to_radians().cos().max(0.01));
                let (lat0, lon0) = square(point.lat - lat_span, point.lon - lon_span);
                let (lat1, lon1) = square(point.lat + lat_span, point.lon + lon_span);
                let mut inside = vec![false; slots];
                let mut list = Vec::new();
                let mut take = |slots: &[u32]| {
                    for &slot in slots {
                        if !inside[slot as usize] {
                            inside[slot as usize] = true;
                            list.push(slot);
                        }
                    }
                };
                // Walk whichever is smaller: the squares in reach, or the
                // squares that hold services. Either way the cost is bounded
                // by the data, not by the distance asked for.
                let in_reach =
                    |(a, b): (i32, i32)| (lat0..=lat1).contains(&a) && (lon0..=lon1).contains(&b);
                let reach = (i64::from(lat1) - i64::from(lat0) + 1)
                    .saturating_mul(i64::from(lon1) - i64::from(lon0) + 1);
                if reach > self.by_square.len() as i64 {
                    for (sq, held) in &self.by_square {
                        if in_reach(*sq) {
                            take(held);
                        }
                    }
                } else {
                    for sq in (lat0..=lat1).flat_map(|a| (lon0..=lon1).map(move |b| (a, b))) {
                        take(self.by_square.get(&sq).map_or(&[], Vec::as_slice));
                    }
                }
                Some((inside, list))
            }
            _ => None,
        };
        let mut found = match (needs, area) {
            (Some(needs), area) => {
                let mut seen = vec![false; slots];
                let mut list = Vec::new();
                for &slot in needs.iter().filter_map(|n| self.by_term.get(n)).flatten() {
                    let in_area = area
                        .as_ref()
                        .is_none_or(|(inside, _)| inside[slot as usize]);
                    if in_area && !seen[slot as usize] {
                        seen[slot as usize] = true;
                        list.push(slot);
                    }
                }
                list
            }
            (None, Some((_, list))) => list,
            (None, None) => return None,
        };
        found.retain(|s| self.docs[*s as usize].is_some());
        Some(found)
    }

    pub fn search(&self, query: &Query) -> Results {
        let text = query
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let words = text.map(|t| self.expand(t)).unwrap_or_default();
        let needs = (!query.needs.is_empty()).then(|| self.with_descendants(&query.needs));
        let language = query
            .language
            .as_deref()
            .map(|l| linkwork_domain::directory::language_name(l).to_lowercase());

        let narrowed = self.narrowed(query, needs.as_deref());
        let candidates: Vec<(u32, f32)> = match (text, narrowed) {
            (Some(_), Some(set)) => {
                let postings: usize = words
                    .iter()
                    .flat_map(|w| &w.ways)
                    .filter_map(|way| way.stems.iter().map(|s| self.postings[s].len()).min())
                    .sum();
                // A lookup costs about as much as walking a dozen postings.
                if set.len() * words.len() * 12 < postings {
                    self.text_scores_among(&words, &set)
                } else {
                    // Drop the candidates outside the set before looking
                    // at any of them.
                    let mut allowed = vec![false; self.docs.len()];
                    for s in &set {
                        allowed[*s as usize] = true;
                    }
                    self.text_scores(&words)
                        .into_iter()
                        .filter(|(s, _)| allowed[*s as usize])
                        .collect()
                }
            }
            (Some(_), None) => self.text_scores(&words),
            (None, Some(set)) => set.into_iter().map(|s| (s, 0.0)).collect(),
            (None, None) => (0..self.docs.len() as u32)
                .filter(|s| self.docs[*s as usize].is_some())
                .map(|s| (s, 0.0))
                .collect(),
        };
        let mut found: Vec<Found> = candidates
            .into_iter()
            .filter_map(|(slot, score)| {
                let doc = self.docs[slot as usize].as_ref()?;
                let near = self.passes(doc, query, needs.as_ref(), language.as_deref())?;
                Some(Found { slot, score, near })
            })
            .collect();

        let distance = |f: &Found| f.near.map(|(_, d)| d).unwrap_or(f64::MAX);
        let name = |f: &Found| {
            self.docs[f.slot as usize]
                .as_ref()
                .map(|d| d.sort_key.as_str())
                .unwrap_or_default()
        };
        let by_name = |a: &Found, b: &Found| name(a).cmp(name(b)).then(a.slot.cmp(&b.slot));
        let by_distance = |a: &Found, b: &Found| {
            distance(a)
                .total_cmp(&distance(b))
                .then_with(|| by_name(a, b))
        };
        // Near a place, how well a service matches the words is weighed
        // with how far it is: a service twice as far needs a clearly
        // better match to come first (see `nearness`).
        let weighed = |f: &Found| match (&query.near, f.near) {
            (Some(_), Some((_, d))) => f.score * nearness(d),
            _ => f.score,
        };
        let by_score = |a: &Found, b: &Found| {
            weighed(b)
                .total_cmp(&weighed(a))
                .then_with(|| by_distance(a, b))
        };
        let order: &dyn Fn(&Found, &Found) -> std::cmp::Ordering = match query.order {
            Order::Name => &by_name,
            Order::Distance => &by_distance,
            Order::Auto if text.is_some() => &by_score,
            Order::Auto if query.near.is_some() => &by_distance,
            Order::Auto => &by_name,
        };
        let total = found.len();
        let per_page = query.per_page.max(1);
        let start = (query.page.max(1) - 1).saturating_mul(per_page).min(total);
        let end = start.saturating_add(per_page).min(total);
        // Only the results up to the page shown need to be in order.
        if end < total && end > 0 {
            found.select_nth_unstable_by(end - 1, order);
            found.truncate(end);
        }
        found.sort_by(order);
        let hits = found[start..end.min(found.len())]
            .iter()
            .filter_map(|f| {
                let doc = self.docs[f.slot as usize].as_ref()?;
                // Shown distances are exact great-circle distances.
                let exact = f.near.and_then(|(i, _)| {
                    Some(doc.locations.get(i)?.point.distance_m(query.near.as_ref()?))
                });
                Some(Hit {
                    id: doc.id,
                    score: f.score,
                    distance_m: exact,
                    nearest_location: f.near.map(|(i, _)| i),
                    reasons: self.explain(f.slot, doc, &words, query, needs.as_ref(), exact),
                })
            })
            .collect();
        Results { hits, total }
    }
}

/// A query word and the ways a listing can match it.
struct QueryWord {
    word: String,
    ways: Vec<Way>,
}

/// One way of matching a query word: stems a listing must all have, and
/// what a match is worth.
struct Way {
    stems: Vec<String>,
    factor: f32,
    via: Via,
}

/// Why a way matches, for explanations.
enum Via {
    /// The word as typed (or another form of it).
    Word,
    /// A stem close to a word the index does not have.
    Typo,
    /// What an everyday word stands for, named as the synonyms or the
    /// need list write it.
    Linked(String),
}

/// A way with its postings looked up.
struct PreparedWay<'a> {
    lists: Vec<(&'a [Posting], f32)>,
    factor: f32,
}

impl PreparedWay<'_> {
    /// Its score in the document at `slot`: the mean of its stems' BM25
    /// scores, so a phrase weighs what one word weighs; `None` unless the
    /// document has every stem.
    fn score(&self, slot: u32, len: f32, avg_len: f32) -> Option<f32> {
        let mut sum = 0.0;
        for (postings, idf) in &self.lists {
            let i = postings.binary_search_by_key(&slot, |p| p.slot).ok()?;
            sum += bm25(*idf, postings[i].weight, len, avg_len);
        }
        Some(self.factor * sum / self.lists.len().max(1) as f32)
    }
}

/// A document that passed, before it is explained.
struct Found {
    slot: u32,
    score: f32,
    /// Nearest location and its (approximate) distance, near a place.
    near: Option<(usize, f64)>,
}

fn has_time_filter(q: &Query) -> bool {
    q.day.is_some() || q.open_at.is_some() || q.opens_from.is_some() || q.closes_by.is_some()
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
/// How much being `m` metres away weighs on a match: 1 on the doorstep,
/// a half at 10 km (about 6 miles), a third at 20 km. Between two equal
/// matches the nearer wins; a service whose name matches (three times a
/// description's weight) still beats a passing mention next door.
fn nearness(m: f64) -> f32 {
    (1.0 / (1.0 + m / 10_000.0)) as f32
}

fn describe_distance(m: f64) -> String {
    let miles = m / METRES_PER_MILE;
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
