//! The signed-in user a request acts as, and the checks made on them.

use linkwork_domain::OrgId;
use linkwork_domain::audit::Actor;
use linkwork_domain::organisation::OrgScope;
use linkwork_domain::role::Permission;
use linkwork_domain::user::User;
use linkwork_storage::Store;

use crate::error::{AppError, AppResult};

#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    /// Hash of the session token, to end this session.
    pub session_hash: String,
    /// The token every form posted in this session must carry.
    pub csrf_token: String,
    /// The client address, recorded in audit events.
    pub ip: Option<String>,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor::User {
            id: self.user.id,
            email: self.user.email.clone(),
            org_id: self.user.org_id,
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.user.roles.allows(permission)
    }

    /// `Forbidden` unless one of the user's roles grants `permission`.
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The organisations this user's tenancy covers.
    pub async fn scope(&self, store: &dyn Store) -> AppResult<OrgScope> {
        Ok(store.org_scope(self.user.org_id).await?)
    }

    /// `Forbidden` unless `org` is within this user's tenancy.
    pub async fn require_in_scope(&self, store: &dyn Store, org: OrgId) -> AppResult<()> {
        if org == self.user.org_id || self.scope(store).await?.contains(org) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}
