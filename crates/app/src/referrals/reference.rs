//! The reference data referrals rely on: which network covers which
//! postcode districts, the list of needs, and the clinical codes. Needs
//! and codes are the whole deployment's, so only an operator (the command
//! line) changes them; coverage is a network's, so its admins may too.

use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::codes::{ClinicalCode, CodePurpose, Need};
use linkwork_domain::coverage::parse_outcodes;
use linkwork_domain::organisation::{OrgKind, Organisation};
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_domain::validation::{Layout, ValidationErrors, non_empty, text_field};

use crate::App;
use crate::admin::Caller;
use crate::error::{AppError, AppResult};

impl App {
    /// Sets the postcode districts a network covers, replacing its list.
    pub async fn set_pcn_coverage(
        &self,
        caller: Caller<'_>,
        pcn: &Organisation,
        outcodes: &[String],
    ) -> AppResult<Vec<String>> {
        if let Caller::User(p) = caller {
            p.require(Permission::ManageOrganisations)?;
            p.require_in_scope(self.store.as_ref(), pcn.id).await?;
        }
        if pcn.kind != OrgKind::Pcn {
            return Err(ValidationErrors::single(
                "org",
                "Only a Primary Care Network covers postcode districts",
            )
            .into());
        }
        let outcodes = parse_outcodes(outcodes)?;
        let actor = match caller {
            Caller::Operator => Actor::Cli,
            Caller::User(p) => p.actor(),
        };
        let event = NewAuditEvent::new(actor, AuditAction::PcnCoverageChange, now())
            .entity(EntityRef::new("organisation", pcn.id))
            .org(pcn.id)
            .detail(format!("{} covers {}", pcn.name, outcodes.join(", ")));
        self.store
            .set_pcn_coverage(pcn.id, &outcodes, &event)
            .await?;
        Ok(outcodes)
    }

    pub async fn pcn_coverage(&self, pcn: &Organisation) -> AppResult<Vec<String>> {
        Ok(self.store.pcn_coverage(pcn.id).await?)
    }

    /// Every need, active or retired.
    pub async fn all_needs(&self) -> AppResult<Vec<Need>> {
        Ok(self.store.needs().await?)
    }

    /// Adds a need or changes one (operator only). A retired need stays on
    /// the referrals that gave it but is no longer offered.
    pub async fn save_need(
        &self,
        code: &str,
        label: Option<&str>,
        snomed_code: Option<&str>,
        active: Option<bool>,
        position: Option<i32>,
    ) -> AppResult<Need> {
        let code = code.trim().to_ascii_lowercase();
        if code.is_empty()
            || code.len() > 40
            || !code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(ValidationErrors::single(
                "code",
                "A need's code is up to 40 lower-case letters, digits or underscores, like physical_activity",
            )
            .into());
        }
        let needs = self.store.needs().await?;
        let existing = needs.iter().find(|n| n.code == code);
        let mut errors = ValidationErrors::new();
        let typed_label =
            label.and_then(|l| text_field(&mut errors, "label", l, Layout::Line, 100, "Label"));
        errors.into_result(())?;
        let label = match (typed_label, existing) {
            (Some(l), _) => l,
            (None, Some(n)) => n.label.clone(),
            (None, None) => {
                return Err(ValidationErrors::single("label", "Give the new need a label").into());
            }
        };
        let need = Need {
            label,
            snomed_code: match snomed_code {
                Some(s) => non_empty(s),
                None => existing.and_then(|n| n.snomed_code.clone()),
            },
            active: active.or(existing.map(|n| n.active)).unwrap_or(true),
            position: position
                .or(existing.map(|n| n.position))
                .unwrap_or_else(|| needs.iter().map(|n| n.position).max().unwrap_or(0) + 10),
            code,
        };
        let event = NewAuditEvent::new(Actor::Cli, AuditAction::NeedChange, now())
            .entity(EntityRef::new("need", &need.code))
            .detail(format!(
                "{} \"{}\"{}",
                need.code,
                need.label,
                if need.active { "" } else { " (retired)" }
            ));
        self.store.save_need(&need, &event).await?;
        Ok(need)
    }

    pub async fn clinical_codes(&self) -> AppResult<Vec<ClinicalCode>> {
        Ok(self.store.clinical_codes().await?)
    }

    /// The code for `purpose`; a missing one is a broken deployment (the
    /// migration seeds both), reported as such.
    pub async fn clinical_code(&self, purpose: CodePurpose) -> AppResult<ClinicalCode> {
        self.store.clinical_code(purpose).await?.ok_or_else(|| {
            AppError::Internal(format!(
                "The {} clinical code is missing: set it with `linkwork codes set {}`",
                purpose.code(),
                purpose.code()
            ))
        })
    }

    /// Corrects a clinical code (operator only). Referrals keep the code
    /// they were recorded with.
    pub async fn set_clinical_code(
        &self,
        purpose: &str,
        code: &str,
        display: &str,
    ) -> AppResult<ClinicalCode> {
        let purpose = CodePurpose::from_code(purpose.trim()).ok_or_else(|| {
            AppError::Invalid(ValidationErrors::single(
                "purpose",
                "The purpose is \"referral\" or \"declined\"",
            ))
        })?;
        let mut errors = ValidationErrors::new();
        let code = code.trim();
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) || code.len() > 18 {
            errors.add("code", "A SNOMED CT concept ID is up to 18 digits");
        }
        let display = non_empty(display);
        if display.is_none() {
            errors.add("display", "Give the code's description");
        }
        errors.into_result(())?;
        let existing = self.store.clinical_code(purpose).await?;
        let clinical = ClinicalCode {
            purpose,
            system: existing
                .map(|c| c.system)
                .unwrap_or_else(|| linkwork_domain::codes::SNOMED_SYSTEM.to_owned()),
            code: code.to_owned(),
            display: display.expect("validated"),
        };
        let event = NewAuditEvent::new(Actor::Cli, AuditAction::ClinicalCodeChange, now())
            .entity(EntityRef::new("clinical_code", purpose.code()))
            .detail(format!(
                "{}: {} {}",
                purpose.code(),
                clinical.code,
                clinical.display
            ));
        self.store.set_clinical_code(&clinical, &event).await?;
        Ok(clinical)
    }
}
