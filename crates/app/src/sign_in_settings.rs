//! An organisation's sign-in settings, changed by its admins (or an
//! operator): whether everyone must give a second factor.

use linkwork_domain::audit::{AuditAction, EntityRef};
use linkwork_domain::role::Permission;
use linkwork_domain::{OrgId, UserId};
use linkwork_storage::OrgSignIn;

use crate::App;
use crate::admin::Caller;
use crate::error::{AppError, AppResult};

impl App {
    /// The sign-in settings of an organisation `caller` administers.
    pub async fn org_sign_in_settings(
        &self,
        caller: Caller<'_>,
        org: OrgId,
    ) -> AppResult<OrgSignIn> {
        self.authorise_admin(caller, Permission::ManageOrganisations, org)
            .await?;
        Ok(self.store.org_sign_in(org).await?)
    }

    /// Turns "a second factor for everyone" on or off for an organisation
    /// and those under it. Admins need one whatever this says.
    pub async fn set_second_factor_requirement(
        &self,
        caller: Caller<'_>,
        org: OrgId,
        required: bool,
    ) -> AppResult<()> {
        let organisation = self
            .store
            .organisation(org)
            .await?
            .ok_or(AppError::NotFound("organisation"))?;
        let mut settings = self.org_sign_in_settings(caller, org).await?;
        settings.require_second_factor = required;
        let detail = if required {
            format!(
                "Everyone in {} and the organisations under it must use a second factor",
                organisation.name
            )
        } else {
            format!(
                "A second factor is no longer required for everyone in {}",
                organisation.name
            )
        };
        let event = caller
            .event(
                AuditAction::SignInPolicyChange,
                EntityRef::new("organisation", org),
                org,
            )
            .detail(detail);
        Ok(self
            .store
            .set_org_sign_in(org, &settings, event.at, &event)
            .await?)
    }

    /// Removes someone's authenticator app and recovery codes, for a
    /// person who has lost both: an admin of their organisation, or an
    /// operator. If they must have one, they set a new one up at their
    /// next sign-in.
    pub async fn reset_second_factor(&self, caller: Caller<'_>, user: UserId) -> AppResult<()> {
        let user = self.admin_user(caller, user).await?;
        // Their own is replaced from their account page, with a code.
        if let Caller::User(p) = caller
            && p.user.id == user.id
        {
            return Err(AppError::Forbidden);
        }
        let event = caller
            .event(
                AuditAction::SecondFactorRemoved,
                EntityRef::new("user", user.id),
                user.org_id,
            )
            .detail(format!(
                "Removed {}'s authenticator app and recovery codes",
                user.email
            ));
        Ok(self.store.remove_second_factor(user.id, &event).await?)
    }
}
