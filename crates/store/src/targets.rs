//! Targets (年度任务细化分解表) per region and year, and progress against them at every level of the tree
//! [SPEC §7; 000 一、二、附件; 004 二].
//!
//! Invariants:
//! - A target is (region, year) → estates (and households when the table gives them). An import replaces
//!   the targets of the region and everything inside it for the years of the file, in one transaction, and
//!   is audited; the programme row (total and `prior`, the estates done before the table's first year)
//!   is kept beside them.
//! - Actuals are derived from records, never typed: an estate counts as done in the year its project moved
//!   to `completed` (the first such move; the plan year when the project has no recorded move), and as
//!   started while its project is in implementation. Households are the registry's (一区一档).
//! - The cumulative actual of a year is `prior` + the estates done from the table's first year up to that
//!   year; the promised share is the profile's `target_cumulative` when the profile is the region's own.

use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

use crate::estates::query::{Bind, bind_all, region_cond};
use crate::regions::{Level, Regions};
use crate::{Db, StoreError, audit, clock, with_db, with_tx};
use jiugai_rules::{ProfileSet, Ratio, RuleValue};

/// One stored target.
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    pub region_code: String,
    #[sqlx(try_from = "i64")]
    pub year: i32,
    pub estates: i64,
    pub households: Option<i64>,
    pub source: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// A target to store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewTarget {
    pub region_code: String,
    pub year: i32,
    pub estates: i64,
    pub households: Option<i64>,
}

/// What an import of a target table stores.
#[derive(Clone, Debug)]
pub struct Import {
    /// The region the table is for (its 合计 row is this region's own series).
    pub region_code: String,
    pub years: Vec<i32>,
    pub rows: Vec<NewTarget>,
    /// The programme total over the period, if known.
    pub total: Option<i64>,
    /// Estates done before the table's first year that count toward `total`.
    pub prior: i64,
    /// The file (and sheet) it came from.
    pub source: String,
}

/// A region's programme: total and prior count.
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Programme {
    pub region_code: String,
    pub total: Option<i64>,
    pub prior: i64,
    pub source: String,
}

/// Stores an import: all or nothing. Returns the number of target rows written.
pub async fn replace(db: &Db, regions: &Regions, imp: &Import, actor: &str, origin: &str) -> Result<usize, StoreError> {
    if imp.years.is_empty() {
        return Err(StoreError::invalid("years", "", "任务表中没有年份", "the table has no years"));
    }
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    // Everything inside the region for these years goes: the file is the whole breakdown.
    let (lo, hi) = code_range(&imp.region_code);
    let years: Vec<String> = imp.years.iter().map(|y| y.to_string()).collect();
    let before: Vec<Target> = {
        let sql = format!(
            "SELECT region_code, year, estates, households, source, updated_at, updated_by FROM targets \
             WHERE region_code >= $1 AND region_code < $2 AND CAST(year AS TEXT) IN ({})",
            (0..years.len()).map(|i| format!("${}", i + 3)).collect::<Vec<_>>().join(", ")
        );
        let mut binds = vec![Bind::T(lo.clone()), Bind::T(hi.clone())];
        binds.extend(years.iter().map(|y| Bind::T(y.clone())));
        with_tx!(&mut tx, cx => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &binds).fetch_all(&mut *cx).await?)
    };
    {
        let sql = format!(
            "DELETE FROM targets WHERE region_code >= $1 AND region_code < $2 AND CAST(year AS TEXT) IN ({})",
            (0..years.len()).map(|i| format!("${}", i + 3)).collect::<Vec<_>>().join(", ")
        );
        let mut binds = vec![Bind::T(lo), Bind::T(hi)];
        binds.extend(years.iter().map(|y| Bind::T(y.clone())));
        with_tx!(&mut tx, cx => bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), &binds).execute(&mut *cx).await?.rows_affected());
    }
    for r in &imp.rows {
        if regions.get(&r.region_code).is_none() {
            return Err(StoreError::RegionNotFound(r.region_code.clone()));
        }
        with_tx!(&mut tx, cx => sqlx::query("INSERT INTO targets (region_code, year, estates, households, investment_fen, source, updated_at, updated_by) VALUES ($1, $2, $3, $4, NULL, $5, $6, $7)")
            .bind(&r.region_code).bind(i64::from(r.year)).bind(r.estates).bind(r.households).bind(&imp.source).bind(&now).bind(actor)
            .execute(&mut *cx).await?.rows_affected());
    }
    with_tx!(&mut tx, cx => sqlx::query("DELETE FROM target_programmes WHERE region_code = $1").bind(&imp.region_code).execute(&mut *cx).await?.rows_affected());
    with_tx!(&mut tx, cx => sqlx::query("INSERT INTO target_programmes (region_code, total, prior, source, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&imp.region_code).bind(imp.total).bind(imp.prior).bind(&imp.source).bind(&now).bind(actor)
        .execute(&mut *cx).await?.rows_affected());
    let after: Vec<_> = imp.rows.iter().map(|r| json!([r.region_code, r.year, r.estates, r.households])).collect();
    let before: Vec<_> = before.iter().map(|r| json!([r.region_code, r.year, r.estates, r.households])).collect();
    audit::append(
        &mut tx,
        &audit::Entry::new(
            actor,
            origin,
            "targets.import",
            "targets",
            &imp.region_code,
            json!({"source": imp.source, "years": imp.years, "total": imp.total, "prior": imp.prior,
                   "before": before, "after": after}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(imp.rows.len())
}

/// The code range of a region and everything inside it (codes nest by prefix).
fn code_range(code: &str) -> (String, String) {
    let hi = code
        .parse::<u64>()
        .ok()
        .map(|n| format!("{:0width$}", n + 1, width = code.len()))
        .filter(|h| h.len() == code.len())
        .unwrap_or_else(|| format!("{code}\u{10FFFF}"));
    (code.to_string(), hi)
}

/// Targets of a region and everything inside it (all years when `years` is empty), by region then year.
pub async fn list(db: &Db, region_code: &str) -> Result<Vec<Target>, StoreError> {
    let (lo, hi) = code_range(region_code);
    let (lo, hi) = if region_code.is_empty() { (String::new(), "\u{10FFFF}".to_string()) } else { (lo, hi) };
    Ok(with_db!(db, p => sqlx::query_as(
        "SELECT region_code, year, estates, households, source, updated_at, updated_by FROM targets \
         WHERE region_code >= $1 AND region_code < $2 ORDER BY region_code, year")
        .bind(lo).bind(hi).fetch_all(p).await?))
}

pub async fn programme(db: &Db, region_code: &str) -> Result<Option<Programme>, StoreError> {
    Ok(with_db!(db, p => sqlx::query_as(
        "SELECT region_code, total, prior, source FROM target_programmes WHERE region_code = $1")
        .bind(region_code).fetch_optional(p).await?))
}

/// A region's target for a year: its own row, else the sum of its children's rows.
pub fn target_of(targets: &[Target], regions: &Regions, code: &str, year: i32) -> Option<(i64, Option<i64>)> {
    if let Some(t) = targets.iter().find(|t| t.region_code == code && t.year == year) {
        return Some((t.estates, t.households));
    }
    let kids: Vec<&Target> = targets
        .iter()
        .filter(|t| t.year == year && regions.get(&t.region_code).and_then(|r| r.parent_code.as_deref()) == Some(code))
        .collect();
    if kids.is_empty() {
        return None;
    }
    let hh = kids.iter().map(|t| t.households).sum::<Option<i64>>();
    Some((kids.iter().map(|t| t.estates).sum(), hh))
}

/// One region's figures for one year.
#[derive(Clone, Debug, Serialize, PartialEq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Line {
    pub region_code: String,
    pub name: String,
    /// Target estates of the year (`None`: no target set).
    pub target: Option<i64>,
    pub target_households: Option<i64>,
    /// Estates whose project completed in the year, and their households.
    pub done: i64,
    pub done_households: i64,
    /// Estates in projects in implementation (started, not completed), now.
    pub started: i64,
    /// `prior` + estates done from the table's first year up to this year.
    pub cumulative: i64,
    /// The programme total (stated, else prior + all years' targets).
    pub total: Option<i64>,
    /// `cumulative / total` as text (e.g. `40.35%`).
    pub share: Option<String>,
    /// The promised cumulative share by the year's end (e.g. `≥35%`), if promised.
    pub promised: Option<String>,
    /// Estates still to do to meet the year's target (0 when met).
    pub shortfall: i64,
    /// Estates still to do to reach the promised share (0 when reached).
    pub promise_shortfall: Option<i64>,
}

/// Progress of a region and each of its children for a year, and the region's series over the years.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Progress {
    pub year: i32,
    pub region: Line,
    pub children: Vec<Line>,
    /// The region's own line for every year of its targets.
    pub series: Vec<Line>,
    /// Where the total, prior and promises come from.
    pub sources: Vec<String>,
}

/// Completed estates (and households) by (child region, year), and started estates by child, inside `code`.
struct Actuals {
    done: BTreeMap<(String, i32), (i64, i64)>,
    started: BTreeMap<String, i64>,
}

/// The key an estate rolls up to under `parent`: the child region that holds it (or the parent itself).
fn child_key(regions: &Regions, parent: &str, county: &str, street: &str) -> String {
    let level = regions.get(parent).map(|r| r.level);
    match level {
        None if parent.is_empty() => county.get(..2).unwrap_or(county).to_string(),
        Some(Level::Province) => {
            // A city code (4 digits), or a task unit directly under the province.
            regions
                .ancestors(county)
                .iter()
                .find(|r| r.parent_code.as_deref() == Some(parent))
                .map_or_else(|| county.get(..4).unwrap_or(county).to_string(), |r| r.code.clone())
        }
        Some(Level::City) => county.to_string(),
        Some(Level::County) if !street.is_empty() => street.to_string(),
        _ => parent.to_string(),
    }
}

async fn actuals(db: &Db, regions: &Regions, code: &str) -> Result<Actuals, StoreError> {
    let mut binds = Vec::new();
    let cond = region_cond(regions, code, &mut binds).map(|c| format!("WHERE {c}")).unwrap_or_default();
    let sql = format!(
        "SELECT e.region_code, COALESCE(e.street_code, '') AS street, y.done_year, y.done, CAST(COUNT(*) AS BIGINT) AS n, \
         CAST(COALESCE(SUM(e.households), 0) AS BIGINT) AS hh \
         FROM (SELECT p.id, CASE WHEN p.stage IN ('completed', 'accepted', 'management') THEN 1 ELSE 0 END AS done, \
                 COALESCE((SELECT SUBSTR(MIN(m.at), 1, 4) FROM project_moves m WHERE m.project_id = p.id AND m.to_stage = 'completed'), \
                          CAST(p.plan_year AS TEXT)) AS done_year \
               FROM projects p WHERE p.stage IN ('implementation', 'completed', 'accepted', 'management')) y \
         JOIN project_estates pe ON pe.project_id = y.id JOIN estates e ON e.id = pe.estate_id {cond} \
         GROUP BY e.region_code, COALESCE(e.street_code, ''), y.done_year, y.done"
    );
    let rows: Vec<(String, String, String, i32, i64, i64)> =
        with_db!(db, p => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &binds).fetch_all(p).await?);
    let mut a = Actuals { done: BTreeMap::new(), started: BTreeMap::new() };
    for (county, street, year, done, n, hh) in rows {
        let ck = child_key(regions, code, &county, &street);
        let keys = if ck == code { vec![ck] } else { vec![code.to_string(), ck] };
        for key in keys {
            if done == 1 {
                let Ok(y) = year.parse::<i32>() else { continue };
                let e = a.done.entry((key.clone(), y)).or_default();
                e.0 += n;
                e.1 += hh;
            } else {
                *a.started.entry(key).or_default() += n;
            }
        }
    }
    Ok(a)
}

/// Progress for `code` (`""`: the whole country) in `year`.
pub async fn progress(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    code: &str,
    year: i32,
) -> Result<Progress, StoreError> {
    let targets = list(db, code).await?;
    let a = actuals(db, regions, code).await?;
    let mut sources = Vec::new();
    // The programme: stored, else the profile's own (when the profile is this region's).
    let stored = programme(db, code).await?;
    let eff = profiles.effective(profiles.for_region(code)).ok().filter(|p| p.region_code == code && !code.is_empty());
    let count_rule = |k: &str| {
        eff.as_ref().and_then(|p| p.rule(k, None)).and_then(|r| match r.value {
            RuleValue::Count(n) => Some((n, format!("{}（{}）", r.source, r.profile))),
            _ => None,
        })
    };
    let (total, prior) = match &stored {
        Some(p) => {
            sources.push(format!("任务表：{}", p.source));
            (p.total, p.prior)
        }
        None => {
            let t = count_rule("target_total");
            let pr = count_rule("target_prior");
            sources.extend(t.iter().chain(pr.iter()).map(|x| x.1.clone()));
            (t.map(|x| x.0), pr.map_or(0, |x| x.0))
        }
    };
    let promises: BTreeMap<i32, Ratio> = eff
        .as_ref()
        .and_then(|p| p.rule("target_cumulative", None))
        .and_then(|r| match &r.value {
            RuleValue::YearShares(m) => {
                sources.push(format!("{}（{}）", r.source, r.profile));
                Some(m.clone())
            }
            _ => None,
        })
        .unwrap_or_default();
    let profile_annual: BTreeMap<i32, i64> = eff
        .as_ref()
        .and_then(|p| p.rule("target_annual", None))
        .and_then(|r| match &r.value {
            RuleValue::YearCounts(m) => Some(m.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let own_target =
        |y: i32| target_of(&targets, regions, code, y).or_else(|| profile_annual.get(&y).map(|n| (*n, None)));
    let mut years: Vec<i32> = targets.iter().filter(|t| t.region_code == code).map(|t| t.year).collect();
    if years.is_empty() {
        years = targets.iter().map(|t| t.year).collect();
    }
    years.extend(profile_annual.keys());
    years.sort();
    years.dedup();
    let first = years.first().copied().unwrap_or(year);
    let total = total.or_else(|| {
        let s: i64 = years.iter().filter_map(|y| own_target(*y)).map(|t| t.0).sum();
        (!years.is_empty()).then_some(prior + s)
    });
    let name_of = |c: &str| {
        if c.is_empty() {
            "全国".to_string()
        } else {
            regions.get(c).map_or_else(|| c.to_string(), |r| r.name.clone())
        }
    };
    let line = |c: &str,
                y: i32,
                target: Option<(i64, Option<i64>)>,
                prior: i64,
                total: Option<i64>,
                promise: Option<Ratio>| {
        let (done, done_hh) = a.done.get(&(c.to_string(), y)).copied().unwrap_or_default();
        let cumulative = prior
            + a.done.iter().filter(|((k, yy), _)| k == c && *yy >= first && *yy <= y).map(|(_, v)| v.0).sum::<i64>();
        let share = total.filter(|t| *t > 0).map(|t| Ratio { num: cumulative, den: t }.percent_text());
        let promise_shortfall = match (promise, total) {
            (Some(p), Some(t)) => {
                // the least count n with n/t ≥ p: ceil(p.num·t / p.den)
                let need = (i128::from(p.num) * i128::from(t) + i128::from(p.den) - 1) / i128::from(p.den);
                Some((need as i64 - cumulative).max(0))
            }
            _ => None,
        };
        Line {
            region_code: c.to_string(),
            name: name_of(c),
            target: target.map(|t| t.0),
            target_households: target.and_then(|t| t.1),
            done,
            done_households: done_hh,
            started: a.started.get(c).copied().unwrap_or(0),
            cumulative,
            total,
            share,
            promised: promise.map(|p| format!("≥{p}")),
            shortfall: target.map_or(0, |t| (t.0 - done).max(0)),
            promise_shortfall,
        }
    };
    let region = line(code, year, own_target(year), prior, total, promises.get(&year).copied());
    let series = years.iter().map(|y| line(code, *y, own_target(*y), prior, total, promises.get(y).copied())).collect();
    // Children: the tree's children that have a target or an actual.
    let mut kids: Vec<String> = if code.is_empty() {
        regions.roots().map(|r| r.code.clone()).collect()
    } else {
        regions.children(code).filter(|r| r.level <= Level::Street).map(|r| r.code.clone()).collect()
    };
    kids.retain(|k| {
        targets.iter().any(|t| &t.region_code == k || t.region_code.starts_with(k.as_str()))
            || a.done.keys().any(|(c, _)| c == k)
            || a.started.contains_key(k)
    });
    let children = kids
        .iter()
        .map(|k| {
            let t = target_of(&targets, regions, k, year);
            let child_total = {
                let s: i64 = years.iter().filter_map(|y| target_of(&targets, regions, k, *y)).map(|t| t.0).sum();
                (s > 0).then_some(s)
            };
            line(k, year, t, 0, child_total, None)
        })
        .collect();
    Ok(Progress { year, region, children, series, sources })
}
