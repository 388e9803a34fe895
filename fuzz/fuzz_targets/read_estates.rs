//! Arbitrary bytes as xlsx, xls and csv: reading must give Ok or a FileError, never panic.
#![no_main]

use jiugai_sheet::estate::{RowOutcome, read_estates_bytes};
use jiugai_sheet::{Format, Lang, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // libfuzzer-sys's panic hook aborts on every panic, even one our reader catches on purpose (calamine
        // asserts on some malformed .xls files; jiugai-sheet turns that into FileError::Corrupt). Print
        // instead: a panic that escapes read_estates_bytes still reaches libfuzzer's catch and is a crash.
        std::panic::set_hook(Box::new(|info| eprintln!("{info}")));
    },
    |data: &[u8]| {
    for format in [Format::Xlsx, Format::Xls, Format::Csv] {
        let mut n = 0u64;
        let res = read_estates_bytes(data, format, &ReadOptions::default(), |o| {
            n += 1;
            if let RowOutcome::Rejected(r) = o {
                for i in &r.issues {
                    let _ = i.message(Lang::Zh);
                    let _ = i.message(Lang::En);
                }
            }
        });
        match res {
            Ok(s) => {
                assert_eq!(s.data_rows, n);
                for i in &s.file_issues {
                    let _ = i.message(Lang::En);
                }
            }
            Err(e) => {
                let _ = e.message(Lang::Zh);
                let _ = e.message(Lang::En);
            }
        }
    }
    }
);
