//! The public notice of a project's plan: how long it must run [001 二(四)2].

#[allow(unused_imports)]
use super::*;

/// The publicity period that starts on `from`: the last day and the number of days the profile asks for,
/// with the rule (`None` rule: the profile sets no length, and the period is the first day alone).
pub fn publicity_period(p: &EffectiveProfile, plan_year: i32, from: Date) -> (Date, i64, Option<RuleRef>) {
    match p.rule("publicity_days", Some(plan_year)) {
        Some(r) => {
            let days = if let RuleValue::Count(n) = r.value { n } else { 0 };
            (from.add_days(days).unwrap_or(from), days, Some(RuleRef::of(r)))
        }
        None => (from, 0, None),
    }
}

/// Whether a notice from `from` to `to` ran as long as the profile asks.
pub fn publicity_check(p: &EffectiveProfile, plan_year: i32, from: Date, to: Date) -> Decision {
    let (_, days, rule) = publicity_period(p, plan_year, from);
    let lasted = to.to_days() - from.to_days();
    let rule = rule.unwrap_or_else(|| RuleRef::unset("publicity_days"));
    let (outcome, zh, en) = if lasted < 0 {
        (Outcome::Fail, "公示开始日期晚于结束日期".to_string(), "the notice starts after it ends".to_string())
    } else if lasted < days {
        (
            Outcome::Fail,
            format!("方案公示自 {from} 起仅 {lasted} 天，不足 {days} 天（{}）：公示期满后才能完成", rule.source),
            format!(
                "the notice ran {lasted} days from {from}, fewer than {days} ({}): complete it when the period is over",
                rule.source
            ),
        )
    } else {
        (
            Outcome::Pass,
            format!("方案公示 {lasted} 天（要求 {days} 天）"),
            format!("the notice ran {lasted} days ({days} required)"),
        )
    };
    Decision { check: "publicity".into(), subject: None, outcome, rule, achieved: None, reason_zh: zh, reason_en: en }
}
