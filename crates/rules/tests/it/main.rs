//! The integration tests of this crate, one binary (one link) with a module per area.

mod decisions;
mod profiles;
mod props;
