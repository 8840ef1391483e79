//! Storage for the person's rights: restricting a record and lifting the
//! restriction (erasure, merging and retention join it as they are built).

use async_trait::async_trait;
use linkwork_domain::PersonId;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::person_rights::Restriction;

use crate::StorageResult;

#[async_trait]
pub trait RightsStore: Send + Sync {
    /// Restricts a person's record (`Some`), or lifts the restriction
    /// (`None`). `NotFound` if there is no such person.
    async fn set_restriction(
        &self,
        id: PersonId,
        restriction: Option<&Restriction>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;
}
