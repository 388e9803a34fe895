//! Monthly reports (月报表) [SPEC §7; 004 附件二4; 000 四(一)]: per region and month, figures derived from the
//! records as of the month's end, rolled up child by child, submitted upward, approved (locked) or returned,
//! reopened by the level above with a reason.
//!
//! Invariants:
//! - Derived figures are computed as of the month's last moment in Beijing time from dated records: stage
//!   moves (started = first move to implementation, completed = first move to completed), payments by
//!   `paid_on`, allocation documents by `issued_on`, complaints by their received and resolved times. Never
//!   from "now" — except management coverage and the year's target, which are the records' present state.
//! - A region's report has one row per child region: a child's approved report counts as approved (its
//!   locked figures), any other child is computed live and marked so. The total is the sum of the rows, so
//!   the city's total equals the sum of its counties' approved reports figure by figure.
//! - Submitting stores the figures as they stand; approving locks them. Later changes to the records show as
//!   "changed since approval" with the difference ([`changes`]); a correction needs the level above to
//!   reopen the month with a reason. Every act is versioned, evented and audited.
//! - Due day: the profile's `report_due_day` of the following month, else this system's default (day 5),
//!   labelled as such.

use serde::{Deserialize, Serialize};

use crate::estates::query::{Bind, bind_all};
use serde_json::json;
use std::collections::BTreeMap;

use crate::regions::{Level, Regions};
use crate::{Db, StoreError, Tx, audit, clock, with_db, with_tx};
use jiugai_domain::{ErrorCode, FundSource, Label, ReportState, Role};
use jiugai_rules::{Date, ProfileSet};

/// Day of the following month reports are due when no profile sets `report_due_day`.
pub const DEFAULT_DUE_DAY: i64 = 5;

/// The derived figures: (key, Chinese label, English label, unit). Every one is additive over regions.
pub const FIGURES: &[(&str, &str, &str, &str)] = &[
    ("projects_started_month", "本月开工项目", "projects started this month", "个"),
    ("projects_started_ytd", "本年累计开工项目", "projects started this year", "个"),
    ("projects_started_total", "累计开工项目", "projects started in all", "个"),
    ("projects_completed_month", "本月完工项目", "projects completed this month", "个"),
    ("projects_completed_ytd", "本年累计完工项目", "projects completed this year", "个"),
    ("estates_started_ytd", "本年开工小区", "estates started this year", "个"),
    ("estates_completed_ytd", "本年完工小区", "estates completed this year", "个"),
    ("estates_completed_total", "累计完工小区", "estates completed in all", "个"),
    ("households_completed_ytd", "本年完工惠及户数", "households benefiting this year", "户"),
    ("area_completed_ytd_dm2", "本年完工建筑面积", "floor area completed this year", "㎡"),
    ("target_estates", "本年任务小区数", "this year's target (estates)", "个"),
    ("investment_planned_fen", "本年计划投资", "investment planned this year", "万元"),
    ("allocated_total_fen", "累计下达资金", "funds allocated in all", "万元"),
    ("central_allocated_fen", "其中：中央补助下达", "of which central subsidy allocated", "万元"),
    ("paid_month_fen", "本月支付资金", "paid this month", "万元"),
    ("paid_ytd_fen", "本年累计支付（完成投资）", "paid this year (investment made)", "万元"),
    ("central_paid_fen", "其中：中央补助支付", "of which central subsidy paid", "万元"),
    ("complaints_month", "本月受理投诉", "complaints received this month", "件"),
    ("complaints_on_time_month", "本月按期办结投诉", "complaints answered on time this month", "件"),
    ("managed_estates", "完工小区中有人管的", "completed estates under management", "个"),
    ("overdue_steps", "月末逾期未办步骤", "steps overdue at the month's end", "项"),
];

pub type Figures = BTreeMap<String, i64>;

pub(crate) fn empty() -> Figures {
    FIGURES.iter().map(|(k, ..)| (k.to_string(), 0)).collect()
}

fn add(a: &mut Figures, b: &Figures) {
    for (k, v) in b {
        *a.entry(k.clone()).or_default() += v;
    }
}

/// A month `YYYY-MM` → (first day, last day).
pub fn month_bounds(month: &str) -> Result<(Date, Date), StoreError> {
    let bad = || StoreError::invalid("month", month, "月份应写成 2026-11", "the month is written 2026-11");
    let (y, m) = month.split_once('-').ok_or_else(bad)?;
    let (y, m): (i32, u8) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let first = Date::new(y, m, 1).ok_or_else(bad)?;
    let next = if m == 12 { Date::new(y + 1, 1, 1) } else { Date::new(y, m + 1, 1) }.ok_or_else(bad)?;
    Ok((first, Date::from_days(next.to_days() - 1).ok_or_else(bad)?))
}

/// The UTC instant (RFC 3339 without the zone, comparable as text) at which Beijing day `d` begins.
fn utc_start(d: Date) -> String {
    let prev = Date::from_days(d.to_days() - 1).map_or_else(|| d.to_string(), |p| p.to_string());
    format!("{prev}T16:00:00")
}

/// The Beijing date (`YYYY-MM-DD`) of a stored instant.
fn beijing_day(s: &str) -> Option<String> {
    jiugai_domain::time::parse_instant(s).and_then(jiugai_domain::time::beijing_date).map(|d| d.to_string())
}

/// One row of a report: a child region (or the region itself) and its figures.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Row {
    pub region: String,
    pub name: String,
    /// The child's own report state; its figures are its approved report's when `approved`.
    pub state: ReportState,
    pub figures: Figures,
}

/// A region's report for a month.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub region: String,
    pub name: String,
    pub month: String,
    pub state: ReportState,
    pub version: i64,
    pub rows: Vec<Row>,
    pub total: Figures,
    /// Figures people type (jobs created…) and remarks.
    pub typed: serde_json::Value,
    pub due_on: String,
    pub due_source: String,
    pub submitted_at: Option<String>,
    pub approved_at: Option<String>,
    pub reason: String,
}

#[derive(sqlx::FromRow)]
struct Stored {
    state: ReportState,
    figures_json: Option<String>,
    typed_json: String,
    submitted_at: Option<String>,
    approved_at: Option<String>,
    reason: String,
    version: i64,
}

async fn stored(db: &Db, region: &str, month: &str) -> Result<Option<Stored>, StoreError> {
    Ok(
        with_db!(db, p => sqlx::query_as("SELECT state, figures_json, typed_json, submitted_at, approved_at, reason, version FROM monthly_reports WHERE region_code = $1 AND month = $2")
        .bind(region).bind(month).fetch_optional(p).await?),
    )
}

/// Live figures of `code` as of the end of `month`, by child region: above county level summed from the
/// per-county aggregates ([`crate::report_facts::rollup`]), at county level and below computed from the records
/// ([`scan`]). Both give the same figures.
pub async fn live(
    db: &Db,
    regions: &Regions,
    code: &str,
    month: &str,
) -> Result<BTreeMap<String, Figures>, StoreError> {
    let mut out = if above_county(regions, code) {
        crate::report_facts::rollup(db, regions, code, month).await?
    } else {
        scan_records(db, regions, code, month).await?
    };
    fill_targets(db, regions, code, month, &mut out).await?;
    Ok(out)
}

/// Whether `code` (the nation: "") is read from the per-county aggregates rather than from the records.
pub(crate) fn above_county(regions: &Regions, code: &str) -> bool {
    code.is_empty() || regions.get(code).is_some_and(|r| r.level < Level::County)
}

/// The figures of `code`'s children computed from the records alone (every project of the region read), for
/// county-level reports and as the reference the aggregates are tested against.
pub async fn scan(
    db: &Db,
    regions: &Regions,
    code: &str,
    month: &str,
) -> Result<BTreeMap<String, Figures>, StoreError> {
    let mut out = scan_records(db, regions, code, month).await?;
    fill_targets(db, regions, code, month, &mut out).await?;
    Ok(out)
}

/// The year's target of each child.
async fn fill_targets(
    db: &Db,
    regions: &Regions,
    code: &str,
    month: &str,
    out: &mut BTreeMap<String, Figures>,
) -> Result<(), StoreError> {
    let (first, _) = month_bounds(month)?;
    let targets = crate::targets::list(db, code).await?;
    for (k, f) in out.iter_mut() {
        if let Some((t, _)) = crate::targets::target_of(&targets, regions, k, first.year()) {
            f.insert("target_estates".into(), t);
        }
    }
    Ok(())
}

async fn scan_records(
    db: &Db,
    regions: &Regions,
    code: &str,
    month: &str,
) -> Result<BTreeMap<String, Figures>, StoreError> {
    let (first, last) = month_bounds(month)?;
    let year_first = Date::new(first.year(), 1, 1).unwrap_or(first);
    let (m_lo, hi) = (utc_start(first), utc_start(Date::from_days(last.to_days() + 1).unwrap_or(last)));
    let y_lo = utc_start(year_first);
    let mut binds = Vec::new();
    let cond =
        crate::estates::query::region_cond(regions, code, &mut binds).map(|c| format!("WHERE {c}")).unwrap_or_default();
    // Per estate of a project: where, when its project started / completed, households, area, management.
    let sql = format!(
        "SELECT p.id, e.region_code, COALESCE(e.street_code, ''), \
           COALESCE((SELECT MIN(m.at) FROM project_moves m WHERE m.project_id = p.id AND m.to_stage = 'implementation'), '') AS started, \
           COALESCE((SELECT MIN(m.at) FROM project_moves m WHERE m.project_id = p.id AND m.to_stage = 'completed'), '') AS completed, \
           CAST(COALESCE(e.households, 0) AS BIGINT), CAST(COALESCE(e.floor_area_dm2, 0) AS BIGINT), \
           CASE WHEN p.management_mode IS NOT NULL THEN 1 ELSE 0 END, p.plan_year, p.investment_fen \
         FROM projects p JOIN project_estates pe ON pe.project_id = p.id JOIN estates e ON e.id = pe.estate_id {cond} ORDER BY p.id, e.id"
    );
    type R = (i64, String, String, String, String, i64, i64, i32, i64, i64);
    let year = i64::from(first.year());
    let rows: Vec<R> =
        with_db!(db, p => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &binds).fetch_all(p).await?);
    let mut out: BTreeMap<String, Figures> = BTreeMap::new();
    let mut project_child: BTreeMap<i64, String> = BTreeMap::new();
    let within = |t: &str, lo: &str| !t.is_empty() && t >= lo && t < hi.as_str();
    for (pid, county, street, started, completed, hh, area, managed, plan_year, inv) in &rows {
        let first_estate = !project_child.contains_key(pid);
        let k = project_child.entry(*pid).or_insert_with(|| regions.child_under(code, county, street)).clone();
        let f = out.entry(k).or_insert_with(empty);
        let mut inc = |key: &str, v: i64| *f.entry(key.to_string()).or_default() += v;
        if first_estate {
            if within(started, &m_lo) {
                inc("projects_started_month", 1)
            }
            if within(started, &y_lo) {
                inc("projects_started_ytd", 1)
            }
            if within(started, "") {
                inc("projects_started_total", 1)
            }
            if within(completed, &m_lo) {
                inc("projects_completed_month", 1)
            }
            if within(completed, &y_lo) {
                inc("projects_completed_ytd", 1)
            }
            if *plan_year == year {
                inc("investment_planned_fen", *inv)
            }
        }
        if within(started, &y_lo) {
            inc("estates_started_ytd", 1)
        }
        if within(completed, &y_lo) {
            inc("estates_completed_ytd", 1);
            inc("households_completed_ytd", *hh);
            inc("area_completed_ytd_dm2", *area);
        }
        if within(completed, "") {
            inc("estates_completed_total", 1);
            inc("managed_estates", *managed as i64);
        }
    }
    // Money by project, as of the month's end, 500 projects a query.
    let (m_day, last_day, y_day) = (first.to_string(), last.to_string(), year_first.to_string());
    let pids: Vec<i64> = project_child.keys().copied().collect();
    for chunk in pids.chunks(500) {
        let list = chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let pays: Vec<(i64, FundSource, String, i64)> = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT project_id, source, paid_on, amount_fen FROM fund_payments WHERE project_id IN ({list}) AND paid_on <= $1")))
            .bind(&last_day).fetch_all(p).await?);
        let allocs: Vec<(i64, FundSource, i64)> = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT a.project_id, a.source, CAST(SUM(a.amount_fen) AS BIGINT) FROM fund_allocations a LEFT JOIN fund_documents d ON d.id = a.document_id \
             WHERE a.project_id IN ({list}) AND COALESCE(d.issued_on, SUBSTR(a.created_at, 1, 10)) <= $1 GROUP BY a.project_id, a.source")))
            .bind(&last_day).fetch_all(p).await?);
        for (pid, s, on, amt) in pays {
            let f = out.entry(project_child[&pid].clone()).or_insert_with(empty);
            if on >= m_day {
                *f.get_mut("paid_month_fen").expect("key") += amt
            }
            if on >= y_day {
                *f.get_mut("paid_ytd_fen").expect("key") += amt
            }
            if s == FundSource::Central {
                *f.get_mut("central_paid_fen").expect("key") += amt
            }
        }
        for (pid, s, amt) in allocs {
            let f = out.entry(project_child[&pid].clone()).or_insert_with(empty);
            *f.get_mut("allocated_total_fen").expect("key") += amt;
            if s == FundSource::Central {
                *f.get_mut("central_allocated_fen").expect("key") += amt
            }
        }
    }
    // Complaints routed inside the region.
    let (lo, hi_code) = (code.to_string(), format!("{code}\u{10FFFF}"));
    let cs: Vec<(String, String, String, Option<String>)> = with_db!(db, p => sqlx::query_as(
        "SELECT c.region_code, c.created_at, c.due_on, (SELECT MIN(ev.at) FROM complaint_events ev WHERE ev.complaint_id = c.id AND ev.status = 'resolved') \
         FROM complaints c WHERE c.region_code >= $1 AND c.region_code < $2")
        .bind(&lo).bind(&hi_code).fetch_all(p).await?);
    for (rc, created, due, resolved) in cs {
        let county = rc.get(..6).unwrap_or(&rc).to_string();
        let street = if rc.len() >= 9 { rc[..9].to_string() } else { String::new() };
        let k = regions.child_under(code, &county, &street);
        let f = out.entry(k).or_insert_with(empty);
        if within(&created, &m_lo) {
            *f.get_mut("complaints_month").expect("key") += 1;
        }
        if let Some(r) = resolved
            && within(&r, &m_lo)
            && beijing_day(&r).is_some_and(|d| d <= due)
        {
            *f.get_mut("complaints_on_time_month").expect("key") += 1;
        }
    }
    Ok(out)
}

/// The due date of `month`'s report for `region`, and where it comes from.
pub fn due(profiles: &ProfileSet, region: &str, month: &str) -> Result<(Date, String), StoreError> {
    let (_, last) = month_bounds(month)?;
    let eff = profiles.effective(profiles.for_region(region)).ok();
    let (day, src) = eff
        .as_ref()
        .and_then(|p| p.rule("report_due_day", None))
        .and_then(|r| match r.value {
            jiugai_rules::RuleValue::Count(n) if (1..=28).contains(&n) => {
                Some((n, format!("{}（{}）", r.source, r.profile)))
            }
            _ => None,
        })
        .unwrap_or((DEFAULT_DUE_DAY, format!("本系统默认值：次月{DEFAULT_DUE_DAY}日前上报（文件未规定月报上报日期）")));
    let next = Date::from_days(last.to_days() + 1).expect("a day after a month");
    Ok((Date::new(next.year(), next.month(), day as u8).unwrap_or(next), src))
}

/// The report of `region` for `month`: its stored state, and rows (children) with approved children's
/// locked figures and the others' live ones; a submitted or approved report shows what it was submitted with.
pub async fn get(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    region: &str,
    month: &str,
) -> Result<Report, StoreError> {
    let r = regions.get(region).ok_or_else(|| StoreError::RegionNotFound(region.to_string()))?;
    let s = stored(db, region, month).await?;
    let (due_on, due_source) = due(profiles, region, month)?;
    let (state, version) = s.as_ref().map_or((ReportState::Draft, 0), |s| (s.state, s.version));
    let frozen = s
        .as_ref()
        .filter(|s| matches!(s.state, ReportState::Submitted | ReportState::Approved))
        .and_then(|s| s.figures_json.clone());
    let rows = match frozen {
        Some(j) => serde_json::from_str(&j).map_err(|e| StoreError::Other(format!("report figures: {e}")))?,
        None => compute_rows(db, regions, profiles, region, month).await?,
    };
    let mut total = empty();
    for row in &rows {
        add(&mut total, &row.figures);
    }
    // The region's own target, not the sum of the children's (they may not break it down).
    if let Some((t, _)) = crate::targets::target_of(
        &crate::targets::list(db, region).await?,
        regions,
        region,
        month_bounds(month)?.0.year(),
    ) {
        total.insert("target_estates".into(), t);
    }
    Ok(Report {
        region: region.to_string(),
        name: r.name.clone(),
        month: month.to_string(),
        state,
        version,
        rows,
        total,
        typed: s.as_ref().and_then(|s| serde_json::from_str(&s.typed_json).ok()).unwrap_or_else(|| json!({})),
        due_on: due_on.to_string(),
        due_source,
        submitted_at: s.as_ref().and_then(|s| s.submitted_at.clone()),
        approved_at: s.as_ref().and_then(|s| s.approved_at.clone()),
        reason: s.map(|s| s.reason).unwrap_or_default(),
    })
}

async fn compute_rows(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    region: &str,
    month: &str,
) -> Result<Vec<Row>, StoreError> {
    let mut live = live(db, regions, region, month).await?;
    for (k, n) in crate::report_overdue::overdue(db, regions, profiles, region, month).await? {
        live.entry(k).or_insert_with(empty).insert("overdue_steps".into(), n);
    }
    let mut rows = Vec::new();
    for (k, figures) in live {
        let name = regions.get(&k).map_or_else(|| k.clone(), |r| r.name.clone());
        // An approved child report counts with its locked figures.
        let child = if k != region { stored(db, &k, month).await? } else { None };
        match child {
            Some(c) if c.state == ReportState::Approved => {
                let locked: Vec<Row> =
                    c.figures_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default();
                let mut f = empty();
                for r in &locked {
                    add(&mut f, &r.figures);
                }
                rows.push(Row { region: k, name, state: ReportState::Approved, figures: f });
            }
            c => rows.push(Row { region: k, name, state: c.map_or(ReportState::Draft, |c| c.state), figures }),
        }
    }
    Ok(rows)
}

/// Differences between a submitted/approved report and the records now: (row, figure, then, now).
pub async fn changes(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    region: &str,
    month: &str,
) -> Result<Vec<(String, String, i64, i64)>, StoreError> {
    let rep = get(db, regions, profiles, region, month).await?;
    if !matches!(rep.state, ReportState::Submitted | ReportState::Approved) {
        return Ok(vec![]);
    }
    let now = compute_rows(db, regions, profiles, region, month).await?;
    let mut out = Vec::new();
    for n in &now {
        let then = rep.rows.iter().find(|r| r.region == n.region).map(|r| r.figures.clone()).unwrap_or_else(empty);
        for (k, v) in &n.figures {
            let t = then.get(k).copied().unwrap_or(0);
            if t != *v {
                out.push((n.name.clone(), k.clone(), t, *v));
            }
        }
    }
    Ok(out)
}

async fn event(
    tx: &mut Tx,
    id: i64,
    version: i64,
    action: &str,
    reason: &str,
    actor: &str,
    at: &str,
) -> Result<(), StoreError> {
    with_tx!(tx, cx => sqlx::query("INSERT INTO report_events (report_id, version, action, reason, actor, at) VALUES ($1,$2,$3,$4,$5,$6)")
        .bind(id).bind(version).bind(action).bind(reason).bind(actor).bind(at).execute(&mut *cx).await?.rows_affected());
    Ok(())
}

fn state_refused(state: ReportState, zh: &str, en: &str) -> StoreError {
    StoreError::invalid(
        "state",
        state.as_str(),
        format!("月报状态为“{}”，{zh}", state.zh()),
        format!("the report is {}: {en}", state.en()),
    )
    .with_code(ErrorCode::PlanState)
}

/// Submits the month's report of `region` (version `expected`; 0 for a report never acted on), freezing its figures.
pub async fn submit(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    region: &str,
    month: &str,
    expected: i64,
    actor: &str,
    origin: &str,
) -> Result<Report, StoreError> {
    let rep = get(db, regions, profiles, region, month).await?;
    if rep.version != expected {
        return Err(StoreError::Stale { entity: "月报", id: 0, expected, current: rep.version });
    }
    if !matches!(rep.state, ReportState::Draft | ReportState::Returned) {
        return Err(state_refused(rep.state, "不能再次上报", "it cannot be submitted again"));
    }
    let (_, last) = month_bounds(month)?;
    if crate::projects::today() <= last {
        return Err(StoreError::invalid(
            "month",
            month,
            format!("{month} 尚未结束，月末之后才能上报"),
            format!("{month} has not ended; submit after the month's end"),
        ));
    }
    let figures = serde_json::to_string(&rep.rows).map_err(|e| StoreError::Other(e.to_string()))?;
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let id: i64 = match stored_id(&mut tx, region, month).await? {
        Some(id) => {
            let n = with_tx!(&mut tx, cx => sqlx::query("UPDATE monthly_reports SET state = 'submitted', figures_json = $1, submitted_at = $2, submitted_by = $3, version = version + 1, updated_at = $2 WHERE id = $4 AND version = $5")
                .bind(&figures).bind(&now).bind(actor).bind(id).bind(expected).execute(&mut *cx).await?.rows_affected());
            if n == 0 {
                return Err(StoreError::Stale { entity: "月报", id, expected, current: expected + 1 });
            }
            id
        }
        None => {
            with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO monthly_reports (region_code, month, state, figures_json, submitted_at, submitted_by, version, created_at, updated_at) VALUES ($1,$2,'submitted',$3,$4,$5,1,$4,$4) RETURNING id")
            .bind(region).bind(month).bind(&figures).bind(&now).bind(actor).fetch_one(&mut *cx).await?)
        }
    };
    event(&mut tx, id, expected + 1, "submit", "", actor, &now).await?;
    audit::append(
        &mut tx,
        &audit::Entry::new(
            actor,
            origin,
            "report.submit",
            "monthly_report",
            &format!("{region}/{month}"),
            json!({"version": expected + 1, "total": rep.total}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(db, regions, profiles, region, month).await
}

async fn stored_id(tx: &mut Tx, region: &str, month: &str) -> Result<Option<i64>, StoreError> {
    Ok(
        with_tx!(tx, cx => sqlx::query_scalar("SELECT id FROM monthly_reports WHERE region_code = $1 AND month = $2").bind(region).bind(month).fetch_optional(&mut *cx).await?),
    )
}

/// Whether `role`/`scope` is the level above `region` (who approves, returns and reopens its reports).
pub fn is_upper(regions: &Regions, region: &str, role: Role, scope: &str) -> bool {
    matches!(role, Role::Admin | Role::County)
        && regions.get(region).and_then(|r| r.parent_code.as_deref()) == Some(scope)
}

/// The level above acts on a report: `approve` (submitted → approved, locked), `return` (submitted →
/// returned, reason), or `reopen` (approved → returned, reason).
#[allow(clippy::too_many_arguments)]
pub async fn act(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    region: &str,
    month: &str,
    expected: i64,
    action: &str,
    reason: &str,
    role: Role,
    scope: &str,
    actor: &str,
    origin: &str,
) -> Result<Report, StoreError> {
    let rep = get(db, regions, profiles, region, month).await?;
    if rep.version != expected {
        return Err(StoreError::Stale { entity: "月报", id: 0, expected, current: rep.version });
    }
    if !is_upper(regions, region, role, scope) {
        let up = regions
            .get(region)
            .and_then(|r| r.parent_code.clone())
            .and_then(|p| regions.get(&p).map(|r| r.full_name.clone()))
            .unwrap_or_default();
        return Err(StoreError::invalid(
            "region",
            region,
            format!("{}的月报由上一级（{up}）审核", rep.name),
            format!("{}'s reports are reviewed by the level above ({up})", rep.name),
        )
        .with_code(ErrorCode::NotReviewer));
    }
    let reason = reason.trim();
    let (from, to) = match action {
        "approve" => (ReportState::Submitted, ReportState::Approved),
        "return" => (ReportState::Submitted, ReportState::Returned),
        "reopen" => (ReportState::Approved, ReportState::Returned),
        _ => {
            return Err(StoreError::invalid(
                "action",
                action,
                "操作应为 approve、return 或 reopen",
                "approve, return or reopen",
            ));
        }
    };
    if rep.state != from {
        return Err(state_refused(rep.state, "不能执行此操作", "this act does not apply"));
    }
    if to == ReportState::Returned && reason.is_empty() {
        return Err(StoreError::invalid(
            "reason",
            "",
            "退回或重新打开月报须说明理由",
            "returning or reopening a report needs a reason",
        ));
    }
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let id = stored_id(&mut tx, region, month).await?.ok_or_else(|| StoreError::Other("report row missing".into()))?;
    let n = with_tx!(&mut tx, cx => sqlx::query("UPDATE monthly_reports SET state = $1, approved_at = CASE WHEN $1 = 'approved' THEN $2 ELSE NULL END, approved_by = CASE WHEN $1 = 'approved' THEN $3 ELSE NULL END, \
        reason = CASE WHEN $4 = '' THEN reason ELSE $4 END, version = version + 1, updated_at = $2 WHERE id = $5 AND version = $6")
        .bind(to).bind(&now).bind(actor).bind(reason).bind(id).bind(expected).execute(&mut *cx).await?.rows_affected());
    if n == 0 {
        return Err(StoreError::Stale { entity: "月报", id, expected, current: expected + 1 });
    }
    event(&mut tx, id, expected + 1, action, reason, actor, &now).await?;
    audit::append(
        &mut tx,
        &audit::Entry::new(
            actor,
            origin,
            &format!("report.{action}"),
            "monthly_report",
            &format!("{region}/{month}"),
            json!({"version": expected + 1, "before": rep.state, "after": to, "reason": reason}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(db, regions, profiles, region, month).await
}

/// Which children of `region` have submitted the month's report, and how late.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Completeness {
    pub region: String,
    pub name: String,
    pub state: ReportState,
    pub due_on: String,
    pub submitted_at: Option<String>,
    /// Days after the due date it was submitted, or (not yet submitted) that it is overdue today.
    pub days_late: i64,
}

pub async fn completeness(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    region: &str,
    month: &str,
) -> Result<Vec<Completeness>, StoreError> {
    let today = crate::projects::today();
    let mut out = Vec::new();
    for c in regions.children(region).filter(|r| r.level <= Level::Street) {
        let (due_on, _) = due(profiles, &c.code, month)?;
        let s = stored(db, &c.code, month).await?;
        let submitted_day =
            s.as_ref().and_then(|s| s.submitted_at.as_deref()).and_then(beijing_day).and_then(|d| Date::parse(&d));
        let late = match submitted_day {
            Some(d) => d.to_days() - due_on.to_days(),
            None => today.to_days() - due_on.to_days(),
        }
        .max(0);
        out.push(Completeness {
            region: c.code.clone(),
            name: c.name.clone(),
            state: s.as_ref().map_or(ReportState::Draft, |s| s.state),
            due_on: due_on.to_string(),
            submitted_at: s.and_then(|s| s.submitted_at),
            days_late: late,
        });
    }
    Ok(out)
}

/// The column's group in the two-level header and its unit.
pub fn column_of(key: &str) -> (&'static str, jiugai_sheet::report_sheet::Unit) {
    use jiugai_sheet::report_sheet::Unit;
    let unit = if key.ends_with("_fen") {
        Unit::Fen
    } else if key.ends_with("_dm2") {
        Unit::Dm2
    } else {
        Unit::Count
    };
    let group = if key.starts_with("projects_") {
        "改造项目（个）"
    } else if key.starts_with("estates_") || key == "target_estates" {
        "改造小区（个）"
    } else if key.starts_with("households_") || key.starts_with("area_") {
        "惠及居民"
    } else if key.ends_with("_fen") {
        "投资与资金（万元）"
    } else if key.starts_with("overdue_") {
        "进度督办（项）"
    } else if key.starts_with("complaints_") {
        "投诉举报（件）"
    } else {
        "长效管理"
    };
    (group, unit)
}

/// The report as the office's xlsx lays it out ([`jiugai_sheet::report_sheet::write_report_xlsx`]): the
/// same figures as [`get`], in the order of [`FIGURES`].
pub fn sheet(r: &Report, full_name: &str) -> jiugai_sheet::report_sheet::ReportSheet {
    use jiugai_sheet::report_sheet::{Column, ReportSheet};
    let (y, m) = r.month.split_once('-').unwrap_or((&r.month, ""));
    let columns = FIGURES
        .iter()
        .map(|(k, zh, _, unit)| {
            let (group, u) = column_of(k);
            Column { group: group.into(), label: format!("{zh}（{unit}）"), unit: u }
        })
        .collect();
    let vals = |f: &Figures| FIGURES.iter().map(|(k, ..)| f.get(*k).copied().unwrap_or(0)).collect::<Vec<i64>>();
    ReportSheet {
        title: format!("{full_name}城镇老旧小区改造月报表（{y}年{}月）", m.trim_start_matches('0')),
        subtitle: format!("填报单位：{}　　状态：{}　　单位：个、户、㎡、万元、件", r.name, r.state.zh()),
        columns,
        rows: r.rows.iter().map(|row| (row.name.clone(), vals(&row.figures))).collect(),
        total: vals(&r.total),
        signature: "填报人：　　　　　审核人：　　　　　填报日期：".into(),
    }
}

/// The figures people type into a report (not derived from records): (key, Chinese, English, unit; `""`
/// for text). Shown marked as 填报数 (typed).
pub const TYPED: &[(&str, &str, &str, &str)] =
    &[("jobs_created", "带动就业岗位", "jobs created", "个"), ("remarks", "备注", "remarks", "")];

/// Whether `role`/`scope` is the region's own office (who submits its report and types its figures).
pub fn is_owner(region: &str, role: Role, scope: &str) -> bool {
    matches!(role, Role::Admin | Role::County | Role::Street) && region == scope
}

/// Sets the typed figures of a draft or returned report (version `expected`; 0 for a report never acted on):
/// `typed` is an object of [`TYPED`] keys, counts as non-negative integers, text as a string of at most 500
/// characters. Versioned, evented (`type`) and audited; refused once submitted or approved.
#[allow(clippy::too_many_arguments)]
pub async fn set_typed(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    region: &str,
    month: &str,
    expected: i64,
    typed: &serde_json::Value,
    actor: &str,
    origin: &str,
) -> Result<Report, StoreError> {
    let rep = get(db, regions, profiles, region, month).await?;
    if rep.version != expected {
        return Err(StoreError::Stale { entity: "月报", id: 0, expected, current: rep.version });
    }
    if !matches!(rep.state, ReportState::Draft | ReportState::Returned) {
        return Err(state_refused(rep.state, "填报数不能再修改", "its typed figures can no longer change"));
    }
    let obj = typed.as_object().ok_or_else(|| {
        StoreError::invalid("typed", typed.to_string(), "填报数应为一组“项目: 数值”", "typed figures are an object")
    })?;
    let mut clean = serde_json::Map::new();
    for (k, v) in obj {
        let Some((_, zh, en, unit)) = TYPED.iter().find(|(key, ..)| key == k) else {
            return Err(StoreError::invalid(
                k.as_str(),
                v.to_string(),
                format!("没有“{k}”这一填报项"),
                format!("“{k}” is not a typed figure"),
            ));
        };
        if v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()) {
            continue;
        }
        if unit.is_empty() {
            let s = v.as_str().map(str::trim).unwrap_or_default();
            if !v.is_string() || s.chars().count() > 500 {
                return Err(StoreError::invalid(
                    k.as_str(),
                    v.to_string(),
                    format!("“{zh}”应为不超过500字的文字"),
                    format!("{en} is text of at most 500 characters"),
                ));
            }
            clean.insert(k.clone(), json!(s));
        } else {
            match v.as_i64() {
                Some(n) if n >= 0 => {
                    clean.insert(k.clone(), json!(n));
                }
                _ => {
                    return Err(StoreError::invalid(
                        k.as_str(),
                        v.to_string(),
                        format!("“{zh}”应为不小于0的整数（{unit}）"),
                        format!("{en} is a whole number, 0 or more"),
                    ));
                }
            }
        }
    }
    let typed_json = serde_json::Value::Object(clean).to_string();
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let id: i64 = match stored_id(&mut tx, region, month).await? {
        Some(id) => {
            let n = with_tx!(&mut tx, cx => sqlx::query("UPDATE monthly_reports SET typed_json = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4")
                .bind(&typed_json).bind(&now).bind(id).bind(expected).execute(&mut *cx).await?.rows_affected());
            if n == 0 {
                return Err(StoreError::Stale { entity: "月报", id, expected, current: expected + 1 });
            }
            id
        }
        None => {
            with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO monthly_reports (region_code, month, state, typed_json, version, created_at, updated_at) VALUES ($1,$2,'draft',$3,1,$4,$4) RETURNING id")
            .bind(region).bind(month).bind(&typed_json).bind(&now).fetch_one(&mut *cx).await?)
        }
    };
    event(&mut tx, id, expected + 1, "type", "", actor, &now).await?;
    audit::append(
        &mut tx,
        &audit::Entry::new(
            actor,
            origin,
            "report.type",
            "monthly_report",
            &format!("{region}/{month}"),
            json!({"version": expected + 1, "before": rep.typed, "after": serde_json::from_str::<serde_json::Value>(&typed_json).unwrap_or_default()}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(db, regions, profiles, region, month).await
}
