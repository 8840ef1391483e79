//! Outcome evidence: questionnaire responses, the links people answer
//! them from, and GP appointments before and after referral.

use async_trait::async_trait;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::measures::{
    CompletedBy, GpAppointments, MeasureLink, MeasureResponse, Occasion,
};
use linkwork_domain::message::Message;
use linkwork_domain::nhs_number::NhsNumber;
use linkwork_domain::{OrgId, ReferralId, Timestamp};
use linkwork_storage::{
    CohortFilter, GpCohortFilter, MeasureChanges, MeasureStore, ReferralOfPerson, StorageError,
    StorageResult,
};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::audit::insert as insert_audit;
use super::{Connection, DbRow, backend, coded, corrupt, get, insert_rows, prefixed, push_in};
use crate::dialect::{Db, Store};

/// Changes (one referral's, in the demo) written per round of multi-row
/// inserts in a bulk load.
const BULK_BATCH: usize = 500;

const RESPONSE_COLUMNS: &str = "id, person_id, referral_id, pcn_id, measure, occasion, completed_by, \
     answers, complete, scores, completed_at, recorded_by, recorded_by_name";

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("answers and scores always serialise")
}

async fn insert_responses(conn: &mut Connection, rows: &[&MeasureResponse]) -> StorageResult<()> {
    insert_rows(
        conn,
        "measure_responses",
        RESPONSE_COLUMNS,
        rows,
        "",
        |b, r| {
            b.push_bind(r.id.0)
                .push_bind(r.person_id.0)
                .push_bind(r.referral_id.0)
                .push_bind(r.pcn_id.0)
                .push_bind(r.measure.as_str())
                .push_bind(r.occasion.code())
                .push_bind(r.completed_by.code())
                .push_bind(json(&r.answers))
                .push_bind(r.complete)
                .push_bind(json(&r.scores))
                .push_bind(r.completed_at)
                .push_bind(r.recorded_by.map(|u| u.0))
                .push_bind(r.recorded_by_name.as_str());
        },
    )
    .await
    .map_err(backend)
}

fn response(row: &DbRow) -> StorageResult<MeasureResponse> {
    let answers: String = get(row, "answers")?;
    let scores: String = get(row, "scores")?;
    Ok(MeasureResponse {
        id: get::<Uuid>(row, "id")?.into(),
        person_id: get::<Uuid>(row, "person_id")?.into(),
        referral_id: get::<Uuid>(row, "referral_id")?.into(),
        pcn_id: get::<Uuid>(row, "pcn_id")?.into(),
        measure: get(row, "measure")?,
        occasion: coded(row, "occasion", Occasion::from_code)?,
        completed_by: coded(row, "completed_by", CompletedBy::from_code)?,
        answers: serde_json::from_str(&answers).map_err(|_| corrupt("answers", &answers))?,
        complete: get(row, "complete")?,
        scores: serde_json::from_str(&scores).map_err(|_| corrupt("scores", &scores))?,
        completed_at: get(row, "completed_at")?,
        recorded_by: get::<Option<Uuid>>(row, "recorded_by")?.map(Into::into),
        recorded_by_name: get(row, "recorded_by_name")?,
    })
}

const LINK_COLUMNS: &str = "token_hash, referral_id, person_id, pcn_id, measure, occasion, created_by, \
     created_by_name, created_at, expires_at, used_at";

fn link(row: &DbRow) -> StorageResult<MeasureLink> {
    Ok(MeasureLink {
        token_hash: get(row, "token_hash")?,
        referral_id: get::<Uuid>(row, "referral_id")?.into(),
        person_id: get::<Uuid>(row, "person_id")?.into(),
        pcn_id: get::<Uuid>(row, "pcn_id")?.into(),
        measure: get(row, "measure")?,
        occasion: coded(row, "occasion", Occasion::from_code)?,
        created_by: get::<Uuid>(row, "created_by")?.into(),
        created_by_name: get(row, "created_by_name")?,
        created_at: get(row, "created_at")?,
        expires_at: get(row, "expires_at")?,
        used_at: get(row, "used_at")?,
    })
}

const GP_COLUMNS: &str =
    "referral_id, person_id, pcn_id, before_count, after_count, recorded_at, recorded_by_name";

fn count(row: &DbRow, column: &str) -> StorageResult<Option<u32>> {
    get::<Option<i32>>(row, column)?
        .map(|n| u32::try_from(n).map_err(|_| corrupt(column, n)))
        .transpose()
}

fn gp(row: &DbRow) -> StorageResult<GpAppointments> {
    Ok(GpAppointments {
        referral_id: get::<Uuid>(row, "referral_id")?.into(),
        person_id: get::<Uuid>(row, "person_id")?.into(),
        pcn_id: get::<Uuid>(row, "pcn_id")?.into(),
        before: count(row, "before_count")?,
        after: count(row, "after_count")?,
        recorded_at: get(row, "recorded_at")?,
        recorded_by_name: get(row, "recorded_by_name")?,
    })
}

/// Pushes ` AND {column} IN (…)` when the filter names networks (and a
/// condition nothing meets when it names none).
fn push_networks(qb: &mut QueryBuilder<'_, Db>, column: &str, pcn_ids: Option<&[OrgId]>) {
    match pcn_ids {
        None => {}
        Some([]) => {
            qb.push(" AND 1 = 0");
        }
        Some(ids) => {
            let ids: Vec<Uuid> = ids.iter().map(|o| o.0).collect();
            qb.push(" AND ");
            push_in(qb, column, &ids);
        }
    }
}

/// Writes what `batch` adds: responses, links, GP appointment figures
/// (replacing a referral's earlier ones) and queued messages.
async fn insert_new(conn: &mut Connection, batch: &[&MeasureChanges]) -> StorageResult<()> {
    let responses: Vec<&MeasureResponse> = batch.iter().flat_map(|c| &c.responses).collect();
    insert_responses(conn, &responses).await?;
    let links: Vec<&MeasureLink> = batch.iter().flat_map(|c| &c.links).collect();
    insert_rows(conn, "measure_links", LINK_COLUMNS, &links, "", |b, l| {
        b.push_bind(l.token_hash.as_str())
            .push_bind(l.referral_id.0)
            .push_bind(l.person_id.0)
            .push_bind(l.pcn_id.0)
            .push_bind(l.measure.as_str())
            .push_bind(l.occasion.code())
            .push_bind(l.created_by.0)
            .push_bind(l.created_by_name.as_str())
            .push_bind(l.created_at)
            .push_bind(l.expires_at)
            .push_bind(l.used_at);
    })
    .await
    .map_err(backend)?;
    // One statement may not change a row twice (PostgreSQL refuses): the
    // last figures given for a referral are the ones that stand.
    let mut seen = std::collections::HashSet::new();
    let mut figures: Vec<&GpAppointments> = batch
        .iter()
        .flat_map(|c| &c.gp_appointments)
        .rev()
        .filter(|g| seen.insert(g.referral_id))
        .collect();
    figures.reverse();
    insert_rows(
        conn,
        "gp_appointments",
        GP_COLUMNS,
        &figures,
        " ON CONFLICT (referral_id) DO UPDATE SET before_count = excluded.before_count, \
         after_count = excluded.after_count, recorded_at = excluded.recorded_at, \
         recorded_by_name = excluded.recorded_by_name",
        |b, g| {
            b.push_bind(g.referral_id.0)
                .push_bind(g.person_id.0)
                .push_bind(g.pcn_id.0)
                .push_bind(g.before.map(|n| n as i32))
                .push_bind(g.after.map(|n| n as i32))
                .push_bind(g.recorded_at)
                .push_bind(g.recorded_by_name.as_str());
        },
    )
    .await
    .map_err(backend)?;
    let messages: Vec<&Message> = batch.iter().flat_map(|c| &c.messages).collect();
    super::linking::insert_messages(conn, &messages).await
}

#[async_trait]
impl MeasureStore for Store {
    async fn save_measures(
        &self,
        changes: &MeasureChanges,
        audit: &[NewAuditEvent],
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        if let Some((hash, at)) = &changes.use_link {
            let used = sqlx::query(
                "UPDATE measure_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
            )
            .bind(at)
            .bind(hash)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if used.rows_affected() != 1 {
                return Err(StorageError::Conflict(
                    "This questionnaire has already been filled in".into(),
                ));
            }
        }
        insert_new(&mut tx, &[changes]).await?;
        for event in audit {
            insert_audit(&mut tx, event).await?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn referral_responses(
        &self,
        referral: ReferralId,
    ) -> StorageResult<Vec<MeasureResponse>> {
        sqlx::query(&format!(
            "SELECT {RESPONSE_COLUMNS} FROM measure_responses WHERE referral_id = $1 \
             ORDER BY completed_at, id"
        ))
        .bind(referral.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?
        .iter()
        .map(response)
        .collect()
    }

    async fn cohort_responses(&self, filter: &CohortFilter) -> StorageResult<Vec<MeasureResponse>> {
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {RESPONSE_COLUMNS} FROM measure_responses WHERE measure = "
        ));
        qb.push_bind(filter.measure.clone())
            .push(
                " AND referral_id IN (SELECT referral_id FROM measure_responses \
                 WHERE occasion = 'baseline' AND measure = ",
            )
            .push_bind(filter.measure.clone())
            .push(" AND completed_at >= ")
            .push_bind(filter.from)
            .push(" AND completed_at < ")
            .push_bind(filter.to);
        push_networks(&mut qb, "pcn_id", filter.pcn_ids.as_deref());
        qb.push(") ORDER BY completed_at, id");
        qb.build()
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?
            .iter()
            .map(response)
            .collect()
    }

    async fn measure_link(&self, token_hash: &str) -> StorageResult<Option<MeasureLink>> {
        sqlx::query(&format!(
            "SELECT {LINK_COLUMNS} FROM measure_links WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?
        .as_ref()
        .map(link)
        .transpose()
    }

    async fn gp_appointments(&self, referral: ReferralId) -> StorageResult<Option<GpAppointments>> {
        sqlx::query(&format!(
            "SELECT {GP_COLUMNS} FROM gp_appointments WHERE referral_id = $1"
        ))
        .bind(referral.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?
        .as_ref()
        .map(gp)
        .transpose()
    }

    async fn cohort_gp_appointments(
        &self,
        filter: &GpCohortFilter,
    ) -> StorageResult<Vec<GpAppointments>> {
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {} FROM gp_appointments g JOIN referrals r ON r.id = g.referral_id \
             WHERE r.received_at >= ",
            prefixed("g", GP_COLUMNS)
        ));
        qb.push_bind(filter.from)
            .push(" AND r.received_at < ")
            .push_bind(filter.to);
        push_networks(&mut qb, "g.pcn_id", filter.pcn_ids.as_deref());
        qb.push(" ORDER BY r.received_at, g.referral_id");
        qb.build()
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?
            .iter()
            .map(gp)
            .collect()
    }

    async fn latest_referral_for(
        &self,
        nhs_number: &NhsNumber,
        pcn_ids: Option<&[OrgId]>,
    ) -> StorageResult<Option<ReferralOfPerson>> {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT r.id, r.person_id, r.pcn_id, r.received_at, p.restricted_at FROM referrals r \
             JOIN people p ON p.id = r.person_id WHERE p.nhs_number = ",
        );
        qb.push_bind(nhs_number.as_str().to_owned());
        push_networks(&mut qb, "r.pcn_id", pcn_ids);
        qb.push(" ORDER BY r.received_at DESC, r.id LIMIT 1");
        qb.build()
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .map(|row| {
                Ok(ReferralOfPerson {
                    referral_id: get::<Uuid>(&row, "id")?.into(),
                    person_id: get::<Uuid>(&row, "person_id")?.into(),
                    pcn_id: get::<Uuid>(&row, "pcn_id")?.into(),
                    received_at: get(&row, "received_at")?,
                    restricted: get::<Option<Timestamp>>(&row, "restricted_at")?.is_some(),
                })
            })
            .transpose()
    }

    async fn bulk_insert_measures(
        &self,
        rows: &mut (dyn Iterator<Item = MeasureChanges> + Send),
        audit: &NewAuditEvent,
    ) -> StorageResult<u64> {
        let mut tx = self.write().await?;
        let mut written = 0u64;
        loop {
            let batch: Vec<MeasureChanges> = rows.take(BULK_BATCH).collect();
            if batch.is_empty() {
                break;
            }
            let refs: Vec<&MeasureChanges> = batch.iter().collect();
            insert_new(&mut tx, &refs).await?;
            written += batch.iter().map(|c| c.responses.len() as u64).sum::<u64>();
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)?;
        Ok(written)
    }
}
