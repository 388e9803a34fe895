//! Decisions taken under an [`EffectiveProfile`]. Each names the rule, its value and its source.

use crate::profile::{EffectiveProfile, EffectiveRule, RuleValue};
use crate::units::{Cmp, Date, Dm2, Fen, Ratio, Threshold};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

// ───────────────────────────── Common output ─────────────────────────────

/// Result of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// The profile sets no such rule, or there is nothing to check yet.
    NotApplicable,
}

/// Which rule a decision applied: key, value as text, source (document + clause), and the profile that set it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRef {
    pub rule: String,
    pub value: String,
    pub source: String,
    pub profile: String,
}

impl RuleRef {
    fn of(r: &EffectiveRule) -> RuleRef {
        RuleRef { rule: r.key.clone(), value: r.text.clone(), source: r.source.clone(), profile: r.profile.clone() }
    }
    fn unset(key: &str) -> RuleRef {
        RuleRef {
            rule: key.to_string(),
            value: String::new(),
            source: "（本政策配置未设定此规则）".to_string(),
            profile: String::new(),
        }
    }
    fn workflow() -> RuleRef {
        RuleRef {
            rule: "workflow".to_string(),
            value: "required".to_string(),
            source: "改造程序 [001 二(四); 004 四]".to_string(),
            profile: String::new(),
        }
    }
}

/// An achieved share, exact, with a display text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Achieved {
    pub num: i64,
    pub den: i64,
}

/// One decision: outcome, the rule applied, what was achieved, and why (Chinese and English).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// What was checked (usually the rule key; e.g. `consent_to_plan`, `plan_due`).
    pub check: String,
    /// What it was checked for (a project name, a region and year…), if not the whole input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub outcome: Outcome,
    #[serde(flatten)]
    pub rule: RuleRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achieved: Option<Achieved>,
    pub reason_zh: String,
    pub reason_en: String,
}

/// Input that cannot be decided on (e.g. more "yes" than households).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message_zh} ({message_en})")]
pub struct InputError {
    pub message_zh: String,
    pub message_en: String,
}

fn input_err(zh: impl Into<String>, en: impl Into<String>) -> InputError {
    InputError { message_zh: zh.into(), message_en: en.into() }
}

fn share_of<'a>(p: &'a EffectiveProfile, key: &str, year: Option<i32>) -> Option<(Threshold, &'a EffectiveRule)> {
    let r = p.rule(key, year)?;
    match &r.value {
        RuleValue::Share(t) => Some((*t, r)),
        _ => None,
    }
}

fn flag<'a>(p: &'a EffectiveProfile, key: &str) -> Option<(bool, &'a EffectiveRule)> {
    let r = p.rule(key, None)?;
    match r.value {
        RuleValue::Bool(b) => Some((b, r)),
        _ => None,
    }
}

fn year_of<'a>(p: &'a EffectiveProfile, key: &str) -> Option<(i32, &'a EffectiveRule)> {
    let r = p.rule(key, None)?;
    match r.value {
        RuleValue::Year(y) => Some((y, r)),
        _ => None,
    }
}

fn pct(part: i64, whole: i64) -> String {
    Ratio { num: part, den: whole }.percent_text()
}

/// Check `part` of `whole` against the share rule `key` (for plan year `year`, if year-specific).
/// `what_zh`/`what_en` name the quantity, e.g. "同意改造的户数" / "households agreeing".
pub fn share_check(
    p: &EffectiveProfile,
    key: &str,
    year: Option<i32>,
    part: i64,
    whole: i64,
    what_zh: &str,
    what_en: &str,
) -> Result<Decision, InputError> {
    if part < 0 || whole < 0 {
        return Err(input_err(format!("{what_zh}不能为负数"), format!("{what_en}: negative count")));
    }
    if part > whole {
        return Err(input_err(
            format!("{what_zh}（{part}）大于总数（{whole}）"),
            format!("{what_en}: {part} exceeds the whole {whole}"),
        ));
    }
    let Some((t, r)) = share_of(p, key, year) else {
        return Ok(Decision {
            check: key.to_string(),
            subject: None,
            outcome: Outcome::NotApplicable,
            rule: RuleRef::unset(key),
            achieved: None,
            reason_zh: format!("政策配置 {} 未设定规则 {key}，不作检查", p.name),
            reason_en: format!("profile {} sets no rule {key}; not checked", p.name),
        });
    };
    if whole == 0 {
        // Nothing to measure: a floor (≥, >) is not reached; a cap (≤, <) has nothing to cap.
        let floor = matches!(t.cmp, Cmp::AtLeast | Cmp::MoreThan);
        return Ok(Decision {
            check: key.to_string(),
            subject: None,
            outcome: if floor { Outcome::Fail } else { Outcome::NotApplicable },
            rule: RuleRef::of(r),
            achieved: None,
            reason_zh: if floor {
                format!("总数为0，无法达到{what_zh}{}{}的要求", t.cmp.zh(), t.ratio)
            } else {
                format!("总数为0，{what_zh}无需检查")
            },
            reason_en: if floor {
                format!("the whole is 0; {what_en} cannot reach {} {}", t.cmp.en(), t.ratio)
            } else {
                format!("the whole is 0; {what_en} not checked")
            },
        });
    }
    let ok = t.admits(part, whole);
    let least = t.least_passing(whole).map(|n| n.clamp(0, whole.saturating_add(1)));
    let (zh_tail, en_tail) = match (ok, least) {
        (false, Some(n)) if n <= whole => (format!("，至少需要 {n}"), format!("; at least {n} needed")),
        (false, Some(_)) => ("，无法达到".to_string(), "; unreachable".to_string()),
        _ => (String::new(), String::new()),
    };
    Ok(Decision {
        check: key.to_string(),
        subject: None,
        outcome: if ok { Outcome::Pass } else { Outcome::Fail },
        rule: RuleRef::of(r),
        achieved: Some(Achieved { num: part, den: whole }),
        reason_zh: format!(
            "{what_zh} {part}/{whole}（{}），要求{}{}：{}{zh_tail}",
            pct(part, whole),
            t.cmp.zh(),
            t.ratio,
            if ok { "达到" } else { "未达到" }
        ),
        reason_en: format!(
            "{what_en} {part}/{whole} ({}), required {} {}: {}{en_tail}",
            pct(part, whole),
            t.cmp.en(),
            t.ratio,
            if ok { "met" } else { "not met" }
        ),
    })
}

/// Consent to enter the plan: households agreeing / all households of the estate [001 二(三)1].
pub fn consent_to_plan(p: &EffectiveProfile, agree: i64, households: i64) -> Result<Decision, InputError> {
    share_check(p, "consent_to_plan", None, agree, households, "同意改造的户数", "households agreeing")
}

/// Plan consultation coverage: households consulted / all households [001 二(四)1].
pub fn consultation_coverage(p: &EffectiveProfile, consulted: i64, households: i64) -> Result<Decision, InputError> {
    share_check(p, "consultation_coverage", None, consulted, households, "征求意见覆盖户数", "households consulted")
}

/// Acceptance satisfaction: satisfied / households that answered [001 二(四)5].
pub fn acceptance_satisfaction(p: &EffectiveProfile, satisfied: i64, answered: i64) -> Result<Decision, InputError> {
    share_check(p, "acceptance_satisfaction", None, satisfied, answered, "满意户数", "households satisfied")
}

// ───────────────────────────── Eligibility ─────────────────────────────

/// Facts about an estate that decide whether it is in scope.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EstateFacts {
    /// Build years of its buildings (e.g. `[1995, 1997]`); empty = not filled in.
    pub built_years: Vec<i32>,
    pub in_shantytown_plan: bool,
    pub self_built: bool,
    pub urban_village: bool,
    /// Declared (申报) by its street/community; `None` = not filled in.
    pub declared: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Built in or before the core year.
    Core,
    /// Built in the extended window and the profile allows it.
    Extended,
    /// Excluded by a rule (shantytown plan, self-built, urban village, not declared).
    Excluded,
    /// Not old enough, or the build year is unknown.
    OutOfScope,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Eligibility {
    pub verdict: Verdict,
    /// The build year that decided (earliest or latest per `build_year_basis`).
    pub deciding_year: Option<i32>,
    #[serde(flatten)]
    pub rule: RuleRef,
    /// Within the survey scope (`survey_built_by`), when the profile sets one and the year is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_survey_scope: Option<bool>,
    pub reason_zh: String,
    pub reason_en: String,
}

/// Is the estate in the programme's scope? Exclusion flags win over age; an unknown build year is out of scope.
pub fn eligibility(p: &EffectiveProfile, e: &EstateFacts) -> Eligibility {
    let mk = |verdict, year, r: RuleRef, zh: String, en: String| Eligibility {
        verdict,
        deciding_year: year,
        rule: r,
        in_survey_scope: None,
        reason_zh: zh,
        reason_en: en,
    };
    for (key, set, zh, en) in [
        ("exclude_shantytown", e.in_shantytown_plan, "已纳入棚户区改造计划", "in a shantytown renovation plan"),
        ("exclude_self_built", e.self_built, "以居民自建住房为主", "mainly self-built housing"),
        ("exclude_urban_village", e.urban_village, "属于城中村", "an urban village"),
    ] {
        if set && let Some((true, r)) = flag(p, key) {
            return mk(
                Verdict::Excluded,
                None,
                RuleRef::of(r),
                format!("{zh}，不属于城镇老旧小区改造范围"),
                format!("{en}: not within the renovation programme"),
            );
        }
    }
    if let Some((true, r)) = flag(p, "declared_only") {
        match e.declared {
            Some(true) => {}
            Some(false) => {
                return mk(
                    Verdict::Excluded,
                    None,
                    RuleRef::of(r),
                    "未申报，不在本次改造范围内".into(),
                    "not declared: outside this programme".into(),
                );
            }
            None => {
                return mk(
                    Verdict::OutOfScope,
                    None,
                    RuleRef::of(r),
                    "是否已申报未填写，本地只改造已申报的小区".into(),
                    "declared or not is not filled in; only declared estates are in scope here".into(),
                );
            }
        }
    }
    let basis = p.rule("build_year_basis", None);
    let latest = basis.is_some_and(|r| matches!(&r.value, RuleValue::Choice(c) if c == "latest"));
    let year = if latest { e.built_years.iter().max() } else { e.built_years.iter().min() }.copied();
    let Some((core, core_rule)) = year_of(p, "core_built_by") else {
        return mk(
            Verdict::OutOfScope,
            year,
            RuleRef::unset("core_built_by"),
            "政策配置未设定重点改造年份".into(),
            "the profile sets no core build year".into(),
        );
    };
    let Some(y) = year else {
        return mk(
            Verdict::OutOfScope,
            None,
            RuleRef::of(core_rule),
            "建成年代未填写，无法判定是否属于改造范围".into(),
            "build year not filled in: scope cannot be decided".into(),
        );
    };
    let which_zh = if e.built_years.len() > 1 {
        if latest { "（以最晚建成年份判定）" } else { "（以最早建成年份判定）" }
    } else {
        ""
    };
    let which_en = if e.built_years.len() > 1 {
        if latest { " (latest build year decides)" } else { " (earliest build year decides)" }
    } else {
        ""
    };
    let mut out = if y <= core {
        mk(
            Verdict::Core,
            Some(y),
            RuleRef::of(core_rule),
            format!("{y}年建成{which_zh}，不晚于{core}年，属于重点改造范围"),
            format!("built {y}{which_en}, not later than {core}: core scope"),
        )
    } else {
        let allowed = flag(p, "extended_allowed");
        let from = year_of(p, "extended_built_from");
        let to = year_of(p, "extended_built_to");
        match (allowed, from, to) {
            (Some((true, _)), Some((f, _)), Some((t, tr))) if y >= f && y <= t => mk(
                Verdict::Extended,
                Some(y),
                RuleRef::of(tr),
                format!("{y}年建成{which_zh}，在{f}–{t}年之间，属于扩展改造范围"),
                format!("built {y}{which_en}, within {f}–{t}: extended scope"),
            ),
            (Some((false, ar)), _, _) => mk(
                Verdict::OutOfScope,
                Some(y),
                RuleRef::of(ar),
                format!("{y}年建成{which_zh}，晚于{core}年，本地不纳入{core}年后建成的小区"),
                format!("built {y}{which_en}, after {core}; this profile does not admit later estates"),
            ),
            (_, _, Some((t, tr))) => mk(
                Verdict::OutOfScope,
                Some(y),
                RuleRef::of(tr),
                format!("{y}年建成{which_zh}，不在改造范围（重点不晚于{core}年，扩展至{t}年）"),
                format!("built {y}{which_en}: outside scope (core up to {core}, extended up to {t})"),
            ),
            _ => mk(
                Verdict::OutOfScope,
                Some(y),
                RuleRef::of(core_rule),
                format!("{y}年建成{which_zh}，晚于{core}年，不在重点改造范围"),
                format!("built {y}{which_en}, after {core}: not in core scope"),
            ),
        }
    };
    out.in_survey_scope = year_of(p, "survey_built_by").map(|(s, _)| y <= s);
    out
}

// ───────────────────────────── Joint decision (Civil Code art. 278) ─────────────────────────────

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Matter {
    /// Passed by more than half of the participating area and owners.
    Ordinary,
    /// Maintenance fund, rebuilding, change of use of common parts: three quarters of both.
    Major,
}

/// A tally of a joint decision. Areas in dm² (0.01 m²); owners are counted by head.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointVote {
    pub matter: Matter,
    pub total_area: Dm2,
    pub total_owners: i64,
    pub participating_area: Dm2,
    pub participating_owners: i64,
    pub yes_area: Dm2,
    pub yes_owners: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JointDecision {
    pub matter: Matter,
    pub outcome: Outcome,
    /// Four checks, each reported separately: participation by area and by owners, then approval by area and by owners.
    pub checks: Vec<Decision>,
    pub reason_zh: String,
    pub reason_en: String,
}

/// Civil Code art. 278 joint decision: participation (both ≥2/3 of all), then approval of the
/// participating area and owners (ordinary: more than half; major: at least three quarters).
pub fn joint_decision(p: &EffectiveProfile, v: &JointVote) -> Result<JointDecision, InputError> {
    let (ta, pa, ya) = (v.total_area.0, v.participating_area.0, v.yes_area.0);
    let ordered = |yes: i64, part: i64, total: i64| 0 <= yes && yes <= part && part <= total;
    if !ordered(ya, pa, ta) || !ordered(v.yes_owners, v.participating_owners, v.total_owners) {
        return Err(input_err(
            "表决数据须满足 0 ≤ 同意 ≤ 参与表决 ≤ 总数（面积和人数）",
            "tally must satisfy 0 ≤ yes ≤ participating ≤ total, for area and owners",
        ));
    }
    let (ka, ko) = match v.matter {
        Matter::Ordinary => ("joint_ordinary_area", "joint_ordinary_owners"),
        Matter::Major => ("joint_major_area", "joint_major_owners"),
    };
    let mut checks = vec![
        share_check(
            p,
            "joint_participation_area",
            None,
            pa,
            ta,
            "参与表决业主专有部分面积（0.01㎡）",
            "participating exclusive area (0.01 m²)",
        )?,
        share_check(
            p,
            "joint_participation_owners",
            None,
            v.participating_owners,
            v.total_owners,
            "参与表决业主人数",
            "participating owners",
        )?,
        share_check(
            p,
            ka,
            None,
            ya,
            pa,
            "同意的专有部分面积占参与表决面积（0.01㎡）",
            "yes area of participating area (0.01 m²)",
        )?,
        share_check(
            p,
            ko,
            None,
            v.yes_owners,
            v.participating_owners,
            "同意人数占参与表决人数",
            "yes owners of participating owners",
        )?,
    ];
    // An unset rule (not_applicable) cannot make a vote pass.
    for c in &mut checks {
        if c.outcome == Outcome::NotApplicable {
            c.outcome = Outcome::Fail;
        }
    }
    let participation = checks[..2].iter().all(|c| c.outcome == Outcome::Pass);
    let approval = checks[2..].iter().all(|c| c.outcome == Outcome::Pass);
    let (outcome, zh, en) = match (participation, approval) {
        (false, _) => (
            Outcome::Fail,
            "参与表决的业主未达到法定比例，表决无效",
            "participation below the legal share: the vote is void",
        ),
        (true, false) => (
            Outcome::Fail,
            "参与表决有效，但同意比例未达到，未通过",
            "valid participation, but approval not reached: rejected",
        ),
        (true, true) => (Outcome::Pass, "参与表决和同意比例均达到，通过", "participation and approval reached: passed"),
    };
    Ok(JointDecision { matter: v.matter, outcome, checks, reason_zh: zh.into(), reason_en: en.into() })
}

// ───────────────────────────── Co-funding ─────────────────────────────

/// Residents' and enterprises' money against the project's total investment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funding {
    pub total_investment: Fen,
    pub residents: Fen,
    pub enterprises: Fen,
}

/// Co-funding: (residents + enterprises) / total investment against `cofunding_min_share` [003 四(一)1].
pub fn cofunding(p: &EffectiveProfile, f: &Funding) -> Result<Decision, InputError> {
    let part = f.residents.0.checked_add(f.enterprises.0).ok_or_else(|| input_err("金额溢出", "amount overflow"))?;
    if part > f.total_investment.0 {
        return Err(input_err(
            format!("居民和企业出资（{}元）大于项目总投资（{}元）", Fen(part), f.total_investment),
            format!("residents + enterprises ({}) exceed the total investment ({})", Fen(part), f.total_investment),
        ));
    }
    share_check(
        p,
        "cofunding_min_share",
        None,
        part,
        f.total_investment.0,
        "企业和居民出资（分）占总投资",
        "enterprises + residents (fen) of total investment",
    )
}

// ───────────────────────────── Annual plan ─────────────────────────────

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

// ───────────────────────────── Project steps ─────────────────────────────

/// Facts about a project that decide which approval steps it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectFacts {
    pub plan_year: i32,
    /// Approved total investment.
    pub investment: Fen,
    /// Floor area of new buildings in the project (0 if none).
    pub new_floor_area: Dm2,
    /// Any high-risk work (work at height, heavy lifting, deep excavation).
    pub high_risk: bool,
    /// Changes to the main structure of a building.
    pub structural_change: bool,
}

/// One workflow step for a project: required or not, due date, and the rules behind both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepDecision {
    pub key: &'static str,
    pub name_zh: &'static str,
    pub required: bool,
    /// Why the step is (not) required.
    #[serde(flatten)]
    pub rule: RuleRef,
    pub due: Option<Date>,
    /// The milestone rule that set `due`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_rule: Option<RuleRef>,
    pub reason_zh: String,
    pub reason_en: String,
}

/// Workflow steps in the order they run: (key, Chinese name, prerequisites).
/// Conditional steps: `feasibility_study`, `preliminary_design`, `drawing_review`, `construction_permit`.
pub const STEPS: &[(&str, &str, &[&str])] = &[
    ("survey", "民意调查", &[]),
    ("design", "方案设计", &["survey"]),
    ("publicity", "方案公示", &["design"]),
    ("joint_review", "市级会审", &["publicity"]),
    ("feasibility_study", "项目建议书和可行性研究报告", &["joint_review"]),
    ("approval", "项目立项", &["joint_review", "feasibility_study"]),
    ("preliminary_design", "初步设计审批", &["approval"]),
    ("drawing_review", "施工图审查", &["approval", "preliminary_design"]),
    ("budget_review", "财政评审", &["approval", "preliminary_design", "drawing_review"]),
    ("tender", "工程招标", &["budget_review"]),
    ("permits", "质监、安监备案", &["tender"]),
    ("construction_permit", "施工许可", &["tender"]),
    ("start", "开工", &["permits", "construction_permit"]),
    ("basic_completion", "基本完成", &["start"]),
    ("completion", "全面完成（竣工）", &["basic_completion"]),
    ("acceptance", "联合竣工验收", &["completion"]),
    ("spot_check", "市级抽检", &["acceptance"]),
    ("handover", "专营设施移交", &["acceptance"]),
    ("management", "长效管理", &["handover"]),
];

/// Steps that must be done before `key`. A prerequisite that a project does not require is skipped by the
/// workflow. Unknown keys have none.
pub fn step_prerequisites(key: &str) -> &'static [&'static str] {
    STEPS.iter().find(|s| s.0 == key).map_or(&[], |s| s.2)
}

/// Which steps a project needs and when each is due, under the profile.
pub fn project_steps(p: &EffectiveProfile, f: &ProjectFacts) -> Vec<StepDecision> {
    let y = f.plan_year;
    let low_risk = !f.high_risk && !f.structural_change;
    STEPS
        .iter()
        .map(|&(key, name_zh, _)| {
            let (required, rule, zh, en): (bool, RuleRef, String, String) = match key {
                "feasibility_study" => match flag(p, "plan_replaces_feasibility") {
                    Some((true, r)) => (
                        false,
                        RuleRef::of(r),
                        "改造方案代替项目建议书和可行性研究报告".into(),
                        "the renovation plan replaces proposal and feasibility study".into(),
                    ),
                    Some((false, r)) => (
                        true,
                        RuleRef::of(r),
                        "须编报项目建议书和可行性研究报告".into(),
                        "proposal and feasibility study required".into(),
                    ),
                    None => (
                        true,
                        RuleRef::unset("plan_replaces_feasibility"),
                        "须编报项目建议书和可行性研究报告".into(),
                        "proposal and feasibility study required".into(),
                    ),
                },
                "preliminary_design" => preliminary_design(p, f),
                "drawing_review" => match flag(p, "drawing_review_exempt_low_risk") {
                    Some((true, r)) if low_risk => (
                        false,
                        RuleRef::of(r),
                        "不涉及主体结构变动的低风险项目，告知承诺后可不进行施工图审查".into(),
                        "low risk, no structural change: no drawing review after a written commitment".into(),
                    ),
                    Some((true, r)) => (
                        true,
                        RuleRef::of(r),
                        "涉及高风险施工或主体结构变动，须施工图审查".into(),
                        "high-risk work or structural change: drawing review required".into(),
                    ),
                    Some((false, r)) => (true, RuleRef::of(r), "须施工图审查".into(), "drawing review required".into()),
                    None => (
                        true,
                        RuleRef::unset("drawing_review_exempt_low_risk"),
                        "须施工图审查".into(),
                        "drawing review required".into(),
                    ),
                },
                "construction_permit" => construction_permit(p, f),
                "publicity" => match p.rule("publicity_days", Some(y)) {
                    Some(r) => (
                        true,
                        RuleRef::of(r),
                        format!("改造方案公示{}天后方可报会审", r.text),
                        format!("the plan is publicised {} days before joint review", r.text),
                    ),
                    None => (true, RuleRef::workflow(), "改造方案须公示".into(), "the plan must be publicised".into()),
                },
                _ => (true, RuleRef::workflow(), format!("{name_zh}为必经程序"), format!("{key} is a required step")),
            };
            let milestone = match key {
                "survey" => Some("milestone_survey"),
                "design" => Some("milestone_design"),
                "approval" => Some("milestone_approval"),
                "start" => Some("milestone_start"),
                "basic_completion" => Some("milestone_basic_completion"),
                "completion" => Some("milestone_completion"),
                _ => None,
            };
            let due_hit = milestone.and_then(|m| p.rule(m, Some(y))).and_then(|r| match r.value {
                RuleValue::MonthDay(md) => md.in_year(y).map(|d| (d, RuleRef::of(r))),
                _ => None,
            });
            let (due, due_rule) = match due_hit {
                Some((d, r)) if required => (Some(d), Some(r)),
                _ => (None, None),
            };
            let (zh, en) = match due {
                Some(d) => (format!("{zh}；期限 {d}"), format!("{en}; due {d}")),
                None => (zh, en),
            };
            StepDecision { key, name_zh, required, rule, due, due_rule, reason_zh: zh, reason_en: en }
        })
        .collect()
}

fn preliminary_design(p: &EffectiveProfile, f: &ProjectFacts) -> (bool, RuleRef, String, String) {
    if let Some((true, r)) = flag(p, "preliminary_design_merged") {
        return (
            false,
            RuleRef::of(r),
            "初步设计及概算与改造方案合并审批，不单独审批".into(),
            "preliminary design approved together with the plan".into(),
        );
    }
    if let Some(r) = p.rule("preliminary_design_exempt_below", Some(f.plan_year))
        && let RuleValue::Money { cmp, amount } = r.value
    {
        let exempt = cmp.holds(f.investment.cmp(&amount));
        return if exempt {
            (
                false,
                RuleRef::of(r),
                format!("批复总投资 {} 元，{}{} 元，不再审批初步设计", f.investment, cmp.zh(), amount),
                format!("investment {} is {} {}: no separate preliminary design", f.investment, cmp.en(), amount),
            )
        } else {
            (
                true,
                RuleRef::of(r),
                format!("批复总投资 {} 元，不满足“{}{} 元”的免审条件，须审批初步设计", f.investment, cmp.zh(), amount),
                format!("investment {} is not {} {}: preliminary design required", f.investment, cmp.en(), amount),
            )
        };
    }
    (
        true,
        RuleRef::unset("preliminary_design_exempt_below"),
        "须审批初步设计".into(),
        "preliminary design approval required".into(),
    )
}

fn construction_permit(p: &EffectiveProfile, f: &ProjectFacts) -> (bool, RuleRef, String, String) {
    if let Some(r) = p.rule("permit_exempt_new_area", Some(f.plan_year))
        && let RuleValue::Area { cmp, area } = r.value
    {
        let small = cmp.holds(f.new_floor_area.cmp(&area));
        return match (small, f.high_risk) {
            (true, false) => (
                false,
                RuleRef::of(r),
                format!("新建面积 {}㎡（{}{}㎡）且无高风险施工，可不办理施工许可证", f.new_floor_area, cmp.zh(), area),
                format!(
                    "new build {} m² ({} {} m²), no high-risk work: no construction permit",
                    f.new_floor_area,
                    cmp.en(),
                    area
                ),
            ),
            (true, true) => (
                true,
                RuleRef::of(r),
                "有高空作业、重物吊装、基坑深挖等高风险施工，须办理施工许可证".into(),
                "high-risk work: construction permit required".into(),
            ),
            (false, _) => (
                true,
                RuleRef::of(r),
                format!("新建面积 {}㎡ 超出 {}{}㎡，须办理施工许可证", f.new_floor_area, cmp.zh(), area),
                format!(
                    "new build {} m² is not {} {} m²: construction permit required",
                    f.new_floor_area,
                    cmp.en(),
                    area
                ),
            ),
        };
    }
    (true, RuleRef::unset("permit_exempt_new_area"), "须办理施工许可证".into(), "construction permit required".into())
}

// ───────────────────────────── Ranking ─────────────────────────────

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SafetyRating {
    A,
    B,
    C,
    D,
}

/// Per-estate inputs for the next-year ranking [001 二(三)1; 002 三(二)]. Shares are exact fractions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankingInputs {
    /// Households agreeing to renovation / all households.
    pub willingness: Ratio,
    /// Residents' contribution / estimated investment (capped at 1).
    pub contribution: Ratio,
    /// Households that took part in consultations / all households.
    pub participation: Ratio,
    /// Illegal structures removed voluntarily / illegal structures found (1 if none were found).
    pub illegal_removed: Ratio,
    /// The deciding build year.
    pub built_year: i32,
    pub plan_year: i32,
    /// Building safety rating (D = most dangerous, ranks highest); `None` = not assessed (scores 0).
    pub safety: Option<SafetyRating>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScorePart {
    pub factor: &'static str,
    #[serde(flatten)]
    pub rule: RuleRef,
    pub weight: i64,
    /// The factor's value in [0, 1].
    pub factor_value: Achieved,
    /// weight × factor, in hundredths of a point (rounded down).
    pub points_centi: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RankingScore {
    /// Total in hundredths of a point, rounded down (display: `score_centi / 100`).
    pub score_centi: i64,
    pub max_points: i64,
    pub parts: Vec<ScorePart>,
    #[serde(skip)]
    exact: (i128, i128),
}

impl RankingScore {
    /// Compare two scores exactly (no rounding).
    pub fn cmp_exact(&self, o: &RankingScore) -> Ordering {
        (self.exact.0 * o.exact.1).cmp(&(o.exact.0 * self.exact.1))
    }
}

fn clamp01(r: Ratio) -> Ratio {
    if r.num <= 0 {
        Ratio::ZERO
    } else if r.num >= r.den {
        Ratio::ONE
    } else {
        r.reduced()
    }
}

fn gcd128(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// The next-year ranking score with its breakdown. Weights come from the profile (`rank_weight_*`).
pub fn ranking_score(p: &EffectiveProfile, x: &RankingInputs) -> RankingScore {
    let full = match p.rule("rank_age_full_years", None).map(|r| &r.value) {
        Some(RuleValue::Count(n)) if *n > 0 => *n,
        _ => 30,
    };
    let age = Ratio { num: i64::from((x.plan_year - x.built_year).max(0)).min(full), den: full };
    let safety = match x.safety {
        None | Some(SafetyRating::A) => Ratio::ZERO,
        Some(SafetyRating::B) => Ratio { num: 1, den: 3 },
        Some(SafetyRating::C) => Ratio { num: 2, den: 3 },
        Some(SafetyRating::D) => Ratio::ONE,
    };
    let factors = [
        ("willingness", "rank_weight_willingness", x.willingness),
        ("contribution", "rank_weight_contribution", x.contribution),
        ("participation", "rank_weight_participation", x.participation),
        ("illegal_removed", "rank_weight_illegal_removed", x.illegal_removed),
        ("age", "rank_weight_age", age),
        ("safety", "rank_weight_safety", safety),
    ];
    let (mut num, mut den) = (0i128, 1i128);
    let mut parts = Vec::new();
    let mut max_points = 0;
    for (factor, key, value) in factors {
        let v = clamp01(value);
        let (weight, rule) = match p.rule(key, None) {
            Some(r) => match r.value {
                RuleValue::Points(w) => (w, RuleRef::of(r)),
                _ => (0, RuleRef::unset(key)),
            },
            None => (0, RuleRef::unset(key)),
        };
        max_points += weight;
        let (pn, pd) = (i128::from(weight) * i128::from(v.num), i128::from(v.den));
        num = num * pd + pn * den;
        den *= pd;
        let g = gcd128(num, den);
        (num, den) = (num / g, den / g);
        parts.push(ScorePart {
            factor,
            rule,
            weight,
            factor_value: Achieved { num: v.num, den: v.den },
            points_centi: (pn * 100 / pd) as i64,
        });
    }
    RankingScore { score_centi: (num * 100 / den) as i64, max_points, parts, exact: (num, den) }
}
