//! The directory search's everyday words (synonyms): the list Linkwork
//! ships until a directory manager saves their own, checked whole before it
//! is stored, audited, and applied to every instance's index without a
//! restart (each follows the stored version as it follows the directory's
//! change log).

use std::sync::atomic::Ordering;

use linkwork_domain::audit::{AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::{Timestamp, UserId};
use linkwork_search::{SHIPPED_SYNONYMS, Synonyms};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

/// Longer than the shipped list many times over; parsing is bounded by it.
const MAX_SYNONYMS_BYTES: usize = 200_000;

/// The everyday words as a directory manager edits them.
#[derive(Debug, Clone)]
pub struct SynonymsView {
    /// The list in force, as written.
    pub text: String,
    /// When and by whom it was last saved; `None` while the shipped list
    /// is in force.
    pub saved: Option<(Timestamp, UserId)>,
}

impl App {
    pub async fn search_synonyms(&self, p: &Principal) -> AppResult<SynonymsView> {
        p.require(Permission::EditAnyListing)?;
        Ok(match self.store.search_synonyms().await? {
            Some(stored) => SynonymsView {
                text: stored.text,
                saved: Some((stored.updated_at, stored.updated_by)),
            },
            None => SynonymsView {
                text: SHIPPED_SYNONYMS.to_owned(),
                saved: None,
            },
        })
    }

    /// Checks `text` whole (nothing is stored if any link is unusable),
    /// stores it with its audit event and applies it to this instance's
    /// index at once; other instances apply it at their next sync.
    pub async fn save_search_synonyms(&self, p: &Principal, text: &str) -> AppResult<()> {
        p.require(Permission::EditAnyListing)?;
        let invalid =
            |message: String| AppError::Invalid(ValidationErrors::single("synonyms", message));
        if text.len() > MAX_SYNONYMS_BYTES {
            return Err(invalid(format!(
                "The everyday words must be under {} KB",
                MAX_SYNONYMS_BYTES / 1000
            )));
        }
        let synonyms =
            Synonyms::parse(text).map_err(|e| invalid(format!("Nothing was saved: {e}")))?;
        let event = NewAuditEvent::new(p.actor(), AuditAction::SearchSynonymsChange, now())
            .entity(EntityRef::new("search_synonyms", 1))
            .detail(format!("{} links of everyday words", synonyms.len()))
            .ip(p.ip.clone());
        let version = self
            .store
            .save_search_synonyms(text, p.user.id, now(), &event)
            .await?;
        self.apply_synonyms(synonyms, version);
        Ok(())
    }

    /// Applies the stored synonyms if they changed since this instance
    /// last looked (or the shipped list, if none are stored).
    pub(crate) async fn sync_synonyms(&self) -> AppResult<()> {
        let stored = self.store.search_synonyms().await?;
        let version = stored.as_ref().map_or(0, |s| s.version);
        if version == self.directory.synonyms_version.load(Ordering::SeqCst) {
            return Ok(());
        }
        let synonyms = match stored {
            None => Synonyms::shipped(),
            // Saved lists were checked; one that no longer parses (a
            // need since removed from Linkwork's list) must not stop search.
            Some(s) => Synonyms::parse(&s.text).unwrap_or_else(|e| {
                tracing::error!(error = %e, "stored search synonyms unusable; using the shipped list");
                Synonyms::shipped()
            }),
        };
        self.apply_synonyms(synonyms, version);
        Ok(())
    }

    fn apply_synonyms(&self, synonyms: Synonyms, version: i64) {
        self.directory.set_synonyms(synonyms, version);
    }
}
