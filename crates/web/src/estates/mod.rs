//! Estate pages: list, file, edit, export, attachments. Data is loaded through the caller's scope; the
//! estate a route names was already checked by the access guard.

pub mod attachments;
pub mod edit;
pub mod export;
pub mod form;
pub mod list;
pub mod show;

use jiugai_rules::{Eligibility, EstateFacts};
use jiugai_store::estates::EstateData;

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;

/// The estate's eligibility under its region's policy profile, with reason and clause.
pub fn eligibility_of(state: &AppState, d: &EstateData) -> Option<Eligibility> {
    let set = state.profiles();
    let name = set.for_estate(&d.region_code, d.street_code.as_deref());
    let p = set.effective(name).ok()?;
    let facts = EstateFacts {
        built_years: d.built_years.clone(),
        in_shantytown_plan: d.in_shantytown_plan.unwrap_or(false),
        self_built: d.self_built.unwrap_or(false),
        urban_village: d.urban_village.unwrap_or(false),
        declared: d.declared,
    };
    Some(jiugai_rules::eligibility(&p, &facts))
}

/// A region the caller typed (code or name), resolved inside the caller's scope.
pub fn resolve_region(state: &AppState, ctx: &Ctx, q: &str) -> Result<Option<String>, AppError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(None);
    }
    let scope = ctx.scope().unwrap_or_default();
    let within = if scope.is_empty() { None } else { Some(scope.as_str()) };
    match state.regions.resolve(q, within) {
        Ok(r) => Ok(Some(r.code.clone())),
        Err(e) => {
            Err(AppError::invalid("region", e.message(jiugai_store::Lang::Zh), e.message(jiugai_store::Lang::En)))
        }
    }
}
