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
    /// Consent per estate from its closed consultation (the gate): when given, these decide instead of
    /// `consent_agree`/`consent_households`, which are figures typed on the project.
    pub consents: Vec<EstateConsent>,
}

/// An estate's consent to renovation as its latest closed consent consultation counted it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EstateConsent {
    pub estate: String,
    /// The closed consultation; `None`: the estate has none.
    pub consultation: Option<i64>,
    pub agree: i64,
    /// Households on the consultation's roll (frozen when it opened).
    pub households: i64,
    /// Households in the registry (一区一档) now; a roll that does not match it does not count.
    pub registry_households: Option<i64>,
}

/// An estate of the plan that another plan of the same year or a later one already holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstateElsewhere {
    pub estate: String,
    pub plan: String,
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
    /// Estates of this plan already in another plan.
    #[serde(default)]
    pub elsewhere: Vec<EstateElsewhere>,
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
    // 2. consent per project, or per estate from its closed consultation (the gate)
    for x in &f.projects {
        if x.consents.is_empty() {
            let mut d = consent_to_plan(p, x.consent_agree, x.consent_households)?;
            d.subject = Some(x.name.clone());
            checks.push(d);
            continue;
        }
        for c in &x.consents {
            checks.push(estate_consent(p, &x.name, c)?);
        }
    }
    // 2b. one plan per estate
    checks.push(one_plan_per_estate(y, &f.elsewhere));
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

/// One estate's consent as the gate reads it [001 二(三)1]: its latest closed consent consultation, passing
/// `consent_to_plan`, on a roll equal to the registry; no consultation, or a roll that differs, fails.
pub fn estate_consent(p: &EffectiveProfile, project: &str, c: &EstateConsent) -> Result<Decision, InputError> {
    let subject = Some(format!("{project}：{}", c.estate));
    let Some(id) = c.consultation else {
        let mut d = consent_to_plan(p, 0, 0)?;
        d.subject = subject;
        d.outcome = Outcome::Fail;
        d.reason_zh = format!("小区「{}」没有已结束的改造意愿征询：请先组织征询，结束后再列入计划", c.estate);
        d.reason_en = format!(
            "estate {} has no closed consent consultation: hold one and close it before planning the estate",
            c.estate
        );
        return Ok(d);
    };
    let mut d = consent_to_plan(p, c.agree, c.households)?;
    d.subject = subject;
    if let Some(reg) = c.registry_households
        && reg != c.households
    {
        d.outcome = Outcome::Fail;
        d.reason_zh = format!(
            "小区「{}」的征询 #{id} 名册 {} 户，与一区一档登记的 {reg} 户不符：请核对住户名册后重新征询",
            c.estate, c.households
        );
        d.reason_en = format!(
            "estate {}: consultation #{id} polled {} households, the registry holds {reg}: check the roll and consult again",
            c.estate, c.households
        );
        return Ok(d);
    }
    d.reason_zh = format!("征询 #{id}：{}", d.reason_zh);
    d.reason_en = format!("consultation #{id}: {}", d.reason_en);
    Ok(d)
}

fn one_plan_per_estate(y: i32, elsewhere: &[EstateElsewhere]) -> Decision {
    let rule = RuleRef {
        rule: "one_plan_per_estate".into(),
        value: "1".into(),
        source: "本系统规则：一个小区只列入一个年度计划（“实施一批、谋划一批、储备一批” [000 三(一)；004 四(三)1]，按年度确定改造小区名单）".into(),
        profile: String::new(),
    };
    let (outcome, zh, en) = if elsewhere.is_empty() {
        (
            Outcome::Pass,
            "计划中的小区均未列入其他年度计划".to_string(),
            "no estate of the plan is in another plan".to_string(),
        )
    } else {
        let zh: Vec<String> = elsewhere.iter().map(|e| format!("「{}」已在{}", e.estate, e.plan)).collect();
        let en: Vec<String> = elsewhere.iter().map(|e| format!("{} is already in {}", e.estate, e.plan)).collect();
        (
            Outcome::Fail,
            format!("{}：请从本计划移出，或先从其他计划移出", zh.join("；")),
            format!("{}: remove it from this plan or from the other", en.join("; ")),
        )
    };
    Decision {
        check: "one_plan_per_estate".into(),
        subject: Some(format!("{y}年度计划")),
        outcome,
        rule,
        achieved: None,
        reason_zh: zh,
        reason_en: en,
    }
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

/// One estate's consent from a survey record (民意调查) where the system holds no closed consultation
/// [001 二(三)1]: the surveyed households must equal the estate's registry (or its 户数 without one), and
/// the agreeing share passes `consent_to_plan`. Estate by estate: a package's total never stands for its
/// estates.
pub fn survey_consent(
    p: &EffectiveProfile,
    project: &str,
    estate: &str,
    agree: i64,
    households: i64,
    registry: Option<i64>,
) -> Result<Decision, InputError> {
    let mut d = consent_to_plan(p, agree, households)?;
    d.subject = Some(format!("{project}：{estate}"));
    match registry {
        Some(reg) if reg != households => {
            d.outcome = Outcome::Fail;
            d.reason_zh = format!(
                "小区「{estate}」的民意调查记录 {households} 户，与登记的 {reg} 户不符：调查须覆盖登记的全部住户"
            );
            d.reason_en = format!(
                "estate {estate}: the survey record counts {households} households, the registry {reg}: a survey covers every registered household"
            );
        }
        None => {
            d.outcome = Outcome::Fail;
            d.reason_zh = format!("小区「{estate}」没有住户名册，也没有登记户数：无法核对民意调查的户数");
            d.reason_en = format!(
                "estate {estate} has neither a household registry nor a household count: the survey cannot be checked"
            );
        }
        _ => {
            d.reason_zh = format!("民意调查记录：{}", d.reason_zh);
            d.reason_en = format!("survey record: {}", d.reason_en);
        }
    }
    Ok(d)
}
