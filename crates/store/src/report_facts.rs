//! Per-county, per-month aggregates of the monthly report's figures (issue 15.5), so that a city's, a
//! province's or the nation's report and dashboard read a few rows per county instead of every project.
//!
//! Invariants:
//! - `report_facts` holds, for each county (an estate's `region_code`; a complaint's first six digits) and
//!   each month in which something happened, the running totals up to that month: projects and estates
//!   started and completed, households and area completed, allocations and payments by date, complaints
//!   received and answered on time. A figure at month M is the county's latest row at or before M; a month's
//!   or a year's part is the difference from the latest row before it. So a report reads at most four rows
//!   per county by index, whatever the number of months. The plan year's investment sits under the
//!   pseudo-month `YYYY-00`; every county with records has a marker row `0000-00`, so the set of child rows
//!   equals the direct computation's.
//! - A project is counted whole in the county of its first estate (lowest estate id), as
//!   [`crate::reports::scan`] does.
//! - The aggregates are a cache of the records, never a record themselves (no audit entry, no history): any
//!   change to a record a figure is derived from marks the counties it touches dirty in the same transaction
//!   (triggers of migration 0011 increment `report_dirty.gen`); a reader first recomputes the dirty counties
//!   of the range it reads ([`refresh`]) and deletes the dirty mark only if its generation did not move
//!   meanwhile, so a write that lands during a recompute is recomputed again on the next read.
//! - [`rollup`] equals [`crate::reports::scan`] figure by figure for every region above county level (a test
//!   proves it on both backends, before and after changes to each kind of record).

use std::collections::BTreeMap;

use crate::regions::Regions;
use crate::reports::Figures;
use crate::{Db, StoreError, with_db, with_tx};
use jiugai_domain::FundSource;

/// The stored columns, in table order.
const COLS: [&str; 14] = [
    "projects_started",
    "projects_completed",
    "estates_started",
    "estates_completed",
    "households_completed",
    "area_completed_dm2",
    "managed_completed",
    "investment_planned_fen",
    "allocated_fen",
    "central_allocated_fen",
    "paid_fen",
    "central_paid_fen",
    "complaints",
    "complaints_on_time",
];

#[derive(Clone, Copy)]
enum Span {
    /// The report's month only.
    Month,
    /// January to the report's month.
    Ytd,
    /// Every month up to the report's.
    Total,
    /// The pseudo-month of the report's year (plan-year figures).
    PlanYear,
}

/// Each figure of the report: its key, the column it sums and over which months.
const FIGURE_COLS: [(&str, usize, Span); 19] = [
    ("projects_started_month", 0, Span::Month),
    ("projects_started_ytd", 0, Span::Ytd),
    ("projects_started_total", 0, Span::Total),
    ("projects_completed_month", 1, Span::Month),
    ("projects_completed_ytd", 1, Span::Ytd),
    ("estates_started_ytd", 2, Span::Ytd),
    ("estates_completed_ytd", 3, Span::Ytd),
    ("estates_completed_total", 3, Span::Total),
    ("households_completed_ytd", 4, Span::Ytd),
    ("area_completed_ytd_dm2", 5, Span::Ytd),
    ("managed_estates", 6, Span::Total),
    ("investment_planned_fen", 7, Span::PlanYear),
    ("allocated_total_fen", 8, Span::Total),
    ("central_allocated_fen", 9, Span::Total),
    ("paid_month_fen", 10, Span::Month),
    ("paid_ytd_fen", 10, Span::Ytd),
    ("central_paid_fen", 11, Span::Total),
    ("complaints_month", 12, Span::Month),
    ("complaints_on_time_month", 13, Span::Month),
];

type Months = BTreeMap<String, [i64; 14]>;

/// The Beijing month (`YYYY-MM`) of a stored instant.
fn month_of_instant(s: &str) -> Option<String> {
    jiugai_domain::time::parse_instant(s)
        .and_then(jiugai_domain::time::beijing_date)
        .map(|d| format!("{:04}-{:02}", d.year(), d.month()))
}

fn bump(m: &mut Months, month: &str, col: usize, v: i64) {
    m.entry(month.to_string()).or_insert([0; 14])[col] += v;
}

/// The range `[lo, hi)` of county codes under `code` ("" = the whole country).
pub(crate) fn range(code: &str) -> (String, String) {
    if code.is_empty() {
        return (String::new(), "\u{10FFFF}".into());
    }
    let hi = code
        .parse::<u64>()
        .ok()
        .map(|n| format!("{:0width$}", n + 1, width = code.len()))
        .filter(|h| h.len() == code.len())
        .unwrap_or_else(|| format!("{code}\u{10FFFF}"));
    (code.to_string(), hi)
}

/// The figures of one county, month by month, from the records.
async fn compute(db: &Db, county: &str) -> Result<Months, StoreError> {
    let mut out = Months::new();
    let touching = "SELECT pe2.project_id FROM project_estates pe2 JOIN estates e2 ON e2.id = pe2.estate_id WHERE e2.region_code = $1";
    let sql = format!(
        "SELECT p.id, e.region_code, \
           COALESCE((SELECT MIN(m.at) FROM project_moves m WHERE m.project_id = p.id AND m.to_stage = 'implementation'), ''), \
           COALESCE((SELECT MIN(m.at) FROM project_moves m WHERE m.project_id = p.id AND m.to_stage = 'completed'), ''), \
           CAST(COALESCE(e.households, 0) AS BIGINT), CAST(COALESCE(e.floor_area_dm2, 0) AS BIGINT), \
           CASE WHEN p.management_mode IS NOT NULL THEN 1 ELSE 0 END, p.plan_year, p.investment_fen \
         FROM projects p JOIN project_estates pe ON pe.project_id = p.id JOIN estates e ON e.id = pe.estate_id \
         WHERE p.id IN ({touching}) ORDER BY p.id, e.id"
    );
    type R = (i64, String, String, String, i64, i64, i32, i64, i64);
    let rows: Vec<R> =
        with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(county).fetch_all(p).await?);
    // A project belongs to the county of its first estate.
    let mut mine: BTreeMap<i64, bool> = BTreeMap::new();
    for (pid, region, started, completed, hh, area, managed, plan_year, inv) in &rows {
        let first = !mine.contains_key(pid);
        let own = *mine.entry(*pid).or_insert_with(|| region == county);
        if !own {
            continue;
        }
        let (s, c) = (month_of_instant(started), month_of_instant(completed));
        if first {
            if let Some(s) = &s {
                bump(&mut out, s, 0, 1);
            }
            if let Some(c) = &c {
                bump(&mut out, c, 1, 1);
            }
            bump(&mut out, &format!("{plan_year:04}-00"), 7, *inv);
        }
        if let Some(s) = &s {
            bump(&mut out, s, 2, 1);
        }
        if let Some(c) = &c {
            bump(&mut out, c, 3, 1);
            bump(&mut out, c, 4, *hh);
            bump(&mut out, c, 5, *area);
            bump(&mut out, c, 6, i64::from(*managed));
        }
    }
    let own: Vec<i64> = mine.iter().filter(|(_, o)| **o).map(|(p, _)| *p).collect();
    if !own.is_empty() {
        out.entry("0000-00".into()).or_insert([0; 14]);
    }
    for chunk in own.chunks(500) {
        let list = chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let pays: Vec<(FundSource, String, i64)> = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT source, paid_on, CAST(SUM(amount_fen) AS BIGINT) FROM fund_payments WHERE project_id IN ({list}) GROUP BY source, paid_on")))
            .fetch_all(p).await?);
        for (src, on, amt) in pays {
            let m = on.get(..7).unwrap_or(&on);
            bump(&mut out, m, 10, amt);
            if src == FundSource::Central {
                bump(&mut out, m, 11, amt);
            }
        }
        let allocs: Vec<(FundSource, String, i64)> = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT a.source, SUBSTR(COALESCE(d.issued_on, SUBSTR(a.created_at, 1, 10)), 1, 7) AS m, CAST(SUM(a.amount_fen) AS BIGINT) \
             FROM fund_allocations a LEFT JOIN fund_documents d ON d.id = a.document_id \
             WHERE a.project_id IN ({list}) GROUP BY a.source, m")))
            .fetch_all(p).await?);
        for (src, m, amt) in allocs {
            bump(&mut out, &m, 8, amt);
            if src == FundSource::Central {
                bump(&mut out, &m, 9, amt);
            }
        }
    }
    // Complaints routed to the county (a code of at most six digits is its own key).
    let (lo, hi) = range(county);
    let cs: Vec<(String, String, String, Option<String>)> = with_db!(db, p => sqlx::query_as(
        "SELECT c.region_code, c.created_at, c.due_on, (SELECT MIN(ev.at) FROM complaint_events ev WHERE ev.complaint_id = c.id AND ev.status = 'resolved') \
         FROM complaints c WHERE c.region_code >= $1 AND c.region_code < $2")
        .bind(&lo).bind(&hi).fetch_all(p).await?);
    for (rc, created, due, resolved) in cs {
        if rc.get(..6).unwrap_or(&rc) != county {
            continue;
        }
        out.entry("0000-00".into()).or_insert([0; 14]);
        if let Some(m) = month_of_instant(&created) {
            bump(&mut out, &m, 12, 1);
        }
        if let Some(r) = resolved
            && let Some(m) = month_of_instant(&r)
        {
            let day = jiugai_domain::time::parse_instant(&r)
                .and_then(jiugai_domain::time::beijing_date)
                .map(|d| d.to_string());
            if day.is_some_and(|d| d <= due) {
                bump(&mut out, &m, 13, 1);
            }
        }
    }
    Ok(out)
}

/// Whether `month` is a pseudo-month (`0000-00` marker, `YYYY-00` plan year).
fn pseudo(month: &str) -> bool {
    month.ends_with("-00")
}

/// Monthly deltas → the running totals stored: each month holds the sums of every month up to it (the plan
/// year's investment stays in its pseudo-month alone), so any figure at a month is one row, and a month's or
/// a year's part the difference of two; the latest row at or before a month is one index probe.
fn cumulative(deltas: Months) -> Months {
    let mut run = [0i64; 14];
    let mut out = Months::new();
    for (m, v) in deltas {
        if pseudo(&m) {
            // A pseudo-month carries the running totals as they stand there too (so the latest row at or
            // before a month is always right), and its own plan-year investment.
            let mut row = run;
            row[7] = v[7];
            out.insert(m, row);
            continue;
        }
        for (i, x) in v.iter().enumerate() {
            if i != 7 {
                run[i] += x;
            }
        }
        out.insert(m, run);
    }
    out
}

/// Recomputes one county's rows and clears its dirty mark if it is still at generation `generation`.
async fn recompute(db: &Db, county: &str, generation: i64) -> Result<(), StoreError> {
    let months = cumulative(compute(db, county).await?);
    let mut tx = db.begin().await?;
    with_tx!(&mut tx, cx => sqlx::query("DELETE FROM report_facts WHERE county_code = $1").bind(county).execute(&mut *cx).await?.rows_affected());
    let cols = COLS.join(", ");
    let params = (3..3 + COLS.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let set = COLS.iter().map(|c| format!("{c} = EXCLUDED.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "INSERT INTO report_facts (county_code, month, {cols}) VALUES ($1, $2, {params}) \
         ON CONFLICT (county_code, month) DO UPDATE SET {set}"
    );
    for (m, v) in &months {
        with_tx!(&mut tx, cx => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(county).bind(m);
            for x in v {
                q = q.bind(*x);
            }
            q.execute(&mut *cx).await?.rows_affected()
        });
    }
    with_tx!(&mut tx, cx => sqlx::query("DELETE FROM report_overdue WHERE county_code = $1").bind(county).execute(&mut *cx).await?.rows_affected());
    with_tx!(&mut tx, cx => sqlx::query("DELETE FROM report_dirty WHERE county_code = $1 AND gen = $2").bind(county).bind(generation).execute(&mut *cx).await?.rows_affected());
    tx.commit().await?;
    Ok(())
}

/// Recomputes the dirty counties under `code` ("" = everywhere). Returns how many were recomputed.
pub async fn refresh(db: &Db, code: &str) -> Result<usize, StoreError> {
    let (lo, hi) = range(code);
    let dirty: Vec<(String, i64)> = with_db!(db, p => sqlx::query_as(
        "SELECT county_code, gen FROM report_dirty WHERE county_code >= $1 AND county_code < $2 ORDER BY county_code")
        .bind(&lo).bind(&hi).fetch_all(p).await?);
    for (c, g) in &dirty {
        recompute(db, c, *g).await?;
    }
    Ok(dirty.len())
}

/// The figures of `code`'s children for `month`, summed from the aggregates (after [`refresh`]). Used for
/// regions above county level; the year's targets are filled by the caller as for the direct computation.
pub async fn rollup(
    db: &Db,
    regions: &Regions,
    code: &str,
    month: &str,
) -> Result<BTreeMap<String, Figures>, StoreError> {
    let (first, _) = crate::reports::month_bounds(month)?;
    let (m, y00) = (month.to_string(), format!("{:04}-00", first.year()));
    refresh(db, code).await?;
    // The month before, and December of the year before.
    let prev = if first.month() == 1 {
        format!("{:04}-12", first.year() - 1)
    } else {
        format!("{:04}-{:02}", first.year(), first.month() - 1)
    };
    let ylast = format!("{:04}-12", first.year() - 1);
    let at = |bound: &str| {
        format!("(SELECT MAX(x.month) FROM report_facts x WHERE x.county_code = d.county_code AND x.month <= {bound})")
    };
    let vals = FIGURE_COLS
        .iter()
        .map(|(_, c, span)| {
            let col = COLS[*c];
            match span {
                Span::Month => format!("COALESCE(a.{col}, 0) - COALESCE(b.{col}, 0)"),
                Span::Ytd => format!("COALESCE(a.{col}, 0) - COALESCE(y.{col}, 0)"),
                Span::Total => format!("COALESCE(a.{col}, 0)"),
                Span::PlanYear => format!("COALESCE(p.{col}, 0)"),
            }
        })
        .map(|s| format!("CAST({s} AS BIGINT)"))
        .collect::<Vec<_>>()
        .join(", ");
    let (lo, hi) = range(code);
    let sql = format!(
        "WITH c AS (SELECT d.county_code, {} AS m1, {} AS m0, {} AS my FROM report_facts d \
           WHERE d.month = '0000-00' AND d.county_code >= $4 AND d.county_code < $5) \
         SELECT c.county_code, {vals} FROM c \
         LEFT JOIN report_facts a ON a.county_code = c.county_code AND a.month = c.m1 \
         LEFT JOIN report_facts b ON b.county_code = c.county_code AND b.month = c.m0 \
         LEFT JOIN report_facts y ON y.county_code = c.county_code AND y.month = c.my \
         LEFT JOIN report_facts p ON p.county_code = c.county_code AND p.month = $3",
        at("$1"),
        at("$2"),
        at("$6")
    );
    let got: Vec<(String, Vec<i64>)> = with_db!(db, p => {
        use sqlx::Row;
        let rs = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(&m)
            .bind(&prev)
            .bind(&y00)
            .bind(&lo)
            .bind(&hi)
            .bind(&ylast)
            .fetch_all(p)
            .await?;
        rs.iter()
            .map(|r| (r.get::<String, _>(0), (1..=FIGURE_COLS.len()).map(|i| r.get::<i64, _>(i)).collect()))
            .collect()
    });
    let mut out: BTreeMap<String, Figures> = BTreeMap::new();
    for (county, vals) in got {
        let f = out.entry(regions.child_under(code, &county, "")).or_insert_with(crate::reports::empty);
        for ((k, ..), v) in FIGURE_COLS.iter().zip(vals) {
            *f.entry(k.to_string()).or_default() += v;
        }
    }
    Ok(out)
}
