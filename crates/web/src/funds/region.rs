//! `GET /funds?region=&year=`: a region's money by source (central subsidy shown apart: it is
//! ring-fenced), each child region with a link down, the projects of a county or street with links to
//! their money pages, and a bar chart of paid and unpaid (together: allocated) by source.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use jiugai_domain::FundSource;
use jiugai_store::funds::{self, Figures};
use jiugai_store::projects;
use jiugai_store::regions::Level;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::FigRow;
use crate::AppState;
use crate::access::{Action, Ctx};
use crate::error::AppError;
use crate::view::{self, Layout};

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SummaryParams {
    /// Region code or name inside the caller's scope (default: the scope).
    pub region: String,
    /// Plan year (default: all years).
    pub year: String,
}

pub struct ChildRow {
    pub code: String,
    pub name: String,
    pub projects: i64,
    pub central: FigRow,
    pub total: FigRow,
}

pub struct ProjectRow {
    pub id: i64,
    pub name: String,
    pub plan_year: i32,
    pub total: FigRow,
}

#[derive(Template)]
#[template(path = "funds/summary.html")]
pub struct SummaryPage {
    pub l: Layout,
    pub q: SummaryParams,
    pub name: String,
    pub code: String,
    pub up: String,
    pub projects: i64,
    pub central: FigRow,
    pub rows: Vec<FigRow>,
    pub total: FigRow,
    pub received: Vec<(String, String)>,
    pub children: Vec<ChildRow>,
    pub project_rows: Vec<ProjectRow>,
    pub chart_json: String,
    pub can_manage: bool,
    pub error: String,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SummaryParams>,
) -> Result<Response, AppError> {
    match build(&state, &ctx, q.clone()).await {
        Ok(p) => Ok(view::html(&p).into_response()),
        Err(e @ AppError::Invalid { .. }) => {
            let scope = ctx.scope().unwrap_or_default();
            let mut p = build(&state, &ctx, SummaryParams { region: scope, year: String::new() }).await?;
            p.q = q;
            p.error = e.message(ctx.lang);
            Ok((e.status(), view::html(&p)).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn build(state: &AppState, ctx: &Ctx, q: SummaryParams) -> Result<SummaryPage, AppError> {
    let t = ctx.t();
    let code = super::region_in_scope(state, ctx, &q.region)?;
    let year = super::year_of(&q.year)?;
    let s = funds::summary(&state.db, &state.regions, &code, year).await?;
    let (rows, total) = super::fig_rows(t, &s.region.by_source);
    let central_of = |m: &std::collections::BTreeMap<FundSource, Figures>| {
        FigRow::of("central", t.l(FundSource::Central), &m.get(&FundSource::Central).cloned().unwrap_or_default())
    };
    let children = s
        .children
        .iter()
        .map(|c| ChildRow {
            code: c.region_code.clone(),
            name: c.name.clone(),
            projects: c.projects,
            central: central_of(&c.by_source),
            total: FigRow::of("total", "", &c.total),
        })
        .collect();
    let level = state.regions.get(&code).map(|r| r.level);
    let mut project_rows = Vec::new();
    if matches!(level, Some(Level::County | Level::Street)) || state.regions.get(&code).is_some_and(|r| r.task_unit) {
        let f = projects::Filter {
            scope: ctx.scope().unwrap_or_default(),
            region: Some(code.clone()),
            plan_year: year,
            limit: Some(2000),
            ..Default::default()
        };
        for p in projects::list(&state.db, &state.regions, &f).await? {
            let figs = funds::project_figures(&state.db, p.id).await?;
            let (_, total) = super::fig_rows(t, &figs);
            project_rows.push(ProjectRow { id: p.id, name: p.name, plan_year: p.plan_year, total });
        }
    }
    let shown: Vec<(&FundSource, &Figures)> = s.region.by_source.iter().filter(|(_, f)| f.allocated_fen != 0).collect();
    let wan = |fen: i64| (fen as f64) / 1_000_000.0;
    let chart = json!({
        "regions": shown.iter().map(|(s, _)| t.l(**s)).collect::<Vec<_>>(),
        "series": [
            {"name": t.b("已支付（万元）", "Paid (10k yuan)"), "data": shown.iter().map(|(_, f)| wan(f.paid_fen)).collect::<Vec<_>>()},
            {"name": t.b("已下达未支付（万元）", "Allocated, unpaid (10k yuan)"), "data": shown.iter().map(|(_, f)| wan(f.unpaid_fen())).collect::<Vec<_>>()},
        ],
    });
    let scope = ctx.scope().unwrap_or_default();
    let up = state
        .regions
        .get(&code)
        .and_then(|r| r.parent_code.clone())
        .filter(|p| scope.is_empty() || state.regions.within(p, &scope))
        .unwrap_or_default();
    Ok(SummaryPage {
        l: Layout::new(ctx, state, "funds", "/funds"),
        name: if code.is_empty() { view::region_name(state, "", t) } else { view::region_name(state, &code, t) },
        central: central_of(&s.region.by_source),
        up,
        projects: s.region.projects,
        rows,
        total,
        received: s.region.received_fen.iter().map(|(s, n)| (t.l(*s).to_string(), super::wan(*n))).collect(),
        children,
        project_rows,
        chart_json: super::chart_json(&chart),
        can_manage: ctx.may(Action::ManageFunds),
        error: String::new(),
        code,
        q,
    })
}
