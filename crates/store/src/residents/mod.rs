//! Residents: the household registry of each estate, consultations and their ballots (QR code, paper
//! entered twice, assisted entry), and exact tallies decided by `jiugai-rules`.
//!
//! Invariants:
//! - One counted ballot per household and consultation (`UNIQUE (consultation_id, household_id)` in the
//!   database, not only in code); every accepted submission is also appended to `ballot_history`.
//! - Who may vote is frozen when a consultation opens (`consultation_households`): later registry edits
//!   do not change an open vote's denominator.
//! - A closed consultation never changes again: its final tally is stored with its SHA-256 and the same
//!   digest is written into the audit log in the closing transaction.

pub mod consultations;
pub mod households;
pub mod import;
