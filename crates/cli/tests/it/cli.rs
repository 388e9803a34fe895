//! The real `jiugai` binary, run as scripts and people run it, on the backend the environment chooses.

use crate::support;
use support::{jiugai, json_of};

use std::path::{Path, PathBuf};
use std::process::Command;

use jiugai_store::testing::TestDb;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures").join(name)
}

#[tokio::test]
async fn import_list_export_contract() {
    let t = TestDb::new().await;
    let url = t.url.clone();
    let init = jiugai(&url, &["init"]);
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));

    let f = fixture("ruicheng.xlsx");
    let dry = jiugai(&url, &["import", "estates", f.to_str().unwrap(), "--region", "芮城县", "--dry-run", "--json"]);
    assert_eq!(dry.status.code(), Some(0));
    assert_eq!(json_of(&dry)["imported"], 30);

    let o = jiugai(&url, &["import", "estates", f.to_str().unwrap(), "--region", "芮城县", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json_of(&o);
    assert_eq!(j["imported"], 30);
    assert_eq!(j["unchanged"], 0);
    assert_eq!(j["updated"], 0);
    assert_eq!(j["errors"], Value::Array(vec![]));
    assert_eq!(j["totals"]["estates"], 30);
    assert_eq!(j["totals"]["households"], 863);
    assert_eq!(j["totals"]["floor_area_m2"], 91991.89);
    assert!(j["skipped_rows"].is_array());

    let again = json_of(&jiugai(&url, &["import", "estates", f.to_str().unwrap(), "--region", "140830", "--json"]));
    assert_eq!((again["imported"].as_i64(), again["unchanged"].as_i64()), (Some(0), Some(30)));

    let list = jiugai(&url, &["estates", "list", "--region", "山西省运城市芮城县", "--json"]);
    assert!(list.status.success());
    let arr = json_of(&list);
    let arr = arr.as_array().unwrap();
    assert_eq!(arr.len(), 30);
    let icbc = arr.iter().find(|e| e["name"] == "工商银行住宅楼").unwrap();
    for k in [
        "id",
        "name",
        "region_code",
        "street",
        "address",
        "built_years",
        "buildings",
        "households",
        "floor_area_m2",
        "property_type",
    ] {
        assert!(icbc.get(k).is_some(), "field {k} in {icbc}");
    }
    assert_eq!(icbc["built_years"], serde_json::json!([1995, 1997]));
    assert_eq!(icbc["region_code"], "140830");
    assert_eq!(icbc["floor_area_m2"], 5700.0);

    let dir = tempfile::tempdir().unwrap();
    for name in ["ruicheng-export.xlsx", "ruicheng-export.csv"] {
        let out = dir.path().join(name);
        let e = jiugai(&url, &["export", "estates", "--region", "芮城县", "-o", out.to_str().unwrap()]);
        assert!(e.status.success(), "{}", String::from_utf8_lossy(&e.stderr));
        let back = json_of(&jiugai(&url, &["import", "estates", out.to_str().unwrap(), "--json"]));
        assert_eq!(
            (back["imported"].as_i64(), back["updated"].as_i64(), back["unchanged"].as_i64()),
            (Some(0), Some(0), Some(30)),
            "{name}: {back}"
        );
    }

    let v = jiugai(&url, &["audit", "verify"]);
    assert_eq!(v.status.code(), Some(0), "{}", String::from_utf8_lossy(&v.stdout));
}

#[tokio::test]
async fn errors_exit_1_with_row_column_value_in_chinese_and_english() {
    let t = TestDb::new().await;
    let f = fixture("messy.xlsx");
    let o = jiugai(&t.url, &["import", "estates", f.to_str().unwrap(), "--region", "芮城县", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let j = json_of(&o);
    let errs = j["errors"].as_array().unwrap();
    assert!(!errs.is_empty());
    for e in errs {
        assert!(
            e["row"].as_u64().unwrap() > 0
                && e["column"].is_string()
                && e["value"].is_string()
                && e["message"].is_string(),
            "{e}"
        );
    }
    let msg = errs.iter().find(|e| e["value"] == "六十").expect("六十 named")["message"].as_str().unwrap().to_string();
    assert!(msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "Chinese by default: {msg}");
    assert_eq!(
        json_of(&jiugai(&t.url, &["estates", "list", "--json"])).as_array().unwrap().len(),
        0,
        "nothing imported"
    );

    let en =
        jiugai(&t.url, &["--lang", "en", "import", "estates", f.to_str().unwrap(), "--region", "芮城县", "--json"]);
    let j = json_of(&en);
    let msg = j["errors"].as_array().unwrap().iter().find(|e| e["value"] == "六十").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("is not a number"), "English with --lang en: {msg}");

    // People get a table of lines on stderr and the verdict.
    let human = jiugai(&t.url, &["import", "estates", f.to_str().unwrap(), "--region", "芮城县"]);
    assert_eq!(human.status.code(), Some(1));
    let err = String::from_utf8_lossy(&human.stderr);
    assert!(err.contains("第") && err.contains("行") && err.contains("未导入任何数据"), "{err}");
}

#[tokio::test]
async fn allow_partial_writes_rejected_rows_beside_the_input() {
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("messy.xlsx");
    std::fs::copy(fixture("messy.xlsx"), &f).unwrap();
    let o =
        jiugai(&t.url, &["import", "estates", f.to_str().unwrap(), "--region", "芮城县", "--allow-partial", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json_of(&o);
    assert!(j["imported"].as_u64().unwrap() > 0);
    assert!(!j["errors"].as_array().unwrap().is_empty());
    assert!(dir.path().join("messy.xlsx.rejected.xlsx").exists());
}

#[tokio::test]
async fn optimistic_locking_from_the_command_line() {
    let t = TestDb::new().await;
    let f = fixture("ruicheng.csv");
    assert!(jiugai(&t.url, &["import", "estates", f.to_str().unwrap(), "--region", "芮城县"]).status.success());
    let id = json_of(&jiugai(&t.url, &["estates", "list", "--json"]))[0]["id"].as_i64().unwrap().to_string();
    let ok = jiugai(&t.url, &["estates", "set", &id, "--version", "1", "households=61户", "address=华泰北路1号"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let stale = jiugai(&t.url, &["estates", "set", &id, "--version", "1", "households=62"]);
    assert_eq!(stale.status.code(), Some(2));
    let err = String::from_utf8_lossy(&stale.stderr);
    assert!(err.contains("已被他人修改") && err.contains("户数"), "{err}");
    let shown = json_of(&jiugai(&t.url, &["estates", "show", &id, "--json"]));
    assert_eq!(shown["households"], 61);
    assert_eq!(shown["version"], 2);
    let hist = json_of(&jiugai(&t.url, &["estates", "history", &id, "--json"]));
    assert_eq!(hist.as_array().unwrap().len(), 2);
}

#[test]
fn unknown_database_scheme_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_jiugai"))
        .current_dir(dir.path())
        .args(["--database-url", "mysql://x/y", "estates", "list"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("sqlite://"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file created");
}
