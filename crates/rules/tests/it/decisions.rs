//! Decisions under the built-in profiles, checked against the seed documents.

use jiugai_domain::StepKey;
use jiugai_rules::*;

fn eff(name: &str) -> EffectiveProfile {
    ProfileSet::builtin().effective(name).unwrap()
}

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// Seed 001 附件3 芮城县“十四五”时期老旧小区改造计划表: (year, name, build years, households).
const RUICHENG_ESTATES: &[(i32, &str, &[i32], i64)] = &[
    (2021, "原卷烟厂小区", &[1994], 60),
    (2021, "粮苑小区2号楼", &[1995], 40),
    (2022, "体委住宅楼", &[1998], 19),
    (2022, "国税二区住宅楼", &[1999], 16),
    (2022, "国土局住宅楼", &[1994], 16),
    (2022, "疾控中心住宅楼", &[1993], 24),
    (2022, "原计生委住宅楼", &[1998], 20),
    (2022, "教育局住宅楼", &[1993], 40),
    (2022, "保险公司住宅楼", &[1995], 12),
    (2023, "人民医院2号、3号住宅楼", &[1991], 50),
    (2023, "工商银行住宅楼", &[1995, 1997], 50),
    (2023, "信用联社住宅楼", &[1998], 20),
    (2023, "政府住宅楼", &[1998], 60),
    (2023, "公安局住宅楼", &[2000], 32),
    (2023, "地税局住宅楼", &[1998], 45),
    (2024, "工业局东楼", &[1995], 16),
    (2024, "人民银行住宅楼", &[1994], 24),
    (2024, "城关供销社住宅楼", &[1998], 36),
    (2024, "原劳动就业局住宅楼", &[1997], 24),
    (2024, "原副食加工厂住宅楼", &[2000], 32),
    (2024, "糖酒公司住宅楼", &[2000], 36),
    (2024, "金顺苑1号2号住宅楼", &[2000], 50),
    (2025, "博立中学住宅楼", &[1994], 24),
    (2025, "河务局住宅楼", &[1998], 16),
    (2025, "建行住宅楼", &[1994], 16),
    (2025, "公路段南楼", &[1998], 20),
    (2025, "农行住宅楼", &[1991], 30),
    (2025, "原饮食服务公司住宅楼", &[1998], 12),
    (2025, "诚信商城住宅楼", &[1998], 7),
    (2025, "审计局住宅楼", &[1995], 16),
];

fn estate(years: &[i32]) -> EstateFacts {
    EstateFacts { built_years: years.to_vec(), ..Default::default() }
}

#[test]
fn ruicheng_attachment3_all_core_under_every_profile() {
    assert_eq!(RUICHENG_ESTATES.len(), 30); // [001 一] 共计30个
    let set = ProfileSet::builtin();
    for name in ["national", "changzhi", "ruicheng", "suzhou-ah", "qinzhou"] {
        let p = set.effective(name).unwrap();
        for (_, n, years, _) in RUICHENG_ESTATES {
            let e = eligibility(&p, &estate(years));
            assert_eq!(e.verdict, Verdict::Core, "{name}: {n}: {}", e.reason_zh);
            assert_eq!(e.rule.rule, "core_built_by");
            assert_eq!(e.deciding_year, years.iter().min().copied());
        }
    }
    // Ruicheng's own clause is cited.
    let r = eligibility(&eff("ruicheng"), &estate(&[1995, 1997]));
    assert_eq!(r.deciding_year, Some(1995));
    assert!(r.rule.source.contains("[001 三(一)]"));
    assert!(r.reason_zh.contains("最早"));
    // Fenyang only takes declared estates [004 三(一)]: not filled in → out of scope; declared → core.
    let f = set.effective("fenyang").unwrap();
    for (_, n, years, _) in RUICHENG_ESTATES {
        let e = eligibility(&f, &estate(years));
        assert_eq!(e.verdict, Verdict::OutOfScope, "{n}");
        assert_eq!(e.rule.rule, "declared_only");
        let e = eligibility(&f, &EstateFacts { declared: Some(true), ..estate(years) });
        assert_eq!(e.verdict, Verdict::Core, "{n}");
        let e = eligibility(&f, &EstateFacts { declared: Some(false), ..estate(years) });
        assert_eq!(e.verdict, Verdict::Excluded, "{n}");
    }
}

#[test]
fn ruicheng_attachment3_matches_annual_targets() {
    // [001 一] 2021年2个，2022年7个，2023年6个，2024年7个，2025年8个 — the attachment agrees.
    let p = eff("ruicheng");
    let t = TargetTable::from_profile(&p, "140830").unwrap();
    let report = t.check();
    assert!(report.ok, "{:?}", report.issues);
    for row in &t.rows {
        let n = RUICHENG_ESTATES.iter().filter(|e| e.0 == row.year).count() as i64;
        assert_eq!(n, row.count, "{}", row.year);
    }
    assert_eq!(report.progress.last().unwrap().cumulative, 30);
}

#[test]
fn eligibility_edges() {
    let nat = eff("national");
    let e = eligibility(&nat, &estate(&[]));
    assert_eq!(e.verdict, Verdict::OutOfScope);
    assert!(e.reason_zh.contains("建成年代未填写"));
    assert_eq!(eligibility(&nat, &estate(&[2000])).verdict, Verdict::Core);
    assert_eq!(eligibility(&nat, &estate(&[2001])).verdict, Verdict::Extended);
    assert_eq!(eligibility(&nat, &estate(&[2005])).verdict, Verdict::Extended);
    assert_eq!(eligibility(&nat, &estate(&[2006])).verdict, Verdict::OutOfScope);
    // earliest decides by default
    assert_eq!(eligibility(&nat, &estate(&[2003, 1999])).verdict, Verdict::Core);
    // exclusion flags win over age [001 二(一)]
    for f in [
        EstateFacts { in_shantytown_plan: true, ..estate(&[1990]) },
        EstateFacts { self_built: true, ..estate(&[1990]) },
        EstateFacts { urban_village: true, ..estate(&[1990]) },
        EstateFacts { urban_village: true, ..estate(&[]) },
    ] {
        let e = eligibility(&eff("ruicheng"), &f);
        assert_eq!(e.verdict, Verdict::Excluded);
        assert!(e.rule.source.contains("[001 二(一)]"), "{}", e.rule.source);
    }
    // Fenyang admits nothing after 2000 [004 三(一)]
    let f = eff("fenyang");
    let e = eligibility(&f, &EstateFacts { declared: Some(true), ..estate(&[2003]) });
    assert_eq!(e.verdict, Verdict::OutOfScope);
    assert_eq!(e.rule.rule, "extended_allowed");
    // Qinzhou: built 2005 is outside its survey (2005年前) and extended window [003 二(一)]
    let q = eff("qinzhou");
    let e = eligibility(&q, &estate(&[2004]));
    assert_eq!((e.verdict, e.in_survey_scope), (Verdict::Extended, Some(true)));
    let e = eligibility(&q, &estate(&[2005]));
    assert_eq!((e.verdict, e.in_survey_scope), (Verdict::OutOfScope, Some(false)));
    // serialization keys
    let j = serde_json::to_value(eligibility(&nat, &estate(&[]))).unwrap();
    assert_eq!(j["verdict"], "out_of_scope");
    assert_eq!(j["rule"], "core_built_by");
    assert!(j["source"].as_str().unwrap().contains("[003 二(二)]"));
    assert_eq!(serde_json::to_value(Verdict::Extended).unwrap(), "extended");
}

#[test]
fn latest_basis_from_a_loaded_profile() {
    let mut set = ProfileSet::builtin();
    set.load(
        "x.toml",
        "name = \"x\"\ntitle = \"x\"\nregion_code = \"4501\"\ninherits = \"national\"\n[rules.build_year_basis]\nvalue = \"latest\"\nsource = \"x [1]\"\n",
    )
    .unwrap();
    let p = set.effective("x").unwrap();
    let e = eligibility(&p, &estate(&[1995, 2003]));
    assert_eq!((e.verdict, e.deciding_year), (Verdict::Extended, Some(2003)));
}

// ───────────── consent and satisfaction ─────────────

#[test]
fn consent_boundaries() {
    let p = eff("ruicheng");
    let at = consent_to_plan(&p, 80, 100).unwrap();
    assert_eq!(at.outcome, Outcome::Pass);
    assert_eq!(at.rule.value, "≥80%");
    assert!(at.rule.source.contains("[001 二(三)1]"));
    assert_eq!(consent_to_plan(&p, 79, 100).unwrap().outcome, Outcome::Fail);
    assert!(consent_to_plan(&p, 79, 100).unwrap().reason_zh.contains("至少需要 80"));
    assert_eq!(consent_to_plan(&p, 81, 100).unwrap().outcome, Outcome::Pass);
    assert_eq!(consent_to_plan(&p, 0, 0).unwrap().outcome, Outcome::Fail);
    assert!(consent_to_plan(&p, 5, 4).is_err());
    assert!(consent_to_plan(&p, -1, 4).is_err());
    // 7 households: 6 needed (5.6 rounded up)
    assert_eq!(consent_to_plan(&p, 6, 7).unwrap().outcome, Outcome::Pass);
    assert_eq!(consent_to_plan(&p, 5, 7).unwrap().outcome, Outcome::Fail);
    let c = consultation_coverage(&p, 16, 20).unwrap();
    assert_eq!(c.outcome, Outcome::Pass);
    assert!(c.rule.source.contains("[001 二(四)1]"));
    let s = acceptance_satisfaction(&p, 39, 50).unwrap();
    assert_eq!(s.outcome, Outcome::Fail);
    assert!(s.rule.source.contains("[001 二(四)5]"));
}

// ───────────── Civil Code joint decision ─────────────

fn vote(matter: Matter, total: (i64, i64), part: (i64, i64), yes: (i64, i64)) -> JointVote {
    JointVote {
        matter,
        total_area: Dm2(total.0),
        total_owners: total.1,
        participating_area: Dm2(part.0),
        participating_owners: part.1,
        yes_area: Dm2(yes.0),
        yes_owners: yes.1,
    }
}

#[test]
fn joint_decision_ordinary_and_major() {
    let p = eff("ruicheng");
    // participation exactly 2/3 of area and owners; yes just over half
    let j = joint_decision(&p, &vote(Matter::Ordinary, (3000, 90), (2000, 60), (1001, 31))).unwrap();
    assert_eq!(j.outcome, Outcome::Pass, "{j:?}");
    assert_eq!(j.checks.len(), 4);
    assert!(j.checks.iter().all(|c| c.rule.source.contains("[001 二(八)]")));
    // exactly half of the participating area fails (过半数)
    let j = joint_decision(&p, &vote(Matter::Ordinary, (3000, 90), (2000, 60), (1000, 31))).unwrap();
    assert_eq!(j.outcome, Outcome::Fail);
    assert_eq!(j.checks[2].outcome, Outcome::Fail);
    assert_eq!(j.checks[3].outcome, Outcome::Pass);
    // participation just below 2/3 of owners: void whatever the yes votes
    let j = joint_decision(&p, &vote(Matter::Ordinary, (3000, 90), (2000, 59), (2000, 59))).unwrap();
    assert_eq!(j.outcome, Outcome::Fail);
    assert_eq!(j.checks[1].outcome, Outcome::Fail);
    assert!(j.reason_zh.contains("参与表决"));
    // major: 3/4 of participating, exactly at passes, one less fails (Civil Code art. 278)
    let j = joint_decision(&p, &vote(Matter::Major, (4000, 80), (4000, 80), (3000, 60))).unwrap();
    assert_eq!(j.outcome, Outcome::Pass);
    assert_eq!(j.checks[2].rule.rule, "joint_major_area");
    assert_eq!(j.checks[2].rule.value, "≥3/4");
    let j = joint_decision(&p, &vote(Matter::Major, (4000, 80), (4000, 80), (3000, 59))).unwrap();
    assert_eq!(j.outcome, Outcome::Fail);
    assert!(joint_decision(&p, &vote(Matter::Ordinary, (100, 10), (200, 5), (1, 1))).is_err());
    let json = serde_json::to_value(&j).unwrap();
    assert_eq!(json["matter"], "major");
    assert_eq!(json["checks"][3]["achieved"]["num"], 59);
}

// ───────────── targets ─────────────

#[test]
fn changzhi_target_table_passes() {
    // [000 二]: 208/163/130/118 and ≥35/60/80% by year end, all 689 by 2025. 208/689 = 30.2% alone would
    // miss 35%: the 689 of [000 一] counts the whole 十四五 (2021–2025), so the 70 not in the 2022–2025
    // table were done before 2022. With them: 278 (40.3%), 441 (64.0%), 571 (82.9%), 689 (100%).
    let p = eff("changzhi");
    let t = TargetTable::from_profile(&p, "1404").unwrap();
    assert_eq!((t.total, t.prior), (Some(689), 70));
    let r = t.check();
    assert!(r.ok, "{:?}", r.issues);
    let cum: Vec<i64> = r.progress.iter().map(|p| p.cumulative).collect();
    assert_eq!(cum, [278, 441, 571, 689]);
    assert_eq!(r.progress[0].share.as_deref(), Some("40.34%"));
}

#[test]
fn broken_changzhi_table_fails_naming_the_year() {
    let p = eff("changzhi");
    let mut t = TargetTable::from_profile(&p, "1404").unwrap();
    // without the prior 70 the document's own figures miss 35% in 2022 and the total
    t.prior = 0;
    let r = t.check();
    assert!(!r.ok);
    let below: Vec<_> = r.issues.iter().filter(|i| i.kind == "cumulative_below_promise").collect();
    let years: Vec<_> = below.iter().map(|i| i.year).collect();
    assert_eq!(years, [Some(2022), Some(2023), Some(2024), Some(2025)], "{:?}", r.issues);
    assert_eq!(below[0].region, "1404");
    assert!(below[0].message_zh.contains("208/689（30.18%）"), "{}", below[0].message_zh);
    assert!(below[0].message_zh.contains("2022年"), "{}", below[0].message_zh);
    assert!(r.issues.iter().any(|i| i.kind == "total_mismatch"));
    // a 2023 figure moved to 2024 keeps the total but breaks 2023's 60%
    let mut t = TargetTable::from_profile(&p, "1404").unwrap();
    t.rows[1].count -= 50;
    t.rows[2].count += 50;
    let r = t.check();
    let years: Vec<_> = r.issues.iter().map(|i| (i.kind, i.year)).collect();
    assert_eq!(years, [("cumulative_below_promise", Some(2023))]);
}

#[test]
fn breakdown_and_actuals() {
    // Qinzhou 2021 [003 一]: 102 projects = 1 + 36 + 13 + 43 + 9
    let q = eff("qinzhou");
    let mut t = TargetTable::from_profile(&q, "4507").unwrap();
    for (region, n) in [("钦州港片区", 1), ("450721", 36), ("450722", 13), ("450702", 43), ("450703", 9)] {
        t.rows.push(TargetRow { region: region.into(), year: 2021, count: n, households: None, cumulative_pct: None });
    }
    assert!(t.check().ok, "{:?}", t.check().issues);
    t.rows[3].count = 12;
    let r = t.check();
    assert_eq!(r.issues.len(), 1);
    assert_eq!((r.issues[0].kind, r.issues[0].year), ("breakdown_mismatch", Some(2021)));
    // actuals against Changzhi: 2022 done 200 → 8 short, cumulative 270/689 = 39.2% still ≥35%
    let c = TargetTable::from_profile(&eff("changzhi"), "1404").unwrap();
    let r = c.check_actuals(&[Actual { region: "1404".into(), year: 2022, completed: 200 }]);
    assert_eq!(r.issues.len(), 1);
    assert_eq!((r.issues[0].kind, r.issues[0].year), ("annual_shortfall", Some(2022)));
    let r = c.check_actuals(&[Actual { region: "1404".into(), year: 2022, completed: 150 }]);
    let kinds: Vec<_> = r.issues.iter().map(|i| (i.kind, i.year)).collect();
    assert_eq!(kinds, [("annual_shortfall", Some(2022)), ("cumulative_shortfall", Some(2022))]);
    let r = c.check_actuals(&[
        Actual { region: "1404".into(), year: 2022, completed: 208 },
        Actual { region: "1404".into(), year: 2023, completed: 170 },
    ]);
    assert!(r.ok);
}

// ───────────── calendars and steps ─────────────

fn facts(year: i32, yuan_fen: i64) -> ProjectFacts {
    ProjectFacts {
        plan_year: year,
        investment: Fen(yuan_fen),
        new_floor_area: Dm2(0),
        high_risk: false,
        structural_change: false,
    }
}

fn step<'a>(s: &'a [StepDecision], key: &str) -> &'a StepDecision {
    s.iter().find(|x| x.key.as_str() == key).unwrap()
}

#[test]
fn ruicheng_2025_calendar() {
    let s = project_steps(&eff("ruicheng"), &facts(2025, 100_000_000));
    for (k, due) in [
        ("survey", "2025-01-31"),
        ("design", "2025-02-28"),
        ("approval", "2025-03-31"),
        ("start", "2025-05-31"),
        ("basic_completion", "2025-10-31"),
        ("completion", "2025-11-30"),
    ] {
        let st = step(&s, k);
        assert_eq!(st.due, Some(d(due)), "{k}");
        assert!(st.due_rule.as_ref().unwrap().source.contains("[001 二(三)3]"));
    }
    assert_eq!(step(&s, "tender").due, None);
    let p = step(&s, "publicity");
    assert_eq!((p.rule.rule.as_str(), p.rule.value.as_str()), ("publicity_days", "5"));
    // order follows the workflow
    let keys: Vec<&str> = s.iter().map(|x| x.key.as_str()).collect();
    assert_eq!(keys.first(), Some(&"survey"));
    assert_eq!(keys.last(), Some(&"management"));
    assert!(keys.iter().position(|k| *k == "permits") < keys.iter().position(|k| *k == "start"));
    assert_eq!(keys.len(), 19);
}

#[test]
fn qinzhou_2021_calendar_is_year_specific() {
    let q = eff("qinzhou");
    let s = project_steps(&q, &facts(2021, 100_000_000));
    assert_eq!(step(&s, "start").due, Some(d("2021-06-30")));
    assert_eq!(step(&s, "completion").due, Some(d("2021-12-31")));
    assert!(step(&s, "start").due_rule.as_ref().unwrap().source.contains("[003 一]"));
    assert_eq!(step(&s, "survey").due, None);
    let s = project_steps(&q, &facts(2022, 100_000_000));
    assert_eq!(step(&s, "start").due, None);
}

#[test]
fn qinzhou_four_million_boundary() {
    let q = eff("qinzhou");
    let s = project_steps(&q, &facts(2021, 399_999_999)); // ¥3,999,999.99
    let pd = step(&s, "preliminary_design");
    assert!(!pd.required, "{}", pd.reason_zh);
    assert!(pd.rule.source.contains("[003 二(三)2]"));
    let s = project_steps(&q, &facts(2021, 400_000_000)); // ¥4,000,000 (不含400万元)
    assert!(step(&s, "preliminary_design").required);
    let s = project_steps(&q, &facts(2021, 400_000_001));
    assert!(step(&s, "preliminary_design").required);
    // plan replaces proposal and feasibility study [003 二(三)2]
    assert!(!step(&s, "feasibility_study").required);
    // elsewhere the preliminary design is always required, unless merged (Fenyang [004 六(一)])
    assert!(step(&project_steps(&eff("ruicheng"), &facts(2025, 1)), "preliminary_design").required);
    assert!(!step(&project_steps(&eff("fenyang"), &facts(2025, 900_000_000)), "preliminary_design").required);
    assert!(step(&project_steps(&eff("ruicheng"), &facts(2025, 1)), "feasibility_study").required);
}

#[test]
fn drawing_review_and_construction_permit() {
    let r = eff("ruicheng");
    let low = facts(2025, 1);
    assert!(!step(&project_steps(&r, &low), "drawing_review").required);
    let structural = ProjectFacts { structural_change: true, ..low };
    assert!(step(&project_steps(&r, &structural), "drawing_review").required);
    let risky = ProjectFacts { high_risk: true, ..low };
    assert!(step(&project_steps(&r, &risky), "drawing_review").required);
    // construction permit: Fenyang ≤300 m² new build without high-risk work [004 六(二)]
    let f = eff("fenyang");
    for (area, high, needed) in
        [(29_999, false, false), (30_000, false, false), (30_001, false, true), (10_000, true, true)]
    {
        let pf = ProjectFacts { new_floor_area: Dm2(area), high_risk: high, ..low };
        let st = project_steps(&f, &pf);
        let c = step(&st, "construction_permit");
        assert_eq!(c.required, needed, "{area} {high}: {}", c.reason_zh);
        assert!(c.rule.source.contains("[004 六(二)]"));
        assert!(step(&st, "permits").required);
    }
    assert!(step(&project_steps(&r, &low), "construction_permit").required);
}

#[test]
fn prerequisites() {
    assert!(step_prerequisites(StepKey::Start).contains(&StepKey::Permits));
    assert!(step_prerequisites(StepKey::Start).contains(&StepKey::ConstructionPermit));
    assert_eq!(step_prerequisites(StepKey::Acceptance), [StepKey::Completion]);
    assert!(step_prerequisites(StepKey::Survey).is_empty());
    // An unknown key is no longer representable: "nonsense" does not parse.
    assert!(StepKey::parse("nonsense").is_none());
    // every prerequisite is an earlier step
    for (i, (k, pre)) in STEPS.iter().enumerate() {
        for p in *pre {
            let j = STEPS.iter().position(|s| s.0 == *p).unwrap_or_else(|| panic!("{k}: {p}"));
            assert!(j < i, "{k} needs later {p}");
        }
    }
}

// ───────────── annual plan ─────────────

fn proj(name: &str, households: i64, extended: i64, agree: i64) -> PlanProject {
    PlanProject {
        name: name.into(),
        estates: 1,
        households,
        extended_households: extended,
        consent_agree: agree,
        consent_households: households,
        consents: vec![],
    }
}

#[test]
fn suzhou_2022_plan_extended_cap() {
    let p = eff("suzhou-ah");
    // 15 of 100 households extended: exactly at the cap passes
    let mut f = PlanFacts {
        plan_year: 2022,
        submitted_on: Some(d("2021-06-10")),
        today: d("2021-07-01"),
        projects: vec![proj("甲小区", 85, 0, 70), proj("乙小区", 15, 15, 12)],
        target_estates: Some(2),
        elsewhere: vec![],
    };
    let r = annual_plan(&p, &f).unwrap();
    assert_eq!(r.outcome, Outcome::Pass, "{:#?}", r.checks);
    let cap = r.checks.iter().find(|c| c.check == "extended_household_cap").unwrap();
    assert_eq!(cap.outcome, Outcome::Pass);
    assert!(cap.rule.source.contains("[002 二(一)]"));
    // 16 of 100: over the cap
    f.projects = vec![proj("甲小区", 84, 0, 70), proj("乙小区", 16, 16, 13)];
    let r = annual_plan(&p, &f).unwrap();
    assert_eq!(r.outcome, Outcome::Fail);
    // the cap is for 2022 only
    f.plan_year = 2023;
    f.submitted_on = Some(d("2022-06-09"));
    let r = annual_plan(&p, &f).unwrap();
    let cap = r.checks.iter().find(|c| c.check == "extended_household_cap").unwrap();
    assert_eq!(cap.outcome, Outcome::NotApplicable);
    // late submission (6月上旬 = by 10 June)
    f.submitted_on = Some(d("2022-06-11"));
    let r = annual_plan(&p, &f).unwrap();
    let due = r.checks.iter().find(|c| c.check == "plan_due").unwrap();
    assert_eq!(due.outcome, Outcome::Fail);
    assert!(due.rule.source.contains("[002 三(一)]"));
}

#[test]
fn changzhi_plan_target_consent_and_due() {
    let p = eff("changzhi");
    let projects: Vec<PlanProject> = (0..208).map(|i| proj(&format!("小区{i}"), 100, 0, 80)).collect();
    let mut f = PlanFacts {
        plan_year: 2022,
        submitted_on: Some(d("2021-09-15")),
        today: d("2021-10-01"),
        projects,
        target_estates: None,
        elsewhere: vec![],
    };
    let r = annual_plan(&p, &f).unwrap();
    assert_eq!(r.outcome, Outcome::Pass);
    let t = r.checks.iter().find(|c| c.check == "target_annual").unwrap();
    assert!(t.rule.source.contains("[000 二]"));
    f.projects.pop();
    assert_eq!(annual_plan(&p, &f).unwrap().outcome, Outcome::Fail);
    f.projects.push(proj("小区x", 100, 0, 79));
    let r = annual_plan(&p, &f).unwrap();
    let bad: Vec<_> = r.checks.iter().filter(|c| c.outcome == Outcome::Fail).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].subject.as_deref(), Some("小区x"));
    // not submitted: pending before the due date, failed after
    f.submitted_on = None;
    f.today = d("2021-09-15");
    let due = annual_plan(&p, &f).unwrap().checks.into_iter().find(|c| c.check == "plan_due").unwrap();
    assert_eq!(due.outcome, Outcome::NotApplicable);
    f.today = d("2021-09-16");
    let due = annual_plan(&p, &f).unwrap().checks.into_iter().find(|c| c.check == "plan_due").unwrap();
    assert_eq!(due.outcome, Outcome::Fail);
}

// ───────────── co-funding and ranking ─────────────

#[test]
fn qinzhou_cofunding() {
    let q = eff("qinzhou");
    let f = |res, ent| Funding { total_investment: Fen(1_000_000), residents: Fen(res), enterprises: Fen(ent) };
    let at = cofunding(&q, &f(150_000, 50_000)).unwrap();
    assert_eq!(at.outcome, Outcome::Pass);
    assert!(at.rule.source.contains("[003 四(一)1]"));
    assert_eq!(cofunding(&q, &f(150_000, 49_999)).unwrap().outcome, Outcome::Fail);
    assert!(cofunding(&q, &f(900_000, 200_000)).is_err());
    // no co-funding rule in Ruicheng
    assert_eq!(cofunding(&eff("ruicheng"), &f(0, 0)).unwrap().outcome, Outcome::NotApplicable);
}

#[test]
fn ranking_breakdown() {
    let p = eff("ruicheng");
    let r = |n, d| Ratio::new(n, d).unwrap();
    let x = RankingInputs {
        willingness: r(9, 10),
        contribution: r(1, 5),
        participation: r(3, 4),
        illegal_removed: r(1, 1),
        built_year: 1995,
        plan_year: 2025,
        safety: Some(SafetyRating::C),
    };
    let s = ranking_score(&p, &x);
    // 30×0.9 + 20×0.2 + 15×0.75 + 15×1 + 10×1 + 10×2/3 = 27 + 4 + 11.25 + 15 + 10 + 6.666…
    assert_eq!(s.score_centi, 7391);
    assert_eq!(s.max_points, 100);
    assert_eq!(s.parts.len(), 6);
    assert!(s.parts.iter().all(|p| p.rule.source.contains("本系统默认值")));
    let y = RankingInputs { safety: Some(SafetyRating::B), ..x };
    assert_eq!(ranking_score(&p, &y).cmp_exact(&s), std::cmp::Ordering::Less);
}

#[test]
fn plan_consent_gate_per_estate_and_one_plan_per_estate() {
    let p = eff("changzhi");
    let consent = |estate: &str, consultation: Option<i64>, agree: i64, households: i64, registry: i64| EstateConsent {
        estate: estate.into(),
        consultation,
        agree,
        households,
        registry_households: Some(registry),
    };
    let mut x = proj("甲项目", 100, 0, 100);
    // typed figures on the project would pass; the estates' own consultations decide
    x.consents = vec![
        consent("甲小区", Some(7), 50, 60, 60), // 83.33% ≥ 2/3: passes
        consent("乙小区", None, 0, 0, 40),      // no closed consultation
        consent("丙小区", Some(9), 38, 40, 45), // roll of 40, registry 45
    ];
    let f = PlanFacts {
        plan_year: 2023,
        submitted_on: None,
        today: d("2022-08-01"),
        projects: vec![x],
        target_estates: Some(1),
        elsewhere: vec![EstateElsewhere { estate: "丁小区".into(), plan: "2022年度计划 #3".into() }],
    };
    let r = annual_plan(&p, &f).unwrap();
    let by = |s: &str| r.checks.iter().find(|c| c.subject.as_deref() == Some(s)).unwrap();
    assert_eq!(by("甲项目：甲小区").outcome, Outcome::Pass);
    assert!(by("甲项目：甲小区").reason_zh.starts_with("征询 #7"));
    assert_eq!(by("甲项目：乙小区").outcome, Outcome::Fail);
    assert!(by("甲项目：乙小区").reason_zh.contains("没有已结束的改造意愿征询"));
    assert_eq!(by("甲项目：丙小区").outcome, Outcome::Fail);
    assert!(by("甲项目：丙小区").reason_zh.contains("与一区一档登记的 45 户不符"));
    let one = r.checks.iter().find(|c| c.check == "one_plan_per_estate").unwrap();
    assert_eq!(one.outcome, Outcome::Fail);
    assert!(one.reason_zh.contains("「丁小区」已在2022年度计划 #3"));
    assert_eq!(r.outcome, Outcome::Fail);
}

#[test]
fn fenyang_review_chain_is_data() {
    let p = eff("fenyang");
    let r = p.rule("plan_review_chain", None).unwrap();
    let RuleValue::ReviewChain(steps) = &r.value else { panic!("not a chain: {:?}", r.value) };
    assert_eq!(steps.len(), 4);
    assert_eq!(steps[2].role.as_deref(), Some("department"));
    assert_eq!(steps[3].level, "city");
    assert!(r.source.contains("[004 四(三)1]"));
    // elsewhere: the level above, by default
    let cz = eff("changzhi");
    let RuleValue::ReviewChain(d) = &cz.rule("plan_review_chain", None).unwrap().value else { panic!() };
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].level, "parent");
}

#[test]
fn ruicheng_county_pays_the_remainder_after_higher_subsidies() {
    let p = eff("ruicheng");
    let f = |county: i64| Remainder {
        basis: Fen(350_000_000),
        higher_subsidies: Fen(120_500_000),
        non_government: Fen(29_500_000),
        county: Fen(county),
    };
    let exact = county_remainder(&p, &f(200_000_000));
    assert_eq!(exact.outcome, Outcome::Pass, "{}", exact.reason_zh);
    assert!(exact.rule.source.contains("[001 三(二)]"));
    assert!(exact.reason_zh.contains("县级应承担 2,000,000.00元"), "{}", exact.reason_zh);
    assert_eq!(county_remainder(&p, &f(199_999_999)).outcome, Outcome::Fail);
    // Elsewhere the seeds set no such rule.
    assert_eq!(county_remainder(&eff("changzhi"), &f(0)).outcome, Outcome::NotApplicable);
}

#[test]
fn step_units_name_the_unit_that_records_each_approval_step() {
    let set = ProfileSet::builtin();
    let rc = set.effective("ruicheng").unwrap();
    let (unit, r) = jiugai_rules::step_unit(&rc, jiugai_domain::StepKey::Approval).unwrap();
    assert_eq!(unit, "县发改局");
    assert!(r.source.contains("001 附件2"), "{}", r.source);
    let (unit, _) = jiugai_rules::step_unit(&rc, jiugai_domain::StepKey::ConstructionPermit).unwrap();
    assert_eq!(unit, "县行政审批局");
    let fy = set.effective("fenyang").unwrap();
    let (unit, r) = jiugai_rules::step_unit(&fy, jiugai_domain::StepKey::FeasibilityStudy).unwrap();
    assert_eq!(unit, "市行政审批局");
    assert!(r.source.contains("004 附件 三"), "{}", r.source);
    // Not mapped: any department may record it; the national baseline maps nothing.
    assert!(jiugai_rules::step_unit(&rc, jiugai_domain::StepKey::DrawingReview).is_none());
    let nat = set.effective("national").unwrap();
    assert!(jiugai_rules::step_unit(&nat, jiugai_domain::StepKey::Approval).is_none());
    // An unknown step key in a profile is refused.
    let text = "name = \"x\"\ntitle = \"x\"\nregion_code = \"140802\"\ninherits = \"national\"\n\n[rules.step_units]\nvalue = { aproval = \"县发改局\" }\nsource = \"t\"\n";
    let mut s2 = ProfileSet::builtin();
    let e = s2.load("x.toml", text).map(|_| ()).unwrap_err();
    assert!(format!("{e:?}").contains("aproval"), "{e:?}");
}
