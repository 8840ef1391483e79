//! The second factor for password sign-in: setting up an authenticator
//! app, giving its code (or a recovery code) after the password, and who
//! must have one. Sessions started through single sign-on never ask: the
//! organisation's identity provider asks for its own.

use chrono::Duration;
use linkwork_domain::audit::{AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::role::Role;
use linkwork_domain::second_factor::{
    RECOVERY_ALPHABET, RECOVERY_CODE_CHARS, RECOVERY_CODES, SECRET_BYTES, base32,
    check_code_entered, format_recovery_code, grouped, looks_like_one_time_code, matching_step,
    normalise_recovery_code, otpauth_uri, step_at,
};
use linkwork_domain::time::now;
use linkwork_domain::user::User;
use linkwork_domain::validation::ValidationErrors;
use linkwork_storage::StoredSecondFactor;

use crate::App;
use crate::accounts::{PendingSignIn, SignInError};
use crate::error::{AppError, AppResult};
use crate::principal::Principal;
use crate::secrets::{random_bytes, random_chars};

/// The name authenticator apps list the account under.
const ISSUER: &str = "Linkwork";

/// A new secret offered for setting up: shown as a key to type and an
/// `otpauth://` URI, and carried by the form sealed (bound to the account),
/// so nothing is stored until a code from it confirms it.
#[derive(Debug, Clone)]
pub struct SetupOffer {
    /// The base 32 key in groups of four.
    pub key: String,
    pub uri: String,
    pub sealed: String,
}

/// The recovery codes made at set-up, shown once and stored only hashed.
#[derive(Debug, Clone)]
pub struct RecoveryCodes(pub Vec<String>);

/// Who is setting up: a signed-in user from their account page, or one
/// who has just given their password and must set one up before anything
/// else.
pub enum SettingUp<'a> {
    SignedIn(&'a Principal),
    SigningIn(&'a PendingSignIn),
}

impl SettingUp<'_> {
    fn user(&self) -> &User {
        match self {
            SettingUp::SignedIn(p) => &p.user,
            SettingUp::SigningIn(p) => &p.user,
        }
    }
}

fn secret_context(user: &User) -> String {
    format!("totp:{}", user.id)
}

fn actor_event(user: &User, action: AuditAction, ip: Option<String>) -> NewAuditEvent {
    NewAuditEvent::new(
        linkwork_domain::audit::Actor::User {
            id: user.id,
            email: user.email.clone(),
            org_id: user.org_id,
        },
        action,
        now(),
    )
    .entity(EntityRef::new("user", user.id))
    .org(user.org_id)
    .ip(ip)
}

impl App {
    /// Whether `user` must give a second factor after their password:
    /// every admin, and everyone in an organisation (or under one) that
    /// requires it.
    pub async fn second_factor_required(&self, user: &User) -> AppResult<bool> {
        if user.roles.contains(Role::Admin) {
            return Ok(true);
        }
        let mut org = Some(user.org_id);
        // A tenancy tree is a few levels deep; the bound guards a loop.
        for _ in 0..16 {
            let Some(id) = org else { break };
            if self.store.org_sign_in(id).await?.require_second_factor {
                return Ok(true);
            }
            org = self.store.organisation(id).await?.and_then(|o| o.parent_id);
        }
        Ok(false)
    }

    pub async fn has_second_factor(&self, user: &User) -> AppResult<bool> {
        Ok(self.store.second_factor(user.id).await?.is_some())
    }

    /// A fresh secret for `user` to add to their authenticator app.
    pub fn offer_second_factor(&self, user: &User) -> SetupOffer {
        let secret: [u8; SECRET_BYTES] = random_bytes();
        SetupOffer {
            key: grouped(&base32(&secret)),
            uri: otpauth_uri(ISSUER, user.email.as_str(), &secret),
            sealed: self.sealing.seal(&secret, &secret_context(user)),
        }
    }

    /// The offer again, from the form's sealed secret, when a confirmation
    /// is refused and the page is shown again.
    pub fn reoffer_second_factor(&self, user: &User, sealed: &str) -> AppResult<SetupOffer> {
        let secret = self.sealing.open(sealed, &secret_context(user))?;
        Ok(SetupOffer {
            key: grouped(&base32(&secret)),
            uri: otpauth_uri(ISSUER, user.email.as_str(), &secret),
            sealed: sealed.to_owned(),
        })
    }

    /// Stores the authenticator once a code from it is right, with ten new
    /// recovery codes (returned to be shown once), replacing any earlier
    /// ones. Someone signing in may only set one up if they have none:
    /// a password alone must never replace an existing second factor.
    pub async fn confirm_second_factor(
        &self,
        who: SettingUp<'_>,
        sealed: &str,
        code: &str,
    ) -> AppResult<RecoveryCodes> {
        let user = who.user();
        let (ip, completing) = match &who {
            SettingUp::SignedIn(p) => (p.ip.clone(), None),
            SettingUp::SigningIn(p) => {
                if self.has_second_factor(&p.user).await? {
                    return Err(AppError::Forbidden);
                }
                (p.ip.clone(), Some(p.session_hash.as_str()))
            }
        };
        check_code_entered(code, "code")?;
        let secret = self
            .sealing
            .open(sealed, &secret_context(user))
            .map_err(|_| ValidationErrors::single("code", "Start again: the set-up has changed"))?;
        let at = now();
        let Some(step) = matching_step(&secret, code, step_at(at), None) else {
            return Err(ValidationErrors::single(
                "code",
                "The code is not correct. Enter the code your app shows now",
            )
            .into());
        };
        let codes: Vec<String> = (0..RECOVERY_CODES)
            .map(|_| random_chars(RECOVERY_ALPHABET, RECOVERY_CODE_CHARS))
            .collect();
        let mut hashes = Vec::with_capacity(codes.len());
        for code in &codes {
            hashes.push(self.hasher.hash(code).await?);
        }
        let factor = StoredSecondFactor {
            secret_sealed: sealed.to_owned(),
            last_step: step,
            set_up_at: at,
        };
        let event = actor_event(user, AuditAction::SecondFactorSetUp, ip)
            .detail("Set up an authenticator app and 10 recovery codes");
        self.store
            .set_second_factor(user.id, &factor, &hashes, completing, &event)
            .await?;
        Ok(RecoveryCodes(
            codes.iter().map(|c| format_recovery_code(c)).collect(),
        ))
    }

    /// The second step of a password sign-in: a code from the app (each
    /// step used once) or an unused recovery code (used up). Wrong codes
    /// are counted like wrong passwords; past `max_failures_per_account`
    /// within the window the account's second step is refused until the
    /// window passes. The caller already knows the password, so refusing
    /// locks out no stranger.
    pub async fn give_second_factor(
        &self,
        pending: &PendingSignIn,
        typed: &str,
    ) -> Result<(), SignInError> {
        let user = &pending.user;
        let login = &self.settings.login;
        let at = now();
        let window_start = at - Duration::minutes(i64::from(login.window_minutes));
        let key = format!("second-factor:account:{}", user.id);
        let event = |action| actor_event(user, action, pending.ip.clone());

        let attempts = self
            .store
            .count_attempts(std::slice::from_ref(&key), at, window_start, None)
            .await
            .map_err(AppError::from)?[0];
        if attempts > login.max_failures_per_account {
            let refused = event(AuditAction::SignInThrottled)
                .detail("Second-factor code refused: too many wrong codes");
            self.store.record(&refused).await.map_err(AppError::from)?;
            return Err(SignInError::Throttled {
                minutes: login.window_minutes,
            });
        }
        let factor = self
            .store
            .second_factor(user.id)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound("second factor"))?;

        let accepted = if looks_like_one_time_code(typed) {
            let secret = self
                .sealing
                .open(&factor.secret_sealed, &secret_context(user))
                .map_err(AppError::from)?;
            match matching_step(&secret, typed, step_at(at), Some(factor.last_step)) {
                Some(step) => self
                    .store
                    .use_totp_step(
                        user.id,
                        step,
                        &pending.session_hash,
                        &event(AuditAction::SecondFactorUsed),
                    )
                    .await
                    .map_err(AppError::from)?,
                None => false,
            }
        } else {
            self.use_recovery_code(pending, typed, at).await?
        };
        if !accepted {
            let failed = event(AuditAction::SecondFactorFailed)
                .detail("Wrong, reused or expired second-factor code");
            self.store.record(&failed).await.map_err(AppError::from)?;
            return Err(SignInError::WrongCode);
        }
        self.store
            .clear_attempts(&key)
            .await
            .map_err(AppError::from)?;
        Ok(())
    }

    /// Checks a typed recovery code against the unused ones (each Argon2id
    /// hashed, so each check costs a password's work) and uses up the
    /// one it matches.
    async fn use_recovery_code(
        &self,
        pending: &PendingSignIn,
        typed: &str,
        at: linkwork_domain::Timestamp,
    ) -> Result<bool, SignInError> {
        let Some(code) = normalise_recovery_code(typed) else {
            return Ok(false);
        };
        let user = &pending.user;
        let unused = self
            .store
            .unused_recovery_codes(user.id)
            .await
            .map_err(AppError::from)?;
        for stored in unused {
            if self.hasher.verify(&code, Some(&stored.code_hash)).await? {
                let left = self
                    .store
                    .unused_recovery_codes(user.id)
                    .await
                    .map_err(AppError::from)?
                    .len()
                    .saturating_sub(1);
                let event = actor_event(user, AuditAction::RecoveryCodeUsed, pending.ip.clone())
                    .detail(format!("Signed in with a recovery code; {left} left"));
                return Ok(self
                    .store
                    .use_recovery_code(user.id, stored.position, at, &pending.session_hash, &event)
                    .await
                    .map_err(AppError::from)?);
            }
        }
        Ok(false)
    }

    /// How many recovery codes the signed-in user has left.
    pub async fn recovery_codes_left(&self, user: &User) -> AppResult<usize> {
        Ok(self.store.unused_recovery_codes(user.id).await?.len())
    }

    /// The signed-in user removes their own second factor, proving it is
    /// them with their password. Not allowed where one is required: they
    /// set up a new one instead.
    pub async fn remove_own_second_factor(
        &self,
        principal: &Principal,
        password: &str,
    ) -> AppResult<()> {
        if self.second_factor_required(&principal.user).await? {
            return Err(AppError::Forbidden);
        }
        let credentials = self
            .store
            .user_credentials(&principal.user.email)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        if !self
            .hasher
            .verify(password, credentials.password_hash.as_deref())
            .await?
        {
            return Err(ValidationErrors::single(
                "removal_password",
                "Your password is not correct",
            )
            .into());
        }
        let event = actor_event(
            &principal.user,
            AuditAction::SecondFactorRemoved,
            principal.ip.clone(),
        );
        Ok(self
            .store
            .remove_second_factor(principal.user.id, &event)
            .await?)
    }
}
