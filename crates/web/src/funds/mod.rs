//! Money by source (资金) in the web application [SPEC §8; 001 三]: a project's money page with its funding
//! plan, payments and reallocations (`project.rs`), the region summary by source and child region with a
//! chart (`region.rs`), allocation tables uploaded with a dry run (`allocations.rs`) and the JSON API
//! (`api.rs`). Every figure comes from `store::funds`; nothing here adds money up.
//!
//! Scope: the guard has checked the project a `/projects/{id}/…` route names. Every other id — a project
//! in a body (the target of a reallocation), a payment, a document, a region in the query — is checked
//! here against the caller's scope and answers 404 outside it, exactly as for one that does not exist.
//!
//! Payments, reversals and allocation documents are listed from the audit log (written in the same
//! transaction as each entry), because `store::funds` has no read functions for single entries yet.

pub mod allocations;
pub mod api;
pub mod project;
pub mod region;

use std::collections::BTreeMap;

use jiugai_domain::FundSource;
use jiugai_domain::number::{grouped_hundredths, wan_yuan};
use jiugai_store::funds::Figures;
use jiugai_store::{audit, projects};
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

/// A payment or a reversal of a project, as the audit log recorded it.
#[derive(Clone, Debug)]
pub struct PaymentEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub paid_on: String,
    pub source: Option<FundSource>,
    pub amount_fen: i64,
    pub voucher: String,
    /// This entry reverses payment N.
    pub reverses: Option<i64>,
    /// This payment was reversed by entry N.
    pub reversed_by: Option<i64>,
    pub reason: String,
}

fn detail(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::Null)
}

/// The payments and reversals of a project, oldest first.
pub async fn payments(state: &AppState, project_id: i64) -> Result<Vec<PaymentEntry>, AppError> {
    let rows = audit::list(&state.db, Some(("project", &project_id.to_string())), 100_000).await?;
    let mut out: Vec<PaymentEntry> = Vec::new();
    for r in rows.iter().rev() {
        let d = detail(&r.detail);
        let src = d["source"].as_str().and_then(FundSource::parse);
        match r.action.as_str() {
            "funds.pay" => out.push(PaymentEntry {
                id: d["payment"].as_i64().unwrap_or(0),
                at: jiugai_domain::time::beijing(&r.at),
                actor: r.actor.clone(),
                paid_on: d["paid_on"].as_str().unwrap_or("").to_string(),
                source: src,
                amount_fen: d["amount_fen"].as_i64().unwrap_or(0),
                voucher: d["voucher"].as_str().unwrap_or("").to_string(),
                reverses: None,
                reversed_by: None,
                reason: String::new(),
            }),
            "funds.reverse" => {
                let of = d["payment"].as_i64().unwrap_or(0);
                let id = d["reversal"].as_i64().unwrap_or(0);
                let orig = out.iter_mut().find(|p| p.id == of);
                let (source, voucher) = match orig {
                    Some(o) => {
                        o.reversed_by = Some(id);
                        (o.source, o.voucher.clone())
                    }
                    None => (None, String::new()),
                };
                out.push(PaymentEntry {
                    id,
                    at: jiugai_domain::time::beijing(&r.at),
                    actor: r.actor.clone(),
                    paid_on: jiugai_domain::time::beijing(&r.at).chars().take(10).collect(),
                    source,
                    amount_fen: d["amount_fen"].as_i64().unwrap_or(0),
                    voucher,
                    reverses: Some(of),
                    reversed_by: None,
                    reason: d["reason"].as_str().unwrap_or("").to_string(),
                })
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The project of payment `payment_id`, if the caller may see it (`hint`: the project the form names).
pub async fn payment_project(state: &AppState, ctx: &Ctx, payment_id: i64, hint: Option<i64>) -> Result<i64, AppError> {
    let candidates: Vec<i64> = match hint {
        Some(p) if project_visible(state, ctx, p).await? => vec![p],
        Some(_) => vec![],
        None => projects_in_scope(state, ctx).await?.into_iter().map(|p| p.id).collect(),
    };
    for pid in candidates {
        if payments(state, pid).await?.iter().any(|p| p.id == payment_id && p.reverses.is_none()) {
            return Ok(pid);
        }
    }
    Err(AppError::NotFound)
}

/// An allocation document's header, as the audit log recorded it.
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
}

/// Allocation document `id`, if its issuing region lies inside the caller's scope.
pub async fn document(state: &AppState, ctx: &Ctx, id: i64) -> Result<DocumentEntry, AppError> {
    let scope = ctx.scope().ok_or(AppError::NotFound)?;
    let rows = audit::list(&state.db, Some(("fund_document", &id.to_string())), 10).await?;
    let r = rows.iter().find(|r| r.action == "funds.allocate").ok_or(AppError::NotFound)?;
    let d = detail(&r.detail);
    let issuer = d["issuer"].as_str().unwrap_or("").to_string();
    if !(scope.is_empty() || state.regions.within(&issuer, &scope)) {
        return Err(AppError::NotFound);
    }
    Ok(DocumentEntry {
        id,
        doc_no: d["doc_no"].as_str().unwrap_or("").to_string(),
        issued_on: d["issued_on"].as_str().unwrap_or("").to_string(),
        issuer_code: issuer,
        source: d["source"].as_str().and_then(FundSource::parse),
        lines: d["lines"].as_i64().unwrap_or(0),
        total_fen: d["total_fen"].as_i64().unwrap_or(0),
        at: jiugai_domain::time::beijing(&r.at),
        actor: r.actor.clone(),
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
