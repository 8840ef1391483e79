//! The directory pages: search, a service's page, editing listings, and
//! linking directory organisations to their partners.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::{Form, Query as MultiQuery};
use linkwork_app::Principal;
use linkwork_app::directory_edit::ServiceForm;
use linkwork_app::directory_search::{DISTANCES, Found, PER_PAGE, SearchRequest, published_only};
use linkwork_domain::calendar::uk_date;
use linkwork_domain::directory::schedule::{OpeningRule, Weekday};
use linkwork_domain::directory::{Organization, Service, ServiceStatus, needs};
use linkwork_domain::role::Permission;
use linkwork_domain::validation::ValidationErrors;
use linkwork_search::AccessFeature;
use linkwork_storage::{Page, PageRequest};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, MaybeUser, PageCtx, render};
use crate::pagination::Pagination;
use crate::referral_views::long_date;
use crate::state::AppState;

/// Needs for a select: each top-level need, then its children indented.
fn need_choices(selected: &[String]) -> Vec<Choice> {
    let terms = needs::terms();
    let mut out = Vec::new();
    for parent in terms.iter().filter(|t| t.parent_id.is_none()) {
        out.push(Choice::new(
            parent.id.to_string(),
            parent.name.clone(),
            selected.contains(&parent.id.to_string()),
        ));
        for child in terms.iter().filter(|t| t.parent_id == Some(parent.id)) {
            out.push(Choice::new(
                child.id.to_string(),
                format!("– {}", child.name),
                selected.contains(&child.id.to_string()),
            ));
        }
    }
    out
}

fn access_choices(selected: &[String]) -> Vec<Choice> {
    AccessFeature::ALL
        .into_iter()
        .map(|f| Choice::new(f.code(), f.label(), selected.iter().any(|s| s == f.code())))
        .collect()
}

const LANGUAGES: &[&str] = &[
    "Arabic",
    "Bengali",
    "British Sign Language",
    "Chinese",
    "Gujarati",
    "Kurdish",
    "Lithuanian",
    "Persian",
    "Polish",
    "Portuguese",
    "Punjabi",
    "Romanian",
    "Somali",
    "Spanish",
    "Tamil",
    "Tigrinya",
    "Turkish",
    "Ukrainian",
    "Urdu",
    "Welsh",
];

#[derive(Template)]
#[template(path = "directory/search.html")]
struct SearchPage {
    page: PageCtx,
    q: Input,
    need: ChoiceField,
    postcode: Input,
    distance: ChoiceField,
    free: bool,
    day: ChoiceField,
    time: Input,
    age: Input,
    access: ChoiceField,
    language: ChoiceField,
    include_closed: bool,
    searched: bool,
    results: Vec<Found>,
    total: usize,
    pagination: Pagination,
    can_add: bool,
    /// Seen by someone without the staff's view: published listings only.
    public: bool,
}

/// Those who search the directory for others (link workers, referrers,
/// partners, directory managers); everyone else, signed in or not, sees
/// what the public sees.
fn staff(user: &Option<Principal>) -> Option<&Principal> {
    user.as_ref().filter(|p| p.can(Permission::SearchDirectory))
}

/// The directory search, for staff and for the public.
pub async fn search(
    State(state): State<AppState>,
    page: PageCtx,
    MaybeUser(user): MaybeUser,
    MultiQuery(form): MultiQuery<SearchRequest>,
) -> WebResult<Response> {
    let staff = staff(&user);
    let searched = !form.is_empty();
    let (errors, results, total, page_number) = if searched {
        match state.app.directory_query(&form).await? {
            Ok(mut query) => {
                if staff.is_none() {
                    published_only(&mut query);
                }
                let (found, total) = state.app.find_services(&query).await?;
                (ValidationErrors::new(), found, total, query.page)
            }
            Err(errors) => (errors, Vec::new(), 0, 1),
        }
    } else {
        (ValidationErrors::new(), Vec::new(), 0, 1)
    };
    let mut query_string = serde_urlencoded::to_string(
        [
            ("q", form.q.as_str()),
            ("need", form.need.as_str()),
            ("postcode", form.postcode.as_str()),
            ("distance", form.distance.as_str()),
            ("day", form.day.as_str()),
            ("time", form.time.as_str()),
            ("age", form.age.as_str()),
            ("language", form.language.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    for (flag, on) in [
        ("free", form.free.is_some()),
        ("include_closed", form.include_closed.is_some()),
    ] {
        if on {
            query_string.push_str(&format!("&{flag}=yes"));
        }
    }
    for a in &form.access {
        query_string.push_str(&format!(
            "&access={}",
            serde_urlencoded::to_string([("", a)])
                .unwrap_or_default()
                .trim_start_matches('=')
        ));
    }
    let listed: Page<()> = Page {
        items: Vec::new(),
        total: total as u64,
        page: u32::try_from(page_number).unwrap_or(u32::MAX),
        per_page: PER_PAGE as u32,
    };
    let days = Weekday::ALL
        .into_iter()
        .map(|d| Choice::new(d.code(), d.name(), form.day.eq_ignore_ascii_case(d.code())))
        .collect();
    let distances = DISTANCES
        .iter()
        .map(|m| {
            Choice::new(
                m.to_string(),
                format!("Within {m} mile{}", if *m == 1 { "" } else { "s" }),
                form.distance == m.to_string(),
            )
        })
        .collect();
    render(&SearchPage {
        page: page.title("Find support").errors(&errors),
        q: Input::new("q", "What are you looking for?")
            .hint("For example: gardening, debt advice, choir")
            .value(form.q.clone())
            .errors(&errors),
        need: ChoiceField::new(
            "need",
            "Need",
            need_choices(std::slice::from_ref(&form.need)),
        )
        .placeholder("Any need")
        .errors(&errors),
        postcode: Input::new("postcode", "Near postcode")
            .hint("A full postcode or the first half, like RV1")
            .width("nhsuk-input--width-10")
            .value(form.postcode.clone())
            .errors(&errors),
        distance: ChoiceField::new("distance", "Distance", distances)
            .placeholder("Any distance")
            .errors(&errors),
        free: form.free.is_some(),
        day: ChoiceField::new("day", "Open on", days)
            .placeholder("Any day")
            .errors(&errors),
        time: Input::new("time", "At time")
            .hint("For example, 14:00")
            .width("nhsuk-input--width-5")
            .value(form.time.clone())
            .errors(&errors),
        age: Input::new("age", "Person's age")
            .width("nhsuk-input--width-3")
            .value(form.age.clone())
            .errors(&errors),
        access: ChoiceField::new("access", "Accessibility", access_choices(&form.access))
            .errors(&errors),
        language: ChoiceField::new(
            "language",
            "Language",
            LANGUAGES
                .iter()
                .map(|l| Choice::new(*l, *l, form.language.eq_ignore_ascii_case(l)))
                .collect(),
        )
        .placeholder("Any language")
        .errors(&errors),
        include_closed: form.include_closed.is_some(),
        searched,
        results,
        total,
        pagination: Pagination::new(&listed, "/directory", &query_string),
        can_add: staff.is_some_and(|p| {
            p.can(Permission::EditAnyListing) || p.can(Permission::EditOwnListings)
        }),
        public: staff.is_none(),
    })
}

#[derive(Template)]
#[template(path = "directory/service.html")]
struct ServicePage {
    page: PageCtx,
    service: Service,
    /// When the listing was last changed, as a UK date.
    last_modified: Option<String>,
    opening: Vec<String>,
    needs: Vec<String>,
    stale: bool,
    can_edit: bool,
    /// Staff only: whether it is full or has a waiting list.
    capacity: Option<linkwork_domain::linking::Capacity>,
    /// Whether it is one of the user's favourites, for those who keep them.
    favourite: Option<bool>,
    /// Seen by the public: offers referring yourself.
    public: bool,
}

fn service_id(raw: &str) -> WebResult<Uuid> {
    raw.parse().map_err(|_| WebError::NotFound)
}

#[derive(Debug, Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "directory/your_listings.html")]
struct YourListingsPage {
    page: PageCtx,
    rows: Vec<(linkwork_app::directory::OwnListing, String)>,
}

/// A partner's own listings, to keep current.
pub async fn your_listings(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
) -> WebResult<Response> {
    let rows = state
        .app
        .own_listings(&principal)
        .await?
        .into_iter()
        .map(|l| {
            let updated = l
                .last_modified
                .map(|m| long_date(uk_date(m)))
                .unwrap_or_else(|| "Not known".into());
            (l, updated)
        })
        .collect();
    render(&YourListingsPage {
        page: page.title("Your listings"),
        rows,
    })
}

/// A service's page, for staff and for the public.
pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> WebResult<Response> {
    let service = state.app.directory_service(service_id(&id)?).await?;
    let Some(principal) = staff(&user) else {
        return public_service_page(&state, page, service);
    };
    let needs = need_names(&state, &service);
    let notice = match q.done.as_deref() {
        Some("saved") => Some("Your changes have been saved.".to_owned()),
        Some("created") => Some("The service has been added to the directory.".to_owned()),
        Some("capacity") => Some("Its room for new people has been saved.".to_owned()),
        Some("favourite") => Some("Added to your favourites.".to_owned()),
        Some("unfavourite") => Some("Taken off your favourites.".to_owned()),
        _ => None,
    };
    let favourite = if principal.can(Permission::WorkWithPeople) {
        Some(state.app.favourites(principal).await?.contains(&service.id))
    } else {
        None
    };
    render(&ServicePage {
        page: page.title(service.name.clone()).notice(notice),
        opening: opening_times(&service),
        needs,
        stale: state.app.is_stale(service.last_modified),
        can_edit: state.app.can_edit_service(principal, &service).await?,
        capacity: state.app.capacity(principal, service.id).await?,
        favourite,
        last_modified: service.last_modified.map(|m| long_date(uk_date(m))),
        public: false,
        service,
    })
}

/// What the public sees of a listing: a published one only, without what
/// is for staff (capacity notes, editing, favourites).
fn public_service_page(state: &AppState, page: PageCtx, service: Service) -> WebResult<Response> {
    if service.status != ServiceStatus::Active {
        return Err(WebError::NotFound);
    }
    render(&ServicePage {
        page: page.title(service.name.clone()),
        opening: opening_times(&service),
        needs: need_names(state, &service),
        stale: state.app.is_stale(service.last_modified),
        can_edit: false,
        capacity: None,
        favourite: None,
        last_modified: service.last_modified.map(|m| long_date(uk_date(m))),
        public: true,
        service,
    })
}

fn opening_times(service: &Service) -> Vec<String> {
    service
        .schedules
        .iter()
        .filter_map(|s| OpeningRule::from_schedule(s).ok())
        .map(|r| r.describe())
        .collect()
}

fn need_names(state: &AppState, service: &Service) -> Vec<String> {
    state.app.with_directory_index(|index| {
        service
            .term_ids()
            .filter_map(|t| index.term(t).map(|t| t.name.clone()))
            .collect()
    })
}

/// One day's row of the opening times table.
pub struct HoursRow {
    pub day: &'static str,
    pub opens: Input,
    pub closes: Input,
}

#[derive(Template)]
#[template(path = "directory/edit.html")]
struct EditPage {
    page: PageCtx,
    action: String,
    heading: String,
    organization: Option<ChoiceField>,
    name: Input,
    description: Input,
    status: ChoiceField,
    needs: ChoiceField,
    eligibility_description: Input,
    minimum_age: Input,
    maximum_age: Input,
    application_process: Input,
    wait_time: Input,
    fees: Input,
    free: bool,
    url: Input,
    email: Input,
    phone: Input,
    location_name: Input,
    address_1: Input,
    city: Input,
    postcode: Input,
    access: ChoiceField,
    languages: Input,
    hours: Vec<HoursRow>,
    cancel: String,
}

fn edit_page(
    page: PageCtx,
    form: &ServiceForm,
    errors: &ValidationErrors,
    action: String,
    heading: String,
    organizations: Option<&[Organization]>,
    cancel: String,
) -> EditPage {
    let statuses = ServiceStatus::ALL
        .into_iter()
        .map(|s| Choice::new(s.code(), s.label(), form.status == s.code()))
        .collect();
    let hours = Weekday::ALL
        .into_iter()
        .map(|day| {
            let (opens, closes) = form.hours(day);
            let code = day.code().to_lowercase();
            HoursRow {
                day: day.name(),
                opens: Input::new(format!("opens_{code}"), "Opens")
                    .width("nhsuk-input--width-5")
                    .value(opens)
                    .errors(errors),
                closes: Input::new(format!("closes_{code}"), "Closes")
                    .width("nhsuk-input--width-5")
                    .value(closes)
                    .errors(errors),
            }
        })
        .collect();
    EditPage {
        page: page.title(heading.clone()).errors(errors),
        action,
        heading,
        organization: organizations.map(|orgs| {
            ChoiceField::new(
                "organization_id",
                "Organisation that runs it",
                orgs.iter()
                    .map(|o| {
                        Choice::new(
                            o.id.to_string(),
                            o.name.clone(),
                            form.organization_id == o.id.to_string(),
                        )
                    })
                    .collect(),
            )
            .placeholder("Select an organisation")
            .errors(errors)
        }),
        name: Input::new("name", "Name of the service")
            .value(form.name.clone())
            .errors(errors),
        description: Input::new("description", "What it offers")
            .hint("In plain English: what happens, and what it is like to go")
            .value(form.description.clone())
            .errors(errors),
        status: ChoiceField::new("status", "Is it running?", statuses).errors(errors),
        needs: ChoiceField::new("needs", "Needs it helps with", need_choices(&form.needs))
            .hint("Select all that apply")
            .errors(errors),
        eligibility_description: Input::new("eligibility_description", "Who it is for")
            .value(form.eligibility_description.clone())
            .errors(errors),
        minimum_age: Input::new("minimum_age", "Youngest age")
            .width("nhsuk-input--width-3")
            .value(form.minimum_age.clone())
            .errors(errors),
        maximum_age: Input::new("maximum_age", "Oldest age")
            .width("nhsuk-input--width-3")
            .value(form.maximum_age.clone())
            .errors(errors),
        application_process: Input::new("application_process", "How to get it")
            .hint("For example: drop in, phone to book, or by referral")
            .value(form.application_process.clone())
            .errors(errors),
        wait_time: Input::new("wait_time", "Usual wait")
            .hint("For example: No waiting list")
            .value(form.wait_time.clone())
            .errors(errors),
        fees: Input::new("fees", "Cost")
            .hint("For example: £3 per session, free for carers")
            .value(form.fees.clone())
            .errors(errors),
        free: form.free.is_some(),
        url: Input::new("url", "Website")
            .kind("url")
            .value(form.url.clone())
            .errors(errors),
        email: Input::new("email", "Email address")
            .kind("email")
            .value(form.email.clone())
            .errors(errors),
        phone: Input::new("phone", "Phone number")
            .kind("tel")
            .width("nhsuk-input--width-20")
            .value(form.phone.clone())
            .errors(errors),
        location_name: Input::new("location_name", "Name of the place")
            .hint("For example: Millbrook Community Centre")
            .value(form.location_name.clone())
            .errors(errors),
        address_1: Input::new("address_1", "Address line 1")
            .value(form.address_1.clone())
            .errors(errors),
        city: Input::new("city", "Town or city")
            .width("nhsuk-input--width-20")
            .value(form.city.clone())
            .errors(errors),
        postcode: Input::new("postcode", "Postcode")
            .width("nhsuk-input--width-10")
            .value(form.postcode.clone())
            .errors(errors),
        access: ChoiceField::new("access", "Accessibility", access_choices(&form.access))
            .errors(errors),
        languages: Input::new("languages", "Languages")
            .hint("Separate languages with commas, for example: English, Polish")
            .value(form.languages.clone())
            .errors(errors),
        hours,
        cancel,
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let service = state.app.directory_service(service_id(&id)?).await?;
    if !state.app.can_edit_service(&principal, &service).await? {
        return Err(WebError::Forbidden);
    }
    let form = ServiceForm::from_service(&service);
    render(&edit_page(
        page,
        &form,
        &ValidationErrors::new(),
        format!("/directory/services/{}/edit", service.id),
        format!("Change {}", service.name),
        None,
        format!("/directory/services/{}", service.id),
    ))
}

pub async fn edit_submit(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ServiceForm>,
) -> WebResult<Response> {
    let id = service_id(&id)?;
    match state.app.update_listing(&principal, id, &form).await? {
        Ok(saved) => Ok(
            Redirect::to(&format!("/directory/services/{}?done=saved", saved.id)).into_response(),
        ),
        Err(errors) => {
            let name = state.app.directory_service(id).await?.name;
            let body = edit_page(
                page,
                &form,
                &errors,
                format!("/directory/services/{id}/edit"),
                format!("Change {name}"),
                None,
                format!("/directory/services/{id}"),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
    }
}

/// The directory organisations a user may add listings for.
async fn editable_organizations(
    state: &AppState,
    principal: &Principal,
) -> WebResult<Vec<Organization>> {
    let store = &state.app.store;
    let orgs = if principal.can(Permission::EditAnyListing) {
        store.directory_organizations(None).await
    } else if principal.can(Permission::EditOwnListings) {
        store
            .directory_organizations(Some(principal.user.org_id))
            .await
    } else {
        return Err(WebError::Forbidden);
    };
    Ok(orgs.map_err(linkwork_app::AppError::from)?)
}

pub async fn new_form(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
) -> WebResult<Response> {
    let orgs = editable_organizations(&state, &principal).await?;
    let mut form = ServiceForm {
        status: "active".into(),
        city: "".into(),
        ..Default::default()
    };
    if let [only] = orgs.as_slice() {
        form.organization_id = only.id.to_string();
    }
    render(&edit_page(
        page,
        &form,
        &ValidationErrors::new(),
        "/directory/services/new".into(),
        "Add a service".into(),
        Some(&orgs),
        "/directory".into(),
    ))
}

pub async fn new_submit(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Form(form): Form<ServiceForm>,
) -> WebResult<Response> {
    let orgs = editable_organizations(&state, &principal).await?;
    if !form.organization_id.is_empty()
        && !orgs
            .iter()
            .any(|o| o.id.to_string() == form.organization_id)
    {
        return Err(WebError::Forbidden);
    }
    match state.app.create_listing(&principal, &form).await? {
        Ok(saved) => Ok(
            Redirect::to(&format!("/directory/services/{}?done=created", saved.id)).into_response(),
        ),
        Err(errors) => {
            let body = edit_page(
                page,
                &form,
                &errors,
                "/directory/services/new".into(),
                "Add a service".into(),
                Some(&orgs),
                "/directory".into(),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
    }
}

/// A directory organisation and the partner organisation linked to it.
pub struct OrganizationRow {
    pub organization: Organization,
    pub partner: ChoiceField,
}

#[derive(Template)]
#[template(path = "directory/organisations.html")]
struct OrganisationsPage {
    page: PageCtx,
    name: Input,
    rows: Vec<OrganizationRow>,
    total: u64,
    pagination: Pagination,
}

/// Each row holds a list of every partner organisation, so pages stay short.
const ORGANISATIONS_PER_PAGE: u32 = 25;

#[derive(Debug, Default, Deserialize)]
pub struct OrganisationsQuery {
    #[serde(default)]
    name: String,
    #[serde(default, deserialize_with = "linkwork_app::page_number::deserialize")]
    page: Option<u32>,
    done: Option<String>,
}

pub async fn organisations(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(q): Query<OrganisationsQuery>,
) -> WebResult<Response> {
    let app = &state.app;
    let listed = app
        .directory_organization_links(
            &principal,
            &q.name,
            PageRequest::new(q.page.unwrap_or(1), ORGANISATIONS_PER_PAGE),
        )
        .await?;
    let partners = app.partner_organisations().await?;
    let filters = match q.name.trim() {
        "" => String::new(),
        name => serde_urlencoded::to_string([("name", name)]).map_err(WebError::internal)?,
    };
    let pagination = Pagination::new(&listed, "/directory/organisations", &filters);
    let total = listed.total;
    let rows = listed
        .items
        .into_iter()
        .map(|(organization, linked)| {
            let choices = partners
                .iter()
                .map(|p| Choice::new(p.id.to_string(), p.name.clone(), linked == Some(p.id)))
                .collect();
            OrganizationRow {
                partner: ChoiceField::new(
                    "partner",
                    format!("Partner for {}", organization.name),
                    choices,
                )
                .placeholder("No partner"),
                organization,
            }
        })
        .collect();
    let notice = (q.done.as_deref() == Some("linked")).then(|| "Saved.".to_owned());
    render(&OrganisationsPage {
        page: page.title("Directory organisations").notice(notice),
        name: Input::new("name", "Organisation name").value(q.name.trim()),
        rows,
        total,
        pagination,
    })
}

#[derive(Debug, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    partner: String,
    /// The name search the form was on, to return to it.
    #[serde(default)]
    name: String,
}

pub async fn link_organisation(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<LinkForm>,
) -> WebResult<Response> {
    let partner = match form.partner.trim() {
        "" => None,
        raw => Some(raw.parse().map_err(|_| {
            WebError::BadRequest("Select a partner organisation from the list".into())
        })?),
    };
    state
        .app
        .link_directory_organization(&principal, service_id(&id)?, partner)
        .await?;
    let back = serde_urlencoded::to_string([("name", form.name.trim()), ("done", "linked")])
        .map_err(WebError::internal)?;
    Ok(Redirect::to(&format!("/directory/organisations?{back}")).into_response())
}
