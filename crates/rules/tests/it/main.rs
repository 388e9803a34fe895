//! The integration tests of this crate, one binary (one link) with a module per area.

mod assess;
mod decisions;
mod profiles;
mod props;
