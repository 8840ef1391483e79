//! The shared casework suite on SQLite.
use linkwork_storage_testsuite::databases::{SqliteTestDatabase, TestDatabase};

linkwork_storage_testsuite::all_casework_cases!(SqliteTestDatabase::create);
