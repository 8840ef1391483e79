//! A Linkwork instance for tests, on a fresh database of either backend,
//! and a browser-like client that keeps cookies and reads CSRF tokens from
//! the forms it is served.

#![allow(dead_code)] // Each test binary uses a different part of this module.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use linkwork_app::settings::PasswordHashing;
use linkwork_app::{App, Settings};
use linkwork_domain::role::Role;
use linkwork_domain::user::User;
use linkwork_storage::Store;
use linkwork_storage_testsuite::databases::{
    PostgresTestDatabase, SqliteTestDatabase, TestDatabase,
};
use linkwork_storage_testsuite::fixtures::{self, Tree};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery staple";

/// Cheap hashing: tests check behaviour, not cost.
pub fn test_settings() -> Settings {
    Settings {
        password_hashing: PasswordHashing {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
            ..PasswordHashing::default()
        },
        // One key for every app a test makes, as instances sharing a
        // database share one (sealed second-factor secrets stay readable).
        secret_key: Some(linkwork_app::settings::Secret::new(
            "bGlua3dvcmstdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE=",
        )),
        ..Settings::default()
    }
}

/// Keeps the test database alive as long as the app using it.
pub enum Db {
    Sqlite(SqliteTestDatabase),
    Postgres(PostgresTestDatabase),
}

pub struct TestApp {
    pub app: App,
    pub router: Router,
    pub db: Db,
    /// The authenticator secrets accounts set up through `signed_in`, as
    /// the person's phone would hold them.
    authenticators: std::sync::Mutex<BTreeMap<String, Vec<u8>>>,
}

impl TestApp {
    pub async fn sqlite() -> Option<TestApp> {
        let db = SqliteTestDatabase::create().await?;
        let store: Arc<dyn Store> = Arc::new(db.store().clone());
        Some(Self::with(store, Db::Sqlite(db), test_settings()))
    }

    pub async fn postgres() -> Option<TestApp> {
        let db = PostgresTestDatabase::create().await?;
        let store: Arc<dyn Store> = Arc::new(db.store().clone());
        Some(Self::with(store, Db::Postgres(db), test_settings()))
    }

    /// An app holding the Riverside demo data (its accounts' password is
    /// `linkwork_demo::DEMO_PASSWORD`), with the directory index built.
    pub async fn demo(postgres: bool) -> Option<TestApp> {
        let app = if postgres {
            Self::postgres().await?
        } else {
            Self::sqlite().await?
        };
        Some(app.with_demo().await)
    }

    /// This app with the Riverside demo data loaded and indexed.
    pub async fn with_demo(self) -> TestApp {
        linkwork_demo::generate(&self.app, 1)
            .await
            .expect("demo data");
        self.app.load_directory().await.expect("directory index");
        self
    }

    pub fn with(store: Arc<dyn Store>, db: Db, settings: Settings) -> TestApp {
        let app = App::new(store, settings).expect("app");
        TestApp {
            router: linkwork_web::router(app.clone()),
            app,
            db,
            authenticators: Default::default(),
        }
    }

    /// The same database served by an app with changed settings.
    pub fn reconfigured(self, change: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = (*self.app.settings).clone();
        change(&mut settings);
        TestApp::with(self.app.store.clone(), self.db, settings)
    }

    /// The same app changed by `change` (given a feed client, say), with
    /// its router made again.
    pub fn with_app(self, change: impl FnOnce(App) -> App) -> TestApp {
        let app = change(self.app);
        TestApp {
            router: linkwork_web::router(app.clone()),
            app,
            ..self
        }
    }

    pub fn store(&self) -> &dyn Store {
        self.app.store.as_ref()
    }

    /// The audit log's events with this action code, newest first (the
    /// first 100, and how many there are).
    pub async fn audited(
        &self,
        action: &str,
    ) -> linkwork_storage::Page<linkwork_domain::audit::AuditEvent> {
        self.store()
            .audit_events(
                &linkwork_storage::AuditFilter {
                    action: Some(action.into()),
                    ..Default::default()
                },
                linkwork_storage::PageRequest::new(1, 100),
            )
            .await
            .unwrap()
    }

    pub fn client(&self) -> Client {
        Client::new(self.router.clone())
    }

    /// An active user with `PASSWORD`.
    pub async fn user(&self, email: &str, org: linkwork_domain::OrgId, roles: &[Role]) -> User {
        let user = fixtures::user(email, &display_name(email), org, roles);
        let hash = self.app.hash_password(PASSWORD).await.expect("hash");
        self.store()
            .create_user(
                &user,
                Some(&hash),
                &fixtures::event(
                    linkwork_domain::audit::AuditAction::UserCreate,
                    linkwork_domain::audit::EntityRef::new("user", user.id),
                ),
            )
            .await
            .expect("create user");
        user
    }

    pub async fn tree(&self) -> Tree {
        fixtures::tree(self.store()).await
    }

    /// A client already signed in as `email`.
    pub async fn signed_in(&self, email: &str) -> Client {
        self.signed_in_with(email, PASSWORD).await
    }

    /// A client signed in as a demo account.
    pub async fn demo_user(&self, email: &str) -> Client {
        self.signed_in_with(email, linkwork_demo::DEMO_PASSWORD)
            .await
    }

    pub async fn signed_in_with(&self, email: &str, password: &str) -> Client {
        let mut client = self.client();
        let response = client.login(email, password).await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "sign-in as {email}: {}",
            response.body
        );
        if response
            .location()
            .is_some_and(|l| l.starts_with("/login/second-factor"))
        {
            self.give_second_factor(&mut client, email).await;
        }
        client
    }

    /// The second step of signing in, as the person with the phone does
    /// it: setting the app up from the key shown if the account has none,
    /// else the app's current code.
    pub async fn give_second_factor(&self, client: &mut Client, email: &str) {
        let page = client.get("/login/second-factor").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        if let Some(key) = page.field_text("setup-key") {
            let secret = base32_decode(&key);
            let code = current_code(&secret);
            let sealed = page.hidden_field("sealed").expect("sealed secret");
            let done = client
                .post(
                    "/login/second-factor/set-up",
                    &[("sealed", sealed.as_str()), ("code", code.as_str())],
                )
                .await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.body);
            assert!(done.body.contains("recovery-codes"), "{}", done.body);
            self.authenticators
                .lock()
                .unwrap()
                .insert(email.to_owned(), secret);
        } else {
            let secret = self
                .authenticators
                .lock()
                .unwrap()
                .get(email)
                .cloned()
                .expect("an authenticator this test set up");
            self.forget_used_codes(email).await;
            let done = client
                .post("/login/second-factor", &[("code", &current_code(&secret))])
                .await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        }
    }

    /// The authenticator secret `email` set up through `signed_in`.
    pub fn authenticator(&self, email: &str) -> Option<Vec<u8>> {
        self.authenticators.lock().unwrap().get(email).cloned()
    }

    /// Tests sign the same account in many times within one 30-second
    /// step, which a real person cannot: the record of the last code used
    /// is rewound so that the current code works again. Only test helpers
    /// that are not about second factors do this.
    pub async fn forget_used_codes(&self, email: &str) {
        let user = self
            .store()
            .user_credentials(&linkwork_domain::user::Email::parse(email).unwrap())
            .await
            .unwrap()
            .expect("user")
            .user;
        let mut factor = self.store().second_factor(user.id).await.unwrap().unwrap();
        let hashes: Vec<String> = self
            .store()
            .unused_recovery_codes(user.id)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.code_hash)
            .collect();
        factor.last_step = 0;
        self.store()
            .set_second_factor(
                user.id,
                &factor,
                &hashes,
                None,
                &fixtures::event(
                    linkwork_domain::audit::AuditAction::SecondFactorSetUp,
                    linkwork_domain::audit::EntityRef::new("user", user.id),
                ),
            )
            .await
            .unwrap();
    }
}

/// The code an authenticator app with `secret` shows now.
pub fn current_code(secret: &[u8]) -> String {
    use linkwork_domain::second_factor::{code_for, step_at};
    code_for(secret, step_at(linkwork_domain::time::now()))
}

/// RFC 4648 base 32, as a person types the key into their app (spaces
/// ignored).
pub fn base32_decode(key: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in key.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let value = ALPHABET.iter().position(|&a| a == c).expect("base 32") as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

fn display_name(email: &str) -> String {
    email
        .split('@')
        .next()
        .unwrap_or_default()
        .replace('.', " ")
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    /// The value of the first hidden `csrf_token` field in the page.
    pub fn csrf_token(&self) -> Option<String> {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker)? + marker.len();
        let end = self.body[start..].find('"')?;
        Some(self.body[start..start + end].to_owned())
    }

    /// The value of the hidden field `name`.
    pub fn hidden_field(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')?;
        Some(self.body[start..start + end].to_owned())
    }

    /// The text of the element with `id`, up to the next tag.
    pub fn field_text(&self, id: &str) -> Option<String> {
        let marker = format!("id=\"{id}\"");
        let start = self.body.find(&marker)?;
        let open_end = self.body[start..].find('>')? + start + 1;
        let end = self.body[open_end..].find('<')? + open_end;
        Some(self.body[open_end..end].to_owned())
    }

    /// The one-time key of the referral form in the page.
    pub fn form_key(&self) -> Option<String> {
        let marker = "name=\"form_key\" value=\"";
        let start = self.body.find(marker)? + marker.len();
        let end = self.body[start..].find('"')?;
        Some(self.body[start..start + end].to_owned())
    }

    pub fn sets_cookie(&self, name: &str) -> bool {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|c| c.starts_with(&format!("{name}=")) && !c.starts_with(&format!("{name}=;")))
    }
}

/// Sends requests through the router like a browser: keeps cookies, and
/// posts forms with the CSRF token of the last page it loaded.
pub struct Client {
    router: Router,
    cookies: BTreeMap<String, String>,
    csrf: Option<String>,
}

impl Client {
    pub fn new(router: Router) -> Self {
        Client {
            router,
            cookies: BTreeMap::new(),
            csrf: None,
        }
    }

    /// A second client sharing this one's cookies but talking to another
    /// instance.
    pub fn with_router(&self, router: Router) -> Client {
        Client {
            router,
            cookies: self.cookies.clone(),
            csrf: self.csrf.clone(),
        }
    }

    pub fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.contains_key(name)
    }

    pub async fn send(&mut self, request: Request<Body>) -> Reply {
        let mut request = request;
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            request
                .headers_mut()
                .insert(header::COOKIE, cookie.parse().unwrap());
        }
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        for value in headers.get_all(header::SET_COOKIE) {
            let raw = value.to_str().unwrap();
            let pair = raw.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let removed = raw.to_ascii_lowercase().contains("max-age=0") || value.is_empty();
            if removed {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let reply = Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        if let Some(token) = reply.csrf_token() {
            self.csrf = Some(token);
        }
        reply
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// Posts a form with the current CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let token = self.csrf.clone().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_raw(path, &all).await
    }

    /// Posts a form and checks the answer: its status, and that its page
    /// says `says` (a refusal's reason, a confirmation).
    pub async fn post_says(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        status: StatusCode,
        says: &str,
    ) -> Reply {
        let reply = self.post(path, fields).await;
        assert_eq!(reply.status, status, "POST {path}: {}", reply.body);
        assert!(
            reply.body.contains(says),
            "POST {path} should say {says:?}: {}",
            reply.body
        );
        reply
    }

    /// Posts exactly `fields`, with no token added.
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// Loads the login page (for its CSRF token) and signs in.
    pub async fn login(&mut self, email: &str, password: &str) -> Reply {
        self.get("/login").await;
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }
}

/// Generates one test per backend from an async fn taking a `TestApp`
/// loaded with the demo data.
#[macro_export]
macro_rules! on_both_backends_with_demo {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(app) = $crate::support::TestApp::demo(false).await else { return };
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(app) = $crate::support::TestApp::demo(true).await else { return };
                    super::$name(app).await;
                }
            )*
        }
    };
}

/// Generates one test per backend from an async fn taking a `TestApp`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(app) = $crate::support::TestApp::sqlite().await else { return };
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(app) = $crate::support::TestApp::postgres().await else { return };
                    super::$name(app).await;
                }
            )*
        }
    };
}

/// The value of the hidden field `name` in the page.
#[allow(dead_code)] // Not every test file reads hidden fields.
pub fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {body}"))
        + marker.len();
    let end = body[start..].find('"').unwrap();
    body[start..start + end].to_owned()
}

/// A referral of someone called `given` Patel in network `pcn`, accepted
/// onto `worker`'s caseload through the pages by `lw`.
#[allow(dead_code)] // Only the casework test files accept referrals.
pub async fn accepted_referral(
    app: &TestApp,
    lw: &mut Client,
    pcn: linkwork_domain::OrgId,
    worker: linkwork_domain::UserId,
    given: &str,
) -> linkwork_domain::ReferralId {
    use linkwork_storage_testsuite::referral_fixtures::{add_referral, person};
    let r = add_referral(
        app.store(),
        person(pcn, given, "Patel", None, None),
        chrono::Utc::now(),
    )
    .await;
    let form = lw.get(&format!("/referrals/{}/accept", r.id)).await;
    let version = hidden(&form.body, "version");
    let reply = lw
        .post(
            &format!("/referrals/{}/accept", r.id),
            &[("version", &version), ("assign_to", &worker.to_string())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    r.id
}
