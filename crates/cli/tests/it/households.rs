//! `jiugai import households`, `jiugai households list|check`: the real binary on real files (a GBK csv
//! committed in `fixtures/`, an xlsx written here with rust_xlsxwriter), on the backend the environment
//! chooses.

use crate::support;
use support::{jiugai, json_of};

use std::path::{Path, PathBuf};

use jiugai_store::testing::TestDb;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A roster as an office keeps it in Excel: a title row, numbers as numeric cells, phones as numbers too.
/// `bad`: one row without a room, one with a text area, one duplicate.
fn write_xlsx(path: &Path, bad: bool) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("住户名册").unwrap();
    ws.write_string(0, 0, "保险公司住宅楼 住户名册").unwrap();
    for (c, h) in ["序号", "楼号", "单元号", "户号", "建筑面积(㎡)", "产权人", "手机"].iter().enumerate()
    {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    for i in 0..10u32 {
        let r = 3 + i;
        ws.write_number(r, 0, (i + 1) as f64).unwrap();
        ws.write_string(r, 1, "1号楼").unwrap();
        ws.write_number(r, 2, (1 + i / 5) as f64).unwrap();
        ws.write_number(r, 3, (100 * (1 + i % 5) + 1) as f64).unwrap();
        ws.write_number(r, 4, 60.0 + i as f64 * 1.25).unwrap();
        ws.write_string(r, 5, format!("业主{}", i + 1)).unwrap();
        ws.write_number(r, 6, 13_800_000_000.0 + i as f64).unwrap();
    }
    if bad {
        ws.write_blank(4, 3, &rust_xlsxwriter::Format::new()).unwrap(); // row 5: no room
        ws.write_string(5, 4, "约六十平").unwrap(); // row 6: not a number
        ws.write_number(6, 3, 101.0).unwrap(); // row 7: 1号楼1单元101 again (row 4)
    }
    wb.save(path).unwrap();
}

#[tokio::test]
async fn import_list_check_households() {
    let t = TestDb::new().await;
    let url = t.url.clone();
    let ledger = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    let o = jiugai(&url, &["import", "estates", ledger.to_str().unwrap(), "--region", "芮城县", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let list = json_of(&jiugai(&url, &["estates", "list", "--json"]));
    let id_of = |name: &str| {
        list.as_array().unwrap().iter().find(|e| e["name"] == name).unwrap()["id"].as_i64().unwrap().to_string()
    };
    let (a, b) = (id_of("诚信商城住宅楼"), id_of("保险公司住宅楼")); // 7 and 12 households recorded

    // GBK csv below a title row, with a totals row and a footer: all 7 households, counts agree.
    let gbk = fixture("households_gbk.csv");
    let o = jiugai(&url, &["import", "households", gbk.to_str().unwrap(), "--estate", &a, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
    let j = json_of(&o);
    assert_eq!(
        (j["added"].as_i64(), j["committed"].as_bool(), j["area_m2"].as_f64()),
        (Some(7), Some(true), Some(733.94))
    );
    assert_eq!(j["skipped_rows"], serde_json::json!([11, 12]));
    assert_eq!(
        (j["check"]["recorded"].as_i64(), j["check"]["registry"].as_i64(), j["check"]["matches"].as_bool()),
        (Some(7), Some(7), Some(true))
    );

    // The same file again: refused, each row named, exit 1, nothing added.
    let o = jiugai(&url, &["import", "households", gbk.to_str().unwrap(), "--estate", &a]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("第 4 行［房号］“101”")
            && err.contains("已在该小区的住户名册中")
            && err.contains("未导入任何住户"),
        "{err}"
    );
    assert_eq!(err.matches("已在该小区的住户名册中").count(), 7, "{err}");

    // An xlsx with three bad rows: every problem, in Chinese and English, nothing imported.
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("保险公司住宅楼名册.xlsx");
    write_xlsx(&xlsx, true);
    let o = jiugai(&url, &["import", "households", xlsx.to_str().unwrap(), "--estate", &b, "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let j = json_of(&o);
    let errors: Vec<(i64, String, String)> = j["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap(),
                e["column"].as_str().unwrap().to_string(),
                e["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (5, "户号".into(), "".into()),
            (6, "建筑面积(㎡)".into(), "约六十平".into()),
            (7, "户号".into(), "101".into())
        ],
        "{j}"
    );
    assert!(j["errors"][2]["message"].as_str().unwrap().contains("与第 4 行重复"), "{j}");
    let en = jiugai(&url, &["--lang", "en", "import", "households", xlsx.to_str().unwrap(), "--estate", &b]);
    assert_eq!(en.status.code(), Some(1));
    assert!(
        text(&en.stderr).contains("row 6 [建筑面积(㎡)] “约六十平”: 建筑面积(㎡) \"约六十平\" is not a number"),
        "{}",
        text(&en.stderr)
    );
    let l = json_of(&jiugai(&url, &["households", "list", "--estate", &b, "--json"]));
    assert_eq!(l["households"], serde_json::json!([]));

    // Fixed: 10 households, the file records 12, the difference is said.
    write_xlsx(&xlsx, false);
    let o = jiugai(&url, &["import", "households", xlsx.to_str().unwrap(), "--estate", &b]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("新增 10 户"), "{}", text(&o.stdout));
    assert!(
        text(&o.stderr).contains("户数不一致：“保险公司住宅楼”档案记载 12 户，住户名册登记 10 户（少 2 户）"),
        "{}",
        text(&o.stderr)
    );

    // The list masks names and phones, in JSON and for people.
    let l = json_of(&jiugai(&url, &["households", "list", "--estate", &a, "--json"]));
    let hs = l["households"].as_array().unwrap();
    assert_eq!(hs.len(), 7);
    assert_eq!(
        (hs[0]["label"].as_str(), hs[0]["owner_name"].as_str(), hs[0]["owner_phone"].as_str()),
        (Some("1栋1单元101"), Some("张*明"), Some("138****5678"))
    );
    assert_eq!((hs[2]["proxy_name"].as_str(), hs[2]["area_m2"].as_f64()), (Some("王*红"), Some(105.2)));
    let o = jiugai(&url, &["households", "list", "--estate", &a]);
    let out = text(&o.stdout);
    assert!(
        o.status.success()
            && out.contains("张*明")
            && out.contains("138****5678")
            && !out.contains("13812345678")
            && !out.contains("张三明"),
        "{out}"
    );
    assert!(out.contains("共 7 户") && out.contains("733.94"), "{out}");
    let xl = json_of(&jiugai(&url, &["households", "list", "--estate", &b, "--json"]));
    assert_eq!(
        (
            xl["households"][0]["room"].as_str(),
            xl["households"][0]["building"].as_str(),
            xl["households"][0]["owner_phone"].as_str()
        ),
        (Some("101"), Some("1"), Some("138****0000"))
    );

    // The check over the county: one estate differs.
    let o = jiugai(&url, &["households", "check", "--region", "芮城县", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let c = json_of(&o);
    assert_eq!((c["with_registry"].as_i64(), c["without_registry"].as_i64()), (Some(2), Some(28)));
    assert_eq!(c["mismatches"].as_array().unwrap().len(), 1);
    assert_eq!(c["mismatches"][0]["estate"], "保险公司住宅楼");
    let o = jiugai(&url, &["households", "check"]);
    assert!(text(&o.stdout).contains("户数与档案不一致 1 个"), "{}", text(&o.stdout));

    // Unknown estate: could not run.
    assert_eq!(
        jiugai(&url, &["import", "households", gbk.to_str().unwrap(), "--estate", "999999"]).status.code(),
        Some(2)
    );
    let v = jiugai(&url, &["audit", "verify"]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stdout));
}
