//! A person's rights over what Linkwork holds about them (UK GDPR): for
//! now, the subject access export.

mod subject_access;

pub use subject_access::{Field, Section, SubjectAccess};
