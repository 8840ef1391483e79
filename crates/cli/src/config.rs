//! Command-line arguments, and building the settings from the config file,
//! `LINKWORK_*` environment variables and flags (each overriding the last).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use linkwork_app::Settings;
use linkwork_app::settings::LogFormat;
use linkwork_domain::organisation::OrgKind;
use serde::Serialize;

#[derive(Debug, Parser)]
#[command(
    name = "linkwork",
    version,
    about = "Linkwork: open-source social prescribing for link workers, GP practices, community organisations and commissioners."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file (TOML); see `linkwork default-config`.
    #[arg(long, global = true, env = "LINKWORK_CONFIG")]
    pub config: Option<PathBuf>,
    /// Folder for the embedded SQLite database.
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Use PostgreSQL (`postgres://…`) instead of SQLite. Also LINKWORK_DATABASE_URL.
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// Log as JSON lines (for log collectors) instead of text.
    #[arg(long, global = true)]
    pub log_json: bool,
    /// What to log, e.g. `info` or `linkwork_web=debug,info`.
    #[arg(long, global = true)]
    pub log_level: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server.
    Serve(ServeArgs),
    /// Apply database migrations (also done automatically at start).
    Migrate,
    /// Fill the database with demo data and print the demo logins.
    Demo(DemoArgs),
    /// Print an annotated configuration file with every default.
    DefaultConfig,
    /// Print the settings in effect (file, environment and flags combined),
    /// with secrets hidden.
    ShowConfig,
    /// Import data into Linkwork.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Work with the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The reasons a referral can give (needs).
    #[command(subcommand)]
    Needs(NeedsCommand),
    /// The clinical (SNOMED CT) codes referrals are recorded with.
    #[command(subcommand)]
    Codes(CodesCommand),
    /// Outcome measures (questionnaires) and their definition files.
    #[command(subcommand)]
    Measures(MeasuresCommand),
    /// Copy the SQLite database to FILE while Linkwork runs: a consistent
    /// snapshot of everything committed, checked once written.
    Backup { file: PathBuf },
    /// Replace the SQLite database with a backup, after checking it. Stop
    /// Linkwork first; the database it replaces is kept beside it.
    Restore { file: PathBuf },
    /// Print report figures: the same numbers, suppressed the same way, as
    /// the reports pages.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Anonymise records kept longer than `retention.years_after_discharge`.
    #[command(subcommand)]
    Retention(RetentionCommand),
}

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Anonymise (as erasure does) everyone whose last referral closed more
    /// than the retention period ago. Audited.
    Sweep {
        /// Only print who is due (how many, and their record ids); change
        /// nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Every figure of the reports dashboard, as tables.
    Summary(ReportArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// First day counted (YYYY-MM-DD) [default: a year before today].
    #[arg(long, default_value = "")]
    pub from: String,
    /// Last day counted (YYYY-MM-DD) [default: today].
    #[arg(long, default_value = "")]
    pub to: String,
    /// One network, by its ODS code (e.g. U00001) or id [default: every network].
    #[arg(long)]
    pub network: Option<String>,
    /// One GP practice, by its ODS code (e.g. Y00001) or id.
    #[arg(long)]
    pub practice: Option<String>,
    /// Print only this table (e.g. `waiting-times`).
    #[arg(long)]
    pub table: Option<String>,
    /// Print CSV, as the reports pages download, instead of aligned text.
    #[arg(long)]
    pub csv: bool,
}

#[derive(Debug, Subcommand)]
pub enum MeasuresCommand {
    /// List the built-in measures and their scores.
    List,
    /// Check questionnaire definition files, naming any problem's file,
    /// item and what is wrong. Needs no database.
    Check {
        /// Definition files (TOML).
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum NeedsCommand {
    /// List every need, active and retired.
    List,
    /// Add a need, or change one.
    Set {
        /// Its code, e.g. `physical_activity`: what the API and FHIR use.
        code: String,
        /// What people see, e.g. "Physical activity".
        #[arg(long)]
        label: Option<String>,
        /// A SNOMED CT concept other systems may send for it.
        #[arg(long)]
        snomed: Option<String>,
        /// Where it sits in lists (smaller first).
        #[arg(long)]
        position: Option<i32>,
        /// Stop offering it (referrals that gave it keep it).
        #[arg(long, conflicts_with = "restore")]
        retire: bool,
        /// Offer a retired need again.
        #[arg(long)]
        restore: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CodesCommand {
    /// List the clinical codes.
    List,
    /// Correct a clinical code. Referrals keep the code they were recorded with.
    Set {
        /// `referral` or `declined`.
        purpose: String,
        /// The SNOMED CT concept ID.
        #[arg(long)]
        code: String,
        /// Its description.
        #[arg(long)]
        display: String,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Load demo data first (if not already loaded) and print the demo logins.
    #[arg(long)]
    pub demo: bool,
    /// Size of the demo data (with --demo).
    #[arg(long, default_value_t = 1)]
    pub demo_scale: u32,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Size: 1 is the Riverside demo; 625 is about the size of England.
    #[arg(long, default_value_t = 1)]
    pub scale: u32,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import community directory data: an Open Referral UK 3.0 JSON file
    /// (a service, a list, a feed page, an organisation with its services, a
    /// taxonomy), an ORUK v1 feed file, a folder holding the CSV package, or
    /// a feed URL whose /services pages are walked. Re-importing updates by
    /// id; bad records are listed and skipped; a file that cannot be read
    /// changes nothing. Records are written in parts of 5,000, so the
    /// product stays usable meanwhile; an import interrupted part-way keeps
    /// the parts written, and importing again completes it.
    Directory {
        /// A .json file, a folder of CSV files, or an http(s):// feed address.
        source: String,
        /// Import nothing if any record is rejected (the rejections are
        /// still listed).
        #[arg(long)]
        strict: bool,
    },
    /// Load a National Statistics Postcode Lookup (NSPL) CSV: each
    /// postcode's location, LSOA and deprivation rank, for distance search
    /// and equity reporting. Re-importing replaces postcodes; a file that
    /// cannot be read changes nothing.
    Postcodes {
        file: PathBuf,
        /// Which English Indices of Deprivation the file's `imd` ranks come
        /// from: 2019 (32,844 LSOAs) or 2025 (33,755 LSOAs). NSPL releases
        /// before November 2025 carry IoD2019.
        #[arg(long, value_enum, default_value_t = ImdEditionArg::Iod2019)]
        imd_edition: ImdEditionArg,
    },
    /// Load GP appointment counts from a practice system's CSV, with the
    /// columns nhs_number, period (before or after: the six months before
    /// the referral or after it) and appointments. Each row goes to the
    /// most recent referral of the person with that NHS number; rows that
    /// cannot be matched are listed and the rest are loaded.
    GpAppointments { file: PathBuf },
    /// Load NHS England's "Patients Registered at a GP Practice" file:
    /// `gp-reg-pat-prac-lsoa-all.csv` (patients by practice and LSOA) or
    /// `gp-reg-pat-prac-quin-age.csv` (by practice, sex and five-year age
    /// band), told apart by their columns. Each replaces the population of
    /// its kind; a file with any bad row changes nothing.
    RegisteredPopulation { file: PathBuf },
    /// Load the English Indices of Deprivation LSOA file (IoD2019 or
    /// IoD2025, e.g. `File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv`):
    /// each LSOA's IMD rank and decile. Replaces the last one loaded; a
    /// file with any bad row changes nothing.
    Deprivation { file: PathBuf },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImdEditionArg {
    #[value(name = "2019")]
    Iod2019,
    #[value(name = "2025")]
    Iod2025,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account. The password is read from standard input (hidden when
    /// typed at a terminal) unless --generate-password is given.
    Add {
        /// The organisation: its ID, code (e.g. ODS code) or exact name.
        #[arg(long)]
        org: String,
        /// A role (repeat for several): admin, link_worker, team_lead, referrer,
        /// partner, directory_manager, commissioner.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long)]
        email: String,
        /// Full name [default: the part of the email before @].
        #[arg(long)]
        name: Option<String>,
        /// Generate a strong password and print it once.
        #[arg(long)]
        generate_password: bool,
    },
    /// Print a one-time link for a user to set a new password.
    ResetLink {
        #[arg(long)]
        email: String,
    },
    /// Remove a user's authenticator app and recovery codes (a lost phone):
    /// they set a new one up at their next sign-in if they must have one.
    ResetSecondFactor {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Add an organisation.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = org_kind())]
        kind: OrgKind,
        /// The organisation it belongs to: ID, code or exact name.
        #[arg(long)]
        parent: Option<String>,
        /// ODS code or charity number.
        #[arg(long)]
        code: Option<String>,
    },
    /// List organisations.
    List,
    /// Show, or with --set replace, the postcode districts a Primary Care
    /// Network covers: referrals for people there without a known GP
    /// practice go to it.
    Coverage {
        /// The network: its ID, code or exact name.
        org: String,
        /// Districts, e.g. `--set RV1 RV2 RV3`.
        #[arg(long, num_args = 1..)]
        set: Option<Vec<String>>,
    },
}

/// Organisation kinds by their codes, with clap listing them in `--help`.
fn org_kind() -> impl TypedValueParser<Value = OrgKind> {
    clap::builder::PossibleValuesParser::new(OrgKind::ALL.map(OrgKind::code))
        .map(|code| code.parse::<OrgKind>().expect("only listed codes get here"))
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Write the audit log as CSV, oldest first.
    Export {
        /// Only events on or after this date (YYYY-MM-DD).
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Only events up to and including this date (YYYY-MM-DD).
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// Flags that override settings, serialised only when given.
#[derive(Serialize)]
struct FlagOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log_format: Option<LogFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log_level: Option<String>,
}

/// Top-level settings keys, so unrelated `LINKWORK_*` variables (such as
/// the test suite's) are not mistaken for settings. Environment names
/// arrive upper-case, so the comparison ignores case.
fn setting_keys() -> Vec<String> {
    match serde_json::to_value(Settings::default()) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

pub fn load_settings(cli: &Cli) -> anyhow::Result<Settings> {
    let g = &cli.global;
    let listen = match &cli.command {
        Command::Serve(args) => args.listen,
        _ => None,
    };
    let mut figment = Figment::from(Serialized::defaults(Settings::default()));
    if let Some(path) = &g.config {
        anyhow::ensure!(
            path.exists(),
            "configuration file {} does not exist",
            path.display()
        );
        figment = figment.merge(Toml::file_exact(path));
    }
    let keys = setting_keys();
    figment = figment
        .merge(Env::prefixed("LINKWORK_").split("__").filter(move |k| {
            let top = k.as_str().split('.').next().unwrap_or_default();
            keys.iter().any(|key| key.eq_ignore_ascii_case(top))
        }))
        .merge(Serialized::defaults(FlagOverrides {
            listen,
            data_dir: g.data_dir.clone(),
            database_url: g.database_url.clone(),
            log_format: g.log_json.then_some(LogFormat::Json),
            log_level: g.log_level.clone(),
        }));
    figment.extract().context("invalid configuration")
}
