//! People who sign in, and the rules for their details and passwords.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::role::Roles;
use crate::validation::{Layout, ValidationErrors, text_field};
use crate::{OrgId, Timestamp, UserId};

/// An email address, trimmed and lower-cased so that sign-in is not
/// case-sensitive and one address cannot hold two accounts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address")]
    Empty,
    #[error("Enter an email address in the correct format, like name@example.nhs.uk")]
    Format,
}

impl Email {
    pub fn parse(raw: &str) -> Result<Email, EmailError> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(EmailError::Empty);
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err(EmailError::Format);
        };
        let valid = !local.is_empty()
            && email.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && !domain.contains('@');
        if valid {
            Ok(Email(email))
        } else {
            Err(EmailError::Format)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Email {
    type Err = EmailError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Email::parse(s)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// Whether an account can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Created by an admin; the person has not yet set a password.
    Invited,
    Active,
    /// Cannot sign in; all sessions ended. Kept so the audit log still
    /// names who did what.
    Disabled,
}

impl UserStatus {
    pub fn code(self) -> &'static str {
        match self {
            UserStatus::Invited => "invited",
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UserStatus::Invited => "Invited",
            UserStatus::Active => "Active",
            UserStatus::Disabled => "Disabled",
        }
    }
}

impl FromStr for UserStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "invited" => Ok(UserStatus::Invited),
            "active" => Ok(UserStatus::Active),
            "disabled" => Ok(UserStatus::Disabled),
            other => Err(format!("unknown user status {other:?}")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub org_id: OrgId,
    pub email: Email,
    pub display_name: String,
    pub roles: Roles,
    pub status: UserStatus,
    pub created_at: Timestamp,
    pub last_login_at: Option<Timestamp>,
}

/// What an admin (or the CLI) supplies to create an account.
#[derive(Debug, Clone, Default)]
pub struct NewUserInput {
    pub email: String,
    pub display_name: String,
    pub org_id: String,
    pub roles: Vec<String>,
}

/// A validated new account, before it has a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub email: Email,
    pub display_name: String,
    pub org_id: OrgId,
    pub roles: Roles,
}

impl NewUser {
    pub fn validate(input: &NewUserInput) -> Result<NewUser, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let email = Email::parse(&input.email)
            .map_err(|e| errors.add("email", e.to_string()))
            .ok();
        let display_name = text_field(
            &mut errors,
            "display_name",
            &input.display_name,
            Layout::Line,
            100,
            "Name",
        );
        if display_name.is_none() {
            errors.add("display_name", "Enter the person's full name");
        }
        let org_id = input
            .org_id
            .trim()
            .parse::<OrgId>()
            .map_err(|_| errors.add("org_id", "Select an organisation"))
            .ok();
        let roles = Roles::parse(&input.roles)
            .map_err(|e| errors.extend(e))
            .ok();
        errors.into_result(())?;
        Ok(NewUser {
            email: email.expect("validated"),
            display_name: display_name.expect("validated"),
            org_id: org_id.expect("validated"),
            roles: roles.expect("validated"),
        })
    }
}

/// The shortest password accepted. Length is what makes a password strong
/// (NCSC guidance), so there are no composition rules.
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Checks a new password against the policy. `email` is the account's own
/// address, which must not be used as (or inside) its password.
pub fn check_new_password(
    password: &str,
    confirm: &str,
    email: &Email,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let chars = password.chars().count();
    if password.is_empty() {
        errors.add("password", "Enter a password");
    } else if chars < MIN_PASSWORD_CHARS {
        errors.add(
            "password",
            format!("Password must be {MIN_PASSWORD_CHARS} characters or more"),
        );
    } else if chars > MAX_PASSWORD_CHARS {
        errors.add(
            "password",
            format!("Password must be {MAX_PASSWORD_CHARS} characters or fewer"),
        );
    } else if is_trivially_guessable(password, email) {
        errors.add(
            "password",
            "Password is too easy to guess: do not use your email address or a repeated pattern",
        );
    }
    if errors.is_empty() && password != confirm {
        errors.add("confirm_password", "Passwords do not match");
    }
    errors.into_result(())
}

fn is_trivially_guessable(password: &str, email: &Email) -> bool {
    let lower = password.to_lowercase();
    let local = email.as_str().split('@').next().unwrap_or_default();
    let distinct = {
        let mut chars: Vec<char> = lower.chars().collect();
        chars.sort_unstable();
        chars.dedup();
        chars.len()
    };
    distinct < 4 || (local.len() >= 4 && lower.contains(local)) || lower.contains("password")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::Role;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Alex.Smith@NHS.net ").unwrap().as_str(),
            "alex.smith@nhs.net"
        );
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        for bad in [
            "alex",
            "alex@",
            "@nhs.net",
            "alex@nhs",
            "a b@nhs.net",
            "a@@nhs.net",
            "a@nhs..net",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Format), "{bad}");
        }
    }

    #[test]
    fn new_user_reports_each_problem() {
        let errors = NewUser::validate(&NewUserInput {
            email: "not-an-email".into(),
            display_name: "".into(),
            org_id: "x".into(),
            roles: vec!["wizard".into()],
        })
        .unwrap_err();
        for field in ["email", "display_name", "org_id", "roles"] {
            assert!(errors.for_field(field).is_some(), "{field}");
        }
        let none = NewUser::validate(&NewUserInput {
            roles: vec![],
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(none.for_field("roles"), Some("Select at least one role"));
    }

    #[test]
    fn new_user_accepts_good_input() {
        let org = OrgId::new();
        let user = NewUser::validate(&NewUserInput {
            email: "Sam@Example.org".into(),
            display_name: " Sam Patel ".into(),
            org_id: org.to_string(),
            roles: vec!["link_worker".into(), "team_lead".into()],
        })
        .unwrap();
        assert_eq!(user.email.as_str(), "sam@example.org");
        assert_eq!(user.display_name, "Sam Patel");
        assert_eq!(user.org_id, org);
        assert!(user.roles.contains(Role::TeamLead));
    }

    #[test]
    fn password_policy() {
        let email = Email::parse("sam.patel@example.org").unwrap();
        let ok = "correct horse battery";
        assert!(check_new_password(ok, ok, &email).is_ok());
        let short = check_new_password("short", "short", &email).unwrap_err();
        assert_eq!(
            short.for_field("password"),
            Some("Password must be 12 characters or more")
        );
        assert!(check_new_password("aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaa", &email).is_err());
        assert!(check_new_password("sam.patel-2026!!", "sam.patel-2026!!", &email).is_err());
        let mismatch = check_new_password(ok, "something else", &email).unwrap_err();
        assert_eq!(
            mismatch.for_field("confirm_password"),
            Some("Passwords do not match")
        );
        assert!(
            check_new_password("", "", &email)
                .unwrap_err()
                .for_field("password")
                .is_some()
        );
    }
}
