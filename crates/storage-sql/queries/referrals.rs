use async_trait::async_trait;
use linkwork_domain::ReferralId;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::consent::Consent;
use linkwork_domain::person::Person;
use linkwork_domain::referral::{
    DeclineReason, EventKind, Outcome, Referral, ReferralEvent, ReferralReference, ReferralRoute,
    ReferralStatus, Referrer, Urgency,
};
use linkwork_domain::user::Email;
use linkwork_storage::{
    NewReferral, Page, PageRequest, PersonBrief, ReferralFilter, ReferralListItem, ReferralOrder,
    ReferralPerson, ReferralStore, StorageError, StorageResult,
};
use sqlx::query_builder::Separated;
use sqlx::{Database, QueryBuilder, Row};
use uuid::Uuid;

use super::audit::insert as insert_audit;
use super::people::{
    CONSENT_COLUMNS, NHS_NUMBER_TAKEN, PERSON_COLUMNS, nhs_number, push_consent, push_person,
};
use super::{Connection, DbRow, backend, conflict_or_backend, corrupt, insert_rows, push_page};
use crate::dialect::{Db, STRPOS, Store};

/// Referrals written per round of multi-row inserts in a bulk load.
const BULK_BATCH: usize = 500;

/// The columns of `referrals` that `push_referral` binds, in its order.
const REFERRAL_COLUMNS: &str = "id, reference, person_id, pcn_id, route, status, urgency, details, \
     code, referrer_org_id, referrer_user_id, referrer_api_token_id, referrer_name, referrer_role, referrer_phone, \
     referrer_email, idempotency_key, received_at, accepted_at, first_contact_at, closed_at, assigned_to, \
     failed_contact_attempts, next_action_due, next_action_note, outcome_decline_reason, outcome_redirected_to, \
     outcome_note, outcome_code, intervention_received_at, version, updated_at, identity_check, submission_digest, reasons_as_written, needs_coding, authored_on, sender_identifier, gp_practice_code_given";

fn push_referral(b: &mut Separated<'_, '_, Db, &'static str>, r: &Referral) {
    let outcome = r.outcome.clone().unwrap_or_default();
    b.push_bind(r.id.0)
        .push_bind(r.reference.as_str().to_owned())
        .push_bind(r.person_id.0)
        .push_bind(r.pcn_id.0)
        .push_bind(r.route.code())
        .push_bind(r.status.code())
        .push_bind(r.urgency.code())
        .push_bind(r.details.clone())
        .push_bind(r.code.clone())
        .push_bind(r.referrer.org_id.map(|id| id.0))
        .push_bind(r.referrer.user_id.map(|id| id.0))
        .push_bind(r.referrer.api_token_id.map(|id| id.0))
        .push_bind(r.referrer.name.clone())
        .push_bind(r.referrer.role.clone())
        .push_bind(r.referrer.phone.clone())
        .push_bind(r.referrer.email.as_ref().map(|e| e.as_str().to_owned()))
        .push_bind(r.idempotency_key.clone())
        .push_bind(r.received_at)
        .push_bind(r.accepted_at)
        .push_bind(r.first_contact_at)
        .push_bind(r.closed_at)
        .push_bind(r.assigned_to.map(|id| id.0))
        .push_bind(r.failed_contact_attempts as i32)
        .push_bind(r.next_action_due)
        .push_bind(r.next_action_note.clone())
        .push_bind(outcome.decline_reason.map(DeclineReason::code))
        .push_bind(outcome.redirected_to)
        .push_bind(outcome.note)
        .push_bind(outcome.code)
        .push_bind(r.intervention_received_at)
        .push_bind(r.version)
        .push_bind(r.updated_at)
        .push_bind(r.identity_check.clone())
        .push_bind(r.submission_digest.clone())
        .push_bind(r.reasons_as_written.clone())
        .push_bind(r.needs_coding)
        .push_bind(r.authored_on.clone())
        .push_bind(r.sender_identifier.clone())
        .push_bind(r.gp_practice_code_given.clone());
}

/// The columns of `referral_events` that `push_event` binds, in its order.
const EVENT_COLUMNS: &str = "id, referral_id, at, actor_user_id, actor_label, kind, from_status, to_status, summary, reason";

fn push_event(b: &mut Separated<'_, '_, Db, &'static str>, e: &ReferralEvent) {
    b.push_bind(e.id.0)
        .push_bind(e.referral_id.0)
        .push_bind(e.at)
        .push_bind(e.actor_user_id.map(|id| id.0))
        .push_bind(e.actor_label.clone())
        .push_bind(e.kind.code())
        .push_bind(e.from_status.map(ReferralStatus::code))
        .push_bind(e.to_status.map(ReferralStatus::code))
        .push_bind(e.summary.clone())
        .push_bind(e.reason.clone());
}

/// The referral's columns and its needs in order, over `referrals r`.
const REFERRAL_SELECT: &str = "r.id, r.reference, r.person_id, r.pcn_id, r.route, r.status, r.urgency, r.details, r.code, \
     r.referrer_org_id, r.referrer_user_id, r.referrer_api_token_id, r.referrer_name, r.referrer_role, \
     r.referrer_phone, r.referrer_email, r.idempotency_key, r.received_at, r.accepted_at, r.first_contact_at, \
     r.closed_at, r.assigned_to, r.failed_contact_attempts, r.next_action_due, r.next_action_note, \
     r.outcome_decline_reason, r.outcome_redirected_to, r.outcome_note, r.outcome_code, \
     r.intervention_received_at, r.version, r.updated_at, r.identity_check, r.submission_digest, r.reasons_as_written, r.needs_coding, \
     r.authored_on, r.sender_identifier, r.gp_practice_code_given, \
     (SELECT string_agg(n.need_code, ',' ORDER BY n.position) FROM referral_needs n WHERE n.referral_id = r.id) AS needs";

/// Writes referrals with everything they bring. A unique clash is a
/// `Conflict` naming what clashed.
async fn insert_referrals(conn: &mut Connection, new: &[&NewReferral]) -> StorageResult<()> {
    let people: Vec<&Person> = new
        .iter()
        .filter_map(|n| match &n.person {
            ReferralPerson::New(p) => Some(p.as_ref()),
            ReferralPerson::Existing(_) => None,
        })
        .collect();
    insert_rows(conn, "people", PERSON_COLUMNS, &people, "", |b, p| {
        push_person(b, p)
    })
    .await
    .map_err(|e| conflict_or_backend(e, NHS_NUMBER_TAKEN))?;
    let referrals: Vec<&Referral> = new.iter().map(|n| &n.referral).collect();
    insert_rows(
        conn,
        "referrals",
        REFERRAL_COLUMNS,
        &referrals,
        "",
        |b, r| push_referral(b, r),
    )
    .await
    .map_err(|e| {
        conflict_or_backend(
            e,
            "A referral with that reference or submission key already exists",
        )
    })?;
    let needs: Vec<(&Referral, usize, &String)> = new
        .iter()
        .flat_map(|n| {
            let r = &n.referral;
            r.needs
                .iter()
                .enumerate()
                .map(move |(i, code)| (r, i, code))
        })
        .collect();
    insert_needs(conn, &needs).await?;
    let consents: Vec<&Consent> = new.iter().flat_map(|n| &n.consents).collect();
    insert_rows(conn, "consents", CONSENT_COLUMNS, &consents, "", |b, c| {
        push_consent(b, c)
    })
    .await
    .map_err(backend)?;
    let events: Vec<&ReferralEvent> = new.iter().flat_map(|n| &n.events).collect();
    insert_rows(
        conn,
        "referral_events",
        EVENT_COLUMNS,
        &events,
        "",
        |b, e| push_event(b, e),
    )
    .await
    .map_err(backend)
}

/// Writes referrals' needs: (referral, position, need code).
async fn insert_needs(
    conn: &mut Connection,
    needs: &[(&Referral, usize, &String)],
) -> StorageResult<()> {
    insert_rows(
        conn,
        "referral_needs",
        "referral_id, need_code, position",
        needs,
        "",
        |b, (r, position, code)| {
            b.push_bind(r.id.0)
                .push_bind(code.as_str())
                .push_bind(*position as i32);
        },
    )
    .await
    .map_err(backend)
}

/// Saves a referral's new state if it is still at `expected_version`, with
/// the history entry for the change; otherwise `Conflict`.
pub(super) async fn write_referral_update(
    conn: &mut Connection,
    r: &Referral,
    expected_version: i64,
    event: &ReferralEvent,
) -> StorageResult<()> {
    let outcome = r.outcome.clone().unwrap_or_default();
    let result = sqlx::query(
        "UPDATE referrals SET status = $1, accepted_at = $2, first_contact_at = $3, closed_at = $4, assigned_to = $5, \
         failed_contact_attempts = $6, next_action_due = $7, next_action_note = $8, outcome_decline_reason = $9, \
         outcome_redirected_to = $10, outcome_note = $11, outcome_code = $12, version = $13, updated_at = $14, \
         needs_coding = $17 WHERE id = $15 AND version = $16",
    )
    .bind(r.status.code())
    .bind(r.accepted_at)
    .bind(r.first_contact_at)
    .bind(r.closed_at)
    .bind(r.assigned_to.map(|id| id.0))
    .bind(r.failed_contact_attempts as i32)
    .bind(r.next_action_due)
    .bind(&r.next_action_note)
    .bind(outcome.decline_reason.map(DeclineReason::code))
    .bind(outcome.redirected_to)
    .bind(outcome.note)
    .bind(outcome.code)
    .bind(r.version)
    .bind(r.updated_at)
    .bind(r.id.0)
    .bind(expected_version)
    .bind(r.needs_coding)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    if result.rows_affected() != 1 {
        return Err(StorageError::Conflict(
            "Someone else changed this referral while you were working on it. Check its latest state and try again"
                .into(),
        ));
    }
    // Only coding the needs changes them; every other change would rewrite
    // the same rows.
    if event.kind == EventKind::NeedsCoded {
        sqlx::query("DELETE FROM referral_needs WHERE referral_id = $1")
            .bind(r.id.0)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
        let needs: Vec<(&Referral, usize, &String)> = r
            .needs
            .iter()
            .enumerate()
            .map(|(i, code)| (r, i, code))
            .collect();
        insert_needs(conn, &needs).await?;
    }
    insert_rows(
        conn,
        "referral_events",
        EVENT_COLUMNS,
        &[event],
        "",
        |b, e| push_event(b, e),
    )
    .await
    .map_err(backend)
}

fn status(raw: &str) -> StorageResult<ReferralStatus> {
    ReferralStatus::from_code(raw).ok_or_else(|| corrupt("referral status", raw))
}

fn referral(row: &DbRow) -> StorageResult<Referral> {
    let get_s = |name: &str| row.try_get::<Option<String>, _>(name).map_err(backend);
    let get_id = |name: &str| row.try_get::<Option<Uuid>, _>(name).map_err(backend);
    let route: String = row.try_get("route").map_err(backend)?;
    let urgency: String = row.try_get("urgency").map_err(backend)?;
    let reference: String = row.try_get("reference").map_err(backend)?;
    let decline_reason = get_s("outcome_decline_reason")?
        .map(|c| DeclineReason::from_code(&c).ok_or_else(|| corrupt("decline reason", &c)))
        .transpose()?;
    let outcome = Outcome {
        decline_reason,
        redirected_to: get_s("outcome_redirected_to")?,
        note: get_s("outcome_note")?,
        code: get_s("outcome_code")?,
    };
    Ok(Referral {
        id: row.try_get::<Uuid, _>("id").map_err(backend)?.into(),
        reference: ReferralReference::parse(&reference)
            .ok_or_else(|| corrupt("referral reference", &reference))?,
        person_id: row.try_get::<Uuid, _>("person_id").map_err(backend)?.into(),
        pcn_id: row.try_get::<Uuid, _>("pcn_id").map_err(backend)?.into(),
        route: ReferralRoute::from_code(&route).ok_or_else(|| corrupt("referral route", &route))?,
        status: status(&row.try_get::<String, _>("status").map_err(backend)?)?,
        urgency: Urgency::from_code(&urgency).ok_or_else(|| corrupt("urgency", &urgency))?,
        needs: get_s("needs")?
            .map(|n| n.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        details: get_s("details")?,
        referrer: Referrer {
            org_id: get_id("referrer_org_id")?.map(Into::into),
            user_id: get_id("referrer_user_id")?.map(Into::into),
            api_token_id: get_id("referrer_api_token_id")?.map(Into::into),
            name: row.try_get("referrer_name").map_err(backend)?,
            role: get_s("referrer_role")?,
            phone: get_s("referrer_phone")?,
            email: get_s("referrer_email")?
                .map(|e| Email::parse(&e).map_err(|_| corrupt("email", &e)))
                .transpose()?,
        },
        code: row.try_get("code").map_err(backend)?,
        idempotency_key: get_s("idempotency_key")?,
        submission_digest: get_s("submission_digest")?,
        reasons_as_written: get_s("reasons_as_written")?,
        needs_coding: row.try_get("needs_coding").map_err(backend)?,
        authored_on: get_s("authored_on")?,
        sender_identifier: get_s("sender_identifier")?,
        gp_practice_code_given: get_s("gp_practice_code_given")?,
        received_at: row.try_get("received_at").map_err(backend)?,
        accepted_at: row.try_get("accepted_at").map_err(backend)?,
        first_contact_at: row.try_get("first_contact_at").map_err(backend)?,
        closed_at: row.try_get("closed_at").map_err(backend)?,
        assigned_to: get_id("assigned_to")?.map(Into::into),
        failed_contact_attempts: row
            .try_get::<i32, _>("failed_contact_attempts")
            .map_err(backend)? as u32,
        next_action_due: row.try_get("next_action_due").map_err(backend)?,
        next_action_note: get_s("next_action_note")?,
        outcome: (outcome != Outcome::default()).then_some(outcome),
        identity_check: get_s("identity_check")?,
        intervention_received_at: row.try_get("intervention_received_at").map_err(backend)?,
        version: row.try_get("version").map_err(backend)?,
        updated_at: row.try_get("updated_at").map_err(backend)?,
    })
}

/// The columns `person_brief` reads, for a query joining `people p`.
pub(super) const PERSON_BRIEF_COLUMNS: &str = "p.id AS p_id, p.given_name AS p_given_name, p.family_name AS p_family_name, \
     p.preferred_name AS p_preferred_name, p.date_of_birth AS p_date_of_birth, \
     p.nhs_number AS p_nhs_number, p.safeguarding_concern AS p_safeguarding_concern";

pub(super) fn person_brief(row: &DbRow) -> StorageResult<PersonBrief> {
    Ok(PersonBrief {
        id: row.try_get::<Uuid, _>("p_id").map_err(backend)?.into(),
        given_name: row.try_get("p_given_name").map_err(backend)?,
        family_name: row.try_get("p_family_name").map_err(backend)?,
        preferred_name: row.try_get("p_preferred_name").map_err(backend)?,
        date_of_birth: row.try_get("p_date_of_birth").map_err(backend)?,
        nhs_number: nhs_number(row.try_get("p_nhs_number").map_err(backend)?)?,
        safeguarding_concern: row.try_get("p_safeguarding_concern").map_err(backend)?,
    })
}

fn event(row: &DbRow) -> StorageResult<ReferralEvent> {
    let kind: String = row.try_get("kind").map_err(backend)?;
    let get_status = |name: &str| {
        row.try_get::<Option<String>, _>(name)
            .map_err(backend)?
            .map(|s| status(&s))
            .transpose()
    };
    Ok(ReferralEvent {
        id: row.try_get::<Uuid, _>("id").map_err(backend)?.into(),
        referral_id: row
            .try_get::<Uuid, _>("referral_id")
            .map_err(backend)?
            .into(),
        at: row.try_get("at").map_err(backend)?,
        actor_user_id: row
            .try_get::<Option<Uuid>, _>("actor_user_id")
            .map_err(backend)?
            .map(Into::into),
        actor_label: row.try_get("actor_label").map_err(backend)?,
        kind: EventKind::from_code(&kind).ok_or_else(|| corrupt("event kind", &kind))?,
        from_status: get_status("from_status")?,
        to_status: get_status("to_status")?,
        summary: row.try_get("summary").map_err(backend)?,
        reason: row.try_get("reason").map_err(backend)?,
    })
}

fn push_filter(qb: &mut QueryBuilder<'_, Db>, f: &ReferralFilter) {
    qb.push(" WHERE 1 = 1");
    if let Some(pcn) = f.pcn_id {
        qb.push(" AND r.pcn_id = ").push_bind(pcn.0);
    }
    if !f.statuses.is_empty() {
        qb.push(" AND r.status IN (");
        let mut list = qb.separated(", ");
        for s in &f.statuses {
            list.push_bind(s.code());
        }
        qb.push(")");
    }
    match f.assigned_to {
        Some(Some(user)) => {
            qb.push(" AND r.assigned_to = ").push_bind(user.0);
        }
        Some(None) => {
            qb.push(" AND r.assigned_to IS NULL");
        }
        None => {}
    }
    if let Some(root) = f.referrer_within {
        qb.push(" AND ");
        super::audit::push_within(qb, "r.referrer_org_id", root);
    }
    if let Some(person) = f.person_id {
        qb.push(" AND r.person_id = ").push_bind(person.0);
    }
    if !f.person_terms.is_empty() {
        qb.push(" AND EXISTS (SELECT 1 FROM people ps WHERE ps.id = r.person_id");
        for term in &f.person_terms {
            qb.push(format_args!(" AND {STRPOS}(ps.search_text, "))
                .push_bind(term.clone())
                .push(") > 0");
        }
        qb.push(")");
    }
    if f.needs_coding {
        qb.push(" AND r.needs_coding = ").push_bind(true);
    }
    if !f.include_restricted {
        qb.push(
            " AND NOT EXISTS (SELECT 1 FROM people pr WHERE pr.id = r.person_id AND pr.restricted_at IS NOT NULL)",
        );
    }
    if let Some(before) = f.received_before {
        qb.push(" AND r.received_at < ").push_bind(before);
    }
}

fn by(column: &str) -> String {
    format!("SELECT {REFERRAL_SELECT} FROM referrals r WHERE {column} = $1")
}

async fn one_referral<'q>(
    store: &Store,
    query: sqlx::query::Query<'q, Db, <Db as Database>::Arguments<'q>>,
) -> StorageResult<Option<Referral>> {
    let row = query.fetch_optional(&store.pool).await.map_err(backend)?;
    row.as_ref().map(referral).transpose()
}

#[async_trait]
impl ReferralStore for Store {
    async fn create_referral(&self, new: &NewReferral, audit: &NewAuditEvent) -> StorageResult<()> {
        let mut tx = self.write().await?;
        insert_referrals(&mut tx, &[new]).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn referral(&self, id: ReferralId) -> StorageResult<Option<Referral>> {
        one_referral(self, sqlx::query(&by("r.id")).bind(id.0)).await
    }

    async fn referral_by_reference(
        &self,
        reference: &ReferralReference,
    ) -> StorageResult<Option<Referral>> {
        one_referral(
            self,
            sqlx::query(&by("r.reference")).bind(reference.as_str()),
        )
        .await
    }

    async fn referral_by_idempotency_key(&self, key: &str) -> StorageResult<Option<Referral>> {
        one_referral(self, sqlx::query(&by("r.idempotency_key")).bind(key)).await
    }

    async fn list_referrals(
        &self,
        filter: &ReferralFilter,
        order: ReferralOrder,
        page: PageRequest,
    ) -> StorageResult<Page<ReferralListItem>> {
        let mut count = QueryBuilder::<Db>::new("SELECT count(*) FROM referrals r");
        push_filter(&mut count, filter);
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        let mut query = QueryBuilder::<Db>::new(format!(
            "SELECT {REFERRAL_SELECT}, {PERSON_BRIEF_COLUMNS} FROM referrals r JOIN people p ON p.id = r.person_id"
        ));
        push_filter(&mut query, filter);
        query.push(match order {
            ReferralOrder::OldestFirst => " ORDER BY r.received_at, r.id",
            ReferralOrder::NewestFirst => " ORDER BY r.received_at DESC, r.id",
            ReferralOrder::NextActionDue => {
                " ORDER BY r.next_action_due IS NULL, r.next_action_due, r.received_at, r.id"
            }
        });
        push_page(&mut query, page);
        let rows = query.build().fetch_all(&self.pool).await.map_err(backend)?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(ReferralListItem {
                    referral: referral(row)?,
                    person: person_brief(row)?,
                })
            })
            .collect::<StorageResult<_>>()?;
        Ok(Page {
            items,
            total: total as u64,
            page: page.page,
            per_page: page.per_page,
        })
    }

    async fn referral_history(&self, id: ReferralId) -> StorageResult<Vec<ReferralEvent>> {
        let rows = sqlx::query(
            "SELECT id, referral_id, at, actor_user_id, actor_label, kind, from_status, to_status, summary, reason \
             FROM referral_events WHERE referral_id = $1 ORDER BY at, id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(event).collect()
    }

    async fn update_referral(
        &self,
        r: &Referral,
        expected_version: i64,
        event: &ReferralEvent,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        write_referral_update(&mut tx, r, expected_version, event).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn bulk_insert_referrals(
        &self,
        rows: &mut (dyn Iterator<Item = NewReferral> + Send),
        audit: &NewAuditEvent,
    ) -> StorageResult<u64> {
        let mut tx = self.write().await?;
        let mut written = 0u64;
        loop {
            let batch: Vec<NewReferral> = rows.take(BULK_BATCH).collect();
            if batch.is_empty() {
                break;
            }
            insert_referrals(&mut tx, &batch.iter().collect::<Vec<_>>()).await?;
            written += batch.len() as u64;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)?;
        Ok(written)
    }
}
