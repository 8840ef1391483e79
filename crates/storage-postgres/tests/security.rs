//! The security suite (issue 8), on PostgreSQL.
use linkwork_storage_testsuite::databases::{PostgresTestDatabase, TestDatabase};

linkwork_storage_testsuite::all_security_cases!(PostgresTestDatabase::create);
