//! Code shared by the SQLite and PostgreSQL backends. Both store the same
//! relational schema (each with its own migrations and queries); decoding a
//! row into a domain value and assembling a service from its tables is the
//! same work for both, so it lives here once.

pub mod batch;
pub mod directory;
