//! API tokens: issued and revoked by an organisation's admins, used by
//! other systems to send referrals and follow their status.

use chrono::Duration;
use linkwork_domain::api_token::{ApiToken, TOKEN_PREFIX, validate_name};
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::organisation::Organisation;
use linkwork_domain::referral::{Referral, ReferralEvent};
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::{ApiTokenId, OrgId, ReferralId};

use crate::App;
use crate::accounts::TOUCH_INTERVAL_SECONDS;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;
use crate::secrets::{random_token, token_hash};

/// A system calling the API with a valid token.
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub token: ApiToken,
    pub organisation: Organisation,
    /// The client address, for the audit log.
    pub ip: Option<String>,
}

impl ApiClient {
    pub fn actor(&self) -> Actor {
        Actor::ApiClient {
            token_id: self.token.id,
            org_id: self.token.org_id,
            name: self.token.name.clone(),
        }
    }
}

/// A new token and its secret, which is shown once and never again.
pub struct IssuedToken {
    pub token: ApiToken,
    pub secret: String,
}

impl App {
    /// Issues a token for `org_id`, which must be in the admin's part of
    /// the tree.
    pub async fn issue_api_token(
        &self,
        p: &Principal,
        org_id: &str,
        name: &str,
    ) -> AppResult<IssuedToken> {
        p.require(Permission::ManageApiTokens)?;
        let mut errors = ValidationErrors::new();
        let name = validate_name(name).map_err(|e| errors.extend(e)).ok();
        let org = match org_id.trim().parse::<OrgId>() {
            Ok(id) => self.store.organisation(id).await?,
            Err(_) => None,
        };
        if org.is_none() {
            errors.add("org_id", "Select the organisation the token acts for");
        }
        errors.into_result(())?;
        let org = org.expect("validated");
        p.require_in_scope(self.store.as_ref(), org.id).await?;
        let secret = format!("{TOKEN_PREFIX}{}", random_token());
        let token = ApiToken {
            id: ApiTokenId::new(),
            org_id: org.id,
            name: name.expect("validated"),
            token_hash: token_hash(&secret),
            hint: secret.chars().take(TOKEN_PREFIX.len() + 4).collect(),
            created_at: now(),
            created_by: p.actor().label(),
            last_used_at: None,
            revoked_at: None,
        };
        let event = NewAuditEvent::new(p.actor(), AuditAction::ApiTokenIssue, token.created_at)
            .entity(EntityRef::new("api_token", token.id))
            .org(org.id)
            .detail(format!("\"{}\" for {}", token.name, org.name))
            .ip(p.ip.clone());
        self.store.create_api_token(&token, &event).await?;
        Ok(IssuedToken { token, secret })
    }

    /// Tokens of the admin's part of the tree, with their organisations.
    pub async fn api_tokens(&self, p: &Principal) -> AppResult<Vec<(ApiToken, Organisation)>> {
        p.require(Permission::ManageApiTokens)?;
        let orgs = self.store.list_organisations(Some(p.user.org_id)).await?;
        Ok(self
            .store
            .api_tokens(Some(p.user.org_id))
            .await?
            .into_iter()
            .filter_map(|t| {
                let org = orgs.iter().find(|o| o.id == t.org_id)?.clone();
                Some((t, org))
            })
            .collect())
    }

    /// Revokes a token: calls with it fail from now on.
    pub async fn revoke_api_token(&self, p: &Principal, id: ApiTokenId) -> AppResult<ApiToken> {
        p.require(Permission::ManageApiTokens)?;
        let token = self
            .store
            .api_token(id)
            .await?
            .ok_or(AppError::NotFound("API token"))?;
        p.require_in_scope(self.store.as_ref(), token.org_id)
            .await?;
        let at = now();
        let event = NewAuditEvent::new(p.actor(), AuditAction::ApiTokenRevoke, at)
            .entity(EntityRef::new("api_token", id))
            .org(token.org_id)
            .detail(format!("\"{}\"", token.name))
            .ip(p.ip.clone());
        self.store.revoke_api_token(id, at, &event).await?;
        Ok(ApiToken {
            revoked_at: Some(at),
            ..token
        })
    }

    /// The client a bearer token belongs to, if the token is valid and not
    /// revoked.
    pub async fn authenticate_api_token(
        &self,
        secret: &str,
        ip: Option<String>,
    ) -> AppResult<Option<ApiClient>> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let Some(token) = self.store.api_token_by_hash(&token_hash(secret)).await? else {
            return Ok(None);
        };
        if !token.is_active() {
            return Ok(None);
        }
        let Some(organisation) = self.store.organisation(token.org_id).await? else {
            return Ok(None);
        };
        let at = now();
        if token
            .last_used_at
            .is_none_or(|last| at - last > Duration::seconds(TOUCH_INTERVAL_SECONDS))
        {
            self.store.touch_api_token(token.id, at).await?;
        }
        Ok(Some(ApiClient {
            token,
            organisation,
            ip,
        }))
    }

    /// The referral, if the client's organisation made it; anything else
    /// is not found (and a refused read is audited).
    pub(crate) async fn client_referral(
        &self,
        client: &ApiClient,
        id: ReferralId,
    ) -> AppResult<Referral> {
        let referral = self
            .store
            .referral(id)
            .await?
            .ok_or(AppError::NotFound("referral"))?;
        if referral.referrer.org_id != Some(client.token.org_id) {
            self.refuse(
                client.actor(),
                client.ip.clone(),
                referral.pcn_id,
                EntityRef::new("referral", referral.id),
            )
            .await?;
            return Err(AppError::NotFound("referral"));
        }
        self.require_unrestricted_for(client.actor(), client.ip.clone(), referral.person_id)
            .await?;
        Ok(referral)
    }

    /// A referral the client's organisation made, with its status history
    /// (what a referrer may see). Audited as a read of the person's record,
    /// since the answer names them.
    pub async fn api_referral(
        &self,
        client: &ApiClient,
        id: ReferralId,
    ) -> AppResult<(
        Referral,
        linkwork_domain::person::Person,
        Vec<ReferralEvent>,
        Organisation,
    )> {
        let referral = self.client_referral(client, id).await?;
        let person = self
            .store
            .person(referral.person_id)
            .await?
            .ok_or(AppError::NotFound("person"))?;
        let mut history = self.store.referral_history(id).await?;
        history.retain(ReferralEvent::visible_to_referrer);
        let pcn = self
            .store
            .organisation(referral.pcn_id)
            .await?
            .ok_or(AppError::NotFound("organisation"))?;
        self.audit_person_view(
            client.actor(),
            client.ip.clone(),
            person.id,
            referral.pcn_id,
            format!("Referral {} status, through the API", referral.reference),
        )
        .await?;
        Ok((referral, person, history, pcn))
    }
}
