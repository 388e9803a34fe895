//! The assessment of counties (考核) [003 四(三); 000 四(四); 004 七(二)]: `GET /assess?region=&period=`
//! (the table with the formula printed beside it), `GET /assess/print` (printable), `GET /assess/export`
//! (xlsx) and `GET /api/v1/assess` (`api.rs`). The region is resolved inside the caller's scope: one
//! outside it is answered 404, exactly as one that does not exist.

pub mod api;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiugai_store::StoreError;
use jiugai_store::assess::{self, Report};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::view::{self, Layout};

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AssessParams {
    /// Region code or name inside the caller's scope (default: the scope).
    pub region: String,
    /// The year assessed (default: this year).
    pub period: String,
}

/// The region of a query: inside the caller's scope, else 404 (as for one that does not exist).
pub fn region_of(state: &AppState, ctx: &Ctx, q: &str) -> Result<String, AppError> {
    let scope = ctx.scope().ok_or(AppError::NotFound)?;
    if q.trim().is_empty() {
        return Ok(scope);
    }
    let r = state.regions.resolve(q.trim(), None).map_err(|e| match e {
        StoreError::RegionNotFound(_) => AppError::NotFound,
        e => AppError::invalid("region", e.message(jiugai_store::Lang::Zh), e.message(jiugai_store::Lang::En)),
    })?;
    if !(scope.is_empty() || r.code == scope || state.regions.within(&r.code, &scope)) {
        return Err(AppError::NotFound);
    }
    Ok(r.code.clone())
}

/// The report a query names.
pub async fn report(state: &AppState, ctx: &Ctx, q: &AssessParams) -> Result<Report, AppError> {
    let code = region_of(state, ctx, &q.region)?;
    let period = if q.period.trim().is_empty() {
        jiugai_store::projects::today().year()
    } else {
        assess::parse_period(&q.period)?
    };
    Ok(assess::assess(&state.db, &state.regions, &state.profiles(), &code, period).await?)
}

/// One cell of a county's part.
pub struct Cell {
    pub fraction: String,
    pub percent: String,
    pub points: String,
    pub missing: bool,
}

pub struct RowView {
    pub rank: String,
    pub region: String,
    pub name: String,
    pub score: String,
    pub has_score: bool,
    pub cells: Vec<Cell>,
}

pub struct FormulaView {
    pub key: String,
    pub name: String,
    pub weight: i64,
    pub definition: String,
    pub data: String,
    pub source: String,
}

fn views(r: &Report, t: Tr) -> (Vec<FormulaView>, Vec<RowView>, Vec<String>) {
    let formula = r
        .formula
        .iter()
        .map(|f| FormulaView {
            key: f.criterion.as_str().into(),
            name: t.b(&f.name_zh, &f.name_en).to_string(),
            weight: f.weight,
            definition: t.b(&f.definition_zh, &f.definition_en).to_string(),
            data: t.b(&f.data_zh, &f.data_en).to_string(),
            source: f.source.clone(),
        })
        .collect();
    let no_data = t.b("无数据", "no data");
    let rows = r
        .rows
        .iter()
        .map(|row| RowView {
            rank: row.rank.map_or_else(|| t.b("不排名", "unranked").to_string(), |n| n.to_string()),
            region: row.region.clone(),
            name: row.name.clone(),
            has_score: row.score.is_some(),
            score: row.score.clone().unwrap_or_else(|| t.b("无得分", "no score").to_string()),
            cells: r
                .formula
                .iter()
                .map(|f| match row.parts.get(f.criterion.as_str()) {
                    Some(p) if !p.missing => Cell {
                        fraction: format!(
                            "{} / {}",
                            jiugai_domain::number::grouped(p.num),
                            jiugai_domain::number::grouped(p.den)
                        ),
                        percent: jiugai_rules::Ratio { num: p.num.clamp(0, p.den), den: p.den }.percent_text(),
                        points: p.points.clone().unwrap_or_default(),
                        missing: false,
                    },
                    _ => {
                        Cell { fraction: no_data.into(), percent: String::new(), points: no_data.into(), missing: true }
                    }
                })
                .collect(),
        })
        .collect();
    let notes = if t.zh() {
        vec![r.rules.score_zh.clone(), r.rules.missing_zh.clone(), r.rules.rounding_zh.clone(), r.rules.ties_zh.clone()]
    } else {
        vec![r.rules.score_en.clone(), r.rules.missing_en.clone(), r.rules.rounding_en.clone(), r.rules.ties_en.clone()]
    };
    (formula, rows, notes)
}

#[derive(Template)]
#[template(path = "assess/page.html")]
pub struct AssessPage {
    pub l: Layout,
    pub q: AssessParams,
    pub r: Report,
    pub formula: Vec<FormulaView>,
    pub rows: Vec<RowView>,
    pub notes: Vec<String>,
    pub query: String,
}

#[derive(Template)]
#[template(path = "assess/print.html")]
pub struct PrintPage {
    pub t: Tr,
    pub title: String,
    pub r: Report,
    pub formula: Vec<FormulaView>,
    pub rows: Vec<RowView>,
    pub notes: Vec<String>,
    pub printed: String,
}

fn query_of(r: &Report) -> String {
    format!("region={}&period={}", r.region, r.period)
}

fn title(r: &Report, t: Tr) -> String {
    if t.zh() {
        format!("{}{}年度城镇老旧小区改造县区考核", r.name, r.period)
    } else {
        format!("{} {}: assessment of counties", r.name, r.period)
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AssessParams>,
) -> Result<Response, AppError> {
    let r = report(&state, &ctx, &q).await?;
    let (formula, rows, notes) = views(&r, ctx.t());
    let query = query_of(&r);
    let p = AssessPage { l: Layout::new(&ctx, &state, "assess", "/assess"), q, formula, rows, notes, query, r };
    Ok(view::html(&p).into_response())
}

pub async fn print(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AssessParams>,
) -> Result<Response, AppError> {
    let r = report(&state, &ctx, &q).await?;
    let t = ctx.t();
    let (formula, rows, notes) = views(&r, t);
    let p = PrintPage {
        t,
        title: title(&r, t),
        printed: jiugai_domain::time::beijing(&jiugai_store::clock::now_rfc3339()),
        r,
        formula,
        rows,
        notes,
    };
    Ok((StatusCode::OK, view::html(&p)).into_response())
}

pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AssessParams>,
) -> Result<Response, AppError> {
    let r = report(&state, &ctx, &q).await?;
    let sheet = assess::sheet(&r);
    let other = |e: String| AppError::Store(StoreError::Other(e));
    let dir = tempfile::tempdir().map_err(|e| other(e.to_string()))?;
    let path = dir.path().join("assess.xlsx");
    jiugai_sheet::assess_sheet::write_assess_xlsx(&path, &sheet).map_err(|e| other(e.to_string()))?;
    let bytes = tokio::fs::read(&path).await.map_err(|e| other(e.to_string()))?;
    let name = format!("{}.xlsx", sheet.title);
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"assess-{}-{}.xlsx\"; filename*=UTF-8''{}",
                    r.region,
                    r.period,
                    crate::util::urlencode(&name)
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
