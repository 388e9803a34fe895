//! The integration tests of this crate, one binary (one link) with a module per area.

mod no_panic;
mod normalize_props;
mod read_fixtures;
mod roundtrip;
mod targets;
mod xls_alloc_bound;
