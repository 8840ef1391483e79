use async_trait::async_trait;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::consent::{Consent, ConsentKind};
use linkwork_domain::nhs_number::NhsNumber;
use linkwork_domain::person::{ContactMethod, Person, PersonDetails, Sex};
use linkwork_domain::person_rights::{RecordRights, Restriction};
use linkwork_domain::postcode::Postcode;
use linkwork_domain::user::Email;
use linkwork_domain::{OrgId, PersonId, Timestamp};
use linkwork_storage::{Page, PageRequest, PersonStore, StorageError, StorageResult};
use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use super::audit::insert as insert_audit;
use super::{DbRow, backend, conflict_or_backend, corrupt, insert_rows, push_in, push_page};
use crate::dialect::{Db, MAX_PARAMS, STRPOS, Store};

/// The columns of `people` that `push_person` binds, in its order.
pub(super) const PERSON_COLUMNS: &str = "id, pcn_id, nhs_number, given_name, family_name, preferred_name, \
     date_of_birth, sex, gender_identity, ethnicity, address_line1, address_line2, town, postcode, lsoa, imd_decile, \
     gp_practice_id, phone, email, contact_method, contact_times, safe_to_leave_message, language, interpreter_needed, \
     bsl, easy_read, large_print, other_communication_needs, safeguarding_concern, safeguarding_details, match_key, \
     search_text, created_at, updated_at";

/// The condition every work list (diaries, tasks, concerns, partners'
/// answers) adds for its people `p`: a restricted record drops out of all
/// of them, for everyone, because no work is done on it while it is
/// restricted (DEVELOPERS.md decision 52).
pub(super) const NOT_RESTRICTED: &str = " AND p.restricted_at IS NULL";

pub(super) const NHS_NUMBER_TAKEN: &str =
    "Another person in this network already has that NHS number";

/// Binds one person's row, in `PERSON_COLUMNS`' order.
pub(super) fn push_person(b: &mut Separated<'_, '_, Db, &'static str>, p: &Person) {
    let d = &p.details;
    b.push_bind(p.id.0)
        .push_bind(p.pcn_id.0)
        .push_bind(d.nhs_number.as_ref().map(|n| n.as_str().to_owned()))
        .push_bind(d.given_name.clone())
        .push_bind(d.family_name.clone())
        .push_bind(d.preferred_name.clone())
        .push_bind(d.date_of_birth)
        .push_bind(d.sex.map(Sex::code))
        .push_bind(d.gender_identity.clone())
        .push_bind(d.ethnicity.clone())
        .push_bind(d.address_line1.clone())
        .push_bind(d.address_line2.clone())
        .push_bind(d.town.clone())
        .push_bind(d.postcode.as_ref().map(|p| p.as_str().to_owned()))
        .push_bind(p.lsoa.clone())
        .push_bind(p.imd_decile.map(i16::from))
        .push_bind(d.gp_practice_id.map(|id| id.0))
        .push_bind(d.phone.clone())
        .push_bind(d.email.as_ref().map(|e| e.as_str().to_owned()))
        .push_bind(d.contact_method.map(ContactMethod::code))
        .push_bind(d.contact_times.clone())
        .push_bind(d.safe_to_leave_message)
        .push_bind(d.language.clone())
        .push_bind(d.interpreter_needed)
        .push_bind(d.bsl)
        .push_bind(d.easy_read)
        .push_bind(d.large_print)
        .push_bind(d.other_communication_needs.clone())
        .push_bind(d.safeguarding_concern)
        .push_bind(d.safeguarding_details.clone())
        .push_bind(d.match_key())
        .push_bind(d.search_text())
        .push_bind(p.created_at)
        .push_bind(p.updated_at);
}

const PERSON_SELECT: &str = "SELECT id, pcn_id, nhs_number, given_name, family_name, preferred_name, \
     date_of_birth, sex, gender_identity, ethnicity, address_line1, address_line2, town, postcode, lsoa, imd_decile, \
     gp_practice_id, phone, email, contact_method, contact_times, safe_to_leave_message, language, interpreter_needed, \
     bsl, easy_read, large_print, other_communication_needs, safeguarding_concern, safeguarding_details, \
     created_at, updated_at, restricted_at, restricted_reason, restricted_by, erased_at, merged_into FROM people";

pub(super) fn nhs_number(raw: Option<String>) -> StorageResult<Option<NhsNumber>> {
    raw.map(|n| NhsNumber::parse(&n).map_err(|_| corrupt("NHS number", &n)))
        .transpose()
}

fn person(row: &DbRow) -> StorageResult<Person> {
    let get_s = |name: &str| row.try_get::<Option<String>, _>(name).map_err(backend);
    let sex = get_s("sex")?
        .map(|s| Sex::from_code(&s).ok_or_else(|| corrupt("sex", &s)))
        .transpose()?;
    let contact_method = get_s("contact_method")?
        .map(|m| ContactMethod::from_code(&m).ok_or_else(|| corrupt("contact method", &m)))
        .transpose()?;
    let postcode = get_s("postcode")?
        .map(|p| Postcode::parse(&p).map_err(|_| corrupt("postcode", &p)))
        .transpose()?;
    let email = get_s("email")?
        .map(|e| Email::parse(&e).map_err(|_| corrupt("email", &e)))
        .transpose()?;
    Ok(Person {
        id: row.try_get::<Uuid, _>("id").map_err(backend)?.into(),
        pcn_id: row.try_get::<Uuid, _>("pcn_id").map_err(backend)?.into(),
        details: PersonDetails {
            nhs_number: nhs_number(get_s("nhs_number")?)?,
            given_name: row.try_get("given_name").map_err(backend)?,
            family_name: row.try_get("family_name").map_err(backend)?,
            preferred_name: get_s("preferred_name")?,
            date_of_birth: row.try_get("date_of_birth").map_err(backend)?,
            sex,
            gender_identity: get_s("gender_identity")?,
            ethnicity: get_s("ethnicity")?,
            address_line1: get_s("address_line1")?,
            address_line2: get_s("address_line2")?,
            town: get_s("town")?,
            postcode,
            gp_practice_id: row
                .try_get::<Option<Uuid>, _>("gp_practice_id")
                .map_err(backend)?
                .map(Into::into),
            phone: get_s("phone")?,
            email,
            contact_method,
            contact_times: get_s("contact_times")?,
            safe_to_leave_message: row.try_get("safe_to_leave_message").map_err(backend)?,
            language: get_s("language")?,
            interpreter_needed: row.try_get("interpreter_needed").map_err(backend)?,
            bsl: row.try_get("bsl").map_err(backend)?,
            easy_read: row.try_get("easy_read").map_err(backend)?,
            large_print: row.try_get("large_print").map_err(backend)?,
            other_communication_needs: get_s("other_communication_needs")?,
            safeguarding_concern: row.try_get("safeguarding_concern").map_err(backend)?,
            safeguarding_details: get_s("safeguarding_details")?,
        },
        lsoa: get_s("lsoa")?,
        imd_decile: row
            .try_get::<Option<i16>, _>("imd_decile")
            .map_err(backend)?
            .map(|d| d as u8),
        created_at: row.try_get("created_at").map_err(backend)?,
        updated_at: row.try_get("updated_at").map_err(backend)?,
        rights: rights(row)?,
    })
}

fn rights(row: &DbRow) -> StorageResult<RecordRights> {
    let restricted_at: Option<Timestamp> = row.try_get("restricted_at").map_err(backend)?;
    let restriction = match restricted_at {
        Some(at) => Some(Restriction {
            reason: row.try_get("restricted_reason").map_err(backend)?,
            by: row.try_get("restricted_by").map_err(backend)?,
            at,
        }),
        None => None,
    };
    Ok(RecordRights {
        restriction,
        erased_at: row.try_get("erased_at").map_err(backend)?,
        merged_into: row
            .try_get::<Option<Uuid>, _>("merged_into")
            .map_err(backend)?
            .map(Into::into),
    })
}

/// The columns of `consents` that `push_consent` binds, in its order.
pub(super) const CONSENT_COLUMNS: &str = "id, person_id, kind, partner_org_id, given, recorded_at, \
     recorded_by, recorded_by_user_id, referral_id";

pub(super) fn push_consent(b: &mut Separated<'_, '_, Db, &'static str>, c: &Consent) {
    b.push_bind(c.id.0)
        .push_bind(c.person_id.0)
        .push_bind(c.kind.code())
        .push_bind(c.partner_org_id.map(|id| id.0))
        .push_bind(c.given)
        .push_bind(c.recorded_at)
        .push_bind(c.recorded_by.clone())
        .push_bind(c.recorded_by_user_id.map(|id| id.0))
        .push_bind(c.referral_id.map(|id| id.0));
}

fn consent(row: &DbRow) -> StorageResult<Consent> {
    let kind: String = row.try_get("kind").map_err(backend)?;
    Ok(Consent {
        id: row.try_get::<Uuid, _>("id").map_err(backend)?.into(),
        person_id: row.try_get::<Uuid, _>("person_id").map_err(backend)?.into(),
        kind: ConsentKind::from_code(&kind).ok_or_else(|| corrupt("consent kind", &kind))?,
        partner_org_id: row
            .try_get::<Option<Uuid>, _>("partner_org_id")
            .map_err(backend)?
            .map(Into::into),
        given: row.try_get("given").map_err(backend)?,
        recorded_at: row.try_get("recorded_at").map_err(backend)?,
        recorded_by: row.try_get("recorded_by").map_err(backend)?,
        recorded_by_user_id: row
            .try_get::<Option<Uuid>, _>("recorded_by_user_id")
            .map_err(backend)?
            .map(Into::into),
        referral_id: row
            .try_get::<Option<Uuid>, _>("referral_id")
            .map_err(backend)?
            .map(Into::into),
    })
}

fn push_search(
    qb: &mut QueryBuilder<'_, Db>,
    pcn_ids: &[OrgId],
    terms: &[String],
    with_restricted: bool,
) {
    let pcn_ids: Vec<Uuid> = pcn_ids.iter().map(|id| id.0).collect();
    qb.push(" WHERE merged_into IS NULL AND ");
    if !with_restricted {
        qb.push("restricted_at IS NULL AND ");
    }
    push_in(qb, "pcn_id", &pcn_ids);
    for term in terms {
        qb.push(format_args!(" AND {STRPOS}(search_text, "))
            .push_bind(term.clone())
            .push(") > 0");
    }
}

#[async_trait]
impl PersonStore for Store {
    async fn person(&self, id: PersonId) -> StorageResult<Option<Person>> {
        let row = sqlx::query(&format!("{PERSON_SELECT} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(person).transpose()
    }

    async fn people(&self, ids: &[PersonId]) -> StorageResult<Vec<Person>> {
        let mut found = Vec::with_capacity(ids.len());
        let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        for chunk in ids.chunks(MAX_PARAMS) {
            let mut q = QueryBuilder::<Db>::new(format!("{PERSON_SELECT} WHERE "));
            push_in(&mut q, "id", chunk);
            let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
            for row in &rows {
                found.push(person(row)?);
            }
        }
        Ok(found)
    }

    async fn matching_people(
        &self,
        pcn_id: OrgId,
        nhs_number: Option<&NhsNumber>,
        match_key: Option<&str>,
    ) -> StorageResult<Vec<Person>> {
        if nhs_number.is_none() && match_key.is_none() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(&format!(
            "{PERSON_SELECT} WHERE pcn_id = $1 AND (nhs_number = $2 OR match_key = $3) ORDER BY updated_at DESC"
        ))
        .bind(pcn_id.0)
        .bind(nhs_number.map(NhsNumber::as_str))
        .bind(match_key)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(person).collect()
    }

    async fn search_people(
        &self,
        pcn_ids: &[OrgId],
        terms: &[String],
        with_restricted: bool,
        page: PageRequest,
    ) -> StorageResult<Page<Person>> {
        if pcn_ids.is_empty() {
            return Ok(Page {
                items: Vec::new(),
                total: 0,
                page: page.page,
                per_page: page.per_page,
            });
        }
        let mut count = QueryBuilder::<Db>::new("SELECT count(*) FROM people");
        push_search(&mut count, pcn_ids, terms, with_restricted);
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        let mut query = QueryBuilder::<Db>::new(PERSON_SELECT);
        push_search(&mut query, pcn_ids, terms, with_restricted);
        query.push(" ORDER BY lower(family_name), lower(given_name), id");
        push_page(&mut query, page);
        let rows = query.build().fetch_all(&self.pool).await.map_err(backend)?;
        Ok(Page {
            items: rows.iter().map(person).collect::<StorageResult<_>>()?,
            total: total as u64,
            page: page.page,
            per_page: page.per_page,
        })
    }

    async fn update_person(&self, p: &Person, audit: &NewAuditEvent) -> StorageResult<()> {
        let mut tx = self.write().await?;
        // Replacing the row keeps one column list for insert and update.
        let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM people WHERE id = $1")
            .bind(p.id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        if exists.is_none() {
            return Err(StorageError::NotFound("person"));
        }
        insert_rows(
            &mut tx,
            "people",
            PERSON_COLUMNS,
            &[p],
            " ON CONFLICT (id) DO UPDATE SET nhs_number = excluded.nhs_number, given_name = excluded.given_name, \
             family_name = excluded.family_name, preferred_name = excluded.preferred_name, \
             date_of_birth = excluded.date_of_birth, sex = excluded.sex, gender_identity = excluded.gender_identity, \
             ethnicity = excluded.ethnicity, address_line1 = excluded.address_line1, \
             address_line2 = excluded.address_line2, town = excluded.town, postcode = excluded.postcode, \
             lsoa = excluded.lsoa, imd_decile = excluded.imd_decile, gp_practice_id = excluded.gp_practice_id, \
             phone = excluded.phone, email = excluded.email, contact_method = excluded.contact_method, \
             contact_times = excluded.contact_times, safe_to_leave_message = excluded.safe_to_leave_message, \
             language = excluded.language, interpreter_needed = excluded.interpreter_needed, bsl = excluded.bsl, \
             easy_read = excluded.easy_read, large_print = excluded.large_print, \
             other_communication_needs = excluded.other_communication_needs, \
             safeguarding_concern = excluded.safeguarding_concern, \
             safeguarding_details = excluded.safeguarding_details, match_key = excluded.match_key, \
             search_text = excluded.search_text, updated_at = excluded.updated_at",
            |b, p| push_person(b, p),
        )
        .await
        .map_err(|e| conflict_or_backend(e, NHS_NUMBER_TAKEN))?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn record_consent(&self, c: &Consent, audit: &NewAuditEvent) -> StorageResult<()> {
        let mut tx = self.write().await?;
        insert_rows(&mut tx, "consents", CONSENT_COLUMNS, &[c], "", |b, c| {
            push_consent(b, c)
        })
        .await
        .map_err(backend)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn consents(&self, person_id: PersonId) -> StorageResult<Vec<Consent>> {
        let rows = sqlx::query(
            "SELECT id, person_id, kind, partner_org_id, given, recorded_at, recorded_by, recorded_by_user_id, referral_id \
             FROM consents WHERE person_id = $1 ORDER BY recorded_at, id",
        )
        .bind(person_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(consent).collect()
    }
}
