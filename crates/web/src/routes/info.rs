//! Pages anyone can read.

use askama::Template;
use axum::response::Response;

use crate::error::WebResult;
use crate::page::{PageCtx, render};

#[derive(Template)]
#[template(path = "accessibility.html")]
struct AccessibilityPage {
    page: PageCtx,
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    page: PageCtx,
}

pub async fn accessibility(page: PageCtx) -> WebResult<Response> {
    render(&AccessibilityPage {
        page: page.title("Accessibility statement"),
    })
}

pub async fn privacy(page: PageCtx) -> WebResult<Response> {
    render(&PrivacyPage {
        page: page.title("How we use personal data"),
    })
}
