//! The community directory, modelled on Open Referral UK 3.0 (the UK
//! profile of HSDS 3.0): organisations, services, locations and where each
//! service is delivered, schedules, costs, accessibility, languages,
//! contacts, service areas and the taxonomies that classify services.
//!
//! The types serialise to exactly the profile's JSON (field names, nesting,
//! absent values left out rather than `null`), so the open API serves them
//! as they are and the importer reads them directly.

pub mod feeds;
pub mod model;
pub mod needs;
pub mod schedule;
pub mod validate;

pub use model::*;
