//! GP appointments in the six months before a referral and the six months
//! after it: typed in on the case, or imported from a practice system's
//! CSV (NHS number, period, appointments).

use std::io::Read;

use linkwork_domain::ReferralId;
use linkwork_domain::audit::{Actor, AuditAction, NewAuditEvent};
use linkwork_domain::measures::{GpAppointments, appointment_count};
use linkwork_domain::nhs_number::NhsNumber;
use linkwork_domain::time::now;
use linkwork_domain::validation::ValidationErrors;
use linkwork_storage::MeasureChanges;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::postcode_import::Rejection;
use crate::principal::Principal;

/// What an import did: rows applied, and each row refused with its line
/// and why.
#[derive(Debug, Default)]
pub struct GpImportReport {
    pub applied: usize,
    pub refused: Vec<Rejection>,
}

/// The columns an import file needs, found by header name.
struct Columns {
    nhs_number: usize,
    period: usize,
    appointments: usize,
}

impl Columns {
    fn find(headers: &csv::StringRecord) -> AppResult<Columns> {
        let find = |names: &[&str]| {
            headers.iter().position(|h| {
                let h = h.trim().to_ascii_lowercase().replace([' ', '-'], "_");
                names.contains(&h.as_str())
            })
        };
        match (
            find(&["nhs_number", "nhs_no", "nhsnumber"]),
            find(&["period"]),
            find(&["appointments", "appointment_count", "count"]),
        ) {
            (Some(nhs_number), Some(period), Some(appointments)) => Ok(Columns {
                nhs_number,
                period,
                appointments,
            }),
            _ => Err(AppError::Import(
                "The file needs the columns nhs_number, period (before or after) and appointments"
                    .into(),
            )),
        }
    }
}

impl App {
    /// Records a case's GP appointments (blank for not known yet).
    pub async fn record_gp_appointments(
        &self,
        p: &Principal,
        id: ReferralId,
        before: &str,
        after: &str,
    ) -> AppResult<GpAppointments> {
        let referral = self.case_referral(p, id).await?;
        let mut errors = ValidationErrors::new();
        let before = appointment_count(&mut errors, "before", before);
        let after = appointment_count(&mut errors, "after", after);
        if errors.is_empty() && before.is_none() && after.is_none() {
            errors.add(
                "before",
                "Enter the appointments before referral, after it, or both",
            );
        }
        errors.into_result(())?;
        let figures = GpAppointments {
            referral_id: referral.id,
            person_id: referral.person_id,
            pcn_id: referral.pcn_id,
            before,
            after,
            recorded_at: now(),
            recorded_by_name: p.user.display_name.clone(),
        };
        let audit = self.case_audit(
            p,
            AuditAction::GpAppointmentsRecord,
            &referral,
            format!("GP appointments: {before:?} before, {after:?} after"),
        );
        self.store
            .save_measures(
                &MeasureChanges {
                    gp_appointments: vec![figures.clone()],
                    ..Default::default()
                },
                &[audit],
            )
            .await?;
        Ok(figures)
    }

    /// Imports GP appointment counts (from the command line). Each row
    /// names a person by NHS number and is applied to their most recent
    /// referral; a row that cannot be applied is reported with its line
    /// and the rest are applied, all in one transaction.
    pub async fn import_gp_appointments(
        &self,
        actor: Actor,
        input: impl Read,
    ) -> AppResult<GpImportReport> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let headers = reader
            .headers()
            .map_err(|e| AppError::Import(format!("could not read the header row: {e}")))?
            .clone();
        let columns = Columns::find(&headers)?;
        let mut report = GpImportReport::default();
        let mut figures: Vec<GpAppointments> = Vec::new();
        let at = now();
        for record in reader.records() {
            let record =
                record.map_err(|e| AppError::Import(format!("could not read the file: {e}")))?;
            let line = record.position().map_or(0, |p| p.line());
            let cell = |i: usize| record.get(i).unwrap_or("").trim();
            let Ok(nhs) = NhsNumber::parse(cell(columns.nhs_number)) else {
                report.refused.push(Rejection {
                    line,
                    reason: format!("`{}` is not a valid NHS number", cell(columns.nhs_number)),
                });
                continue;
            };
            let before = match cell(columns.period).to_ascii_lowercase().as_str() {
                "before" => true,
                "after" => false,
                other => {
                    report.refused.push(Rejection {
                        line,
                        reason: format!("the period is `{other}`: give before or after"),
                    });
                    continue;
                }
            };
            let mut errors = ValidationErrors::new();
            let Some(count) =
                appointment_count(&mut errors, "appointments", cell(columns.appointments))
            else {
                report.refused.push(Rejection {
                    line,
                    reason: "the appointments must be a whole number, like 4".into(),
                });
                continue;
            };
            let Some(referral) = self.store.latest_referral_for(&nhs, None).await? else {
                report.refused.push(Rejection {
                    line,
                    reason: "no one with this NHS number has been referred".into(),
                });
                continue;
            };
            // Restriction stops processing: the figure is not recorded,
            // and the operator is told why.
            if referral.restricted {
                report.refused.push(Rejection {
                    line,
                    reason: "this person's record is restricted: nothing is recorded for them until the restriction is lifted".into(),
                });
                continue;
            }
            let existing = match figures
                .iter()
                .position(|f| f.referral_id == referral.referral_id)
            {
                Some(i) => i,
                None => {
                    let stored = self.store.gp_appointments(referral.referral_id).await?;
                    figures.push(stored.unwrap_or(GpAppointments {
                        referral_id: referral.referral_id,
                        person_id: referral.person_id,
                        pcn_id: referral.pcn_id,
                        before: None,
                        after: None,
                        recorded_at: at,
                        recorded_by_name: String::new(),
                    }));
                    figures.len() - 1
                }
            };
            let f = &mut figures[existing];
            if before {
                f.before = Some(count);
            } else {
                f.after = Some(count);
            }
            f.recorded_at = at;
            f.recorded_by_name = "Imported".into();
            report.applied += 1;
        }
        let audit =
            NewAuditEvent::new(actor, AuditAction::GpAppointmentsImport, at).detail(format!(
                "{} rows applied to {} referrals, {} refused",
                report.applied,
                figures.len(),
                report.refused.len()
            ));
        self.store
            .save_measures(
                &MeasureChanges {
                    gp_appointments: figures,
                    ..Default::default()
                },
                &[audit],
            )
            .await?;
        Ok(report)
    }
}
