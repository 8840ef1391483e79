//! The summary for the GP record as a FHIR R4 document Bundle: a
//! Composition whose sections follow the PRSB "message back to GP and
//! referrer" (the referral, what matters, the plan and its goals, contacts,
//! services linked to, the discharge), and the resources it refers to.
//!
//! Ids inside the document are derived from the referral's, so fetching
//! it twice gives the same document.

use linkwork_app::casework::GpSummary;
use linkwork_domain::calendar::uk_datetime;
use linkwork_domain::casework::GoalStatus;
use linkwork_domain::codes::{DISCHARGE_SUMMARY_DOCUMENT as DISCHARGE_SUMMARY, SNOMED_SYSTEM};
use linkwork_domain::organisation::Organisation;
use uuid::Uuid;

use super::format::{Node, Resource, object};
use super::service_request::{NHS_NUMBER_SYSTEM, ODS_SYSTEM};

const DOCUMENT_ID_SYSTEM: &str = "https://linkwork.github.io/fhir/Id/discharge-summary";
const GOAL_ACHIEVEMENT: &str = "http://terminology.hl7.org/CodeSystem/goal-achievement";

fn s(value: impl Into<String>) -> Option<Node> {
    Some(Node::str(value))
}

fn list(items: Vec<Node>) -> Option<Node> {
    Some(Node::List(items))
}

fn coding(system: &str, code: &str, display: &str) -> Node {
    object(vec![
        ("system", s(system)),
        ("code", s(code)),
        ("display", s(display)),
    ])
}

fn concept(system: &str, code: &str, display: &str) -> Option<Node> {
    Some(object(vec![(
        "coding",
        list(vec![coding(system, code, display)]),
    )]))
}

fn reference(full_url: &str, display: Option<String>) -> Node {
    object(vec![
        ("reference", s(full_url)),
        ("display", display.map(Node::str)),
    ])
}

/// The document's resources are named by ids derived from the referral's.
struct Ids(Uuid);

impl Ids {
    fn id(&self, what: &str) -> String {
        Uuid::new_v5(&self.0, what.as_bytes()).to_string()
    }

    fn url(&self, what: &str) -> String {
        format!("urn:uuid:{}", self.id(what))
    }
}

fn organization(ids: &Ids, key: &str, org: &Organisation) -> Resource {
    Resource::new("Organization")
        .with("id", Node::str(ids.id(key)))
        .with(
            "identifier",
            org.code.as_deref().map(|c| {
                Node::List(vec![object(vec![
                    ("system", s(ODS_SYSTEM)),
                    ("value", s(c)),
                ])])
            }),
        )
        .with("name", Node::str(org.name.clone()))
}

fn section(title: &str, text: String, entries: Vec<Node>) -> Node {
    object(vec![
        ("title", s(title)),
        (
            "text",
            Some(object(vec![
                ("status", s("generated")),
                ("div", Some(Node::Div(text))),
            ])),
        ),
        (
            "entry",
            (!entries.is_empty()).then_some(Node::List(entries)),
        ),
    ])
}

fn entry(full_url: String, resource: Resource) -> Node {
    object(vec![
        ("fullUrl", s(full_url)),
        ("resource", Some(Node::Resource(Box::new(resource)))),
    ])
}

fn when(at: linkwork_domain::Timestamp) -> String {
    uk_datetime(at).format("%-d %B %Y").to_string()
}

/// The document Bundle for a discharged person.
pub fn document(summary: &GpSummary) -> Resource {
    let r = &summary.referral;
    let person = &summary.person;
    let ids = Ids(r.id.0);
    let mut entries = Vec::new();

    let patient_url = ids.url("patient");
    let patient = Resource::new("Patient")
        .with("id", Node::str(ids.id("patient")))
        .with(
            "identifier",
            person.details.nhs_number.as_ref().map(|n| {
                Node::List(vec![object(vec![
                    ("system", s(NHS_NUMBER_SYSTEM)),
                    ("value", s(n.as_str())),
                ])])
            }),
        )
        .with(
            "name",
            Node::List(vec![object(vec![
                ("family", s(person.details.family_name.clone())),
                (
                    "given",
                    list(vec![Node::str(person.details.given_name.clone())]),
                ),
            ])]),
        )
        .with(
            "gender",
            person.details.sex.map(|sex| Node::str(sex.fhir_code())),
        )
        .with(
            "birthDate",
            Node::str(person.details.date_of_birth.to_string()),
        )
        .with(
            "generalPractitioner",
            summary.gp_practice.as_ref().map(|gp| {
                Node::List(vec![reference(
                    &ids.url("gp-practice"),
                    Some(gp.name.clone()),
                )])
            }),
        );

    let team_url = ids.url("team");
    let author = match &summary.worker {
        Some(worker) => {
            let url = ids.url("link-worker");
            entries.push(entry(
                url.clone(),
                Resource::new("Practitioner")
                    .with("id", Node::str(ids.id("link-worker")))
                    .with(
                        "name",
                        Node::List(vec![object(vec![("text", s(worker.display_name.clone()))])]),
                    ),
            ));
            reference(&url, Some(format!("{} (link worker)", worker.display_name)))
        }
        None => reference(&team_url, Some(summary.pcn.name.clone())),
    };

    let request_url = ids.url("referral");
    let request = Resource::new("ServiceRequest")
        .with("id", Node::str(ids.id("referral")))
        .with(
            "identifier",
            Node::List(vec![object(vec![
                (
                    "system",
                    s("https://linkwork.github.io/fhir/Id/referral-reference"),
                ),
                ("value", s(r.reference.as_str())),
            ])]),
        )
        .with("status", Node::str("completed"))
        .with("intent", Node::str("order"))
        .with(
            "code",
            concept(
                &summary.referral_code.system,
                &summary.referral_code.code,
                &summary.referral_code.display,
            ),
        )
        .with(
            "subject",
            reference(&patient_url, Some(person.details.full_name())),
        )
        .with("authoredOn", Node::str(r.received_at.to_rfc3339()))
        .with(
            "reasonCode",
            list(
                summary
                    .needs
                    .iter()
                    .map(|n| object(vec![("text", s(n.label.clone()))]))
                    .collect(),
            ),
        );

    let mut goal_entries = Vec::new();
    for (i, goal) in summary.goals.iter().enumerate() {
        let key = format!("goal-{}", goal.id);
        let url = ids.url(&key);
        let (lifecycle, achievement) = match goal.status {
            GoalStatus::Achieved => ("completed", ("achieved", "Achieved")),
            GoalStatus::NoLongerRelevant => ("cancelled", ("not-achieved", "Not Achieved")),
            GoalStatus::InProgress => ("active", ("in-progress", "In Progress")),
            GoalStatus::NotStarted => ("proposed", ("no-progress", "No Progress")),
        };
        goal_entries.push(reference(&url, Some(format!("Goal {}", i + 1))));
        entries.push(entry(
            url,
            Resource::new("Goal")
                .with("id", Node::str(ids.id(&key)))
                .with("lifecycleStatus", Node::str(lifecycle))
                .with(
                    "achievementStatus",
                    concept(GOAL_ACHIEVEMENT, achievement.0, achievement.1),
                )
                .with(
                    "description",
                    object(vec![("text", s(goal.in_their_words.clone()))]),
                )
                .with("subject", reference(&patient_url, None)),
        ));
    }

    let d = &summary.discharge;
    let mut discharge_entries = Vec::new();
    if let Some(code) = &summary.outcome_code {
        let url = ids.url("outcome");
        discharge_entries.push(reference(&url, Some(code.display.clone())));
        entries.push(entry(
            url,
            Resource::new("Observation")
                .with("id", Node::str(ids.id("outcome")))
                .with("status", Node::str("final"))
                .with("code", concept(&code.system, &code.code, &code.display))
                .with("subject", reference(&patient_url, None))
                .with("effectiveDateTime", Node::str(d.discharged_at.to_rfc3339())),
        ));
    }

    let what_matters = match &summary.what_matters {
        Some(w) => {
            let mut text = format!("In their words: {}", w.in_their_words);
            let needs: Vec<&str> = summary.needs.iter().map(|n| n.label.as_str()).collect();
            if !needs.is_empty() {
                text.push_str(&format!("\nSupport with: {}", needs.join(", ")));
            }
            text
        }
        None => "Not recorded.".to_owned(),
    };
    let plan_text = if summary.goals.is_empty() {
        "No goals were recorded.".to_owned()
    } else {
        summary
            .goals
            .iter()
            .map(|g| format!("{}: {}", g.in_their_words, g.status.label().to_lowercase()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let contacts_text = format!(
        "{} contacts attended, {} missed. First contact: {}.",
        summary.attended,
        summary.missed,
        summary
            .first_contact
            .map(when)
            .unwrap_or_else(|| "none".into())
    );
    let composition = Resource::new("Composition")
        .with("id", Node::str(ids.id("composition")))
        .with("status", Node::str("final"))
        .with(
            "type",
            concept(SNOMED_SYSTEM, DISCHARGE_SUMMARY.0, DISCHARGE_SUMMARY.1),
        )
        .with(
            "subject",
            reference(&patient_url, Some(person.details.full_name())),
        )
        .with("date", Node::str(d.discharged_at.to_rfc3339()))
        .with("author", Node::List(vec![author]))
        .with("title", Node::str("Social prescribing discharge summary"))
        .with(
            "custodian",
            reference(&team_url, Some(summary.pcn.name.clone())),
        )
        .with(
            "section",
            Node::List(vec![
                section(
                    "Referral",
                    format!(
                        "Received {} from {}. Coded as SNOMED CT {} {}.",
                        when(r.received_at),
                        r.referrer.name,
                        summary.referral_code.code,
                        summary.referral_code.display
                    ),
                    vec![reference(&request_url, Some(r.reference.to_string()))],
                ),
                section("What matters to me", what_matters, Vec::new()),
                section("Plan and goals", plan_text, goal_entries),
                section("Contacts", contacts_text, Vec::new()),
                section(
                    "Services linked to",
                    "None recorded.".to_owned(),
                    Vec::new(),
                ),
                section(
                    "Discharge",
                    format!(
                        "Discharged {} by {}. Reason: {}.\n{}",
                        when(d.discharged_at),
                        d.discharged_by_name,
                        d.reason.label(),
                        d.summary
                    ),
                    discharge_entries,
                ),
            ]),
        );

    let mut all = vec![
        entry(ids.url("composition"), composition),
        entry(patient_url, patient),
        entry(team_url, organization(&ids, "team", &summary.pcn)),
        entry(request_url, request),
    ];
    if let Some(gp) = &summary.gp_practice {
        all.push(entry(
            ids.url("gp-practice"),
            organization(&ids, "gp-practice", gp),
        ));
    }
    all.extend(entries);
    Resource::new("Bundle")
        .with("id", Node::str(r.id.to_string()))
        .with(
            "identifier",
            object(vec![
                ("system", s(DOCUMENT_ID_SYSTEM)),
                ("value", s(r.reference.as_str())),
            ]),
        )
        .with("type", Node::str("document"))
        .with("timestamp", Node::str(d.discharged_at.to_rfc3339()))
        .with("entry", Node::List(all))
}
