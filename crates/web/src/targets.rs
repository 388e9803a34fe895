//! Progress against targets (目标任务完成情况): `GET /targets?region=&year=` — the region's line, a table of
//! its children with links to drill into each, a bar chart of target against done per child and a line of
//! the cumulative share against the promised share over the target years. A compact version (chart and
//! the region's line) is on the dashboard ([`compact`]).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use jiugai_store::targets::{Line, Progress};
use serde_json::json;

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::plans::api::{TargetParams, target_of};
use crate::view::{self, Layout};

/// A line for people: numbers with separators, blanks where there is no target.
pub struct LineView {
    pub code: String,
    pub name: String,
    pub target: String,
    pub target_households: String,
    pub done: String,
    pub done_households: String,
    pub started: String,
    pub cumulative: String,
    pub total: String,
    pub share: String,
    pub promised: String,
    pub shortfall: String,
    pub promise_shortfall: String,
    /// Behind the year's target or the promise.
    pub behind: bool,
    /// Has children to drill into.
    pub drill: bool,
}

fn n(v: i64) -> String {
    jiugai_domain::number::grouped(v)
}

pub fn line_view(state: &AppState, l: &Line) -> LineView {
    let opt = |v: Option<i64>| v.map(n).unwrap_or_default();
    LineView {
        code: l.region_code.clone(),
        name: l.name.clone(),
        target: opt(l.target),
        target_households: opt(l.target_households),
        done: n(l.done),
        done_households: n(l.done_households),
        started: n(l.started),
        cumulative: n(l.cumulative),
        total: opt(l.total),
        share: l.share.clone().unwrap_or_default(),
        promised: l.promised.clone().unwrap_or_default(),
        shortfall: if l.target.is_some() { n(l.shortfall) } else { String::new() },
        promise_shortfall: opt(l.promise_shortfall),
        behind: (l.target.is_some() && l.shortfall > 0) || l.promise_shortfall.is_some_and(|s| s > 0),
        drill: state.regions.children(&l.region_code).next().is_some(),
    }
}

/// "40.35%" → 40.35; "≥35%" → 35.
fn pct(s: &Option<String>) -> Option<f64> {
    let t: String = s.as_deref()?.chars().filter(|c| c.is_ascii_digit() || *c == '.').collect();
    t.parse().ok()
}

/// The chart's data: target against done per child; cumulative share against the promise per year.
pub fn chart_json(p: &Progress, years: &[i32], zh: bool) -> String {
    let b = |z: &'static str, e: &'static str| if zh { z } else { e };
    let v = json!({
        "labels": {"target": b("年度任务", "target"), "done": b("已完成", "done"), "share": b("累计完成比例", "cumulative share"), "promised": b("承诺比例", "promised share")},
        "children": p.children.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        "target": p.children.iter().map(|c| c.target).collect::<Vec<_>>(),
        "done": p.children.iter().map(|c| c.done).collect::<Vec<_>>(),
        "years": years.iter().map(|y| y.to_string()).collect::<Vec<_>>(),
        "share": p.series.iter().map(|l| pct(&l.share)).collect::<Vec<_>>(),
        "promised": p.series.iter().map(|l| pct(&l.promised)).collect::<Vec<_>>(),
    });
    v.to_string().replace("</", "<\\/")
}

#[derive(Template)]
#[template(path = "targets.html")]
pub struct TargetsPage {
    pub l: Layout,
    pub region_input: String,
    pub year: i32,
    pub region: LineView,
    pub parent: Option<(String, String)>,
    pub children: Vec<LineView>,
    pub series: Vec<(i32, LineView)>,
    pub sources: Vec<String>,
    pub chart_json: String,
    pub has_targets: bool,
    pub error: String,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<TargetParams>,
) -> Result<Html<String>, AppError> {
    let (mut error, (code, year)) = match target_of(&state, &ctx, &p) {
        Ok(x) => (String::new(), x),
        Err(e @ AppError::Invalid { .. }) => {
            (e.message(ctx.lang), (ctx.scope().unwrap_or_default(), jiugai_store::projects::today().year()))
        }
        Err(e) => return Err(e),
    };
    let progress = jiugai_store::targets::progress(&state.db, &state.regions, &state.profiles(), &code, year).await?;
    let years = jiugai_store::plan_views::series_years(&state.db, &state.profiles(), &code).await?;
    let scope = ctx.scope().unwrap_or_default();
    let parent = state
        .regions
        .get(&code)
        .and_then(|r| r.parent_code.clone())
        .filter(|pc| crate::access::plan_within(&state.regions, pc, &scope))
        .map(|pc| (pc.clone(), view::region_name(&state, &pc, ctx.t())));
    let has_targets = progress.region.target.is_some() || progress.children.iter().any(|c| c.target.is_some());
    if !has_targets && error.is_empty() {
        error = ctx
            .t()
            .b(
                "本地区本年度还没有目标任务：可用 jiugai targets 导入年度任务细化分解表。",
                "No targets for this region and year yet: import the target breakdown with jiugai targets.",
            )
            .to_string();
    }
    let page = TargetsPage {
        l: Layout::new(&ctx, &state, "plans", "/targets"),
        region_input: p.region.clone(),
        year,
        region: line_view(&state, &progress.region),
        parent,
        children: progress.children.iter().map(|c| line_view(&state, c)).collect(),
        series: years.iter().copied().zip(progress.series.iter().map(|l| line_view(&state, l))).collect(),
        sources: progress.sources.clone(),
        chart_json: chart_json(&progress, &years, ctx.t().zh()),
        has_targets,
        error,
    };
    Ok(view::html(&page))
}

/// For the dashboard: the caller's region line and the chart, when there are targets.
pub async fn compact(state: &AppState, ctx: &Ctx) -> Result<Option<(LineView, String, i32)>, AppError> {
    if !ctx.may(crate::access::Action::ReadPlans) {
        return Ok(None);
    }
    let Some(scope) = ctx.scope() else { return Ok(None) };
    let year = jiugai_store::projects::today().year();
    let p = jiugai_store::targets::progress(&state.db, &state.regions, &state.profiles(), &scope, year).await?;
    if p.region.target.is_none() && p.children.iter().all(|c| c.target.is_none()) {
        return Ok(None);
    }
    let years = jiugai_store::plan_views::series_years(&state.db, &state.profiles(), &scope).await?;
    Ok(Some((line_view(state, &p.region), chart_json(&p, &years, ctx.t().zh()), year)))
}
