//! Household import from spreadsheets (filled in by the households work).
