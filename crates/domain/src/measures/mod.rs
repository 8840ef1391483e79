//! Outcome measures as data: a questionnaire's items, answer options,
//! scoring rules and bands come from a definition file (TOML), checked on
//! load, so an organisation can add its own licensed measures without a
//! new release. ONS4 and the UCLA 3-item loneliness scale are built in;
//! SWEMWBS's scoring is built in, its wording supplied under licence (see
//! `builtin`).

mod builtin;
mod cohort;
mod definition;
mod response;
mod scoring;

pub use builtin::{SWEMWBS_METRIC, builtin_definitions};
pub use cohort::{CohortChange, METHOD, PAIRING, Pair, Paired, cohort_change, pair_responses};
pub use definition::{
    AnswerOption, Band, Definition, DefinitionError, Item, MAX_ITEMS, Rule, ScoreDefinition,
    item_field,
};
pub use response::{
    CompletedBy, GpAppointments, MeasureLink, MeasureResponse, Occasion, ResponseContext,
    answers_from_form, appointment_count,
};
pub use scoring::{AnswerError, Answers, Score, Scored};

#[cfg(test)]
mod tests;
