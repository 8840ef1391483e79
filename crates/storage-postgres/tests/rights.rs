//! The shared person's rights suite on PostgreSQL (each test in its own database).
use linkwork_storage_testsuite::databases::{PostgresTestDatabase, TestDatabase};

linkwork_storage_testsuite::all_rights_cases!(PostgresTestDatabase::create);
