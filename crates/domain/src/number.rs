//! Numbers as people type them → exact integers. The one decimal reader of the workspace: the ledger
//! readers (`jiugai-sheet`), money typed in forms and on the command line ([`parse_fen`]) and areas
//! ([`parse_dm2`]) all go through [`parse_decimal`].
//!
//! - Full-width digits and punctuation (`１２０．５`, `，`) are read as their ASCII forms.
//! - Thousands separators (`1,234`, `1，234`) are accepted when every group has three digits.
//! - A unit after the number is stripped when the caller names it (`60户`, `4541.27㎡`, `120.5万`).
//! - No floating point: the digits are kept and scaled exactly.

use std::fmt;

/// Why a text is not the number asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberError {
    /// Nothing there.
    Required,
    /// Not a number at all.
    NotANumber,
    /// Negative where only ≥ 0 is allowed.
    Negative,
    /// Beyond the range of an i64 after scaling.
    TooLarge,
    /// More decimals than the unit holds (money: more precise than a fen) or a fraction where a count is asked.
    TooPrecise,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NumberError::Required => "empty",
            NumberError::NotANumber => "not a number",
            NumberError::Negative => "negative",
            NumberError::TooLarge => "too large",
            NumberError::TooPrecise => "too many decimals",
        })
    }
}

/// Full-width → half-width for ASCII-range characters, ideographic space → space, dashes → `-`.
#[inline]
pub fn fw(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{2212}' | '\u{2014}' | '\u{2013}' | '\u{2012}' | '\u{FE63}' => '-',
        _ => c,
    }
}

/// Whitespace including the BOM and the zero-width space.
#[inline]
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}'
}

/// Canonical form: full-width mapped, ASCII lower-cased, trimmed.
pub fn canon(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        out.push(fw(c).to_ascii_lowercase());
    }
    let t = out.trim_matches(is_space);
    if t.len() == out.len() { out } else { t.to_string() }
}

/// A parsed non-scientific decimal: sign, integer part, fraction digits (up to 18 kept).
#[derive(Debug, Clone)]
pub struct Dec {
    pub neg: bool,
    pub int: u64,
    frac: [u8; 18],
    frac_len: usize,
    frac_rest_nonzero: bool,
}

impl Dec {
    pub fn frac_nonzero(&self) -> bool {
        self.frac[..self.frac_len].iter().any(|&d| d != 0) || self.frac_rest_nonzero
    }
    fn digit(&self, i: usize) -> u64 {
        if i < self.frac_len { self.frac[i] as u64 } else { 0 }
    }
    pub fn is_zero(&self) -> bool {
        self.int == 0 && !self.frac_nonzero()
    }
    /// Whether a nonzero digit stands beyond `places` decimals.
    pub fn finer_than(&self, places: usize) -> bool {
        self.frac[places.min(self.frac_len)..self.frac_len].iter().any(|&d| d != 0) || self.frac_rest_nonzero
    }
    /// The magnitude scaled by 10^places, rounded half up.
    pub fn scaled(&self, places: usize) -> Result<i64, NumberError> {
        let mut v: u64 = self.int;
        for i in 0..places {
            v = v.checked_mul(10).and_then(|v| v.checked_add(self.digit(i))).ok_or(NumberError::TooLarge)?;
        }
        if self.digit(places) >= 5 {
            v = v.checked_add(1).ok_or(NumberError::TooLarge)?;
        }
        i64::try_from(v).map_err(|_| NumberError::TooLarge)
    }
}

/// A number as read: exact digits, or a float written in scientific notation by some exports.
#[derive(Debug, Clone)]
pub enum Parsed {
    Dec(Dec),
    Float(f64),
}

/// Parses `[+-]digits[,ddd]*[.digits]` or a scientific float; `s` is canonical (ASCII, trimmed).
pub fn parse_number_core(s: &str) -> Result<Parsed, NumberError> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Err(NumberError::NotANumber);
    }
    let (neg, body) = match b[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let body = body.trim_start_matches(is_space);
    if body.bytes().any(|c| c == b'e') {
        if body.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'+' | b'-'))
            && let Ok(v) = body.parse::<f64>()
            && v.is_finite()
        {
            return Ok(Parsed::Float(if neg { -v } else { v }));
        }
        return Err(NumberError::NotANumber);
    }
    let (int_s, frac_s) = match body.find('.') {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    if int_s.is_empty() && frac_s.is_none_or(|f| f.is_empty()) {
        return Err(NumberError::NotANumber);
    }
    let mut int: u64 = 0;
    let mut too_large = false;
    if int_s.contains(',') {
        let mut groups = int_s.split(',');
        let first = groups.next().unwrap_or("");
        if first.is_empty() || first.len() > 3 || !first.bytes().all(|c| c.is_ascii_digit()) {
            return Err(NumberError::NotANumber);
        }
        for g in groups {
            if g.len() != 3 || !g.bytes().all(|c| c.is_ascii_digit()) {
                return Err(NumberError::NotANumber);
            }
        }
    } else if !int_s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(NumberError::NotANumber);
    }
    for c in int_s.bytes().filter(|c| c.is_ascii_digit()) {
        match int.checked_mul(10).and_then(|v| v.checked_add((c - b'0') as u64)) {
            Some(v) => int = v,
            None => too_large = true,
        }
    }
    let mut dec = Dec { neg, int, frac: [0; 18], frac_len: 0, frac_rest_nonzero: false };
    if let Some(f) = frac_s {
        for c in f.bytes() {
            if !c.is_ascii_digit() {
                return Err(NumberError::NotANumber);
            }
            if dec.frac_len < 18 {
                dec.frac[dec.frac_len] = c - b'0';
                dec.frac_len += 1;
            } else if c != b'0' {
                dec.frac_rest_nonzero = true;
            }
        }
    }
    if too_large {
        return Err(if neg { NumberError::Negative } else { NumberError::TooLarge });
    }
    Ok(Parsed::Dec(dec))
}

fn is_plain_ascii_number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 40 && s.bytes().all(|c| c.is_ascii_digit() || c == b'.' || c == b',')
}

/// Strips one of `units` from the end (the first that matches), and the spaces before it.
pub fn strip_units<'a>(mut s: &'a str, units: &[&str]) -> &'a str {
    for u in units {
        if let Some(rest) = s.strip_suffix(u) {
            s = rest.trim_end_matches(is_space);
            break;
        }
    }
    s
}

/// The number in `s` with one of `units` after it (spaces between sign, digits and unit allowed).
pub fn parse_with_units(s: &str, units: &[&str]) -> Result<Parsed, NumberError> {
    if is_plain_ascii_number(s) {
        return parse_number_core(s);
    }
    let c = canon(s);
    if c.is_empty() {
        return Err(NumberError::Required);
    }
    let body = strip_units(&c, units);
    let compact: String;
    let body = if body.contains(' ') {
        compact = body.chars().filter(|c| !is_space(*c)).collect();
        compact.as_str()
    } else {
        body
    };
    parse_number_core(body)
}

/// How digits beyond the scale are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Rounded half up (a ledger's 4541.275 ㎡ → 4541.28).
    HalfUp,
    /// Refused ([`NumberError::TooPrecise`]): money is never rounded silently.
    Exact,
}

/// A non-negative decimal scaled by 10^`places`, with one of `units` after it.
pub fn parse_decimal(s: &str, units: &[&str], places: usize, rounding: Rounding) -> Result<i64, NumberError> {
    match parse_with_units(s.trim_matches(is_space), units)? {
        Parsed::Float(v) => {
            if v < 0.0 {
                return Err(NumberError::Negative);
            }
            let r = (v * 10f64.powi(places as i32)).round();
            if r > 9.0e15 {
                return Err(NumberError::TooLarge);
            }
            if rounding == Rounding::Exact && (v * 10f64.powi(places as i32) - r).abs() > 1e-6 {
                return Err(NumberError::TooPrecise);
            }
            Ok(r as i64)
        }
        Parsed::Dec(d) => {
            if d.neg && !d.is_zero() {
                return Err(NumberError::Negative);
            }
            if rounding == Rounding::Exact && d.finer_than(places) {
                return Err(NumberError::TooPrecise);
            }
            d.scaled(places)
        }
    }
}

/// Units an area may carry.
pub const AREA_UNITS: &[&str] = &["平方米", "平米", "平方", "㎡", "m²", "m2", "m^2", "sqm", "米²", "米2"];

/// Area in 0.01 m²: `4541.27`, `4,541.27㎡`, `４５４１．２７平方米`; more than two decimals rounded half up.
pub fn parse_dm2(s: &str) -> Result<i64, NumberError> {
    parse_decimal(s, AREA_UNITS, 2, Rounding::HalfUp)
}

/// Money in fen as offices type it: `1205000`, `1,205,000元`, `¥1,205,000.00`, `120.5万`, `120.5万元`,
/// `１２０．５万`. Exact: an amount finer than a fen is refused, never rounded.
pub fn parse_fen(s: &str) -> Result<i64, NumberError> {
    let c = canon(s);
    if c.is_empty() {
        return Err(NumberError::Required);
    }
    let c = c.trim_start_matches(['¥', '￥']).trim_start_matches(is_space);
    let c = c.strip_suffix('元').unwrap_or(c).trim_end_matches(is_space);
    match c.strip_suffix('万') {
        // 万元: fen = 万 × 10^6, so up to six decimals of 万 are exact.
        Some(w) => parse_decimal(w, &[], 6, Rounding::Exact),
        None => parse_decimal(c, &[], 2, Rounding::Exact),
    }
}

/// `v` hundredths as a decimal with two places and a sign: `-50` → `-0.50`, `123456` → `1234.56`.
pub fn hundredths(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Digits grouped by three with `,`: `1234567` → `1,234,567`, `-1234` → `-1,234`.
pub fn grouped(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if v < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `v` hundredths with grouped digits and two places: `123456789` → `1,234,567.89`.
pub fn grouped_hundredths(v: i64) -> String {
    let a = v.unsigned_abs();
    let int = grouped((a / 100) as i64);
    format!("{}{int}.{:02}", if v < 0 { "-" } else { "" }, a % 100)
}

/// Fen as 万元 with two decimals, rounded half up (away from zero), grouped: `1_205_000_00` → `120.50`,
/// `123_456_789_00` → `12,345.68`.
pub fn wan_yuan(fen: i64) -> String {
    // 1 万元 = 1,000,000 fen; two decimals of 万元 = 10,000 fen.
    let a = fen.unsigned_abs() as u128;
    let hundredths = (a + 5_000) / 10_000;
    let v = i64::try_from(hundredths).unwrap_or(i64::MAX);
    let s = grouped_hundredths(v);
    if fen < 0 && hundredths > 0 { format!("-{s}") } else { s }
}

/// A share `num/den` as a percentage with two decimals, rounded half up: 43/60 → `71.67%`. `None` if `den` is 0.
pub fn percent(num: i64, den: i64) -> Option<String> {
    if den == 0 {
        return None;
    }
    let neg = (num < 0) != (den < 0) && num != 0;
    let (n, d) = (num.unsigned_abs() as u128, den.unsigned_abs() as u128);
    let basis = (n * 10_000 * 2 + d) / (2 * d);
    Some(format!("{}{}.{:02}%", if neg { "-" } else { "" }, basis / 100, basis % 100))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_as_offices_type_it() {
        assert_eq!(parse_fen("120.5万"), Ok(120_500_000));
        assert_eq!(parse_fen("120.5万元"), Ok(120_500_000));
        assert_eq!(parse_fen("1,205,000元"), Ok(120_500_000));
        assert_eq!(parse_fen("¥1,205,000.00"), Ok(120_500_000));
        assert_eq!(parse_fen("１２０．５万"), Ok(120_500_000));
        assert_eq!(parse_fen("0.000001万"), Ok(1));
        assert_eq!(parse_fen("0.0000001万"), Err(NumberError::TooPrecise));
        assert_eq!(parse_fen("1.001"), Err(NumberError::TooPrecise));
        assert_eq!(parse_fen("-5"), Err(NumberError::Negative));
        assert_eq!(parse_fen(""), Err(NumberError::Required));
        assert_eq!(parse_fen("abc"), Err(NumberError::NotANumber));
        assert_eq!(parse_fen("1,20,5"), Err(NumberError::NotANumber));
    }

    #[test]
    fn areas_round_half_up() {
        assert_eq!(parse_dm2("4,541.27㎡"), Ok(454_127));
        assert_eq!(parse_dm2("４５４１．２７平方米"), Ok(454_127));
        assert_eq!(parse_dm2("4541.275"), Ok(454_128));
    }

    #[test]
    fn formatting() {
        assert_eq!(hundredths(-50), "-0.50");
        assert_eq!(hundredths(123_456), "1234.56");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(-1_234), "-1,234");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped_hundredths(123_456_789), "1,234,567.89");
        assert_eq!(wan_yuan(120_500_000), "120.50");
        assert_eq!(wan_yuan(12_345_678_900), "12,345.68");
        assert_eq!(wan_yuan(-4_999), "0.00");
        assert_eq!(percent(43, 60).as_deref(), Some("71.67%"));
        assert_eq!(percent(2, 3).as_deref(), Some("66.67%"));
        assert_eq!(percent(1, 0), None);
    }
}
