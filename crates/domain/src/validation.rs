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

/// Whether typed text is one line (names, addresses) or may run over
/// several (notes, details).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Line,
    Lines,
}

/// The text was refused: it holds characters nobody types on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HiddenCharacters;

/// Text as people type it, made safe to keep and show: trimmed, in
/// Unicode's composed form (NFC, so "Zoë" typed two ways is one name, found
/// by one search), and refused when it holds control characters (NUL, escape
/// …; line breaks and tabs only in `Layout::Lines`), line or paragraph
/// separators in a line, or the invisible controls that reverse the
/// direction text is shown in (U+202A–U+202E, U+2066–U+2069), with which a
/// name can be made to read as something else. Those would also make XML
/// written from the text malformed, or a record look different in
/// different places.
pub fn typed(raw: &str, layout: Layout) -> Result<String, HiddenCharacters> {
    use unicode_normalization::UnicodeNormalization;
    let text: String = raw.trim().nfc().collect();
    let allowed_control = |c: char| layout == Layout::Lines && matches!(c, '\n' | '\r' | '\t');
    let hidden = text.chars().any(|c| {
        (c.is_control() && !allowed_control(c))
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            || (layout == Layout::Line && matches!(c, '\u{2028}' | '\u{2029}'))
    });
    if hidden {
        Err(HiddenCharacters)
    } else {
        Ok(text)
    }
}

/// A text field as typed, checked by `typed` and for length: `None` when
/// empty, with any problem added to `errors` under `field` (the value is
/// still returned, so "Enter …" is not said as well).
pub fn text_field(
    errors: &mut ValidationErrors,
    field: &'static str,
    raw: &str,
    layout: Layout,
    max: usize,
    label: &str,
) -> Option<String> {
    let value = match typed(raw, layout) {
        Ok(text) => text,
        Err(HiddenCharacters) => {
            errors.add(field, hidden_characters_message(label));
            raw.trim().to_owned()
        }
    };
    if value.is_empty() {
        return None;
    }
    if value.chars().count() > max && errors.for_field(field).is_none() {
        errors.add(
            field,
            format!("{label} must be {} characters or fewer", thousands(max)),
        );
    }
    Some(value)
}

/// What to tell someone whose text held hidden characters.
pub fn hidden_characters_message(label: &str) -> String {
    format!(
        "{label} must not include hidden characters, such as control or text direction characters"
    )
}

/// 4000 as "4,000", as the NHS style guide writes numbers.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A free-text field (notes, details, where): checked by `text_field` as
/// `Layout::Lines`. Names and other one-line fields use `text_field` with
/// `Layout::Line`.
pub fn text(
    errors: &mut ValidationErrors,
    field: &'static str,
    raw: &str,
    max: usize,
    label: &str,
) -> Option<String> {
    text_field(errors, field, raw, Layout::Lines, max, label)
}

/// `text`, for a field that must be given: `missing` when it is empty.
pub fn required_text(
    errors: &mut ValidationErrors,
    field: &'static str,
    raw: &str,
    max: usize,
    label: &str,
    missing: &str,
) -> Option<String> {
    let value = text(errors, field, raw, max, label);
    if value.is_none() && errors.for_field(field).is_none() {
        errors.add(field, missing.to_owned());
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
    fn typed_text_is_composed_and_hidden_characters_refused() {
        assert_eq!(typed("  Zoe\u{308} ", Layout::Line), Ok("Zo\u{eb}".into()));
        for bad in [
            "Gra\u{0}ce",
            "Grace\u{202e}",
            "\u{2066}x",
            "a\u{1b}b",
            "a\nb",
            "a\u{2028}b",
            "a\u{7f}",
        ] {
            assert_eq!(typed(bad, Layout::Line), Err(HiddenCharacters), "{bad:?}");
        }
        assert_eq!(
            typed("one\r\ntwo\tthree", Layout::Lines),
            Ok("one\r\ntwo\tthree".into())
        );
        assert_eq!(typed("one\u{0}", Layout::Lines), Err(HiddenCharacters));
        assert_eq!(typed("\u{202d}one", Layout::Lines), Err(HiddenCharacters));
        // Joiners shape Persian and Indic names; marks of direction alone
        // reverse nothing.
        assert!(typed("می\u{200c}خواهم", Layout::Line).is_ok());
        assert!(typed("a\u{200f}b", Layout::Line).is_ok());
    }

    #[test]
    fn text_fields_say_what_is_wrong_once() {
        let mut errors = ValidationErrors::new();
        assert_eq!(
            text_field(&mut errors, "name", "  ", Layout::Line, 5, "Name"),
            None
        );
        assert_eq!(
            text_field(
                &mut errors,
                "name",
                "a\u{0}bcdefgh",
                Layout::Line,
                5,
                "Name"
            ),
            Some("a\u{0}bcdefgh".into())
        );
        assert_eq!(
            errors.for_field("name"),
            Some(
                "Name must not include hidden characters, such as control or text direction characters"
            )
        );
        assert_eq!(errors.errors.len(), 1);
        let mut errors = ValidationErrors::new();
        text_field(
            &mut errors,
            "details",
            &"x".repeat(4001),
            Layout::Lines,
            4000,
            "Details",
        );
        assert_eq!(
            errors.for_field("details"),
            Some("Details must be 4,000 characters or fewer")
        );
    }

    #[test]
    fn non_empty_trims() {
        assert_eq!(non_empty("  x "), Some("x".into()));
        assert_eq!(non_empty("   "), None);
    }
}
