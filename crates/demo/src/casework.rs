//! Demo casework: for every demo referral the team took on, the record a
//! link worker would have kept by now. Contacts from the first one on (and
//! bookings in the coming fortnight, some today), "what matters" in the
//! person's words, plans with goals and steps, notes (a few raising
//! safeguarding concerns), tasks (some overdue), and discharges with their
//! summaries. Deterministic: its own seed, over the same referrals.

use chrono::{Duration, NaiveDate, NaiveTime};
use linkwork_app::App;
use linkwork_domain::audit::{Actor, AuditAction, NewAuditEvent};
use linkwork_domain::calendar::{uk_date, uk_instant};
use linkwork_domain::casework::*;
use linkwork_domain::directory::schedule::Weekday;
use linkwork_domain::referral::{Referral, ReferralStatus};
use linkwork_domain::time::now;
use linkwork_domain::{
    CaseNoteId, ContactId, GoalId, OrgId, TaskId, Timestamp, UserId, WhatMattersId,
};
use linkwork_storage::{CaseworkChanges, NewReferral};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::linking::{DemoDirectory, Linking};
use crate::{DemoError, ids};

const SEED: u64 = 0xca_5e_90_4b;

const IN_THEIR_WORDS: &[&str] = &[
    "I want to get out of the house and meet people again.",
    "Since my wife died the days are very long. I'd like something to look forward to.",
    "I need help sorting out my money before the bailiffs come back.",
    "I want to feel well enough to play with my grandchildren.",
    "I'd like to find something to do that isn't sitting in front of the telly.",
    "Getting my flat fixed so I can sleep properly.",
    "I'm caring for Mum all the time. I need an hour to myself.",
    "I want to get back to work, even a few hours a week.",
    "I used to love singing. I'd like to do that again.",
    "I want to be less anxious about going out on my own.",
];

const STRENGTHS: &[&str] = &[
    "Good with their hands; kept an allotment for twenty years",
    "Close to their daughter, who visits at weekends",
    "Warm and funny; neighbours speak well of them",
    "Determined, and has come through hard times before",
    "Used to run the church tea rota",
];

const INTERESTS: &[&str] = &[
    "Gardening, birdwatching",
    "Football, quizzes",
    "Knitting, baking",
    "Music, especially choirs",
    "Walking, local history",
    "Cooking, films",
];

/// Goals a person might set, with a first step, by need.
fn goals_for(need: &str) -> &'static [(&'static str, &'static str)] {
    match need {
        "loneliness" | "isolation" => &[
            (
                "Meet new people each week",
                "Go to the Tuesday lunch club with Sam",
            ),
            ("Have someone to talk to", "Try the befriending phone calls"),
        ],
        "debt" | "benefits" => &[
            (
                "Get my debts under control",
                "Book an appointment with Citizens Advice",
            ),
            (
                "Claim what I'm entitled to",
                "Bring letters to the benefits check",
            ),
        ],
        "housing" => &[(
            "Get the damp in my flat fixed",
            "Write to the landlord with Sam's help",
        )],
        "physical_activity" | "long_term_condition" => &[
            (
                "Walk to the park without stopping",
                "Join the gentle walking group",
            ),
            (
                "Feel stronger on my feet",
                "Try the chair-based exercise class",
            ),
        ],
        "bereavement" => &[("Talk about losing my husband", "Go to the bereavement café")],
        "caring" => &[(
            "Have a break from caring",
            "Ask the carers' centre about respite",
        )],
        "employment" => &[(
            "Find a few hours of work",
            "Meet the volunteering coordinator",
        )],
        "dementia" => &[("Keep singing with my wife", "Go to Singing for the Brain")],
        _ => &[(
            "Feel calmer day to day",
            "Try the wellbeing group at the library",
        )],
    }
}

const NOTES: &[&str] = &[
    "Talked through what a good week would look like.",
    "Called to check how the first visit to the group went: enjoyed it, will go again.",
    "Went with them to the first session; they stayed for tea afterwards.",
    "Left a voicemail about the change of venue.",
    "Their daughter rang to say thank you for the support.",
];

const SAFEGUARDING: &[(SafeguardingCategory, &str, &str)] = &[
    (
        SafeguardingCategory::SelfNeglect,
        "House very cold, little food in. Says they cannot face shopping.",
        "Discussed with the practice safeguarding lead; GP visit arranged.",
    ),
    (
        SafeguardingCategory::Financial,
        "Says a relative has been taking their pension card.",
        "Reported to adult social care with the person's agreement.",
    ),
];

const DISCHARGE_SUMMARIES: &[&str] = &[
    "Now goes to the lunch club every week and has made two friends there.",
    "Debt plan agreed with creditors; feels much less worried.",
    "Walking group twice a week; feels stronger and less breathless.",
    "Has respite care arranged and a carers' group for support.",
];

/// Makes one referral's casework.
pub(crate) struct Casework {
    pub(crate) rng: ChaCha8Rng,
    pub(crate) now: Timestamp,
    today: NaiveDate,
    /// The directory to link people to (none: no linking).
    pub(crate) directory: Option<DemoDirectory>,
    /// Onward referrals made so far to each partner (and to services of
    /// no partner), for open and closed cases, to cycle through states.
    pub(crate) onward_counts: Vec<((Option<OrgId>, bool), usize)>,
    /// Each demo partner's account, for its notification emails.
    pub(crate) partner_emails: Vec<(OrgId, String)>,
}

impl Casework {
    pub(crate) fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100) < percent
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.random_range(0..items.len())]
    }

    /// A time in working hours on `date`.
    fn working_time(&mut self, date: NaiveDate) -> Timestamp {
        let hour = self.rng.random_range(9..16);
        let minute = *self.pick(&[0, 15, 30, 45]);
        uk_instant(
            date,
            NaiveTime::from_hms_opt(hour, minute, 0).expect("a time"),
        )
    }

    fn contact(
        &mut self,
        r: &Referral,
        worker: UserId,
        starts_at: Timestamp,
        status: ContactStatus,
    ) -> Contact {
        let mode = *self.pick(ContactMode::ALL);
        let recorded = status != ContactStatus::Scheduled;
        Contact {
            id: ContactId(ids::uuid(&mut self.rng)),
            referral_id: r.id,
            person_id: r.person_id,
            pcn_id: r.pcn_id,
            worker_id: worker,
            starts_at,
            duration_minutes: *self.pick(&[20, 30, 45, 60]),
            mode,
            status,
            location: matches!(mode, ContactMode::FaceToFace | ContactMode::Group)
                .then(|| "Riverside Library, community room".to_owned()),
            notes: (status == ContactStatus::Attended && self.chance(40))
                .then(|| (*self.pick(NOTES)).to_owned()),
            created_at: starts_at.min(self.now),
            created_by: worker,
            recorded_at: recorded.then_some(starts_at),
            recorded_by: recorded.then_some(worker),
            version: 1,
        }
    }

    fn task(
        &mut self,
        r: &Referral,
        owner: UserId,
        kind: TaskKind,
        title: &str,
        due: NaiveDate,
        contact_id: Option<ContactId>,
    ) -> Task {
        Task {
            id: TaskId(ids::uuid(&mut self.rng)),
            referral_id: r.id,
            person_id: r.person_id,
            pcn_id: r.pcn_id,
            owner,
            kind,
            title: title.into(),
            due,
            contact_id,
            created_at: self.now,
            created_by: owner,
            done_at: None,
            done_by: None,
        }
    }

    /// A booking in the next fortnight (about one in eight of them today),
    /// with its task.
    fn booking(&mut self, r: &Referral, worker: UserId, c: &mut CaseworkChanges) {
        let days = if self.chance(12) {
            0
        } else {
            self.rng.random_range(1..14)
        };
        let date = self.today + Duration::days(days);
        let at = self.working_time(date);
        let booked = self.contact(r, worker, at, ContactStatus::Scheduled);
        let title = format!(
            "{} at {}",
            booked.mode.label(),
            linkwork_domain::calendar::uk_datetime(at).format("%H:%M")
        );
        c.tasks
            .push(self.task(r, worker, TaskKind::Contact, &title, date, Some(booked.id)));
        c.contacts.push((booked, None));
    }

    fn what_matters(&mut self, r: &Referral, worker: (UserId, &str), at: Timestamp) -> WhatMatters {
        let mut barriers: Vec<Barrier> = Barrier::ALL
            .iter()
            .copied()
            .filter(|_| self.chance(20))
            .collect();
        barriers.sort();
        let mut free_times = Vec::new();
        for day in Weekday::ALL.into_iter().take(5) {
            for part in DayPart::ALL {
                if self.chance(22) {
                    free_times.push(FreeTime { day, part: *part });
                }
            }
        }
        WhatMatters {
            id: WhatMattersId(ids::uuid(&mut self.rng)),
            referral_id: r.id,
            person_id: r.person_id,
            revision: 1,
            in_their_words: (*self.pick(IN_THEIR_WORDS)).to_owned(),
            needs: r.needs.clone(),
            strengths: self.chance(70).then(|| (*self.pick(STRENGTHS)).to_owned()),
            interests: self.chance(70).then(|| (*self.pick(INTERESTS)).to_owned()),
            barriers,
            barrier_notes: None,
            free_times,
            communication_needs: None,
            recorded_at: at,
            recorded_by: worker.0,
            recorded_by_name: worker.1.to_owned(),
        }
    }

    fn plan(&mut self, r: &Referral, worker: UserId, at: Timestamp, closed: bool) -> Plan {
        let mut goals = Vec::new();
        for need in r.needs.iter().take(2) {
            let (goal, step) = *self.pick(goals_for(need));
            let status = if closed {
                if self.chance(75) {
                    GoalStatus::Achieved
                } else {
                    GoalStatus::NoLongerRelevant
                }
            } else {
                *self.pick(&[
                    GoalStatus::NotStarted,
                    GoalStatus::InProgress,
                    GoalStatus::InProgress,
                ])
            };
            goals.push(Goal {
                id: GoalId(ids::uuid(&mut self.rng)),
                in_their_words: goal.to_owned(),
                status,
                steps: vec![Step {
                    what: step.to_owned(),
                    who: Some("Me, with my link worker".into()),
                    by_when: Some(uk_date(at) + Duration::days(21)),
                    done: closed || self.chance(40),
                }],
            });
        }
        Plan {
            referral_id: r.id,
            person_id: r.person_id,
            goals,
            review_date: (!closed)
                .then(|| self.today + Duration::days(self.rng.random_range(-7..28))),
            version: 1,
            updated_at: at,
            updated_by: worker,
        }
    }

    fn note(
        &mut self,
        r: &Referral,
        worker: (UserId, &str),
        at: Timestamp,
        text: &str,
        concern: Option<(SafeguardingCategory, &str)>,
    ) -> CaseNote {
        CaseNote {
            id: CaseNoteId(ids::uuid(&mut self.rng)),
            person_id: r.person_id,
            referral_id: r.id,
            pcn_id: r.pcn_id,
            at,
            author_id: worker.0,
            author_name: worker.1.to_owned(),
            text: text.to_owned(),
            safeguarding: concern.map(|(category, action)| Safeguarding {
                category,
                action_taken: action.to_owned(),
                resolved_at: None,
                resolved_by: None,
                resolution: None,
            }),
        }
    }

    /// The casework of one referral, or `None` when the team never took it
    /// on (or nobody on the team is named in its history).
    fn case(&mut self, item: &NewReferral) -> Option<CaseworkChanges> {
        let r = &item.referral;
        let worker = r.assigned_to.or_else(|| {
            item.events.iter().rev().find_map(|e| {
                e.actor_user_id
                    .filter(|_| e.kind != linkwork_domain::referral::EventKind::Received)
            })
        })?;
        let worker_name = item
            .events
            .iter()
            .find(|e| e.actor_user_id == Some(worker))
            .map(|e| e.actor_label.clone())
            .unwrap_or_default();
        let who = (worker, worker_name.as_str());
        let mut c = CaseworkChanges::default();
        match (r.status, r.first_contact_at) {
            (ReferralStatus::Accepted, _) => {
                if r.assigned_to.is_some() && self.chance(50) {
                    self.booking(r, worker, &mut c);
                }
            }
            (
                ReferralStatus::InProgress | ReferralStatus::Discharged | ReferralStatus::Withdrawn,
                Some(first),
            ) => {
                let closed = r.status != ReferralStatus::InProgress;
                let end = r.closed_at.unwrap_or(self.now);
                c.contacts.push((
                    self.contact(r, worker, first, ContactStatus::Attended),
                    None,
                ));
                let mut at = first;
                for _ in 0..self.rng.random_range(1..7) {
                    at += Duration::days(self.rng.random_range(5..15));
                    if at >= end {
                        break;
                    }
                    let status = if self.chance(85) {
                        ContactStatus::Attended
                    } else {
                        ContactStatus::DidNotAttend
                    };
                    c.contacts.push((self.contact(r, worker, at, status), None));
                }
                c.what_matters = Some(self.what_matters(r, who, first));
                let plan = self.plan(r, worker, first, closed);
                if let Some(review) = plan.review_date {
                    c.tasks.push(self.task(
                        r,
                        worker,
                        TaskKind::PlanReview,
                        "Review the plan",
                        review,
                        None,
                    ));
                }
                c.plan = Some((plan, 0));
                self.link(
                    &Linking {
                        item,
                        worker: who,
                        first,
                        end,
                        closed,
                    },
                    &mut c,
                );
                let note_at = first + Duration::hours(2);
                let text = *self.pick(NOTES);
                c.notes.push(self.note(r, who, note_at, text, None));
                if self.chance(4) {
                    let (category, text, action) = *self.pick(SAFEGUARDING);
                    c.notes
                        .push(self.note(r, who, note_at, text, Some((category, action))));
                }
                if closed {
                    if r.status == ReferralStatus::Discharged {
                        let reason = *self.pick(&[
                            DischargeReason::GoalsMet,
                            DischargeReason::GoalsMet,
                            DischargeReason::GoalsMet,
                            DischargeReason::MovedAway,
                            DischargeReason::ReferredToStatutory,
                        ]);
                        c.discharge = Some(Discharge {
                            referral_id: r.id,
                            reason,
                            summary: (*self.pick(DISCHARGE_SUMMARIES)).to_owned(),
                            discharged_at: end,
                            discharged_by: worker,
                            discharged_by_name: worker_name.clone(),
                        });
                    }
                } else {
                    if self.chance(60) {
                        self.booking(r, worker, &mut c);
                    }
                    if self.chance(30) {
                        let due = self.today - Duration::days(self.rng.random_range(-3..6));
                        let title = *self.pick(&[
                            "Call to see how the group went",
                            "Chase the housing officer",
                            "Send the lunch club details",
                        ]);
                        c.tasks.push(self.task(
                            r,
                            worker,
                            TaskKind::FollowUpCall,
                            title,
                            due,
                            None,
                        ));
                    }
                }
            }
            _ => return None,
        }
        Some(c)
    }
}

/// Writes the casework for `referrals` (the demo's, replayed in the order
/// they were made) in one bulk insert with one audit event.
pub(crate) async fn generate(
    app: &App,
    referrals: impl Iterator<Item = NewReferral> + Send,
    at: Timestamp,
    directory: &DemoDirectory,
    partner_emails: Vec<(OrgId, String)>,
) -> Result<u64, DemoError> {
    let mut maker = Casework {
        rng: ChaCha8Rng::seed_from_u64(SEED),
        now: at,
        today: uk_date(at),
        directory: Some(directory.clone()),
        onward_counts: Vec::new(),
        partner_emails,
    };
    let mut cases = referrals.filter_map(move |item| maker.case(&item));
    let event = NewAuditEvent::new(Actor::System, AuditAction::DemoCasework, now())
        .detail("Demo casework for the demo referrals");
    Ok(app.store.bulk_insert_casework(&mut cases, &event).await?)
}
