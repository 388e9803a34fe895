//! Time for the store. Stored instants are RFC 3339 UTC text made in Rust ([`jiugai_domain::time`]), never
//! by a database, so they compare in time order on both backends.

pub use jiugai_domain::time::{from_now, now_rfc3339, rfc3339, shift};

/// Today's date in Beijing, or `JIUGAI_TODAY=YYYY-MM-DD` when set (for demonstrations and tests of deadlines).
pub fn today() -> jiugai_domain::Date {
    if let Ok(s) = std::env::var("JIUGAI_TODAY")
        && let Some(d) = jiugai_domain::Date::parse(s.trim())
    {
        return d;
    }
    jiugai_domain::time::today_beijing()
}
