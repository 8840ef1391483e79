//! Directory search held in memory. The database stays the source of
//! truth: the index is built from it at start and kept current from its
//! change log, so every instance answers from memory in microseconds.

mod doc;
mod index;
mod query;
mod synonyms;
mod text;

pub use doc::{AccessFeature, Doc, DocLocation};
pub use index::SearchIndex;
pub use query::{Hit, MAX_DISTANCE_M, Order, Query, Results};
pub use synonyms::{SHIPPED as SHIPPED_SYNONYMS, Synonyms, SynonymsError};
