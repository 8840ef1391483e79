//! A case's outcomes: each questionnaire's scores over time as a chart
//! with the numbers in a table, the change since baseline, recording a
//! questionnaire on this device, giving the person a link for their own
//! phone, and GP appointments before and after referral.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use linkwork_app::outcomes::OutcomesView;
use linkwork_app::{AppError, Principal};
use linkwork_domain::measures::{
    CompletedBy, Definition, MeasureResponse, Occasion, ScoreDefinition, item_field,
};
use linkwork_domain::message::Channel;
use linkwork_domain::referral::ReferralStatus;
use linkwork_domain::validation::ValidationErrors;
use serde::Deserialize;

use super::{CaseHeader, Done, Section, refused};
use crate::charts::{ChartText, line_chart, number};
use crate::error::WebResult;
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::referral_views::day_of;
use crate::routes::referrals::parse_referral_id;
use crate::state::AppState;

const NOTICES: &[(&str, &str)] = &[
    ("complete", "The questionnaire has been saved and scored."),
    (
        "incomplete",
        "The questionnaire has been saved as incomplete: it has no score.",
    ),
    ("gp", "The GP appointments have been saved."),
];

/// One score of one questionnaire over time.
pub struct ScorePanel {
    pub label: String,
    /// The SVG chart (built by `charts`, its text escaped there).
    pub chart: String,
    /// Date, occasion, score and band, oldest first.
    pub rows: Vec<(String, String, String, String)>,
    /// "Down 4 since baseline (9 to 5): better", when there is a
    /// baseline and a later score.
    pub change: Option<String>,
    pub better: &'static str,
}

/// One questionnaire's responses on this case.
pub struct MeasurePanel {
    pub name: String,
    pub notice: String,
    pub scores: Vec<ScorePanel>,
    pub incomplete: usize,
}

/// The questions of a questionnaire as form fields.
pub struct Questionnaire {
    pub code: String,
    pub introduction: Option<String>,
    pub notice: String,
    pub questions: Vec<ChoiceField>,
}

impl Questionnaire {
    pub fn new(d: &Definition, form: &BTreeMap<String, String>, errors: &ValidationErrors) -> Self {
        Questionnaire {
            code: d.code.clone(),
            introduction: d.introduction.clone(),
            notice: d.notice.clone(),
            questions: d
                .items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let field = item_field(i);
                    let chosen = form.get(field).map(String::as_str).unwrap_or("");
                    ChoiceField::new(
                        field,
                        item.text.clone(),
                        d.options(item)
                            .iter()
                            .map(|o| {
                                let value = o.value.to_string();
                                let selected = chosen == value;
                                Choice::new(value, o.label.clone(), selected)
                            })
                            .collect(),
                    )
                    .errors(errors)
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "casework/outcomes.html")]
struct OutcomesPage {
    page: PageCtx,
    header: CaseHeader,
    measures: Vec<MeasurePanel>,
    choose_measure: ChoiceField,
    link_measure: ChoiceField,
    link_occasion: ChoiceField,
    send: ChoiceField,
    gp_before: Input,
    gp_after: Input,
    gp_change: Option<String>,
}

#[derive(Template)]
#[template(path = "casework/outcome_record.html")]
struct RecordPage {
    page: PageCtx,
    header: CaseHeader,
    questionnaire: Questionnaire,
    occasion: ChoiceField,
    completed_by: ChoiceField,
}

#[derive(Template)]
#[template(path = "casework/outcome_link.html")]
struct LinkPage {
    page: PageCtx,
    header: CaseHeader,
    address: String,
    sent_by: Option<String>,
    measure: String,
    days: u32,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PanelForm {
    link_measure: String,
    occasion: String,
    send: String,
    before: String,
    after: String,
}

/// The occasion a questionnaire most likely is now.
fn likely_occasion(view: &OutcomesView, measure: &str) -> Occasion {
    if view.case.referral.status == ReferralStatus::Discharged {
        Occasion::Discharge
    } else if view
        .responses
        .iter()
        .any(|r| r.measure == measure && r.occasion == Occasion::Baseline)
    {
        Occasion::Review
    } else {
        Occasion::Baseline
    }
}

fn occasions(id: &'static str, label: &str, chosen: Occasion) -> ChoiceField {
    ChoiceField::new(
        id,
        label,
        Occasion::ALL
            .iter()
            .map(|o| Choice::new(o.code(), o.label(), *o == chosen))
            .collect(),
    )
}

fn measure_choices(
    id: &'static str,
    label: &str,
    measures: &[Definition],
    chosen: &str,
) -> ChoiceField {
    ChoiceField::new(
        id,
        label,
        measures
            .iter()
            .map(|d| Choice::new(d.code.clone(), d.name.clone(), d.code == chosen))
            .collect(),
    )
}

/// Which way is better, in words.
fn better(s: &ScoreDefinition) -> &'static str {
    if s.higher_is_better {
        "A higher score is better."
    } else {
        "A lower score is better."
    }
}

/// The change from the first baseline to the latest later score.
fn change_since_baseline(
    s: &ScoreDefinition,
    scored: &[(&MeasureResponse, f64)],
) -> Option<String> {
    let (baseline_at, baseline) = scored
        .iter()
        .find(|(r, _)| r.occasion == Occasion::Baseline)
        .map(|(r, v)| (r.completed_at, *v))?;
    let (latest, band) = scored
        .iter()
        .rev()
        .find(|(r, _)| r.completed_at > baseline_at)
        .map(|(r, v)| {
            (
                *v,
                r.scores
                    .iter()
                    .find(|x| x.code == s.code)
                    .and_then(|x| x.band.clone()),
            )
        })?;
    let change = latest - baseline;
    let direction = if change.abs() < 1e-9 {
        return Some(format!(
            "No change since baseline ({}){}",
            number(latest),
            band.map(|b| format!(", band: {b}")).unwrap_or_default()
        ));
    } else if change > 0.0 {
        "Up"
    } else {
        "Down"
    };
    let verdict = if (change > 0.0) == s.higher_is_better {
        "better"
    } else {
        "worse"
    };
    let meaningful = s.meaningful_change.map_or(String::new(), |m| {
        if change.abs() + 1e-9 >= m {
            format!(", a meaningful change (at least {})", number(m))
        } else {
            format!(", less than the meaningful change of {}", number(m))
        }
    });
    Some(format!(
        "{direction} {} since baseline ({} to {}): {verdict}{meaningful}{}",
        number(change.abs()),
        number(baseline),
        number(latest),
        band.map(|b| format!(". Band now: {b}")).unwrap_or_default()
    ))
}

fn panels(view: &OutcomesView, measures: &[Definition]) -> Vec<MeasurePanel> {
    measures
        .iter()
        .filter_map(|d| {
            let responses: Vec<&MeasureResponse> = view
                .responses
                .iter()
                .filter(|r| r.measure == d.code)
                .collect();
            if responses.is_empty() {
                return None;
            }
            let scores = d
                .scores
                .iter()
                .map(|s| {
                    let scored: Vec<(&MeasureResponse, f64)> = responses
                        .iter()
                        .filter_map(|r| r.score(&s.code).map(|v| (*r, v)))
                        .collect();
                    let (low, high) = score_range(d, s);
                    let points: Vec<(String, f64)> = scored
                        .iter()
                        .map(|(r, v)| (day_of(r.completed_at), *v))
                        .collect();
                    let description = format!(
                        "{} scores from {} questionnaires: {}. {}",
                        s.label,
                        points.len(),
                        points
                            .iter()
                            .map(|(d, v)| format!("{} on {d}", number(*v)))
                            .collect::<Vec<_>>()
                            .join(", "),
                        better(s)
                    );
                    ScorePanel {
                        label: s.label.clone(),
                        chart: line_chart(
                            &ChartText {
                                id: &format!("chart-{}-{}", d.code, s.code),
                                title: &format!("{}: {}", d.name, s.label),
                                description: &description,
                            },
                            &points,
                            low,
                            high,
                        ),
                        rows: scored
                            .iter()
                            .map(|(r, v)| {
                                (
                                    day_of(r.completed_at),
                                    r.occasion.label().to_owned(),
                                    number(*v),
                                    r.scores
                                        .iter()
                                        .find(|x| x.code == s.code)
                                        .and_then(|x| x.band.clone())
                                        .unwrap_or_default(),
                                )
                            })
                            .collect(),
                        change: change_since_baseline(s, &scored),
                        better: better(s),
                    }
                })
                .collect();
            Some(MeasurePanel {
                name: d.name.clone(),
                notice: d.notice.clone(),
                scores,
                incomplete: responses.iter().filter(|r| !r.complete).count(),
            })
        })
        .collect()
}

/// The lowest and highest a score can be: its table's ends, or the sum of
/// its items' lowest and highest answers.
fn score_range(d: &Definition, s: &ScoreDefinition) -> (f64, f64) {
    if !s.table.is_empty() {
        let values = s.table.iter().map(|(_, v)| *v);
        return (
            values.clone().fold(f64::INFINITY, f64::min),
            values.fold(f64::NEG_INFINITY, f64::max),
        );
    }
    s.items
        .iter()
        .filter_map(|code| d.item(code))
        .map(|item| {
            let values: Vec<i32> = d.options(item).iter().map(|o| o.value).collect();
            (
                f64::from(*values.iter().min().unwrap_or(&0)),
                f64::from(*values.iter().max().unwrap_or(&0)),
            )
        })
        .fold((0.0, 0.0), |(lo, hi), (l, h)| (lo + l, hi + h))
}

fn outcomes_page(
    state: &AppState,
    page: PageCtx,
    view: &OutcomesView,
    form: &PanelForm,
    errors: &ValidationErrors,
) -> OutcomesPage {
    let measures = state.app.measures();
    let first = measures.first().map(|d| d.code.clone()).unwrap_or_default();
    let measure = if form.link_measure.is_empty() {
        &first
    } else {
        &form.link_measure
    };
    let occasion =
        Occasion::from_code(&form.occasion).unwrap_or_else(|| likely_occasion(view, measure));
    let gp = view.gp.as_ref();
    let count = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    OutcomesPage {
        page: page
            .title(format!(
                "Outcomes for {}",
                view.case.person.details.full_name()
            ))
            .errors(errors),
        header: CaseHeader::new(&view.case, Section::Outcomes),
        measures: panels(view, measures),
        choose_measure: measure_choices("measure", "Questionnaire", measures, measure),
        link_measure: measure_choices("link_measure", "Questionnaire", measures, measure)
            .errors(errors),
        link_occasion: occasions("occasion", "When in their support is this?", occasion)
            .errors(errors),
        send: ChoiceField::new(
            "send",
            "How will they get the link?",
            [
                (
                    "text",
                    "By text message to the phone number on their record",
                ),
                ("email", "By email to the address on their record"),
                ("show", "Show me the link to give them another way"),
            ]
            .into_iter()
            .map(|(code, label)| Choice::new(code, label, form.send == code))
            .collect(),
        )
        .errors(errors),
        gp_before: Input::new("before", "In the six months before referral")
            .width("nhsuk-input--width-3")
            .value(if form.before.is_empty() {
                count(gp.and_then(|g| g.before))
            } else {
                form.before.clone()
            })
            .errors(errors),
        gp_after: Input::new("after", "In the six months after referral")
            .hint("Leave blank until six months have passed")
            .width("nhsuk-input--width-3")
            .value(if form.after.is_empty() {
                count(gp.and_then(|g| g.after))
            } else {
                form.after.clone()
            })
            .errors(errors),
        gp_change: gp.and_then(|g| g.change()).map(|c| match c {
            0 => "No change in GP appointments.".to_owned(),
            c if c < 0 => format!("{} fewer GP appointments after referral.", -c),
            c => format!("{c} more GP appointments after referral."),
        }),
    }
}

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> WebResult<Response> {
    let view = state
        .app
        .outcomes(&principal, parse_referral_id(&id)?)
        .await?;
    let page = page.notice(done.notice(NOTICES));
    render(&outcomes_page(
        &state,
        page,
        &view,
        &PanelForm::default(),
        &ValidationErrors::new(),
    ))
}

/// The outcomes page again with what was typed and what was wrong.
async fn panel_refused(
    state: &AppState,
    principal: &Principal,
    page: PageCtx,
    id: &str,
    form: &PanelForm,
    err: AppError,
) -> WebResult<Response> {
    let (status, page, errors) = refused(err, page)?;
    let view = state
        .app
        .outcomes(principal, parse_referral_id(id)?)
        .await?;
    Ok((
        status,
        render(&outcomes_page(state, page, &view, form, &errors))?,
    )
        .into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RecordQuery {
    measure: String,
}

fn record_page(
    page: PageCtx,
    view: &OutcomesView,
    d: &Definition,
    form: &BTreeMap<String, String>,
    errors: &ValidationErrors,
) -> RecordPage {
    let chosen = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let occasion =
        Occasion::from_code(chosen("occasion")).unwrap_or_else(|| likely_occasion(view, &d.code));
    RecordPage {
        page: page.title(d.name.clone()).errors(errors),
        header: CaseHeader::new(&view.case, Section::Outcomes),
        questionnaire: Questionnaire::new(d, form, errors),
        occasion: occasions("occasion", "When in their support is this?", occasion).errors(errors),
        completed_by: ChoiceField::new(
            "completed_by",
            "Who is filling it in?",
            [CompletedBy::PersonOnDevice, CompletedBy::LinkWorker]
                .iter()
                .map(|c| {
                    let selected = chosen("completed_by") == c.code()
                        || (chosen("completed_by").is_empty() && *c == CompletedBy::PersonOnDevice);
                    Choice::new(c.code(), c.label(), selected)
                })
                .collect(),
        )
        .errors(errors),
    }
}

pub async fn record_form(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<RecordQuery>,
) -> WebResult<Response> {
    let view = state
        .app
        .outcomes(&principal, parse_referral_id(&id)?)
        .await?;
    let d = state.app.measure(&query.measure)?;
    render(&record_page(
        page,
        &view,
        d,
        &BTreeMap::new(),
        &ValidationErrors::new(),
    ))
}

pub async fn record(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<RecordQuery>,
    Form(form): Form<BTreeMap<String, String>>,
) -> WebResult<Response> {
    let referral = parse_referral_id(&id)?;
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let result = state
        .app
        .record_response(
            &principal,
            referral,
            &query.measure,
            get("occasion"),
            get("completed_by"),
            &form,
        )
        .await;
    match result {
        Ok(r) => {
            let done = if r.complete { "complete" } else { "incomplete" };
            Ok(Redirect::to(&format!("/referrals/{id}/outcomes?done={done}")).into_response())
        }
        Err(e) => {
            let (status, page, errors) = refused(e, page)?;
            let view = state.app.outcomes(&principal, referral).await?;
            let d = state.app.measure(&query.measure)?;
            let body = record_page(page, &view, d, &form, &errors);
            Ok((status, render(&body)?).into_response())
        }
    }
}

pub async fn issue_link(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<PanelForm>,
) -> WebResult<Response> {
    let referral = parse_referral_id(&id)?;
    match state
        .app
        .issue_measure_link(
            &principal,
            referral,
            &form.link_measure,
            &form.occasion,
            &form.send,
        )
        .await
    {
        Ok(link) => {
            let view = state.app.outcomes(&principal, referral).await?;
            let measure = state.app.measure(&form.link_measure)?.name.clone();
            let body = LinkPage {
                page: page.title("Questionnaire link"),
                header: CaseHeader::new(&view.case, Section::Outcomes),
                address: linkwork_app::outcomes::questionnaire_address(
                    &state.app.settings.public_base_url(),
                    &link.token,
                ),
                sent_by: link.sent_by.map(|c| match c {
                    Channel::Text => "by text message".to_owned(),
                    Channel::Email => "by email".to_owned(),
                }),
                measure,
                days: state.app.settings.outcomes.link_days,
            };
            Ok((StatusCode::CREATED, render(&body)?).into_response())
        }
        Err(e) => panel_refused(&state, &principal, page, &id, &form, e).await,
    }
}

pub async fn gp_appointments(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<PanelForm>,
) -> WebResult<Response> {
    match state
        .app
        .record_gp_appointments(
            &principal,
            parse_referral_id(&id)?,
            &form.before,
            &form.after,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/referrals/{id}/outcomes?done=gp")).into_response()),
        Err(e) => panel_refused(&state, &principal, page, &id, &form, e).await,
    }
}
