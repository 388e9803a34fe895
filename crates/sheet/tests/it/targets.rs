//! The target breakdown table (年度任务细化分解表): both layouts, the totals checks, duplicates, the
//! writer's round trip; and the annual plan sheet (`plan` below). Fixtures are built here.

use std::path::{Path, PathBuf};

use jiugai_sheet::targets::{
    MAX_YEARS, TargetLayout, TargetSheet, TargetTableOut, read_targets, read_targets_bytes, write_targets_xlsx,
};
use jiugai_sheet::{FileError, Format, Issue, IssueKind, Lang, ReadOptions};
use proptest::prelude::*;
use rust_xlsxwriter::{Format as XFormat, Workbook};

/// A cell of a fixture.
#[derive(Clone, Copy)]
enum C<'a> {
    S(&'a str),
    N(f64),
    E,
}
use C::{E, N, S};

/// Writes rows to an xlsx; `merges` are (row, first col, last col) of merged cells (0-based), whose
/// text is the first cell's.
fn xlsx(dir: &Path, name: &str, rows: &[Vec<C<'_>>], merges: &[(u32, u16, u16)]) -> PathBuf {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let plain = XFormat::new();
    for (r, cells) in rows.iter().enumerate() {
        let r = r as u32;
        if let Some(&(_, c0, c1)) = merges.iter().find(|m| m.0 == r) {
            let text = match cells.get(c0 as usize) {
                Some(S(s)) => *s,
                _ => "",
            };
            ws.merge_range(r, c0, r, c1, text, &plain).unwrap();
        }
        for (c, v) in cells.iter().enumerate() {
            let c16 = c as u16;
            if merges.iter().any(|m| m.0 == r && (m.1..=m.2).contains(&c16)) {
                continue;
            }
            match v {
                S(s) => {
                    ws.write_string(r, c16, *s).unwrap();
                }
                N(n) => {
                    ws.write_number(r, c16, *n).unwrap();
                }
                E => {}
            }
        }
    }
    let p = dir.join(name);
    wb.save(&p).unwrap();
    p
}

const TITLE: &str = "“十四五”期间各县（区）需改造城镇老旧小区年度任务细化分解表";

/// Changzhi-like wide table; `luzhou_total` and `total_2023` let a 合计 cell be wrong.
fn changzhi(luzhou_total: f64, total_2023: f64) -> Vec<Vec<C<'static>>> {
    vec![
        vec![S(TITLE)],
        vec![S("单位：个")],
        vec![S("序号"), S("县（区）"), S("2022年"), S("2023年"), S("2024年"), S("2025年"), S("合计"), S("备注")],
        vec![N(1.0), S("潞州区"), S("35个"), N(40.0), S("38 个"), S("３０"), N(luzhou_total), E],
        vec![N(2.0), S("上党区"), N(12.0), N(15.0), N(10.0), N(8.0), N(45.0), S("含城中村")],
        vec![N(3.0), S("屯留区"), S(" 9"), N(11.0), E, N(6.0), N(26.0)],
        vec![N(4.0), S("潞城区"), N(7.0), N(8.0), N(9.0), N(10.0), N(34.0)],
        vec![S("合计"), E, N(63.0), N(total_2023), N(57.0), N(54.0), N(248.0)],
        vec![S("注：2024年屯留区任务并入2025年。")],
    ]
}

fn changzhi_file(dir: &Path, name: &str, luzhou_total: f64, total_2023: f64) -> PathBuf {
    xlsx(dir, name, &changzhi(luzhou_total, total_2023), &[(0, 0, 7), (1, 0, 7), (7, 0, 1)])
}

fn no_issues(t: &TargetSheet) {
    assert!(t.issues.is_empty(), "{:#?}", t.issues);
}

fn csv(text: &str) -> TargetSheet {
    read_targets_bytes(text.as_bytes(), Format::Csv, &ReadOptions::default()).unwrap()
}

#[test]
fn wide_changzhi_with_title_unit_and_totals() {
    let dir = tempfile::tempdir().unwrap();
    let p = changzhi_file(dir.path(), "changzhi.xlsx", 143.0, 74.0);
    let t = read_targets(&p, &ReadOptions::default()).unwrap();
    no_issues(&t);
    assert_eq!(t.layout, TargetLayout::Wide);
    assert_eq!(t.title.as_deref(), Some(TITLE));
    assert_eq!(t.unit.as_deref(), Some("单位：个"));
    assert_eq!(t.header_row, 3);
    assert_eq!(t.years, vec![2022, 2023, 2024, 2025]);
    assert_eq!(t.regions, vec!["潞州区", "上党区", "屯留区", "潞城区"]);
    assert_eq!(t.entries.len(), 16);
    assert_eq!(t.count("潞州区", 2022), Some(35));
    assert_eq!(t.count("潞州区", 2024), Some(38));
    assert_eq!(t.count("潞州区", 2025), Some(30));
    assert_eq!(t.count("屯留区", 2022), Some(9));
    // a blank cell in the wide layout is 0
    assert_eq!(t.count("屯留区", 2024), Some(0));
    assert_eq!(t.grand_total, Some(248));
    assert_eq!(t.total(), 248);
    let e = t.entries.iter().find(|e| e.region == "上党区" && e.year == 2023).unwrap();
    assert_eq!((e.row, e.column.as_str(), e.count, e.households), (5, "2023年", 15, None));
    // serialisable
    let _ = format!("{:?}", t);
}

#[test]
fn wide_changzhi_with_wrong_totals_names_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = changzhi_file(dir.path(), "wrong.xlsx", 144.0, 75.0);
    let t = read_targets(&p, &ReadOptions::default()).unwrap();
    assert_eq!(
        t.issues,
        vec![
            Issue {
                row: 4,
                column: "合计".into(),
                value: "144".into(),
                kind: IssueKind::TotalsMismatch { expected: 143, found: 144, decimals: 0 },
            },
            Issue {
                row: 8,
                column: "2023年".into(),
                value: "75".into(),
                kind: IssueKind::TotalsMismatch { expected: 74, found: 75, decimals: 0 },
            },
        ]
    );
    assert_eq!(t.issues[0].message(Lang::Zh), "合计与明细之和不符：合计为 144，明细之和为 143，请核对");
    assert_eq!(t.issues[1].message(Lang::Zh), "合计行与明细之和不符：2023年合计为 75，明细之和为 74，请核对");
    assert!(t.issues[0].to_string().starts_with("第4行"));
    assert!(t.issues[1].message(Lang::En).contains("75"));
    // the entries are still read; the caller decides
    assert_eq!(t.entries.len(), 16);
}

#[test]
fn wide_grand_total_wrong() {
    let t = csv("区划,2022年,2023年,合计\n潞州区,1,2,3\n上党区,4,5,9\n合计,5,7,13\n");
    assert_eq!(t.issues.len(), 1, "{:#?}", t.issues);
    let i = &t.issues[0];
    assert_eq!((i.row, i.column.as_str()), (4, "合计"));
    assert_eq!(i.kind, IssueKind::TotalsMismatch { expected: 12, found: 13, decimals: 0 });
    assert_eq!(t.grand_total, Some(13));
}

#[test]
fn totals_mismatch_keeps_the_value_as_written() {
    let t = csv("区划,2022年,合计\n潞州区,3个,4个\n合计,3 个,\n");
    assert_eq!(t.issues.len(), 1, "{:#?}", t.issues);
    assert_eq!((t.issues[0].row, t.issues[0].value.as_str()), (2, "4个"));
    assert_eq!(t.issues[0].kind, IssueKind::TotalsMismatch { expected: 3, found: 4, decimals: 0 });
}

#[test]
fn wide_totals_row_first_and_no_totals_column() {
    let t = csv("县区,2022,2023\n合计,5,7\n潞州区,1,2\n上党区,4,5\n");
    no_issues(&t);
    assert_eq!(t.regions, vec!["潞州区", "上党区"]);
    assert_eq!(t.grand_total, None);
    assert_eq!(t.total(), 12);
    let t = csv("县区,2022,2023\n合计,5,8\n潞州区,1,2\n上党区,4,5\n");
    assert_eq!(t.issues.len(), 1);
    assert_eq!((t.issues[0].row, t.issues[0].column.as_str()), (2, "2023"));
}

#[test]
fn wide_year_header_spellings() {
    let t = csv("名称,2022年,2023年度, 2024 ,2025 年,２０２６年\n潞州区,1,2,3,4,5\n");
    no_issues(&t);
    assert_eq!(t.years, vec![2022, 2023, 2024, 2025, 2026]);
    let e = t.entries.iter().find(|e| e.year == 2023).unwrap();
    assert_eq!(e.column, "2023年度");
    assert_eq!(t.count("潞州区", 2026), Some(5));
}

#[test]
fn wide_year_numbers_as_header_cells() {
    let dir = tempfile::tempdir().unwrap();
    let p = xlsx(
        dir.path(),
        "numbers.xlsx",
        &[vec![S("区划"), N(2022.0), N(2023.0)], vec![S("潞州区"), N(35.0), N(40.0)]],
        &[],
    );
    let t = read_targets(&p, &ReadOptions::default()).unwrap();
    no_issues(&t);
    assert_eq!(t.years, vec![2022, 2023]);
    assert_eq!(t.entries[0].column, "2022");
}

#[test]
fn wide_duplicate_region_names_both_rows() {
    let t = csv("区划,2022年,2023年\n潞州区,1,2\n上党区,3,4\n潞州区,5,6\n");
    assert_eq!(t.issues.len(), 1);
    let i = &t.issues[0];
    assert_eq!((i.row, i.column.as_str(), i.value.as_str()), (4, "区划", "潞州区"));
    assert_eq!(i.kind, IssueKind::DuplicateTarget { first_row: 2 });
    let shown = i.to_string();
    assert!(shown.contains("第4行") && shown.contains("第2行"), "{shown}");
    assert!(i.message(Lang::En).contains("row 2"));
    assert_eq!(t.regions, vec!["潞州区", "上党区"]);
    assert_eq!(t.count("潞州区", 2022), Some(1));
}

#[test]
fn wide_duplicate_year_column_is_reported_on_the_header_row() {
    let t = csv("标题行\n区划,2022年,2023年,2022年度\n潞州区,1,2,3\n");
    assert_eq!(t.issues.len(), 1, "{:#?}", t.issues);
    let i = &t.issues[0];
    assert_eq!((i.row, i.column.as_str()), (2, "2022年度"));
    assert!(i.message(Lang::Zh).contains("第2列和第4列"), "{}", i.message(Lang::Zh));
    assert_eq!(t.years, vec![2022, 2023]);
    assert_eq!(t.count("潞州区", 2022), Some(1));
}

#[test]
fn wide_bad_counts_are_issues_and_skip_the_totals_they_touch() {
    let t = csv("区划,2022年,2023年,合计\n潞州区,三十,2,99\n上党区,-3,3.5,0\n屯留区,—,#REF!,1\n合计,1,1,1\n");
    let got: Vec<(u32, &str, &str, &IssueKind)> =
        t.issues.iter().map(|i| (i.row, i.column.as_str(), i.value.as_str(), &i.kind)).collect();
    assert_eq!(
        got,
        vec![
            (2, "2022年", "三十", &IssueKind::NotANumber),
            (3, "2022年", "-3", &IssueKind::Negative),
            (3, "2023年", "3.5", &IssueKind::NotAnInteger),
            (4, "2022年", "—", &IssueKind::NotANumber),
            (4, "2023年", "#REF!", &IssueKind::NotANumber),
        ]
    );
    for i in &t.issues {
        assert!(!i.message(Lang::Zh).is_empty());
    }
}

#[test]
fn wide_blank_region_with_values_is_required() {
    let t = csv("区划,2022年\n潞州区,1\n,5\n");
    assert_eq!(t.issues.len(), 1);
    assert_eq!((t.issues[0].row, &t.issues[0].kind), (3, &IssueKind::Required));
}

#[test]
fn wide_two_row_header() {
    let dir = tempfile::tempdir().unwrap();
    let p = xlsx(
        dir.path(),
        "two_rows.xlsx",
        &[
            vec![S(TITLE)],
            vec![S("序号"), S("区划"), S("年度任务"), E, E, S("合计")],
            vec![E, E, S("2023年"), S("2024年"), S("2025年"), E],
            vec![N(1.0), S("潞州区"), N(1.0), N(2.0), N(3.0), N(6.0)],
            vec![N(2.0), S("上党区"), N(4.0), N(5.0), N(6.0), N(15.0)],
            vec![S("合计"), E, N(5.0), N(7.0), N(9.0), N(21.0)],
        ],
        &[(0, 0, 5), (1, 2, 4), (5, 0, 1)],
    );
    let t = read_targets(&p, &ReadOptions::default()).unwrap();
    no_issues(&t);
    assert_eq!(t.header_row, 3);
    assert_eq!(t.years, vec![2023, 2024, 2025]);
    assert_eq!(t.regions, vec!["潞州区", "上党区"]);
    assert_eq!(t.grand_total, Some(21));
}

#[test]
fn headers_missing() {
    match read_targets_bytes("区划,备注\n潞州区,无\n".as_bytes(), Format::Csv, &ReadOptions::default()) {
        Err(e @ FileError::MissingColumn { header_row: 1, .. }) => {
            assert!(e.message(Lang::Zh).contains("2022年"), "{}", e.message(Lang::Zh));
        }
        other => panic!("{other:?}"),
    }
    match read_targets_bytes("标题\n,2022年,2023年\n潞州区,1,2\n".as_bytes(), Format::Csv, &ReadOptions::default())
    {
        Err(e @ FileError::MissingColumn { header_row: 2, .. }) => {
            assert!(e.message(Lang::Zh).contains("区划"));
        }
        other => panic!("{other:?}"),
    }
    match read_targets_bytes("区划,年份,户数\n潞州区,2022,3\n".as_bytes(), Format::Csv, &ReadOptions::default())
    {
        Err(e @ FileError::MissingColumn { .. }) => assert!(e.message(Lang::Zh).contains("任务数")),
        other => panic!("{other:?}"),
    }
    for text in ["", "a,b\n1,2\n", "小区名称,户数\n幸福里,30\n"] {
        match read_targets_bytes(text.as_bytes(), Format::Csv, &ReadOptions::default()) {
            Err(e @ FileError::NoTargetHeader { .. }) => {
                assert!(e.message(Lang::Zh).contains("年份列"));
                assert!(e.message(Lang::En).contains("year columns"));
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
    let many = "说明\n".repeat(40);
    assert!(matches!(
        read_targets_bytes(many.as_bytes(), Format::Csv, &ReadOptions::default()),
        Err(FileError::NoTargetHeader { searched_rows: 30 })
    ));
}

#[test]
fn wide_caps_year_columns() {
    let mut head = String::from("区划");
    let mut row = String::from("潞州区");
    for y in 1900..(1900 + MAX_YEARS as i32 + 5) {
        head.push_str(&format!(",{y}年"));
        row.push_str(",1");
    }
    let t = csv(&format!("{head}\n{row}\n"));
    assert_eq!(t.years.len(), MAX_YEARS);
    assert_eq!(t.issues.len(), 1);
    assert_eq!(t.issues[0].row, 1);
    assert!(t.issues[0].message(Lang::Zh).contains("年份列超过"));
}

#[test]
fn a_label_row_above_the_header_does_not_hide_it() {
    // "单位 | 长治市住建局" looks like the upper row of a two-row header, but the header follows
    let t = csv("单位,长治市住建局\n区划,2022年\n潞州区,3\n");
    no_issues(&t);
    assert_eq!((t.header_row, t.count("潞州区", 2022)), (2, Some(3)));
}

#[test]
fn wide_caps_regions() {
    use jiugai_sheet::targets::MAX_REGIONS;
    let mut text = String::from("区划,2022年\n");
    for i in 0..MAX_REGIONS + 5 {
        text.push_str(&format!("区{i},1\n"));
    }
    let t = csv(&text);
    assert_eq!(t.regions.len(), MAX_REGIONS);
    assert_eq!(t.issues.len(), 1, "{:?}", &t.issues[..t.issues.len().min(3)]);
    assert_eq!(t.issues[0].row, MAX_REGIONS as u32 + 2);
    assert!(t.issues[0].message(Lang::Zh).contains("区划超过"));
}

#[test]
fn issues_are_capped_with_a_last_word() {
    use jiugai_sheet::targets::MAX_ISSUES;
    // two bad cells a row, so that the issues run out before the regions do
    let mut text = String::from("区划,2022年,2023年\n");
    for i in 0..MAX_ISSUES / 2 + 4 {
        text.push_str(&format!("区{i},x,y\n"));
    }
    let t = csv(&text);
    assert_eq!(t.issues.len(), MAX_ISSUES + 1);
    let last = t.issues.last().unwrap().message(Lang::Zh);
    assert!(last.contains("另有 8 个问题未列出"), "{last}");
}

// ------------------------------------------------------------------ long layout

fn gbk(text: &str) -> Vec<u8> {
    let (b, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad);
    b.into_owned()
}

const LONG: &str = "长治市城镇老旧小区改造年度任务分解表\r\n\
单位：个、户\r\n\
区划,年份,任务数,户数\r\n\
潞州区,2022,35个,\"1,234户\"\r\n\
潞州区,2023年,40,1500\r\n\
上党区,2022,12,300\r\n\
上党区,2023年度,１５,420\r\n\
潞州区,合计,75,2734\r\n\
合计,2022,47,1534\r\n\
合计,2023,55,1920\r\n\
合计,合计,102,3454\r\n";

#[test]
fn long_gbk_csv() {
    let data = gbk(LONG);
    assert!(std::str::from_utf8(&data).is_err(), "the fixture must really be GBK");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("long_gbk.csv");
    std::fs::write(&p, &data).unwrap();
    let t = read_targets(&p, &ReadOptions::default()).unwrap();
    no_issues(&t);
    assert_eq!(t.layout, TargetLayout::Long);
    assert_eq!(t.title.as_deref(), Some("长治市城镇老旧小区改造年度任务分解表"));
    assert_eq!(t.unit.as_deref(), Some("单位：个、户"));
    assert_eq!(t.header_row, 3);
    assert_eq!(t.years, vec![2022, 2023]);
    assert_eq!(t.regions, vec!["潞州区", "上党区"]);
    assert_eq!(t.entries.len(), 4);
    let e = &t.entries[0];
    assert_eq!(
        (e.region.as_str(), e.year, e.count, e.households, e.row, e.column.as_str()),
        ("潞州区", 2022, 35, Some(1234), 4, "任务数")
    );
    assert_eq!(t.count("上党区", 2023), Some(15));
    assert_eq!(t.grand_total, Some(102));
    // the same from bytes
    assert_eq!(read_targets_bytes(&data, Format::Csv, &ReadOptions::default()).unwrap(), t);
}

#[test]
fn long_wrong_totals() {
    let text =
        LONG.replace("潞州区,合计,75,2734", "潞州区,合计,76,2734").replace("合计,2023,55,1920", "合计,2023,55,1921");
    let t = read_targets_bytes(&gbk(&text), Format::Csv, &ReadOptions::default()).unwrap();
    let got: Vec<(u32, &str, &IssueKind)> = t.issues.iter().map(|i| (i.row, i.column.as_str(), &i.kind)).collect();
    assert_eq!(
        got,
        vec![
            (8, "任务数", &IssueKind::TotalsMismatch { expected: 75, found: 76, decimals: 0 }),
            (10, "户数", &IssueKind::TotalsMismatch { expected: 1920, found: 1921, decimals: 0 }),
        ]
    );
}

#[test]
fn long_totals_rows_may_leave_a_cell_blank() {
    let t = csv("区划,年份,任务数,户数\n潞州区,2022,1,10\n潞州区,2023,2,20\n潞州区,合计,,30\n合计,,3,\n");
    no_issues(&t);
    assert_eq!(t.grand_total, Some(3));
    let t = csv("区划,年份,任务数,户数\n潞州区,2022,1,10\n潞州区,2023,2,20\n潞州区,合计,,31\n");
    assert_eq!(t.issues.len(), 1);
    assert_eq!((t.issues[0].row, t.issues[0].column.as_str()), (4, "户数"));
}

#[test]
fn long_duplicate_region_year() {
    let t = csv("区划,年度,数量\n潞州区,2022,1\n上党区,2022,2\n潞州区,2022年,3\n");
    assert_eq!(t.issues.len(), 1);
    let i = &t.issues[0];
    assert_eq!((i.row, i.value.as_str()), (4, "潞州区 2022"));
    assert_eq!(i.kind, IssueKind::DuplicateTarget { first_row: 2 });
    assert_eq!(t.entries.len(), 2);
}

#[test]
fn long_bad_values() {
    let t = csv("区划,年份,任务数\n潞州区,二〇二二,1\n潞州区,2023,\n,2024,3\n上党区,1995-1997,2\n");
    let got: Vec<(u32, &str, &IssueKind)> = t.issues.iter().map(|i| (i.row, i.column.as_str(), &i.kind)).collect();
    assert_eq!(
        got,
        vec![
            (2, "年份", &IssueKind::BadYear),
            (3, "任务数", &IssueKind::Required),
            (4, "区划", &IssueKind::Required),
            (5, "年份", &IssueKind::MultipleYears),
        ]
    );
    assert!(t.entries.is_empty());
}

// ------------------------------------------------------------------ writer

fn changzhi_out() -> TargetTableOut {
    TargetTableOut {
        title: TITLE.into(),
        unit: "单位：个".into(),
        years: vec![2022, 2023, 2024, 2025],
        rows: vec![
            ("潞州区".into(), vec![35, 40, 38, 30]),
            ("上党区".into(), vec![12, 15, 10, 8]),
            ("屯留区".into(), vec![9, 11, 0, 6]),
            ("潞城区".into(), vec![7, 8, 9, 10]),
        ],
    }
}

fn assert_round_trip(out: &TargetTableOut, t: &TargetSheet) {
    no_issues(t);
    assert_eq!(t.layout, TargetLayout::Wide);
    assert_eq!(t.title.as_deref(), Some(out.title.as_str()));
    assert_eq!(t.unit.as_deref(), Some(out.unit.as_str()));
    assert_eq!(t.years, out.years);
    let regions: Vec<&str> = out.rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(t.regions, regions);
    assert_eq!(t.entries.len(), out.rows.len() * out.years.len());
    for (region, counts) in &out.rows {
        for (y, c) in out.years.iter().zip(counts) {
            assert_eq!(t.count(region, *y), Some(*c), "{region} {y}");
        }
    }
    let sum: i64 = out.rows.iter().flat_map(|r| r.1.iter()).sum();
    assert_eq!(t.grand_total, Some(sum));
}

#[test]
fn targets_writer_round_trip_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.xlsx");
    let out = changzhi_out();
    write_targets_xlsx(&p, &out).unwrap();
    let t = read_targets(&p, &ReadOptions::default()).unwrap();
    assert_round_trip(&out, &t);
    assert_eq!(t.grand_total, Some(248));
    assert_eq!(t.header_row, 3);
    assert_eq!(t.entries[0].column, "2022年");
    // the layout as an office reads it
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(&p).unwrap();
    let r = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(r.get_value((2, 0)), Some(&Data::String("区划".into())));
    assert_eq!(r.get_value((2, 5)), Some(&Data::String("合计".into())));
    assert_eq!(r.get_value((3, 5)), Some(&Data::Float(143.0)));
    assert_eq!(r.get_value((7, 0)), Some(&Data::String("合计".into())));
    assert_eq!(r.get_value((7, 5)), Some(&Data::Float(248.0)));
}

#[test]
fn targets_writer_refuses_what_would_not_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.xlsx");
    let mut out = changzhi_out();
    out.rows[1].0 = "潞州区".into();
    assert!(matches!(write_targets_xlsx(&p, &out), Err(FileError::Write(_))));
    let mut out = changzhi_out();
    out.rows[0].1.pop();
    assert!(matches!(write_targets_xlsx(&p, &out), Err(FileError::Write(_))));
    let mut out = changzhi_out();
    out.years[1] = 2022;
    assert!(matches!(write_targets_xlsx(&p, &out), Err(FileError::Write(_))));
    let mut out = changzhi_out();
    out.rows[2].0 = "合计".into();
    assert!(matches!(write_targets_xlsx(&p, &out), Err(FileError::Write(_))));
    let mut out = changzhi_out();
    out.rows[2].1[0] = -1;
    assert!(matches!(write_targets_xlsx(&p, &out), Err(FileError::Write(_))));
    let out = TargetTableOut { years: vec![], rows: vec![], ..changzhi_out() };
    assert!(matches!(write_targets_xlsx(&p, &out), Err(FileError::Write(_))));
}

const REGION_NAMES: &[&str] = &[
    "潞州区",
    "上党区",
    "屯留区",
    "潞城区",
    "襄垣县",
    "平顺县",
    "黎城县",
    "壶关县",
    "长子县",
    "武乡县",
    "沁县",
    "沁源县",
    "高新区",
    "Region 7",
    "140403",
    "城区（含开发区）",
];

fn table_out() -> impl Strategy<Value = TargetTableOut> {
    (
        2015i32..2030,
        1usize..7,
        prop::sample::subsequence(REGION_NAMES.to_vec(), 1..8),
        prop::sample::select(vec![TITLE, "长治市老旧小区改造任务表", "Targets 2022–2025"]),
    )
        .prop_flat_map(|(first, n, regions, title)| {
            let years: Vec<i32> = (first..first + n as i32).collect();
            let rows = prop::collection::vec(prop::collection::vec(0i64..5_000, n), regions.len());
            (Just(years), Just(regions), rows, Just(title))
        })
        .prop_map(|(years, regions, counts, title)| TargetTableOut {
            title: title.to_string(),
            unit: "单位：个".into(),
            years,
            rows: regions.into_iter().map(String::from).zip(counts).collect(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn targets_writer_round_trip_random(out in table_out()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.xlsx");
        write_targets_xlsx(&p, &out).unwrap();
        let t = read_targets(&p, &ReadOptions::default()).unwrap();
        assert_round_trip(&out, &t);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn targets_no_panic_on_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        for f in [Format::Csv, Format::Xlsx, Format::Xls] {
            if let Ok(t) = read_targets_bytes(&data, f, &ReadOptions::default()) {
                for i in &t.issues {
                    let _ = (i.message(Lang::Zh), i.message(Lang::En));
                }
            }
        }
    }

    #[test]
    fn targets_no_panic_on_csv_of_any_shape(rows in prop::collection::vec(prop::collection::vec(
        "[^\"]{0,5}|区划|县（区）|年份|年度|任务数|户数|合计|小计|总计|备注|序号|注：|单位：个|20[0-9]{2}年?度?|-?[0-9]{1,20}个?|[0-9]\\.[0-9]|#N/A|潞州区|上党区",
        0..8), 0..40)) {
        let text: String = rows.iter().map(|r| r.join(",")).collect::<Vec<_>>().join("\n");
        match read_targets_bytes(text.as_bytes(), Format::Csv, &ReadOptions::default()) {
            Ok(t) => {
                // entries are unique per (region, year) and belong to listed regions and years
                let mut seen = std::collections::HashSet::new();
                for e in &t.entries {
                    prop_assert!(seen.insert((e.region.clone(), e.year)));
                    prop_assert!(t.regions.contains(&e.region) && t.years.contains(&e.year));
                    prop_assert!(e.count >= 0 && e.row > t.header_row);
                }
                for i in &t.issues {
                    let _ = (i.message(Lang::Zh), i.message(Lang::En));
                }
            }
            Err(e) => {
                let _ = (e.message(Lang::Zh), e.message(Lang::En));
            }
        }
    }
}

// ------------------------------------------------------------------ the annual plan sheet

mod plan {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    use jiugai_sheet::plan_sheet::{
        PLAN_HEADERS, PlanSheet, PlanSheetRow, PlanTotals, read_plan_totals, write_plan_xlsx,
    };

    fn plan() -> PlanSheet {
        let row = |project: &str, estates: &[&str], households, area_dm2, content: &str, investment_fen| PlanSheetRow {
            project: project.into(),
            estates: estates.iter().map(|s| s.to_string()).collect(),
            region: "潞州区".into(),
            households,
            area_dm2,
            content: content.into(),
            investment_fen,
        };
        PlanSheet {
            title: "长治市潞州区2026年城镇老旧小区改造计划".into(),
            unit: "面积单位：平方米；投资单位：万元".into(),
            rows: vec![
                row(
                    "英雄南路片区改造项目",
                    &["英雄南路1号院", "英雄南路3号院"],
                    412,
                    3_254_127,
                    "屋面防水、外墙保温、管网改造",
                    286_000_000,
                ),
                row("太行东街小区改造项目", &["太行东街小区"], 96, 812_345, "雨污分流、加装电梯", 123_456),
                row(
                    "西街片区改造项目",
                    &["西街1号楼", "西街2号楼", "西街供销社宿舍"],
                    1_250,
                    10_000_001,
                    "道路、绿化、照明",
                    1_999_999_999,
                ),
            ],
            note: Some("注：投资含中央补助资金。".into()),
        }
    }

    #[test]
    fn targets_plan_sheet_layout_and_exact_totals() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("plan.xlsx");
        let sheet = plan();
        write_plan_xlsx(&p, &sheet).unwrap();

        let mut wb: Xlsx<_> = open_workbook(&p).unwrap();
        let r = wb.worksheet_range("年度计划").unwrap();
        let s = |row: u32, col: u32| match r.get_value((row, col)) {
            Some(Data::String(s)) => s.clone(),
            other => panic!("({row},{col}): {other:?}"),
        };
        let f = |row: u32, col: u32| match r.get_value((row, col)) {
            Some(Data::Float(v)) => *v,
            Some(Data::Int(v)) => *v as f64,
            other => panic!("({row},{col}): {other:?}"),
        };
        assert_eq!(s(0, 0), "长治市潞州区2026年城镇老旧小区改造计划");
        assert_eq!(s(1, 0), "面积单位：平方米；投资单位：万元");
        let header: Vec<String> = (0..8).map(|c| s(2, c)).collect();
        assert_eq!(header, PLAN_HEADERS);
        assert_eq!(
            PLAN_HEADERS,
            ["序号", "项目名称", "所在区划", "改造小区", "户数", "建筑面积（㎡）", "改造内容", "计划投资（万元）"]
        );
        assert_eq!(f(3, 0), 1.0);
        assert_eq!(s(3, 1), "英雄南路片区改造项目");
        assert_eq!(s(3, 2), "潞州区");
        assert_eq!(s(3, 3), "英雄南路1号院、英雄南路3号院");
        assert_eq!(f(3, 4), 412.0);
        assert_eq!(f(3, 5), 32_541.27);
        assert_eq!(s(3, 6), "屋面防水、外墙保温、管网改造");
        assert_eq!(f(3, 7), 286.0);
        assert_eq!(f(4, 7), 0.123456);
        assert_eq!(s(5, 3), "西街1号楼、西街2号楼、西街供销社宿舍");
        assert_eq!(f(5, 7), 1_999.999_999);
        // the 合计 row: sums in fen, divided once
        assert_eq!(s(6, 0), "合计");
        assert_eq!(f(6, 4), 1_758.0);
        let area: i64 = 3_254_127 + 812_345 + 10_000_001;
        assert_eq!(f(6, 5), area as f64 / 100.0);
        let fen: i64 = 286_000_000 + 123_456 + 1_999_999_999;
        assert_eq!(f(6, 7), fen as f64 / 1_000_000.0);
        assert_eq!(((f(6, 7) * 1_000_000.0).round()) as i64, fen);
        assert_eq!(s(7, 0), "注：投资含中央补助资金。");

        let t = read_plan_totals(&p).unwrap();
        assert_eq!(
            t,
            PlanTotals {
                rows: 3,
                households: 1_758,
                area_dm2: area,
                investment_fen: fen,
                detail_households: 1_758,
                detail_area_dm2: area,
                detail_investment_fen: fen,
            }
        );
    }

    #[test]
    fn targets_plan_sheet_empty_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("empty.xlsx");
        let empty = PlanSheet { rows: vec![], note: None, ..plan() };
        write_plan_xlsx(&p, &empty).unwrap();
        let t = read_plan_totals(&p).unwrap();
        assert_eq!(t, PlanTotals::default());
        let mut bad = plan();
        bad.rows[1].investment_fen = -1;
        assert!(matches!(write_plan_xlsx(&p, &bad), Err(jiugai_sheet::FileError::Write(_))));
        for name in ["", " ", "合计"] {
            let mut bad = plan();
            bad.rows[0].project = name.into();
            assert!(matches!(write_plan_xlsx(&p, &bad), Err(jiugai_sheet::FileError::Write(_))), "{name:?}");
        }
        // a file without a 合计 row
        let q = dir.path().join("no_total.csv");
        std::fs::write(&q, "项目名称,户数,建筑面积,计划投资（万元）\n甲,1,2,3\n").unwrap();
        assert!(matches!(read_plan_totals(&q), Err(jiugai_sheet::FileError::Corrupt(_))));
    }
}
