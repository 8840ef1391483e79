use std::collections::HashMap;

use async_trait::async_trait;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::casework::*;
use linkwork_domain::referral::ReferralReference;
use linkwork_domain::{ContactId, OrgId, PersonId, ReferralId, Timestamp, UserId};
use linkwork_storage::{
    CalendarFeed, CaseFile, CaseworkChanges, CaseworkStore, ConcernItem, DiaryEntry, LoadCutoffs,
    StorageError, StorageResult, TaskFilter, TaskItem, WorkerLoad,
};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::audit::insert as insert_audit;
use super::people::NOT_RESTRICTED;
use super::referrals::{PERSON_BRIEF_COLUMNS, person_brief, write_referral_update};
use super::{
    Connection, DbRow, backend, coded, conflict_or_backend, corrupt, get, insert_rows, prefixed,
    push_in,
};
use crate::dialect::{Db, MAX_PARAMS, Store};

/// Casework written per round of multi-row inserts in a bulk load.
const BULK_BATCH: usize = 500;

// Contacts.

const CONTACT_COLUMNS: &str = "id, referral_id, person_id, pcn_id, worker_id, starts_at, duration_minutes, mode, \
     status, location, notes, created_at, created_by, recorded_at, recorded_by, version";

fn contact(row: &DbRow) -> StorageResult<Contact> {
    Ok(Contact {
        id: get::<Uuid>(row, "id")?.into(),
        referral_id: get::<Uuid>(row, "referral_id")?.into(),
        person_id: get::<Uuid>(row, "person_id")?.into(),
        pcn_id: get::<Uuid>(row, "pcn_id")?.into(),
        worker_id: get::<Uuid>(row, "worker_id")?.into(),
        starts_at: get(row, "starts_at")?,
        duration_minutes: get::<i32>(row, "duration_minutes")? as u32,
        mode: coded(row, "mode", ContactMode::from_code)?,
        status: coded(row, "status", ContactStatus::from_code)?,
        location: get(row, "location")?,
        notes: get(row, "notes")?,
        created_at: get(row, "created_at")?,
        created_by: get::<Uuid>(row, "created_by")?.into(),
        recorded_at: get(row, "recorded_at")?,
        recorded_by: get::<Option<Uuid>>(row, "recorded_by")?.map(Into::into),
        version: get(row, "version")?,
    })
}

async fn insert_contacts(conn: &mut Connection, contacts: &[&Contact]) -> StorageResult<()> {
    insert_rows(conn, "contacts", CONTACT_COLUMNS, contacts, "", |b, c| {
        b.push_bind(c.id.0)
            .push_bind(c.referral_id.0)
            .push_bind(c.person_id.0)
            .push_bind(c.pcn_id.0)
            .push_bind(c.worker_id.0)
            .push_bind(c.starts_at)
            .push_bind(c.duration_minutes as i32)
            .push_bind(c.mode.code())
            .push_bind(c.status.code())
            .push_bind(c.location.clone())
            .push_bind(c.notes.clone())
            .push_bind(c.created_at)
            .push_bind(c.created_by.0)
            .push_bind(c.recorded_at)
            .push_bind(c.recorded_by.map(|u| u.0))
            .push_bind(c.version);
    })
    .await
    .map_err(backend)
}

async fn update_contact(conn: &mut Connection, c: &Contact, expected: i64) -> StorageResult<()> {
    let result = sqlx::query(
        "UPDATE contacts SET worker_id = $1, starts_at = $2, duration_minutes = $3, mode = $4, status = $5, \
         location = $6, notes = $7, recorded_at = $8, recorded_by = $9, version = $10 \
         WHERE id = $11 AND version = $12",
    )
    .bind(c.worker_id.0)
    .bind(c.starts_at)
    .bind(c.duration_minutes as i32)
    .bind(c.mode.code())
    .bind(c.status.code())
    .bind(&c.location)
    .bind(&c.notes)
    .bind(c.recorded_at)
    .bind(c.recorded_by.map(|u| u.0))
    .bind(c.version)
    .bind(c.id.0)
    .bind(expected)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    if result.rows_affected() != 1 {
        return Err(StorageError::Conflict(
            "Someone else changed this contact while you were working on it. Check it and try again"
                .into(),
        ));
    }
    Ok(())
}

// What matters.

const WHAT_MATTERS_COLUMNS: &str = "id, referral_id, person_id, revision, in_their_words, strengths, interests, \
     barrier_notes, communication_needs, recorded_at, recorded_by, recorded_by_name";

async fn insert_what_matters(
    conn: &mut Connection,
    revisions: &[&WhatMatters],
) -> StorageResult<()> {
    insert_rows(
        conn,
        "what_matters",
        WHAT_MATTERS_COLUMNS,
        revisions,
        "",
        |b, w| {
            b.push_bind(w.id.0)
                .push_bind(w.referral_id.0)
                .push_bind(w.person_id.0)
                .push_bind(w.revision)
                .push_bind(w.in_their_words.clone())
                .push_bind(w.strengths.clone())
                .push_bind(w.interests.clone())
                .push_bind(w.barrier_notes.clone())
                .push_bind(w.communication_needs.clone())
                .push_bind(w.recorded_at)
                .push_bind(w.recorded_by.0)
                .push_bind(w.recorded_by_name.clone());
        },
    )
    .await
    .map_err(|e| {
        conflict_or_backend(
            e,
            "Someone else saved what matters to this person while you were working on it. \
             Their version is shown: add your changes to it and save again",
        )
    })?;
    let needs: Vec<(Uuid, i32, &str)> = revisions
        .iter()
        .flat_map(|w| {
            w.needs
                .iter()
                .enumerate()
                .map(|(i, n)| (w.id.0, i as i32, n.as_str()))
        })
        .collect();
    insert_rows(
        conn,
        "what_matters_needs",
        "what_matters_id, position, need_code",
        &needs,
        "",
        |b, (id, position, code)| {
            b.push_bind(*id).push_bind(*position).push_bind(*code);
        },
    )
    .await
    .map_err(backend)?;
    let barriers: Vec<(Uuid, Barrier)> = revisions
        .iter()
        .flat_map(|w| w.barriers.iter().map(|b| (w.id.0, *b)))
        .collect();
    insert_rows(
        conn,
        "what_matters_barriers",
        "what_matters_id, barrier",
        &barriers,
        "",
        |b, (id, barrier)| {
            b.push_bind(*id).push_bind(barrier.code());
        },
    )
    .await
    .map_err(backend)?;
    let times: Vec<(Uuid, FreeTime)> = revisions
        .iter()
        .flat_map(|w| w.free_times.iter().map(|f| (w.id.0, *f)))
        .collect();
    insert_rows(
        conn,
        "what_matters_free_times",
        "what_matters_id, day, part",
        &times,
        "",
        |b, (id, time)| {
            b.push_bind(*id)
                .push_bind(time.day.code())
                .push_bind(time.part.code());
        },
    )
    .await
    .map_err(backend)
}

/// Revisions chosen by `filter` (a `WHERE …` over `what_matters w`, with
/// its order and limit), with their needs, barriers and free times.
async fn load_what_matters(
    store: &Store,
    filter: &str,
    bind: Uuid,
) -> StorageResult<Vec<WhatMatters>> {
    let mut conn = store.pool.acquire().await.map_err(backend)?;
    let rows = sqlx::query(&format!(
        "SELECT {WHAT_MATTERS_COLUMNS} FROM what_matters w {filter}"
    ))
    .bind(bind)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    let ids: Vec<Uuid> = rows
        .iter()
        .map(|r| get::<Uuid>(r, "id"))
        .collect::<StorageResult<_>>()?;
    let mut needs: HashMap<Uuid, Vec<String>> = HashMap::new();
    let mut barriers: HashMap<Uuid, Vec<Barrier>> = HashMap::new();
    let mut times: HashMap<Uuid, Vec<FreeTime>> = HashMap::new();
    for chunk in ids.chunks(MAX_PARAMS) {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT what_matters_id, need_code FROM what_matters_needs WHERE ",
        );
        push_in(&mut q, "what_matters_id", chunk);
        q.push(" ORDER BY what_matters_id, position");
        for row in q.build().fetch_all(&mut *conn).await.map_err(backend)? {
            needs
                .entry(get(&row, "what_matters_id")?)
                .or_default()
                .push(get(&row, "need_code")?);
        }
        let mut q = QueryBuilder::<Db>::new(
            "SELECT what_matters_id, barrier FROM what_matters_barriers WHERE ",
        );
        push_in(&mut q, "what_matters_id", chunk);
        for row in q.build().fetch_all(&mut *conn).await.map_err(backend)? {
            barriers
                .entry(get(&row, "what_matters_id")?)
                .or_default()
                .push(coded(&row, "barrier", Barrier::from_code)?);
        }
        let mut q = QueryBuilder::<Db>::new(
            "SELECT what_matters_id, day, part FROM what_matters_free_times WHERE ",
        );
        push_in(&mut q, "what_matters_id", chunk);
        for row in q.build().fetch_all(&mut *conn).await.map_err(backend)? {
            let day: String = get(&row, "day")?;
            times
                .entry(get(&row, "what_matters_id")?)
                .or_default()
                .push(FreeTime {
                    day: day.parse().map_err(|_| corrupt("day", &day))?,
                    part: coded(&row, "part", DayPart::from_code)?,
                });
        }
    }
    rows.iter()
        .map(|row| {
            let id: Uuid = get(row, "id")?;
            let mut barriers = barriers.remove(&id).unwrap_or_default();
            barriers.sort();
            let mut free_times = times.remove(&id).unwrap_or_default();
            free_times.sort();
            Ok(WhatMatters {
                id: id.into(),
                referral_id: get::<Uuid>(row, "referral_id")?.into(),
                person_id: get::<Uuid>(row, "person_id")?.into(),
                revision: get(row, "revision")?,
                in_their_words: get(row, "in_their_words")?,
                needs: needs.remove(&id).unwrap_or_default(),
                strengths: get(row, "strengths")?,
                interests: get(row, "interests")?,
                barriers,
                barrier_notes: get(row, "barrier_notes")?,
                free_times,
                communication_needs: get(row, "communication_needs")?,
                recorded_at: get(row, "recorded_at")?,
                recorded_by: get::<Uuid>(row, "recorded_by")?.into(),
                recorded_by_name: get(row, "recorded_by_name")?,
            })
        })
        .collect()
}

// Plans.

async fn insert_plans(conn: &mut Connection, plans: &[&Plan]) -> StorageResult<()> {
    insert_rows(
        conn,
        "plans",
        "referral_id, person_id, review_date, version, updated_at, updated_by",
        plans,
        "",
        |b, p| {
            b.push_bind(p.referral_id.0)
                .push_bind(p.person_id.0)
                .push_bind(p.review_date)
                .push_bind(p.version)
                .push_bind(p.updated_at)
                .push_bind(p.updated_by.0);
        },
    )
    .await
    .map_err(|e| {
        conflict_or_backend(
            e,
            "Someone else started this plan while you were working on it. Check it and try again",
        )
    })?;
    insert_goals(conn, plans).await
}

async fn insert_goals(conn: &mut Connection, plans: &[&Plan]) -> StorageResult<()> {
    let goals: Vec<(ReferralId, usize, &Goal)> = plans
        .iter()
        .flat_map(|p| {
            p.goals
                .iter()
                .enumerate()
                .map(|(i, g)| (p.referral_id, i, g))
        })
        .collect();
    insert_rows(
        conn,
        "plan_goals",
        "id, referral_id, position, in_their_words, status",
        &goals,
        "",
        |b, (referral, position, g)| {
            b.push_bind(g.id.0)
                .push_bind(referral.0)
                .push_bind(*position as i32)
                .push_bind(g.in_their_words.as_str())
                .push_bind(g.status.code());
        },
    )
    .await
    .map_err(backend)?;
    let steps: Vec<(Uuid, usize, &Step)> = goals
        .iter()
        .flat_map(|(_, _, g)| g.steps.iter().enumerate().map(|(i, s)| (g.id.0, i, s)))
        .collect();
    insert_rows(
        conn,
        "plan_steps",
        "goal_id, position, what, who, by_when, done",
        &steps,
        "",
        |b, (goal, position, s)| {
            b.push_bind(*goal)
                .push_bind(*position as i32)
                .push_bind(s.what.as_str())
                .push_bind(s.who.as_deref())
                .push_bind(s.by_when)
                .push_bind(s.done);
        },
    )
    .await
    .map_err(backend)
}

async fn update_plan(conn: &mut Connection, plan: &Plan, expected: i64) -> StorageResult<()> {
    let result = sqlx::query(
        "UPDATE plans SET review_date = $1, version = $2, updated_at = $3, updated_by = $4 \
         WHERE referral_id = $5 AND version = $6",
    )
    .bind(plan.review_date)
    .bind(plan.version)
    .bind(plan.updated_at)
    .bind(plan.updated_by.0)
    .bind(plan.referral_id.0)
    .bind(expected)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    if result.rows_affected() != 1 {
        return Err(StorageError::Conflict(
            "Someone else changed this plan while you were working on it. \
             Their version is shown: make your change to it and save again"
                .into(),
        ));
    }
    // Goals and steps are replaced whole: a plan is small, and its order
    // and wording are the person's.
    sqlx::query(
        "DELETE FROM plan_steps WHERE goal_id IN (SELECT id FROM plan_goals WHERE referral_id = $1)",
    )
    .bind(plan.referral_id.0)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    sqlx::query("DELETE FROM plan_goals WHERE referral_id = $1")
        .bind(plan.referral_id.0)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    insert_goals(conn, &[plan]).await
}

async fn load_plan(conn: &mut Connection, referral: ReferralId) -> StorageResult<Option<Plan>> {
    let Some(row) = sqlx::query(
        "SELECT referral_id, person_id, review_date, version, updated_at, updated_by FROM plans WHERE referral_id = $1",
    )
    .bind(referral.0)
    .fetch_optional(&mut *conn)
    .await
    .map_err(backend)?
    else {
        return Ok(None);
    };
    let goal_rows = sqlx::query(
        "SELECT id, in_their_words, status FROM plan_goals WHERE referral_id = $1 ORDER BY position",
    )
    .bind(referral.0)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    let step_rows = sqlx::query(
        "SELECT s.goal_id, s.what, s.who, s.by_when, s.done FROM plan_steps s \
         JOIN plan_goals g ON g.id = s.goal_id WHERE g.referral_id = $1 ORDER BY s.goal_id, s.position",
    )
    .bind(referral.0)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    let mut steps: HashMap<Uuid, Vec<Step>> = HashMap::new();
    for s in &step_rows {
        steps.entry(get(s, "goal_id")?).or_default().push(Step {
            what: get(s, "what")?,
            who: get(s, "who")?,
            by_when: get(s, "by_when")?,
            done: get(s, "done")?,
        });
    }
    let goals = goal_rows
        .iter()
        .map(|g| {
            let id: Uuid = get(g, "id")?;
            Ok(Goal {
                id: id.into(),
                in_their_words: get(g, "in_their_words")?,
                status: coded(g, "status", GoalStatus::from_code)?,
                steps: steps.remove(&id).unwrap_or_default(),
            })
        })
        .collect::<StorageResult<_>>()?;
    Ok(Some(Plan {
        referral_id: get::<Uuid>(&row, "referral_id")?.into(),
        person_id: get::<Uuid>(&row, "person_id")?.into(),
        goals,
        review_date: get(&row, "review_date")?,
        version: get(&row, "version")?,
        updated_at: get(&row, "updated_at")?,
        updated_by: get::<Uuid>(&row, "updated_by")?.into(),
    }))
}

// Notes.

const NOTE_COLUMNS: &str = "id, person_id, referral_id, pcn_id, at, author_id, author_name, text, \
     concern_category, concern_action, concern_resolved_at, concern_resolved_by, concern_resolution";

/// Adds notes; a note already stored keeps its words and takes the new
/// state of its safeguarding concern (resolved, and how).
async fn upsert_notes(conn: &mut Connection, notes: &[&CaseNote]) -> StorageResult<()> {
    insert_rows(
        conn,
        "case_notes",
        NOTE_COLUMNS,
        notes,
        " ON CONFLICT (id) DO UPDATE SET concern_resolved_at = excluded.concern_resolved_at, \
         concern_resolved_by = excluded.concern_resolved_by, concern_resolution = excluded.concern_resolution",
        |b, n| {
            let concern = n.safeguarding.as_ref();
            b.push_bind(n.id.0)
                .push_bind(n.person_id.0)
                .push_bind(n.referral_id.0)
                .push_bind(n.pcn_id.0)
                .push_bind(n.at)
                .push_bind(n.author_id.0)
                .push_bind(n.author_name.as_str())
                .push_bind(n.text.as_str())
                .push_bind(concern.map(|c| c.category.code()))
                .push_bind(concern.map(|c| c.action_taken.as_str()))
                .push_bind(concern.and_then(|c| c.resolved_at))
                .push_bind(concern.and_then(|c| c.resolved_by).map(|u| u.0))
                .push_bind(concern.and_then(|c| c.resolution.as_deref()));
        },
    )
    .await
    .map_err(backend)
}

fn note(row: &DbRow) -> StorageResult<CaseNote> {
    let category: Option<String> = get(row, "concern_category")?;
    let safeguarding = category
        .map(|c| {
            Ok::<_, StorageError>(Safeguarding {
                category: SafeguardingCategory::from_code(&c)
                    .ok_or_else(|| corrupt("safeguarding category", &c))?,
                action_taken: get::<Option<String>>(row, "concern_action")?.unwrap_or_default(),
                resolved_at: get(row, "concern_resolved_at")?,
                resolved_by: get::<Option<Uuid>>(row, "concern_resolved_by")?.map(Into::into),
                resolution: get(row, "concern_resolution")?,
            })
        })
        .transpose()?;
    Ok(CaseNote {
        id: get::<Uuid>(row, "id")?.into(),
        person_id: get::<Uuid>(row, "person_id")?.into(),
        referral_id: get::<Uuid>(row, "referral_id")?.into(),
        pcn_id: get::<Uuid>(row, "pcn_id")?.into(),
        at: get(row, "at")?,
        author_id: get::<Uuid>(row, "author_id")?.into(),
        author_name: get(row, "author_name")?,
        text: get(row, "text")?,
        safeguarding,
    })
}

// Tasks.

const TASK_COLUMNS: &str = "id, referral_id, person_id, pcn_id, owner, kind, title, due, contact_id, \
     created_at, created_by, done_at, done_by";

async fn upsert_tasks(conn: &mut Connection, tasks: &[&Task]) -> StorageResult<()> {
    insert_rows(
        conn,
        "tasks",
        TASK_COLUMNS,
        tasks,
        " ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, title = excluded.title, due = excluded.due, \
         done_at = excluded.done_at, done_by = excluded.done_by",
        |b, t| {
            b.push_bind(t.id.0)
                .push_bind(t.referral_id.0)
                .push_bind(t.person_id.0)
                .push_bind(t.pcn_id.0)
                .push_bind(t.owner.0)
                .push_bind(t.kind.code())
                .push_bind(t.title.as_str())
                .push_bind(t.due)
                .push_bind(t.contact_id.map(|c| c.0))
                .push_bind(t.created_at)
                .push_bind(t.created_by.0)
                .push_bind(t.done_at)
                .push_bind(t.done_by.map(|u| u.0));
        },
    )
    .await
    .map_err(backend)
}

fn task(row: &DbRow) -> StorageResult<Task> {
    Ok(Task {
        id: get::<Uuid>(row, "id")?.into(),
        referral_id: get::<Uuid>(row, "referral_id")?.into(),
        person_id: get::<Uuid>(row, "person_id")?.into(),
        pcn_id: get::<Uuid>(row, "pcn_id")?.into(),
        owner: get::<Uuid>(row, "owner")?.into(),
        kind: coded(row, "kind", TaskKind::from_code)?,
        title: get(row, "title")?,
        due: get(row, "due")?,
        contact_id: get::<Option<Uuid>>(row, "contact_id")?.map(Into::into),
        created_at: get(row, "created_at")?,
        created_by: get::<Uuid>(row, "created_by")?.into(),
        done_at: get(row, "done_at")?,
        done_by: get::<Option<Uuid>>(row, "done_by")?.map(Into::into),
    })
}

// Discharges.

async fn insert_discharges(conn: &mut Connection, discharges: &[&Discharge]) -> StorageResult<()> {
    insert_rows(
        conn,
        "discharges",
        "referral_id, reason, summary, discharged_at, discharged_by, discharged_by_name",
        discharges,
        "",
        |b, d| {
            b.push_bind(d.referral_id.0)
                .push_bind(d.reason.code())
                .push_bind(d.summary.as_str())
                .push_bind(d.discharged_at)
                .push_bind(d.discharged_by.0)
                .push_bind(d.discharged_by_name.as_str());
        },
    )
    .await
    .map_err(|e| conflict_or_backend(e, "This person has already been discharged"))
}

/// Writes what is new in `batch`: contacts added, revisions, first plans,
/// notes, tasks and discharges, each kind in as few statements as it takes.
async fn insert_new(conn: &mut Connection, batch: &[&CaseworkChanges]) -> StorageResult<()> {
    let contacts: Vec<&Contact> = batch
        .iter()
        .flat_map(|c| {
            c.contacts
                .iter()
                .filter(|(_, v)| v.is_none())
                .map(|(c, _)| c)
        })
        .collect();
    insert_contacts(conn, &contacts).await?;
    let revisions: Vec<&WhatMatters> = batch
        .iter()
        .filter_map(|c| c.what_matters.as_ref())
        .collect();
    insert_what_matters(conn, &revisions).await?;
    let plans: Vec<&Plan> = batch
        .iter()
        .filter_map(|c| c.plan.as_ref().filter(|(_, v)| *v == 0).map(|(p, _)| p))
        .collect();
    insert_plans(conn, &plans).await?;
    let notes: Vec<&CaseNote> = batch.iter().flat_map(|c| &c.notes).collect();
    upsert_notes(conn, &notes).await?;
    let tasks: Vec<&Task> = batch.iter().flat_map(|c| &c.tasks).collect();
    upsert_tasks(conn, &tasks).await?;
    let discharges: Vec<&Discharge> = batch.iter().filter_map(|c| c.discharge.as_ref()).collect();
    insert_discharges(conn, &discharges).await
}

#[async_trait]
impl CaseworkStore for Store {
    async fn save_casework(
        &self,
        changes: &CaseworkChanges,
        audit: &[NewAuditEvent],
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        if let Some(u) = &changes.referral {
            write_referral_update(&mut tx, &u.referral, u.expected_version, &u.event).await?;
        }
        for (c, expected) in &changes.contacts {
            if let Some(expected) = expected {
                update_contact(&mut tx, c, *expected).await?;
            }
        }
        if let Some((plan, expected)) = &changes.plan
            && *expected > 0
        {
            update_plan(&mut tx, plan, *expected).await?;
        }
        insert_new(&mut tx, &[changes]).await?;
        super::linking::write_linking(&mut tx, &[changes], true).await?;
        if let Some((referral, worker)) = changes.reassign {
            sqlx::query("UPDATE tasks SET owner = $1 WHERE referral_id = $2 AND done_at IS NULL")
                .bind(worker.0)
                .bind(referral.0)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            sqlx::query(
                "UPDATE contacts SET worker_id = $1, version = version + 1 \
                 WHERE referral_id = $2 AND status = 'scheduled'",
            )
            .bind(worker.0)
            .bind(referral.0)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        for event in audit {
            insert_audit(&mut tx, event).await?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn case_file(&self, referral_id: ReferralId) -> StorageResult<CaseFile> {
        let mut tx = crate::dialect::begin_snapshot(&self.pool)
            .await
            .map_err(backend)?;
        let contacts = sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE referral_id = $1 ORDER BY starts_at, id"
        ))
        .bind(referral_id.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?
        .iter()
        .map(contact)
        .collect::<StorageResult<_>>()?;
        let plan = load_plan(&mut tx, referral_id).await?;
        let notes = sqlx::query(&format!(
            "SELECT {NOTE_COLUMNS} FROM case_notes WHERE referral_id = $1 ORDER BY at DESC, id"
        ))
        .bind(referral_id.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?
        .iter()
        .map(note)
        .collect::<StorageResult<_>>()?;
        let tasks = sqlx::query(&format!(
            "SELECT {TASK_COLUMNS} FROM tasks WHERE referral_id = $1 \
             ORDER BY done_at IS NOT NULL, due, created_at, id"
        ))
        .bind(referral_id.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?
        .iter()
        .map(task)
        .collect::<StorageResult<_>>()?;
        let discharge = sqlx::query(
            "SELECT referral_id, reason, summary, discharged_at, discharged_by, discharged_by_name \
             FROM discharges WHERE referral_id = $1",
        )
        .bind(referral_id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?
        .map(|row| {
            Ok::<_, StorageError>(Discharge {
                referral_id: get::<Uuid>(&row, "referral_id")?.into(),
                reason: coded(&row, "reason", DischargeReason::from_code)?,
                summary: get(&row, "summary")?,
                discharged_at: get(&row, "discharged_at")?,
                discharged_by: get::<Uuid>(&row, "discharged_by")?.into(),
                discharged_by_name: get(&row, "discharged_by_name")?,
            })
        })
        .transpose()?;
        let onward = super::linking::load_onward(&mut tx, referral_id.0).await?;
        let shortlists = super::linking::load_shortlists(
            &mut tx,
            "WHERE referral_id = $1 ORDER BY created_at DESC",
            referral_id.0,
        )
        .await?;
        tx.commit().await.map_err(backend)?;
        let what_matters = load_what_matters(
            self,
            "WHERE w.referral_id = $1 ORDER BY w.revision DESC LIMIT 1",
            referral_id.0,
        )
        .await?
        .pop();
        Ok(CaseFile {
            contacts,
            what_matters,
            plan,
            notes,
            tasks,
            discharge,
            onward,
            shortlists,
        })
    }

    async fn what_matters_history(
        &self,
        referral_id: ReferralId,
    ) -> StorageResult<Vec<WhatMatters>> {
        load_what_matters(
            self,
            "WHERE w.referral_id = $1 ORDER BY w.revision DESC",
            referral_id.0,
        )
        .await
    }

    async fn latest_what_matters(&self, person_id: PersonId) -> StorageResult<Option<WhatMatters>> {
        Ok(load_what_matters(
            self,
            "WHERE w.person_id = $1 ORDER BY w.recorded_at DESC, w.revision DESC LIMIT 1",
            person_id.0,
        )
        .await?
        .pop())
    }

    async fn contact(&self, id: ContactId) -> StorageResult<Option<Contact>> {
        sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?
        .as_ref()
        .map(contact)
        .transpose()
    }

    async fn diary(
        &self,
        worker: UserId,
        from: Timestamp,
        to: Timestamp,
    ) -> StorageResult<Vec<DiaryEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT {}, {PERSON_BRIEF_COLUMNS}, r.reference AS r_reference FROM contacts c \
             JOIN people p ON p.id = c.person_id JOIN referrals r ON r.id = c.referral_id \
             WHERE c.worker_id = $1 AND c.starts_at >= $2 AND c.starts_at < $3{NOT_RESTRICTED} \
             ORDER BY c.starts_at, c.id",
            prefixed("c", CONTACT_COLUMNS)
        ))
        .bind(worker.0)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|row| {
                Ok(DiaryEntry {
                    contact: contact(row)?,
                    person: person_brief(row)?,
                    reference: reference(row)?,
                })
            })
            .collect()
    }

    async fn tasks(&self, filter: &TaskFilter) -> StorageResult<Vec<TaskItem>> {
        let mut q = QueryBuilder::<Db>::new(format!(
            "SELECT {}, {PERSON_BRIEF_COLUMNS}, r.reference AS r_reference FROM tasks t \
             JOIN people p ON p.id = t.person_id JOIN referrals r ON r.id = t.referral_id WHERE 1 = 1",
            prefixed("t", TASK_COLUMNS)
        ));
        if let Some(owner) = filter.owner {
            q.push(" AND t.owner = ").push_bind(owner.0);
        }
        match filter.referral_id {
            Some(referral) => {
                q.push(" AND t.referral_id = ").push_bind(referral.0);
            }
            // One case's tasks are its case file's; any other list of
            // tasks is a work list.
            None => {
                q.push(NOT_RESTRICTED);
            }
        }
        if filter.open_only || filter.due_by.is_some() {
            q.push(" AND t.done_at IS NULL");
        }
        if let Some(due) = filter.due_by {
            q.push(" AND t.due <= ").push_bind(due);
        }
        q.push(" ORDER BY t.done_at IS NOT NULL, t.due, t.created_at, t.id LIMIT ")
            .push_bind(i64::from(filter.limit.max(1)));
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter()
            .map(|row| {
                Ok(TaskItem {
                    task: task(row)?,
                    person: person_brief(row)?,
                    reference: reference(row)?,
                })
            })
            .collect()
    }

    async fn worker_loads(
        &self,
        pcn: OrgId,
        cutoffs: LoadCutoffs,
    ) -> StorageResult<Vec<WorkerLoad>> {
        let rows = sqlx::query(
            "SELECT u.id, u.display_name, \
             (SELECT count(*) FROM referrals r WHERE r.assigned_to = u.id \
                AND r.status IN ('accepted', 'in_progress')) AS open_cases, \
             (SELECT count(*) FROM referrals r WHERE r.assigned_to = u.id AND r.status = 'in_progress' \
                AND (r.first_contact_at IS NULL OR r.first_contact_at < $2) \
                AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.referral_id = r.id \
                    AND c.status = 'attended' AND c.starts_at >= $2)) AS without_recent_contact, \
             (SELECT count(*) FROM tasks t WHERE t.owner = u.id AND t.done_at IS NULL AND t.due < $3) AS overdue_tasks, \
             (SELECT count(*) FROM referrals r WHERE r.assigned_to = u.id AND r.status = 'accepted' \
                AND r.first_contact_at IS NULL AND r.received_at < $4) AS waiting_breaches, \
             (SELECT count(*) FROM referrals r WHERE r.assigned_to = u.id \
                AND r.status IN ('accepted', 'in_progress') \
                AND r.intervention_received_at IS NOT NULL) AS intervention_received \
             FROM users u WHERE u.org_id = $1 AND u.status = 'active' \
             AND EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.role IN ('link_worker', 'team_lead')) \
             ORDER BY lower(u.display_name), u.id",
        )
        .bind(pcn.0)
        .bind(cutoffs.contact_since)
        .bind(cutoffs.today)
        .bind(cutoffs.breach_received_before)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|row| {
                Ok(WorkerLoad {
                    user_id: get::<Uuid>(row, "id")?.into(),
                    name: get(row, "display_name")?,
                    open_cases: get::<i64>(row, "open_cases")? as u64,
                    without_recent_contact: get::<i64>(row, "without_recent_contact")? as u64,
                    overdue_tasks: get::<i64>(row, "overdue_tasks")? as u64,
                    waiting_breaches: get::<i64>(row, "waiting_breaches")? as u64,
                    intervention_received: get::<i64>(row, "intervention_received")? as u64,
                })
            })
            .collect()
    }

    async fn open_concerns(&self, pcn_ids: &[OrgId]) -> StorageResult<Vec<ConcernItem>> {
        if pcn_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = pcn_ids.iter().map(|id| id.0).collect();
        let mut q = QueryBuilder::<Db>::new(format!(
            "SELECT {}, {PERSON_BRIEF_COLUMNS}, r.reference AS r_reference FROM case_notes n \
             JOIN people p ON p.id = n.person_id JOIN referrals r ON r.id = n.referral_id \
             WHERE n.concern_category IS NOT NULL AND n.concern_resolved_at IS NULL{NOT_RESTRICTED} AND ",
            prefixed("n", NOTE_COLUMNS)
        ));
        push_in(&mut q, "n.pcn_id", &ids);
        q.push(" ORDER BY n.at, n.id");
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter()
            .map(|row| {
                Ok(ConcernItem {
                    note: note(row)?,
                    person: person_brief(row)?,
                    reference: reference(row)?,
                })
            })
            .collect()
    }

    async fn bulk_insert_casework(
        &self,
        rows: &mut (dyn Iterator<Item = CaseworkChanges> + Send),
        audit: &NewAuditEvent,
    ) -> StorageResult<u64> {
        let mut tx = self.write().await?;
        let mut written = 0u64;
        loop {
            let batch: Vec<CaseworkChanges> = rows.take(BULK_BATCH).collect();
            if batch.is_empty() {
                break;
            }
            let rows: Vec<&CaseworkChanges> = batch.iter().collect();
            insert_new(&mut tx, &rows).await?;
            super::linking::write_linking(&mut tx, &rows, false).await?;
            written += batch.len() as u64;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)?;
        Ok(written)
    }

    async fn set_calendar_feed(
        &self,
        user: UserId,
        feed: Option<&CalendarFeed>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1")
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        if let Some(f) = feed {
            sqlx::query(
                "INSERT INTO calendar_feeds (user_id, token_hash, full_names, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(f.user_id.0)
            .bind(&f.token_hash)
            .bind(f.full_names)
            .bind(f.created_at)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn calendar_feed(&self, user: UserId) -> StorageResult<Option<CalendarFeed>> {
        calendar_feed_where(self, "user_id = $1", user.0).await
    }

    async fn calendar_feed_by_hash(&self, token_hash: &str) -> StorageResult<Option<CalendarFeed>> {
        calendar_feed_where(self, "token_hash = $1", token_hash.to_owned()).await
    }
}

fn reference(row: &DbRow) -> StorageResult<ReferralReference> {
    let raw: String = get(row, "r_reference")?;
    ReferralReference::parse(&raw).ok_or_else(|| corrupt("referral reference", &raw))
}

async fn calendar_feed_where<T>(
    store: &Store,
    filter: &str,
    value: T,
) -> StorageResult<Option<CalendarFeed>>
where
    T: for<'q> sqlx::Encode<'q, Db> + sqlx::Type<Db> + Send + 'static,
{
    let row = sqlx::query(&format!(
        "SELECT user_id, token_hash, full_names, created_at FROM calendar_feeds WHERE {filter}"
    ))
    .bind(value)
    .fetch_optional(&store.pool)
    .await
    .map_err(backend)?;
    row.map(|row| {
        Ok(CalendarFeed {
            user_id: get::<Uuid>(&row, "user_id")?.into(),
            token_hash: get(&row, "token_hash")?,
            full_names: get(&row, "full_names")?,
            created_at: get(&row, "created_at")?,
        })
    })
    .transpose()
}
