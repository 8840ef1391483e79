//! Shortlists: services for a person to try themselves, printed or sent
//! to them by email or text message. Not a referral.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::{Form, Query};
use linkwork_app::casework::CaseView;
use linkwork_app::linking::{ServiceCard, ShortlistView};
use linkwork_domain::ShortlistId;
use linkwork_domain::calendar::uk_date;
use linkwork_domain::person::ContactMethod;
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::routes::casework::{CaseHeader, Done, Section, refused};
use crate::routes::referrals::parse_referral_id;
use crate::state::AppState;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ShortlistForm {
    services: Vec<String>,
    note: String,
    send: String,
}

impl ShortlistForm {
    /// The chosen services; an id that is not one is not a service.
    fn ids(&self) -> Vec<Uuid> {
        self.services
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect()
    }
}

#[derive(Template)]
#[template(path = "linking/shortlist_new.html")]
struct NewPage {
    page: PageCtx,
    header: CaseHeader,
    services: Vec<ServiceCard>,
    services_error: Option<String>,
    note: Input,
    send: ChoiceField,
}

async fn new_page(
    state: &AppState,
    page: PageCtx,
    view: &CaseView,
    form: &ShortlistForm,
    errors: &ValidationErrors,
) -> WebResult<NewPage> {
    let mut services = Vec::new();
    for id in form.ids() {
        if let Ok(s) = state.app.directory_service(id).await
            && !services.iter().any(|c: &ServiceCard| c.id == id)
        {
            services.push(ServiceCard::new(&s));
        }
    }
    let d = &view.person.details;
    let send = if form.send.is_empty() {
        match d.contact_method {
            Some(ContactMethod::Email) if d.email.is_some() => "email",
            Some(ContactMethod::Text) if d.phone.is_some() => "text",
            _ => "print",
        }
    } else {
        form.send.as_str()
    };
    Ok(NewPage {
        page: page
            .title(format!("A shortlist for {}", d.full_name()))
            .errors(errors),
        header: CaseHeader::new(view, Section::Support),
        services_error: errors.for_field("services").map(str::to_owned).or_else(|| {
            services
                .is_empty()
                .then(|| "Choose at least one service for the shortlist".to_owned())
        }),
        services,
        note: Input::new("note", "A note for them (optional)")
            .hint("For example, which one you talked about trying first")
            .value(form.note.clone())
            .errors(errors),
        send: ChoiceField::new(
            "send",
            "How will they get it?",
            vec![
                Choice::new("print", "Print it to give to them", send == "print"),
                match &d.email {
                    Some(e) => {
                        Choice::new("email", "Email it", send == "email").hint(format!("To {e}"))
                    }
                    None => Choice::new("email", "Email it", send == "email")
                        .hint("Their record has no email address"),
                },
                match &d.phone {
                    Some(ph) => Choice::new("text", "Send it by text message", send == "text")
                        .hint(format!("To {ph}")),
                    None => Choice::new("text", "Send it by text message", send == "text")
                        .hint("Their record has no phone number"),
                },
            ],
        )
        .errors(errors),
    })
}

/// The services ticked on "find support", to confirm and send.
pub async fn new_form(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(form): Query<ShortlistForm>,
) -> WebResult<Response> {
    let view = state.app.case(&principal, parse_referral_id(&id)?).await?;
    render(&new_page(&state, page, &view, &form, &ValidationErrors::new()).await?)
}

pub async fn create(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ShortlistForm>,
) -> WebResult<Response> {
    let referral_id = parse_referral_id(&id)?;
    let result = state
        .app
        .create_shortlist(&principal, referral_id, &form.ids(), &form.note, &form.send)
        .await;
    match result {
        Ok(list) => {
            let done = if list.sent_via.is_some() {
                "sent"
            } else {
                "made"
            };
            Ok(Redirect::to(&format!(
                "/referrals/{referral_id}/shortlists/{}?done={done}",
                list.id
            ))
            .into_response())
        }
        Err(e) => {
            let (status, page, errors) = refused(e, page)?;
            let view = state.app.case(&principal, referral_id).await?;
            let body = new_page(&state, page, &view, &form, &errors).await?;
            Ok((status, render(&body)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "linking/shortlist.html")]
struct ShortlistPage {
    page: PageCtx,
    referral_id: String,
    list: ShortlistView,
    made_on: String,
}

/// A shortlist as the person is given it, ready to print.
pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path((id, list)): Path<(String, String)>,
    Query(done): Query<Done>,
) -> WebResult<Response> {
    let referral_id = parse_referral_id(&id)?;
    let list_id: ShortlistId = list.parse().map_err(|_| WebError::NotFound)?;
    let list = state.app.shortlist(&principal, list_id).await?;
    if list.shortlist.referral_id != referral_id {
        return Err(WebError::NotFound);
    }
    let notice = done.notice(&[
        (
            "made",
            "The shortlist has been made. Print this page to give to them.",
        ),
        ("sent", "The shortlist is on its way to them."),
    ]);
    render(&ShortlistPage {
        page: page
            .title(format!("Groups and services for {}", list.person_name))
            .notice(notice),
        referral_id: referral_id.to_string(),
        made_on: crate::referral_views::long_date(uk_date(list.shortlist.created_at)),
        list,
    })
}
