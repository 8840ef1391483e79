//! What signing in needs beyond a password: second factors, recovery
//! codes, sessions waiting for their second factor, and each
//! organisation's sign-in policy and single sign-on settings.

use async_trait::async_trait;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::{OrgId, Timestamp, UserId};

use crate::StorageResult;

/// An account's authenticator, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecondFactor {
    /// The TOTP secret, sealed by the application; the store never sees it.
    pub secret_sealed: String,
    /// The last TOTP step a code was accepted for.
    pub last_step: u64,
    pub set_up_at: Timestamp,
}

/// A recovery code not used yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusedRecoveryCode {
    pub position: u16,
    pub code_hash: String,
}

/// An organisation's single sign-on through its OpenID Connect provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    /// Sealed by the application, never shown back.
    pub client_secret_sealed: String,
    /// The ID token claim holding the Linkwork account's email address.
    pub claim: String,
    /// The email domain people type on the sign-in page to find it.
    pub email_domain: String,
}

/// How an organisation's staff sign in. The default (no row): passwords,
/// a second factor required of admins only, no single sign-on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrgSignIn {
    pub require_second_factor: bool,
    pub oidc: Option<OidcSettings>,
}

#[async_trait]
pub trait SignInStore: Send + Sync {
    async fn second_factor(&self, user: UserId) -> StorageResult<Option<StoredSecondFactor>>;

    /// Stores a confirmed authenticator (the code that confirmed it used up
    /// as `last_step`) and its recovery codes' hashes, replacing any
    /// earlier ones. The session `completing` (one that had to set a
    /// second factor up before anything else) then no longer waits.
    async fn set_second_factor(
        &self,
        user: UserId,
        factor: &StoredSecondFactor,
        recovery_code_hashes: &[String],
        completing: Option<&str>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;

    /// Uses up TOTP `step` for `user`: `false` (and nothing written) if
    /// that step or a later one was used already, so a code works once
    /// however many requests bring it at the same moment. The session
    /// `token_hash` is then no longer waiting for its second factor.
    async fn use_totp_step(
        &self,
        user: UserId,
        step: u64,
        token_hash: &str,
        audit: &NewAuditEvent,
    ) -> StorageResult<bool>;

    async fn unused_recovery_codes(&self, user: UserId) -> StorageResult<Vec<UnusedRecoveryCode>>;

    /// Uses up one recovery code, as `use_totp_step` uses a step.
    async fn use_recovery_code(
        &self,
        user: UserId,
        position: u16,
        at: Timestamp,
        token_hash: &str,
        audit: &NewAuditEvent,
    ) -> StorageResult<bool>;

    /// Removes the authenticator and recovery codes.
    async fn remove_second_factor(&self, user: UserId, audit: &NewAuditEvent) -> StorageResult<()>;

    async fn org_sign_in(&self, org: OrgId) -> StorageResult<OrgSignIn>;

    /// Replaces the organisation's sign-in policy and single sign-on
    /// settings. Fails with `Conflict` if another organisation signs in
    /// through the same email domain.
    async fn set_org_sign_in(
        &self,
        org: OrgId,
        settings: &OrgSignIn,
        at: Timestamp,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;

    /// The organisation whose single sign-on serves `email_domain`.
    async fn org_by_sso_domain(&self, email_domain: &str) -> StorageResult<Option<OrgId>>;
}
