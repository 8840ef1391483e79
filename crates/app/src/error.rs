use linkwork_domain::validation::ValidationErrors;
use linkwork_storage::StorageError;

/// Why an application operation did not happen. The web layer maps each to
/// an HTTP status and a stable error code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The user's roles do not allow this, or the record is outside their
    /// organisation's tenancy.
    #[error("you do not have permission to do that")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The input was wrong; nothing was changed.
    #[error("{0}")]
    Invalid(#[from] ValidationErrors),
    /// The change clashes with existing data (e.g. an email in use).
    #[error("{0}")]
    Conflict(String),
    /// The storage layer failed; the details are logged, not shown.
    #[error("storage failure: {0}")]
    Storage(#[source] StorageError),
    /// An import file could not be read or is not in the expected format;
    /// nothing was changed.
    #[error("{0}")]
    Import(String),
    /// Writing an export failed (disk full, closed pipe).
    #[error("export failed: {0}")]
    Export(String),
    /// A sealed secret would not open (`secret_key` changed) or the key
    /// is malformed.
    #[error(transparent)]
    Sealing(#[from] crate::secrets::SealError),
    /// Password hashing failed (misconfigured cost, out of memory).
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// Too much is being asked of this instance at once (password hashing,
    /// a search that ran past its time limit); nothing was changed, and the
    /// caller may try again after a pause.
    #[error("the service is busy; try again in {retry_after_seconds} seconds")]
    Busy { retry_after_seconds: u32 },
    /// Something that should never happen did (a broken deployment); the
    /// details are for the operator's log, not the user.
    #[error("{0}")]
    Internal(String),
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound(what) => AppError::NotFound(what),
            StorageError::Conflict(message) => AppError::Conflict(message),
            other => AppError::Storage(other),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
