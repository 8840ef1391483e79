//! People: finding them within your network, their record (every view
//! audited), correcting their details and recording consent.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_app::referrals::PersonRecord;
use linkwork_app::{AppError, Principal};
use linkwork_domain::PersonId;
use linkwork_domain::consent::ConsentKind;
use linkwork_domain::ethnicity::ethnicity_label;
use linkwork_domain::person::Person;
use linkwork_domain::validation::ValidationErrors;
use linkwork_storage::PageRequest;
use serde::{Deserialize, Serialize};

use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::pagination::Pagination;
use crate::referral_forms::{Asker, PersonFields, ReferralForm, yes_no};
use crate::referral_views::{ReferralRow, long_date, short_date, when};
use crate::routes::referrals::{ConsentRow, DoneQuery, consent_rows};
use crate::state::AppState;

const PER_PAGE: u32 = 25;

#[derive(Debug, Deserialize, Serialize, Default)]
pub struct SearchQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    q: String,
    #[serde(
        default,
        skip_serializing,
        deserialize_with = "linkwork_app::page_number::deserialize"
    )]
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "people/search.html")]
struct SearchPage {
    page: PageCtx,
    q: Input,
    searched: bool,
    people: Vec<Person>,
    total: u64,
    pagination: Pagination,
}

pub async fn search(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(query): Query<SearchQuery>,
) -> WebResult<Response> {
    let app = &state.app;
    // The page itself needs the role; a search adds the tenancy.
    app.team_networks(&principal).await?;
    let nothing = || linkwork_storage::Page {
        items: Vec::new(),
        total: 0,
        page: 1,
        per_page: PER_PAGE,
    };
    let mut searched = !query.q.trim().is_empty();
    let mut errors = ValidationErrors::new();
    let results = if searched {
        match app
            .search_people(
                &principal,
                &query.q,
                PageRequest::new(query.page.unwrap_or(1), PER_PAGE),
            )
            .await
        {
            Ok(found) => found,
            Err(AppError::Invalid(problems)) => {
                errors = problems;
                searched = false;
                nothing()
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        nothing()
    };
    let filters = serde_urlencoded::to_string(&query).unwrap_or_default();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = render(&SearchPage {
        page: page.title("Find a person").errors(&errors),
        q: Input::new("q", "Name, NHS number or postcode")
            .hint("For example, Ana Nowak, 943 476 5919 or RV1 3BQ")
            .value(query.q.clone())
            .errors(&errors),
        searched,
        pagination: Pagination::new(&results, "/people", &filters),
        total: results.total,
        people: results.items,
    })?;
    Ok((status, body).into_response())
}

fn parse_person_id(raw: &str) -> WebResult<PersonId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

#[derive(Template)]
#[template(path = "people/person.html")]
struct PersonPage {
    page: PageCtx,
    rec: PersonRecord,
    date_of_birth: String,
    age: u32,
    ethnicity: String,
    communication: String,
    /// When they first attended a service they were linked to, if ever.
    intervention: Option<String>,
    referrals: Vec<ReferralRow>,
    consents: Vec<ConsentRow>,
    kind: ChoiceField,
    partner: ChoiceField,
    given: ChoiceField,
    /// May produce a subject access export (team leads).
    can_export: bool,
    /// May restrict, erase and merge (team leads).
    can_manage_rights: bool,
    /// When the record was restricted, if it is.
    restricted_on: String,
    /// When the record was erased, if it was.
    erased_on: String,
    /// Merges into or of this record (team leads only).
    merges: Vec<MergeRow>,
}

/// A merge as the person's page lists it.
pub struct MergeRow {
    id: uuid::Uuid,
    /// This record was merged into another (the other's id), rather than
    /// another into it.
    into_other: Option<PersonId>,
    other: PersonId,
    when: String,
    by: String,
    moved: u64,
    undone: Option<String>,
}

async fn person_page(
    state: &AppState,
    principal: &Principal,
    page: PageCtx,
    id: PersonId,
    consent: &ConsentForm,
    errors: &ValidationErrors,
) -> WebResult<PersonPage> {
    let app = &state.app;
    let rec = app.view_person(principal, id).await?;
    let needs = app.all_needs().await?;
    let workers = app.assignable_workers(principal, rec.pcn.id).await?;
    let partners = app.partner_organisations().await?;
    let today = app.today();
    let d = &rec.person.details;
    Ok(PersonPage {
        page: page.title(d.full_name()).errors(errors),
        date_of_birth: long_date(d.date_of_birth),
        age: rec.person.age_on(today),
        ethnicity: d
            .ethnicity
            .as_deref()
            .and_then(ethnicity_label)
            .unwrap_or_default(),
        communication: d.communication_needs().join(", "),
        intervention: rec
            .referrals
            .iter()
            .filter_map(|item| item.referral.intervention_received_at)
            .min()
            .map(|at| long_date(linkwork_domain::calendar::uk_date(at))),
        referrals: rec
            .referrals
            .iter()
            .map(|item| ReferralRow::new(app, item, &needs, &workers, today))
            .collect(),
        consents: consent_rows(&rec.consents, &partners),
        kind: ChoiceField::new(
            "kind",
            "What is the consent for?",
            ConsentKind::ALL
                .into_iter()
                .map(|k| Choice::new(k.code(), k.label(), consent.kind == k.code()))
                .collect(),
        )
        .errors(errors),
        partner: ChoiceField::new(
            "partner",
            "Partner organisation (for sharing)",
            partners
                .iter()
                .map(|o| {
                    Choice::new(
                        o.id.to_string(),
                        o.name.clone(),
                        consent.partner == o.id.to_string(),
                    )
                })
                .collect(),
        )
        .placeholder("Not about sharing")
        .errors(errors),
        given: ChoiceField::new("given", "Did they give consent?", {
            let mut choices = yes_no(&consent.given);
            choices[1].label = "No, or they withdrew it".into();
            choices
        })
        .errors(errors),
        can_export: principal.can(linkwork_domain::role::Permission::ReassignCases),
        can_manage_rights: principal.can(linkwork_domain::role::Permission::ManagePersonRights),
        restricted_on: rec
            .person
            .rights
            .restriction
            .as_ref()
            .map(|r| when(r.at))
            .unwrap_or_default(),
        erased_on: rec.person.rights.erased_at.map(when).unwrap_or_default(),
        merges: if principal.can(linkwork_domain::role::Permission::ManagePersonRights) {
            app.merges_of(principal, id)
                .await?
                .into_iter()
                .map(|m| MergeRow {
                    id: m.id,
                    into_other: (m.merged_id == id).then_some(m.kept_id),
                    other: if m.merged_id == id {
                        m.kept_id
                    } else {
                        m.merged_id
                    },
                    when: when(m.merged_at),
                    by: m.merged_by,
                    moved: m.moved,
                    undone: m.undone_at.map(|at| {
                        format!(
                            "Undone on {} by {}",
                            when(at),
                            m.undone_by.unwrap_or_default()
                        )
                    }),
                })
                .collect()
        } else {
            Vec::new()
        },
        rec,
    })
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> WebResult<Response> {
    let notice = match query.done.as_deref() {
        Some("updated") => Some("Details saved.".to_owned()),
        Some("consent") => Some("Consent recorded.".to_owned()),
        Some("restricted") => Some("The record is restricted.".to_owned()),
        Some("lifted") => Some("The restriction is lifted.".to_owned()),
        Some("erased") => Some("The record is erased.".to_owned()),
        Some("merged") => Some("The duplicate record is merged into this one.".to_owned()),
        Some("unmerged") => Some("The merge is undone.".to_owned()),
        _ => None,
    };
    let body = person_page(
        &state,
        &principal,
        page.notice(notice),
        parse_person_id(&id)?,
        &ConsentForm::default(),
        &ValidationErrors::new(),
    )
    .await?;
    render(&body)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ConsentForm {
    kind: String,
    partner: String,
    given: String,
}

pub async fn record_consent(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ConsentForm>,
) -> WebResult<Response> {
    let id = parse_person_id(&id)?;
    match state
        .app
        .record_consent(&principal, id, &form.kind, &form.partner, &form.given)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}?done=consent")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let body = person_page(&state, &principal, page, id, &form, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "people/edit.html")]
struct EditPage {
    page: PageCtx,
    id: PersonId,
    name: String,
    person: PersonFields,
}

async fn edit_page(
    state: &AppState,
    page: PageCtx,
    person: &Person,
    form: &ReferralForm,
    errors: &ValidationErrors,
) -> WebResult<EditPage> {
    let practices = state.app.gp_practices().await?;
    Ok(EditPage {
        page: page
            .title(format!("Change {}'s details", person.details.full_name()))
            .errors(errors),
        id: person.id,
        name: person.details.full_name(),
        person: PersonFields::new(
            form,
            errors,
            &practices,
            Asker::Professional,
            person.details.nhs_number.is_some(),
        ),
    })
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let rec = state
        .app
        .view_person(&principal, parse_person_id(&id)?)
        .await?;
    let form = ReferralForm::from_person(&rec.person.details);
    render(&edit_page(&state, page, &rec.person, &form, &ValidationErrors::new()).await?)
}

pub async fn edit_submit(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ReferralForm>,
) -> WebResult<Response> {
    let id = parse_person_id(&id)?;
    match state
        .app
        .update_person(&principal, id, &form.person_input())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}?done=updated")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let rec = state.app.view_person(&principal, id).await?;
            let body = edit_page(&state, page, &rec.person, &form, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// "7 Mar 2026", for the search results.
pub fn born(person: &Person) -> String {
    short_date(person.details.date_of_birth)
}

#[derive(Template)]
#[template(path = "people/subject_access.html")]
struct SubjectAccessPage {
    page: PageCtx,
    export: linkwork_app::rights::SubjectAccess,
}

/// Everything held about a person, to print for their subject access
/// request (`?format=json` for the same document as JSON).
pub async fn subject_access(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<FormatQuery>,
) -> WebResult<Response> {
    let export = state
        .app
        .subject_access(&principal, parse_person_id(&id)?)
        .await?;
    if query.format.as_deref() == Some("json") {
        let body = serde_json::to_vec_pretty(&export)
            .map_err(|e| crate::error::WebError::Internal(e.to_string()))?;
        return Ok((
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "application/json".to_owned(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"subject-access-{id}.json\""),
                ),
            ],
            body,
        )
            .into_response());
    }
    render(&SubjectAccessPage {
        page: page.title(format!("Everything held about {}", export.name)),
        export,
    })
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct FormatQuery {
    format: Option<String>,
}
