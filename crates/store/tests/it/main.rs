//! The integration tests of this crate, one binary (one link) with a module per area.

mod assess;
mod complaints;
mod funds;
mod households;
mod plans;
mod projects;
mod registry;
mod reports;
mod residents;
mod schema;
mod supervision;
mod web_store;
