//! Values as people type them → exact values. Pure functions; errors carry an [`IssueKind`].
//!
//! - Full-width digits, letters and punctuation (`１２`, `．`, `，`) are read as their ASCII forms.
//! - Numbers may carry a unit (`60户`, `2栋`, `4541.27㎡`, `4541.27 m2`, `4541.27平方米`) and thousands
//!   separators (`1,234`, `1，234`; groups of three are checked).
//! - Years: `1998`, `1998年`, `2000年12月`, `2000.12`, `2000-12-01`, `2000/12`, `20001201`; several years
//!   joined by `、 , ， / - — ~ ～ 至 到 和 及` are all listed (`1995-1997` is the two years 1995 and 1997,
//!   not a range). A decade only (`1990年代`, `90年代`) is refused with [`IssueKind::YearIsDecade`]:
//!   the eligibility rules need a concrete year, so the office is asked to write one.
//!   Plausible years are 1900..=2099.

use crate::IssueKind;

use jiugai_domain::number::{AREA_UNITS, NumberError, Parsed, canon, parse_number_core, parse_with_units};
pub(crate) use jiugai_domain::number::{fw, is_space};

impl From<NumberError> for IssueKind {
    fn from(e: NumberError) -> IssueKind {
        match e {
            NumberError::Required => IssueKind::Required,
            NumberError::NotANumber => IssueKind::NotANumber,
            NumberError::Negative => IssueKind::Negative,
            NumberError::TooLarge => IssueKind::TooLarge,
            NumberError::TooPrecise => IssueKind::NotAnInteger,
        }
    }
}

/// Trims whitespace (incl. full-width spaces, NBSP, zero-width space, BOM); empty → `None`.
/// Line endings inside are made `\n`; other internal whitespace is kept as typed.
pub fn text(s: &str) -> Option<String> {
    let t = s.trim_matches(is_space);
    if t.is_empty() {
        return None;
    }
    if t.contains('\r') { Some(t.replace("\r\n", "\n").replace('\r', "\n")) } else { Some(t.to_string()) }
}

const COUNT_UNITS: &[&str] =
    &["户", "栋", "幢", "座", "个", "套", "人", "处", "间", "家", "项", "台", "部", "层", "单元", "栋楼", "幢楼"];

/// Whole number ≥ 0: "60", "60户", "2栋", "１２", "1,234", "1，234", "60.0". Errors: "60.5" → NotAnInteger,
/// "-3" → Negative, "abc" → NotANumber, empty → Required.
pub fn integer(s: &str) -> Result<i64, IssueKind> {
    match parse_with_units(s.trim_matches(is_space), COUNT_UNITS)? {
        Parsed::Float(v) => integer_from_f64(v),
        Parsed::Dec(d) => {
            if d.neg && !d.is_zero() {
                return Err(IssueKind::Negative);
            }
            if d.frac_nonzero() {
                return Err(IssueKind::NotAnInteger);
            }
            i64::try_from(d.int).map_err(|_| IssueKind::TooLarge)
        }
    }
}

/// Largest count or area accepted from a float (beyond this f64 cannot hold 0.01 exactly anyway).
const F64_LIMIT: f64 = 9.0e15;

/// A numeric cell as a whole number ≥ 0 (60.0 → 60).
pub fn integer_from_f64(v: f64) -> Result<i64, IssueKind> {
    if !v.is_finite() {
        return Err(IssueKind::NotANumber);
    }
    if v < 0.0 && v.round() != 0.0 {
        return Err(IssueKind::Negative);
    }
    let r = v.round();
    if (v - r).abs() > 1e-9 * r.abs().max(1.0) {
        return Err(IssueKind::NotAnInteger);
    }
    if r.abs() > F64_LIMIT {
        return Err(IssueKind::TooLarge);
    }
    Ok(r.abs() as i64)
}

/// Floor area in 0.01 m²: "4541.27", "4,541.27㎡", "４５４１．２７平方米", "4541.27m²", "4541.27 m2" → 454127.
/// More than two decimals are rounded half up.
pub fn area_dm2(s: &str) -> Result<i64, IssueKind> {
    match parse_with_units(s.trim_matches(is_space), AREA_UNITS)? {
        Parsed::Float(v) => area_dm2_from_f64(v),
        Parsed::Dec(d) => {
            if d.neg && !d.is_zero() {
                return Err(IssueKind::Negative);
            }
            Ok(d.scaled(2)?)
        }
    }
}

/// A numeric cell in m² → 0.01 m², rounded to the nearest (4541.27 → 454127).
pub fn area_dm2_from_f64(v: f64) -> Result<i64, IssueKind> {
    if !v.is_finite() {
        return Err(IssueKind::NotANumber);
    }
    let r = (v * 100.0).round();
    if r < 0.0 {
        return Err(IssueKind::Negative);
    }
    if r > F64_LIMIT {
        return Err(IssueKind::TooLarge);
    }
    Ok(r as i64)
}

/// Decimal degrees → micro-degrees, `|v| ≤ max_abs`. Accepts "110.712345", "110.712345°", "E110.71",
/// "东经110.71"; more than six decimals are rounded half up.
pub fn coordinate_e6(s: &str, max_abs: f64) -> Result<i64, IssueKind> {
    let c = canon(s);
    if c.is_empty() {
        return Err(IssueKind::Required);
    }
    let mut body = c.as_str();
    for p in ["东经", "北纬", "e", "n"] {
        if let Some(r) = body.strip_prefix(p) {
            body = r.trim_start_matches(is_space);
            break;
        }
    }
    for p in ["°e", "°n", "°", "度", "e", "n"] {
        if let Some(r) = body.strip_suffix(p) {
            body = r.trim_end_matches(is_space);
            break;
        }
    }
    if body.contains(',') {
        return Err(IssueKind::BadCoordinate);
    }
    let v = match parse_number_core(body).map_err(|_| IssueKind::BadCoordinate)? {
        Parsed::Float(v) => return coordinate_e6_from_f64(v, max_abs),
        Parsed::Dec(d) => {
            let m = d.scaled(6).map_err(|_| IssueKind::CoordinateOutOfRange { max: max_u32(max_abs) })?;
            if d.neg { -m } else { m }
        }
    };
    check_coord(v, max_abs)
}

fn max_u32(max_abs: f64) -> u32 {
    if max_abs.is_finite() && (0.0..4.0e9).contains(&max_abs) { max_abs as u32 } else { 0 }
}

fn check_coord(v: i64, max_abs: f64) -> Result<i64, IssueKind> {
    let lim = (max_abs * 1e6).round();
    if !lim.is_finite() || (v.unsigned_abs() as f64) > lim {
        return Err(IssueKind::CoordinateOutOfRange { max: max_u32(max_abs) });
    }
    Ok(v)
}

/// A numeric cell in decimal degrees → micro-degrees.
pub fn coordinate_e6_from_f64(v: f64, max_abs: f64) -> Result<i64, IssueKind> {
    if !v.is_finite() {
        return Err(IssueKind::BadCoordinate);
    }
    let m = (v * 1e6).round();
    if m.abs() > 1e15 {
        return Err(IssueKind::CoordinateOutOfRange { max: max_u32(max_abs) });
    }
    check_coord(m as i64, max_abs)
}

/// Yes/no: 是/否/有/无/已/未/√/×/✓/✗/Y/N/yes/no/true/false/1/0 (and 已建立/未纳入/没有/不是…).
pub fn boolean(s: &str) -> Result<bool, IssueKind> {
    let c = canon(s);
    if c.is_empty() {
        return Err(IssueKind::Required);
    }
    let t = c.as_str();
    match t {
        "是" | "有" | "已" | "√" | "✓" | "✔" | "☑" | "y" | "yes" | "true" | "t" | "1" | "对" | "是的" | "已建立"
        | "已设立" | "已建" | "已缴存" | "已纳入" | "已列入" | "已申报" | "有维修资金" => {
            Ok(true)
        }
        "否" | "无" | "未" | "×" | "✗" | "✘" | "x" | "☐" | "n" | "no" | "false" | "f" | "0" | "没有" | "不是"
        | "非" | "未建立" | "未设立" | "未建" | "未缴存" | "未纳入" | "未列入" | "未申报" | "无维修资金" => {
            Ok(false)
        }
        _ => Err(IssueKind::BadBool),
    }
}

/// Safety rating A–D: "B", "b", "B级", "Ｃ级", "C类".
pub fn safety_rating(s: &str) -> Result<char, IssueKind> {
    let c = canon(s);
    let mut t = c.as_str();
    for suf in ["级", "类"] {
        if let Some(r) = t.strip_suffix(suf) {
            t = r.trim_end_matches(is_space);
        }
    }
    let mut it = t.chars();
    match (it.next(), it.next()) {
        (Some(ch @ 'a'..='d'), None) => Ok(ch.to_ascii_uppercase()),
        _ => Err(IssueKind::BadSafetyRating),
    }
}

/// Region code: digits only, 6, 9 or 12 of them (full-width digits accepted).
pub fn region_code(s: &str) -> Result<String, IssueKind> {
    let t = s.trim_matches(is_space);
    let out: String = t.chars().map(fw).collect();
    let out = out.strip_suffix(".0").map(str::to_string).unwrap_or(out);
    if matches!(out.len(), 6 | 9 | 12) && out.bytes().all(|c| c.is_ascii_digit()) {
        Ok(out)
    } else {
        Err(IssueKind::BadRegionCode)
    }
}

/// A year from a number cell: integral 1900..=2099.
pub fn year_from_f64(v: f64) -> Result<i32, IssueKind> {
    if !v.is_finite() || v.fract() != 0.0 {
        return Err(IssueKind::BadYear);
    }
    if !(1900.0..=2099.0).contains(&v) {
        return Err(IssueKind::YearOutOfRange);
    }
    Ok(v as i32)
}

fn check_year(y: u32) -> Result<i32, IssueKind> {
    if (1900..=2099).contains(&y) { Ok(y as i32) } else { Err(IssueKind::YearOutOfRange) }
}

/// Build years: see the module doc. Sorted, deduplicated.
pub fn years(s: &str) -> Result<Vec<i32>, IssueKind> {
    let t = s.trim_matches(is_space);
    // fast path: "1998"
    if t.len() == 4 && t.bytes().all(|c| c.is_ascii_digit()) {
        let y: u32 = t.parse().map_err(|_| IssueKind::BadYear)?;
        return Ok(vec![check_year(y)?]);
    }
    let c = canon(t);
    if c.is_empty() {
        return Err(IssueKind::Required);
    }
    let mut body = c.as_str();
    // cut a time part: "2000-12-01 00:00:00", "2000-12-01t00:00:00"
    if let Some(colon) = body.find(':') {
        let head = &body[..colon];
        if let Some(cut) = head.rfind([' ', 't']) {
            body = body[..cut].trim_end();
        }
    }
    if body.ends_with("年代") || body.ends_with("年代初") || body.ends_with("年代末") || body.ends_with("年代中期")
    {
        return Err(IssueKind::YearIsDecade);
    }
    if body.ends_with("s") && body.len() == 5 && body[..4].bytes().all(|c| c.is_ascii_digit()) {
        return Err(IssueKind::YearIsDecade); // "1990s"
    }
    // Tokenise into digit runs and separators.
    let mut out: Vec<i32> = Vec::new();
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    // state for the last year seen: how many date parts followed it
    let mut after_year_parts: u8 = 0;
    let mut have_year = false;
    let mut pending_sep: Option<char> = None;
    while i < chars.len() {
        let ch = chars[i];
        if ch.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            let n: u64 = if run.len() > 12 { u64::MAX } else { run.parse().unwrap_or(u64::MAX) };
            match run.len() {
                4 => {
                    // a month/day right after a year can't be 4 digits; it is another year
                    out.push(check_year(n as u32)?);
                    have_year = true;
                    after_year_parts = 0;
                }
                8 if pending_sep.is_none() || !have_year => {
                    // yyyymmdd
                    let y = (n / 10000) as u32;
                    let m = (n / 100) % 100;
                    let d = n % 100;
                    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
                        return Err(IssueKind::BadYear);
                    }
                    out.push(check_year(y)?);
                    have_year = true;
                    after_year_parts = 2;
                }
                1 | 2 if have_year => {
                    // month or day after a year, joined by a date separator
                    let ok_sep = matches!(pending_sep, Some('.' | '-' | '/' | '年' | '月'));
                    let limit = if after_year_parts == 0 { 12 } else { 31 };
                    if !ok_sep || after_year_parts >= 2 {
                        return Err(IssueKind::BadYear);
                    }
                    // "1998.0" as written by some csv exports of a number
                    let csv_dot_zero = n == 0 && pending_sep == Some('.') && after_year_parts == 0 && i == chars.len();
                    if !((1..=limit).contains(&n) || csv_dot_zero) {
                        return Err(IssueKind::BadYear);
                    }
                    after_year_parts += 1;
                }
                1 | 2 => {
                    // "90年代" handled above; a bare two-digit year is ambiguous
                    if chars[i..].iter().collect::<String>().starts_with("年代") {
                        return Err(IssueKind::YearIsDecade);
                    }
                    return Err(IssueKind::BadYear);
                }
                _ => {
                    // 3 digits, or 5+ (e.g. a date serial typed as text): not a year
                    return Err(if run.len() > 4 { IssueKind::YearOutOfRange } else { IssueKind::BadYear });
                }
            }
            pending_sep = None;
            continue;
        }
        match ch {
            '、' | ',' | ';' | '~' | '至' | '到' | '和' | '及' | '&' | '+' => {
                after_year_parts = 2; // a list separator ends the date parts of the previous year
                pending_sep = Some(',');
            }
            '.' | '-' | '/' | '年' | '月' => {
                pending_sep = Some(ch);
            }
            '日' | '号' | '底' | '初' | '末' | '前' | '后' | '左' | '右' | '约' => {
                if ch == '约' && !out.is_empty() {
                    return Err(IssueKind::BadYear);
                }
                // "2000年底", "约1998年", "1998年前后" — the year stands
                pending_sep = Some(ch);
            }
            ' ' | '\t' | '\n' => {}
            _ => return Err(IssueKind::BadYear),
        }
        // after a "-" or "/" between two years, the next 4-digit run is another year (handled above)
        if matches!(ch, '-' | '/') && after_year_parts >= 2 {
            pending_sep = Some(',');
        }
        i += 1;
    }
    if out.is_empty() {
        return Err(IssueKind::BadYear);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// An Excel serial date (1900 date system) → (year, month, day). Serial 60 is Excel's fictitious
/// 1900-02-29. `None` outside 1..2958466 (1900-01-01..=9999-12-31) or for non-finite input.
pub fn ymd_from_excel_serial(serial: f64) -> Option<(i32, u32, u32)> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    if days == 60 {
        return Some((1900, 2, 29));
    }
    // 1899-12-31 is serial 0; from serial 61 on Excel counts the fictitious leap day.
    let unix_days = if days < 60 { days - 25_568 } else { days - 25_569 };
    let d = jiugai_domain::Date::from_days(unix_days)?;
    Some((d.year(), u32::from(d.month()), u32::from(d.day())))
}

/// The year of an Excel serial date (1900 date system), e.g. 36871.0 (2000-12-11) → 2000.
pub fn year_from_excel_serial(serial: f64) -> Option<i32> {
    ymd_from_excel_serial(serial).map(|(y, _, _)| y)
}

/// Shortest text for a number as a person sees it: 60.0 → "60", 4541.27 → "4541.27".
pub fn number_text(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        for (s, v) in [
            ("60", 60),
            ("60户", 60),
            ("2栋", 2),
            ("１２", 12),
            ("1,234", 1234),
            ("1，234", 1234),
            ("60.0", 60),
            (" 60 户 ", 60),
            ("+7", 7),
            ("-0", 0),
            ("1.2e3", 1200),
            ("0", 0),
        ] {
            assert_eq!(integer(s), Ok(v), "{s}");
        }
        assert_eq!(integer("60.5"), Err(IssueKind::NotAnInteger));
        assert_eq!(integer("-3"), Err(IssueKind::Negative));
        assert_eq!(integer("－3户"), Err(IssueKind::Negative));
        assert_eq!(integer("abc"), Err(IssueKind::NotANumber));
        assert_eq!(integer("六十"), Err(IssueKind::NotANumber));
        assert_eq!(integer("1,23"), Err(IssueKind::NotANumber));
        assert_eq!(integer("12,3456"), Err(IssueKind::NotANumber));
        assert_eq!(integer(""), Err(IssueKind::Required));
        assert_eq!(integer("99999999999999999999999"), Err(IssueKind::TooLarge));
        assert_eq!(integer("."), Err(IssueKind::NotANumber));
        assert_eq!(integer("-"), Err(IssueKind::NotANumber));
    }

    #[test]
    fn areas() {
        for (s, v) in [
            ("4541.27", 454127),
            ("4,541.27㎡", 454127),
            ("４５４１．２７平方米", 454127),
            ("4541.27m²", 454127),
            ("4541.27 m2", 454127),
            ("4541.27M2", 454127),
            ("4263", 426300),
            ("0.005", 1),
            ("0.004", 0),
            ("2601.3", 260130),
            ("1,234,567.891", 123456789),
        ] {
            assert_eq!(area_dm2(s), Ok(v), "{s}");
        }
        assert_eq!(area_dm2("-1"), Err(IssueKind::Negative));
        assert_eq!(area_dm2("约4500"), Err(IssueKind::NotANumber));
        assert_eq!(area_dm2_from_f64(4541.27), Ok(454127));
        assert_eq!(area_dm2_from_f64(2564.94), Ok(256494));
        assert_eq!(integer_from_f64(60.0), Ok(60));
        assert_eq!(integer_from_f64(60.5), Err(IssueKind::NotAnInteger));
        assert_eq!(integer_from_f64(-1.0), Err(IssueKind::Negative));
    }

    #[test]
    fn year_forms() {
        for (s, v) in [
            ("1998", vec![1998]),
            ("1998年", vec![1998]),
            ("2000年12月", vec![2000]),
            ("2000年12月1日", vec![2000]),
            ("2000.12", vec![2000]),
            ("2000-12-01", vec![2000]),
            ("2000/12", vec![2000]),
            ("2000-12-01 00:00:00", vec![2000]),
            ("2000-12-01T00:00:00", vec![2000]),
            ("20001201", vec![2000]),
            ("1998.0", vec![1998]),
            ("1995、1997", vec![1995, 1997]),
            ("1995,1997", vec![1995, 1997]),
            ("1995，1997", vec![1995, 1997]),
            ("1995/1997", vec![1995, 1997]),
            ("1995-1997", vec![1995, 1997]),
            ("1995—1997", vec![1995, 1997]),
            ("1995年至1997年", vec![1995, 1997]),
            ("1997、1995、1997", vec![1995, 1997]),
            ("１９９８年", vec![1998]),
            ("2000年底", vec![2000]),
            ("1995年12月、1997年3月", vec![1995, 1997]),
        ] {
            assert_eq!(years(s), Ok(v), "{s}");
        }
        assert_eq!(years("1990年代"), Err(IssueKind::YearIsDecade));
        assert_eq!(years("90年代"), Err(IssueKind::YearIsDecade));
        assert_eq!(years("98"), Err(IssueKind::BadYear));
        assert_eq!(years("1850"), Err(IssueKind::YearOutOfRange));
        assert_eq!(years("2000年13月"), Err(IssueKind::BadYear));
        assert_eq!(years("不详"), Err(IssueKind::BadYear));
        assert_eq!(years("36000"), Err(IssueKind::YearOutOfRange));
    }

    #[test]
    fn serials() {
        assert_eq!(ymd_from_excel_serial(1.0), Some((1900, 1, 1)));
        assert_eq!(ymd_from_excel_serial(59.0), Some((1900, 2, 28)));
        assert_eq!(ymd_from_excel_serial(61.0), Some((1900, 3, 1)));
        assert_eq!(ymd_from_excel_serial(36526.0), Some((2000, 1, 1)));
        assert_eq!(ymd_from_excel_serial(36891.0), Some((2000, 12, 31)));
        assert_eq!(ymd_from_excel_serial(45943.541), Some((2025, 10, 13)));
        assert_eq!(ymd_from_excel_serial(2_958_465.0), Some((9999, 12, 31)));
        assert_eq!(year_from_excel_serial(f64::NAN), None);
        assert_eq!(year_from_excel_serial(0.0), None);
    }

    #[test]
    fn booleans_and_others() {
        for s in ["是", "有", "已", "√", "✓", "Y", "yes", "TRUE", "1", "Ｙ", "已建立"] {
            assert_eq!(boolean(s), Ok(true), "{s}");
        }
        for s in ["否", "无", "未", "×", "N", "no", "false", "0", "未纳入", "没有"] {
            assert_eq!(boolean(s), Ok(false), "{s}");
        }
        assert_eq!(boolean("也许"), Err(IssueKind::BadBool));
        assert_eq!(safety_rating("B级"), Ok('B'));
        assert_eq!(safety_rating("b"), Ok('B'));
        assert_eq!(safety_rating("Ｃ级"), Ok('C'));
        assert_eq!(safety_rating("E"), Err(IssueKind::BadSafetyRating));
        assert_eq!(region_code("140830"), Ok("140830".into()));
        assert_eq!(region_code("１４０８３０"), Ok("140830".into()));
        assert_eq!(region_code("14083"), Err(IssueKind::BadRegionCode));
        assert_eq!(coordinate_e6("110.712345", 180.0), Ok(110_712_345));
        assert_eq!(coordinate_e6("110.7123456", 180.0), Ok(110_712_346));
        assert_eq!(coordinate_e6("-0.5", 90.0), Ok(-500_000));
        assert_eq!(coordinate_e6("东经110.5°", 180.0), Ok(110_500_000));
        assert_eq!(coordinate_e6("95", 90.0), Err(IssueKind::CoordinateOutOfRange { max: 90 }));
        assert_eq!(coordinate_e6("110°42'", 180.0), Err(IssueKind::BadCoordinate));
        assert_eq!(text("　 a  b \u{3000}"), Some("a  b".into()));
        assert_eq!(text(" \u{3000} "), None);
    }
}
