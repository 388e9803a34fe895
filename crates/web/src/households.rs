//! Household registry pages (filled in by the households work).
