//! Arbitrary and mutated input never panics (a quick stand-in for the cargo-fuzz target).

use jiugai_sheet::estate::read_estates_bytes;
use jiugai_sheet::{Format, ReadOptions};
use proptest::prelude::*;

fn all_formats(data: &[u8]) {
    for f in [Format::Xlsx, Format::Xls, Format::Csv] {
        let _ = read_estates_bytes(data, f, &ReadOptions::default(), |_| {});
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
    let msg = read_estates_bytes(&data, Format::Xls, &ReadOptions::default(), |_| {}).unwrap_err().message(jiugai_sheet::Lang::Zh);
    assert!(!msg.is_empty());
}
