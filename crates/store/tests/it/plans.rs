//! Annual plans and progress against targets on the backend `JIUGAI_TEST_DATABASE_URL` names: the consent
//! gate read from closed consultations and the registry, one plan per project, a late submission flagged,
//! the profile's reviewer only, a plan returned with reasons and resubmitted, approved, issued and locked,
//! an amendment superseding it, stale versions refused; and targets rolled up city → county with actuals
//! derived from project moves.

use std::path::Path;

use jiugai_domain::{ErrorCode, PlanStatus, Role};
use jiugai_rules::{Date, Outcome, ProfileSet};
use jiugai_store::estates::import::{ImportOptions, import_estates};
use jiugai_store::plans::{self, Actor};
use jiugai_store::projects::{self, NewProject};
use jiugai_store::regions::Regions;
use jiugai_store::residents::consultations::{self as cons, NewConsultation};
use jiugai_store::residents::households::{self, NewHousehold};
use jiugai_store::targets::{self, Import, NewTarget};
use jiugai_store::testing::{TestDb, execute};
use jiugai_store::{Db, StoreError, estates};

const LUZHOU: &str = "140403"; // 潞州区, 长治市

async fn setup() -> (TestDb, Regions, Vec<(i64, String, i64)>) {
    let t = TestDb::with_regions().await;
    let regions = Regions::load(&t.db).await.unwrap();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    let o = ImportOptions {
        region: Some("长治市潞州区".into()),
        actor: "test".into(),
        origin: "test".into(),
        ..Default::default()
    };
    assert_eq!(import_estates(&t.db, &regions, &f, &o, &|_| {}).await.unwrap().imported, 30);
    let all = estates::list(&t.db, &regions, &Default::default()).await.unwrap();
    let es = all.iter().map(|e| (e.id, e.data.name.clone(), e.data.households.unwrap_or(0))).collect();
    (t, regions, es)
}

async fn register(db: &Db, estate: i64, n: i64) -> Vec<i64> {
    let rows: Vec<NewHousehold> = (0..n)
        .map(|i| NewHousehold {
            building: format!("{}", i / 20 + 1),
            unit: "1".into(),
            room: format!("{}", 101 + (i % 20)),
            area_dm2: 8000,
            owner_name: format!("业主{i}"),
            ..Default::default()
        })
        .collect();
    households::insert_all(db, estate, &rows, "test", "test").await.unwrap();
    let mut ids: Vec<i64> = households::list(db, estate).await.unwrap().into_iter().map(|h| h.id).collect();
    ids.sort_unstable();
    ids
}

/// A closed consent consultation of `estate` with `yes` of `roll` households agreeing.
async fn consent(db: &Db, profiles: &ProfileSet, estate: i64, roll: i64, yes: usize) {
    let hids = register(db, estate, roll).await;
    let n = NewConsultation {
        estate_id: estate,
        kind: cons::Kind::Consent,
        title: "改造意愿征询".into(),
        question: "您是否同意本小区纳入改造计划？".into(),
        opens_at: "2020-01-01T00:00:00Z".into(),
        closes_at: "2099-12-31 18:00".into(),
        ..Default::default()
    };
    let c = cons::create(db, &n, "web:street", "test").await.unwrap();
    for h in &hids[..yes] {
        cons::cast_assisted(db, c.id, *h, cons::Choice::Yes, "web:worker", "test").await.unwrap();
    }
    let eff = profiles.effective(profiles.for_region(LUZHOU)).unwrap();
    cons::close(db, &eff, c.id, c.version, "测试：提前结束", "web:street", "test").await.unwrap();
}

async fn project(db: &Db, name: &str, estates: Vec<i64>, year: i32) -> i64 {
    let p = NewProject {
        name: name.into(),
        estate_ids: estates,
        plan_year: year,
        investment_fen: 286_000_000,
        ..Default::default()
    };
    projects::create(db, &p, "county", "test").await.unwrap().id
}

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn msg(e: &StoreError) -> String {
    e.message(jiugai_store::Lang::Zh)
}

const COUNTY: Actor<'static> = Actor { name: "web:luzhou", role: Role::County, scope: LUZHOU, origin: "test" };
const CITY: Actor<'static> = Actor { name: "web:changzhi", role: Role::Admin, scope: "1404", origin: "test" };

#[tokio::test]
async fn plan_checked_submitted_late_returned_approved_issued_and_amended() {
    let (t, regions, es) = setup().await;
    let db = &t.db;
    let profiles = ProfileSet::builtin();
    let (e1, e2, e3) = (&es[0], &es[1], &es[2]);
    // e1: its whole registry consulted, 80% agree. e2: a roll that does not match the registry.
    consent(db, &profiles, e1.0, e1.2, (e1.2 * 4 / 5 + 1) as usize).await;
    consent(db, &profiles, e2.0, e2.2 - 1, (e2.2 - 1) as usize).await;
    let a = project(db, "潞州区2026年甲片区改造", vec![e1.0, e2.0], 2026).await;
    let b = project(db, "潞州区2026年乙小区改造", vec![e3.0], 2026).await;
    let later = project(db, "潞州区2027年项目", vec![es[3].0], 2027).await;

    // A project of another year is refused, naming its year.
    let e = plans::create(db, &regions, &profiles, LUZHOU, 2026, &[a, later], &COUNTY).await.unwrap_err();
    assert!(msg(&e).contains("计划年度是 2027 年"), "{}", msg(&e));
    let plan = plans::create(db, &regions, &profiles, LUZHOU, 2026, &[a], &COUNTY).await.unwrap();
    assert_eq!((plan.status, plan.due_on.as_deref(), plan.version), (PlanStatus::Draft, Some("2025-09-15"), 1));
    // A second plan of the same region and year is refused; a project joins one plan only.
    let e = plans::create(db, &regions, &profiles, LUZHOU, 2026, &[], &COUNTY).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    execute(db, &format!("UPDATE estates SET street_code = '140403001' WHERE id IN ({}, {})", e1.0, e2.0)).await;
    let e = plans::create(db, &regions, &profiles, "140403001", 2026, &[a], &COUNTY).await.unwrap_err();
    assert!(msg(&e).contains("已列入 2026 年度计划"), "{}", msg(&e));

    // The checks: e1 passes from its consultation, e2's roll does not match, b's estate has none.
    let plan = plans::change_project(db, &regions, plan.id, plan.version, b, true, &COUNTY).await.unwrap();
    let r = plans::checks(db, &regions, &profiles, &plan, d("2025-09-01")).await.unwrap();
    let by = |s: &str| r.checks.iter().find(|c| c.subject.as_deref().is_some_and(|x| x.ends_with(s))).unwrap().clone();
    assert_eq!(by(&format!("：{}", e1.1)).outcome, Outcome::Pass);
    assert!(
        by(&format!("：{}", e2.1)).reason_zh.contains("与一区一档登记的"),
        "{}",
        by(&format!("：{}", e2.1)).reason_zh
    );
    assert!(by(&format!("：{}", e3.1)).reason_zh.contains("没有已结束的改造意愿征询"));
    let e = plans::submit(db, &regions, &profiles, plan.id, plan.version, d("2025-09-01"), &COUNTY).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::PlanChecksFailed);
    assert!(msg(&e).contains(&e2.1) && msg(&e).contains(&e3.1), "{}", msg(&e));
    assert_eq!(plans::get(db, plan.id).await.unwrap().status, PlanStatus::Draft, "a refusal changes nothing");

    // Fix: b leaves the plan; e2's registry is corrected to its roll.
    let plan = plans::change_project(db, &regions, plan.id, plan.version, b, false, &COUNTY).await.unwrap();
    execute(db, &format!("UPDATE estates SET households = {} WHERE id = {}", e2.2 - 1, e2.0)).await;
    // A stale version is refused.
    let e =
        plans::submit(db, &regions, &profiles, plan.id, plan.version - 1, d("2025-09-20"), &COUNTY).await.unwrap_err();
    assert!(matches!(e, StoreError::Stale { .. }), "{e:?}");
    // Submitted five days after 9月15日: accepted, flagged late.
    let plan = plans::submit(db, &regions, &profiles, plan.id, plan.version, d("2025-09-20"), &COUNTY).await.unwrap();
    assert_eq!((plan.status, plan.days_late), (PlanStatus::Submitted, Some(5)));
    let r = plans::checks(db, &regions, &profiles, &plan, d("2025-09-20")).await.unwrap();
    let due = r.checks.iter().find(|c| c.check == "plan_due").unwrap();
    assert_eq!(due.outcome, Outcome::Fail);
    assert!(due.rule.source.contains("[000 三(一)]"), "{}", due.rule.source);
    // Only the level above reviews: the county cannot approve its own plan.
    let e = plans::review(db, &regions, &profiles, plan.id, plan.version, true, "", d("2025-09-21"), &COUNTY)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotReviewer);
    assert!(msg(&e).contains("长治市"), "{}", msg(&e));
    assert_eq!(plans::awaiting(db, &regions, &profiles, &CITY).await.unwrap().len(), 1);
    assert!(plans::awaiting(db, &regions, &profiles, &COUNTY).await.unwrap().is_empty());
    // Returned: reasons required; back to the authors, who change and resubmit.
    let e = plans::review(db, &regions, &profiles, plan.id, plan.version, false, " ", d("2025-09-21"), &CITY)
        .await
        .unwrap_err();
    assert!(msg(&e).contains("理由"));
    let plan =
        plans::review(db, &regions, &profiles, plan.id, plan.version, false, "请补充乙小区", d("2025-09-21"), &CITY)
            .await
            .unwrap();
    assert_eq!(plan.status, PlanStatus::Returned);
    let plan = plans::submit(db, &regions, &profiles, plan.id, plan.version, d("2025-09-22"), &COUNTY).await.unwrap();
    let plan =
        plans::review(db, &regions, &profiles, plan.id, plan.version, true, "", d("2025-09-23"), &CITY).await.unwrap();
    assert_eq!(plan.status, PlanStatus::Approved);
    let plan = plans::issue(db, &regions, &profiles, plan.id, plan.version, d("2025-09-24"), &CITY).await.unwrap();
    assert_eq!(plan.status, PlanStatus::Issued);
    // Locked: no change but an amendment.
    let e = plans::change_project(db, &regions, plan.id, plan.version, b, true, &COUNTY).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::PlanState);
    assert!(msg(&e).contains("调整"), "{}", msg(&e));
    let acts: Vec<String> = plans::events(db, plan.id).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(acts, ["create", "add", "remove", "submit", "return", "submit", "approve", "issue"]);
    let am = plans::amend(db, plan.id, plan.version, "增补项目", &COUNTY).await.unwrap();
    assert_eq!((am.amendment, am.amends_id, am.status), (1, Some(plan.id), PlanStatus::Draft));
    assert_eq!(am.project_ids, plan.project_ids);
    let am = plans::submit(db, &regions, &profiles, am.id, am.version, d("2025-10-10"), &COUNTY).await.unwrap();
    let am = plans::review(db, &regions, &profiles, am.id, am.version, true, "", d("2025-10-11"), &CITY).await.unwrap();
    plans::issue(db, &regions, &profiles, am.id, am.version, d("2025-10-12"), &CITY).await.unwrap();
    assert_eq!(plans::get(db, plan.id).await.unwrap().status, PlanStatus::Superseded);
    // Every act is audited and the chain verifies.
    assert!(jiugai_store::audit::verify(db).await.unwrap().first_broken.is_none());
}

#[tokio::test]
async fn fenyang_chain_has_four_steps_and_a_department_step() {
    let profiles = ProfileSet::builtin();
    let steps = plans::chain(&profiles, "141182001");
    assert_eq!(steps.len(), 4);
    let t = TestDb::with_regions().await;
    let regions = Regions::load(&t.db).await.unwrap();
    let street = regions.children("141182").next().unwrap().code.clone();
    assert_eq!(plans::step_region(&regions, &street, &steps[0]).as_deref(), Some("141182"));
    assert_eq!(plans::step_region(&regions, &street, &steps[3]).as_deref(), Some("1411"));
    let office = Actor { name: "fy", role: Role::Admin, scope: "141182", origin: "t" };
    let dept = Actor { name: "fy-fgw", role: Role::Department, scope: "141182", origin: "t" };
    assert!(plans::may_review(&regions, &street, &steps[0], &office));
    assert!(!plans::may_review(&regions, &street, &steps[2], &office));
    assert!(plans::may_review(&regions, &street, &steps[2], &dept));
}

#[tokio::test]
async fn progress_rolls_up_with_actuals_from_project_moves() {
    let (t, regions, es) = setup().await;
    let db = &t.db;
    let profiles = ProfileSet::builtin();
    let imp = Import {
        region_code: "1404".into(),
        years: vec![2022, 2023, 2024, 2025],
        rows: [(LUZHOU, [60, 40, 30, 20]), ("140404", [148, 123, 100, 98])]
            .iter()
            .flat_map(|(c, v)| {
                [2022, 2023, 2024, 2025].iter().zip(v.iter()).map(move |(y, n)| NewTarget {
                    region_code: (*c).into(),
                    year: *y,
                    estates: *n,
                    households: None,
                })
            })
            .collect(),
        total: Some(689),
        prior: 70,
        source: "分解表.xlsx".into(),
    };
    assert_eq!(targets::replace(db, &regions, &imp, "test", "test").await.unwrap(), 8);
    // Two estates done in 2022 (moved to completed then), one started.
    let a = project(db, "甲", vec![es[0].0, es[1].0], 2022).await;
    let b = project(db, "乙", vec![es[2].0], 2023).await;
    execute(db, &format!("UPDATE projects SET stage = 'completed' WHERE id = {a}")).await;
    execute(db, &format!("INSERT INTO project_moves (project_id, from_stage, to_stage, from_year, to_year, reason, actor, at) VALUES ({a}, 'implementation', 'completed', 2022, 2022, '竣工', 't', '2022-11-30T02:00:00Z')")).await;
    execute(db, &format!("UPDATE projects SET stage = 'implementation' WHERE id = {b}")).await;
    let p = targets::progress(db, &regions, &profiles, "1404", 2022).await.unwrap();
    assert_eq!((p.region.target, p.region.done, p.region.started), (Some(208), 2, 1));
    assert_eq!((p.region.cumulative, p.region.total), (72, Some(689)));
    assert_eq!(p.region.promised.as_deref(), Some("≥35%"));
    // 35% of 689 is 241.15: 242 estates are needed by the end of 2022.
    assert_eq!(p.region.promise_shortfall, Some(242 - 72));
    assert_eq!(p.region.shortfall, 206);
    let lz = p.children.iter().find(|c| c.region_code == LUZHOU).unwrap();
    assert_eq!((lz.target, lz.done, lz.done_households, lz.started), (Some(60), 2, es[0].2 + es[1].2, 1));
    let other = p.children.iter().find(|c| c.region_code == "140404").unwrap();
    assert_eq!((other.target, other.done), (Some(148), 0));
    assert_eq!(p.series.iter().map(|l| l.target.unwrap()).collect::<Vec<_>>(), [208, 163, 130, 118]);
    // The county's own view: its streets (none assigned here) and its series.
    let c = targets::progress(db, &regions, &profiles, LUZHOU, 2022).await.unwrap();
    assert_eq!((c.region.target, c.region.done), (Some(60), 2));
    // Re-importing replaces; a task unit can carry targets.
    let unit =
        jiugai_store::regions::add_task_unit(db, "1404", "长治高新技术产业开发区", None, "test", "test").await.unwrap();
    assert_eq!((unit.code.as_str(), unit.task_unit), ("140471", true));
    let regions = Regions::load(db).await.unwrap();
    let imp2 = Import {
        rows: vec![NewTarget { region_code: unit.code.clone(), year: 2022, estates: 5, households: Some(900) }],
        years: vec![2022],
        ..imp
    };
    targets::replace(db, &regions, &imp2, "test", "test").await.unwrap();
    let all = targets::list(db, "1404").await.unwrap();
    assert_eq!(all.iter().filter(|t| t.year == 2022).count(), 1, "2022 replaced: {all:?}");
    assert_eq!(all.iter().filter(|t| t.year == 2023).count(), 2, "other years kept");
}

/// Suzhou's 2022 cap [002 二(一)]: households of estates built 2001–2005 at most 15% of the plan's households,
/// read from the registry (build years and 户数) through the eligibility verdict.
#[tokio::test]
async fn suzhou_cap_at_15_percent_exactly_and_just_above() {
    let t = TestDb::with_regions().await;
    let db = &t.db;
    let regions = Regions::load(db).await.unwrap();
    let profiles = ProfileSet::builtin();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    let o = ImportOptions {
        region: Some("宿州市埇桥区".into()),
        actor: "test".into(),
        origin: "test".into(),
        ..Default::default()
    };
    import_estates(db, &regions, &f, &o, &|_| {}).await.unwrap();
    let all = estates::list(db, &regions, &Default::default()).await.unwrap();
    let (core, ext) = (all[0].id, all[1].id);
    let cap = |core_hh: i64, ext_hh: i64| {
        let regions = &regions;
        let profiles = &profiles;
        async move {
            execute(db, &format!("UPDATE estates SET households = {core_hh}, built_years = '1995', built_year_min = 1995 WHERE id = {core}")).await;
            execute(db, &format!("UPDATE estates SET households = {ext_hh}, built_years = '2003', built_year_min = 2003 WHERE id = {ext}")).await;
            let plan = plans::list(db, "", Some("341302"), Some(2022)).await.unwrap().remove(0);
            let r = plans::checks(db, regions, profiles, &plan, d("2021-06-01")).await.unwrap();
            r.checks.into_iter().find(|c| c.check == "extended_household_cap").unwrap()
        }
    };
    let p = project(db, "埇桥区2022年项目", vec![core, ext], 2022).await;
    let a = Actor { name: "web:yq", role: Role::County, scope: "341302", origin: "test" };
    plans::create(db, &regions, &profiles, "341302", 2022, &[p], &a).await.unwrap();
    let at = cap(85, 15).await;
    assert_eq!(at.outcome, Outcome::Pass, "{}", at.reason_zh);
    assert!(at.rule.source.contains("[002 二(一)]"), "{}", at.rule.source);
    let above = cap(84, 16).await;
    assert_eq!(above.outcome, Outcome::Fail, "{}", above.reason_zh);
    assert!(above.reason_zh.contains("16"), "{}", above.reason_zh);
}
