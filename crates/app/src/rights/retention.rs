//! Retention: a person's record is anonymised, by the same code as
//! erasure, once their last referral closed more than
//! `retention.years_after_discharge` years ago. `linkwork retention sweep`
//! runs it (`--dry-run` first, to see who is due), and `serve` runs it on a
//! schedule, claimed so that one instance runs it however many there are
//! (DEVELOPERS.md decision 55). Every run is audited.

use chrono::{Months, NaiveDate};
use linkwork_domain::audit::{Actor, AuditAction, NewAuditEvent};
use linkwork_domain::calendar::uk_start_of_day;
use linkwork_domain::time::now;
use linkwork_domain::{OrgId, PersonId, Timestamp};

use crate::App;
use crate::error::{AppError, AppResult};

/// What a sweep found, and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionSweep {
    /// Records whose last referral closed before this are due.
    pub closed_before: Timestamp,
    /// The people due, by id.
    pub due: Vec<(PersonId, OrgId)>,
    /// How many were anonymised (none in a dry run).
    pub anonymised: usize,
    pub dry_run: bool,
}

/// The scheduled job's name in `scheduled_jobs`.
const JOB: &str = "retention_sweep";

impl App {
    /// The start of the UK day `years` years before `today`.
    fn retention_cutoff(&self, today: NaiveDate) -> Timestamp {
        let years = self.settings.retention.years_after_discharge;
        let day = today
            .checked_sub_months(Months::new(years.saturating_mul(12)))
            .unwrap_or(NaiveDate::MIN);
        uk_start_of_day(day)
    }

    /// Finds the people due under the retention rule and, unless
    /// `dry_run`, anonymises each as erasure does. Audited as `actor`,
    /// dry runs too.
    pub async fn retention_sweep(&self, actor: Actor, dry_run: bool) -> AppResult<RetentionSweep> {
        let closed_before = self.retention_cutoff(self.today());
        let due = self.store.people_past_retention(closed_before).await?;
        let mut anonymised = 0;
        if !dry_run {
            let years = self.settings.retention.years_after_discharge;
            for (id, _) in &due {
                let Some(person) = self.store.person(*id).await? else {
                    continue;
                };
                let detail = format!(
                    "Erased by the retention sweep: their last referral closed more than {years} years ago"
                );
                match self.erase(&person, actor.clone(), None, detail).await {
                    Ok(()) => anonymised += 1,
                    // Reopened since it was found: it is no longer due.
                    Err(AppError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let sweep = RetentionSweep {
            closed_before,
            due,
            anonymised,
            dry_run,
        };
        let event = NewAuditEvent::new(actor, AuditAction::RetentionSweep, now()).detail(format!(
            "{}: {} due (last referral closed before {}), {} anonymised",
            if dry_run { "Dry run" } else { "Sweep" },
            sweep.due.len(),
            sweep.closed_before.format("%Y-%m-%d"),
            sweep.anonymised
        ));
        self.store.record(&event).await?;
        Ok(sweep)
    }

    /// The sweep on `serve`'s schedule: run by whichever instance claims it
    /// first once it is due, every `retention.sweep_every_hours`. `None`
    /// when it was not this instance's turn, or the schedule is off.
    pub async fn scheduled_retention_sweep(&self) -> AppResult<Option<RetentionSweep>> {
        let hours = self.settings.retention.sweep_every_hours;
        if hours == 0 {
            return Ok(None);
        }
        let at = now();
        let next = at + chrono::Duration::hours(i64::from(hours));
        if !self.store.claim_job(JOB, at, next).await? {
            return Ok(None);
        }
        Ok(Some(self.retention_sweep(Actor::System, false).await?))
    }
}
