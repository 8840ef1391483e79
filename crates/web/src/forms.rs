//! View models for NHS.UK form fields, so templates render every field the
//! same way: label, hint, error message, and the value the user typed.

use linkwork_domain::validation::ValidationErrors;

/// A text-like input (text, email, password, date …).
#[derive(Debug, Clone)]
pub struct Input {
    pub id: String,
    pub label: String,
    pub hint: String,
    pub value: String,
    pub error: Option<String>,
    pub kind: &'static str,
    pub autocomplete: &'static str,
    /// Extra classes for width, e.g. `nhsuk-input--width-20`.
    pub width: &'static str,
}

impl Input {
    pub fn new(id: impl Into<String>, label: impl Into<String>) -> Self {
        Input {
            id: id.into(),
            label: label.into(),
            hint: String::new(),
            value: String::new(),
            error: None,
            kind: "text",
            autocomplete: "off",
            width: "",
        }
    }

    pub fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }

    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = value.into();
        self
    }

    pub fn autocomplete(mut self, autocomplete: &'static str) -> Self {
        self.autocomplete = autocomplete;
        self
    }

    pub fn width(mut self, width: &'static str) -> Self {
        self.width = width;
        self
    }

    /// Takes this field's message from `errors`.
    pub fn errors(mut self, errors: &ValidationErrors) -> Self {
        self.error = errors.for_field(&self.id).map(str::to_owned);
        self
    }

    /// `aria-describedby`: the hint, then the error, whichever exist.
    pub fn described_by(&self) -> String {
        describe(&self.id, !self.hint.is_empty(), self.error.is_some())
    }
}

/// One option of a select, or one radio or checkbox.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub hint: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Self {
        Choice {
            value: value.into(),
            label: label.into(),
            hint: String::new(),
            selected,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }
}

/// A select, a group of radios or a group of checkboxes.
#[derive(Debug, Clone)]
pub struct ChoiceField {
    pub id: &'static str,
    pub label: String,
    pub hint: String,
    pub error: Option<String>,
    pub choices: Vec<Choice>,
    /// The select's empty first option, e.g. "Any role".
    pub placeholder: String,
}

impl ChoiceField {
    pub fn new(id: &'static str, label: impl Into<String>, choices: Vec<Choice>) -> Self {
        ChoiceField {
            id,
            label: label.into(),
            hint: String::new(),
            error: None,
            choices,
            placeholder: String::new(),
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }

    pub fn placeholder(mut self, placeholder: impl Into<String>) -> Self {
        self.placeholder = placeholder.into();
        self
    }

    pub fn errors(mut self, errors: &ValidationErrors) -> Self {
        self.error = errors.for_field(self.id).map(str::to_owned);
        self
    }

    pub fn described_by(&self) -> String {
        describe(self.id, !self.hint.is_empty(), self.error.is_some())
    }

    /// Radio and checkbox ids follow the design system: the first is the
    /// field's id (so the error summary can link to it), then `id-2`, `id-3` …
    pub fn item_id(&self, index: &usize) -> String {
        if *index == 0 {
            self.id.to_owned()
        } else {
            format!("{}-{}", self.id, index + 1)
        }
    }
}

fn describe(id: &str, hint: bool, error: bool) -> String {
    let mut parts = Vec::new();
    if hint {
        parts.push(format!("{id}-hint"));
    }
    if error {
        parts.push(format!("{id}-error"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_hint_and_error() {
        let mut errors = ValidationErrors::new();
        errors.add("email", "Enter an email address");
        let field = Input::new("email", "Email")
            .hint("Work address")
            .errors(&errors);
        assert_eq!(field.error.as_deref(), Some("Enter an email address"));
        assert_eq!(field.described_by(), "email-hint email-error");
        assert_eq!(Input::new("name", "Name").described_by(), "");
    }

    #[test]
    fn item_ids_follow_the_design_system() {
        let field = ChoiceField::new("roles", "Roles", vec![]);
        assert_eq!(field.item_id(&0), "roles");
        assert_eq!(field.item_id(&1), "roles-2");
    }
}
