//! Signing in and out, sessions, and setting passwords.

use chrono::Duration;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::session::{CredentialPurpose, CredentialToken, Session};
use linkwork_domain::time::now;
use linkwork_domain::user::{Email, User, UserStatus, check_new_password};
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::{Timestamp, UserId};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;
use crate::secrets::{random_token, token_hash};

/// Where a sign-in came from.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A new session: the secret token goes to the browser, never stored.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub user: User,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Wrong email or password; which of the two is not said.
    #[error("Enter a correct email address and password")]
    Incorrect,
    /// Too many recent failures for this account or address.
    #[error("Too many failed attempts. Wait {minutes} minutes, then try again")]
    Throttled { minutes: u32 },
    #[error("Your account has been disabled. Contact your Linkwork administrator")]
    Disabled,
    /// The account exists but its password has not been set yet.
    #[error("Your account is not set up yet. Use the link in your invitation to set a password")]
    NotActivated,
    #[error(transparent)]
    App(#[from] AppError),
}

/// How often a session's (or an API token's) last-seen time is written:
/// often enough for the idle timeout to be accurate to the minute, rarely
/// enough not to turn every request into a database write.
pub(crate) const TOUCH_INTERVAL_SECONDS: i64 = 60;

impl App {
    fn idle_limit(&self) -> Duration {
        Duration::minutes(i64::from(self.settings.session.idle_timeout_minutes))
    }

    /// Checks an email and password and starts a session. Every attempt is
    /// audited; repeated failures for one account (or from one address)
    /// are refused for a while, across all instances.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: &ClientInfo,
    ) -> Result<SignedIn, SignInError> {
        let at = now();
        let login = &self.settings.login;
        let window_start = at - Duration::minutes(i64::from(login.window_minutes));
        let email_key = format!("email:{}", email.trim().to_lowercase());
        let ip_key = client.ip.as_ref().map(|ip| format!("ip:{ip}"));

        let account_failures = self
            .store
            .login_failures_since(&email_key, window_start)
            .await
            .map_err(AppError::from)?;
        let address_failures = match &ip_key {
            Some(key) => self
                .store
                .login_failures_since(key, window_start)
                .await
                .map_err(AppError::from)?,
            None => 0,
        };
        if account_failures >= login.max_failures_per_account
            || address_failures >= login.max_failures_per_address
        {
            let event = NewAuditEvent::new(Actor::Anonymous, AuditAction::SignInThrottled, at)
                .detail(format!("Sign-in refused for {}", email.trim()))
                .ip(client.ip.clone());
            self.store.record(&event).await.map_err(AppError::from)?;
            return Err(SignInError::Throttled {
                minutes: login.window_minutes,
            });
        }

        let parsed = Email::parse(email).ok();
        let credentials = match &parsed {
            Some(e) => self
                .store
                .user_credentials(e)
                .await
                .map_err(AppError::from)?,
            None => None,
        };
        let stored_hash = credentials
            .as_ref()
            .and_then(|c| c.password_hash.as_deref());
        let password_ok = self.hasher.verify(password, stored_hash).await?;

        let Some(credentials) = credentials.filter(|_| password_ok) else {
            let keys: Vec<String> = std::iter::once(email_key).chain(ip_key).collect();
            let event = NewAuditEvent::new(Actor::Anonymous, AuditAction::SignInFailed, at)
                .detail(format!("Wrong email or password for {}", email.trim()))
                .ip(client.ip.clone());
            self.store
                .record_login_failure(&keys, at, &event)
                .await
                .map_err(AppError::from)?;
            return Err(SignInError::Incorrect);
        };
        let user = credentials.user;
        match user.status {
            UserStatus::Active => {}
            UserStatus::Disabled => return Err(SignInError::Disabled),
            UserStatus::Invited => return Err(SignInError::NotActivated),
        }

        let token = random_token();
        let session = Session {
            token_hash: token_hash(&token),
            user_id: user.id,
            csrf_token: random_token(),
            created_at: at,
            last_seen_at: at,
            expires_at: at
                + Duration::hours(i64::from(self.settings.session.absolute_timeout_hours)),
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
        };
        let actor = Actor::User {
            id: user.id,
            email: user.email.clone(),
            org_id: user.org_id,
        };
        let event = NewAuditEvent::new(actor, AuditAction::SignIn, at)
            .entity(EntityRef::new("user", user.id))
            .ip(client.ip.clone());
        self.store
            .create_session(&session, &event)
            .await
            .map_err(AppError::from)?;
        self.store
            .clear_login_failures(&email_key)
            .await
            .map_err(AppError::from)?;
        Ok(SignedIn { token, user })
    }

    /// The principal for a session token, if the session is live and its
    /// user still active.
    pub async fn authenticate(
        &self,
        token: &str,
        ip: Option<String>,
    ) -> AppResult<Option<Principal>> {
        let hash = token_hash(token);
        let Some((session, user)) = self.store.session_with_user(&hash).await? else {
            return Ok(None);
        };
        let at = now();
        if !session.is_live(at, self.idle_limit()) || user.status != UserStatus::Active {
            return Ok(None);
        }
        if at - session.last_seen_at > Duration::seconds(TOUCH_INTERVAL_SECONDS) {
            self.store.touch_session(&hash, at).await?;
        }
        Ok(Some(Principal {
            user,
            session_hash: hash,
            csrf_token: session.csrf_token,
            ip,
        }))
    }

    pub async fn sign_out(&self, principal: &Principal) -> AppResult<()> {
        let event = NewAuditEvent::new(principal.actor(), AuditAction::SignOut, now())
            .entity(EntityRef::new("user", principal.user.id))
            .ip(principal.ip.clone());
        Ok(self
            .store
            .delete_session(&principal.session_hash, &event)
            .await?)
    }

    /// Issues a one-time set-password link for `user_id`, returning the
    /// secret token to put in the link. Any earlier link stops working.
    pub(crate) async fn issue_credential_link(
        &self,
        user_id: UserId,
        purpose: CredentialPurpose,
        event: NewAuditEvent,
    ) -> AppResult<String> {
        let token = random_token();
        let at = event.at;
        let record = CredentialToken {
            token_hash: token_hash(&token),
            user_id,
            purpose,
            created_at: at,
            expires_at: at + Duration::days(i64::from(self.settings.session.credential_link_days)),
        };
        self.store.issue_credential_token(&record, &event).await?;
        Ok(token)
    }

    /// The account a set-password link is for, if the link is valid now.
    pub async fn credential_link(&self, token: &str) -> AppResult<Option<(CredentialToken, User)>> {
        let Some(record) = self.store.credential_token(&token_hash(token)).await? else {
            return Ok(None);
        };
        if record.expires_at <= now() {
            return Ok(None);
        }
        let user = self.store.user(record.user_id).await?;
        Ok(user
            .filter(|u| u.status != UserStatus::Disabled)
            .map(|u| (record, u)))
    }

    /// Sets a password through a one-time link; the link is used up and
    /// every session of the account ends.
    pub async fn redeem_credential_link(
        &self,
        token: &str,
        password: &str,
        confirm: &str,
        client: &ClientInfo,
    ) -> AppResult<User> {
        let (_, user) = self
            .credential_link(token)
            .await?
            .ok_or(AppError::NotFound("link"))?;
        check_new_password(password, confirm, &user.email)?;
        let hash = self.hasher.hash(password).await?;
        let actor = Actor::User {
            id: user.id,
            email: user.email.clone(),
            org_id: user.org_id,
        };
        let event = NewAuditEvent::new(actor, AuditAction::PasswordSet, now())
            .entity(EntityRef::new("user", user.id))
            .ip(client.ip.clone());
        self.store
            .set_password(user.id, &hash, None, &event)
            .await?;
        Ok(user)
    }

    /// A signed-in user changes their own password, proving they know the
    /// current one. Their other sessions end; this one continues.
    pub async fn change_own_password(
        &self,
        principal: &Principal,
        current: &str,
        new: &str,
        confirm: &str,
    ) -> AppResult<()> {
        let credentials = self
            .store
            .user_credentials(&principal.user.email)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        if !self
            .hasher
            .verify(current, credentials.password_hash.as_deref())
            .await?
        {
            return Err(ValidationErrors::single(
                "current_password",
                "Your current password is not correct",
            )
            .into());
        }
        check_new_password(new, confirm, &principal.user.email)?;
        let hash = self.hasher.hash(new).await?;
        let event = NewAuditEvent::new(principal.actor(), AuditAction::PasswordChange, now())
            .entity(EntityRef::new("user", principal.user.id))
            .ip(principal.ip.clone());
        self.store
            .set_password(
                principal.user.id,
                &hash,
                Some(&principal.session_hash),
                &event,
            )
            .await?;
        Ok(())
    }

    /// Removes expired sessions and old failed-sign-in records, and makes
    /// tasks to chase unanswered referrals to services.
    pub async fn housekeeping(&self, at: Timestamp) -> AppResult<()> {
        let removed = self
            .store
            .delete_stale_sessions(at, at - self.idle_limit())
            .await?;
        let window = Duration::minutes(i64::from(self.settings.login.window_minutes));
        let pruned = self.store.prune_login_failures(at - window).await?;
        // The public referral form's limit counts the last hour.
        let hits = self.store.prune_hits(at - Duration::hours(1)).await?;
        // Partners who have not answered a referral in time: a task for the
        // link worker to chase them.
        let chased = self.chase_unanswered().await?;
        tracing::debug!(removed, pruned, hits, chased, "housekeeping");
        Ok(())
    }
}
