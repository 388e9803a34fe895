//! Browsing and exporting the audit log (office admins and auditors). The chain is verified on every
//! visit of the first page. A user whose scope is not the whole country sees the entries about estates
//! in its scope.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use jiugai_store::audit::{self, AuditRow};
use jiugai_store::estates::query;
use serde::Deserialize;

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::view::{self, AuditPage, AuditView, Layout};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditParams {
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

pub async fn rows(state: &AppState, ctx: &Ctx, p: &AuditParams) -> Result<Vec<AuditRow>, AppError> {
    let scope = ctx.user()?.scope_code.clone();
    Ok(query::audit_page(&state.db, &state.regions, &scope, p.before, p.limit.unwrap_or(100).clamp(1, 5000)).await?)
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<AuditParams>,
) -> Result<Html<String>, AppError> {
    let t = ctx.t();
    let v = audit::verify(&state.db).await?;
    let (chain, chain_ok) = match &v.first_broken {
        None => (t.s("audit.intact").replace("{}", &v.entries.to_string()), true),
        Some((id, why)) => (t.s("audit.broken").replace("{id}", &id.to_string()).replace("{why}", why), false),
    };
    let list = rows(&state, &ctx, &p).await?;
    let limit = p.limit.unwrap_or(100).clamp(1, 5000);
    let older_url = match list.last() {
        Some(last) if list.len() as i64 == limit && last.id > 1 => format!("/audit?before={}", last.id),
        _ => String::new(),
    };
    let rows = list
        .into_iter()
        .map(|r| AuditView {
            id: r.id,
            at: view::short_time(&r.at),
            actor: r.actor,
            origin: r.origin,
            action: r.action,
            entity: format!("{} {}", r.entity, r.entity_id),
            detail: r.detail.chars().take(400).collect(),
        })
        .collect();
    Ok(view::html(&AuditPage { l: Layout::new(&ctx, &state, "audit", "/audit"), chain, chain_ok, rows, older_url }))
}

fn csv_field(s: &str) -> String {
    // Quote every field; a leading = + - @ is prefixed so that a spreadsheet never runs it as a formula.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub async fn export(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let list = rows(&state, &ctx, &AuditParams { before: None, limit: Some(1_000_000) }).await?;
    let mut out = String::from("\u{feff}id,at,actor,origin,action,entity,entity_id,detail,prev_hash,hash\r\n");
    for r in list {
        let cells =
            [r.id.to_string(), r.at, r.actor, r.origin, r.action, r.entity, r.entity_id, r.detail, r.prev_hash, r.hash];
        out.push_str(&cells.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"audit-log.csv\""),
        ],
        out,
    )
        .into_response())
}
