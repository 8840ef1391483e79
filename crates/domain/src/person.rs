//! A person referred to social prescribing: who they are, how to reach
//! them, what helps them communicate, and the checks every route applies
//! to what it is told.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ethnicity::ETHNIC_CATEGORIES;
use crate::message::Channel;
use crate::nhs_number::{NhsNumber, NhsNumberError};
use crate::postcode::Postcode;
use crate::user::Email;
use crate::validation::{Layout, ValidationErrors, non_empty, text_field};
use crate::{OrgId, PersonId, Timestamp};

/// Sex as recorded in GP records (NHS Data Dictionary "person stated
/// gender code"); gender identity is recorded separately, in the person's
/// own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Indeterminate,
    NotKnown,
}

impl Sex {
    pub const ALL: [Sex; 4] = [Sex::Female, Sex::Male, Sex::Indeterminate, Sex::NotKnown];

    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Indeterminate => "indeterminate",
            Sex::NotKnown => "not_known",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sex::Female => "Female",
            Sex::Male => "Male",
            Sex::Indeterminate => "Indeterminate (cannot be classified as female or male)",
            Sex::NotKnown => "Not known",
        }
    }

    /// FHIR's administrative gender for this sex.
    pub fn fhir_code(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Indeterminate => "other",
            Sex::NotKnown => "unknown",
        }
    }

    pub fn from_code(code: &str) -> Option<Sex> {
        Sex::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn from_fhir(code: &str) -> Option<Sex> {
        Sex::ALL.into_iter().find(|s| s.fhir_code() == code)
    }
}

/// How the person would like to be contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactMethod {
    Phone,
    Text,
    Email,
    Letter,
}

impl ContactMethod {
    pub const ALL: [ContactMethod; 4] = [
        ContactMethod::Phone,
        ContactMethod::Text,
        ContactMethod::Email,
        ContactMethod::Letter,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ContactMethod::Phone => "phone",
            ContactMethod::Text => "text",
            ContactMethod::Email => "email",
            ContactMethod::Letter => "letter",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ContactMethod::Phone => "Phone call",
            ContactMethod::Text => "Text message",
            ContactMethod::Email => "Email",
            ContactMethod::Letter => "Letter",
        }
    }

    pub fn from_code(code: &str) -> Option<ContactMethod> {
        ContactMethod::ALL.into_iter().find(|m| m.code() == code)
    }
}

/// A date typed as day, month and year, as the NHS date input asks for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DateParts {
    pub day: String,
    pub month: String,
    pub year: String,
}

impl DateParts {
    /// The parts of an ISO date ("1950-03-07"), for inputs that arrive
    /// whole; anything else is kept as the year so it fails as a real date.
    pub fn from_iso(raw: &str) -> DateParts {
        let mut parts = raw.trim().splitn(3, '-');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(y), Some(m), Some(d)) => DateParts {
                day: d.into(),
                month: m.into(),
                year: y.into(),
            },
            _ => DateParts {
                day: String::new(),
                month: String::new(),
                year: raw.trim().into(),
            },
        }
    }

    /// Nothing typed in any part.
    pub fn is_empty(&self) -> bool {
        [&self.day, &self.month, &self.year]
            .iter()
            .all(|p| p.trim().is_empty())
    }

    /// The date typed, if any part was: `Ok(None)` when all three are
    /// empty. Months may be numbers or names ("3", "Mar", "March"), as
    /// people write them. `what` names the date in messages, following the
    /// NHS design system's wording ("Date of birth must include a month").
    pub fn parse(&self, what: &str) -> Result<Option<NaiveDate>, String> {
        if self.is_empty() {
            return Ok(None);
        }
        let (d, m, y) = (self.day.trim(), self.month.trim(), self.year.trim());
        for (part, name) in [(d, "day"), (m, "month"), (y, "year")] {
            if part.is_empty() {
                return Err(format!("{what} must include a {name}"));
            }
        }
        if y.len() != 4 || y.parse::<i32>().is_err() {
            return Err("Year must include 4 numbers".into());
        }
        let date = match (d.parse::<u32>(), month_number(m), y.parse::<i32>()) {
            (Ok(d), Some(m), Ok(y)) => NaiveDate::from_ymd_opt(y, m, d),
            _ => None,
        };
        date.map(Some)
            .ok_or_else(|| format!("{what} must be a real date"))
    }

    /// A past date of birth, with the NHS's messages for each way it can
    /// be wrong.
    pub fn date_of_birth(&self, today: NaiveDate) -> Result<NaiveDate, String> {
        let date = self
            .parse("Date of birth")?
            .ok_or("Enter a date of birth")?;
        if date > today {
            return Err("Date of birth must be in the past".into());
        }
        if today.year() - date.year() > 130 {
            return Err("Date of birth must be within the last 130 years".into());
        }
        Ok(date)
    }
}

/// A month as a number (1–12) or an English name or its first three
/// letters, in any case.
fn month_number(raw: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if let Ok(n) = raw.parse::<u32>() {
        return (1..=12).contains(&n).then_some(n);
    }
    let lower = raw.trim_end_matches('.').to_lowercase();
    MONTHS
        .iter()
        .position(|name| lower.len() >= 3 && name.starts_with(&lower))
        .map(|i| i as u32 + 1)
}

/// What any route supplies about a person, as typed.
#[derive(Debug, Clone, Default)]
pub struct PersonInput {
    pub nhs_number: String,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: String,
    pub date_of_birth: DateParts,
    pub sex: String,
    pub gender_identity: String,
    pub ethnicity: String,
    pub address_line1: String,
    pub address_line2: String,
    pub town: String,
    pub postcode: String,
    /// The id of the person's GP practice, or empty.
    pub gp_practice: String,
    pub phone: String,
    pub email: String,
    pub contact_method: String,
    pub contact_times: String,
    /// "yes", "no" or empty.
    pub safe_to_leave_message: String,
    pub language: String,
    pub interpreter_needed: bool,
    pub bsl: bool,
    pub easy_read: bool,
    pub large_print: bool,
    pub other_communication_needs: String,
    pub safeguarding_concern: bool,
    pub safeguarding_details: String,
}

/// The most words a search for people may have: a full name, an NHS
/// number and a postcode fit, and each word costs the database a condition.
pub const MAX_SEARCH_WORDS: usize = 8;
/// The longest word a search for people may have.
const MAX_SEARCH_WORD_CHARS: usize = 100;

/// A people search as typed, checked before it reaches the database: no
/// hidden characters, at most `MAX_SEARCH_WORDS` words of at most
/// `MAX_SEARCH_WORD_CHARS` characters (each word costs the database a
/// condition; a thousand made SQLite give up). Its words as
/// `search_terms` finds them.
pub fn checked_search_terms(query: &str) -> Result<Vec<String>, ValidationErrors> {
    let query = crate::validation::typed(query, Layout::Line).map_err(|_| {
        ValidationErrors::single(
            "q",
            crate::validation::hidden_characters_message("A search"),
        )
    })?;
    let words: Vec<&str> = query.split_whitespace().collect();
    if words.len() > MAX_SEARCH_WORDS {
        return Err(ValidationErrors::single(
            "q",
            format!("Enter no more than {MAX_SEARCH_WORDS} words, such as a name and a postcode"),
        ));
    }
    if words
        .iter()
        .any(|w| w.chars().count() > MAX_SEARCH_WORD_CHARS)
    {
        return Err(ValidationErrors::single(
            "q",
            format!("Each word must be {MAX_SEARCH_WORD_CHARS} characters or fewer"),
        ));
    }
    Ok(search_terms(&query))
}

/// How a record compares with the details a referral gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Likeness {
    /// The same person, by what agrees.
    Same(MatchBasis),
    /// The record has the NHS number given, but another date of birth.
    Conflicting,
    /// Someone else.
    Other,
}

/// What agrees between a referral and a record of the same person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchBasis {
    NhsNumberAndBirthDate,
    NameBirthDateAndPostcode,
}

/// A person's details, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonDetails {
    pub nhs_number: Option<NhsNumber>,
    pub given_name: String,
    pub family_name: String,
    /// What they like to be called, if not their given name.
    pub preferred_name: Option<String>,
    pub date_of_birth: NaiveDate,
    pub sex: Option<Sex>,
    /// In the person's own words.
    pub gender_identity: Option<String>,
    /// An NHS ethnic category code (see `ethnicity`).
    pub ethnicity: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub town: Option<String>,
    pub postcode: Option<Postcode>,
    pub gp_practice_id: Option<OrgId>,
    pub phone: Option<String>,
    pub email: Option<Email>,
    pub contact_method: Option<ContactMethod>,
    pub contact_times: Option<String>,
    pub safe_to_leave_message: Option<bool>,
    /// The language they prefer, if not English.
    pub language: Option<String>,
    pub interpreter_needed: bool,
    pub bsl: bool,
    pub easy_read: bool,
    pub large_print: bool,
    pub other_communication_needs: Option<String>,
    pub safeguarding_concern: bool,
    pub safeguarding_details: Option<String>,
}

/// Which checks apply: some routes must give an NHS number, the public
/// form need not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonRules {
    pub nhs_number_required: bool,
    pub today: NaiveDate,
}

fn text(
    errors: &mut ValidationErrors,
    field: &'static str,
    raw: &str,
    max: usize,
    label: &str,
) -> Option<String> {
    let layout = match field {
        "other_communication_needs" | "safeguarding_details" => Layout::Lines,
        _ => Layout::Line,
    };
    text_field(errors, field, raw, layout, max, label)
}

/// A UK phone number (10 or 11 digits starting 0, or +44), or an
/// international one (+ and 8 to 15 digits), with spaces, brackets and
/// A word as searches compare it: lower case, with typographic
/// apostrophes (’) made plain, as names are typed both ways.
pub fn search_term(word: &str) -> String {
    word.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'")
}

/// The words of a people search. Names keep their hyphens and apostrophes
/// ("Harrison-Evaluator" and "O'Brien" match whole, and each part matches
/// on its own); an NHS number typed with spaces or hyphens is one word.
pub fn search_terms(query: &str) -> Vec<String> {
    let words: Vec<String> = query.split_whitespace().map(search_term).collect();
    let digits: String = words.concat().chars().filter(|c| *c != '-').collect();
    if digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return vec![digits];
    }
    words
}

/// hyphens allowed; kept as typed.
fn check_phone(raw: &str) -> Result<String, &'static str> {
    let typed = raw.trim();
    if !typed
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '(' | ')' | '-'))
    {
        return Err("Enter a phone number using numbers only, like 01632 960 001 or 07700 900 982");
    }
    let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
    let international = typed.starts_with('+');
    let valid = if international && digits.starts_with("44") {
        digits.len() == 12 || digits.len() == 11
    } else if international {
        (8..=15).contains(&digits.len())
    } else {
        digits.starts_with('0') && (10..=11).contains(&digits.len())
    };
    if valid {
        Ok(typed.to_owned())
    } else {
        Err("Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192")
    }
}

impl PersonDetails {
    /// Checks every field, collecting a message for each problem.
    pub fn validate(
        input: &PersonInput,
        rules: PersonRules,
    ) -> Result<PersonDetails, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let nhs_number = match NhsNumber::parse(&input.nhs_number) {
            Ok(n) => Some(n),
            Err(NhsNumberError::Empty) if !rules.nhs_number_required => None,
            Err(err) => {
                e.add("nhs_number", err.to_string());
                None
            }
        };
        let given_name = text(&mut e, "given_name", &input.given_name, 100, "First name");
        if given_name.is_none() {
            e.add("given_name", "Enter a first name");
        }
        let family_name = text(&mut e, "family_name", &input.family_name, 100, "Last name");
        if family_name.is_none() {
            e.add("family_name", "Enter a last name");
        }
        let preferred_name = text(
            &mut e,
            "preferred_name",
            &input.preferred_name,
            100,
            "Preferred name",
        );
        let date_of_birth = input
            .date_of_birth
            .date_of_birth(rules.today)
            .map_err(|m| e.add("date_of_birth", m))
            .ok();
        let sex = match non_empty(&input.sex) {
            None => None,
            Some(code) => {
                let sex = Sex::from_code(&code);
                if sex.is_none() {
                    e.add("sex", "Select a sex from the list");
                }
                sex
            }
        };
        let gender_identity = text(
            &mut e,
            "gender_identity",
            &input.gender_identity,
            100,
            "Gender identity",
        );
        let ethnicity = non_empty(&input.ethnicity);
        if let Some(code) = &ethnicity
            && !ETHNIC_CATEGORIES.iter().any(|(c, _, _)| c == code)
        {
            e.add("ethnicity", "Select an ethnic group from the list");
        }
        let address_line1 = text(
            &mut e,
            "address_line1",
            &input.address_line1,
            100,
            "Address line 1",
        );
        let address_line2 = text(
            &mut e,
            "address_line2",
            &input.address_line2,
            100,
            "Address line 2",
        );
        let town = text(&mut e, "town", &input.town, 100, "Town or city");
        let postcode = match Postcode::parse(&input.postcode) {
            Ok(p) => Some(p),
            Err(crate::postcode::PostcodeError::Empty) => None,
            Err(err) => {
                e.add("postcode", err.to_string());
                None
            }
        };
        let gp_practice_id = match non_empty(&input.gp_practice) {
            None => None,
            Some(raw) => match raw.parse::<OrgId>() {
                Ok(id) => Some(id),
                Err(_) => {
                    e.add("gp_practice", "Select a GP practice from the list");
                    None
                }
            },
        };
        let phone = match non_empty(&input.phone) {
            None => None,
            Some(raw) => check_phone(&raw).map_err(|m| e.add("phone", m)).ok(),
        };
        let email = match non_empty(&input.email) {
            None => None,
            Some(raw) => Email::parse(&raw)
                .map_err(|err| e.add("email", err.to_string()))
                .ok(),
        };
        let contact_method = match non_empty(&input.contact_method) {
            None => None,
            Some(code) => {
                let method = ContactMethod::from_code(&code);
                if method.is_none() {
                    e.add(
                        "contact_method",
                        "Select how they would like to be contacted",
                    );
                }
                method
            }
        };
        match contact_method {
            Some(ContactMethod::Phone | ContactMethod::Text)
                if phone.is_none() && e.for_field("phone").is_none() =>
            {
                e.add(
                    "phone",
                    "Enter a phone number, or choose another way to be contacted",
                )
            }
            Some(ContactMethod::Email) if email.is_none() && e.for_field("email").is_none() => e
                .add(
                    "email",
                    "Enter an email address, or choose another way to be contacted",
                ),
            Some(ContactMethod::Letter) if address_line1.is_none() || postcode.is_none() => {
                if address_line1.is_none() {
                    e.add("address_line1", "Enter the first line of the address, or choose another way to be contacted");
                }
                if postcode.is_none() && e.for_field("postcode").is_none() {
                    e.add(
                        "postcode",
                        "Enter a postcode, or choose another way to be contacted",
                    );
                }
            }
            None if phone.is_none()
                && email.is_none()
                && e.for_field("phone").is_none()
                && e.for_field("email").is_none() =>
            {
                e.add(
                    "phone",
                    "Enter a phone number or an email address, so the team can get in touch",
                )
            }
            _ => {}
        }
        let contact_times = text(
            &mut e,
            "contact_times",
            &input.contact_times,
            200,
            "Best times to contact",
        );
        let safe_to_leave_message = match input.safe_to_leave_message.trim() {
            "yes" => Some(true),
            "no" => Some(false),
            "" => None,
            _ => {
                e.add("safe_to_leave_message", "Select yes or no");
                None
            }
        };
        let language = text(&mut e, "language", &input.language, 50, "Language");
        if input.interpreter_needed && language.is_none() {
            e.add(
                "language",
                "Enter the language the interpreter should speak",
            );
        }
        let other_communication_needs = text(
            &mut e,
            "other_communication_needs",
            &input.other_communication_needs,
            500,
            "Other communication needs",
        );
        let safeguarding_details = text(
            &mut e,
            "safeguarding_details",
            &input.safeguarding_details,
            2000,
            "Safeguarding details",
        );
        if input.safeguarding_concern && safeguarding_details.is_none() {
            e.add("safeguarding_details", "Describe the safeguarding concern");
        }
        e.into_result(())?;
        Ok(PersonDetails {
            nhs_number,
            given_name: given_name.expect("validated"),
            family_name: family_name.expect("validated"),
            preferred_name,
            date_of_birth: date_of_birth.expect("validated"),
            sex,
            gender_identity,
            ethnicity,
            address_line1,
            address_line2,
            town,
            postcode,
            gp_practice_id,
            phone,
            email,
            contact_method,
            contact_times,
            safe_to_leave_message,
            language,
            interpreter_needed: input.interpreter_needed,
            bsl: input.bsl,
            easy_read: input.easy_read,
            large_print: input.large_print,
            other_communication_needs,
            safeguarding_concern: input.safeguarding_concern,
            safeguarding_details,
        })
    }

    /// "Sam Patel".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }

    /// Where to send `what` (a questionnaire link, a shortlist) as the
    /// worker chose in the form's `send` field: `Ok(None)` for one of
    /// `by_hand` (shown, printed), else the channel and the address from
    /// this record. A channel the record has no address for is refused
    /// with `by_hand_instead` ("print it") as the way out, so nothing is
    /// queued to nowhere.
    pub fn send_to(
        &self,
        send: &str,
        by_hand: &[&str],
        what: &str,
        by_hand_instead: &str,
    ) -> Result<Option<(Channel, String)>, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let (channel, address, missing) = match send {
            s if by_hand.contains(&s) => return Ok(None),
            "text" => (Channel::Text, self.phone.clone(), "phone number"),
            "email" => (
                Channel::Email,
                self.email.as_ref().map(ToString::to_string),
                "email address",
            ),
            _ => {
                errors.add("send", format!("Choose how to give them {what}"));
                return Err(errors);
            }
        };
        match address {
            Some(address) => Ok(Some((channel, address))),
            None => {
                errors.add(
                    "send",
                    format!(
                        "Their record has no {missing}: {by_hand_instead}, or add one to their record"
                    ),
                );
                Err(errors)
            }
        }
    }

    /// The key that finds the same person by name, date of birth and
    /// postcode, ignoring case and spacing; `None` without a postcode.
    pub fn match_key(&self) -> Option<String> {
        self.postcode.as_ref().map(|postcode| {
            match_key(
                &self.given_name,
                &self.family_name,
                self.date_of_birth,
                postcode,
            )
        })
    }

    /// Lower-case words a search can match: names (as written, and
    /// without their hyphens and apostrophes), NHS number, postcode (with
    /// and without its space).
    pub fn search_text(&self) -> String {
        let mut words = Vec::new();
        for name in [
            Some(&self.given_name),
            Some(&self.family_name),
            self.preferred_name.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            let name = search_term(name);
            let folded: String = name.chars().filter(|c| !matches!(c, '-' | '\'')).collect();
            if folded != name {
                words.push(folded);
            }
            words.push(name);
        }
        words.extend(self.nhs_number.as_ref().map(|n| n.as_str().to_owned()));
        if let Some(p) = &self.postcode {
            words.push(p.as_str().to_lowercase());
            words.push(p.as_str().replace(' ', "").to_lowercase());
        }
        words.join(" ")
    }

    /// The communication needs, in words, e.g. "Interpreter (Polish), Large print".
    pub fn communication_needs(&self) -> Vec<String> {
        let mut needs = Vec::new();
        if self.interpreter_needed {
            needs.push(format!(
                "Interpreter ({})",
                self.language.as_deref().unwrap_or("language not given")
            ));
        } else if let Some(language) = &self.language {
            needs.push(format!("Prefers {language}"));
        }
        if self.bsl {
            needs.push("British Sign Language".into());
        }
        if self.easy_read {
            needs.push("Easy read".into());
        }
        if self.large_print {
            needs.push("Large print".into());
        }
        needs.extend(self.other_communication_needs.clone());
        needs
    }

    /// How a record the network holds (`record`) compares with the person
    /// these details describe. The same NHS number is the same person only
    /// with the same date of birth; the same name, date of birth and
    /// postcode only when the NHS numbers do not differ. An NHS number on a
    /// record whose date of birth differs is a conflict: someone may have
    /// typed a number they do not know, or mistyped one.
    pub fn compare_with_record(&self, record: &PersonDetails) -> Likeness {
        let same_number = self.nhs_number.is_some() && self.nhs_number == record.nhs_number;
        if same_number {
            return if self.date_of_birth == record.date_of_birth {
                Likeness::Same(MatchBasis::NhsNumberAndBirthDate)
            } else {
                Likeness::Conflicting
            };
        }
        let same_key = self.match_key().is_some() && self.match_key() == record.match_key();
        let numbers_differ = self.nhs_number.is_some() && record.nhs_number.is_some();
        if same_key && !numbers_differ {
            Likeness::Same(MatchBasis::NameBirthDateAndPostcode)
        } else {
            Likeness::Other
        }
    }

    /// Whether two sets of details give the same first and last name,
    /// ignoring case and spacing.
    pub fn same_name(&self, other: &PersonDetails) -> bool {
        let fold = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        fold(&self.given_name) == fold(&other.given_name)
            && fold(&self.family_name) == fold(&other.family_name)
    }

    /// What `given` says that this record does not: an NHS number it lacks,
    /// and other ways to reach the person. For a referral matched to an
    /// existing record: a referral does not change the record, but the
    /// team should see the difference.
    pub fn differences_from_record(&self, given: &PersonDetails) -> Vec<String> {
        let mut out = Vec::new();
        let mut compare = |label: &str, ours: Option<String>, theirs: Option<String>| {
            if let Some(theirs) = theirs
                && ours.as_ref() != Some(&theirs)
            {
                out.push(format!("{label}: {theirs}"));
            }
        };
        if self.nhs_number.is_none() {
            compare(
                "NHS number",
                None,
                given.nhs_number.as_ref().map(ToString::to_string),
            );
        }
        compare("Phone", self.phone.clone(), given.phone.clone());
        compare(
            "Email",
            self.email.as_ref().map(Email::to_string),
            given.email.as_ref().map(Email::to_string),
        );
        compare("Address", self.address(), given.address());
        out
    }

    /// The address on one line, if any part of it is known.
    pub fn address(&self) -> Option<String> {
        let parts: Vec<&str> = [
            self.address_line1.as_deref(),
            self.address_line2.as_deref(),
            self.town.as_deref(),
            self.postcode.as_ref().map(Postcode::as_str),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// See `PersonDetails::match_key`.
pub fn match_key(
    given: &str,
    family: &str,
    date_of_birth: NaiveDate,
    postcode: &Postcode,
) -> String {
    let fold = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    format!(
        "{}|{}|{}|{}",
        fold(given),
        fold(family),
        date_of_birth,
        postcode.as_str()
    )
}

/// A person's record, held by the Primary Care Network whose team works
/// with them: only that network's staff can see or find it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: PersonId,
    pub pcn_id: OrgId,
    pub details: PersonDetails,
    /// From the postcode lookup when the record was saved, for equity
    /// reporting.
    pub lsoa: Option<String>,
    pub imd_decile: Option<u8>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Restriction, erasure, merging: set only by their own operations,
    /// never by saving the person's details.
    pub rights: crate::person_rights::RecordRights,
}

impl Person {
    /// Age in whole years on `today`.
    pub fn age_on(&self, today: NaiveDate) -> u32 {
        today.years_since(self.details.date_of_birth).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
    }

    fn rules(nhs_number_required: bool) -> PersonRules {
        PersonRules {
            nhs_number_required,
            today: today(),
        }
    }

    /// Finding 4: any NHS number with an invented name found the person
    /// with that number. The number is only the same person with the same
    /// date of birth.
    #[test]
    fn a_record_is_the_same_person_only_when_enough_agrees() {
        let record = PersonDetails::validate(&good_input(), rules(true)).unwrap();
        let typed = |change: &dyn Fn(&mut PersonInput)| {
            let mut input = good_input();
            change(&mut input);
            PersonDetails::validate(&input, rules(false)).unwrap()
        };
        let invented = typed(&|i| {
            i.given_name = "Eve".into();
            i.family_name = "Liar".into();
            i.date_of_birth.year = "1981".into();
        });
        assert_eq!(invented.compare_with_record(&record), Likeness::Conflicting);
        let right_birthday = typed(&|i| i.given_name = "Evie".into());
        assert_eq!(
            right_birthday.compare_with_record(&record),
            Likeness::Same(MatchBasis::NhsNumberAndBirthDate)
        );
        let no_number = typed(&|i| i.nhs_number = String::new());
        assert_eq!(
            no_number.compare_with_record(&record),
            Likeness::Same(MatchBasis::NameBirthDateAndPostcode)
        );
        let twin = typed(&|i| i.nhs_number = "999 000 0018".into());
        assert_eq!(twin.compare_with_record(&record), Likeness::Other);
        let stranger = typed(&|i| {
            i.nhs_number = String::new();
            i.given_name = "Someone".into();
        });
        assert_eq!(stranger.compare_with_record(&record), Likeness::Other);
    }

    #[test]
    fn searches_are_words_within_limits() {
        assert_eq!(
            checked_search_terms(" Ana  Nowak-Lee ").unwrap(),
            search_terms("Ana Nowak-Lee")
        );
        assert_eq!(
            checked_search_terms("943 476 5919").unwrap(),
            ["9434765919"]
        );
        assert_eq!(checked_search_terms(&"word ".repeat(8)).unwrap().len(), 8);
        let too_many = checked_search_terms(&"word ".repeat(1000)).unwrap_err();
        assert!(
            too_many
                .for_field("q")
                .unwrap()
                .contains("no more than 8 words")
        );
        assert!(checked_search_terms(&"x".repeat(101)).is_err());
        assert!(checked_search_terms("Ana\u{0}").is_err());
    }

    #[test]
    fn names_refuse_hidden_characters_and_are_composed() {
        let mut input = good_input();
        input.given_name = "Zoe\u{308}".into();
        input.family_name = "Smith\u{202e}".into();
        input.address_line1 = "1 Mill\u{0} Lane".into();
        input.safeguarding_concern = true;
        input.safeguarding_details = "Lives with a carer.\nCall first.".into();
        let errors = PersonDetails::validate(&input, rules(true)).unwrap_err();
        assert!(errors.for_field("given_name").is_none());
        assert!(
            errors
                .for_field("family_name")
                .unwrap()
                .contains("hidden characters")
        );
        assert!(
            errors
                .for_field("address_line1")
                .unwrap()
                .contains("hidden characters")
        );
        assert!(
            errors.for_field("safeguarding_details").is_none(),
            "line breaks are fine"
        );
        input.family_name = "Smith".into();
        input.address_line1 = "1 Mill Lane".into();
        let details = PersonDetails::validate(&input, rules(true)).unwrap();
        assert_eq!(details.given_name, "Zo\u{eb}");
    }

    fn good_input() -> PersonInput {
        PersonInput {
            nhs_number: "943 476 5919".into(),
            given_name: " Sam ".into(),
            family_name: "Patel".into(),
            date_of_birth: DateParts {
                day: "7".into(),
                month: "3".into(),
                year: "1950".into(),
            },
            postcode: "rv1 3bq".into(),
            phone: "07700 900 982".into(),
            contact_method: "phone".into(),
            safe_to_leave_message: "yes".into(),
            ..Default::default()
        }
    }

    #[test]
    fn accepts_a_good_person_and_normalises() {
        let p = PersonDetails::validate(&good_input(), rules(true)).unwrap();
        assert_eq!(p.given_name, "Sam");
        assert_eq!(p.nhs_number.as_ref().unwrap().to_string(), "943 476 5919");
        assert_eq!(p.postcode.as_ref().unwrap().as_str(), "RV1 3BQ");
        assert_eq!(p.safe_to_leave_message, Some(true));
        assert_eq!(p.match_key().unwrap(), "sam|patel|1950-03-07|RV1 3BQ");
    }

    #[test]
    fn nhs_number_is_optional_only_where_the_route_allows() {
        let mut input = good_input();
        input.nhs_number = String::new();
        assert!(
            PersonDetails::validate(&input, rules(false))
                .unwrap()
                .nhs_number
                .is_none()
        );
        let errors = PersonDetails::validate(&input, rules(true)).unwrap_err();
        assert_eq!(errors.for_field("nhs_number"), Some("Enter an NHS number"));
        input.nhs_number = "943 476 5918".into();
        let errors = PersonDetails::validate(&input, rules(false)).unwrap_err();
        assert!(
            errors
                .for_field("nhs_number")
                .unwrap()
                .contains("valid NHS number")
        );
    }

    #[test]
    fn dates_of_birth_are_checked_like_the_nhs_date_input() {
        let check = |d: &str, m: &str, y: &str| {
            DateParts {
                day: d.into(),
                month: m.into(),
                year: y.into(),
            }
            .date_of_birth(today())
        };
        assert_eq!(check("", "", ""), Err("Enter a date of birth".into()));
        assert_eq!(
            check("1", "", "1990"),
            Err("Date of birth must include a month".into())
        );
        assert_eq!(
            check("31", "2", "1990"),
            Err("Date of birth must be a real date".into())
        );
        assert_eq!(
            check("1", "1", "90"),
            Err("Year must include 4 numbers".into())
        );
        assert_eq!(
            check("2", "5", "2026"),
            Err("Date of birth must be in the past".into())
        );
        assert_eq!(
            check("1", "1", "1850"),
            Err("Date of birth must be within the last 130 years".into())
        );
        assert_eq!(
            check("07", "03", "1950"),
            Ok(NaiveDate::from_ymd_opt(1950, 3, 7).unwrap())
        );
        assert_eq!(
            DateParts::from_iso("1950-03-07").date_of_birth(today()),
            Ok(NaiveDate::from_ymd_opt(1950, 3, 7).unwrap())
        );
        assert!(
            DateParts::from_iso("7 March 1950")
                .date_of_birth(today())
                .is_err()
        );
    }

    #[test]
    fn search_words_keep_names_whole_and_join_nhs_numbers() {
        assert_eq!(search_terms("Harrison-Evaluator"), ["harrison-evaluator"]);
        assert_eq!(search_terms("O\u{2019}Brien  Sam"), ["o'brien", "sam"]);
        assert_eq!(search_terms("943 476 5919"), ["9434765919"]);
        assert_eq!(search_terms("943-476-5919"), ["9434765919"]);
        assert_eq!(search_terms("RV1 3BQ"), ["rv1", "3bq"]);
        let details = PersonDetails::validate(
            &PersonInput {
                given_name: "Mary-Jane".into(),
                family_name: "O'Brien".into(),
                ..good_input()
            },
            rules(true),
        )
        .unwrap();
        let text = details.search_text();
        for term in [
            "mary-jane",
            "maryjane",
            "mary",
            "jane",
            "o'brien",
            "obrien",
            "brien",
        ] {
            assert!(text.contains(term), "{term} in {text}");
        }
    }

    #[test]
    fn months_may_be_written_as_names() {
        let parse = |m: &str| {
            DateParts {
                day: "15".into(),
                month: m.into(),
                year: "1984".into(),
            }
            .parse("Date")
        };
        let march = Ok(Some(NaiveDate::from_ymd_opt(1984, 3, 15).unwrap()));
        for month in ["3", "03", "March", "march", "Mar", "MAR.", "Marc"] {
            assert_eq!(parse(month), march, "{month}");
        }
        assert_eq!(
            parse("Sept"),
            Ok(Some(NaiveDate::from_ymd_opt(1984, 9, 15).unwrap()))
        );
        for month in ["Ma", "13", "0", "Marchy", "Smarch"] {
            assert_eq!(
                parse(month),
                Err("Date must be a real date".into()),
                "{month}"
            );
        }
    }

    #[test]
    fn reports_every_problem_by_field() {
        let input = PersonInput {
            nhs_number: "123".into(),
            postcode: "not a postcode".into(),
            email: "nope".into(),
            phone: "call me".into(),
            sex: "robot".into(),
            ethnicity: "Q".into(),
            interpreter_needed: true,
            safeguarding_concern: true,
            ..Default::default()
        };
        let errors = PersonDetails::validate(&input, rules(false)).unwrap_err();
        for field in [
            "nhs_number",
            "given_name",
            "family_name",
            "date_of_birth",
            "postcode",
            "email",
            "phone",
            "sex",
            "ethnicity",
            "language",
            "safeguarding_details",
        ] {
            assert!(errors.for_field(field).is_some(), "{field}: {errors}");
        }
    }

    #[test]
    fn the_chosen_contact_method_needs_its_details() {
        let mut input = good_input();
        input.contact_method = "email".into();
        let errors = PersonDetails::validate(&input, rules(true)).unwrap_err();
        assert!(errors.for_field("email").is_some());
        input.contact_method = "letter".into();
        let errors = PersonDetails::validate(&input, rules(true)).unwrap_err();
        assert!(errors.for_field("address_line1").is_some());
        input.contact_method = String::new();
        input.phone = String::new();
        let errors = PersonDetails::validate(&input, rules(true)).unwrap_err();
        assert!(
            errors
                .for_field("phone")
                .unwrap()
                .contains("phone number or an email")
        );
    }

    #[test]
    fn phone_numbers() {
        for ok in [
            "01632 960 001",
            "07700 900982",
            "+44 808 157 0192",
            "(01632) 960-001",
            "+353 1 234 5678",
        ] {
            assert!(check_phone(ok).is_ok(), "{ok}");
        }
        for bad in ["12345", "7700 900 982", "0770090098212", "call me"] {
            assert!(check_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn differences_from_the_record_are_listed() {
        let record = PersonDetails::validate(&good_input(), rules(true)).unwrap();
        let mut input = good_input();
        input.phone = "01632 960 001".into();
        input.email = "sam@example.org".into();
        let given = PersonDetails::validate(&input, rules(true)).unwrap();
        assert_eq!(
            record.differences_from_record(&given),
            ["Phone: 01632 960 001", "Email: sam@example.org"]
        );
        assert!(record.differences_from_record(&record).is_empty());
        let mut without_number = record.clone();
        without_number.nhs_number = None;
        assert_eq!(
            without_number.differences_from_record(&record),
            ["NHS number: 943 476 5919"]
        );
    }
}
