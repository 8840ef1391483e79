//! Turning rows back into organisations and users.

use linkwork_domain::organisation::{OrgKind, Organisation};
use linkwork_domain::role::{Role, Roles};
use linkwork_domain::user::{Email, User, UserStatus};
use linkwork_storage::StorageResult;
use sqlx::Row;
use uuid::Uuid;

use super::{DbRow, backend, corrupt};

pub(super) fn organisation(row: &DbRow) -> StorageResult<Organisation> {
    let kind: String = row.try_get("kind").map_err(backend)?;
    Ok(Organisation {
        id: row.try_get::<Uuid, _>("id").map_err(backend)?.into(),
        name: row.try_get("name").map_err(backend)?,
        kind: kind
            .parse::<OrgKind>()
            .map_err(|_| corrupt("organisation kind", &kind))?,
        parent_id: row
            .try_get::<Option<Uuid>, _>("parent_id")
            .map_err(backend)?
            .map(Into::into),
        code: row.try_get("code").map_err(backend)?,
        created_at: row.try_get("created_at").map_err(backend)?,
    })
}

/// Roles arrive as one comma-separated column (`string_agg`).
fn roles(joined: Option<String>) -> StorageResult<Roles> {
    let joined = joined.unwrap_or_default();
    let roles = joined
        .split(',')
        .filter(|r| !r.is_empty())
        .map(|r| r.parse::<Role>().map_err(|_| corrupt("role", r)))
        .collect::<StorageResult<Vec<_>>>()?;
    Ok(Roles::new(roles))
}

/// The user columns plus a `roles` column, as selected by `USER_COLUMNS`.
pub(super) fn user(row: &DbRow) -> StorageResult<User> {
    let email: String = row.try_get("email").map_err(backend)?;
    let status: String = row.try_get("status").map_err(backend)?;
    Ok(User {
        id: row.try_get::<Uuid, _>("id").map_err(backend)?.into(),
        org_id: row.try_get::<Uuid, _>("org_id").map_err(backend)?.into(),
        email: Email::parse(&email).map_err(|_| corrupt("email", &email))?,
        display_name: row.try_get("display_name").map_err(backend)?,
        roles: roles(row.try_get("roles").map_err(backend)?)?,
        status: status
            .parse::<UserStatus>()
            .map_err(|_| corrupt("user status", &status))?,
        created_at: row.try_get("created_at").map_err(backend)?,
        last_login_at: row.try_get("last_login_at").map_err(backend)?,
    })
}

/// The columns `user` reads, for a query over `users u`.
pub(super) const USER_COLUMNS: &str = "u.id, u.org_id, u.email, u.display_name, u.status, u.created_at, u.last_login_at, \
     (SELECT string_agg(r.role, ',') FROM user_roles r WHERE r.user_id = u.id) AS roles";
