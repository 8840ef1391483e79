//! The HSDS / ORUK tabular package: one CSV file per table, joined by id
//! columns. Each service is assembled into the same shape as a JSON
//! service and read the same way.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::{Map, Value};

use super::{Raw, Rejection};
use crate::error::{AppError, AppResult};

/// Columns that hold numbers in the JSON form.
const NUMERIC: &[&str] = &[
    "minimum_age",
    "maximum_age",
    "latitude",
    "longitude",
    "amount",
    "interval",
];

/// A table's rows, each with its line number.
type Rows = Vec<(u64, Map<String, Value>)>;

struct Table {
    file: String,
    rows: Rows,
}

/// Reads the first of `names` present in `folder` (packages name some
/// tables in the singular, some in the plural; some ship both).
fn table(folder: &Path, names: &[&str]) -> AppResult<Table> {
    let mut rows: Rows = Vec::new();
    let mut file = names[0].to_owned();
    let mut seen = HashSet::new();
    for name in names {
        let path = folder.join(name);
        if !path.exists() {
            continue;
        }
        file = (*name).to_owned();
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(&path)
            .map_err(|e| {
                AppError::Import(format!(
                    "{} could not be read: {e}; nothing was imported",
                    path.display()
                ))
            })?;
        let headers = reader
            .headers()
            .map_err(|e| {
                AppError::Import(format!(
                    "{} could not be read: {e}; nothing was imported",
                    path.display()
                ))
            })?
            .clone();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| {
                AppError::Import(format!("{name} line {}: {e}; nothing was imported", i + 2))
            })?;
            let mut map = Map::new();
            for (header, raw) in headers.iter().zip(record.iter()) {
                let value = raw.trim().trim_matches('"').trim();
                if value.is_empty() {
                    continue;
                }
                let json = match value.parse::<f64>() {
                    Ok(n) if NUMERIC.contains(&header) => serde_json::json!(n),
                    _ => Value::String(value.to_owned()),
                };
                map.insert(header.trim().to_owned(), json);
            }
            // The same row in both the singular and plural file counts once.
            let key = map
                .get("id")
                .map(|v| v.to_string())
                .unwrap_or_else(|| format!("{name}:{i}"));
            if seen.insert(key) {
                rows.push((i as u64 + 2, map));
            }
        }
    }
    Ok(Table { file, rows })
}

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// Groups rows by the value of `key`, keeping file order.
fn by(rows: &Rows, key: &str) -> HashMap<String, Vec<Map<String, Value>>> {
    let mut map: HashMap<String, Vec<Map<String, Value>>> = HashMap::new();
    for (_, row) in rows {
        if let Some(k) = text(row, key) {
            map.entry(k).or_default().push(row.clone());
        }
    }
    map
}

fn without(mut row: Map<String, Value>, keys: &[&str]) -> Value {
    for k in keys {
        row.remove(*k);
    }
    Value::Object(row)
}

pub fn read(folder: &Path) -> AppResult<(Vec<Raw>, Vec<Rejection>)> {
    if !folder.is_dir() {
        return Err(AppError::Import(format!(
            "{} is not a folder of CSV files; nothing was imported",
            folder.display()
        )));
    }
    let services = table(folder, &["services.csv", "service.csv"])?;
    let organizations = table(folder, &["organizations.csv", "organization.csv"])?;
    let identifiers = table(folder, &["organization_identifiers.csv"])?;
    let locations = table(folder, &["locations.csv", "location.csv"])?;
    let addresses = table(folder, &["addresses.csv", "address.csv"])?;
    let accessibility = table(
        folder,
        &["accessibility.csv", "accessibility_for_disabilities.csv"],
    )?;
    let sals = table(
        folder,
        &["service_at_locations.csv", "service_at_location.csv"],
    )?;
    let schedules = table(folder, &["schedules.csv", "schedule.csv"])?;
    let costs = table(folder, &["cost_options.csv"])?;
    let contacts = table(folder, &["contacts.csv"])?;
    let phones = table(folder, &["phones.csv"])?;
    let languages = table(folder, &["languages.csv"])?;
    let areas = table(folder, &["service_areas.csv"])?;
    let funding = table(folder, &["funding.csv", "fundings.csv"])?;
    let taxonomies = table(folder, &["taxonomies.csv", "taxonomy.csv"])?;
    let terms = table(folder, &["taxonomy_terms.csv", "taxonomy_term.csv"])?;
    let attributes = table(folder, &["attributes.csv", "attribute.csv"])?;
    if services.rows.is_empty() && organizations.rows.is_empty() && terms.rows.is_empty() {
        return Err(AppError::Import(format!(
            "{} holds no services.csv, organizations.csv or taxonomy_terms.csv; nothing was imported",
            folder.display()
        )));
    }

    let mut rejected = Vec::new();
    let identifiers_by_org = by(&identifiers.rows, "organization_id");
    let org_values: HashMap<String, Value> = organizations
        .rows
        .iter()
        .filter_map(|(_, row)| {
            let id = text(row, "id")?;
            let mut org = row.clone();
            org.entry("description")
                .or_insert(Value::String(String::new()));
            let ids: Vec<Value> = identifiers_by_org
                .get(&id)
                .into_iter()
                .flatten()
                .map(|r| without(r.clone(), &["organization_id"]))
                .collect();
            if !ids.is_empty() {
                org.insert("organization_identifiers".into(), Value::Array(ids));
            }
            Some((id, Value::Object(org)))
        })
        .collect();
    let addresses_by_location = by(&addresses.rows, "location_id");
    let access_by_location = by(&accessibility.rows, "location_id");
    let location_values: HashMap<String, Value> = locations
        .rows
        .iter()
        .filter_map(|(_, row)| {
            let id = text(row, "id")?;
            let mut location = row.clone();
            let list = |m: &HashMap<String, Vec<Map<String, Value>>>| -> Vec<Value> {
                m.get(&id)
                    .into_iter()
                    .flatten()
                    .map(|r| without(r.clone(), &["location_id"]))
                    .collect()
            };
            location.insert(
                "addresses".into(),
                Value::Array(list(&addresses_by_location)),
            );
            location.insert(
                "accessibility".into(),
                Value::Array(list(&access_by_location)),
            );
            Some((id, Value::Object(location)))
        })
        .collect();
    let term_values: HashMap<String, Value> = terms
        .rows
        .iter()
        .filter_map(|(_, row)| Some((text(row, "id")?, Value::Object(row.clone()))))
        .collect();

    let service_ids: HashSet<String> = services
        .rows
        .iter()
        .filter_map(|(_, r)| text(r, "id"))
        .collect();
    let sals_by_service = by(&sals.rows, "service_id");
    let sal_service: HashMap<String, String> = sals
        .rows
        .iter()
        .filter_map(|(_, r)| Some((text(r, "id")?, text(r, "service_id")?)))
        .collect();
    let mut schedules_by_service: HashMap<String, Vec<Map<String, Value>>> = HashMap::new();
    for (line, row) in &schedules.rows {
        let owner = text(row, "service_id").or_else(|| {
            text(row, "service_at_location_id").and_then(|s| sal_service.get(&s).cloned())
        });
        match owner.filter(|o| service_ids.contains(o)) {
            Some(service) => schedules_by_service
                .entry(service)
                .or_default()
                .push(row.clone()),
            None => rejected.push(Rejection {
                position: format!("{} line {line}", schedules.file),
                reason: "the schedule belongs to no service in the package".into(),
            }),
        }
    }
    let costs_by_service = by(&costs.rows, "service_id");
    let contacts_by_service = by(&contacts.rows, "service_id");
    let phones_by_contact = by(&phones.rows, "contact_id");
    let phones_by_service = by(&phones.rows, "service_id");
    let languages_by_service = by(&languages.rows, "service_id");
    let areas_by_service = by(&areas.rows, "service_id");
    let funding_by_service = by(&funding.rows, "service_id");
    let attributes_by_link = by(&attributes.rows, "link_id");

    let mut raws = Vec::new();
    for (line, row) in &organizations.rows {
        if let Some(org) = text(row, "id").and_then(|id| org_values.get(&id)) {
            raws.push(Raw {
                position: format!("{} line {line}", organizations.file),
                value: org.clone(),
            });
        }
    }
    for (line, row) in &taxonomies.rows {
        let mut taxonomy = row.clone();
        taxonomy
            .entry("description")
            .or_insert(Value::String(String::new()));
        // Mark it as a taxonomy even without a version column.
        taxonomy.entry("version").or_insert(Value::Null);
        raws.push(Raw {
            position: format!("{} line {line}", taxonomies.file),
            value: Value::Object(taxonomy),
        });
    }
    for (line, row) in &terms.rows {
        let mut term = row.clone();
        term.entry("description")
            .or_insert(Value::String(String::new()));
        term.entry("term").or_insert(Value::Null);
        raws.push(Raw {
            position: format!("{} line {line}", terms.file),
            value: Value::Object(term),
        });
    }
    for (line, row) in &services.rows {
        let Some(id) = text(row, "id") else {
            raws.push(Raw {
                position: format!("{} line {line}", services.file),
                value: Value::Object(row.clone()),
            });
            continue;
        };
        let mut service = row.clone();
        service
            .entry("status")
            .or_insert(Value::String("active".into()));
        if let Some(org) = text(row, "organization_id").and_then(|o| org_values.get(&o)) {
            service.insert("organization".into(), org.clone());
        }
        let list = |m: &HashMap<String, Vec<Map<String, Value>>>, drop: &[&str]| -> Value {
            Value::Array(
                m.get(&id)
                    .into_iter()
                    .flatten()
                    .map(|r| without(r.clone(), drop))
                    .collect(),
            )
        };
        let sal_list: Vec<Value> = sals_by_service
            .get(&id)
            .into_iter()
            .flatten()
            .filter_map(|sal| {
                let location = text(sal, "location_id").and_then(|l| location_values.get(&l))?;
                Some(serde_json::json!({"id": sal.get("id"), "location": location}))
            })
            .collect();
        service.insert("service_at_locations".into(), Value::Array(sal_list));
        service.insert(
            "schedules".into(),
            list(&schedules_by_service, &["service_id", "location_id"]),
        );
        service.insert(
            "cost_options".into(),
            list(&costs_by_service, &["service_id"]),
        );
        let contact_list: Vec<Value> = contacts_by_service
            .get(&id)
            .into_iter()
            .flatten()
            .map(|c| {
                let mut contact = c.clone();
                contact.remove("service_id");
                let phones: Vec<Value> = text(c, "id")
                    .and_then(|cid| phones_by_contact.get(&cid))
                    .into_iter()
                    .flatten()
                    .map(|p| without(p.clone(), &["contact_id", "service_id"]))
                    .collect();
                contact.insert("phones".into(), Value::Array(phones));
                Value::Object(contact)
            })
            .collect();
        service.insert("contacts".into(), Value::Array(contact_list));
        service.insert(
            "phones".into(),
            list(&phones_by_service, &["service_id", "contact_id"]),
        );
        service.insert(
            "languages".into(),
            list(&languages_by_service, &["service_id", "phone_id"]),
        );
        service.insert(
            "service_areas".into(),
            list(&areas_by_service, &["service_id"]),
        );
        service.insert("funding".into(), list(&funding_by_service, &["service_id"]));
        let attrs: Vec<Value> = attributes_by_link
            .get(&id)
            .into_iter()
            .flatten()
            .map(|a| {
                let mut attr = a.clone();
                if let Some(term) = text(a, "taxonomy_term_id").and_then(|t| term_values.get(&t)) {
                    attr.insert("taxonomy_term".into(), term.clone());
                }
                Value::Object(attr)
            })
            .collect();
        service.insert("attributes".into(), Value::Array(attrs));
        raws.push(Raw {
            position: format!("{} line {line}", services.file),
            value: Value::Object(service),
        });
    }
    Ok((raws, rejected))
}
