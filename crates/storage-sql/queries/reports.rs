//! Counts for reports, grouped in the database: each query returns at
//! most a row per day, per code or per organisation, never a row per
//! referral.

use async_trait::async_trait;
use chrono::NaiveDate;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::casework::DischargeReason;
use linkwork_domain::person::Sex;
use linkwork_domain::referral::{ReferralRoute, ReferralStatus};
use linkwork_storage::{
    LsoaDeprivation, OnwardCount, OnwardWait, PeopleGroups, PracticeCodes, RegisteredGroups,
    RegisteredPopulation, RegisteredTotals, ReportCounts, ReportFilter, ReportStore, StorageResult,
    UtcDay, WaitCount,
};
use sqlx::QueryBuilder;
use sqlx::query_builder::Separated;
use uuid::Uuid;

use super::audit::insert as insert_audit;
use super::{Connection, DbRow, backend, coded, corrupt, get, insert_rows, push_in};
use crate::dialect::{self, Db, Store};

/// Pushes `from` (a `FROM` clause whose `alias` has `pcn_id` and
/// `person_id`) and the filter's conditions, with `time` in the period.
/// The practice is the person's (`people p`), joined unless `from` does.
fn push_scope(
    qb: &mut QueryBuilder<'_, Db>,
    from: &str,
    alias: &str,
    time: Option<&str>,
    filter: &ReportFilter,
) {
    qb.push(" ").push(from);
    if filter.practice_id.is_some() && !from.contains("JOIN people p ") {
        qb.push(format!(" JOIN people p ON p.id = {alias}.person_id"));
    }
    qb.push(" WHERE ");
    let ids: Vec<Uuid> = filter.pcn_ids.iter().map(|o| o.0).collect();
    push_in(qb, &format!("{alias}.pcn_id"), &ids);
    if let Some(time) = time {
        qb.push(format!(" AND {time} >= "))
            .push_bind(filter.from)
            .push(format!(" AND {time} < "))
            .push_bind(filter.to);
    }
    if let Some(practice) = filter.practice_id {
        qb.push(" AND p.gp_practice_id = ").push_bind(practice.0);
    }
}

/// Referrals received in the period.
fn push_referrals(qb: &mut QueryBuilder<'_, Db>, filter: &ReportFilter) {
    push_scope(qb, "FROM referrals r", "r", Some("r.received_at"), filter);
}

/// Empties `table` and writes `rows` into it, in `tx`: a published file
/// replaces the last one loaded whole.
async fn replace_rows<'a, T>(
    tx: &mut Connection,
    table: &str,
    columns: &str,
    rows: &'a [T],
    bind: impl FnMut(&mut Separated<'_, 'a, Db, &'static str>, &'a T),
) -> StorageResult<()> {
    sqlx::query(&format!("DELETE FROM {table}"))
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    insert_rows(tx, table, columns, rows, "", bind)
        .await
        .map_err(backend)
}

fn count(row: &DbRow, column: &str) -> StorageResult<u64> {
    let n: i64 = get(row, column)?;
    u64::try_from(n).map_err(|_| corrupt(column, n))
}

/// The `UtcDay` selected as `{prefix}_day` and `{prefix}_last`.
fn utc_day(row: &DbRow, prefix: &str) -> StorageResult<Option<UtcDay>> {
    let day: Option<String> = get(row, &format!("{prefix}_day"))?;
    let last: i32 = get(row, &format!("{prefix}_last"))?;
    day.map(|d| {
        NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map(|day| UtcDay {
                day,
                last_hour: last == 1,
            })
            .map_err(|_| corrupt("date", &d))
    })
    .transpose()
}

/// Selects `column` as `{prefix}_day` and `{prefix}_last` (see `UtcDay`).
fn select_utc_day(column: &str, prefix: &str) -> String {
    format!(
        "{} AS {prefix}_day, {} AS {prefix}_last",
        dialect::utc_day(column),
        dialect::utc_last_hour(column)
    )
}

fn organisation(row: &DbRow) -> StorageResult<Option<(linkwork_domain::OrgId, String)>> {
    let id: Option<Uuid> = get(row, "org_id")?;
    let name: Option<String> = get(row, "org_name")?;
    Ok(id.map(|id| (id.into(), name.unwrap_or_default())))
}

impl Store {
    async fn rows(&self, mut qb: QueryBuilder<'_, Db>) -> StorageResult<Vec<DbRow>> {
        qb.build().fetch_all(&self.pool).await.map_err(backend)
    }

    /// Distinct people referred in the period, registered with a
    /// practice, grouped by `column` of `people p`.
    async fn people_by(&self, filter: &ReportFilter, column: &str) -> StorageResult<Vec<DbRow>> {
        let mut qb = QueryBuilder::new(format!(
            "SELECT {column} AS grouped, COUNT(DISTINCT r.person_id) AS n"
        ));
        push_scope(
            &mut qb,
            "FROM referrals r JOIN people p ON p.id = r.person_id",
            "r",
            Some("r.received_at"),
            filter,
        );
        qb.push(format!(
            " AND p.gp_practice_id IS NOT NULL GROUP BY {column}"
        ));
        self.rows(qb).await
    }

    /// The needs in each referral's latest "what matters", by postcode.
    async fn needs_by_postcode(
        &self,
        filter: &ReportFilter,
    ) -> StorageResult<Vec<(String, String, u64)>> {
        let mut qb =
            QueryBuilder::new("SELECT n.need_code, p.postcode, COUNT(DISTINCT r.person_id) AS n");
        push_scope(
            &mut qb,
            "FROM referrals r JOIN people p ON p.id = r.person_id \
             JOIN what_matters w ON w.referral_id = r.id AND w.revision = \
               (SELECT MAX(x.revision) FROM what_matters x WHERE x.referral_id = r.id) \
             JOIN what_matters_needs n ON n.what_matters_id = w.id",
            "r",
            Some("r.received_at"),
            filter,
        );
        qb.push(" AND p.postcode IS NOT NULL GROUP BY n.need_code, p.postcode");
        self.rows(qb)
            .await?
            .iter()
            .map(|row| {
                Ok((
                    get(row, "need_code")?,
                    get(row, "postcode")?,
                    count(row, "n")?,
                ))
            })
            .collect()
    }

    /// Onward referrals sent in the period, by service, day sent, day
    /// started and whether still waiting.
    async fn onward_waits(&self, filter: &ReportFilter) -> StorageResult<Vec<OnwardWait>> {
        let mut qb = QueryBuilder::new(format!(
            "SELECT o.service_id, {}, {}, \
             CASE WHEN o.status IN ('sent', 'accepted') THEN 1 ELSE 0 END AS waiting, COUNT(*) AS n",
            select_utc_day("o.sent_at", "sent"),
            select_utc_day("o.started_at", "started")
        ));
        push_scope(
            &mut qb,
            "FROM onward_referrals o",
            "o",
            Some("o.sent_at"),
            filter,
        );
        qb.push(" GROUP BY 1, 2, 3, 4, 5, 6");
        self.rows(qb)
            .await?
            .iter()
            .map(|row| {
                let waiting: i32 = get(row, "waiting")?;
                Ok(OnwardWait {
                    service_id: get(row, "service_id")?,
                    sent: utc_day(row, "sent")?.ok_or_else(|| corrupt("sent_at", "none"))?,
                    started: utc_day(row, "started")?,
                    waiting: waiting == 1,
                    referrals: count(row, "n")?,
                })
            })
            .collect()
    }

    async fn people_groups(&self, filter: &ReportFilter) -> StorageResult<PeopleGroups> {
        let mut groups = PeopleGroups::default();
        for row in self.people_by(filter, "p.imd_decile").await? {
            let decile: Option<i16> = get(&row, "grouped")?;
            let decile = decile
                .map(|d| u8::try_from(d).map_err(|_| corrupt("imd_decile", d)))
                .transpose()?;
            groups.by_decile.push((decile, count(&row, "n")?));
        }
        for row in self.people_by(filter, "p.sex").await? {
            let sex: Option<String> = get(&row, "grouped")?;
            let sex = sex
                .map(|s| Sex::from_code(&s).ok_or_else(|| corrupt("sex", &s)))
                .transpose()?;
            groups.by_sex.push((sex, count(&row, "n")?));
        }
        for row in self.people_by(filter, "p.date_of_birth").await? {
            groups
                .by_birth_date
                .push((get(&row, "grouped")?, count(&row, "n")?));
        }
        for row in self.people_by(filter, "p.ethnicity").await? {
            groups
                .by_ethnicity
                .push((get(&row, "grouped")?, count(&row, "n")?));
        }
        Ok(groups)
    }
}

#[async_trait]
impl ReportStore for Store {
    async fn report_counts(&self, filter: &ReportFilter) -> StorageResult<ReportCounts> {
        if filter.pcn_ids.is_empty() {
            return Ok(ReportCounts::default());
        }
        let mut counts = ReportCounts::default();

        let mut qb = QueryBuilder::new(format!(
            "SELECT {}, COUNT(*) AS n",
            select_utc_day("r.received_at", "received")
        ));
        push_referrals(&mut qb, filter);
        qb.push(" GROUP BY 1, 2");
        for row in self.rows(qb).await? {
            if let Some(day) = utc_day(&row, "received")? {
                counts.received.push((day, count(&row, "n")?));
            }
        }

        let mut qb = QueryBuilder::new("SELECT r.route, COUNT(*) AS n");
        push_referrals(&mut qb, filter);
        qb.push(" GROUP BY r.route");
        for row in self.rows(qb).await? {
            counts.by_route.push((
                coded(&row, "route", ReferralRoute::from_code)?,
                count(&row, "n")?,
            ));
        }

        let mut qb = QueryBuilder::new(
            "SELECT r.referrer_org_id AS org_id, o.name AS org_name, COUNT(*) AS n",
        );
        push_scope(
            &mut qb,
            "FROM referrals r LEFT JOIN organisations o ON o.id = r.referrer_org_id",
            "r",
            Some("r.received_at"),
            filter,
        );
        qb.push(" GROUP BY r.referrer_org_id, o.name");
        for row in self.rows(qb).await? {
            counts
                .by_referrer
                .push((organisation(&row)?, count(&row, "n")?));
        }

        let mut qb = QueryBuilder::new("SELECT n.need_code, COUNT(*) AS n");
        push_scope(
            &mut qb,
            "FROM referral_needs n JOIN referrals r ON r.id = n.referral_id",
            "r",
            Some("r.received_at"),
            filter,
        );
        qb.push(" GROUP BY n.need_code");
        for row in self.rows(qb).await? {
            counts
                .by_need
                .push((get(&row, "need_code")?, count(&row, "n")?));
        }

        let open: Vec<&str> = ReferralStatus::ALL
            .iter()
            .filter(|s| !s.is_closed())
            .map(|s| s.code())
            .collect();
        let mut qb = QueryBuilder::new(format!(
            "SELECT {}, {}, CASE WHEN r.status IN ('{}') THEN 1 ELSE 0 END AS still_open, COUNT(*) AS n",
            select_utc_day("r.received_at", "received"),
            select_utc_day("r.first_contact_at", "contact"),
            open.join("', '")
        ));
        push_referrals(&mut qb, filter);
        qb.push(" GROUP BY 1, 2, 3, 4, 5");
        for row in self.rows(qb).await? {
            let Some(received) = utc_day(&row, "received")? else {
                continue;
            };
            counts.waits.push(WaitCount {
                received,
                first_contact: utc_day(&row, "contact")?,
                open: get::<i32>(&row, "still_open")? == 1,
                referrals: count(&row, "n")?,
            });
        }

        let mut qb = QueryBuilder::new(
            "SELECT COUNT(r.intervention_received_at) AS intervention, \
             COUNT(DISTINCT r.person_id) AS people",
        );
        push_referrals(&mut qb, filter);
        let row = qb.build().fetch_one(&self.pool).await.map_err(backend)?;
        counts.with_intervention = count(&row, "intervention")?;
        counts.people_referred = count(&row, "people")?;

        let mut qb = QueryBuilder::new("SELECT u.id AS user_id, u.display_name, COUNT(*) AS n");
        push_scope(
            &mut qb,
            "FROM referrals r JOIN users u ON u.id = r.assigned_to",
            "r",
            None,
            filter,
        );
        qb.push(" AND r.status IN (")
            .push_bind(ReferralStatus::Accepted.code())
            .push(", ")
            .push_bind(ReferralStatus::InProgress.code())
            .push(") GROUP BY u.id, u.display_name");
        for row in self.rows(qb).await? {
            counts.caseloads.push((
                get::<Uuid>(&row, "user_id")?.into(),
                get(&row, "display_name")?,
                count(&row, "n")?,
            ));
        }

        let mut qb = QueryBuilder::new(
            "SELECT contacts, COUNT(*) AS people FROM (SELECT c.person_id, COUNT(*) AS contacts",
        );
        push_scope(&mut qb, "FROM contacts c", "c", Some("c.starts_at"), filter);
        qb.push(" AND c.status = 'attended' GROUP BY c.person_id) per_person GROUP BY contacts");
        for row in self.rows(qb).await? {
            counts
                .contacts_per_person
                .push((count(&row, "contacts")?, count(&row, "people")?));
        }

        let mut qb = QueryBuilder::new("SELECT d.reason, COUNT(*) AS n");
        push_scope(
            &mut qb,
            "FROM discharges d JOIN referrals r ON r.id = d.referral_id",
            "r",
            Some("d.discharged_at"),
            filter,
        );
        qb.push(" GROUP BY d.reason");
        for row in self.rows(qb).await? {
            counts.discharges.push((
                coded(&row, "reason", DischargeReason::from_code)?,
                count(&row, "n")?,
            ));
        }

        let mut qb = QueryBuilder::new(
            "SELECT o.partner_org_id AS org_id, g.name AS org_name, COUNT(*) AS sent, \
             COUNT(o.answered_at) AS answered, \
             COUNT(CASE WHEN o.answered_at IS NOT NULL AND o.status <> 'declined' THEN 1 END) AS accepted, \
             COUNT(CASE WHEN o.status = 'declined' THEN 1 END) AS declined, \
             COUNT(CASE WHEN o.status = 'declined' AND o.decline_reason = 'full' THEN 1 END) AS declined_full, \
             COUNT(o.started_at) AS started, COUNT(o.completed_at) AS completed",
        );
        push_scope(
            &mut qb,
            "FROM onward_referrals o LEFT JOIN organisations g ON g.id = o.partner_org_id",
            "o",
            Some("o.sent_at"),
            filter,
        );
        qb.push(" GROUP BY o.partner_org_id, g.name");
        for row in self.rows(qb).await? {
            counts.onward.push(OnwardCount {
                partner: organisation(&row)?,
                sent: count(&row, "sent")?,
                answered: count(&row, "answered")?,
                accepted: count(&row, "accepted")?,
                declined: count(&row, "declined")?,
                declined_full: count(&row, "declined_full")?,
                started: count(&row, "started")?,
                completed: count(&row, "completed")?,
            });
        }
        for outcome in [false, true] {
            let column = if outcome { "r.outcome_code" } else { "r.code" };
            let mut qb = QueryBuilder::new(format!(
                "SELECT g.id AS org_id, g.name AS org_name, g.code AS org_code, {column} AS clinical_code, \
                 COUNT(*) AS n, COUNT(DISTINCT r.person_id) AS people"
            ));
            push_scope(
                &mut qb,
                "FROM referrals r JOIN people p ON p.id = r.person_id \
                 JOIN organisations g ON g.id = p.gp_practice_id",
                "r",
                Some("r.received_at"),
                filter,
            );
            qb.push(format!(
                " AND {column} IS NOT NULL GROUP BY g.id, g.name, g.code, {column}"
            ));
            for row in self.rows(qb).await? {
                counts.coded_by_practice.push(PracticeCodes {
                    practice_id: get::<Uuid>(&row, "org_id")?.into(),
                    practice_name: get(&row, "org_name")?,
                    practice_code: get(&row, "org_code")?,
                    code: get(&row, "clinical_code")?,
                    outcome,
                    referrals: count(&row, "n")?,
                    people: count(&row, "people")?,
                });
            }
        }
        let mut qb = QueryBuilder::new(
            "SELECT o.service_id, MAX(o.service_name) AS service_name, COUNT(*) AS n",
        );
        push_scope(
            &mut qb,
            "FROM onward_referrals o",
            "o",
            Some("o.sent_at"),
            filter,
        );
        qb.push(" AND o.status = 'declined' AND o.decline_reason = 'full' GROUP BY o.service_id");
        for row in self.rows(qb).await? {
            counts.declined_full.push((
                get(&row, "service_id")?,
                get(&row, "service_name")?,
                count(&row, "n")?,
            ));
        }
        counts.needs_by_postcode = self.needs_by_postcode(filter).await?;
        counts.onward_waits = self.onward_waits(filter).await?;
        counts.registered_people = self.people_groups(filter).await?;
        Ok(counts)
    }

    async fn replace_registered_population(
        &self,
        rows: &RegisteredPopulation,
        audit: &NewAuditEvent,
    ) -> StorageResult<u64> {
        let mut tx = self.write().await?;
        let written = match rows {
            RegisteredPopulation::ByLsoa(rows) => {
                replace_rows(
                    &mut tx,
                    "registered_lsoa",
                    "practice_code, lsoa, patients",
                    rows,
                    |b, r| {
                        b.push_bind(r.practice_code.as_str())
                            .push_bind(r.lsoa.as_str())
                            .push_bind(patients(r.patients));
                    },
                )
                .await?;
                rows.len()
            }
            RegisteredPopulation::ByAgeSex(rows) => {
                replace_rows(
                    &mut tx,
                    "registered_age_sex",
                    "practice_code, sex, age_from, patients",
                    rows,
                    |b, r| {
                        b.push_bind(r.practice_code.as_str())
                            .push_bind(r.sex.code())
                            .push_bind(i16::from(r.age_from))
                            .push_bind(patients(r.patients));
                    },
                )
                .await?;
                rows.len()
            }
        };
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)?;
        Ok(written as u64)
    }

    async fn replace_deprivation(
        &self,
        rows: &[LsoaDeprivation],
        audit: &NewAuditEvent,
    ) -> StorageResult<u64> {
        let mut tx = self.write().await?;
        replace_rows(
            &mut tx,
            "lsoa_deprivation",
            "lsoa, edition, imd_rank, imd_decile",
            rows,
            |b, r| {
                b.push_bind(r.lsoa.as_str())
                    .push_bind(edition(r.edition))
                    .push_bind(i32::try_from(r.rank).unwrap_or(i32::MAX))
                    .push_bind(i16::from(r.decile));
            },
        )
        .await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)?;
        Ok(rows.len() as u64)
    }

    async fn registered_totals(
        &self,
        practice_codes: &[String],
    ) -> StorageResult<RegisteredTotals> {
        if practice_codes.is_empty() {
            return Ok(RegisteredTotals::default());
        }
        let mut totals = RegisteredTotals::default();
        for table in ["registered_age_sex", "registered_lsoa"] {
            let mut qb = QueryBuilder::new(format!(
                "SELECT COUNT(*) AS n, SUM(patients) AS patients FROM {table} WHERE "
            ));
            push_in(&mut qb, "practice_code", practice_codes);
            let row = qb.build().fetch_one(&self.pool).await.map_err(backend)?;
            let total = match count(&row, "n")? {
                0 => None,
                _ => Some(count(&row, "patients")?),
            };
            if table == "registered_age_sex" {
                totals.by_age_sex = total;
            } else {
                totals.by_lsoa = total;
            }
        }
        Ok(totals)
    }

    async fn registered_groups(
        &self,
        practice_codes: &[String],
    ) -> StorageResult<RegisteredGroups> {
        let mut groups = RegisteredGroups::default();
        if practice_codes.is_empty() {
            return Ok(groups);
        }
        let mut qb = QueryBuilder::new(
            "SELECT d.imd_decile, SUM(l.patients) AS patients FROM registered_lsoa l \
             JOIN lsoa_deprivation d ON d.lsoa = l.lsoa WHERE ",
        );
        push_in(&mut qb, "l.practice_code", practice_codes);
        qb.push(" GROUP BY d.imd_decile");
        for row in self.rows(qb).await? {
            let decile: i16 = get(&row, "imd_decile")?;
            groups.by_decile.push((
                u8::try_from(decile).map_err(|_| corrupt("imd_decile", decile))?,
                count(&row, "patients")?,
            ));
        }
        let mut qb = QueryBuilder::new(
            "SELECT sex, age_from, SUM(patients) AS patients FROM registered_age_sex WHERE ",
        );
        push_in(&mut qb, "practice_code", practice_codes);
        qb.push(" GROUP BY sex, age_from");
        for row in self.rows(qb).await? {
            let age: i16 = get(&row, "age_from")?;
            groups.by_sex_age.push((
                coded(&row, "sex", Sex::from_code)?,
                u8::try_from(age).map_err(|_| corrupt("age_from", age))?,
                count(&row, "patients")?,
            ));
        }
        Ok(groups)
    }
}

/// A patient count at the column's width: no practice has two billion.
fn patients(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn edition(e: linkwork_domain::postcode::ImdEdition) -> &'static str {
    match e {
        linkwork_domain::postcode::ImdEdition::Iod2019 => "2019",
        linkwork_domain::postcode::ImdEdition::Iod2025 => "2025",
    }
}
