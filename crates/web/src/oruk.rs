//! The open directory API at `/api/oruk`, conforming to the Open Referral
//! UK 3.0 profile: no key, `Access-Control-Allow-Origin: *`, paged lists,
//! every filter the profile lists, a 400 naming the parameter for bad
//! input and a 404 for an unknown id, both as JSON.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, Method, header};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router, middleware};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use linkwork_app::AppError;
use linkwork_domain::directory::Service;
use linkwork_domain::directory::schedule::{Weekday, parse_time};
use linkwork_search::{Order, Query as SearchQuery};
use serde::Serialize;
use serde_json::{Value, json};
use tower_http::cors::{Any, CorsLayer};
use uuid::Uuid;

use crate::api::render_json_errors;
use crate::error::{WebError, WebResult};
use crate::state::AppState;

const DEFAULT_PER_PAGE: usize = 50;
const MAX_PER_PAGE: usize = 1000;
/// Where the profile's own OpenAPI document is published.
const PROFILE_OPENAPI: &str =
    "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/services", get(services))
        .route("/services/{id}", get(service))
        .route("/taxonomies", get(taxonomies))
        .route("/taxonomies/{id}", get(taxonomy))
        .route("/taxonomy_terms", get(taxonomy_terms))
        .route("/taxonomy_terms/{id}", get(taxonomy_term))
        .route("/service_at_locations", get(service_at_locations))
        .route("/service_at_locations/{id}", get(service_at_location))
        .fallback(|| async { WebError::NotFound })
        .layer(middleware::from_fn(render_json_errors))
        .layer(middleware::from_fn(open_data_headers))
        .layer(CorsLayer::new().allow_origin(Any).allow_methods([
            Method::GET,
            Method::HEAD,
            Method::OPTIONS,
        ]))
}

/// The directory is public data: any site may read it (the profile asks
/// for `Access-Control-Allow-Origin: *` on every response, not only on
/// cross-origin requests), and clients and proxies may cache it briefly
/// (the pages' `no-store` is for personal data).
pub async fn open_data_headers(
    request: axum::extract::Request,
    next: middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    response
}

/// Query parameters by name (the first value of each).
struct Params(HashMap<String, String>);

impl Params {
    fn new(pairs: Vec<(String, String)>) -> Self {
        let mut map = HashMap::new();
        for (k, v) in pairs {
            map.entry(k).or_insert(v);
        }
        Params(map)
    }

    fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    fn bad(parameter: &'static str, message: impl Into<String>) -> WebError {
        WebError::BadParameter {
            parameter,
            message: message.into(),
        }
    }

    /// A whole number; one too large to hold is taken as the largest (or
    /// smallest) there is, so paging past the end is an empty page, not an
    /// error.
    fn integer(&self, name: &'static str) -> WebResult<Option<i64>> {
        self.text(name)
            .map(|v| {
                let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
                match v.parse::<i64>() {
                    Ok(n) => Ok(n),
                    Err(_) if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) => {
                        Ok(if v.starts_with('-') {
                            i64::MIN
                        } else {
                            i64::MAX
                        })
                    }
                    Err(_) => Err(Self::bad(name, format!("{v:?} is not a whole number"))),
                }
            })
            .transpose()
    }

    fn number(&self, name: &'static str) -> WebResult<Option<f64>> {
        self.text(name)
            .map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| Self::bad(name, format!("{v:?} is not a number")))
            })
            .transpose()
    }

    fn boolean(&self, name: &'static str) -> WebResult<bool> {
        match self.text(name).map(str::to_ascii_lowercase).as_deref() {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some(other) => Err(Self::bad(name, format!("{other:?} is not true or false"))),
        }
    }

    fn time(&self, name: &'static str) -> WebResult<Option<chrono::NaiveTime>> {
        self.text(name)
            .map(|v| {
                parse_time(v)
                    .ok_or_else(|| Self::bad(name, format!("{v:?} is not a time like 09:30")))
            })
            .transpose()
    }

    /// An id filter. Ids are UUIDs; anything else matches nothing.
    fn id(&self, name: &str) -> Option<Uuid> {
        self.text(name).map(|v| v.parse().unwrap_or(Uuid::nil()))
    }

    /// `page` and `per_page`, clamped into range.
    fn paging(&self) -> WebResult<(usize, usize)> {
        let page = self.integer("page")?.unwrap_or(1).max(1) as usize;
        let per_page = self
            .integer("per_page")?
            .unwrap_or(DEFAULT_PER_PAGE as i64)
            .clamp(1, MAX_PER_PAGE as i64) as usize;
        Ok((page, per_page))
    }
}

/// The profile's Page wrapper.
fn page_of<T: Serialize>(
    contents: Vec<T>,
    total: usize,
    page: usize,
    per_page: usize,
) -> Json<Value> {
    let total_pages = total.div_ceil(per_page).max(1);
    Json(json!({
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": contents.len(),
        "first_page": page <= 1,
        "last_page": page >= total_pages,
        "empty": contents.is_empty(),
        "contents": contents,
    }))
}

/// A slice of a list already in memory.
fn slice<T: Clone>(all: &[T], page: usize, per_page: usize) -> Vec<T> {
    all.iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .cloned()
        .collect()
}

pub async fn root(State(state): State<AppState>) -> Json<Value> {
    let base = state.app.settings.public_url.clone().unwrap_or_default();
    Json(json!({
        "version": "3.0",
        "profile": "https://openreferral.org/uk",
        "openapi_url": PROFILE_OPENAPI,
        "service": format!("{}/api/oruk", base.trim_end_matches('/')),
    }))
}

/// The search the list endpoints share.
async fn search_query(state: &AppState, p: &Params) -> WebResult<SearchQuery> {
    let mut q = SearchQuery {
        order: Order::Auto,
        ..Default::default()
    };
    q.text = p
        .text("text")
        .or_else(|| p.text("search"))
        .map(str::to_owned);
    if let Some(term) = p.id("taxonomy_term_id") {
        q.needs.push(term);
    }
    q.taxonomy = p.id("taxonomy_id");
    q.organization = p.id("organization_id");
    q.minimum_age_at_least = p.number("minimum_age")?;
    q.maximum_age_at_most = p.number("maximum_age")?;
    if let Some(day) = p.text("day") {
        q.day =
            Some(day.parse::<Weekday>().map_err(|_| {
                Params::bad("day", format!("{day:?} is not a day, like MO or Monday"))
            })?);
    }
    q.opens_from = p.time("start_time")?;
    q.closes_by = p.time("end_time")?;
    if let Some(raw) = p.text("modified_after") {
        let parsed = DateTime::parse_from_rfc3339(raw)
            .map(|d| d.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|d| Utc.from_utc_datetime(&d))
            })
            .ok_or_else(|| {
                Params::bad(
                    "modified_after",
                    format!("{raw:?} is not a date-time like 2026-01-31T09:00:00Z"),
                )
            })?;
        q.modified_after = Some(parsed);
    }
    let proximity = p.number("proximity")?;
    if let Some(m) = proximity
        && m < 0.0
    {
        return Err(Params::bad(
            "proximity",
            "must be a distance in metres, 0 or more",
        ));
    }
    match p.text("postcode") {
        Some(raw) => {
            let (point, label) = state.app.locate(raw).await?.ok_or_else(|| {
                Params::bad(
                    "postcode",
                    format!("{raw:?} is not a postcode this directory knows"),
                )
            })?;
            q.near = Some(point);
            q.near_label = Some(label);
            q.within_m = proximity;
        }
        None if proximity.is_some() => {
            return Err(Params::bad("proximity", "needs a postcode to measure from"));
        }
        None => {}
    }
    Ok(q)
}

/// A service as the list shows it: its own fields and organisation, not
/// its lists (unless `full`).
fn list_item(service: Service, full: bool) -> Value {
    let mut value = serde_json::to_value(service).unwrap_or(Value::Null);
    if !full && let Value::Object(map) = &mut value {
        for list in [
            "schedules",
            "service_areas",
            "service_at_locations",
            "languages",
            "funding",
            "cost_options",
            "contacts",
            "phones",
            "attributes",
        ] {
            map.remove(list);
        }
        if let Some(Value::Object(org)) = map.get_mut("organization") {
            org.remove("organization_identifiers");
        }
    }
    value
}

/// Services in the order given.
async fn services_in_order(state: &AppState, ids: &[Uuid]) -> WebResult<Vec<Service>> {
    let mut found: HashMap<Uuid, Service> = state
        .app
        .store
        .services(ids)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

async fn services(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> WebResult<Json<Value>> {
    let p = Params::new(pairs);
    let (page, per_page) = p.paging()?;
    let full = p.boolean("full")?;
    let minimal = p.boolean("minimal")?;
    let mut q = search_query(&state, &p).await?;
    q.page = page;
    q.per_page = per_page;
    let results = state.app.search_directory(&q).await?;
    let ids: Vec<Uuid> = results.hits.iter().map(|h| h.id).collect();
    let services = services_in_order(&state, &ids).await?;
    let contents: Vec<Value> = services
        .into_iter()
        .map(|s| {
            if minimal {
                json!({"id": s.id, "name": s.name, "status": s.status, "last_modified": s.last_modified})
            } else {
                list_item(s, full)
            }
        })
        .collect();
    Ok(page_of(contents, results.total, page, per_page))
}

fn parse_id(raw: &str) -> WebResult<Uuid> {
    raw.parse().map_err(|_| WebError::NotFound)
}

async fn service(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> WebResult<Json<Service>> {
    Ok(Json(state.app.directory_service(parse_id(&id)?).await?))
}

async fn taxonomies(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> WebResult<Json<Value>> {
    let (page, per_page) = Params::new(pairs).paging()?;
    let all = state.app.store.taxonomies().await.map_err(AppError::from)?;
    Ok(page_of(
        slice(&all, page, per_page),
        all.len(),
        page,
        per_page,
    ))
}

async fn taxonomy(State(state): State<AppState>, Path(id): Path<String>) -> WebResult<Json<Value>> {
    let id = parse_id(&id)?;
    let taxonomy = state
        .app
        .store
        .taxonomies()
        .await
        .map_err(AppError::from)?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(WebError::NotFound)?;
    Ok(Json(serde_json::to_value(taxonomy).unwrap_or(Value::Null)))
}

async fn taxonomy_terms(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> WebResult<Json<Value>> {
    let p = Params::new(pairs);
    let (page, per_page) = p.paging()?;
    let taxonomy = p.id("taxonomy_id");
    let parent = p.id("parent_id");
    let all: Vec<_> = state
        .app
        .store
        .taxonomy_terms()
        .await
        .map_err(AppError::from)?
        .into_iter()
        .filter(|t| taxonomy.is_none_or(|x| t.taxonomy_id == Some(x)))
        .filter(|t| parent.is_none_or(|x| t.parent_id == Some(x)))
        .collect();
    Ok(page_of(
        slice(&all, page, per_page),
        all.len(),
        page,
        per_page,
    ))
}

async fn taxonomy_term(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> WebResult<Json<Value>> {
    let id = parse_id(&id)?;
    let term = state
        .app
        .store
        .taxonomy_terms()
        .await
        .map_err(AppError::from)?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(WebError::NotFound)?;
    Ok(Json(serde_json::to_value(term).unwrap_or(Value::Null)))
}

/// One place a service is delivered, found by a search.
#[derive(Clone)]
struct SalHit {
    id: Uuid,
    service: Uuid,
}

async fn service_at_locations(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> WebResult<Json<Value>> {
    let p = Params::new(pairs);
    let (page, per_page) = p.paging()?;
    let mut q = search_query(&state, &p).await?;
    q.page = 1;
    q.per_page = usize::MAX;
    let near = q.near;
    let within = q.radius_m();
    let results = state.app.search_directory(&q).await?;
    // Each matching service contributes each of its places (within the
    // distance, when one is asked for), nearest first when near a place.
    let hits: Vec<SalHit> = state.app.with_directory_index(|index| {
        let mut hits: Vec<(f64, SalHit)> = Vec::new();
        for hit in &results.hits {
            let Some(doc) = index.doc(hit.id) else {
                continue;
            };
            for l in &doc.locations {
                let d = near.map(|p| l.point.distance_m(&p)).unwrap_or(0.0);
                if within.is_none_or(|max| d <= max) {
                    hits.push((
                        d,
                        SalHit {
                            id: l.service_at_location,
                            service: doc.id,
                        },
                    ));
                }
            }
            if within.is_none() {
                hits.extend(doc.unplaced.iter().map(|sal| {
                    (
                        f64::MAX,
                        SalHit {
                            id: *sal,
                            service: doc.id,
                        },
                    )
                }));
            }
        }
        if near.is_some() {
            hits.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        hits.into_iter().map(|(_, h)| h).collect()
    });
    let page_hits = slice(&hits, page, per_page);
    let service_ids: Vec<Uuid> = page_hits.iter().map(|h| h.service).collect();
    let services: HashMap<Uuid, Service> = services_in_order(&state, &service_ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let contents: Vec<Value> = page_hits
        .iter()
        .filter_map(|h| {
            let service = services.get(&h.service)?;
            let sal = service.service_at_locations.iter().find(|s| s.id == h.id)?;
            Some(json!({
                "id": sal.id,
                "service_id": service.id,
                "location_id": sal.location.id,
                "location": sal.location,
                "service": list_item(service.clone(), false),
            }))
        })
        .collect();
    Ok(page_of(contents, hits.len(), page, per_page))
}

/// The service delivered at a service-at-location. The profile's OpenAPI
/// file describes this operation's response with the service schema, so
/// that is what is returned: the whole service, whose
/// `service_at_locations` include the one asked for.
async fn service_at_location(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> WebResult<Json<Service>> {
    let service_id = state
        .app
        .store
        .service_id_for_service_at_location(parse_id(&id)?)
        .await
        .map_err(AppError::from)?
        .ok_or(WebError::NotFound)?;
    Ok(Json(state.app.directory_service(service_id).await?))
}
