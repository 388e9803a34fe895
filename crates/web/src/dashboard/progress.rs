//! Progress against targets: target vs estates done by year with the cumulative share (a line), and this
//! year's figures, from `store::targets::progress` (actuals derived from project moves).

use jiugai_store::targets;
use serde_json::json;

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;

/// This year's figures of the region and the chart's JSON.
pub struct ProgressPanel {
    pub year: i32,
    pub target: String,
    pub done: String,
    pub started: String,
    pub share: String,
    pub promised: String,
    pub behind: bool,
    pub json: String,
}

fn percent(s: &Option<String>) -> Option<f64> {
    s.as_deref().and_then(|s| s.trim_start_matches('≥').trim_end_matches('%').parse::<f64>().ok())
}

pub async fn panel(state: &AppState, ctx: &Ctx, region: &str) -> Result<Option<ProgressPanel>, AppError> {
    if !ctx.may(crate::access::Action::ReadPlans) {
        return Ok(None);
    }
    let t = ctx.t();
    let year = jiugai_store::projects::today().year();
    let p = targets::progress(&state.db, &state.regions, &state.profiles(), region, year).await?;
    if p.region.target.is_none() && p.series.iter().all(|l| l.target.is_none()) {
        return Ok(None);
    }
    let years = jiugai_store::plan_views::series_years(&state.db, &state.profiles(), region).await?;
    let n = |v: i64| jiugai_domain::number::grouped(v);
    let behind = p.region.shortfall > 0 || p.region.promise_shortfall.unwrap_or(0) > 0;
    let v = json!({
        "labels": {"target": t.b("年度任务（个）", "Target (estates)"), "done": t.b("已完成（个）", "Done (estates)"),
                   "share": t.b("累计完成比例", "Cumulative share"), "promised": t.b("承诺比例", "Promised share")},
        "years": years.iter().map(|y| y.to_string()).collect::<Vec<_>>(),
        "target": p.series.iter().map(|l| l.target).collect::<Vec<_>>(),
        "done": p.series.iter().map(|l| l.done).collect::<Vec<_>>(),
        "share": p.series.iter().map(|l| percent(&l.share)).collect::<Vec<_>>(),
        "promised": p.series.iter().map(|l| percent(&l.promised)).collect::<Vec<_>>(),
        "href": format!("/targets?region={region}"),
    });
    Ok(Some(ProgressPanel {
        year,
        target: p.region.target.map_or_else(|| "—".into(), n),
        done: n(p.region.done),
        started: n(p.region.started),
        share: p.region.share.clone().unwrap_or_else(|| "—".into()),
        promised: p.region.promised.clone().unwrap_or_default(),
        behind,
        json: v.to_string().replace("</", "<\\/"),
    }))
}
