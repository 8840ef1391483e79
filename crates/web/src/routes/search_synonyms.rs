//! The directory manager's page for the search's everyday words: what
//! people type ("lonely", "COPD") and what it stands for in listings.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use linkwork_app::error::AppError;
use linkwork_domain::calendar::uk_datetime;
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;

use crate::error::WebResult;
use crate::page::{CurrentUser, PageCtx, render};

#[derive(Template)]
#[template(path = "directory/synonyms.html")]
struct SynonymsPage {
    page: PageCtx,
    text: String,
    error: Option<String>,
    /// "Last changed on 1 December 2026", or that the shipped list is in
    /// force.
    status: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SynonymsQuery {
    done: Option<String>,
}

pub async fn show(
    State(state): State<crate::state::AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(q): Query<SynonymsQuery>,
) -> WebResult<Response> {
    let view = state.app.search_synonyms(&principal).await?;
    let status = match view.saved {
        Some((at, _)) => format!(
            "Last changed on {}. Searches use this list.",
            uk_datetime(at).format("%-d %B %Y at %H:%M")
        ),
        None => "Searches use the list Linkwork ships. Save to make it your own.".into(),
    };
    let notice = (q.done.as_deref() == Some("saved"))
        .then(|| "Saved. Searches use the new list from now on.".to_owned());
    render(&SynonymsPage {
        page: page.title("Search: everyday words").notice(notice),
        text: view.text,
        error: None,
        status,
    })
}

#[derive(Debug, Deserialize)]
pub struct SynonymsForm {
    #[serde(default)]
    synonyms: String,
}

pub async fn save(
    State(state): State<crate::state::AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Form(form): Form<SynonymsForm>,
) -> WebResult<Response> {
    match state
        .app
        .save_search_synonyms(&principal, &form.synonyms)
        .await
    {
        Ok(()) => Ok(Redirect::to("/directory/synonyms?done=saved").into_response()),
        Err(AppError::Invalid(errors)) => {
            let body = invalid(page, form.synonyms, &errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The page again with what was typed and why it was refused.
fn invalid(page: PageCtx, text: String, errors: &ValidationErrors) -> SynonymsPage {
    SynonymsPage {
        page: page.title("Search: everyday words").errors(errors),
        text,
        error: errors.for_field("synonyms").map(str::to_owned),
        status: "Nothing was saved; searches use the list as it was.".into(),
    }
}
