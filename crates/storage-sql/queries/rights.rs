//! The person's rights: restricting a record and lifting the restriction.

use async_trait::async_trait;
use linkwork_domain::PersonId;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::person_rights::Restriction;
use linkwork_storage::{RightsStore, StorageError, StorageResult};

use super::audit::insert as insert_audit;
use super::backend;
use crate::dialect::Store;

#[async_trait]
impl RightsStore for Store {
    async fn set_restriction(
        &self,
        id: PersonId,
        restriction: Option<&Restriction>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        let changed = sqlx::query(
            "UPDATE people SET restricted_at = $1, restricted_reason = $2, restricted_by = $3 WHERE id = $4",
        )
        .bind(restriction.map(|r| r.at))
        .bind(restriction.map(|r| r.reason.as_str()))
        .bind(restriction.map(|r| r.by.as_str()))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if changed.rows_affected() == 0 {
            return Err(StorageError::NotFound("person"));
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }
}
