//! The security suite (issue 8), on SQLite.
use linkwork_storage_testsuite::databases::{SqliteTestDatabase, TestDatabase};

linkwork_storage_testsuite::all_security_cases!(SqliteTestDatabase::create);
