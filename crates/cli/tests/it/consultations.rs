//! `jiugai consultations list|show|close`: the real binary against a consultation voted through the store,
//! on the backend the environment chooses.

use crate::support;
use support::{jiugai, json_of};

use jiugai_store::residents::consultations::{self as cons, NewConsultation};
use jiugai_store::residents::households::{self, NewHousehold};
use jiugai_store::testing::TestDb;

#[tokio::test]
async fn list_show_and_close_a_consultation() {
    let t = TestDb::new().await;
    let url = t.url.clone();
    let ledger = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    let o = jiugai(&url, &["import", "estates", ledger.to_str().unwrap(), "--region", "芮城县", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let rows: Vec<NewHousehold> = (0..10)
        .map(|i| NewHousehold {
            building: "1".into(),
            room: format!("{}", 101 + i),
            area_dm2: 7000,
            owner_name: "业主".into(),
            ..Default::default()
        })
        .collect();
    households::insert_all(&t.db, 1, &rows, "t", "t").await.unwrap();
    let hh = households::list(&t.db, 1).await.unwrap();
    let c = cons::create(
        &t.db,
        &NewConsultation {
            estate_id: 1,
            kind: jiugai_store::residents::consultations::Kind::Consent,
            title: "改造意愿".into(),
            question: "同意吗？".into(),
            opens_at: "2020-01-01".into(),
            closes_at: "2099-01-01".into(),
            ..Default::default()
        },
        "t",
        "t",
    )
    .await
    .unwrap();
    for h in &hh[..8] {
        cons::cast_assisted(&t.db, c.id, h.id, jiugai_store::residents::consultations::Choice::Yes, "t", "t")
            .await
            .unwrap();
    }
    let id = c.id.to_string();
    let o = jiugai(&url, &["consultations", "list", "--estate", "1"]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("改造意愿")
            && String::from_utf8_lossy(&o.stdout).contains("进行中")
    );
    let o = jiugai(&url, &["consultations", "show", &id]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.contains("8/10") && out.contains("通过") && out.contains("001"), "{out}");
    let v = json_of(&jiugai(&url, &["consultations", "show", &id, "--json"]));
    assert_eq!(
        (v["tally"]["yes"]["households"].as_i64(), v["tally"]["outcome"].as_str(), v["state"].as_str()),
        (Some(8), Some("pass"), Some("open"))
    );
    // A stale version is refused with exit 1; the right one locks the result.
    let o = jiugai(&url, &["consultations", "close", &id, "--version", "99"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json_of(&jiugai(
        &url,
        &["consultations", "close", &id, "--version", &c.version.to_string(), "--reason", "测试：提前结束", "--json"],
    ));
    assert_eq!(
        (v["state"].as_str(), v["passed"].as_bool(), v["tally"]["final"].as_bool()),
        (Some("closed"), Some(true), Some(true))
    );
    let o = jiugai(&url, &["consultations", "close", &id, "--version", "2"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("已"), "{}", String::from_utf8_lossy(&o.stderr));
    // Unknown id: exit 2 with a message.
    let o = jiugai(&url, &["consultations", "show", "999"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("找不到征询 999"));
}
