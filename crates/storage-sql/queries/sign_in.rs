use async_trait::async_trait;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::{OrgId, Timestamp, UserId};
use linkwork_storage::{
    OidcSettings, OrgSignIn, SignInStore, StorageResult, StoredSecondFactor, UnusedRecoveryCode,
};
use sqlx::Row;
use uuid::Uuid;

use super::audit::insert as insert_audit;
use super::{Connection, backend, conflict_or_backend};
use crate::dialect::Store;

/// Steps are Unix time over 30 s: far inside `i64` for any clock.
fn step_column(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

/// The session no longer waits for its second factor.
async fn complete_session(conn: &mut Connection, token_hash: &str) -> StorageResult<()> {
    sqlx::query("UPDATE sessions SET second_factor_pending = $1 WHERE token_hash = $2")
        .bind(false)
        .bind(token_hash)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    Ok(())
}

#[async_trait]
impl SignInStore for Store {
    async fn second_factor(&self, user: UserId) -> StorageResult<Option<StoredSecondFactor>> {
        let row = sqlx::query(
            "SELECT secret_sealed, last_step, set_up_at FROM user_second_factors WHERE user_id = $1",
        )
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.map(|row| {
            Ok(StoredSecondFactor {
                secret_sealed: row.try_get("secret_sealed").map_err(backend)?,
                last_step: row.try_get::<i64, _>("last_step").map_err(backend)?.max(0) as u64,
                set_up_at: row.try_get("set_up_at").map_err(backend)?,
            })
        })
        .transpose()
    }

    async fn set_second_factor(
        &self,
        user: UserId,
        factor: &StoredSecondFactor,
        recovery_code_hashes: &[String],
        completing: Option<&str>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        for table in ["user_second_factors", "user_recovery_codes"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(user.0)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        sqlx::query(
            "INSERT INTO user_second_factors (user_id, secret_sealed, last_step, set_up_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user.0)
        .bind(&factor.secret_sealed)
        .bind(step_column(factor.last_step))
        .bind(factor.set_up_at)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        for (position, hash) in recovery_code_hashes.iter().enumerate() {
            sqlx::query(
                "INSERT INTO user_recovery_codes (user_id, position, code_hash, used_at) VALUES ($1, $2, $3, NULL)",
            )
            .bind(user.0)
            .bind(position as i16)
            .bind(hash)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        if let Some(token_hash) = completing {
            complete_session(&mut tx, token_hash).await?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn use_totp_step(
        &self,
        user: UserId,
        step: u64,
        token_hash: &str,
        audit: &NewAuditEvent,
    ) -> StorageResult<bool> {
        let mut tx = self.write().await?;
        // The comparison and the write are one statement: of two requests
        // bringing the same code, the second finds the step used.
        let used = sqlx::query(
            "UPDATE user_second_factors SET last_step = $1 WHERE user_id = $2 AND last_step < $1",
        )
        .bind(step_column(step))
        .bind(user.0)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if used.rows_affected() != 1 {
            return Ok(false);
        }
        complete_session(&mut tx, token_hash).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }

    async fn unused_recovery_codes(&self, user: UserId) -> StorageResult<Vec<UnusedRecoveryCode>> {
        let rows = sqlx::query(
            "SELECT position, code_hash FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL ORDER BY position",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|row| {
                Ok(UnusedRecoveryCode {
                    position: row.try_get::<i16, _>("position").map_err(backend)?.max(0) as u16,
                    code_hash: row.try_get("code_hash").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn use_recovery_code(
        &self,
        user: UserId,
        position: u16,
        at: Timestamp,
        token_hash: &str,
        audit: &NewAuditEvent,
    ) -> StorageResult<bool> {
        let mut tx = self.write().await?;
        let used = sqlx::query(
            "UPDATE user_recovery_codes SET used_at = $1 WHERE user_id = $2 AND position = $3 AND used_at IS NULL",
        )
        .bind(at)
        .bind(user.0)
        .bind(position as i16)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if used.rows_affected() != 1 {
            return Ok(false);
        }
        complete_session(&mut tx, token_hash).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }

    async fn remove_second_factor(&self, user: UserId, audit: &NewAuditEvent) -> StorageResult<()> {
        let mut tx = self.write().await?;
        for table in ["user_second_factors", "user_recovery_codes"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(user.0)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn org_sign_in(&self, org: OrgId) -> StorageResult<OrgSignIn> {
        let row = sqlx::query(
            "SELECT require_second_factor, oidc_issuer, oidc_client_id, oidc_client_secret_sealed, \
             oidc_claim, oidc_email_domain FROM org_sign_in WHERE org_id = $1",
        )
        .bind(org.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let Some(row) = row else {
            return Ok(OrgSignIn::default());
        };
        let text = |column: &str| row.try_get::<Option<String>, _>(column).map_err(backend);
        let oidc = match (
            text("oidc_issuer")?,
            text("oidc_client_id")?,
            text("oidc_client_secret_sealed")?,
            text("oidc_claim")?,
            text("oidc_email_domain")?,
        ) {
            (
                Some(issuer),
                Some(client_id),
                Some(client_secret_sealed),
                Some(claim),
                Some(email_domain),
            ) => Some(OidcSettings {
                issuer,
                client_id,
                client_secret_sealed,
                claim,
                email_domain,
            }),
            _ => None,
        };
        Ok(OrgSignIn {
            require_second_factor: row.try_get("require_second_factor").map_err(backend)?,
            oidc,
        })
    }

    async fn set_org_sign_in(
        &self,
        org: OrgId,
        settings: &OrgSignIn,
        at: Timestamp,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        let oidc = settings.oidc.as_ref();
        sqlx::query(
            "INSERT INTO org_sign_in (org_id, require_second_factor, oidc_issuer, oidc_client_id, \
             oidc_client_secret_sealed, oidc_claim, oidc_email_domain, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (org_id) DO UPDATE SET require_second_factor = excluded.require_second_factor, \
             oidc_issuer = excluded.oidc_issuer, oidc_client_id = excluded.oidc_client_id, \
             oidc_client_secret_sealed = excluded.oidc_client_secret_sealed, \
             oidc_claim = excluded.oidc_claim, oidc_email_domain = excluded.oidc_email_domain, \
             updated_at = excluded.updated_at",
        )
        .bind(org.0)
        .bind(settings.require_second_factor)
        .bind(oidc.map(|o| o.issuer.as_str()))
        .bind(oidc.map(|o| o.client_id.as_str()))
        .bind(oidc.map(|o| o.client_secret_sealed.as_str()))
        .bind(oidc.map(|o| o.claim.as_str()))
        .bind(oidc.map(|o| o.email_domain.as_str()))
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            conflict_or_backend(
                e,
                "Another organisation already signs in with that email domain",
            )
        })?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn org_by_sso_domain(&self, email_domain: &str) -> StorageResult<Option<OrgId>> {
        let id: Option<Uuid> =
            sqlx::query_scalar("SELECT org_id FROM org_sign_in WHERE oidc_email_domain = $1")
                .bind(email_domain)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        Ok(id.map(OrgId::from))
    }
}
