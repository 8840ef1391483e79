//! The public referral form, `/refer`: self-referral and community
//! referral without signing in. Rate-limited per client address (in the
//! database, so across instances), with a field only robots fill in, and
//! a one-time key so the same form sent twice makes one referral.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_app::AppError;
use linkwork_app::referrals::{IntakeOutcome, Submission, Submitter};
use linkwork_domain::referral::{ReferralReference, ReferralRoute};
use linkwork_domain::validation::ValidationErrors;

use crate::client::ClientAddr;
use crate::error::{WebError, WebResult, retry_after};
use crate::forms::{Choice, ChoiceField};
use crate::page::{PageCtx, render};
use crate::referral_forms::{Asker, PersonFields, ReferralFields, ReferralForm};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "referrals/refer.html")]
struct ReferPage {
    page: PageCtx,
    form_key: String,
    referral_for: ChoiceField,
    person: PersonFields,
    referral: ReferralFields,
}

#[derive(Template)]
#[template(path = "referrals/refer_done.html")]
struct DonePage {
    page: PageCtx,
    reference: Option<String>,
    target_days: u32,
}

async fn form_page(
    state: &AppState,
    page: PageCtx,
    form: &ReferralForm,
    errors: &ValidationErrors,
) -> WebResult<ReferPage> {
    let app = &state.app;
    let practices = app.gp_practices().await?;
    let needs = app.active_needs().await?;
    Ok(ReferPage {
        page: page
            .title("Refer yourself or someone you know")
            .errors(errors),
        form_key: form.form_key_or_new(),
        referral_for: ChoiceField::new(
            "referral_for",
            "Who is the referral for?",
            vec![
                Choice::new("self", "Me", form.referral_for == "self"),
                Choice::new(
                    "someone_else",
                    "Someone I know",
                    form.referral_for == "someone_else",
                )
                .hint("For example, a neighbour, friend, relative or someone you support"),
            ],
        )
        .errors(errors),
        person: PersonFields::new(form, errors, &practices, Asker::Public, false),
        referral: ReferralFields::new(form, errors, &needs, &[], Asker::Public),
    })
}

pub async fn show(State(state): State<AppState>, page: PageCtx) -> WebResult<Response> {
    render(
        &form_page(
            &state,
            page,
            &ReferralForm::default(),
            &ValidationErrors::new(),
        )
        .await?,
    )
}

pub async fn submit(
    State(state): State<AppState>,
    page: PageCtx,
    Extension(client): Extension<ClientAddr>,
    Form(form): Form<ReferralForm>,
) -> WebResult<Response> {
    let app = &state.app;
    let ip = client.0.as_deref();
    if !app.allow_public_submission(ip).await? {
        let page = page.error(
            "You have sent a lot of referrals from this connection. Wait an hour and try again, or contact your GP practice.",
        );
        let body = form_page(&state, page, &form, &ValidationErrors::new()).await?;
        let mut response = (StatusCode::TOO_MANY_REQUESTS, render(&body)?).into_response();
        // The limit counts the last hour.
        retry_after(&mut response, 3600);
        return Ok(response);
    }
    if !form.website.is_empty() {
        // Looks like success, so the robot learns nothing.
        app.discard_public_submission(ip).await?;
        return render(&DonePage {
            page: page.title("Referral sent"),
            reference: None,
            target_days: app.settings.referrals.first_contact_target_working_days,
        });
    }
    let route = match form.referral_for.as_str() {
        "self" => Some(ReferralRoute::SelfReferral),
        "someone_else" => Some(ReferralRoute::Community),
        _ => None,
    };
    let submission = Submission {
        person: form.person_input(),
        referral: form.referral_input(),
        idempotency_key: form.valid_form_key().map(str::to_owned),
        ..Default::default()
    };
    let result = match route {
        Some(route) => app
            .submit_referral(Submitter::Public { route, ip }, &submission)
            .await
            .map(Some),
        None => {
            // Say what else is wrong too, checked as a self-referral asks.
            let mut errors =
                ValidationErrors::single("referral_for", "Select who the referral is for");
            if let Err(AppError::Invalid(more)) = app
                .check_submission(ReferralRoute::SelfReferral, &submission)
                .await
            {
                errors.extend(more);
            }
            Err(AppError::Invalid(errors))
        }
    };
    match result {
        Ok(Some(IntakeOutcome::Created(r) | IntakeOutcome::AlreadyReceived(r))) => {
            Ok(Redirect::to(&format!("/refer/confirmation/{}", r.reference)).into_response())
        }
        Ok(_) => Err(WebError::internal(
            "the public form cannot be asked about duplicates",
        )),
        Err(AppError::Invalid(errors)) => {
            let body = form_page(&state, page, &form, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&body)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn confirmation(
    State(state): State<AppState>,
    page: PageCtx,
    Path(reference): Path<String>,
) -> WebResult<Response> {
    let reference = ReferralReference::parse(&reference).ok_or(WebError::NotFound)?;
    if !state.app.referral_exists(&reference).await? {
        return Err(WebError::NotFound);
    }
    render(&DonePage {
        page: page.title("Referral sent"),
        reference: Some(reference.to_string()),
        target_days: state
            .app
            .settings
            .referrals
            .first_contact_target_working_days,
    })
}
