//! Single sign-on through an organisation's OpenID Connect provider:
//! the authorisation code flow with PKCE (S256), state and nonce, and the
//! ID token's signature checked against the provider's published keys
//! (RS256) and its issuer, audience and expiry checked (decision 50).
//!
//! The account is found by the configured claim holding its email
//! address, and must belong to the organisation (or one under it): no
//! account is ever made from a sign-in. Sessions started here never ask
//! for Linkwork's second factor: the provider asks for its own.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use linkwork_domain::OrgId;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::session::SignInMethod;
use linkwork_domain::sso::{SsoSettingsInput, email_domain_of};
use linkwork_domain::time::now;
use linkwork_domain::user::{Email, UserStatus};
use linkwork_domain::validation::ValidationErrors;
use linkwork_storage::{OidcSettings, OrgSignIn};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::App;
use crate::accounts::{ClientInfo, SignedIn};
use crate::admin::Caller;
use crate::error::{AppError, AppResult};
use crate::secrets::{constant_time_eq, random_token};

/// How long a sign-in may spend at the provider.
const PENDING_SECONDS: i64 = 600;
/// Clock difference allowed with the provider when checking expiry.
const LEEWAY_SECONDS: i64 = 60;
const HTTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
const PENDING_CONTEXT: &str = "sso-pending";

fn secret_context(org: OrgId) -> String {
    format!("oidc-client-secret:{org}")
}

/// What the sign-in page shows of an organisation's single sign-on.
#[derive(Debug, Clone)]
pub struct SsoSummary {
    pub issuer: String,
    pub client_id: String,
    pub claim: String,
    pub email_domain: String,
}

/// A sign-in sent to the provider: where to send the browser, and the
/// sealed state to keep in a cookie until it comes back.
#[derive(Debug)]
pub struct SsoStart {
    pub authorize_url: String,
    pub pending: String,
}

/// Why a return from the provider did not sign anyone in.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// Shown to the person as it is: plain English, nothing secret.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    App(#[from] AppError),
}

/// What is remembered (sealed, in a cookie) while the browser is at the
/// provider.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    org: OrgId,
    state: String,
    nonce: String,
    verifier: String,
    next: String,
    started: i64,
}

#[derive(Debug, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

impl App {
    /// The single sign-on settings of an organisation `caller` administers,
    /// without the secret.
    pub async fn org_sso(&self, caller: Caller<'_>, org: OrgId) -> AppResult<Option<SsoSummary>> {
        Ok(self
            .org_sign_in_settings(caller, org)
            .await?
            .oidc
            .map(|o| SsoSummary {
                issuer: o.issuer,
                client_id: o.client_id,
                claim: o.claim,
                email_domain: o.email_domain,
            }))
    }

    /// Sets an organisation's single sign-on. The client secret is sealed
    /// and never shown again; left blank, the stored one is kept.
    pub async fn set_org_sso(
        &self,
        caller: Caller<'_>,
        org: OrgId,
        input: &SsoSettingsInput,
    ) -> AppResult<()> {
        let current = self.org_sign_in_settings(caller, org).await?;
        let checked = input.check(current.oidc.is_some())?;
        let client_secret_sealed = match (&checked.client_secret, &current.oidc) {
            (Some(secret), _) => self.sealing.seal(secret.as_bytes(), &secret_context(org)),
            (None, Some(stored)) => stored.client_secret_sealed.clone(),
            (None, None) => unreachable!("checked: a secret is needed"),
        };
        let settings = OrgSignIn {
            require_second_factor: current.require_second_factor,
            oidc: Some(OidcSettings {
                issuer: checked.issuer.clone(),
                client_id: checked.client_id,
                client_secret_sealed,
                claim: checked.claim,
                email_domain: checked.email_domain.clone(),
            }),
        };
        let event = caller
            .event(
                AuditAction::SignInPolicyChange,
                EntityRef::new("organisation", org),
                org,
            )
            .detail(format!(
                "Single sign-on through {} for {} addresses",
                checked.issuer, checked.email_domain
            ));
        self.store
            .set_org_sign_in(org, &settings, event.at, &event)
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Conflict(message) => {
                    ValidationErrors::single("email_domain", message).into()
                }
                other => other,
            })
    }

    /// Turns an organisation's single sign-on off: its staff sign in with
    /// passwords again.
    pub async fn remove_org_sso(&self, caller: Caller<'_>, org: OrgId) -> AppResult<()> {
        let mut settings = self.org_sign_in_settings(caller, org).await?;
        settings.oidc = None;
        let event = caller
            .event(
                AuditAction::SignInPolicyChange,
                EntityRef::new("organisation", org),
                org,
            )
            .detail("Single sign-on turned off");
        Ok(self
            .store
            .set_org_sign_in(org, &settings, event.at, &event)
            .await?)
    }

    /// Starts a sign-in through the provider of the organisation whose
    /// email domain `typed` (an address or a domain) has.
    pub async fn start_sso(
        &self,
        typed: &str,
        redirect_uri: &str,
        next: &str,
    ) -> AppResult<SsoStart> {
        let unknown = || {
            AppError::from(ValidationErrors::single(
                "email",
                "No organisation signs in to Linkwork with that email address. Sign in with your password instead",
            ))
        };
        let domain = email_domain_of(typed).ok_or_else(unknown)?;
        let org = self
            .store
            .org_by_sso_domain(&domain)
            .await?
            .ok_or_else(unknown)?;
        let oidc = self
            .store
            .org_sign_in(org)
            .await?
            .oidc
            .ok_or_else(unknown)?;
        let discovery = discover(&oidc.issuer)
            .await
            .map_err(|e| provider_unavailable(&oidc.issuer, &e))?;
        let pending = Pending {
            org,
            state: random_token(),
            nonce: random_token(),
            verifier: random_token(),
            next: next.to_owned(),
            started: now().timestamp(),
        };
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(pending.verifier.as_bytes()));
        let mut url = url_with_query(&discovery.authorization_endpoint)?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &oidc.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "openid email profile")
            .append_pair("state", &pending.state)
            .append_pair("nonce", &pending.nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        if typed.contains('@') {
            url.query_pairs_mut()
                .append_pair("login_hint", typed.trim());
        }
        let sealed = serde_json::to_vec(&pending)
            .map_err(|e| AppError::Import(format!("could not remember the sign-in: {e}")))?;
        Ok(SsoStart {
            authorize_url: url.into(),
            pending: self.sealing.seal(&sealed, PENDING_CONTEXT),
        })
    }

    /// Finishes a sign-in when the provider sends the browser back: the
    /// state must be the one sent, the code is exchanged (with the PKCE
    /// verifier) for an ID token, whose signature, issuer, audience,
    /// expiry and nonce are checked; then the claim must name an active
    /// account of the organisation. Every refusal is audited.
    pub async fn finish_sso(
        &self,
        pending: Option<&str>,
        state: &str,
        code: &str,
        redirect_uri: &str,
        client: &ClientInfo,
    ) -> Result<(SignedIn, String), SsoError> {
        let expired = || {
            SsoError::Refused(
                "Your sign-in took too long or was started in another browser. Start again".into(),
            )
        };
        let pending: Pending = pending
            .and_then(|sealed| self.sealing.open(sealed, PENDING_CONTEXT).ok())
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or_else(expired)?;
        if now().timestamp() - pending.started > PENDING_SECONDS {
            return Err(expired());
        }
        let org = pending.org;
        let refuse = |reason: String| self.refuse_sso(org, client, reason);
        if !constant_time_eq(state, &pending.state) {
            return Err(refuse("the state returned was not the one sent".into()).await);
        }
        let oidc = self
            .store
            .org_sign_in(org)
            .await
            .map_err(AppError::from)?
            .oidc
            .ok_or_else(expired)?;
        let secret = self
            .sealing
            .open(&oidc.client_secret_sealed, &secret_context(org))
            .map_err(AppError::from)?;
        let secret = String::from_utf8(secret).map_err(|_| expired())?;
        let claims = match self
            .id_token_claims(&oidc, &secret, code, redirect_uri, &pending)
            .await
        {
            Ok(claims) => claims,
            Err(reason) => return Err(refuse(reason).await),
        };
        let Some(named) = claims.get(&oidc.claim).and_then(Value::as_str) else {
            return Err(refuse(format!("the ID token has no {} claim", oidc.claim)).await);
        };
        let credentials = match Email::parse(named) {
            Ok(email) => self
                .store
                .user_credentials(&email)
                .await
                .map_err(AppError::from)?,
            Err(_) => None,
        };
        let scope = self.store.org_scope(org).await.map_err(AppError::from)?;
        let user = match credentials.map(|c| c.user) {
            Some(user) if scope.contains(user.org_id) => user,
            Some(_) => {
                return Err(self
                    .refuse_sso(
                        org,
                        client,
                        format!("{named} belongs to another organisation"),
                    )
                    .await);
            }
            None => {
                return Err(self
                    .refuse_sso(org, client, format!("{named} has no Linkwork account"))
                    .await);
            }
        };
        let user = match user.status {
            UserStatus::Active => user,
            // Invited people in an organisation that signs in this way
            // never need a Linkwork password: their first sign-in through
            // the provider activates the account.
            UserStatus::Invited => {
                let event = NewAuditEvent::new(
                    Actor::User {
                        id: user.id,
                        email: user.email.clone(),
                        org_id: user.org_id,
                    },
                    AuditAction::UserEnable,
                    now(),
                )
                .entity(EntityRef::new("user", user.id))
                .org(user.org_id)
                .ip(client.ip.clone())
                .detail("Account activated by a first sign-in through single sign-on");
                self.store
                    .set_user_status(user.id, UserStatus::Active, &event)
                    .await
                    .map_err(AppError::from)?;
                linkwork_domain::user::User {
                    status: UserStatus::Active,
                    ..user
                }
            }
            UserStatus::Disabled => {
                return Err(refuse(format!("{named}'s account is disabled")).await);
            }
        };
        let detail = format!("Through single sign-on ({})", oidc.issuer);
        let signed_in = self
            .start_session(
                user,
                client,
                SignInMethod::SingleSignOn,
                false,
                Some(&detail),
            )
            .await?;
        Ok((signed_in, pending.next))
    }

    /// Audits a refused single sign-on (belonging to the organisation it
    /// was for) and says so to the person in plain words.
    async fn refuse_sso(&self, org: OrgId, client: &ClientInfo, reason: String) -> SsoError {
        tracing::warn!(%org, reason, "single sign-on refused");
        let event = NewAuditEvent::new(Actor::Anonymous, AuditAction::SingleSignOnRefused, now())
            .entity(EntityRef::new("organisation", org))
            .org(org)
            .ip(client.ip.clone())
            .detail(format!("Single sign-on refused: {reason}"));
        if let Err(e) = self.store.record(&event).await {
            return SsoError::App(e.into());
        }
        SsoError::Refused(
            "You signed in with your organisation, but that account cannot use Linkwork here. Only people with a Linkwork account in the organisation can sign in this way. Ask your Linkwork administrator for help"
                .into(),
        )
    }

    /// Exchanges the code and checks the ID token; `Err` says why not, for
    /// the audit log.
    async fn id_token_claims(
        &self,
        oidc: &OidcSettings,
        client_secret: &str,
        code: &str,
        redirect_uri: &str,
        pending: &Pending,
    ) -> Result<Value, String> {
        let discovery = discover(&oidc.issuer).await?;
        let http = http_client()?;
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let response = http
            .post(&discovery.token_endpoint)
            // RFC 6749 2.3.1: the id and secret are form-encoded first.
            .basic_auth(encode(&oidc.client_id), Some(encode(client_secret)))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("code_verifier", &pending.verifier),
            ])
            .send()
            .await
            .map_err(|e| format!("the token request failed: {e}"))?;
        if !response.status().is_success() {
            return Err(format!(
                "the provider refused the code ({})",
                response.status()
            ));
        }
        let tokens: Value = response
            .json()
            .await
            .map_err(|e| format!("the token response was not JSON: {e}"))?;
        let id_token = tokens
            .get("id_token")
            .and_then(Value::as_str)
            .ok_or("the token response had no ID token")?;
        let jwks: Value = http
            .get(&discovery.jwks_uri)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("the provider's keys could not be fetched: {e}"))?
            .json()
            .await
            .map_err(|e| format!("the provider's keys were not JSON: {e}"))?;
        let claims = verify_rs256(id_token, &jwks)?;
        check_claims(
            &claims,
            &discovery.issuer,
            &oidc.client_id,
            &pending.nonce,
            now().timestamp(),
        )?;
        Ok(claims)
    }
}

fn provider_unavailable(issuer: &str, reason: &str) -> AppError {
    tracing::warn!(issuer, reason, "single sign-on provider unavailable");
    ValidationErrors::single(
        "email",
        "Your organisation's sign-in service is not answering. Try again later, or sign in with your password",
    )
    .into()
}

fn url_with_query(endpoint: &str) -> AppResult<url::Url> {
    url::Url::parse(endpoint).map_err(|e| AppError::Import(format!("bad endpoint {endpoint}: {e}")))
}

fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(HTTP_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("no HTTP client: {e}"))
}

/// The provider's metadata (OpenID Connect Discovery), whose `issuer` must
/// be exactly the one configured.
async fn discover(issuer: &str) -> Result<Discovery, String> {
    let url = format!("{issuer}/.well-known/openid-configuration");
    let discovery: Discovery = http_client()?
        .get(&url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("{url}: {e}"))?
        .json()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if discovery.issuer != issuer {
        return Err(format!(
            "the provider calls itself {}, not {issuer}",
            discovery.issuer
        ));
    }
    Ok(discovery)
}

fn b64(part: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| "the ID token is not base64url".to_owned())
}

/// The claims of a JWT signed with RS256 by one of the keys in `jwks`.
/// Any other algorithm (`none` included) is refused.
fn verify_rs256(jwt: &str, jwks: &Value) -> Result<Value, String> {
    let mut parts = jwt.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the ID token is not a signed JWT".into());
    };
    let head: Value =
        serde_json::from_slice(&b64(header)?).map_err(|_| "the ID token's header is not JSON")?;
    if head.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(format!(
            "the ID token is signed with {}, not RS256",
            head["alg"]
        ));
    }
    let kid = head.get("kid").and_then(Value::as_str);
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("the provider's key set has no keys")?;
    let key = keys
        .iter()
        .filter(|k| k.get("kty").and_then(Value::as_str) == Some("RSA"))
        .filter(|k| {
            k.get("use")
                .and_then(Value::as_str)
                .is_none_or(|u| u == "sig")
        })
        .find(|k| kid.is_none() || k.get("kid").and_then(Value::as_str) == kid)
        .ok_or("no key of the provider's matches the ID token")?;
    let component = |name: &str| {
        key.get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("the provider's key has no {name}"))
            .and_then(b64)
    };
    let public = ring::signature::RsaPublicKeyComponents {
        n: component("n")?,
        e: component("e")?,
    };
    let signed = &jwt[..header.len() + 1 + payload.len()];
    public
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &b64(signature)?,
        )
        .map_err(|_| "the ID token's signature is not the provider's".to_owned())?;
    serde_json::from_slice(&b64(payload)?).map_err(|_| "the ID token's claims are not JSON".into())
}

/// OpenID Connect Core 3.1.3.7: issuer, audience (and authorised party),
/// expiry and nonce.
fn check_claims(
    claims: &Value,
    issuer: &str,
    client_id: &str,
    nonce: &str,
    now: i64,
) -> Result<(), String> {
    if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
        return Err("the ID token is from another issuer".into());
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&client_id) {
        return Err("the ID token is for another client".into());
    }
    if audiences.len() > 1 && claims.get("azp").and_then(Value::as_str) != Some(client_id) {
        return Err("the ID token was issued to another party".into());
    }
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp + LEEWAY_SECONDS > now => {}
        _ => return Err("the ID token has expired".into()),
    }
    let sent = claims
        .get("nonce")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !constant_time_eq(sent, nonce) {
        return Err("the ID token's nonce is not the one sent".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims() -> Value {
        json!({
            "iss": "https://idp.example",
            "aud": "linkwork",
            "exp": 1_000,
            "nonce": "n-1",
            "email": "sam@riverside.example",
        })
    }

    #[test]
    fn claims_are_checked_as_openid_connect_says() {
        let check = |c: &Value, now| check_claims(c, "https://idp.example", "linkwork", "n-1", now);
        assert!(check(&claims(), 900).is_ok());
        assert!(check(&claims(), 1_059).is_ok(), "a minute's leeway");
        assert!(check(&claims(), 1_060).is_err(), "expired");
        let mut other = claims();
        other["iss"] = json!("https://evil.example");
        assert!(check(&other, 900).is_err());
        let mut other = claims();
        other["aud"] = json!(["someone-else"]);
        assert!(check(&other, 900).is_err());
        let mut other = claims();
        other["aud"] = json!(["linkwork", "someone-else"]);
        assert!(check(&other, 900).is_err(), "several audiences need azp");
        other["azp"] = json!("linkwork");
        assert!(check(&other, 900).is_ok());
        let mut other = claims();
        other["nonce"] = json!("n-2");
        assert!(check(&other, 900).is_err());
        let mut other = claims();
        other.as_object_mut().unwrap().remove("nonce");
        assert!(check(&other, 900).is_err());
    }

    #[test]
    fn unsigned_or_other_algorithms_are_refused() {
        let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let jwks = json!({"keys": []});
        let none = format!("{}.{}.", enc(&json!({"alg": "none"})), enc(&claims()));
        assert!(
            verify_rs256(&none, &jwks)
                .unwrap_err()
                .contains("not RS256")
        );
        let hs = format!("{}.{}.c2ln", enc(&json!({"alg": "HS256"})), enc(&claims()));
        assert!(verify_rs256(&hs, &jwks).unwrap_err().contains("not RS256"));
        assert!(verify_rs256("a.b", &jwks).is_err());
    }
}
