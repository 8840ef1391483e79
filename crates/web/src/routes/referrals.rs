//! The professional referral form, the referrals an organisation has made,
//! and a referral's page: everything for its team, its status for the
//! organisation that made it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_app::referrals::{
    Audience, DuplicateChoice, IntakeOutcome, PossibleMatch, ReferralRecord, Submission, Submitter,
};
use linkwork_app::{AppError, Principal};
use linkwork_domain::consent::{self, Consent};
use linkwork_domain::organisation::{OrgKind, Organisation};
use linkwork_domain::person::Person;
use linkwork_domain::referral::ReferralStatus;
use linkwork_domain::role::Permission;
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::{PersonId, ReferralId, UserId};
use linkwork_storage::PageRequest;
use serde::Deserialize;

use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField};
use crate::page::{CurrentUser, PageCtx, render};
use crate::pagination::Pagination;
use crate::referral_forms::{Asker, PersonFields, ReferralFields, ReferralForm};
use crate::referral_views::{ReferralRow, long_date, need_labels, short_date, when};
use crate::state::AppState;

const PER_PAGE: u32 = 25;

#[derive(Template)]
#[template(path = "referrals/new.html")]
struct NewReferralPage {
    page: PageCtx,
    form_key: String,
    duplicate: Option<ChoiceField>,
    person: PersonFields,
    referral: ReferralFields,
}

/// The records a referrer is asked to choose between, each described by
/// what the referrer typed and what agrees with it, nothing more.
fn duplicate_choices(matches: &[PossibleMatch], form: &ReferralForm) -> ChoiceField {
    let mut choices: Vec<Choice> = matches
        .iter()
        .map(|m| {
            Choice::new(
                m.id.to_string(),
                m.label.clone(),
                form.duplicate == m.id.to_string(),
            )
        })
        .collect();
    choices.push(Choice::new(
        "new",
        "No, this is someone else",
        form.duplicate == "new",
    ));
    ChoiceField::new("duplicate", "Is this the person you are referring?", choices)
        .hint("The team already holds a record that agrees with what you entered. Using it keeps the person's history together.")
}

async fn new_page(
    state: &AppState,
    page: PageCtx,
    form: &ReferralForm,
    errors: &ValidationErrors,
    matches: &[PossibleMatch],
) -> WebResult<NewReferralPage> {
    let app = &state.app;
    let practices = app.gp_practices().await?;
    let partners = app.partner_organisations().await?;
    let needs = app.active_needs().await?;
    let duplicate = (!matches.is_empty()).then(|| duplicate_choices(matches, form).errors(errors));
    Ok(NewReferralPage {
        page: page.title("Make a referral").errors(errors),
        form_key: form.form_key_or_new(),
        duplicate,
        person: PersonFields::new(form, errors, &practices, Asker::Professional, true),
        referral: ReferralFields::new(form, errors, &needs, &partners, Asker::Professional),
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
) -> WebResult<Response> {
    principal.require(Permission::MakeReferrals)?;
    let own_org = state
        .app
        .store
        .organisation(principal.user.org_id)
        .await
        .map_err(AppError::from)?;
    let form = ReferralForm {
        referrer_name: principal.user.display_name.clone(),
        referrer_email: principal.user.email.to_string(),
        // A practice's staff usually refer their own patients.
        gp_practice: own_org
            .filter(|o| o.kind == OrgKind::GpPractice)
            .map(|o| o.id.to_string())
            .unwrap_or_default(),
        ..Default::default()
    };
    render(&new_page(&state, page, &form, &ValidationErrors::new(), &[]).await?)
}

pub async fn create(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Form(form): Form<ReferralForm>,
) -> WebResult<Response> {
    principal.require(Permission::MakeReferrals)?;
    let duplicate = match form.duplicate.as_str() {
        "" => DuplicateChoice::Unasked,
        "new" => DuplicateChoice::CreateNew,
        id => id
            .parse::<PersonId>()
            .map(DuplicateChoice::UseExisting)
            .unwrap_or(DuplicateChoice::Unasked),
    };
    let submission = Submission {
        person: form.person_input(),
        referral: form.referral_input(),
        share_with: form.share_with.clone(),
        idempotency_key: form.valid_form_key().map(str::to_owned),
        duplicate,
        ..Default::default()
    };
    let rerender = |errors: ValidationErrors, matches: Vec<PossibleMatch>, status: StatusCode| {
        let (state, form) = (&state, &form);
        async move {
            let body = new_page(state, page, form, &errors, &matches).await?;
            Ok::<_, WebError>((status, render(&body)?).into_response())
        }
    };
    match state
        .app
        .submit_referral(Submitter::User(&principal), &submission)
        .await
    {
        Ok(IntakeOutcome::Created(r) | IntakeOutcome::AlreadyReceived(r)) => {
            Ok(Redirect::to(&format!("/referrals/{}?done=created", r.id)).into_response())
        }
        Ok(IntakeOutcome::PossibleDuplicates(matches, None)) => {
            rerender(ValidationErrors::new(), matches, StatusCode::OK).await
        }
        Ok(IntakeOutcome::PossibleDuplicates(matches, Some(problem))) => {
            let errors = ValidationErrors::single("duplicate", problem);
            rerender(errors, matches, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Invalid(errors)) => {
            rerender(errors, Vec::new(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "referrals/sent.html")]
struct SentPage {
    page: PageCtx,
    organisation: String,
    rows: Vec<ReferralRow>,
    total: u64,
    pagination: Pagination,
}

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    #[serde(default, deserialize_with = "linkwork_app::page_number::deserialize")]
    page: Option<u32>,
}

pub async fn sent(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(query): Query<PageQuery>,
) -> WebResult<Response> {
    let app = &state.app;
    let results = app
        .referrals_made(
            &principal,
            PageRequest::new(query.page.unwrap_or(1), PER_PAGE),
        )
        .await?;
    let needs = app.all_needs().await?;
    let today = app.today();
    let organisation = app
        .store
        .organisation(principal.user.org_id)
        .await
        .map_err(AppError::from)?
        .map(|o| o.name)
        .unwrap_or_default();
    render(&SentPage {
        page: page.title("Referrals you have made"),
        organisation,
        pagination: Pagination::new(&results, "/referrals/sent", ""),
        total: results.total,
        rows: results
            .items
            .iter()
            .map(|item| ReferralRow::new(app, item, &needs, &[], today))
            .collect(),
    })
}

/// A link to an action on the referral page.
pub struct ActionLink {
    pub href: String,
    pub label: &'static str,
    pub primary: bool,
}

/// A consent as the person's page and the referral page list it.
pub struct ConsentRow {
    pub what: String,
    pub given: bool,
    pub when: String,
    pub by: String,
}

pub fn consent_rows(consents: &[Consent], partners: &[Organisation]) -> Vec<ConsentRow> {
    consent::current(consents)
        .into_iter()
        .map(|c| ConsentRow {
            what: match c.partner_org_id {
                Some(org) => format!(
                    "To share their details with {}",
                    partners
                        .iter()
                        .find(|o| o.id == org)
                        .map(|o| o.name.as_str())
                        .unwrap_or("a partner organisation")
                ),
                None => c.kind.label().to_owned(),
            },
            given: c.given,
            when: when(c.recorded_at),
            by: c.recorded_by.clone(),
        })
        .collect()
}

pub struct HistoryRow {
    pub when: String,
    pub who: String,
    pub what: String,
    pub why: String,
}

#[derive(Template)]
#[template(path = "referrals/referral.html")]
struct TeamReferralPage {
    page: PageCtx,
    r: ReferralRecord,
    person: Person,
    received: String,
    needs: String,
    due: String,
    date_of_birth: String,
    age: u32,
    referrer_org: String,
    assigned: String,
    next_action: String,
    actions: Vec<ActionLink>,
    take: bool,
    user_id: UserId,
    attempts_needed: u32,
    history: Vec<HistoryRow>,
    consents: Vec<ConsentRow>,
    communication: String,
    outcome: Vec<(&'static str, String)>,
    /// The case's sections, once the team has taken the referral on.
    case_links: Vec<crate::routes::casework::CaseLink>,
    case: Option<CaseSummary>,
}

/// The casework at a glance, on the referral's page.
pub struct CaseSummary {
    pub next_contact: String,
    pub open_tasks: usize,
    pub overdue_tasks: usize,
    pub goals: usize,
    pub goals_achieved: usize,
    pub what_matters: String,
    pub open_concerns: usize,
    /// Referrals to services, and how many are still waiting for an answer.
    pub onward: usize,
    pub onward_waiting: usize,
    pub shortlists: usize,
    /// When they first attended a linked service.
    pub intervention: String,
}

impl CaseSummary {
    fn new(
        file: &linkwork_storage::CaseFile,
        referral: &linkwork_domain::referral::Referral,
        today: chrono::NaiveDate,
    ) -> CaseSummary {
        let goals = file
            .plan
            .as_ref()
            .map(|p| p.goals.as_slice())
            .unwrap_or_default();
        CaseSummary {
            next_contact: file
                .contacts
                .iter()
                .find(|c| c.is_booked())
                .map(|c| format!("{}, {}", c.mode.label(), when(c.starts_at)))
                .unwrap_or_default(),
            open_tasks: file.tasks.iter().filter(|t| t.is_open()).count(),
            overdue_tasks: file.tasks.iter().filter(|t| t.is_overdue(today)).count(),
            goals: goals.len(),
            goals_achieved: goals
                .iter()
                .filter(|g| g.status == linkwork_domain::casework::GoalStatus::Achieved)
                .count(),
            what_matters: file
                .what_matters
                .as_ref()
                .map(|w| when(w.recorded_at))
                .unwrap_or_default(),
            open_concerns: file
                .notes
                .iter()
                .filter(|n| n.safeguarding.as_ref().is_some_and(|s| s.is_open()))
                .count(),
            onward: file.onward.len(),
            onward_waiting: file
                .onward
                .iter()
                .filter(|o| o.status == linkwork_domain::linking::OnwardStatus::Sent)
                .count(),
            shortlists: file.shortlists.len(),
            intervention: referral
                .intervention_received_at
                .map(|at| long_date(linkwork_domain::calendar::uk_date(at)))
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "referrals/status.html")]
struct ReferrerStatusPage {
    page: PageCtx,
    r: ReferralRecord,
    received: String,
    date_of_birth: String,
    needs: String,
    history: Vec<HistoryRow>,
    outcome: Vec<(&'static str, String)>,
}

/// `?done=…`, what a page says was just done.
#[derive(Debug, Deserialize, Default)]
pub struct DoneQuery {
    pub done: Option<String>,
}

pub fn parse_referral_id(raw: &str) -> WebResult<ReferralId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

/// What the referral page says after an action (`done` is the action's
/// path, as `referral_actions` redirects with it).
fn notice(done: Option<&str>, r: &ReferralRecord) -> Option<String> {
    Some(match done? {
        "created" => format!("Referral sent. Its reference is {}.", r.referral.reference),
        "accept" => "Referral accepted onto the waiting list.".into(),
        "decline" => "Referral declined.".into(),
        "redirect" => "Referral redirected.".into(),
        "unable-to-contact" => "Referral closed: unable to contact.".into(),
        "withdraw" => "Referral withdrawn.".into(),
        "discharge" => "Person discharged.".into(),
        "contact" => "Contact attempt recorded.".into(),
        "next-action" => "Next action saved.".into(),
        "needs" => "Needs saved.".into(),
        "assign" => match &r.assigned {
            Some(u) => format!("Assigned to {}.", u.display_name),
            None => "Referral unassigned.".into(),
        },
        _ => return None,
    })
}

fn outcome_rows(r: &ReferralRecord) -> Vec<(&'static str, String)> {
    let Some(outcome) = &r.referral.outcome else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    if let Some(reason) = outcome.decline_reason {
        rows.push(("Why it was declined", reason.label().to_owned()));
    }
    if let Some(service) = &outcome.redirected_to {
        rows.push(("Redirected to", service.clone()));
    }
    if let Some(note) = &outcome.note {
        rows.push(("Notes", note.clone()));
    }
    if let Some(code) = &outcome.code {
        rows.push(("Recorded with SNOMED CT code", code.clone()));
    }
    if let Some(at) = r.referral.closed_at {
        rows.push(("Closed", when(at)));
    }
    rows
}

/// What the team can do next, for the status the referral is in and the
/// viewer's roles.
fn actions(r: &ReferralRecord, p: &Principal, required_attempts: u32) -> Vec<ActionLink> {
    let referral = &r.referral;
    let href = |action: &str| format!("/referrals/{}/{action}", referral.id);
    let triage = p.can(Permission::TriageReferrals);
    let mut links = Vec::new();
    let mut add = |action: &str, label, primary, allowed: bool| {
        if allowed {
            links.push(ActionLink {
                href: href(action),
                label,
                primary,
            });
        }
    };
    let status = referral.status;
    add(
        "accept",
        "Accept",
        true,
        triage && status.can_move_to(ReferralStatus::Accepted),
    );
    let open_case = matches!(
        status,
        ReferralStatus::Accepted | ReferralStatus::InProgress
    );
    add(
        "contact",
        "Record a contact attempt",
        status == ReferralStatus::Accepted,
        open_case,
    );
    add(
        "contacts",
        "Book or record a contact",
        status == ReferralStatus::InProgress,
        open_case,
    );
    add("next-action", "Set the next action", false, open_case);
    // Reasons that came as words wait for the team to choose the needs;
    // the same form corrects coded ones.
    add(
        "needs",
        if referral.needs_coding {
            "Code the needs"
        } else {
            "Change the needs"
        },
        referral.needs_coding,
        triage && !status.is_closed(),
    );
    // As the service allows: assigning needs triage, moving a case from
    // one link worker to another needs a team lead.
    let (label, may_assign) = match referral.assigned_to {
        Some(_) => ("Reassign", p.can(Permission::ReassignCases)),
        None => ("Assign a link worker", triage),
    };
    add("assign", label, false, open_case && may_assign);
    add(
        "decline",
        "Decline",
        false,
        triage && status.can_move_to(ReferralStatus::Declined),
    );
    add(
        "redirect",
        "Redirect to another service",
        false,
        triage && status.can_move_to(ReferralStatus::Redirected),
    );
    add(
        "unable-to-contact",
        "Close: unable to contact",
        false,
        status.can_move_to(ReferralStatus::UnableToContact)
            && referral.failed_contact_attempts >= required_attempts,
    );
    add(
        "discharge",
        "Discharge",
        false,
        status.can_move_to(ReferralStatus::Discharged),
    );
    add(
        "withdraw",
        "Withdraw",
        false,
        status.can_move_to(ReferralStatus::Withdrawn),
    );
    links
}

fn history_rows(r: &ReferralRecord) -> Vec<HistoryRow> {
    r.history
        .iter()
        .rev()
        .map(|e| HistoryRow {
            when: when(e.at),
            who: e.actor_label.clone(),
            what: e.summary.clone(),
            why: e.reason.clone().unwrap_or_default(),
        })
        .collect()
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> WebResult<Response> {
    let app = &state.app;
    let r = app
        .view_referral(&principal, parse_referral_id(&id)?)
        .await?;
    let page = page.notice(notice(query.done.as_deref(), &r));
    let needs = need_labels(&r.referral.needs, &r.needs);
    let received = when(r.referral.received_at);
    let history = history_rows(&r);
    let outcome = outcome_rows(&r);
    let date_of_birth = long_date(r.person_date_of_birth);
    match (r.audience, r.person.clone()) {
        (Audience::Team, Some(person)) => {
            let required = app
                .settings
                .referrals
                .contact_attempts_before_unable_to_contact;
            let partners = app.partner_organisations().await?;
            let assigned = r
                .assigned
                .as_ref()
                .map(|u| u.display_name.clone())
                .unwrap_or_default();
            let is_worker = app
                .assignable_workers(&principal, r.referral.pcn_id)
                .await?
                .iter()
                .any(|w| w.id == principal.user.id);
            render(&TeamReferralPage {
                page: page.title(format!("Referral for {}", person.details.full_name())),
                age: person.age_on(app.today()),
                communication: person.details.communication_needs().join(", "),
                due: short_date(r.waiting.due),
                referrer_org: r
                    .referrer_org
                    .as_ref()
                    .map(|o| o.name.clone())
                    .unwrap_or_default(),
                next_action: match (r.referral.next_action_due, &r.referral.next_action_note) {
                    (Some(d), Some(n)) => format!("{n}, due {}", long_date(d)),
                    (Some(d), None) => format!("Due {}", long_date(d)),
                    (None, Some(n)) => n.clone(),
                    (None, None) => String::new(),
                },
                take: is_worker
                    && r.referral.assigned_to.is_none()
                    && matches!(
                        r.referral.status,
                        ReferralStatus::Accepted | ReferralStatus::InProgress
                    ),
                actions: actions(&r, &principal, required),
                user_id: principal.user.id,
                attempts_needed: required,
                consents: consent_rows(&r.consents, &partners),
                case: r
                    .case
                    .as_ref()
                    .map(|f| CaseSummary::new(f, &r.referral, app.today())),
                case_links: if matches!(
                    r.referral.status,
                    ReferralStatus::Accepted
                        | ReferralStatus::InProgress
                        | ReferralStatus::Discharged
                ) {
                    crate::routes::casework::case_links(
                        r.referral.id,
                        crate::routes::casework::Section::Overview,
                    )
                } else {
                    Vec::new()
                },
                assigned,
                person,
                received,
                needs,
                date_of_birth,
                history,
                outcome,
                r,
            })
        }
        _ => render(&ReferrerStatusPage {
            page: page.title(format!("Referral {}", r.referral.reference)),
            received,
            date_of_birth,
            needs,
            history,
            outcome,
            r,
        }),
    }
}
