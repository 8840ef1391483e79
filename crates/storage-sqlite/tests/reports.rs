//! The reports suite on SQLite.
use linkwork_storage_testsuite::databases::{SqliteTestDatabase, TestDatabase};

linkwork_storage_testsuite::all_report_cases!(SqliteTestDatabase::create);
