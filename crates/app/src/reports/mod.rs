//! Reports for team leads, commissioners and administrators: the
//! dashboard's figures for a period, network and practice, each a table
//! (`table.rs`) that the page charts, the CSV files hold and the command
//! line prints. Readers see the networks of their tenancy only
//! (`App::report_networks`); small counts are suppressed everywhere
//! (`linkwork_domain::report::Suppression`).

mod dashboard;
mod gaps;
pub(crate) mod groups;
mod inequalities;
mod population;
mod table;

pub use dashboard::{Dashboard, DashboardFilter};
pub use population::PopulationImportSummary;
pub use table::{Cell, ChartKind, ReportTable};
