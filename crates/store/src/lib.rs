//! Storage for jiugai on SQLite (bundled, WAL) and PostgreSQL, behind one [`Db`] enum.
//!
//! Invariants:
//! - Every query is written once with `$1` placeholders and runs on both backends ([`with_db!`]);
//!   migrations exist per backend with the same version numbers and the same tables and columns.
//! - Every change is made in a transaction that also appends to the hash-chained audit log.
//! - Money is i64 fen, areas i64 dm² (0.01 m²), counts i64; timestamps are passed from Rust as RFC 3339 UTC.
//! - The store never prints, never reads the terminal, never decides policy (that is `jiugai-rules`).

// Store functions take the database, the tree, the profiles, the actor and the origin explicitly (no hidden
// context), and read rows into tuples where a one-off query needs no struct; `StoreError::Invalid` carries
// both messages and the refusing rule, which makes it large. These three lints are allowed for that reason.
#![allow(clippy::too_many_arguments, clippy::type_complexity, clippy::result_large_err)]

pub mod assess;
pub mod attachments;
pub mod audit;
pub mod clock;
pub mod codes;
pub mod complaints;
mod db;
pub mod error;
pub mod estates;
pub mod funds;
pub mod migrate;
pub mod org;
pub mod plan_views;
pub mod plans;
pub mod policies;
pub mod projects;
pub mod regions;
pub mod report_facts;
pub mod report_overdue;
pub mod reports;
pub mod residents;
pub mod sessions;
pub mod supervision;
pub mod targets;
pub mod testing;
pub mod users;

pub use db::{Backend, DEFAULT_URL, Db, Tx};
pub use error::StoreError;
pub use jiugai_sheet::Lang;
