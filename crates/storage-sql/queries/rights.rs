//! The person's rights: restricting a record and lifting the restriction,
//! erasing it by anonymisation, and merging duplicates reversibly.

use async_trait::async_trait;
use linkwork_domain::PersonId;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::person_rights::{
    ERASED_AUDIT_DETAIL, ERASED_FAMILY_NAME, ERASED_GIVEN_NAME, ERASED_TEXT, Restriction,
};
use std::collections::BTreeMap;

use linkwork_domain::Timestamp;
use linkwork_storage::{Erasure, PersonMerge, RightsStore, StorageError, StorageResult};
use uuid::Uuid;

use super::audit::insert as insert_audit;
use sqlx::QueryBuilder;

use super::{Connection, DbRow, backend, corrupt, get, push_in};
use crate::dialect::{Db, STRPOS, Store};

/// `column = ERASED_TEXT` where it holds anything (`$2` is the text).
fn blank(column: &str) -> String {
    format!("{column} = CASE WHEN {column} IS NULL THEN NULL ELSE $2 END")
}

/// The person's referrals (`$1` is the person).
const THEIR_REFERRALS: &str = "SELECT id FROM referrals WHERE person_id = $1";

/// Every statement that replaces free text about the person (`$1`) with
/// `ERASED_TEXT` (`$2`), or removes what nothing needs. Names, contact
/// details and addresses typed into other records go with the text they
/// were typed in.
fn erasing_statements() -> Vec<String> {
    vec![
        format!(
            "UPDATE referrals SET {}, {}, {}, {}, identity_check = NULL, submission_digest = NULL, \
             sender_identifier = NULL, idempotency_key = NULL WHERE person_id = $1",
            blank("details"),
            blank("next_action_note"),
            blank("outcome_note"),
            blank("reasons_as_written"),
        ),
        // Someone who referred themselves is their own referrer.
        "UPDATE referrals SET referrer_name = $2, referrer_role = NULL, referrer_phone = NULL, \
         referrer_email = NULL WHERE person_id = $1 AND route = 'self'"
            .to_owned(),
        // A self-referral's history names its sender, the person, as the
        // actor (staff are named by their account instead).
        format!(
            "UPDATE referral_events SET summary = $2, {}, actor_label = CASE WHEN actor_user_id IS NULL \
             AND referral_id IN ({THEIR_REFERRALS} AND route = 'self') THEN $2 ELSE actor_label END \
             WHERE referral_id IN ({THEIR_REFERRALS})",
            blank("reason")
        ),
        // Consents recorded from a public form name the person who sent it.
        "UPDATE consents SET recorded_by = $2 WHERE person_id = $1 AND recorded_by_user_id IS NULL"
            .to_owned(),
        format!(
            "UPDATE contacts SET location = NULL, {} WHERE person_id = $1",
            blank("notes")
        ),
        format!(
            "UPDATE what_matters SET in_their_words = $2, {}, {}, {}, {} WHERE person_id = $1",
            blank("strengths"),
            blank("interests"),
            blank("barrier_notes"),
            blank("communication_needs"),
        ),
        "UPDATE plan_goals SET in_their_words = $2 \
         WHERE referral_id IN (SELECT referral_id FROM plans WHERE person_id = $1)"
            .to_owned(),
        format!(
            "UPDATE plan_steps SET what = $2, {} WHERE goal_id IN (SELECT g.id FROM plan_goals g \
             JOIN plans p ON p.referral_id = g.referral_id WHERE p.person_id = $1)",
            blank("who")
        ),
        format!(
            "UPDATE case_notes SET text = $2, {}, {} WHERE person_id = $1",
            blank("concern_action"),
            blank("concern_resolution"),
        ),
        "UPDATE tasks SET title = $2 WHERE person_id = $1".to_owned(),
        format!("UPDATE discharges SET summary = $2 WHERE referral_id IN ({THEIR_REFERRALS})"),
        format!(
            "UPDATE onward_referrals SET shared_name = NULL, shared_phone = NULL, shared_email = NULL, \
             {}, {}, {}, {} WHERE person_id = $1",
            blank("shared_what_matters"),
            blank("shared_access_needs"),
            blank("message"),
            blank("answer_note"),
        ),
        format!(
            "UPDATE onward_events SET {} \
             WHERE onward_id IN (SELECT id FROM onward_referrals WHERE person_id = $1)",
            blank("note")
        ),
        format!(
            "UPDATE shortlists SET {}, sent_to = NULL WHERE person_id = $1",
            blank("note")
        ),
        format!(
            "UPDATE messages SET recipient = $2, {}, body = $2, purpose = $2 WHERE person_id = $1",
            blank("subject")
        ),
    ]
}

/// Blanks the detail of every audit entry about the person, their
/// referrals or messages to them, and of any entry whose detail holds
/// one of `identifying` (a search for their name, a list that showed it).
async fn blank_audit_details(
    conn: &mut Connection,
    person: Uuid,
    identifying: &[String],
) -> StorageResult<()> {
    let mut about: Vec<(&str, Vec<String>)> = vec![("person", vec![person.to_string()])];
    for (kind, query) in [
        ("referral", "SELECT id FROM referrals WHERE person_id = $1"),
        ("message", "SELECT id FROM messages WHERE person_id = $1"),
    ] {
        let ids: Vec<Uuid> = sqlx::query_scalar(query)
            .bind(person)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend)?;
        about.push((kind, ids.iter().map(Uuid::to_string).collect()));
    }
    let mut qb = QueryBuilder::<Db>::new("UPDATE audit_events SET detail = ");
    qb.push_bind(ERASED_AUDIT_DETAIL)
        .push(" WHERE detail <> ")
        .push_bind(ERASED_AUDIT_DETAIL)
        .push(" AND (1 = 0");
    for (kind, ids) in about.into_iter().filter(|(_, ids)| !ids.is_empty()) {
        qb.push(" OR (entity_type = ").push_bind(kind).push(" AND ");
        push_in(&mut qb, "entity_id", &ids);
        qb.push(")");
    }
    for text in identifying.iter().filter(|t| !t.trim().is_empty()) {
        qb.push(format_args!(" OR {STRPOS}(lower(detail), "))
            .push_bind(text.to_lowercase())
            .push(") > 0");
    }
    qb.push(")");
    qb.build().execute(&mut *conn).await.map_err(backend)?;
    Ok(())
}

#[async_trait]
impl RightsStore for Store {
    async fn set_restriction(
        &self,
        id: PersonId,
        restriction: Option<&Restriction>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        let changed = sqlx::query(
            "UPDATE people SET restricted_at = $1, restricted_reason = $2, restricted_by = $3 WHERE id = $4",
        )
        .bind(restriction.map(|r| r.at))
        .bind(restriction.map(|r| r.reason.as_str()))
        .bind(restriction.map(|r| r.by.as_str()))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if changed.rows_affected() == 0 {
            return Err(StorageError::NotFound("person"));
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn erase_person(&self, erasure: &Erasure, audit: &NewAuditEvent) -> StorageResult<()> {
        self.erase(erasure, audit).await
    }

    async fn merge_people(
        &self,
        m: &PersonMerge,
        audit: &NewAuditEvent,
    ) -> StorageResult<PersonMerge> {
        let mut tx = self.write().await?;
        for id in [m.kept_id, m.merged_id] {
            let row: Option<(Uuid, Option<Uuid>, Option<Timestamp>)> = sqlx::query_as(&format!(
                "SELECT pcn_id, merged_into, erased_at FROM people WHERE id = $1{}",
                crate::dialect::FOR_UPDATE
            ))
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
            match row {
                None => return Err(StorageError::NotFound("person")),
                Some((pcn, merged, erased)) => {
                    if pcn != m.pcn_id.0 {
                        return Err(StorageError::Conflict(
                            "Only records of one network can be merged".into(),
                        ));
                    }
                    if merged.is_some() || erased.is_some() {
                        return Err(StorageError::Conflict(
                            "That record has already been merged or erased".into(),
                        ));
                    }
                }
            }
        }
        let mut moved: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (table, key, uuid_key) in MOVABLE {
            let keys: Vec<String> = if *uuid_key {
                sqlx::query_scalar::<_, Uuid>(&format!(
                    "SELECT {key} FROM {table} WHERE person_id = $1"
                ))
                .bind(m.merged_id.0)
                .fetch_all(&mut *tx)
                .await
                .map_err(backend)?
                .iter()
                .map(Uuid::to_string)
                .collect()
            } else {
                sqlx::query_scalar(&format!("SELECT {key} FROM {table} WHERE person_id = $1"))
                    .bind(m.merged_id.0)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(backend)?
            };
            if keys.is_empty() {
                continue;
            }
            sqlx::query(&format!(
                "UPDATE {table} SET person_id = $1 WHERE person_id = $2"
            ))
            .bind(m.kept_id.0)
            .bind(m.merged_id.0)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            moved.insert((*table).to_owned(), keys);
        }
        sqlx::query("UPDATE people SET merged_into = $1 WHERE id = $2")
            .bind(m.kept_id.0)
            .bind(m.merged_id.0)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let json = serde_json::to_string(&moved).expect("keys always serialise");
        sqlx::query(
            "INSERT INTO person_merges (id, pcn_id, kept_id, merged_id, moved, merged_at, merged_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(m.id)
        .bind(m.pcn_id.0)
        .bind(m.kept_id.0)
        .bind(m.merged_id.0)
        .bind(&json)
        .bind(m.merged_at)
        .bind(&m.merged_by)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)?;
        Ok(PersonMerge {
            moved: moved.values().map(|k| k.len() as u64).sum(),
            undone_at: None,
            undone_by: None,
            ..m.clone()
        })
    }

    async fn undo_merge(
        &self,
        id: Uuid,
        at: Timestamp,
        by: &str,
        audit: &NewAuditEvent,
    ) -> StorageResult<PersonMerge> {
        let mut tx = self.write().await?;
        let row = sqlx::query(&format!(
            "{MERGE_SELECT} WHERE id = $1{}",
            crate::dialect::FOR_UPDATE
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?
        .ok_or(StorageError::NotFound("merge"))?;
        let (merge, moved) = merge_row(&row)?;
        if merge.undone_at.is_some() {
            return Err(StorageError::Conflict(
                "This merge was already undone".into(),
            ));
        }
        let referrals: Vec<String> = moved.get("referrals").cloned().unwrap_or_default();
        for (table, key, uuid_key) in MOVABLE {
            let keys = moved.get(*table).cloned().unwrap_or_default();
            // What was added since to a referral that came from the merged
            // record goes back with it.
            let follows_referral =
                *table != "referrals" && *table != "messages" && !referrals.is_empty();
            if keys.is_empty() && !follows_referral {
                continue;
            }
            let mut qb = QueryBuilder::<Db>::new(format!("UPDATE {table} SET person_id = "));
            qb.push_bind(merge.merged_id.0)
                .push(" WHERE person_id = ")
                .push_bind(merge.kept_id.0)
                .push(" AND (1 = 0");
            if !keys.is_empty() {
                qb.push(" OR ");
                push_keys(&mut qb, key, &keys, *uuid_key)?;
            }
            if follows_referral {
                qb.push(" OR ");
                push_keys(&mut qb, "referral_id", &referrals, true)?;
            }
            qb.push(")");
            qb.build().execute(&mut *tx).await.map_err(backend)?;
        }
        sqlx::query("UPDATE people SET merged_into = NULL WHERE id = $1")
            .bind(merge.merged_id.0)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query("UPDATE person_merges SET undone_at = $1, undone_by = $2 WHERE id = $3")
            .bind(at)
            .bind(by)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)?;
        Ok(PersonMerge {
            undone_at: Some(at),
            undone_by: Some(by.to_owned()),
            ..merge
        })
    }

    async fn person_merges(&self, person: PersonId) -> StorageResult<Vec<PersonMerge>> {
        let rows = sqlx::query(&format!(
            "{MERGE_SELECT} WHERE kept_id = $1 OR merged_id = $1 ORDER BY merged_at DESC, id"
        ))
        .bind(person.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(|r| Ok(merge_row(r)?.0)).collect()
    }

    async fn people_past_retention(
        &self,
        closed_before: Timestamp,
    ) -> StorageResult<Vec<(PersonId, linkwork_domain::OrgId)>> {
        let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT p.id, p.pcn_id FROM people p WHERE p.erased_at IS NULL AND p.merged_into IS NULL \
             AND p.restricted_at IS NULL \
             AND EXISTS (SELECT 1 FROM referrals r WHERE r.person_id = p.id) \
             AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.person_id = p.id \
             AND (r.closed_at IS NULL OR r.closed_at >= $1)) ORDER BY p.id",
        )
        .bind(closed_before)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .into_iter()
            .map(|(p, pcn)| (p.into(), pcn.into()))
            .collect())
    }

    async fn claim_job(
        &self,
        name: &str,
        now: Timestamp,
        next_due: Timestamp,
    ) -> StorageResult<bool> {
        // The upsert's condition is checked on the row as it is when the
        // statement gets it (after any other instance's claim commits), so
        // only one claim moves it on; the others update nothing and get no
        // row back.
        let claimed: Option<String> = sqlx::query_scalar(
            "INSERT INTO scheduled_jobs (name, next_due_at) VALUES ($1, $3) \
             ON CONFLICT (name) DO UPDATE SET next_due_at = excluded.next_due_at \
             WHERE scheduled_jobs.next_due_at <= $2 RETURNING name",
        )
        .bind(name)
        .bind(now)
        .bind(next_due)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        Ok(claimed.is_some())
    }

    async fn person_merge(&self, id: Uuid) -> StorageResult<Option<PersonMerge>> {
        let row = sqlx::query(&format!("{MERGE_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(|r| Ok(merge_row(r)?.0)).transpose()
    }
}

/// Every table whose rows belong to a person, with its key and whether the
/// key is a UUID: what a merge moves. A new table with a `person_id`
/// column belongs here.
const MOVABLE: &[(&str, &str, bool)] = &[
    ("referrals", "id", true),
    ("consents", "id", true),
    ("contacts", "id", true),
    ("what_matters", "id", true),
    ("plans", "referral_id", true),
    ("case_notes", "id", true),
    ("tasks", "id", true),
    ("onward_referrals", "id", true),
    ("shortlists", "id", true),
    ("measure_responses", "id", true),
    ("measure_links", "token_hash", false),
    ("gp_appointments", "referral_id", true),
    ("messages", "id", true),
];

const MERGE_SELECT: &str = "SELECT id, pcn_id, kept_id, merged_id, moved, merged_at, merged_by, \
     undone_at, undone_by FROM person_merges";

/// A merge and the keys it moved, by table.
fn merge_row(row: &DbRow) -> StorageResult<(PersonMerge, BTreeMap<String, Vec<String>>)> {
    let raw: String = get(row, "moved")?;
    let moved: BTreeMap<String, Vec<String>> =
        serde_json::from_str(&raw).map_err(|_| corrupt("merged rows", &raw))?;
    Ok((
        PersonMerge {
            id: get(row, "id")?,
            pcn_id: get::<Uuid>(row, "pcn_id")?.into(),
            kept_id: get::<Uuid>(row, "kept_id")?.into(),
            merged_id: get::<Uuid>(row, "merged_id")?.into(),
            moved: moved.values().map(|k| k.len() as u64).sum(),
            merged_at: get(row, "merged_at")?,
            merged_by: get(row, "merged_by")?,
            undone_at: get(row, "undone_at")?,
            undone_by: get(row, "undone_by")?,
        },
        moved,
    ))
}

/// `column IN (…)` for keys kept as text, bound as UUIDs where they are.
fn push_keys(
    qb: &mut QueryBuilder<'_, Db>,
    column: &str,
    keys: &[String],
    uuid_key: bool,
) -> StorageResult<()> {
    if uuid_key {
        let ids = keys
            .iter()
            .map(|k| Uuid::parse_str(k).map_err(|_| corrupt("merged row key", k)))
            .collect::<StorageResult<Vec<Uuid>>>()?;
        push_in(qb, column, &ids);
    } else {
        push_in(qb, column, keys);
    }
    Ok(())
}

impl Store {
    async fn erase(&self, e: &Erasure, audit: &NewAuditEvent) -> StorageResult<()> {
        let mut tx = self.write().await?;
        let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM people WHERE id = $1")
            .bind(e.person_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        if exists.is_none() {
            return Err(StorageError::NotFound("person"));
        }
        let open: Option<String> = sqlx::query_scalar(
            "SELECT reference FROM referrals WHERE person_id = $1 \
             AND status IN ('received', 'accepted', 'in_progress') ORDER BY received_at LIMIT 1",
        )
        .bind(e.person_id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        if let Some(reference) = open {
            return Err(StorageError::Conflict(format!(
                "Referral {reference} is still open: close it before erasing the record"
            )));
        }
        for statement in erasing_statements() {
            sqlx::query(&statement)
                .bind(e.person_id.0)
                .bind(ERASED_TEXT)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        // Kept: sex, ethnic group, deprivation decile, GP practice and the
        // year of birth, which reports count; the communication needs'
        // yes-or-no flags and the safeguarding flag, which say nothing of
        // who they are.
        sqlx::query(
            "UPDATE people SET given_name = $2, family_name = $3, preferred_name = NULL, nhs_number = NULL, \
             date_of_birth = $4, gender_identity = NULL, address_line1 = NULL, address_line2 = NULL, \
             town = NULL, postcode = NULL, lsoa = NULL, phone = NULL, email = NULL, contact_method = NULL, \
             contact_times = NULL, safe_to_leave_message = NULL, language = NULL, \
             other_communication_needs = NULL, safeguarding_details = NULL, match_key = NULL, \
             search_text = '', restricted_at = NULL, restricted_reason = NULL, restricted_by = NULL, \
             erased_at = $5, updated_at = $5 WHERE id = $1",
        )
        .bind(e.person_id.0)
        .bind(ERASED_GIVEN_NAME)
        .bind(ERASED_FAMILY_NAME)
        .bind(e.date_of_birth)
        .bind(e.at)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        blank_audit_details(&mut tx, e.person_id.0, &e.identifying).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }
}
