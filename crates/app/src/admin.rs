//! Administration of organisations and accounts: by an admin within their
//! organisation's part of the tree, or by an operator at the command line.

use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::organisation::{NewOrganisationInput, Organisation};
use linkwork_domain::role::{Permission, Role, Roles};
use linkwork_domain::session::CredentialPurpose;
use linkwork_domain::time::now;
use linkwork_domain::user::{NewUser, NewUserInput, User, UserStatus, check_new_password};
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::{OrgId, UserId};
use linkwork_storage::{Page, PageRequest, UserFilter};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

/// Who is asking for an administrative change.
#[derive(Clone, Copy)]
pub enum Caller<'a> {
    /// An operator with access to the server (`linkwork user add` …):
    /// trusted with the whole tree.
    Operator,
    /// A signed-in user, who must hold the admin role and may act only
    /// within their organisation's subtree.
    User(&'a Principal),
}

impl Caller<'_> {
    fn actor(&self) -> Actor {
        match self {
            Caller::Operator => Actor::Cli,
            Caller::User(p) => p.actor(),
        }
    }

    fn ip(&self) -> Option<String> {
        match self {
            Caller::Operator => None,
            Caller::User(p) => p.ip.clone(),
        }
    }

    pub(crate) fn event(
        &self,
        action: AuditAction,
        entity: EntityRef,
        org: OrgId,
    ) -> NewAuditEvent {
        NewAuditEvent::new(self.actor(), action, now())
            .entity(entity)
            .org(org)
            .ip(self.ip())
    }
}

/// A new account and the secret for its set-password link (shown once).
pub struct InvitedUser {
    pub user: User,
    pub link_token: String,
}

impl App {
    /// Checks `caller` may administer records of `org`.
    pub(crate) async fn authorise_admin(
        &self,
        caller: Caller<'_>,
        permission: Permission,
        org: OrgId,
    ) -> AppResult<()> {
        match caller {
            Caller::Operator => Ok(()),
            Caller::User(p) => {
                p.require(permission)?;
                p.require_in_scope(self.store.as_ref(), org).await
            }
        }
    }

    /// The user `id`, if `caller` may administer them.
    pub async fn admin_user(&self, caller: Caller<'_>, id: UserId) -> AppResult<User> {
        if let Caller::User(p) = caller {
            p.require(Permission::ManageUsers)?;
        }
        let user = self
            .store
            .user(id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        self.authorise_admin(caller, Permission::ManageUsers, user.org_id)
            .await?;
        Ok(user)
    }

    /// Users the admin may manage, narrowed by `filter`.
    pub async fn admin_list_users(
        &self,
        principal: &Principal,
        mut filter: UserFilter,
        page: PageRequest,
    ) -> AppResult<Page<User>> {
        principal.require(Permission::ManageUsers)?;
        filter.within = Some(principal.user.org_id);
        Ok(self.store.list_users(&filter, page).await?)
    }

    /// Creates an account in the invited state and a link for the person to
    /// set their password.
    pub async fn invite_user(
        &self,
        caller: Caller<'_>,
        input: &NewUserInput,
    ) -> AppResult<InvitedUser> {
        if let Caller::User(p) = caller {
            p.require(Permission::ManageUsers)?;
        }
        let new = NewUser::validate(input)?;
        let user = self
            .insert_user(caller, new, UserStatus::Invited, None)
            .await?;
        let event = caller
            .event(
                AuditAction::CredentialLinkIssue,
                EntityRef::new("user", user.id),
                user.org_id,
            )
            .detail("Invitation link");
        let link_token = self
            .issue_credential_link(user.id, CredentialPurpose::Invite, event)
            .await?;
        Ok(InvitedUser { user, link_token })
    }

    /// Creates an active account with a known password (command line).
    pub async fn add_user_with_password(
        &self,
        input: &NewUserInput,
        password: &str,
    ) -> AppResult<User> {
        let new = NewUser::validate(input)?;
        check_new_password(password, password, &new.email)?;
        let hash = self.hasher.hash(password).await?;
        self.insert_user(Caller::Operator, new, UserStatus::Active, Some(hash))
            .await
    }

    async fn insert_user(
        &self,
        caller: Caller<'_>,
        new: NewUser,
        status: UserStatus,
        password_hash: Option<String>,
    ) -> AppResult<User> {
        let org = self.store.organisation(new.org_id).await?.ok_or_else(|| {
            AppError::Invalid(ValidationErrors::single(
                "org_id",
                "Select an organisation that exists",
            ))
        })?;
        self.authorise_admin(caller, Permission::ManageUsers, org.id)
            .await?;
        new.roles.check_fit(org.kind)?;
        let user = User {
            id: UserId::new(),
            org_id: org.id,
            email: new.email,
            display_name: new.display_name,
            roles: new.roles,
            status,
            created_at: now(),
            last_login_at: None,
        };
        let event = caller
            .event(
                AuditAction::UserCreate,
                EntityRef::new("user", user.id),
                org.id,
            )
            .detail(format!(
                "{} ({}) in {} as {}",
                user.display_name,
                user.email,
                org.name,
                user.roles.labels()
            ));
        self.store
            .create_user(&user, password_hash.as_deref(), &event)
            .await?;
        Ok(user)
    }

    /// Disables or re-enables an account. Admins cannot disable themselves.
    pub async fn set_user_enabled(
        &self,
        caller: Caller<'_>,
        id: UserId,
        enabled: bool,
    ) -> AppResult<()> {
        let user = self.admin_user(caller, id).await?;
        if let Caller::User(p) = caller
            && p.user.id == id
            && !enabled
        {
            return Err(
                ValidationErrors::single("status", "You cannot disable your own account").into(),
            );
        }
        let (status, action) = match (enabled, user.status) {
            (false, _) => (UserStatus::Disabled, AuditAction::UserDisable),
            (true, UserStatus::Disabled) => (UserStatus::Active, AuditAction::UserEnable),
            // Enabling an active or invited account changes nothing.
            (true, _) => return Ok(()),
        };
        // A re-enabled account that never set a password is still only invited.
        let status = if status == UserStatus::Active && !self.has_password(&user).await? {
            UserStatus::Invited
        } else {
            status
        };
        let event = caller.event(action, EntityRef::new("user", id), user.org_id);
        Ok(self.store.set_user_status(id, status, &event).await?)
    }

    async fn has_password(&self, user: &User) -> AppResult<bool> {
        let credentials = self.store.user_credentials(&user.email).await?;
        Ok(credentials.is_some_and(|c| c.password_hash.is_some()))
    }

    /// Replaces a user's roles. Admins cannot remove their own admin role,
    /// so nobody locks themselves out.
    pub async fn set_user_roles(
        &self,
        caller: Caller<'_>,
        id: UserId,
        raw_roles: &[String],
    ) -> AppResult<Roles> {
        let user = self.admin_user(caller, id).await?;
        let roles = Roles::parse(raw_roles)?;
        let org = self
            .store
            .organisation(user.org_id)
            .await?
            .ok_or(AppError::NotFound("organisation"))?;
        roles.check_fit(org.kind)?;
        if let Caller::User(p) = caller
            && p.user.id == id
            && !roles.contains(Role::Admin)
        {
            return Err(ValidationErrors::single(
                "roles",
                "You cannot remove your own administrator role",
            )
            .into());
        }
        let event = caller
            .event(
                AuditAction::UserRolesChange,
                EntityRef::new("user", id),
                user.org_id,
            )
            .detail(format!("{} → {}", user.roles.labels(), roles.labels()));
        self.store.set_user_roles(id, &roles, &event).await?;
        Ok(roles)
    }

    /// Issues a password-reset link (returned once, to hand to the user).
    /// The user's current password keeps working until the link is used.
    pub async fn issue_reset_link(&self, caller: Caller<'_>, id: UserId) -> AppResult<String> {
        let user = self.admin_user(caller, id).await?;
        if user.status == UserStatus::Disabled {
            return Err(ValidationErrors::single(
                "status",
                "Re-enable the account before resetting its password",
            )
            .into());
        }
        let purpose = if user.status == UserStatus::Invited {
            CredentialPurpose::Invite
        } else {
            CredentialPurpose::Reset
        };
        let event = caller
            .event(
                AuditAction::CredentialLinkIssue,
                EntityRef::new("user", id),
                user.org_id,
            )
            .detail(match purpose {
                CredentialPurpose::Invite => "New invitation link",
                CredentialPurpose::Reset => "Password reset link",
            });
        self.issue_credential_link(id, purpose, event).await
    }

    /// Organisations the caller may administer (all, for an operator).
    pub async fn admin_organisations(&self, caller: Caller<'_>) -> AppResult<Vec<Organisation>> {
        let within = match caller {
            Caller::Operator => None,
            Caller::User(p) => {
                p.require(Permission::ManageOrganisations)?;
                Some(p.user.org_id)
            }
        };
        Ok(self.store.list_organisations(within).await?)
    }

    /// Creates an organisation. An admin must place it under an
    /// organisation in their subtree; an operator may also create roots.
    pub async fn create_organisation(
        &self,
        caller: Caller<'_>,
        input: &NewOrganisationInput,
        parent_id: Option<OrgId>,
    ) -> AppResult<Organisation> {
        let parent = match parent_id {
            Some(id) => Some(self.store.organisation(id).await?.ok_or_else(|| {
                AppError::Invalid(ValidationErrors::single(
                    "parent_id",
                    "Select a parent organisation that exists",
                ))
            })?),
            None => None,
        };
        match (caller, &parent) {
            (Caller::User(_), Some(parent)) => {
                self.authorise_admin(caller, Permission::ManageOrganisations, parent.id)
                    .await?;
            }
            (Caller::User(p), None) => {
                p.require(Permission::ManageOrganisations)?;
                return Err(ValidationErrors::single(
                    "parent_id",
                    "Select the organisation this one belongs to",
                )
                .into());
            }
            (Caller::Operator, _) => {}
        }
        let org = Organisation::create(input, parent.as_ref(), now())?;
        let event = caller
            .event(
                AuditAction::OrganisationCreate,
                EntityRef::new("organisation", org.id),
                org.id,
            )
            .detail(format!("{} ({})", org.name, org.kind.label()));
        self.store.create_organisation(&org, &event).await?;
        Ok(org)
    }

    /// An organisation's page: visible to members of it or of an
    /// organisation above it.
    pub async fn view_organisation(
        &self,
        principal: &Principal,
        id: OrgId,
    ) -> AppResult<Organisation> {
        let org = self
            .store
            .organisation(id)
            .await?
            .ok_or(AppError::NotFound("organisation"))?;
        principal
            .require_in_scope(self.store.as_ref(), org.id)
            .await?;
        Ok(org)
    }
}
