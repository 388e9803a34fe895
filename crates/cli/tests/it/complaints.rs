//! `jiugai complaints list` on the backend the environment chooses: routed region, due date and overdue
//! as of `JIUGAI_TODAY`, the `--region` and `--overdue` filters, `--json`, and an unknown region refused.

use crate::support;
use support::json_of;

use std::path::Path;

use jiugai_store::complaints::{self, NewComplaint};
use jiugai_store::projects::{self, Facts, NewProject};
use jiugai_store::regions::Regions;
use jiugai_store::testing::{TestDb, execute};

fn jiugai(url: &str, today: &str, args: &[&str]) -> std::process::Output {
    support::jiugai_with(url, &[("JIUGAI_TODAY", today)], args)
}

#[tokio::test]
async fn complaints_list_with_region_and_overdue() {
    let t = TestDb::new().await;
    let url = t.url.clone();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    assert!(
        jiugai(&url, "2026-03-01", &["import", "estates", f.to_str().unwrap(), "--region", "芮城县"]).status.success()
    );
    let db = &t.db;
    execute(db, "UPDATE estates SET street_code = '140830100' WHERE id = 1").await;
    let regions = Regions::load(db).await.unwrap();
    let profiles = jiugai_rules::ProfileSet::builtin();
    let mut ids = Vec::new();
    for (name, estate) in [("古魏镇项目", 1), ("县城项目", 2)] {
        let p = projects::create(
            db,
            &NewProject {
                name: name.into(),
                estate_ids: vec![estate],
                plan_year: 2026,
                investment_fen: 1,
                ..Default::default()
            },
            "test",
            "test",
        )
        .await
        .unwrap();
        projects::update_facts(
            db,
            p.id,
            p.version,
            &Facts { notice_from: Some(Some("2026-01-05".into())), ..Default::default() },
            "test",
            "test",
        )
        .await
        .unwrap();
        ids.push(p.id);
    }
    let n = |pid: i64| NewComplaint {
        project_id: Some(pid),
        category: "safety".into(),
        body: "脚手架没有防护网，很危险".into(),
        contact_phone: "13900000000".into(),
        ..Default::default()
    };
    let a = complaints::submit(db, &regions, &profiles, &n(ids[0]), "2026-03-01T08:00:00.000Z", "test").await.unwrap();
    let b = complaints::submit(db, &regions, &profiles, &n(ids[1]), "2026-03-10T08:00:00.000Z", "test").await.unwrap();
    assert_eq!((a.region_code.as_str(), b.region_code.as_str()), ("140830100", "140830"));
    // As of 2026-03-17: the first (due 03-16) is one day overdue, the second has 8 days left.
    let o = jiugai(&url, "2026-03-17", &["complaints", "list", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json_of(&o);
    let got: Vec<(&str, &str, i64, bool)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["tracking_no"].as_str().unwrap(),
                c["due_on"].as_str().unwrap(),
                c["days_left"].as_i64().unwrap(),
                c["overdue"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(a.tracking_no.as_str(), "2026-03-16", -1, true), (b.tracking_no.as_str(), "2026-03-25", 8, false)]
    );
    let late = json_of(&jiugai(&url, "2026-03-17", &["complaints", "list", "--overdue", "--json"]));
    assert_eq!(late.as_array().unwrap().len(), 1);
    assert_eq!(
        json_of(&jiugai(&url, "2026-03-16", &["complaints", "list", "--overdue", "--json"])),
        serde_json::json!([]),
        "due today is not overdue"
    );
    // By region: the street sees its own; the county everything under it; 长治市 nothing.
    assert_eq!(
        json_of(&jiugai(&url, "2026-03-17", &["complaints", "list", "--region", "140830100", "--json"]))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        json_of(&jiugai(&url, "2026-03-17", &["complaints", "list", "--region", "芮城县", "--json"]))
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        json_of(&jiugai(&url, "2026-03-17", &["complaints", "list", "--region", "1404", "--json"])),
        serde_json::json!([])
    );
    // For people: Chinese lines with the SLA.
    let o = jiugai(&url, "2026-03-17", &["complaints", "list"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(&a.tracking_no)
            && text.contains("逾期 1 天")
            && text.contains("还剩 8 天")
            && text.contains("古魏镇")
            && text.contains("共 2 件，其中逾期 1 件"),
        "{text}"
    );
    // An unknown region: refused, exit 1.
    let o = jiugai(&url, "2026-03-17", &["complaints", "list", "--region", "不存在县"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("找不到行政区划"), "{}", String::from_utf8_lossy(&o.stderr));
}
