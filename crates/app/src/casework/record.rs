//! What matters, the plan, notes and tasks: the parts of a case the link
//! worker writes as they go.

use chrono::NaiveDate;
use linkwork_domain::audit::AuditAction;
use linkwork_domain::casework::{
    CaseNote, Goal, GoalInput, NoteInput, Plan, Safeguarding, Task, TaskInput, TaskKind,
    WhatMatters, WhatMattersInput, validate_resolution, validate_review_date,
};
use linkwork_domain::person::DateParts;
use linkwork_domain::referral::Referral;
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::{CaseNoteId, GoalId, ReferralId, TaskId, WhatMattersId};
use linkwork_storage::{CaseworkChanges, TaskFilter};

use super::stale;
use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

impl App {
    /// Saves a new revision of what matters. `expected_revision` is the
    /// revision the form was loaded at (0 for the first conversation).
    pub async fn save_what_matters(
        &self,
        p: &Principal,
        referral_id: ReferralId,
        expected_revision: i64,
        input: &WhatMattersInput,
    ) -> AppResult<WhatMatters> {
        let referral = self.case_referral(p, referral_id).await?;
        referral.require_open_case()?;
        let current = self.store.case_file(referral_id).await?.what_matters;
        if current.as_ref().map_or(0, |c| c.revision) != expected_revision {
            return Err(stale("what matters to this person"));
        }
        let d = input.validate(&self.store.needs().await?, current.as_ref())?;
        let revision = WhatMatters {
            id: WhatMattersId::new(),
            referral_id,
            person_id: referral.person_id,
            revision: expected_revision + 1,
            in_their_words: d.in_their_words,
            needs: d.needs,
            strengths: d.strengths,
            interests: d.interests,
            barriers: d.barriers,
            barrier_notes: d.barrier_notes,
            free_times: d.free_times,
            communication_needs: d.communication_needs,
            recorded_at: now(),
            recorded_by: p.user.id,
            recorded_by_name: p.user.display_name.clone(),
        };
        let audit = self.case_audit(
            p,
            AuditAction::WhatMattersSave,
            &referral,
            format!("revision {}", revision.revision),
        );
        self.save(
            CaseworkChanges {
                what_matters: Some(revision.clone()),
                ..Default::default()
            },
            audit,
        )
        .await?;
        Ok(revision)
    }

    /// Every revision of what matters, newest first (audited as a read).
    pub async fn what_matters_history(
        &self,
        p: &Principal,
        referral_id: ReferralId,
    ) -> AppResult<Vec<WhatMatters>> {
        let referral = self.case_referral(p, referral_id).await?;
        self.audit_person_view(
            p.actor(),
            p.ip.clone(),
            referral.person_id,
            referral.pcn_id,
            format!("What matters history of referral {}", referral.reference),
        )
        .await?;
        Ok(self.store.what_matters_history(referral_id).await?)
    }

    /// The plan as stored, or a new empty one; refused if it is no longer
    /// at `expected_version`.
    async fn plan_to_change(
        &self,
        p: &Principal,
        referral: &Referral,
        expected_version: i64,
    ) -> AppResult<Plan> {
        referral.require_open_case()?;
        let plan = self
            .store
            .case_file(referral.id)
            .await?
            .plan
            .unwrap_or_else(|| Plan::empty(referral.id, referral.person_id, now(), p.user.id));
        if plan.version != expected_version {
            return Err(stale("this plan"));
        }
        Ok(plan)
    }

    /// Saves the plan's next version, keeping its review task in step with
    /// its review date.
    async fn save_plan(
        &self,
        p: &Principal,
        referral: &Referral,
        mut plan: Plan,
        mut changes: CaseworkChanges,
        detail: String,
    ) -> AppResult<Plan> {
        let expected = plan.version;
        plan.version += 1;
        plan.updated_at = now();
        plan.updated_by = p.user.id;
        let open_review = self
            .store
            .tasks(&TaskFilter {
                referral_id: Some(referral.id),
                open_only: true,
                limit: 500,
                ..Default::default()
            })
            .await?
            .into_iter()
            .map(|i| i.task)
            .find(|t| t.kind == TaskKind::PlanReview);
        let already_set = changes.tasks.iter().any(|t| t.kind == TaskKind::PlanReview);
        if !already_set {
            match (open_review, plan.review_date) {
                (Some(mut task), Some(date)) if task.due != date => {
                    task.due = date;
                    changes.tasks.push(task);
                }
                (Some(mut task), None) => {
                    task.complete(now(), p.user.id);
                    changes.tasks.push(task);
                }
                (None, Some(date)) => changes.tasks.push(self.new_task(
                    p,
                    referral,
                    TaskKind::PlanReview,
                    "Review the plan".into(),
                    date,
                )),
                _ => {}
            }
        }
        changes.plan = Some((plan.clone(), expected));
        let audit = self.case_audit(p, AuditAction::PlanSave, referral, detail);
        self.save(changes, audit).await?;
        Ok(plan)
    }

    /// Adds a goal (`goal` is `None`) or changes one, with its steps.
    pub async fn save_goal(
        &self,
        p: &Principal,
        referral_id: ReferralId,
        goal: Option<GoalId>,
        expected_version: i64,
        input: &GoalInput,
    ) -> AppResult<Plan> {
        let referral = self.case_referral(p, referral_id).await?;
        let mut plan = self.plan_to_change(p, &referral, expected_version).await?;
        let (words, status, steps) = input.validate()?;
        let detail = match goal {
            None => {
                if plan.goals.len() >= linkwork_domain::casework::MAX_GOALS {
                    return Err(ValidationErrors::single(
                        "in_their_words",
                        format!(
                            "A plan can have up to {} goals: mark one as achieved or no longer relevant and change it instead",
                            linkwork_domain::casework::MAX_GOALS
                        ),
                    )
                    .into());
                }
                plan.goals.push(Goal {
                    id: GoalId::new(),
                    in_their_words: words,
                    status,
                    steps,
                });
                format!("added goal {}", plan.goals.len())
            }
            Some(id) => {
                let position = plan
                    .goals
                    .iter()
                    .position(|g| g.id == id)
                    .ok_or(AppError::NotFound("goal"))?;
                plan.goals[position] = Goal {
                    id,
                    in_their_words: words,
                    status,
                    steps,
                };
                format!("changed goal {}", position + 1)
            }
        };
        self.save_plan(p, &referral, plan, CaseworkChanges::default(), detail)
            .await
    }

    /// Sets (or clears) the date to review the plan.
    pub async fn set_review_date(
        &self,
        p: &Principal,
        referral_id: ReferralId,
        expected_version: i64,
        date: &DateParts,
    ) -> AppResult<Plan> {
        let referral = self.case_referral(p, referral_id).await?;
        let mut plan = self.plan_to_change(p, &referral, expected_version).await?;
        plan.review_date = validate_review_date(date, self.today())?;
        let detail = match plan.review_date {
            Some(d) => format!("review date {d}"),
            None => "review date cleared".into(),
        };
        self.save_plan(p, &referral, plan, CaseworkChanges::default(), detail)
            .await
    }

    /// Records a review of the plan: the review task is done, a note says
    /// what was agreed, and the next review date is set.
    pub async fn review_plan(
        &self,
        p: &Principal,
        referral_id: ReferralId,
        expected_version: i64,
        summary: &str,
        next_review: &DateParts,
    ) -> AppResult<Plan> {
        let referral = self.case_referral(p, referral_id).await?;
        let mut plan = self.plan_to_change(p, &referral, expected_version).await?;
        let mut errors = ValidationErrors::new();
        let summary = linkwork_domain::validation::text(
            &mut errors,
            "summary",
            summary,
            4000,
            "The review notes",
        );
        if summary.is_none() {
            errors.add(
                "summary",
                "Say what you and the person agreed at the review",
            );
        }
        match validate_review_date(next_review, self.today()) {
            Ok(date) => plan.review_date = date,
            Err(e) => errors.extend(e),
        }
        errors.into_result(())?;
        let at = now();
        let mut changes = CaseworkChanges::default();
        let open = self
            .store
            .tasks(&TaskFilter {
                referral_id: Some(referral.id),
                open_only: true,
                limit: 500,
                ..Default::default()
            })
            .await?;
        for item in open {
            if item.task.kind == TaskKind::PlanReview {
                let mut done = item.task;
                done.complete(at, p.user.id);
                changes.tasks.push(done);
            }
        }
        if let Some(date) = plan.review_date {
            changes.tasks.push(self.new_task(
                p,
                &referral,
                TaskKind::PlanReview,
                "Review the plan".into(),
                date,
            ));
        }
        changes.notes.push(CaseNote {
            id: CaseNoteId::new(),
            person_id: referral.person_id,
            referral_id: referral.id,
            pcn_id: referral.pcn_id,
            at,
            author_id: p.user.id,
            author_name: p.user.display_name.clone(),
            text: format!("Plan reviewed. {}", summary.expect("validated")),
            safeguarding: None,
        });
        self.save_plan(p, &referral, plan, changes, "reviewed".into())
            .await
    }

    /// Adds a case note, which may raise a safeguarding concern.
    pub async fn add_note(
        &self,
        p: &Principal,
        referral_id: ReferralId,
        input: &NoteInput,
    ) -> AppResult<CaseNote> {
        let referral = self.case_referral(p, referral_id).await?;
        let (text, concern) = input.validate()?;
        let note = CaseNote {
            id: CaseNoteId::new(),
            person_id: referral.person_id,
            referral_id,
            pcn_id: referral.pcn_id,
            at: now(),
            author_id: p.user.id,
            author_name: p.user.display_name.clone(),
            text,
            safeguarding: concern.map(|(category, action_taken)| Safeguarding {
                category,
                action_taken,
                resolved_at: None,
                resolved_by: None,
                resolution: None,
            }),
        };
        let audit = match &note.safeguarding {
            Some(s) => self.case_audit(
                p,
                AuditAction::SafeguardingConcern,
                &referral,
                s.category.label(),
            ),
            None => self.case_audit(p, AuditAction::NoteAdd, &referral, "note"),
        };
        self.save(
            CaseworkChanges {
                notes: vec![note.clone()],
                ..Default::default()
            },
            audit,
        )
        .await?;
        Ok(note)
    }

    /// Closes an open safeguarding concern, saying how it was resolved.
    /// Team leads only.
    pub async fn resolve_concern(
        &self,
        p: &Principal,
        referral_id: ReferralId,
        note_id: CaseNoteId,
        resolution: &str,
    ) -> AppResult<()> {
        let referral = self.case_referral(p, referral_id).await?;
        p.require(Permission::ReassignCases)?;
        let mut note = self
            .store
            .case_file(referral_id)
            .await?
            .notes
            .into_iter()
            .find(|n| n.id == note_id)
            .ok_or(AppError::NotFound("concern"))?;
        let resolution = validate_resolution(resolution)?;
        let concern = note
            .safeguarding
            .as_mut()
            .filter(|s| s.is_open())
            .ok_or_else(|| AppError::Conflict("This concern is already resolved".into()))?;
        concern.resolved_at = Some(now());
        concern.resolved_by = Some(p.user.id);
        concern.resolution = Some(resolution);
        let audit = self.case_audit(
            p,
            AuditAction::SafeguardingResolve,
            &referral,
            concern.category.label(),
        );
        self.save(
            CaseworkChanges {
                notes: vec![note],
                ..Default::default()
            },
            audit,
        )
        .await
    }

    /// Adds a task to a case, for its link worker, or for `input.owner`
    /// when a team lead chooses someone else on the team.
    pub async fn add_task(
        &self,
        p: &Principal,
        referral_id: ReferralId,
        input: &TaskInput,
    ) -> AppResult<Task> {
        let referral = self.case_referral(p, referral_id).await?;
        referral.require_open_case()?;
        let (kind, title, due) = input.validate(self.today())?;
        let mut task = self.new_task(p, &referral, kind, title, due);
        if let Some((owner, _)) = self.assignee_for_task(p, &referral, &input.owner).await? {
            task.owner = owner;
        }
        let audit = self.case_audit(p, AuditAction::TaskAdd, &referral, kind.label());
        self.save(
            CaseworkChanges {
                tasks: vec![task.clone()],
                ..Default::default()
            },
            audit,
        )
        .await?;
        Ok(task)
    }

    /// The owner a task form names, if any: someone on the network's team.
    async fn assignee_for_task(
        &self,
        p: &Principal,
        referral: &Referral,
        raw: &str,
    ) -> AppResult<Option<(linkwork_domain::UserId, String)>> {
        if raw.trim().is_empty() {
            return Ok(None);
        }
        let workers = self.assignable_workers(p, referral.pcn_id).await?;
        raw.trim()
            .parse::<linkwork_domain::UserId>()
            .ok()
            .and_then(|id| workers.into_iter().find(|w| w.id == id))
            .map(|w| Some((w.id, w.display_name)))
            .ok_or_else(|| ValidationErrors::single("owner", "Select someone from the list").into())
    }

    /// Marks a task done.
    pub async fn complete_task(
        &self,
        p: &Principal,
        referral_id: ReferralId,
        task_id: TaskId,
    ) -> AppResult<Task> {
        let referral = self.case_referral(p, referral_id).await?;
        let mut task = self
            .store
            .tasks(&TaskFilter {
                referral_id: Some(referral_id),
                limit: 1000,
                ..Default::default()
            })
            .await?
            .into_iter()
            .map(|i| i.task)
            .find(|t| t.id == task_id)
            .ok_or(AppError::NotFound("task"))?;
        if !task.is_open() {
            return Ok(task);
        }
        if task.kind == TaskKind::Contact {
            return Err(AppError::Conflict(
                "This task is done when you record what happened at the contact".into(),
            ));
        }
        task.complete(now(), p.user.id);
        let audit = self.case_audit(p, AuditAction::TaskComplete, &referral, task.kind.label());
        self.save(
            CaseworkChanges {
                tasks: vec![task.clone()],
                ..Default::default()
            },
            audit,
        )
        .await?;
        Ok(task)
    }

    /// The follow-up task for a contact attempt that sets a next action
    /// (`referral` as the attempt left it, which names the action).
    pub(crate) fn follow_up_task(
        &self,
        p: &Principal,
        referral: &Referral,
        due: NaiveDate,
    ) -> Task {
        let title = referral
            .next_action_note
            .clone()
            .unwrap_or_else(|| "Try to contact again".into());
        self.new_task(p, referral, TaskKind::FollowUpCall, title, due)
    }
}
