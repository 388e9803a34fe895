//! Money by source on the backend `JIUGAI_TEST_DATABASE_URL` names: an allocation table with messy amounts
//! imported to the fen, a payment one fen above the allocation refused with nothing changed, the central
//! subsidy moved only with a decision, Qinzhou's 20% co-funding at 19.99% and 20%, the region summary equal
//! to the sum of its projects, and concurrent payments that never overdraw one allocation.

use std::path::Path;
use std::sync::Arc;

use jiugai_domain::{ErrorCode, FundSource};
use jiugai_rules::{Outcome, ProfileSet};
use jiugai_store::estates::import::{ImportOptions, import_estates};
use jiugai_store::funds::{self, NewDocument, NewMove, NewPayment};
use jiugai_store::projects::{self, NewProject};
use jiugai_store::regions::Regions;
use jiugai_store::testing::TestDb;
use jiugai_store::{Db, StoreError, audit};

const QINNAN: &str = "450702"; // 钦南区, 钦州市

async fn setup() -> (TestDb, Regions, i64, i64) {
    let t = TestDb::with_regions().await;
    let regions = Regions::load(&t.db).await.unwrap();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    let o = ImportOptions {
        region: Some("钦州市钦南区".into()),
        actor: "test".into(),
        origin: "test".into(),
        ..Default::default()
    };
    import_estates(&t.db, &regions, &f, &o, &|_| {}).await.unwrap();
    let a = project(&t.db, "钦南区甲项目", vec![1, 2]).await;
    let b = project(&t.db, "钦南区乙项目", vec![3]).await;
    (t, regions, a, b)
}

async fn project(db: &Db, name: &str, estates: Vec<i64>) -> i64 {
    let p = NewProject {
        name: name.into(),
        estate_ids: estates,
        plan_year: 2026,
        investment_fen: 100_000_000,
        ..Default::default()
    };
    projects::create(db, &p, "county", "test").await.unwrap().id
}

fn doc(no: &str, source: FundSource) -> NewDocument {
    NewDocument {
        doc_no: no.into(),
        issued_on: "2026-03-01".into(),
        issuer_code: QINNAN.into(),
        source,
        note: String::new(),
    }
}

fn payment(project: i64, fen: i64, voucher: &str) -> NewPayment {
    NewPayment {
        project_id: project,
        source: Some(FundSource::Central),
        amount_fen: fen,
        paid_on: "2026-04-01".into(),
        payee: "某建设公司".into(),
        voucher: voucher.into(),
        item_id: None,
    }
}

fn msg(e: &StoreError) -> String {
    e.message(jiugai_store::Lang::Zh)
}

#[tokio::test]
async fn allocation_table_to_the_fen_payments_and_ring_fence() {
    let (t, regions, a, b) = setup().await;
    let db = &t.db;
    // The table as offices send it: title rows, amounts in 万元 as typed, one in 元 with full-width digits.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("下达表.csv");
    std::fs::write(
        &f,
        "钦南区2026年中央补助资金下达表\n单位：万元\n序号,项目名称,金额（万元）,备注\n1,钦南区甲项目,120.5,\n2,钦南区乙项目,\"１,２０５,０００.０１元\",含设计费\n3,钦南区甲项目,3.000001,尾差\n,合计,\"2,440,000.02元\",\n",
    )
    .unwrap();
    let sheet = jiugai_sheet::allocation::read_allocations(&f, &Default::default()).unwrap();
    assert!(sheet.issues.is_empty(), "{:?}", sheet.issues);
    assert_eq!(sheet.rows.iter().map(|r| r.amount_fen).collect::<Vec<_>>(), [120_500_000, 120_500_001, 3_000_001]);
    let rep = funds::import_allocations(
        db,
        &regions,
        &sheet,
        &doc("钦南财建〔2026〕5号", FundSource::Central),
        false,
        jiugai_store::Lang::Zh,
        "test",
        "test",
    )
    .await
    .unwrap();
    assert!(rep.committed, "{:?}", rep.errors);
    assert_eq!(rep.total_fen, 244_000_002);
    let fa = funds::project_figures(db, a).await.unwrap();
    assert_eq!(fa[&FundSource::Central].allocated_fen, 123_500_001);
    // The same document again is refused.
    let e = funds::import_allocations(
        db,
        &regions,
        &sheet,
        &doc("钦南财建〔2026〕5号", FundSource::Central),
        false,
        jiugai_store::Lang::Zh,
        "test",
        "test",
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    // A wrong 合计 and an unknown project: named with row and column, nothing stored.
    std::fs::write(&f, "序号,项目名称,金额（万元）\n1,钦南区甲项目,10\n2,不存在的项目,5\n,合计,16\n").unwrap();
    let bad = jiugai_sheet::allocation::read_allocations(&f, &Default::default()).unwrap();
    assert_eq!(bad.issues.len(), 1, "{:?}", bad.issues);
    assert_eq!((bad.issues[0].row, bad.issues[0].column.as_str()), (4, "金额（万元）"));
    let rep = funds::import_allocations(
        db,
        &regions,
        &bad,
        &doc("钦南财建〔2026〕6号", FundSource::Central),
        false,
        jiugai_store::Lang::Zh,
        "t",
        "t",
    )
    .await
    .unwrap();
    assert!(!rep.committed);
    assert!(rep.errors.iter().any(|e| e.row == 3 && e.value == "不存在的项目"), "{:?}", rep.errors);
    assert_eq!(
        funds::project_figures(db, a).await.unwrap()[&FundSource::Central].allocated_fen,
        123_500_001,
        "nothing stored"
    );

    // Payments: up to the allocation, never one fen beyond; a refusal changes nothing.
    funds::pay(db, &payment(a, 100_000_000, "付001"), "fin", "t").await.unwrap();
    let e = funds::pay(db, &payment(a, 23_500_002, "付002"), "fin", "t").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::OverAllocation);
    assert!(msg(&e).contains("超出 0.01"), "{}", msg(&e));
    assert_eq!(funds::project_figures(db, a).await.unwrap()[&FundSource::Central].paid_fen, 100_000_000);
    let last = funds::pay(db, &payment(a, 23_500_001, "付002"), "fin", "t").await.unwrap();
    // A reversal is a new entry; it frees the money again.
    funds::reverse(db, last, "凭证号错误", "fin", "t").await.unwrap();
    assert!(funds::reverse(db, last, "再次", "fin", "t").await.is_err());
    assert_eq!(funds::project_figures(db, a).await.unwrap()[&FundSource::Central].paid_fen, 100_000_000);

    // Ring-fencing: central money moves between projects only with a decision.
    let mv = |decision: &str| NewMove {
        source: Some(FundSource::Central),
        from_project: a,
        to_project: b,
        amount_fen: 10_000_000,
        decision_no: decision.into(),
        reason: "甲项目结余".into(),
        approver: if decision.is_empty() { String::new() } else { "钦南区财政局".into() },
    };
    let e = funds::move_funds(db, &mv(""), "fin", "t").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::RingFenced);
    assert!(matches!(&e, StoreError::Invalid { rule: Some((_, src)), .. } if src.contains("[001 三(一)]")), "{e:?}");
    let id = funds::move_funds(db, &mv("钦南财建〔2026〕9号"), "fin", "t").await.unwrap();
    assert_eq!(funds::project_figures(db, b).await.unwrap()[&FundSource::Central].allocated_fen, 130_500_001);
    let log = audit::list(db, Some(("fund_move", &id.to_string())), 10).await.unwrap();
    assert_eq!(log.len(), 1);
    // Paid money cannot move.
    let mut too_much = mv("钦南财建〔2026〕10号");
    too_much.amount_fen = 13_500_002;
    assert_eq!(funds::move_funds(db, &too_much, "fin", "t").await.unwrap_err().code(), ErrorCode::OverAllocation);
    // A negative central allocation is refused with the clause.
    let neg = vec![funds::AllocationLine {
        project_id: Some(a),
        region_code: None,
        amount_fen: -1,
        note: String::new(),
        row: Some(2),
    }];
    assert_eq!(
        funds::allocate(db, &regions, &doc("x", FundSource::Central), &neg, "t", "t").await.unwrap_err().code(),
        ErrorCode::RingFenced
    );

    // Everything reconciles; the region equals the sum of its projects.
    assert_eq!(funds::reconcile(db).await.unwrap(), vec![]);
    let s = funds::summary(db, &regions, QINNAN, Some(2026)).await.unwrap();
    let c = &s.region.by_source[&FundSource::Central];
    assert_eq!((c.allocated_fen, c.paid_fen), (244_000_002, 100_000_000));
    let sum_a = funds::project_figures(db, a).await.unwrap()[&FundSource::Central].allocated_fen;
    let sum_b = funds::project_figures(db, b).await.unwrap()[&FundSource::Central].allocated_fen;
    assert_eq!(c.allocated_fen, sum_a + sum_b);
    let city = funds::summary(db, &regions, "4507", None).await.unwrap();
    assert_eq!(city.children.len(), 1);
    assert_eq!(city.children[0].total, city.region.total);
    assert!(audit::verify(db).await.unwrap().first_broken.is_none());
}

#[tokio::test]
async fn qinzhou_cofunding_at_19_99_and_20_percent() {
    let (t, _regions, a, _b) = setup().await;
    let db = &t.db;
    let profiles = ProfileSet::builtin();
    // Investment 1,000,000.00 元; residents + enterprises 199,990.00 元, then 200,000.00 元.
    funds::set_plan(db, a, FundSource::ResidentDirect, 9_999_000, None, "t", "t").await.unwrap();
    funds::set_plan(db, a, FundSource::Utility, 10_000_000, None, "t", "t").await.unwrap();
    let c = funds::checks(db, &profiles, a).await.unwrap();
    let d = c.iter().find(|d| d.check == "cofunding_min_share").expect("Qinzhou sets the rule");
    assert_eq!(d.outcome, Outcome::Fail, "{}", d.reason_zh);
    assert!(d.rule.source.contains("[003 四(一)1]"), "{}", d.rule.source);
    funds::set_plan(db, a, FundSource::ResidentDirect, 10_000_000, None, "t", "t").await.unwrap();
    let c = funds::checks(db, &profiles, a).await.unwrap();
    assert_eq!(c.iter().find(|d| d.check == "cofunding_min_share").unwrap().outcome, Outcome::Pass);
}

#[tokio::test]
async fn concurrent_payments_never_overdraw_one_allocation() {
    let (t, regions, a, _b) = setup().await;
    let db = Arc::new(t.db.clone());
    let line = vec![funds::AllocationLine {
        project_id: Some(a),
        region_code: None,
        amount_fen: 100_000,
        note: String::new(),
        row: None,
    }];
    funds::allocate(&db, &regions, &doc("并发1号", FundSource::Central), &line, "t", "t").await.unwrap();
    // 20 payments of 100.00 元 against 1,000.00 元: exactly 10 succeed.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let db = db.clone();
        tasks.push(tokio::spawn(
            async move { funds::pay(&db, &payment(a, 10_000, &format!("v{i}")), "fin", "t").await },
        ));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => {
                assert!(matches!(e.code(), ErrorCode::OverAllocation | ErrorCode::Busy | ErrorCode::Internal), "{e:?}")
            }
        }
    }
    let f = funds::project_figures(&db, a).await.unwrap();
    assert!(f[&FundSource::Central].paid_fen <= 100_000);
    assert_eq!(f[&FundSource::Central].paid_fen, ok * 10_000);
    assert!(ok >= 1);
    assert_eq!(funds::reconcile(&db).await.unwrap(), vec![]);
}
