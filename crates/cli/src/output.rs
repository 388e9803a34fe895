//! Printing: JSON for scripts, plain Chinese (or English) lines for people.

use jiugai_sheet::{Issue, Lang};

pub fn json(v: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(v).expect("serialisable"));
}

/// One line per issue: row, column, value, and what to do.
pub fn issue_line(i: &Issue, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("第 {} 行［{}］“{}”：{}", i.row, i.column, i.value, i.message(lang)),
        Lang::En => format!("row {} [{}] “{}”: {}", i.row, i.column, i.value, i.message(lang)),
    }
}

pub fn m2(dm2: Option<i64>) -> String {
    match dm2 {
        Some(d) => format!("{}.{:02}", d / 100, (d % 100).abs()),
        None => String::new(),
    }
}
