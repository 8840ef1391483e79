//! A case's outcomes: reading them, recording a questionnaire, and giving
//! the person a link to fill one in on their own phone.

use std::collections::BTreeMap;

use chrono::Duration;
use linkwork_domain::ReferralId;
use linkwork_domain::audit::AuditAction;
use linkwork_domain::measures::{
    CompletedBy, GpAppointments, MeasureLink, MeasureResponse, Occasion, ResponseContext,
    answers_from_form,
};
use linkwork_domain::message::{Channel, Message};
use linkwork_domain::referral::{Referral, ReferralStatus};
use linkwork_domain::time::now;
use linkwork_domain::validation::ValidationErrors;
use linkwork_storage::MeasureChanges;

use crate::App;
use crate::casework::CaseView;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;
use crate::secrets::{random_token, token_hash};

/// A case's outcomes as its team sees them.
#[derive(Debug, Clone)]
pub struct OutcomesView {
    pub case: CaseView,
    /// Oldest first.
    pub responses: Vec<MeasureResponse>,
    pub gp: Option<GpAppointments>,
}

/// A questionnaire link just made: the address to give the person, shown
/// once (only its hash is kept), and how it was sent.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub token: String,
    pub sent_by: Option<Channel>,
}

/// Outcomes are recorded from the first contact on, and after discharge
/// for the closing questionnaire; not before a referral is accepted.
fn require_recordable(referral: &Referral) -> AppResult<()> {
    match referral.status {
        ReferralStatus::Accepted | ReferralStatus::InProgress | ReferralStatus::Discharged => {
            Ok(())
        }
        _ => Err(ValidationErrors::single(
            "status",
            "Questionnaires can be recorded once a referral has been accepted",
        )
        .into()),
    }
}

/// The occasion chosen on a form.
fn occasion(raw: &str) -> Result<Occasion, ValidationErrors> {
    Occasion::from_code(raw)
        .ok_or_else(|| ValidationErrors::single("occasion", "Choose when in their support this is"))
}

/// Where a questionnaire link points.
pub fn questionnaire_address(base: &str, token: &str) -> String {
    format!("{base}/q/{token}")
}

impl App {
    /// A case's outcomes; the view is audited as a read of the person's
    /// record.
    pub async fn outcomes(&self, p: &Principal, id: ReferralId) -> AppResult<OutcomesView> {
        let case = self.case(p, id).await?;
        let responses = self.store.referral_responses(id).await?;
        let gp = self.store.gp_appointments(id).await?;
        Ok(OutcomesView {
            case,
            responses,
            gp,
        })
    }

    /// Records a questionnaire filled in on the link worker's device, by
    /// the worker or the person. Skipped questions are kept as skipped; a
    /// response without enough answers is saved as incomplete, unscored.
    pub async fn record_response(
        &self,
        p: &Principal,
        id: ReferralId,
        measure: &str,
        occasion_code: &str,
        completed_by: &str,
        form: &BTreeMap<String, String>,
    ) -> AppResult<MeasureResponse> {
        let referral = self.case_referral(p, id).await?;
        require_recordable(&referral)?;
        let definition = self.measure(measure)?;
        let mut errors = ValidationErrors::new();
        let occasion = occasion(occasion_code).map_err(|e| errors.extend(e)).ok();
        let completed_by = match CompletedBy::from_code(completed_by) {
            Some(c @ (CompletedBy::LinkWorker | CompletedBy::PersonOnDevice)) => Some(c),
            _ => {
                errors.add("completed_by", "Choose who filled it in");
                None
            }
        };
        let answers = answers_from_form(definition, form)
            .map_err(|e| errors.extend(e))
            .ok();
        if answers.as_ref().is_some_and(|a| a.is_empty()) {
            errors.add(
                "answers",
                "Answer at least one question: nothing has been saved",
            );
        }
        let (Some(occasion), Some(completed_by), Some(answers)) = (occasion, completed_by, answers)
        else {
            return Err(errors.into());
        };
        errors.into_result(())?;
        let response = MeasureResponse::record(
            definition,
            answers,
            ResponseContext {
                person_id: referral.person_id,
                referral_id: referral.id,
                pcn_id: referral.pcn_id,
                occasion,
                completed_by,
                completed_at: now(),
                recorded_by: Some(p.user.id),
                recorded_by_name: p.user.display_name.clone(),
            },
        )?;
        let audit = self.case_audit(
            p,
            AuditAction::MeasureRecord,
            &referral,
            format!(
                "{} {}, {}",
                definition.name,
                occasion.label().to_lowercase(),
                if response.complete {
                    "complete"
                } else {
                    "incomplete"
                }
            ),
        );
        self.store
            .save_measures(
                &MeasureChanges {
                    responses: vec![response.clone()],
                    ..Default::default()
                },
                &[audit],
            )
            .await?;
        Ok(response)
    }

    /// Makes a one-time link for the person to fill in `measure` on their
    /// own phone, and sends it by text or email when asked (`send` is
    /// `text`, `email` or `show` to hand it over another way).
    pub async fn issue_measure_link(
        &self,
        p: &Principal,
        id: ReferralId,
        measure: &str,
        occasion_code: &str,
        send: &str,
    ) -> AppResult<NewLink> {
        let referral = self.case_referral(p, id).await?;
        require_recordable(&referral)?;
        let definition = self.measure(measure)?;
        let person = self
            .store
            .person(referral.person_id)
            .await?
            .ok_or(AppError::NotFound("person"))?;
        let mut errors = ValidationErrors::new();
        let occasion = occasion(occasion_code).map_err(|e| errors.extend(e)).ok();
        let d = &person.details;
        let to = d
            .send_to(send, &["show"], "the link", "show them the link instead")
            .map_err(|e| errors.extend(e))
            .ok()
            .flatten();
        let Some(occasion) = occasion else {
            return Err(errors.into());
        };
        errors.into_result(())?;
        let token = random_token();
        let at = now();
        let link = MeasureLink {
            token_hash: token_hash(&token),
            referral_id: referral.id,
            person_id: referral.person_id,
            pcn_id: referral.pcn_id,
            measure: definition.code.clone(),
            occasion,
            created_by: p.user.id,
            created_by_name: p.user.display_name.clone(),
            created_at: at,
            expires_at: at + Duration::days(i64::from(self.settings.outcomes.link_days)),
            used_at: None,
        };
        let mut changes = MeasureChanges {
            links: vec![link],
            ..Default::default()
        };
        if let Some((channel, address)) = &to {
            let first = d
                .preferred_name
                .clone()
                .unwrap_or_else(|| d.given_name.clone());
            // The message names no one but the person and their worker: a
            // text can be read over a shoulder.
            let body = format!(
                "Hello {first}, {} has sent you a short questionnaire about how you are feeling. \
                 It takes a few minutes: {}\n\nThe link works once and for {} days.",
                p.user.display_name,
                questionnaire_address(&self.settings.public_base_url(), &token),
                self.settings.outcomes.link_days,
            );
            changes.messages.push(
                Message::new(
                    *channel,
                    address.clone(),
                    (*channel == Channel::Email).then(|| "A short questionnaire".to_owned()),
                    body,
                    format!("Questionnaire link for {}", d.full_name()),
                    Some(referral.pcn_id),
                    at,
                )
                .about(referral.person_id),
            );
        }
        let audit = self.case_audit(
            p,
            AuditAction::MeasureLinkIssue,
            &referral,
            format!(
                "{} {} link, {}",
                definition.name,
                occasion.label().to_lowercase(),
                to.as_ref().map_or("shown".to_owned(), |(c, _)| format!(
                    "by {}",
                    c.label().to_lowercase()
                ))
            ),
        );
        self.store.save_measures(&changes, &[audit]).await?;
        Ok(NewLink {
            token,
            sent_by: to.map(|(c, _)| c),
        })
    }
}
