//! The one typed settings struct. The CLI fills it from a file, then
//! `LINKWORK_*` environment variables, then flags; everything else reads
//! it. Secrets are wrapped so they are never printed or logged.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A value that must not appear in logs or output: shown as `********`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("********")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address the web server listens on.
    pub listen: SocketAddr,
    /// Where the embedded SQLite database lives (created on first run).
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of SQLite.
    pub database_url: Option<Secret>,
    /// Connections each instance keeps to PostgreSQL.
    pub database_max_connections: u32,
    /// 32 random bytes in base64 that seal the secrets Linkwork must read
    /// back (second-factor keys, single sign-on client secrets). Unset,
    /// the command line keeps one in `secret.key` in the data folder; set
    /// it (the same on every instance) when several share PostgreSQL.
    pub secret_key: Option<Secret>,
    /// The address users reach Linkwork at, e.g. `https://linkwork.example.nhs.uk`;
    /// used in links Linkwork hands out (set-password links). An `https`
    /// address also turns on secure cookies and HSTS.
    pub public_url: Option<String>,
    /// How many reverse proxies in front of Linkwork append to
    /// `X-Forwarded-For`. The client's address is the one the outermost of
    /// them added (`N` entries from the right); anything further left is
    /// the client's own to write. 0: the header is ignored.
    pub trusted_proxies: u32,
    /// Older form of `trusted_proxies = 1`, still read.
    pub trust_forwarded_for: bool,
    pub log_format: LogFormat,
    /// A `tracing` filter, e.g. `info` or `linkwork=debug,info`.
    pub log_level: String,
    pub session: SessionSettings,
    pub login: LoginSettings,
    pub password_hashing: PasswordHashing,
    pub directory: DirectorySettings,
    pub referrals: ReferralSettings,
    pub casework: CaseworkSettings,
    pub linking: LinkingSettings,
    pub messaging: MessagingSettings,
    pub outcomes: OutcomeSettings,
    pub reports: ReportSettings,
    pub retention: RetentionSettings,
}

/// How long people's records are kept (DEVELOPERS.md decision 55).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSettings {
    /// A record is anonymised this many years after the person's last
    /// referral closed: 8 by default, as the NHS Records Management Code of
    /// Practice sets for adult care records of this kind.
    pub years_after_discharge: u32,
    /// How often (hours) `serve` runs the sweep; one instance runs it
    /// however many there are. 0 leaves it to `linkwork retention sweep`.
    pub sweep_every_hours: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        RetentionSettings {
            years_after_discharge: 8,
            sweep_every_hours: 24,
        }
    }
}

/// Reports for networks, ICBs and NHS England.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportSettings {
    /// Counts below this are shown as "fewer than N", never the number, on
    /// pages, in files and on the command line, as NHS statistics do.
    pub suppress_below: u64,
    /// Gaps in provision: a need is out of reach when no suitable service
    /// has a place within this many kilometres of the person.
    pub gap_distance_km: u32,
    /// Gaps in provision: a wait to start a service longer than this many
    /// days is a long wait.
    pub long_wait_days: u32,
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings {
            suppress_below: 5,
            gap_distance_km: 5,
            long_wait_days: 28,
        }
    }
}

/// Outcome measures: the questionnaires beyond the built-in ones, and the
/// links people answer them from on their own phones.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutcomeSettings {
    /// Questionnaire definition files (TOML) an organisation supplies under
    /// its own licence, e.g. SWEMWBS's wording. Each is checked at start:
    /// one with an error stops Linkwork starting, naming the problem.
    pub definition_files: Vec<PathBuf>,
    /// How long a questionnaire link sent to a person works, in days.
    pub link_days: u32,
}

impl Default for OutcomeSettings {
    fn default() -> Self {
        OutcomeSettings {
            definition_files: Vec::new(),
            link_days: 7,
        }
    }
}

/// How emails and text messages go out. With nothing configured they stay
/// in the outbox, where an administrator can read them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MessagingSettings {
    /// The SMTP server for email, as a URL: `smtps://user:pass@host:465`,
    /// or `smtp://user:pass@host:587?tls=required` for STARTTLS.
    pub smtp_url: Option<Secret>,
    /// The sender of emails, e.g. `Linkwork <no-reply@linkwork.example>`.
    pub from: String,
    /// How often each instance looks for messages to send (seconds).
    pub poll_interval_seconds: u32,
    /// The wait before the first retry of a message that failed (seconds);
    /// it doubles with each try, up to four hours.
    pub retry_base_seconds: u32,
    /// How long an instance holds the messages it took to send, before
    /// another instance may try them (seconds).
    pub claim_seconds: u32,
    /// Organisations that send through GOV.UK Notify.
    pub notify: Vec<NotifySettings>,
}

impl Default for MessagingSettings {
    fn default() -> Self {
        MessagingSettings {
            smtp_url: None,
            from: "Linkwork <no-reply@linkwork.invalid>".into(),
            poll_interval_seconds: 5,
            retry_base_seconds: 30,
            claim_seconds: 120,
            notify: Vec::new(),
        }
    }
}

/// An organisation's GOV.UK Notify service: its messages (and those of the
/// organisations under it) go through it. Its templates take the message
/// as `((subject))` (email) and `((body))`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySettings {
    /// The organisation's code (ODS code), e.g. `QWO` for an ICB.
    pub organisation: String,
    /// The API key from Notify's "API integration" page.
    pub api_key: Secret,
    /// Template ids; leave one out to send that kind another way.
    pub email_template_id: Option<String>,
    pub text_template_id: Option<String>,
    /// Notify's address (changed only to test against a stand-in).
    #[serde(default = "notify_base_url")]
    pub base_url: String,
}

pub fn notify_base_url() -> String {
    "https://api.notifications.service.gov.uk".into()
}

/// Referring people onward to community services, and hearing back.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkingSettings {
    /// How long the answer links in a partner's email work.
    pub answer_link_days: u32,
    /// An onward referral with no answer after this many days needs the
    /// link worker's attention, and a task to chase the partner is made.
    pub chase_after_days: u32,
}

impl Default for LinkingSettings {
    fn default() -> Self {
        LinkingSettings {
            answer_link_days: 14,
            chase_after_days: 7,
        }
    }
}

/// The link worker's casework.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaseworkSettings {
    /// The team lead's view flags cases in progress with no attended
    /// contact for this many days.
    pub no_contact_alert_days: u32,
}

impl Default for CaseworkSettings {
    fn default() -> Self {
        CaseworkSettings {
            no_contact_alert_days: 14,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DirectorySettings {
    /// Listings not updated for this many days are flagged as possibly out
    /// of date.
    pub stale_after_days: u32,
    /// How often each instance checks the database for directory changes
    /// made elsewhere (another instance, an import).
    pub sync_interval_seconds: u32,
    /// The hour (0–23, UTC) at which a nightly or slower feed is read.
    pub feed_hour_utc: u32,
    /// How often each instance looks for a registered feed that is due.
    pub feed_check_seconds: u32,
}

impl Default for DirectorySettings {
    fn default() -> Self {
        DirectorySettings {
            stale_after_days: 180,
            sync_interval_seconds: 2,
            feed_hour_utc: 2,
            feed_check_seconds: 60,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// Sign a user out after this many minutes without a request.
    pub idle_timeout_minutes: u32,
    /// Sign a user out this many hours after sign-in, however active.
    pub absolute_timeout_hours: u32,
    /// How long an invitation or password-reset link works.
    pub credential_link_days: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginSettings {
    /// Wrong passwords for one account from one address within the window;
    /// further attempts from that address are refused until the window has
    /// passed (other addresses can still sign in), and the account is
    /// reported to its organisation's admins. Beyond this many failures for
    /// the account from anywhere, its sign-ins are slowed.
    pub max_failures_per_account: u32,
    /// Failed sign-ins from one address (to any accounts) within the
    /// window, beyond which sign-ins from it are slowed, never refused.
    pub max_failures_per_address: u32,
    /// The longest a sign-in is slowed: the delay starts at a second and
    /// doubles with each failure beyond a limit.
    pub max_delay_seconds: u32,
    pub window_minutes: u32,
}

/// Argon2id cost. The defaults are OWASP's recommended minimum (19 MiB,
/// two passes); raise them if sign-in stays fast enough on your hardware.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordHashing {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Hashes worked on at once (each holds `memory_kib`); 0 means one per
    /// CPU core.
    pub max_concurrent: u32,
    /// Sign-ins and password changes that may wait for a turn; beyond
    /// this, or after waiting 10 seconds, they are refused with 503 and
    /// `Retry-After`, so a flood of sign-ins cannot exhaust memory.
    pub max_waiting: u32,
}

/// Waiting-time targets and the public referral form's limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReferralSettings {
    /// A link worker should first contact a referred person within this
    /// many working days of the referral arriving; the waiting list
    /// highlights referrals past it.
    pub first_contact_target_working_days: u32,
    /// Attempts to reach the person that must fail before a referral can
    /// be closed as "unable to contact".
    pub contact_attempts_before_unable_to_contact: u32,
    /// Submissions of the public referral form (`/refer`) accepted from one
    /// client address in an hour.
    pub public_submissions_per_address_per_hour: u32,
    /// Days that are not working days besides weekends (bank holidays), as
    /// "YYYY-MM-DD".
    pub non_working_days: Vec<chrono::NaiveDate>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("linkwork-data"),
            database_url: None,
            database_max_connections: 10,
            secret_key: None,
            public_url: None,
            trusted_proxies: 0,
            trust_forwarded_for: false,
            log_format: LogFormat::Text,
            log_level: "info".into(),
            session: SessionSettings::default(),
            login: LoginSettings::default(),
            password_hashing: PasswordHashing::default(),
            directory: DirectorySettings::default(),
            referrals: ReferralSettings::default(),
            casework: CaseworkSettings::default(),
            linking: LinkingSettings::default(),
            messaging: MessagingSettings::default(),
            outcomes: OutcomeSettings::default(),
            reports: ReportSettings::default(),
            retention: RetentionSettings::default(),
        }
    }
}

/// Bank holidays in England and Wales, 2025 to 2027 (gov.uk), the
/// default non-working days.
const ENGLAND_AND_WALES_BANK_HOLIDAYS: [(i32, u32, u32); 24] = [
    (2025, 1, 1),
    (2025, 4, 18),
    (2025, 4, 21),
    (2025, 5, 5),
    (2025, 5, 26),
    (2025, 8, 25),
    (2025, 12, 25),
    (2025, 12, 26),
    (2026, 1, 1),
    (2026, 4, 3),
    (2026, 4, 6),
    (2026, 5, 4),
    (2026, 5, 25),
    (2026, 8, 31),
    (2026, 12, 25),
    (2026, 12, 28),
    (2027, 1, 1),
    (2027, 3, 26),
    (2027, 3, 29),
    (2027, 5, 3),
    (2027, 5, 31),
    (2027, 8, 30),
    (2027, 12, 27),
    (2027, 12, 28),
];

impl Default for ReferralSettings {
    fn default() -> Self {
        ReferralSettings {
            first_contact_target_working_days: 5,
            contact_attempts_before_unable_to_contact: 3,
            public_submissions_per_address_per_hour: 10,
            non_working_days: ENGLAND_AND_WALES_BANK_HOLIDAYS
                .iter()
                .filter_map(|&(y, m, d)| chrono::NaiveDate::from_ymd_opt(y, m, d))
                .collect(),
        }
    }
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle_timeout_minutes: 30,
            absolute_timeout_hours: 12,
            credential_link_days: 7,
        }
    }
}

impl Default for LoginSettings {
    fn default() -> Self {
        LoginSettings {
            max_failures_per_account: 5,
            max_failures_per_address: 50,
            max_delay_seconds: 10,
            window_minutes: 15,
        }
    }
}

impl Default for PasswordHashing {
    fn default() -> Self {
        PasswordHashing {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
            max_concurrent: 0,
            max_waiting: 64,
        }
    }
}

impl Settings {
    /// Whether users reach Linkwork over HTTPS (secure cookies, HSTS).
    pub fn behind_tls(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"))
    }

    /// The address Linkwork puts in the links it hands out: `public_url`,
    /// or the listening address when none is set; no trailing slash.
    pub fn public_base_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_owned()
    }

    /// Proxies trusted to append to `X-Forwarded-For`: `trusted_proxies`,
    /// or one when only the older `trust_forwarded_for` is set.
    pub fn forwarding_proxies(&self) -> u32 {
        if self.trusted_proxies == 0 && self.trust_forwarded_for {
            1
        } else {
            self.trusted_proxies
        }
    }

    /// The SQLite file inside the data directory.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("linkwork.db")
    }

    /// The configured database, described without its password.
    pub fn database_description(&self) -> String {
        match &self.database_url {
            Some(url) => redact_url_password(url.expose()),
            None => format!("SQLite at {}", self.sqlite_path().display()),
        }
    }
}

/// `postgres://user:pw@host/db` → `postgres://user:********@host/db`.
pub fn redact_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "********".into();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let redacted_authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:********@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        // Query parameters may carry a password too.
        Some((path, _)) => format!("{path}?…"),
        None => tail.to_owned(),
    };
    format!("{scheme}://{redacted_authority}{tail}")
}

/// The configuration file `linkwork default-config` prints: every setting
/// at its default, with what it does.
pub const DEFAULT_CONFIG: &str = include_str!("default-config.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Settings {
            database_url: Some(Secret::new("postgres://app:hunter2@db/linkwork")),
            ..Settings::default()
        };
        let debug = format!("{s:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert_eq!(
            s.database_description(),
            "postgres://app:********@db/linkwork"
        );
    }

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(
            redact_url_password("postgres://u@h:5432/d"),
            "postgres://u@h:5432/d"
        );
        assert_eq!(
            redact_url_password("postgres://h/d?password=x"),
            "postgres://h/d?…"
        );
        assert_eq!(redact_url_password("garbage"), "********");
    }

    #[test]
    fn tls_is_inferred_from_public_url() {
        let mut s = Settings::default();
        assert!(!s.behind_tls());
        s.public_url = Some("HTTPS://linkwork.example.nhs.uk".into());
        assert!(s.behind_tls());
    }

    #[test]
    fn default_config_file_parses_to_the_defaults() {
        let parsed: Settings = toml_like_parse(DEFAULT_CONFIG);
        let defaults = Settings::default();
        assert_eq!(format!("{parsed:?}"), format!("{defaults:?}"));
    }

    /// The CLI parses the file with figment; here a plain TOML parse checks
    /// the file is valid and complete.
    fn toml_like_parse(text: &str) -> Settings {
        toml::from_str(text).expect("default config parses")
    }
}
