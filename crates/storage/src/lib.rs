//! What Linkwork needs from a database, as domain operations. Each backend
//! crate implements these traits against its own schema and migrations;
//! `linkwork-storage-testsuite` checks that every backend behaves the same.
//!
//! Every operation that changes data takes the audit event describing the
//! change and writes both in one transaction: the change is never saved
//! without its audit entry, nor the entry without the change.

mod casework;
mod directory;
mod error;
mod feeds;
mod linking;
mod measures;
mod page;
mod referrals;
mod reports;
mod rights;
mod sign_in;
mod traits;

pub use casework::*;
pub use directory::{
    DirectoryChange, DirectoryItem, DirectoryRecord, DirectoryStore, ImportCounts,
};
pub use error::{StorageError, StorageResult};
pub use feeds::*;
pub use linking::*;
pub use measures::*;
pub use page::{Page, PageRequest};
pub use referrals::*;
pub use reports::*;
pub use rights::*;
pub use sign_in::*;
pub use traits::*;
