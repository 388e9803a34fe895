//! `jiugai targets import|show|export` and `jiugai plans …` on the backend the environment chooses:
//! Changzhi's published figures (689; 208/163/130/118; ≥35/60/80/100%) passing with its prior count and
//! failing with one year changed, a 合计 that disagrees, a region outside the tree and a task unit, the
//! export round trip, and a plan's checks and refusals from the command line.

use crate::support;
use support::jiugai;

use std::path::{Path, PathBuf};

use jiugai_store::testing::TestDb;
use serde_json::Value;

const COUNTIES: [(&str, [i64; 4]); 12] = [
    ("潞州区", [60, 45, 36, 32]),
    ("上党区", [20, 16, 13, 12]),
    ("屯留区", [15, 12, 10, 9]),
    ("潞城区", [15, 12, 10, 9]),
    ("襄垣县", [15, 12, 10, 9]),
    ("平顺县", [10, 8, 6, 6]),
    ("黎城县", [10, 8, 6, 6]),
    ("壶关县", [12, 10, 8, 7]),
    ("长子县", [15, 12, 9, 8]),
    ("武乡县", [12, 10, 8, 7]),
    ("沁县", [12, 9, 7, 6]),
    ("沁源县", [12, 9, 7, 7]),
];

/// The breakdown table as an office lays it out: title and unit rows, 序号, years as columns with a 合计
/// column and a 合计 row, some counts typed "35个". `change` alters one cell (and its totals, so that the
/// table agrees with itself); `bad_total` spoils the 合计 row's 2024 cell.
fn table(dir: &Path, name: &str, change: Option<(usize, usize, i64)>, bad_total: bool, extra: Option<&str>) -> PathBuf {
    let mut rows: Vec<(String, [i64; 4])> = COUNTIES.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    if let Some((r, y, v)) = change {
        rows[r].1[y] = v;
    }
    let mut s = String::from(
        "“十四五”期间各县（区）需改造城镇老旧小区年度任务细化分解表\n单位：个\n序号,县（区）,2022年,2023年,2024年,2025年,合计\n",
    );
    for (i, (n, v)) in rows.iter().enumerate() {
        let cell = |x: i64| if i % 3 == 0 { format!("{x}个") } else { x.to_string() };
        s.push_str(&format!(
            "{},{n},{},{},{},{},{}\n",
            i + 1,
            cell(v[0]),
            cell(v[1]),
            cell(v[2]),
            cell(v[3]),
            v.iter().sum::<i64>()
        ));
    }
    if let Some(x) = extra {
        s.push_str(&format!("13,{x},1,0,0,0,1\n"));
    }
    let mut col = [0i64; 4];
    for (_, v) in &rows {
        for k in 0..4 {
            col[k] += v[k];
        }
    }
    if extra.is_some() {
        col[0] += 1;
    }
    let total: i64 = col.iter().sum();
    let c2024 = if bad_total { col[2] + 2 } else { col[2] };
    s.push_str(&format!(",合计,{},{},{c2024},{},{total}\n", col[0], col[1], col[3]));
    let p = dir.join(name);
    std::fs::write(&p, s).unwrap();
    p
}

fn run(url: &str, args: &[&str]) -> (i32, Value, String) {
    let o = jiugai(url, args);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    let v = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (o.status.code().unwrap_or(-1), v, err)
}

#[tokio::test]
async fn changzhi_breakdown_imported_checked_shown_and_exported() {
    let t = TestDb::new().await;
    let url = t.url.as_str();
    let dir = tempfile::tempdir().unwrap();
    let good = table(dir.path(), "good.csv", None, false, None);
    let g = good.to_str().unwrap();

    // Dry run: checked against the profile (208/163/130/118, 70 done before, 689 in all, ≥35/60/80/100%).
    let (code, j, err) = run(url, &["targets", "import", g, "--region", "长治市", "--dry-run", "--json"]);
    assert_eq!(code, 0, "{err} {j}");
    assert_eq!(j["committed"], false);
    assert_eq!(j["by_year"], serde_json::json!({"2022": 208, "2023": 163, "2024": 130, "2025": 118}));
    assert_eq!(
        (j["total"].as_i64(), j["prior"].as_i64(), j["programme_total"].as_i64()),
        (Some(619), Some(70), Some(689))
    );
    assert_eq!(j["regions"].as_array().unwrap().len(), 12);
    assert_eq!(j["errors"], serde_json::json!([]));
    let (code, j, _) = run(url, &["targets", "show", "--region", "长治市", "--year", "2022", "--json"]);
    assert_eq!((code, j["region"]["target"].as_i64()), (0, Some(208)), "the profile's target before any import");

    // One year changed (the table agrees with itself, not with the policy): refused, naming region and year.
    let bad = table(dir.path(), "bad.csv", Some((0, 1, 44)), false, None);
    let (code, j, _) = run(url, &["targets", "import", bad.to_str().unwrap(), "--region", "长治市", "--json"]);
    assert_eq!((code, &j["committed"]), (1, &Value::Bool(false)));
    let msgs: Vec<&str> = j["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert!(msgs.iter().any(|m| m.contains("长治市 2023年") && m.contains("162") && m.contains("163")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.contains("688") || m.contains("689")), "the total is named: {msgs:?}");
    assert!(j["errors"].as_array().unwrap().iter().any(|e| e["column"] == "2023年"), "{j}");

    // A 合计 that disagrees: the row and the column of the 合计 cell.
    let tot = table(dir.path(), "total.csv", None, true, None);
    let (code, j, _) = run(url, &["targets", "import", tot.to_str().unwrap(), "--region", "长治市", "--json"]);
    assert_eq!(code, 1);
    let e = j["errors"].as_array().unwrap().iter().find(|e| e["column"] == "2024年").expect("2024 column named");
    assert_eq!((e["row"].as_i64(), e["value"].as_str()), (Some(16), Some("132")), "{e}");

    // A region not in the tree: named with its row and what to do; a task unit can then be added.
    let zone = table(dir.path(), "zone.csv", None, false, Some("长治高新区"));
    let (code, j, _) = run(url, &["targets", "import", zone.to_str().unwrap(), "--region", "长治市", "--json"]);
    assert_eq!(code, 1);
    let e = j["errors"].as_array().unwrap().iter().find(|e| e["value"] == "长治高新区").expect("zone named");
    assert_eq!(e["row"].as_i64(), Some(16));
    assert!(e["message"].as_str().unwrap().contains("regions add-unit --parent 1404"), "{e}");
    let o = jiugai(url, &["regions", "add-unit", "--parent", "长治市", "--name", "长治高新区"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("140471\t"));
    let (_, j, _) =
        run(url, &["targets", "import", zone.to_str().unwrap(), "--region", "长治市", "--dry-run", "--json"]);
    assert!(
        !j["errors"].as_array().unwrap().iter().any(|e| e["value"] == "长治高新区"),
        "the unit is now known; what remains is the policy's sum: {j}"
    );

    // Nothing was stored by the refusals; the good table is.
    let (code, j, err) = run(url, &["targets", "import", g, "--region", "长治市", "--json"]);
    assert_eq!((code, &j["committed"]), (0, &Value::Bool(true)), "{err}");
    let (_, p, _) = run(url, &["targets", "show", "--region", "长治市", "--year", "2023", "--json"]);
    assert_eq!(p["region"]["target"].as_i64(), Some(163));
    assert_eq!(p["region"]["promised"], "≥60%");
    let lz = p["children"].as_array().unwrap().iter().find(|c| c["name"] == "潞州区").unwrap().clone();
    assert_eq!(lz["target"].as_i64(), Some(45));

    // Export and read back: the same table.
    let x = dir.path().join("out.xlsx");
    let o = jiugai(url, &["targets", "export", "--region", "长治市", "-o", x.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (code, back, err) =
        run(url, &["targets", "import", x.to_str().unwrap(), "--region", "长治市", "--dry-run", "--json"]);
    assert_eq!(code, 0, "{err} {back}");
    assert_eq!(back["by_year"], j["by_year"]);
    assert_eq!(back["regions"], j["regions"]);
    let sheet = jiugai_sheet::targets::read_targets(&x, &Default::default()).unwrap();
    assert_eq!(sheet.count("潞州区", 2022), Some(60));
    assert_eq!(sheet.grand_total, Some(619));
}

#[tokio::test]
async fn a_plan_from_the_command_line() {
    let t = TestDb::new().await;
    let url = t.url.as_str();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    assert!(jiugai(url, &["import", "estates", f.to_str().unwrap(), "--region", "长治市潞州区"]).status.success());
    let o = jiugai(
        url,
        &[
            "projects",
            "create",
            "--name",
            "东街片区",
            "--estates",
            "1,2",
            "--year",
            "2026",
            "--investment-yuan",
            "2860000",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (code, p, err) =
        run(url, &["plans", "create", "--region", "潞州区", "--year", "2026", "--projects", "1", "--json"]);
    assert_eq!(code, 0, "{err}");
    let id = p["plan"]["id"].as_i64().unwrap().to_string();
    assert_eq!(p["plan"]["due_on"], "2025-09-15");
    assert_eq!(p["totals"]["investment_fen"].as_i64(), Some(286_000_000));
    let checks = p["checks"].as_array().unwrap();
    let consent: Vec<&Value> = checks.iter().filter(|c| c["check"] == "consent_to_plan").collect();
    assert_eq!(consent.len(), 2, "one per estate: {checks:?}");
    assert!(consent.iter().all(|c| c["outcome"] == "fail" && c["blocking"] == true));
    assert!(checks.iter().all(|c| !c["source"].as_str().unwrap_or("").is_empty() || c["outcome"] == "not_applicable"));
    assert_eq!(p["chain"][0]["region"], "1404");
    // Submitting is refused while estates lack their consent, naming them; nothing changes.
    let (code, _, err) = run(url, &["plans", "submit", &id, "--version", "1"]);
    assert_eq!(code, 1);
    assert!(err.contains("没有已结束的改造意愿征询"), "{err}");
    let (_, p, _) = run(url, &["plans", "show", &id, "--json"]);
    assert_eq!((p["plan"]["status"].as_str(), p["plan"]["version"].as_i64()), (Some("draft"), Some(1)));
    // Review is for submitted plans only; export works at any stage and its 合计 is exact.
    let (code, _, err) = run(url, &["plans", "review", &id, "--version", "1", "--approve"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("不在审核中"), "{err}");
    let x = tempfile::tempdir().unwrap();
    let out = x.path().join("plan.xlsx");
    let o = jiugai(url, &["plans", "export", &id, "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let totals = jiugai_sheet::plan_sheet::read_plan_totals(&out).unwrap();
    assert_eq!((totals.rows, totals.investment_fen), (1, 286_000_000));
    assert_eq!(totals.households, p["totals"]["households"].as_i64().unwrap());
}
