//! Identifiers from other systems. ORUK 3.0 requires UUIDs, but v1 feeds
//! and hand-made files often use numbers or codes. Such an id is turned
//! into a UUID derived from it (version 5), so re-importing the same
//! record updates it rather than creating a second.

use linkwork_domain::directory::needs::NAMESPACE;
use serde_json::Value;
use uuid::Uuid;

/// The UUID for `raw` (itself, when it is one).
pub fn uuid_for(kind: &str, raw: &str) -> Uuid {
    Uuid::parse_str(raw.trim()).unwrap_or_else(|_| {
        Uuid::new_v5(&NAMESPACE, format!("feed:{kind}:{}", raw.trim()).as_bytes())
    })
}

/// Keys that hold identifiers, and the kind of record each refers to.
fn id_kind(key: &str, parent: &str) -> Option<String> {
    match key {
        "id" | "parent_id" => Some(parent.to_owned()),
        "link_id" => Some("service".to_owned()),
        "parent_organization_id" => Some("organization".to_owned()),
        k if k.ends_with("_id") => Some(k.trim_end_matches("_id").to_owned()),
        _ => None,
    }
}

/// Rewrites every non-UUID identifier in `value` (recursively) as a
/// derived UUID, noting each change. Numbers are taken as their text.
pub fn normalise(value: &mut Value, kind: &str, notes: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if let Some(id_of) = id_kind(key, kind) {
                    let raw = match v {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    };
                    if let Some(raw) = raw
                        && Uuid::parse_str(raw.trim()).is_err()
                    {
                        let id = uuid_for(&id_of, &raw);
                        if key == "id" {
                            notes.push(format!("{kind} id {raw:?} is not a UUID; stored as {id}"));
                        }
                        *v = Value::String(id.to_string());
                    }
                } else {
                    let child_kind = match key.as_str() {
                        "service_at_locations" => "service_at_location",
                        "location" => "location",
                        "addresses" | "physical_addresses" | "postal_addresses" => "address",
                        "schedules" | "regular_schedules" => "schedule",
                        "organization" => "organization",
                        "taxonomy_term" | "taxonomy_terms" => "taxonomy_term",
                        "taxonomy" => "taxonomy",
                        "service" | "services" => "service",
                        other => other.trim_end_matches('s'),
                    };
                    normalise(v, child_kind, notes);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                normalise(item, kind, notes);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_uuids_and_derives_stable_ones_for_other_ids() {
        let keep = "ac148810-d857-441c-9679-408f346de14b";
        let mut v = json!({"id": 42, "organization_id": "ORG-7", "contacts": [{"id": keep}]});
        let mut notes = Vec::new();
        normalise(&mut v, "service", &mut notes);
        assert_eq!(v["contacts"][0]["id"], keep);
        assert_eq!(v["id"], uuid_for("service", "42").to_string());
        assert_eq!(
            v["organization_id"],
            uuid_for("organization", "ORG-7").to_string()
        );
        assert_eq!(notes.len(), 1);
        // The same source id always gives the same UUID.
        assert_eq!(uuid_for("service", "42"), uuid_for("service", " 42 "));
        assert_ne!(uuid_for("service", "42"), uuid_for("location", "42"));
    }
}
