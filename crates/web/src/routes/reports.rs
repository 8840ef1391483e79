//! The reports dashboard and each of its tables as CSV. The figures, and
//! who may read them, are the application's (`linkwork_app::reports`);
//! this draws them: a chart beside each table, and how each is counted.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use linkwork_app::AppError;
use linkwork_app::reports::{ChartKind, Dashboard, DashboardFilter, ReportTable};
use linkwork_domain::organisation::Organisation;
use linkwork_domain::validation::ValidationErrors;
use serde::{Deserialize, Serialize};

use crate::charts::{ChartText, bar_chart, line_chart};
use crate::downloads;
use crate::error::{WebError, WebResult};
use crate::forms::{Choice, ChoiceField, Input};
use crate::page::{CurrentUser, PageCtx, render};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ReportQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    from: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    to: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    network: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    practice: String,
}

impl ReportQuery {
    fn filter(&self, state: &AppState) -> Result<DashboardFilter, AppError> {
        DashboardFilter::parse(
            &self.from,
            &self.to,
            &self.network,
            &self.practice,
            state.app.today(),
        )
    }
}

/// A table as the page shows it: with its chart, if it has one.
struct TableView {
    table: ReportTable,
    chart: Option<String>,
    /// Some rows are suppressed and so not drawn.
    left_out: bool,
    /// Too many columns to sit beside its chart: both take the full width.
    wide: bool,
    csv_href: String,
}

#[derive(Template)]
#[template(path = "reports/dashboard.html")]
struct DashboardPage {
    page: PageCtx,
    from: Input,
    to: Input,
    network: ChoiceField,
    practice: ChoiceField,
    suppress_below: u64,
    tables: Vec<TableView>,
}

fn choices(list: &[Organisation], chosen: &str) -> Vec<Choice> {
    list.iter()
        .map(|o| Choice::new(o.id.to_string(), o.name.clone(), o.id.to_string() == chosen))
        .collect()
}

fn table_view(table: ReportTable, query: &str) -> TableView {
    let points = table.chart_points();
    let chart = table.chart.filter(|_| !points.is_empty()).map(|kind| {
        let high = points.iter().map(|(_, v)| *v).fold(0.0, f64::max);
        let description = points
            .iter()
            .map(|(label, value)| format!("{label}: {}", crate::charts::number(*value)))
            .collect::<Vec<_>>()
            .join("; ");
        let id = format!("chart-{}", table.id);
        let text = ChartText {
            id: &id,
            title: table.title,
            description: &format!(
                "{} {description}. The same numbers are in the table.",
                match kind {
                    ChartKind::Bar => "Bar chart.",
                    ChartKind::Line => "Line chart.",
                }
            ),
        };
        match kind {
            ChartKind::Bar => bar_chart(&text, &points, high),
            ChartKind::Line => line_chart(&text, &points, 0.0, high.max(1.0)),
        }
    });
    let left_out = table.chart_leaves_out_rows();
    let wide = table.columns.len() > 3;
    TableView {
        csv_href: if query.is_empty() {
            format!("/reports/{}.csv", table.id)
        } else {
            format!("/reports/{}.csv?{query}", table.id)
        },
        table,
        chart,
        left_out,
        wide,
    }
}

pub async fn dashboard(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
    Query(query): Query<ReportQuery>,
) -> WebResult<Response> {
    let networks = state.app.report_networks(&principal).await?;
    let (dashboard, errors): (Option<Dashboard>, ValidationErrors) = match query.filter(&state) {
        Ok(filter) => (
            Some(state.app.dashboard(&principal, filter).await?),
            ValidationErrors::new(),
        ),
        Err(AppError::Invalid(errors)) => (None, errors),
        Err(other) => return Err(other.into()),
    };
    let encoded = serde_urlencoded::to_string(&query).map_err(WebError::internal)?;
    let (from, to) = match &dashboard {
        Some(d) => (
            d.filter.period.from.to_string(),
            d.filter.period.to.to_string(),
        ),
        None => (query.from.clone(), query.to.clone()),
    };
    let practices = dashboard
        .as_ref()
        .map(|d| d.practices.clone())
        .unwrap_or_default();
    let suppress_below = state.app.settings.reports.suppress_below;
    let tables = dashboard
        .map(|d| {
            d.tables
                .into_iter()
                .map(|t| table_view(t, &encoded))
                .collect()
        })
        .unwrap_or_default();
    render(&DashboardPage {
        page: page.title("Reports").errors(&errors),
        from: Input::new("from", "From")
            .hint("For example, 2026-04-01")
            .value(from)
            .width("nhsuk-input--width-10")
            .errors(&errors),
        to: Input::new("to", "To")
            .hint("For example, 2027-03-31")
            .value(to)
            .width("nhsuk-input--width-10")
            .errors(&errors),
        network: ChoiceField::new("network", "Network", choices(&networks, &query.network))
            .placeholder("All networks")
            .errors(&errors),
        practice: ChoiceField::new(
            "practice",
            "GP practice",
            choices(&practices, &query.practice),
        )
        .placeholder("All practices")
        .errors(&errors),
        suppress_below,
        tables,
    })
}

/// `/reports/{table}.csv`: one table, with the page's filter.
pub async fn table_csv(
    State(state): State<AppState>,
    CurrentUser(principal): CurrentUser,
    Path(file): Path<String>,
    Query(query): Query<ReportQuery>,
) -> WebResult<Response> {
    let table = file.strip_suffix(".csv").ok_or(WebError::NotFound)?;
    let filter = query.filter(&state)?;
    let body = state.app.dashboard_csv(&principal, filter, table).await?;
    Ok(downloads::csv(&file, body))
}
