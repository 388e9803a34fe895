//! The construction ledger (调度台账) of a region: one row per project with progress computed from item
//! costs, open and closed issues and the last site report; exported to xlsx.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use jiugai_store::projects::{Stage, ledger};

use super::list::ListParams;
use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::view::{self, Layout};

pub struct Row {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub year: i32,
    pub stage: &'static str,
    pub estates: String,
    pub items: i64,
    pub cost: String,
    pub progress: String,
    pub open: i64,
    pub closed: i64,
    pub last: String,
}

#[derive(Template)]
#[template(path = "projects/ledger.html")]
pub struct LedgerPage {
    pub l: Layout,
    pub q: ListParams,
    pub stages: Vec<(&'static str, &'static str)>,
    pub rows: Vec<Row>,
    pub export_query: String,
    pub error: String,
}

pub async fn rows(state: &AppState, ctx: &Ctx, q: &ListParams) -> Result<Vec<ledger::LedgerRow>, AppError> {
    let (list, _) = super::list::select(state, ctx, q).await?;
    Ok(ledger::rows_for(&state.db, list).await?)
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListParams>,
) -> Result<Html<String>, AppError> {
    let (list, error) = match rows(&state, &ctx, &q).await {
        Ok(r) => (r, String::new()),
        Err(e @ AppError::Invalid { .. }) => (vec![], e.message(ctx.lang)),
        Err(e) => return Err(e),
    };
    let rows = list
        .iter()
        .map(|r| Row {
            id: r.project.id,
            name: r.project.name.clone(),
            region: view::region_name(&state, &r.project.region_code, ctx.t()),
            year: r.project.plan_year,
            stage: super::stage_label(&ctx, r.project.stage),
            estates: r.estates.clone(),
            items: r.items,
            cost: super::yuan(r.cost_fen),
            progress: super::hundredths(r.progress_bp),
            open: r.open_issues,
            closed: r.closed_issues,
            last: r.last_report.clone().unwrap_or_default(),
        })
        .collect();
    let export_query = serde_urlencoded::to_string(&q).unwrap_or_default();
    let stages = Stage::ALL.iter().map(|&s| (s.as_str(), super::stage_label(&ctx, s))).collect();
    Ok(view::html(&LedgerPage {
        l: Layout::new(&ctx, &state, "projects", "/projects/ledger"),
        q,
        stages,
        rows,
        export_query,
        error,
    }))
}

pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListParams>,
) -> Result<Response, AppError> {
    let rows = rows(&state, &ctx, &q).await?;
    let dir = tempfile::tempdir().map_err(|e| AppError::Store(jiugai_store::StoreError::Other(e.to_string())))?;
    let path = dir.path().join("ledger.xlsx");
    ledger::export(&rows, &path)?;
    let data = std::fs::read(&path).map_err(|e| AppError::Store(jiugai_store::StoreError::Other(e.to_string())))?;
    let name = format!("调度台账-{}.xlsx", jiugai_store::projects::today());
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename*=UTF-8''{}", crate::util::urlencode(&name))),
        ],
        data,
    )
        .into_response())
}
