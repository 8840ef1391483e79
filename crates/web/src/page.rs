//! What every page shows around its content: the header with the signed-in
//! user and their organisation, navigation for their roles, and the CSRF
//! token for its forms. Also the error pages.

use askama::Template;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use linkwork_app::Principal;
use linkwork_domain::role::Permission;
use linkwork_domain::validation::ValidationErrors;

use crate::csrf::CsrfToken;
use crate::error::{ErrorInfo, WebError};
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct UserBadge {
    pub name: String,
    pub organisation: String,
}

#[derive(Debug, Clone)]
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    /// This page, or a page within this section.
    pub current: bool,
    pub exact: bool,
}

/// One entry of the error summary: the message, linking to its field.
#[derive(Debug, Clone)]
pub struct SummaryError {
    pub href: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct PageCtx {
    pub title: String,
    pub user: Option<UserBadge>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    /// Shown above the content when a form had problems.
    pub errors: Vec<SummaryError>,
    /// A success message after an action, e.g. "User disabled".
    pub notice: Option<String>,
}

impl PageCtx {
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    pub fn notice(mut self, notice: Option<String>) -> Self {
        self.notice = notice;
        self
    }

    /// Adds validation errors to the error summary, each linking to its
    /// field.
    pub fn errors(mut self, errors: &ValidationErrors) -> Self {
        self.errors
            .extend(errors.errors.iter().map(|e| SummaryError {
                href: format!("#{}", e.field),
                message: e.message.clone(),
            }));
        self
    }

    /// Adds an error that belongs to no one field.
    pub fn error(mut self, message: impl Into<String>) -> Self {
        self.errors.push(SummaryError {
            href: String::new(),
            message: message.into(),
        });
        self
    }

    async fn build(
        state: &AppState,
        principal: Option<&Principal>,
        csrf: String,
        path: &str,
    ) -> PageCtx {
        let user = match principal {
            Some(p) => {
                // The header still renders if the lookup fails; the failure
                // shows up wherever the page itself reads the store.
                let organisation = state
                    .app
                    .store
                    .organisation(p.user.org_id)
                    .await
                    .ok()
                    .flatten()
                    .map(|o| o.name)
                    .unwrap_or_default();
                Some(UserBadge {
                    name: p.user.display_name.clone(),
                    organisation,
                })
            }
            None => None,
        };
        PageCtx {
            title: String::new(),
            user,
            nav: principal.map(|p| navigation(p, path)).unwrap_or_default(),
            csrf,
            errors: Vec::new(),
            notice: None,
        }
    }
}

/// The sections a user's roles give them, in the order they use them.
fn navigation(principal: &Principal, path: &str) -> Vec<NavItem> {
    let sections: [(&str, &str, Option<Permission>); 14] = [
        ("Home", "/", None),
        (
            "Waiting list",
            "/waiting-list",
            Some(Permission::TriageReferrals),
        ),
        ("Caseload", "/caseload", Some(Permission::WorkWithPeople)),
        ("People", "/people", Some(Permission::WorkWithPeople)),
        (
            "Find support",
            "/directory",
            Some(Permission::SearchDirectory),
        ),
        (
            "Referrals to you",
            "/partner/referrals",
            Some(Permission::EditOwnListings),
        ),
        (
            "Your referrals",
            "/referrals/sent",
            Some(Permission::MakeReferrals),
        ),
        ("Reports", "/reports", Some(Permission::ViewReports)),
        ("Users", "/admin/users", Some(Permission::ManageUsers)),
        ("Outbox", "/admin/outbox", Some(Permission::ManageUsers)),
        (
            "Organisations",
            "/admin/organisations",
            Some(Permission::ManageOrganisations),
        ),
        (
            "API tokens",
            "/admin/api-tokens",
            Some(Permission::ManageApiTokens),
        ),
        ("Audit log", "/admin/audit", Some(Permission::ViewAuditLog)),
        (
            "Security events",
            "/admin/security",
            Some(Permission::ViewAuditLog),
        ),
    ];
    sections
        .into_iter()
        .filter(|(_, _, needs)| needs.is_none_or(|p| principal.can(p)))
        .map(|(label, href, _)| NavItem {
            label,
            href,
            exact: path == href,
            current: path == href || (href != "/" && path.starts_with(href)),
        })
        .collect()
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .ok_or_else(|| WebError::internal("page rendered outside the CSRF layer"))?;
        let principal = parts.extensions.get::<Principal>();
        Ok(PageCtx::build(state, principal, csrf, parts.uri.path()).await)
    }
}

/// The signed-in user, for handlers behind `require_principal`.
pub struct CurrentUser(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(CurrentUser)
            .ok_or(WebError::Unauthenticated)
    }
}

/// The signed-in user, if any, for pages anyone may see.
pub struct MaybeUser(pub Option<Principal>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(parts.extensions.get::<Principal>().cloned()))
    }
}

/// Renders a template as a page.
pub fn render(template: &impl Template) -> Result<Response, WebError> {
    Ok(Html(template.render()?).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: PageCtx,
    heading: String,
    message: String,
    reference: Option<String>,
    signed_in: bool,
}

/// Turns an error response from any page handler into an NHS.UK error page.
pub async fn render_error_pages(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let principal = request.extensions().get::<Principal>().cloned();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    match response.extensions().get::<ErrorInfo>().cloned() {
        Some(info) => error_page(&state, &info, principal.as_ref(), &path).await,
        None => response,
    }
}

pub async fn error_page(
    state: &AppState,
    info: &ErrorInfo,
    principal: Option<&Principal>,
    path: &str,
) -> Response {
    let csrf = principal.map(|p| p.csrf_token.clone()).unwrap_or_default();
    let page = PageCtx::build(state, principal, csrf, path).await;
    let (heading, message) = match &info.error {
        WebError::NotFound => (
            "Page not found".to_owned(),
            "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.".to_owned(),
        ),
        WebError::Forbidden => (
            "You do not have permission to see this page".to_owned(),
            "Your account's roles or organisation do not allow it. If you need access, ask your Linkwork administrator.".to_owned(),
        ),
        WebError::Internal(_) | WebError::Unavailable => (
            "Sorry, there is a problem with the service".to_owned(),
            "Try again later. If the problem continues, contact your Linkwork administrator and quote the reference below.".to_owned(),
        ),
        WebError::CsrfRejected => ("This form has expired".to_owned(), info.error.message()),
        other => ("There is a problem".to_owned(), other.message()),
    };
    let reference = matches!(info.error, WebError::Internal(_) | WebError::Unavailable)
        .then(|| info.reference.clone());
    let template = ErrorPage {
        page: page.title(heading.clone()),
        heading,
        message,
        reference,
        signed_in: principal.is_some(),
    };
    let body = template
        .render()
        .unwrap_or_else(|_| "Sorry, there is a problem with the service.".to_owned());
    let mut response = (info.error.status(), Html(body)).into_response();
    info.error.add_retry_after(&mut response);
    response
}
