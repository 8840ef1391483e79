use async_trait::async_trait;
use linkwork_domain::audit::{AuditEvent, NewAuditEvent};
use linkwork_domain::{AuditEventId, OrgId, Timestamp};
use linkwork_storage::{AuditFilter, AuditStore, Page, PageRequest, StorageResult};
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use super::{Connection, DbRow, backend};
use crate::dialect::{Db, STRPOS, Store};

/// Appends `event` on `conn`, inside the caller's transaction.
pub(super) async fn insert(conn: &mut Connection, event: &NewAuditEvent) -> StorageResult<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, at, actor_user_id, actor_label, org_id, action, entity_type, entity_id, detail, ip) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(event.id.0)
    .bind(event.at)
    .bind(event.actor.user_id().map(|id| id.0))
    .bind(event.actor.label())
    .bind(event.org_id.map(|id| id.0))
    .bind(event.action.code())
    .bind(event.entity.as_ref().map(|e| e.kind))
    .bind(event.entity.as_ref().map(|e| e.id.as_str()))
    .bind(&event.detail)
    .bind(event.ip.as_deref())
    .execute(conn)
    .await
    .map_err(backend)?;
    Ok(())
}

/// `column IN (org and its descendants)`, for tenancy filters.
pub(super) fn push_within(qb: &mut QueryBuilder<'_, Db>, column: &str, org: OrgId) {
    qb.push(format_args!(
        "{column} IN (WITH RECURSIVE scope(id) AS (SELECT id FROM organisations WHERE id = "
    ))
    .push_bind(org.0)
    .push(" UNION ALL SELECT o.id FROM organisations o JOIN scope s ON o.parent_id = s.id) SELECT id FROM scope)");
}

fn push_filter(qb: &mut QueryBuilder<'_, Db>, filter: &AuditFilter) {
    qb.push(" WHERE 1 = 1");
    if let Some(org) = filter.within {
        qb.push(" AND (");
        push_within(qb, "org_id", org);
        if filter.unattributed {
            qb.push(" OR org_id IS NULL");
        }
        qb.push(")");
    }
    if !filter.actions.is_empty() {
        qb.push(" AND action IN (");
        let mut list = qb.separated(", ");
        for action in &filter.actions {
            list.push_bind(action.clone());
        }
        list.push_unseparated(")");
    }
    if let Some(actor) = &filter.actor {
        qb.push(format_args!(" AND {STRPOS}(lower(actor_label), lower("))
            .push_bind(actor.clone())
            .push(")) > 0");
    }
    if let Some(action) = &filter.action {
        qb.push(" AND action = ").push_bind(action.clone());
    }
    if let Some(kind) = &filter.entity_type {
        qb.push(" AND entity_type = ").push_bind(kind.clone());
    }
    if let Some(id) = &filter.entity_id {
        qb.push(" AND entity_id = ").push_bind(id.clone());
    }
    if let Some(from) = filter.from {
        qb.push(" AND at >= ").push_bind(from);
    }
    if let Some(to) = filter.to {
        qb.push(" AND at < ").push_bind(to);
    }
}

const COLUMNS: &str = "SELECT id, at, actor_user_id, actor_label, org_id, action, entity_type, entity_id, detail, ip FROM audit_events";

fn event(row: &DbRow) -> StorageResult<AuditEvent> {
    Ok(AuditEvent {
        id: row.try_get::<Uuid, _>("id").map_err(backend)?.into(),
        at: row.try_get("at").map_err(backend)?,
        actor_user_id: row
            .try_get::<Option<Uuid>, _>("actor_user_id")
            .map_err(backend)?
            .map(Into::into),
        actor_label: row.try_get("actor_label").map_err(backend)?,
        org_id: row
            .try_get::<Option<Uuid>, _>("org_id")
            .map_err(backend)?
            .map(Into::into),
        action: row.try_get("action").map_err(backend)?,
        entity_type: row.try_get("entity_type").map_err(backend)?,
        entity_id: row.try_get("entity_id").map_err(backend)?,
        detail: row.try_get("detail").map_err(backend)?,
        ip: row.try_get("ip").map_err(backend)?,
    })
}

#[async_trait]
impl AuditStore for Store {
    async fn record(&self, event: &NewAuditEvent) -> StorageResult<()> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        insert(&mut conn, event).await
    }

    async fn record_all(&self, events: &[NewAuditEvent]) -> StorageResult<()> {
        let mut tx = self.write().await?;
        super::insert_rows(
            &mut tx,
            "audit_events",
            "id, at, actor_user_id, actor_label, org_id, action, entity_type, entity_id, detail, ip",
            events,
            "",
            |b, event| {
                b.push_bind(event.id.0)
                    .push_bind(event.at)
                    .push_bind(event.actor.user_id().map(|id| id.0))
                    .push_bind(event.actor.label())
                    .push_bind(event.org_id.map(|id| id.0))
                    .push_bind(event.action.code())
                    .push_bind(event.entity.as_ref().map(|e| e.kind))
                    .push_bind(event.entity.as_ref().map(|e| e.id.clone()))
                    .push_bind(event.detail.clone())
                    .push_bind(event.ip.clone());
            },
        )
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn audit_events(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> StorageResult<Page<AuditEvent>> {
        let mut count = QueryBuilder::<Db>::new("SELECT count(*) FROM audit_events");
        push_filter(&mut count, filter);
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;

        let mut query = QueryBuilder::<Db>::new(COLUMNS);
        push_filter(&mut query, filter);
        query.push(" ORDER BY at DESC, id DESC");
        super::push_page(&mut query, page);
        let rows = query.build().fetch_all(&self.pool).await.map_err(backend)?;
        Ok(Page {
            items: rows.iter().map(event).collect::<StorageResult<_>>()?,
            total: total as u64,
            page: page.page,
            per_page: page.per_page,
        })
    }

    async fn audit_events_after(
        &self,
        filter: &AuditFilter,
        after: Option<(Timestamp, AuditEventId)>,
        limit: u32,
    ) -> StorageResult<Vec<AuditEvent>> {
        let mut query = QueryBuilder::<Db>::new(COLUMNS);
        push_filter(&mut query, filter);
        if let Some((at, id)) = after {
            query
                .push(" AND (at > ")
                .push_bind(at)
                .push(" OR (at = ")
                .push_bind(at)
                .push(" AND id > ")
                .push_bind(id.0)
                .push("))");
        }
        query
            .push(" ORDER BY at, id LIMIT ")
            .push_bind(i64::from(limit));
        let rows = query.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(event).collect()
    }
}
