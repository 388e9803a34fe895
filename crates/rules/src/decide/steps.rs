//! Which workflow steps a project needs, their prerequisites and due dates.

#[allow(unused_imports)]
use super::*;

use jiugai_domain::{Label, StepKey};

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
    pub key: StepKey,
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

/// Workflow steps in the order they run, with their prerequisites.
/// Conditional steps: `feasibility_study`, `preliminary_design`, `drawing_review`, `construction_permit`.
pub const STEPS: &[(StepKey, &[StepKey])] = {
    use StepKey::*;
    &[
        (Survey, &[]),
        (Design, &[Survey]),
        (Publicity, &[Design]),
        (JointReview, &[Publicity]),
        (FeasibilityStudy, &[JointReview]),
        (Approval, &[JointReview, FeasibilityStudy]),
        (PreliminaryDesign, &[Approval]),
        (DrawingReview, &[Approval, PreliminaryDesign]),
        (BudgetReview, &[Approval, PreliminaryDesign, DrawingReview]),
        (Tender, &[BudgetReview]),
        (Permits, &[Tender]),
        (ConstructionPermit, &[Tender]),
        (Start, &[Permits, ConstructionPermit]),
        (BasicCompletion, &[Start]),
        (Completion, &[BasicCompletion]),
        (Acceptance, &[Completion]),
        (SpotCheck, &[Acceptance]),
        (Handover, &[Acceptance]),
        (Management, &[Handover]),
    ]
};

/// Steps that must be done before `key`. A prerequisite that a project does not require is skipped by the
/// workflow.
pub fn step_prerequisites(key: StepKey) -> &'static [StepKey] {
    STEPS.iter().find(|s| s.0 == key).map_or(&[], |s| s.1)
}

/// Which steps a project needs and when each is due, under the profile.
pub fn project_steps(p: &EffectiveProfile, f: &ProjectFacts) -> Vec<StepDecision> {
    let y = f.plan_year;
    let low_risk = !f.high_risk && !f.structural_change;
    STEPS
        .iter()
        .map(|&(key, _)| {
            let name_zh = key.zh();
            let (required, rule, zh, en): (bool, RuleRef, String, String) = match key {
                StepKey::FeasibilityStudy => match flag(p, "plan_replaces_feasibility") {
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
                StepKey::PreliminaryDesign => preliminary_design(p, f),
                StepKey::DrawingReview => match flag(p, "drawing_review_exempt_low_risk") {
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
                StepKey::ConstructionPermit => construction_permit(p, f),
                StepKey::Publicity => match p.rule("publicity_days", Some(y)) {
                    Some(r) => (
                        true,
                        RuleRef::of(r),
                        format!("改造方案公示{}天后方可报会审", r.text),
                        format!("the plan is publicised {} days before joint review", r.text),
                    ),
                    None => (true, RuleRef::workflow(), "改造方案须公示".into(), "the plan must be publicised".into()),
                },
                _ => (
                    true,
                    RuleRef::workflow(),
                    format!("{name_zh}为必经程序"),
                    format!("{} is a required step", key.en()),
                ),
            };
            let milestone = match key {
                StepKey::Survey => Some("milestone_survey"),
                StepKey::Design => Some("milestone_design"),
                StepKey::Approval => Some("milestone_approval"),
                StepKey::Start => Some("milestone_start"),
                StepKey::BasicCompletion => Some("milestone_basic_completion"),
                StepKey::Completion => Some("milestone_completion"),
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

/// Every step that comes before `key`, directly or through another prerequisite, in workflow order
/// (whether a project requires each is [`project_steps`]' decision).
pub fn steps_before(key: StepKey) -> Vec<StepKey> {
    let mut seen: Vec<StepKey> = Vec::new();
    let mut todo = vec![key];
    while let Some(k) = todo.pop() {
        for pre in step_prerequisites(k) {
            if !seen.contains(pre) {
                seen.push(*pre);
                todo.push(*pre);
            }
        }
    }
    STEPS.iter().map(|s| s.0).filter(|k| seen.contains(k)).collect()
}

/// Which member unit records step `key` under the profile's `step_units` rule: `Some((unit, rule))` when the
/// profile names one; `None` when it does not (then any department in scope may record the step).
pub fn step_unit(profile: &EffectiveProfile, key: StepKey) -> Option<(String, RuleRef)> {
    let r = profile.rule("step_units", None)?;
    match &r.value {
        RuleValue::StepUnits(m) => m.get(key.as_str()).map(|u| (u.clone(), RuleRef::of(r))),
        _ => None,
    }
}
