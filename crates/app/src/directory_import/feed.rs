//! Walking a live feed: `/services` page by page, fetching each service
//! whole when the list gives only its summary.

use serde_json::Value;

use super::{Progress, Raw};
use crate::error::{AppError, AppResult};

/// Fetches JSON over HTTP (implemented by the command line with a real
/// client; by tests with canned pages).
#[async_trait::async_trait]
pub trait FeedClient: Send + Sync {
    async fn get_json(&self, url: &str) -> Result<Value, String>;
}

/// Services per page requested.
const PER_PAGE: u32 = 100;
/// Stops a feed that never says it has reached the last page.
const MAX_PAGES: u32 = 100_000;

/// The feed's `/services` address, from a base URL or the services URL.
fn services_url(url: &str) -> String {
    let base = url.trim_end_matches('/');
    let base = base.split('?').next().unwrap_or(base);
    if base.ends_with("/services") {
        base.to_owned()
    } else {
        format!("{base}/services")
    }
}

/// A summary lacks the lists a full service has.
fn is_summary(item: &Value) -> bool {
    [
        "service_at_locations",
        "schedules",
        "contacts",
        "regular_schedules",
        "attributes",
        "service_taxonomys",
    ]
    .iter()
    .all(|k| item.get(k).is_none())
}

/// The feed's records, with what its page counts get wrong.
pub async fn walk(
    url: &str,
    client: &dyn FeedClient,
    progress: &dyn Progress,
) -> AppResult<(Vec<Raw>, Vec<String>)> {
    let services = services_url(url);
    let mut raws = Vec::new();
    let mut notes = Vec::new();
    let mut first_page = None;
    let mut pages_with_items = 0;
    let mut page = 1;
    loop {
        let page_url = format!("{services}?page={page}&per_page={PER_PAGE}");
        let body = client.get_json(&page_url).await.map_err(|e| {
            AppError::Import(format!(
                "{page_url} could not be fetched: {e}; nothing was imported"
            ))
        })?;
        // ORUK 3.0 pages hold `contents`; v1 pages `content`.
        let items = body
            .get("contents")
            .or_else(|| body.get("content"))
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| {
                AppError::Import(format!(
                    "{page_url} is not a page of services; nothing was imported"
                ))
            })?;
        if let Value::Object(map) = &body {
            notes.extend(
                super::records::page_shape_notes(map, items.len())
                    .into_iter()
                    .map(|n| format!("page {page}: {n}")),
            );
            first_page.get_or_insert_with(|| map.clone());
        }
        if !items.is_empty() {
            pages_with_items += 1;
        }
        let total = body
            .get("total_items")
            .or_else(|| body.get("totalElements"))
            .and_then(Value::as_u64);
        for (i, item) in items.iter().enumerate() {
            let position = format!("page {page} item {}", i + 1);
            let value = match item
                .get("id")
                .map(|id| id.to_string().trim_matches('"').to_owned())
            {
                Some(id) if is_summary(item) => client
                    .get_json(&format!("{services}/{id}"))
                    .await
                    .map_err(|e| {
                        AppError::Import(format!(
                            "{services}/{id} could not be fetched: {e}; nothing was imported"
                        ))
                    })?,
                _ => item.clone(),
            };
            raws.push(Raw { position, value });
            progress.update(super::Stage::Fetching, raws.len() as u64, total);
        }
        let last = body
            .get("last_page")
            .or_else(|| body.get("last"))
            .and_then(Value::as_bool)
            .unwrap_or(items.is_empty());
        if last || items.is_empty() || page >= MAX_PAGES {
            break;
        }
        page += 1;
    }
    // The first page's totals, against what the walk found.
    if let Some(first) = first_page {
        notes.extend(super::records::total_notes(
            &first,
            raws.len(),
            pages_with_items,
        ));
    }
    Ok((raws, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_services_address() {
        assert_eq!(
            services_url("https://x.example/api/"),
            "https://x.example/api/services"
        );
        assert_eq!(
            services_url("https://x.example/api/services?page=2"),
            "https://x.example/api/services"
        );
    }
}
