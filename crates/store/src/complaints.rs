//! Complaints and reports from residents (filled in by the complaints work).
