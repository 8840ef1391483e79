//! The questionnaire a person fills in on their own phone, from a one-time
//! link. The page shows nothing about them but the questions; their
//! answers land on their record; the link is used up in the same
//! transaction, so a second use, an expired link or a made-up one changes
//! nothing.

use std::collections::BTreeMap;

use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::measures::{
    CompletedBy, Definition, MeasureLink, MeasureResponse, ResponseContext, answers_from_form,
};
use linkwork_domain::time::now;
use linkwork_domain::validation::ValidationErrors;
use linkwork_storage::MeasureChanges;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::secrets::token_hash;

/// What a questionnaire link's page shows, and whether it can be used.
#[derive(Debug, Clone)]
pub struct LinkQuestionnaire {
    pub definition: Definition,
    /// Why it cannot be used, if it cannot.
    pub refused: Option<&'static str>,
}

impl App {
    async fn live_link(&self, token: &str) -> AppResult<(MeasureLink, Definition)> {
        let link = self
            .store
            .measure_link(&token_hash(token))
            .await?
            .ok_or(AppError::NotFound("link"))?;
        let definition = self.measure(&link.measure)?.clone();
        Ok((link, definition))
    }

    /// The questionnaire behind a link. A link that does not exist is
    /// simply not found.
    pub async fn measure_link(&self, token: &str) -> AppResult<LinkQuestionnaire> {
        let (link, definition) = self.live_link(token).await?;
        Ok(LinkQuestionnaire {
            definition,
            refused: link.refused(now()),
        })
    }

    /// Records the person's answers from their link, using it up.
    pub async fn answer_by_measure_link(
        &self,
        token: &str,
        form: &BTreeMap<String, String>,
        ip: Option<String>,
    ) -> AppResult<()> {
        let (link, definition) = self.live_link(token).await?;
        if let Some(why) = link.refused(now()) {
            return Err(AppError::Conflict(why.to_owned()));
        }
        let answers = answers_from_form(&definition, form)?;
        if answers.is_empty() {
            return Err(ValidationErrors::single(
                "answers",
                "Answer at least one question before you send it",
            )
            .into());
        }
        let at = now();
        let response = MeasureResponse::record(
            &definition,
            answers,
            ResponseContext {
                person_id: link.person_id,
                referral_id: link.referral_id,
                pcn_id: link.pcn_id,
                occasion: link.occasion,
                completed_by: CompletedBy::PersonOwnPhone,
                completed_at: at,
                recorded_by: Some(link.created_by),
                recorded_by_name: link.created_by_name.clone(),
            },
        )?;
        let audit = NewAuditEvent::new(Actor::System, AuditAction::MeasureRecord, at)
            .entity(EntityRef::new("referral", link.referral_id))
            .org(link.pcn_id)
            .detail(format!(
                "{} {}, filled in by the person from their link, {}",
                definition.name,
                link.occasion.label().to_lowercase(),
                if response.complete {
                    "complete"
                } else {
                    "incomplete"
                }
            ))
            .ip(ip);
        self.store
            .save_measures(
                &MeasureChanges {
                    responses: vec![response],
                    use_link: Some((link.token_hash, at)),
                    ..Default::default()
                },
                &[audit],
            )
            .await?;
        Ok(())
    }
}
