//! Project pages: list with filters, creation from estates, the project page (timeline of steps, content,
//! ledger, documents, acceptance and handover), ranking for the next plan, the region's ledger and the
//! content catalogue. The project a route names was checked by the access guard (scope, or membership for
//! a contractor); lists are loaded through [`filter_of`].

pub mod actions;
pub mod catalogue;
pub mod ledger;
pub mod list;
pub mod new;
pub mod notice;
pub mod ranking;
pub mod show;

use jiugai_rules::{EffectiveProfile, Fen};
use jiugai_store::projects::{self, Filter, Project};

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;

/// The profile of a project: that of its estates' county.
pub fn profile_of(state: &AppState, p: &Project) -> Result<EffectiveProfile, AppError> {
    let set = state.profiles();
    let name = p.profile_name(&set);
    set.effective(name).map_err(|e| AppError::Store(jiugai_store::StoreError::Other(format!("profile {name}: {e}"))))
}

/// The caller's project filter: its region scope, or its own projects for a contractor.
pub fn filter_of(ctx: &Ctx) -> Filter {
    let (scope, member) = ctx.project_scope();
    Filter { scope: scope.unwrap_or_default(), member, ..Default::default() }
}

/// Yuan with two decimals and thousands separators: 3,500,000.00.
pub fn yuan(fen: i64) -> String {
    let neg = fen < 0;
    let f = fen.unsigned_abs();
    let int = (f / 100).to_string();
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{}{out}.{:02}", if neg { "-" } else { "" }, f % 100)
}

/// Hundredths as a decimal without trailing zeros: 12345 → "123.45", 100 → "1".
pub fn hundredths(v: i64) -> String {
    let s = format!("{}.{:02}", v / 100, (v % 100).abs());
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Money typed by a user (yuan: `3500000`, `3,500,000.00`, `350万`, `¥1200元`) → fen.
pub fn parse_yuan(field: &str, s: &str) -> Result<i64, AppError> {
    let t = s.trim();
    match Fen::parse(t) {
        Some(f) if f.0 >= 0 => Ok(f.0),
        _ => Err(AppError::invalid(
            field,
            format!("金额“{t}”无效：请填写元，如 3500000、3,500,000.00 或 350万"),
            format!("amount “{t}” is invalid: give yuan, e.g. 3500000, 3,500,000.00 or 350万"),
        )),
    }
}

/// A whole number typed by a user, or empty.
pub fn parse_count(field: &str, label_zh: &str, s: &str) -> Result<Option<i64>, AppError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    jiugai_sheet::normalize::integer(t).map(Some).map_err(|_| {
        AppError::invalid(
            field,
            format!("{label_zh}“{t}”无效：请填写不小于 0 的整数"),
            format!("{field} “{t}” is invalid: give a whole number ≥ 0"),
        )
    })
}

pub fn stage_label(ctx: &Ctx, s: projects::Stage) -> &'static str {
    ctx.t().l(s)
}

pub fn step_label(ctx: &Ctx, key: jiugai_domain::StepKey) -> String {
    ctx.t().l(key).to_string()
}

pub fn class_label(ctx: &Ctx, c: &str) -> &'static str {
    jiugai_store::projects::items::CLASSES
        .iter()
        .find(|x| x.0 == c)
        .map_or("?", |x| if ctx.t().zh() { x.1 } else { x.2 })
}
