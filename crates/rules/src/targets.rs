//! Target tables (年度任务细化分解表): consistency of counts, totals and cumulative promises, and actuals.

use crate::profile::{EffectiveProfile, RuleValue};
use jiugai_domain::units::Ratio;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One row: a region's target for one year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRow {
    pub region: String,
    pub year: i32,
    /// Estates to renovate in that year.
    pub count: i64,
    #[serde(default)]
    pub households: Option<i64>,
    /// Promised share of the total done by the end of that year (at least), if promised.
    #[serde(default)]
    pub cumulative_pct: Option<Ratio>,
}

/// A region's targets: rows for the region itself and, optionally, rows of its sub-regions (the breakdown).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetTable {
    /// The region the table is for (the rows with this region are its own series).
    pub region: String,
    /// Estates over the whole programme, if stated.
    #[serde(default)]
    pub total: Option<i64>,
    /// Estates already done before the first year of the table that count toward `total`.
    #[serde(default)]
    pub prior: i64,
    pub rows: Vec<TargetRow>,
}

/// One inconsistency or shortfall, named with region and year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetIssue {
    pub region: String,
    pub year: Option<i32>,
    /// `total_mismatch`, `cumulative_below_promise`, `breakdown_mismatch`, `duplicate_row`, `negative_count`,
    /// `annual_shortfall`, `cumulative_shortfall`.
    pub kind: &'static str,
    pub message_zh: String,
    pub message_en: String,
}

/// Cumulative progress of the region's own series at each year end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct YearProgress {
    pub year: i32,
    pub count: i64,
    /// Including `prior`.
    pub cumulative: i64,
    /// `cumulative / total` as text (e.g. `40.34%`), when the total is known.
    pub share: Option<String>,
    pub promised: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetReport {
    pub ok: bool,
    pub issues: Vec<TargetIssue>,
    pub progress: Vec<YearProgress>,
}

/// Estates completed in a region and year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actual {
    pub region: String,
    pub year: i32,
    pub completed: i64,
}

impl TargetTable {
    /// The table a profile states (`target_total`, `target_prior`, `target_annual`, `target_cumulative`,
    /// `target_households`), for `region`. `None` if the profile states no annual targets.
    pub fn from_profile(p: &EffectiveProfile, region: &str) -> Option<TargetTable> {
        let count = |k: &str| match p.rule(k, None).map(|r| &r.value) {
            Some(RuleValue::Count(n)) => Some(*n),
            _ => None,
        };
        let annual = match p.rule("target_annual", None).map(|r| &r.value) {
            Some(RuleValue::YearCounts(m)) => m.clone(),
            _ => return None,
        };
        let cumulative = match p.rule("target_cumulative", None).map(|r| &r.value) {
            Some(RuleValue::YearShares(m)) => m.clone(),
            _ => BTreeMap::new(),
        };
        let households = match p.rule("target_households", None).map(|r| &r.value) {
            Some(RuleValue::YearCounts(m)) => m.clone(),
            _ => BTreeMap::new(),
        };
        Some(TargetTable {
            region: region.to_string(),
            total: count("target_total"),
            prior: count("target_prior").unwrap_or(0),
            rows: annual
                .iter()
                .map(|(y, n)| TargetRow {
                    region: region.to_string(),
                    year: *y,
                    count: *n,
                    households: households.get(y).copied(),
                    cumulative_pct: cumulative.get(y).copied(),
                })
                .collect(),
        })
    }

    fn own(&self) -> BTreeMap<i32, &TargetRow> {
        self.rows.iter().filter(|r| r.region == self.region).map(|r| (r.year, r)).collect()
    }

    fn base_total(&self) -> i64 {
        self.total.unwrap_or_else(|| self.prior + self.own().values().map(|r| r.count).sum::<i64>())
    }

    /// Check that the table agrees with itself: `prior` + the yearly counts = `total`; at each year end the
    /// cumulative count reaches the promised share of the total; sub-region rows sum to the region's row.
    pub fn check(&self) -> TargetReport {
        let mut issues = Vec::new();
        let mut seen = BTreeMap::new();
        for r in &self.rows {
            if seen.insert((r.region.clone(), r.year), ()).is_some() {
                issues.push(issue(
                    &r.region,
                    Some(r.year),
                    "duplicate_row",
                    format!("{} {}年 有重复的任务行", r.region, r.year),
                    format!("{} {}: duplicate row", r.region, r.year),
                ));
            }
            if r.count < 0 {
                issues.push(issue(
                    &r.region,
                    Some(r.year),
                    "negative_count",
                    format!("{} {}年 任务数为负", r.region, r.year),
                    format!("{} {}: negative count", r.region, r.year),
                ));
            }
        }
        let own = self.own();
        let sum: i64 = own.values().map(|r| r.count).sum();
        if let Some(total) = self.total
            && self.prior + sum != total
        {
            let last = own.keys().next_back().copied();
            issues.push(issue(
                &self.region,
                last,
                "total_mismatch",
                format!(
                    "{} 各年度任务合计 {sum}（另有此前已完成 {}）= {}，与总量 {total} 不符",
                    self.region,
                    self.prior,
                    self.prior + sum
                ),
                format!(
                    "{}: yearly counts sum to {sum} (plus {} done before) = {}, not the total {total}",
                    self.region,
                    self.prior,
                    self.prior + sum
                ),
            ));
        }
        let total = self.base_total();
        let mut progress = Vec::new();
        let mut cum = self.prior;
        for (y, r) in &own {
            cum += r.count;
            if let Some(p) = r.cumulative_pct
                && !reaches(cum, total, p)
            {
                issues.push(issue(
                    &self.region,
                    Some(*y),
                    "cumulative_below_promise",
                    format!("{} {y}年底累计 {cum}/{total}（{}），低于承诺的 {p}", self.region, share(cum, total)),
                    format!(
                        "{} by end {y}: {cum}/{total} ({}), below the promised {p}",
                        self.region,
                        share(cum, total)
                    ),
                ));
            }
            progress.push(YearProgress {
                year: *y,
                count: r.count,
                cumulative: cum,
                share: (total > 0).then(|| share(cum, total)),
                promised: r.cumulative_pct.map(|p| format!("≥{p}")),
            });
        }
        // Breakdown: sub-region rows of a year sum to the region's own row.
        let mut sub: BTreeMap<i32, i64> = BTreeMap::new();
        for r in self.rows.iter().filter(|r| r.region != self.region) {
            *sub.entry(r.year).or_default() += r.count;
        }
        for (y, s) in sub {
            if let Some(r) = own.get(&y)
                && r.count != s
            {
                issues.push(issue(
                    &self.region,
                    Some(y),
                    "breakdown_mismatch",
                    format!("{} {y}年 各下级区划任务合计 {s}，与本级 {} 不符", self.region, r.count),
                    format!("{} {y}: sub-regions sum to {s}, not {}", self.region, r.count),
                ));
            }
        }
        TargetReport { ok: issues.is_empty(), issues, progress }
    }

    /// Compare completed estates with the table: each region-year's actual against its target, and the
    /// region's cumulative actual (with `prior`) against the promised share.
    pub fn check_actuals(&self, actuals: &[Actual]) -> TargetReport {
        let mut issues = Vec::new();
        for a in actuals {
            if let Some(t) = self.rows.iter().find(|r| r.region == a.region && r.year == a.year)
                && a.completed < t.count
            {
                issues.push(issue(
                    &a.region,
                    Some(a.year),
                    "annual_shortfall",
                    format!(
                        "{} {}年 完成 {} 个，任务 {} 个，差 {} 个",
                        a.region,
                        a.year,
                        a.completed,
                        t.count,
                        t.count - a.completed
                    ),
                    format!(
                        "{} {}: {} done, target {}, short by {}",
                        a.region,
                        a.year,
                        a.completed,
                        t.count,
                        t.count - a.completed
                    ),
                ));
            }
        }
        let total = self.base_total();
        let done: BTreeMap<i32, i64> =
            actuals.iter().filter(|a| a.region == self.region).map(|a| (a.year, a.completed)).collect();
        let mut progress = Vec::new();
        let mut cum = self.prior;
        for (y, r) in self.own() {
            let Some(d) = done.get(&y) else { break };
            cum += d;
            if let Some(p) = r.cumulative_pct
                && !reaches(cum, total, p)
            {
                issues.push(issue(
                    &self.region,
                    Some(y),
                    "cumulative_shortfall",
                    format!("{} {y}年底实际累计 {cum}/{total}（{}），低于承诺的 {p}", self.region, share(cum, total)),
                    format!(
                        "{} by end {y}: actually {cum}/{total} ({}), below the promised {p}",
                        self.region,
                        share(cum, total)
                    ),
                ));
            }
            progress.push(YearProgress {
                year: y,
                count: *d,
                cumulative: cum,
                share: (total > 0).then(|| share(cum, total)),
                promised: r.cumulative_pct.map(|p| format!("≥{p}")),
            });
        }
        TargetReport { ok: issues.is_empty(), issues, progress }
    }
}

fn reaches(cum: i64, total: i64, p: Ratio) -> bool {
    // cum/total ≥ p  ⇔  cum·den ≥ num·total (total > 0); with total 0 only a 0% promise holds.
    i128::from(cum) * i128::from(p.den) >= i128::from(p.num) * i128::from(total)
}

fn share(cum: i64, total: i64) -> String {
    if total == 0 { "—".into() } else { Ratio { num: cum, den: total }.percent_text() }
}

fn issue(region: &str, year: Option<i32>, kind: &'static str, zh: String, en: String) -> TargetIssue {
    TargetIssue { region: region.to_string(), year, kind, message_zh: zh, message_en: en }
}
