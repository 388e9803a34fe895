//! Read-only helpers for the web's plan and target pages that `targets` does not expose.
//!
//! [`series_years`] names the years of `targets::progress(…).series` (its lines carry the region's name,
//! not the year), by the same selection `progress` makes: the region's own target years, else every
//! year of the targets inside it, plus the years of the profile's `target_annual` when the profile is the
//! region's own; sorted, without repeats. Keep the two in step.

use jiugai_rules::{ProfileSet, RuleValue};

use crate::{Db, StoreError, targets};

/// The years of `targets::progress(db, _, profiles, code, _).series`, in the same order.
pub async fn series_years(db: &Db, profiles: &ProfileSet, code: &str) -> Result<Vec<i32>, StoreError> {
    let list = targets::list(db, code).await?;
    let mut years: Vec<i32> = list.iter().filter(|t| t.region_code == code).map(|t| t.year).collect();
    if years.is_empty() {
        years = list.iter().map(|t| t.year).collect();
    }
    let eff = profiles.effective(profiles.for_region(code)).ok().filter(|p| p.region_code == code && !code.is_empty());
    if let Some(RuleValue::YearCounts(m)) = eff.as_ref().and_then(|p| p.rule("target_annual", None)).map(|r| &r.value) {
        years.extend(m.keys());
    }
    years.sort();
    years.dedup();
    Ok(years)
}
