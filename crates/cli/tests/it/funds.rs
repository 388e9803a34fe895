//! `jiugai funds …` on the backend the environment chooses: the script contract of issue 14 — plan, an
//! allocation table, a payment refused one fen over, a ring-fenced move, the summary's JSON shape.

use crate::support;
use support::{jiugai, json_of};

use std::path::Path;

use jiugai_store::testing::TestDb;

#[tokio::test]
async fn money_from_the_command_line() {
    let t = TestDb::new().await;
    let url = t.url.as_str();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    assert!(jiugai(url, &["import", "estates", f.to_str().unwrap(), "--region", "芮城县"]).status.success());
    for (name, estates) in [("甲项目", "1,2"), ("乙项目", "3")] {
        let o = jiugai(
            url,
            &[
                "projects",
                "create",
                "--name",
                name,
                "--estates",
                estates,
                "--year",
                "2026",
                "--investment-yuan",
                "3000000",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = jiugai(url, &["funds", "plan", "1", "--source", "central", "--amount", "120.5万", "--estimate", "300万"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("alloc.csv");
    std::fs::write(
        &table,
        "芮城县中央补助资金下达表\n项目名称,金额（万元）,备注\n甲项目,100,\n乙项目,\"５０．５\",\n合计,150.5,\n",
    )
    .unwrap();
    let o = jiugai(
        url,
        &[
            "funds",
            "allocate",
            table.to_str().unwrap(),
            "--doc",
            "芮财〔2026〕1号",
            "--source",
            "中央补助资金",
            "--date",
            "2026-03-01",
            "--issuer",
            "芮城县",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json_of(&o);
    assert_eq!((j["committed"].as_bool(), j["total_fen"].as_i64()), (Some(true), Some(150_500_000)));
    let pay = |amount: &str, v: &str| {
        jiugai(
            url,
            &[
                "funds",
                "pay",
                "1",
                "--source",
                "central",
                "--amount",
                amount,
                "--voucher",
                v,
                "--payee",
                "施工单位",
                "--date",
                "2026-04-01",
            ],
        )
    };
    let o = pay("1,000,000.01元", "v1");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("超出 0.01"), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(pay("100万", "v1").status.success());
    let o = jiugai(
        url,
        &["funds", "move", "--from", "2", "--to", "1", "--source", "central", "--amount", "10万", "--reason", "结余"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("专款专用"));
    let o = jiugai(url, &["funds", "summary", "--region", "芮城县", "--year", "2026", "--json"]);
    let s = json_of(&o);
    assert_eq!(s["region"], "140830");
    let c = &s["by_source"]["central"];
    assert_eq!(
        (c["planned_fen"].as_i64(), c["allocated_fen"].as_i64(), c["paid_fen"].as_i64()),
        (Some(120_500_000), Some(150_500_000), Some(100_000_000))
    );
    assert!(s["children"].is_array());
    assert!(jiugai(url, &["funds", "reconcile"]).status.success());
    let o = jiugai(url, &["funds", "show", "1", "--json"]);
    assert!(json_of(&o)["checks"].is_array());
}
