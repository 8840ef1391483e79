//! Favourites, shortlists and services' capacity.

use linkwork_domain::audit::{AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::directory::Service;
use linkwork_domain::linking::{Capacity, CapacityState, Shortlist};
use linkwork_domain::message::{Channel, Message};
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_domain::validation::{ValidationErrors, text};
use linkwork_domain::{ReferralId, ShortlistId};
use linkwork_storage::CaseworkChanges;
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

/// A shortlist with its services, for printing or sending.
#[derive(Debug, Clone)]
pub struct ShortlistView {
    pub shortlist: Shortlist,
    pub person_name: String,
    pub services: Vec<ServiceCard>,
    pub worker: String,
    pub team: String,
}

/// Longest shortlist: more than this is not a shortlist.
const MAX_SHORTLIST: usize = 8;

impl App {
    pub async fn favourites(&self, p: &Principal) -> AppResult<Vec<Uuid>> {
        p.require(Permission::SearchDirectory)?;
        Ok(self.store.favourites(p.user.id).await?)
    }

    pub async fn set_favourite(
        &self,
        p: &Principal,
        service: Uuid,
        favourite: bool,
    ) -> AppResult<()> {
        p.require(Permission::WorkWithPeople)?;
        self.directory_service(service).await?;
        Ok(self
            .store
            .set_favourite(p.user.id, service, favourite, now())
            .await?)
    }

    /// Gives the person of a case a list of services to try themselves,
    /// printed or sent to them by email or text message. Not a referral:
    /// nothing about the person goes to the services.
    pub async fn create_shortlist(
        &self,
        p: &Principal,
        referral_id: ReferralId,
        services: &[Uuid],
        note: &str,
        send: &str,
    ) -> AppResult<Shortlist> {
        let view = self.case(p, referral_id).await?;
        let mut e = ValidationErrors::new();
        let note = text(&mut e, "note", note, 1000, "The note");
        let mut chosen: Vec<Service> = Vec::new();
        for id in services {
            if chosen.iter().any(|s| s.id == *id) {
                continue;
            }
            match self.store.service(*id).await? {
                Some(s) => chosen.push(s),
                None => e.add(
                    "services",
                    "One of the services is no longer in the directory",
                ),
            }
        }
        if chosen.is_empty() {
            e.add("services", "Choose at least one service for the shortlist");
        }
        if chosen.len() > MAX_SHORTLIST {
            e.add(
                "services",
                format!("A shortlist can have up to {MAX_SHORTLIST} services"),
            );
        }
        let d = &view.person.details;
        let (via, to) = d
            .send_to(send, &["print", ""], "the shortlist", "print it")
            .map_err(|errors| e.extend(errors))
            .ok()
            .flatten()
            .unzip();
        e.into_result(())?;
        let at = now();
        let list = Shortlist {
            id: ShortlistId::new(),
            referral_id,
            person_id: view.person.id,
            pcn_id: view.referral.pcn_id,
            service_ids: chosen.iter().map(|s| s.id).collect(),
            note,
            created_at: at,
            created_by: p.user.id,
            sent_via: via,
            sent_to: to.clone(),
        };
        let mut changes = CaseworkChanges {
            shortlists: vec![list.clone()],
            ..Default::default()
        };
        if let (Some(channel), Some(to)) = (via, to) {
            let first = d
                .preferred_name
                .clone()
                .unwrap_or_else(|| d.given_name.clone());
            let cards: Vec<ServiceCard> = chosen.iter().map(ServiceCard::new).collect();
            let body = shortlist_text(
                &first,
                &cards,
                list.note.as_deref(),
                &p.user.display_name,
                channel,
            );
            changes.messages.push(
                Message::new(
                    channel,
                    to,
                    (channel == Channel::Email).then(|| "Groups and services to try".to_owned()),
                    body,
                    format!("Shortlist for {}", d.full_name()),
                    Some(view.referral.pcn_id),
                    at,
                )
                .about(view.referral.person_id),
            );
        }
        let audit = NewAuditEvent::new(p.actor(), AuditAction::ShortlistCreate, at)
            .entity(EntityRef::new("referral", referral_id))
            .org(view.referral.pcn_id)
            .detail(format!(
                "{}: {} services, {}",
                view.referral.reference,
                chosen.len(),
                via.map_or("to print".to_owned(), |c| format!(
                    "by {}",
                    c.label().to_lowercase()
                ))
            ))
            .ip(p.ip.clone());
        self.store.save_casework(&changes, &[audit]).await?;
        Ok(list)
    }

    /// A shortlist with its services, for the team.
    pub async fn shortlist(&self, p: &Principal, id: ShortlistId) -> AppResult<ShortlistView> {
        let list = self
            .store
            .shortlist(id)
            .await?
            .ok_or(AppError::NotFound("shortlist"))?;
        let view = self.case(p, list.referral_id).await?;
        let mut services = Vec::new();
        for id in &list.service_ids {
            if let Some(s) = self.store.service(*id).await? {
                services.push(ServiceCard::new(&s));
            }
        }
        let team = self
            .store
            .organisation(view.referral.pcn_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        Ok(ShortlistView {
            person_name: view
                .person
                .details
                .preferred_name
                .clone()
                .unwrap_or_else(|| view.person.details.given_name.clone()),
            worker: view.user_name(list.created_by).to_owned(),
            team,
            services,
            shortlist: list,
        })
    }

    /// A service's capacity, if it is marked full or with a waiting list:
    /// for staff only (its note is not for the public).
    pub async fn capacity(&self, p: &Principal, service_id: Uuid) -> AppResult<Option<Capacity>> {
        p.require(Permission::SearchDirectory)?;
        let today = self.today();
        Ok(self
            .store
            .capacities(&[service_id])
            .await?
            .into_iter()
            .find(|c| c.in_force(today)))
    }

    /// Marks a service full or with a waiting list until a date (or clears
    /// it): its partner, for its own listings, or a directory manager.
    pub async fn set_capacity(
        &self,
        p: &Principal,
        service_id: Uuid,
        state: &str,
        until: &linkwork_domain::person::DateParts,
        note: &str,
    ) -> AppResult<Option<Capacity>> {
        let service = self.directory_service(service_id).await?;
        if !self.can_edit_service(p, &service).await? {
            return Err(AppError::Forbidden);
        }
        let mut e = ValidationErrors::new();
        let note = text(&mut e, "capacity_note", note, 500, "The note");
        let capacity = match state {
            "" | "open" => None,
            code => {
                let state = CapacityState::from_code(code);
                if state.is_none() {
                    e.add(
                        "capacity",
                        "Choose whether it is full or has a waiting list",
                    );
                }
                let until = match until.parse("The date") {
                    Ok(Some(d)) if d >= self.today() => Some(d),
                    Ok(Some(_)) => {
                        e.add("until", "The date must be today or in the future");
                        None
                    }
                    Ok(None) => {
                        e.add("until", "Enter until when");
                        None
                    }
                    Err(m) => {
                        e.add("until", m);
                        None
                    }
                };
                state.zip(until).map(|(state, until)| Capacity {
                    service_id,
                    state,
                    until,
                    note: note.clone(),
                    set_by: p.user.id,
                    set_at: now(),
                })
            }
        };
        e.into_result(())?;
        let audit = NewAuditEvent::new(p.actor(), AuditAction::CapacitySet, now())
            .entity(EntityRef::new("service", service_id))
            .org(p.user.org_id)
            .detail(match &capacity {
                Some(c) => format!("{}: {} until {}", service.name, c.state.label(), c.until),
                None => format!("{}: open to new people", service.name),
            })
            .ip(p.ip.clone());
        self.store
            .set_capacity(service_id, capacity.as_ref(), &audit)
            .await?;
        Ok(capacity)
    }
}

/// A service as a person is given it: what it is, when and where, the
/// cost and how to get in touch. The printed shortlist and the email or
/// text message say the same.
#[derive(Debug, Clone)]
pub struct ServiceCard {
    pub id: Uuid,
    pub name: String,
    pub organisation: Option<String>,
    pub description: Option<String>,
    pub when: Vec<String>,
    pub place: Option<String>,
    pub cost: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
}

impl ServiceCard {
    pub fn new(s: &Service) -> ServiceCard {
        let place = s.service_at_locations.first().and_then(|sal| {
            let l = &sal.location;
            let address = l
                .addresses
                .first()
                .map(|a| format!("{}, {}", a.address_1, a.postal_code));
            [l.name.clone(), address]
                .into_iter()
                .flatten()
                .reduce(|a, b| format!("{a}, {b}"))
        });
        ServiceCard {
            id: s.id,
            name: s.name.clone(),
            organisation: s.organization.as_ref().map(|o| o.name.clone()),
            description: s.description.clone(),
            when: s
                .schedules
                .iter()
                .filter_map(|sch| {
                    linkwork_domain::directory::schedule::OpeningRule::from_schedule(sch).ok()
                })
                .map(|r| r.describe())
                .collect(),
            place,
            cost: if s.is_free() {
                "Free".to_owned()
            } else {
                s.fees
                    .clone()
                    .unwrap_or_else(|| "Ask the service".to_owned())
            },
            phone: s.phones.first().map(|ph| ph.number.clone()).or_else(|| {
                s.contacts
                    .iter()
                    .flat_map(|c| &c.phones)
                    .next()
                    .map(|ph| ph.number.clone())
            }),
            email: s.email.clone(),
            website: s.url.clone(),
        }
    }
}

/// A shortlist as an email or a text message (shorter: no descriptions).
fn shortlist_text(
    first_name: &str,
    services: &[ServiceCard],
    note: Option<&str>,
    worker: &str,
    channel: Channel,
) -> String {
    let mut out =
        format!("Hello {first_name},\n\nHere are the groups and services we talked about.\n");
    if let Some(n) = note {
        out.push_str(&format!("\n{n}\n"));
    }
    for s in services {
        out.push_str(&format!("\n{}\n", s.name));
        if channel == Channel::Email
            && let Some(d) = &s.description
        {
            out.push_str(&format!("{d}\n"));
        }
        if !s.when.is_empty() {
            out.push_str(&format!("When: {}\n", s.when.join("; ")));
        }
        if let Some(place) = &s.place {
            out.push_str(&format!("Where: {place}\n"));
        }
        out.push_str(&format!("Cost: {}\n", s.cost));
        let contact: Vec<&str> = [&s.phone, &s.email, &s.website]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !contact.is_empty() {
            out.push_str(&format!("Contact: {}\n", contact.join(", ")));
        }
    }
    out.push_str(&format!("\nFrom {worker}, your link worker.\n"));
    out
}
