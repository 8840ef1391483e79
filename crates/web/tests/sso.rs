//! Single sign-on against the real OpenID Connect provider the browser
//! test uses (`tests/oidc/provider.mjs`, the certified `oidc-provider`
//! package), driven over HTTP as a browser would: an admin mapped by claim
//! signs in without Linkwork's second factor, and a wrong state, a code
//! used twice and a return without the sign-in's cookie are refused and
//! audited. Needs Node and `npm ci` in tests/oidc; skipped without them,
//! failing instead with `CI=true`.

mod support;

use std::process::{Child, Command, Stdio};

use axum::http::StatusCode;
use linkwork_app::admin::Caller;
use linkwork_domain::audit::AuditAction;
use linkwork_domain::sso::SsoSettingsInput;
use linkwork_storage::{AuditFilter, PageRequest};
use support::{Client, TestApp};

const PUBLIC_URL: &str = "http://linkwork.test";

/// The provider, stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_provider() -> Option<Provider> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc");
    let ready = dir.join("node_modules/oidc-provider").exists()
        && Command::new("node").arg("--version").output().is_ok();
    if !ready {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the OIDC provider is needed in CI: install Node and run `npm ci` in tests/oidc"
        );
        eprintln!("single sign-on tests SKIPPED: no Node or tests/oidc/node_modules");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Held at once, so the process is stopped (and waited for) however
    // this ends.
    let mut provider = Provider {
        child: Command::new("node")
            .arg("provider.mjs")
            .current_dir(&dir)
            .env("OIDC_PORT", port.to_string())
            .env(
                "OIDC_REDIRECT_URI",
                format!("{PUBLIC_URL}/login/sso/callback"),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs"),
        issuer: String::new(),
    };
    let mut out = std::io::BufReader::new(provider.child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        let read = std::io::BufRead::read_line(&mut out, &mut line).unwrap();
        assert!(read > 0, "the provider stopped before listening");
        if let Some(issuer) = line.trim().strip_prefix("listening ") {
            provider.issuer = issuer.to_owned();
            // Keep reading, or the provider dies writing to a closed pipe.
            std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
            return Some(provider);
        }
    }
}

async fn north_id(app: &TestApp) -> linkwork_domain::OrgId {
    app.store()
        .organisation_by_code("U00001")
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The demo with North PCN signing in through the provider.
async fn demo_with_sso(postgres: bool, provider: &Provider) -> Option<TestApp> {
    let app = TestApp::demo(postgres)
        .await?
        .reconfigured(|s| s.public_url = Some(PUBLIC_URL.into()));
    let north = app
        .store()
        .organisation_by_code("U00001")
        .await
        .unwrap()
        .unwrap();
    app.app
        .set_org_sso(
            Caller::Operator,
            north.id,
            &SsoSettingsInput {
                issuer: provider.issuer.clone(),
                client_id: "linkwork".into(),
                client_secret: "linkwork-test-client-secret".into(),
                claim: "email".into(),
                email_domain: "riverside.example".into(),
            },
        )
        .await
        .unwrap();
    Some(app)
}

/// Cookies of the provider's own pages, as the browser keeps them.
#[derive(Default)]
struct Jar(Vec<(String, String)>);

impl Jar {
    fn keep(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.0.retain(|(n, _)| n != name);
            self.0.push((name.to_owned(), value.to_owned()));
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// From Linkwork's "sign in with your organisation" to the address the
/// provider sends the browser back to, signing in there as `login`.
async fn through_provider(client: &mut Client, provider: &Provider, login: &str) -> String {
    client.get("/login/sso").await;
    let page = client
        .post("/login/sso", &[("email", "someone@riverside.example")])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let marker = "id=\"sso-continue\"";
    let link_start = page.body.find("href=\"").unwrap();
    let continue_at = page.body.find(marker).unwrap();
    assert!(link_start < continue_at);
    let href_start = page.body[..continue_at].rfind("href=\"").unwrap() + 6;
    let href_end = page.body[href_start..].find('"').unwrap() + href_start;
    let authorize = page.body[href_start..href_end]
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    assert!(authorize.starts_with(&provider.issuer), "{authorize}");
    assert!(authorize.contains("code_challenge_method=S256"));

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut jar = Jar::default();
    let mut next = authorize;
    // Follow the provider's redirects by hand, signing in when it asks.
    for _ in 0..10 {
        if next.starts_with(PUBLIC_URL) {
            return next;
        }
        let url = if next.starts_with('/') {
            format!("{}{next}", provider.issuer)
        } else {
            next.clone()
        };
        let response = http
            .get(&url)
            .header(reqwest::header::COOKIE, jar.header())
            .send()
            .await
            .unwrap();
        jar.keep(&response);
        if response.status().is_redirection() {
            next = response.headers()[reqwest::header::LOCATION]
                .to_str()
                .unwrap()
                .to_owned();
            continue;
        }
        // The provider's login form.
        assert!(
            url.contains("/interaction/"),
            "{url}: {}",
            response.status()
        );
        let submitted = http
            .post(&url)
            .header(reqwest::header::COOKIE, jar.header())
            .form(&[("prompt", "login"), ("login", login), ("password", "any")])
            .send()
            .await
            .unwrap();
        jar.keep(&submitted);
        assert!(submitted.status().is_redirection());
        next = submitted.headers()[reqwest::header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned();
    }
    panic!("the provider never sent the browser back");
}

fn path_of(url: &str) -> &str {
    url.strip_prefix(PUBLIC_URL).unwrap()
}

async fn refusals(app: &TestApp) -> Vec<String> {
    app.store()
        .audit_events(
            &AuditFilter {
                actions: vec![AuditAction::SingleSignOnRefused.code().to_owned()],
                ..Default::default()
            },
            PageRequest::new(1, 50),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.detail)
        .collect()
}

async fn single_sign_on(postgres: bool) {
    let Some(provider) = start_provider() else {
        return;
    };
    let Some(app) = demo_with_sso(postgres, &provider).await else {
        return;
    };

    // North's manager is an admin: through the provider, no TOTP.
    let mut client = app.client();
    let back = through_provider(&mut client, &provider, "declan").await;
    assert!(back.contains("code="), "{back}");
    let signed_in = client.get(path_of(&back)).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{:?}",
        refusals(&app).await
    );
    assert_eq!(signed_in.location(), Some("/"));
    let home = client.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Declan"), "signed in as the admin");
    assert_eq!(client.get("/admin/users").await.status, StatusCode::OK);

    // The same code again, with a new sign-in's state: the provider
    // refuses it.
    let mut again = app.client();
    let fresh = through_provider(&mut again, &provider, "declan").await;
    let fresh_state = fresh
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let old_code = back
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let replayed = again
        .get(&format!(
            "/login/sso/callback?code={old_code}&state={fresh_state}"
        ))
        .await;
    assert_eq!(replayed.status, StatusCode::FORBIDDEN);
    assert!(
        replayed
            .body
            .contains("You cannot sign in to Linkwork this way")
    );

    // A state that is not the one sent.
    let mut forged = app.client();
    let returned = through_provider(&mut forged, &provider, "samuel").await;
    let code = returned
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let wrong_state = forged
        .get(&format!(
            "/login/sso/callback?code={code}&state=not-the-state"
        ))
        .await;
    assert_eq!(wrong_state.status, StatusCode::FORBIDDEN);
    assert_eq!(forged.get("/").await.status, StatusCode::SEE_OTHER);

    // A return to a browser that did not start the sign-in.
    let mut stranger = app.client();
    let no_cookie = stranger.get(path_of(&returned)).await;
    assert_eq!(no_cookie.status, StatusCode::FORBIDDEN);
    assert!(no_cookie.body.contains("Start again"));

    // Someone invited to North, who never set a password, signs in
    // through the provider: the account is activated.
    let invited = app
        .app
        .invite_user(
            Caller::Operator,
            &linkwork_domain::user::NewUserInput {
                email: "new.starter@riverside.example".into(),
                display_name: "New Starter".into(),
                org_id: north_id(&app).await.to_string(),
                roles: vec!["link_worker".into()],
            },
        )
        .await
        .unwrap()
        .user;
    let mut starter = app.client();
    let back = through_provider(&mut starter, &provider, "newstarter").await;
    let reply = starter.get(path_of(&back)).await;
    assert_eq!(reply.location(), Some("/"), "{:?}", refusals(&app).await);
    let now_active = app.store().user(invited.id).await.unwrap().unwrap();
    assert_eq!(now_active.status, linkwork_domain::user::UserStatus::Active);
    assert_eq!(starter.get("/").await.status, StatusCode::OK);

    let reasons = refusals(&app).await;
    assert!(
        reasons.iter().any(|r| r.contains("refused the code")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("state returned was not the one sent")),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn single_sign_on_on_sqlite() {
    single_sign_on(false).await;
}

#[tokio::test]
async fn single_sign_on_on_postgres() {
    single_sign_on(true).await;
}
