use async_trait::async_trait;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::session::{CredentialPurpose, CredentialToken, Session, SignInMethod};
use linkwork_domain::user::User;
use linkwork_domain::{Timestamp, UserId};
use linkwork_storage::{CredentialTokenStore, RateLimitStore, SessionStore, StorageResult};
use sqlx::Row;
use uuid::Uuid;

use super::audit::insert as insert_audit;
use super::rows::{self, USER_COLUMNS};
use super::{DbRow, backend, corrupt};
use crate::dialect::Store;

fn session(row: &DbRow) -> StorageResult<Session> {
    Ok(Session {
        token_hash: row.try_get("token_hash").map_err(backend)?,
        user_id: row.try_get::<Uuid, _>("user_id").map_err(backend)?.into(),
        csrf_token: row.try_get("csrf_token").map_err(backend)?,
        created_at: row.try_get("s_created_at").map_err(backend)?,
        last_seen_at: row.try_get("last_seen_at").map_err(backend)?,
        expires_at: row.try_get("expires_at").map_err(backend)?,
        ip: row.try_get("ip").map_err(backend)?,
        user_agent: row.try_get("user_agent").map_err(backend)?,
        second_factor_pending: row.try_get("second_factor_pending").map_err(backend)?,
        signed_in_with: super::coded(row, "signed_in_with", SignInMethod::from_code)?,
    })
}

#[async_trait]
impl SessionStore for Store {
    async fn create_session(&self, s: &Session, audit: &NewAuditEvent) -> StorageResult<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent, \
             second_factor_pending, signed_in_with) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&s.token_hash)
        .bind(s.user_id.0)
        .bind(&s.csrf_token)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.expires_at)
        .bind(s.ip.as_deref())
        .bind(s.user_agent.as_deref())
        .bind(s.second_factor_pending)
        .bind(s.signed_in_with.code())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
            .bind(s.created_at)
            .bind(s.user_id.0)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn session_with_user(&self, token_hash: &str) -> StorageResult<Option<(Session, User)>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, s.token_hash, s.user_id, s.csrf_token, s.created_at AS s_created_at, \
             s.last_seen_at, s.expires_at, s.ip, s.user_agent, s.second_factor_pending, s.signed_in_with \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.map(|row| Ok((session(&row)?, rows::user(&row)?)))
            .transpose()
    }

    async fn touch_session(&self, token_hash: &str, at: Timestamp) -> StorageResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(at)
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str, audit: &NewAuditEvent) -> StorageResult<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn delete_stale_sessions(
        &self,
        now: Timestamp,
        idle_before: Timestamp,
    ) -> StorageResult<u64> {
        let result =
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2")
                .bind(now)
                .bind(idle_before)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
        Ok(result.rows_affected())
    }
}

#[async_trait]
impl CredentialTokenStore for Store {
    async fn issue_credential_token(
        &self,
        token: &CredentialToken,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM credential_tokens WHERE user_id = $1")
            .bind(token.user_id.0)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query(
            "INSERT INTO credential_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&token.token_hash)
        .bind(token.user_id.0)
        .bind(token.purpose.code())
        .bind(token.created_at)
        .bind(token.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn redeem_credential_token(
        &self,
        token_hash: &str,
        user_id: UserId,
        at: Timestamp,
        password_hash: &str,
        audit: &NewAuditEvent,
    ) -> StorageResult<bool> {
        let mut tx = self.write().await?;
        // Taking the link and using it are one step: of two requests
        // bringing it at once, the second finds it gone.
        let taken = sqlx::query(
            "DELETE FROM credential_tokens WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(user_id.0)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if taken.rows_affected() != 1 {
            return Ok(false);
        }
        super::users::replace_password(&mut tx, user_id, password_hash, None).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }

    async fn credential_token(&self, token_hash: &str) -> StorageResult<Option<CredentialToken>> {
        let row = sqlx::query(
            "SELECT token_hash, user_id, purpose, created_at, expires_at FROM credential_tokens WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.map(|row| {
            let purpose: String = row.try_get("purpose").map_err(backend)?;
            Ok(CredentialToken {
                token_hash: row.try_get("token_hash").map_err(backend)?,
                user_id: row.try_get::<Uuid, _>("user_id").map_err(backend)?.into(),
                purpose: CredentialPurpose::from_code(&purpose)
                    .ok_or_else(|| corrupt("token purpose", &purpose))?,
                created_at: row.try_get("created_at").map_err(backend)?,
                expires_at: row.try_get("expires_at").map_err(backend)?,
            })
        })
        .transpose()
    }
}

#[async_trait]
impl RateLimitStore for Store {
    async fn count_attempts(
        &self,
        keys: &[String],
        at: Timestamp,
        window_start: Timestamp,
        audit: Option<&NewAuditEvent>,
    ) -> StorageResult<Vec<u32>> {
        // Keys are counted in one order, so two transactions counting the
        // same keys on PostgreSQL wait for each other rather than deadlock.
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by_key(|&i| &keys[i]);
        let mut counts = vec![0; keys.len()];
        let mut tx = self.write().await?;
        for i in order {
            // One statement reads and counts: the upsert holds the row for
            // the rest of the transaction, so no two attempts see one count.
            let attempts: i32 = sqlx::query_scalar(
                "INSERT INTO rate_counters (key, window_start, attempts) VALUES ($1, $2, 1) \
                 ON CONFLICT (key) DO UPDATE SET \
                 attempts = CASE WHEN rate_counters.window_start < $3 THEN 1 ELSE rate_counters.attempts + 1 END, \
                 window_start = CASE WHEN rate_counters.window_start < $3 THEN excluded.window_start ELSE rate_counters.window_start END \
                 RETURNING attempts",
            )
            .bind(&keys[i])
            .bind(at)
            .bind(window_start)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
            counts[i] = attempts.max(0) as u32;
        }
        if let Some(audit) = audit {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(counts)
    }

    async fn attempts(&self, key: &str, window_start: Timestamp) -> StorageResult<u32> {
        let attempts: Option<i32> = sqlx::query_scalar(
            "SELECT attempts FROM rate_counters WHERE key = $1 AND window_start >= $2",
        )
        .bind(key)
        .bind(window_start)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        Ok(attempts.unwrap_or(0).max(0) as u32)
    }

    async fn clear_attempts(&self, key: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM rate_counters WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn prune_attempts(&self, before: Timestamp) -> StorageResult<u64> {
        let result = sqlx::query("DELETE FROM rate_counters WHERE window_start < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(result.rows_affected())
    }
}
