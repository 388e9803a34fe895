//! The household registry and its import, on the backend `JIUGAI_TEST_DATABASE_URL` names (a temp SQLite
//! file when unset): all or nothing, every problem reported, rooms already registered refused, the
//! household-count check per estate and over a region.

use std::path::Path;

use jiugai_sheet::{Format, Lang};
use jiugai_store::estates::import::{ImportOptions, import_estates};
use jiugai_store::regions::Regions;
use jiugai_store::residents::households;
use jiugai_store::residents::import::{Source, import_households, mismatches};
use jiugai_store::testing::TestDb;
use jiugai_store::{audit, estates};

async fn ruicheng() -> (TestDb, Regions) {
    let t = TestDb::with_regions().await;
    let regions = Regions::load(&t.db).await.unwrap();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    let o = ImportOptions {
        region: Some("140830".into()),
        actor: "test".into(),
        origin: "test".into(),
        ..Default::default()
    };
    assert_eq!(import_estates(&t.db, &regions, &f, &o, &|_| {}).await.unwrap().imported, 30);
    (t, regions)
}

fn id_of(list: &[estates::Estate], name: &str) -> i64 {
    list.iter().find(|e| e.data.name == name).unwrap().id
}

fn csv(s: &str) -> Source<'_> {
    Source::Bytes { data: s.as_bytes(), format: Format::Csv, file_name: "名册.csv" }
}

#[tokio::test]
async fn import_all_or_nothing_with_count_check() {
    let (t, regions) = ruicheng().await;
    let db = &t.db;
    let all = estates::list(db, &regions, &Default::default()).await.unwrap();
    let id = id_of(&all, "诚信商城住宅楼"); // its file records 7 households
    // A bad file: every problem listed, nothing written.
    let bad = "诚信商城住宅楼住户名册\n楼栋,单元,房号,专有部分面积,业主姓名,联系电话\n1栋,1单元,101,85.5,张三明,13812345678\n1栋,1单元,,80,李四,\n1栋,1单元,102,八十,王五,\n1栋,1单元,103,70,赵六,1234\n1,1,101室,60,钱七,\n";
    let r = import_households(db, id, csv(bad), Lang::Zh, "test", "test").await.unwrap();
    assert!(!r.committed);
    assert_eq!(r.added, 0);
    let got: Vec<(u32, &str, &str)> = r.errors.iter().map(|i| (i.row, i.column.as_str(), i.value.as_str())).collect();
    assert_eq!(got, vec![(4, "房号", ""), (5, "专有部分面积", "八十"), (6, "联系电话", "1234"), (7, "房号", "101室")]);
    assert!(r.errors[3].message(Lang::Zh).contains("与第 3 行重复"), "{}", r.errors[3].message(Lang::Zh));
    assert_eq!(households::totals(db, id).await.unwrap(), (0, 0));
    let j = r.to_json(Lang::En);
    assert_eq!(j["errors"].as_array().unwrap().len(), 4);
    assert_eq!(j["committed"], false);
    // A good file: all of it, one audit entry, count check against the file's 7.
    let good = "楼号,单元号,室,面积（㎡）,户主,手机,委托代理人,代理人电话\n1栋,1单元,101,85.5,张三明,138 1234 5678,,\n1栋,1单元,102,85.50㎡,李四,,王五,13912345678\n1栋,2单元,101,70,赵六,0359-6012345,,\n";
    let r = import_households(db, id, csv(good), Lang::Zh, "test", "cli").await.unwrap();
    assert!(r.committed, "{:?}", r.errors);
    assert_eq!(r.added, 3);
    assert_eq!((r.check.recorded, r.check.registry, r.check.registry_area_dm2), (Some(7), 3, 24100));
    assert!(!r.check.matches());
    assert!(
        r.check.message(Lang::Zh).contains("户数不一致") && r.check.message(Lang::Zh).contains("少 4 户"),
        "{}",
        r.check.message(Lang::Zh)
    );
    assert!(r.check.message(Lang::En).contains("counts differ"));
    let list = households::list(db, id).await.unwrap();
    let labels: Vec<String> = list.iter().map(|h| h.label()).collect();
    assert_eq!(labels, vec!["1栋1单元101", "1栋1单元102", "1栋2单元101"]);
    assert_eq!(
        (list[0].owner_phone.as_str(), list[1].proxy_name.as_str(), list[2].owner_phone.as_str()),
        ("13812345678", "王五", "03596012345")
    );
    let entries = audit::list(db, Some(("estate", &id.to_string())), 10).await.unwrap();
    assert_eq!(entries[0].action, "households.import");
    assert!(
        entries[0].detail.contains("名册.csv") && entries[0].detail.contains("\"added\":3"),
        "{}",
        entries[0].detail
    );
    // Importing a file with a room already registered refuses the whole file and names the row.
    let again = "楼栋,单元,房号,面积,姓名\n1,2,102,60,孙八\n1,1,102,60,周九\n";
    let r = import_households(db, id, csv(again), Lang::Zh, "test", "test").await.unwrap();
    assert!(!r.committed);
    assert_eq!(r.errors.len(), 1);
    assert_eq!((r.errors[0].row, r.errors[0].column.as_str()), (3, "房号"));
    assert!(r.errors[0].message(Lang::Zh).contains("已在该小区的住户名册中"));
    assert_eq!(households::totals(db, id).await.unwrap().0, 3);
    // Four more make the registry agree with the file.
    let more = "楼栋,单元,房号,面积,姓名\n1,2,102,60,孙八\n1,2,201,60,周九\n1,2,202,60,吴十\n1,1,201,60,郑一\n";
    let r = import_households(db, id, csv(more), Lang::Zh, "test", "test").await.unwrap();
    assert!(r.committed && r.check.matches(), "{:?}", r.check);
    assert!(r.check.message(Lang::Zh).contains("户数一致"));
    assert_eq!(audit::verify(db).await.unwrap().first_broken, None);
}

#[tokio::test]
async fn file_errors_and_empty_rosters_change_nothing() {
    let (t, regions) = ruicheng().await;
    let db = &t.db;
    let id = id_of(&estates::list(db, &regions, &Default::default()).await.unwrap(), "体委住宅楼");
    let e = import_households(db, id, csv("楼栋,房号,姓名\n1,101,甲\n"), Lang::Zh, "test", "test").await.unwrap_err();
    assert!(e.message(Lang::Zh).contains("专有部分面积"), "{}", e.message(Lang::Zh));
    let r = import_households(db, id, csv("楼栋,房号,面积,姓名\n"), Lang::Zh, "test", "test").await.unwrap();
    assert!(!r.committed && r.errors.len() == 1, "{:?}", r.errors);
    assert!(
        import_households(db, 999_999, csv("楼栋,房号,面积,姓名\n1,101,60,甲\n"), Lang::Zh, "test", "test")
            .await
            .is_err()
    );
    let xlsx = Source::Bytes { data: b"PK\x03\x04 not a zip", format: Format::Xlsx, file_name: "x.xlsx" };
    assert!(import_households(db, id, xlsx, Lang::Zh, "test", "test").await.is_err());
    assert_eq!(households::totals(db, id).await.unwrap(), (0, 0));
}

#[tokio::test]
async fn path_source_gbk_and_region_check() {
    let (t, regions) = ruicheng().await;
    let db = &t.db;
    let all = estates::list(db, &regions, &Default::default()).await.unwrap();
    let (a, b) = (id_of(&all, "诚信商城住宅楼"), id_of(&all, "保险公司住宅楼")); // 7 and 12 households recorded
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("名册.csv");
    let rows: String = (1..=7).map(|i| format!("1栋,,{i}01,6{i}.5,业主{i},1380000000{i}\n")).collect();
    let text = format!("楼栋,单元,房号,建筑面积,产权人,电话\n{rows}");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(&p, &gbk).unwrap();
    let r = import_households(db, a, Source::Path(&p), Lang::Zh, "test", "test").await.unwrap();
    assert!(r.committed, "{:?}", r.errors);
    assert_eq!(households::list(db, a).await.unwrap()[0].owner_name, "业主1");
    assert!(r.check.matches());
    let r = import_households(db, b, csv("楼栋,房号,面积,姓名\n1,101,60,甲\n1,102,60,乙\n"), Lang::Zh, "test", "test")
        .await
        .unwrap();
    assert!(r.committed);
    let c = mismatches(db, &regions, "140830").await.unwrap();
    assert_eq!((c.with_registry, c.without_registry), (2, 28));
    assert_eq!(c.mismatches.len(), 1);
    assert_eq!((c.mismatches[0].estate_id, c.mismatches[0].recorded, c.mismatches[0].registry), (b, Some(12), 2));
    let everywhere = mismatches(db, &regions, "").await.unwrap();
    assert_eq!(everywhere.mismatches.len(), 1);
    let elsewhere = mismatches(db, &regions, "1404").await.unwrap();
    assert_eq!((elsewhere.with_registry, elsewhere.without_registry, elsewhere.mismatches.len()), (0, 0, 0));
    assert_eq!(c.to_json(Lang::Zh)["mismatches"][0]["matches"], false);
}
