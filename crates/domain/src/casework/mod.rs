//! The link worker's record of one person's journey, from first contact to
//! discharge: contacts (appointments, calls, visits, sessions), "what
//! matters to me", the personalised care and support plan, case notes and
//! safeguarding concerns, tasks, and the discharge. Everything hangs off a
//! referral, which is the episode of support; the referral's own status
//! moves through `crate::referral`.
//!
//! Each record is checked here from what a form or API sent ("…Input"),
//! with a plain-English message per field, before anything is stored.

mod contact;
mod discharge;
mod note;
mod plan;
mod task;
mod what_matters;

pub use contact::*;
pub use discharge::*;
pub use note::*;
pub use plan::*;
pub use task::*;
pub use what_matters::*;

use crate::person::DateParts;
use crate::validation::ValidationErrors;

/// A date the person or worker typed, which may be absent.
fn optional_date(
    errors: &mut ValidationErrors,
    field: &'static str,
    parts: &DateParts,
    what: &str,
) -> Option<chrono::NaiveDate> {
    parts.parse(what).unwrap_or_else(|message| {
        errors.add(field, message);
        None
    })
}

/// A code-named value from a fixed list, parsed from a form.
macro_rules! coded_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $code:literal, $label:literal;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }

            pub fn from_code(code: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.code() == code.trim())
            }
        }
    };
}
pub(crate) use coded_enum;
