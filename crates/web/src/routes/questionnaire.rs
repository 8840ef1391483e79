//! The questionnaire a person fills in on their own phone from a one-time
//! link. It shows only the questions: no name, no record, no navigation
//! into Linkwork. Opening it changes nothing; sending the answers uses the
//! link up.

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use linkwork_app::AppError;
use linkwork_domain::validation::ValidationErrors;

use crate::client::ClientAddr;
use crate::error::{WebError, WebResult};
use crate::page::{PageCtx, render};
use crate::routes::casework::outcomes::Questionnaire;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "outcomes/by_link.html")]
struct QuestionsPage {
    page: PageCtx,
    token: String,
    questionnaire: Questionnaire,
}

#[derive(Template)]
#[template(path = "outcomes/by_link_done.html")]
struct DonePage {
    page: PageCtx,
}

/// A link that cannot be used (the same page the partners' links use).
#[derive(Template)]
#[template(path = "linking/answer_refused.html")]
struct RefusedPage {
    page: PageCtx,
    why: String,
}

const NOT_FOUND: &str = "This link is not right. Check that you copied the whole link, or ask your link worker for a new one.";

fn refused_page(page: PageCtx, status: StatusCode, why: &str) -> WebResult<Response> {
    let body = RefusedPage {
        page: page.title("This link cannot be used"),
        why: why.to_owned(),
    };
    Ok((status, render(&body)?).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    Path(token): Path<String>,
) -> WebResult<Response> {
    match state.app.measure_link(&token).await {
        Ok(link) => match link.refused {
            Some(why) => refused_page(page, StatusCode::GONE, why),
            None => render(&QuestionsPage {
                page: page.title(link.definition.name.clone()),
                questionnaire: Questionnaire::new(
                    &link.definition,
                    &BTreeMap::new(),
                    &ValidationErrors::new(),
                ),
                token,
            }),
        },
        Err(AppError::NotFound(_)) => refused_page(page, StatusCode::NOT_FOUND, NOT_FOUND),
        Err(e) => Err(e.into()),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    page: PageCtx,
    Extension(client): Extension<ClientAddr>,
    Path(token): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> WebResult<Response> {
    match state
        .app
        .answer_by_measure_link(&token, &form, client.0)
        .await
    {
        Ok(()) => render(&DonePage {
            page: page.title("Thank you"),
        }),
        Err(AppError::NotFound(_)) => refused_page(page, StatusCode::NOT_FOUND, NOT_FOUND),
        Err(AppError::Conflict(why)) => refused_page(page, StatusCode::GONE, &why),
        Err(AppError::Invalid(errors)) => {
            let link = state
                .app
                .measure_link(&token)
                .await
                .map_err(WebError::from)?;
            let body = QuestionsPage {
                page: page.title(link.definition.name.clone()).errors(&errors),
                questionnaire: Questionnaire::new(&link.definition, &form, &errors),
                token,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
