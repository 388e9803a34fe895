//! The annual plan's checks and its due date.

#[allow(unused_imports)]
use super::*;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanProject {
    pub name: String,
    /// Estates the project renovates (a package may hold several); counts toward the year's target.
    pub estates: i64,
    pub households: i64,
    /// Households in estates of the extended scope (eligibility verdict `extended`).
    pub extended_households: i64,
    pub consent_agree: i64,
    pub consent_households: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanFacts {
    pub plan_year: i32,
    /// When the plan was submitted upward; `None` = not yet.
    pub submitted_on: Option<Date>,
    /// Today, supplied by the caller (the rules never read a clock).
    pub today: Date,
    pub projects: Vec<PlanProject>,
    /// The year's target in estates; `None` = take `target_annual` of the profile.
    pub target_estates: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanReport {
    pub plan_year: i32,
    pub outcome: Outcome,
    pub checks: Vec<Decision>,
}

/// Annual plan checks: extended-scope household share, each project's consent, size against the year's
/// target, and submission by the due date (in the year before the plan year).
pub fn annual_plan(p: &EffectiveProfile, f: &PlanFacts) -> Result<PlanReport, InputError> {
    let y = f.plan_year;
    let mut checks = Vec::new();
    // 1. extended share
    let households: i64 = f.projects.iter().map(|x| x.households).sum();
    let extended: i64 = f.projects.iter().map(|x| x.extended_households).sum();
    if let Some(x) = f.projects.iter().find(|x| x.extended_households > x.households) {
        return Err(input_err(
            format!("项目 {} 的扩展范围户数大于总户数", x.name),
            format!("project {}: extended households exceed households", x.name),
        ));
    }
    let mut d = share_check(
        p,
        "extended_household_cap",
        Some(y),
        extended,
        households,
        "扩展范围（2000年后建成）户数",
        "extended-scope households",
    )?;
    d.subject = Some(format!("{y}年度计划"));
    checks.push(d);
    // 2. consent per project
    for x in &f.projects {
        let mut d = consent_to_plan(p, x.consent_agree, x.consent_households)?;
        d.subject = Some(x.name.clone());
        checks.push(d);
    }
    // 3. size against target
    let planned: i64 = f.projects.iter().map(|x| x.estates).sum();
    let from_profile = p.rule("target_annual", None).and_then(|r| match &r.value {
        RuleValue::YearCounts(m) => m.get(&y).map(|n| (*n, RuleRef::of(r))),
        _ => None,
    });
    let target = match (f.target_estates, from_profile) {
        (Some(n), _) => Some((
            n,
            RuleRef {
                rule: "target_annual".into(),
                value: n.to_string(),
                source: "调用方给定的年度任务（任务分解表）".into(),
                profile: String::new(),
            },
        )),
        (None, t) => t,
    };
    checks.push(match target {
        Some((n, r)) => {
            let ok = planned >= n;
            Decision {
                check: "target_annual".into(),
                subject: Some(format!("{y}年度计划")),
                outcome: if ok { Outcome::Pass } else { Outcome::Fail },
                rule: r,
                achieved: None,
                reason_zh: format!("计划改造小区 {planned} 个，{y}年任务 {n} 个：{}", if ok { "满足" } else { "不足" }),
                reason_en: format!(
                    "{planned} estates planned, target for {y} is {n}: {}",
                    if ok { "met" } else { "short" }
                ),
            }
        }
        None => Decision {
            check: "target_annual".into(),
            subject: Some(format!("{y}年度计划")),
            outcome: Outcome::NotApplicable,
            rule: RuleRef::unset("target_annual"),
            achieved: None,
            reason_zh: format!("未设定{y}年任务数，不作检查"),
            reason_en: format!("no target for {y}; not checked"),
        },
    });
    // 4. due date
    checks.push(plan_due_check(p, y, f.submitted_on, f.today));
    let outcome = if checks.iter().any(|c| c.outcome == Outcome::Fail) { Outcome::Fail } else { Outcome::Pass };
    Ok(PlanReport { plan_year: y, outcome, checks })
}

/// The date the plan for `plan_year` is due (the `plan_due` day in the year before).
pub fn plan_due_date(p: &EffectiveProfile, plan_year: i32) -> Option<(Date, &EffectiveRule)> {
    let r = p.rule("plan_due", Some(plan_year))?;
    match r.value {
        RuleValue::MonthDay(md) => md.in_year(plan_year - 1).map(|d| (d, r)),
        _ => None,
    }
}

fn plan_due_check(p: &EffectiveProfile, y: i32, submitted: Option<Date>, today: Date) -> Decision {
    let subject = Some(format!("{y}年度计划"));
    let Some((due, r)) = plan_due_date(p, y) else {
        return Decision {
            check: "plan_due".into(),
            subject,
            outcome: Outcome::NotApplicable,
            rule: RuleRef::unset("plan_due"),
            achieved: None,
            reason_zh: "未设定计划上报期限".into(),
            reason_en: "no plan due date set".into(),
        };
    };
    let (outcome, zh, en) = match submitted {
        Some(s) if s <= due => {
            (Outcome::Pass, format!("{s} 上报，期限 {due}：按时"), format!("submitted {s}, due {due}: on time"))
        }
        Some(s) => (Outcome::Fail, format!("{s} 上报，期限 {due}：逾期"), format!("submitted {s}, due {due}: late")),
        None if today > due => (
            Outcome::Fail,
            format!("截至 {today} 未上报，期限 {due}：已逾期"),
            format!("not submitted as of {today}, due {due}: overdue"),
        ),
        None => (Outcome::NotApplicable, format!("尚未上报，期限 {due}"), format!("not yet submitted; due {due}")),
    };
    Decision {
        check: "plan_due".into(),
        subject,
        outcome,
        rule: RuleRef::of(r),
        achieved: None,
        reason_zh: zh,
        reason_en: en,
    }
}
