//! What each subcommand does.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, bail};
use chrono::{TimeZone, Utc};
use linkwork_app::admin::Caller;
use linkwork_app::secrets::generate_password;
use linkwork_app::settings::{DEFAULT_CONFIG, LogFormat};
use linkwork_app::{App, AppError, Settings};
use linkwork_domain::OrgId;
use linkwork_domain::organisation::{NewOrganisationInput, Organisation};
use linkwork_domain::user::{Email, NewUserInput};
use linkwork_storage::AuditFilter;

use crate::config::{
    AuditCommand, Cli, Command, OrgCommand, ReportCommand, RetentionCommand, ServeArgs,
    UserCommand, load_settings,
};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::DefaultConfig = cli.command {
        print!("{DEFAULT_CONFIG}");
        return Ok(());
    }
    // Definition files are checked without settings or a database.
    if let Command::Measures(command) = &cli.command {
        return crate::measures::run(command);
    }
    let settings = load_settings(&cli)?;
    if let Command::ShowConfig = cli.command {
        print!(
            "{}",
            toml::to_string(&settings).context("could not show the settings")?
        );
        return Ok(());
    }
    init_logging(&settings);
    // Backup and restore work on the database file, not through the app.
    match &cli.command {
        Command::Backup { file } => return crate::backup::backup(&settings, file).await,
        Command::Restore { file } => return crate::backup::restore(&settings, file).await,
        _ => {}
    }
    let store = crate::store::open(&settings).await?;
    let mut settings = settings;
    crate::store::ensure_secret_key(&mut settings)?;
    let transports =
        linkwork_messaging::transports(&settings.messaging).context("invalid settings")?;
    let app = App::new(store, settings)
        .context("invalid settings")?
        .with_transports(transports)
        .with_feed_client(std::sync::Arc::new(crate::http_feed::HttpFeed::new()?));
    match cli.command {
        Command::Serve(args) => serve(app, args).await,
        Command::Migrate => {
            // Opening the store applied any pending migrations.
            println!(
                "Database is up to date: {}",
                app.settings.database_description()
            );
            Ok(())
        }
        Command::Demo(args) => demo(&app, args.scale).await,
        Command::User(command) => user(&app, command).await,
        Command::Org(command) => org(&app, command).await,
        Command::Import(command) => crate::import::run(&app, command).await,
        Command::Audit(AuditCommand::Export { from, to, output }) => {
            export_audit(&app, from, to, output).await
        }
        Command::Needs(command) => crate::reference::needs(&app, command).await,
        Command::Codes(command) => crate::reference::codes(&app, command).await,
        Command::Report(ReportCommand::Summary(args)) => crate::report::summary(&app, args).await,
        Command::Retention(RetentionCommand::Sweep { dry_run }) => {
            retention_sweep(&app, dry_run).await
        }
        Command::DefaultConfig
        | Command::ShowConfig
        | Command::Measures(_)
        | Command::Backup { .. }
        | Command::Restore { .. } => {
            unreachable!("handled above")
        }
    }
}

fn init_logging(settings: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match settings.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

async fn serve(app: App, args: ServeArgs) -> anyhow::Result<()> {
    if args.demo {
        demo(&app, args.demo_scale).await?;
    }
    let listen = app.settings.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("could not listen on {listen}"))?;
    tracing::info!(address = %listen, database = %app.settings.database_description(), "Linkwork is running");
    println!("Linkwork is running at http://{listen} (press Ctrl+C to stop)");
    linkwork_web::serve(app, listener, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl+C or SIGTERM; the server then finishes requests in
/// flight before exiting.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn demo(app: &App, scale: u32) -> anyhow::Result<()> {
    let summary = linkwork_demo::generate(app, scale).await?;
    if summary.created {
        println!(
            "Demo data created: {} organisations, {} users, {} directory services, {} referrals ({} with casework).",
            summary.organisations,
            summary.users,
            summary.services,
            summary.referrals,
            summary.cases
        );
    } else {
        println!("Demo data is already loaded.");
    }
    println!(
        "\nDemo logins (password for all: {}):",
        linkwork_demo::DEMO_PASSWORD
    );
    for login in &summary.logins {
        println!(
            "  {:<42} {:<30} {}",
            login.email, login.roles, login.organisation
        );
    }
    println!(
        "\nDemo API token (the hospital's discharge system), for /api/v1 and /fhir:\n  {}\n",
        summary.api_token
    );
    Ok(())
}

/// Finds an organisation by ID, code or exact name.
pub(crate) async fn find_org(app: &App, reference: &str) -> anyhow::Result<Organisation> {
    if let Ok(id) = reference.parse::<OrgId>()
        && let Some(org) = app.store.organisation(id).await?
    {
        return Ok(org);
    }
    if let Some(org) = app.store.organisation_by_code(reference).await? {
        return Ok(org);
    }
    let all = app.store.list_organisations(None).await?;
    let matches: Vec<_> = all
        .into_iter()
        .filter(|o| o.name.eq_ignore_ascii_case(reference.trim()))
        .collect();
    match matches.len() {
        1 => Ok(matches.into_iter().next().expect("one match")),
        0 => bail!(
            "no organisation has the ID, code or name {reference:?} (see `linkwork org list`)"
        ),
        n => bail!(
            "{n} organisations are called {reference:?}; use the ID or code instead (see `linkwork org list`)"
        ),
    }
}

/// Turns validation problems into one readable message per field.
pub(crate) fn explain(e: AppError) -> anyhow::Error {
    match e {
        AppError::Invalid(errors) => {
            let lines: Vec<String> = errors
                .errors
                .iter()
                .map(|e| format!("  {}: {}", e.field, e.message))
                .collect();
            anyhow::anyhow!("the input was not valid:\n{}", lines.join("\n"))
        }
        other => anyhow::Error::new(other),
    }
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Confirm password: ")?;
        anyhow::ensure!(first == second, "the passwords do not match");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("could not read the password from standard input")?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

async fn user(app: &App, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            org,
            roles,
            email,
            name,
            generate_password: generate,
        } => {
            let org = find_org(app, &org).await?;
            let display_name =
                name.unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
            let input = NewUserInput {
                email,
                display_name,
                org_id: org.id.to_string(),
                roles,
            };
            let password = if generate {
                generate_password()
            } else {
                read_password()?
            };
            let user = app
                .add_user_with_password(&input, &password)
                .await
                .map_err(explain)?;
            println!(
                "Added {} ({}) to {} as {}.",
                user.display_name,
                user.email,
                org.name,
                user.roles.labels()
            );
            if generate {
                println!("Password (shown once): {password}");
            }
            Ok(())
        }
        UserCommand::ResetLink { email } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let credentials = app
                .store
                .user_credentials(&email)
                .await?
                .with_context(|| format!("no account has the email {email}"))?;
            let token = app
                .issue_reset_link(Caller::Operator, credentials.user.id)
                .await
                .map_err(explain)?;
            println!("{}/account/setup/{token}", app.settings.public_base_url());
            Ok(())
        }
        UserCommand::ResetSecondFactor { email } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let credentials = app
                .store
                .user_credentials(&email)
                .await?
                .with_context(|| format!("no account has the email {email}"))?;
            app.reset_second_factor(Caller::Operator, credentials.user.id)
                .await
                .map_err(explain)?;
            println!("Removed the authenticator app and recovery codes of {email}.");
            Ok(())
        }
    }
}

async fn org(app: &App, command: OrgCommand) -> anyhow::Result<()> {
    match command {
        OrgCommand::Add {
            name,
            kind,
            parent,
            code,
        } => {
            let parent = match parent {
                Some(reference) => Some(find_org(app, &reference).await?.id),
                None => None,
            };
            let input = NewOrganisationInput {
                name,
                kind: kind.code().to_owned(),
                code: code.unwrap_or_default(),
            };
            let org = app
                .create_organisation(Caller::Operator, &input, parent)
                .await
                .map_err(explain)?;
            println!("Added {} ({}), ID {}", org.name, org.kind.label(), org.id);
            Ok(())
        }
        OrgCommand::Coverage { org, set } => {
            let org = find_org(app, &org).await?;
            crate::reference::coverage(app, &org, set).await
        }
        OrgCommand::List => {
            let orgs = app.admin_organisations(Caller::Operator).await?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{:<36}  {:<16}  {:<10}  NAME", "ID", "KIND", "CODE")?;
            for o in orgs {
                writeln!(
                    out,
                    "{:<36}  {:<16}  {:<10}  {}",
                    o.id,
                    o.kind.code(),
                    o.code.as_deref().unwrap_or("-"),
                    o.name
                )?;
            }
            Ok(())
        }
    }
}

async fn export_audit(
    app: &App,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let start_of =
        |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).map(|dt| Utc.from_utc_datetime(&dt));
    let filter = AuditFilter {
        from: from.and_then(start_of),
        to: to.and_then(|d| d.succ_opt()).and_then(start_of),
        ..Default::default()
    };
    let written = match &output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("could not create {}", path.display()))?;
            app.export_audit_csv(&filter, std::io::BufWriter::new(file))
                .await?
        }
        None => {
            app.export_audit_csv(&filter, std::io::stdout().lock())
                .await?
        }
    };
    if let Some(path) = output {
        eprintln!("Wrote {written} audit events to {}", path.display());
    }
    Ok(())
}

/// `linkwork retention sweep [--dry-run]`.
async fn retention_sweep(app: &App, dry_run: bool) -> anyhow::Result<()> {
    let sweep = app
        .retention_sweep(linkwork_domain::audit::Actor::Cli, dry_run)
        .await
        .map_err(explain)?;
    println!(
        "Records are kept {} years after the person's last referral closed: those whose last \
         referral closed before {} are due.",
        app.settings.retention.years_after_discharge,
        sweep.closed_before.format("%Y-%m-%d")
    );
    if dry_run {
        println!(
            "Dry run: {} {} be anonymised. Nothing was changed.",
            sweep.due.len(),
            if sweep.due.len() == 1 {
                "record would"
            } else {
                "records would"
            }
        );
        for (person, network) in &sweep.due {
            println!("{person} (network {network})");
        }
    } else {
        println!(
            "Anonymised {} of {} {} due.",
            sweep.anonymised,
            sweep.due.len(),
            if sweep.due.len() == 1 {
                "record"
            } else {
                "records"
            }
        );
    }
    Ok(())
}
