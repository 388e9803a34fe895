//! Property tests of the value normalisation.

use jiugai_sheet::normalize::*;
use proptest::prelude::*;

fn full_width(s: &str) -> String {
    s.chars()
        .map(
            |c| if c.is_ascii_digit() || c == '.' || c == ',' { char::from_u32(c as u32 + 0xFEE0).unwrap() } else { c },
        )
        .collect()
}

fn thousands(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

proptest! {
    #[test]
    fn integer_round_trips(n in 0i64..1_000_000_000_000, unit in prop::sample::select(vec!["", "户", "栋", " 户", "幢"])) {
        prop_assert_eq!(integer(&n.to_string()), Ok(n));
        prop_assert_eq!(integer(&format!("{n}{unit}")), Ok(n));
        prop_assert_eq!(integer(&thousands(n)), Ok(n));
        prop_assert_eq!(integer(&full_width(&n.to_string())), Ok(n));
        prop_assert_eq!(integer(&format!("{n}.0")), Ok(n));
        prop_assert_eq!(integer_from_f64(n as f64), Ok(n));
    }

    #[test]
    fn area_round_trips(v in 0i64..10_000_000_000, unit in prop::sample::select(vec!["", "㎡", "m²", " m2", "平方米"])) {
        let s = format!("{}.{:02}", v / 100, v % 100);
        prop_assert_eq!(area_dm2(&s), Ok(v));
        prop_assert_eq!(area_dm2(&format!("{s}{unit}")), Ok(v));
        prop_assert_eq!(area_dm2(&full_width(&s)), Ok(v));
        prop_assert_eq!(area_dm2(&format!("{}.{:02}", thousands(v / 100), v % 100)), Ok(v));
        prop_assert_eq!(area_dm2_from_f64(v as f64 / 100.0), Ok(v));
        // a third decimal rounds half up
        prop_assert_eq!(area_dm2(&format!("{s}5")), Ok(v + 1));
        prop_assert_eq!(area_dm2(&format!("{s}4")), Ok(v));
    }

    #[test]
    fn years_round_trip(ys in prop::collection::btree_set(1900i32..=2099, 1..5), sep in prop::sample::select(vec!["、", ",", "，", "/", "-", "、 "])) {
        let v: Vec<i32> = ys.into_iter().collect();
        let s = v.iter().map(|y| y.to_string()).collect::<Vec<_>>().join(sep);
        prop_assert_eq!(years(&s), Ok(v.clone()));
        let s = v.iter().map(|y| format!("{y}年")).collect::<Vec<_>>().join(sep);
        prop_assert_eq!(years(&s), Ok(v));
    }

    #[test]
    fn year_month_forms(y in 1900i32..=2099, m in 1u32..=12, d in 1u32..=28) {
        for s in [format!("{y}年{m}月"), format!("{y}.{m}"), format!("{y}-{m:02}-{d:02}"), format!("{y}/{m}"), format!("{y}年{m}月{d}日")] {
            prop_assert_eq!(years(&s), Ok(vec![y]), "{}", s);
        }
    }

    #[test]
    fn serial_years_agree_with_text(days in 1i64..73_000) {
        let serial = days as f64 + 0.5;
        if let Some((y, m, d)) = ymd_from_excel_serial(serial) {
            prop_assert!((1900..=2099).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d));
            prop_assert_eq!(year_from_excel_serial(serial), Some(y));
        }
    }

    #[test]
    fn coordinates_round_trip(v in -180_000_000i64..=180_000_000) {
        let s = format!("{}{}.{:06}", if v < 0 { "-" } else { "" }, v.abs() / 1_000_000, v.abs() % 1_000_000);
        prop_assert_eq!(coordinate_e6(&s, 180.0), Ok(v));
    }

    #[test]
    fn never_panics(s in ".{0,40}") {
        let _ = text(&s);
        let _ = integer(&s);
        let _ = area_dm2(&s);
        let _ = years(&s);
        let _ = boolean(&s);
        let _ = coordinate_e6(&s, 180.0);
        let _ = safety_rating(&s);
        let _ = region_code(&s);
    }

    #[test]
    fn never_panics_on_numberish(s in "[-+0-9０-９.,，、年月日/ 户㎡eE]{0,24}") {
        let _ = integer(&s);
        let _ = area_dm2(&s);
        let _ = years(&s);
        let _ = coordinate_e6(&s, 90.0);
    }

    #[test]
    fn floats_never_panic(v in any::<f64>()) {
        let _ = integer_from_f64(v);
        let _ = area_dm2_from_f64(v);
        let _ = year_from_excel_serial(v);
        let _ = coordinate_e6_from_f64(v, 180.0);
        let _ = year_from_f64(v);
        let _ = number_text(v);
    }
}
