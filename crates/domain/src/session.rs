//! Signed-in sessions and one-time set-password links. Only hashes of the
//! secrets are held, so a copy of the database cannot be used to sign in.

use serde::{Deserialize, Serialize};

use crate::{Timestamp, UserId};

/// A server-side session. The browser holds the secret token in a cookie;
/// the store holds its SHA-256 hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub user_id: UserId,
    /// Every form carries this; a post without it is refused.
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// The absolute end of the session, however active it is.
    pub expires_at: Timestamp,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Started with a password whose second factor is still to be given:
    /// good for nothing but giving it.
    pub second_factor_pending: bool,
    pub signed_in_with: SignInMethod,
}

/// How a session was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignInMethod {
    /// Linkwork's own password (and second factor, where one is set up).
    #[default]
    Password,
    /// The organisation's identity provider (OpenID Connect), which asks
    /// for its own second factor.
    SingleSignOn,
}

impl SignInMethod {
    pub fn code(self) -> &'static str {
        match self {
            SignInMethod::Password => "password",
            SignInMethod::SingleSignOn => "sso",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "password" => Some(SignInMethod::Password),
            "sso" => Some(SignInMethod::SingleSignOn),
            _ => None,
        }
    }
}

impl Session {
    /// Whether the session may still be used at `now`: before its absolute
    /// end and used within the idle limit.
    pub fn is_live(&self, now: Timestamp, idle_limit: chrono::Duration) -> bool {
        now < self.expires_at && now - self.last_seen_at < idle_limit
    }
}

/// Why a one-time link was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialPurpose {
    /// A new account's first password.
    Invite,
    /// An admin reset a forgotten password.
    Reset,
}

impl CredentialPurpose {
    pub fn code(self) -> &'static str {
        match self {
            CredentialPurpose::Invite => "invite",
            CredentialPurpose::Reset => "reset",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "invite" => Some(CredentialPurpose::Invite),
            "reset" => Some(CredentialPurpose::Reset),
            _ => None,
        }
    }
}

/// A one-time link that lets a user set their password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialToken {
    pub token_hash: String,
    pub user_id: UserId,
    pub purpose: CredentialPurpose,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn session_ends_when_idle_or_past_its_end() {
        let start = crate::time::now();
        let session = Session {
            token_hash: "h".into(),
            user_id: UserId::new(),
            csrf_token: "c".into(),
            created_at: start,
            last_seen_at: start,
            expires_at: start + Duration::hours(12),
            ip: None,
            user_agent: None,
            second_factor_pending: false,
            signed_in_with: SignInMethod::Password,
        };
        let idle = Duration::minutes(30);
        assert!(session.is_live(start + Duration::minutes(29), idle));
        assert!(!session.is_live(start + Duration::minutes(31), idle));
        let mut active = session.clone();
        active.last_seen_at = start + Duration::hours(12);
        assert!(!active.is_live(start + Duration::hours(12) + Duration::seconds(1), idle));
    }
}
