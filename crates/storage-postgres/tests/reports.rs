//! The reports suite on PostgreSQL.
use linkwork_storage_testsuite::databases::{PostgresTestDatabase, TestDatabase};

linkwork_storage_testsuite::all_report_cases!(PostgresTestDatabase::create);
