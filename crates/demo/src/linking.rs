//! Demo linking: people referred on to community services (into the demo
//! partners' inboxes, or by email to other services) with answers in every
//! state, attendances recorded as "intervention received", shortlists
//! given, and the messages all this sent waiting in the outbox (the demo
//! has nothing configured to send them).

use chrono::Duration;
use linkwork_domain::casework::current_needs;
use linkwork_domain::codes::Need;
use linkwork_domain::consent::{Consent, ConsentKind};
use linkwork_domain::directory::Service;
use linkwork_domain::directory::needs::{need_id, terms};
use linkwork_domain::linking::*;
use linkwork_domain::message::{Channel, Message, MessageStatus};
use linkwork_domain::person::ContactMethod;
use linkwork_domain::referral::Referral;
use linkwork_domain::{ConsentId, OnwardReferralId, OrgId, ShortlistId, Timestamp, UserId};
use linkwork_storage::{CaseworkChanges, NewReferral, OnwardEvent, ReferralPerson};
use rand::Rng;
use uuid::Uuid;

use crate::casework::Casework;
use crate::ids;

/// A demo service, as linking needs it.
#[derive(Debug, Clone)]
pub struct DemoService {
    pub id: Uuid,
    pub name: String,
    /// Its need terms and their ancestors.
    pub terms: Vec<Uuid>,
    /// The community partner whose inbox referrals go to.
    pub partner: Option<OrgId>,
    pub email: Option<String>,
}

/// The demo directory, and which services meet each referral need.
#[derive(Debug, Clone, Default)]
pub struct DemoDirectory {
    pub services: Vec<DemoService>,
    /// (referral need code, directory term id).
    pub need_terms: Vec<(String, Uuid)>,
    /// The referral needs, for their labels.
    pub needs: Vec<Need>,
}

impl DemoDirectory {
    pub fn new(
        services: &[Service],
        tenant_of: impl Fn(Uuid) -> Option<OrgId>,
        need_terms: &[(String, String)],
        needs: Vec<Need>,
    ) -> DemoDirectory {
        let all = terms();
        let with_ancestors = |id: Uuid| {
            let mut out = vec![id];
            let mut at = id;
            while let Some(parent) = all.iter().find(|t| t.id == at).and_then(|t| t.parent_id) {
                out.push(parent);
                at = parent;
            }
            out
        };
        DemoDirectory {
            services: services
                .iter()
                .filter(|s| s.status == linkwork_domain::directory::ServiceStatus::Active)
                .map(|s| {
                    let partner = s.organization_id.and_then(&tenant_of);
                    DemoService {
                        id: s.id,
                        name: s.name.clone(),
                        terms: s.term_ids().flat_map(with_ancestors).collect(),
                        partner,
                        email: partner.is_none().then(|| s.email.clone()).flatten(),
                    }
                })
                .collect(),
            need_terms: need_terms
                .iter()
                .filter_map(|(need, term)| need_id(term).map(|id| (need.clone(), id)))
                .collect(),
            needs,
        }
    }

    /// Services that meet one of `needs`.
    fn fitting(&self, needs: &[String]) -> Vec<&DemoService> {
        let wanted: Vec<Uuid> = self
            .need_terms
            .iter()
            .filter(|(n, _)| needs.contains(n))
            .map(|(_, t)| *t)
            .collect();
        self.services
            .iter()
            .filter(|s| s.terms.iter().any(|t| wanted.contains(t)))
            .collect()
    }
}

/// The states an open case's onward referrals cycle through, so every
/// partner inbox shows each; a closed case's referrals are all answered.
const OPEN_STATES: [OnwardStatus; 7] = [
    OnwardStatus::Sent,
    OnwardStatus::Accepted,
    OnwardStatus::Started,
    OnwardStatus::Declined,
    OnwardStatus::DidNotAttend,
    OnwardStatus::Completed,
    OnwardStatus::Withdrawn,
];
const CLOSED_STATES: [OnwardStatus; 4] = [
    OnwardStatus::Completed,
    OnwardStatus::Started,
    OnwardStatus::Declined,
    OnwardStatus::Completed,
];

/// The answers that lead to `status`, in order.
fn path_to(status: OnwardStatus) -> &'static [OnwardStatus] {
    match status {
        OnwardStatus::Sent => &[],
        OnwardStatus::Accepted => &[OnwardStatus::Accepted],
        OnwardStatus::Started => &[OnwardStatus::Accepted, OnwardStatus::Started],
        OnwardStatus::Completed => &[
            OnwardStatus::Accepted,
            OnwardStatus::Started,
            OnwardStatus::Completed,
        ],
        OnwardStatus::Declined => &[OnwardStatus::Declined],
        OnwardStatus::DidNotAttend => &[OnwardStatus::Accepted, OnwardStatus::DidNotAttend],
        OnwardStatus::Withdrawn => &[OnwardStatus::Withdrawn],
    }
}

/// A partner's or the link worker's words for a step, for the history.
fn summary(step: OnwardStatus, decline: PartnerDecline) -> String {
    match step {
        OnwardStatus::Accepted => "Accepted".into(),
        OnwardStatus::Started => "Started: they attended".into(),
        OnwardStatus::Completed => "Completed".into(),
        OnwardStatus::Declined => format!("Declined: {}", decline.label()),
        OnwardStatus::DidNotAttend => "Did not attend".into(),
        OnwardStatus::Withdrawn => "Withdrawn by the link worker".into(),
        OnwardStatus::Sent => "Sent".into(),
    }
}

/// A message as the demo leaves it: in the outbox.
fn held(message: Message) -> Message {
    Message {
        status: MessageStatus::Held,
        ..message
    }
}

/// Where the demo's link workers are in each case: who, and what they
/// know of the person.
pub(crate) struct Linking<'a> {
    pub item: &'a NewReferral,
    pub worker: (UserId, &'a str),
    pub first: Timestamp,
    pub end: Timestamp,
    pub closed: bool,
}

impl Casework {
    /// Onward referrals and shortlists for a case the team has worked on.
    pub(crate) fn link(&mut self, l: &Linking, c: &mut CaseworkChanges) {
        let Some(directory) = self.directory.clone() else {
            return;
        };
        let r = &l.item.referral;
        let needs = current_needs(c.what_matters.as_ref(), &r.needs);
        let fitting = directory.fitting(&needs);
        if fitting.is_empty() || !self.chance(75) {
            return;
        }
        // Most referrals go to the demo partners, whose inboxes show them.
        let partners: Vec<&DemoService> = fitting
            .iter()
            .copied()
            .filter(|s| s.partner.is_some())
            .collect();
        let count = if self.chance(30) { 2 } else { 1 };
        for _ in 0..count {
            let service = if !partners.is_empty() && self.chance(60) {
                // The partner with the fewest so far, so every inbox fills.
                let made = |s: &&DemoService| {
                    self.onward_counts
                        .iter()
                        .find(|(k, _)| *k == (s.partner, l.closed))
                        .map_or(0, |(_, n)| *n + 1)
                };
                let fewest = partners.iter().map(made).min().unwrap_or(0);
                let pool: Vec<&DemoService> = partners
                    .iter()
                    .copied()
                    .filter(|s| made(s) == fewest)
                    .collect();
                pool[self.rng.random_range(0..pool.len())]
            } else {
                fitting[self.rng.random_range(0..fitting.len())]
            };
            if service.partner.is_none() && service.email.is_none() {
                continue;
            }
            self.onward(l, &directory, service, c);
        }
        if !l.closed && self.chance(35) {
            self.shortlist(l, &fitting, c);
        }
    }

    fn onward(
        &mut self,
        l: &Linking,
        directory: &DemoDirectory,
        service: &DemoService,
        c: &mut CaseworkChanges,
    ) {
        let r = &l.item.referral;
        // Counted per partner, so each partner's inbox has every state.
        let key = (service.partner, l.closed);
        let made = match self.onward_counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                self.onward_counts.push((key, 0));
                0
            }
        };
        let status = if l.closed {
            CLOSED_STATES[made % CLOSED_STATES.len()]
        } else {
            OPEN_STATES[made % OPEN_STATES.len()]
        };
        let latest = if l.closed { l.end } else { self.now };
        let span = (latest - l.first).num_days().max(2);
        let sent_at = l.first + Duration::days(self.rng.random_range(1..span.clamp(2, 30)));
        let sent_at = sent_at.min(latest - Duration::hours(6));
        let person = match &l.item.person {
            ReferralPerson::New(p) => Some(&p.details),
            ReferralPerson::Existing(_) => None,
        };
        let share_contact = person.is_some() && status != OnwardStatus::Withdrawn;
        let mut fields = vec![SharedField::Needs];
        if share_contact {
            fields.insert(0, SharedField::Contact);
        }
        let support = *self.pick(SupportLevel::ALL);
        let support = if support == SupportLevel::InformationOnly && share_contact {
            SupportLevel::Introduction
        } else {
            support
        };
        let mut onward = OnwardReferral {
            id: OnwardReferralId(ids::uuid(&mut self.rng)),
            referral_id: r.id,
            person_id: r.person_id,
            pcn_id: r.pcn_id,
            service_id: service.id,
            service_name: service.name.clone(),
            partner_org_id: service.partner,
            service_email: service.email.clone(),
            support,
            shared: SharedDetails {
                fields: fields.clone(),
                name: person.filter(|_| share_contact).map(|d| d.full_name()),
                phone: person
                    .filter(|_| share_contact)
                    .and_then(|d| d.phone.clone()),
                email: person
                    .filter(|_| share_contact)
                    .and_then(|d| d.email.as_ref().map(|e| e.to_string())),
                contact_preference: person
                    .filter(|_| share_contact)
                    .and_then(|d| d.contact_method.map(|m| m.label().to_owned())),
                needs: r
                    .needs
                    .iter()
                    .filter_map(|code| directory.needs.iter().find(|n| &n.code == code))
                    .map(|n| n.label.clone())
                    .collect(),
                what_matters: None,
                access_needs: None,
            },
            message: self
                .chance(50)
                .then(|| "Happy to come along to the first session with them.".to_owned()),
            status: OnwardStatus::Sent,
            decline_reason: None,
            answer_note: None,
            sent_at,
            sent_by: l.worker.0,
            sent_by_name: l.worker.1.to_owned(),
            answered_at: None,
            started_at: None,
            completed_at: None,
            // An old unanswered one is left for housekeeping to chase.
            chased: false,
            version: 1,
            updated_at: sent_at,
        };
        let mut events = vec![self.event(&onward, sent_at, Some(l.worker), "Sent to the service")];
        let decline = *self.pick(PartnerDecline::ALL);
        let mut at = sent_at;
        for step in path_to(status) {
            at = (at + Duration::days(self.rng.random_range(1..8))).min(latest);
            let answer = match step {
                OnwardStatus::Accepted => Some(PartnerAnswer::Accept),
                OnwardStatus::Started => Some(PartnerAnswer::Started),
                OnwardStatus::Completed => Some(PartnerAnswer::Completed),
                OnwardStatus::DidNotAttend => Some(PartnerAnswer::DidNotAttend),
                OnwardStatus::Declined => Some(PartnerAnswer::Decline {
                    reason: decline,
                    note: (decline == PartnerDecline::Other)
                        .then(|| "We only meet in the evenings now.".to_owned()),
                }),
                _ => None,
            };
            match answer {
                Some(answer) => {
                    onward
                        .answer(&answer, at)
                        .expect("demo answers follow the rules");
                    events.push(self.event(&onward, at, None, &summary(*step, decline)));
                }
                None => {
                    onward
                        .withdraw(at)
                        .expect("an open referral can be withdrawn");
                    events.push(self.event(&onward, at, Some(l.worker), &summary(*step, decline)));
                }
            }
        }
        if let Some(started) = onward.started_at {
            c.intervention = Some(match c.intervention {
                Some((id, earlier)) => (id, earlier.min(started)),
                None => (r.id, started),
            });
        }
        if share_contact && let Some(org) = service.partner {
            c.consents.push(Consent {
                id: ConsentId(ids::uuid(&mut self.rng)),
                person_id: r.person_id,
                kind: ConsentKind::Share,
                partner_org_id: Some(org),
                given: true,
                recorded_at: sent_at,
                recorded_by: l.worker.1.to_owned(),
                recorded_by_user_id: Some(l.worker.0),
                referral_id: Some(r.id),
            });
        }
        let to = match (service.partner, &service.email) {
            (Some(_), _) => self.partner_inbox_address(service),
            (None, Some(email)) => email.clone(),
            (None, None) => return,
        };
        c.messages.push(held(Message::new(
            Channel::Email,
            to,
            Some(format!("Referral {} to {}", r.reference, service.name)),
            format!(
                "Hello,\n\nThe social prescribing team has referred someone to {}, referral {}. Please say whether you can take them.\n\n{} (link worker)",
                service.name, r.reference, l.worker.1
            ),
            format!("Onward referral {} to {}", r.reference, service.name),
            Some(r.pcn_id),
            sent_at,
        )
        .about(r.person_id)));
        c.onward_events.extend(events);
        c.onward.push((onward, None));
    }

    /// The demo partner's featured account, for its notification email.
    fn partner_inbox_address(&self, service: &DemoService) -> String {
        service
            .partner
            .and_then(|org| self.partner_emails.iter().find(|(o, _)| *o == org))
            .map(|(_, email)| email.clone())
            .unwrap_or_else(|| "partner@riverside.example".to_owned())
    }

    fn event(
        &mut self,
        onward: &OnwardReferral,
        at: Timestamp,
        worker: Option<(UserId, &str)>,
        summary: &str,
    ) -> OnwardEvent {
        OnwardEvent {
            id: ids::uuid(&mut self.rng),
            onward_id: onward.id,
            at,
            actor_user_id: worker.map(|w| w.0),
            actor_label: worker.map_or_else(|| onward.service_name.clone(), |w| w.1.to_owned()),
            summary: summary.to_owned(),
            note: onward
                .answer_note
                .clone()
                .filter(|_| summary.starts_with("Declined")),
        }
    }

    fn shortlist(&mut self, l: &Linking, fitting: &[&DemoService], c: &mut CaseworkChanges) {
        let r: &Referral = &l.item.referral;
        let mut chosen: Vec<&DemoService> = Vec::new();
        for _ in 0..3 {
            let s = fitting[self.rng.random_range(0..fitting.len())];
            if !chosen.iter().any(|c| c.id == s.id) {
                chosen.push(s);
            }
        }
        let at = (l.first + Duration::days(3)).min(self.now - Duration::hours(1));
        let details = match &l.item.person {
            ReferralPerson::New(p) => Some(&p.details),
            ReferralPerson::Existing(_) => None,
        };
        let (via, to) = match details {
            Some(d) if d.contact_method == Some(ContactMethod::Email) && d.email.is_some() => (
                Some(Channel::Email),
                d.email.as_ref().map(|e| e.to_string()),
            ),
            Some(d) if d.contact_method == Some(ContactMethod::Text) && d.phone.is_some() => {
                (Some(Channel::Text), d.phone.clone())
            }
            _ => (None, None),
        };
        if let (Some(channel), Some(to), Some(d)) = (via, &to, details) {
            let names: Vec<&str> = chosen.iter().map(|s| s.name.as_str()).collect();
            c.messages.push(held(Message::new(
                channel,
                to.clone(),
                (channel == Channel::Email).then(|| "Groups and services to try".to_owned()),
                format!(
                    "Hello {},\n\nHere are the groups and services we talked about: {}.\n\nFrom {}, your link worker.",
                    d.given_name,
                    names.join(", "),
                    l.worker.1
                ),
                format!("Shortlist for {}", d.full_name()),
                Some(r.pcn_id),
                at,
            )
            .about(r.person_id)));
        }
        c.shortlists.push(Shortlist {
            id: ShortlistId(ids::uuid(&mut self.rng)),
            referral_id: r.id,
            person_id: r.person_id,
            pcn_id: r.pcn_id,
            service_ids: chosen.iter().map(|s| s.id).collect(),
            note: None,
            created_at: at,
            created_by: l.worker.0,
            sent_via: via,
            sent_to: to,
        });
    }
}
