//! The person's rights: restricting a record and lifting the restriction,
//! and erasing it by anonymisation.

use async_trait::async_trait;
use linkwork_domain::PersonId;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::person_rights::{
    ERASED_AUDIT_DETAIL, ERASED_FAMILY_NAME, ERASED_GIVEN_NAME, ERASED_TEXT, Restriction,
};
use linkwork_storage::{Erasure, RightsStore, StorageError, StorageResult};
use uuid::Uuid;

use super::audit::insert as insert_audit;
use sqlx::QueryBuilder;

use super::{Connection, backend, push_in};
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
