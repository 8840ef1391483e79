//! Demo people and referrals: a year of referrals for every network, by
//! every route, in every state of the journey, with histories that add up
//! (accepted before contacted, attempts before "unable to contact"). The
//! same seed gives the same people, references and ids; dates are set
//! relative to today so the waiting list always looks current.
//!
//! Everything is written by one bulk insert with a single audit event, so
//! a million referrals take minutes, not hours.

use chrono::{Duration, NaiveDate};
use linkwork_app::App;
use linkwork_app::admin::Caller;
use linkwork_app::secrets::token_hash;
use linkwork_domain::api_token::ApiToken;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::codes::CodePurpose;
use linkwork_domain::consent::{Consent, ConsentKind};
use linkwork_domain::nhs_number::NhsNumber;
use linkwork_domain::organisation::{OrgKind, Organisation};
use linkwork_domain::person::{ContactMethod, Person, PersonDetails, Sex};
use linkwork_domain::postcode::{ImdEdition, Postcode};
use linkwork_domain::referral::{
    Change, DeclineReason, EventKind, Outcome, Referral, ReferralEvent, ReferralReference,
    ReferralRoute, ReferralStatus, Referrer, Urgency,
};
use linkwork_domain::role::Role;
use linkwork_domain::time::now;
use linkwork_domain::user::Email;
use linkwork_domain::{
    ApiTokenId, ConsentId, OrgId, PersonId, ReferralEventId, ReferralId, Timestamp, UserId,
};
use linkwork_storage::{NewReferral, ReferralPerson};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::names::{FIRST_NAMES, SURNAMES};
use crate::organisations::Plan;
use crate::{DemoError, ids, postcodes};

/// A year of referrals for a typical network.
pub const REFERRALS_PER_NETWORK: u32 = 400;

/// The demo hospital's API token, printed with the demo logins so the API
/// and FHIR endpoints can be tried at once. Demo data only.
pub const DEMO_API_TOKEN: &str = "lwk_demo-riverside-hospital-not-for-real-use";

const SEED: u64 = 0x5e_f3_44_a1;
/// The first nine digits of demo NHS numbers start here: 999 numbers are
/// the NHS's range for test data, never issued to anyone.
const NHS_NUMBER_BASE: u32 = 999_000_000;
/// Coprime with 30, so `index × STRIDE` gives every demo referral its own
/// reference (a bijection on the 30⁸ references).
const REFERENCE_STRIDE: u64 = 7_919_271_013;

/// A network and who works and refers there.
#[derive(Clone)]
struct Network {
    pcn: OrgId,
    practices: Vec<OrgId>,
    workers: Vec<(UserId, String)>,
    /// Users of the network's practices, and of the area's hospital and
    /// council, who make professional referrals, with their job titles.
    referrers: Vec<(UserId, OrgId, String, &'static str)>,
    partners: Vec<OrgId>,
    /// Postcode districts the network covers, in the demo lookup.
    districts: Vec<u32>,
}

/// A postcode of the demo lookup with its area and deprivation.
#[derive(Clone)]
struct Place {
    postcode: Postcode,
    lsoa: String,
    imd_decile: Option<u8>,
}

fn places() -> Vec<Vec<Place>> {
    let mut by_district: Vec<Vec<Place>> = (0..postcodes::DISTRICTS).map(|_| Vec::new()).collect();
    for line in postcodes::RIVERSIDE_NSPL.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let (Ok(postcode), Some(lsoa), Some(imd)) =
            (Postcode::parse(fields[2]), fields.get(21), fields.get(33))
        else {
            continue;
        };
        let district: usize = postcode.outcode()[2..].parse().unwrap_or(1);
        by_district[district - 1].push(Place {
            postcode,
            lsoa: (*lsoa).to_owned(),
            imd_decile: imd.parse().ok().and_then(|r| ImdEdition::Iod2019.decile(r)),
        });
    }
    by_district
}

fn networks(plan: &Plan) -> Vec<Network> {
    let orgs = &plan.organisations;
    let children = |parent: OrgId, kind: OrgKind| -> Vec<OrgId> {
        orgs.iter()
            .filter(|o| o.parent_id == Some(parent) && o.kind == kind)
            .map(|o| o.id)
            .collect()
    };
    let icb_of = |pcn: &Organisation| pcn.parent_id.expect("a network sits under a board");
    let pcns: Vec<&Organisation> = orgs.iter().filter(|o| o.kind == OrgKind::Pcn).collect();
    pcns.iter()
        .enumerate()
        .map(|(i, pcn)| {
            let practices = children(pcn.id, OrgKind::GpPractice);
            let icb = icb_of(pcn);
            // Hospitals and councils refer across the area.
            let area_referrers = [
                children(icb, OrgKind::NhsTrust),
                children(icb, OrgKind::LocalAuthority),
            ]
            .concat();
            let workers = plan
                .users
                .iter()
                .filter(|u| {
                    u.org_id == pcn.id
                        && (u.roles.contains(&Role::LinkWorker)
                            || u.roles.contains(&Role::TeamLead))
                })
                .map(|u| (u.id, u.name.clone()))
                .collect();
            let referrers = plan
                .users
                .iter()
                .filter(|u| {
                    u.roles.contains(&Role::Referrer)
                        && (practices.contains(&u.org_id) || area_referrers.contains(&u.org_id))
                })
                .map(|u| {
                    let role = match orgs.iter().find(|o| o.id == u.org_id).map(|o| o.kind) {
                        Some(OrgKind::NhsTrust) => "Discharge coordinator",
                        Some(OrgKind::LocalAuthority) => "Social worker",
                        _ => "GP",
                    };
                    (u.id, u.org_id, u.name.clone(), role)
                })
                .collect();
            // Riverside's two networks split the twelve districts; other
            // areas borrow the same lookup so every person has an area.
            let half = postcodes::DISTRICTS / 2;
            let districts = if i % 2 == 0 {
                1..=half
            } else {
                half + 1..=postcodes::DISTRICTS
            }
            .collect();
            Network {
                pcn: pcn.id,
                practices,
                workers,
                referrers,
                partners: children(icb, OrgKind::Vcse),
                districts,
            }
        })
        .collect()
}

const REDIRECTED_TO: &[&str] = &[
    "Citizens Advice Riverside",
    "the community mental health team",
    "Riverside Carers' Centre",
    "the falls prevention service",
    "the council's housing options team",
];
const COMMUNITY_ROLES: &[&str] = &[
    "Neighbour",
    "Faith leader",
    "Youth worker",
    "Friend",
    "Volunteer at the foodbank",
];
const DETAILS: &[&str] = &[
    "Lives alone since their partner died and rarely goes out.",
    "Worried about bills and has started skipping meals.",
    "Recently retired and feeling a bit lost.",
    "Caring for their mother full time; no time for themselves.",
    "Would like to get more active after a heart scare.",
    "New to the area and does not know anyone yet.",
    "Struggling with the stress of a housing repair dispute.",
];

/// Makes the referrals, one network after another. Cloned before it
/// runs, it makes the same referrals again, for their casework.
#[derive(Clone)]
struct Generator {
    rng: ChaCha8Rng,
    networks: Vec<Network>,
    places: Vec<Vec<Place>>,
    needs: Vec<String>,
    declined_code: String,
    referral_code: String,
    token: (ApiTokenId, OrgId),
    app: App,
    now: Timestamp,
    today: NaiveDate,
    per_network: u32,
    network: usize,
    in_network: u32,
    index: u64,
    nhs_base: u32,
    /// People of the current network (id, name, has an NHS number), to
    /// refer some of them again.
    recent: Vec<(PersonId, String, bool)>,
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

impl Generator {
    fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100) < percent
    }

    fn next_nhs_number(&mut self) -> NhsNumber {
        loop {
            let candidate = NhsNumber::from_base(self.nhs_base);
            self.nhs_base += 1;
            if let Some(n) = candidate {
                return n;
            }
        }
    }

    fn person(&mut self, network: usize, with_nhs_number: bool, at: Timestamp) -> Person {
        let first = *pick(&mut self.rng, FIRST_NAMES);
        let last = *pick(&mut self.rng, SURNAMES);
        let district = *pick(&mut self.rng, &self.networks[network].districts) as usize;
        let spot = self.rng.random_range(0..self.places[district - 1].len());
        let (postcode, lsoa, imd_decile) = {
            let place = &self.places[district - 1][spot];
            (place.postcode.clone(), place.lsoa.clone(), place.imd_decile)
        };
        let age_days = self.rng.random_range(18 * 365..95 * 365);
        let method = *pick(&mut self.rng, &ContactMethod::ALL[..3]);
        let email = (method == ContactMethod::Email || self.chance(25)).then(|| {
            Email::parse(&format!(
                "{}.{}{}@example.com",
                first.to_lowercase(),
                last.to_lowercase(),
                self.index
            ))
            .expect("demo emails are valid")
        });
        let interpreter = self.chance(6);
        let safeguarding = self.chance(3);
        let sex = if self.chance(55) {
            Sex::Female
        } else {
            Sex::Male
        };
        let ethnicity = if self.chance(70) {
            "A"
        } else {
            pick(
                &mut self.rng,
                &["B", "C", "F", "H", "J", "K", "M", "N", "R", "S", "Z"],
            )
        };
        let ethnicity = ethnicity.to_string();
        let line1 = format!(
            "{} {} Road",
            self.rng.random_range(1..200),
            pick(&mut self.rng, SURNAMES)
        );
        let phone = format!("07700 900 {:03}", self.rng.random_range(0..1000));
        Person {
            id: PersonId(ids::uuid(&mut self.rng)),
            pcn_id: self.networks[network].pcn,
            details: PersonDetails {
                nhs_number: with_nhs_number.then(|| self.next_nhs_number()),
                given_name: first.into(),
                family_name: last.into(),
                preferred_name: None,
                date_of_birth: self.today - Duration::days(age_days),
                sex: Some(sex),
                gender_identity: None,
                ethnicity: Some(ethnicity),
                address_line1: Some(line1),
                address_line2: None,
                town: Some("Riverside".into()),
                postcode: Some(postcode),
                gp_practice_id: self
                    .chance(90)
                    .then(|| *pick(&mut self.rng, &self.networks[network].practices)),
                phone: Some(phone),
                email,
                contact_method: Some(method),
                contact_times: self.chance(30).then(|| "Weekday mornings".to_owned()),
                safe_to_leave_message: Some(self.chance(80)),
                language: interpreter.then(|| {
                    (*pick(
                        &mut self.rng,
                        &["Polish", "Bengali", "Urdu", "Arabic", "Romanian"],
                    ))
                    .to_owned()
                }),
                interpreter_needed: interpreter,
                bsl: self.chance(1),
                easy_read: self.chance(3),
                large_print: self.chance(5),
                other_communication_needs: None,
                safeguarding_concern: safeguarding,
                safeguarding_details: safeguarding.then(|| {
                    "Lives with a family member who has been verbally aggressive to visitors."
                        .to_owned()
                }),
            },
            lsoa: Some(lsoa),
            imd_decile,
            created_at: at,
            updated_at: at,
            rights: Default::default(),
        }
    }

    /// The status a referral of this age has reached.
    fn status_for(&mut self, age_days: i64) -> ReferralStatus {
        use ReferralStatus::*;
        let roll = self.rng.random_range(0..100);
        let table: &[(u32, ReferralStatus)] = match age_days {
            0..=2 => &[(70, Received), (95, Accepted), (100, Declined)],
            3..=14 => &[
                (15, Received),
                (60, Accepted),
                (90, InProgress),
                (94, Declined),
                (97, Redirected),
                (100, Withdrawn),
            ],
            15..=90 => &[
                (5, Accepted),
                (60, InProgress),
                (70, UnableToContact),
                (78, Declined),
                (85, Redirected),
                (90, Withdrawn),
                (100, Discharged),
            ],
            _ => &[
                (15, InProgress),
                (75, Discharged),
                (83, UnableToContact),
                (90, Declined),
                (95, Redirected),
                (100, Withdrawn),
            ],
        };
        table
            .iter()
            .find(|(upto, _)| roll < *upto)
            .map(|(_, s)| *s)
            .unwrap_or(Discharged)
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &mut self,
        referral: &Referral,
        at: Timestamp,
        by: (Option<UserId>, &str),
        kind: EventKind,
        from: Option<ReferralStatus>,
        to: Option<ReferralStatus>,
        summary: String,
        reason: Option<String>,
    ) -> ReferralEvent {
        let change = Change {
            kind,
            from_status: from,
            to_status: to,
            summary,
            reason,
        };
        ReferralEvent {
            // Demo history ids come from the seed too.
            id: ReferralEventId(ids::uuid(&mut self.rng)),
            ..change.into_event(referral.id, at, by.0, by.1)
        }
    }

    fn referral(&mut self) -> NewReferral {
        let network = self.network;
        // Recent referrals are more common than old ones: the list a team
        // sees is mostly this quarter's.
        let age_minutes = {
            let r: f64 = self.rng.random();
            (r * r * 365.0 * 24.0 * 60.0) as i64
        };
        let received_at = self.now - Duration::minutes(age_minutes);
        let age_days = age_minutes / (24 * 60);
        let route = match self.rng.random_range(0..100) {
            0..50 => ReferralRoute::Professional,
            50..65 => ReferralRoute::SelfReferral,
            65..75 => ReferralRoute::Community,
            75..90 => ReferralRoute::Api,
            _ => ReferralRoute::Fhir,
        };
        // Now and then someone is referred again; professionals always
        // know the NHS number, so only people with one are referred again
        // by them.
        let again = match self.recent.is_empty() || !self.chance(5) {
            true => None,
            false => Some(pick(&mut self.rng, &self.recent).clone())
                .filter(|(_, _, has_number)| *has_number || !route.requires_nhs_number()),
        };
        let (person, person_id, person_name) = match again {
            Some((id, name, _)) => (ReferralPerson::Existing(id), id, name),
            None => {
                let with_nhs_number = route.requires_nhs_number() || self.chance(50);
                let person = self.person(network, with_nhs_number, received_at);
                let (id, name) = (person.id, person.details.full_name());
                self.recent.push((id, name.clone(), with_nhs_number));
                (ReferralPerson::New(Box::new(person)), id, name)
            }
        };
        let referrers = &self.networks[network].referrers;
        let referrer = match route {
            ReferralRoute::Professional => {
                let (user, org, name, role) = pick(&mut self.rng, referrers).clone();
                Referrer {
                    org_id: Some(org),
                    user_id: Some(user),
                    name,
                    role: Some(role.into()),
                    phone: Some("01632 960 001".into()),
                    ..Default::default()
                }
            }
            ReferralRoute::SelfReferral => Referrer {
                name: person_name.clone(),
                ..Default::default()
            },
            ReferralRoute::Community => Referrer {
                name: format!(
                    "{} {}",
                    pick(&mut self.rng, FIRST_NAMES),
                    pick(&mut self.rng, SURNAMES)
                ),
                role: Some((*pick(&mut self.rng, COMMUNITY_ROLES)).to_owned()),
                phone: Some(format!("07700 900 {:03}", self.rng.random_range(0..1000))),
                ..Default::default()
            },
            ReferralRoute::Api | ReferralRoute::Fhir => Referrer {
                org_id: Some(self.token.1),
                api_token_id: Some(self.token.0),
                name: if route == ReferralRoute::Api {
                    "Riverside Hospital discharge team".into()
                } else {
                    format!("Dr {}", pick(&mut self.rng, SURNAMES))
                },
                phone: Some("01632 960 555".into()),
                ..Default::default()
            },
        };
        let mut needs: Vec<String> = Vec::new();
        for _ in 0..self.rng.random_range(1..=3) {
            let need = pick(&mut self.rng, &self.needs).clone();
            if !needs.contains(&need) {
                needs.push(need);
            }
        }
        let id = ReferralId(ids::uuid(&mut self.rng));
        let status = self.status_for(age_days);
        let mut referral = Referral {
            id,
            reference: ReferralReference::from_random(self.index.wrapping_mul(REFERENCE_STRIDE)),
            person_id,
            pcn_id: self.networks[network].pcn,
            route,
            status: ReferralStatus::Received,
            urgency: if self.chance(8) {
                Urgency::Urgent
            } else {
                Urgency::Routine
            },
            needs,
            details: self
                .chance(70)
                .then(|| (*pick(&mut self.rng, DETAILS)).to_owned()),
            referrer,
            code: self.referral_code.clone(),
            idempotency_key: None,
            submission_digest: None,
            reasons_as_written: None,
            needs_coding: false,
            authored_on: None,
            sender_identifier: None,
            gp_practice_code_given: None,
            received_at,
            accepted_at: None,
            first_contact_at: None,
            closed_at: None,
            assigned_to: None,
            failed_contact_attempts: 0,
            next_action_due: None,
            next_action_note: None,
            outcome: None,
            identity_check: None,
            intervention_received_at: None,
            version: 1,
            updated_at: received_at,
        };
        let by_referrer = (referral.referrer.user_id, referral.referrer.name.clone());
        let mut events = vec![self.event(
            &referral,
            received_at,
            (by_referrer.0, &by_referrer.1),
            EventKind::Received,
            None,
            Some(ReferralStatus::Received),
            format!("{} received from {}", route.label(), referral.referrer.name),
            None,
        )];
        self.journey(&mut referral, status, &mut events);
        referral.version = events.len() as i64;
        let recorded_by = match route {
            ReferralRoute::SelfReferral | ReferralRoute::Community => format!(
                "{} ({})",
                referral.referrer.name,
                route.label().to_lowercase()
            ),
            _ => referral.referrer.name.clone(),
        };
        let consent = |rng: &mut ChaCha8Rng, kind, given, partner_org_id| Consent {
            id: ConsentId(ids::uuid(rng)),
            person_id,
            kind,
            partner_org_id,
            given,
            recorded_at: received_at,
            recorded_by: recorded_by.clone(),
            recorded_by_user_id: referral.referrer.user_id,
            referral_id: Some(id),
        };
        let mut consents = vec![
            consent(&mut self.rng, ConsentKind::Referral, true, None),
            consent(&mut self.rng, ConsentKind::Contact, true, None),
        ];
        if !self.networks[network].partners.is_empty() && self.chance(30) {
            let partner = *pick(&mut self.rng, &self.networks[network].partners);
            consents.push(consent(
                &mut self.rng,
                ConsentKind::Share,
                true,
                Some(partner),
            ));
        }
        NewReferral {
            person,
            referral,
            consents,
            events,
        }
    }

    /// Walks the referral to `status`, recording each step, each a little
    /// after the last (and never after now).
    fn journey(
        &mut self,
        r: &mut Referral,
        status: ReferralStatus,
        events: &mut Vec<ReferralEvent>,
    ) {
        use ReferralStatus::*;
        if status == Received {
            return;
        }
        let (worker_id, worker) = pick(&mut self.rng, &self.networks[self.network].workers).clone();
        let by = (Some(worker_id), worker.as_str());
        let mut at = r.received_at;
        let mut later = |g: &mut Generator, most_hours: i64| {
            at = (at + Duration::minutes(g.rng.random_range(30..most_hours * 60))).min(g.now);
            at
        };
        // Some are declined, redirected or withdrawn at triage.
        if matches!(status, Declined | Redirected | Withdrawn) && self.chance(50) {
            let when = later(self, 72);
            self.close(r, status, when, by, events, Received);
            return;
        }
        let when = later(self, 48);
        r.status = Accepted;
        r.accepted_at = Some(when);
        if self.chance(85) {
            r.assigned_to = Some(worker_id);
        }
        r.next_action_due = Some(self.app.first_contact_due(r.received_at));
        r.next_action_note = Some("First contact".into());
        let summary = match r.assigned_to {
            Some(_) => format!("Accepted and assigned to {worker}"),
            None => "Accepted onto the waiting list".into(),
        };
        events.push(self.event(
            r,
            when,
            by,
            EventKind::StatusChange,
            Some(Received),
            Some(Accepted),
            summary,
            None,
        ));
        let attempts = match status {
            UnableToContact => {
                self.app
                    .settings
                    .referrals
                    .contact_attempts_before_unable_to_contact
            }
            Accepted => self.rng.random_range(0..3),
            _ => self.rng.random_range(0..2),
        };
        for _ in 0..attempts {
            let when = later(self, 48);
            r.failed_contact_attempts += 1;
            let outcome = if self.chance(50) {
                "No answer"
            } else {
                "Left a message"
            };
            events.push(self.event(
                r,
                when,
                by,
                EventKind::ContactAttempt,
                None,
                None,
                format!("{outcome} by phone call"),
                None,
            ));
        }
        match status {
            Accepted => return,
            UnableToContact | Declined | Redirected => {
                let when = later(self, 72);
                self.close(r, status, when, by, events, Accepted);
                return;
            }
            _ => {}
        }
        let when = later(self, 72);
        r.status = InProgress;
        r.first_contact_at = Some(when);
        r.next_action_due = Some(self.today + Duration::days(self.rng.random_range(-5..21)));
        r.next_action_note = Some("Next contact".into());
        events.push(self.event(
            r,
            when,
            by,
            EventKind::ContactAttempt,
            Some(Accepted),
            Some(InProgress),
            "Spoke to the person by phone call".into(),
            Some("Talked about what matters to them.".into()),
        ));
        if matches!(status, Withdrawn | Discharged) {
            let when = later(
                self,
                if status == Discharged {
                    80 * 24
                } else {
                    10 * 24
                },
            );
            self.close(r, status, when, by, events, InProgress);
        }
    }

    fn close(
        &mut self,
        r: &mut Referral,
        to: ReferralStatus,
        at: Timestamp,
        by: (Option<UserId>, &str),
        events: &mut Vec<ReferralEvent>,
        from: ReferralStatus,
    ) {
        let (summary, outcome) = match to {
            ReferralStatus::Declined => {
                let reason = *pick(&mut self.rng, &DeclineReason::ALL[..5]);
                (
                    format!("Declined: {}", reason.label()),
                    Outcome {
                        decline_reason: Some(reason),
                        code: (reason == DeclineReason::PersonDeclined)
                            .then(|| self.declined_code.clone()),
                        ..Default::default()
                    },
                )
            }
            ReferralStatus::Redirected => {
                let service = (*pick(&mut self.rng, REDIRECTED_TO)).to_owned();
                (
                    format!("Redirected to {service}"),
                    Outcome {
                        redirected_to: Some(service),
                        ..Default::default()
                    },
                )
            }
            ReferralStatus::UnableToContact => (
                format!(
                    "Closed: unable to contact after {} attempts",
                    r.failed_contact_attempts
                ),
                Outcome::default(),
            ),
            ReferralStatus::Withdrawn => (
                "Withdrawn".into(),
                Outcome {
                    note: Some("The person no longer wants support.".into()),
                    ..Default::default()
                },
            ),
            _ => (
                "Discharged".into(),
                Outcome {
                    note: Some("Goals met; now attending a weekly group.".into()),
                    ..Default::default()
                },
            ),
        };
        r.status = to;
        r.closed_at = Some(at);
        r.updated_at = at;
        r.next_action_due = None;
        r.next_action_note = None;
        let reason = outcome.note.clone();
        r.outcome = Some(outcome);
        events.push(self.event(
            r,
            at,
            by,
            EventKind::StatusChange,
            Some(from),
            Some(to),
            summary,
            reason,
        ));
    }
}

impl Iterator for Generator {
    type Item = NewReferral;

    fn next(&mut self) -> Option<NewReferral> {
        if self.in_network == self.per_network {
            self.network += 1;
            self.in_network = 0;
            self.recent.clear();
        }
        if self.network >= self.networks.len() {
            return None;
        }
        self.in_network += 1;
        self.index += 1;
        let mut item = self.referral();
        if let Some(last) = item.events.last() {
            item.referral.updated_at = item.referral.updated_at.max(last.at);
        }
        Some(item)
    }
}

/// What `generate` wrote.
pub(crate) struct ReferralSummary {
    pub referrals: u64,
    /// Referrals with casework (those the team took on).
    pub cases: u64,
    pub api_token: &'static str,
}

/// Postcode coverage for the Riverside networks, the demo API token, and
/// `REFERRALS_PER_NETWORK` referrals for every network of the plan.
pub(crate) async fn generate(
    app: &App,
    plan: &Plan,
    directory: &crate::linking::DemoDirectory,
) -> Result<ReferralSummary, DemoError> {
    let networks = networks(plan);
    let pcns: Vec<&Organisation> = plan
        .organisations
        .iter()
        .filter(|o| o.kind == OrgKind::Pcn)
        .collect();
    for (i, pcn) in pcns.iter().take(2).enumerate() {
        let half = postcodes::DISTRICTS / 2;
        let districts: Vec<String> = (1..=half)
            .map(|d| format!("RV{}", d + i as u32 * half))
            .collect();
        app.set_pcn_coverage(Caller::Operator, pcn, &districts)
            .await?;
    }
    let hospital = plan
        .organisations
        .iter()
        .find(|o| o.kind == OrgKind::NhsTrust)
        .expect("the demo has a hospital");
    let token = ApiToken {
        id: ApiTokenId(ids::uuid(&mut ChaCha8Rng::seed_from_u64(SEED))),
        org_id: hospital.id,
        name: "Riverside Hospital discharge system (demo)".into(),
        token_hash: token_hash(DEMO_API_TOKEN),
        hint: DEMO_API_TOKEN.chars().take(8).collect(),
        created_at: now(),
        created_by: Actor::System.label(),
        last_used_at: None,
        revoked_at: None,
    };
    app.store
        .create_api_token(
            &token,
            &NewAuditEvent::new(Actor::System, AuditAction::ApiTokenIssue, now())
                .entity(EntityRef::new("api_token", token.id))
                .org(hospital.id)
                .detail("Demo token for the hospital's discharge system"),
        )
        .await?;
    let code = |purpose| async move {
        app.store
            .clinical_code(purpose)
            .await
            .map(|c| c.map(|c| c.code).unwrap_or_default())
    };
    let mut generator = Generator {
        rng: ChaCha8Rng::seed_from_u64(SEED),
        places: places(),
        needs: app
            .active_needs()
            .await?
            .into_iter()
            .map(|n| n.code)
            .collect(),
        declined_code: code(CodePurpose::Declined).await?,
        referral_code: code(CodePurpose::Referral).await?,
        token: (token.id, hospital.id),
        now: now(),
        today: app.today(),
        per_network: REFERRALS_PER_NETWORK,
        network: 0,
        in_network: 0,
        index: 0,
        nhs_base: NHS_NUMBER_BASE,
        recent: Vec::new(),
        app: app.clone(),
        networks,
    };
    let event = NewAuditEvent::new(Actor::System, AuditAction::DemoReferrals, now()).detail(
        format!("Demo people and referrals for {} networks", pcns.len()),
    );
    let replay = generator.clone();
    let referrals = app
        .store
        .bulk_insert_referrals(&mut generator, &event)
        .await?;
    let partner_emails = plan
        .users
        .iter()
        .filter(|u| u.roles.contains(&linkwork_domain::role::Role::Partner))
        .map(|u| (u.org_id, u.email.clone()))
        .collect();
    // Outcomes before casework: the casework's audit event marks a demo
    // as finished (see `generate`).
    crate::outcomes::generate(app, replay.clone(), generator.now).await?;
    let cases =
        crate::casework::generate(app, replay, generator.now, directory, partner_emails).await?;
    Ok(ReferralSummary {
        referrals,
        cases,
        api_token: DEMO_API_TOKEN,
    })
}
