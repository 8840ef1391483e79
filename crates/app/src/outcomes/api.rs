//! Outcomes through the API (FHIR QuestionnaireResponse): the system that
//! made a referral may send the person's questionnaires and read them
//! back, as it reads the referral itself.

use linkwork_domain::ReferralId;
use linkwork_domain::audit::{AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::measures::{Answers, CompletedBy, MeasureResponse, Occasion, ResponseContext};
use linkwork_domain::time::now;
use linkwork_storage::MeasureChanges;

use crate::App;
use crate::error::AppResult;
use crate::referrals::ApiClient;

impl App {
    /// A referral's questionnaires, for the system that made it. Audited
    /// as a read of the person's record.
    pub async fn responses_for_client(
        &self,
        client: &ApiClient,
        id: ReferralId,
    ) -> AppResult<Vec<MeasureResponse>> {
        let referral = self.client_referral(client, id).await?;
        let responses = self.store.referral_responses(id).await?;
        self.audit_person_view(
            client.actor(),
            client.ip.clone(),
            referral.person_id,
            referral.pcn_id,
            format!(
                "Questionnaires of referral {}, through the API",
                referral.reference
            ),
        )
        .await?;
        Ok(responses)
    }

    /// Records a questionnaire the system that made the referral sent,
    /// scored by its definition.
    pub async fn record_response_from_client(
        &self,
        client: &ApiClient,
        id: ReferralId,
        measure: &str,
        occasion: Occasion,
        answers: Answers,
    ) -> AppResult<MeasureResponse> {
        let referral = self.client_referral(client, id).await?;
        let definition = self.measure(measure)?;
        let at = now();
        let response = MeasureResponse::record(
            definition,
            answers,
            ResponseContext {
                person_id: referral.person_id,
                referral_id: referral.id,
                pcn_id: referral.pcn_id,
                occasion,
                completed_by: CompletedBy::Api,
                completed_at: at,
                recorded_by: None,
                recorded_by_name: client.organisation.name.clone(),
            },
        )?;
        let audit = NewAuditEvent::new(client.actor(), AuditAction::MeasureRecord, at)
            .entity(EntityRef::new("referral", referral.id))
            .org(referral.pcn_id)
            .detail(format!(
                "{}: {} {}, through the API, {}",
                referral.reference,
                definition.name,
                occasion.label().to_lowercase(),
                if response.complete {
                    "complete"
                } else {
                    "incomplete"
                }
            ))
            .ip(client.ip.clone());
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
}
