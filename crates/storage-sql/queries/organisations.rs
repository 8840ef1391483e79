use async_trait::async_trait;
use linkwork_domain::OrgId;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::organisation::{OrgScope, Organisation};
use linkwork_storage::{OrganisationStore, StorageResult};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::audit::{insert as insert_audit, push_within};
use super::{backend, conflict_or_backend, rows};
use crate::dialect::{Db, Store};

const COLUMNS: &str = "SELECT id, name, kind, parent_id, code, created_at FROM organisations";

#[async_trait]
impl OrganisationStore for Store {
    async fn create_organisation(
        &self,
        org: &Organisation,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        sqlx::query("INSERT INTO organisations (id, name, kind, parent_id, code, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(org.id.0)
            .bind(&org.name)
            .bind(org.kind.code())
            .bind(org.parent_id.map(|p| p.0))
            .bind(org.code.as_deref())
            .bind(org.created_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_or_backend(e, "Another organisation already has that code"))?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn organisation(&self, id: OrgId) -> StorageResult<Option<Organisation>> {
        let row = sqlx::query(&format!("{COLUMNS} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(rows::organisation).transpose()
    }

    async fn organisation_by_code(&self, code: &str) -> StorageResult<Option<Organisation>> {
        let row = sqlx::query(&format!("{COLUMNS} WHERE code = $1"))
            .bind(code.trim().to_uppercase())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(rows::organisation).transpose()
    }

    async fn list_organisations(&self, within: Option<OrgId>) -> StorageResult<Vec<Organisation>> {
        let mut query = QueryBuilder::<Db>::new(COLUMNS);
        if let Some(root) = within {
            query.push(" WHERE ");
            push_within(&mut query, "id", root);
        }
        query.push(" ORDER BY lower(name), id");
        let rows = query.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(rows::organisation).collect()
    }

    async fn org_scope(&self, root: OrgId) -> StorageResult<OrgScope> {
        let mut query = QueryBuilder::<Db>::new("SELECT id FROM organisations WHERE ");
        push_within(&mut query, "id", root);
        let ids: Vec<Uuid> = query
            .build_query_scalar()
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(OrgScope::new(
            root,
            ids.into_iter().map(Into::into).collect(),
        ))
    }
}
