//! Instants and Beijing time. Stored instants are UTC text in one shape (`2026-03-01T01:00:00.000Z`, from
//! [`now_rfc3339`]), made in Rust, never by a database; people read and type Beijing time (Asia/Shanghai,
//! from the time-zone database bundled into the binary by jiff).

use std::sync::OnceLock;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::units::Date;

/// Asia/Shanghai.
pub fn beijing_zone() -> &'static TimeZone {
    static TZ: OnceLock<TimeZone> = OnceLock::new();
    TZ.get_or_init(|| TimeZone::get("Asia/Shanghai").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(8))))
}

/// An instant in the stored shape: RFC 3339, UTC, milliseconds (`2023-11-14T22:13:20.005Z`).
pub fn rfc3339(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Now, in the stored shape.
pub fn now_rfc3339() -> String {
    rfc3339(Timestamp::now())
}

/// A stored (or any RFC 3339) instant.
pub fn parse_instant(s: &str) -> Option<Timestamp> {
    s.trim().parse::<Timestamp>().ok()
}

/// A stored instant as people read it: Beijing time to the minute, `2026-03-01 09:00`. Text that is not an
/// instant is returned as it is.
pub fn beijing(s: &str) -> String {
    match parse_instant(s) {
        Some(t) => t.to_zoned(beijing_zone().clone()).strftime("%Y-%m-%d %H:%M").to_string(),
        None => s.to_string(),
    }
}

/// The same to the second: `2026-03-01 09:00:05`.
pub fn beijing_seconds(s: &str) -> String {
    match parse_instant(s) {
        Some(t) => t.to_zoned(beijing_zone().clone()).strftime("%Y-%m-%d %H:%M:%S").to_string(),
        None => s.to_string(),
    }
}

/// The Beijing date of an instant.
pub fn beijing_date(t: Timestamp) -> Option<Date> {
    Date::from_civil(t.to_zoned(beijing_zone().clone()).date())
}

/// Today's date in Beijing.
pub fn today_beijing() -> Date {
    beijing_date(Timestamp::now()).expect("a date within years 1..=9999")
}

/// Beijing wall time as people type it (`2026-12-01 08:00`, `2026-12-01T08:00`, `2026-12-01 08:00:30`, or a
/// bare date meaning 00:00) → the stored UTC instant. An RFC 3339 instant with `Z` or an offset is taken as
/// it is. `None` if it is not such a time.
pub fn from_beijing(s: &str) -> Option<String> {
    from_beijing_at(s, false)
}

/// The same, where a bare date means the end of that day (24:00) if `end_of_day`.
pub fn from_beijing_at(s: &str, end_of_day: bool) -> Option<String> {
    let t = s.trim();
    if (t.ends_with('Z') || t.ends_with('z') || t.get(t.len().saturating_sub(6)..).is_some_and(|o| o.starts_with('+')))
        && let Some(ts) = parse_instant(t)
    {
        return Some(rfc3339(ts));
    }
    let t = t.replace('T', " ");
    let dt: jiff::civil::DateTime = if t.len() == 10 {
        let d = Date::parse(&t)?;
        let d = if end_of_day { d.add_days(1)? } else { d };
        d.civil().to_datetime(jiff::civil::Time::midnight())
    } else {
        let fmt = if t.len() == 16 { "%Y-%m-%d %H:%M" } else { "%Y-%m-%d %H:%M:%S" };
        jiff::civil::DateTime::strptime(fmt, &t).ok()?
    };
    let z = dt.to_zoned(beijing_zone().clone()).ok()?;
    Some(rfc3339(z.timestamp()))
}

/// The stored instant `secs` seconds after `at` (before, if negative).
pub fn shift(at: &str, secs: i64) -> Option<String> {
    let t = parse_instant(at)?;
    t.checked_add(jiff::SignedDuration::from_secs(secs)).ok().map(rfc3339)
}

/// The stored instant `secs` seconds from now (in the past, if negative).
pub fn from_now(secs: i64) -> String {
    let t = Timestamp::now();
    rfc3339(t.checked_add(jiff::SignedDuration::from_secs(secs)).unwrap_or(t))
}

/// The stored instant at Beijing midnight starting `d` (for "as of the end of a month": the midnight after it).
pub fn beijing_midnight(d: Date) -> String {
    let z = d.civil().to_datetime(jiff::civil::Time::midnight()).to_zoned(beijing_zone().clone());
    z.map(|z| rfc3339(z.timestamp())).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_is_eight_hours_ahead() {
        assert_eq!(beijing("2026-03-01T01:00:00.000Z"), "2026-03-01 09:00");
        assert_eq!(beijing("2026-02-28T16:30:00Z"), "2026-03-01 00:30");
        assert_eq!(beijing("not a time"), "not a time");
        assert_eq!(from_beijing("2026-12-01 08:00").as_deref(), Some("2026-12-01T00:00:00.000Z"));
        assert_eq!(from_beijing("2026-12-01T08:00").as_deref(), Some("2026-12-01T00:00:00.000Z"));
        assert_eq!(from_beijing("2026-12-01").as_deref(), Some("2026-11-30T16:00:00.000Z"));
        assert_eq!(from_beijing("2026-13-01 08:00"), None);
        assert_eq!(from_beijing_at("2026-12-01", true).as_deref(), Some("2026-12-01T16:00:00.000Z"));
        assert_eq!(from_beijing("2026-12-01T00:00:00Z").as_deref(), Some("2026-12-01T00:00:00.000Z"));
        assert_eq!(shift("2026-12-01T00:00:00.000Z", -600).as_deref(), Some("2026-11-30T23:50:00.000Z"));
        assert_eq!(beijing_midnight(Date::new(2026, 12, 1).unwrap()), "2026-11-30T16:00:00.000Z");
        let t: Timestamp = "2023-11-14T22:13:20.005Z".parse().unwrap();
        assert_eq!(rfc3339(t), "2023-11-14T22:13:20.005Z");
        assert_eq!(beijing_date(t), Date::new(2023, 11, 15));
    }
}
