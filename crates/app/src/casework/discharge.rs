//! Discharge, and the summary for the GP record that follows it.

use linkwork_domain::ReferralId;
use linkwork_domain::audit::AuditAction;
use linkwork_domain::casework::{ContactStatus, Discharge, DischargeInput, Goal, WhatMatters};
use linkwork_domain::codes::{ClinicalCode, CodePurpose, Need};
use linkwork_domain::organisation::Organisation;
use linkwork_domain::person::Person;
use linkwork_domain::referral::Referral;
use linkwork_domain::time::now;
use linkwork_domain::user::User;
use linkwork_storage::CaseworkChanges;

use super::stale;
use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;
use crate::referrals::ApiClient;

/// Everything the summary for the GP record says: the PRSB "message back
/// to GP and referrer" in Linkwork's terms.
#[derive(Debug, Clone)]
pub struct GpSummary {
    pub referral: Referral,
    pub person: Person,
    pub pcn: Organisation,
    pub gp_practice: Option<Organisation>,
    pub referrer_org: Option<Organisation>,
    /// The link worker who held the case.
    pub worker: Option<User>,
    pub needs: Vec<Need>,
    pub what_matters: Option<WhatMatters>,
    pub goals: Vec<Goal>,
    /// Contacts the person attended, and how many were missed.
    pub attended: usize,
    pub missed: usize,
    pub first_contact: Option<linkwork_domain::Timestamp>,
    pub discharge: Discharge,
    /// The code the referral was recorded with, and the outcome's, when
    /// one applies (the person declined further support).
    pub referral_code: ClinicalCode,
    pub outcome_code: Option<ClinicalCode>,
}

impl App {
    /// Ends a person's support: the referral is discharged with its reason
    /// and closing summary, every goal takes its final status, open tasks
    /// are done and booked contacts are cancelled, in one step.
    pub async fn discharge(
        &self,
        p: &Principal,
        referral_id: ReferralId,
        expected_version: i64,
        input: &DischargeInput,
    ) -> AppResult<Referral> {
        let referral = self.case_referral(p, referral_id).await?;
        if referral.version != expected_version {
            return Err(stale("this referral"));
        }
        let file = self.store.case_file(referral_id).await?;
        let open_goals: Vec<_> = file
            .plan
            .iter()
            .flat_map(|plan| &plan.goals)
            .filter(|g| g.status.is_open())
            .map(|g| g.id)
            .collect();
        let d = input.validate(&open_goals)?;
        let at = now();
        let declined = self.clinical_code(CodePurpose::Declined).await?;
        let mut discharged = referral.clone();
        let change = discharged.discharge(d.reason, &d.summary, at, &declined.code)?;
        let mut changes = CaseworkChanges {
            referral: Some(self.referral_update(p, discharged.clone(), change, at)),
            discharge: Some(Discharge {
                referral_id,
                reason: d.reason,
                summary: d.summary.clone(),
                discharged_at: at,
                discharged_by: p.user.id,
                discharged_by_name: p.user.display_name.clone(),
            }),
            ..Default::default()
        };
        if let Some(mut plan) = file.plan {
            let expected = plan.version;
            for (id, status) in &d.goal_statuses {
                if let Some(goal) = plan.goals.iter_mut().find(|g| g.id == *id) {
                    goal.status = *status;
                }
            }
            plan.review_date = None;
            plan.version += 1;
            plan.updated_at = at;
            plan.updated_by = p.user.id;
            changes.plan = Some((plan, expected));
        }
        for mut task in file.tasks.into_iter().filter(|t| t.is_open()) {
            task.complete(at, p.user.id);
            changes.tasks.push(task);
        }
        for mut contact in file.contacts.into_iter().filter(|c| c.is_booked()) {
            let expected = contact.version;
            contact.status = ContactStatus::CancelledByUs;
            contact.notes = Some("Cancelled: support ended".into());
            contact.recorded_at = Some(at);
            contact.recorded_by = Some(p.user.id);
            contact.version += 1;
            changes.contacts.push((contact, Some(expected)));
        }
        let audit = self.case_audit(p, AuditAction::Discharge, &referral, d.reason.label());
        self.save(changes, audit).await?;
        discharged.version += 1;
        Ok(discharged)
    }

    /// The summary for the GP record of a discharged person, for their
    /// team (the printable letter). Audited as a read of the record.
    pub async fn gp_summary(&self, p: &Principal, referral_id: ReferralId) -> AppResult<GpSummary> {
        let referral = self.case_referral(p, referral_id).await?;
        let summary = self.build_gp_summary(referral).await?;
        self.audit_person_view(
            p.actor(),
            p.ip.clone(),
            summary.person.id,
            summary.referral.pcn_id,
            format!(
                "Summary for the GP record of referral {}",
                summary.referral.reference
            ),
        )
        .await?;
        Ok(summary)
    }

    /// The same summary for the system that made the referral, through
    /// the API. Audited as a read of the record.
    pub async fn gp_summary_for_client(
        &self,
        client: &ApiClient,
        referral_id: ReferralId,
    ) -> AppResult<GpSummary> {
        let referral = self
            .store
            .referral(referral_id)
            .await?
            .filter(|r| r.referrer.org_id == Some(client.token.org_id))
            .ok_or(AppError::NotFound("referral"))?;
        self.require_unrestricted_for(client.actor(), client.ip.clone(), referral.person_id)
            .await?;
        let summary = self.build_gp_summary(referral).await?;
        self.audit_person_view(
            client.actor(),
            client.ip.clone(),
            summary.person.id,
            summary.referral.pcn_id,
            format!(
                "Summary for the GP record of referral {}, through the API",
                summary.referral.reference
            ),
        )
        .await?;
        Ok(summary)
    }

    async fn build_gp_summary(&self, referral: Referral) -> AppResult<GpSummary> {
        let file = self.store.case_file(referral.id).await?;
        let discharge = file
            .discharge
            .clone()
            .ok_or(AppError::NotFound("discharge summary"))?;
        let person = self
            .store
            .person(referral.person_id)
            .await?
            .ok_or(AppError::NotFound("person"))?;
        let org = |id| async move { self.store.organisation(id).await };
        let pcn = org(referral.pcn_id)
            .await?
            .ok_or(AppError::NotFound("organisation"))?;
        let gp_practice = match person.details.gp_practice_id {
            Some(id) => org(id).await?,
            None => None,
        };
        let referrer_org = match referral.referrer.org_id {
            Some(id) => org(id).await?,
            None => None,
        };
        let worker = match referral.assigned_to {
            Some(id) => self.store.user(id).await?,
            None => None,
        };
        let all_needs = self.store.needs().await?;
        let codes: Vec<&String> = file
            .what_matters
            .as_ref()
            .map(|w| w.needs.iter().collect())
            .unwrap_or_else(|| referral.needs.iter().collect());
        let needs = codes
            .into_iter()
            .filter_map(|c| all_needs.iter().find(|n| &n.code == c).cloned())
            .collect();
        let referral_code = self.clinical_code(CodePurpose::Referral).await?;
        let outcome_code = match &referral.outcome.as_ref().and_then(|o| o.code.clone()) {
            Some(code) => {
                let declined = self.clinical_code(CodePurpose::Declined).await?;
                Some(ClinicalCode {
                    code: code.clone(),
                    ..declined
                })
            }
            None => None,
        };
        let attended = file
            .contacts
            .iter()
            .filter(|c| c.status == ContactStatus::Attended)
            .count();
        let missed = file
            .contacts
            .iter()
            .filter(|c| c.status == ContactStatus::DidNotAttend)
            .count();
        Ok(GpSummary {
            first_contact: referral.first_contact_at,
            referral_code: ClinicalCode {
                code: referral.code.clone(),
                ..referral_code
            },
            outcome_code,
            needs,
            what_matters: file.what_matters,
            goals: file.plan.map(|p| p.goals).unwrap_or_default(),
            attended,
            missed,
            discharge,
            worker,
            referrer_org,
            gp_practice,
            pcn,
            person,
            referral,
        })
    }
}
