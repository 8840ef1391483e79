//! Reading a UK Core ServiceRequest (with its Patient contained or in a
//! Bundle) into a referral submission, checking the shape the service
//! relies on and saying exactly what is wrong, and where, when it is not.

use linkwork_domain::codes::{ClinicalCode, Need, SNOMED_SYSTEM};
use linkwork_domain::ethnicity::ETHNIC_CATEGORIES;
use linkwork_domain::nhs_number::{NhsNumber, NhsNumberError};
use linkwork_domain::person::{DateParts, PersonInput, Sex};
use linkwork_domain::referral::ReferralInput;
use linkwork_domain::validation::ValidationErrors;
use serde_json::Value;

use super::{FhirError, Issue};

pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
pub const ODS_SYSTEM: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
/// Linkwork's code system for needs (the codes `GET /api/v1/needs` lists).
/// A canonical name, not a page to fetch.
pub const NEEDS_SYSTEM: &str = "https://linkwork.github.io/fhir/CodeSystem/need";
/// R4's core extension for "needs an interpreter".
const INTERPRETER_EXTENSION: &str =
    "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired";
/// UK Core's ethnic category extension ends with this name (unverified
/// against the published profile: matched by suffix so a version in the
/// URL does not matter).
const ETHNIC_CATEGORY_EXTENSION_SUFFIX: &str = "Extension-UKCore-EthnicCategory";

/// What the ServiceRequest says, ready to become a submission once the
/// ODS codes are looked up.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// Without the GP practice, which the caller resolves from its ODS code.
    pub person: PersonInput,
    pub referral: ReferralInput,
    pub gp_practice_ods: Option<String>,
    pub performer_ods: Option<String>,
    /// The sender's identifier for the referral, `system|value`.
    pub identifier: Option<String>,
    /// `authoredOn`, as given (a FHIR dateTime).
    pub authored_on: Option<String>,
}

/// Whether `raw` is a FHIR dateTime: a year, year-month, date, or a date
/// and time with its zone.
fn is_fhir_date_time(raw: &str) -> bool {
    use chrono::{DateTime, NaiveDate};
    DateTime::parse_from_rfc3339(raw).is_ok()
        || NaiveDate::parse_from_str(raw, "%Y-%m-%d").is_ok()
        || NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d").is_ok() && raw.len() == 7
        || raw.len() == 4 && raw.chars().all(|c| c.is_ascii_digit())
}

/// The values under `key`: FHIR JSON repeats in arrays; XML read into the
/// same shape gives a single value when an element appears once.
fn list<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    match v.get(key) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one],
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    list(v, key)
        .into_iter()
        .find_map(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn boolean(v: &Value, key: &str) -> Option<bool> {
    match v.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

/// The resources a reference can point at: those contained in the
/// ServiceRequest, and the Bundle's entries (by `fullUrl` or `Type/id`).
struct Resolver<'a> {
    contained: Vec<&'a Value>,
    entries: Vec<(Option<&'a str>, &'a Value)>,
}

impl<'a> Resolver<'a> {
    fn resolve(&self, reference: &str) -> Option<&'a Value> {
        if let Some(id) = reference.strip_prefix('#') {
            return self
                .contained
                .iter()
                .copied()
                .find(|r| text(r, "id") == Some(id));
        }
        self.entries.iter().find_map(|(full_url, resource)| {
            let typed = match (text(resource, "resourceType"), text(resource, "id")) {
                (Some(kind), Some(id)) => Some(format!("{kind}/{id}")),
                _ => None,
            };
            (*full_url == Some(reference) || typed.as_deref() == Some(reference))
                .then_some(*resource)
        })
    }

    /// The resource a Reference points at, if it points at one here.
    fn target(&self, reference: &'a Value) -> Option<&'a Value> {
        text(reference, "reference").and_then(|r| self.resolve(r))
    }
}

/// A resource's kind.
fn kind(v: &Value) -> Option<&str> {
    text(v, "resourceType")
}

/// The ServiceRequest, and where to resolve its references.
fn unwrap_bundle(body: &Value) -> Result<(&Value, Resolver<'_>), FhirError> {
    match kind(body) {
        Some("ServiceRequest") => Ok((
            body,
            Resolver {
                contained: list(body, "contained"),
                entries: Vec::new(),
            },
        )),
        Some("Bundle") => {
            let entries: Vec<(Option<&str>, &Value)> = list(body, "entry")
                .into_iter()
                .filter_map(|e| e.get("resource").map(|r| (text(e, "fullUrl"), r)))
                .collect();
            let requests: Vec<&Value> = entries
                .iter()
                .map(|(_, r)| *r)
                .filter(|r| kind(r) == Some("ServiceRequest"))
                .collect();
            match requests.as_slice() {
                [one] => Ok((
                    one,
                    Resolver {
                        contained: list(one, "contained"),
                        entries,
                    },
                )),
                other => Err(FhirError::structure(
                    format!(
                        "The Bundle must hold exactly one ServiceRequest, not {}",
                        other.len()
                    ),
                    Some("Bundle.entry.resource"),
                )),
            }
        }
        Some(other) => Err(FhirError::structure(
            format!("Send a ServiceRequest, or a Bundle holding one, not a {other}"),
            None,
        )),
        None => Err(FhirError::structure("The body has no resourceType", None)),
    }
}

/// A CodeableConcept's first coding in `system`.
fn coding_in<'a>(concept: &'a Value, system: &str) -> Option<&'a Value> {
    list(concept, "coding")
        .into_iter()
        .find(|c| text(c, "system") == Some(system))
}

/// The need a reasonCode names: by Linkwork's code (its system or none),
/// by a SNOMED CT code the deployment mapped to a need, or by label.
fn need_for<'a>(concept: &Value, needs: &'a [Need]) -> Option<&'a Need> {
    let codings = list(concept, "coding");
    let by_code = codings.iter().find_map(|c| {
        let code = text(c, "code")?;
        match text(c, "system") {
            None | Some(NEEDS_SYSTEM) => needs.iter().find(|n| n.code == code),
            Some(SNOMED_SYSTEM) => needs
                .iter()
                .find(|n| n.snomed_code.as_deref() == Some(code)),
            Some(_) => None,
        }
    });
    let words = std::iter::once(text(concept, "text"))
        .chain(codings.iter().map(|c| text(c, "display")))
        .flatten();
    by_code.or_else(|| {
        words
            .into_iter()
            .find_map(|w| needs.iter().find(|n| n.label.eq_ignore_ascii_case(w)))
    })
}

/// How a CodeableConcept reads in a message.
fn describe(concept: &Value) -> String {
    text(concept, "text")
        .map(str::to_owned)
        .or_else(|| {
            list(concept, "coding").first().map(|c| {
                format!(
                    "{}|{}",
                    text(c, "system").unwrap_or(""),
                    text(c, "code").or(text(c, "display")).unwrap_or("")
                )
            })
        })
        .unwrap_or_else(|| "an empty reasonCode".into())
}

/// An ODS code from a Reference's identifier or the Organization it
/// points at.
fn ods_code(reference: &Value, resolver: &Resolver<'_>) -> Option<String> {
    let from_identifier = reference
        .get("identifier")
        .filter(|i| text(i, "system") == Some(ODS_SYSTEM))
        .and_then(|i| text(i, "value"));
    let from_resource = resolver.target(reference).and_then(|org| {
        list(org, "identifier")
            .into_iter()
            .find(|i| text(i, "system") == Some(ODS_SYSTEM))
            .and_then(|i| text(i, "value"))
    });
    from_identifier.or(from_resource).map(str::to_owned)
}

/// A phone number and email from `telecom`.
fn telecom(v: &Value) -> (Option<String>, Option<String>) {
    let points = list(v, "telecom");
    let find = |system: &str| {
        points
            .iter()
            .filter(|t| text(t, "system") == Some(system))
            // A mobile number reaches the person; prefer it.
            .max_by_key(|t| text(t, "use") == Some("mobile"))
            .and_then(|t| text(t, "value"))
            .map(str::to_owned)
    };
    (find("phone"), find("email"))
}

/// A HumanName as "Given Family".
fn human_name(v: &Value) -> Option<String> {
    let name = list(v, "name").into_iter().next()?;
    if let Some(t) = text(name, "text") {
        return Some(t.to_owned());
    }
    let mut parts: Vec<&str> = list(name, "prefix")
        .into_iter()
        .filter_map(Value::as_str)
        .collect();
    parts.extend(list(name, "given").into_iter().filter_map(Value::as_str));
    parts.extend(text(name, "family"));
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Who is referring, as the ServiceRequest says.
struct Requester {
    name: String,
    role: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

/// Who is referring: the requester's display, or the name (and contact
/// details) of the Practitioner, PractitionerRole or Organization it
/// points at.
fn requester(request: &Value, resolver: &Resolver<'_>) -> Result<Requester, FhirError> {
    let missing = || {
        FhirError::invalid(
            "required",
            "ServiceRequest.requester must say who is referring: a display, or a reference to a contained or \
             bundled Practitioner, PractitionerRole or Organization with a name",
            "ServiceRequest.requester",
        )
    };
    let reference = request.get("requester").ok_or_else(missing)?;
    let target = resolver.target(reference);
    let mut role = None;
    let (name, contact_from) = match target {
        Some(r) if kind(r) == Some("PractitionerRole") => {
            role = list(r, "code")
                .first()
                .and_then(|c| text(c, "text"))
                .map(str::to_owned);
            let practitioner = r.get("practitioner").and_then(|p| resolver.target(p));
            let organisation = r.get("organization").and_then(|o| resolver.target(o));
            let name = practitioner
                .and_then(human_name)
                .or_else(|| {
                    r.get("practitioner")
                        .and_then(|p| text(p, "display"))
                        .map(str::to_owned)
                })
                .or_else(|| {
                    organisation
                        .and_then(|o| text(o, "name"))
                        .map(str::to_owned)
                })
                .or_else(|| {
                    r.get("organization")
                        .and_then(|o| text(o, "display"))
                        .map(str::to_owned)
                });
            (name, Some(r))
        }
        Some(r) if kind(r) == Some("Practitioner") => (human_name(r), Some(r)),
        Some(r) if kind(r) == Some("Organization") => (text(r, "name").map(str::to_owned), Some(r)),
        _ => (None, None),
    };
    let name = text(reference, "display")
        .map(str::to_owned)
        .or(name)
        .ok_or_else(missing)?;
    let (phone, email) = contact_from.map(telecom).unwrap_or_default();
    Ok(Requester {
        name,
        role,
        phone,
        email,
    })
}

fn read_patient(
    patient: &Value,
    resolver: &Resolver<'_>,
) -> Result<(PersonInput, Option<String>), FhirError> {
    let nhs_number = list(patient, "identifier")
        .into_iter()
        .find(|i| text(i, "system") == Some(NHS_NUMBER_SYSTEM))
        .and_then(|i| text(i, "value"))
        .ok_or_else(|| {
            FhirError::invalid(
                "required",
                format!("The Patient must carry its NHS number: an identifier with system {NHS_NUMBER_SYSTEM}"),
                "Patient.identifier",
            )
        })?;
    let expression = format!("Patient.identifier.where(system='{NHS_NUMBER_SYSTEM}').value");
    match NhsNumber::parse(nhs_number) {
        Ok(_) => {}
        Err(NhsNumberError::CheckDigit) => {
            return Err(FhirError::invalid(
                "value",
                format!(
                    "The NHS number {nhs_number} is not valid: its check digit fails the modulus 11 check"
                ),
                &expression,
            ));
        }
        Err(_) => {
            return Err(FhirError::invalid(
                "value",
                format!("The NHS number {nhs_number:?} is not 10 digits"),
                &expression,
            ));
        }
    }
    let names = list(patient, "name");
    let name = names
        .iter()
        .find(|n| text(n, "use") == Some("official"))
        .or(names.first())
        .copied();
    let given = name.and_then(|n| text(n, "given")).unwrap_or_default();
    let family = name.and_then(|n| text(n, "family")).unwrap_or_default();
    let sex = match text(patient, "gender") {
        None => String::new(),
        Some(g) => Sex::from_fhir(g)
            .map(|s| s.code().to_owned())
            .ok_or_else(|| {
                FhirError::invalid(
                    "code-invalid",
                    format!("Patient.gender must be male, female, other or unknown, not {g:?}"),
                    "Patient.gender",
                )
            })?,
    };
    let addresses = list(patient, "address");
    let address = addresses
        .iter()
        .find(|a| text(a, "use") == Some("home"))
        .or(addresses.first())
        .copied();
    let lines: Vec<&str> = address
        .map(|a| {
            list(a, "line")
                .into_iter()
                .filter_map(Value::as_str)
                .collect()
        })
        .unwrap_or_default();
    let (phone, email) = telecom(patient);
    let gp = list(patient, "generalPractitioner")
        .into_iter()
        .find_map(|r| ods_code(r, resolver));
    let communication = list(patient, "communication");
    let preferred = communication
        .iter()
        .find(|c| boolean(c, "preferred") == Some(true))
        .or(communication.first())
        .copied();
    let language = preferred
        .and_then(|c| c.get("language"))
        .and_then(|l| {
            text(l, "text").or_else(|| {
                list(l, "coding")
                    .first()
                    .and_then(|c| text(c, "display").or(text(c, "code")))
            })
        })
        .filter(|l| {
            !l.eq_ignore_ascii_case("english")
                && !l.eq_ignore_ascii_case("en")
                && !l.eq_ignore_ascii_case("en-GB")
        })
        .unwrap_or_default();
    let extensions = list(patient, "extension");
    let interpreter_needed = extensions
        .iter()
        .find(|e| text(e, "url") == Some(INTERPRETER_EXTENSION))
        .and_then(|e| boolean(e, "valueBoolean"))
        .unwrap_or(false);
    let ethnicity = extensions
        .iter()
        .find(|e| text(e, "url").is_some_and(|u| u.ends_with(ETHNIC_CATEGORY_EXTENSION_SUFFIX)))
        .and_then(|e| e.get("valueCodeableConcept"))
        .and_then(|c| list(c, "coding").into_iter().find_map(|c| text(c, "code")))
        .filter(|code| ETHNIC_CATEGORIES.iter().any(|(c, _, _)| c == code))
        .unwrap_or_default();
    let person = PersonInput {
        nhs_number: nhs_number.to_owned(),
        given_name: given.to_owned(),
        family_name: family.to_owned(),
        date_of_birth: DateParts::from_iso(text(patient, "birthDate").unwrap_or_default()),
        sex,
        ethnicity: ethnicity.to_owned(),
        address_line1: lines.first().copied().unwrap_or_default().to_owned(),
        address_line2: lines.get(1).copied().unwrap_or_default().to_owned(),
        town: address
            .and_then(|a| text(a, "city"))
            .unwrap_or_default()
            .to_owned(),
        postcode: address
            .and_then(|a| text(a, "postalCode"))
            .unwrap_or_default()
            .to_owned(),
        phone: phone.unwrap_or_default(),
        email: email.unwrap_or_default(),
        language: language.to_owned(),
        interpreter_needed,
        ..Default::default()
    };
    Ok((person, gp))
}

/// Reads and checks the request. `needs` are the active needs and `code`
/// the referral's clinical code, which a `code` element must match.
pub fn read(body: &Value, needs: &[Need], code: &ClinicalCode) -> Result<Parsed, FhirError> {
    let (request, resolver) = unwrap_bundle(body)?;
    match text(request, "status") {
        Some("active") => {}
        Some(other) => {
            return Err(FhirError::invalid(
                "value",
                format!("ServiceRequest.status must be 'active' for a new referral, not {other:?}"),
                "ServiceRequest.status",
            ));
        }
        None => {
            return Err(FhirError::structure(
                "ServiceRequest.status is required",
                Some("ServiceRequest.status"),
            ));
        }
    }
    match text(request, "intent") {
        Some("order") => {}
        Some(other) => {
            return Err(FhirError::invalid(
                "value",
                format!("ServiceRequest.intent must be 'order' for a referral, not {other:?}"),
                "ServiceRequest.intent",
            ));
        }
        None => {
            return Err(FhirError::structure(
                "ServiceRequest.intent is required",
                Some("ServiceRequest.intent"),
            ));
        }
    }
    if let Some(concept) = request.get("code")
        && coding_in(concept, SNOMED_SYSTEM).and_then(|c| text(c, "code"))
            != Some(code.code.as_str())
    {
        return Err(FhirError::invalid(
            "code-invalid",
            format!(
                "ServiceRequest.code must be SNOMED CT {} |{}| (or left out), not {}",
                code.code,
                code.display,
                describe(concept)
            ),
            "ServiceRequest.code",
        ));
    }
    let subject = text(request.get("subject").unwrap_or(&Value::Null), "reference").ok_or_else(|| {
        FhirError::invalid(
            "required",
            "ServiceRequest.subject must reference the Patient, contained in the ServiceRequest (#id) or in the Bundle",
            "ServiceRequest.subject",
        )
    })?;
    let patient = resolver
        .resolve(subject)
        .filter(|p| kind(p) == Some("Patient"))
        .ok_or_else(|| {
            FhirError::invalid(
                "not-found",
                format!("ServiceRequest.subject {subject:?} does not point at a Patient contained in the ServiceRequest or in the Bundle"),
                "ServiceRequest.subject",
            )
        })?;
    let (person, gp_practice_ods) = read_patient(patient, &resolver)?;

    let reasons = list(request, "reasonCode");
    if reasons.is_empty() {
        return Err(FhirError::invalid(
            "required",
            format!(
                "ServiceRequest.reasonCode is required: give at least one reason, coded in {NEEDS_SYSTEM} (see GET /api/v1/needs), as a SNOMED CT code, or in words"
            ),
            "ServiceRequest.reasonCode",
        ));
    }
    let mut codes = Vec::new();
    let mut written = Vec::new();
    let mut needs_coding = false;
    for (i, concept) in reasons.iter().enumerate() {
        // GP and hospital systems send codes, words, or both: the words
        // are kept as written whatever the code, and words no need is
        // found for leave the referral for the team to code at triage.
        let words = text(concept, "text").or_else(|| {
            list(concept, "coding")
                .into_iter()
                .find_map(|c| text(c, "display"))
        });
        match (need_for(concept, needs), words) {
            (Some(need), _) => {
                codes.push(need.code.clone());
                written.extend(text(concept, "text").map(str::to_owned));
            }
            (None, Some(words)) => {
                written.push(words.to_owned());
                needs_coding = true;
            }
            (None, None) => {
                return Err(FhirError::invalid(
                    "code-invalid",
                    format!(
                        "ServiceRequest.reasonCode[{i}] ({}) is not a reason this service takes, and has no text to keep instead. \
                         Use a code from {NEEDS_SYSTEM} ({}), a SNOMED CT code mapped to one, or say the reason in words (reasonCode.text)",
                        describe(concept),
                        needs
                            .iter()
                            .map(|n| n.code.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    &format!("ServiceRequest.reasonCode[{i}]"),
                ));
            }
        }
    }
    let urgency = match text(request, "priority") {
        None | Some("routine") => "routine",
        Some("urgent" | "asap" | "stat") => "urgent",
        Some(other) => {
            return Err(FhirError::invalid(
                "code-invalid",
                format!(
                    "ServiceRequest.priority must be routine, urgent, asap or stat, not {other:?}"
                ),
                "ServiceRequest.priority",
            ));
        }
    };
    let requester = requester(request, &resolver)?;
    let notes: Vec<&str> = list(request, "note")
        .into_iter()
        .filter_map(|n| text(n, "text"))
        .collect();
    let identifier = list(request, "identifier").into_iter().find_map(|i| {
        text(i, "value").map(|v| format!("{}|{v}", text(i, "system").unwrap_or_default()))
    });
    let authored_on = match text(request, "authoredOn") {
        Some(raw) if is_fhir_date_time(raw) => Some(raw.to_owned()),
        Some(raw) => {
            return Err(FhirError::invalid(
                "value",
                format!(
                    "ServiceRequest.authoredOn must be a FHIR dateTime (2026-11-30T09:15:00Z, 2026-11-30 …), not {raw:?}"
                ),
                "ServiceRequest.authoredOn",
            ));
        }
        None => None,
    };
    let performer_ods = list(request, "performer")
        .into_iter()
        .find_map(|r| ods_code(r, &resolver));
    Ok(Parsed {
        person,
        referral: ReferralInput {
            needs: codes,
            reasons_as_written: written,
            needs_coding,
            details: notes.join("\n\n"),
            urgency: urgency.to_owned(),
            referrer_name: requester.name,
            referrer_role: requester.role.unwrap_or_default(),
            referrer_phone: requester.phone.unwrap_or_default(),
            referrer_email: requester.email.unwrap_or_default(),
            ..Default::default()
        },
        gp_practice_ods,
        performer_ods,
        identifier,
        authored_on,
    })
}

/// The FHIRPath of a checked field, and a message that makes sense to a
/// FHIR client where the form's wording would not.
fn locate(field: &str, message: &str) -> (String, String) {
    let at = |path: &str| (path.to_owned(), message.to_owned());
    match field {
        "nhs_number" => at(&format!(
            "Patient.identifier.where(system='{NHS_NUMBER_SYSTEM}').value"
        )),
        "given_name" => at("Patient.name.given"),
        "family_name" => at("Patient.name.family"),
        "date_of_birth" => at("Patient.birthDate"),
        "sex" => at("Patient.gender"),
        "ethnicity" => at("Patient.extension"),
        "address_line1" | "address_line2" => at("Patient.address.line"),
        "town" => at("Patient.address.city"),
        "postcode" => at("Patient.address.postalCode"),
        "gp_practice" => at("Patient.generalPractitioner"),
        "network" => at("ServiceRequest.performer"),
        "phone" => at("Patient.telecom"),
        "email" => at("Patient.telecom.where(system='email').value"),
        "language" => at("Patient.communication.language"),
        "needs" | "reasons" => at("ServiceRequest.reasonCode"),
        "details" => at("ServiceRequest.note"),
        "urgency" => at("ServiceRequest.priority"),
        "referrer_name" | "referrer_role" | "referrer_phone" | "referrer_email" => {
            at("ServiceRequest.requester")
        }
        other => at(other),
    }
}

/// The issues for field errors from the checks every route shares.
pub fn issues_for(errors: &ValidationErrors) -> Vec<Issue> {
    errors
        .errors
        .iter()
        .map(|e| {
            let (expression, diagnostics) = locate(e.field, &e.message);
            Issue {
                code: "invalid",
                diagnostics: format!("{expression}: {diagnostics}"),
                expression: Some(expression),
            }
        })
        .collect()
}
