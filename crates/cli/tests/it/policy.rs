//! Issue 3's command-line contract: profiles, eligibility, target tables — on the backend the environment chooses.

use crate::support;
use support::{jiugai, json_of};

use std::path::{Path, PathBuf};

use jiugai_store::testing::TestDb;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[tokio::test]
async fn profiles_listed_and_shown_with_clauses() {
    let t = TestDb::new().await;
    let list = json_of(&jiugai(&t.url, &["policy", "list", "--json"]));
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    for n in ["national", "changzhi", "ruicheng", "suzhou-ah", "qinzhou", "fenyang"] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    let show = json_of(&jiugai(&t.url, &["policy", "show", "ruicheng", "--json"]));
    assert_eq!(show["region_code"], "140830");
    let rules = show["rules"].as_array().unwrap();
    let consent = rules.iter().find(|r| r["key"] == "consent_to_plan").unwrap();
    assert_eq!(consent["text"], "≥80%");
    assert!(consent["source"].as_str().unwrap().contains("[001 二(三)1]"));
    assert!(rules.iter().all(|r| !r["source"].as_str().unwrap().is_empty()), "every rule cites a source");
    // Inherited rules say which profile set them.
    assert!(rules.iter().any(|r| r["profile"] == "national"));
}

#[tokio::test]
async fn an_office_loads_its_own_profile_and_a_bad_one_is_refused_with_its_line() {
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("yanhu.toml");
    std::fs::write(&good, "name = \"yanhu\"\ntitle = \"盐湖区\"\nregion_code = \"140802\"\ninherits = \"national\"\n\n[rules.consent_to_plan]\nvalue = \"≥85%\"\nsource = \"盐湖区实施方案 第三条\"\n").unwrap();
    let o = jiugai(&t.url, &["policy", "load", good.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let show = json_of(&jiugai(&t.url, &["policy", "show", "yanhu", "--json"]));
    let consent = show["rules"].as_array().unwrap().iter().find(|r| r["key"] == "consent_to_plan").unwrap().clone();
    assert_eq!((consent["text"].as_str(), consent["profile"].as_str()), (Some("≥85%"), Some("yanhu")));

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"bad\"\ntitle = \"坏\"\nregion_code = \"140821\"\ninherits = \"national\"\n\n[rules.consent_to_plan]\nvalue = \"≥80%\"\n").unwrap();
    let o = jiugai(&t.url, &["policy", "load", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml:6:") || err.contains("bad.toml:7:"), "names the line: {err}");
    let list = json_of(&jiugai(&t.url, &["policy", "list", "--json"]));
    assert!(!list.as_array().unwrap().iter().any(|p| p["name"] == "bad"), "a refused profile is not stored");
}

#[tokio::test]
async fn eligibility_of_ruicheng_under_each_profile() {
    let t = TestDb::new().await;
    let f = fixture("../sheet/tests/fixtures/ruicheng.xlsx");
    assert!(jiugai(&t.url, &["import", "estates", f.to_str().unwrap(), "--region", "芮城县"]).status.success());
    let j = json_of(&jiugai(&t.url, &["eligibility", "--region", "芮城县", "--json"]));
    assert_eq!(j["policy"], "ruicheng", "the profile of the estates' region");
    assert_eq!(j["counts"]["core"], 30);
    let e = &j["estates"][0];
    for k in ["id", "name", "verdict", "reason", "clause"] {
        assert!(e.get(k).is_some(), "{k} in {e}");
    }
    assert!(e["clause"].as_str().unwrap().contains("[001"));
    for p in ["national", "changzhi", "suzhou-ah", "qinzhou"] {
        let j = json_of(&jiugai(&t.url, &["eligibility", "--policy", p, "--json"]));
        assert_eq!((j["policy"].as_str(), j["counts"]["core"].as_i64()), (Some(p), Some(30)), "{p}");
    }
    // Fenyang renovates only declared estates: undeclared ones are not in its scope.
    let j = json_of(&jiugai(&t.url, &["eligibility", "--policy", "fenyang", "--json"]));
    assert_eq!(j["counts"]["core"], 0);
    // An estate marked as in a shantytown plan is excluded, with the clause.
    let id = j["estates"][0]["id"].as_i64().unwrap().to_string();
    assert!(jiugai(&t.url, &["estates", "set", &id, "--version", "1", "in_shantytown_plan=是"]).status.success());
    let j = json_of(&jiugai(&t.url, &["eligibility", "--json"]));
    assert_eq!((j["counts"]["core"].as_i64(), j["counts"]["excluded"].as_i64()), (Some(29), Some(1)));
    let ex = j["estates"].as_array().unwrap().iter().find(|e| e["verdict"] == "excluded").unwrap();
    assert!(ex["clause"].as_str().unwrap().contains("[001 二(一)]"), "{ex}");
}

#[tokio::test]
async fn changzhi_target_table_passes_and_a_broken_one_names_the_year() {
    let t = TestDb::new().await;
    let ok = jiugai(
        &t.url,
        &["targets", "check", fixture("tests/fixtures/changzhi_targets.csv").to_str().unwrap(), "--json"],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
    let j = json_of(&ok);
    assert_eq!(j["ok"], true);
    assert_eq!(j["tables"][0]["total"], 689);

    let broken = jiugai(
        &t.url,
        &["targets", "check", fixture("tests/fixtures/changzhi_targets_broken.csv").to_str().unwrap(), "--json"],
    );
    assert_eq!(broken.status.code(), Some(1));
    let j = json_of(&broken);
    let issues = j["tables"][0]["issues"].as_array().unwrap();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0]["year"], 2022);
    assert!(issues[0]["message"].as_str().unwrap().contains("2022"));

    // The same table as an xlsx with a total that does not add up.
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("targets.xlsx");
    use jiugai_sheet::write::{Cell, write_xlsx};
    let row =
        |y: i64, n: i64, p: &str| vec![Cell::Text("长治市".into()), Cell::Int(y), Cell::Int(n), Cell::Text(p.into())];
    write_xlsx(
        &x,
        "任务表",
        &["区划", "年份", "任务数", "累计完成比例"],
        vec![
            row(2021, 70, ""),
            row(2022, 208, "35%"),
            row(2023, 163, "60%"),
            row(2024, 130, "80%"),
            row(2025, 118, "100%"),
            vec![Cell::Text("合计".into()), Cell::Empty, Cell::Int(700), Cell::Empty],
        ]
        .into_iter(),
    )
    .unwrap();
    let j = json_of(&jiugai(&t.url, &["targets", "check", x.to_str().unwrap(), "--json"]));
    assert_eq!(j["ok"], false);
    assert!(j["tables"][0]["issues"].as_array().unwrap().iter().any(|i| i["kind"] == "total_mismatch"), "{j}");
}
