//! The assessment of counties (考核) for a period (a calendar year) [003 四(三); 000 四(四); 004 七(二)]:
//! per county, the numerator and denominator of every criterion counted from the records as of the
//! assessment date, then scored and ranked by `jiugai_rules::assess` under the assessing region's profile
//! (`assess_formula`, `assess_missing`).
//!
//! Invariants:
//! - The assessment date is the period's last day, or today (Beijing, `projects::today`) while the period
//!   runs. Every count is of dated records on or before it; "due" means a due date strictly before it
//!   (the due day itself is not yet late), as everywhere else (`steps::view`, complaints).
//! - "The year's plan projects" are the projects of the county whose plan year is the period.
//! - A criterion without anything to count (denominator 0) is *no data*: the rules crate marks it missing,
//!   never 0.
//! - Nothing is stored and nothing is written: an assessment is recomputed from the records each time, so
//!   anyone can recompute how a score was reached from the numerators and denominators it shows.

use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

use crate::projects::{self, Filter, Project, steps};
use crate::regions::{Level, Regions};
use crate::{Db, StoreError, with_db};
use jiugai_domain::{AssessCriterion, ErrorCode, Label, ReportState};
use jiugai_rules::{Achieved, CountyInputs, Date, ProfileSet};

/// The UTC instant (RFC 3339 without zone, comparable as text) at which Beijing day `d` begins.
fn utc_start(d: Date) -> String {
    let prev = Date::from_days(d.to_days() - 1).map_or_else(|| d.to_string(), |p| p.to_string());
    format!("{prev}T16:00:00")
}

fn beijing_day(s: &str) -> Option<Date> {
    jiugai_domain::time::parse_instant(s).and_then(jiugai_domain::time::beijing_date)
}

/// One criterion of the formula as printed beside the table.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormulaLine {
    pub criterion: AssessCriterion,
    /// Points.
    pub weight: i64,
    /// Document and clause (and whether the weight is this system's default).
    pub source: String,
    pub name_zh: String,
    pub name_en: String,
    pub definition_zh: String,
    pub definition_en: String,
    pub data_zh: String,
    pub data_en: String,
}

/// One part of a county's score: the counts it was computed from.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Part {
    pub weight: i64,
    pub num: i64,
    pub den: i64,
    /// No data (denominator 0): shown as 无数据, not 0.
    pub missing: bool,
    /// weight × part, 0.01 point, half up (`"13.33"`); `None` when missing.
    pub points: Option<String>,
}

/// One county: its parts by criterion, score and rank.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Row {
    pub region: String,
    pub name: String,
    /// Points with two decimals (`"80.93"`); `None`: no score (withheld, or no data at all).
    pub score: Option<String>,
    #[serde(skip)]
    pub score_centi: Option<i64>,
    pub rank: Option<u32>,
    /// By criterion (stored word), in the formula's order when read through [`Report::formula`].
    pub parts: BTreeMap<String, Part>,
}

/// How the formula computes, in both languages.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rules {
    pub score_zh: String,
    pub score_en: String,
    pub missing_zh: String,
    pub missing_en: String,
    pub rounding_zh: String,
    pub rounding_en: String,
    pub ties_zh: String,
    pub ties_en: String,
    /// `renormalise` or `withhold`.
    pub missing: String,
    /// Where the formula and the missing-data rule come from (rule key, value, source, profile).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub formula_rule: jiugai_rules::RuleRef,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub missing_rule: jiugai_rules::RuleRef,
}

/// The assessment of the counties of a region for a period.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub region: String,
    pub name: String,
    pub period: i32,
    /// The assessment date (YYYY-MM-DD).
    pub as_of: String,
    pub profile: String,
    /// Full score (sum of the weights).
    pub total_weight: i64,
    pub formula: Vec<FormulaLine>,
    pub rules: Rules,
    /// In rank order; unranked counties last.
    pub rows: Vec<Row>,
}

/// A period: a calendar year 2000–2100.
pub fn parse_period(s: &str) -> Result<i32, StoreError> {
    s.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| StoreError::invalid("period", s, "考核期应为年份，如 2026", "the period is a year, e.g. 2026"))
}

/// The counties assessed under `region`: the region itself if it is a county, else every county below it.
pub fn counties(regions: &Regions, region: &str) -> Vec<(String, String)> {
    let Some(r) = regions.get(region) else { return Vec::new() };
    if r.level == Level::County {
        return vec![(r.code.clone(), r.name.clone())];
    }
    let mut out = Vec::new();
    let mut stack = vec![region.to_string()];
    while let Some(c) = stack.pop() {
        for k in regions.children(&c) {
            match k.level {
                Level::County => out.push((k.code.clone(), k.name.clone())),
                l if l < Level::County => stack.push(k.code.clone()),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// The assessment date of `period`: its last day, or `today` if earlier.
pub fn as_of(period: i32, today: Date) -> Date {
    let end = Date::new(period, 12, 31).expect("a year's last day");
    if today < end { today } else { end }
}

fn part(num: i64, den: i64) -> Achieved {
    Achieved { num, den }
}

/// The inputs of one county for `period`, counted as of `on`.
pub async fn inputs(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    county: &str,
    period: i32,
    on: Date,
) -> Result<CountyInputs, StoreError> {
    let mut parts: BTreeMap<AssessCriterion, Achieved> = BTreeMap::new();
    let day = on.to_string();
    let next = utc_start(Date::from_days(on.to_days() + 1).unwrap_or(on));
    let plan: Vec<Project> = projects::list(
        db,
        regions,
        &Filter {
            region: Some(county.to_string()),
            plan_year: Some(period),
            limit: Some(100_000),
            ..Default::default()
        },
    )
    .await?
    .into_iter()
    .filter(|p| p.region_code == county)
    .collect();
    let ids: Vec<i64> = plan.iter().map(|p| p.id).collect();
    let id_list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");

    // Satisfaction: Σ satisfied / Σ answered over the plan projects that recorded it.
    let (yes, answered) = plan
        .iter()
        .filter(|p| p.satisfaction_answered.unwrap_or(0) > 0)
        .fold((0, 0), |(y, a), p| (y + p.satisfaction_yes.unwrap_or(0), a + p.satisfaction_answered.unwrap_or(0)));
    parts.insert(AssessCriterion::Satisfaction, part(yes, answered));

    // Completed by the assessment date: the first move to `completed` before its end (or, with no move
    // recorded, a stage from completed on).
    let mut completed_at: HashMap<i64, String> = HashMap::new();
    let mut open_quality: HashMap<i64, i64> = HashMap::new();
    if !ids.is_empty() {
        let sql = format!(
            "SELECT project_id, MIN(at) FROM project_moves WHERE to_stage = 'completed' AND project_id IN ({id_list}) GROUP BY project_id"
        );
        let rows: Vec<(i64, String)> = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?);
        completed_at.extend(rows);
        let sql = format!(
            "SELECT project_id, CAST(COUNT(*) AS BIGINT) FROM project_issues WHERE kind = 'quality' AND project_id IN ({id_list}) \
             AND opened_on <= $1 AND (closed_on IS NULL OR closed_on > $1) GROUP BY project_id"
        );
        let rows: Vec<(i64, i64)> =
            with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(&day).fetch_all(p).await?);
        open_quality.extend(rows);
    }
    let completed: Vec<&Project> = plan
        .iter()
        .filter(|p| match completed_at.get(&p.id) {
            Some(at) => at.as_str() < next.as_str(),
            None => matches!(
                p.stage,
                jiugai_domain::Stage::Completed | jiugai_domain::Stage::Accepted | jiugai_domain::Stage::Management
            ),
        })
        .collect();
    let good = completed.iter().filter(|p| open_quality.get(&p.id).copied().unwrap_or(0) == 0).count() as i64;
    parts.insert(AssessCriterion::Quality, part(good, completed.len() as i64));

    // Management coverage: completed estates whose project chose a management mode.
    let estates: i64 = completed.iter().map(|p| p.estate_ids.len() as i64).sum();
    let managed: i64 =
        completed.iter().filter(|p| p.management_mode.is_some()).map(|p| p.estate_ids.len() as i64).sum();
    parts.insert(AssessCriterion::ManagementCoverage, part(managed, estates));

    // Steps: done on time of those done with a due date; due steps done of those due.
    let mut done_all = steps::done_steps_of(db, &ids).await?;
    let (mut on_time, mut done_due, mut due_done, mut due) = (0i64, 0i64, 0i64, 0i64);
    let mut cache: HashMap<String, Option<jiugai_rules::EffectiveProfile>> = HashMap::new();
    for p in &plan {
        let name = p.profile_name(profiles).to_string();
        let eff = cache.entry(name.clone()).or_insert_with(|| profiles.effective(&name).ok());
        let Some(eff) = eff else { continue };
        let done = done_all.remove(&p.id).unwrap_or_default();
        for s in steps::view(eff, p, &done, on) {
            if !s.required {
                continue;
            }
            let done_on = s.done.as_deref().filter(|d| *d <= day.as_str());
            if let (Some(d), Some(u)) = (done_on, s.due.as_deref()) {
                done_due += 1;
                if d <= u {
                    on_time += 1;
                }
            }
            if s.due.as_deref().is_some_and(|u| u < day.as_str()) {
                due += 1;
                if done_on.is_some() {
                    due_done += 1;
                }
            }
        }
    }
    parts.insert(AssessCriterion::Timeliness, part(on_time, done_due));
    parts.insert(AssessCriterion::OverdueSteps, part(due_done, due));

    // Money: paid (net of reversals) over allocated, both as of the assessment date.
    let (mut paid, mut allocated) = (0i64, 0i64);
    if !ids.is_empty() {
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM fund_payments WHERE project_id IN ({id_list}) AND paid_on <= $1"
        );
        paid = with_db!(db, p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(&day).fetch_one(p).await?);
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(a.amount_fen), 0) AS BIGINT) FROM fund_allocations a LEFT JOIN fund_documents d ON d.id = a.document_id \
             WHERE a.project_id IN ({id_list}) AND COALESCE(d.issued_on, SUBSTR(a.created_at, 1, 10)) <= $1"
        );
        allocated = with_db!(db, p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(&day).fetch_one(p).await?);
    }
    parts.insert(AssessCriterion::FundsEfficiency, part(paid, allocated.max(0)));

    // Target progress: estates completed in the year over the year's target.
    let progress = crate::targets::progress(db, regions, profiles, county, period).await?;
    let line = &progress.region;
    parts.insert(AssessCriterion::TargetProgress, part(line.done, line.target.unwrap_or(0).max(0)));

    // Complaints routed inside the county, received in the period by the assessment date.
    let year_lo = utc_start(Date::new(period, 1, 1).expect("1 January"));
    let cs: Vec<(String, String, Option<String>)> = with_db!(db, p => sqlx::query_as(
        "SELECT c.created_at, c.due_on, (SELECT MIN(ev.at) FROM complaint_events ev WHERE ev.complaint_id = c.id AND ev.status = 'resolved') \
         FROM complaints c WHERE c.region_code >= $1 AND c.region_code < $2 AND c.created_at >= $3 AND c.created_at < $4")
        .bind(county).bind(format!("{county}\u{10FFFF}")).bind(&year_lo).bind(&next).fetch_all(p).await?);
    let (mut c_on_time, mut c_count) = (0i64, 0i64);
    for (_, due_on, resolved) in cs {
        let resolved = resolved.filter(|r| r.as_str() < next.as_str()).and_then(|r| beijing_day(&r));
        match resolved {
            Some(d) => {
                c_count += 1;
                if d.to_string() <= due_on {
                    c_on_time += 1;
                }
            }
            None if due_on < day => c_count += 1,
            None => {}
        }
    }
    parts.insert(AssessCriterion::ComplaintsOnTime, part(c_on_time, c_count));

    // Monthly reports: months whose due day has passed; submitted; submitted by the due day.
    let (mut months, mut submitted, mut in_time) = (0i64, 0i64, 0i64);
    let stored: Vec<(String, ReportState, Option<String>)> = with_db!(db, p => sqlx::query_as(
        "SELECT month, state, submitted_at FROM monthly_reports WHERE region_code = $1 AND month >= $2 AND month <= $3")
        .bind(county).bind(format!("{period}-01")).bind(format!("{period}-12")).fetch_all(p).await?);
    for m in 1..=12u8 {
        let month = format!("{period}-{m:02}");
        let (due_on, _) = crate::reports::due(profiles, county, &month)?;
        if due_on >= on {
            continue;
        }
        months += 1;
        let Some((_, state, at)) = stored.iter().find(|s| s.0 == month) else { continue };
        if !matches!(state, ReportState::Submitted | ReportState::Approved) {
            continue;
        }
        let Some(d) = at.as_deref().filter(|a| *a < next.as_str()).and_then(beijing_day) else { continue };
        submitted += 1;
        if d <= due_on {
            in_time += 1;
        }
    }
    parts.insert(AssessCriterion::ReportCompleteness, part(submitted, months));
    parts.insert(AssessCriterion::ReportOnTime, part(in_time, months));

    Ok(CountyInputs { region: county.to_string(), parts })
}

/// The assessment of the counties of `region` for `period`, under the region's profile.
pub async fn assess(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    region: &str,
    period: i32,
) -> Result<Report, StoreError> {
    let r = regions.get(region).ok_or_else(|| StoreError::RegionNotFound(region.to_string()))?;
    let profile = profiles.for_region(region).to_string();
    let eff = profiles
        .effective(&profile)
        .map_err(|e| StoreError::invalid("profile", &profile, e.to_string(), e.to_string()))?;
    let formula = jiugai_rules::formula(&eff).ok_or_else(|| StoreError::Invalid {
        code: ErrorCode::NoAssessFormula,
        field: "region".into(),
        value: region.into(),
        zh: format!("政策配置 {profile} 未设定考核指标（assess_formula）"),
        en: format!("profile {profile} sets no assessment formula (assess_formula)"),
        rule: None,
    })?;
    let on = as_of(period, projects::today());
    let list = counties(regions, region);
    let mut ins = Vec::with_capacity(list.len());
    for (code, _) in &list {
        ins.push(inputs(db, regions, profiles, code, period, on).await?);
    }
    let a = jiugai_rules::assess(&formula, &ins);
    let names: HashMap<&str, &str> = list.iter().map(|(c, n)| (c.as_str(), n.as_str())).collect();
    let st = formula.statement();
    Ok(Report {
        region: r.code.clone(),
        name: r.name.clone(),
        period,
        as_of: on.to_string(),
        profile,
        total_weight: formula.total_weight,
        formula: formula
            .items
            .iter()
            .map(|i| {
                let (dz, de) = jiugai_rules::definition(i.criterion);
                let (sz, se) = jiugai_rules::data_source(i.criterion);
                FormulaLine {
                    criterion: i.criterion,
                    weight: i.weight,
                    source: i.source.clone(),
                    name_zh: i.criterion.zh().into(),
                    name_en: i.criterion.en().into(),
                    definition_zh: dz.into(),
                    definition_en: de.into(),
                    data_zh: sz.into(),
                    data_en: se.into(),
                }
            })
            .collect(),
        rules: Rules {
            score_zh: st.score_zh.into(),
            score_en: st.score_en.into(),
            missing_zh: st.missing_zh.into(),
            missing_en: st.missing_en.into(),
            rounding_zh: st.rounding_zh.into(),
            rounding_en: st.rounding_en.into(),
            ties_zh: st.ties_zh.into(),
            ties_en: st.ties_en.into(),
            missing: match formula.missing {
                jiugai_rules::MissingRule::Renormalise => "renormalise".into(),
                jiugai_rules::MissingRule::Withhold => "withhold".into(),
            },
            formula_rule: formula.rule.clone(),
            missing_rule: formula.missing_rule.clone(),
        },
        rows: a
            .rows
            .iter()
            .map(|c| Row {
                region: c.region.clone(),
                name: names.get(c.region.as_str()).copied().unwrap_or_default().to_string(),
                score: c.score_centi.map(jiugai_rules::points_text),
                score_centi: c.score_centi,
                rank: c.rank,
                parts: c
                    .parts
                    .iter()
                    .map(|p| {
                        (
                            p.criterion.as_str().to_string(),
                            Part {
                                weight: p.weight,
                                num: p.num,
                                den: p.den,
                                missing: p.missing,
                                points: p.points_centi.map(jiugai_rules::points_text),
                            },
                        )
                    })
                    .collect(),
            })
            .collect(),
    })
}

/// The assessment as a sheet (title, formula block, one row per county).
pub fn sheet(r: &Report) -> jiugai_sheet::assess_sheet::AssessSheet {
    use jiugai_sheet::assess_sheet::{AssessSheet, County, Criterion};
    AssessSheet {
        title: format!("{}{}年度城镇老旧小区改造县区考核", r.name, r.period),
        subtitle: format!("考核日 {}；政策配置 {}；满分 {} 分", r.as_of, r.profile, r.total_weight),
        criteria: r
            .formula
            .iter()
            .map(|f| Criterion {
                key: f.criterion.as_str().into(),
                name: f.name_zh.clone(),
                weight: f.weight,
                definition: f.definition_zh.clone(),
                source: f.source.clone(),
            })
            .collect(),
        notes: vec![
            r.rules.score_zh.clone(),
            r.rules.missing_zh.clone(),
            r.rules.rounding_zh.clone(),
            r.rules.ties_zh.clone(),
        ],
        counties: r
            .rows
            .iter()
            .map(|row| County {
                region: row.region.clone(),
                name: row.name.clone(),
                parts: r
                    .formula
                    .iter()
                    .map(|f| row.parts.get(f.criterion.as_str()).map(|p| (p.num, p.den, p.points.clone())))
                    .map(|p| match p {
                        Some((n, d, Some(pts))) => Some((n, d, pts)),
                        _ => None,
                    })
                    .collect(),
                score: row.score.clone(),
                rank: row.rank,
            })
            .collect(),
    }
}
