use std::error::Error as StdError;

/// What can go wrong in a store, in terms callers can act on.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The record to change does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The change would break a uniqueness rule, e.g. a second account with
    /// the same email. The text names what clashed.
    #[error("{0}")]
    Conflict(String),
    /// The caller's input ended in an error part-way through a bulk
    /// operation; everything it had written was rolled back.
    #[error("{0}")]
    Aborted(String),
    /// The database could not be reached or failed; details are for logs.
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn StdError + Send + Sync>),
}

impl StorageError {
    pub fn backend(e: impl StdError + Send + Sync + 'static) -> Self {
        StorageError::Backend(Box::new(e))
    }
}

pub type StorageResult<T> = Result<T, StorageError>;
