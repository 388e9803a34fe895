//! The project story, on the backend `JIUGAI_TEST_DATABASE_URL` names (a temp SQLite file when unset):
//! a Ruicheng project of plan year 2025 from reserve to long-term management, Qinzhou 2021 calendars and
//! the ¥4M preliminary-design boundary, order and threshold refusals, content totals, ledger export.

use std::path::Path;

use jiugai_rules::{EffectiveProfile, ProfileSet};
use jiugai_store::estates::import::{ImportOptions, import_estates};
use jiugai_store::estates::{self, EstateData};
use jiugai_store::projects::items::{self, ItemInput};
use jiugai_store::projects::steps::{self, Completion};
use jiugai_store::projects::{self, NewProject, ledger};
use jiugai_store::regions::Regions;
use jiugai_store::testing::TestDb;
use jiugai_store::{Db, StoreError, audit};
use serde_json::json;

async fn setup() -> (TestDb, Regions) {
    let t = TestDb::with_regions().await;
    let regions = Regions::load(&t.db).await.unwrap();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    let o = ImportOptions {
        region: Some("芮城县".into()),
        actor: "test".into(),
        origin: "test".into(),
        ..Default::default()
    };
    let rep = import_estates(&t.db, &regions, &f, &o, &|_| {}).await.unwrap();
    assert_eq!(rep.imported, 30);
    (t, regions)
}

fn profile(region: &str) -> EffectiveProfile {
    let set = ProfileSet::builtin();
    set.effective(set.for_region(region)).unwrap()
}

async fn estate_named(db: &Db, regions: &Regions, name: &str) -> i64 {
    let all = estates::list(db, regions, &Default::default()).await.unwrap();
    all.iter().find(|e| e.data.name == name).unwrap_or_else(|| panic!("{name}")).id
}

fn done(on: &str) -> Completion {
    Completion { done_on: on.into(), ..Default::default() }
}

fn with(on: &str, detail: serde_json::Value) -> Completion {
    Completion { done_on: on.into(), detail, ..Default::default() }
}

fn msg(e: &StoreError) -> String {
    e.message(jiugai_store::Lang::Zh)
}

#[tokio::test]
async fn ruicheng_2025_project_from_reserve_to_management() {
    let (t, regions) = setup().await;
    let db = &t.db;
    let a = estate_named(db, &regions, "原卷烟厂小区").await;
    let b = estate_named(db, &regions, "粮苑小区2号楼").await;
    let p = projects::create(
        db,
        &NewProject {
            name: "华泰北路片区连片改造".into(),
            estate_ids: vec![a, b],
            plan_year: 2025,
            investment_fen: 350_000_000,
            ..Default::default()
        },
        "county",
        "test",
    )
    .await
    .unwrap();
    assert_eq!((p.stage.as_str(), p.region_code.as_str(), p.version), ("reserve", "140830", 1));
    assert_eq!(p.estate_ids.len(), 2);
    let prof = profile(&p.region_code);

    // Due dates from Ruicheng's calendar [001 二(三)3].
    let view = steps::view(&prof, &p, &[], jiugai_rules::Date::parse("2025-01-01").unwrap());
    let due = |k: &str| view.iter().find(|s| s.key.as_str() == k).unwrap().due.clone();
    assert_eq!(due("survey").as_deref(), Some("2025-01-31"));
    assert_eq!(due("design").as_deref(), Some("2025-02-28"));
    assert_eq!(due("approval").as_deref(), Some("2025-03-31"));
    assert_eq!(due("start").as_deref(), Some("2025-05-31"));
    assert_eq!(due("basic_completion").as_deref(), Some("2025-10-31"));
    assert_eq!(due("completion").as_deref(), Some("2025-11-30"));
    let survey = view.iter().find(|s| s.key.as_str() == "survey").unwrap();
    assert_eq!(survey.rule, "milestone_survey");
    assert!(survey.clause.contains("001"), "{}", survey.clause);
    // As of today (2026), every required step is overdue until done.
    let now = steps::view(&prof, &p, &[], projects::today());
    assert!(now.iter().find(|s| s.key.as_str() == "survey").unwrap().overdue);

    // Order: design before survey is refused; naming both steps.
    let e =
        steps::complete(db, &prof, (p.id, 1, jiugai_domain::StepKey::Design), &done("2025-02-20"), "county", "test")
            .await
            .unwrap_err();
    assert!(msg(&e).contains("民意调查"), "{}", msg(&e));
    // Survey, estate by estate [001 二(三)1]: a package total is refused; figures that miss the registry's
    // households are refused; 80% less one household fails consent (≥80%), 80% passes.
    let ha = estates::get(db, a).await.unwrap().data.households.expect("户数 of a");
    let hb = estates::get(db, b).await.unwrap().data.households.expect("户数 of b");
    let pass = |h: i64| (h * 4 + 4) / 5;
    let survey = |ea: (i64, i64), eb: (i64, i64)| {
        with(
            "2025-01-20",
            json!({"estates": [{"estate_id": a, "agree": ea.0, "households": ea.1}, {"estate_id": b, "agree": eb.0, "households": eb.1}]}),
        )
    };
    let e = steps::complete(
        db,
        &prof,
        (p.id, 1, jiugai_domain::StepKey::Survey),
        &with("2025-01-20", json!({"agree": 80, "households": 100})),
        "street",
        "test",
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), jiugai_domain::ErrorCode::ConsentMissing);
    assert!(msg(&e).contains("原卷烟厂小区") && msg(&e).contains("逐个小区"), "{}", msg(&e));
    let e = steps::complete(
        db,
        &prof,
        (p.id, 1, jiugai_domain::StepKey::Survey),
        &survey((pass(ha), ha + 1), (pass(hb), hb)),
        "street",
        "test",
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), jiugai_domain::ErrorCode::RuleNotMet);
    assert!(msg(&e).contains(&format!("与登记的 {ha} 户不符")), "{}", msg(&e));
    let e = steps::complete(
        db,
        &prof,
        (p.id, 1, jiugai_domain::StepKey::Survey),
        &survey((pass(ha) - 1, ha), (pass(hb), hb)),
        "street",
        "test",
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), jiugai_domain::ErrorCode::ConsentMissing);
    assert!(msg(&e).contains(&format!("{}/{ha}", pass(ha) - 1)) && msg(&e).contains("001"), "{}", msg(&e));
    let p = steps::complete(
        db,
        &prof,
        (p.id, 1, jiugai_domain::StepKey::Survey),
        &survey((pass(ha), ha), (pass(hb), hb)),
        "street",
        "test",
    )
    .await
    .unwrap();
    assert_eq!((p.version, p.consent_yes, p.consent_households), (2, Some(pass(ha) + pass(hb)), Some(ha + hb)));
    // A stale version is refused, and says so.
    let e =
        steps::complete(db, &prof, (p.id, 1, jiugai_domain::StepKey::Design), &done("2025-02-20"), "county", "test")
            .await
            .unwrap_err();
    assert!(matches!(e, StoreError::Stale { expected: 1, current: 2, .. }), "{e:?}");
    // An implausible date is refused (a date picker typed into can give year 0120).
    let e =
        steps::complete(db, &prof, (p.id, 2, jiugai_domain::StepKey::Design), &done("0120-02-02"), "county", "test")
            .await
            .unwrap_err();
    assert!(msg(&e).contains("0120-02-02"), "{}", msg(&e));
    // Twice the same step is refused.
    let e = steps::complete(
        db,
        &prof,
        (p.id, 2, jiugai_domain::StepKey::Survey),
        &with("2025-01-21", json!({"agree": 90, "households": 100})),
        "street",
        "test",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("已于 2025-01-20"), "{}", msg(&e));
    let mut p =
        steps::complete(db, &prof, (p.id, 2, jiugai_domain::StepKey::Design), &done("2025-02-20"), "county", "test")
            .await
            .unwrap();
    // Publicity lasts at least 5 days (Ruicheng 001 二(四)2).
    let short =
        Completion { done_on: "2025-02-24".into(), started_on: Some("2025-02-21".into()), ..Default::default() };
    let e = steps::complete(db, &prof, (p.id, p.version, jiugai_domain::StepKey::Publicity), &short, "county", "test")
        .await
        .unwrap_err();
    assert!(msg(&e).contains("不足 5 天"), "{}", msg(&e));
    let ok = Completion { done_on: "2025-02-26".into(), started_on: Some("2025-02-21".into()), ..Default::default() };
    p = steps::complete(db, &prof, (p.id, p.version, jiugai_domain::StepKey::Publicity), &ok, "county", "test")
        .await
        .unwrap();
    // A step dated before its prerequisite is refused.
    let e = steps::complete(
        db,
        &prof,
        (p.id, p.version, jiugai_domain::StepKey::JointReview),
        &done("2025-02-25"),
        "admin",
        "test",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("早于"), "{}", msg(&e));
    let required: Vec<String> = steps::view(&prof, &p, &[], projects::today())
        .into_iter()
        .filter(|s| s.required)
        .map(|s| s.key.as_str().to_string())
        .collect();
    for (k, on) in [
        ("joint_review", "2025-03-05"),
        ("feasibility_study", "2025-03-10"),
        ("approval", "2025-03-20"),
        ("preliminary_design", "2025-03-25"),
        ("drawing_review", "2025-04-01"),
        ("budget_review", "2025-04-10"),
        ("tender", "2025-04-30"),
        ("permits", "2025-05-10"),
        ("construction_permit", "2025-05-12"),
    ] {
        if required.iter().any(|r| r == k) {
            p = steps::complete(
                db,
                &prof,
                (p.id, p.version, k.parse::<jiugai_domain::StepKey>().unwrap()),
                &done(on),
                "county",
                "test",
            )
            .await
            .unwrap_or_else(|e| panic!("{k}: {}", msg(&e)));
        }
    }
    // No start in the reserve stage; the move needs a reason.
    let e = steps::complete(
        db,
        &prof,
        (p.id, p.version, jiugai_domain::StepKey::Start),
        &done("2025-05-20"),
        "county",
        "test",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("实施"), "{}", msg(&e));
    let e = projects::move_stage(
        db,
        &prof,
        p.id,
        p.version,
        jiugai_store::projects::Stage::Implementation,
        2025,
        " ",
        "county",
        "test",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("理由"), "{}", msg(&e));
    p = projects::move_stage(
        db,
        &prof,
        p.id,
        p.version,
        jiugai_store::projects::Stage::Implementation,
        2025,
        "2025 年度计划已批复",
        "county",
        "test",
    )
    .await
    .unwrap();
    assert_eq!(p.stage.as_str(), "implementation");
    for (k, on) in [("start", "2025-05-20"), ("basic_completion", "2025-10-20")] {
        p = steps::complete(
            db,
            &prof,
            (p.id, p.version, k.parse::<jiugai_domain::StepKey>().unwrap()),
            &done(on),
            "county",
            "test",
        )
        .await
        .unwrap_or_else(|e| panic!("{k}: {}", msg(&e)));
    }
    // Acceptance before completion is refused.
    let e = steps::complete(
        db,
        &prof,
        (p.id, p.version, jiugai_domain::StepKey::Acceptance),
        &with("2025-12-05", json!({"satisfied": 90, "answered": 100, "participants": ["社区"]})),
        "county",
        "test",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("全面完成"), "{}", msg(&e));
    p = steps::complete(
        db,
        &prof,
        (p.id, p.version, jiugai_domain::StepKey::Completion),
        &done("2025-11-25"),
        "county",
        "test",
    )
    .await
    .unwrap();
    assert_eq!(p.stage.as_str(), "completed");
    // Acceptance needs satisfaction ≥ 80%: 79/100 refused; and its participants.
    let e = steps::complete(
        db,
        &prof,
        (p.id, p.version, jiugai_domain::StepKey::Acceptance),
        &with("2025-12-05", json!({"satisfied": 79, "answered": 100, "participants": ["社区"]})),
        "county",
        "test",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("79/100"), "{}", msg(&e));
    let e = steps::complete(
        db,
        &prof,
        (p.id, p.version, jiugai_domain::StepKey::Acceptance),
        &with("2025-12-05", json!({"satisfied": 80, "answered": 100})),
        "county",
        "test",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("参加联合验收"), "{}", msg(&e));
    p = steps::complete(db, &prof, (p.id, p.version, jiugai_domain::StepKey::Acceptance), &with("2025-12-05", json!({"satisfied": 80, "answered": 100, "participants": "社区、居民代表、设计单位、施工单位、监理单位", "findings": "合格"})), "county", "test").await.unwrap();
    assert_eq!((p.stage.as_str(), p.satisfaction_yes), ("accepted", Some(80)));
    p = steps::complete(
        db,
        &prof,
        (p.id, p.version, jiugai_domain::StepKey::SpotCheck),
        &with("2025-12-10", json!({"result": "pass"})),
        "admin",
        "test",
    )
    .await
    .unwrap();
    let e = steps::complete(
        db,
        &prof,
        (p.id, p.version, jiugai_domain::StepKey::Management),
        &with("2025-12-20", json!({"mode": "professional"})),
        "street",
        "test",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("专营设施移交"), "{}", msg(&e));
    p = steps::complete(
        db,
        &prof,
        (p.id, p.version, jiugai_domain::StepKey::Handover),
        &with("2025-12-15", json!({"operators": ["供水—芮城县自来水公司", "供电—国网芮城县供电公司"]})),
        "county",
        "test",
    )
    .await
    .unwrap();
    let e = steps::complete(
        db,
        &prof,
        (p.id, p.version, jiugai_domain::StepKey::Management),
        &with("2025-12-20", json!({"mode": "nobody"})),
        "street",
        "test",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("管理模式"), "{}", msg(&e));
    p = steps::complete(
        db,
        &prof,
        (p.id, p.version, jiugai_domain::StepKey::Management),
        &with("2025-12-20", json!({"mode": "professional", "maintenance_fund": true})),
        "street",
        "test",
    )
    .await
    .unwrap();
    assert_eq!(
        (p.stage.as_str(), p.management_mode.map(|m| m.as_str()), p.maintenance_fund),
        ("management", Some("professional"), Some(true))
    );
    // 有人管: both estates of the renovated project have a management mode.
    let sum = projects::summary(
        db,
        &regions,
        &ProfileSet::builtin(),
        &projects::Filter { scope: "140830".into(), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!((sum.renovated_estates, sum.managed_estates, sum.overdue_steps), (2, 2, 0));
    // Nothing overdue any more; every move recorded with its reason; the audit chain holds.
    let d = steps::done_steps(db, p.id).await.unwrap();
    assert!(steps::view(&prof, &p, &d, projects::today()).iter().all(|s| !s.overdue));
    let moves = projects::moves(db, p.id).await.unwrap();
    assert_eq!(
        moves.iter().map(|m| m.to_stage.as_str()).collect::<Vec<_>>(),
        ["implementation", "completed", "accepted", "management"]
    );
    assert!(moves[1].reason.contains("全面完成"));
    assert_eq!(audit::verify(db).await.unwrap().first_broken, None);
    let log = audit::list(db, Some(("project", &p.id.to_string())), 100).await.unwrap();
    assert!(log.len() >= 17, "{}", log.len());
    // The estates are free for another project once accepted.
    projects::create(
        db,
        &NewProject {
            name: "二期提升".into(),
            estate_ids: vec![a],
            plan_year: 2027,
            investment_fen: 1,
            ..Default::default()
        },
        "county",
        "test",
    )
    .await
    .unwrap();
}

async fn qinzhou_estate(db: &Db, regions: &Regions, name: &str, built: i32) -> i64 {
    let d = EstateData {
        region_code: "450721".into(),
        name: name.into(),
        built_years: vec![built],
        households: Some(40),
        ..Default::default()
    };
    estates::create(db, regions, &d, "test", "test").await.unwrap().id
}

#[tokio::test]
async fn qinzhou_2021_calendar_and_the_four_million_boundary() {
    let t = TestDb::with_regions().await;
    let db = &t.db;
    let regions = Regions::load(db).await.unwrap();
    let a = qinzhou_estate(db, &regions, "灵山县粮所宿舍", 1995).await;
    let b = qinzhou_estate(db, &regions, "灵山县供销社宿舍", 1996).await;
    let small = projects::create(
        db,
        &NewProject {
            name: "粮所宿舍改造".into(),
            estate_ids: vec![a],
            plan_year: 2021,
            investment_fen: 399_999_999,
            ..Default::default()
        },
        "t",
        "t",
    )
    .await
    .unwrap();
    let big = projects::create(
        db,
        &NewProject {
            name: "供销社宿舍改造".into(),
            estate_ids: vec![b],
            plan_year: 2021,
            investment_fen: 400_000_000,
            ..Default::default()
        },
        "t",
        "t",
    )
    .await
    .unwrap();
    let prof = profile("450721");
    let at = jiugai_rules::Date::parse("2021-01-01").unwrap();
    let vs = steps::view(&prof, &small, &[], at);
    let vb = steps::view(&prof, &big, &[], at);
    let get = |v: &[steps::StepView], k: &str| v.iter().find(|s| s.key.as_str() == k).unwrap().clone();
    assert_eq!(get(&vs, "start").due.as_deref(), Some("2021-06-30"));
    assert_eq!(get(&vs, "completion").due.as_deref(), Some("2021-12-31"));
    assert!(!get(&vs, "preliminary_design").required, "{:?}", get(&vs, "preliminary_design"));
    assert!(get(&vb, "preliminary_design").required);
    assert!(
        get(&vs, "preliminary_design").required_clause.contains("003"),
        "{}",
        get(&vs, "preliminary_design").required_clause
    );
    // Completing a step the project does not need is refused with the reason.
    let e = steps::complete(
        db,
        &prof,
        (small.id, 1, jiugai_domain::StepKey::PreliminaryDesign),
        &done("2021-03-01"),
        "t",
        "t",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("无需"), "{}", msg(&e));
    // A different county cannot join the package.
    let d = EstateData {
        region_code: "450702".into(),
        name: "钦南区某小区".into(),
        built_years: vec![1990],
        ..Default::default()
    };
    let c = estates::create(db, &regions, &d, "t", "t").await.unwrap().id;
    let free = qinzhou_estate(db, &regions, "灵山县水利局宿舍", 1993).await;
    let e = projects::create(
        db,
        &NewProject {
            name: "跨县".into(),
            estate_ids: vec![free, c],
            plan_year: 2021,
            investment_fen: 1,
            ..Default::default()
        },
        "t",
        "t",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("同一县"), "{}", msg(&e));
}

#[tokio::test]
async fn an_ineligible_estate_needs_an_exception_to_enter_implementation() {
    let t = TestDb::with_regions().await;
    let db = &t.db;
    let regions = Regions::load(db).await.unwrap();
    let new = qinzhou_estate(db, &regions, "灵山县新区小区", 2015).await;
    let p = projects::create(
        db,
        &NewProject {
            name: "新区".into(),
            estate_ids: vec![new],
            plan_year: 2022,
            investment_fen: 1,
            ..Default::default()
        },
        "t",
        "t",
    )
    .await
    .unwrap();
    let prof = profile("450721");
    let p = projects::move_stage(db, &prof, p.id, 1, jiugai_store::projects::Stage::Planning, 2022, "谋划", "t", "t")
        .await
        .unwrap();
    let e = projects::move_stage(
        db,
        &prof,
        p.id,
        p.version,
        jiugai_store::projects::Stage::Implementation,
        2022,
        "计划",
        "t",
        "t",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("不能进入实施阶段"), "{}", msg(&e));
    // Moving between years is fine (dynamic adjustment), with its reason recorded.
    let p = projects::move_stage(
        db,
        &prof,
        p.id,
        p.version,
        jiugai_store::projects::Stage::Planning,
        2023,
        "资金未落实，调整至 2023 年",
        "t",
        "t",
    )
    .await
    .unwrap();
    assert_eq!(p.plan_year, 2023);
    let e = projects::record_exception(db, p.id, p.version, "", "admin", "t").await.unwrap_err();
    assert!(msg(&e).contains("理由"));
    let p =
        projects::record_exception(db, p.id, p.version, "市政府专题会议纪要〔2023〕5号", "admin", "t").await.unwrap();
    // Each gate has its own exception: past eligibility, the consent gate refuses (no closed consultation
    // nor survey record), then the steps gate (the survey is missing), each naming its rule and clause.
    use jiugai_store::projects::gates::{self, Gate};
    let into_impl = |v: i64| {
        projects::move_stage(
            db,
            &prof,
            p.id,
            v,
            jiugai_store::projects::Stage::Implementation,
            2023,
            "例外已登记",
            "t",
            "t",
        )
    };
    let e = into_impl(p.version).await.unwrap_err();
    assert_eq!(e.code(), jiugai_domain::ErrorCode::ConsentMissing);
    assert!(matches!(&e, StoreError::Invalid { rule: Some((r, _)), .. } if r == "consent_to_plan"), "{e:?}");
    let e = gates::record(db, p.id, p.version, Gate::Eligibility, "再次", "admin", "t").await.unwrap_err();
    assert_eq!(e.code(), jiugai_domain::ErrorCode::Conflict, "one exception per gate");
    let p = gates::record(db, p.id, p.version, Gate::Consent, "县政府常务会议纪要〔2023〕9号：先行实施", "admin", "t")
        .await
        .unwrap();
    let e = into_impl(p.version).await.unwrap_err();
    assert_eq!(e.code(), jiugai_domain::ErrorCode::StepMissing);
    assert!(msg(&e).contains("民意调查"), "{}", msg(&e));
    assert!(matches!(&e, StoreError::Invalid { rule: Some(_), .. }), "{e:?}");
    let p = gates::record(db, p.id, p.version, Gate::Steps, "应急抢险项目，程序后补", "admin", "t").await.unwrap();
    let ex = gates::exceptions(db, &p).await.unwrap();
    assert_eq!(ex.iter().map(|e| e.gate).collect::<Vec<_>>(), [Gate::Eligibility, Gate::Consent, Gate::Steps]);
    let log = audit::list(db, Some(("project", &p.id.to_string())), 50).await.unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "project.exception").count(), 3);
    let p = projects::move_stage(
        db,
        &prof,
        p.id,
        p.version,
        jiugai_store::projects::Stage::Implementation,
        2023,
        "例外已登记",
        "t",
        "t",
    )
    .await
    .unwrap();
    assert_eq!(p.stage.as_str(), "implementation");
    let moves = projects::moves(db, p.id).await.unwrap();
    assert_eq!(moves.len(), 3);
    assert_eq!((moves[1].from_year, moves[1].to_year), (2022, 2023));
}

#[tokio::test]
async fn content_totals_reconcile_and_the_ledger_exports() {
    let (t, regions) = setup().await;
    let db = &t.db;
    let a = estate_named(db, &regions, "体委住宅楼").await;
    let p = projects::create(
        db,
        &NewProject {
            name: "体委住宅楼改造".into(),
            estate_ids: vec![a],
            plan_year: 2026,
            investment_fen: 100_000_000,
            ..Default::default()
        },
        "t",
        "t",
    )
    .await
    .unwrap();
    let prof = profile("140830");
    let cat = items::catalogue(db, "140830").await.unwrap();
    assert_eq!(cat.len(), 46);
    for class in ["basic", "improvement", "enhancement"] {
        assert!(cat.iter().filter(|c| c.class == class).count() >= 10, "{class}");
    }
    let find = |code: &str| cat.iter().find(|c| c.code == code).unwrap().id;
    let mut v = p.version;
    // Costs chosen so that the owners' share (20% in the national default) needs rounding: 333.33 × 20% = 66.666 → 66.67.
    for (code, qty, cost) in [
        ("B17", 123_456, 12_345_678),
        ("B14", 50_000, 3_000_000),
        ("I02", 100, 33_333),
        ("I11", 2_000, 77_777),
        ("E09", 10_000, 1),
    ] {
        let p = items::add_item(
            db,
            &prof,
            p.id,
            v,
            &ItemInput {
                item_id: find(code),
                quantity_centi: qty,
                unit: None,
                cost_fen: cost,
                payer: None,
                note: String::new(),
            },
            "t",
            "t",
        )
        .await
        .unwrap();
        v = p.version;
    }
    let its = items::items(db, p.id).await.unwrap();
    assert_eq!(its.len(), 5);
    let lift = its.iter().find(|i| i.code == "I02").unwrap();
    assert_eq!((lift.owners_fen, lift.public_fen, lift.unit.as_str()), (6_667, 26_666, "部"));
    let t1 = items::totals(&its);
    assert_eq!(t1.total.cost_fen, 12_345_678 + 3_000_000 + 33_333 + 77_777 + 1);
    assert_eq!(t1.total.public_fen + t1.total.owners_fen, t1.total.cost_fen);
    assert_eq!(t1.by_class.iter().map(|c| c.1.cost_fen).sum::<i64>(), t1.total.cost_fen);
    assert_eq!(t1.by_payer.iter().map(|c| c.1.cost_fen).sum::<i64>(), t1.total.cost_fen);
    assert_eq!(t1.by_class_payer.iter().map(|c| c.2.owners_fen).sum::<i64>(), t1.total.owners_fen);
    assert_eq!(t1.by_payer[0].1.owners_fen, 0, "N items: public finance pays everything");
    // Bad input changes nothing.
    let e = items::add_item(
        db,
        &prof,
        p.id,
        v,
        &ItemInput {
            item_id: find("B01"),
            quantity_centi: 0,
            unit: None,
            cost_fen: 1,
            payer: None,
            note: String::new(),
        },
        "t",
        "t",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("数量"));
    assert_eq!(projects::get(db, p.id).await.unwrap().version, v);
    // Progress weighted by cost.
    let roof = its.iter().find(|i| i.code == "B17").unwrap().id;
    let p2 = ledger::set_progress(db, p.id, v, roof, 50, "", "contractor", "t").await.unwrap();
    let e = ledger::set_progress(db, p.id, p2.version, roof, 40, "", "contractor", "t").await.unwrap_err();
    assert!(msg(&e).contains("说明原因"), "{}", msg(&e));
    let e = ledger::set_progress(db, p.id, p2.version, roof, 101, "", "contractor", "t").await.unwrap_err();
    assert!(msg(&e).contains("0 到 100"));
    let t2 = items::totals(&items::items(db, p.id).await.unwrap());
    assert_eq!(t2.progress_bp, (12_345_678i128 * 50 * 100 / i128::from(t1.total.cost_fen)) as i64);
    // Site report with a photo; a quality issue opened and closed (closing twice refused).
    let photo = ledger::Upload { file_name: "roof.jpg", content_type: "image/jpeg", data: b"\xFF\xD8\xFFfake" };
    let r =
        ledger::add_report(db, p.id, "2026-05-01", "屋面防水层施工，错峰作业 9:00-17:00", &[photo], "contractor", "t")
            .await
            .unwrap();
    assert_eq!(r.photos.len(), 1);
    let i = ledger::open_issue(db, p.id, "quality", "3 号楼屋面找坡不足", "supervisor", "t").await.unwrap();
    ledger::close_issue(db, p.id, i.id, "已返工，复查合格", "supervisor", "t").await.unwrap();
    let e = ledger::close_issue(db, p.id, i.id, "again", "other", "t").await.unwrap_err();
    assert!(msg(&e).contains("已于"), "{}", msg(&e));
    // The region's ledger, to xlsx and back.
    let rows = ledger::region_ledger(db, &regions, &projects::Filter { scope: "140830".into(), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].open_issues, rows[0].closed_issues, rows[0].last_report.as_deref()),
        (0, 1, Some("2026-05-01"))
    );
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("ledger.xlsx");
    ledger::export(&rows, &x).unwrap();
    let mut range = calamine_rows(&x);
    assert_eq!(range.remove(0)[1], "项目名称");
    assert_eq!(range[0][1], "体委住宅楼改造");
    assert_eq!(
        range[0][9],
        format!("{:.2}", t2.progress_bp as f64 / 100.0).trim_end_matches('0').trim_end_matches('.').to_string()
    );
    assert_eq!(audit::verify(db).await.unwrap().first_broken, None);
}

fn calamine_rows(path: &Path) -> Vec<Vec<String>> {
    use calamine::{Reader, open_workbook_auto};
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range("调度台账").unwrap();
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

#[tokio::test]
async fn project_lists_follow_the_scope_and_membership() {
    let (t, regions) = setup().await;
    let db = &t.db;
    let a = estate_named(db, &regions, "国税二区住宅楼").await;
    let p = projects::create(
        db,
        &NewProject {
            name: "国税二区".into(),
            estate_ids: vec![a],
            plan_year: 2026,
            investment_fen: 1,
            ..Default::default()
        },
        "t",
        "t",
    )
    .await
    .unwrap();
    let f = |scope: &str| projects::Filter { scope: scope.into(), ..Default::default() };
    assert_eq!(projects::list(db, &regions, &f("")).await.unwrap().len(), 1);
    assert_eq!(projects::list(db, &regions, &f("1408")).await.unwrap().len(), 1);
    assert_eq!(projects::list(db, &regions, &f("1404")).await.unwrap().len(), 0);
    assert!(projects::visible(db, &regions, p.id, Some("140830"), None).await.unwrap());
    assert!(!projects::visible(db, &regions, p.id, Some("1404"), None).await.unwrap());
    assert!(!projects::visible(db, &regions, p.id, None, Some("builder")).await.unwrap());
    jiugai_store::users::create(
        db,
        &jiugai_store::users::NewUser {
            name: "builder",
            role: jiugai_store::users::Role::Contractor,
            scope_code: "140830",
            password_hash: "x",
            must_change_password: false,
        },
        "t",
        "t",
    )
    .await
    .unwrap();
    let e = projects::add_member(db, p.id, 1, "nobody", "construction", "t", "t").await.unwrap_err();
    assert!(msg(&e).contains("找不到用户"));
    projects::add_member(db, p.id, 1, "builder", "construction", "t", "t").await.unwrap();
    assert!(projects::visible(db, &regions, p.id, None, Some("builder")).await.unwrap());
    let mine = projects::list(db, &regions, &projects::Filter { member: Some("builder".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
}

#[tokio::test]
async fn the_summary_counts_stages_overdue_and_management() {
    let (t, regions) = setup().await;
    let db = &t.db;
    let prof = profile("140830");
    let set = ProfileSet::builtin();
    let a = estate_named(db, &regions, "疾控中心住宅楼").await;
    let b = estate_named(db, &regions, "原计生委住宅楼").await;
    let old = projects::create(
        db,
        &NewProject {
            name: "2025 项目".into(),
            estate_ids: vec![a],
            plan_year: 2025,
            investment_fen: 1,
            ..Default::default()
        },
        "t",
        "t",
    )
    .await
    .unwrap();
    projects::create(
        db,
        &NewProject {
            name: "2099 项目".into(),
            estate_ids: vec![b],
            plan_year: 2099,
            investment_fen: 1,
            ..Default::default()
        },
        "t",
        "t",
    )
    .await
    .unwrap();
    let s = projects::summary(db, &regions, &set, &projects::Filter { scope: "140830".into(), ..Default::default() })
        .await
        .unwrap();
    assert_eq!((s.projects, s.overdue_projects), (2, 1), "only the 2025 project is late: {s:?}");
    assert_eq!(s.by_stage[0], (jiugai_store::projects::Stage::Reserve, 2));
    assert!(s.overdue_steps >= 6);
    assert_eq!((s.renovated_estates, s.managed_estates), (0, 0));
    // Outside the scope: nothing.
    let none = projects::summary(db, &regions, &set, &projects::Filter { scope: "1404".into(), ..Default::default() })
        .await
        .unwrap();
    assert_eq!((none.projects, none.overdue_steps), (0, 0));
    let _ = (old, prof);
}
