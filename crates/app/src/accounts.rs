//! Signing in and out, sessions, and setting passwords.

use chrono::Duration;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::session::{CredentialPurpose, CredentialToken, Session, SignInMethod};
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
    /// The password was right, and a second factor must now be given (or
    /// set up) before the session is any use.
    pub awaiting_second_factor: bool,
}

/// A session whose password was right but whose second factor is still
/// to come. It is not a `Principal`: it can do nothing but give (or, if the
/// account has none yet, set up) the second factor, or sign out.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    pub user: User,
    pub session_hash: String,
    /// Whether the account has an authenticator to ask for; if not, it
    /// must set one up first.
    pub has_second_factor: bool,
    pub ip: Option<String>,
}

/// What a session cookie stands for.
#[derive(Debug)]
pub enum SessionState {
    SignedIn(Principal),
    AwaitingSecondFactor(PendingSignIn),
    /// Unknown, ended, expired, or its user no longer active.
    None,
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
    /// The second step's code was wrong, already used or too old.
    #[error(
        "The code is not correct or has been used. Enter the code your authenticator app shows now, or one of your recovery codes"
    )]
    WrongCode,
    #[error(transparent)]
    App(#[from] AppError),
}

/// The keys sign-in attempts are counted under: one account from one
/// address (refused past the limit), the account from anywhere and the
/// address for any account (slowed past theirs).
struct SignInKeys {
    pair: String,
    account: String,
    address: String,
}

impl SignInKeys {
    fn new(email: &str, address: &str) -> Self {
        SignInKeys {
            pair: format!("sign-in:from:{address}:account:{email}"),
            account: format!("sign-in:account:{email}"),
            address: format!("sign-in:address:{address}"),
        }
    }
}

/// One second for the first failure beyond a limit, doubling for each
/// further one, at most `max_seconds`.
fn sign_in_delay(beyond: u32, max_seconds: u32) -> std::time::Duration {
    if beyond == 0 {
        return std::time::Duration::ZERO;
    }
    let seconds = 1u64
        .checked_shl(beyond - 1)
        .unwrap_or(u64::MAX)
        .min(u64::from(max_seconds));
    std::time::Duration::from_secs(seconds)
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
    /// audited, attributed to the account's organisation when the account
    /// exists. Guessing is limited per account *and* address together:
    /// after `max_failures_per_account` wrong passwords from one address,
    /// that address is refused for that account until the window passes
    /// (and the organisation's admins see the account reported as locked),
    /// while the right password from any other address still gets in. Many
    /// failures for one account from anywhere, or from one address for any
    /// account, slow sign-ins down rather than refuse them, so no stranger
    /// can lock an account or a whole practice behind one address out.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: &ClientInfo,
    ) -> Result<SignedIn, SignInError> {
        let at = now();
        let login = &self.settings.login;
        let window_start = at - Duration::minutes(i64::from(login.window_minutes));
        let typed = email.trim().to_lowercase();
        let address = client.ip.as_deref().unwrap_or("unknown");
        let keys = SignInKeys::new(&typed, address);

        let parsed = Email::parse(email).ok();
        let credentials = match &parsed {
            Some(e) => self
                .store
                .user_credentials(e)
                .await
                .map_err(AppError::from)?,
            None => None,
        };
        let account = credentials.as_ref().map(|c| c.user.clone());
        let attributed = |event: NewAuditEvent| {
            match &account {
                Some(user) => event
                    .org(user.org_id)
                    .entity(EntityRef::new("user", user.id)),
                None => event,
            }
            .ip(client.ip.clone())
        };

        // Counted before the password is checked, in one step, so guesses
        // made at the same moment each see their own count.
        let from_here = self
            .store
            .count_attempts(std::slice::from_ref(&keys.pair), at, window_start, None)
            .await
            .map_err(AppError::from)?[0];
        if from_here > login.max_failures_per_account {
            let event = attributed(NewAuditEvent::new(
                Actor::Anonymous,
                AuditAction::SignInThrottled,
                at,
            ))
            .detail(format!(
                "Sign-in to {} from {address} refused: too many wrong passwords from there",
                email.trim()
            ));
            self.store.record(&event).await.map_err(AppError::from)?;
            return Err(SignInError::Throttled {
                minutes: login.window_minutes,
            });
        }
        let delay = self.sign_in_delay(&keys, window_start).await?;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }

        let stored_hash = credentials
            .as_ref()
            .and_then(|c| c.password_hash.as_deref());
        let password_ok = self.hasher.verify(password, stored_hash).await?;

        let Some(credentials) = credentials.filter(|_| password_ok) else {
            let slowed = if delay.is_zero() {
                String::new()
            } else {
                format!(" (slowed by {} s)", delay.as_secs())
            };
            let event = attributed(NewAuditEvent::new(
                Actor::Anonymous,
                AuditAction::SignInFailed,
                at,
            ))
            .detail(format!(
                "Wrong email or password for {}{slowed}",
                email.trim()
            ));
            self.store
                .count_attempts(
                    &[keys.account.clone(), keys.address.clone()],
                    at,
                    window_start,
                    Some(&event),
                )
                .await
                .map_err(AppError::from)?;
            if from_here == login.max_failures_per_account
                && let Some(user) = &account
            {
                self.report_locked(user, address, at).await?;
            }
            return Err(SignInError::Incorrect);
        };
        let user = credentials.user;
        match user.status {
            UserStatus::Active => {}
            UserStatus::Disabled => return Err(SignInError::Disabled),
            UserStatus::Invited => return Err(SignInError::NotActivated),
        }

        let awaiting_second_factor =
            self.has_second_factor(&user).await? || self.second_factor_required(&user).await?;
        let detail = awaiting_second_factor
            .then_some("Password accepted; the second factor is still to be given");
        let signed_in = self
            .start_session(
                user,
                client,
                SignInMethod::Password,
                awaiting_second_factor,
                detail,
            )
            .await?;
        self.store
            .clear_attempts(&keys.pair)
            .await
            .map_err(AppError::from)?;
        Ok(signed_in)
    }

    /// Starts a session for `user`, audited as a sign-in.
    pub(crate) async fn start_session(
        &self,
        user: User,
        client: &ClientInfo,
        method: SignInMethod,
        awaiting_second_factor: bool,
        detail: Option<&str>,
    ) -> AppResult<SignedIn> {
        let at = now();
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
            second_factor_pending: awaiting_second_factor,
            signed_in_with: method,
        };
        let actor = Actor::User {
            id: user.id,
            email: user.email.clone(),
            org_id: user.org_id,
        };
        let mut event = NewAuditEvent::new(actor, AuditAction::SignIn, at)
            .entity(EntityRef::new("user", user.id))
            .org(user.org_id)
            .ip(client.ip.clone());
        if let Some(detail) = detail {
            event = event.detail(detail);
        }
        self.store.create_session(&session, &event).await?;
        Ok(SignedIn {
            token,
            user,
            awaiting_second_factor,
        })
    }

    /// How long to hold a sign-in back: nothing until the account (from
    /// anywhere) or the address (for any account) has had more failures
    /// than its limit, then a second, doubling with each failure beyond,
    /// up to `max_delay_seconds`. Slow enough to make guessing in turn
    /// impractical; never a refusal.
    async fn sign_in_delay(
        &self,
        keys: &SignInKeys,
        window_start: Timestamp,
    ) -> AppResult<std::time::Duration> {
        let login = &self.settings.login;
        let account = self.store.attempts(&keys.account, window_start).await?;
        let address = self.store.attempts(&keys.address, window_start).await?;
        let beyond = account
            .saturating_sub(login.max_failures_per_account)
            .max(address.saturating_sub(login.max_failures_per_address));
        Ok(sign_in_delay(beyond, login.max_delay_seconds))
    }

    /// Tells the account's organisation's admins (on their security
    /// events page) that sign-ins to it from `address` are now refused.
    async fn report_locked(&self, user: &User, address: &str, at: Timestamp) -> AppResult<()> {
        let login = &self.settings.login;
        let event = NewAuditEvent::new(Actor::System, AuditAction::AccountLocked, at)
            .entity(EntityRef::new("user", user.id))
            .org(user.org_id)
            .detail(format!(
                "{} wrong passwords for {} from {address}: sign-ins from there are refused for {} minutes; other addresses can still sign in",
                login.max_failures_per_account, user.email, login.window_minutes
            ));
        Ok(self.store.record(&event).await?)
    }

    /// The principal for a session token, if the session is live, its
    /// user still active and its second factor (if it needs one) given.
    pub async fn authenticate(
        &self,
        token: &str,
        ip: Option<String>,
    ) -> AppResult<Option<Principal>> {
        Ok(match self.session(token, ip).await? {
            SessionState::SignedIn(principal) => Some(principal),
            _ => None,
        })
    }

    /// What a session token stands for: a signed-in user, a sign-in
    /// waiting for its second factor, or nothing.
    pub async fn session(&self, token: &str, ip: Option<String>) -> AppResult<SessionState> {
        let hash = token_hash(token);
        let Some((session, user)) = self.store.session_with_user(&hash).await? else {
            return Ok(SessionState::None);
        };
        let at = now();
        if !session.is_live(at, self.idle_limit()) || user.status != UserStatus::Active {
            return Ok(SessionState::None);
        }
        if at - session.last_seen_at > Duration::seconds(TOUCH_INTERVAL_SECONDS) {
            self.store.touch_session(&hash, at).await?;
        }
        if session.second_factor_pending {
            return Ok(SessionState::AwaitingSecondFactor(PendingSignIn {
                has_second_factor: self.has_second_factor(&user).await?,
                user,
                session_hash: hash,
                ip,
            }));
        }
        Ok(SessionState::SignedIn(Principal {
            user,
            session_hash: hash,
            csrf_token: session.csrf_token,
            ip,
        }))
    }

    /// Abandons a sign-in waiting for its second factor.
    pub async fn cancel_sign_in(&self, pending: &PendingSignIn) -> AppResult<()> {
        let user = &pending.user;
        let event = NewAuditEvent::new(
            Actor::User {
                id: user.id,
                email: user.email.clone(),
                org_id: user.org_id,
            },
            AuditAction::SignOut,
            now(),
        )
        .entity(EntityRef::new("user", user.id))
        .org(user.org_id)
        .ip(pending.ip.clone())
        .detail("Left before giving the second factor");
        Ok(self
            .store
            .delete_session(&pending.session_hash, &event)
            .await?)
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
        let (link, user) = self
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
        let at = now();
        let event = NewAuditEvent::new(actor, AuditAction::PasswordSet, at)
            .entity(EntityRef::new("user", user.id))
            .org(user.org_id)
            .ip(client.ip.clone());
        // The link was checked above, but another request may have used it
        // since: using it up and setting the password are one step.
        if !self
            .store
            .redeem_credential_token(&link.token_hash, user.id, at, &hash, &event)
            .await?
        {
            return Err(AppError::NotFound("link"));
        }
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

    /// Removes expired sessions and counted attempts whose window has
    /// passed, and makes tasks to chase unanswered referrals to services.
    pub async fn housekeeping(&self, at: Timestamp) -> AppResult<()> {
        let removed = self
            .store
            .delete_stale_sessions(at, at - self.idle_limit())
            .await?;
        // Sign-in windows are the shorter; the public form's is an hour.
        let window = Duration::minutes(i64::from(self.settings.login.window_minutes))
            .max(Duration::hours(1));
        let pruned = self.store.prune_attempts(at - window).await?;
        // Partners who have not answered a referral in time: a task for the
        // link worker to chase them.
        let chased = self.chase_unanswered().await?;
        tracing::debug!(removed, pruned, chased, "housekeeping");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_ins_slow_down_by_doubling_up_to_the_limit() {
        let seconds = |beyond| sign_in_delay(beyond, 10).as_secs();
        assert_eq!(seconds(0), 0);
        assert_eq!(
            (1..=6).map(seconds).collect::<Vec<_>>(),
            [1, 2, 4, 8, 10, 10]
        );
        assert_eq!(seconds(200), 10, "never overflows");
        assert_eq!(sign_in_delay(3, 0), std::time::Duration::ZERO);
    }

    #[test]
    fn attempts_are_counted_per_account_from_each_address() {
        let home = SignInKeys::new("a@example.org", "203.0.113.5");
        let away = SignInKeys::new("a@example.org", "198.51.100.66");
        assert_ne!(home.pair, away.pair);
        assert_eq!(home.account, away.account);
        assert_ne!(home.address, away.address);
        assert_ne!(
            SignInKeys::new("b@example.org", "203.0.113.5").pair,
            home.pair
        );
    }
}
