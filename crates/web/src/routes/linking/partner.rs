//! A community partner's inbox: referrals to its own services, with only
//! what was shared, and its answers (accept, decline, started, did not
//! attend, completed).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::{Form, Query};
use linkwork_app::linking::PartnerView;
use linkwork_domain::OnwardReferralId;
use linkwork_domain::linking::{OnwardReferral, OnwardStatus, PartnerAnswer, PartnerDecline};
use linkwork_domain::validation::ValidationErrors;
use linkwork_storage::PageRequest;
use serde::{Deserialize, Serialize};

use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::pagination::Pagination;
use crate::referral_views::when;
use crate::routes::casework::{Done, refused};
use crate::state::AppState;

const PER_PAGE: u32 = 25;

/// The inbox's views: what is waiting for the partner, what is under
/// way, and everything.
const VIEWS: [(&str, &str, &[OnwardStatus]); 4] = [
    ("new", "New", &[OnwardStatus::Sent]),
    (
        "current",
        "Accepted or started",
        &[OnwardStatus::Accepted, OnwardStatus::Started],
    ),
    (
        "closed",
        "Finished",
        &[
            OnwardStatus::Declined,
            OnwardStatus::DidNotAttend,
            OnwardStatus::Completed,
            OnwardStatus::Withdrawn,
        ],
    ),
    ("all", "All", &[]),
];

#[derive(Debug, Deserialize, Serialize, Default)]
pub struct InboxQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    show: String,
    #[serde(
        default,
        skip_serializing,
        deserialize_with = "linkwork_app::page_number::deserialize"
    )]
    page: Option<u32>,
}

/// One of the inbox's views, as a tab.
pub struct Tab {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "linking/inbox.html")]
struct InboxPage {
    page: PageCtx,
    tabs: Vec<Tab>,
    view_label: &'static str,
    rows: Vec<(OnwardReferral, String, String)>,
    pagination: Pagination,
}

pub async fn inbox(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(query): Query<InboxQuery>,
) -> WebResult<Response> {
    let (code, label, statuses) = VIEWS
        .iter()
        .find(|(code, _, _)| *code == query.show)
        .copied()
        .unwrap_or(VIEWS[0]);
    let list = state
        .app
        .partner_inbox(
            &principal,
            statuses.to_vec(),
            PageRequest::new(query.page.unwrap_or(1), PER_PAGE),
        )
        .await?;
    let filters = serde_urlencoded::to_string(&query).unwrap_or_default();
    render(&InboxPage {
        page: page.title("Referrals to you"),
        tabs: VIEWS
            .iter()
            .map(|(c, l, _)| Tab {
                href: format!("/partner/referrals?show={c}"),
                label: l,
                current: *c == code,
            })
            .collect(),
        view_label: label,
        pagination: Pagination::new(&list, "/partner/referrals", &filters),
        rows: list
            .items
            .iter()
            .map(|o| {
                let name = o
                    .shared
                    .name
                    .clone()
                    .unwrap_or_else(|| "Not shared".to_owned());
                (o.clone(), when(o.sent_at), name)
            })
            .collect(),
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    answer: String,
    reason: String,
    note: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "linking/partner_referral.html")]
struct ReferralPage {
    page: PageCtx,
    view: PartnerView,
    sent: String,
    history: Vec<(String, linkwork_storage::OnwardEvent)>,
    answer: ChoiceField,
    reason: ChoiceField,
    note: Input,
    declining: bool,
}

fn referral_page(
    page: PageCtx,
    view: PartnerView,
    form: &AnswerForm,
    errors: &ValidationErrors,
) -> ReferralPage {
    let answers = view.onward.status.answers();
    ReferralPage {
        page: page
            .title(format!(
                "Referral {} to {}",
                view.reference, view.onward.service_name
            ))
            .errors(errors),
        sent: when(view.onward.sent_at),
        history: view
            .history
            .iter()
            .map(|e| (when(e.at), e.clone()))
            .collect(),
        answer: ChoiceField::new(
            "answer",
            "What has happened?",
            answers
                .iter()
                .map(|a| Choice::new(a.code(), a.label(), form.answer == a.code()))
                .collect(),
        )
        .errors(errors),
        reason: ChoiceField::new(
            "reason",
            "Why can you not take it?",
            PartnerDecline::ALL
                .iter()
                .map(|r| Choice::new(r.code(), r.label(), form.reason == r.code()))
                .collect(),
        )
        .errors(errors),
        note: Input::new("note", "Anything the link worker should know (optional)")
            .hint("Needed for \"Another reason\". The link worker sees this; the person does not.")
            .value(form.note.clone())
            .errors(errors),
        declining: form.answer == "decline",
        view,
    }
}

fn onward_id(raw: &str) -> WebResult<OnwardReferralId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> WebResult<Response> {
    let view = state
        .app
        .partner_referral(&principal, onward_id(&id)?)
        .await?;
    let page = page.notice(done.notice(&[(
        "answered",
        "Thank you: your answer has been sent to the link worker.",
    )]));
    render(&referral_page(
        page,
        view,
        &AnswerForm::default(),
        &ValidationErrors::new(),
    ))
}

pub async fn answer(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<AnswerForm>,
) -> WebResult<Response> {
    let id = onward_id(&id)?;
    let result = match PartnerAnswer::parse(&form.answer, &form.reason, &form.note) {
        Ok((answer, note)) => {
            state
                .app
                .partner_answer(&principal, id, form.version, &answer, note)
                .await
        }
        Err(errors) => Err(errors.into()),
    };
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/partner/referrals/{id}?done=answered")).into_response())
        }
        Err(e) => {
            let (status, page, errors) = refused(e, page)?;
            let view = state.app.partner_referral(&principal, id).await?;
            Ok((status, render(&referral_page(page, view, &form, &errors))?).into_response())
        }
    }
}
