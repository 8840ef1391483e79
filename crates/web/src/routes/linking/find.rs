//! "Find support" for a person: the directory searched with what their
//! record says, each filter shown so the link worker can widen or narrow
//! it, and services ranked by fit with the reasons.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum_extra::extract::Query;
use linkwork_app::linking::{FindRequest, Suggestion};
use linkwork_app::principal::Principal;

use crate::error::WebResult;
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::routes::casework::{CaseHeader, Section};
use crate::routes::referrals::parse_referral_id;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "linking/find.html")]
struct FindPage {
    page: PageCtx,
    header: CaseHeader,
    needs: ChoiceField,
    distance: ChoiceField,
    language: Input,
    free: bool,
    step_free: bool,
    when_free: bool,
    include_full: bool,
    no_home: Option<String>,
    /// Whether the record says when they are free (else that filter is
    /// not offered).
    has_free_times: bool,
    suggestions: Vec<Suggestion>,
    favourites: Vec<(uuid::Uuid, String)>,
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(request): Query<FindRequest>,
) -> WebResult<Response> {
    let app = &state.app;
    let results = app
        .find_support(&principal, parse_referral_id(&id)?, &request)
        .await?;
    let all_needs = app.all_needs().await?;
    let r = &results.request;
    let view = &results.view;
    let favourites = favourite_names(&state, &principal, &results.suggestions).await?;
    render(&FindPage {
        page: page.title(format!(
            "Find support for {}",
            view.person.details.full_name()
        )),
        header: CaseHeader::new(view, Section::Support),
        needs: ChoiceField::new(
            "needs",
            "What they would like support with",
            all_needs
                .iter()
                .filter(|n| n.active || r.needs.contains(&n.code))
                .map(|n| Choice::new(&n.code, &n.label, r.needs.contains(&n.code)))
                .collect(),
        ),
        distance: ChoiceField::new(
            "distance",
            "How far from home",
            linkwork_app::directory_search::DISTANCES
                .iter()
                .map(|m| {
                    Choice::new(
                        m.to_string(),
                        format!("Within {m} {}", if *m == 1 { "mile" } else { "miles" }),
                        r.distance == m.to_string(),
                    )
                })
                .collect(),
        ),
        language: Input::new("language", "In a language other than English")
            .hint("For example, Polish or British Sign Language")
            .value(r.language.clone())
            .width("nhsuk-input--width-20"),
        free: r.free.is_some(),
        step_free: r.step_free.is_some(),
        when_free: r.when_free.is_some(),
        include_full: r.include_full.is_some(),
        has_free_times: view
            .file
            .what_matters
            .as_ref()
            .is_some_and(|w| !w.free_times.is_empty()),
        no_home: results.no_home.clone(),
        suggestions: results.suggestions,
        favourites,
    })
}

/// The user's favourite services not already suggested, by name.
async fn favourite_names(
    state: &AppState,
    principal: &Principal,
    suggested: &[Suggestion],
) -> WebResult<Vec<(uuid::Uuid, String)>> {
    let ids = state.app.favourites(principal).await?;
    Ok(state.app.with_directory_index(|index| {
        let mut names: Vec<(uuid::Uuid, String)> = ids
            .iter()
            .filter(|id| !suggested.iter().any(|s| s.id == **id))
            .filter_map(|id| index.doc(*id).map(|d| (d.id, d.name.clone())))
            .collect();
        names.sort_by(|a, b| a.1.cmp(&b.1));
        names
    }))
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct FavouriteForm {
    favourite: String,
}

/// Adds a service to the user's favourites, or takes it off.
pub async fn set_favourite(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    axum_extra::extract::Form(form): axum_extra::extract::Form<FavouriteForm>,
) -> WebResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let id: uuid::Uuid = id.parse().map_err(|_| crate::error::WebError::NotFound)?;
    let favourite = form.favourite == "yes";
    state.app.set_favourite(&principal, id, favourite).await?;
    let done = if favourite {
        "favourite"
    } else {
        "unfavourite"
    };
    Ok(
        axum::response::Redirect::to(&format!("/directory/services/{id}?done={done}"))
            .into_response(),
    )
}
