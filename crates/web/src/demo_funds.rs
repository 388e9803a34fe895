//! Demo money (`serve --demo`), on the demo projects as [`crate::demo::load_projects`] creates them: funding
//! plans by source, one central-subsidy allocation document of 芮城县 to two projects, and payments on the
//! 2025 project, one of them reversed (a wrong voucher) and entered again. Runs once, with the projects.

use jiugai_domain::FundSource;
use jiugai_store::funds::{self, AllocationLine, NewDocument, NewPayment};
use jiugai_store::regions::Regions;
use jiugai_store::{Db, StoreError};

const WAN: i64 = 1_000_000; // fen in 1 万元

/// `projects`: the 2025 project in implementation, then the two of 2026.
pub async fn load(db: &Db, regions: &Regions, projects: &[i64]) -> Result<(), StoreError> {
    let (actor, origin) = ("system", "demo");
    let [a, b, c] = projects else { return Ok(()) };
    // 原卷烟厂小区综合改造: 286 万元, the county pays the remainder [001 三(二)].
    for (p, plan) in [
        (
            *a,
            &[
                (FundSource::Central, 120),
                (FundSource::Provincial, 40),
                (FundSource::City, 20),
                (FundSource::County, 80),
                (FundSource::ResidentDirect, 12),
                (FundSource::Utility, 14),
            ][..],
        ),
        (*b, &[(FundSource::Central, 60), (FundSource::County, 90), (FundSource::ResidentDirect, 15)][..]),
        (*c, &[(FundSource::Central, 40), (FundSource::County, 58)][..]),
    ] {
        for (s, wan) in plan {
            funds::set_plan(db, p, *s, wan * WAN, None, actor, origin).await?;
        }
    }
    let doc = NewDocument {
        doc_no: "芮财建〔2025〕18号".into(),
        issued_on: "2025-04-15".into(),
        issuer_code: "140830".into(),
        source: FundSource::Central,
        note: "2025年中央财政城镇保障性安居工程补助资金（老旧小区改造）".into(),
    };
    let line = |p: i64, wan: i64| AllocationLine {
        project_id: Some(p),
        region_code: None,
        amount_fen: wan * WAN,
        note: String::new(),
        row: None,
    };
    funds::allocate(db, regions, &doc, &[line(*a, 120), line(*b, 60)], actor, origin).await?;
    let pay = |on: &str, wan: i64, voucher: &str| NewPayment {
        project_id: *a,
        source: Some(FundSource::Central),
        amount_fen: wan * WAN,
        paid_on: on.into(),
        payee: "芮城县建筑工程有限公司".into(),
        voucher: voucher.into(),
        item_id: None,
    };
    funds::pay(db, &pay("2025-06-10", 50, "芮财支2025-0610"), actor, origin).await?;
    funds::pay(db, &pay("2025-09-15", 30, "芮财支2025-0915"), actor, origin).await?;
    let wrong = funds::pay(db, &pay("2025-10-08", 5, "芮财支2025-1080"), actor, origin).await?;
    funds::reverse(db, wrong, "凭证号录错，按正确凭证重新登记", actor, origin).await?;
    funds::pay(db, &pay("2025-10-08", 5, "芮财支2025-1008"), actor, origin).await?;
    Ok(())
}
