//! Open Referral UK v1 feeds, still served by many councils: their field
//! names and nesting, converted to the 3.0 shape before reading.

use serde_json::{Map, Value, json};

/// v1 services carry fields 3.0 renamed or removed.
pub fn is_v1_service(value: &Value) -> bool {
    [
        "regular_schedules",
        "service_taxonomys",
        "eligibilitys",
        "fundings",
        "holiday_schedules",
    ]
    .iter()
    .any(|k| value.get(k).is_some())
        || value
            .get("service_at_locations")
            .and_then(Value::as_array)
            .is_some_and(|sals| {
                sals.iter()
                    .any(|s| s.pointer("/location/physical_addresses").is_some())
            })
}

fn array<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn text(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Copies the keys that mean the same in both versions.
fn copy(from: &Value, to: &mut Map<String, Value>, keys: &[&str]) {
    for key in keys {
        if let Some(v) = from.get(*key).filter(|v| !v.is_null()) {
            to.insert((*key).to_owned(), v.clone());
        }
    }
}

/// v1 weekdays were names or numbers (1 = Monday).
fn weekday_code(raw: &Value) -> Option<&'static str> {
    const CODES: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
    match raw {
        Value::Number(n) => n
            .as_u64()
            .filter(|d| (1..=7).contains(d))
            .map(|d| CODES[d as usize - 1]),
        Value::String(s) => {
            let lower = s.trim().to_ascii_lowercase();
            CODES
                .iter()
                .zip(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
                .find(|(_, p)| lower.starts_with(*p))
                .map(|(c, _)| *c)
        }
        _ => None,
    }
}

fn schedule(s: &Value) -> Value {
    let mut out = Map::new();
    copy(
        s,
        &mut out,
        &[
            "id",
            "valid_from",
            "valid_to",
            "dtstart",
            "freq",
            "interval",
            "byday",
            "bymonthday",
            "description",
            "opens_at",
            "closes_at",
        ],
    );
    if !out.contains_key("byday")
        && let Some(day) = s.get("weekday").and_then(weekday_code)
    {
        out.insert("byday".into(), json!(day));
        out.entry("freq").or_insert(json!("WEEKLY"));
    }
    Value::Object(out)
}

fn location(l: &Value) -> Value {
    let mut out = Map::new();
    copy(
        l,
        &mut out,
        &["id", "name", "description", "latitude", "longitude"],
    );
    out.insert("location_type".into(), json!("physical"));
    let addresses: Vec<Value> = array(l, "physical_addresses")
        .map(|a| {
            json!({
                "id": a.get("id").cloned().unwrap_or(Value::Null),
                "address_1": text(a, "address_1").unwrap_or_default(),
                "city": text(a, "city").unwrap_or_default(),
                "state_province": text(a, "state_province").unwrap_or_default(),
                "postal_code": text(a, "postal_code").unwrap_or_default(),
                "country": text(a, "country").unwrap_or_else(|| "GB".into()),
                "address_type": "physical",
            })
        })
        .collect();
    out.insert("addresses".into(), Value::Array(addresses));
    let access: Vec<Value> = array(l, "accessibility_for_disabilities")
        .map(|a| json!({"id": a.get("id").cloned().unwrap_or(Value::Null), "description": text(a, "accessibility")}))
        .collect();
    out.insert("accessibility".into(), Value::Array(access));
    Value::Object(out)
}

/// Rebuilds a v1 service in the 3.0 shape.
pub fn service_to_v3(v1: Value, notes: &mut Vec<String>) -> Value {
    let mut out = Map::new();
    copy(
        &v1,
        &mut out,
        &[
            "id",
            "name",
            "description",
            "url",
            "email",
            "status",
            "fees",
            "accreditations",
            "assured_date",
            "alert",
        ],
    );
    if let Some(org) = v1.get("organization").filter(|o| o.is_object()) {
        let mut o = Map::new();
        copy(
            org,
            &mut o,
            &["id", "name", "description", "email", "logo", "uri"],
        );
        if let Some(url) = text(org, "url").or_else(|| text(org, "website")) {
            o.insert("website".into(), json!(url));
        }
        o.entry("description").or_insert(json!(""));
        out.insert("organization".into(), Value::Object(o));
    }
    let eligibility: Vec<String> = array(&v1, "eligibilitys")
        .filter_map(|e| text(e, "eligibility"))
        .collect();
    if !eligibility.is_empty() {
        out.insert(
            "eligibility_description".into(),
            json!(eligibility.join("; ")),
        );
    }
    for (key, pick) in [
        ("minimum_age", f64::min as fn(f64, f64) -> f64),
        ("maximum_age", f64::max),
    ] {
        let ages: Vec<f64> = array(&v1, "eligibilitys")
            .filter_map(|e| e.get(key)?.as_f64())
            .collect();
        if let Some(first) = ages.first() {
            out.insert(key.into(), json!(ages.iter().copied().fold(*first, pick)));
        }
    }
    let mut schedules: Vec<Value> = array(&v1, "regular_schedules").map(schedule).collect();
    let sals: Vec<Value> = array(&v1, "service_at_locations")
        .map(|sal| {
            schedules.extend(array(sal, "regular_schedules").map(schedule));
            json!({
                "id": sal.get("id").cloned().unwrap_or(Value::Null),
                "location": sal.get("location").map(location).unwrap_or(Value::Null),
            })
        })
        .collect();
    out.insert("schedules".into(), Value::Array(schedules));
    out.insert("service_at_locations".into(), Value::Array(sals));
    let contacts: Vec<Value> = array(&v1, "contacts")
        .map(|c| {
            let phones: Vec<Value> =
                array(c, "phones").map(|p| json!({"id": p.get("id").cloned().unwrap_or(Value::Null), "number": text(p, "number").unwrap_or_default()})).collect();
            json!({"id": c.get("id").cloned().unwrap_or(Value::Null), "name": text(c, "name"), "title": text(c, "title"), "phones": phones})
        })
        .collect();
    out.insert("contacts".into(), Value::Array(contacts));
    let costs: Vec<Value> = array(&v1, "cost_options")
        .map(|c| {
            let mut m = Map::new();
            copy(
                c,
                &mut m,
                &[
                    "id",
                    "valid_from",
                    "valid_to",
                    "option",
                    "amount",
                    "amount_description",
                ],
            );
            Value::Object(m)
        })
        .collect();
    out.insert("cost_options".into(), Value::Array(costs));
    let languages: Vec<Value> = array(&v1, "languages")
        .map(|l| json!({"id": l.get("id").cloned().unwrap_or(Value::Null), "name": text(l, "language")}))
        .collect();
    out.insert("languages".into(), Value::Array(languages));
    let areas: Vec<Value> = array(&v1, "service_areas")
        .map(|a| json!({"id": a.get("id").cloned().unwrap_or(Value::Null), "name": text(a, "service_area"), "service_area": text(a, "service_area"), "extent": text(a, "extent"), "uri": text(a, "uri")}))
        .collect();
    out.insert("service_areas".into(), Value::Array(areas));
    let funding: Vec<Value> = array(&v1, "fundings")
        .map(|f| json!({"id": f.get("id").cloned().unwrap_or(Value::Null), "source": text(f, "source")}))
        .collect();
    out.insert("funding".into(), Value::Array(funding));
    let attributes: Vec<Value> = array(&v1, "service_taxonomys")
        .filter_map(|st| {
            let t = st.get("taxonomy")?;
            let term_id = t.get("id")?.clone();
            Some(json!({
                "id": st.get("id").cloned().unwrap_or(Value::Null),
                "taxonomy_term_id": term_id.clone(),
                "taxonomy_term": {
                    "id": term_id,
                    "name": text(t, "name").unwrap_or_default(),
                    "description": text(t, "name").unwrap_or_default(),
                    "taxonomy": text(t, "vocabulary"),
                    "parent_id": t.get("parent").filter(|p| !p.is_null()).cloned(),
                },
            }))
        })
        .collect();
    out.insert("attributes".into(), Value::Array(attributes));
    notes.push("read as an Open Referral UK v1 record".into());
    // Drop nulls so optional fields read as absent.
    strip_nulls(Value::Object(out))
}

fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_a_v1_service() {
        let v1 = json!({
            "id": 17, "name": "Lunch Club", "status": "active",
            "organization": {"id": 3, "name": "Age Friendly", "description": "Charity", "url": "https://af.example"},
            "eligibilitys": [{"id": 1, "eligibility": "Over 60s", "minimum_age": 60}],
            "regular_schedules": [{"id": 5, "weekday": "Wednesday", "opens_at": "12:00", "closes_at": "14:00"}],
            "service_at_locations": [{"id": 9, "location": {"id": 4, "name": "Hall", "latitude": 53.7, "longitude": -1.9,
                "physical_addresses": [{"id": 2, "address_1": "1 High St", "city": "Riverside", "postal_code": "RV1 1AA"}],
                "accessibility_for_disabilities": [{"id": 8, "accessibility": "Wheelchair access"}]}}],
            "languages": [{"id": 6, "language": "Polish"}],
            "service_taxonomys": [{"id": 11, "taxonomy": {"id": 12, "name": "Lunch clubs", "vocabulary": "Local"}}]
        });
        assert!(is_v1_service(&v1));
        let v3 = service_to_v3(v1, &mut Vec::new());
        assert_eq!(v3["organization"]["website"], "https://af.example");
        assert_eq!(v3["eligibility_description"], "Over 60s");
        assert_eq!(v3["minimum_age"], 60.0);
        assert_eq!(v3["schedules"][0]["byday"], "WE");
        assert_eq!(v3["schedules"][0]["freq"], "WEEKLY");
        assert_eq!(
            v3["service_at_locations"][0]["location"]["addresses"][0]["postal_code"],
            "RV1 1AA"
        );
        assert_eq!(
            v3["service_at_locations"][0]["location"]["accessibility"][0]["description"],
            "Wheelchair access"
        );
        assert_eq!(v3["languages"][0]["name"], "Polish");
        assert_eq!(v3["attributes"][0]["taxonomy_term"]["taxonomy"], "Local");
        assert!(!is_v1_service(&json!({"id": "x", "schedules": []})));
    }
}
