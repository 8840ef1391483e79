//! The shared storage suite, on SQLite.
use linkwork_storage_testsuite::databases::{SqliteTestDatabase, TestDatabase};

linkwork_storage_testsuite::all_storage_cases!(SqliteTestDatabase::create);
