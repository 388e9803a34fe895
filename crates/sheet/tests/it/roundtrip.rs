//! Export → import gives the same records (row numbers aside), for xlsx and csv.

use jiugai_sheet::estate::{self, EXPORT_HEADERS, EstateRecord, Management, RowOutcome, export_cells};
use jiugai_sheet::table::{self, ColumnSpec, Value};
use jiugai_sheet::write::{self, Cell};
use jiugai_sheet::{Issue, IssueKind, Lang, ReadOptions, normalize};
use proptest::prelude::*;

const CHARS: &[char] = &[
    'a', 'B', 'z', '0', '7', ' ', '　', ',', '"', '\'', '\n', ';', '\t', '小', '区', '楼', '号', '路', '、', '，',
    '（', '）', '-', '.', '=', '#', '%', '/', '栋', '户', '年', '—', 'é', '😀', '|', '·',
];

fn text() -> impl Strategy<Value = Option<String>> {
    prop::collection::vec(prop::sample::select(CHARS), 0..12)
        .prop_map(|v| normalize::text(&v.into_iter().collect::<String>()))
}

fn opt<T: std::fmt::Debug + Clone + 'static>(s: impl Strategy<Value = T> + 'static) -> BoxedStrategy<Option<T>> {
    prop::option::of(s).boxed()
}

fn record() -> impl Strategy<Value = EstateRecord> {
    let a = (
        opt(prop_oneof!["[1-9][0-9]{5}", "[1-9][0-9]{8}", "[1-9][0-9]{11}"]),
        text(),
        text(),
        text(),
        text().prop_filter_map("name required", |t| t),
        text(),
        prop::collection::btree_set(1900i32..=2099, 0..4),
        opt(0i64..10_000),
        opt(0i64..2_000_000),
        opt(0i64..100_000_000_000),
    );
    let b = (
        text(),
        text(),
        opt(prop::sample::select(Management::ALL.to_vec())),
        opt(any::<bool>()),
        opt(prop::sample::select(vec!['A', 'B', 'C', 'D'])),
        (opt(any::<bool>()), opt(any::<bool>()), opt(any::<bool>()), opt(any::<bool>()), opt(any::<bool>())),
        opt(-180_000_000i64..=180_000_000),
        opt(-90_000_000i64..=90_000_000),
        opt(1900i32..=2099),
    );
    (a, b).prop_map(|(a, b)| EstateRecord {
        row: 0,
        region_code: a.0,
        county: a.1,
        street: a.2,
        community: a.3,
        name: a.4,
        address: a.5,
        built_years: a.6.into_iter().collect(),
        buildings: a.7,
        households: a.8,
        floor_area_dm2: a.9,
        property_type: b.0,
        original_unit: b.1,
        management: b.2,
        maintenance_fund: b.3,
        safety_rating: b.4,
        in_shantytown_plan: b.5.0,
        self_built: b.5.1,
        urban_village: b.5.2,
        declared: b.5.3,
        historic: b.5.4,
        longitude_e6: b.6,
        latitude_e6: b.7,
        plan_year: b.8,
    })
}

fn read_back(path: &std::path::Path) -> Vec<EstateRecord> {
    let mut out = Vec::new();
    let s = estate::read_estates(path, &ReadOptions::default(), |o| match o {
        RowOutcome::Record(mut r) => {
            r.row = 0;
            out.push(r)
        }
        RowOutcome::Rejected(r) => panic!("rejected {r:?}"),
    })
    .unwrap();
    assert_eq!(s.header_row, 1);
    assert_eq!(s.mapped.len(), EXPORT_HEADERS.len());
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn export_import_round_trip(recs in prop::collection::vec(record(), 1..12)) {
        let dir = tempfile::tempdir().unwrap();
        let x = dir.path().join("export.xlsx");
        write::write_xlsx(&x, "小区", EXPORT_HEADERS, recs.iter().map(export_cells)).unwrap();
        prop_assert_eq!(&read_back(&x), &recs);
        let c = dir.path().join("export.csv");
        write::write_csv(&c, EXPORT_HEADERS, recs.iter().map(export_cells)).unwrap();
        prop_assert_eq!(&read_back(&c), &recs);
        let bytes = std::fs::read(&c).unwrap();
        prop_assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    }
}

#[test]
fn rejected_file_lists_every_issue() {
    let dir = tempfile::tempdir().unwrap();
    let headers = vec!["小区名称".to_string(), "户数".to_string(), "楼栋数".to_string()];
    let rows = vec![estate::RejectedRow {
        row: 8,
        cells: vec!["体委住宅楼".into(), "六十".into(), "-2".into()],
        issues: vec![
            Issue { row: 8, column: "户数".into(), value: "六十".into(), kind: IssueKind::NotANumber },
            Issue { row: 8, column: "楼栋数".into(), value: "-2".into(), kind: IssueKind::Negative },
        ],
    }];
    const SPECS: &[ColumnSpec] = &[
        ColumnSpec { key: "row", synonyms: &["原行号", "Row"], required: true },
        ColumnSpec { key: "name", synonyms: &["小区名称"], required: true },
        ColumnSpec { key: "reason", synonyms: &["错误原因", "Reason"], required: true },
    ];
    for (file, lang) in [("ledger.rejected.xlsx", Lang::Zh), ("ledger.rejected.csv", Lang::En)] {
        let p = dir.path().join(file);
        write::write_rejected(&p, &headers, &rows, lang).unwrap();
        let mut got = Vec::new();
        let h = table::read_table(&p, &ReadOptions::default(), SPECS, |h, row, vals| {
            got.push((
                row,
                table::value_text(h.get(vals, 0)),
                table::value_text(h.get(vals, 1)),
                table::value_text(h.get(vals, 2)),
            ));
        })
        .unwrap();
        assert_eq!(h.header_row, 1);
        assert_eq!(h.headers.len(), 5);
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].0, got[0].1.as_str(), got[0].2.as_str()), (2, "8", "体委住宅楼"));
        let reason = &got[0].3;
        match lang {
            Lang::Zh => {
                assert!(reason.contains("六十") && reason.contains("为负数") && reason.contains("；"), "{reason}")
            }
            Lang::En => assert!(reason.contains("not a number") && reason.contains("negative"), "{reason}"),
        }
    }
}

#[test]
fn cells_and_values() {
    assert_eq!(Cell::Dm2(454_127).to_text(), "4541.27");
    assert_eq!(Cell::Dm2(5).to_text(), "0.05");
    assert_eq!(Cell::Bool(true).to_text(), "是");
    assert_eq!(table::value_text(&Value::Number(60.0)), "60");
    assert_eq!(table::value_text(&Value::Number(4541.27)), "4541.27");
    assert_eq!(table::value_text(&Value::Date(36871.0)), "2000-12-11");
    assert!(table::is_totals_label("合  计："));
}

#[test]
fn table_missing_required_column() {
    const SPECS: &[ColumnSpec] = &[
        ColumnSpec { key: "building", synonyms: &["楼栋", "楼号"], required: true },
        ColumnSpec { key: "room", synonyms: &["房号", "室"], required: true },
        ColumnSpec { key: "area", synonyms: &["专有部分面积"], required: false },
    ];
    let data = "住户台账\n楼栋,专有部分面积（㎡）,姓名\n1,80.5,张三\n";
    let e = table::read_table_bytes(
        data.as_bytes(),
        jiugai_sheet::Format::Csv,
        &ReadOptions::default(),
        SPECS,
        |_, _, _| {},
    )
    .unwrap_err();
    match &e {
        jiugai_sheet::FileError::MissingColumn { header_row, column, synonyms } => {
            assert_eq!((*header_row, column.as_str(), synonyms.as_slice()), (2, "房号", &["室".to_string()][..]));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.message(Lang::Zh).contains("缺少必填列“房号”"));
}
