//! Recognising what each JSON record is and reading it into the domain
//! types.

use std::io::{BufReader, Read};

use linkwork_domain::directory::{
    Organization, Service, ServiceAtLocation, ServiceList, Taxonomy, TaxonomyTerm,
};
use linkwork_storage::DirectoryItem;
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{Raw, ids, v1};
use crate::error::{AppError, AppResult};

/// What a record is, judged by the fields it has (ORUK records carry no
/// type tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Service,
    ServiceAtLocation,
    Organization,
    Taxonomy,
    Term,
}

fn classify(map: &Map<String, Value>) -> Option<Kind> {
    let has = |k: &str| map.contains_key(k);
    if has("location") && has("service") {
        Some(Kind::ServiceAtLocation)
    } else if has("status")
        || has("service_at_locations")
        || has("schedules")
        || has("regular_schedules")
        || has("organization")
        || has("cost_options")
    {
        Some(Kind::Service)
    } else if has("services")
        || has("organization_identifiers")
        || has("website")
        || has("parent_organization_id")
        || has("logo")
    {
        Some(Kind::Organization)
    } else if has("taxonomy_terms") || has("version") {
        Some(Kind::Taxonomy)
    } else if has("parent_id")
        || has("term")
        || has("taxonomy")
        || has("term_uri")
        || has("vocabulary")
        || has("taxonomy_id")
    {
        Some(Kind::Term)
    } else {
        None
    }
}

fn count(page: &Map<String, Value>, key: &str) -> Option<u64> {
    page.get(key).and_then(Value::as_u64)
}

/// What a page's own counts (`total_items`, `total_pages`, `size`) get
/// wrong about themselves and the `on_page` items it holds.
pub fn page_shape_notes(page: &Map<String, Value>, on_page: usize) -> Vec<String> {
    let mut notes = Vec::new();
    let size = count(page, "size").filter(|s| *s > 0);
    if let Some(size) = size
        && on_page as u64 > size
    {
        notes.push(format!(
            "a page holds {on_page} items but says its size is {size}"
        ));
    }
    if let (Some(items), Some(pages), Some(size)) =
        (count(page, "total_items"), count(page, "total_pages"), size)
        && pages != items.div_ceil(size).max(1)
    {
        notes.push(format!(
            "total_pages is {pages}, but {items} items at {size} a page make {}",
            items.div_ceil(size).max(1)
        ));
    }
    notes
}

/// What a page's totals get wrong about the whole feed: `read` items on
/// `pages_read` pages.
pub fn total_notes(page: &Map<String, Value>, read: usize, pages_read: u64) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(items) = count(page, "total_items")
        && items != read as u64
    {
        notes.push(format!("total_items is {items}, but the feed holds {read}"));
    }
    if let Some(pages) = count(page, "total_pages")
        && read > 0
        && pages != pages_read
    {
        notes.push(format!(
            "total_pages is {pages}, but the feed has {pages_read}"
        ));
    }
    notes
}

/// Reads a JSON document record by record, handing each to `each` as it is
/// read, so a national feed is never held whole in memory: one record, an
/// array of records, or a page of a feed (`contents` in ORUK 3.0, `content`
/// in v1). Returns what the page's counts get wrong.
pub fn read_document(
    name: &str,
    reader: impl Read,
    each: &mut dyn FnMut(Raw),
) -> AppResult<Vec<String>> {
    let mut records = Records { each, read: 0 };
    let mut json = serde_json::Deserializer::from_reader(BufReader::new(reader));
    let shape = Document(&mut records)
        .deserialize(&mut json)
        .and_then(|shape| json.end().map(|()| shape))
        .map_err(|e| {
            AppError::Import(if e.is_data() {
                "the file holds neither a record nor a list of records; nothing was imported"
                    .to_owned()
            } else {
                format!("{name} is not valid JSON: {e}; nothing was imported")
            })
        })?;
    Ok(match shape {
        Shape::List => Vec::new(),
        Shape::Page(page) => {
            let mut notes = page_shape_notes(&page, records.read);
            // A file holding the only page holds every item; a file
            // holding one page of many cannot be checked against them.
            if count(&page, "total_pages").is_none_or(|p| p <= 1) {
                notes.extend(total_notes(&page, records.read, 1));
            }
            notes
        }
        Shape::Record(record) => {
            (records.each)(Raw {
                position: "the document".into(),
                value: Value::Object(record),
            });
            Vec::new()
        }
    })
}

/// The records of a list, handed on one by one as "item 1", "item 2" …
struct Records<'a> {
    each: &'a mut dyn FnMut(Raw),
    read: usize,
}

impl<'de> Visitor<'de> for &mut Records<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<Value>()? {
            self.read += 1;
            (self.each)(Raw {
                position: format!("item {}", self.read),
                value,
            });
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for &mut Records<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

/// What a document turned out to be, once its records were handed on.
enum Shape {
    List,
    /// A page: its fields other than the records.
    Page(Map<String, Value>),
    /// One record, read whole (it is small).
    Record(Map<String, Value>),
}

struct Document<'r, 'a>(&'r mut Records<'a>);

impl<'de> Visitor<'de> for Document<'_, '_> {
    type Value = Shape;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a record or a list of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Shape, A::Error> {
        self.0.visit_seq(seq).map(|()| Shape::List)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut rest = Map::new();
        let mut paged = false;
        while let Some(key) = map.next_key::<String>()? {
            if !paged && (key == "contents" || key == "content") {
                map.next_value_seed(&mut *self.0)?;
                paged = true;
            } else {
                rest.insert(key, map.next_value()?);
            }
        }
        Ok(if paged {
            Shape::Page(rest)
        } else {
            Shape::Record(rest)
        })
    }
}

impl<'de> DeserializeSeed<'de> for Document<'_, '_> {
    type Value = Shape;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Shape, D::Error> {
        d.deserialize_any(self)
    }
}

/// Notes each record in `value` that leaves out a description the profile
/// requires (taxonomy terms, taxonomies, organisations): accepted, but
/// said. `path` is where `value` sits in its record.
fn missing_descriptions(value: &Value, kind: &str, path: &str, notes: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if matches!(kind, "taxonomy_term" | "taxonomy" | "organization")
                && map.get("description").is_none_or(Value::is_null)
            {
                let id = map
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or("without an id");
                let at = if path.is_empty() {
                    String::new()
                } else {
                    format!("{path}: ")
                };
                notes.push(format!(
                    "{at}the {} {id} has no description, which the profile requires",
                    kind.replace('_', " ")
                ));
            }
            for (key, child) in map {
                let child_kind = match key.as_str() {
                    "taxonomy_term" | "taxonomy_terms" => "taxonomy_term",
                    "taxonomy" => "taxonomy",
                    "organization" => "organization",
                    _ => "other",
                };
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                missing_descriptions(child, child_kind, &child_path, notes);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                missing_descriptions(item, kind, &format!("{path}[{i}]"), notes);
            }
        }
        _ => {}
    }
}

/// Reads `value` as `T`, naming the field at fault when it cannot.
fn read<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let inner = inner.split(" at line ").next().unwrap_or(&inner).to_owned();
        if path == "." {
            inner
        } else {
            format!("{path}: {inner}")
        }
    })
}

/// Terms named inside a service's attributes, as records of their own so
/// the taxonomy is complete.
fn nested_terms(service: &Service) -> Vec<DirectoryItem> {
    service
        .attributes
        .iter()
        .filter_map(|a| a.taxonomy_term.clone())
        .map(DirectoryItem::Term)
        .collect()
}

/// A service's items: the terms it names, then the service itself,
/// partial when its record left lists out (`keep`).
fn service_items(service: Service, keep: Vec<ServiceList>) -> Vec<DirectoryItem> {
    let mut items = nested_terms(&service);
    let service = Box::new(service);
    items.push(if keep.is_empty() {
        DirectoryItem::Service(service)
    } else {
        DirectoryItem::PartialService { service, keep }
    });
    items
}

/// The lists missing from a service record. A record without a list (a
/// summary from a feed's list page) says nothing about it, which is not the
/// same as saying it is empty: the stored list is kept.
fn absent_lists(value: &Value) -> Vec<ServiceList> {
    ServiceList::ALL
        .into_iter()
        .filter(|l| value.get(l.key()).is_none())
        .collect()
}

/// Moves each of the service's phones that names one of its contacts into
/// that contact's phones. A phone naming no contact of the service keeps
/// its `contact_id`, a broken reference reported before anything is
/// written.
pub fn attach_contact_phones(service: &mut Service) {
    let phones = std::mem::take(&mut service.phones);
    for mut phone in phones {
        let contact = phone
            .contact_id
            .and_then(|id| service.contacts.iter_mut().find(|c| c.id == id));
        match contact {
            Some(contact) => {
                phone.contact_id = None;
                if !contact.phones.iter().any(|p| p.id == phone.id) {
                    contact.phones.push(phone);
                }
            }
            None => service.phones.push(phone),
        }
    }
}

/// One record, converted.
pub struct Converted {
    pub items: Vec<DirectoryItem>,
    pub notes: Vec<String>,
}

/// Converts one raw record into the items to store, with notes on what
/// was changed on the way.
pub fn to_items(raw: Raw) -> Result<Converted, String> {
    let Value::Object(map) = raw.value else {
        return Err("not a JSON object".into());
    };
    let kind = classify(&map).ok_or("cannot tell what kind of record this is (no service, organization, taxonomy or term fields)")?;
    let mut notes = Vec::new();
    let kind_name = match kind {
        Kind::Service => "service",
        Kind::ServiceAtLocation => "service_at_location",
        Kind::Organization => "organization",
        Kind::Taxonomy => "taxonomy",
        Kind::Term => "taxonomy_term",
    };
    if !map.contains_key("id") {
        return Err(format!("the {} has no id", kind_name.replace('_', " ")));
    }
    let mut value = Value::Object(map);
    if kind == Kind::Service && v1::is_v1_service(&value) {
        value = v1::service_to_v3(value, &mut notes);
    }
    ids::normalise(&mut value, kind_name, &mut notes);
    missing_descriptions(&value, kind_name, "", &mut notes);
    let items = match kind {
        Kind::Service => {
            let missing = absent_lists(&value);
            service_items(read(value)?, missing)
        }
        Kind::ServiceAtLocation => {
            // A service-at-location with its service nested: the service,
            // delivered at that location.
            let Value::Object(mut map) = value else {
                unreachable!("checked above")
            };
            let service_value = map.remove("service").unwrap_or(Value::Null);
            let mut missing = absent_lists(&service_value);
            missing.retain(|l| *l != ServiceList::ServiceAtLocations);
            let mut service: Service = read(service_value).map_err(|e| format!("service: {e}"))?;
            let sal: ServiceAtLocation = read(Value::Object(map))?;
            if !service.service_at_locations.iter().any(|s| s.id == sal.id) {
                service.service_at_locations.push(sal);
            }
            service_items(service, missing)
        }
        Kind::Organization => {
            let Value::Object(mut map) = value else {
                unreachable!("checked above")
            };
            let services = match map.remove("services") {
                Some(Value::Array(services)) => services,
                _ => Vec::new(),
            };
            let org: Organization = read(Value::Object(map))?;
            let mut items = vec![DirectoryItem::Organization(org.clone())];
            for (i, s) in services.into_iter().enumerate() {
                let missing = absent_lists(&s);
                let mut service: Service = read(s).map_err(|e| format!("services[{i}]: {e}"))?;
                service.organization_id = Some(org.id);
                service.organization = Some(org.clone());
                items.extend(service_items(service, missing));
            }
            items
        }
        Kind::Taxonomy => {
            let Value::Object(mut map) = value else {
                unreachable!("checked above")
            };
            let terms = match map.remove("taxonomy_terms") {
                Some(Value::Array(terms)) => terms,
                _ => Vec::new(),
            };
            let taxonomy: Taxonomy = read(Value::Object(map))?;
            let mut items = vec![DirectoryItem::Taxonomy(taxonomy.clone())];
            for (i, t) in terms.into_iter().enumerate() {
                let mut term: TaxonomyTerm =
                    read(t).map_err(|e| format!("taxonomy_terms[{i}]: {e}"))?;
                term.taxonomy_id.get_or_insert(taxonomy.id);
                items.push(DirectoryItem::Term(term));
            }
            items
        }
        Kind::Term => vec![DirectoryItem::Term(read(value)?)],
    };
    Ok(Converted { items, notes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn items(value: Value) -> Result<Vec<DirectoryItem>, String> {
        to_items(Raw {
            position: "t".into(),
            value,
        })
        .map(|c| c.items)
    }

    #[test]
    fn recognises_each_kind() {
        let service = items(json!({"id": "ac148810-d857-441c-9679-408f346de14b", "name": "Club", "status": "active"})).unwrap();
        // Listing no schedules, contacts …: a partial record, which keeps them.
        assert!(
            matches!(&service[..], [DirectoryItem::PartialService { service, keep }]
            if service.name == "Club" && keep.len() == ServiceList::ALL.len())
        );
        let term = items(json!({"id": "t1", "name": "Debt", "description": "", "parent_id": null}))
            .unwrap();
        assert!(matches!(&term[..], [DirectoryItem::Term(t)] if t.name == "Debt"));
        let taxonomy = items(
            json!({"id": "x", "name": "Needs", "description": "", "version": "1",
            "taxonomy_terms": [{"id": "a", "name": "A", "description": ""}]}),
        )
        .unwrap();
        assert_eq!(taxonomy.len(), 2);
        let org = items(
            json!({"id": "o", "name": "Org", "description": "", "website": "https://o.example",
            "services": [{"id": "s", "name": "S", "status": "active"}]}),
        )
        .unwrap();
        assert!(
            org[1]
                .service()
                .is_some_and(|s| s.organization.as_ref().is_some_and(|o| o.name == "Org"))
        );
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!(
            items(json!({"id": "x", "name": "Club", "status": "open"})).unwrap_err(),
            "status: unknown variant `open`, expected one of `active`, `inactive`, `defunct`, `temporarily closed`"
        );
        assert!(
            items(json!({"name": "Club", "status": "active"}))
                .unwrap_err()
                .contains("has no id")
        );
        assert!(
            items(json!({"id": "x", "name": "Club", "status": "active", "minimum_age": "twelve"}))
                .unwrap_err()
                .starts_with("minimum_age:")
        );
        assert!(
            items(json!({"colour": "blue"}))
                .unwrap_err()
                .contains("cannot tell")
        );
        assert!(
            items(json!([1, 2]))
                .unwrap_err()
                .contains("not a JSON object")
        );
    }

    #[test]
    fn pages_of_both_versions_split_into_records() {
        let read = |text: &str| {
            let mut raws = Vec::new();
            read_document("t.json", text.as_bytes(), &mut |raw| raws.push(raw))
                .map(|notes| (raws, notes))
        };
        let (raws, notes) = read(r#"{"total_items": 3, "contents": [{}, {}]}"#).unwrap();
        assert_eq!(raws.len(), 2);
        assert_eq!(notes, ["total_items is 3, but the feed holds 2"]);
        assert_eq!(
            read(r#"{"content": [{}]}"#).unwrap().0[0].position,
            "item 1"
        );
        let (one, _) = read(r#"{"id": "x"}"#).unwrap();
        assert_eq!(one[0].position, "the document");
        assert_eq!(read("[{}, {}, {}]").unwrap().0[2].position, "item 3");
        assert!(matches!(read("7"), Err(AppError::Import(m)) if m.contains("neither a record")));
        assert!(matches!(read("[{}, "), Err(AppError::Import(m)) if m.contains("not valid JSON")));
    }
}
