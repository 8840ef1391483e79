//! The shared referral suite on SQLite.
use linkwork_storage_testsuite::databases::{SqliteTestDatabase, TestDatabase};

linkwork_storage_testsuite::all_referral_cases!(SqliteTestDatabase::create);
