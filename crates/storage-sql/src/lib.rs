//! Code shared by the SQLite and PostgreSQL backends that does not depend on
//! which database it runs on: row types and assembling services from them,
//! and preparing batches. The queries themselves live beside this crate, in
//! `queries/`, which each backend compiles against its own dialect.

pub mod batch;
pub mod directory;
