//! `jiugai projects …`: the script contract (create, show --json with steps, step, move, list, ledger) on
//! the backend the environment chooses. Qinzhou 2021: the ¥4M preliminary-design boundary.

use crate::support;
use support::{jiugai, json_of};

use std::path::Path;

use jiugai_store::testing::TestDb;
use serde_json::Value;

fn step<'a>(p: &'a Value, key: &str) -> &'a Value {
    p["steps"].as_array().unwrap().iter().find(|s| s["key"] == key).unwrap()
}

#[tokio::test]
async fn projects_from_the_command_line() {
    let t = TestDb::new().await;
    let url = t.url.clone();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    assert!(jiugai(&url, &["import", "estates", f.to_str().unwrap(), "--region", "芮城县"]).status.success());
    let o = jiugai(
        &url,
        &[
            "projects",
            "create",
            "--name",
            "华泰北路片区",
            "--estates",
            "1,2",
            "--year",
            "2025",
            "--investment-yuan",
            "3500000",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let p = json_of(&o);
    let id = p["id"].as_i64().unwrap().to_string();
    assert_eq!(p["investment_fen"], 350_000_000);
    assert_eq!(step(&p, "survey")["due"], "2025-01-31");
    assert_eq!(step(&p, "completion")["due"], "2025-11-30");
    for k in ["key", "required", "due", "done", "rule", "clause"] {
        assert!(step(&p, "design").get(k).is_some(), "{k}");
    }
    // show --json is the same document.
    let shown = json_of(&jiugai(&url, &["projects", "show", &id, "--json"]));
    assert_eq!(shown["steps"], p["steps"]);
    // Out of order: exit 1 with the reason; then in order.
    let o = jiugai(&url, &["projects", "step", &id, "design", "--version", "1", "--done", "2025-02-20"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("民意调查"), "{}", String::from_utf8_lossy(&o.stderr));
    // The survey estate by estate, each counting the households its registry (here its 户数) records.
    let per_estate: Vec<serde_json::Value> = p["estates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::json!({"estate_id": e["id"], "agree": e["households"], "households": e["households"]}))
        .collect();
    let detail = serde_json::json!({"estates": per_estate}).to_string();
    let o = jiugai(
        &url,
        &["projects", "step", &id, "survey", "--version", "1", "--done", "2025-01-20", "--detail", &detail, "--json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(step(&json_of(&o), "survey")["done"], "2025-01-20");
    // Stale version: exit 1, told.
    let o = jiugai(&url, &["projects", "step", &id, "design", "--version", "1", "--done", "2025-02-20"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("已被他人修改"));
    let o = jiugai(
        &url,
        &["projects", "move", &id, "--version", "2", "--stage", "planning", "--reason", "列入 2025 年度计划"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    // Listed, with its overdue design step.
    let l = json_of(&jiugai(&url, &["projects", "list", "--overdue", "--json"]));
    assert_eq!(l.as_array().unwrap().len(), 1);
    assert!(l[0]["overdue_steps"].as_array().unwrap().iter().any(|s| s["key"] == "design"));
    let text = String::from_utf8_lossy(&jiugai(&url, &["projects", "list"]).stdout).to_string();
    assert!(text.contains("华泰北路片区") && text.contains("谋划"), "{text}");
    // Bad money: exit 1, naming the value.
    let o = jiugai(
        &url,
        &["projects", "create", "--name", "x", "--estates", "3", "--year", "2025", "--investment-yuan", "三百万"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("三百万"));
    // The ledger file.
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("ledger.xlsx");
    let o = jiugai(&url, &["projects", "ledger", "--region", "芮城县", "-o", x.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read(&x).unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn qinzhou_boundary_from_the_command_line() {
    let t = TestDb::new().await;
    let url = t.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("qz.csv");
    std::fs::write(&csv, "小区名称,建成年份,户数\n粮所宿舍,1995,40\n供销社宿舍,1996,50\n").unwrap();
    let o = jiugai(&url, &["import", "estates", csv.to_str().unwrap(), "--region", "灵山县"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let small = json_of(&jiugai(
        &url,
        &[
            "projects",
            "create",
            "--name",
            "粮所",
            "--estates",
            "1",
            "--year",
            "2021",
            "--investment-yuan",
            "3999999.99",
            "--json",
        ],
    ));
    let big = json_of(&jiugai(
        &url,
        &[
            "projects",
            "create",
            "--name",
            "供销社",
            "--estates",
            "2",
            "--year",
            "2021",
            "--investment-yuan",
            "400万",
            "--json",
        ],
    ));
    assert_eq!(big["investment_fen"], 400_000_000);
    assert_eq!(step(&small, "preliminary_design")["required"], false);
    assert_eq!(step(&big, "preliminary_design")["required"], true);
    assert_eq!(step(&small, "start")["due"], "2021-06-30");
    assert_eq!(step(&small, "completion")["due"], "2021-12-31");
}
