//! Everyday words linked to the words listings use and to needs, as data:
//! someone who types "lonely" wants befriending and lunch clubs, though no
//! listing says "lonely"; "COPD" means Breathe Easy. Linkwork ships a list
//! (`synonyms.toml` beside this crate's sources) that the index applies at
//! query time, at a lower weight than the word typed, so a listing that
//! says the word itself still comes first.

use serde::Deserialize;
use uuid::Uuid;

use crate::text::{MIN_FUZZY_CHARS, edit_distance_chars, tokens, typo_allowance};

/// The list Linkwork ships.
pub const SHIPPED: &str = include_str!("../synonyms.toml");

/// What a linked word stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// Words a listing may use, all of them (their stems), with the phrase
    /// as written for explanations.
    Words { phrase: String, stems: Vec<String> },
    /// A need of Linkwork's list: found by its name, which every listing
    /// with the need or a narrower one carries.
    Need(Uuid),
}

/// Everyday words (each a phrase of one or more words) and what they
/// stand for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    /// Each phrase's stems, in order.
    phrases: Vec<Vec<String>>,
    /// The one-word phrases as written, for typos ("lonley").
    single_words: Vec<String>,
    pub(crate) targets: Vec<Target>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms {
    links: Vec<Link>,
}

/// Why a list of synonyms was refused; nothing of it is applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SynonymsError {
    #[error("the synonyms are not valid TOML: {0}")]
    Syntax(String),
    #[error("link {link}: {problem}")]
    Link { link: usize, problem: String },
}

/// The file's shape: `[[link]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    link: Vec<RawLink>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    words: Vec<String>,
    #[serde(default)]
    terms: Vec<String>,
    #[serde(default)]
    needs: Vec<String>,
}

impl Synonyms {
    /// The list Linkwork ships.
    pub fn shipped() -> Synonyms {
        Synonyms::parse(SHIPPED).expect("the shipped synonyms are valid (tested)")
    }

    /// Reads a list in the shipped file's format, refusing it whole if any
    /// link is unusable: no words, nothing to stand for, a phrase of only
    /// common words ("the"), or a need code Linkwork does not have.
    pub fn parse(text: &str) -> Result<Synonyms, SynonymsError> {
        let file: File =
            toml::from_str(text).map_err(|e| SynonymsError::Syntax(e.message().to_owned()))?;
        let mut links = Vec::new();
        for (i, raw) in file.link.into_iter().enumerate() {
            let number = i + 1;
            let problem = |problem: String| SynonymsError::Link {
                link: number,
                problem,
            };
            if raw.words.is_empty() {
                return Err(problem("list at least one everyday word".into()));
            }
            if raw.terms.is_empty() && raw.needs.is_empty() {
                return Err(problem(
                    "give the terms or needs the words stand for".into(),
                ));
            }
            let stems_of = |phrase: &str| -> Result<Vec<String>, SynonymsError> {
                let stems: Vec<String> = tokens(phrase).into_iter().map(|t| t.stem).collect();
                if stems.is_empty() {
                    return Err(problem(format!(
                        "“{phrase}” has only words too common to search for"
                    )));
                }
                Ok(stems)
            };
            let mut phrases = Vec::new();
            let mut single_words = Vec::new();
            for phrase in &raw.words {
                phrases.push(stems_of(phrase)?);
                if let [token] = tokens(phrase).as_slice() {
                    single_words.push(token.word.clone());
                }
            }
            let mut targets = Vec::new();
            for phrase in &raw.terms {
                targets.push(Target::Words {
                    phrase: phrase.trim().to_lowercase(),
                    stems: stems_of(phrase)?,
                });
            }
            for code in &raw.needs {
                let id = linkwork_domain::directory::needs::need_id(code.trim())
                    .ok_or_else(|| problem(format!("there is no need with the code “{code}”")))?;
                targets.push(Target::Need(id));
            }
            links.push(Link {
                phrases,
                single_words,
                targets,
            });
        }
        Ok(Synonyms { links })
    }

    /// Whether a stem is one of the everyday words: a known word, never
    /// corrected as a typo.
    pub(crate) fn knows(&self, stem: &str) -> bool {
        self.links
            .iter()
            .flat_map(|l| &l.phrases)
            .any(|p| p.iter().any(|s| s == stem))
    }

    /// For each of `stems` (a query's words in order), the links whose
    /// phrases cover it: a phrase of several words stands for its meaning
    /// at each of its words ("low mood").
    pub(crate) fn links_at(&self, stems: &[&str]) -> Vec<Vec<usize>> {
        let mut at: Vec<Vec<usize>> = vec![Vec::new(); stems.len()];
        for (l, link) in self.links.iter().enumerate() {
            for phrase in &link.phrases {
                for start in 0..stems.len() {
                    let end = start + phrase.len();
                    if end <= stems.len() && stems[start..end].iter().eq(phrase.iter()) {
                        for covered in &mut at[start..end] {
                            if !covered.contains(&l) {
                                covered.push(l);
                            }
                        }
                    }
                }
            }
        }
        at
    }

    /// Links with a one-word phrase within the typo allowance of `word`
    /// (as written), under the same rule as the index's words.
    pub(crate) fn near(&self, word: &str) -> Vec<usize> {
        let chars: Vec<char> = word.chars().collect();
        let max = typo_allowance(chars.len());
        if max == 0 {
            return Vec::new();
        }
        self.links
            .iter()
            .enumerate()
            .filter(|(_, link)| {
                link.single_words.iter().any(|w| {
                    w.chars().count() >= MIN_FUZZY_CHARS
                        && edit_distance_chars(&chars, w, max).is_some()
                })
            })
            .map(|(l, _)| l)
            .collect()
    }

    /// How many links the list has.
    pub fn len(&self) -> usize {
        self.links.len()
    }

    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    pub(crate) fn link(&self, l: usize) -> &Link {
        &self.links[l]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_is_valid_and_covers_the_commonest_reasons() {
        let synonyms = Synonyms::shipped();
        for word in [
            "lonely",
            "loneliness",
            "isolation",
            "anxiety",
            "low mood",
            "bereavement",
            "debt",
            "benefits",
            "housing",
            "carer",
            "long-term condition",
            "exercise",
            "weight",
            "diabetes",
            "copd",
            "dementia",
            "unemployed",
            "digital skills",
            "food",
        ] {
            let stems: Vec<String> = tokens(word).into_iter().map(|t| t.stem).collect();
            let stems: Vec<&str> = stems.iter().map(String::as_str).collect();
            assert!(
                synonyms.links_at(&stems).iter().all(|l| !l.is_empty()),
                "nothing for “{word}”"
            );
        }
    }

    #[test]
    fn phrases_cover_each_of_their_words_in_order() {
        let synonyms = Synonyms::parse(
            r#"
            [[link]]
            words = ["low mood"]
            terms = ["stress"]
            "#,
        )
        .unwrap();
        assert_eq!(
            synonyms.links_at(&["feel", "low", "mood"]),
            vec![vec![], vec![0], vec![0]]
        );
        assert_eq!(
            synonyms.links_at(&["mood", "low"]),
            vec![Vec::<usize>::new(), vec![]]
        );
    }

    #[test]
    fn typos_of_everyday_words_are_recognised_but_short_words_are_not() {
        let synonyms = Synonyms::parse(
            r#"
            [[link]]
            words = ["lonely", "copd"]
            terms = ["befriending"]
            "#,
        )
        .unwrap();
        assert_eq!(synonyms.near("lonley"), vec![0]);
        assert!(synonyms.near("cpod").is_empty());
        assert!(synonyms.knows("lone"));
    }

    #[test]
    fn an_unusable_list_is_refused_with_the_reason() {
        let refused = |text: &str| Synonyms::parse(text).unwrap_err().to_string();
        assert_eq!(
            refused("[[link]]\nwords = [\"lonely\"]\nneeds = [\"nonsense\"]"),
            "link 1: there is no need with the code “nonsense”"
        );
        assert_eq!(
            refused("[[link]]\nwords = [\"lonely\"]"),
            "link 1: give the terms or needs the words stand for"
        );
        assert_eq!(
            refused("[[link]]\nwords = [\"the\"]\nterms = [\"x\"]"),
            "link 1: “the” has only words too common to search for"
        );
        assert!(refused("[[link]]\nwords = 3").starts_with("the synonyms are not valid TOML"));
        assert!(refused("[[link]]\nwords = [\"a b\"]\nterm = [\"x\"]").starts_with("the synonyms"));
    }
}
