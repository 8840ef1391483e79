//! Linkwork's application services: what users can do, with authorisation
//! and auditing, independent of how they ask (web pages, the JSON API or
//! the command line).

pub mod accounts;
pub mod admin;
pub mod audit_log;
pub mod casework;
mod csv_export;
pub mod directory;
pub mod directory_edit;
pub mod directory_feeds;
pub mod directory_import;
pub mod directory_search;
pub mod error;
pub mod linking;
pub mod messaging;
pub mod outcomes;
pub mod page_number;
pub mod passwords;
pub mod postcode_import;
pub mod principal;
pub mod referrals;
pub mod reports;
pub mod rights;
pub mod search_synonyms;
pub mod second_factor;
pub mod secrets;
pub mod settings;
pub mod sign_in_settings;
pub mod sso;

use std::sync::Arc;

use linkwork_storage::Store;

pub use error::{AppError, AppResult};
pub use principal::Principal;
pub use settings::Settings;

use passwords::PasswordHasher;

/// The application: a store, the settings and the services built on them.
/// Cheap to clone; web handlers and CLI commands each hold one.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub settings: Arc<Settings>,
    hasher: Arc<PasswordHasher>,
    /// Seals second-factor and single sign-on secrets (`secret_key`).
    sealing: Arc<secrets::SealingKey>,
    /// Working days, from the settings' bank holidays.
    calendar: Arc<linkwork_domain::calendar::WorkingCalendar>,
    directory: Arc<directory::DirectoryIndex>,
    located: Arc<directory_search::LocationCache>,
    /// How messages go out; none configured holds them in the outbox.
    transports: Arc<messaging::Transports>,
    /// The questionnaires offered (`outcomes::load_definitions`).
    measures: Arc<Vec<linkwork_domain::measures::Definition>>,
    /// How registered feeds are fetched; none configured leaves them
    /// unread (`directory_feeds`).
    feed_client: Option<Arc<dyn directory_import::FeedClient>>,
}

impl App {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> AppResult<App> {
        let hasher = PasswordHasher::new(&settings.password_hashing)?;
        let calendar = linkwork_domain::calendar::WorkingCalendar::new(
            settings.referrals.non_working_days.iter().copied(),
        );
        let measures = outcomes::load_definitions(&settings.outcomes)?;
        // The command line always sets a key (decision 49); an App made
        // without one (tests) seals with a key of its own that dies with it.
        let sealing = match &settings.secret_key {
            Some(key) => secrets::SealingKey::from_base64(key.expose())?,
            None => secrets::SealingKey::from_base64(&secrets::SealingKey::generate_base64())?,
        };
        Ok(App {
            sealing: Arc::new(sealing),
            measures: Arc::new(measures),
            store,
            settings: Arc::new(settings),
            hasher: Arc::new(hasher),
            calendar: Arc::new(calendar),
            directory: Arc::default(),
            located: Arc::default(),
            transports: Arc::default(),
            feed_client: None,
        })
    }

    /// Hashes a password with the configured cost (for the demo data
    /// generator, which gives many accounts one known password).
    pub async fn hash_password(&self, password: &str) -> AppResult<String> {
        self.hasher.hash(password).await
    }
}
