//! Policy profiles and decisions (placeholder until the rules crate lands).
