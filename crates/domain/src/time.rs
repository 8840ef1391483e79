//! Time as the system records it.

use chrono::{DateTime, SubsecRound, Utc};

/// Every recorded instant is UTC.
pub type Timestamp = DateTime<Utc>;

/// The current instant, truncated to whole microseconds: PostgreSQL keeps
/// microseconds, so anything finer would not survive a round trip and the
/// two backends would disagree about equality.
pub fn now() -> Timestamp {
    Utc::now().trunc_subsecs(6)
}
