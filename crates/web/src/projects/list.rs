//! The project list: filters by stage, plan year, region and overdue; the overdue steps per region.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use jiugai_store::projects::{self, Stage, items, steps};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::access::{Action, Ctx};
use crate::error::AppError;
use crate::view::{self, Layout};

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ListParams {
    pub stage: String,
    pub year: String,
    pub region: String,
    pub overdue: String,
}

pub struct Row {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub year: i32,
    pub stage: String,
    pub stage_label: &'static str,
    pub estates: usize,
    pub investment: String,
    pub progress: String,
    pub overdue: Vec<(String, String)>,
    pub next_due: String,
}

pub struct OverdueRow {
    pub project_id: i64,
    pub project: String,
    pub region: String,
    pub step: String,
    pub due: String,
    pub days: i64,
}

#[derive(Template)]
#[template(path = "projects/list.html")]
pub struct ListPage {
    pub l: Layout,
    pub q: ListParams,
    pub stages: Vec<(&'static str, &'static str)>,
    pub rows: Vec<Row>,
    pub overdue_rows: Vec<OverdueRow>,
    pub error: String,
    pub can_create: bool,
}

/// The projects the parameters select, inside the caller's filter, and the overdue steps among them.
pub async fn select(
    state: &AppState,
    ctx: &Ctx,
    q: &ListParams,
) -> Result<(Vec<projects::Project>, Vec<(i64, steps::StepView)>), AppError> {
    let mut f = super::filter_of(ctx);
    if !q.stage.is_empty() {
        let Some(stage) = Stage::parse(&q.stage) else {
            return Err(AppError::invalid(
                "stage",
                format!("未知阶段“{}”", q.stage),
                format!("unknown stage “{}”", q.stage),
            ));
        };
        f.stage = Some(stage);
    }
    if !q.year.trim().is_empty() {
        f.plan_year = Some(q.year.trim().trim_end_matches('年').parse().map_err(|_| {
            AppError::invalid("year", format!("“{}”不是年份", q.year), format!("“{}” is not a year", q.year))
        })?);
    }
    if !q.region.trim().is_empty() {
        let scope = f.scope.clone();
        let within = if scope.is_empty() { None } else { Some(scope.as_str()) };
        let r = state.regions.resolve(q.region.trim(), within).map_err(|e| {
            AppError::invalid("region", e.message(jiugai_store::Lang::Zh), e.message(jiugai_store::Lang::En))
        })?;
        f.region = Some(r.code.clone());
    }
    let mut list = projects::list(&state.db, &state.regions, &f).await?;
    let overdue = steps::overdue(&state.db, &state.profiles(), &list, projects::today()).await?;
    if matches!(q.overdue.as_str(), "1" | "true" | "on") {
        list.retain(|p| overdue.iter().any(|(id, _)| *id == p.id));
    }
    Ok((list, overdue))
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListParams>,
) -> Result<Html<String>, AppError> {
    let today = projects::today();
    let (list, overdue, error) = match select(&state, &ctx, &q).await {
        Ok((l, o)) => (l, o, String::new()),
        Err(e @ AppError::Invalid { .. }) => (vec![], vec![], e.message(ctx.lang)),
        Err(e) => return Err(e),
    };
    let mut rows = Vec::new();
    let mut overdue_rows = Vec::new();
    let ids: Vec<i64> = list.iter().map(|p| p.id).collect();
    let done = steps::done_steps_of(&state.db, &ids).await?;
    let progress = items::progress_of(&state.db, &ids).await?;
    for p in &list {
        let region = view::region_name(&state, &p.region_code, ctx.t());
        let mine: Vec<_> = overdue.iter().filter(|(id, _)| *id == p.id).map(|(_, s)| s.clone()).collect();
        for s in &mine {
            let due = s.due.clone().unwrap_or_default();
            let days = jiugai_rules::Date::parse(&due).map(|d| today.to_days() - d.to_days()).unwrap_or(0);
            overdue_rows.push(OverdueRow {
                project_id: p.id,
                project: p.name.clone(),
                region: region.clone(),
                step: super::step_label(&ctx, s.key),
                due,
                days,
            });
        }
        let next_due = match super::profile_of(&state, p) {
            Ok(prof) => {
                let d = done.get(&p.id).cloned().unwrap_or_default();
                steps::view(&prof, p, &d, today)
                    .into_iter()
                    .find(|s| s.required && s.done.is_none())
                    .map(|s| format!("{} {}", super::step_label(&ctx, s.key), s.due.unwrap_or_default()))
                    .unwrap_or_default()
            }
            Err(_) => String::new(),
        };
        rows.push(Row {
            id: p.id,
            name: p.name.clone(),
            region,
            year: p.plan_year,
            stage: p.stage.as_str().to_string(),
            stage_label: super::stage_label(&ctx, p.stage),
            estates: p.estate_ids.len(),
            investment: super::yuan(p.investment_fen),
            progress: super::hundredths(progress.get(&p.id).copied().unwrap_or(0)),
            overdue: mine.iter().map(|s| (super::step_label(&ctx, s.key), s.due.clone().unwrap_or_default())).collect(),
            next_due,
        });
    }
    overdue_rows.sort_by(|a, b| a.region.cmp(&b.region).then(a.due.cmp(&b.due)));
    let stages = Stage::ALL.iter().map(|&s| (s.as_str(), super::stage_label(&ctx, s))).collect();
    Ok(view::html(&ListPage {
        l: Layout::new(&ctx, &state, "projects", "/projects"),
        q,
        stages,
        rows,
        overdue_rows,
        error,
        can_create: ctx.may(Action::WriteProject),
    }))
}
