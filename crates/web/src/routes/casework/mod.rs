//! The link worker's casework pages for one referral (what matters, the
//! plan, contacts, notes and tasks, discharge and the GP summary), and the
//! pages across cases: the diary and its calendar feed, the team lead's
//! view of the team, open safeguarding concerns.

pub mod contacts;
pub mod diary;
pub mod discharge;
pub mod notes;
pub mod outcomes;
pub mod plan;
pub mod team;
pub mod what_matters;

use axum::http::StatusCode;
use linkwork_app::AppError;
use linkwork_app::casework::CaseView;
use linkwork_domain::ReferralId;
use linkwork_domain::referral::ReferralStatus;
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;

use crate::error::WebResult;
use crate::page::PageCtx;

/// The part of a case a page shows, for its sub-navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    WhatMatters,
    Plan,
    Contacts,
    Support,
    Outcomes,
    Notes,
}

impl Section {
    const ALL: [Section; 7] = [
        Section::Overview,
        Section::WhatMatters,
        Section::Plan,
        Section::Contacts,
        Section::Support,
        Section::Outcomes,
        Section::Notes,
    ];

    fn path(self) -> &'static str {
        match self {
            Section::Overview => "",
            Section::WhatMatters => "/what-matters",
            Section::Plan => "/plan",
            Section::Contacts => "/contacts",
            Section::Support => "/support",
            Section::Outcomes => "/outcomes",
            Section::Notes => "/notes",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Section::Overview => "Overview",
            Section::WhatMatters => "What matters",
            Section::Plan => "Plan",
            Section::Contacts => "Contacts",
            Section::Support => "Support and services",
            Section::Outcomes => "Outcomes",
            Section::Notes => "Notes and tasks",
        }
    }
}

/// One link of a case's sub-navigation.
#[derive(Debug, Clone)]
pub struct CaseLink {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

/// What every case page shows above its content.
#[derive(Debug, Clone)]
pub struct CaseHeader {
    pub referral_id: ReferralId,
    pub reference: String,
    pub person_id: linkwork_domain::PersonId,
    pub name: String,
    pub status: ReferralStatus,
    pub safeguarding: Option<String>,
    pub links: Vec<CaseLink>,
    /// Casework can still be added (accepted or in progress).
    pub open: bool,
}

impl CaseHeader {
    pub fn new(view: &CaseView, section: Section) -> CaseHeader {
        let r = &view.referral;
        let d = &view.person.details;
        CaseHeader {
            referral_id: r.id,
            reference: r.reference.to_string(),
            person_id: view.person.id,
            name: d.full_name(),
            status: r.status,
            safeguarding: d
                .safeguarding_concern
                .then(|| d.safeguarding_details.clone().unwrap_or_default()),
            links: case_links(r.id, section),
            open: r.require_open_case().is_ok(),
        }
    }
}

/// The case sub-navigation, with `section` marked as the current page.
pub fn case_links(id: ReferralId, section: Section) -> Vec<CaseLink> {
    Section::ALL
        .into_iter()
        .map(|s| CaseLink {
            href: format!("/referrals/{id}{}", s.path()),
            label: s.label(),
            current: s == section,
        })
        .collect()
}

/// A save the service refused, as the form shown again: its field errors
/// (422), or a conflict in the error summary (409). Anything else is an
/// error page.
pub fn refused(err: AppError, page: PageCtx) -> WebResult<(StatusCode, PageCtx, ValidationErrors)> {
    match err {
        AppError::Invalid(errors) => match errors.for_field("status") {
            // The case's state, not a field: it belongs in the summary.
            Some(message) => Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page.error(message.to_owned()),
                ValidationErrors::new(),
            )),
            None => Ok((StatusCode::UNPROCESSABLE_ENTITY, page, errors)),
        },
        AppError::Conflict(message) => Ok((
            StatusCode::CONFLICT,
            page.error(message),
            ValidationErrors::new(),
        )),
        other => Err(other.into()),
    }
}

/// `?done=…` after a saved form: which fixed notice to show.
#[derive(Debug, Deserialize, Default)]
pub struct Done {
    pub done: Option<String>,
}

impl Done {
    /// The notice for `code` among `notices`; nothing for anything else, so
    /// no text from the address is ever shown.
    pub fn notice(&self, notices: &[(&str, &str)]) -> Option<String> {
        let done = self.done.as_deref()?;
        notices
            .iter()
            .find(|(code, _)| *code == done)
            .map(|(_, text)| (*text).to_owned())
    }
}
