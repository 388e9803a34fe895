//! Annual plans (年度计划) [SPEC §7; 000 三(一)]: the list in scope, a new plan from the projects of a
//! region and year, the plan page (lines, checks, review chain, history, the acts the caller may take),
//! its xlsx export and printable page, and the typed JSON API (`api.rs`).
//!
//! The guard has checked the plan a route names (`{id}`: its region inside the caller's scope, else 404);
//! whether the caller may act at the plan's review step is the store's ([`plans::may_review`]), and the
//! page shows a form only when the store would accept it from this caller.

pub mod api;
pub mod pages;

use jiugai_domain::{PlanStatus, Role};
use jiugai_rules::{Outcome, ReviewStep};
use jiugai_store::plans::{self, Actor, Event, Plan, PlanLine};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::access::{Action, Ctx};
use crate::error::AppError;
use crate::i18n::Tr;

/// The caller as the store's plan functions want it.
pub struct Who {
    pub name: String,
    pub role: Role,
    pub scope: String,
    pub origin: String,
}

impl Who {
    pub fn of(ctx: &Ctx) -> Result<Who, AppError> {
        let u = ctx.user()?;
        Ok(Who { name: ctx.actor(), role: u.role, scope: u.scope_code.clone(), origin: ctx.origin.clone() })
    }
    pub fn actor(&self) -> Actor<'_> {
        Actor { name: &self.name, role: self.role, scope: &self.scope, origin: &self.origin }
    }
}

/// What people read for a check of the rules crate.
pub fn check_label(t: Tr, check: &str) -> String {
    match check {
        "extended_household_cap" => t.b("扩大范围户数占比", "extended-scope households share"),
        "consent_to_plan" => t.b("居民改造意愿", "residents' consent"),
        "target_annual" => t.b("年度任务数", "annual target"),
        "one_plan_per_estate" => t.b("一个小区只列入一个计划", "one plan per estate"),
        "plan_due" => t.b("报送期限", "submission due date"),
        other => other,
    }
    .to_string()
}

pub fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::NotApplicable => "not_applicable",
    }
}

pub fn outcome_label(t: Tr, o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => t.b("通过", "pass"),
        Outcome::Fail => t.b("未通过", "fail"),
        Outcome::NotApplicable => t.b("不适用", "n/a"),
    }
}

pub fn action_label(t: Tr, a: &str) -> String {
    match a {
        "create" => t.b("创建", "created"),
        "add" => t.b("加入项目", "project added"),
        "remove" => t.b("移出项目", "project removed"),
        "submit" => t.b("上报", "submitted"),
        "return" => t.b("退回修改", "returned"),
        "approve" => t.b("审核通过", "approved"),
        "issue" => t.b("下达", "issued"),
        "amend" => t.b("提出调整", "amendment started"),
        other => other,
    }
    .to_string()
}

/// "逾期 5 天" when the plan was submitted late (or is not submitted and past its due date).
pub fn late_text(t: Tr, p: &Plan) -> Option<String> {
    let days = match p.days_late {
        Some(d) => d,
        None if p.editable() => {
            let due = p.due_on.as_deref().and_then(jiugai_rules::Date::parse)?;
            jiugai_store::projects::today().to_days() - due.to_days()
        }
        None => 0,
    };
    (days > 0).then(|| if t.zh() { format!("逾期 {days} 天") } else { format!("{days} days late") })
}

/// A check as the page and the API show it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CheckView {
    /// The check's key (`consent_to_plan`, `plan_due`, …).
    pub check: String,
    pub check_label: String,
    pub subject: Option<String>,
    /// pass | fail | not_applicable
    pub outcome: String,
    pub outcome_label: String,
    /// A failure that refuses submission and approval (lateness and a target shortfall are only flagged).
    pub blocking: bool,
    pub rule: String,
    pub value: String,
    /// The source clause (document and clause).
    pub source: String,
    pub reason: String,
}

/// A step of the review chain with where the plan stands at it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StepView {
    pub index: usize,
    pub label: String,
    pub level: String,
    pub role: Option<String>,
    /// The region whose office (or department) acts at the step.
    pub region_code: Option<String>,
    /// Who acts, for people: "山西省运城市 旧改办".
    pub acts: String,
    /// done | current | waiting
    pub state: String,
    pub state_label: String,
    /// Who approved the step, and when (Beijing time), once done.
    pub done_by: Option<String>,
    pub done_at: Option<String>,
}

/// An event of the history, for people.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EventView {
    #[serde(flatten)]
    pub event: Event,
    pub action_label: String,
    /// `at` in Beijing time.
    pub at_beijing: String,
}

/// A plan with its figures, for lists.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PlanSummary {
    #[serde(flatten)]
    pub plan: Plan,
    pub title: String,
    pub region_name: String,
    pub status_label: String,
    pub projects: usize,
    pub households: i64,
    pub area_dm2: i64,
    pub investment_fen: i64,
    /// "逾期 N 天", if late.
    pub late: Option<String>,
    /// The label of the step that acts next, while submitted.
    pub current_step: Option<String>,
}

impl PlanSummary {
    pub fn investment_wan(&self) -> String {
        wan(self.investment_fen)
    }
}

/// What the caller may do with the plan now (the store still decides).
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct Permissions {
    pub edit: bool,
    pub submit: bool,
    pub review: bool,
    pub issue: bool,
    pub amend: bool,
}

/// The whole plan: figures, lines, checks, chain, history, permissions.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PlanDetail {
    #[serde(flatten)]
    pub summary: PlanSummary,
    pub lines: Vec<PlanLine>,
    /// pass | fail: the checks as they stand today.
    pub outcome: String,
    pub checks: Vec<CheckView>,
    pub chain: Vec<StepView>,
    pub events: Vec<EventView>,
    pub may: Permissions,
}

pub fn region_full(state: &AppState, code: &str) -> String {
    state.regions.get(code).map(|r| r.full_name.clone()).unwrap_or_else(|| code.to_string())
}

pub fn summary(state: &AppState, t: Tr, plan: Plan, lines: &[PlanLine]) -> PlanSummary {
    let chain = plans::chain(&state.profiles(), &plan.region_code);
    let current_step = (plan.status == PlanStatus::Submitted)
        .then(|| chain.get(plan.review_step.max(0) as usize).map(|s| s.label.clone()))
        .flatten();
    PlanSummary {
        title: plan.title(&state.regions),
        region_name: region_full(state, &plan.region_code),
        status_label: t.l(plan.status).to_string(),
        projects: plan.project_ids.len(),
        households: lines.iter().map(|l| l.households).sum(),
        area_dm2: lines.iter().map(|l| l.area_dm2).sum(),
        investment_fen: lines.iter().map(|l| l.investment_fen).sum(),
        late: late_text(t, &plan),
        current_step,
        plan,
    }
}

fn acts_text(state: &AppState, t: Tr, region: Option<&str>, step: &ReviewStep) -> String {
    let who = region.map(|c| region_full(state, c)).unwrap_or_default();
    let role = match step.role.as_deref().and_then(Role::parse) {
        Some(r) => t.l(r).to_string(),
        None => t.b("旧改办", "renovation office").to_string(),
    };
    format!("{who} {role}")
}

pub fn chain_view(state: &AppState, t: Tr, plan: &Plan, events: &[Event]) -> Vec<StepView> {
    let steps = plans::chain(&state.profiles(), &plan.region_code);
    // Approvals since the last submission (an earlier round was undone by a return).
    let since = events.iter().rposition(|e| e.action == "submit").unwrap_or(0);
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let k = plan.review_step.max(0) as usize;
            let state_ = match plan.status {
                PlanStatus::Draft | PlanStatus::Returned => "waiting",
                PlanStatus::Submitted if i < k => "done",
                PlanStatus::Submitted if i == k => "current",
                PlanStatus::Submitted => "waiting",
                PlanStatus::Approved | PlanStatus::Issued | PlanStatus::Superseded => "done",
            };
            let done = events[since..].iter().rfind(|e| e.action == "approve" && e.step == s.label);
            let region = plans::step_region(&state.regions, &plan.region_code, s);
            StepView {
                index: i + 1,
                label: s.label.clone(),
                level: s.level.clone(),
                role: s.role.clone(),
                acts: acts_text(state, t, region.as_deref(), s),
                region_code: region,
                state: state_.to_string(),
                state_label: match state_ {
                    "done" => t.b("已完成", "done"),
                    "current" => t.b("办理中", "current"),
                    _ => t.b("待办", "waiting"),
                }
                .to_string(),
                done_by: done.filter(|_| state_ == "done").map(|e| e.actor.clone()),
                done_at: done.filter(|_| state_ == "done").map(|e| jiugai_domain::time::beijing(&e.at)),
            }
        })
        .collect()
}

pub fn permissions(state: &AppState, ctx: &Ctx, who: &Who, plan: &Plan) -> Permissions {
    let a = who.actor();
    let write = ctx.may(Action::WritePlan);
    let steps = plans::chain(&state.profiles(), &plan.region_code);
    let review = plan.status == PlanStatus::Submitted
        && ctx.may(Action::ReviewPlan)
        && steps
            .get(plan.review_step.max(0) as usize)
            .is_some_and(|s| plans::may_review(&state.regions, &plan.region_code, s, &a));
    let issue = plan.status == PlanStatus::Approved
        && write
        && (steps.last().is_some_and(|s| plans::may_review(&state.regions, &plan.region_code, s, &a))
            || who.scope == plan.region_code);
    Permissions {
        edit: plan.editable() && write,
        submit: plan.editable() && write,
        review,
        issue,
        amend: plan.status == PlanStatus::Issued && write,
    }
}

pub async fn detail(state: &AppState, ctx: &Ctx, id: i64) -> Result<PlanDetail, AppError> {
    let t = ctx.t();
    let plan = plans::get(&state.db, id).await?;
    let lines = plans::lines(&state.db, &plan).await?;
    let report =
        plans::checks(&state.db, &state.regions, &state.profiles(), &plan, jiugai_store::projects::today()).await?;
    let blocking: Vec<(String, Option<String>)> =
        plans::blocking(&report).iter().map(|d| (d.check.clone(), d.subject.clone())).collect();
    let checks = report
        .checks
        .iter()
        .map(|d| CheckView {
            check_label: check_label(t, &d.check),
            check: d.check.clone(),
            subject: d.subject.clone(),
            outcome: outcome_word(d.outcome).into(),
            outcome_label: outcome_label(t, d.outcome).into(),
            blocking: blocking.iter().any(|(c, s)| *c == d.check && *s == d.subject),
            rule: d.rule.rule.clone(),
            value: d.rule.value.clone(),
            source: d.rule.source.clone(),
            reason: if t.zh() { d.reason_zh.clone() } else { d.reason_en.clone() },
        })
        .collect();
    let raw_events = plans::events(&state.db, id).await?;
    let chain = chain_view(state, t, &plan, &raw_events);
    let events = raw_events
        .into_iter()
        .map(|e| EventView {
            action_label: action_label(t, &e.action),
            at_beijing: jiugai_domain::time::beijing(&e.at),
            event: e,
        })
        .collect();
    let who = Who::of(ctx)?;
    let may = permissions(state, ctx, &who, &plan);
    Ok(PlanDetail {
        summary: summary(state, t, plan, &lines),
        lines,
        outcome: outcome_word(report.outcome).into(),
        checks,
        chain,
        events,
        may,
    })
}

/// Plans in the caller's scope, optionally of one year and status.
pub async fn list_in_scope(
    state: &AppState,
    ctx: &Ctx,
    year: Option<i32>,
    status: Option<PlanStatus>,
) -> Result<Vec<PlanSummary>, AppError> {
    let Some(scope) = ctx.scope() else { return Ok(vec![]) };
    let mut out = Vec::new();
    for p in plans::list(&state.db, &scope, None, year).await? {
        // `list` matches codes by prefix; keep exactly the regions inside the scope.
        if !crate::access::plan_within(&state.regions, &p.region_code, &scope) {
            continue;
        }
        if status.is_some_and(|s| s != p.status) {
            continue;
        }
        let lines = plans::lines(&state.db, &p).await?;
        out.push(summary(state, ctx.t(), p, &lines));
    }
    Ok(out)
}

/// "{region full name}{year}年城镇老旧小区改造计划".
pub fn sheet_title(state: &AppState, p: &Plan) -> String {
    let mut s = format!("{}{}年城镇老旧小区改造计划", region_full(state, &p.region_code), p.plan_year);
    if p.amendment > 0 {
        s.push_str(&format!("（第{}次调整）", p.amendment));
    }
    s
}

/// 万元 with two decimals and separators.
pub fn wan(fen: i64) -> String {
    jiugai_domain::number::wan_yuan(fen)
}

/// m² with two decimals and separators.
pub fn m2(dm2: i64) -> String {
    jiugai_domain::number::grouped_hundredths(dm2)
}

pub fn count(n: i64) -> String {
    jiugai_domain::number::grouped(n)
}
