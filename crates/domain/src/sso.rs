//! Single sign-on settings as an admin types them, checked.

use crate::validation::ValidationErrors;

/// The ID token claims that may name the Linkwork account, by its email
/// address: `email`, or the sign-in name many providers (Entra ID,
/// NHSmail) give as an address.
pub const ACCOUNT_CLAIMS: &[&str] = &["email", "preferred_username", "upn"];

/// What an admin typed on the organisation's page.
#[derive(Debug, Clone, Default)]
pub struct SsoSettingsInput {
    pub issuer: String,
    pub client_id: String,
    /// Blank keeps the secret already stored.
    pub client_secret: String,
    pub claim: String,
    pub email_domain: String,
}

/// The settings, checked and tidied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSettings {
    pub issuer: String,
    pub client_id: String,
    /// `None`: keep the stored one.
    pub client_secret: Option<String>,
    pub claim: String,
    pub email_domain: String,
}

impl SsoSettingsInput {
    /// `has_secret`: whether a client secret is stored already, so a blank
    /// one keeps it.
    pub fn check(&self, has_secret: bool) -> Result<SsoSettings, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let issuer = self.issuer.trim().trim_end_matches('/').to_owned();
        if !is_issuer_url(&issuer) {
            errors.add(
                "issuer",
                "Enter the issuer address your identity provider gives, starting https://",
            );
        }
        let client_id = self.client_id.trim().to_owned();
        if client_id.is_empty() || client_id.chars().any(char::is_control) {
            errors.add("client_id", "Enter the client ID");
        }
        let secret = self.client_secret.trim();
        let client_secret = (!secret.is_empty()).then(|| secret.to_owned());
        if client_secret.is_none() && !has_secret {
            errors.add("client_secret", "Enter the client secret");
        }
        if !ACCOUNT_CLAIMS.contains(&self.claim.as_str()) {
            errors.add("claim", "Select the claim that holds the email address");
        }
        let email_domain = match email_domain_of(&self.email_domain) {
            Some(domain) => domain,
            None => {
                errors.add(
                    "email_domain",
                    "Enter your staff's email domain, like nhs.net or riverside.example",
                );
                String::new()
            }
        };
        errors.into_result(SsoSettings {
            issuer,
            client_id,
            client_secret,
            claim: self.claim.clone(),
            email_domain,
        })
    }
}

/// An issuer is an https address; plain http only on this machine (a
/// provider run for tests or development).
fn is_issuer_url(url: &str) -> bool {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        if !matches!(host, "localhost" | "127.0.0.1") && !rest.starts_with("[::1]") {
            return false;
        }
        rest
    } else {
        return false;
    };
    !rest.is_empty()
        && !url.contains(['?', '#'])
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The email domain in what someone typed to find their organisation's
/// sign-in: a whole address or just the domain, in lower case. `None` if
/// it cannot be a domain.
pub fn email_domain_of(typed: &str) -> Option<String> {
    let typed = typed.trim().to_lowercase();
    let domain = typed.rsplit_once('@').map_or(typed.as_str(), |(_, d)| d);
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    (domain.contains('.') && labels_ok).then(|| domain.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SsoSettingsInput {
        SsoSettingsInput {
            issuer: "https://login.example.nhs.uk/tenant/".into(),
            client_id: " linkwork ".into(),
            client_secret: "s3cret".into(),
            claim: "email".into(),
            email_domain: "Riverside.Example".into(),
        }
    }

    #[test]
    fn settings_are_tidied() {
        let checked = input().check(false).unwrap();
        assert_eq!(checked.issuer, "https://login.example.nhs.uk/tenant");
        assert_eq!(checked.client_id, "linkwork");
        assert_eq!(checked.client_secret.as_deref(), Some("s3cret"));
        assert_eq!(checked.email_domain, "riverside.example");
    }

    #[test]
    fn a_blank_secret_keeps_the_stored_one_only_if_there_is_one() {
        let blank = SsoSettingsInput {
            client_secret: " ".into(),
            ..input()
        };
        assert_eq!(blank.check(true).unwrap().client_secret, None);
        assert!(
            blank
                .check(false)
                .unwrap_err()
                .for_field("client_secret")
                .is_some()
        );
    }

    #[test]
    fn refuses_what_cannot_work() {
        for issuer in [
            "http://login.example.nhs.uk",
            "ftp://x",
            "https://",
            "https://a b",
            "https://x?y=1",
        ] {
            let bad = SsoSettingsInput {
                issuer: issuer.into(),
                ..input()
            };
            assert!(
                bad.check(true).unwrap_err().for_field("issuer").is_some(),
                "{issuer}"
            );
        }
        let local = SsoSettingsInput {
            issuer: "http://127.0.0.1:4000".into(),
            ..input()
        };
        assert!(local.check(true).is_ok());
        let claim = SsoSettingsInput {
            claim: "sub".into(),
            ..input()
        };
        assert!(claim.check(true).unwrap_err().for_field("claim").is_some());
    }

    #[test]
    fn finds_the_domain_in_an_address() {
        assert_eq!(
            email_domain_of(" Sam@Riverside.Example "),
            Some("riverside.example".into())
        );
        assert_eq!(email_domain_of("nhs.net"), Some("nhs.net".into()));
        assert_eq!(email_domain_of("localhost"), None);
        assert_eq!(email_domain_of("a@b..c"), None);
        assert_eq!(email_domain_of(""), None);
    }
}
