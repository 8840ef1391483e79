use async_trait::async_trait;
use linkwork_domain::UserId;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::role::Roles;
use linkwork_domain::user::{Email, User, UserStatus};
use linkwork_storage::{
    Page, PageRequest, StorageError, StorageResult, UserCredentials, UserFilter, UserStore,
};
use sqlx::{Database, QueryBuilder, Row};

use super::audit::{insert as insert_audit, push_within};
use super::rows::{self, USER_COLUMNS};
use super::{Connection, backend, conflict_or_backend, push_page};
use crate::dialect::{Db, STRPOS, Store};

async fn replace_roles(conn: &mut Connection, id: UserId, roles: &Roles) -> StorageResult<()> {
    sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
        .bind(id.0)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    for role in roles.iter() {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(id.0)
            .bind(role.code())
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
    }
    Ok(())
}

/// Fails with `NotFound` unless exactly one row was changed.
fn one_row(result: <Db as Database>::QueryResult) -> StorageResult<()> {
    if result.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StorageError::NotFound("user"))
    }
}

fn push_filter(qb: &mut QueryBuilder<'_, Db>, filter: &UserFilter) {
    qb.push(" WHERE 1 = 1");
    if let Some(root) = filter.within {
        qb.push(" AND ");
        push_within(qb, "u.org_id", root);
    }
    if let Some(org) = filter.org_id {
        qb.push(" AND u.org_id = ").push_bind(org.0);
    }
    if let Some(role) = filter.role {
        qb.push(" AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = ")
            .push_bind(role.code())
            .push(")");
    }
    if let Some(status) = filter.status {
        qb.push(" AND u.status = ").push_bind(status.code());
    }
    if let Some(text) = &filter.text {
        let text = text.to_lowercase();
        qb.push(format_args!(" AND ({STRPOS}(lower(u.display_name), "))
            .push_bind(text.clone())
            .push(format_args!(") > 0 OR {STRPOS}(u.email, "))
            .push_bind(text)
            .push(") > 0)");
    }
}

#[async_trait]
impl UserStore for Store {
    async fn create_user(
        &self,
        user: &User,
        password_hash: Option<&str>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO users (id, org_id, email, display_name, status, password_hash, created_at, last_login_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(user.id.0)
        .bind(user.org_id.0)
        .bind(user.email.as_str())
        .bind(&user.display_name)
        .bind(user.status.code())
        .bind(password_hash)
        .bind(user.created_at)
        .bind(user.last_login_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_or_backend(e, "An account with that email address already exists"))?;
        replace_roles(&mut tx, user.id, &user.roles).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn user(&self, id: UserId) -> StorageResult<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn user_credentials(&self, email: &Email) -> StorageResult<Option<UserCredentials>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = $1"
        ))
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.map(|row| {
            Ok(UserCredentials {
                user: rows::user(&row)?,
                password_hash: row.try_get("password_hash").map_err(backend)?,
            })
        })
        .transpose()
    }

    async fn list_users(
        &self,
        filter: &UserFilter,
        page: PageRequest,
    ) -> StorageResult<Page<User>> {
        let mut count = QueryBuilder::<Db>::new("SELECT count(*) FROM users u");
        push_filter(&mut count, filter);
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        let mut query = QueryBuilder::<Db>::new(format!("SELECT {USER_COLUMNS} FROM users u"));
        push_filter(&mut query, filter);
        query.push(" ORDER BY lower(u.display_name), u.id");
        push_page(&mut query, page);
        let rows = query.build().fetch_all(&self.pool).await.map_err(backend)?;
        Ok(Page {
            items: rows.iter().map(rows::user).collect::<StorageResult<_>>()?,
            total: total as u64,
            page: page.page,
            per_page: page.per_page,
        })
    }

    async fn set_user_status(
        &self,
        id: UserId,
        status: UserStatus,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        let result = sqlx::query("UPDATE users SET status = $1 WHERE id = $2")
            .bind(status.code())
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        one_row(result)?;
        if status == UserStatus::Disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            sqlx::query("DELETE FROM credential_tokens WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn set_user_roles(
        &self,
        id: UserId,
        roles: &Roles,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM users WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        if exists.is_none() {
            return Err(StorageError::NotFound("user"));
        }
        replace_roles(&mut tx, id, roles).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        keep_session: Option<&str>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        replace_password(&mut tx, id, password_hash, keep_session).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }
}

/// Sets a password on `conn`, inside the caller's transaction: an invited
/// user becomes active, every session but `keep_session` ends and every
/// set-password link of the user stops working.
pub(super) async fn replace_password(
    conn: &mut Connection,
    id: UserId,
    password_hash: &str,
    keep_session: Option<&str>,
) -> StorageResult<()> {
    let result = sqlx::query(
        "UPDATE users SET password_hash = $1, status = CASE status WHEN 'invited' THEN 'active' ELSE status END WHERE id = $2",
    )
    .bind(password_hash)
    .bind(id.0)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    one_row(result)?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2")
        .bind(id.0)
        .bind(keep_session)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    sqlx::query("DELETE FROM credential_tokens WHERE user_id = $1")
        .bind(id.0)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    Ok(())
}
