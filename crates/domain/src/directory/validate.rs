//! Checking a service before it is saved, whether typed by a directory
//! manager or read from someone else's feed. A listing that breaks the
//! profile's rules is rejected with the reason; a listing with a fixable
//! blemish (a malformed email, impossible coordinates) is kept without the
//! blemish, and the change is reported as a warning.

use super::model::Service;
use super::schedule::OpeningRule;
use crate::geo::GeoPoint;
use crate::postcode::Postcode;
use crate::user::Email;
use crate::validation::{Layout, typed};

/// What checking found, for a listing that can be saved.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Checked {
    pub warnings: Vec<String>,
}

/// An absolute http(s) URL with a host and no spaces.
pub fn is_web_url(raw: &str) -> bool {
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && host.contains('.')
            || host.starts_with("localhost")
            || host.starts_with("127.")
    }) && !raw.contains(char::is_whitespace)
}

fn keep_email(field: &str, value: &mut Option<String>, warnings: &mut Vec<String>) {
    if let Some(raw) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        match Email::parse(raw) {
            Ok(email) => *value = Some(email.to_string()),
            Err(_) => {
                warnings.push(format!(
                    "{field} {raw:?} is not an email address and was left out"
                ));
                *value = None;
            }
        }
    } else {
        *value = None;
    }
}

fn keep_url(field: &str, value: &mut Option<String>, warnings: &mut Vec<String>) {
    if let Some(raw) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        if is_web_url(raw) {
            *value = Some(raw.to_owned());
        } else {
            warnings.push(format!(
                "{field} {raw:?} is not a web address and was left out"
            ));
            *value = None;
        }
    } else {
        *value = None;
    }
}

/// Checks and tidies `service` in place. `Err` is the reason it cannot be
/// accepted.
pub fn check_service(service: &mut Service) -> Result<Checked, String> {
    let mut warnings = Vec::new();
    service.name = typed(&service.name, Layout::Line).map_err(|_| {
        "the service name holds hidden control or text direction characters".to_owned()
    })?;
    if service.name.is_empty() {
        return Err("the service has no name".into());
    }
    if service.name.chars().count() > 300 {
        return Err("the service name is longer than 300 characters".into());
    }
    for (what, age) in [
        ("minimum_age", service.minimum_age),
        ("maximum_age", service.maximum_age),
    ] {
        if let Some(a) = age
            && !(0.0..=130.0).contains(&a)
        {
            return Err(format!("{what} {a} is not an age"));
        }
    }
    if let (Some(min), Some(max)) = (service.minimum_age, service.maximum_age)
        && min > max
    {
        return Err(format!("minimum_age {min} is above maximum_age {max}"));
    }
    keep_email("email", &mut service.email, &mut warnings);
    keep_email("assurer_email", &mut service.assurer_email, &mut warnings);
    keep_url("url", &mut service.url, &mut warnings);
    for schedule in &mut service.schedules {
        OpeningRule::from_schedule(schedule)
            .map_err(|e| format!("schedule {}: {e}", schedule.id))?;
        if let Some(f) = &mut schedule.freq {
            *f = f.trim().to_ascii_uppercase();
        }
        keep_url("schedule_link", &mut schedule.schedule_link, &mut warnings);
    }
    for phone in service
        .phones
        .iter()
        .chain(service.contacts.iter().flat_map(|c| c.phones.iter()))
    {
        if phone.number.trim().is_empty() {
            return Err(format!("phone {} has no number", phone.id));
        }
    }
    for attribute in &mut service.attributes {
        if attribute.taxonomy_term_id.is_nil() {
            match &attribute.taxonomy_term {
                Some(term) => attribute.taxonomy_term_id = term.id,
                None => return Err(format!("attribute {} names no taxonomy term", attribute.id)),
            }
        }
        attribute.link_id = Some(service.id);
    }
    for contact in &mut service.contacts {
        keep_email("contact email", &mut contact.email, &mut warnings);
    }
    if let Some(org) = &mut service.organization {
        org.name = typed(&org.name, Layout::Line).map_err(|_| {
            format!(
                "organization {} has hidden control or text direction characters in its name",
                org.id
            )
        })?;
        if org.name.is_empty() {
            return Err(format!("organization {} has no name", org.id));
        }
        keep_email("organization email", &mut org.email, &mut warnings);
        keep_url("organization website", &mut org.website, &mut warnings);
        keep_url("organization uri", &mut org.uri, &mut warnings);
        if service.organization_id.is_none() {
            service.organization_id = Some(org.id);
        }
    }
    for sal in &mut service.service_at_locations {
        let location = &mut sal.location;
        match (location.latitude, location.longitude) {
            (Some(lat), Some(lon)) if GeoPoint::new(lat, lon).is_none() => {
                warnings.push(format!(
                    "location {} has impossible coordinates ({lat}, {lon}), left out",
                    location.id
                ));
                location.latitude = None;
                location.longitude = None;
            }
            (Some(_), None) | (None, Some(_)) => {
                warnings.push(format!(
                    "location {} has only half its coordinates, left out",
                    location.id
                ));
                location.latitude = None;
                location.longitude = None;
            }
            _ => {}
        }
        for address in &mut location.addresses {
            // UK postcodes are stored in their normal form; others as given.
            if let Ok(pc) = Postcode::parse(&address.postal_code) {
                address.postal_code = pc.to_string();
            }
        }
        for a in &mut location.accessibility {
            keep_url("accessibility url", &mut a.url, &mut warnings);
        }
        // A location_id naming another location is a broken reference,
        // left for the caller to report (an import rejects the service).
        sal.location_id.get_or_insert(location.id);
        sal.service_id = Some(service.id);
    }
    Ok(Checked { warnings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::model::*;
    use uuid::Uuid;

    fn service() -> Service {
        Service {
            id: Uuid::new_v4(),
            name: "  Garden Club ".into(),
            ..Default::default()
        }
    }

    #[test]
    fn tidies_and_keeps_good_listings() {
        let mut s = service();
        s.email = Some("Hello@Garden.example".into());
        s.url = Some("https://garden.example/club".into());
        let mut sal = ServiceAtLocation {
            id: Uuid::new_v4(),
            ..Default::default()
        };
        sal.location.latitude = Some(53.7);
        sal.location.longitude = Some(-1.9);
        sal.location.addresses.push(Address {
            id: Uuid::new_v4(),
            postal_code: "rv11aa".into(),
            ..Default::default()
        });
        s.service_at_locations.push(sal);
        let checked = check_service(&mut s).unwrap();
        assert!(checked.warnings.is_empty(), "{:?}", checked.warnings);
        assert_eq!(s.name, "Garden Club");
        assert_eq!(s.email.as_deref(), Some("hello@garden.example"));
        assert_eq!(
            s.service_at_locations[0].location.addresses[0].postal_code,
            "RV1 1AA"
        );
        assert_eq!(s.service_at_locations[0].service_id, Some(s.id));
    }

    #[test]
    fn fixable_blemishes_become_warnings() {
        let mut s = service();
        s.email = Some("not an email".into());
        s.url = Some("www.example".into());
        let mut sal = ServiceAtLocation {
            id: Uuid::new_v4(),
            ..Default::default()
        };
        sal.location.latitude = Some(100.0);
        sal.location.longitude = Some(101.0);
        s.service_at_locations.push(sal);
        let checked = check_service(&mut s).unwrap();
        assert_eq!(checked.warnings.len(), 3, "{:?}", checked.warnings);
        assert!(s.email.is_none() && s.url.is_none());
        assert!(s.service_at_locations[0].location.latitude.is_none());
    }

    #[test]
    fn broken_listings_are_rejected_with_a_reason() {
        let mut unnamed = service();
        unnamed.name = " ".into();
        assert_eq!(
            check_service(&mut unnamed).unwrap_err(),
            "the service has no name"
        );
        let mut ages = service();
        ages.minimum_age = Some(65.0);
        ages.maximum_age = Some(18.0);
        assert!(
            check_service(&mut ages)
                .unwrap_err()
                .contains("above maximum_age")
        );
        let mut schedule = service();
        schedule.schedules.push(Schedule {
            id: Uuid::nil(),
            freq: Some("YEARLY".into()),
            ..Default::default()
        });
        assert!(check_service(&mut schedule).unwrap_err().contains("freq"));
        let mut phone = service();
        phone.phones.push(Phone {
            id: Uuid::nil(),
            number: " ".into(),
            description: None,
            contact_id: None,
        });
        assert!(
            check_service(&mut phone)
                .unwrap_err()
                .contains("has no number")
        );
    }

    #[test]
    fn recognises_web_addresses() {
        assert!(is_web_url("https://example.org"));
        assert!(is_web_url("http://example.org/a?b=c"));
        assert!(!is_web_url("example.org"));
        assert!(!is_web_url("https://"));
        assert!(!is_web_url("https://exa mple.org"));
    }
}
