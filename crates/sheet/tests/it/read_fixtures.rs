//! Reading the committed fixtures (see tests/fixtures/make_fixtures.py).

use std::path::{Path, PathBuf};

use jiugai_sheet::estate::{self, EstateReadSummary, EstateRecord, Management, RejectedRow, RowOutcome, Totals};
use jiugai_sheet::{FileError, Format, Issue, IssueKind, Lang, ReadOptions};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn read(name: &str) -> (EstateReadSummary, Vec<EstateRecord>, Vec<RejectedRow>) {
    read_opts(name, &ReadOptions::default()).unwrap()
}

fn read_opts(
    name: &str,
    opts: &ReadOptions,
) -> Result<(EstateReadSummary, Vec<EstateRecord>, Vec<RejectedRow>), FileError> {
    let mut recs = Vec::new();
    let mut rej = Vec::new();
    let s = estate::read_estates(&fixture(name), opts, |o| match o {
        RowOutcome::Record(r) => recs.push(r),
        RowOutcome::Rejected(r) => rej.push(r),
    })?;
    Ok((s, recs, rej))
}

const RUICHENG_TOTALS: Totals = Totals { estates: 30, households: 863, buildings: 40, floor_area_dm2: 9_199_189 };

fn check_ruicheng(name: &str) {
    let (s, recs, rej) = read(name);
    assert!(rej.is_empty(), "{name}: {rej:?}");
    assert_eq!(s.header_row, 3, "{name}");
    assert_eq!(s.data_rows, 30, "{name}");
    assert_eq!(recs.len(), 30, "{name}");
    assert_eq!(s.totals, RUICHENG_TOTALS, "{name}");
    assert_eq!(s.skipped_rows, vec![34], "{name}: the 合计 row");
    assert!(s.file_issues.is_empty(), "{name}: {:?}", s.file_issues);
    let fields: Vec<&str> = s.mapped.iter().map(|m| m.1).collect();
    assert_eq!(
        fields,
        ["plan_year", "name", "address", "built_years", "buildings", "households", "floor_area_dm2"],
        "{name}"
    );
    assert!(s.ignored_columns.is_empty());
    let first = &recs[0];
    assert_eq!(
        first,
        &EstateRecord {
            row: 4,
            name: "原卷烟厂小区".into(),
            address: Some("华泰北路".into()),
            built_years: vec![1994],
            buildings: Some(2),
            households: Some(60),
            floor_area_dm2: Some(454_127),
            plan_year: Some(2021),
            ..Default::default()
        },
        "{name}"
    );
    let gs = recs.iter().find(|r| r.name == "工商银行住宅楼").unwrap();
    assert_eq!(gs.row, 14);
    assert_eq!(gs.built_years, vec![1995, 1997]);
    assert_eq!(gs.plan_year, Some(2023));
    let xy = recs.iter().find(|r| r.name == "信用联社住宅楼").unwrap();
    assert_eq!(xy.floor_area_dm2, Some(260_130));
    let last = recs.last().unwrap();
    assert_eq!((last.row, last.name.as_str(), last.floor_area_dm2), (33, "审计局住宅楼", Some(117_576)));
    let rows: Vec<u32> = recs.iter().map(|r| r.row).collect();
    assert_eq!(rows, (4..=33).collect::<Vec<_>>());
}

#[test]
fn ruicheng_xlsx() {
    check_ruicheng("ruicheng.xlsx");
    let (s, _, _) = read("ruicheng.xlsx");
    assert_eq!(s.sheet, "计划表");
    assert_eq!(s.headers, ["年份", "小区名称", "位置", "建成时间", "栋数", "户数", "面积m ²"]);
}

#[test]
fn ruicheng_xls() {
    check_ruicheng("ruicheng.xls");
}

#[test]
fn ruicheng_csv_utf8() {
    check_ruicheng("ruicheng.csv");
}

#[test]
fn ruicheng_csv_utf8_bom() {
    check_ruicheng("ruicheng_utf8_bom.csv");
    let (s, _, _) = read("ruicheng_utf8_bom.csv");
    assert_eq!(s.headers[0], "年份", "BOM stripped");
}

#[test]
fn ruicheng_csv_gbk() {
    check_ruicheng("ruicheng_gbk.csv");
    let (s, _, _) = read("ruicheng_gbk.csv");
    assert_eq!(s.headers[6], "面积m 2");
}

#[test]
fn ruicheng_tab_separated_gb18030() {
    check_ruicheng("ruicheng_tab_gbk.txt");
}

#[test]
fn all_formats_give_the_same_records() {
    let (_, a, _) = read("ruicheng.xlsx");
    for f in ["ruicheng.xls", "ruicheng.csv", "ruicheng_utf8_bom.csv", "ruicheng_gbk.csv"] {
        let (_, b, _) = read(f);
        assert_eq!(a, b, "{f}");
    }
}

#[test]
fn bytes_api_matches_path_api() {
    for (f, fmt) in [("ruicheng.xlsx", Format::Xlsx), ("ruicheng.xls", Format::Xls), ("ruicheng_gbk.csv", Format::Csv)]
    {
        let data = std::fs::read(fixture(f)).unwrap();
        let mut n = 0;
        let s = estate::read_estates_bytes(&data, fmt, &ReadOptions::default(), |_| n += 1).unwrap();
        assert_eq!(n, 30);
        assert_eq!(s.totals, RUICHENG_TOTALS);
    }
}

#[test]
fn region_variants() {
    for f in ["ruicheng_region_code.xlsx", "ruicheng_region_code.csv"] {
        let (s, recs, rej) = read(f);
        assert!(rej.is_empty());
        assert_eq!(s.header_row, 2);
        assert_eq!(recs.len(), 30);
        assert!(recs.iter().all(|r| r.region_code.as_deref() == Some("140830") && r.county.is_none()));
        assert_eq!(recs[0].row, 3);
        assert_eq!(recs[0].plan_year, Some(2021));
    }
    for f in ["ruicheng_county.xlsx", "ruicheng_county.csv"] {
        let (_, recs, rej) = read(f);
        assert!(rej.is_empty());
        assert_eq!(recs.len(), 30);
        assert!(recs.iter().all(|r| r.county.as_deref() == Some("芮城县") && r.region_code.is_none()));
        assert_eq!(recs[10].street.as_deref(), Some("古魏镇"));
        assert_eq!(recs[10].built_years, vec![1995, 1997]);
    }
}

fn issue(row: u32, column: &str, value: &str, kind: IssueKind) -> Issue {
    Issue { row, column: column.into(), value: value.into(), kind }
}

fn check_messy(name: &str) {
    let (s, recs, rej) = read(name);
    assert_eq!(s.header_row, 3, "{name}");
    assert_eq!(s.data_rows, 7);
    assert_eq!(s.skipped_rows, vec![6, 9, 13, 14], "{name}: blank rows, 合计, footer");
    assert_eq!(s.ignored_columns, vec!["备注".to_string()]);
    assert_eq!(s.totals, Totals { estates: 7, households: 230, buildings: 8, floor_area_dm2: 2_338_241 });
    assert_eq!(
        s.file_issues,
        vec![issue(13, "户数", "999", IssueKind::TotalsMismatch { expected: 230, found: 999, decimals: 0 })]
    );
    assert_eq!(recs.len(), 3);
    assert_eq!(
        recs[0],
        EstateRecord {
            row: 4,
            county: Some("芮城县".into()),
            name: "原卷烟厂小区".into(),
            address: Some("华泰北路".into()),
            built_years: vec![1994],
            buildings: Some(2),
            households: Some(60),
            floor_area_dm2: Some(454_127),
            management: Some(Management::None),
            maintenance_fund: Some(false),
            safety_rating: Some('B'),
            ..Default::default()
        }
    );
    assert_eq!(
        (recs[1].row, recs[1].built_years.clone(), recs[1].buildings, recs[1].households, recs[1].floor_area_dm2),
        (5, vec![1995], Some(1), Some(40), Some(426_300))
    );
    assert_eq!(
        (recs[1].management, recs[1].maintenance_fund, recs[1].safety_rating),
        (Some(Management::Unit), Some(true), Some('C'))
    );
    assert_eq!((recs[2].row, recs[2].built_years.clone()), (7, vec![1995, 1997]));
    assert_eq!(recs[2].management, Some(Management::Professional));
    let got: Vec<(u32, Vec<Issue>)> = rej.iter().map(|r| (r.row, r.issues.clone())).collect();
    assert_eq!(
        got,
        vec![
            (8, vec![issue(8, "户数", "六十", IssueKind::NotANumber)]),
            (10, vec![issue(10, "小区名称", "", IssueKind::Required)]),
            (
                11,
                vec![
                    issue(11, "楼栋数", "-2", IssueKind::Negative),
                    issue(11, "维修资金", "不清楚", IssueKind::BadBool)
                ]
            ),
            (12, vec![issue(12, "建成年代", "1990年代", IssueKind::YearIsDecade)]),
        ],
        "{name}"
    );
    assert_eq!(rej[0].cells.len(), 12);
    assert_eq!(rej[0].cells[2], "体委住宅楼");
    assert_eq!(rej[0].cells[11], "户数待核");
}

#[test]
fn messy_xlsx() {
    check_messy("messy.xlsx");
    let (s, _, _) = read("messy.xlsx");
    assert_eq!(s.sheet, "摸底台账");
}

#[test]
fn messy_gbk_csv() {
    check_messy("messy_gbk.csv");
}

#[test]
fn messages_in_both_languages() {
    let (s, _, rej) = read("messy.xlsx");
    let m = rej[0].issues[0].message(Lang::Zh);
    assert!(m.contains("户数") && m.contains("六十") && m.contains("60户"), "{m}");
    let m = rej[0].issues[0].message(Lang::En);
    assert!(m.contains("not a number") && m.contains("60"), "{m}");
    let m = rej[1].issues[0].message(Lang::Zh);
    assert_eq!(m, "小区名称不能为空，请填写");
    let t = &s.file_issues[0];
    assert_eq!(t.message(Lang::Zh), "合计行与明细之和不符：户数合计为 999，明细之和为 230，请核对");
    assert!(t.message(Lang::En).contains("sum to 230"));
    let area =
        issue(13, "建筑面积（㎡）", "1", IssueKind::TotalsMismatch { expected: 454_127, found: 100, decimals: 2 });
    assert!(area.message(Lang::Zh).contains("明细之和为 4541.27"));
    let decade = &rej[3].issues[0];
    assert!(decade.message(Lang::Zh).contains("具体的四位年份"));
    assert!(decade.message(Lang::En).contains("decade"));
    let other = issue(5, "", "", IssueKind::Other { zh: "重复的小区".into(), en: "duplicate estate".into() });
    assert_eq!(other.message(Lang::En), "duplicate estate");
}

#[test]
fn sheet_selection() {
    let opts = ReadOptions { sheet: Some("计划表".into()) };
    assert_eq!(read_opts("ruicheng.xlsx", &opts).unwrap().1.len(), 30);
    let opts = ReadOptions { sheet: Some("不存在".into()) };
    match read_opts("ruicheng.xlsx", &opts) {
        Err(e @ FileError::SheetNotFound { .. }) => {
            let FileError::SheetNotFound { available, .. } = &e else { unreachable!() };
            assert_eq!(available, &["计划表".to_string(), "说明".to_string()]);
            assert!(e.message(Lang::Zh).contains("计划表、说明"));
        }
        other => panic!("{:?}", other.map(|x| x.0)),
    }
    let opts = ReadOptions { sheet: Some("说明".into()) };
    match read_opts("ruicheng.xlsx", &opts) {
        Err(e @ FileError::NoHeaderRow { .. }) => {
            let m = e.message(Lang::Zh);
            assert!(m.starts_with("未找到表头行") && m.contains("小区名称") && m.contains("项目名称"), "{m}");
            assert!(e.message(Lang::En).contains("no header row"));
        }
        other => panic!("{:?}", other.map(|x| x.0)),
    }
}

#[test]
fn file_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ledger.pdf");
    std::fs::write(&p, b"%PDF-1.4").unwrap();
    assert!(matches!(estate::read_estates(&p, &ReadOptions::default(), |_| {}), Err(FileError::UnknownFormat { .. })));
    let p = dir.path().join("ledger.xlsx");
    std::fs::write(&p, b"<html><table></table></html>").unwrap();
    let e = estate::read_estates(&p, &ReadOptions::default(), |_| {}).unwrap_err();
    assert!(matches!(e, FileError::Corrupt(_)));
    assert!(e.message(Lang::Zh).contains("另存为 .xlsx"));
    let e = estate::read_estates(&dir.path().join("missing.csv"), &ReadOptions::default(), |_| {}).unwrap_err();
    assert!(matches!(e, FileError::Io(_)));
    // an xlsx renamed .xls is read as what it is
    let p = dir.path().join("renamed.xls");
    std::fs::copy(fixture("ruicheng.xlsx"), &p).unwrap();
    let mut n = 0;
    estate::read_estates(&p, &ReadOptions::default(), |_| n += 1).unwrap();
    assert_eq!(n, 30);
    // empty csv and a csv with no header
    let e = estate::read_estates_bytes(b"", Format::Csv, &ReadOptions::default(), |_| {}).unwrap_err();
    assert!(matches!(e, FileError::NoHeaderRow { searched_rows: 0, .. }));
    let junk: String = (0..40).map(|i| format!("a{i},b,c\n")).collect();
    let e = estate::read_estates_bytes(junk.as_bytes(), Format::Csv, &ReadOptions::default(), |_| {}).unwrap_err();
    assert!(matches!(e, FileError::NoHeaderRow { searched_rows: 30, .. }));
    // only the name column is not enough for a header
    let e = estate::read_estates_bytes("小区名称\n甲\n".as_bytes(), Format::Csv, &ReadOptions::default(), |_| {})
        .unwrap_err();
    assert!(matches!(e, FileError::NoHeaderRow { .. }));
}

#[test]
fn csv_quirks() {
    // semicolons, CR-only blank lines, quoted newline, subtotal rows, ragged rows, utf-16
    let text = "标题\n\n序号;项目名称;户数（户）;面积(平方米)\n1;\"甲\n小区\";10;100\n2;乙;20\n小计;;30;100\n\n3;丙;5;5.5\n总 计：;;35;105.5\n";
    let mut recs = Vec::new();
    let s = estate::read_estates_bytes(text.as_bytes(), Format::Csv, &ReadOptions::default(), |o| {
        if let RowOutcome::Record(r) = o {
            recs.push(r)
        }
    })
    .unwrap();
    assert_eq!(s.header_row, 3);
    assert_eq!(
        recs.iter().map(|r| (r.row, r.name.as_str())).collect::<Vec<_>>(),
        [(4, "甲\n小区"), (5, "乙"), (8, "丙")]
    );
    assert_eq!(s.skipped_rows, vec![6, 7, 9]);
    assert!(s.file_issues.is_empty(), "{:?}", s.file_issues);
    assert_eq!(recs[2].floor_area_dm2, Some(550));
    // a wrong subtotal is reported at its row
    let bad = text.replace("小计;;30;100", "小计;;31;100");
    let s = estate::read_estates_bytes(bad.as_bytes(), Format::Csv, &ReadOptions::default(), |_| {}).unwrap();
    assert_eq!(
        s.file_issues,
        vec![issue(6, "户数（户）", "31", IssueKind::TotalsMismatch { expected: 30, found: 31, decimals: 0 })]
    );
    // UTF-16LE with BOM, tab-separated (Excel's "Unicode text")
    let tsv = "小区名称\t户数\n甲\t3\n";
    let mut data = vec![0xFF, 0xFE];
    for u in tsv.encode_utf16() {
        data.extend_from_slice(&u.to_le_bytes());
    }
    let mut recs = Vec::new();
    estate::read_estates_bytes(&data, Format::Csv, &ReadOptions::default(), |o| {
        if let RowOutcome::Record(r) = o {
            recs.push(r)
        }
    })
    .unwrap();
    assert_eq!((recs[0].row, recs[0].name.as_str(), recs[0].households), (2, "甲", Some(3)));
}
