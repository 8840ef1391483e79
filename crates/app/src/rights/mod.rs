//! A person's rights over what Linkwork holds about them (UK GDPR): the
//! subject access export, restriction of processing, erasure and merging
//! duplicate records.

mod erasure;
mod merge;
mod restriction;
mod subject_access;

pub use subject_access::{Field, Section, SubjectAccess};
