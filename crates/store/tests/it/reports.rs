//! Monthly reports on the backend `JIUGAI_TEST_DATABASE_URL` names: a city of two counties whose roll-up
//! equals the sum of the counties' approved reports figure by figure, a change after approval shown as a
//! difference and not applied, reopen and resubmit, a month with no activity, refusals.

use std::path::Path;

use jiugai_domain::{ErrorCode, FundSource, ReportState, Role};
use jiugai_rules::ProfileSet;
use jiugai_store::estates::import::{ImportOptions, import_estates};
use jiugai_store::funds::{self, AllocationLine, NewDocument, NewPayment};
use jiugai_store::projects::{self, NewProject};
use jiugai_store::regions::Regions;
use jiugai_store::reports;
use jiugai_store::testing::{TestDb, execute};
use jiugai_store::{Db, estates};

const LUZHOU: &str = "140403";
const SHANGDANG: &str = "140404";
const M: &str = "2026-11";

async fn moved(db: &Db, pid: i64, to: &str, at: &str) {
    execute(db, &format!("UPDATE projects SET stage = '{to}' WHERE id = {pid}")).await;
    execute(db, &format!("INSERT INTO project_moves (project_id, from_stage, to_stage, from_year, to_year, reason, actor, at) VALUES ({pid}, 'planning', '{to}', 2026, 2026, 't', 't', '{at}')")).await;
}

async fn setup() -> (TestDb, Regions, i64, i64) {
    let t = TestDb::with_regions().await;
    let db = &t.db;
    let regions = Regions::load(db).await.unwrap();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    for county in ["长治市潞州区", "长治市上党区"] {
        let o =
            ImportOptions { region: Some(county.into()), actor: "t".into(), origin: "t".into(), ..Default::default() };
        import_estates(db, &regions, &f, &o, &|_| {}).await.unwrap();
    }
    let all = estates::list(db, &regions, &Default::default()).await.unwrap();
    let lz: Vec<i64> = all.iter().filter(|e| e.data.region_code == LUZHOU).map(|e| e.id).take(2).collect();
    let sd: Vec<i64> = all.iter().filter(|e| e.data.region_code == SHANGDANG).map(|e| e.id).take(1).collect();
    let np = |name: &str, estates: Vec<i64>| NewProject {
        name: name.into(),
        estate_ids: estates,
        plan_year: 2026,
        investment_fen: 500_000_000,
        ..Default::default()
    };
    let a = projects::create(db, &np("潞州甲", lz), "t", "t").await.unwrap().id;
    let b = projects::create(db, &np("上党乙", sd), "t", "t").await.unwrap().id;
    // A started in October and completed in November (Beijing time: 2026-11-01 00:30 is 10-31 16:30 UTC).
    moved(db, a, "implementation", "2026-10-10T02:00:00.000Z").await;
    moved(db, a, "completed", "2026-10-31T16:30:00.000Z").await;
    // B started on the last evening of November, Beijing time.
    moved(db, b, "implementation", "2026-11-30T15:59:00.000Z").await;
    let doc = NewDocument {
        doc_no: "长财〔2026〕1号".into(),
        issued_on: "2026-11-02".into(),
        issuer_code: "1404".into(),
        source: FundSource::Central,
        note: String::new(),
    };
    let lines = vec![
        AllocationLine {
            project_id: Some(a),
            region_code: None,
            amount_fen: 300_000_000,
            note: String::new(),
            row: None,
        },
        AllocationLine {
            project_id: Some(b),
            region_code: None,
            amount_fen: 100_000_000,
            note: String::new(),
            row: None,
        },
    ];
    funds::allocate(db, &regions, &doc, &lines, "t", "t").await.unwrap();
    let pay = NewPayment {
        project_id: a,
        source: Some(FundSource::Central),
        amount_fen: 120_000_000,
        paid_on: "2026-11-15".into(),
        payee: "施工".into(),
        voucher: "1".into(),
        item_id: None,
    };
    funds::pay(db, &pay, "t", "t").await.unwrap();
    (t, regions, a, b)
}

#[tokio::test]
async fn city_roll_up_equals_the_approved_counties_and_a_later_change_is_a_difference() {
    let (t, regions, a, _b) = setup().await;
    let db = &t.db;
    let profiles = ProfileSet::builtin();
    let lz = reports::get(db, &regions, &profiles, LUZHOU, M).await.unwrap();
    assert_eq!(lz.state, ReportState::Draft);
    let f = &lz.total;
    assert_eq!((f["projects_completed_month"], f["projects_started_month"], f["projects_started_ytd"]), (1, 0, 1));
    assert_eq!(
        (f["estates_completed_ytd"], f["paid_month_fen"], f["central_allocated_fen"]),
        (2, 120_000_000, 300_000_000)
    );
    assert_eq!(lz.due_on, "2026-12-05");
    assert!(lz.due_source.contains("本系统默认值"));
    let sd = reports::get(db, &regions, &profiles, SHANGDANG, M).await.unwrap();
    assert_eq!(
        (sd.total["projects_started_month"], sd.total["projects_completed_month"]),
        (1, 0),
        "the last evening of the month counts"
    );

    // The county cannot approve its own; the city returns only with a reason.
    let lz = reports::submit(db, &regions, &profiles, LUZHOU, M, 0, "web:luzhou", "t").await.unwrap();
    assert_eq!((lz.state, lz.version), (ReportState::Submitted, 1));
    let e = reports::act(db, &regions, &profiles, LUZHOU, M, 1, "approve", "", Role::County, LUZHOU, "web:luzhou", "t")
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotReviewer);
    assert!(
        reports::act(db, &regions, &profiles, LUZHOU, M, 1, "return", " ", Role::Admin, "1404", "web:city", "t")
            .await
            .is_err()
    );
    let lz = reports::act(db, &regions, &profiles, LUZHOU, M, 1, "approve", "", Role::Admin, "1404", "web:city", "t")
        .await
        .unwrap();
    assert_eq!(lz.state, ReportState::Approved);
    let sd = reports::submit(db, &regions, &profiles, SHANGDANG, M, 0, "web:sd", "t").await.unwrap();
    reports::act(
        db,
        &regions,
        &profiles,
        SHANGDANG,
        M,
        sd.version,
        "approve",
        "",
        Role::Admin,
        "1404",
        "web:city",
        "t",
    )
    .await
    .unwrap();
    let completeness = reports::completeness(db, &regions, &profiles, "1404", M).await.unwrap();
    assert_eq!(completeness.iter().filter(|c| c.state == ReportState::Approved).count(), 2);
    assert!(
        completeness.iter().any(|c| c.state == ReportState::Draft && c.region == "140405"),
        "the others have not reported"
    );

    // The city: one row per county, each its approved report; the total is their sum, figure by figure.
    let city = reports::get(db, &regions, &profiles, "1404", M).await.unwrap();
    let lz = reports::get(db, &regions, &profiles, LUZHOU, M).await.unwrap();
    let sd = reports::get(db, &regions, &profiles, SHANGDANG, M).await.unwrap();
    assert_eq!(city.rows.len(), 2);
    assert!(city.rows.iter().all(|r| r.state == ReportState::Approved));
    for (k, _, _, _) in reports::FIGURES {
        if *k == "target_estates" {
            continue;
        }
        assert_eq!(city.total[*k], lz.total[*k] + sd.total[*k], "{k}");
    }

    // A payment dated in November recorded after approval: a difference, not applied.
    let late = NewPayment {
        project_id: a,
        source: Some(FundSource::Central),
        amount_fen: 5_000_000,
        paid_on: "2026-11-28".into(),
        payee: "施工".into(),
        voucher: "2".into(),
        item_id: None,
    };
    funds::pay(db, &late, "t", "t").await.unwrap();
    let ch = reports::changes(db, &regions, &profiles, LUZHOU, M).await.unwrap();
    assert!(
        ch.iter().any(|(_, k, then, now)| k == "paid_month_fen" && *then == 120_000_000 && *now == 125_000_000),
        "{ch:?}"
    );
    assert_eq!(reports::get(db, &regions, &profiles, LUZHOU, M).await.unwrap().total["paid_month_fen"], 120_000_000);
    assert_eq!(reports::get(db, &regions, &profiles, "1404", M).await.unwrap().total["paid_month_fen"], 120_000_000);
    // Submitting again is refused; the city reopens with a reason; the county resubmits the corrected month.
    assert_eq!(
        reports::submit(db, &regions, &profiles, LUZHOU, M, 2, "web:luzhou", "t").await.unwrap_err().code(),
        ErrorCode::PlanState
    );
    let lz = reports::act(
        db,
        &regions,
        &profiles,
        LUZHOU,
        M,
        2,
        "reopen",
        "补录11月28日支付",
        Role::Admin,
        "1404",
        "web:city",
        "t",
    )
    .await
    .unwrap();
    assert_eq!((lz.state, lz.total["paid_month_fen"]), (ReportState::Returned, 125_000_000));
    let lz = reports::submit(db, &regions, &profiles, LUZHOU, M, lz.version, "web:luzhou", "t").await.unwrap();
    reports::act(db, &regions, &profiles, LUZHOU, M, lz.version, "approve", "", Role::Admin, "1404", "web:city", "t")
        .await
        .unwrap();
    assert_eq!(reports::get(db, &regions, &profiles, "1404", M).await.unwrap().total["paid_month_fen"], 125_000_000);
    assert!(jiugai_store::audit::verify(db).await.unwrap().first_broken.is_none());
}

#[tokio::test]
async fn a_month_without_activity_and_one_not_yet_over() {
    let (t, regions, _a, _b) = setup().await;
    let db = &t.db;
    let profiles = ProfileSet::builtin();
    let may = reports::get(db, &regions, &profiles, SHANGDANG, "2026-05").await.unwrap();
    assert!(may.total.iter().filter(|(k, _)| *k != "investment_planned_fen").all(|(_, v)| *v == 0), "{:?}", may.total);
    assert_eq!(may.total["investment_planned_fen"], 500_000_000, "the year's plan is known in May");
    let e = reports::submit(db, &regions, &profiles, SHANGDANG, "2099-01", 0, "t", "t").await.unwrap_err();
    assert!(e.message(jiugai_store::Lang::Zh).contains("尚未结束"));
    assert!(reports::month_bounds("2026-13").is_err());
}

/// Above county level the report reads the per-county aggregates; they must equal the direct computation from
/// the records for every region, month and figure, before and after each kind of change a trigger watches.
#[tokio::test]
async fn aggregates_equal_the_records_above_county_level_after_every_kind_of_change() {
    let (t, regions, a, b) = setup().await;
    let db = &t.db;
    let regions = &regions;
    let check = |stage: &'static str| async move {
        for code in ["", "14", "1404"] {
            for m in ["2025-12", "2026-10", "2026-11", "2026-12", "2027-01"] {
                let agg = reports::live(db, regions, code, m).await.unwrap();
                let scan = reports::scan(db, regions, code, m).await.unwrap();
                assert_eq!(agg, scan, "{stage}: region '{code}', month {m}");
            }
        }
    };
    check("as set up").await;
    let nov = reports::live(db, regions, "1404", M).await.unwrap();
    assert_eq!(nov.len(), 2, "one row per county with projects: {nov:?}");
    assert_eq!(nov[LUZHOU]["paid_month_fen"], 120_000_000);

    // A payment in December and one in November, then the November one reversed.
    let pay = |amount_fen: i64, paid_on: &str| NewPayment {
        project_id: b,
        source: Some(FundSource::Central),
        amount_fen,
        paid_on: paid_on.into(),
        payee: "施工".into(),
        voucher: format!("v{paid_on}"),
        item_id: None,
    };
    funds::pay(db, &pay(10_000_000, "2026-12-01"), "t", "t").await.unwrap();
    let p = funds::pay(db, &pay(7_000_000, "2026-11-20"), "t", "t").await.unwrap();
    check("after payments").await;
    assert_eq!(reports::live(db, regions, "14", M).await.unwrap()["1404"]["paid_month_fen"], 127_000_000);
    funds::reverse(db, p, "凭证错误", "t", "t").await.unwrap();
    check("after a reversal").await;
    // The reversal is dated the day it is made (after November): November's figure stands.
    assert_eq!(reports::live(db, regions, "14", M).await.unwrap()["1404"]["paid_month_fen"], 127_000_000);

    // The registry's household count and the management of a completed project.
    execute(db, "UPDATE estates SET households = households + 7").await;
    execute(db, &format!("UPDATE projects SET management_mode = 'professional' WHERE id = {a}")).await;
    check("after registry and management changes").await;
    assert_eq!(reports::live(db, regions, "", M).await.unwrap()["14"]["managed_estates"], 2);

    // A complaint received in November in Luzhou, answered on time.
    execute(db, "INSERT INTO complaints (tracking_no, region_code, category, body, status, due_on, created_at, updated_at) VALUES ('T1', '140403', 'quality', 'x', 'received', '2026-11-20', '2026-11-10T01:00:00.000Z', '2026-11-10T01:00:00.000Z')").await;
    check("after a complaint").await;
    execute(db, "INSERT INTO complaint_events (complaint_id, at, actor, status, note) SELECT id, '2026-11-12T01:00:00.000Z', 't', 'resolved', 'ok' FROM complaints WHERE tracking_no = 'T1'").await;
    check("after its answer").await;
    let city = reports::live(db, regions, "1404", M).await.unwrap();
    assert_eq!((city[LUZHOU]["complaints_month"], city[LUZHOU]["complaints_on_time_month"]), (1, 1));

    // An estate of Luzhou joins Shangdang's project: the project still counts in the county of its first estate.
    let lz_other: i64 = {
        let all = estates::list(db, regions, &Default::default()).await.unwrap();
        all.iter().filter(|e| e.data.region_code == LUZHOU).map(|e| e.id).nth(3).unwrap()
    };
    execute(db, &format!("INSERT INTO project_estates (project_id, estate_id) VALUES ({b}, {lz_other})")).await;
    check("after an estate joined a project").await;
    execute(db, &format!("DELETE FROM project_estates WHERE project_id = {b} AND estate_id = {lz_other}")).await;
    // A stage move of the other project, backdated into October.
    moved(db, b, "completed", "2026-10-20T02:00:00.000Z").await;
    check("after a backdated move").await;
    // Nothing is left dirty after a national read.
    reports::live(db, regions, "", M).await.unwrap();
    assert_eq!(jiugai_store::testing::scalar(db, "SELECT COUNT(*) FROM report_dirty").await, 0);
}

/// Steps overdue at the month's end: decided on the project as it stood then (a step done in December still
/// counts as overdue in November's report), and the city's count read from its cache equals its counties'.
/// Ruicheng's profile sets the plan year's milestones [001 二(三)3].
#[tokio::test]
async fn overdue_steps_are_counted_as_of_the_months_end() {
    const RUICHENG: &str = "140830";
    let t = TestDb::with_regions().await;
    let db = &t.db;
    let regions = Regions::load(db).await.unwrap();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    let o =
        ImportOptions { region: Some("芮城县".into()), actor: "t".into(), origin: "t".into(), ..Default::default() };
    import_estates(db, &regions, &f, &o, &|_| {}).await.unwrap();
    let ids: Vec<i64> = estates::list(db, &regions, &Default::default()).await.unwrap().iter().map(|e| e.id).collect();
    let np = |name: &str, estate_ids: Vec<i64>| NewProject {
        name: name.into(),
        estate_ids,
        plan_year: 2026,
        investment_fen: 500_000_000,
        ..Default::default()
    };
    let a = projects::create(db, &np("芮城甲", vec![ids[0]]), "t", "t").await.unwrap().id;
    projects::create(db, &np("芮城乙", vec![ids[1]]), "t", "t").await.unwrap();
    moved(db, a, "implementation", "2026-06-10T02:00:00.000Z").await;
    let profiles = ProfileSet::builtin();
    let count = |code: &'static str, m: &'static str| {
        let (regions, profiles) = (&regions, &profiles);
        async move { reports::get(db, regions, profiles, code, m).await.unwrap().total["overdue_steps"] }
    };
    let (county, city) = (count(RUICHENG, M).await, count("1408", M).await);
    assert!(county > 0, "Ruicheng's milestones have passed by the end of November");
    assert_eq!(city, county, "the city's cached count equals its county's");
    assert_eq!(count("14", M).await, county, "and the province's");
    // The first step A owes, done on 2 December: November's figure stands, December's is one lower.
    let p = projects::get(db, a).await.unwrap();
    let prof = profiles.effective(p.profile_name(&profiles)).unwrap();
    let nov_end = jiugai_rules::Date::parse("2026-11-30").unwrap();
    let owed = projects::steps::view(&prof, &p, &[], nov_end).into_iter().find(|s| s.overdue).unwrap();
    let dec_before = count(RUICHENG, "2026-12").await;
    execute(db, &format!("INSERT INTO project_steps (project_id, step_key, done_on, actor, at) VALUES ({a}, '{}', '2026-12-02', 't', '2026-12-02T01:00:00.000Z')", owed.key.as_str())).await;
    assert_eq!(count(RUICHENG, M).await, county);
    assert_eq!(count("1408", M).await, city, "the step is recorded after November");
    assert_eq!(count(RUICHENG, "2026-12").await, dec_before - 1);
    assert_eq!(count("1408", "2026-12").await, dec_before - 1);
    // Before the plan year's first milestone nothing is overdue.
    assert_eq!(count("1408", "2026-01").await, 0);
}

#[tokio::test]
async fn typed_figures_are_set_on_a_draft_checked_kept_on_submit_and_then_locked() {
    let (t, regions, _a, _b) = setup().await;
    let db = &t.db;
    let profiles = ProfileSet::builtin();
    let typed = serde_json::json!({"jobs_created": 120, "remarks": " 11月雨雪天气停工5天 "});
    let r = reports::set_typed(db, &regions, &profiles, LUZHOU, M, 0, &typed, "web:luzhou", "t").await.unwrap();
    assert_eq!((r.state, r.version), (ReportState::Draft, 1));
    assert_eq!(r.typed, serde_json::json!({"jobs_created": 120, "remarks": "11月雨雪天气停工5天"}));
    // A stale version, an unknown key, a negative count and a number for text are refused; nothing changes.
    assert!(matches!(
        reports::set_typed(db, &regions, &profiles, LUZHOU, M, 0, &typed, "t", "t").await.unwrap_err(),
        jiugai_store::StoreError::Stale { .. }
    ));
    for bad in [
        serde_json::json!({"jobs": 1}),
        serde_json::json!({"jobs_created": -1}),
        serde_json::json!({"jobs_created": "many"}),
        serde_json::json!({"remarks": 5}),
        serde_json::json!([1]),
    ] {
        let e = reports::set_typed(db, &regions, &profiles, LUZHOU, M, 1, &bad, "t", "t").await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidValue, "{bad}");
    }
    assert_eq!(reports::get(db, &regions, &profiles, LUZHOU, M).await.unwrap().typed["jobs_created"], 120);
    // The derived figures are still live while a draft; submitting keeps the typed ones and locks them.
    let r = reports::submit(db, &regions, &profiles, LUZHOU, M, 1, "web:luzhou", "t").await.unwrap();
    assert_eq!((r.state, r.version, r.typed["jobs_created"].as_i64()), (ReportState::Submitted, 2, Some(120)));
    assert_eq!(r.total["projects_completed_month"], 1);
    let e = reports::set_typed(db, &regions, &profiles, LUZHOU, M, 2, &typed, "t", "t").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::PlanState);
    assert!(reports::is_owner(LUZHOU, Role::County, LUZHOU));
    assert!(!reports::is_owner(LUZHOU, Role::Admin, "1404"));
    assert!(!reports::is_owner(LUZHOU, Role::Auditor, LUZHOU));
    let log = jiugai_store::audit::list(db, None, 1000).await.unwrap();
    assert!(log.iter().any(|e| e.action == "report.type"));
}
