//! The shared person's rights suite on SQLite.
use linkwork_storage_testsuite::databases::{SqliteTestDatabase, TestDatabase};

linkwork_storage_testsuite::all_rights_cases!(SqliteTestDatabase::create);
