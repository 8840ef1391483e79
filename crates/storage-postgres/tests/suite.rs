//! The shared storage suite, on PostgreSQL (each test in its own database).
use linkwork_storage_testsuite::databases::{PostgresTestDatabase, TestDatabase};

linkwork_storage_testsuite::all_storage_cases!(PostgresTestDatabase::create);
