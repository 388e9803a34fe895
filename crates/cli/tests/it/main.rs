//! The integration tests of this crate, one binary (one link) with a module per area.

mod support;

mod assess;
mod cli;
mod complaints;
mod consultations;
mod funds;
mod households;
mod plans;
mod policy;
mod projects;
mod reports;
mod serve;
mod supervision;
mod user;
