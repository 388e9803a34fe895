//! Complaints: public report and tracking pages, staff pages (filled in by the complaints work).
