//! Decisions taken under an [`EffectiveProfile`]. Each names the rule, its value and its source.
//! This module holds what every decision shares (outcome, rule reference, the share checks behind consent,
//! coverage and satisfaction); each family of decisions has a module of its own.

mod assess;
mod consultation;
mod eligibility;
mod funding;
mod joint;
mod plan;
mod publicity;
mod ranking;
mod steps;

pub use assess::*;
pub use consultation::*;
pub use eligibility::*;
pub use funding::*;
pub use joint::*;
pub use plan::*;
pub use publicity::*;
pub use ranking::*;
pub use steps::*;

pub use jiugai_domain::{Matter, Verdict};

use crate::profile::{EffectiveProfile, EffectiveRule, RuleValue};
use jiugai_domain::units::{Cmp, Date, Dm2, Fen, Ratio, Threshold};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

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
