//! `jiugai assess --region R --period Y [--json] [-o file.xlsx]` on the backend the environment chooses:
//! the JSON contract (`formula`, `rows` with `region`, `score`, `parts`, `rank`), a county without data
//! marked missing, the xlsx read back, the human output, a refused period.

use crate::support;
use support::{jiugai_with, json_of};

use std::path::Path;

use jiugai_store::testing::{TestDb, execute};

const TODAY: (&str, &str) = ("JIUGAI_TODAY", "2026-06-30");

#[tokio::test]
async fn assessment_from_the_command_line() {
    let t = TestDb::new().await;
    let url = t.url.as_str();
    let run = |args: &[&str]| jiugai_with(url, &[TODAY], args);
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    assert!(run(&["import", "estates", f.to_str().unwrap(), "--region", "长治市潞州区"]).status.success());
    let o = run(&[
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
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    execute(&t.db, "UPDATE projects SET satisfaction_yes = 8, satisfaction_answered = 10 WHERE id = 1").await;
    execute(&t.db, "INSERT INTO targets (region_code, year, estates, source, updated_at, updated_by) VALUES ('140403', 2026, 4, 't', '2026-01-01T00:00:00Z', 't')").await;

    let o = run(&["assess", "--region", "长治市", "--period", "2026", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json_of(&o);
    assert_eq!(
        (j["region"].as_str(), j["period"].as_i64(), j["as_of"].as_str()),
        (Some("1404"), Some(2026), Some("2026-06-30"))
    );
    let formula = j["formula"].as_array().unwrap();
    assert_eq!(formula.len(), 10);
    for f in formula {
        assert!(f["criterion"].is_string() && f["weight"].is_i64() && f["source"].is_string(), "{f}");
    }
    assert_eq!(formula.iter().map(|f| f["weight"].as_i64().unwrap()).sum::<i64>(), 100);
    let rows = j["rows"].as_array().unwrap();
    // 潞州: satisfaction 8/10 (20), target 0/4 (15), reports due Jan–May: 0/5 and 0/5 (5 + 5); the rest
    // have no data. Weights present 45: 100/45 × (20·8/10 + 0) = 35.555… → 35.56.
    let lz = &rows[0];
    assert_eq!(
        (lz["region"].as_str(), lz["rank"].as_i64(), lz["score"].as_str()),
        (Some("140403"), Some(1), Some("35.56"))
    );
    assert_eq!(
        (lz["parts"]["satisfaction"]["num"].as_i64(), lz["parts"]["satisfaction"]["den"].as_i64()),
        (Some(8), Some(10))
    );
    assert_eq!(lz["parts"]["satisfaction"]["points"], "16.00");
    assert_eq!(lz["parts"]["target_progress"]["points"], "0.00");
    assert_eq!(lz["parts"]["report_completeness"]["den"], 5);
    assert_eq!(lz["parts"]["quality"]["missing"], true);
    // 上党: no satisfaction data — missing, not 0; only the reports (0/5) count: 0.00, second by code.
    let sd = &rows[1];
    assert_eq!(
        (sd["region"].as_str(), sd["rank"].as_i64(), sd["score"].as_str()),
        (Some("140404"), Some(2), Some("0.00"))
    );
    assert_eq!(sd["parts"]["satisfaction"]["missing"], true);
    assert!(sd["parts"]["satisfaction"]["points"].is_null());

    // The xlsx holds the same scores and ranks.
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("考核.xlsx");
    let o = run(&["assess", "--region", "长治市", "--period", "2026", "-o", x.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("潞州区") && text.contains("35.56") && text.contains("群众满意度 无数据"), "{text}");
    let back = jiugai_sheet::assess_sheet::read_assess(&x, 10).unwrap();
    assert_eq!(back.len(), rows.len());
    assert_eq!((back[0].region.as_str(), back[0].score.as_deref(), back[0].rank), ("140403", Some("35.56"), Some(1)));
    assert_eq!(back[0].parts[0], Some((8, 10, "16.00".to_string())));
    assert_eq!(back[1].parts[0], None);

    let o = run(&["assess", "--region", "长治市", "--period", "明年"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("考核期应为年份"));
}
