//! A subject access export: everything Linkwork holds about one person —
//! their record and consents, every referral with its history and
//! casework, their questionnaires and GP appointment figures, and the
//! audit trail of who read or changed any of it — as one document of
//! titled sections of named values. The page shows it to print; the same
//! document is the JSON download, so the two never disagree.

use linkwork_domain::audit::{AuditAction, AuditEvent, EntityRef, NewAuditEvent};
use linkwork_domain::calendar::uk_datetime;
use linkwork_domain::casework::{CaseNote, Contact, Plan, Task, WhatMatters};
use linkwork_domain::measures::MeasureResponse;
use linkwork_domain::person::Person;
use linkwork_domain::referral::{Referral, ReferralEvent};
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_domain::{PersonId, Timestamp};
use linkwork_storage::{AuditFilter, CaseFile, PageRequest, ReferralFilter, ReferralOrder};
use serde::Serialize;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

/// One named value.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Field {
    pub label: String,
    pub value: String,
}

/// A titled part of the document, with its values and its own parts.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    pub fields: Vec<Field>,
    pub sections: Vec<Section>,
}

impl Section {
    fn new(title: impl Into<String>) -> Section {
        Section {
            title: title.into(),
            fields: Vec::new(),
            sections: Vec::new(),
        }
    }

    /// Adds a value; an absent or empty one is left out.
    fn field(mut self, label: &str, value: impl Into<Option<String>>) -> Section {
        if let Some(value) = value.into().filter(|v| !v.trim().is_empty()) {
            self.fields.push(Field {
                label: label.to_owned(),
                value,
            });
        }
        self
    }

    fn section(mut self, section: Section) -> Section {
        self.sections.push(section);
        self
    }
}

/// The whole export.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SubjectAccess {
    pub person_id: PersonId,
    pub name: String,
    pub generated_at: String,
    pub generated_by: String,
    pub sections: Vec<Section>,
}

fn at(t: Timestamp) -> String {
    uk_datetime(t).format("%-d %B %Y at %H:%M").to_string()
}

fn yes_no(b: bool) -> String {
    if b { "Yes" } else { "No" }.to_owned()
}

fn details(person: &Person) -> Section {
    let d = &person.details;
    Section::new("Personal details")
        .field("Name", d.full_name())
        .field("Preferred name", d.preferred_name.clone())
        .field(
            "NHS number",
            d.nhs_number.as_ref().map(|n| n.as_str().to_owned()),
        )
        .field(
            "Date of birth",
            d.date_of_birth.format("%-d %B %Y").to_string(),
        )
        .field("Sex", d.sex.map(|s| s.label().to_owned()))
        .field("Gender identity", d.gender_identity.clone())
        .field("Ethnic group", d.ethnicity.clone())
        .field("Address", {
            let lines: Vec<&str> = [&d.address_line1, &d.address_line2, &d.town]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect();
            lines.join(", ")
        })
        .field("Postcode", d.postcode.as_ref().map(|p| p.to_string()))
        .field("Phone", d.phone.clone())
        .field("Email", d.email.as_ref().map(|e| e.to_string()))
        .field(
            "How they like to be contacted",
            d.contact_method.map(|c| c.label().to_owned()),
        )
        .field("When to contact them", d.contact_times.clone())
        .field(
            "Safe to leave a message",
            d.safe_to_leave_message.map(yes_no),
        )
        .field("Language", d.language.clone())
        .field("Needs an interpreter", yes_no(d.interpreter_needed))
        .field("British Sign Language", yes_no(d.bsl))
        .field("Easy read", yes_no(d.easy_read))
        .field("Large print", yes_no(d.large_print))
        .field(
            "Other communication needs",
            d.other_communication_needs.clone(),
        )
        .field("Safeguarding concern", yes_no(d.safeguarding_concern))
        .field("Safeguarding details", d.safeguarding_details.clone())
        .field("Area (LSOA)", person.lsoa.clone())
        .field(
            "Deprivation decile of the area",
            person.imd_decile.map(|d| d.to_string()),
        )
        .field("Record created", at(person.created_at))
}

fn history(events: &[ReferralEvent]) -> Section {
    events.iter().fold(Section::new("History"), |s, e| {
        s.field(&at(e.at), format!("{} ({})", e.summary, e.actor_label))
    })
}

fn contacts(list: &[Contact]) -> Section {
    list.iter().fold(Section::new("Contacts"), |s, c| {
        s.section(
            Section::new(format!("{}: {}", at(c.starts_at), c.mode.label()))
                .field("Status", c.status.label().to_owned())
                .field("Length", format!("{} minutes", c.duration_minutes))
                .field("Where", c.location.clone())
                .field("Notes", c.notes.clone()),
        )
    })
}

fn what_matters(list: &[WhatMatters]) -> Section {
    list.iter()
        .fold(Section::new("What matters to them"), |s, w| {
            s.section(
                Section::new(format!(
                    "Revision {}, {} by {}",
                    w.revision,
                    at(w.recorded_at),
                    w.recorded_by_name
                ))
                .field("In their words", w.in_their_words.clone())
                .field("Needs", w.needs.join(", "))
                .field("Strengths", w.strengths.clone())
                .field("Interests", w.interests.clone())
                .field(
                    "Barriers",
                    w.barriers
                        .iter()
                        .map(|b| b.label())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
                .field("About the barriers", w.barrier_notes.clone())
                .field("Communication needs", w.communication_needs.clone()),
            )
        })
}

fn plan(plan: &Plan) -> Section {
    plan.goals.iter().fold(
        Section::new("Plan").field(
            "Review date",
            plan.review_date.map(|d| d.format("%-d %B %Y").to_string()),
        ),
        |s, g| {
            s.section(
                g.steps.iter().fold(
                    Section::new(format!("Goal: {}", g.in_their_words))
                        .field("Status", g.status.label().to_owned()),
                    |goal, step| {
                        goal.field(
                            "Step",
                            format!(
                                "{}{}{}{}",
                                step.what,
                                step.who
                                    .as_ref()
                                    .map(|w| format!(" ({w})"))
                                    .unwrap_or_default(),
                                step.by_when
                                    .map(|d| format!(", by {}", d.format("%-d %B %Y")))
                                    .unwrap_or_default(),
                                if step.done { ", done" } else { "" }
                            ),
                        )
                    },
                ),
            )
        },
    )
}

fn notes(list: &[CaseNote]) -> Section {
    list.iter().fold(Section::new("Notes"), |s, n| {
        let mut note =
            Section::new(format!("{}, {}", at(n.at), n.author_name)).field("Note", n.text.clone());
        if let Some(concern) = &n.safeguarding {
            note = note
                .field("Safeguarding concern", concern.category.label().to_owned())
                .field("Action taken", concern.action_taken.clone())
                .field("Resolved", concern.resolution.clone());
        }
        s.section(note)
    })
}

fn tasks(list: &[Task]) -> Section {
    list.iter().fold(Section::new("Tasks"), |s, t| {
        s.field(
            &t.title,
            format!(
                "due {}{}",
                t.due.format("%-d %B %Y"),
                t.done_at
                    .map(|d| format!(", done {}", at(d)))
                    .unwrap_or_default()
            ),
        )
    })
}

fn questionnaires(list: &[MeasureResponse]) -> Section {
    list.iter().fold(Section::new("Questionnaires"), |s, r| {
        let scores: Vec<String> = r
            .scores
            .iter()
            .filter_map(|x| {
                Some(format!(
                    "{} {}{}",
                    x.label,
                    x.value?,
                    x.band
                        .as_ref()
                        .map(|b| format!(" ({b})"))
                        .unwrap_or_default()
                ))
            })
            .collect();
        s.section(
            Section::new(format!("{}: {}", at(r.completed_at), r.measure))
                .field("When", r.occasion.label().to_owned())
                .field("Filled in", r.completed_by.label().to_owned())
                .field(
                    "Answers",
                    r.answers
                        .iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                )
                .field(
                    "Scores",
                    if r.complete {
                        scores.join(", ")
                    } else {
                        "Incomplete: no score".into()
                    },
                ),
        )
    })
}

fn audit_trail(events: &[AuditEvent]) -> Section {
    events.iter().fold(
        Section::new("Who has read or changed their record"),
        |s, e| {
            s.field(
                &at(e.at),
                format!("{}: {} ({})", e.actor_label, e.action_label(), e.detail),
            )
        },
    )
}

impl App {
    /// Everything held about a person, for their subject access request.
    /// Team leads of the person's network produce it; the export itself is
    /// audited.
    pub async fn subject_access(&self, p: &Principal, id: PersonId) -> AppResult<SubjectAccess> {
        let person = self
            .store
            .person(id)
            .await?
            .ok_or(AppError::NotFound("person"))?;
        self.require_team(p, person.pcn_id, EntityRef::new("person", person.id))
            .await?;
        p.require(Permission::ReassignCases)?;
        self.require_unrestricted(p, &person).await?;
        let consents = self.store.consents(id).await?;
        let referrals: Vec<Referral> = self
            .store
            .list_referrals(
                &ReferralFilter {
                    person_id: Some(id),
                    include_restricted: true,
                    ..Default::default()
                },
                ReferralOrder::OldestFirst,
                PageRequest::new(1, 1000),
            )
            .await?
            .items
            .into_iter()
            .map(|i| i.referral)
            .collect();
        let mut sections = vec![
            details(&person),
            consents.iter().fold(Section::new("Consents"), |s, c| {
                s.field(
                    &at(c.recorded_at),
                    format!(
                        "{}: {} (recorded by {})",
                        c.kind.label(),
                        if c.given { "given" } else { "refused" },
                        c.recorded_by
                    ),
                )
            }),
        ];
        let mut trail = self.audit_of("person", &person.id.to_string()).await?;
        for r in &referrals {
            let file: CaseFile = self.store.case_file(r.id).await?;
            let revisions = self.store.what_matters_history(r.id).await?;
            let events = self.store.referral_history(r.id).await?;
            let responses = self.store.referral_responses(r.id).await?;
            let gp = self.store.gp_appointments(r.id).await?;
            let mut section = Section::new(format!("Referral {}", r.reference))
                .field("Received", at(r.received_at))
                .field("How it came", r.route.label().to_owned())
                .field("Status", r.status.label().to_owned())
                .field("Urgency", r.urgency.label().to_owned())
                .field("Reasons", r.needs.join(", "))
                .field("Details", r.details.clone())
                .field("Referred by", r.referrer.name.clone())
                .section(history(&events))
                .section(contacts(&file.contacts))
                .section(what_matters(&revisions));
            if let Some(p) = &file.plan {
                section = section.section(plan(p));
            }
            section = section
                .section(notes(&file.notes))
                .section(tasks(&file.tasks));
            if let Some(d) = &file.discharge {
                section = section.section(
                    Section::new("Discharge")
                        .field("When", at(d.discharged_at))
                        .field("Reason", d.reason.label().to_owned())
                        .field("Summary", d.summary.clone()),
                );
            }
            section = section.section(file.onward.iter().fold(
                Section::new("Referrals to community services"),
                |s, o| {
                    s.field(
                        &o.service_name,
                        format!("{}, sent {}", o.status.label(), at(o.sent_at)),
                    )
                },
            ));
            section = section.section(questionnaires(&responses));
            if let Some(g) = gp {
                section = section.section(
                    Section::new("GP appointments")
                        .field(
                            "Six months before referral",
                            g.before.map(|n| n.to_string()),
                        )
                        .field("Six months after referral", g.after.map(|n| n.to_string())),
                );
            }
            sections.push(section);
            trail.extend(self.audit_of("referral", &r.id.to_string()).await?);
        }
        trail.sort_by_key(|e| (e.at, e.id));
        sections.push(audit_trail(&trail));
        let export = SubjectAccess {
            person_id: person.id,
            name: person.details.full_name(),
            generated_at: at(now()),
            generated_by: p.user.display_name.clone(),
            sections,
        };
        let audit = NewAuditEvent::new(p.actor(), AuditAction::SubjectAccessExport, now())
            .entity(EntityRef::new("person", person.id))
            .org(person.pcn_id)
            .detail(format!(
                "Subject access export of {} referrals",
                referrals.len()
            ))
            .ip(p.ip.clone());
        self.store.record(&audit).await?;
        Ok(export)
    }

    /// Every audit event about one record, oldest first.
    async fn audit_of(&self, entity_type: &str, entity_id: &str) -> AppResult<Vec<AuditEvent>> {
        let mut all = Vec::new();
        let mut page = 1;
        loop {
            let found = self
                .store
                .audit_events(
                    &AuditFilter {
                        entity_type: Some(entity_type.to_owned()),
                        entity_id: Some(entity_id.to_owned()),
                        ..Default::default()
                    },
                    PageRequest::new(page, 500),
                )
                .await?;
            let done = found.items.len() < 500;
            all.extend(found.items);
            if done {
                break;
            }
            page += 1;
        }
        Ok(all)
    }
}
