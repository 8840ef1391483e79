//! Field-level validation errors, shaped so that a form can show each
//! message beside the field it belongs to and an error summary above.

use serde::Serialize;

/// One problem with one field, in plain English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The form field (and API property) the message is about.
    pub field: &'static str,
    pub message: String,
}

/// All the problems found with one submission.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", self.summary())]
pub struct ValidationErrors {
    pub errors: Vec<FieldError>,
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field,
            message: message.into(),
        });
    }

    /// Adds every problem another check found.
    pub fn extend(&mut self, other: ValidationErrors) {
        self.errors.extend(other.errors);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The message for one field, if it has one.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// `Ok(value)` when nothing was wrong, so validators can end with
    /// `errors.into_result(value)`.
    pub fn into_result<T>(self, value: T) -> Result<T, Self> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    fn summary(&self) -> String {
        self.errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Trims a free-text field and treats an empty one as absent.
pub fn non_empty(value: &str) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// An optional free-text field: trimmed, absent when empty, and at most
/// `max` characters (`label` names it in the message).
pub fn text(
    errors: &mut ValidationErrors,
    field: &'static str,
    raw: &str,
    max: usize,
    label: &str,
) -> Option<String> {
    let value = non_empty(raw);
    if let Some(v) = &value
        && v.chars().count() > max
    {
        errors.add(field, format!("{label} must be {max} characters or fewer"));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_messages_by_field() {
        let mut errors = ValidationErrors::new();
        assert!(errors.is_empty());
        errors.add("email", "Enter an email address");
        errors.add("name", "Enter a name");
        assert_eq!(errors.for_field("name"), Some("Enter a name"));
        assert_eq!(errors.for_field("roles"), None);
        assert_eq!(
            errors.to_string(),
            "email: Enter an email address; name: Enter a name"
        );
        assert!(errors.into_result(()).is_err());
    }

    #[test]
    fn non_empty_trims() {
        assert_eq!(non_empty("  x "), Some("x".into()));
        assert_eq!(non_empty("   "), None);
    }
}
