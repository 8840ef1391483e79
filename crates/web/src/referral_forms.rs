//! The referral forms' fields: what the browser posts, turned into the
//! domain's inputs, and back into NHS.UK fields that show each message
//! and everything typed. The public form, the professional form and the
//! person edit form share the person's fields.

use linkwork_domain::codes::Need;
use linkwork_domain::ethnicity::ETHNIC_CATEGORIES;
use linkwork_domain::organisation::Organisation;
use linkwork_domain::person::{ContactMethod, DateParts, PersonDetails, PersonInput, Sex};
use linkwork_domain::referral::ReferralInput;
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;

use crate::forms::{Choice, ChoiceField, Input};

/// Everything the referral forms can post. Unknown fields are ignored;
/// missing ones are empty.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReferralForm {
    pub nhs_number: String,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: String,
    pub dob_day: String,
    pub dob_month: String,
    pub dob_year: String,
    pub sex: String,
    pub gender_identity: String,
    pub ethnicity: String,
    pub address_line1: String,
    pub address_line2: String,
    pub town: String,
    pub postcode: String,
    pub gp_practice: String,
    pub phone: String,
    pub email: String,
    pub contact_method: String,
    pub contact_times: String,
    pub safe_to_leave_message: String,
    pub language: String,
    /// Ticked communication needs: interpreter, bsl, easy_read, large_print.
    pub communication: Vec<String>,
    pub other_communication_needs: String,
    pub safeguarding_concern: String,
    pub safeguarding_details: String,
    pub needs: Vec<String>,
    pub details: String,
    pub urgency: String,
    pub consent_referral: String,
    pub consent_contact: String,
    pub share_with: Vec<String>,
    pub referrer_name: String,
    pub referrer_role: String,
    pub referrer_phone: String,
    pub referrer_email: String,
    /// The public form: "self" or "someone_else".
    pub referral_for: String,
    /// The public form's trap for robots: hidden from people, so anything
    /// in it means the submission was not made by a person.
    pub website: String,
    /// One per form load, so the same form sent twice makes one referral.
    pub form_key: String,
    /// The professional form's answer to "is this the same person?".
    pub duplicate: String,
}

impl ReferralForm {
    /// The form's one-time key, if it is one this server made (what
    /// `random_token` makes), else a new one: the key the page carries.
    pub fn form_key_or_new(&self) -> String {
        self.valid_form_key()
            .map(str::to_owned)
            .unwrap_or_else(linkwork_app::secrets::random_token)
    }

    /// The posted key, if it has the shape of one this server made; a
    /// made-up key is ignored rather than stored.
    pub fn valid_form_key(&self) -> Option<&str> {
        let key = self.form_key.as_str();
        (key.len() == 43
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then_some(key)
    }

    pub fn person_input(&self) -> PersonInput {
        let ticked = |code: &str| self.communication.iter().any(|c| c == code);
        PersonInput {
            nhs_number: self.nhs_number.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            preferred_name: self.preferred_name.clone(),
            date_of_birth: DateParts {
                day: self.dob_day.clone(),
                month: self.dob_month.clone(),
                year: self.dob_year.clone(),
            },
            sex: self.sex.clone(),
            gender_identity: self.gender_identity.clone(),
            ethnicity: self.ethnicity.clone(),
            address_line1: self.address_line1.clone(),
            address_line2: self.address_line2.clone(),
            town: self.town.clone(),
            postcode: self.postcode.clone(),
            gp_practice: self.gp_practice.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            contact_method: self.contact_method.clone(),
            contact_times: self.contact_times.clone(),
            safe_to_leave_message: self.safe_to_leave_message.clone(),
            language: self.language.clone(),
            interpreter_needed: ticked("interpreter"),
            bsl: ticked("bsl"),
            easy_read: ticked("easy_read"),
            large_print: ticked("large_print"),
            other_communication_needs: self.other_communication_needs.clone(),
            safeguarding_concern: self.safeguarding_concern == "yes",
            safeguarding_details: self.safeguarding_details.clone(),
        }
    }

    pub fn referral_input(&self) -> ReferralInput {
        ReferralInput {
            needs: self.needs.clone(),
            details: self.details.clone(),
            urgency: self.urgency.clone(),
            consent_referral: self.consent_referral == "yes",
            consent_contact: self.consent_contact.clone(),
            referrer_name: self.referrer_name.clone(),
            referrer_role: self.referrer_role.clone(),
            referrer_phone: self.referrer_phone.clone(),
            referrer_email: self.referrer_email.clone(),
            ..Default::default()
        }
    }

    /// The form filled in from a person's record, for editing it.
    pub fn from_person(d: &PersonDetails) -> ReferralForm {
        let mut communication = Vec::new();
        for (on, code) in [
            (d.interpreter_needed, "interpreter"),
            (d.bsl, "bsl"),
            (d.easy_read, "easy_read"),
            (d.large_print, "large_print"),
        ] {
            if on {
                communication.push(code.to_owned());
            }
        }
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        ReferralForm {
            nhs_number: d
                .nhs_number
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            given_name: d.given_name.clone(),
            family_name: d.family_name.clone(),
            preferred_name: text(&d.preferred_name),
            dob_day: d.date_of_birth.format("%-d").to_string(),
            dob_month: d.date_of_birth.format("%-m").to_string(),
            dob_year: d.date_of_birth.format("%Y").to_string(),
            sex: d.sex.map(|s| s.code().to_owned()).unwrap_or_default(),
            gender_identity: text(&d.gender_identity),
            ethnicity: text(&d.ethnicity),
            address_line1: text(&d.address_line1),
            address_line2: text(&d.address_line2),
            town: text(&d.town),
            postcode: d
                .postcode
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            gp_practice: d
                .gp_practice_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            phone: text(&d.phone),
            email: d
                .email
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            contact_method: d
                .contact_method
                .map(|m| m.code().to_owned())
                .unwrap_or_default(),
            contact_times: text(&d.contact_times),
            safe_to_leave_message: match d.safe_to_leave_message {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            language: text(&d.language),
            communication,
            other_communication_needs: text(&d.other_communication_needs),
            safeguarding_concern: if d.safeguarding_concern {
                "yes".into()
            } else {
                String::new()
            },
            safeguarding_details: text(&d.safeguarding_details),
            ..Default::default()
        }
    }
}

/// A date asked for as day, month and year. The day box carries the
/// field's id, so the error summary's link lands in it.
#[derive(Debug, Clone)]
pub struct DateField {
    pub id: &'static str,
    /// The posted names are `{name}_day`, `{name}_month`, `{name}_year`.
    pub name: &'static str,
    pub label: String,
    pub hint: String,
    pub error: Option<String>,
    pub day: String,
    pub month: String,
    pub year: String,
}

impl DateField {
    pub fn new(id: &'static str, name: &'static str, label: impl Into<String>) -> Self {
        DateField {
            id,
            name,
            label: label.into(),
            hint: String::new(),
            error: None,
            day: String::new(),
            month: String::new(),
            year: String::new(),
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }

    pub fn value(mut self, day: &str, month: &str, year: &str) -> Self {
        (self.day, self.month, self.year) = (day.into(), month.into(), year.into());
        self
    }

    pub fn errors(mut self, errors: &ValidationErrors) -> Self {
        self.error = errors.for_field(self.id).map(str::to_owned);
        self
    }

    pub fn described_by(&self) -> String {
        let mut parts = Vec::new();
        if !self.hint.is_empty() {
            parts.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            parts.push(format!("{}-error", self.id));
        }
        parts.join(" ")
    }
}

/// Yes and no, as radios.
pub fn yes_no(selected: &str) -> Vec<Choice> {
    vec![
        Choice::new("yes", "Yes", selected == "yes"),
        Choice::new("no", "No", selected == "no"),
    ]
}

/// Who fills the form in, which changes how questions are worded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker {
    /// The public form: the person or someone who knows them.
    Public,
    /// A professional or the team.
    Professional,
}

/// The person's fields, ready to render.
pub struct PersonFields {
    pub nhs_number: Input,
    pub given_name: Input,
    pub family_name: Input,
    pub preferred_name: Input,
    pub date_of_birth: DateField,
    pub sex: ChoiceField,
    pub gender_identity: Input,
    pub ethnicity: ChoiceField,
    pub address_line1: Input,
    pub address_line2: Input,
    pub town: Input,
    pub postcode: Input,
    pub gp_practice: ChoiceField,
    pub phone: Input,
    pub email: Input,
    pub contact_method: ChoiceField,
    pub contact_times: Input,
    pub safe_to_leave_message: ChoiceField,
    pub language: Input,
    pub communication: ChoiceField,
    pub other_communication_needs: Input,
    pub safeguarding_concern: ChoiceField,
    pub safeguarding_details: Input,
    /// Whether to ask about safeguarding (not on the public form, which
    /// points people to urgent help instead).
    pub ask_safeguarding: bool,
}

impl PersonFields {
    pub fn new(
        f: &ReferralForm,
        e: &ValidationErrors,
        practices: &[Organisation],
        asker: Asker,
        nhs_number_required: bool,
    ) -> PersonFields {
        let optional = |label: &str| format!("{label} (optional)");
        let nhs_label = if nhs_number_required {
            "NHS number".to_owned()
        } else {
            optional("NHS number")
        };
        let nhs_hint = match asker {
            Asker::Public => {
                "It is on letters from the NHS and in the NHS App, like 943 476 5919. Leave it blank if you do not know it."
            }
            Asker::Professional => "10 digits, like 943 476 5919",
        };
        let communication = [
            ("interpreter", "An interpreter"),
            ("bsl", "A British Sign Language interpreter"),
            ("easy_read", "Easy read"),
            ("large_print", "Large print"),
        ]
        .into_iter()
        .map(|(code, label)| Choice::new(code, label, f.communication.iter().any(|c| c == code)))
        .collect();
        PersonFields {
            nhs_number: Input::new("nhs_number", nhs_label)
                .hint(nhs_hint)
                .value(f.nhs_number.clone())
                .width("nhsuk-input--width-10")
                .errors(e),
            given_name: Input::new("given_name", "First name")
                .value(f.given_name.clone())
                .errors(e),
            family_name: Input::new("family_name", "Last name")
                .value(f.family_name.clone())
                .errors(e),
            preferred_name: Input::new("preferred_name", optional("What they like to be called"))
                .value(f.preferred_name.clone())
                .errors(e),
            date_of_birth: DateField::new("date_of_birth", "dob", "Date of birth")
                .hint("For example, 15 3 1984")
                .value(&f.dob_day, &f.dob_month, &f.dob_year)
                .errors(e),
            sex: ChoiceField::new(
                "sex",
                optional("Sex"),
                Sex::ALL
                    .into_iter()
                    .map(|s| Choice::new(s.code(), s.label(), f.sex == s.code()))
                    .collect(),
            )
            .hint("As recorded at their GP practice")
            .placeholder("Not given")
            .errors(e),
            gender_identity: Input::new("gender_identity", optional("Gender identity"))
                .hint("In their own words")
                .value(f.gender_identity.clone())
                .errors(e),
            ethnicity: ChoiceField::new(
                "ethnicity",
                optional("Ethnic group"),
                ETHNIC_CATEGORIES
                    .iter()
                    .map(|(code, group, description)| {
                        let label = match *group {
                            "Not stated" | "Not known" => (*description).to_owned(),
                            _ => format!("{group}: {description}"),
                        };
                        Choice::new(*code, label, f.ethnicity == *code)
                    })
                    .collect(),
            )
            .placeholder("Not given")
            .errors(e),
            address_line1: Input::new("address_line1", optional("Address line 1"))
                .value(f.address_line1.clone())
                .errors(e),
            address_line2: Input::new("address_line2", optional("Address line 2"))
                .value(f.address_line2.clone())
                .errors(e),
            town: Input::new("town", optional("Town or city"))
                .value(f.town.clone())
                .width("nhsuk-u-width-two-thirds")
                .errors(e),
            postcode: Input::new("postcode", "Postcode")
                .hint("We use it to find the right local team")
                .value(f.postcode.clone())
                .width("nhsuk-input--width-10")
                .errors(e),
            gp_practice: ChoiceField::new(
                "gp_practice",
                "GP practice",
                practices
                    .iter()
                    .map(|o| {
                        Choice::new(
                            o.id.to_string(),
                            o.name.clone(),
                            f.gp_practice == o.id.to_string(),
                        )
                    })
                    .collect(),
            )
            .hint(match asker {
                Asker::Public => {
                    "If you do not know or it is not listed, leave this and give the postcode"
                }
                Asker::Professional => "The practice the person is registered with, if known",
            })
            .placeholder("Not known or not listed")
            .errors(e),
            phone: Input::new("phone", "Phone number")
                .kind("tel")
                .value(f.phone.clone())
                .width("nhsuk-input--width-20")
                .errors(e),
            email: Input::new("email", optional("Email address"))
                .kind("email")
                .value(f.email.clone())
                .errors(e),
            contact_method: ChoiceField::new(
                "contact_method",
                "How would they like to be contacted?",
                ContactMethod::ALL
                    .into_iter()
                    .map(|m| Choice::new(m.code(), m.label(), f.contact_method == m.code()))
                    .collect(),
            )
            .errors(e),
            contact_times: Input::new("contact_times", optional("Best times to contact them"))
                .hint("For example, weekday mornings")
                .value(f.contact_times.clone())
                .errors(e),
            safe_to_leave_message: ChoiceField::new(
                "safe_to_leave_message",
                "Is it safe to leave a message?",
                yes_no(&f.safe_to_leave_message),
            )
            .errors(e),
            language: Input::new("language", optional("Preferred language, if not English"))
                .value(f.language.clone())
                .width("nhsuk-input--width-20")
                .errors(e),
            communication: ChoiceField::new(
                "communication",
                "Do they need any of these to communicate with us?",
                communication,
            )
            .hint("Select all that apply")
            .errors(e),
            other_communication_needs: Input::new(
                "other_communication_needs",
                optional("Any other communication needs"),
            )
            .value(f.other_communication_needs.clone())
            .errors(e),
            safeguarding_concern: ChoiceField::new(
                "safeguarding_concern",
                "Are there any safeguarding concerns?",
                vec![Choice::new(
                    "yes",
                    "Yes, there is a safeguarding concern",
                    f.safeguarding_concern == "yes",
                )],
            )
            .hint("For example, a risk of harm to the person or to someone visiting them")
            .errors(e),
            safeguarding_details: Input::new("safeguarding_details", "Safeguarding details")
                .hint("What the team needs to know to keep everyone safe")
                .value(f.safeguarding_details.clone())
                .errors(e),
            ask_safeguarding: asker == Asker::Professional,
        }
    }
}

/// The referral's own fields: reasons, details, urgency, consent, and who
/// is referring.
pub struct ReferralFields {
    pub needs: ChoiceField,
    pub details: Input,
    pub urgency: ChoiceField,
    pub consent_referral: ChoiceField,
    pub consent_contact: ChoiceField,
    pub share_with: ChoiceField,
    pub referrer_name: Input,
    pub referrer_role: Input,
    pub referrer_phone: Input,
    pub referrer_email: Input,
}

impl ReferralFields {
    pub fn new(
        f: &ReferralForm,
        e: &ValidationErrors,
        needs: &[Need],
        partners: &[Organisation],
        asker: Asker,
    ) -> ReferralFields {
        let public = asker == Asker::Public;
        ReferralFields {
            needs: ChoiceField::new(
                "needs",
                if public {
                    "What would they like help with?"
                } else {
                    "Reasons for the referral"
                },
                needs
                    .iter()
                    .map(|n| Choice::new(n.code.clone(), n.label.clone(), f.needs.contains(&n.code)))
                    .collect(),
            )
            .hint("Select all that apply")
            .errors(e),
            details: Input::new(
                "details",
                if public {
                    "Tell us more (optional)"
                } else {
                    "What the team should know (optional)"
                },
            )
            .hint(if public {
                "What is going on, and what matters to them"
            } else {
                "Background, what matters to the person, anything that affects how to approach them"
            })
            .value(f.details.clone())
            .errors(e),
            urgency: ChoiceField::new(
                "urgency",
                "How urgent is it?",
                vec![
                    Choice::new("routine", "Routine", f.urgency != "urgent"),
                    Choice::new("urgent", "Urgent", f.urgency == "urgent")
                        .hint("The team will try to contact them first. Social prescribing is not an emergency service."),
                ],
            )
            .errors(e),
            consent_referral: ChoiceField::new(
                "consent_referral",
                "Consent",
                vec![Choice::new(
                    "yes",
                    if public {
                        "The person being referred agrees to this referral, and to the team seeing these details"
                    } else {
                        "I confirm the person agrees to this referral"
                    },
                    f.consent_referral == "yes",
                )],
            )
            .errors(e),
            consent_contact: ChoiceField::new(
                "consent_contact",
                "Can the social prescribing team contact them?",
                yes_no(&f.consent_contact),
            )
            .errors(e),
            share_with: ChoiceField::new(
                "share_with",
                "Community organisations the person agrees their details can be shared with (optional)",
                partners
                    .iter()
                    .map(|o| Choice::new(o.id.to_string(), o.name.clone(), f.share_with.contains(&o.id.to_string())))
                    .collect(),
            )
            .hint("Only if they agreed. The link worker can record this later.")
            .errors(e),
            referrer_name: Input::new("referrer_name", "Your name")
                .autocomplete("name")
                .value(f.referrer_name.clone())
                .errors(e),
            referrer_role: Input::new(
                "referrer_role",
                if public {
                    "How do you know them?"
                } else {
                    "Your job title (optional)"
                },
            )
            .hint(if public {
                "For example, neighbour, friend, faith leader, youth worker"
            } else {
                ""
            })
            .value(f.referrer_role.clone())
            .errors(e),
            referrer_phone: Input::new("referrer_phone", "Your phone number")
                .kind("tel")
                .autocomplete("tel")
                .value(f.referrer_phone.clone())
                .width("nhsuk-input--width-20")
                .errors(e),
            referrer_email: Input::new("referrer_email", "Your email address")
                .kind("email")
                .autocomplete("email")
                .value(f.referrer_email.clone())
                .errors(e),
        }
    }
}
