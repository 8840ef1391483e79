//! Tokens other systems use to call the referral API and the FHIR
//! endpoint on behalf of one organisation. The token is shown once when
//! issued; only its SHA-256 is kept.

use serde::Serialize;

use crate::validation::{Layout, ValidationErrors, text_field};
use crate::{ApiTokenId, OrgId, Timestamp};

/// Every token starts with this, so one pasted into the wrong place (a
/// log, a ticket) is easy to recognise and search for.
pub const TOKEN_PREFIX: &str = "lwk_";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: ApiTokenId,
    /// The organisation the token acts for: referrals made with it are
    /// that organisation's.
    pub org_id: OrgId,
    /// What it is for, e.g. "EMIS referral bridge".
    pub name: String,
    pub token_hash: String,
    /// The first characters of the token, to tell tokens apart.
    pub hint: String,
    pub created_at: Timestamp,
    /// Who issued it, as the audit log names them.
    pub created_by: String,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl ApiToken {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// A token's name, checked.
pub fn validate_name(raw: &str) -> Result<String, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let name = text_field(&mut errors, "name", raw, Layout::Line, 100, "Name");
    if name.is_none() {
        errors.add(
            "name",
            "Enter a name that says which system will use the token",
        );
    }
    errors.into_result(name.unwrap_or_default())
}
