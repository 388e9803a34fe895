//! Exact value types: civil dates, money in fen, area in 0.01 m², ratios and bounds.
//!
//! Nothing here uses floating point. Ratios compare by cross-multiplication in `i128`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

// ───────────────────────────── Date ─────────────────────────────

/// A proleptic Gregorian civil date (no time, no zone), years 1..=9999. Backed by `jiff::civil::Date`: the
/// calendar arithmetic is jiff's, not ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(jiff::civil::Date);

/// Day of the week, ISO numbering (Monday = 1 … Sunday = 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Monday = 1,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    /// Saturday or Sunday.
    pub fn is_weekend(self) -> bool {
        matches!(self, Weekday::Saturday | Weekday::Sunday)
    }
}

fn days_in_month(y: i32, m: u8) -> u8 {
    Date::last_day_of_month(y, m).map_or(0, |d| d.day())
}

const EPOCH: jiff::civil::Date = jiff::civil::date(1970, 1, 1);

impl Date {
    /// A date, or `None` if the day does not exist (years 1..=9999).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1..=9999).contains(&year) {
            return None;
        }
        jiff::civil::Date::new(year as i16, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok().map(Date)
    }
    pub fn year(self) -> i32 {
        i32::from(self.0.year())
    }
    pub fn month(self) -> u8 {
        self.0.month() as u8
    }
    pub fn day(self) -> u8 {
        self.0.day() as u8
    }
    /// The jiff date, for arithmetic and formatting this type does not offer.
    pub fn civil(self) -> jiff::civil::Date {
        self.0
    }
    pub fn from_civil(d: jiff::civil::Date) -> Option<Date> {
        Date::new(i32::from(d.year()), d.month() as u8, d.day() as u8)
    }

    /// Parse `YYYY-MM-DD` (exactly that shape, ASCII digits).
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let mut v = 0u32;
            for &c in &b[r] {
                if !c.is_ascii_digit() {
                    return None;
                }
                v = v * 10 + u32::from(c - b'0');
            }
            Some(v)
        };
        Date::new(digits(0..4)? as i32, digits(5..7)? as u8, digits(8..10)? as u8)
    }

    /// The last day of `month` in `year`.
    pub fn last_day_of_month(year: i32, month: u8) -> Option<Date> {
        Date::new(year, month, 1).map(|d| Date(d.0.last_of_month()))
    }

    /// Days since 1970-01-01 (negative before).
    pub fn to_days(self) -> i64 {
        i64::from(self.0.since(EPOCH).map(|s| s.get_days()).unwrap_or(0))
    }

    /// Inverse of [`Date::to_days`]; `None` outside years 1..=9999.
    pub fn from_days(z: i64) -> Option<Date> {
        EPOCH.checked_add(jiff::Span::new().try_days(z).ok()?).ok().and_then(Date::from_civil)
    }

    /// `n` calendar days later (earlier if negative).
    pub fn add_days(self, n: i64) -> Option<Date> {
        self.0.checked_add(jiff::Span::new().try_days(n).ok()?).ok().and_then(Date::from_civil)
    }

    pub fn weekday(self) -> Weekday {
        match self.0.weekday() {
            jiff::civil::Weekday::Monday => Weekday::Monday,
            jiff::civil::Weekday::Tuesday => Weekday::Tuesday,
            jiff::civil::Weekday::Wednesday => Weekday::Wednesday,
            jiff::civil::Weekday::Thursday => Weekday::Thursday,
            jiff::civil::Weekday::Friday => Weekday::Friday,
            jiff::civil::Weekday::Saturday => Weekday::Saturday,
            jiff::civil::Weekday::Sunday => Weekday::Sunday,
        }
    }

    /// The `n`-th working day after this date, counting Monday–Friday only.
    ///
    /// There is **no holiday table**: public holidays and the make-up working weekends of the Chinese
    /// calendar (调休) are not known to this crate, so the result is a lower bound an office may need
    /// to extend by hand. `n = 0` returns the date itself.
    pub fn add_working_days(self, n: u32) -> Option<Date> {
        let mut d = self;
        let mut left = n;
        while left > 0 {
            d = d.add_days(1)?;
            if !d.weekday().is_weekend() {
                left -= 1;
            }
        }
        Some(d)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year(), self.month(), self.day())
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("invalid date {s:?}, expected YYYY-MM-DD")))
    }
}

/// A day in the year without the year: `MM-DD`, or the last day of a month (`MM-end`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthDay {
    pub month: u8,
    /// `None` = the last day of the month.
    pub day: Option<u8>,
}

impl MonthDay {
    /// Parse `MM-DD` or `MM-end` (also `M-D`).
    pub fn parse(s: &str) -> Option<MonthDay> {
        let (m, d) = s.trim().split_once('-')?;
        let month: u8 = m.trim().parse().ok()?;
        if !(1..=12).contains(&month) {
            return None;
        }
        let d = d.trim();
        if d.eq_ignore_ascii_case("end") || d == "底" {
            return Some(MonthDay { month, day: None });
        }
        let day: u8 = d.parse().ok()?;
        // Must exist in a leap year at least (02-29 allowed; resolves to 02-28 in other years).
        if day == 0 || day > days_in_month(2000, month) {
            return None;
        }
        Some(MonthDay { month, day: Some(day) })
    }
    /// The date in `year` (29 Feb falls back to 28 Feb in common years).
    pub fn in_year(self, year: i32) -> Option<Date> {
        match self.day {
            None => Date::last_day_of_month(year, self.month),
            Some(d) => Date::new(year, self.month, d.min(days_in_month(year, self.month))),
        }
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.day {
            None => write!(f, "{:02}-end", self.month),
            Some(d) => write!(f, "{:02}-{:02}", self.month, d),
        }
    }
}

// ───────────────────────────── Money and area ─────────────────────────────

fn fmt_hundredths(v: i64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(&crate::number::hundredths(v))
}

/// Money in fen (0.01 yuan).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Fen(pub i64);

impl Fen {
    pub fn from_yuan(y: i64) -> Fen {
        Fen(y * 100)
    }
    /// Parse money as offices type it (`4000000`, `4,000,000.00元`, `¥4,000,000`, `400万`, `１２０．５万`):
    /// [`crate::number::parse_fen`]. Exact: an amount finer than a fen is refused.
    pub fn parse(s: &str) -> Option<Fen> {
        crate::number::parse_fen(s).ok().map(Fen)
    }
}

impl fmt::Display for Fen {
    /// Yuan with two decimals, e.g. `4000000.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_hundredths(self.0, f)
    }
}

/// Area in units of 0.01 m² (= 1 dm²).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Dm2(pub i64);

impl Dm2 {
    pub fn from_m2(m2: i64) -> Dm2 {
        Dm2(m2 * 100)
    }
    /// Parse `300`, `300.5`, `4,541.27`, optionally followed by `m²`, `m2`, `㎡` or `平方米`, full-width too.
    /// Exact: more than two decimals are refused (a rule value is never rounded).
    pub fn parse(s: &str) -> Option<Dm2> {
        crate::number::parse_decimal(s, crate::number::AREA_UNITS, 2, crate::number::Rounding::Exact).ok().map(Dm2)
    }
}

impl fmt::Display for Dm2 {
    /// Square metres with two decimals, e.g. `300.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_hundredths(self.0, f)
    }
}

// ───────────────────────────── Ratio ─────────────────────────────

/// An exact fraction `num/den` with `den > 0`. Not reduced automatically; equality is by value.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(try_from = "RawRatio")]
pub struct Ratio {
    pub num: i64,
    pub den: i64,
}

impl Ratio {
    /// `None` if `den == 0`; a negative denominator is moved to the numerator.
    pub fn new(num: i64, den: i64) -> Option<Ratio> {
        match den.cmp(&0) {
            Ordering::Equal => None,
            Ordering::Greater => Some(Ratio { num, den }),
            Ordering::Less => Some(Ratio { num: num.checked_neg()?, den: den.checked_neg()? }),
        }
    }
    pub const fn percent(p: i64) -> Ratio {
        Ratio { num: p, den: 100 }
    }
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };
    pub const ONE: Ratio = Ratio { num: 1, den: 1 };

    /// Parse `80%`, `12.5%`, `2/3`, `1` or `0.8`.
    pub fn parse(s: &str) -> Option<Ratio> {
        let s = s.trim();
        if let Some(p) = s.strip_suffix('%').or_else(|| s.strip_suffix('％')) {
            let (num, den) = parse_decimal(p.trim())?;
            return Ratio::new(num, den.checked_mul(100)?);
        }
        if let Some((a, b)) = s.split_once('/') {
            let a: i64 = a.trim().parse().ok()?;
            let b: i64 = b.trim().parse().ok()?;
            return Ratio::new(a, b);
        }
        let (num, den) = parse_decimal(s)?;
        Ratio::new(num, den)
    }

    pub fn reduced(self) -> Ratio {
        let g = gcd(self.num.unsigned_abs(), self.den.unsigned_abs()).max(1) as i64;
        Ratio { num: self.num / g, den: self.den / g }
    }

    /// Compare exactly by cross-multiplication in `i128`.
    pub fn cmp_exact(&self, other: &Ratio) -> Ordering {
        (i128::from(self.num) * i128::from(other.den)).cmp(&(i128::from(other.num) * i128::from(self.den)))
    }

    /// Smallest integer `k` with `k/n ≥ self` (for `n > 0`, `self ≥ 0`): e.g. 80% of 7 → 6.
    pub fn ceil_of(&self, n: i64) -> i64 {
        let p = i128::from(self.num) * i128::from(n);
        let d = i128::from(self.den);
        (p + d - 1).div_euclid(d) as i64
    }

    /// Percentage with two decimals, truncated toward zero, for display only (e.g. `30.18%`).
    pub fn percent_text(&self) -> String {
        let bp = i128::from(self.num) * 10_000 / i128::from(self.den);
        let sign = if bp < 0 { "-" } else { "" };
        let a = bp.unsigned_abs();
        let (i, f) = (a / 100, a % 100);
        if f == 0 { format!("{sign}{i}%") } else { format!("{sign}{i}.{f:02}%") }
    }
}

#[derive(Deserialize)]
struct RawRatio {
    num: i64,
    den: i64,
}

impl TryFrom<RawRatio> for Ratio {
    type Error = String;
    fn try_from(r: RawRatio) -> Result<Ratio, String> {
        Ratio::new(r.num, r.den).ok_or_else(|| "ratio denominator must not be 0".to_string())
    }
}

fn parse_decimal(s: &str) -> Option<(i64, i64)> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || !int.bytes().all(|c| c.is_ascii_digit()) || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 9 {
        return None;
    }
    let den = 10i64.pow(frac.len() as u32);
    let i: i64 = int.parse().ok()?;
    let f: i64 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
    Some((i.checked_mul(den)?.checked_add(f)?, den))
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl PartialEq for Ratio {
    fn eq(&self, o: &Ratio) -> bool {
        self.cmp_exact(o) == Ordering::Equal
    }
}
impl Eq for Ratio {}
impl PartialOrd for Ratio {
    fn partial_cmp(&self, o: &Ratio) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ratio {
    fn cmp(&self, o: &Ratio) -> Ordering {
        self.cmp_exact(o)
    }
}

impl fmt::Display for Ratio {
    /// As written: a power-of-ten denominator prints as a percentage (`80%`, `12.5%`), others as `2/3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = self.den;
        while d % 10 == 0 {
            d /= 10;
        }
        if d != 1 {
            return write!(f, "{}/{}", self.num, self.den);
        }
        // num/den × 100, exact because den is a power of ten
        let (num, den) = if self.den >= 100 { (self.num, self.den / 100) } else { (self.num * (100 / self.den), 1) };
        let sign = if num < 0 { "-" } else { "" };
        let (a, mut den) = (num.unsigned_abs(), den.unsigned_abs());
        let int = a / den;
        let mut frac = a % den;
        if frac == 0 {
            return write!(f, "{sign}{int}%");
        }
        let mut digits = String::new();
        while den > 1 {
            den /= 10;
            digits.push(char::from(b'0' + (frac / den) as u8));
            frac %= den;
        }
        write!(f, "{sign}{int}.{}%", digits.trim_end_matches('0'))
    }
}

// ───────────────────────────── Bounds ─────────────────────────────

/// A comparison written in a rule value: `≥`, `>`, `≤`, `<`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cmp {
    AtLeast,
    MoreThan,
    AtMost,
    LessThan,
}

impl Cmp {
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::AtLeast => "≥",
            Cmp::MoreThan => ">",
            Cmp::AtMost => "≤",
            Cmp::LessThan => "<",
        }
    }
    /// Chinese wording as used in the documents (以上 includes the number itself, Civil Code art. 1259).
    pub fn zh(self) -> &'static str {
        match self {
            Cmp::AtLeast => "不低于",
            Cmp::MoreThan => "超过",
            Cmp::AtMost => "不超过",
            Cmp::LessThan => "低于",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Cmp::AtLeast => "at least",
            Cmp::MoreThan => "more than",
            Cmp::AtMost => "at most",
            Cmp::LessThan => "less than",
        }
    }
    /// Split a leading comparison off `s`.
    pub fn split(s: &str) -> Option<(Cmp, &str)> {
        let s = s.trim();
        for (p, c) in [
            (">=", Cmp::AtLeast),
            ("≥", Cmp::AtLeast),
            ("<=", Cmp::AtMost),
            ("≤", Cmp::AtMost),
            (">", Cmp::MoreThan),
            ("<", Cmp::LessThan),
        ] {
            if let Some(r) = s.strip_prefix(p) {
                return Some((c, r.trim()));
            }
        }
        None
    }
    /// Does `ord` (achieved compared with the bound) satisfy this comparison?
    pub fn holds(self, ord: Ordering) -> bool {
        match self {
            Cmp::AtLeast => ord != Ordering::Less,
            Cmp::MoreThan => ord == Ordering::Greater,
            Cmp::AtMost => ord != Ordering::Greater,
            Cmp::LessThan => ord == Ordering::Less,
        }
    }
}

/// A share threshold such as `≥80%` or `>1/2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Threshold {
    pub cmp: Cmp,
    pub ratio: Ratio,
}

impl Threshold {
    /// `part/whole` meets the threshold? `whole` must be positive (callers check).
    pub fn admits(&self, part: i64, whole: i64) -> bool {
        let lhs = i128::from(part) * i128::from(self.ratio.den);
        let rhs = i128::from(self.ratio.num) * i128::from(whole);
        self.cmp.holds(lhs.cmp(&rhs))
    }
    pub fn admits_ratio(&self, r: Ratio) -> bool {
        self.cmp.holds(r.cmp_exact(&self.ratio))
    }
    /// The least `part` of `whole` that passes (for `≥`/`>`), e.g. `≥80%` of 7 → 6, `>1/2` of 4 → 3.
    pub fn least_passing(&self, whole: i64) -> Option<i64> {
        match self.cmp {
            Cmp::AtLeast => Some(self.ratio.ceil_of(whole)),
            Cmp::MoreThan => {
                let p = i128::from(self.ratio.num) * i128::from(whole);
                Some((p.div_euclid(i128::from(self.ratio.den)) + 1) as i64)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.cmp.symbol(), self.ratio)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = Date::parse("2024-02-29").unwrap();
        assert_eq!(d.to_string(), "2024-02-29");
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2023-2-28").is_none());
        assert_eq!(Date::parse("1970-01-01").unwrap().to_days(), 0);
        assert_eq!(d.add_days(1).unwrap().to_string(), "2024-03-01");
        assert_eq!(d.add_days(-366).unwrap().to_string(), "2023-02-28");
        assert_eq!(Date::last_day_of_month(2025, 2).unwrap().to_string(), "2025-02-28");
        assert_eq!(Date::parse("2025-01-01").unwrap().weekday(), Weekday::Wednesday);
        assert_eq!(Date::parse("2021-06-30").unwrap().weekday(), Weekday::Wednesday);
        // Friday + 1 working day = Monday.
        let fri = Date::parse("2025-01-03").unwrap();
        assert_eq!(fri.weekday(), Weekday::Friday);
        assert_eq!(fri.add_working_days(1).unwrap().to_string(), "2025-01-06");
        assert_eq!(fri.add_working_days(5).unwrap().to_string(), "2025-01-10");
        assert_eq!(fri.add_working_days(0).unwrap(), fri);
        for z in -700_000..2_000_000i64 {
            if z % 997 == 0 {
                let d = Date::from_days(z).unwrap();
                assert_eq!(d.to_days(), z);
            }
        }
        assert_eq!(MonthDay::parse("02-end").unwrap().in_year(2024).unwrap().to_string(), "2024-02-29");
        assert_eq!(MonthDay::parse("06-10").unwrap().to_string(), "06-10");
        assert!(MonthDay::parse("02-30").is_none());
    }

    #[test]
    fn money_and_area() {
        assert_eq!(Fen::parse("400万元"), Some(Fen(400_000_000)));
        assert_eq!(Fen::parse("¥3,999,999.99"), Some(Fen(399_999_999)));
        assert_eq!(Fen::parse("1.5万"), Some(Fen(1_500_000)));
        assert_eq!(Fen::parse("0.001"), None);
        assert_eq!(Fen(399_999_999).to_string(), "3999999.99");
        assert_eq!(Fen(-5).to_string(), "-0.05");
        assert_eq!(Dm2::parse("300m²"), Some(Dm2(30_000)));
        assert_eq!(Dm2::parse("4541.27"), Some(Dm2(454_127)));
        assert_eq!(Dm2(454_127).to_string(), "4541.27");
    }

    #[test]
    fn ratios() {
        assert_eq!(Ratio::parse("80%"), Some(Ratio::new(4, 5).unwrap()));
        assert_eq!(Ratio::parse("12.5%"), Some(Ratio::new(1, 8).unwrap()));
        assert_eq!(Ratio::parse("2/3").unwrap().to_string(), "2/3");
        assert_eq!(Ratio::parse("0.35").unwrap().to_string(), "35%");
        assert_eq!(Ratio::parse("12.5%").unwrap().to_string(), "12.5%");
        assert_eq!(Ratio::parse("1/2").unwrap().to_string(), "1/2");
        assert_eq!(Ratio::parse("1").unwrap().to_string(), "100%");
        assert_eq!(Ratio::new(1, 8).unwrap().to_string(), "1/8");
        assert_eq!(Ratio::new(208, 689).unwrap().percent_text(), "30.18%");
        let (c, r) = Cmp::split("≥ 80%").unwrap();
        let t = Threshold { cmp: c, ratio: Ratio::parse(r).unwrap() };
        assert!(t.admits(80, 100) && !t.admits(79, 100));
        assert_eq!(t.least_passing(7), Some(6));
        let half = Threshold { cmp: Cmp::MoreThan, ratio: Ratio::new(1, 2).unwrap() };
        assert!(!half.admits(2, 4) && half.admits(3, 4));
        assert_eq!(half.least_passing(4), Some(3));
        assert_eq!(half.least_passing(5), Some(3));
    }
}
