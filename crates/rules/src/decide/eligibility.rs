//! Eligibility of an estate under its profile: core, extended, excluded or out of scope, with the rule.

#[allow(unused_imports)]
use super::*;

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
