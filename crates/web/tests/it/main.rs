//! The integration tests of this crate, one binary (one link) with a module per area.

mod support;

mod access;
mod assess;
mod complaints;
mod consultations;
mod dashboard;
mod e2e;
mod e2e_assess;
mod e2e_complaints;
mod e2e_dashboard;
mod e2e_plans;
mod e2e_projects;
mod e2e_reports;
mod e2e_residents;
mod e2e_supervision;
mod funds;
mod households;
mod http;
mod plans;
mod projects;
mod reports;
mod supervision;
mod targets;
