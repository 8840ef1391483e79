//! Linkwork's domain: the types the whole system speaks and the rules that
//! hold regardless of storage or transport. Nothing here does IO.

pub mod audit;
pub mod directory;
pub mod geo;
pub mod ids;
pub mod organisation;
pub mod postcode;
pub mod role;
pub mod session;
pub mod time;
pub mod user;
pub mod validation;

pub use ids::{AuditEventId, OrgId, UserId};
pub use time::Timestamp;
