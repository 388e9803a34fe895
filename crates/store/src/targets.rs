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
    // Everything inside the region (not the region's own targets, which the level above set) for these
    // years goes: the file is the whole breakdown.
    let (lo, hi) = code_range(&imp.region_code);
    let years: Vec<String> = imp.years.iter().map(|y| y.to_string()).collect();
    let before: Vec<Target> = {
        let sql = format!(
            "SELECT region_code, year, estates, households, source, updated_at, updated_by FROM targets \
             WHERE region_code > $1 AND region_code < $2 AND CAST(year AS TEXT) IN ({})",
            (0..years.len()).map(|i| format!("${}", i + 3)).collect::<Vec<_>>().join(", ")
        );
        let mut binds = vec![Bind::T(lo.clone()), Bind::T(hi.clone())];
        binds.extend(years.iter().map(|y| Bind::T(y.clone())));
        with_tx!(&mut tx, cx => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &binds).fetch_all(&mut *cx).await?)
    };
    {
        let sql = format!(
            "DELETE FROM targets WHERE region_code > $1 AND region_code < $2 AND CAST(year AS TEXT) IN ({})",
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
        let ck = regions.child_under(code, &county, &street);
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

// ───────────────────────────── Import of a breakdown table ─────────────────────────────

/// One refused value of a target table: where, what, and what to do.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SheetError {
    /// Spreadsheet row (1-based as Excel shows it); 0 for the table as a whole.
    pub row: u32,
    /// The column header as written ("" for a whole row or the table).
    pub column: String,
    pub value: String,
    pub message: String,
}

/// What an import found (and stored, when `committed`).
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SheetReport {
    pub committed: bool,
    pub region_code: String,
    /// Sub-regions of the table, as matched to the tree: (code, name).
    pub regions: Vec<(String, String)>,
    pub years: Vec<i32>,
    /// Estates per year over the sub-regions.
    pub by_year: BTreeMap<String, i64>,
    pub total: i64,
    /// The programme total and prior count used for the checks (the profile's when it is the region's).
    pub programme_total: Option<i64>,
    pub prior: i64,
    pub errors: Vec<SheetError>,
}

/// Checks a read table against the tree and the region's profile and, unless `dry_run` or an error was
/// found, stores it ([`replace`]). Sub-regions are matched by name or code inside `region_code` (a task
/// unit must have been added first); the 合计 arithmetic is the reader's; the yearly sums must equal the
/// profile's `target_annual`, and `target_prior` + the years must equal `target_total` and reach each
/// `target_cumulative` share, each refusal naming the region and the year.
#[allow(clippy::too_many_arguments)]
pub async fn import_sheet(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    sheet: &jiugai_sheet::targets::TargetSheet,
    region_code: &str,
    source: &str,
    dry_run: bool,
    lang: jiugai_sheet::Lang,
    actor: &str,
    origin: &str,
) -> Result<SheetReport, StoreError> {
    let zh = lang == jiugai_sheet::Lang::Zh;
    let top = regions.get(region_code).ok_or_else(|| StoreError::RegionNotFound(region_code.to_string()))?;
    let mut errors: Vec<SheetError> = sheet
        .issues
        .iter()
        .map(|i| SheetError { row: i.row, column: i.column.clone(), value: i.value.clone(), message: i.message(lang) })
        .collect();
    // Sub-regions → codes.
    let mut codes: BTreeMap<String, String> = BTreeMap::new();
    let mut matched = Vec::new();
    for name in &sheet.regions {
        let row = sheet.entries.iter().find(|e| &e.region == name).map_or(0, |e| e.row);
        match regions.resolve(name, Some(region_code)) {
            Ok(r) if r.code != region_code => {
                if let Some((other, _)) = codes.iter().find(|(_, c)| **c == r.code) {
                    errors.push(SheetError {
                        row,
                        column: "区划".into(),
                        value: name.clone(),
                        message: if zh {
                            format!("“{name}”与“{other}”是同一区划（{}）：请合并为一行", r.code)
                        } else {
                            format!("“{name}” and “{other}” are the same region ({}): merge them into one row", r.code)
                        },
                    });
                    continue;
                }
                codes.insert(name.clone(), r.code.clone());
                matched.push((r.code.clone(), r.name.clone()));
            }
            Ok(_) => errors.push(SheetError {
                row,
                column: "区划".into(),
                value: name.clone(),
                message: if zh {
                    format!("“{name}”是本表所属区划本身：本级的数请写在合计行")
                } else {
                    format!("“{name}” is the table's own region: put its figures in the 合计 row")
                },
            }),
            Err(e) => errors.push(SheetError {
                row,
                column: "区划".into(),
                value: name.clone(),
                message: if zh {
                    format!(
                        "“{name}”不是{}下的区划（{}）。开发区、市管园区等非行政区划可先添加为任务单位：jiugai regions add-unit --parent {region_code} --name {name}",
                        top.full_name,
                        e.message(lang)
                    )
                } else {
                    format!(
                        "“{name}” is not a region inside {} ({}). A development zone or park can be added as a task unit first: jiugai regions add-unit --parent {region_code} --name {name}",
                        top.full_name,
                        e.message(lang)
                    )
                },
            }),
        }
    }
    let rows: Vec<NewTarget> = sheet
        .entries
        .iter()
        .filter_map(|e| {
            codes.get(&e.region).map(|c| NewTarget {
                region_code: c.clone(),
                year: e.year,
                estates: e.count,
                households: e.households,
            })
        })
        .collect();
    let mut by_year: BTreeMap<i32, i64> = BTreeMap::new();
    for y in &sheet.years {
        by_year.insert(*y, 0);
    }
    for r in &rows {
        *by_year.entry(r.year).or_default() += r.estates;
    }
    // The profile's own figures, when the profile is this region's.
    let eff = profiles.effective(profiles.for_region(region_code)).ok().filter(|p| p.region_code == region_code);
    let mut total = None;
    let mut prior = 0;
    if let Some(p) = &eff {
        let year_col =
            |y: i32| sheet.entries.iter().find(|e| e.year == y).map(|e| e.column.clone()).unwrap_or_default();
        if let Some(r) = p.rule("target_annual", None)
            && let RuleValue::YearCounts(m) = &r.value
        {
            for (y, n) in &by_year {
                if let Some(want) = m.get(y)
                    && want != n
                {
                    errors.push(SheetError {
                        row: 0,
                        column: year_col(*y),
                        value: n.to_string(),
                        message: if zh {
                            format!(
                                "{} {y}年 各下级合计 {n} 个，与政策文件规定的 {want} 个不符（{}）：请核对该年各行",
                                top.name, r.source
                            )
                        } else {
                            format!(
                                "{} {y}: the rows sum to {n}, the policy sets {want} ({}): check that year's rows",
                                top.name, r.source
                            )
                        },
                    });
                }
            }
        }
        if let Some(r) = p.rule("target_total", None)
            && let RuleValue::Count(n) = r.value
        {
            total = Some(n);
        }
        if let Some(r) = p.rule("target_prior", None)
            && let RuleValue::Count(n) = r.value
        {
            prior = n;
        }
        // Totals and cumulative promises: the rules' table check on the region's own series.
        // Named by the region's name in messages.
        let mut t = jiugai_rules::TargetTable::from_profile(p, &top.name).unwrap_or(jiugai_rules::TargetTable {
            region: top.name.clone(),
            total,
            prior,
            rows: vec![],
        });
        t.rows = by_year
            .iter()
            .map(|(y, n)| jiugai_rules::TargetRow {
                region: top.name.clone(),
                year: *y,
                count: *n,
                households: None,
                cumulative_pct: t.rows.iter().find(|r| r.year == *y).and_then(|r| r.cumulative_pct),
            })
            .collect();
        for i in t.check().issues {
            errors.push(SheetError {
                row: 0,
                column: i.year.map(year_col).unwrap_or_default(),
                value: i.year.map(|y| by_year.get(&y).copied().unwrap_or(0).to_string()).unwrap_or_default(),
                message: if zh { i.message_zh.clone() } else { i.message_en.clone() },
            });
        }
    }
    // The region's own targets as the level above set them (an earlier import of the parent's table).
    let own: Vec<Target> = list(db, region_code).await?.into_iter().filter(|t| t.region_code == region_code).collect();
    for t in &own {
        if let Some(n) = by_year.get(&t.year)
            && *n != t.estates
        {
            let column = sheet.entries.iter().find(|e| e.year == t.year).map(|e| e.column.clone()).unwrap_or_default();
            errors.push(SheetError {
                row: 0,
                column,
                value: n.to_string(),
                message: if zh {
                    format!(
                        "{} {}年 各下级合计 {n} 个，与上级下达的任务 {} 个不符（{}）",
                        top.name, t.year, t.estates, t.source
                    )
                } else {
                    format!(
                        "{} {}: the rows sum to {n}, the level above set {} ({})",
                        top.name, t.year, t.estates, t.source
                    )
                },
            });
        }
    }
    let sum: i64 = by_year.values().sum();
    if let Some(g) = sheet.grand_total
        && g != sum
        && errors.is_empty()
    {
        errors.push(SheetError {
            row: 0,
            column: "合计".into(),
            value: g.to_string(),
            message: if zh {
                format!("总合计 {g} 与各行之和 {sum} 不符")
            } else {
                format!("the grand total {g} is not the sum {sum}")
            },
        });
    }
    let committed = errors.is_empty() && !dry_run && !rows.is_empty();
    if rows.is_empty() && errors.is_empty() {
        errors.push(SheetError {
            row: 0,
            column: String::new(),
            value: String::new(),
            message: if zh { "表中没有任务数".into() } else { "the table holds no targets".into() },
        });
    }
    if committed {
        let imp = Import {
            region_code: region_code.to_string(),
            years: sheet.years.clone(),
            rows,
            total,
            prior,
            source: source.to_string(),
        };
        replace(db, regions, &imp, actor, origin).await?;
    }
    Ok(SheetReport {
        committed,
        region_code: region_code.to_string(),
        regions: matched,
        years: sheet.years.clone(),
        by_year: by_year.iter().map(|(y, n)| (y.to_string(), *n)).collect(),
        total: sum,
        programme_total: total,
        prior,
        errors,
    })
}

/// The stored breakdown of `region_code` in the wide layout, ready for [`jiugai_sheet::targets::write_targets_xlsx`]:
/// its children with targets, by code, and the years.
pub async fn export_table(
    db: &Db,
    regions: &Regions,
    region_code: &str,
) -> Result<jiugai_sheet::targets::TargetTableOut, StoreError> {
    let top = regions.get(region_code).ok_or_else(|| StoreError::RegionNotFound(region_code.to_string()))?;
    let all = list(db, region_code).await?;
    let mut years: Vec<i32> = all.iter().filter(|t| t.region_code != region_code).map(|t| t.year).collect();
    years.sort();
    years.dedup();
    let mut kids: Vec<&str> =
        all.iter().filter(|t| t.region_code != region_code).map(|t| t.region_code.as_str()).collect();
    kids.sort();
    kids.dedup();
    let rows = kids
        .iter()
        .map(|k| {
            let name = regions.get(k).map_or_else(|| k.to_string(), |r| r.name.clone());
            let v = years
                .iter()
                .map(|y| all.iter().find(|t| t.region_code == *k && t.year == *y).map_or(0, |t| t.estates))
                .collect();
            (name, v)
        })
        .collect();
    Ok(jiugai_sheet::targets::TargetTableOut {
        title: format!("{}城镇老旧小区改造年度任务细化分解表", top.full_name),
        unit: "单位：个".into(),
        years,
        rows,
    })
}
