//! Spreadsheet crate (placeholder until it lands).
