//! Linking pages: finding support that fits a person, shortlists for them,
//! referring them onward, the case's "Support and services" page and
//! "needs attention"; a community partner's inbox and answers; the public
//! one-time answer links in partners' emails; services' capacity.

pub mod answer;
pub mod capacity;
pub mod find;
pub mod partner;
pub mod shortlists;
pub mod support;
