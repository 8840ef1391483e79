use linkwork_app::App;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub cookies: CookieNames,
}

/// Cookie names and flags. Behind TLS the names carry the `__Host-` prefix,
/// which browsers only accept on Secure, host-only, path-`/` cookies.
#[derive(Clone, Debug)]
pub struct CookieNames {
    pub secure: bool,
    pub session: &'static str,
    pub csrf: &'static str,
    /// A single sign-on on its way through the provider (sealed state).
    pub sso: &'static str,
}

impl CookieNames {
    pub fn new(secure: bool) -> Self {
        if secure {
            CookieNames {
                secure,
                session: "__Host-lw_session",
                csrf: "__Host-lw_csrf",
                sso: "__Host-lw_sso",
            }
        } else {
            CookieNames {
                secure,
                session: "lw_session",
                csrf: "lw_csrf",
                sso: "lw_sso",
            }
        }
    }

    /// A cookie readable only by the server, sent only to this site.
    pub fn build(
        &self,
        name: &'static str,
        value: String,
    ) -> axum_extra::extract::cookie::Cookie<'static> {
        axum_extra::extract::cookie::Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(axum_extra::extract::cookie::SameSite::Lax)
            .build()
    }
}

impl AppState {
    pub fn new(app: App) -> Self {
        let cookies = CookieNames::new(app.settings.behind_tls());
        AppState { app, cookies }
    }
}
