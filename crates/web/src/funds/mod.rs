//! Money by source (资金) in the web application [SPEC §8; 001 三]: a project's money page with its funding
//! plan, payments and reallocations (`project.rs`), the region summary by source and child region with a
//! chart (`region.rs`), allocation tables uploaded with a dry run (`allocations.rs`) and the JSON API
//! (`api.rs`). Every figure comes from `store::funds`; nothing here adds money up.
//!
//! Scope: the guard has checked the project a `/projects/{id}/…` route names. Every other id — a project
//! in a body (the target of a reallocation), a payment, a document, a region in the query — is checked
//! here against the caller's scope and answers 404 outside it, exactly as for one that does not exist.
//!
//! Payments, reversals, allocation entries and documents are read from their tables (`store::funds`).

pub mod allocations;
pub mod api;
pub mod project;
pub mod region;

use std::collections::BTreeMap;

use jiugai_domain::FundSource;
use jiugai_domain::number::{grouped_hundredths, wan_yuan};
use jiugai_store::funds::{self, Figures};
use jiugai_store::projects;
use serde_json::Value;

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::i18n::Tr;

/// Fen as 万元 with two decimals and separators (`1,205.00`).
pub fn wan(fen: i64) -> String {
    wan_yuan(fen)
}

/// Fen as 元 with separators (`1,205,000.00`).
pub fn yuan(fen: i64) -> String {
    grouped_hundredths(fen)
}

/// One row of a money table, formatted for people (万元).
pub struct FigRow {
    pub source: String,
    pub label: String,
    pub planned: String,
    pub allocated: String,
    pub paid: String,
    pub unpaid: String,
    pub rate: String,
    pub central: bool,
}

impl FigRow {
    pub fn of(source: &str, label: &str, f: &Figures) -> FigRow {
        FigRow {
            source: source.to_string(),
            label: label.to_string(),
            planned: wan(f.planned_fen),
            allocated: wan(f.allocated_fen),
            paid: wan(f.paid_fen),
            unpaid: wan(f.unpaid_fen()),
            rate: f.payment_rate().unwrap_or_else(|| "—".into()),
            central: source == FundSource::Central.as_str(),
        }
    }
}

/// The rows by source (in the vocabulary's order) and the totals row.
pub fn fig_rows(t: Tr, m: &BTreeMap<FundSource, Figures>) -> (Vec<FigRow>, FigRow) {
    let mut total = Figures::default();
    let rows = FundSource::ALL
        .iter()
        .filter_map(|s| m.get(s).map(|f| (s, f)))
        .map(|(s, f)| {
            total.planned_fen += f.planned_fen;
            total.allocated_fen += f.allocated_fen;
            total.paid_fen += f.paid_fen;
            FigRow::of(s.as_str(), t.l(*s), f)
        })
        .collect();
    (rows, FigRow::of("total", t.b("合计", "Total"), &total))
}

/// The sources for a select: (word, label).
pub fn source_options(t: Tr) -> Vec<(&'static str, &'static str)> {
    FundSource::ALL.iter().map(|s| (s.as_str(), t.l(*s))).collect()
}

/// Is project `id` one the caller may see (as the guard decides for a project in the path)?
pub async fn project_visible(state: &AppState, ctx: &Ctx, id: i64) -> Result<bool, AppError> {
    let (scope, member) = ctx.project_scope();
    Ok(projects::visible(&state.db, &state.regions, id, scope.as_deref(), member.as_deref()).await?)
}

/// 404 unless the caller may see project `id`.
pub async fn require_project(state: &AppState, ctx: &Ctx, id: i64) -> Result<(), AppError> {
    if project_visible(state, ctx, id).await? { Ok(()) } else { Err(AppError::NotFound) }
}

/// The projects in the caller's scope (for the reallocation's target and for finding a payment).
pub async fn projects_in_scope(state: &AppState, ctx: &Ctx) -> Result<Vec<projects::Project>, AppError> {
    let Some(scope) = ctx.scope() else { return Ok(vec![]) };
    let f = projects::Filter { scope, limit: Some(100_000), ..Default::default() };
    Ok(projects::list(&state.db, &state.regions, &f).await?)
}

/// A payment or a reversal of a project, from `fund_payments`.
#[derive(Clone, Debug)]
pub struct PaymentEntry {
    pub id: i64,
    /// When it was recorded (Beijing time).
    pub at: String,
    pub actor: String,
    pub paid_on: String,
    pub source: Option<FundSource>,
    pub amount_fen: i64,
    pub voucher: String,
    pub payee: String,
    /// This entry reverses payment N.
    pub reverses: Option<i64>,
    /// This payment was reversed by entry N.
    pub reversed_by: Option<i64>,
    /// A reversal's reason (its payee line reads "冲销：reason").
    pub reason: String,
}

/// The payments and reversals of a project, oldest first.
pub async fn payments(state: &AppState, project_id: i64) -> Result<Vec<PaymentEntry>, AppError> {
    let rows = funds::payments(&state.db, project_id).await?;
    Ok(rows
        .iter()
        .map(|r| PaymentEntry {
            id: r.id,
            at: jiugai_domain::time::beijing(&r.created_at),
            actor: r.created_by.clone(),
            paid_on: r.paid_on.clone(),
            source: Some(r.source),
            amount_fen: r.amount_fen,
            voucher: r.voucher.clone(),
            payee: r.payee.clone(),
            reverses: r.reverses_id,
            reversed_by: rows.iter().find(|x| x.reverses_id == Some(r.id)).map(|x| x.id),
            reason: r.payee.strip_prefix("冲销：").filter(|_| r.reverses_id.is_some()).unwrap_or("").to_string(),
        })
        .collect())
}

/// The project of payment `payment_id`, if the caller may see it (`hint`: the project the form names).
pub async fn payment_project(state: &AppState, ctx: &Ctx, payment_id: i64, hint: Option<i64>) -> Result<i64, AppError> {
    let p =
        funds::payment(&state.db, payment_id).await?.filter(|p| p.reverses_id.is_none()).ok_or(AppError::NotFound)?;
    if hint.is_some_and(|h| h != p.project_id) || !project_visible(state, ctx, p.project_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(p.project_id)
}

/// An allocation document's header and totals, from `fund_documents` and its lines.
#[derive(Clone, Debug)]
pub struct DocumentEntry {
    pub id: i64,
    pub doc_no: String,
    pub issued_on: String,
    pub issuer_code: String,
    pub source: Option<FundSource>,
    pub lines: i64,
    pub total_fen: i64,
    pub at: String,
    pub actor: String,
    pub rows: Vec<funds::AllocationRow>,
}

/// Allocation document `id`, if its issuing region lies inside the caller's scope.
pub async fn document(state: &AppState, ctx: &Ctx, id: i64) -> Result<DocumentEntry, AppError> {
    let scope = ctx.scope().ok_or(AppError::NotFound)?;
    let d = funds::document(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if !(scope.is_empty() || state.regions.within(&d.issuer_code, &scope)) {
        return Err(AppError::NotFound);
    }
    let rows = funds::document_lines(&state.db, id).await?;
    Ok(DocumentEntry {
        id,
        doc_no: d.doc_no,
        issued_on: d.issued_on,
        issuer_code: d.issuer_code,
        source: Some(d.source),
        lines: rows.len() as i64,
        total_fen: rows.iter().map(|r| r.amount_fen).sum(),
        at: jiugai_domain::time::beijing(&d.created_at),
        actor: d.created_by,
        rows,
    })
}

/// A region the caller named (code or name) inside its scope, else its scope; refused outside it.
pub fn region_in_scope(state: &AppState, ctx: &Ctx, q: &str) -> Result<String, AppError> {
    let scope = ctx.scope().ok_or(AppError::NotFound)?;
    if q.trim().is_empty() {
        return Ok(scope);
    }
    let within = if scope.is_empty() { None } else { Some(scope.as_str()) };
    let r = state.regions.resolve(q.trim(), within).map_err(|e| {
        AppError::invalid("region", e.message(jiugai_store::Lang::Zh), e.message(jiugai_store::Lang::En))
    })?;
    Ok(r.code.clone())
}

/// A plan year from a query (`""`: all years).
pub fn year_of(q: &str) -> Result<Option<i32>, AppError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(None);
    }
    q.parse::<i32>().ok().filter(|y| (2000..=2100).contains(y)).map(Some).ok_or_else(|| {
        AppError::invalid("year", format!("年度“{q}”无效：请写 2026 这样的年份"), format!("“{q}” is not a year"))
    })
}

/// JSON for a page's chart, safe inside `<script type="application/json">`.
pub fn chart_json(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default().replace('<', "\\u003c")
}
