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
