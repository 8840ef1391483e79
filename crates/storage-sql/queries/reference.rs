//! Needs, clinical codes, network coverage, API tokens and rate limits.

use async_trait::async_trait;
use linkwork_domain::api_token::ApiToken;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::codes::{ClinicalCode, CodePurpose, Need};
use linkwork_domain::coverage::sort_outcodes;
use linkwork_domain::{ApiTokenId, OrgId, Timestamp, UserId};
use linkwork_storage::{
    ApiTokenStore, ReferenceDataStore, StorageError, StorageResult, StoredSynonyms,
};
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use super::audit::{insert as insert_audit, push_within};
use super::{DbRow, backend, conflict_or_backend, corrupt};
use crate::dialect::{Db, Store};

fn clinical_code(row: &DbRow) -> StorageResult<ClinicalCode> {
    let purpose: String = row.try_get("purpose").map_err(backend)?;
    Ok(ClinicalCode {
        purpose: CodePurpose::from_code(&purpose)
            .ok_or_else(|| corrupt("code purpose", &purpose))?,
        system: row.try_get("system").map_err(backend)?,
        code: row.try_get("code").map_err(backend)?,
        display: row.try_get("display").map_err(backend)?,
    })
}

const TOKEN_SELECT: &str = "SELECT id, org_id, name, token_hash, hint, created_at, created_by, last_used_at, revoked_at FROM api_tokens";

fn api_token(row: &DbRow) -> StorageResult<ApiToken> {
    Ok(ApiToken {
        id: row.try_get::<Uuid, _>("id").map_err(backend)?.into(),
        org_id: row.try_get::<Uuid, _>("org_id").map_err(backend)?.into(),
        name: row.try_get("name").map_err(backend)?,
        token_hash: row.try_get("token_hash").map_err(backend)?,
        hint: row.try_get("hint").map_err(backend)?,
        created_at: row.try_get("created_at").map_err(backend)?,
        created_by: row.try_get("created_by").map_err(backend)?,
        last_used_at: row.try_get("last_used_at").map_err(backend)?,
        revoked_at: row.try_get("revoked_at").map_err(backend)?,
    })
}

#[async_trait]
impl ReferenceDataStore for Store {
    async fn needs(&self) -> StorageResult<Vec<Need>> {
        let rows = sqlx::query(
            "SELECT code, label, snomed_code, active, position FROM needs ORDER BY position, code",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|row| {
                Ok(Need {
                    code: row.try_get("code").map_err(backend)?,
                    label: row.try_get("label").map_err(backend)?,
                    snomed_code: row.try_get("snomed_code").map_err(backend)?,
                    active: row.try_get("active").map_err(backend)?,
                    position: row.try_get("position").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn need_terms(&self) -> StorageResult<Vec<(String, String)>> {
        sqlx::query_as("SELECT need_code, term_code FROM need_terms ORDER BY need_code, term_code")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)
    }

    async fn save_need(&self, need: &Need, audit: &NewAuditEvent) -> StorageResult<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO needs (code, label, snomed_code, active, position) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (code) DO UPDATE SET label = excluded.label, snomed_code = excluded.snomed_code, \
             active = excluded.active, position = excluded.position",
        )
        .bind(&need.code)
        .bind(&need.label)
        .bind(&need.snomed_code)
        .bind(need.active)
        .bind(need.position)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn clinical_code(&self, purpose: CodePurpose) -> StorageResult<Option<ClinicalCode>> {
        let row = sqlx::query(
            "SELECT purpose, system, code, display FROM clinical_codes WHERE purpose = $1",
        )
        .bind(purpose.code())
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.as_ref().map(clinical_code).transpose()
    }

    async fn clinical_codes(&self) -> StorageResult<Vec<ClinicalCode>> {
        let rows = sqlx::query(
            "SELECT purpose, system, code, display FROM clinical_codes ORDER BY purpose",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(clinical_code).collect()
    }

    async fn set_clinical_code(
        &self,
        code: &ClinicalCode,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO clinical_codes (purpose, system, code, display) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (purpose) DO UPDATE SET system = excluded.system, code = excluded.code, display = excluded.display",
        )
        .bind(code.purpose.code())
        .bind(&code.system)
        .bind(&code.code)
        .bind(&code.display)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn search_synonyms(&self) -> StorageResult<Option<StoredSynonyms>> {
        let row = sqlx::query(
            "SELECT body, version, updated_at, updated_by FROM search_synonyms WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.map(|row| {
            Ok(StoredSynonyms {
                text: row.try_get("body").map_err(backend)?,
                version: row.try_get("version").map_err(backend)?,
                updated_at: row.try_get("updated_at").map_err(backend)?,
                updated_by: UserId(row.try_get("updated_by").map_err(backend)?),
            })
        })
        .transpose()
    }

    async fn save_search_synonyms(
        &self,
        text: &str,
        by: UserId,
        at: Timestamp,
        audit: &NewAuditEvent,
    ) -> StorageResult<i64> {
        let mut tx = self.write().await?;
        // One row: the version counts saves, so instances can tell theirs
        // is out of date with one comparison.
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO search_synonyms (id, body, version, updated_at, updated_by) \
             VALUES (1, $1, 1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, \
             version = search_synonyms.version + 1, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by \
             RETURNING version",
        )
        .bind(text)
        .bind(at)
        .bind(by.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)?;
        Ok(version)
    }

    async fn pcn_for_outcode(&self, outcode: &str) -> StorageResult<Option<OrgId>> {
        let id: Option<Uuid> =
            sqlx::query_scalar("SELECT pcn_id FROM pcn_coverage WHERE outcode = $1")
                .bind(outcode.trim().to_ascii_uppercase())
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        Ok(id.map(Into::into))
    }

    async fn pcn_coverage(&self, pcn_id: OrgId) -> StorageResult<Vec<String>> {
        let mut outcodes: Vec<String> =
            sqlx::query_scalar("SELECT outcode FROM pcn_coverage WHERE pcn_id = $1")
                .bind(pcn_id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
        sort_outcodes(&mut outcodes);
        Ok(outcodes)
    }

    async fn set_pcn_coverage(
        &self,
        pcn_id: OrgId,
        outcodes: &[String],
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM pcn_coverage WHERE pcn_id = $1")
            .bind(pcn_id.0)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        if !outcodes.is_empty() {
            let mut query = QueryBuilder::<Db>::new("INSERT INTO pcn_coverage (outcode, pcn_id) ");
            query.push_values(outcodes, |mut b, outcode| {
                b.push_bind(outcode.clone()).push_bind(pcn_id.0);
            });
            query.build().execute(&mut *tx).await.map_err(|e| {
                conflict_or_backend(
                    e,
                    "A postcode district is already covered by another network",
                )
            })?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }
}

#[async_trait]
impl ApiTokenStore for Store {
    async fn create_api_token(&self, t: &ApiToken, audit: &NewAuditEvent) -> StorageResult<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, org_id, name, token_hash, hint, created_at, created_by, last_used_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(t.id.0)
        .bind(t.org_id.0)
        .bind(&t.name)
        .bind(&t.token_hash)
        .bind(&t.hint)
        .bind(t.created_at)
        .bind(&t.created_by)
        .bind(t.last_used_at)
        .bind(t.revoked_at)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn api_token_by_hash(&self, token_hash: &str) -> StorageResult<Option<ApiToken>> {
        let row = sqlx::query(&format!("{TOKEN_SELECT} WHERE token_hash = $1"))
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(api_token).transpose()
    }

    async fn api_token(&self, id: ApiTokenId) -> StorageResult<Option<ApiToken>> {
        let row = sqlx::query(&format!("{TOKEN_SELECT} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(api_token).transpose()
    }

    async fn api_tokens(&self, within: Option<OrgId>) -> StorageResult<Vec<ApiToken>> {
        let mut query = QueryBuilder::<Db>::new(TOKEN_SELECT);
        if let Some(root) = within {
            query.push(" WHERE ");
            push_within(&mut query, "org_id", root);
        }
        query.push(" ORDER BY created_at DESC, id");
        let rows = query.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(api_token).collect()
    }

    async fn revoke_api_token(
        &self,
        id: ApiTokenId,
        at: Timestamp,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        let result = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if result.rows_affected() != 1 {
            return Err(StorageError::NotFound("API token"));
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn touch_api_token(&self, id: ApiTokenId, at: Timestamp) -> StorageResult<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
