//! Files a page offers to download.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A CSV file, saved under `filename` rather than shown.
pub fn csv(filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}
