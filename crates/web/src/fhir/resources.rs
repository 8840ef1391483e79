//! The resources this server answers with, built from the referral:
//! ServiceRequest (the referral, its status), Task (what the team did,
//! after the SDOH closed-loop pattern), OperationOutcome (what went
//! wrong) and CapabilityStatement (what the server does).

use linkwork_domain::codes::{ClinicalCode, DISCHARGE_SUMMARY_DOCUMENT, Need, SNOMED_SYSTEM};
use linkwork_domain::organisation::Organisation;
use linkwork_domain::person::Person;
use linkwork_domain::referral::{DeclineReason, Referral, ReferralStatus, Urgency};

use super::Issue;
use super::format::{Node, Prim, Resource, object};
use super::service_request::{NEEDS_SYSTEM, NHS_NUMBER_SYSTEM, ODS_SYSTEM};

/// Linkwork's referral references (`RF-XXXX-XXXX`), as an identifier
/// system.
const REFERENCE_SYSTEM: &str = "https://linkwork.github.io/fhir/Id/referral-reference";
const UK_CORE_SERVICE_REQUEST: &str =
    "https://fhir.hl7.org.uk/StructureDefinition/UKCore-ServiceRequest";
const TASK_CODES: &str = "http://hl7.org/fhir/CodeSystem/task-code";
/// Linkwork's codes for what a Task produced.
const TASK_OUTPUTS: &str = "https://linkwork.github.io/fhir/CodeSystem/task-output";

fn s(value: impl Into<String>) -> Option<Node> {
    Some(Node::str(value))
}

fn identifier(system: &str, value: &str) -> Node {
    object(vec![("system", s(system)), ("value", s(value))])
}

fn coding(system: &str, code: &str, display: &str) -> Node {
    object(vec![
        ("system", s(system)),
        ("code", s(code)),
        ("display", s(display)),
    ])
}

/// A logical reference to the person by NHS number, with their name.
fn patient_reference(person: &Person) -> Node {
    object(vec![
        ("type", s("Patient")),
        (
            "identifier",
            person
                .details
                .nhs_number
                .as_ref()
                .map(|n| identifier(NHS_NUMBER_SYSTEM, n.as_str())),
        ),
        ("display", s(person.details.full_name())),
    ])
}

fn organisation_reference(org: &Organisation) -> Node {
    object(vec![
        ("type", s("Organization")),
        (
            "identifier",
            org.code.as_deref().map(|c| identifier(ODS_SYSTEM, c)),
        ),
        ("display", s(org.name.clone())),
    ])
}

fn requester(referral: &Referral, referrer_org: &Organisation) -> Node {
    object(vec![
        ("type", s("Organization")),
        (
            "identifier",
            referrer_org
                .code
                .as_deref()
                .map(|c| identifier(ODS_SYSTEM, c)),
        ),
        (
            "display",
            s(format!(
                "{} ({})",
                referral.referrer.name, referrer_org.name
            )),
        ),
    ])
}

fn priority(referral: &Referral) -> Option<Node> {
    s(match referral.urgency {
        Urgency::Routine => "routine",
        Urgency::Urgent => "urgent",
    })
}

/// The ServiceRequest's status: active until the referral closes, then
/// completed (discharged) or revoked (ended any other way).
fn request_status(status: ReferralStatus) -> &'static str {
    match status {
        ReferralStatus::Received | ReferralStatus::Accepted | ReferralStatus::InProgress => {
            "active"
        }
        ReferralStatus::Discharged => "completed",
        ReferralStatus::Declined
        | ReferralStatus::Redirected
        | ReferralStatus::UnableToContact
        | ReferralStatus::Withdrawn => "revoked",
    }
}

/// The Task's status, as the SDOH closed-loop pattern uses them.
fn task_status(status: ReferralStatus) -> &'static str {
    match status {
        ReferralStatus::Received => "requested",
        ReferralStatus::Accepted => "accepted",
        ReferralStatus::InProgress => "in-progress",
        ReferralStatus::Discharged => "completed",
        ReferralStatus::Declined | ReferralStatus::Redirected => "rejected",
        ReferralStatus::UnableToContact => "failed",
        ReferralStatus::Withdrawn => "cancelled",
    }
}

fn meta(referral: &Referral, profile: Option<&str>) -> Node {
    object(vec![
        ("versionId", s(referral.version.to_string())),
        ("lastUpdated", s(referral.updated_at.to_rfc3339())),
        ("profile", profile.map(|p| Node::List(vec![Node::str(p)]))),
    ])
}

pub fn service_request(
    referral: &Referral,
    person: &Person,
    pcn: &Organisation,
    referrer_org: &Organisation,
    needs: &[Need],
    code: &ClinicalCode,
) -> Resource {
    let labels: Vec<String> = referral
        .needs
        .iter()
        .map(|c| {
            needs
                .iter()
                .find(|n| &n.code == c)
                .map(|n| n.label.clone())
                .unwrap_or_else(|| c.clone())
        })
        .collect();
    let mut reasons: Vec<Node> = referral
        .needs
        .iter()
        .zip(&labels)
        .map(|(c, label)| {
            object(vec![
                (
                    "coding",
                    Some(Node::List(vec![coding(NEEDS_SYSTEM, c, label)])),
                ),
                ("text", s(label.clone())),
            ])
        })
        .collect();
    // The sender's own words, as they wrote them, beside the needs.
    reasons.extend(
        referral
            .reasons_as_written
            .iter()
            .flat_map(|r| r.lines())
            .filter(|w| !labels.iter().any(|l| l.eq_ignore_ascii_case(w)))
            .map(|w| object(vec![("text", s(w.to_owned()))])),
    );
    Resource::new("ServiceRequest")
        .with("id", Node::str(referral.id.to_string()))
        .with("meta", meta(referral, Some(UK_CORE_SERVICE_REQUEST)))
        .with(
            "identifier",
            Node::List(
                std::iter::once(identifier(REFERENCE_SYSTEM, referral.reference.as_str()))
                    // The sender's own identifier, as it sent it.
                    .chain(
                        referral
                            .sender_identifier
                            .as_deref()
                            .and_then(|i| i.split_once('|'))
                            .map(|(system, value)| {
                                object(vec![
                                    ("system", (!system.is_empty()).then(|| Node::str(system))),
                                    ("value", s(value)),
                                ])
                            }),
                    )
                    .collect(),
            ),
        )
        .with("status", Node::str(request_status(referral.status)))
        .with("intent", Node::str("order"))
        .with("priority", priority(referral))
        .with(
            "code",
            object(vec![(
                "coding",
                // The code the referral was recorded with, not today's.
                Some(Node::List(vec![coding(
                    SNOMED_SYSTEM,
                    &referral.code,
                    if referral.code == code.code {
                        &code.display
                    } else {
                        ""
                    },
                )])),
            )]),
        )
        .with("subject", patient_reference(person))
        // When the sender wrote it, as it said; else when it arrived (the
        // Task's authoredOn is always that).
        .with(
            "authoredOn",
            Node::str(
                referral
                    .authored_on
                    .clone()
                    .unwrap_or_else(|| referral.received_at.to_rfc3339()),
            ),
        )
        .with("requester", requester(referral, referrer_org))
        .with("performer", Node::List(vec![organisation_reference(pcn)]))
        .with("reasonCode", Node::List(reasons))
        .with(
            "note",
            referral
                .details
                .as_ref()
                .map(|d| Node::List(vec![object(vec![("text", s(d.clone()))])])),
        )
}

pub fn task(
    referral: &Referral,
    person: &Person,
    pcn: &Organisation,
    referrer_org: &Organisation,
    declined: &ClinicalCode,
) -> Resource {
    let focus = format!("ServiceRequest/{}", referral.id);
    let outcome = referral.outcome.as_ref();
    let reason_text = outcome.and_then(|o| {
        let parts: Vec<String> = [
            o.decline_reason.map(|r| r.label().to_owned()),
            o.redirected_to
                .as_ref()
                .map(|s| format!("Redirected to {s}")),
            o.note.clone(),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| parts.join(". "))
    });
    let person_declined =
        outcome.is_some_and(|o| o.decline_reason == Some(DeclineReason::PersonDeclined));
    let status_reason = reason_text.map(|text| {
        object(vec![
            (
                "coding",
                person_declined.then(|| {
                    Node::List(vec![coding(
                        &declined.system,
                        &declined.code,
                        &declined.display,
                    )])
                }),
            ),
            ("text", Some(Node::str(text))),
        ])
    });
    Resource::new("Task")
        .with("id", Node::str(referral.id.to_string()))
        .with("meta", meta(referral, None))
        .with(
            "identifier",
            Node::List(vec![identifier(
                REFERENCE_SYSTEM,
                referral.reference.as_str(),
            )]),
        )
        .with(
            "basedOn",
            Node::List(vec![object(vec![("reference", s(focus.clone()))])]),
        )
        .with("status", Node::str(task_status(referral.status)))
        .with("statusReason", status_reason)
        .with(
            "businessStatus",
            object(vec![("text", s(referral.status.label()))]),
        )
        .with("intent", Node::str("order"))
        .with("priority", priority(referral))
        .with(
            "code",
            object(vec![(
                "coding",
                Some(Node::List(vec![coding(
                    TASK_CODES,
                    "fulfill",
                    "Fulfill the focal request",
                )])),
            )]),
        )
        .with("focus", object(vec![("reference", s(focus))]))
        .with("for", patient_reference(person))
        .with("authoredOn", Node::str(referral.received_at.to_rfc3339()))
        .with("lastModified", Node::str(referral.updated_at.to_rfc3339()))
        .with("requester", requester(referral, referrer_org))
        .with("owner", organisation_reference(pcn))
}

/// A Task `output` saying when the person first attended a community
/// service they were linked to: the "intervention received" of the
/// social prescribing outcome.
pub fn intervention_received_output(at: linkwork_domain::Timestamp) -> Node {
    object(vec![
        (
            "type",
            Some(object(vec![
                (
                    "coding",
                    Some(Node::List(vec![coding(
                        TASK_OUTPUTS,
                        "intervention-received",
                        "Intervention received",
                    )])),
                ),
                (
                    "text",
                    s("First attended a community service they were linked to"),
                ),
            ])),
        ),
        ("valueDateTime", s(at.to_rfc3339())),
    ])
}

/// A Task's `output` naming the discharge summary document.
pub fn discharge_summary_output(referral: linkwork_domain::ReferralId) -> Node {
    object(vec![
        (
            "type",
            Some(object(vec![(
                "coding",
                Some(Node::List(vec![coding(
                    SNOMED_SYSTEM,
                    DISCHARGE_SUMMARY_DOCUMENT.0,
                    DISCHARGE_SUMMARY_DOCUMENT.1,
                )])),
            )])),
        ),
        (
            "valueReference",
            Some(object(vec![
                ("reference", s(format!("Bundle/{referral}"))),
                ("display", s("Social prescribing discharge summary")),
            ])),
        ),
    ])
}

pub fn operation_outcome(issues: &[Issue]) -> Resource {
    outcome("error", issues)
}

/// An OperationOutcome of warnings: what a request that succeeded should
/// know (a code kept but not used).
pub fn warnings(issues: &[Issue]) -> Resource {
    if issues.is_empty() {
        // An OperationOutcome holds at least one issue.
        return outcome(
            "information",
            &[Issue {
                code: "informational",
                diagnostics: "The referral was received".into(),
                expression: None,
            }],
        );
    }
    outcome("warning", issues)
}

fn outcome(severity: &'static str, issues: &[Issue]) -> Resource {
    Resource::new("OperationOutcome").with(
        "issue",
        Node::List(
            issues
                .iter()
                .map(|i| {
                    object(vec![
                        ("severity", s(severity)),
                        ("code", s(i.code)),
                        ("diagnostics", s(i.diagnostics.clone())),
                        (
                            "expression",
                            i.expression
                                .as_ref()
                                .map(|e| Node::List(vec![Node::str(e.clone())])),
                        ),
                    ])
                })
                .collect(),
        ),
    )
}

pub fn capability_statement(base: &str) -> Resource {
    let interaction = |codes: &[&str]| {
        Node::List(
            codes
                .iter()
                .map(|c| object(vec![("code", s(*c))]))
                .collect(),
        )
    };
    Resource::new("CapabilityStatement")
        .with("status", Node::str("active"))
        .with("date", Node::str("2026-01-01"))
        .with("publisher", Node::str("Linkwork"))
        .with("kind", Node::str("instance"))
        .with(
            "implementation",
            object(vec![
                ("description", s("Linkwork social prescribing referrals")),
                ("url", s(base)),
            ]),
        )
        .with("fhirVersion", Node::str("4.0.1"))
        .with(
            "format",
            Node::List(vec![Node::str("application/fhir+json"), Node::str("application/fhir+xml")]),
        )
        .with(
            "rest",
            Node::List(vec![object(vec![
                ("mode", s("server")),
                (
                    "security",
                    Some(object(vec![(
                        "description",
                        s("Send a Linkwork API token issued by your administrator: Authorization: Bearer lwk_…"),
                    )])),
                ),
                (
                    "resource",
                    Some(Node::List(vec![
                        object(vec![
                            ("type", s("ServiceRequest")),
                            (
                                "profile",
                                s(UK_CORE_SERVICE_REQUEST),
                            ),
                            ("interaction", Some(interaction(&["create", "read"]))),
                            ("conditionalCreate", Some(Node::Prim(Prim::Bool(false)))),
                        ]),
                        object(vec![
                            ("type", s("Task")),
                            ("interaction", Some(interaction(&["read"]))),
                        ]),
                        object(vec![
                            ("type", s("Bundle")),
                            (
                                "documentation",
                                s("Read: a discharge summary, a document Bundle with the referral's id"),
                            ),
                            ("interaction", Some(interaction(&["read"]))),
                        ]),
                        object(vec![
                            ("type", s("Questionnaire")),
                            (
                                "documentation",
                                s("The outcome measures this service records, by their code (ons4, ucla3, …)"),
                            ),
                            ("interaction", Some(interaction(&["read", "search-type"]))),
                        ]),
                        object(vec![
                            ("type", s("QuestionnaireResponse")),
                            (
                                "documentation",
                                s("A person's answers to an outcome measure, basedOn their referral's ServiceRequest: created responses are scored and recorded"),
                            ),
                            ("interaction", Some(interaction(&["create", "search-type"]))),
                            (
                                "searchParam",
                                Some(Node::List(vec![object(vec![
                                    ("name", s("based-on")),
                                    ("type", s("reference")),
                                    ("documentation", s("ServiceRequest/{id}: the referral's responses")),
                                ])])),
                            ),
                        ]),
                    ])),
                ),
                // Only questionnaire responses are searched, by referral: a
                // sender follows its referral by the id (and Location) it
                // was answered with.
                (
                    "interaction",
                    Some(Node::List(vec![object(vec![
                        ("code", s("transaction")),
                        (
                            "documentation",
                            s("POST a transaction Bundle holding one ServiceRequest (with its Patient and requester) to the base; it is recorded whole or not at all"),
                        ),
                    ])])),
                ),
            ])]),
        )
}
