use async_trait::async_trait;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::directory::feeds::{Feed, FeedRun, RunReport, RunTrigger};
use linkwork_domain::{FeedId, FeedRunId, Timestamp, UserId};
use linkwork_storage::{
    FeedService, FeedStore, FeedWithLastRun, FinishedRun, Page, PageRequest, StorageError,
    StorageResult,
};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::audit::insert as insert_audit;
use super::directory::log_changes;
use super::{
    Connection, DbRow, backend, coded, conflict_or_backend, corrupt, get, prefixed, push_in,
    push_page,
};
use crate::dialect::{self, Db, MAX_PARAMS, Store};

const FEED_COLUMNS: &str = "id, name, url, every_hours, next_run_at, asked, created_by, created_at";
const RUN_COLUMNS: &str = "id, feed_id, trigger, started_at, finished_at, failure, report";

fn feed(row: &DbRow) -> StorageResult<Feed> {
    Ok(Feed {
        id: FeedId(get(row, "id")?),
        name: get(row, "name")?,
        url: get(row, "url")?,
        every_hours: get(row, "every_hours")?,
        next_run_at: get(row, "next_run_at")?,
        created_by: UserId(get(row, "created_by")?),
        created_at: get(row, "created_at")?,
    })
}

/// A reading, from `RUN_COLUMNS` named with the `run_` prefix when joined.
fn run(row: &DbRow, prefix: &str) -> StorageResult<FeedRun> {
    let column = |name: &str| format!("{prefix}{name}");
    let report: String = get(row, &column("report"))?;
    Ok(FeedRun {
        id: FeedRunId(get(row, &column("id"))?),
        feed_id: FeedId(get(row, &column("feed_id"))?),
        trigger: coded(row, &column("trigger"), RunTrigger::from_code)?,
        started_at: get(row, &column("started_at"))?,
        finished_at: get(row, &column("finished_at"))?,
        failure: get(row, &column("failure"))?,
        report: serde_json::from_str::<RunReport>(&report)
            .map_err(|e| corrupt("feed run report", e))?,
    })
}

/// Feeds with their latest reading, one query for the list and one feed.
fn feeds_with_last_run(filter: &str) -> String {
    let run_columns: Vec<String> = RUN_COLUMNS
        .split(',')
        .map(|c| format!("r.{0} AS run_{0}", c.trim()))
        .collect();
    format!(
        "SELECT {}, {} FROM directory_feeds f \
         LEFT JOIN directory_feed_runs r ON r.id = (SELECT id FROM directory_feed_runs x \
           WHERE x.feed_id = f.id ORDER BY x.started_at DESC, x.id LIMIT 1) \
         WHERE f.removed_at IS NULL{filter} ORDER BY f.name, f.id",
        prefixed("f", FEED_COLUMNS),
        run_columns.join(", ")
    )
}

fn feed_with_last_run(row: &DbRow) -> StorageResult<FeedWithLastRun> {
    let last_run: Option<Uuid> = get(row, "run_id")?;
    Ok(FeedWithLastRun {
        feed: feed(row)?,
        asked: get(row, "asked")?,
        last_run: last_run.map(|_| run(row, "run_")).transpose()?,
    })
}

/// Runs `update`; when it changed a row, records `audit` beside it.
/// Returns whether it changed one.
async fn update_audited<'q>(
    tx: &mut Connection,
    update: sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>>,
    audit: &NewAuditEvent,
) -> StorageResult<bool> {
    let changed = update
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected()
        == 1;
    if changed {
        insert_audit(tx, audit).await?;
    }
    Ok(changed)
}

#[async_trait]
impl FeedStore for Store {
    async fn add_feed(&self, f: &Feed, audit: &NewAuditEvent) -> StorageResult<()> {
        let mut tx = self.write().await?;
        sqlx::query(&format!(
            "INSERT INTO directory_feeds ({FEED_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(f.id.0)
        .bind(&f.name)
        .bind(&f.url)
        .bind(f.every_hours)
        .bind(f.next_run_at)
        .bind(false)
        .bind(f.created_by.0)
        .bind(f.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_or_backend(e, "A feed with this address is already registered"))?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn feeds(&self) -> StorageResult<Vec<FeedWithLastRun>> {
        let rows = sqlx::query(&feeds_with_last_run(""))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(feed_with_last_run).collect()
    }

    async fn feed(&self, id: FeedId) -> StorageResult<Option<FeedWithLastRun>> {
        let row = sqlx::query(&feeds_with_last_run(" AND f.id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(feed_with_last_run).transpose()
    }

    async fn remove_feed(
        &self,
        id: FeedId,
        at: Timestamp,
        audit: &NewAuditEvent,
    ) -> StorageResult<bool> {
        let mut tx = self.write().await?;
        // Its services become ordinary listings, free for another feed
        // (deleted first: the removal below decides whether it happened).
        sqlx::query(
            "DELETE FROM directory_feed_services WHERE feed_id = $1 AND feed_id IN \
             (SELECT id FROM directory_feeds WHERE removed_at IS NULL)",
        )
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        let removed = update_audited(
            &mut tx,
            sqlx::query(
                "UPDATE directory_feeds SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL",
            )
            .bind(at)
            .bind(id.0),
            audit,
        )
        .await?;
        tx.commit().await.map_err(backend)?;
        Ok(removed)
    }

    async fn ask_feed_run(
        &self,
        id: FeedId,
        at: Timestamp,
        audit: &NewAuditEvent,
    ) -> StorageResult<bool> {
        let mut tx = self.write().await?;
        let asked = update_audited(
            &mut tx,
            sqlx::query(
                "UPDATE directory_feeds SET next_run_at = $1, asked = $2 WHERE id = $3 AND removed_at IS NULL",
            )
            .bind(at)
            .bind(true)
            .bind(id.0),
            audit,
        )
        .await?;
        tx.commit().await.map_err(backend)?;
        Ok(asked)
    }

    async fn claim_due_feed(
        &self,
        at: Timestamp,
        claim_until: Timestamp,
    ) -> StorageResult<Option<(Feed, RunTrigger)>> {
        // As messages are claimed (`claim_messages`): picked once, and the
        // update checks again that the feed is still free, so of several
        // instances exactly one reads it.
        let row = sqlx::query(&format!(
            "WITH due AS MATERIALIZED (SELECT id FROM directory_feeds \
             WHERE removed_at IS NULL AND next_run_at <= $2 AND (claimed_until IS NULL OR claimed_until < $2) \
             ORDER BY next_run_at LIMIT 1{}) \
             UPDATE directory_feeds SET claimed_until = $1 FROM due WHERE directory_feeds.id = due.id \
             AND directory_feeds.removed_at IS NULL \
             AND (directory_feeds.claimed_until IS NULL OR directory_feeds.claimed_until < $2) \
             RETURNING {}",
            dialect::SKIP_LOCKED,
            prefixed("directory_feeds", FEED_COLUMNS)
        ))
        .bind(claim_until)
        .bind(at)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.map(|row| {
            let asked: bool = get(&row, "asked")?;
            let trigger = if asked {
                RunTrigger::Asked
            } else {
                RunTrigger::Schedule
            };
            Ok((feed(&row)?, trigger))
        })
        .transpose()
    }

    async fn feed_services(&self, feed: FeedId) -> StorageResult<Vec<FeedService>> {
        let rows = sqlx::query(
            "SELECT service_id, fingerprint, edited_locally_at, withdrawn_at FROM directory_feed_services WHERE feed_id = $1",
        )
        .bind(feed.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|row| {
                Ok(FeedService {
                    service_id: get(row, "service_id")?,
                    fingerprint: get(row, "fingerprint")?,
                    edited_locally: get::<Option<Timestamp>>(row, "edited_locally_at")?.is_some(),
                    withdrawn: get::<Option<Timestamp>>(row, "withdrawn_at")?.is_some(),
                })
            })
            .collect()
    }

    async fn services_of_other_feeds(&self, feed: FeedId) -> StorageResult<Vec<Uuid>> {
        sqlx::query_scalar("SELECT service_id FROM directory_feed_services WHERE feed_id <> $1")
            .bind(feed.0)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)
    }

    async fn finish_feed_run(
        &self,
        finished: FinishedRun<'_>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let FinishedRun {
            run,
            written,
            withdraw,
            next_run_at,
        } = finished;
        let report = serde_json::to_string(&run.report).map_err(StorageError::backend)?;
        let mut tx = self.write().await?;
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        sqlx::query(&format!(
            "INSERT INTO directory_feed_runs ({RUN_COLUMNS}, created, updated, withdrawn, kept_local, rejected) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(run.id.0)
        .bind(run.feed_id.0)
        .bind(run.trigger.code())
        .bind(run.started_at)
        .bind(run.finished_at)
        .bind(&run.failure)
        .bind(report)
        .bind(count(run.report.created.len()))
        .bind(count(run.report.updated.len()))
        .bind(count(run.report.withdrawn.len()))
        .bind(count(run.report.kept_local.len()))
        .bind(count(run.report.rejected.len()))
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        for chunk in written.chunks(MAX_PARAMS / 3) {
            // Written by the feed: its own, back in it, as the feed has it.
            let mut q = QueryBuilder::<Db>::new(
                "INSERT INTO directory_feed_services (service_id, feed_id, fingerprint, edited_locally_at, withdrawn_at) ",
            );
            q.push_values(chunk, |mut b, (id, fingerprint)| {
                b.push_bind(*id)
                    .push_bind(run.feed_id.0)
                    .push_bind(fingerprint.clone())
                    .push("NULL")
                    .push("NULL");
            });
            q.push(
                " ON CONFLICT (service_id) DO UPDATE SET feed_id = excluded.feed_id, \
                 fingerprint = excluded.fingerprint, edited_locally_at = NULL, withdrawn_at = NULL",
            );
            q.build().execute(&mut *tx).await.map_err(backend)?;
        }
        for chunk in withdraw.chunks(MAX_PARAMS - 2) {
            let mut q = QueryBuilder::<Db>::new(
                "UPDATE dir_services SET status = 'inactive', last_modified = ",
            );
            q.push_bind(run.finished_at).push(" WHERE ");
            push_in(&mut q, "id", chunk);
            q.build().execute(&mut *tx).await.map_err(backend)?;
            let mut q =
                QueryBuilder::<Db>::new("UPDATE directory_feed_services SET withdrawn_at = ");
            q.push_bind(run.finished_at).push(" WHERE ");
            push_in(&mut q, "service_id", chunk);
            q.build().execute(&mut *tx).await.map_err(backend)?;
        }
        if !withdraw.is_empty() {
            log_changes(&mut tx, withdraw).await?;
        }
        sqlx::query(
            "UPDATE directory_feeds SET next_run_at = $1, asked = $2, claimed_until = NULL WHERE id = $3",
        )
        .bind(next_run_at)
        .bind(false)
        .bind(run.feed_id.0)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn feed_runs(&self, feed: FeedId, page: PageRequest) -> StorageResult<Page<FeedRun>> {
        let total: i64 =
            sqlx::query_scalar("SELECT count(*) FROM directory_feed_runs WHERE feed_id = $1")
                .bind(feed.0)
                .fetch_one(&self.pool)
                .await
                .map_err(backend)?;
        let mut q = QueryBuilder::<Db>::new(format!(
            "SELECT {RUN_COLUMNS} FROM directory_feed_runs WHERE feed_id = "
        ));
        q.push_bind(feed.0).push(" ORDER BY started_at DESC, id");
        push_page(&mut q, page);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        Ok(Page {
            items: rows
                .iter()
                .map(|r| run(r, ""))
                .collect::<StorageResult<_>>()?,
            total: total as u64,
            page: page.page,
            per_page: page.per_page,
        })
    }

    async fn feed_run(&self, id: FeedRunId) -> StorageResult<Option<FeedRun>> {
        let row = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS} FROM directory_feed_runs WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.as_ref().map(|r| run(r, "")).transpose()
    }

    async fn release_local_edit(
        &self,
        service_id: Uuid,
        audit: &NewAuditEvent,
    ) -> StorageResult<bool> {
        let mut tx = self.write().await?;
        let released = update_audited(
            &mut tx,
            sqlx::query(
                "UPDATE directory_feed_services SET edited_locally_at = NULL \
                 WHERE service_id = $1 AND edited_locally_at IS NOT NULL",
            )
            .bind(service_id),
            audit,
        )
        .await?;
        tx.commit().await.map_err(backend)?;
        Ok(released)
    }
}
