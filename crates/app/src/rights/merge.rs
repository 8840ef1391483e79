//! Merging duplicate records: a team lead finds two records of one person
//! in their network, compares them side by side and merges one (B) into
//! the other (A). Everything about B moves to A; B is kept, marked merged
//! and hidden. The merge stores what moved, so undoing it moves exactly
//! that back and nothing is lost (DEVELOPERS.md decision 54).

use linkwork_domain::PersonId;
use linkwork_domain::audit::{AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::person::{Person, checked_search_terms};
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_storage::{PageRequest, PersonMerge};
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

impl App {
    /// Records of `id`'s network matching `query`, to merge into it: the
    /// record itself and merged ones left out. Audited as a search.
    pub async fn merge_candidates(
        &self,
        p: &Principal,
        id: PersonId,
        query: &str,
    ) -> AppResult<Vec<Person>> {
        let kept = self.person_for_rights(p, id).await?;
        let terms = checked_search_terms(query)?;
        let event = NewAuditEvent::new(p.actor(), AuditAction::PersonSearch, now())
            .detail(format!("Searched for {:?} to merge", query.trim()))
            .ip(p.ip.clone());
        self.store.record(&event).await?;
        let found: Vec<Person> = self
            .store
            .search_people(&[kept.pcn_id], &terms, true, PageRequest::new(1, 50))
            .await?
            .items
            .into_iter()
            .filter(|c| c.id != kept.id && c.rights.erased_at.is_none())
            .collect();
        self.audit_people_shown(
            p,
            &format!("Records found by {:?} to merge", query.trim()),
            found.iter().map(|c| (c.id, c.pcn_id)),
        )
        .await?;
        Ok(found)
    }

    /// Two records to compare before merging `merged` into `kept`: both of
    /// one network, neither merged nor erased.
    async fn merge_pair(
        &self,
        p: &Principal,
        kept: PersonId,
        merged: PersonId,
    ) -> AppResult<(Person, Person)> {
        if kept == merged {
            return Err(AppError::Conflict(
                "A record cannot be merged into itself".into(),
            ));
        }
        let a = self.person_for_rights(p, kept).await?;
        let b = self.person_for_rights(p, merged).await?;
        if a.pcn_id != b.pcn_id {
            return Err(AppError::NotFound("person"));
        }
        // Merging would show a restricted record's contents on the other.
        if a.rights.restriction.is_some() || b.rights.restriction.is_some() {
            return Err(AppError::Conflict(
                "One of these records is restricted: lift the restriction before merging them"
                    .into(),
            ));
        }
        Ok((a, b))
    }

    /// Merges `merged` into `kept`, audited against both records.
    pub async fn merge_people(
        &self,
        p: &Principal,
        kept: PersonId,
        merged: PersonId,
    ) -> AppResult<PersonMerge> {
        let (a, b) = self.merge_pair(p, kept, merged).await?;
        let merge = PersonMerge {
            id: Uuid::new_v4(),
            pcn_id: a.pcn_id,
            kept_id: a.id,
            merged_id: b.id,
            moved: 0,
            merged_at: now(),
            merged_by: p.actor().label(),
            undone_at: None,
            undone_by: None,
        };
        let event = NewAuditEvent::new(p.actor(), AuditAction::PersonMerge, merge.merged_at)
            .entity(EntityRef::new("person", a.id))
            .org(a.pcn_id)
            .detail(format!(
                "Merged record {} into this one (merge {})",
                b.id, merge.id
            ))
            .ip(p.ip.clone());
        Ok(self.store.merge_people(&merge, &event).await?)
    }

    /// Undoes a merge of the network's: what came from the merged record
    /// goes back to it, and it is shown again.
    pub async fn undo_merge(&self, p: &Principal, merge_id: Uuid) -> AppResult<PersonMerge> {
        // The role first, so that refusing it says nothing of the merge.
        p.require(Permission::ManagePersonRights)?;
        let merge = self
            .store
            .person_merge(merge_id)
            .await?
            .ok_or(AppError::NotFound("merge"))?;
        let kept = self.person_for_rights(p, merge.kept_id).await?;
        let at = now();
        let event = NewAuditEvent::new(p.actor(), AuditAction::PersonMergeUndo, at)
            .entity(EntityRef::new("person", kept.id))
            .org(kept.pcn_id)
            .detail(format!(
                "Undid the merge of record {} into this one (merge {})",
                merge.merged_id, merge.id
            ))
            .ip(p.ip.clone());
        Ok(self
            .store
            .undo_merge(merge_id, at, &p.actor().label(), &event)
            .await?)
    }

    /// The merges into or of a record, newest first, for its team leads.
    pub async fn merges_of(&self, p: &Principal, id: PersonId) -> AppResult<Vec<PersonMerge>> {
        let person = self.person_for_rights_or_merged(p, id).await?;
        Ok(self.store.person_merges(person.id).await?)
    }

    /// Both records for the side-by-side page, audited as reads.
    pub async fn merge_comparison(
        &self,
        p: &Principal,
        kept: PersonId,
        merged: PersonId,
    ) -> AppResult<(Person, Person)> {
        let (a, b) = self.merge_pair(p, kept, merged).await?;
        for person in [&a, &b] {
            self.audit_person_view(
                p.actor(),
                p.ip.clone(),
                person.id,
                person.pcn_id,
                "Compared to merge".into(),
            )
            .await?;
        }
        Ok((a, b))
    }
}
