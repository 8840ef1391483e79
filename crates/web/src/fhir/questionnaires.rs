//! Outcome measures as FHIR R4: each questionnaire definition as a
//! Questionnaire (its answers as codings with their ordinal values, its
//! licence notice as `copyright`), and each response as a
//! QuestionnaireResponse `basedOn` the referral's ServiceRequest, with the
//! scores it gave. A QuestionnaireResponse posted by the system that made
//! the referral is read back into answers, scored and recorded.

use linkwork_domain::ReferralId;
use linkwork_domain::measures::{Answers, Definition, MeasureResponse, Occasion};
use serde_json::Value;

use super::FhirError;
use super::format::{Node, Prim, Resource, object};

/// Where a response sits in the person's support (Linkwork's extension).
pub const OCCASION_EXTENSION: &str = "https://linkwork.github.io/fhir/StructureDefinition/occasion";
/// A score a response gave (Linkwork's extension: `code`, `value`, `band`).
pub const SCORE_EXTENSION: &str = "https://linkwork.github.io/fhir/StructureDefinition/score";
/// FHIR's standard extension for an answer's numeric weight.
const ORDINAL_VALUE: &str = "http://hl7.org/fhir/StructureDefinition/ordinalValue";

fn s(value: impl Into<String>) -> Option<Node> {
    Some(Node::str(value))
}

fn num(value: impl ToString) -> Option<Node> {
    Some(Node::Prim(Prim::Num(value.to_string())))
}

/// The canonical address of a questionnaire.
pub fn canonical(base: &str, code: &str) -> String {
    format!("{base}/Questionnaire/{code}")
}

/// The system of a questionnaire's answer codes.
fn answer_system(base: &str, code: &str) -> String {
    format!("{}/answers", canonical(base, code))
}

/// A definition as a Questionnaire.
pub fn questionnaire(base: &str, d: &Definition) -> Resource {
    let items = d
        .items
        .iter()
        .map(|item| {
            let options = d
                .options(item)
                .into_iter()
                .map(|o| {
                    object(vec![(
                        "valueCoding",
                        Some(object(vec![
                            (
                                "extension",
                                Some(Node::List(vec![object(vec![
                                    ("url", s(ORDINAL_VALUE)),
                                    ("valueDecimal", num(o.value)),
                                ])])),
                            ),
                            ("system", s(answer_system(base, &d.code))),
                            ("code", s(o.value.to_string())),
                            ("display", s(o.label)),
                        ])),
                    )])
                })
                .collect();
            object(vec![
                ("linkId", s(item.code.clone())),
                ("text", s(item.text.clone())),
                ("type", s("choice")),
                ("answerOption", Some(Node::List(options))),
            ])
        })
        .collect();
    Resource::new("Questionnaire")
        .with("id", s(d.code.clone()))
        .with("url", s(canonical(base, &d.code)))
        .with("name", s(d.code.replace(['-', '_'], "")))
        .with("title", s(d.name.clone()))
        .with("status", s("active"))
        .with("subjectType", Some(Node::List(vec![Node::str("Patient")])))
        .with("description", d.introduction.clone().map(Node::str))
        .with("copyright", s(d.notice.clone()))
        .with("item", Some(Node::List(items)))
}

/// A response as a QuestionnaireResponse.
pub fn questionnaire_response(base: &str, d: &Definition, r: &MeasureResponse) -> Resource {
    let items = d
        .items
        .iter()
        .filter_map(|item| {
            let value = *r.answers.get(&item.code)?;
            let label = d
                .options(item)
                .into_iter()
                .find(|o| o.value == value)
                .map(|o| o.label)
                .unwrap_or_default();
            Some(object(vec![
                ("linkId", s(item.code.clone())),
                (
                    "answer",
                    Some(Node::List(vec![object(vec![(
                        "valueCoding",
                        Some(object(vec![
                            ("system", s(answer_system(base, &d.code))),
                            ("code", s(value.to_string())),
                            ("display", s(label)),
                        ])),
                    )])])),
                ),
            ]))
        })
        .collect();
    let mut extensions = vec![object(vec![
        ("url", s(OCCASION_EXTENSION)),
        ("valueCode", s(r.occasion.code())),
    ])];
    for score in r.scores.iter().filter(|s| s.value.is_some()) {
        extensions.push(object(vec![
            (
                "extension",
                Some(Node::List(
                    [
                        Some(object(vec![
                            ("url", s("code")),
                            ("valueCode", s(score.code.clone())),
                        ])),
                        score
                            .value
                            .map(|v| object(vec![("url", s("value")), ("valueDecimal", num(v))])),
                        score
                            .band
                            .clone()
                            .map(|b| object(vec![("url", s("band")), ("valueString", s(b))])),
                    ]
                    .into_iter()
                    .flatten()
                    .collect(),
                )),
            ),
            ("url", s(SCORE_EXTENSION)),
        ]));
    }
    Resource::new("QuestionnaireResponse")
        .with("id", s(r.id.to_string()))
        .with("extension", Some(Node::List(extensions)))
        .with("questionnaire", s(canonical(base, &d.code)))
        .with(
            "status",
            s(if r.complete {
                "completed"
            } else {
                "in-progress"
            }),
        )
        .with(
            "basedOn",
            Some(Node::List(vec![object(vec![(
                "reference",
                s(format!("ServiceRequest/{}", r.referral_id)),
            )])])),
        )
        .with(
            "authored",
            s(r.completed_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        )
        .with("item", Some(Node::List(items)))
}

/// What a posted QuestionnaireResponse asks to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Posted {
    pub referral: ReferralId,
    pub measure: String,
    pub occasion: Occasion,
    pub answers: Answers,
}

/// Reads a posted QuestionnaireResponse. Each problem names where it is.
pub fn read_posted(value: &Value, measures: &[Definition]) -> Result<Posted, FhirError> {
    if value.get("resourceType").and_then(Value::as_str) != Some("QuestionnaireResponse") {
        return Err(FhirError::invalid(
            "invalid",
            "Send a QuestionnaireResponse",
            "resourceType",
        ));
    }
    let canonical = value
        .get("questionnaire")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            FhirError::invalid(
                "required",
                "Say which questionnaire was answered: its canonical address, from GET /fhir/Questionnaire",
                "QuestionnaireResponse.questionnaire",
            )
        })?;
    let code = canonical
        .split('|')
        .next()
        .and_then(|c| c.rsplit("Questionnaire/").next())
        .unwrap_or_default();
    let definition = measures.iter().find(|d| d.code == code).ok_or_else(|| {
        FhirError::invalid(
            "not-found",
            format!("`{canonical}` is not a questionnaire this server offers: see GET /fhir/Questionnaire"),
            "QuestionnaireResponse.questionnaire",
        )
    })?;
    let referral = value
        .get("basedOn")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("reference").and_then(Value::as_str))
        .find_map(|r| r.strip_prefix("ServiceRequest/")?.parse().ok())
        .ok_or_else(|| {
            FhirError::invalid(
                "required",
                "Name the referral the questionnaire belongs to: basedOn ServiceRequest/{id}",
                "QuestionnaireResponse.basedOn",
            )
        })?;
    let occasion = match value
        .get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|e| e.get("url").and_then(Value::as_str) == Some(OCCASION_EXTENSION))
    {
        None => Occasion::OnDemand,
        Some(e) => e
            .get("valueCode")
            .and_then(Value::as_str)
            .and_then(Occasion::from_code)
            .ok_or_else(|| {
                FhirError::invalid(
                    "code-invalid",
                    "The occasion is one of baseline, review, discharge or on_demand",
                    "QuestionnaireResponse.extension",
                )
            })?,
    };
    let mut answers = Answers::new();
    let items = value.get("item").and_then(Value::as_array);
    for (i, item) in items.into_iter().flatten().enumerate() {
        let at = format!("QuestionnaireResponse.item[{i}]");
        let link = item
            .get("linkId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(question) = definition.item(link) else {
            return Err(FhirError::invalid(
                "invalid",
                format!("`{link}` is not a question of {}", definition.name),
                &format!("{at}.linkId"),
            ));
        };
        let Some(answer) = item
            .get("answer")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        else {
            continue;
        };
        let number = answer
            .get("valueCoding")
            .and_then(|c| c.get("code"))
            .and_then(Value::as_str)
            .and_then(|c| c.parse::<i32>().ok())
            .or_else(|| {
                answer
                    .get("valueInteger")
                    .and_then(Value::as_i64)
                    .and_then(|v| i32::try_from(v).ok())
            });
        match number {
            Some(v) if definition.options(question).iter().any(|o| o.value == v) => {
                answers.insert(question.code.clone(), v);
            }
            _ => {
                return Err(FhirError::invalid(
                    "value",
                    format!(
                        "The answer to `{link}` is not one the questionnaire offers: give the valueCoding code of one of its answerOptions"
                    ),
                    &format!("{at}.answer[0]"),
                ));
            }
        }
    }
    if answers.is_empty() {
        return Err(FhirError::invalid(
            "required",
            "The response answers no questions",
            "QuestionnaireResponse.item",
        ));
    }
    Ok(Posted {
        referral,
        measure: definition.code.clone(),
        occasion,
        answers,
    })
}
