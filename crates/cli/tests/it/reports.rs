//! `jiugai reports …` on the backend the environment chooses: the JSON contract, the xlsx read back and
//! compared with the JSON figure by figure, submit and approve as the level above, completeness.

use crate::support;
use support::{jiugai, json_of};

use std::path::Path;

use jiugai_store::reports::{FIGURES, column_of};
use jiugai_store::testing::{TestDb, execute};

#[tokio::test]
async fn monthly_report_from_the_command_line() {
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
            "2860000.50",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    execute(&t.db, "UPDATE projects SET stage = 'completed' WHERE id = 1").await;
    execute(&t.db, "INSERT INTO project_moves (project_id, from_stage, to_stage, from_year, to_year, reason, actor, at) VALUES (1, 'implementation', 'completed', 2026, 2026, 't', 't', '2026-11-20T02:00:00.000Z')").await;
    execute(&t.db, "INSERT INTO project_moves (project_id, from_stage, to_stage, from_year, to_year, reason, actor, at) VALUES (1, 'planning', 'implementation', 2026, 2026, 't', 't', '2026-05-20T02:00:00.000Z')").await;

    let o = jiugai(url, &["reports", "monthly", "--region", "长治市", "--month", "2026-11", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json_of(&o);
    assert_eq!(
        (j["region"].as_str(), j["month"].as_str(), j["state"].as_str()),
        (Some("1404"), Some("2026-11"), Some("draft"))
    );
    assert_eq!(j["rows"][0]["region"], "140403");
    assert_eq!(j["total"]["projects_completed_month"], 1);
    assert_eq!(j["total"]["investment_planned_fen"], 286_000_050);

    // The xlsx holds the same numbers as the JSON, row by row and in the 合计 row.
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("月报.xlsx");
    let o = jiugai(url, &["reports", "export", "--region", "长治市", "--month", "2026-11", "-o", x.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let units: Vec<_> = FIGURES.iter().map(|(k, ..)| column_of(k).1).collect();
    let back = jiugai_sheet::report_sheet::read_report_rows(&x, &units).unwrap();
    assert_eq!(back.len(), j["rows"].as_array().unwrap().len() + 1);
    let (label, total) = back.last().unwrap();
    assert_eq!(label, "合计");
    for (i, (k, ..)) in FIGURES.iter().enumerate() {
        assert_eq!(total[i], j["total"][*k].as_i64().unwrap(), "{k}");
        assert_eq!(back[0].1[i], j["rows"][0]["figures"][*k].as_i64().unwrap(), "{k}");
    }

    // The county submits; the city approves (the CLI acts for the level above).
    let o = jiugai(url, &["reports", "submit", "--region", "潞州区", "--month", "2026-11", "--version", "0"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = jiugai(
        url,
        &["reports", "return", "--region", "潞州区", "--month", "2026-11", "--version", "1", "--reason", ""],
    );
    assert_eq!(o.status.code(), Some(1));
    let o = jiugai(url, &["reports", "approve", "--region", "潞州区", "--month", "2026-11", "--version", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c = json_of(&jiugai(url, &["reports", "completeness", "--region", "长治市", "--month", "2026-11", "--json"]));
    let lz = c.as_array().unwrap().iter().find(|x| x["region"] == "140403").unwrap();
    assert_eq!(lz["state"], "approved");
    let city = json_of(&jiugai(url, &["reports", "monthly", "--region", "长治市", "--month", "2026-11", "--json"]));
    assert_eq!(city["rows"][0]["state"], "approved");
}
