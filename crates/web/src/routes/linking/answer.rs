//! The one-time answer links in the email to a service that does not use
//! Linkwork (or a partner's user without an account). Opening a link shows
//! only the referral's reference and the service's name; nothing changes
//! until the answer is confirmed, so a mail scanner following the link
//! does not answer for anyone.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use linkwork_app::AppError;
use linkwork_app::linking::LinkAnswer;
use linkwork_domain::linking::{PartnerAnswerKind, PartnerDecline};
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;

use crate::client::ClientAddr;
use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{PageCtx, render};
use crate::state::AppState;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LinkForm {
    reason: String,
    note: String,
}

#[derive(Template)]
#[template(path = "linking/answer.html")]
struct AnswerPage {
    page: PageCtx,
    token: String,
    link: LinkAnswer,
    declining: bool,
    reason: ChoiceField,
    note: Input,
}

#[derive(Template)]
#[template(path = "linking/answer_done.html")]
struct DonePage {
    page: PageCtx,
    link: LinkAnswer,
}

/// A link that cannot be used: never found, used, expired, or the
/// referral has moved on.
#[derive(Template)]
#[template(path = "linking/answer_refused.html")]
struct RefusedPage {
    page: PageCtx,
    why: String,
}

fn answer_page(
    page: PageCtx,
    token: String,
    link: LinkAnswer,
    form: &LinkForm,
    errors: &ValidationErrors,
) -> AnswerPage {
    AnswerPage {
        page: page
            .title(match link.answer {
                PartnerAnswerKind::Accept => "Accept the referral",
                PartnerAnswerKind::Decline => "Decline the referral",
                PartnerAnswerKind::Started => "Record that they started",
                PartnerAnswerKind::DidNotAttend => "Record that they did not come",
                PartnerAnswerKind::Completed => "Record that they completed",
            })
            .errors(errors),
        declining: link.answer == PartnerAnswerKind::Decline,
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
            .hint("Needed for \"Another reason\"")
            .value(form.note.clone())
            .errors(errors),
        token,
        link,
    }
}

fn refused_page(page: PageCtx, status: StatusCode, why: String) -> WebResult<Response> {
    let body = RefusedPage {
        page: page.title("This link cannot be used"),
        why,
    };
    Ok((status, render(&body)?).into_response())
}

const NOT_FOUND: &str = "This link is not right. Check that you copied the whole link from the email, or reply to the email instead.";

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path(token): Path<String>,
) -> WebResult<Response> {
    match state.app.answer_link(&token).await {
        Ok(link) => match link.refused.clone() {
            Some(why) => refused_page(page, StatusCode::GONE, why),
            None => render(&answer_page(
                page,
                token,
                link,
                &LinkForm::default(),
                &ValidationErrors::new(),
            )),
        },
        Err(AppError::NotFound(_)) => refused_page(page, StatusCode::NOT_FOUND, NOT_FOUND.into()),
        Err(e) => Err(e.into()),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    page: PageCtx,
    Extension(client): Extension<ClientAddr>,
    Path(token): Path<String>,
    Form(form): Form<LinkForm>,
) -> WebResult<Response> {
    match state
        .app
        .answer_by_link(&token, &form.reason, &form.note, client.0)
        .await
    {
        Ok(link) => render(&DonePage {
            page: page.title("Thank you"),
            link,
        }),
        Err(AppError::NotFound(_)) => refused_page(page, StatusCode::NOT_FOUND, NOT_FOUND.into()),
        Err(AppError::Conflict(why)) => refused_page(page, StatusCode::GONE, why),
        Err(AppError::Invalid(errors)) => {
            let link = state
                .app
                .answer_link(&token)
                .await
                .map_err(WebError::from)?;
            let body = answer_page(page, token, link, &form, &errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
