//! Demo outcome evidence: for every demo referral whose support started,
//! a baseline UCLA-3 and ONS4 at the first contact, a review two months
//! in for those still supported, and a closing pair at discharge; and GP
//! appointments in the six months before referral (and after, once six
//! months have passed). Most people improve a little, some a lot, some
//! not at all and a few get worse, as in the published evaluations; a few
//! questionnaires are left incomplete. Deterministic: its own seed, over
//! the same referrals.

use chrono::Duration;
use linkwork_app::App;
use linkwork_domain::audit::{Actor, AuditAction, NewAuditEvent};
use linkwork_domain::measures::{
    Answers, CompletedBy, Definition, GpAppointments, MeasureResponse, Occasion, ResponseContext,
};
use linkwork_domain::referral::{Referral, ReferralStatus};
use linkwork_domain::time::now;
use linkwork_domain::{Timestamp, UserId};
use linkwork_storage::{MeasureChanges, NewReferral};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::DemoError;

const SEED: u64 = 0x0c_7c_03_e5;

/// How a person's scores move from one questionnaire to the next: mostly
/// a little better, sometimes a lot, sometimes not at all or worse.
const STEPS: [i32; 10] = [-1, 0, 0, 1, 1, 1, 2, 2, 2, 3];

struct Outcomes {
    rng: ChaCha8Rng,
    now: Timestamp,
    ucla: Definition,
    ons4: Definition,
}

impl Outcomes {
    fn step(&mut self) -> i32 {
        STEPS[self.rng.random_range(0..STEPS.len())]
    }

    /// UCLA-3 answers adding up to `total` (3 to 9).
    fn ucla_answers(&mut self, total: i32) -> Answers {
        let mut values = [1, 1, 1];
        for _ in 3..total {
            let open: Vec<usize> = (0..3).filter(|&i| values[i] < 3).collect();
            let i = open[self.rng.random_range(0..open.len())];
            values[i] += 1;
        }
        self.ucla
            .items
            .iter()
            .zip(values)
            .map(|(item, v)| (item.code.clone(), v))
            .collect()
    }

    /// ONS4 answers: satisfied, worthwhile and happy at `wellbeing`,
    /// give or take one, and anxious at `anxiety`.
    fn ons4_answers(&mut self, wellbeing: i32, anxiety: i32) -> Answers {
        let mut answers = Answers::new();
        for item in &self.ons4.items {
            let value = if item.code == "anxious" {
                anxiety
            } else {
                wellbeing + self.rng.random_range(-1..=1)
            };
            answers.insert(item.code.clone(), value.clamp(0, 10));
        }
        answers
    }

    fn response(
        &self,
        definition: &Definition,
        answers: Answers,
        r: &Referral,
        occasion: Occasion,
        at: Timestamp,
        worker: (UserId, &str),
    ) -> MeasureResponse {
        MeasureResponse::record(
            definition,
            answers,
            ResponseContext {
                person_id: r.person_id,
                referral_id: r.id,
                pcn_id: r.pcn_id,
                occasion,
                completed_by: if occasion == Occasion::Review {
                    CompletedBy::PersonOwnPhone
                } else {
                    CompletedBy::PersonOnDevice
                },
                completed_at: at,
                recorded_by: Some(worker.0),
                recorded_by_name: worker.1.to_owned(),
            },
        )
        .expect("demo answers are the questionnaires' own")
    }

    fn case(&mut self, item: &NewReferral) -> Option<MeasureChanges> {
        let r = &item.referral;
        let first = r.first_contact_at?;
        let worker_id = r.assigned_to?;
        let worker_name = item
            .events
            .iter()
            .find(|e| e.actor_user_id == Some(worker_id))
            .map(|e| e.actor_label.clone())
            .unwrap_or_default();
        let worker = (worker_id, worker_name.as_str());
        let mut c = MeasureChanges::default();
        let mut lonely = self.rng.random_range(5..=9);
        let mut wellbeing = self.rng.random_range(2..=6);
        let mut anxiety = self.rng.random_range(4..=9);
        let mut occasions = vec![(Occasion::Baseline, first)];
        let review = first + Duration::days(self.rng.random_range(50..80));
        let end = match r.status {
            ReferralStatus::Discharged => r.closed_at,
            _ => None,
        };
        if review < end.unwrap_or(self.now) {
            occasions.push((Occasion::Review, review));
        }
        if let Some(end) = end {
            occasions.push((Occasion::Discharge, end));
        }
        for (i, (occasion, at)) in occasions.into_iter().enumerate() {
            if i > 0 {
                lonely = (lonely - self.step()).clamp(3, 9);
                wellbeing = (wellbeing + self.step()).clamp(0, 10);
                anxiety = (anxiety - self.step()).clamp(0, 10);
            }
            let mut ucla = self.ucla_answers(lonely);
            // A few people stop before the end: saved, incomplete.
            if self.rng.random_range(0..100) < 3 {
                ucla.pop_last();
            }
            let ons4 = self.ons4_answers(wellbeing, anxiety);
            c.responses
                .push(self.response(&self.ucla, ucla, r, occasion, at, worker));
            c.responses
                .push(self.response(&self.ons4, ons4, r, occasion, at, worker));
        }
        let before = self.rng.random_range(3..=12);
        let six_months = r.received_at + Duration::days(183);
        c.gp_appointments.push(GpAppointments {
            referral_id: r.id,
            person_id: r.person_id,
            pcn_id: r.pcn_id,
            before: Some(before),
            after: (six_months < self.now)
                .then(|| (before as i32 - self.step() - self.step()).max(0) as u32),
            recorded_at: first,
            recorded_by_name: worker_name.clone(),
        });
        Some(c)
    }
}

/// Writes the outcome evidence for `referrals` (the demo's, replayed in
/// the order they were made) in one bulk insert with one audit event.
pub(crate) async fn generate(
    app: &App,
    referrals: impl Iterator<Item = NewReferral> + Send,
    at: Timestamp,
) -> Result<u64, DemoError> {
    let definition = |code: &str| {
        app.measure(code)
            .expect("the built-in questionnaires are always offered")
            .clone()
    };
    let mut maker = Outcomes {
        rng: ChaCha8Rng::seed_from_u64(SEED),
        now: at,
        ucla: definition("ucla3"),
        ons4: definition("ons4"),
    };
    let mut rows = referrals.filter_map(move |item| maker.case(&item));
    let event = NewAuditEvent::new(Actor::System, AuditAction::DemoOutcomes, now())
        .detail("Demo outcome questionnaires and GP appointments for the demo referrals");
    Ok(app.store.bulk_insert_measures(&mut rows, &event).await?)
}
