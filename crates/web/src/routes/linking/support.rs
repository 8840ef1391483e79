//! A case's "Support and services": the services the person was referred
//! to, with every answer from the partner, and the shortlists they were
//! given; the onward referral form; and "needs attention" across cases.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::{Form, Query};
use linkwork_app::linking::OnwardTarget;
use linkwork_domain::OnwardReferralId;
use linkwork_domain::calendar::uk_date;
use linkwork_domain::linking::{
    OnwardInput, OnwardReferral, OnwardStatus, SharedField, SupportLevel,
};
use linkwork_domain::validation::ValidationErrors;
use linkwork_storage::{OnwardEvent, OnwardItem};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::referral_views::{long_date, short_date, when};
use crate::routes::casework::{CaseHeader, Done, Section, refused};
use crate::routes::referrals::parse_referral_id;
use crate::state::AppState;

const NOTICES: &[(&str, &str)] = &[
    ("referred", "The referral has been sent to the service."),
    ("withdrawn", "The referral has been withdrawn."),
];

/// An onward referral as the link worker sees it.
pub struct OnwardRow {
    pub onward: OnwardReferral,
    pub sent: String,
    pub history: Vec<(String, OnwardEvent)>,
    pub shared: String,
    pub destination: String,
}

/// A shortlist, listed.
pub struct ShortlistRow {
    pub href: String,
    pub made: String,
    pub count: usize,
    pub how: String,
}

#[derive(Template)]
#[template(path = "linking/support.html")]
struct SupportPage {
    page: PageCtx,
    header: CaseHeader,
    intervention: Option<String>,
    onward: Vec<OnwardRow>,
    shortlists: Vec<ShortlistRow>,
}

fn shared_labels(fields: &[SharedField]) -> String {
    if fields.is_empty() {
        "Nothing: they will get in touch themselves".to_owned()
    } else {
        fields
            .iter()
            .map(|f| f.label())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> WebResult<Response> {
    let support = state
        .app
        .case_support(&principal, parse_referral_id(&id)?)
        .await?;
    let view = &support.view;
    render(&SupportPage {
        page: page
            .title(format!(
                "Support and services for {}",
                view.person.details.full_name()
            ))
            .notice(done.notice(NOTICES)),
        header: CaseHeader::new(view, Section::Support),
        intervention: view
            .referral
            .intervention_received_at
            .map(|at| long_date(uk_date(at))),
        onward: support
            .onward
            .iter()
            .map(|(o, history)| OnwardRow {
                sent: when(o.sent_at),
                history: history.iter().map(|e| (when(e.at), e.clone())).collect(),
                shared: shared_labels(&o.shared.fields),
                destination: match &o.service_email {
                    Some(email) => format!("By email to {email}"),
                    None => "To the community partner's Linkwork inbox".to_owned(),
                },
                onward: o.clone(),
            })
            .collect(),
        shortlists: view
            .file
            .shortlists
            .iter()
            .map(|s| ShortlistRow {
                href: format!("/referrals/{}/shortlists/{}", view.referral.id, s.id),
                made: format!("{}, {}", when(s.created_at), view.user_name(s.created_by)),
                count: s.service_ids.len(),
                how: match (&s.sent_via, &s.sent_to) {
                    (Some(via), Some(to)) => format!("{} to {to}", via.label()),
                    _ => "Printed".to_owned(),
                },
            })
            .collect(),
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OnwardForm {
    shared: Vec<String>,
    support: String,
    message: String,
    consent: String,
}

#[derive(Template)]
#[template(path = "linking/refer_onward.html")]
struct ReferPage {
    page: PageCtx,
    header: CaseHeader,
    service_id: Uuid,
    service_name: String,
    organisation: String,
    /// Where it will go, in words.
    destination: String,
    /// No inbox and no email: only the person can get in touch.
    details_only: bool,
    consent_withdrawn: bool,
    shared: ChoiceField,
    support: ChoiceField,
    message: Input,
    consent: bool,
    consent_error: Option<String>,
}

fn refer_page(
    page: PageCtx,
    view: &linkwork_app::casework::CaseView,
    target: &OnwardTarget,
    form: &OnwardForm,
    errors: &ValidationErrors,
) -> ReferPage {
    let name = view.person.details.full_name();
    let details_only = target.partner.is_none() && target.email.is_none();
    ReferPage {
        page: page
            .title(format!("Refer {name} to {}", target.service.name))
            .errors(errors),
        header: CaseHeader::new(view, Section::Support),
        service_id: target.service.id,
        service_name: target.service.name.clone(),
        organisation: target.organisation.clone(),
        destination: match (&target.partner, &target.email) {
            (Some(org), _) => format!(
                "{} uses Linkwork: the referral goes to their inbox and they are emailed to say so.",
                org.name
            ),
            (None, Some(email)) => format!(
                "{} does not use Linkwork: the referral is emailed to {email}, with links to answer.",
                target.organisation
            ),
            (None, None) => format!(
                "{} has no email address in the directory, so a referral cannot reach it. Give {name} its details on a shortlist, or phone the service.",
                target.service.name
            ),
        },
        details_only,
        consent_withdrawn: target.consent_withdrawn,
        shared: ChoiceField::new(
            "shared",
            "What to share with the service",
            SharedField::ALL
                .iter()
                .map(|f| Choice::new(f.code(), f.label(), form.shared.iter().any(|c| c == f.code())))
                .collect(),
        )
        .hint("Share only what the person has agreed to. Case notes are never shared.")
        .errors(errors),
        support: ChoiceField::new(
            "support",
            "How will they be helped to get there?",
            SupportLevel::ALL
                .iter()
                .map(|l| Choice::new(l.code(), l.label(), form.support == l.code()))
                .collect(),
        )
        .errors(errors),
        message: Input::new("message", "A message to the service (optional)")
            .hint("For example, the best time to call them, or what would help on a first visit. Do not include anything the person has not agreed to share.")
            .value(form.message.clone())
            .errors(errors),
        consent: form.consent == "yes",
        consent_error: errors.for_field("consent").map(str::to_owned),
    }
}

fn service_id(raw: &str) -> WebResult<Uuid> {
    raw.parse().map_err(|_| WebError::NotFound)
}

pub async fn refer_form(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path((id, service)): Path<(String, String)>,
) -> WebResult<Response> {
    let (view, target) = state
        .app
        .onward_target(&principal, parse_referral_id(&id)?, service_id(&service)?)
        .await?;
    let mut page = page;
    if let Some(why) = &target.refused {
        page = page.error(why.clone());
    }
    render(&refer_page(
        page,
        &view,
        &target,
        &OnwardForm::default(),
        &ValidationErrors::new(),
    ))
}

pub async fn refer(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path((id, service)): Path<(String, String)>,
    Form(form): Form<OnwardForm>,
) -> WebResult<Response> {
    let referral_id = parse_referral_id(&id)?;
    let service = service_id(&service)?;
    let input = OnwardInput {
        shared: form.shared.clone(),
        support: form.support.clone(),
        message: form.message.clone(),
        consent: form.consent == "yes",
    };
    match state
        .app
        .refer_onward(&principal, referral_id, service, &input)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/referrals/{referral_id}/support?done=referred"))
                .into_response(),
        ),
        Err(e) => {
            let (status, page, errors) = refused(e, page)?;
            let (view, target) = state
                .app
                .onward_target(&principal, referral_id, service)
                .await?;
            let body = refer_page(page, &view, &target, &form, &errors);
            Ok((status, render(&body)?).into_response())
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VersionForm {
    version: i64,
}

fn onward_id(raw: &str) -> WebResult<OnwardReferralId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

pub async fn withdraw(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    Path((id, onward)): Path<(String, String)>,
    Form(form): Form<VersionForm>,
) -> WebResult<Response> {
    parse_referral_id(&id)?;
    let referral_id = state
        .app
        .withdraw_onward(&principal, onward_id(&onward)?, form.version)
        .await?;
    Ok(Redirect::to(&format!("/referrals/{referral_id}/support?done=withdrawn")).into_response())
}

/// One line of "needs attention".
pub struct AttentionRow {
    pub item: OnwardItem,
    pub why: String,
    pub since: String,
    /// A decline or missed session the worker can mark as seen.
    pub can_mark_seen: bool,
}

#[derive(Template)]
#[template(path = "linking/needs_attention.html")]
struct AttentionPage {
    page: PageCtx,
    /// The whole team's cases, not only the user's.
    team: bool,
    rows: Vec<AttentionRow>,
    chase_after_days: u32,
}

/// Declines, missed first sessions and unanswered referrals across the
/// user's networks.
#[derive(Debug, Deserialize, Default)]
pub struct AttentionQuery {
    #[serde(default)]
    done: Option<String>,
    /// `team` for the whole team's cases.
    #[serde(default)]
    whose: String,
}

pub async fn needs_attention(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(query): Query<AttentionQuery>,
) -> WebResult<Response> {
    let team = query.whose == "team";
    let items = state.app.needs_attention(&principal, team).await?;
    let done = Done { done: query.done };
    render(&AttentionPage {
        page: page
            .title("Needs attention")
            .notice(done.notice(&[("seen", "Marked as seen.")])),
        team,
        chase_after_days: state.app.settings.linking.chase_after_days,
        rows: items
            .into_iter()
            .map(|item| {
                let o = &item.onward;
                let (why, since, can_mark_seen) = match o.status {
                    OnwardStatus::Declined => (
                        format!(
                            "Declined: {}{}",
                            o.decline_reason
                                .map(|r| r.label())
                                .unwrap_or("no reason given"),
                            o.answer_note
                                .as_ref()
                                .map(|n| format!(". “{n}”"))
                                .unwrap_or_default()
                        ),
                        o.answered_at.unwrap_or(o.updated_at),
                        true,
                    ),
                    OnwardStatus::DidNotAttend => ("Did not attend".to_owned(), o.updated_at, true),
                    _ => ("No answer yet".to_owned(), o.sent_at, false),
                };
                AttentionRow {
                    why,
                    since: short_date(uk_date(since)),
                    can_mark_seen,
                    item,
                }
            })
            .collect(),
    })
}

pub async fn mark_seen(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    Path(onward): Path<String>,
) -> WebResult<Response> {
    state
        .app
        .mark_onward_seen(&principal, onward_id(&onward)?)
        .await?;
    Ok(Redirect::to("/needs-attention?done=seen").into_response())
}
