//! The `linkwork` binary end to end: configuration, accounts, the audit
//! export and graceful shutdown.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_linkwork");

fn linkwork(data_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .arg("--data-dir")
        .arg(data_dir)
        // Keep the developer's own settings out of the tests.
        .env_remove("LINKWORK_DATABASE_URL")
        .env_remove("LINKWORK_CONFIG")
        .env("LINKWORK_PASSWORD_HASHING__MEMORY_KIB", "64")
        .env("LINKWORK_PASSWORD_HASHING__ITERATIONS", "1");
    cmd
}

fn run(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("linkwork-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn settings_come_from_file_then_environment_then_flags_and_hide_secrets() {
    let dir = temp_dir("config");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("linkwork.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:9001\"\nlog_level = \"debug\"\n[session]\nidle_timeout_minutes = 20\n").unwrap();
    let out = run(
        linkwork(&dir, &["show-config", "--config", file.to_str().unwrap()])
            .env("LINKWORK_LOG_LEVEL", "warn")
            .env("LINKWORK_SESSION__ABSOLUTE_TIMEOUT_HOURS", "8")
            .env(
                "LINKWORK_DATABASE_URL",
                "postgres://app:hunter2@db.example/linkwork",
            ),
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("listen = \"127.0.0.1:9001\""),
        "file: {shown}"
    );
    assert!(
        shown.contains("log_level = \"warn\""),
        "environment beats file: {shown}"
    );
    assert!(
        shown.contains("idle_timeout_minutes = 20") && shown.contains("absolute_timeout_hours = 8")
    );
    assert!(
        !shown.contains("hunter2"),
        "secrets are never printed: {shown}"
    );
    let flagged = run(
        &mut linkwork(
            &dir,
            &[
                "show-config",
                "--config",
                file.to_str().unwrap(),
                "--log-level",
                "error",
            ],
        ),
        "",
    );
    assert!(
        text(&flagged.stdout).contains("log_level = \"error\""),
        "flags beat everything"
    );

    std::fs::write(&file, "listen = \"127.0.0.1:9001\"\nlisten_port = 1\n").unwrap();
    let typo = run(
        &mut linkwork(&dir, &["show-config", "--config", file.to_str().unwrap()]),
        "",
    );
    assert!(!typo.status.success());
    assert!(
        text(&typo.stderr).contains("listen_port"),
        "unknown settings are named: {}",
        text(&typo.stderr)
    );
}

#[test]
fn default_config_prints_every_setting() {
    let out = run(&mut linkwork(&temp_dir("default"), &["default-config"]), "");
    assert!(out.status.success());
    let config = text(&out.stdout);
    for key in [
        "listen",
        "data_dir",
        "database_url",
        "[session]",
        "[login]",
        "[password_hashing]",
    ] {
        assert!(config.contains(key), "{key}");
    }
}

#[test]
fn questionnaire_definitions_are_checked_naming_the_file_and_item() {
    let dir = temp_dir("measures");
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("ours.toml");
    let definition = "code = \"ours\"\nname = \"Ours\"\nnotice = \"CC BY 4.0\"\n[answers]\nyn = [{ value = 0, label = \"No\" }, { value = 1, label = \"Yes\" }]\n[[items]]\ncode = \"out_more\"\ntext = \"Do you go out more?\"\nanswers = \"yn\"\n[[scores]]\ncode = \"out\"\nlabel = \"Going out\"\nitems = [\"out_more\"]\nrule = \"sum\"\nmin_items = 1\nhigher_is_better = true\n";
    std::fs::write(&good, definition).unwrap();
    let ok = run(
        &mut linkwork(&dir, &["measures", "check", good.to_str().unwrap()]),
        "",
    );
    assert!(ok.status.success(), "{}", text_of(&ok));
    assert!(
        text(&ok.stdout).contains("Ours (ours), 1 items"),
        "{}",
        text_of(&ok)
    );
    let bad = dir.join("broken.toml");
    std::fs::write(
        &bad,
        definition.replace("answers = \"yn\"", "answers = \"yes-no\""),
    )
    .unwrap();
    let refused = run(
        &mut linkwork(
            &dir,
            &[
                "measures",
                "check",
                good.to_str().unwrap(),
                bad.to_str().unwrap(),
            ],
        ),
        "",
    );
    assert!(!refused.status.success());
    let err = text(&refused.stderr);
    assert!(
        err.contains("broken.toml: item `out_more`: no answers are named `yes-no`"),
        "{err}"
    );
    assert!(err.contains("1 of 2 definition files refused"), "{err}");
    let listed = run(&mut linkwork(&dir, &["measures", "list"]), "");
    assert!(text(&listed.stdout).contains("UCLA 3-item loneliness scale (ucla3)"));
}

fn text_of(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

#[test]
fn users_are_added_from_the_command_line_and_the_audit_log_exports() {
    let dir = temp_dir("users");
    let migrate = run(&mut linkwork(&dir, &["migrate"]), "");
    assert!(migrate.status.success(), "{}", text(&migrate.stderr));
    assert!(text(&migrate.stdout).contains("Database is up to date"));

    let icb = run(
        &mut linkwork(
            &dir,
            &[
                "org",
                "add",
                "--name",
                "North ICB",
                "--kind",
                "icb",
                "--code",
                "QXX",
            ],
        ),
        "",
    );
    assert!(icb.status.success(), "{}", text(&icb.stderr));
    let pcn = run(
        &mut linkwork(
            &dir,
            &[
                "org",
                "add",
                "--name",
                "North PCN",
                "--kind",
                "pcn",
                "--parent",
                "QXX",
            ],
        ),
        "",
    );
    assert!(pcn.status.success(), "{}", text(&pcn.stderr));

    let added = run(
        &mut linkwork(
            &dir,
            &[
                "user",
                "add",
                "--org",
                "North PCN",
                "--role",
                "link_worker",
                "--role",
                "team-lead",
                "--email",
                "Sam@Example.org",
                "--name",
                "Sam Lee",
            ],
        ),
        "a long enough passphrase\n",
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(
        text(&added.stdout)
            .contains("Added Sam Lee (sam@example.org) to North PCN as Link worker, Team lead.")
    );

    let generated = run(
        &mut linkwork(
            &dir,
            &[
                "user",
                "add",
                "--org",
                "QXX",
                "--role",
                "admin",
                "--email",
                "admin@example.org",
                "--generate-password",
            ],
        ),
        "",
    );
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let shown = text(&generated.stdout);
    let password = shown
        .lines()
        .find_map(|l| l.strip_prefix("Password (shown once): "))
        .expect("password printed");
    assert_eq!(password.len(), 20);

    let bad_role = run(
        &mut linkwork(
            &dir,
            &[
                "user",
                "add",
                "--org",
                "QXX",
                "--role",
                "wizard",
                "--email",
                "x@example.org",
            ],
        ),
        "a long enough passphrase\n",
    );
    assert!(!bad_role.status.success());
    assert!(
        text(&bad_role.stderr).contains("roles: unknown role \"wizard\""),
        "{}",
        text(&bad_role.stderr)
    );
    let short = run(
        &mut linkwork(
            &dir,
            &[
                "user",
                "add",
                "--org",
                "QXX",
                "--role",
                "admin",
                "--email",
                "y@example.org",
            ],
        ),
        "short\n",
    );
    assert!(text(&short.stderr).contains("Password must be 12 characters or more"));
    let no_org = run(
        &mut linkwork(
            &dir,
            &[
                "user",
                "add",
                "--org",
                "Nowhere",
                "--role",
                "admin",
                "--email",
                "z@example.org",
            ],
        ),
        "x\n",
    );
    assert!(text(&no_org.stderr).contains("no organisation has the ID, code or name \"Nowhere\""));

    let csv_path = dir.join("audit.csv");
    let export = run(
        &mut linkwork(
            &dir,
            &["audit", "export", "--output", csv_path.to_str().unwrap()],
        ),
        "",
    );
    assert!(export.status.success(), "{}", text(&export.stderr));
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,at,actor_user_id,actor,org_id,action,entity_type,entity_id,detail,ip")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(
        rows.iter()
            .filter(|r| r.contains(",organisation.create,"))
            .count(),
        2
    );
    assert_eq!(
        rows.iter().filter(|r| r.contains(",user.create,")).count(),
        2
    );
    assert!(rows.iter().all(|r| r.contains(",command line,")));
    // The export itself is recorded, and shows in the next export.
    let again = run(&mut linkwork(&dir, &["audit", "export"]), "");
    assert!(text(&again.stdout).contains(",audit.export,"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[test]
fn serve_with_demo_data_and_stop_on_sigterm() {
    let dir = temp_dir("serve");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = linkwork(&dir, &["serve", "--demo", "--listen", &listen])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let ready = loop {
        if let Some(r) = http_get(port, "/readyz") {
            break r;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    let login = http_get(port, "/login").unwrap();
    assert!(login.contains("Sign in to Linkwork"));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let stopped = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(15),
            "server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(exit.success(), "clean exit on SIGTERM");
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert!(
        stdout.contains("admin@riverside.example"),
        "demo logins printed: {stdout}"
    );
    assert!(stdout.contains("password for all: linkwork-demo-2026"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Serves from `dir` until `/readyz` answers, runs `check`, then stops.
fn while_serving(dir: &Path, check: impl FnOnce()) {
    /// Stops the server however the test ends, a failed check included.
    struct Serving(std::process::Child);
    impl Drop for Serving {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let _serving = Serving(
        linkwork(dir, &["serve", "--listen", &listen])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while http_get(port, "/readyz").is_none_or(|r| !r.starts_with("HTTP/1.1 200")) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    check();
}

/// Finding 10: the database, its WAL and the data folder were created
/// readable by every account on the machine (0644, 0755). They are the
/// operator's alone, and an older installation's are tightened.
#[cfg(unix)]
#[test]
fn the_database_and_its_folder_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let root = temp_dir("private");
    let dir = root.join("nested").join("data");
    while_serving(&dir, || {
        assert_eq!(mode(&dir), 0o700, "data folder");
        for file in ["linkwork.db", "linkwork.db-wal", "linkwork.db-shm"] {
            assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
        }
    });

    // Files left open to others by an older version are closed up.
    let old = root.join("old");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
    let migrated = run(&mut linkwork(&old, &["migrate"]), "");
    assert!(migrated.status.success(), "{}", text(&migrated.stderr));
    std::fs::set_permissions(
        old.join("linkwork.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let again = run(&mut linkwork(&old, &["migrate"]), "");
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(mode(&old), 0o700);
    assert_eq!(mode(&old.join("linkwork.db")), 0o600);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn postcodes_import_with_rejections_listed_and_bad_files_change_nothing() {
    let dir = temp_dir("postcodes");
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("nspl.csv");
    std::fs::write(
        &good,
        "pcd7,pcds,lat,long,lsoa21,imd\nRV1 1AA,RV1 1AA,53.7,-1.9,E01000001,120\nXX,not a postcode,53.7,-1.9,,\nRV1 1AB,RV1 1AB,99.999999,0.000000,,\nRV2 2BB,rv22bb,53.71,-1.91,E01000002,\n",
    )
    .unwrap();
    let out = run(
        &mut linkwork(&dir, &["import", "postcodes", good.to_str().unwrap()]),
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Imported 2 postcodes"), "{stdout}");
    assert!(stdout.contains("Rejected 2 rows:"));
    assert!(stdout.contains("line 3: \"not a postcode\" is not a valid postcode"));
    assert!(stdout.contains("line 4: RV1 1AB has no location"));

    let bad = dir.join("not-nspl.csv");
    std::fs::write(&bad, "name,address\nx,y\n").unwrap();
    let refused = run(
        &mut linkwork(&dir, &["import", "postcodes", bad.to_str().unwrap()]),
        "",
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("is not a postcode lookup file: no postcode column"),
        "{}",
        text(&refused.stderr)
    );
    let missing = run(
        &mut linkwork(&dir, &["import", "postcodes", "/no/such/file.csv"]),
        "",
    );
    assert!(text(&missing.stderr).contains("could not open /no/such/file.csv"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_service_naming_an_unknown_organisation_is_rejected_and_the_rest_import() {
    let dir = temp_dir("references");
    std::fs::create_dir_all(&dir).unwrap();
    let feed = dir.join("f.json");
    // The issue's reproduction.
    std::fs::write(
        &feed,
        r#"[{"id":"5f0c7a4e-1b2d-4c3e-9f10-bbbbbbbbbbbb","name":"Good","status":"active"},{"id":"5f0c7a4e-1b2d-4c3e-9f10-aaaaaaaaaaaa","name":"X","status":"active","organization_id":"0b0b0b0b-0000-4000-8000-000000000001"}]"#,
    )
    .unwrap();
    let strict = run(
        &mut linkwork(
            &dir,
            &["import", "directory", feed.to_str().unwrap(), "--strict"],
        ),
        "",
    );
    assert!(!strict.status.success());
    assert!(
        text(&strict.stderr).contains("1 records of")
            && text(&strict.stderr).contains("with --strict nothing was imported"),
        "{}",
        text(&strict.stderr)
    );
    assert!(
        text(&strict.stdout).contains(
            "item 2: organization_id 0b0b0b0b-0000-4000-8000-000000000001 names an organization"
        ),
        "{}",
        text(&strict.stdout)
    );
    let out = run(
        &mut linkwork(&dir, &["import", "directory", feed.to_str().unwrap()]),
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("1 services new, 0 updated, 1 rejected"),
        "the strict run wrote nothing, this one the good service: {stdout}"
    );
    assert!(
        stdout.contains(
            "item 2: organization_id 0b0b0b0b-0000-4000-8000-000000000001 names an organization that is neither in this import nor in the directory"
        ),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn directory_import_reports_and_a_killed_import_keeps_whole_parts() {
    let dir = temp_dir("directory");
    std::fs::create_dir_all(&dir).unwrap();
    let small = dir.join("small.json");
    std::fs::write(
        &small,
        r#"[{"id": "11111111-1111-4111-8111-111111111111", "name": "Lunch Club", "status": "active"},
            {"id": "22222222-2222-4222-8222-222222222222", "name": "Choir", "status": "singing"}]"#,
    )
    .unwrap();
    let out = run(
        &mut linkwork(&dir, &["import", "directory", small.to_str().unwrap()]),
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("1 services new, 0 updated, 1 rejected"),
        "{stdout}"
    );
    assert!(
        stdout.contains("item 2: status: unknown variant `singing`"),
        "{stdout}"
    );
    let again = run(
        &mut linkwork(&dir, &["import", "directory", small.to_str().unwrap()]),
        "",
    );
    assert!(text(&again.stdout).contains("0 services new, 1 updated, 1 rejected"));

    // A large import killed part-way keeps only whole parts, each in the
    // audit log.
    let big = dir.join("big.json");
    std::fs::write(&big, linkwork_demo::directory_feed(30_000)).unwrap();
    let db = dir.join("linkwork.db");
    // Services stored, and the import's parts the audit log records.
    let count = || -> (u64, u64) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            use linkwork_storage::{AuditFilter, AuditStore, DirectoryStore, PageRequest};
            let store = linkwork_storage_sqlite::SqliteStore::open(&db)
                .await
                .unwrap();
            let parts = store
                .audit_events(
                    &AuditFilter {
                        action: Some("directory.import".into()),
                        ..Default::default()
                    },
                    PageRequest::new(1, 100),
                )
                .await
                .unwrap()
                .items
                .iter()
                .filter(|e| e.detail.contains("big.json") && e.detail.contains(" part "))
                .count() as u64;
            (store.service_count().await.unwrap(), parts)
        })
    };
    assert_eq!(count(), (1, 0));
    let mut child = linkwork(&dir, &["import", "directory", big.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill it once it says it has started writing, not after a guess at
    // how long reading takes.
    let stderr = child.stderr.take().unwrap();
    let (said, heard) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.starts_with("Writing ") {
                let _ = said.send(());
            }
        }
    });
    heard
        .recv_timeout(Duration::from_secs(300))
        .expect("the import said it began writing");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import was still running when killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let (services, parts) = count();
    assert_eq!(
        services,
        1 + parts * 5_000,
        "whole parts only, each one audited"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn backup_and_restore_keep_what_was_there_and_refuse_a_bad_file() {
    let dir = temp_dir("backup");
    let org = |name: &str| {
        let out = run(
            &mut linkwork(&dir, &["org", "add", "--name", name, "--kind", "icb"]),
            "",
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    let orgs = || text(&run(&mut linkwork(&dir, &["org", "list"]), "").stdout);
    org("Kept ICB");
    let file = dir.with_extension("backup.db");
    let _ = std::fs::remove_file(&file);
    let backup = run(&mut linkwork(&dir, &["backup", file.to_str().unwrap()]), "");
    assert!(backup.status.success(), "{}", text(&backup.stderr));
    assert!(text(&backup.stdout).contains("checked"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a backup holds people's records");
    }
    // A second backup to the same file is refused, not overwritten.
    let again = run(&mut linkwork(&dir, &["backup", file.to_str().unwrap()]), "");
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already exists"));

    org("Added after the backup");
    assert!(orgs().contains("Added after the backup"));
    let restore = run(
        &mut linkwork(&dir, &["restore", file.to_str().unwrap()]),
        "",
    );
    assert!(restore.status.success(), "{}", text(&restore.stderr));
    assert!(text(&restore.stdout).contains("is kept at"));
    let now = orgs();
    assert!(now.contains("Kept ICB"), "{now}");
    assert!(!now.contains("Added after the backup"), "{now}");

    let junk = dir.with_extension("junk.db");
    std::fs::write(&junk, "not a database\n".repeat(500)).unwrap();
    let refused = run(
        &mut linkwork(&dir, &["restore", junk.to_str().unwrap()]),
        "",
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("not a SQLite database"),
        "{}",
        text(&refused.stderr)
    );
    assert!(
        orgs().contains("Kept ICB"),
        "a refused restore changes nothing"
    );

    let postgres = run(
        linkwork(&dir, &["backup", "x.db"]).env(
            "LINKWORK_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/postgres",
        ),
        "",
    );
    assert!(!postgres.status.success());
    assert!(text(&postgres.stderr).contains("pg_dump"));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_file(&junk);
}

/// The report's key figures since 2000 as CSV, with `more` arguments.
fn summary_csv(dir: &Path, more: &[&str]) -> String {
    let mut args = vec![
        "report",
        "summary",
        "--from",
        "2000-01-01",
        "--table",
        "summary",
        "--csv",
    ];
    args.extend_from_slice(more);
    let out = run(&mut linkwork(dir, &args), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn report_summary_prints_the_dashboards_tables_suppressed() {
    let dir = temp_dir("report");
    let demo = run(&mut linkwork(&dir, &["demo"]), "");
    assert!(demo.status.success(), "{}", text(&demo.stderr));

    let all = run(
        &mut linkwork(&dir, &["report", "summary", "--from", "2000-01-01"]),
        "",
    );
    assert!(all.status.success(), "{}", text(&all.stderr));
    let shown = text(&all.stdout);
    assert!(shown.contains("Key figures (summary)"), "{shown}");
    assert!(shown.contains("Waiting time from referral to first contact (waiting-times)"));
    assert!(
        shown.contains("fewer than 5"),
        "empty months are suppressed: {shown}"
    );
    let received = |out: &str| -> u64 {
        out.lines()
            .find_map(|l| l.strip_prefix("Referrals received,"))
            .unwrap_or_else(|| panic!("no count in {out}"))
            .parse()
            .unwrap()
    };
    let csv = |network: &str| summary_csv(&dir, &["--network", network]);
    let north = csv("U00001");
    assert!(north.starts_with("Figure,Value\n"), "{north}");
    assert_eq!(
        received(&north) + received(&csv("U00002")),
        2 * u64::from(linkwork_demo::REFERRALS_PER_NETWORK),
        "the two networks' referrals are all the demo's"
    );

    let unknown = run(
        &mut linkwork(&dir, &["report", "summary", "--table", "nothing"]),
        "",
    );
    assert!(!unknown.status.success());
    assert!(text_of(&unknown).contains("the tables are summary, referrals-by-month"));
    let bad = run(
        &mut linkwork(&dir, &["report", "summary", "--from", "soon"]),
        "",
    );
    assert!(!bad.status.success());
    assert!(text_of(&bad).contains("from: Enter a real date"));
}

/// The registered patients of the demo's practices in the age and sex
/// file, counted here from the file itself (its five-year bands, not its
/// totals rows).
fn patients_in(file: &str) -> u64 {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|cells| cells[7] != "ALL" && cells[8] != "ALL")
        .map(|cells| cells[9].parse::<u64>().unwrap())
        .sum()
}

#[test]
fn population_and_deprivation_import_whole_or_not_at_all() {
    let dir = temp_dir("population");
    let demo = run(&mut linkwork(&dir, &["demo"]), "");
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/population");
    let age_sex = format!("{root}/riverside-gp-reg-pat-prac-quin-age.csv");
    let registered = || -> String {
        summary_csv(&dir, &[])
            .lines()
            .find_map(|l| l.strip_prefix("Patients registered with the practices counted,"))
            .unwrap()
            .to_owned()
    };
    // The demo loaded the same file.
    assert_eq!(registered(), patients_in(&age_sex).to_string());

    // Twice as many patients: the report follows.
    let doubled = dir.join("doubled.csv");
    let text_of_file = std::fs::read_to_string(&age_sex).unwrap();
    let mut lines = text_of_file.lines();
    let mut twice = format!("{}\n", lines.next().unwrap());
    for line in lines {
        let (rest, n) = line.rsplit_once(',').unwrap();
        twice.push_str(&format!("{rest},{}\n", n.parse::<u64>().unwrap() * 2));
    }
    std::fs::write(&doubled, &twice).unwrap();
    let out = run(
        &mut linkwork(
            &dir,
            &["import", "registered-population", doubled.to_str().unwrap()],
        ),
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(&format!(
            "{} patients",
            patients_in(doubled.to_str().unwrap())
        )),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(registered(), (2 * patients_in(&age_sex)).to_string());

    // One bad row: refused whole, naming the row; nothing changes.
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, twice.replacen(",392\n", ",many\n", 1)).unwrap();
    let refused = run(
        &mut linkwork(
            &dir,
            &["import", "registered-population", bad.to_str().unwrap()],
        ),
        "",
    );
    assert!(!refused.status.success());
    let said = text_of(&refused);
    assert!(said.contains("was not imported: 1 row is wrong"), "{said}");
    assert!(
        said.contains("line 3: the number of patients \"many\" is not a whole number"),
        "{said}"
    );
    assert_eq!(registered(), (2 * patients_in(&age_sex)).to_string());

    // Deprivation: each LSOA's rank and decile, checked against each other.
    let iod = format!("{root}/riverside-iod2019-lsoa.csv");
    let lsoas = std::fs::read_to_string(&iod).unwrap().lines().count() - 1;
    let out = run(&mut linkwork(&dir, &["import", "deprivation", &iod]), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(&format!(
            "Imported the deprivation of {lsoas} LSOAs (IoD2019)"
        )),
        "{}",
        text(&out.stdout)
    );
    let wrong = dir.join("wrong-decile.csv");
    let iod_text = std::fs::read_to_string(&iod).unwrap();
    let second = iod_text.lines().nth(1).unwrap();
    let (rest, _) = second.rsplit_once(',').unwrap();
    std::fs::write(&wrong, iod_text.replacen(second, &format!("{rest},10"), 1)).unwrap();
    let refused = run(
        &mut linkwork(&dir, &["import", "deprivation", wrong.to_str().unwrap()]),
        "",
    );
    assert!(!refused.status.success());
    assert!(
        text_of(&refused).contains("line 2: IMD decile"),
        "{}",
        text_of(&refused)
    );
    let missing = run(
        &mut linkwork(&dir, &["import", "deprivation", "/no/such/iod.csv"]),
        "",
    );
    assert!(text_of(&missing).contains("could not open /no/such/iod.csv"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn retention_sweep_shows_who_is_due_then_anonymises_them() {
    let dir = temp_dir("retention");
    let demo = run(&mut linkwork(&dir, &["demo"]), "");
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    let sweep = |dry_run: bool, years: &str| {
        let mut args = vec!["retention", "sweep"];
        if dry_run {
            args.push("--dry-run");
        }
        let out = run(
            linkwork(&dir, &args).env("LINKWORK_RETENTION__YEARS_AFTER_DISCHARGE", years),
            "",
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let due = |out: &str| -> usize {
        out.lines()
            .find_map(|l| l.strip_prefix("Dry run: "))
            .and_then(|l| l.split(' ').next())
            .unwrap_or_else(|| panic!("no count in {out}"))
            .parse()
            .unwrap()
    };
    // The demo's referrals are all from the last year or so.
    assert_eq!(due(&sweep(true, "8")), 0);
    // With no period at all, everyone whose referrals all closed before
    // today is due; a dry run lists them and changes nothing.
    let preview = sweep(true, "0");
    let count = due(&preview);
    assert!(count > 0, "{preview}");
    let ids: Vec<&str> = preview
        .lines()
        .filter(|l| l.contains(" (network "))
        .collect();
    assert_eq!(ids.len(), count, "{preview}");
    assert_eq!(due(&sweep(true, "0")), count, "a dry run changes nothing");

    let done = sweep(false, "0");
    assert!(
        done.contains(&format!("Anonymised {count} of {count} records due.")),
        "{done}"
    );
    assert_eq!(due(&sweep(true, "0")), 0, "no one is due twice");

    let audit = run(&mut linkwork(&dir, &["audit", "export"]), "");
    let log = text(&audit.stdout);
    let sweeps = log
        .lines()
        .filter(|l| l.contains("retention.sweep"))
        .count();
    assert_eq!(sweeps, 5, "every run is audited: {log}");
    let erased = log.lines().filter(|l| l.contains("person.erase")).count();
    assert_eq!(erased, count);
}
