//! Reading and exporting the audit log.

use std::io::Write;

use linkwork_domain::audit::{Actor, AuditAction, AuditEvent, NewAuditEvent};
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_storage::{AuditFilter, Page, PageRequest};

use crate::App;
use crate::admin::Caller;
use crate::csv_export::SpreadsheetCsv;
use crate::error::{AppError, AppResult};

/// Events fetched per query while exporting, so memory stays flat however
/// long the log is.
const EXPORT_BATCH: u32 = 1000;

impl App {
    /// A page of the log for an admin: events belonging to their
    /// organisation's subtree, newest first.
    pub async fn audit_page(
        &self,
        caller: Caller<'_>,
        mut filter: AuditFilter,
        page: PageRequest,
    ) -> AppResult<Page<AuditEvent>> {
        if let Caller::User(p) = caller {
            p.require(Permission::ViewAuditLog)?;
            filter.within = Some(p.user.org_id);
        }
        Ok(self.store.audit_events(&filter, page).await?)
    }

    /// The security events an admin watches (`AuditAction::SECURITY`):
    /// those of their organisation's subtree, and, for an administrator of
    /// a top-level organisation (an ICB), those that belong to no
    /// organisation (sign-ins to unknown accounts, the public form, exports
    /// of the log), newest first.
    pub async fn security_events(
        &self,
        p: &crate::Principal,
        page: PageRequest,
    ) -> AppResult<Page<AuditEvent>> {
        p.require(Permission::ViewAuditLog)?;
        let top_level = self
            .store
            .organisation(p.user.org_id)
            .await?
            .is_some_and(|org| org.parent_id.is_none());
        let filter = AuditFilter {
            within: Some(p.user.org_id),
            unattributed: top_level,
            actions: AuditAction::SECURITY
                .iter()
                .map(|a| a.code().to_owned())
                .collect(),
            ..Default::default()
        };
        Ok(self.store.audit_events(&filter, page).await?)
    }

    /// Writes the events matching `filter` as CSV, oldest first, and
    /// records the export itself in the log. Returns how many were written.
    pub async fn export_audit_csv(&self, filter: &AuditFilter, out: impl Write) -> AppResult<u64> {
        let mut writer = SpreadsheetCsv::new(out);
        let io = |e: csv::Error| AppError::Export(e.to_string());
        writer
            .write_row([
                "id",
                "at",
                "actor_user_id",
                "actor",
                "org_id",
                "action",
                "entity_type",
                "entity_id",
                "detail",
                "ip",
            ])
            .map_err(io)?;
        let mut after = None;
        let mut written = 0u64;
        loop {
            let batch = self
                .store
                .audit_events_after(filter, after, EXPORT_BATCH)
                .await?;
            let Some(last) = batch.last() else { break };
            after = Some((last.at, last.id));
            for e in &batch {
                writer
                    .write_row([
                        e.id.to_string(),
                        e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                        e.actor_user_id.map(|id| id.to_string()).unwrap_or_default(),
                        e.actor_label.clone(),
                        e.org_id.map(|id| id.to_string()).unwrap_or_default(),
                        e.action.clone(),
                        e.entity_type.clone().unwrap_or_default(),
                        e.entity_id.clone().unwrap_or_default(),
                        e.detail.clone(),
                        e.ip.clone().unwrap_or_default(),
                    ])
                    .map_err(io)?;
            }
            written += batch.len() as u64;
        }
        writer
            .flush()
            .map_err(|e| AppError::Export(e.to_string()))?;
        let event = NewAuditEvent::new(Actor::Cli, AuditAction::AuditExport, now())
            .detail(format!("{written} events exported"));
        self.store.record(&event).await?;
        Ok(written)
    }
}
