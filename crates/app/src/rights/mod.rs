//! A person's rights over what Linkwork holds about them (UK GDPR): the
//! subject access export, restriction of processing, erasure, merging
//! duplicate records and the retention sweep.

mod erasure;
mod merge;
mod restriction;
mod retention;
mod subject_access;

pub use retention::RetentionSweep;
pub use subject_access::{Field, Section, SubjectAccess};
