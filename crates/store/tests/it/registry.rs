//! The registry story, run on the backend `JIUGAI_TEST_DATABASE_URL` names (a temp SQLite file when unset).

use std::path::{Path, PathBuf};

use jiugai_store::estates::import::{ImportOptions, ImportReport, import_estates};
use jiugai_store::estates::{self, Filter};
use jiugai_store::regions::Regions;
use jiugai_store::testing::TestDb;
use jiugai_store::{Db, StoreError, audit};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures").join(name)
}

fn opts(region: Option<&str>) -> ImportOptions {
    ImportOptions {
        region: region.map(String::from),
        actor: "test".into(),
        origin: "test".into(),
        ..Default::default()
    }
}

async fn import(db: &Db, regions: &Regions, path: &Path, o: &ImportOptions) -> ImportReport {
    import_estates(db, regions, path, o, &|_| {}).await.expect("import runs")
}

async fn setup() -> (TestDb, Regions) {
    let t = TestDb::with_regions().await;
    let r = Regions::load(&t.db).await.unwrap();
    (t, r)
}

#[tokio::test]
async fn ruicheng_ledger_in_every_format() {
    for file in ["ruicheng.xlsx", "ruicheng.xls", "ruicheng.csv", "ruicheng_gbk.csv", "ruicheng_utf8_bom.csv"] {
        let (t, regions) = setup().await;
        let rep = import(&t.db, &regions, &fixture(file), &opts(Some("芮城县"))).await;
        assert!(rep.errors.is_empty(), "{file}: {:?}", rep.errors);
        assert_eq!((rep.imported, rep.updated, rep.unchanged), (30, 0, 0), "{file}");
        assert_eq!(rep.totals.estates, 30, "{file}");
        assert_eq!(rep.totals.households, 863, "{file}");
        assert_eq!(rep.totals.buildings, 40, "{file}");
        assert_eq!(rep.totals.floor_area_dm2, 9_199_189, "{file}");
        assert!(rep.committed);
        let list = estates::list(&t.db, &regions, &Filter { region: Some("140830".into()), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(list.len(), 30, "{file}");
        let icbc = list.iter().find(|e| e.data.name == "工商银行住宅楼").expect("工商银行住宅楼");
        assert_eq!(icbc.data.built_years, vec![1995, 1997]);
        assert_eq!(icbc.data.households, Some(50));
        assert_eq!(icbc.data.region_code, "140830");
        let tobacco = list.iter().find(|e| e.data.name == "原卷烟厂小区").unwrap();
        assert_eq!(tobacco.data.floor_area_dm2, Some(454_127));
        assert_eq!(tobacco.data.address.as_deref(), Some("华泰北路"));
        assert_eq!(tobacco.data.plan_year, Some(2021));
        let sum: i64 = list.iter().filter_map(|e| e.data.floor_area_dm2).sum();
        assert_eq!(sum, 9_199_189, "totals reconcile to the 0.01 m²");
        assert_eq!(audit::verify(&t.db).await.unwrap().first_broken, None);
    }
}

#[tokio::test]
async fn reimport_changes_nothing() {
    let (t, regions) = setup().await;
    let f = fixture("ruicheng.xlsx");
    let first = import(&t.db, &regions, &f, &opts(Some("140830"))).await;
    assert_eq!(first.imported, 30);
    let audit_before = audit::list(&t.db, None, 1000).await.unwrap().len();
    let second = import(&t.db, &regions, &f, &opts(Some("140830"))).await;
    assert_eq!((second.imported, second.updated, second.unchanged), (0, 0, 30));
    assert!(!second.committed, "a no-op import writes nothing");
    assert_eq!(audit::list(&t.db, None, 1000).await.unwrap().len(), audit_before);
    let list = estates::list(&t.db, &regions, &Filter::default()).await.unwrap();
    assert!(list.iter().all(|e| e.version == 1));
    // The same ledger in another format is the same ledger.
    let third = import(&t.db, &regions, &fixture("ruicheng_gbk.csv"), &opts(Some("芮城县"))).await;
    assert_eq!((third.imported, third.updated, third.unchanged), (0, 0, 30));
}

#[tokio::test]
async fn errors_import_nothing_and_name_row_column_value() {
    let (t, regions) = setup().await;
    let rep = import(&t.db, &regions, &fixture("messy.xlsx"), &opts(Some("芮城县"))).await;
    assert!(!rep.errors.is_empty());
    assert!(!rep.committed);
    assert_eq!(estates::count(&t.db).await.unwrap(), 0, "nothing imported while errors stand");
    for e in &rep.errors {
        assert!(e.row > 0, "{e:?}");
        assert!(!e.column.is_empty(), "{e:?}");
        assert!(!e.message(jiugai_store::Lang::Zh).is_empty());
    }
    // The text in 户数 is named with its row, header and value.
    assert!(rep.errors.iter().any(|e| e.value == "六十" && e.column.contains("户数")), "{:?}", rep.errors);
}

#[tokio::test]
async fn allow_partial_imports_good_rows_and_writes_rejected_file() {
    let (t, regions) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("messy.xlsx");
    std::fs::copy(fixture("messy.xlsx"), &src).unwrap();
    let mut o = opts(Some("芮城县"));
    o.allow_partial = true;
    let rep = import(&t.db, &regions, &src, &o).await;
    assert!(!rep.errors.is_empty());
    let bad_rows: std::collections::BTreeSet<u32> = rep.errors.iter().map(|e| e.row).collect();
    let n = estates::count(&t.db).await.unwrap() as u64;
    assert_eq!(n, rep.imported);
    assert!(n > 0);
    let rejected = rep.rejected_file.expect("rejected file written");
    assert_eq!(rejected, dir.path().join("messy.xlsx.rejected.xlsx"));
    assert!(rejected.exists());
    // The rejected file holds the rejected data rows, each with its reason.
    let mut rows = Vec::new();
    jiugai_sheet::table::read_table(
        &rejected,
        &Default::default(),
        &[jiugai_sheet::table::ColumnSpec { key: "name", synonyms: &["小区名称", "项目名称"], required: true }],
        |_, row, v| rows.push((row, v.len())),
    )
    .unwrap();
    let data_bad_rows = bad_rows.iter().filter(|r| !rep.skipped_rows.contains(r)).count();
    assert_eq!(rows.len(), data_bad_rows);
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    let (t, regions) = setup().await;
    let mut o = opts(Some("芮城县"));
    o.dry_run = true;
    let rep = import(&t.db, &regions, &fixture("ruicheng.xlsx"), &o).await;
    assert_eq!(rep.imported, 30);
    assert!(!rep.committed);
    assert_eq!(estates::count(&t.db).await.unwrap(), 0);
}

#[tokio::test]
async fn rows_need_a_county() {
    let (t, regions) = setup().await;
    let rep = import(&t.db, &regions, &fixture("ruicheng.xlsx"), &opts(None)).await;
    assert_eq!(rep.errors.len(), 30);
    assert_eq!(estates::count(&t.db).await.unwrap(), 0);
    // A city is not enough for rows without their own code.
    let rep = import(&t.db, &regions, &fixture("ruicheng.xlsx"), &opts(Some("运城市"))).await;
    assert_eq!(rep.errors.len(), 30);
    assert!(rep.errors[0].message(jiugai_store::Lang::Zh).contains("县"));
}

#[tokio::test]
async fn region_from_code_or_county_columns() {
    for file in ["ruicheng_region_code.xlsx", "ruicheng_county.csv"] {
        let (t, regions) = setup().await;
        let rep = import(&t.db, &regions, &fixture(file), &opts(None)).await;
        assert!(rep.errors.is_empty(), "{file}: {:?}", rep.errors);
        assert_eq!(rep.imported, 30, "{file}");
        let list = estates::list(&t.db, &regions, &Filter { region: Some("1408".into()), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(list.len(), 30, "{file}: listed under the city 运城市");
        // Outside the scope given, rows are refused.
        let (t2, regions2) = setup().await;
        let rep = import(&t2.db, &regions2, &fixture(file), &opts(Some("长治市"))).await;
        assert_eq!(rep.errors.len(), 30, "{file}");
    }
}

#[tokio::test]
async fn export_and_import_again_changes_nothing() {
    let (t, regions) = setup().await;
    import(&t.db, &regions, &fixture("ruicheng.xlsx"), &opts(Some("芮城县"))).await;
    let dir = tempfile::tempdir().unwrap();
    for name in ["out.xlsx", "out.csv"] {
        let out = dir.path().join(name);
        assert_eq!(estates::export(&t.db, &regions, "140830", &out).await.unwrap(), 30);
        let rep = import(&t.db, &regions, &out, &opts(None)).await;
        assert!(rep.errors.is_empty(), "{name}: {:?}", rep.errors);
        assert_eq!((rep.imported, rep.updated, rep.unchanged), (0, 0, 30), "{name}");
    }
    // …and into an empty registry it gives the same files back.
    let (t2, regions2) = setup().await;
    let out = dir.path().join("out.xlsx");
    import(&t2.db, &regions2, &out, &opts(None)).await;
    let a: Vec<_> =
        estates::list(&t.db, &regions, &Filter::default()).await.unwrap().into_iter().map(|e| e.data).collect();
    let b: Vec<_> =
        estates::list(&t2.db, &regions2, &Filter::default()).await.unwrap().into_iter().map(|e| e.data).collect();
    assert_eq!(a, b);
}

#[tokio::test]
async fn changed_ledger_updates_and_keeps_history() {
    let (t, regions) = setup().await;
    import(&t.db, &regions, &fixture("ruicheng.xlsx"), &opts(Some("芮城县"))).await;
    let e = estates::list(&t.db, &regions, &Filter { name_contains: Some("体委住宅楼".into()), ..Default::default() })
        .await
        .unwrap()
        .remove(0);
    assert_eq!(e.data.households, Some(19));
    // Edit through the registry, then re-import the original ledger: the ledger's value wins back, recorded.
    let mut d = e.data.clone();
    d.households = Some(21);
    let e2 = estates::update(&t.db, &regions, e.id, e.version, &d, "clerk", "test").await.unwrap();
    assert_eq!(e2.version, 2);
    let rep = import(&t.db, &regions, &fixture("ruicheng.xlsx"), &opts(Some("芮城县"))).await;
    assert_eq!((rep.imported, rep.updated, rep.unchanged), (0, 1, 29));
    let h = estates::history(&t.db, e.id).await.unwrap();
    assert_eq!(h.iter().map(|h| h.version).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(h[1].changes["households"], serde_json::json!([19, 21]));
    assert_eq!(h[2].changes["households"], serde_json::json!([21, 19]));
    assert!(h[2].source.starts_with("import:"));
    assert_eq!(audit::verify(&t.db).await.unwrap().first_broken, None);
}

#[tokio::test]
async fn stale_version_is_refused_and_named() {
    let (t, regions) = setup().await;
    import(&t.db, &regions, &fixture("ruicheng.xlsx"), &opts(Some("芮城县"))).await;
    let e = estates::list(&t.db, &regions, &Filter::default()).await.unwrap().remove(0);
    let mut alice = e.data.clone();
    alice.households = Some(99);
    let mut bob = e.data.clone();
    bob.address = Some("新地址".into());
    estates::update(&t.db, &regions, e.id, e.version, &alice, "alice", "test").await.unwrap();
    let err = estates::update(&t.db, &regions, e.id, e.version, &bob, "bob", "test").await.unwrap_err();
    match &err {
        StoreError::Conflict { expected, current, changed, .. } => {
            assert_eq!((*expected, *current), (1, 2));
            assert_eq!(changed, &vec!["户数".to_string()]);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(err.message(jiugai_store::Lang::Zh).contains("已被他人修改"));
    let now = estates::get(&t.db, e.id).await.unwrap();
    assert_eq!(now.data.households, Some(99), "alice's change stands");
    assert_eq!(now.data.address, e.data.address, "bob's change was not written");
}

#[tokio::test]
async fn audit_chain_detects_tampering() {
    let (t, regions) = setup().await;
    import(&t.db, &regions, &fixture("ruicheng.xlsx"), &opts(Some("芮城县"))).await;
    let e = estates::list(&t.db, &regions, &Filter::default()).await.unwrap().remove(0);
    let mut d = e.data.clone();
    d.households = Some(1);
    estates::update(&t.db, &regions, e.id, 1, &d, "a", "test").await.unwrap();
    d.households = Some(2);
    estates::update(&t.db, &regions, e.id, 2, &d, "a", "test").await.unwrap();
    let v = audit::verify(&t.db).await.unwrap();
    assert_eq!((v.entries, v.first_broken.clone()), (3, None));
    // Someone edits entry 2 in the database directly.
    jiugai_store::testing::execute(&t.db, "UPDATE audit_log SET actor = 'mallory' WHERE id = 2").await;
    assert_eq!(audit::verify(&t.db).await.unwrap().first_broken.map(|b| b.0), Some(2));
}

#[tokio::test]
async fn audit_chain_detects_removal() {
    let (t, regions) = setup().await;
    import(&t.db, &regions, &fixture("ruicheng.xlsx"), &opts(Some("芮城县"))).await;
    let e = estates::list(&t.db, &regions, &Filter::default()).await.unwrap().remove(0);
    let mut d = e.data.clone();
    for v in 1..=3 {
        d.households = Some(v);
        estates::update(&t.db, &regions, e.id, v, &d, "a", "test").await.unwrap();
    }
    jiugai_store::testing::execute(&t.db, "DELETE FROM audit_log WHERE id = 2").await;
    assert_eq!(audit::verify(&t.db).await.unwrap().first_broken.map(|b| b.0), Some(2));
    jiugai_store::testing::execute(&t.db, "DELETE FROM audit_log WHERE id >= 2").await;
    assert_eq!(
        audit::verify(&t.db).await.unwrap().first_broken.map(|b| b.0),
        Some(2),
        "truncation at the end is seen too"
    );
}

#[tokio::test]
async fn communities_under_streets() {
    let (t, _) = setup().await;
    let c = jiugai_store::regions::add_community(&t.db, "140830100", "城东社区", None).await.unwrap();
    assert_eq!(c.code, "140830100001");
    let again = jiugai_store::regions::add_community(&t.db, "140830100", "城东社区", None).await.unwrap();
    assert_eq!(again.code, c.code, "adding twice is idempotent");
    let r = Regions::load(&t.db).await.unwrap();
    assert_eq!(r.resolve("古魏镇城东社区", None).unwrap().code, "140830100001");
    assert!(
        jiugai_store::regions::add_community(&t.db, "140830", "x", None).await.is_err(),
        "a county is not a street"
    );
}

#[tokio::test]
async fn init_is_idempotent() {
    let t = TestDb::with_regions().await;
    assert_eq!(jiugai_store::regions::init(&t.db).await.unwrap(), 0);
    let r = Regions::load(&t.db).await.unwrap();
    assert!(r.len() > 44_000);
}

#[tokio::test]
async fn foreign_keys_stay_on_after_imports() {
    let (t, regions) = setup().await;
    import(&t.db, &regions, &fixture("ruicheng.xlsx"), &opts(Some("芮城县"))).await;
    import(&t.db, &regions, &fixture("messy.xlsx"), &opts(Some("芮城县"))).await;
    let fks = jiugai_store::testing::sqlite_foreign_keys(&t.db).await;
    assert!(fks.iter().all(|v| *v == 1), "every pooled SQLite connection enforces foreign keys: {fks:?}");
}
