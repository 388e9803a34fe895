//! Arbitrary and mutated input never panics (a quick stand-in for the cargo-fuzz target).

use jiugai_sheet::estate::read_estates_bytes;
use jiugai_sheet::household::read_households_bytes;
use jiugai_sheet::{Format, ReadOptions};
use proptest::prelude::*;

fn all_formats(data: &[u8]) {
    for f in [Format::Xlsx, Format::Xls, Format::Csv] {
        let _ = read_estates_bytes(data, f, &ReadOptions::default(), |_| {});
        let _ = read_households_bytes(data, f, &ReadOptions::default());
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        all_formats(&data);
    }

    #[test]
    fn mutated_csv(edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..20)) {
        let mut d = fixture("messy_gbk.csv");
        for (i, b) in edits {
            let at = i.index(d.len());
            d[at] = b;
        }
        all_formats(&d);
    }

    #[test]
    fn mutated_or_truncated_workbooks(cut in any::<prop::sample::Index>(), edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4)) {
        for name in ["messy.xlsx", "ruicheng.xls"] {
            let mut d = fixture(name);
            for (i, b) in &edits {
                let at = i.index(d.len());
                d[at] = *b;
            }
            d.truncate(cut.index(d.len() + 1));
            all_formats(&d);
        }
    }

    #[test]
    fn csv_text_of_any_shape(rows in prop::collection::vec(prop::collection::vec("[^\"]{0,6}|\"[^\"]{0,4}\"|小区名称|户数|合计|小计", 0..8), 0..40)) {
        let text: String = rows.iter().map(|r| r.join(",")).collect::<Vec<_>>().join("\n");
        all_formats(text.as_bytes());
    }

    #[test]
    fn household_csv_of_any_shape(rows in prop::collection::vec(prop::collection::vec("[^\"]{0,6}|楼栋|房号|面积|业主姓名|联系电话|代理人电话|合计|注：|[0-9]{1,12}|十[一二]?单元|第[0-9]栋|-?[0-9]{1,3}\\.[0-9]{0,3}㎡?|#N/A", 0..9), 0..40)) {
        let text: String = rows.iter().map(|r| r.join(",")).collect::<Vec<_>>().join("\n");
        if let Ok(r) = read_households_bytes(text.as_bytes(), Format::Csv, &ReadOptions::default()) {
            // Every data row is either a record or has an issue; records never repeat a room.
            let mut seen = std::collections::HashSet::new();
            for h in &r.records {
                prop_assert!(seen.insert((h.building.clone(), h.unit.clone(), h.room.clone())));
                prop_assert!(h.area_dm2 > 0 && !h.room.is_empty() && !h.building.is_empty() && !h.owner_name.is_empty());
            }
            for i in &r.issues {
                let _ = (i.message(jiugai_sheet::Lang::Zh), i.message(jiugai_sheet::Lang::En));
            }
        }
    }
}

/// Found by `cargo fuzz run read_estates` (2026-11-22, within 400 runs): a compound file whose sector table
/// trips an assertion inside calamine's `.xls` reader. The reader must turn that into a corrupt-file error.
#[test]
fn fuzz_found_xls_that_panics_calamine_is_a_corrupt_file() {
    let data = fixture("fuzz/xls-calamine-assert.xls");
    let res = read_estates_bytes(&data, Format::Xls, &ReadOptions::default(), |_| {});
    match res {
        Err(jiugai_sheet::FileError::Corrupt(msg)) => assert!(!msg.is_empty()),
        Err(other) => panic!("expected Corrupt, got {other:?}"),
        Ok(_) => panic!("a broken .xls cannot read as a ledger"),
    }
    let msg = read_estates_bytes(&data, Format::Xls, &ReadOptions::default(), |_| {})
        .unwrap_err()
        .message(jiugai_sheet::Lang::Zh);
    assert!(!msg.is_empty());
}
