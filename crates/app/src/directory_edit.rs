//! Editing a listing through the form: what the form holds, checking it,
//! and applying it to the service without touching what the form does not
//! show (contacts, service areas, funding, extra locations, monthly
//! schedules imported from feeds).

use linkwork_domain::directory::schedule::{OpeningRule, Weekday, parse_time};
use linkwork_domain::directory::*;
use linkwork_domain::postcode::Postcode;
use linkwork_domain::user::Email;
use linkwork_domain::validation::{Layout, ValidationErrors, non_empty, text_field};
use linkwork_search::AccessFeature;
use serde::Deserialize;
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

/// The edit form, as typed. Opening times are `opens_mo`, `closes_mo` …
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServiceForm {
    pub organization_id: String,
    pub name: String,
    pub description: String,
    pub status: String,
    pub needs: Vec<String>,
    pub eligibility_description: String,
    pub minimum_age: String,
    pub maximum_age: String,
    pub application_process: String,
    pub wait_time: String,
    pub fees: String,
    pub free: Option<String>,
    pub url: String,
    pub email: String,
    pub phone: String,
    pub location_name: String,
    pub address_1: String,
    pub city: String,
    pub postcode: String,
    pub access: Vec<String>,
    pub languages: String,
    pub opens_mo: String,
    pub closes_mo: String,
    pub opens_tu: String,
    pub closes_tu: String,
    pub opens_we: String,
    pub closes_we: String,
    pub opens_th: String,
    pub closes_th: String,
    pub opens_fr: String,
    pub closes_fr: String,
    pub opens_sa: String,
    pub closes_sa: String,
    pub opens_su: String,
    pub closes_su: String,
}

impl ServiceForm {
    /// The form's opening time fields for a day.
    pub fn hours(&self, day: Weekday) -> (&str, &str) {
        match day {
            Weekday::Mo => (&self.opens_mo, &self.closes_mo),
            Weekday::Tu => (&self.opens_tu, &self.closes_tu),
            Weekday::We => (&self.opens_we, &self.closes_we),
            Weekday::Th => (&self.opens_th, &self.closes_th),
            Weekday::Fr => (&self.opens_fr, &self.closes_fr),
            Weekday::Sa => (&self.opens_sa, &self.closes_sa),
            Weekday::Su => (&self.opens_su, &self.closes_su),
        }
    }

    fn set_hours(&mut self, day: Weekday, opens: String, closes: String) {
        let (o, c) = match day {
            Weekday::Mo => (&mut self.opens_mo, &mut self.closes_mo),
            Weekday::Tu => (&mut self.opens_tu, &mut self.closes_tu),
            Weekday::We => (&mut self.opens_we, &mut self.closes_we),
            Weekday::Th => (&mut self.opens_th, &mut self.closes_th),
            Weekday::Fr => (&mut self.opens_fr, &mut self.closes_fr),
            Weekday::Sa => (&mut self.opens_sa, &mut self.closes_sa),
            Weekday::Su => (&mut self.opens_su, &mut self.closes_su),
        };
        *o = opens;
        *c = closes;
    }

    /// The form filled in from a service, for editing it.
    pub fn from_service(s: &Service) -> ServiceForm {
        let first = s.service_at_locations.first().map(|sal| &sal.location);
        let address = first.and_then(|l| l.addresses.first());
        let access_text: String = first
            .map(|l| {
                l.accessibility
                    .iter()
                    .filter_map(|a| a.description.clone())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let mut form = ServiceForm {
            organization_id: s.organization_id.map(|o| o.to_string()).unwrap_or_default(),
            name: s.name.clone(),
            description: s.description.clone().unwrap_or_default(),
            status: s.status.code().to_owned(),
            needs: s.term_ids().map(|t| t.to_string()).collect(),
            eligibility_description: s.eligibility_description.clone().unwrap_or_default(),
            minimum_age: s.minimum_age.map(|a| a.to_string()).unwrap_or_default(),
            maximum_age: s.maximum_age.map(|a| a.to_string()).unwrap_or_default(),
            application_process: s.application_process.clone().unwrap_or_default(),
            wait_time: s.wait_time.clone().unwrap_or_default(),
            fees: s.fees.clone().unwrap_or_default(),
            free: s.is_free().then(|| "yes".to_owned()),
            url: s.url.clone().unwrap_or_default(),
            email: s.email.clone().unwrap_or_default(),
            phone: s
                .phones
                .first()
                .map(|p| p.number.clone())
                .unwrap_or_default(),
            location_name: first.and_then(|l| l.name.clone()).unwrap_or_default(),
            address_1: address.map(|a| a.address_1.clone()).unwrap_or_default(),
            city: address.map(|a| a.city.clone()).unwrap_or_default(),
            postcode: address.map(|a| a.postal_code.clone()).unwrap_or_default(),
            access: AccessFeature::ALL
                .into_iter()
                .filter(|f| {
                    access_text
                        .to_lowercase()
                        .contains(&f.label().to_lowercase())
                        || recognises(&access_text, *f)
                })
                .map(|f| f.code().to_owned())
                .collect(),
            languages: s
                .languages
                .iter()
                .filter_map(|l| l.name.clone().or(l.code.clone()))
                .collect::<Vec<_>>()
                .join(", "),
            ..Default::default()
        };
        for schedule in &s.schedules {
            if let Ok(rule) = OpeningRule::from_schedule(schedule)
                && !rule.monthly
            {
                for day in &rule.days {
                    let show = |t: Option<chrono::NaiveTime>| {
                        t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default()
                    };
                    form.set_hours(*day, show(rule.opens), show(rule.closes));
                }
            }
        }
        form
    }
}

/// Whether the search index would recognise `feature` in this text.
fn recognises(text: &str, feature: AccessFeature) -> bool {
    let probe = Service {
        service_at_locations: vec![ServiceAtLocation {
            location: Location {
                accessibility: vec![Accessibility {
                    description: Some(text.to_owned()),
                    ..Default::default()
                }],
                ..Default::default()
            },
            ..Default::default()
        }],
        ..Default::default()
    };
    linkwork_search::Doc::from_service(&probe, |_| Vec::new()).has_access(feature)
}

fn age(raw: &str, field: &'static str, errors: &mut ValidationErrors) -> Option<f64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<f64>() {
        Ok(a) if (0.0..=130.0).contains(&a) => Some(a),
        _ => {
            errors.add(field, "Enter an age in years, like 18");
            None
        }
    }
}

impl App {
    /// Applies the form to `service` (a new one, or the stored one), or
    /// lists every problem with it.
    pub async fn apply_service_form(
        &self,
        service: &mut Service,
        form: &ServiceForm,
    ) -> AppResult<Result<(), ValidationErrors>> {
        let mut errors = ValidationErrors::new();
        match text_field(
            &mut errors,
            "name",
            &form.name,
            Layout::Line,
            300,
            "Service name",
        ) {
            Some(name) => service.name = name,
            None => errors.add("name", "Enter the name of the service"),
        }
        service.description = non_empty(&form.description);
        if service.description.is_none() {
            errors.add("description", "Describe what the service offers");
        }
        match ServiceStatus::from_code(&form.status) {
            Some(status) => service.status = status,
            None => errors.add("status", "Select whether the service is running"),
        }
        let mut attributes = Vec::new();
        for raw in &form.needs {
            match raw.parse::<Uuid>() {
                Ok(term) => attributes.push(
                    service
                        .attributes
                        .iter()
                        .find(|a| a.taxonomy_term_id == term)
                        .cloned()
                        .unwrap_or(Attribute {
                            id: Uuid::new_v4(),
                            link_id: Some(service.id),
                            taxonomy_term_id: term,
                            link_type: Some("service".into()),
                            taxonomy_term: None,
                        }),
                ),
                Err(_) => errors.add("needs", "Select needs from the list"),
            }
        }
        // Terms of other taxonomies (from imports) are kept as they were.
        let need_ids: Vec<Uuid> = needs::terms().iter().map(|t| t.id).collect();
        attributes.extend(
            service
                .attributes
                .iter()
                .filter(|a| !need_ids.contains(&a.taxonomy_term_id))
                .cloned(),
        );
        service.attributes = attributes;
        if !service
            .attributes
            .iter()
            .any(|a| need_ids.contains(&a.taxonomy_term_id))
        {
            errors.add("needs", "Select at least one need the service helps with");
        }
        service.eligibility_description = non_empty(&form.eligibility_description);
        service.minimum_age = age(&form.minimum_age, "minimum_age", &mut errors);
        service.maximum_age = age(&form.maximum_age, "maximum_age", &mut errors);
        if let (Some(min), Some(max)) = (service.minimum_age, service.maximum_age)
            && min > max
        {
            errors.add(
                "maximum_age",
                "The oldest age must be the same as or more than the youngest age",
            );
        }
        service.application_process = non_empty(&form.application_process);
        service.wait_time = non_empty(&form.wait_time);
        let free = form.free.is_some();
        service.fees = non_empty(&form.fees).or(free.then(|| "Free".to_owned()));
        if free && service.fees.as_deref().is_some_and(|f| f.contains('£')) {
            errors.add("fees", "A free service cannot have a price in its fees");
        }
        if free {
            service
                .cost_options
                .retain(|c| c.amount.is_none_or(|a| a <= 0.0));
            if !service.cost_options.iter().any(|c| c.amount == Some(0.0)) {
                service.cost_options.push(CostOption {
                    id: Uuid::new_v4(),
                    option: Some("Everyone".into()),
                    amount: Some(0.0),
                    ..Default::default()
                });
            }
        } else {
            service.cost_options.retain(|c| c.amount != Some(0.0));
        }
        service.url = non_empty(&form.url);
        if let Some(url) = &service.url
            && !validate::is_web_url(url)
        {
            errors.add("url", "Enter a web address starting https://");
        }
        service.email = match non_empty(&form.email) {
            Some(raw) => match Email::parse(&raw) {
                Ok(e) => Some(e.to_string()),
                Err(e) => {
                    errors.add("email", e.to_string());
                    None
                }
            },
            None => None,
        };
        match non_empty(&form.phone) {
            Some(number) if number.chars().filter(char::is_ascii_digit).count() < 10 => errors.add(
                "phone",
                "Enter a phone number with its area code, like 01632 960000",
            ),
            Some(number) => match service.phones.first_mut() {
                Some(p) => p.number = number,
                None => service.phones.push(Phone {
                    id: Uuid::new_v4(),
                    number,
                    description: None,
                    contact_id: None,
                }),
            },
            None => {
                if !service.phones.is_empty() {
                    service.phones.remove(0);
                }
            }
        }
        self.apply_location(service, form, &mut errors).await?;
        apply_hours(service, form, &mut errors);
        service.languages = form
            .languages
            .split([',', ';'])
            .filter_map(non_empty)
            .map(|name| {
                let name = language_name(&name);
                service
                    .languages
                    .iter()
                    .find(|l| l.name.as_deref() == Some(name.as_str()))
                    .cloned()
                    .unwrap_or(Language {
                        id: Uuid::new_v4(),
                        name: Some(name),
                        code: None,
                        note: None,
                    })
            })
            .collect();
        Ok(errors.into_result(()))
    }

    /// The first location: its name, address (the postcode placed on the
    /// map from the postcode lookup) and accessibility.
    async fn apply_location(
        &self,
        service: &mut Service,
        form: &ServiceForm,
        errors: &mut ValidationErrors,
    ) -> AppResult<()> {
        let postcode = form.postcode.trim();
        let located = if postcode.is_empty() {
            None
        } else {
            match Postcode::parse(postcode) {
                Ok(pc) => Some((
                    pc.to_string(),
                    self.store
                        .postcode(&pc)
                        .await
                        .map_err(AppError::from)?
                        .map(|r| r.point),
                )),
                Err(e) => {
                    errors.add("postcode", e.to_string());
                    None
                }
            }
        };
        let has_place = !form.address_1.trim().is_empty() || located.is_some();
        if !has_place {
            // Nothing typed: an online or phone service.
            return Ok(());
        }
        if form.address_1.trim().is_empty() {
            errors.add("address_1", "Enter the first line of the address");
        }
        if located.is_none() && postcode.is_empty() {
            errors.add(
                "postcode",
                "Enter the postcode, so people can find how far away it is",
            );
        }
        if service.service_at_locations.is_empty() {
            let location = Location {
                id: Uuid::new_v4(),
                location_type: LocationType::Physical,
                ..Default::default()
            };
            service.service_at_locations.push(ServiceAtLocation {
                id: Uuid::new_v4(),
                service_id: Some(service.id),
                location_id: Some(location.id),
                location,
            });
        }
        let location = &mut service.service_at_locations[0].location;
        location.name = non_empty(&form.location_name);
        if location.addresses.is_empty() {
            location.addresses.push(Address {
                id: Uuid::new_v4(),
                country: "GB".into(),
                address_type: LocationType::Physical,
                ..Default::default()
            });
        }
        let address = &mut location.addresses[0];
        address.address_1 = form.address_1.trim().to_owned();
        address.city = form.city.trim().to_owned();
        if let Some((pc, point)) = located {
            // A new postcode moves the place on the map to it; an unchanged
            // one keeps the exact position the listing had.
            let moved = address.postal_code != pc;
            address.postal_code = pc;
            if let Some(point) = point.filter(|_| moved || location.latitude.is_none()) {
                location.latitude = Some(point.lat);
                location.longitude = Some(point.lon);
            }
        }
        let mut features = Vec::new();
        for code in &form.access {
            match AccessFeature::from_code(code) {
                Some(f) => features.push(f),
                None => errors.add("access", "Select accessibility from the list"),
            }
        }
        // Notes stay as written unless they describe a feature now unticked;
        // a newly ticked feature gets a note of its own.
        let text_of = |a: &Accessibility| {
            [a.description.as_deref(), a.details.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        };
        location.accessibility.retain(|a| {
            AccessFeature::ALL
                .iter()
                .all(|f| !recognises(&text_of(a), *f) || features.contains(f))
        });
        for f in features {
            if !location
                .accessibility
                .iter()
                .any(|a| recognises(&text_of(a), f))
            {
                location.accessibility.push(Accessibility {
                    id: Uuid::new_v4(),
                    description: Some(f.label().to_owned()),
                    ..Default::default()
                });
            }
        }
        Ok(())
    }

    /// Creates a listing for a directory organisation the user may edit.
    pub async fn create_listing(
        &self,
        principal: &Principal,
        form: &ServiceForm,
    ) -> AppResult<Result<Service, ValidationErrors>> {
        let org = match form.organization_id.parse::<Uuid>() {
            Ok(id) => self.store.directory_organization(id).await?,
            Err(_) => None,
        };
        let mut service = Service {
            id: Uuid::new_v4(),
            ..Default::default()
        };
        let mut result = self.apply_service_form(&mut service, form).await?;
        match org {
            Some(org) => {
                service.organization_id = Some(org.id);
                service.organization = Some(org);
            }
            None => {
                let mut errors = result.err().unwrap_or_default();
                errors.add(
                    "organization_id",
                    "Select the organisation that runs the service",
                );
                result = Err(errors);
            }
        }
        if let Err(errors) = result {
            return Ok(Err(errors));
        }
        Ok(Ok(self.save_listing(principal, service, true).await?))
    }

    /// Applies the form to a stored listing and saves it.
    pub async fn update_listing(
        &self,
        principal: &Principal,
        id: Uuid,
        form: &ServiceForm,
    ) -> AppResult<Result<Service, ValidationErrors>> {
        let mut service = self.directory_service(id).await?;
        if !self.can_edit_service(principal, &service).await? {
            return Err(AppError::Forbidden);
        }
        if let Err(errors) = self.apply_service_form(&mut service, form).await? {
            return Ok(Err(errors));
        }
        Ok(Ok(self.save_listing(principal, service, false).await?))
    }
}

/// Weekly opening hours from the form, one schedule per set of days with
/// the same hours; monthly schedules (from imports) are kept.
fn apply_hours(service: &mut Service, form: &ServiceForm, errors: &mut ValidationErrors) {
    let mut groups: Vec<(String, String, Vec<Weekday>)> = Vec::new();
    for day in Weekday::ALL {
        let (opens, closes) = form.hours(day);
        let (opens, closes) = (opens.trim(), closes.trim());
        if opens.is_empty() && closes.is_empty() {
            continue;
        }
        let field: &'static str = match day {
            Weekday::Mo => "opens_mo",
            Weekday::Tu => "opens_tu",
            Weekday::We => "opens_we",
            Weekday::Th => "opens_th",
            Weekday::Fr => "opens_fr",
            Weekday::Sa => "opens_sa",
            Weekday::Su => "opens_su",
        };
        match (parse_time(opens), parse_time(closes)) {
            (Some(o), Some(c)) if c > o => {
                let (o, c) = (
                    o.format("%H:%M:%S").to_string(),
                    c.format("%H:%M:%S").to_string(),
                );
                match groups.iter_mut().find(|(go, gc, _)| *go == o && *gc == c) {
                    Some(group) => group.2.push(day),
                    None => groups.push((o, c, vec![day])),
                }
            }
            (Some(_), Some(_)) => errors.add(
                field,
                format!("{} closing time must be after its opening time", day.name()),
            ),
            _ => errors.add(
                field,
                format!(
                    "Enter {} opening and closing times, like 10:00 and 12:30",
                    day.name()
                ),
            ),
        }
    }
    let monthly: Vec<Schedule> = service
        .schedules
        .iter()
        .filter(|s| {
            s.freq
                .as_deref()
                .is_some_and(|f| f.eq_ignore_ascii_case("MONTHLY"))
        })
        .cloned()
        .collect();
    // A schedule whose days and hours are unchanged is kept as it was
    // (its id, notes and place), so saving an untouched form changes nothing.
    let unchanged = |days: &[Weekday], opens: &str, closes: &str| {
        service.schedules.iter().find(|s| {
            OpeningRule::from_schedule(s).is_ok_and(|r| {
                !r.monthly
                    && r.days == days
                    && r.opens.map(|t| t.format("%H:%M:%S").to_string()).as_deref() == Some(opens)
                    && r.closes
                        .map(|t| t.format("%H:%M:%S").to_string())
                        .as_deref()
                        == Some(closes)
            })
        })
    };
    let weekly: Vec<Schedule> = groups
        .into_iter()
        .map(|(opens, closes, days)| {
            unchanged(&days, &opens, &closes)
                .cloned()
                .unwrap_or_else(|| Schedule {
                    id: Uuid::new_v4(),
                    service_at_location_id: service.service_at_locations.first().map(|s| s.id),
                    freq: Some("WEEKLY".into()),
                    interval: Some(1.0),
                    byday: Some(days.iter().map(|d| d.code()).collect::<Vec<_>>().join(",")),
                    opens_at: Some(opens),
                    closes_at: Some(closes),
                    ..Default::default()
                })
        })
        .collect();
    service.schedules = weekly.into_iter().chain(monthly).collect();
}
