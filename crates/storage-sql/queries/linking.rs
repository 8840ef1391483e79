use async_trait::async_trait;
use chrono::NaiveDate;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::linking::*;
use linkwork_domain::message::{Channel, Message, MessageStatus};
use linkwork_domain::{MessageId, OnwardReferralId, OrgId, ShortlistId, Timestamp, UserId};
use linkwork_storage::{
    AnswerLink, AttentionFilter, CaseworkChanges, InboxFilter, LinkingStore, MessageStore,
    OnwardEvent, OnwardItem, Page, PageRequest, StorageError, StorageResult,
};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::audit::{insert as insert_audit, push_within};
use super::people::{NOT_RESTRICTED, push_consent};
use super::referrals::{PERSON_BRIEF_COLUMNS, person_brief};
use super::{
    Connection, DbRow, backend, coded, corrupt, get, insert_rows, prefixed, push_in, push_page,
};
use crate::dialect::{self, Db, Store};

// Onward referrals.

const ONWARD_COLUMNS: &str = "id, referral_id, person_id, pcn_id, service_id, service_name, partner_org_id, \
     service_email, support, shared_fields, shared_name, shared_phone, shared_email, shared_contact_preference, \
     shared_needs, shared_what_matters, shared_access_needs, message, status, decline_reason, answer_note, sent_at, \
     sent_by, sent_by_name, answered_at, started_at, completed_at, chased, version, updated_at";

fn shared_fields(fields: &[SharedField]) -> String {
    fields
        .iter()
        .map(|f| f.code())
        .collect::<Vec<_>>()
        .join(",")
}

async fn insert_onward(conn: &mut Connection, rows: &[&OnwardReferral]) -> StorageResult<()> {
    insert_rows(
        conn,
        "onward_referrals",
        ONWARD_COLUMNS,
        rows,
        "",
        |b, o| {
            let s = &o.shared;
            b.push_bind(o.id.0)
                .push_bind(o.referral_id.0)
                .push_bind(o.person_id.0)
                .push_bind(o.pcn_id.0)
                .push_bind(o.service_id)
                .push_bind(o.service_name.as_str())
                .push_bind(o.partner_org_id.map(|id| id.0))
                .push_bind(o.service_email.as_deref())
                .push_bind(o.support.code())
                .push_bind(shared_fields(&s.fields))
                .push_bind(s.name.as_deref())
                .push_bind(s.phone.as_deref())
                .push_bind(s.email.as_deref())
                .push_bind(s.contact_preference.as_deref())
                .push_bind(s.needs.join("\n"))
                .push_bind(s.what_matters.as_deref())
                .push_bind(s.access_needs.as_deref())
                .push_bind(o.message.as_deref())
                .push_bind(o.status.code())
                .push_bind(o.decline_reason.map(PartnerDecline::code))
                .push_bind(o.answer_note.as_deref())
                .push_bind(o.sent_at)
                .push_bind(o.sent_by.0)
                .push_bind(o.sent_by_name.as_str())
                .push_bind(o.answered_at)
                .push_bind(o.started_at)
                .push_bind(o.completed_at)
                .push_bind(o.chased)
                .push_bind(o.version)
                .push_bind(o.updated_at);
        },
    )
    .await
    .map_err(backend)
}

async fn update_onward(
    conn: &mut Connection,
    o: &OnwardReferral,
    expected: i64,
) -> StorageResult<()> {
    let result = sqlx::query(
        "UPDATE onward_referrals SET status = $1, decline_reason = $2, answer_note = $3, answered_at = $4, \
         started_at = $5, completed_at = $6, chased = $7, version = $8, updated_at = $9 \
         WHERE id = $10 AND version = $11",
    )
    .bind(o.status.code())
    .bind(o.decline_reason.map(PartnerDecline::code))
    .bind(&o.answer_note)
    .bind(o.answered_at)
    .bind(o.started_at)
    .bind(o.completed_at)
    .bind(o.chased)
    .bind(o.version)
    .bind(o.updated_at)
    .bind(o.id.0)
    .bind(expected)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    if result.rows_affected() != 1 {
        return Err(StorageError::Conflict(
            "This referral to a service changed while you were working on it. Check its latest state and try again"
                .into(),
        ));
    }
    Ok(())
}

fn onward(row: &DbRow) -> StorageResult<OnwardReferral> {
    let fields: String = get(row, "shared_fields")?;
    let needs: String = get(row, "shared_needs")?;
    Ok(OnwardReferral {
        id: get::<Uuid>(row, "id")?.into(),
        referral_id: get::<Uuid>(row, "referral_id")?.into(),
        person_id: get::<Uuid>(row, "person_id")?.into(),
        pcn_id: get::<Uuid>(row, "pcn_id")?.into(),
        service_id: get(row, "service_id")?,
        service_name: get(row, "service_name")?,
        partner_org_id: get::<Option<Uuid>>(row, "partner_org_id")?.map(Into::into),
        service_email: get(row, "service_email")?,
        support: coded(row, "support", SupportLevel::from_code)?,
        shared: SharedDetails {
            fields: fields
                .split(',')
                .filter(|f| !f.is_empty())
                .map(|f| SharedField::from_code(f).ok_or_else(|| corrupt("shared field", f)))
                .collect::<StorageResult<_>>()?,
            name: get(row, "shared_name")?,
            phone: get(row, "shared_phone")?,
            email: get(row, "shared_email")?,
            contact_preference: get(row, "shared_contact_preference")?,
            needs: needs.lines().map(str::to_owned).collect(),
            what_matters: get(row, "shared_what_matters")?,
            access_needs: get(row, "shared_access_needs")?,
        },
        message: get(row, "message")?,
        status: coded(row, "status", OnwardStatus::from_code)?,
        decline_reason: get::<Option<String>>(row, "decline_reason")?
            .map(|r| PartnerDecline::from_code(&r).ok_or_else(|| corrupt("decline reason", &r)))
            .transpose()?,
        answer_note: get(row, "answer_note")?,
        sent_at: get(row, "sent_at")?,
        sent_by: get::<Uuid>(row, "sent_by")?.into(),
        sent_by_name: get(row, "sent_by_name")?,
        answered_at: get(row, "answered_at")?,
        started_at: get(row, "started_at")?,
        completed_at: get(row, "completed_at")?,
        chased: get(row, "chased")?,
        version: get(row, "version")?,
        updated_at: get(row, "updated_at")?,
    })
}

// Shortlists.

async fn insert_shortlists(conn: &mut Connection, lists: &[&Shortlist]) -> StorageResult<()> {
    insert_rows(
        conn,
        "shortlists",
        "id, referral_id, person_id, pcn_id, note, created_at, created_by, sent_via, sent_to",
        lists,
        "",
        |b, l| {
            b.push_bind(l.id.0)
                .push_bind(l.referral_id.0)
                .push_bind(l.person_id.0)
                .push_bind(l.pcn_id.0)
                .push_bind(l.note.as_deref())
                .push_bind(l.created_at)
                .push_bind(l.created_by.0)
                .push_bind(l.sent_via.map(Channel::code))
                .push_bind(l.sent_to.as_deref());
        },
    )
    .await
    .map_err(backend)?;
    let services: Vec<(Uuid, i32, Uuid)> = lists
        .iter()
        .flat_map(|l| {
            l.service_ids
                .iter()
                .enumerate()
                .map(|(i, s)| (l.id.0, i as i32, *s))
        })
        .collect();
    insert_rows(
        conn,
        "shortlist_services",
        "shortlist_id, position, service_id",
        &services,
        "",
        |b, (list, position, service)| {
            b.push_bind(*list).push_bind(*position).push_bind(*service);
        },
    )
    .await
    .map_err(backend)
}

const SHORTLIST_COLUMNS: &str =
    "id, referral_id, person_id, pcn_id, note, created_at, created_by, sent_via, sent_to";

/// Shortlists chosen by `filter` (over `shortlists`), with their services.
pub(super) async fn load_shortlists(
    conn: &mut Connection,
    filter: &str,
    bind: Uuid,
) -> StorageResult<Vec<Shortlist>> {
    let rows = sqlx::query(&format!(
        "SELECT {SHORTLIST_COLUMNS} FROM shortlists {filter}"
    ))
    .bind(bind)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    let mut lists = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: Uuid = get(row, "id")?;
        let service_ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT service_id FROM shortlist_services WHERE shortlist_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?;
        lists.push(Shortlist {
            id: id.into(),
            referral_id: get::<Uuid>(row, "referral_id")?.into(),
            person_id: get::<Uuid>(row, "person_id")?.into(),
            pcn_id: get::<Uuid>(row, "pcn_id")?.into(),
            service_ids,
            note: get(row, "note")?,
            created_at: get(row, "created_at")?,
            created_by: get::<Uuid>(row, "created_by")?.into(),
            sent_via: get::<Option<String>>(row, "sent_via")?
                .map(|c| Channel::from_code(&c).ok_or_else(|| corrupt("channel", &c)))
                .transpose()?,
            sent_to: get(row, "sent_to")?,
        });
    }
    Ok(lists)
}

/// A referral's onward referrals, newest first.
pub(super) async fn load_onward(
    conn: &mut Connection,
    referral: Uuid,
) -> StorageResult<Vec<OnwardReferral>> {
    sqlx::query(&format!(
        "SELECT {ONWARD_COLUMNS} FROM onward_referrals WHERE referral_id = $1 ORDER BY sent_at DESC, id"
    ))
    .bind(referral)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?
    .iter()
    .map(onward)
    .collect()
}

// Messages.

const MESSAGE_COLUMNS: &str = "id, channel, recipient, subject, body, purpose, org_id, status, attempts, \
     next_attempt_at, created_at, sent_at, last_error, person_id";

pub(super) async fn insert_messages(
    conn: &mut Connection,
    messages: &[&Message],
) -> StorageResult<()> {
    insert_rows(conn, "messages", MESSAGE_COLUMNS, messages, "", |b, m| {
        b.push_bind(m.id.0)
            .push_bind(m.channel.code())
            .push_bind(m.to.as_str())
            .push_bind(m.subject.as_deref())
            .push_bind(m.body.as_str())
            .push_bind(m.purpose.as_str())
            .push_bind(m.org_id.map(|o| o.0))
            .push_bind(m.status.code())
            .push_bind(m.attempts as i32)
            .push_bind(m.next_attempt_at)
            .push_bind(m.created_at)
            .push_bind(m.sent_at)
            .push_bind(m.last_error.as_deref())
            .push_bind(m.about.map(|p| p.0));
    })
    .await
    .map_err(backend)
}

fn message(row: &DbRow) -> StorageResult<Message> {
    Ok(Message {
        id: get::<Uuid>(row, "id")?.into(),
        channel: coded(row, "channel", Channel::from_code)?,
        to: get(row, "recipient")?,
        subject: get(row, "subject")?,
        body: get(row, "body")?,
        purpose: get(row, "purpose")?,
        org_id: get::<Option<Uuid>>(row, "org_id")?.map(Into::into),
        status: coded(row, "status", MessageStatus::from_code)?,
        attempts: get::<i32>(row, "attempts")? as u32,
        next_attempt_at: get(row, "next_attempt_at")?,
        created_at: get(row, "created_at")?,
        sent_at: get(row, "sent_at")?,
        last_error: get(row, "last_error")?,
        about: get::<Option<Uuid>>(row, "person_id")?.map(Into::into),
    })
}

/// Writes the linking part of `batch`: new and changed onward referrals
/// with their history and answer links, a link used up, answers seen,
/// shortlists, consents, messages and the intervention received.
pub(super) async fn write_linking(
    conn: &mut Connection,
    batch: &[&CaseworkChanges],
    check_versions: bool,
) -> StorageResult<()> {
    for c in batch {
        if let Some((hash, at)) = &c.use_link {
            let used = sqlx::query(
                "UPDATE answer_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
            )
            .bind(at)
            .bind(hash)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
            if used.rows_affected() != 1 {
                return Err(StorageError::Conflict(
                    "This link has already been used".into(),
                ));
            }
        }
        if check_versions {
            for (o, expected) in &c.onward {
                if let Some(expected) = expected {
                    update_onward(conn, o, *expected).await?;
                }
            }
        }
    }
    let new: Vec<&OnwardReferral> = batch
        .iter()
        .flat_map(|c| c.onward.iter().filter(|(_, v)| v.is_none()).map(|(o, _)| o))
        .collect();
    insert_onward(conn, &new).await?;
    let events: Vec<&OnwardEvent> = batch.iter().flat_map(|c| &c.onward_events).collect();
    insert_rows(
        conn,
        "onward_events",
        "id, onward_id, at, actor_user_id, actor_label, summary, note",
        &events,
        "",
        |b, e| {
            b.push_bind(e.id)
                .push_bind(e.onward_id.0)
                .push_bind(e.at)
                .push_bind(e.actor_user_id.map(|u| u.0))
                .push_bind(e.actor_label.as_str())
                .push_bind(e.summary.as_str())
                .push_bind(e.note.as_deref());
        },
    )
    .await
    .map_err(backend)?;
    let links: Vec<&AnswerLink> = batch.iter().flat_map(|c| &c.answer_links).collect();
    insert_rows(
        conn,
        "answer_links",
        "token_hash, onward_id, answer, expires_at, used_at",
        &links,
        "",
        |b, l| {
            b.push_bind(l.token_hash.as_str())
                .push_bind(l.onward_id.0)
                .push_bind(l.answer.as_str())
                .push_bind(l.expires_at)
                .push_bind(l.used_at);
        },
    )
    .await
    .map_err(backend)?;
    for c in batch {
        for (id, at) in &c.seen {
            sqlx::query(
                "UPDATE onward_referrals SET seen_at = $1 WHERE id = $2 AND seen_at IS NULL",
            )
            .bind(at)
            .bind(id.0)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
        }
        if let Some((referral, at)) = c.intervention {
            // The first time counts; later attendances leave it as it is.
            sqlx::query(
                "UPDATE referrals SET intervention_received_at = $1 WHERE id = $2 AND intervention_received_at IS NULL",
            )
            .bind(at)
            .bind(referral.0)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
        }
    }
    let lists: Vec<&Shortlist> = batch.iter().flat_map(|c| &c.shortlists).collect();
    insert_shortlists(conn, &lists).await?;
    let consents: Vec<_> = batch.iter().flat_map(|c| &c.consents).collect();
    insert_rows(
        conn,
        "consents",
        super::people::CONSENT_COLUMNS,
        &consents,
        "",
        |b, c| push_consent(b, c),
    )
    .await
    .map_err(backend)?;
    let messages: Vec<&Message> = batch.iter().flat_map(|c| &c.messages).collect();
    insert_messages(conn, &messages).await
}

#[async_trait]
impl LinkingStore for Store {
    async fn onward_referral(&self, id: OnwardReferralId) -> StorageResult<Option<OnwardReferral>> {
        sqlx::query(&format!(
            "SELECT {ONWARD_COLUMNS} FROM onward_referrals WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?
        .as_ref()
        .map(onward)
        .transpose()
    }

    async fn onward_history(&self, id: OnwardReferralId) -> StorageResult<Vec<OnwardEvent>> {
        let rows = sqlx::query(
            "SELECT id, onward_id, at, actor_user_id, actor_label, summary, note FROM onward_events \
             WHERE onward_id = $1 ORDER BY at, id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|row| {
                Ok(OnwardEvent {
                    id: get(row, "id")?,
                    onward_id: get::<Uuid>(row, "onward_id")?.into(),
                    at: get(row, "at")?,
                    actor_user_id: get::<Option<Uuid>>(row, "actor_user_id")?.map(Into::into),
                    actor_label: get(row, "actor_label")?,
                    summary: get(row, "summary")?,
                    note: get(row, "note")?,
                })
            })
            .collect()
    }

    async fn partner_inbox(
        &self,
        filter: &InboxFilter,
        page: PageRequest,
    ) -> StorageResult<Page<OnwardReferral>> {
        let empty = Page {
            items: Vec::new(),
            total: 0,
            page: page.page,
            per_page: page.per_page,
        };
        if filter.partners.is_empty() {
            return Ok(empty);
        }
        let partners: Vec<Uuid> = filter.partners.iter().map(|p| p.0).collect();
        let push = |q: &mut QueryBuilder<'_, Db>| {
            q.push(" WHERE ");
            push_in(q, "partner_org_id", &partners);
            // A partner's inbox is a work list too (decision 52).
            q.push(
                " AND NOT EXISTS (SELECT 1 FROM people p WHERE p.id = onward_referrals.person_id \
                 AND p.restricted_at IS NOT NULL)",
            );
            if !filter.statuses.is_empty() {
                let statuses: Vec<String> = filter
                    .statuses
                    .iter()
                    .map(|s| s.code().to_owned())
                    .collect();
                q.push(" AND ");
                push_in(q, "status", &statuses);
            }
        };
        let mut count = QueryBuilder::<Db>::new("SELECT count(*) FROM onward_referrals");
        push(&mut count);
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        let mut q =
            QueryBuilder::<Db>::new(format!("SELECT {ONWARD_COLUMNS} FROM onward_referrals"));
        push(&mut q);
        q.push(" ORDER BY sent_at DESC, id");
        push_page(&mut q, page);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        Ok(Page {
            items: rows.iter().map(onward).collect::<StorageResult<_>>()?,
            total: total as u64,
            ..empty
        })
    }

    async fn needs_attention(&self, filter: &AttentionFilter) -> StorageResult<Vec<OnwardItem>> {
        if filter.pcn_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = filter.pcn_ids.iter().map(|p| p.0).collect();
        let mut q = QueryBuilder::<Db>::new(format!(
            "SELECT {}, {PERSON_BRIEF_COLUMNS}, r.reference AS r_reference FROM onward_referrals o \
             JOIN people p ON p.id = o.person_id JOIN referrals r ON r.id = o.referral_id \
             WHERE r.status IN ('accepted', 'in_progress'){NOT_RESTRICTED} AND ",
            prefixed("o", ONWARD_COLUMNS)
        ));
        push_in(&mut q, "o.pcn_id", &ids);
        if let Some(worker) = filter.assigned_to {
            q.push(" AND r.assigned_to = ").push_bind(worker.0);
        }
        q.push(" AND ((o.status IN ('declined', 'did_not_attend') AND o.seen_at IS NULL) OR (o.status = 'sent' AND o.sent_at < ")
            .push_bind(filter.unanswered_before)
            .push(")) ORDER BY o.sent_at, o.id");
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter()
            .map(|row| {
                let raw: String = get(row, "r_reference")?;
                Ok(OnwardItem {
                    onward: onward(row)?,
                    person: person_brief(row)?,
                    reference: linkwork_domain::referral::ReferralReference::parse(&raw)
                        .ok_or_else(|| corrupt("referral reference", &raw))?,
                })
            })
            .collect()
    }

    async fn unchased(&self, before: Timestamp, limit: u32) -> StorageResult<Vec<OnwardReferral>> {
        // A restricted person's referral is not chased: no work is done
        // on a restricted record.
        sqlx::query(&format!(
            "SELECT {} FROM onward_referrals o JOIN people p ON p.id = o.person_id \
             WHERE o.status = 'sent' AND o.chased = $1 AND o.sent_at < $2{NOT_RESTRICTED} \
             ORDER BY o.sent_at LIMIT $3",
            prefixed("o", ONWARD_COLUMNS)
        ))
        .bind(false)
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?
        .iter()
        .map(onward)
        .collect()
    }

    async fn answer_link(&self, token_hash: &str) -> StorageResult<Option<AnswerLink>> {
        let row = sqlx::query(
            "SELECT token_hash, onward_id, answer, expires_at, used_at FROM answer_links WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.map(|row| {
            Ok(AnswerLink {
                token_hash: get(&row, "token_hash")?,
                onward_id: get::<Uuid>(&row, "onward_id")?.into(),
                answer: get(&row, "answer")?,
                expires_at: get(&row, "expires_at")?,
                used_at: get(&row, "used_at")?,
            })
        })
        .transpose()
    }

    async fn capacities(&self, service_ids: &[Uuid]) -> StorageResult<Vec<Capacity>> {
        if service_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut all = Vec::new();
        for chunk in service_ids.chunks(dialect::MAX_PARAMS) {
            let mut q = QueryBuilder::<Db>::new(
                "SELECT service_id, state, until, note, set_by, set_at FROM capacities WHERE ",
            );
            push_in(&mut q, "service_id", chunk);
            for row in q.build().fetch_all(&self.pool).await.map_err(backend)? {
                all.push(capacity(&row)?);
            }
        }
        Ok(all)
    }

    async fn current_capacities(&self, today: NaiveDate) -> StorageResult<Vec<Capacity>> {
        sqlx::query("SELECT service_id, state, until, note, set_by, set_at FROM capacities WHERE until >= $1")
            .bind(today)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?
            .iter()
            .map(capacity)
            .collect()
    }

    async fn set_capacity(
        &self,
        service_id: Uuid,
        capacity: Option<&Capacity>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM capacities WHERE service_id = $1")
            .bind(service_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        if let Some(c) = capacity {
            sqlx::query(
                "INSERT INTO capacities (service_id, state, until, note, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(c.service_id)
            .bind(c.state.code())
            .bind(c.until)
            .bind(&c.note)
            .bind(c.set_by.0)
            .bind(c.set_at)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn favourites(&self, user: UserId) -> StorageResult<Vec<Uuid>> {
        sqlx::query_scalar("SELECT service_id FROM favourites WHERE user_id = $1 ORDER BY added_at")
            .bind(user.0)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)
    }

    async fn set_favourite(
        &self,
        user: UserId,
        service_id: Uuid,
        favourite: bool,
        at: Timestamp,
    ) -> StorageResult<()> {
        let query = if favourite {
            sqlx::query(
                "INSERT INTO favourites (user_id, service_id, added_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, service_id) DO NOTHING",
            )
            .bind(user.0)
            .bind(service_id)
            .bind(at)
        } else {
            sqlx::query("DELETE FROM favourites WHERE user_id = $1 AND service_id = $2")
                .bind(user.0)
                .bind(service_id)
        };
        query.execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn shortlist(&self, id: ShortlistId) -> StorageResult<Option<Shortlist>> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        Ok(load_shortlists(&mut conn, "WHERE id = $1", id.0)
            .await?
            .pop())
    }
}

fn capacity(row: &DbRow) -> StorageResult<Capacity> {
    Ok(Capacity {
        service_id: get(row, "service_id")?,
        state: coded(row, "state", CapacityState::from_code)?,
        until: get(row, "until")?,
        note: get(row, "note")?,
        set_by: get::<Uuid>(row, "set_by")?.into(),
        set_at: get(row, "set_at")?,
    })
}

#[async_trait]
impl MessageStore for Store {
    async fn claim_messages(
        &self,
        now: Timestamp,
        claim_until: Timestamp,
        limit: u32,
    ) -> StorageResult<Vec<Message>> {
        // Claimed in one statement: whichever instance locks a row first
        // has it until `claim_until`; the others skip it. The due rows are
        // picked once, in a materialised CTE: PostgreSQL may re-run an
        // `IN (SELECT … LIMIT …)` and so claim more than the limit. The
        // update checks again that each row is still free. Messages to or
        // about a person whose record is restricted wait until it is lifted
        // (DEVELOPERS.md decision 52).
        let rows = sqlx::query(&format!(
            "WITH due AS MATERIALIZED (SELECT id FROM messages \
             WHERE status = 'queued' AND next_attempt_at <= $2 AND (claimed_until IS NULL OR claimed_until < $2) \
             AND NOT EXISTS (SELECT 1 FROM people p WHERE p.id = messages.person_id AND p.restricted_at IS NOT NULL) \
             ORDER BY next_attempt_at LIMIT $3{}) \
             UPDATE messages SET claimed_until = $1 FROM due WHERE messages.id = due.id \
             AND messages.status = 'queued' AND (messages.claimed_until IS NULL OR messages.claimed_until < $2) \
             RETURNING {}",
            dialect::SKIP_LOCKED,
            prefixed("messages", MESSAGE_COLUMNS)
        ))
        .bind(claim_until)
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(message).collect()
    }

    async fn finish_message(&self, m: &Message) -> StorageResult<()> {
        sqlx::query(
            "UPDATE messages SET status = $1, attempts = $2, next_attempt_at = $3, sent_at = $4, last_error = $5, \
             claimed_until = NULL WHERE id = $6",
        )
        .bind(m.status.code())
        .bind(m.attempts as i32)
        .bind(m.next_attempt_at)
        .bind(m.sent_at)
        .bind(&m.last_error)
        .bind(m.id.0)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn messages(
        &self,
        within: Option<OrgId>,
        page: PageRequest,
    ) -> StorageResult<Page<Message>> {
        let push = |q: &mut QueryBuilder<'_, Db>| {
            if let Some(root) = within {
                q.push(" WHERE ");
                push_within(q, "org_id", root);
            }
        };
        let mut count = QueryBuilder::<Db>::new("SELECT count(*) FROM messages");
        push(&mut count);
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {MESSAGE_COLUMNS} FROM messages"));
        push(&mut q);
        q.push(" ORDER BY created_at DESC, id");
        push_page(&mut q, page);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        Ok(Page {
            items: rows.iter().map(message).collect::<StorageResult<_>>()?,
            total: total as u64,
            page: page.page,
            per_page: page.per_page,
        })
    }

    async fn message(&self, id: MessageId) -> StorageResult<Option<Message>> {
        sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?
        .as_ref()
        .map(message)
        .transpose()
    }
}
