//! The assessment of counties (考核) on the backend `JIUGAI_TEST_DATABASE_URL` names: three counties of
//! 长治市 set up through the store (projects, stage moves, steps, allocations and payments, satisfaction,
//! quality issues, complaints, monthly reports, targets); every input counted from the records is checked,
//! and every score is recomputed here by hand from the stated formula and compared exactly. 上党区 has no
//! satisfaction data: its part is missing (not 0) and its score is re-normalised over the weights present.

use std::path::Path;

use jiugai_domain::{AssessCriterion as C, FundSource};
use jiugai_rules::ProfileSet;
use jiugai_store::assess;
use jiugai_store::estates::import::{ImportOptions, import_estates};
use jiugai_store::funds::{self, AllocationLine, NewDocument, NewPayment};
use jiugai_store::projects::{self, NewProject};
use jiugai_store::regions::Regions;
use jiugai_store::testing::{TestDb, execute};
use jiugai_store::{Db, estates};

const CITY: &str = "1404";
const LZ: &str = "140403";
const SD: &str = "140404";
const TL: &str = "140405";

/// Each county's own profile (inheriting 长治) gives the year's start and completion milestones, so that
/// steps have due dates: start by 04-30, completion by 10-31.
fn profiles() -> ProfileSet {
    let mut set = ProfileSet::builtin();
    for (name, code) in [("t-lz", LZ), ("t-sd", SD), ("t-tl", TL)] {
        let text = format!(
            "name = \"{name}\"\ntitle = \"{name}\"\nregion_code = \"{code}\"\ninherits = \"changzhi\"\n\
             [rules.milestone_start]\nvalue = \"04-30\"\nsource = \"test\"\n\
             [rules.milestone_completion]\nvalue = \"10-31\"\nsource = \"test\"\n"
        );
        set.load(name, &text).unwrap();
    }
    set
}

async fn moved(db: &Db, pid: i64, to: &str, at: &str) {
    execute(db, &format!("UPDATE projects SET stage = '{to}' WHERE id = {pid}")).await;
    execute(db, &format!("INSERT INTO project_moves (project_id, from_stage, to_stage, from_year, to_year, reason, actor, at) VALUES ({pid}, 'implementation', '{to}', 2025, 2025, 't', 't', '{at}')")).await;
}

async fn step(db: &Db, pid: i64, key: &str, on: &str) {
    execute(db, &format!("INSERT INTO project_steps (project_id, step_key, done_on, actor, at) VALUES ({pid}, '{key}', '{on}', 't', '{on}T02:00:00Z')")).await;
}

async fn complaint(db: &Db, no: &str, region: &str, created: &str, due: &str, resolved: Option<&str>) {
    let status = if resolved.is_some() { "resolved" } else { "received" };
    execute(db, &format!("INSERT INTO complaints (tracking_no, region_code, category, body, status, due_on, created_at, updated_at) VALUES ('{no}', '{region}', 'quality', '漏水问题反映', '{status}', '{due}', '{created}', '{created}')")).await;
    if let Some(at) = resolved {
        execute(db, &format!("INSERT INTO complaint_events (complaint_id, at, actor, status, note) SELECT id, '{at}', 't', 'resolved', '已处理' FROM complaints WHERE tracking_no = '{no}'")).await;
    }
}

async fn report(db: &Db, region: &str, month: &str, submitted_at: &str) {
    execute(db, &format!("INSERT INTO monthly_reports (region_code, month, state, submitted_at, created_at, updated_at) VALUES ('{region}', '{month}', 'submitted', '{submitted_at}', '{submitted_at}', '{submitted_at}')")).await;
}

async fn target(db: &Db, region: &str, estates: i64) {
    execute(db, &format!("INSERT INTO targets (region_code, year, estates, source, updated_at, updated_by) VALUES ('{region}', 2025, {estates}, 't', '2025-01-01T00:00:00Z', 't')")).await;
}

async fn pay(db: &Db, project_id: i64, amount_fen: i64, on: &str) {
    let p = NewPayment {
        project_id,
        source: Some(FundSource::Central),
        amount_fen,
        paid_on: on.into(),
        payee: "施工单位".into(),
        voucher: format!("{project_id}-{on}"),
        item_id: None,
    };
    funds::pay(db, &p, "t", "t").await.unwrap();
}

async fn setup() -> (TestDb, Regions) {
    let t = TestDb::with_regions().await;
    let db = &t.db;
    let regions = Regions::load(db).await.unwrap();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    for county in ["长治市潞州区", "长治市上党区", "长治市屯留区"] {
        let o =
            ImportOptions { region: Some(county.into()), actor: "t".into(), origin: "t".into(), ..Default::default() };
        import_estates(db, &regions, &f, &o, &|_| {}).await.unwrap();
    }
    let all = estates::list(db, &regions, &Default::default()).await.unwrap();
    let of = |code: &str| all.iter().filter(|e| e.data.region_code == code).map(|e| e.id).collect::<Vec<_>>();
    let (lz, sd, tl) = (of(LZ), of(SD), of(TL));
    let np = |name: &str, estates: Vec<i64>| NewProject {
        name: name.into(),
        estate_ids: estates,
        plan_year: 2025,
        investment_fen: 500_000_000,
        ..Default::default()
    };
    let a1 = projects::create(db, &np("潞州甲", lz[..2].to_vec()), "t", "t").await.unwrap().id;
    let a2 = projects::create(db, &np("潞州乙", lz[2..3].to_vec()), "t", "t").await.unwrap().id;
    let b1 = projects::create(db, &np("上党丙", sd[..1].to_vec()), "t", "t").await.unwrap().id;
    let c1 = projects::create(db, &np("屯留丁", tl[..1].to_vec()), "t", "t").await.unwrap().id;
    // A project of another year counts nowhere.
    let other = NewProject { plan_year: 2026, ..np("潞州明年", lz[3..4].to_vec()) };
    let x = projects::create(db, &other, "t", "t").await.unwrap().id;
    execute(db, &format!("UPDATE projects SET satisfaction_yes = 1, satisfaction_answered = 100 WHERE id = {x}")).await;

    for (p, start) in [(a1, "2025-03-01"), (a2, "2025-03-01"), (b1, "2025-03-01"), (c1, "2025-03-01")] {
        moved(db, p, "implementation", &format!("{start}T02:00:00Z")).await;
    }
    moved(db, a1, "completed", "2025-06-10T02:00:00Z").await;
    moved(db, a2, "completed", "2025-09-01T02:00:00Z").await;
    moved(db, b1, "completed", "2025-10-01T02:00:00Z").await;
    moved(db, c1, "completed", "2025-11-20T02:00:00Z").await;

    // Satisfaction at acceptance: 潞州 45/50 + 30/40, 上党 none, 屯留 18/20.
    for (p, yes, n) in [(a1, 45, 50), (a2, 30, 40), (c1, 18, 20)] {
        execute(
            db,
            &format!("UPDATE projects SET satisfaction_yes = {yes}, satisfaction_answered = {n} WHERE id = {p}"),
        )
        .await;
    }
    // Management chosen: 潞州甲 (2 estates) and 上党丙.
    for p in [a1, b1] {
        execute(db, &format!("UPDATE projects SET management_mode = 'unit' WHERE id = {p}")).await;
    }
    // Quality: 潞州乙 has an issue still open; 屯留丁's was closed before the year's end.
    execute(db, &format!("INSERT INTO project_issues (project_id, kind, description, opened_on, opened_by) VALUES ({a2}, 'quality', '外墙空鼓', '2025-08-01', 't')")).await;
    execute(db, &format!("INSERT INTO project_issues (project_id, kind, description, opened_on, opened_by, closed_on, closed_by, resolution) VALUES ({c1}, 'quality', '防水', '2025-07-01', 't', '2025-11-01', 't', '返修')")).await;
    // A safety issue is not a quality issue.
    execute(db, &format!("INSERT INTO project_issues (project_id, kind, description, opened_on, opened_by) VALUES ({b1}, 'safety', '临边防护', '2025-08-01', 't')")).await;

    // Steps (due: start 2025-04-30, completion 2025-10-31).
    step(db, a1, "start", "2025-04-20").await; // on time
    step(db, a1, "completion", "2025-06-10").await; // on time
    step(db, a2, "start", "2025-05-15").await; // late; its completion not recorded (overdue)
    step(db, b1, "start", "2025-04-30").await; // on the due day: on time
    step(db, b1, "completion", "2025-10-01").await;
    step(db, c1, "start", "2025-06-01").await; // late
    step(db, c1, "completion", "2025-11-20").await; // late

    // Money.
    let doc = NewDocument {
        doc_no: "长财〔2025〕1号".into(),
        issued_on: "2025-03-01".into(),
        issuer_code: CITY.into(),
        source: FundSource::Central,
        note: String::new(),
    };
    let line = |p: i64, amount_fen: i64| AllocationLine {
        project_id: Some(p),
        region_code: None,
        amount_fen,
        note: String::new(),
        row: None,
    };
    let lines = vec![line(a1, 300_000_000), line(a2, 100_000_000), line(b1, 200_000_000), line(c1, 100_000_000)];
    funds::allocate(db, &regions, &doc, &lines, "t", "t").await.unwrap();
    pay(db, a1, 120_000_000, "2025-11-15").await;
    pay(db, a2, 30_000_000, "2025-12-20").await;
    pay(db, a1, 50_000_000, "2026-01-10").await; // after the period: not counted
    pay(db, b1, 180_000_000, "2025-10-15").await;

    // Targets for 2025.
    target(db, LZ, 4).await;
    target(db, SD, 1).await;
    target(db, TL, 2).await;

    // Complaints (created_at UTC; due_on the Beijing day).
    complaint(db, "TSLZ1", LZ, "2025-03-01T02:00:00Z", "2025-03-16", Some("2025-03-10T02:00:00Z")).await; // on time
    complaint(db, "TSLZ2", LZ, "2025-05-01T02:00:00Z", "2025-05-16", Some("2025-05-20T02:00:00Z")).await; // late
    complaint(db, "TSLZ3", "140403001", "2025-12-01T02:00:00Z", "2025-12-16", None).await; // a street of 潞州; past due
    complaint(db, "TSLZ4", LZ, "2025-12-25T02:00:00Z", "2026-01-09", None).await; // not yet due: not counted
    complaint(db, "TSLZ5", LZ, "2026-01-05T02:00:00Z", "2026-01-20", None).await; // next year
    complaint(db, "TSSD1", SD, "2025-06-01T02:00:00Z", "2025-06-16", Some("2025-06-05T02:00:00Z")).await;
    // Beijing 07-16 23:00: on the due day, on time; Beijing 08-17 00:30: a day late.
    complaint(db, "TSTL1", TL, "2025-07-01T02:00:00Z", "2025-07-16", Some("2025-07-16T15:00:00Z")).await;
    complaint(db, "TSTL2", TL, "2025-08-01T02:00:00Z", "2025-08-16", Some("2025-08-16T16:30:00Z")).await;

    // Monthly reports (due the 5th of the next month): 潞州 all but May, March late; 上党 all on time;
    // 屯留 none.
    for m in 1..=11u32 {
        let month = format!("2025-{m:02}");
        let next = format!("2025-{:02}", m + 1);
        if m != 5 {
            let at = if m == 3 { "2025-04-20T02:00:00Z".to_string() } else { format!("{next}-03T02:00:00Z") };
            report(db, LZ, &month, &at).await;
        }
        report(db, SD, &month, &format!("{next}-05T15:00:00Z")).await; // Beijing 23:00 on the due day
    }
    (t, regions)
}

/// Numerator and denominator per criterion.
type Parts = Vec<(C, i64, i64)>;

/// The formula by hand: Σ wᵢ·nᵢ/dᵢ over the parts present (dᵢ > 0, nᵢ capped at dᵢ) as one exact fraction,
/// × full weight / weights present, rounded half up to 0.01 point.
fn by_hand(weights: &[(C, i64)], parts: &[(C, i64, i64)]) -> i64 {
    let (mut n, mut d, mut present) = (0i128, 1i128, 0i128);
    let total: i128 = weights.iter().map(|w| i128::from(w.1)).sum();
    for &(c, w) in weights {
        let &(_, pn, pd) = parts.iter().find(|p| p.0 == c).unwrap();
        if pd > 0 {
            n = n * i128::from(pd) + i128::from(w) * i128::from(pn.min(pd)) * d;
            d *= i128::from(pd);
            present += i128::from(w);
        }
    }
    let (a, b) = (100 * total * n, d * present);
    ((2 * a + b) / (2 * b)) as i64
}

#[tokio::test]
async fn three_counties_scored_from_the_records_and_recomputed_by_hand() {
    let (t, regions) = setup().await;
    let db = &t.db;
    let set = profiles();
    let r = assess::assess(db, &regions, &set, CITY, 2025).await.unwrap();
    assert_eq!((r.as_of.as_str(), r.profile.as_str(), r.total_weight), ("2025-12-31", "changzhi", 100));
    let weights: Vec<(C, i64)> = r.formula.iter().map(|f| (f.criterion, f.weight)).collect();
    assert_eq!(weights.iter().map(|w| w.1).sum::<i64>(), 100);
    assert!(r.formula.iter().all(|f| !f.source.is_empty() && !f.definition_zh.is_empty()));

    // What each county's records give, counted by hand from the setup.
    let expected: [(&str, Parts); 3] = [
        (
            LZ,
            vec![
                (C::Satisfaction, 75, 90),
                (C::Quality, 1, 2),
                (C::Timeliness, 2, 3),
                (C::FundsEfficiency, 150_000_000, 400_000_000),
                (C::TargetProgress, 3, 4),
                (C::OverdueSteps, 3, 4),
                (C::ComplaintsOnTime, 1, 3),
                (C::ManagementCoverage, 2, 3),
                (C::ReportCompleteness, 10, 11),
                (C::ReportOnTime, 9, 11),
            ],
        ),
        (
            SD,
            vec![
                (C::Satisfaction, 0, 0),
                (C::Quality, 1, 1),
                (C::Timeliness, 2, 2),
                (C::FundsEfficiency, 180_000_000, 200_000_000),
                (C::TargetProgress, 1, 1),
                (C::OverdueSteps, 2, 2),
                (C::ComplaintsOnTime, 1, 1),
                (C::ManagementCoverage, 1, 1),
                (C::ReportCompleteness, 11, 11),
                (C::ReportOnTime, 11, 11),
            ],
        ),
        (
            TL,
            vec![
                (C::Satisfaction, 18, 20),
                (C::Quality, 1, 1),
                (C::Timeliness, 0, 2),
                (C::FundsEfficiency, 0, 100_000_000),
                (C::TargetProgress, 1, 2),
                (C::OverdueSteps, 2, 2),
                (C::ComplaintsOnTime, 1, 2),
                (C::ManagementCoverage, 0, 1),
                (C::ReportCompleteness, 0, 11),
                (C::ReportOnTime, 0, 11),
            ],
        ),
    ];
    for (code, parts) in &expected {
        let row = r.rows.iter().find(|x| x.region == *code).unwrap();
        for &(c, n, d) in parts {
            let p = &row.parts[c.as_str()];
            assert_eq!((p.num, p.den), (n, d), "{code} {c}");
            assert_eq!(p.missing, d == 0, "{code} {c}");
            assert_eq!(p.points.is_none(), d == 0, "{code} {c}: missing is not 0");
        }
    }
    // 潞州: 20·75/90 + 15·1/2 + 10·2/3 + 15·3/8 + 15·3/4 + 5·3/4 + 5·1/3 + 5·2/3 + 5·10/11 + 5·9/11
    //     = 50/3 + 7.5 + 20/3 + 5.625 + 11.25 + 3.75 + 5/3 + 10/3 + 50/11 + 45/11
    //     = 85/3 + 28.125 + 95/11 = 28.3333… + 28.125 + 8.6363… = 65.0946… → 65.09
    // 上党: satisfaction missing; weights present 80: 15 + 10 + 13.5 + 15 + 5 + 5 + 5 + 5 + 5 = 78.5;
    //     × 100/80 = 98.125 → 98.13 (half up)
    // 屯留: 18 + 15 + 0 + 0 + 7.5 + 5 + 2.5 + 0 + 0 + 0 = 48.00
    let hand: Vec<i64> = expected.iter().map(|(_, p)| by_hand(&weights, p)).collect();
    assert_eq!(hand, [6509, 9813, 4800]);
    let got: Vec<(&str, Option<&str>, Option<u32>)> =
        r.rows.iter().map(|x| (x.region.as_str(), x.score.as_deref(), x.rank)).collect();
    assert_eq!(got[..3], [(SD, Some("98.13"), Some(1)), (LZ, Some("65.09"), Some(2)), (TL, Some("48.00"), Some(3))]);
    // 长治's other counties have only their monthly reports due (none submitted: 0/11): 0.00, by code.
    assert_eq!(got.len(), 12);
    assert!(got[3..].iter().all(|(_, s, _)| *s == Some("0.00")));
    assert!(got[3..].windows(2).all(|w| w[0].0 < w[1].0 && w[0].2 < w[1].2));
    assert_eq!(r.rows[0].name, "上党区");
    assert_eq!(r.rows[1].parts["satisfaction"].points.as_deref(), Some("16.67"));
    assert_eq!(r.rules.missing, "renormalise");
    assert!(r.rules.ties_zh.contains("区划代码"));

    // The JSON shape scripts rely on.
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["formula"][0]["criterion"], "satisfaction");
    assert_eq!(v["formula"][0]["weight"], 20);
    assert!(v["formula"][0]["source"].as_str().unwrap().contains("[003 四(三)]"));
    assert_eq!(v["rows"][0]["region"], SD);
    assert_eq!(v["rows"][0]["rank"], 1);
    assert_eq!(v["rows"][0]["score"], "98.13");
    assert_eq!(v["rows"][0]["parts"]["satisfaction"]["missing"], true);
    assert_eq!(v["rows"][0]["parts"]["satisfaction"]["points"], serde_json::Value::Null);

    // The sheet reads back the same.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.xlsx");
    jiugai_sheet::assess_sheet::write_assess_xlsx(&path, &assess::sheet(&r)).unwrap();
    let back = jiugai_sheet::assess_sheet::read_assess(&path, r.formula.len()).unwrap();
    let got: Vec<(String, Option<String>, Option<u32>)> =
        back.iter().map(|c| (c.region.clone(), c.score.clone(), c.rank)).collect();
    assert_eq!(back.len(), 12);
    assert_eq!(
        got[..3],
        [
            (SD.to_string(), Some("98.13".to_string()), Some(1)),
            (LZ.to_string(), Some("65.09".to_string()), Some(2)),
            (TL.to_string(), Some("48.00".to_string()), Some(3))
        ]
    );
    assert_eq!(back[0].parts[0], None, "上党 satisfaction reads 无数据");
    assert_eq!(back[1].parts[0], Some((75, 90, "16.67".to_string())));

    // One county assesses itself; a withholding profile gives 上党 no score and no rank.
    let one = assess::assess(db, &regions, &set, TL, 2025).await.unwrap();
    assert_eq!(one.rows.len(), 1);
    assert_eq!(one.rows[0].score.as_deref(), Some("48.00"));
    let mut strict = profiles();
    strict
        .load("w", "name = \"changzhi\"\ntitle = \"长治市\"\nregion_code = \"1404\"\ninherits = \"national\"\n[rules.assess_missing]\nvalue = \"withhold\"\nsource = \"test\"\n")
        .unwrap();
    let w = assess::assess(db, &regions, &strict, CITY, 2025).await.unwrap();
    let got: Vec<(&str, Option<&str>, Option<u32>)> =
        w.rows.iter().map(|x| (x.region.as_str(), x.score.as_deref(), x.rank)).collect();
    assert_eq!(got[..2], [(LZ, Some("65.09"), Some(1)), (TL, Some("48.00"), Some(2))]);
    // 上党 and the other counties have parts missing: withheld, unranked, after the ranked, by code.
    assert_eq!(got[2], (SD, None, None));
    assert!(got[2..].iter().all(|(_, s, r)| s.is_none() && r.is_none()));
    assert!(got[2..].windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(w.rules.missing, "withhold");
}

#[tokio::test]
async fn refusals_and_a_quiet_year() {
    let t = TestDb::with_regions().await;
    let regions = Regions::load(&t.db).await.unwrap();
    assert!(assess::parse_period("二〇二五").is_err());
    assert_eq!(assess::parse_period(" 2025 ").unwrap(), 2025);
    assert!(assess::assess(&t.db, &regions, &profiles(), "999999", 2025).await.is_err());
    // No records: every county listed; every part missing but the monthly reports, which were due (11
    // months, none submitted: 0/11, a real 0) — so every county scores 0.00 and ties are broken by code.
    let r = assess::assess(&t.db, &regions, &ProfileSet::builtin(), CITY, 2025).await.unwrap();
    assert!(r.rows.len() >= 10, "长治市's counties: {}", r.rows.len());
    for x in &r.rows {
        assert_eq!(x.score.as_deref(), Some("0.00"));
        for (k, p) in &x.parts {
            let report = k.starts_with("report_");
            assert_eq!((p.missing, p.den), (!report, if report { 11 } else { 0 }), "{} {k}", x.region);
        }
    }
    let codes: Vec<&str> = r.rows.iter().map(|x| x.region.as_str()).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted);
    assert_eq!(r.rows[0].rank, Some(1));
}
