//! Linking people to community support: finding services that fit the
//! person, referring them onward (to a community partner's inbox, or by
//! email to the service), the partner's answers (signed in, or from a
//! one-time link in their email) that close the loop, "needs attention"
//! for the link worker, services' capacity, favourites and shortlists.
//!
//! The team sees its network's onward referrals; a partner sees only the
//! referrals sent to its own services, and of the person only what was
//! shared, never case notes. Every read and change is audited.

mod find;
pub mod fit;
mod lists;
mod onward;

pub use find::{FindRequest, FindResults, Suggestion};
pub use lists::{ServiceCard, ShortlistView};
pub use onward::{CaseSupport, LinkAnswer, OnwardTarget, PartnerView};
