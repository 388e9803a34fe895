//! Annual plans (年度计划) [SPEC §7; 000 三(一); 002 三(一); 004 四(三)1]: the projects a region chooses for a
//! plan year, checked by the rules crate, submitted upward by the due date, reviewed step by step along the
//! profile's review chain, approved and issued; an issued plan changes only by an amendment.
//!
//! Invariants:
//! - Status moves only along draft/returned → submitted → (returned | next step … → approved) → issued;
//!   an amendment of an issued plan is a new plan (same region and year, `amendment` + 1) which, once
//!   issued, supersedes it. Every act is a versioned update (`WHERE version = $expected`, else
//!   [`StoreError::Stale`]), an event in `plan_events` with the checks as they stood, and an audit entry,
//!   in one transaction.
//! - The checks are [`jiugai_rules::annual_plan`]'s, on facts read from records: each estate's consent is
//!   its latest closed consent consultation, compared with the registry's household count (typed
//!   figures on the project do not count); the extended-scope households are those of estates whose
//!   eligibility verdict is `extended`; the year's target is the stored target (else the profile's).
//! - A plan whose checks fail other than by lateness or a target shortfall cannot be submitted or
//!   approved (`plan_checks_failed`). A late submission is accepted and flagged with its days late.
//! - Who reviews is the profile's `plan_review_chain`: at step k only a user whose scope is exactly the
//!   step's region (and whose role is the step's, or an office role) may approve or return.

use serde::Serialize;
use serde_json::json;

use crate::regions::{Level, Regions};
use crate::{Db, StoreError, Tx, audit, clock, with_db, with_tx};
use jiugai_domain::{ErrorCode, Label, PlanStatus, Role};
use jiugai_rules::{Date, Outcome, PlanReport, ProfileSet, ReviewStep, RuleValue};

#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    pub id: i64,
    pub region_code: String,
    #[sqlx(try_from = "i64")]
    pub plan_year: i32,
    pub status: PlanStatus,
    pub amendment: i64,
    pub amends_id: Option<i64>,
    /// While submitted: the index of the review step that acts next.
    pub review_step: i64,
    pub due_on: Option<String>,
    pub submitted_at: Option<String>,
    pub days_late: Option<i64>,
    pub approved_at: Option<String>,
    pub issued_at: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    #[sqlx(skip)]
    pub project_ids: Vec<i64>,
}

impl Plan {
    /// "潞州区2026年度计划 #3" (with 调整 n for an amendment).
    pub fn title(&self, regions: &Regions) -> String {
        let name = regions.get(&self.region_code).map_or(self.region_code.as_str(), |r| r.name.as_str());
        if self.amendment > 0 {
            format!("{name}{}年度计划（第{}次调整）#{}", self.plan_year, self.amendment, self.id)
        } else {
            format!("{name}{}年度计划 #{}", self.plan_year, self.id)
        }
    }
    pub fn editable(&self) -> bool {
        matches!(self.status, PlanStatus::Draft | PlanStatus::Returned)
    }
}

const COLS: &str = "id, region_code, plan_year, status, amendment, amends_id, review_step, due_on, submitted_at, days_late, \
    approved_at, issued_at, version, created_at, created_by, updated_at";

/// One act in a plan's history.
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub version: i64,
    pub action: String,
    pub step: String,
    pub reason: String,
    pub actor: String,
    pub at: String,
}

/// One project of a plan as the plan shows and exports it.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanLine {
    pub project_id: i64,
    pub project: String,
    pub region_code: String,
    pub estates: Vec<String>,
    pub households: i64,
    pub area_dm2: i64,
    /// The content list summarised: basic/improvement/enhancement item counts and the first items.
    pub content: String,
    pub items: i64,
    pub investment_fen: i64,
}

/// The user acting on a plan.
#[derive(Clone, Debug)]
pub struct Actor<'a> {
    pub name: &'a str,
    pub role: Role,
    /// The user's scope (region code; `""`: everywhere).
    pub scope: &'a str,
    pub origin: &'a str,
}

fn plan_invalid(code: ErrorCode, field: &str, value: impl Into<String>, zh: String, en: String) -> StoreError {
    StoreError::invalid(field, value, zh, en).with_code(code)
}

/// The plan, if it is still at version `expected` (else [`StoreError::Stale`]).
async fn at_version(db: &Db, id: i64, expected: i64) -> Result<Plan, StoreError> {
    let plan = get(db, id).await?;
    if plan.version != expected {
        return Err(StoreError::Stale { entity: "年度计划", id, expected, current: plan.version });
    }
    Ok(plan)
}

pub async fn get(db: &Db, id: i64) -> Result<Plan, StoreError> {
    let sql = format!("SELECT {COLS} FROM plans WHERE id = $1");
    let p: Option<Plan> =
        with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?);
    let mut p = p.ok_or_else(|| StoreError::NotFound("年度计划", "plan", id.to_string()))?;
    p.project_ids = with_db!(db, pool => sqlx::query_scalar("SELECT project_id FROM plan_projects WHERE plan_id = $1 ORDER BY project_id")
        .bind(id).fetch_all(pool).await?);
    Ok(p)
}

/// Plans of regions inside `scope` (`""`: all), newest year first; optionally one region and/or year.
pub async fn list(db: &Db, scope: &str, region: Option<&str>, year: Option<i32>) -> Result<Vec<Plan>, StoreError> {
    let sql = format!(
        "SELECT {COLS} FROM plans WHERE ($1 = '' OR region_code = $1 OR region_code LIKE $2) AND ($3 = '' OR region_code = $3) \
         AND ($4 = 0 OR plan_year = $4) ORDER BY plan_year DESC, region_code, amendment DESC, id DESC"
    );
    let mut v: Vec<Plan> = with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(scope).bind(format!("{scope}%")).bind(region.unwrap_or("")).bind(i64::from(year.unwrap_or(0)))
        .fetch_all(pool).await?);
    for p in &mut v {
        p.project_ids = with_db!(db, pool => sqlx::query_scalar("SELECT project_id FROM plan_projects WHERE plan_id = $1 ORDER BY project_id")
            .bind(p.id).fetch_all(pool).await?);
    }
    Ok(v)
}

pub async fn events(db: &Db, id: i64) -> Result<Vec<Event>, StoreError> {
    Ok(with_db!(db, p => sqlx::query_as(
        "SELECT version, action, step, reason, actor, at FROM plan_events WHERE plan_id = $1 ORDER BY id")
        .bind(id).fetch_all(p).await?))
}

async fn event(
    tx: &mut Tx,
    plan: &Plan,
    version: i64,
    action: &str,
    step: &str,
    reason: &str,
    checks: Option<&PlanReport>,
    actor: &str,
    at: &str,
) -> Result<(), StoreError> {
    let checks = checks.map(|c| serde_json::to_string(c).unwrap_or_default());
    with_tx!(tx, cx => sqlx::query("INSERT INTO plan_events (plan_id, version, action, step, reason, checks_json, actor, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)")
        .bind(plan.id).bind(version).bind(action).bind(step).bind(reason).bind(checks).bind(actor).bind(at)
        .execute(&mut *cx).await?.rows_affected());
    Ok(())
}

/// Bumps the version if it is still `expected`.
async fn bump(db: &Db, tx: &mut Tx, id: i64, expected: i64, now: &str) -> Result<(), StoreError> {
    let n = with_tx!(tx, cx => sqlx::query("UPDATE plans SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3")
        .bind(now).bind(id).bind(expected).execute(&mut *cx).await?.rows_affected());
    if n == 0 {
        let current = get(db, id).await?.version;
        return Err(StoreError::Stale { entity: "年度计划", id, expected, current });
    }
    Ok(())
}

/// A project may join a plan of `region` for `year`: it exists, its estates lie inside the region, its plan
/// year is the year, it is not completed, and it is in no other live plan.
async fn check_project(
    db: &Db,
    regions: &Regions,
    plan: &Plan,
    project_id: i64,
) -> Result<crate::projects::Project, StoreError> {
    let p = crate::projects::get(db, project_id).await?;
    let inside = p.places.iter().all(|(county, street)| {
        regions.within(county, &plan.region_code)
            || street.as_deref().is_some_and(|s| regions.within(s, &plan.region_code))
    });
    if !inside || p.places.is_empty() {
        return Err(StoreError::invalid(
            "project_id",
            project_id.to_string(),
            format!(
                "项目 {project_id}「{}」的小区不在{}内，不能列入本计划",
                p.name,
                region_name(regions, &plan.region_code)
            ),
            format!(
                "project {project_id} ({}) has estates outside {}; it cannot join this plan",
                p.name, plan.region_code
            ),
        ));
    }
    if p.plan_year != plan.plan_year {
        return Err(StoreError::invalid(
            "project_id",
            project_id.to_string(),
            format!(
                "项目 {project_id}「{}」的计划年度是 {} 年，不是 {} 年：请先调整项目的计划年度（动态调整需说明理由）",
                p.name, p.plan_year, plan.plan_year
            ),
            format!(
                "project {project_id} ({}) is planned for {}, not {}: move its plan year first (with a reason)",
                p.name, p.plan_year, plan.plan_year
            ),
        ));
    }
    if p.stage >= jiugai_domain::Stage::Completed {
        return Err(StoreError::invalid(
            "project_id",
            project_id.to_string(),
            format!("项目 {project_id}「{}」已{}，不能列入年度计划", p.name, p.stage.zh()),
            format!("project {project_id} ({}) is already {}; it cannot join a plan", p.name, p.stage.en()),
        ));
    }
    let other: Option<(i64, i64)> = with_db!(db, pool => sqlx::query_as(
        "SELECT pl.id, pl.plan_year FROM plan_projects pp JOIN plans pl ON pl.id = pp.plan_id \
         WHERE pp.project_id = $1 AND pl.id <> $2 AND pl.status <> 'superseded' AND ($3 = 0 OR pl.id <> $3) ORDER BY pl.id LIMIT 1")
        .bind(project_id).bind(plan.id).bind(plan.amends_id.unwrap_or(0)).fetch_optional(pool).await?);
    if let Some((oid, oy)) = other {
        return Err(StoreError::invalid(
            "project_id",
            project_id.to_string(),
            format!("项目 {project_id}「{}」已列入 {oy} 年度计划 #{oid}：一个项目只列入一个计划", p.name),
            format!("project {project_id} ({}) is already in the {oy} plan #{oid}: a project joins one plan", p.name),
        )
        .with_code(ErrorCode::Conflict));
    }
    Ok(p)
}

fn region_name(regions: &Regions, code: &str) -> String {
    regions.get(code).map_or_else(|| code.to_string(), |r| r.full_name.clone())
}

/// Creates a draft plan for `region` and `year` holding `project_ids`.
pub async fn create(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    region: &str,
    year: i32,
    project_ids: &[i64],
    a: &Actor<'_>,
) -> Result<Plan, StoreError> {
    let r = regions.get(region).ok_or_else(|| StoreError::RegionNotFound(region.to_string()))?;
    if r.level > Level::Street {
        return Err(StoreError::RegionLevel(region.to_string(), "province, city, county or street"));
    }
    if !(2000..=2100).contains(&year) {
        return Err(StoreError::invalid(
            "year",
            year.to_string(),
            format!("计划年度 {year} 不合理"),
            format!("plan year {year} is not plausible"),
        ));
    }
    let existing: Option<i64> = with_db!(db, p => sqlx::query_scalar("SELECT id FROM plans WHERE region_code = $1 AND plan_year = $2 AND amendment = 0")
        .bind(region).bind(i64::from(year)).fetch_optional(p).await?);
    if let Some(id) = existing {
        return Err(StoreError::invalid(
            "year",
            year.to_string(),
            format!("{}已有 {year} 年度计划 #{id}：请在该计划中增减项目，已下达的计划请提出调整", r.name),
            format!("{} already has a {year} plan (#{id}): change that one, or amend it once issued", r.name),
        )
        .with_code(ErrorCode::Conflict));
    }
    let eff = profiles.effective(profiles.for_region(region)).map_err(|e| StoreError::Other(e.to_string()))?;
    let due = jiugai_rules::plan_due_date(&eff, year).map(|(d, _)| d.to_string());
    let now = clock::now_rfc3339();
    let mut draft = Plan {
        id: 0,
        region_code: region.to_string(),
        plan_year: year,
        status: PlanStatus::Draft,
        amendment: 0,
        amends_id: None,
        review_step: 0,
        due_on: due.clone(),
        submitted_at: None,
        days_late: None,
        approved_at: None,
        issued_at: None,
        version: 1,
        created_at: now.clone(),
        created_by: a.name.to_string(),
        updated_at: now.clone(),
        project_ids: vec![],
    };
    let mut ids = project_ids.to_vec();
    ids.sort();
    ids.dedup();
    for pid in &ids {
        check_project(db, regions, &draft, *pid).await?;
    }
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO plans (region_code, plan_year, status, amendment, review_step, due_on, version, created_at, created_by, updated_at) \
        VALUES ($1, $2, 'draft', 0, 0, $3, 1, $4, $5, $4) RETURNING id")
        .bind(region).bind(i64::from(year)).bind(&due).bind(&now).bind(a.name).fetch_one(&mut *cx).await?);
    draft.id = id;
    for pid in &ids {
        with_tx!(&mut tx, cx => sqlx::query("INSERT INTO plan_projects (plan_id, project_id) VALUES ($1, $2)").bind(id).bind(pid).execute(&mut *cx).await?.rows_affected());
    }
    event(&mut tx, &draft, 1, "create", "", "", None, a.name, &now).await?;
    audit::append(
        &mut tx,
        &audit::Entry::new(
            a.name,
            a.origin,
            "plan.create",
            "plan",
            &id.to_string(),
            json!({"version": 1,
        "after": {"region_code": region, "plan_year": year, "projects": ids, "due_on": due}}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(db, id).await
}

/// Adds (`add` true) or removes a project of an editable plan.
pub async fn change_project(
    db: &Db,
    regions: &Regions,
    id: i64,
    expected: i64,
    project_id: i64,
    add: bool,
    a: &Actor<'_>,
) -> Result<Plan, StoreError> {
    let plan = get(db, id).await?;
    editable_or_refuse(&plan)?;
    if add {
        if plan.project_ids.contains(&project_id) {
            return Err(StoreError::invalid(
                "project_id",
                project_id.to_string(),
                format!("项目 {project_id} 已在本计划中"),
                format!("project {project_id} is already in the plan"),
            ));
        }
        check_project(db, regions, &plan, project_id).await?;
    } else if !plan.project_ids.contains(&project_id) {
        return Err(StoreError::invalid(
            "project_id",
            project_id.to_string(),
            format!("项目 {project_id} 不在本计划中"),
            format!("project {project_id} is not in the plan"),
        ));
    }
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    bump(db, &mut tx, id, expected, &now).await?;
    let sql = if add {
        "INSERT INTO plan_projects (plan_id, project_id) VALUES ($1, $2)"
    } else {
        "DELETE FROM plan_projects WHERE plan_id = $1 AND project_id = $2"
    };
    with_tx!(&mut tx, cx => sqlx::query(sql).bind(id).bind(project_id).execute(&mut *cx).await?.rows_affected());
    let action = if add { "add" } else { "remove" };
    event(&mut tx, &plan, expected + 1, action, "", &format!("项目 {project_id}"), None, a.name, &now).await?;
    audit::append(
        &mut tx,
        &audit::Entry::new(
            a.name,
            a.origin,
            &format!("plan.{action}"),
            "plan",
            &id.to_string(),
            json!({"version": expected + 1, "project_id": project_id}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(db, id).await
}

fn editable_or_refuse(plan: &Plan) -> Result<(), StoreError> {
    if plan.editable() {
        return Ok(());
    }
    Err(plan_invalid(
        ErrorCode::PlanState,
        "status",
        plan.status.as_str(),
        format!(
            "计划状态为“{}”，不能再修改{}",
            plan.status.zh(),
            if plan.status == PlanStatus::Issued {
                "：已下达的计划请提出调整（调整计划另行审核）"
            } else {
                ""
            }
        ),
        format!(
            "the plan is {} and cannot be changed{}",
            plan.status.en(),
            if plan.status == PlanStatus::Issued {
                ": amend an issued plan (the amendment is reviewed again)"
            } else {
                ""
            }
        ),
    ))
}

/// The plan's lines: each project with its estates, households, area, content and investment.
pub async fn lines(db: &Db, plan: &Plan) -> Result<Vec<PlanLine>, StoreError> {
    let mut out = Vec::new();
    for pid in &plan.project_ids {
        let p = crate::projects::get(db, *pid).await?;
        let mut estates = Vec::new();
        let (mut hh, mut area) = (0, 0);
        for e in &p.estate_ids {
            let e = crate::estates::get(db, *e).await?;
            hh += e.data.households.unwrap_or(0);
            area += e.data.floor_area_dm2.unwrap_or(0);
            estates.push(e.data.name.clone());
        }
        let items = crate::projects::items::items(db, *pid).await?;
        let count = |c: &str| items.iter().filter(|i| i.class == c).count();
        let mut content = format!(
            "基础类 {} 项、完善类 {} 项、提升类 {} 项",
            count("basic"),
            count("improvement"),
            count("enhancement")
        );
        let names: Vec<&str> = items.iter().take(5).map(|i| i.name.as_str()).collect();
        if !names.is_empty() {
            content.push_str(&format!("：{}{}", names.join("、"), if items.len() > 5 { "等" } else { "" }));
        }
        out.push(PlanLine {
            project_id: p.id,
            project: p.name.clone(),
            region_code: p.region_code.clone(),
            estates,
            households: hh,
            area_dm2: area,
            content,
            items: items.len() as i64,
            investment_fen: p.investment_fen,
        });
    }
    Ok(out)
}

/// The facts the rules decide the plan on, read from records.
pub async fn facts(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    plan: &Plan,
    today: Date,
) -> Result<jiugai_rules::PlanFacts, StoreError> {
    let mut projects = Vec::new();
    let mut elsewhere = Vec::new();
    for pid in &plan.project_ids {
        let p = crate::projects::get(db, *pid).await?;
        let peff = profiles.effective(p.profile_name(profiles)).map_err(|e| StoreError::Other(e.to_string()))?;
        let mut x = jiugai_rules::PlanProject {
            name: p.name.clone(),
            estates: p.estate_ids.len() as i64,
            ..Default::default()
        };
        for eid in &p.estate_ids {
            let e = crate::estates::get(db, *eid).await?;
            let d = &e.data;
            let hh = d.households.unwrap_or(0);
            x.households += hh;
            let el = jiugai_rules::eligibility(
                &peff,
                &jiugai_rules::EstateFacts {
                    built_years: d.built_years.clone(),
                    in_shantytown_plan: d.in_shantytown_plan.unwrap_or(false),
                    self_built: d.self_built.unwrap_or(false),
                    urban_village: d.urban_village.unwrap_or(false),
                    declared: d.declared,
                },
            );
            if el.verdict == jiugai_rules::Verdict::Extended {
                x.extended_households += hh;
            }
            let c = crate::residents::consultations::latest_closed(
                db,
                *eid,
                Some(p.id),
                crate::residents::consultations::Kind::Consent,
            )
            .await?;
            x.consents.push(match c {
                Some((c, t)) => jiugai_rules::EstateConsent {
                    estate: d.name.clone(),
                    consultation: Some(c.id),
                    agree: t.yes.households,
                    households: t.eligible.households,
                    registry_households: d.households,
                },
                None => jiugai_rules::EstateConsent {
                    estate: d.name.clone(),
                    registry_households: d.households,
                    ..Default::default()
                },
            });
            // the estate in another live plan (through another project)
            let other: Option<(i64, i64, String)> = with_db!(db, pool => sqlx::query_as(
                "SELECT pl.id, pl.plan_year, pl.region_code FROM plans pl JOIN plan_projects pp ON pp.plan_id = pl.id JOIN project_estates pe ON pe.project_id = pp.project_id \
                 WHERE pe.estate_id = $1 AND pp.project_id <> $2 AND pl.id <> $3 AND pl.status <> 'superseded' AND ($4 = 0 OR pl.id <> $4) ORDER BY pl.id LIMIT 1")
                .bind(eid).bind(p.id).bind(plan.id).bind(plan.amends_id.unwrap_or(0)).fetch_optional(pool).await?);
            if let Some((oid, oy, oreg)) = other {
                elsewhere.push(jiugai_rules::EstateElsewhere {
                    estate: d.name.clone(),
                    plan: format!("{}{oy}年度计划 #{oid}", regions.get(&oreg).map_or("", |r| r.name.as_str())),
                });
            }
        }
        x.consent_households = x.consents.iter().map(|c| c.households).sum();
        x.consent_agree = x.consents.iter().map(|c| c.agree).sum();
        projects.push(x);
    }
    let targets = crate::targets::list(db, &plan.region_code).await?;
    let target = crate::targets::target_of(&targets, regions, &plan.region_code, plan.plan_year).map(|t| t.0);
    Ok(jiugai_rules::PlanFacts {
        plan_year: plan.plan_year,
        submitted_on: plan.submitted_at.as_deref().and_then(|s| s.get(..10)).and_then(Date::parse),
        today,
        projects,
        target_estates: target,
        elsewhere,
    })
}

/// The plan's checks (rules crate), each with rule and clause.
pub async fn checks(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    plan: &Plan,
    today: Date,
) -> Result<PlanReport, StoreError> {
    let eff =
        profiles.effective(profiles.for_region(&plan.region_code)).map_err(|e| StoreError::Other(e.to_string()))?;
    let f = facts(db, regions, profiles, plan, today).await?;
    let mut r = jiugai_rules::annual_plan(&eff, &f)
        .map_err(|e| StoreError::invalid("plan", plan.id.to_string(), e.message_zh.clone(), e.message_en.clone()))?;
    // The money rules of each project (co-funding, the county's remainder), named, not blocking.
    for pid in &plan.project_ids {
        let name = crate::projects::get(db, *pid).await?.name;
        for mut d in crate::funds::checks(db, profiles, *pid).await? {
            d.subject = Some(name.clone());
            r.checks.push(d);
        }
    }
    Ok(r)
}

/// Checks that name a problem without blocking: the due date, the year's target and the money rules.
const NOT_BLOCKING: &[&str] = &["plan_due", "target_annual", "cofunding_min_share", "county_pays_remainder"];

/// Checks that block submission and approval: all but lateness and a target shortfall (which are named
/// and flagged, not refused).
pub fn blocking(r: &PlanReport) -> Vec<&jiugai_rules::Decision> {
    r.checks.iter().filter(|c| c.outcome == Outcome::Fail && !NOT_BLOCKING.contains(&c.check.as_str())).collect()
}

fn refuse_blocking(r: &PlanReport) -> Result<(), StoreError> {
    let b = blocking(r);
    if b.is_empty() {
        return Ok(());
    }
    let zh: Vec<String> =
        b.iter().map(|c| format!("{}：{}", c.subject.as_deref().unwrap_or(&c.check), c.reason_zh)).collect();
    let en: Vec<String> =
        b.iter().map(|c| format!("{}: {}", c.subject.as_deref().unwrap_or(&c.check), c.reason_en)).collect();
    Err(plan_invalid(
        ErrorCode::PlanChecksFailed,
        "checks",
        b[0].check.clone(),
        format!("计划有 {} 项检查未通过：{}", b.len(), zh.join("；")),
        format!("{} check(s) fail: {}", b.len(), en.join("; ")),
    )
    .with_rule(b[0].rule.rule.clone(), b[0].rule.source.clone()))
}

/// The review chain of the plan's region (the profile's `plan_review_chain`).
pub fn chain(profiles: &ProfileSet, region: &str) -> Vec<ReviewStep> {
    profiles
        .effective(profiles.for_region(region))
        .ok()
        .and_then(|p| p.rule("plan_review_chain", None).map(|r| r.value.clone()))
        .and_then(|v| match v {
            RuleValue::ReviewChain(s) => Some(s),
            _ => None,
        })
        .unwrap_or_else(|| {
            vec![ReviewStep { level: "parent".into(), role: None, label: "上一级旧改办审核批准".into() }]
        })
}

/// The region whose office acts at `step` for a plan of `region`.
pub fn step_region(regions: &Regions, region: &str, step: &ReviewStep) -> Option<String> {
    let r = regions.get(region)?;
    match step.level.as_str() {
        "parent" => r.parent_code.clone(),
        "same" => Some(r.code.clone()),
        "province" => regions.ancestor_at(region, Level::Province).map(|x| x.code.clone()),
        "city" => regions.ancestor_at(region, Level::City).map(|x| x.code.clone()),
        "county" => regions.ancestor_at(region, Level::County).map(|x| x.code.clone()),
        "street" => regions.ancestor_at(region, Level::Street).map(|x| x.code.clone()),
        _ => None,
    }
}

/// Whether `a` may act at `step` of a plan of `region`.
pub fn may_review(regions: &Regions, region: &str, step: &ReviewStep, a: &Actor<'_>) -> bool {
    let Some(code) = step_region(regions, region, step) else { return false };
    if a.scope != code {
        return false;
    }
    match step.role.as_deref() {
        Some(r) => a.role.as_str() == r,
        None => matches!(a.role, Role::Admin | Role::County | Role::Street),
    }
}

/// Submits a draft or returned plan (version `expected`) upward.
pub async fn submit(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    id: i64,
    expected: i64,
    today: Date,
    a: &Actor<'_>,
) -> Result<Plan, StoreError> {
    let plan = at_version(db, id, expected).await?;
    editable_or_refuse(&plan)?;
    if plan.project_ids.is_empty() {
        return Err(plan_invalid(
            ErrorCode::PlanChecksFailed,
            "projects",
            "",
            "计划中还没有项目：请先加入项目".into(),
            "the plan holds no project: add projects first".into(),
        ));
    }
    let mut as_submitted = plan.clone();
    as_submitted.submitted_at = Some(format!("{today}T00:00:00Z"));
    let report = checks(db, regions, profiles, &as_submitted, today).await?;
    refuse_blocking(&report)?;
    let days_late = plan.due_on.as_deref().and_then(Date::parse).map(|d| (today.to_days() - d.to_days()).max(0));
    let now = crate::complaints::stamp(today);
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    bump(db, &mut tx, id, expected, &now).await?;
    with_tx!(&mut tx, cx => sqlx::query("UPDATE plans SET status = 'submitted', review_step = 0, submitted_at = $1, days_late = $2 WHERE id = $3")
        .bind(&now).bind(days_late).bind(id).execute(&mut *cx).await?.rows_affected());
    let late = days_late.filter(|d| *d > 0).map(|d| format!("逾期 {d} 天")).unwrap_or_default();
    event(&mut tx, &plan, expected + 1, "submit", "", &late, Some(&report), a.name, &now).await?;
    audit::append(&mut tx, &audit::Entry::new(a.name, a.origin, "plan.submit", "plan", &id.to_string(), json!({"version": expected + 1,
        "before": {"status": plan.status}, "after": {"status": "submitted", "days_late": days_late}, "outcome": report.outcome}))).await?;
    tx.commit().await?;
    get(db, id).await
}

/// Approves (`approve`) the current review step, or returns the plan to its authors with `reason`.
#[allow(clippy::too_many_arguments)]
pub async fn review(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    id: i64,
    expected: i64,
    approve: bool,
    reason: &str,
    today: Date,
    a: &Actor<'_>,
) -> Result<Plan, StoreError> {
    let plan = at_version(db, id, expected).await?;
    if plan.status != PlanStatus::Submitted {
        return Err(plan_invalid(
            ErrorCode::PlanState,
            "status",
            plan.status.as_str(),
            format!("计划状态为“{}”，不在审核中", plan.status.zh()),
            format!("the plan is {}, not under review", plan.status.en()),
        ));
    }
    let steps = chain(profiles, &plan.region_code);
    let k = plan.review_step.max(0) as usize;
    let Some(step) = steps.get(k) else {
        return Err(StoreError::Other(format!("plan {id} at review step {k} of {}", steps.len())));
    };
    if !may_review(regions, &plan.region_code, step, a) {
        let who = step_region(regions, &plan.region_code, step).map(|c| region_name(regions, &c)).unwrap_or_default();
        let role = step.role.as_deref().and_then(Role::parse).map(|r| r.zh()).unwrap_or("旧改办");
        return Err(plan_invalid(
            ErrorCode::NotReviewer,
            "step",
            step.label.clone(),
            format!("当前审核步骤是第 {} 步“{}”，由{}{}办理", k + 1, step.label, who, role),
            format!(
                "the current step is {} “{}”, acted on by {} ({})",
                k + 1,
                step.label,
                who,
                step.role.as_deref().unwrap_or("office")
            ),
        ));
    }
    let reason = reason.trim();
    if !approve && reason.is_empty() {
        return Err(StoreError::invalid(
            "reason",
            "",
            "退回计划须写明理由，供编制单位修改",
            "returning a plan needs the reasons, for its authors to act on",
        ));
    }
    let report = checks(db, regions, profiles, &plan, today).await?;
    if approve {
        refuse_blocking(&report)?;
    }
    let last = k + 1 == steps.len();
    let now = crate::complaints::stamp(today);
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    bump(db, &mut tx, id, expected, &now).await?;
    let (status, next) = match (approve, last) {
        (false, _) => (PlanStatus::Returned, 0),
        (true, false) => (PlanStatus::Submitted, k as i64 + 1),
        (true, true) => (PlanStatus::Approved, k as i64),
    };
    with_tx!(&mut tx, cx => sqlx::query("UPDATE plans SET status = $1, review_step = $2, approved_at = CASE WHEN $1 = 'approved' THEN $3 ELSE approved_at END WHERE id = $4")
        .bind(status).bind(next).bind(&now).bind(id).execute(&mut *cx).await?.rows_affected());
    let action = if approve { "approve" } else { "return" };
    event(&mut tx, &plan, expected + 1, action, &step.label, reason, Some(&report), a.name, &now).await?;
    audit::append(&mut tx, &audit::Entry::new(a.name, a.origin, &format!("plan.{action}"), "plan", &id.to_string(), json!({"version": expected + 1,
        "step": k, "step_label": step.label, "reason": reason, "before": {"status": plan.status}, "after": {"status": status, "review_step": next}}))).await?;
    tx.commit().await?;
    get(db, id).await
}

/// Issues an approved plan (下达): it is then locked. An issued amendment supersedes the plan it amends.
pub async fn issue(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    id: i64,
    expected: i64,
    today: Date,
    a: &Actor<'_>,
) -> Result<Plan, StoreError> {
    let plan = at_version(db, id, expected).await?;
    if plan.status != PlanStatus::Approved {
        return Err(plan_invalid(
            ErrorCode::PlanState,
            "status",
            plan.status.as_str(),
            format!("只有已批准的计划才能下达（现为“{}”）", plan.status.zh()),
            format!("only an approved plan can be issued (it is {})", plan.status.en()),
        ));
    }
    let steps = chain(profiles, &plan.region_code);
    let last = steps.last().cloned().unwrap_or(ReviewStep { level: "parent".into(), role: None, label: String::new() });
    let own = a.scope == plan.region_code && matches!(a.role, Role::Admin | Role::County | Role::Street);
    if !may_review(regions, &plan.region_code, &last, a) && !own {
        return Err(plan_invalid(
            ErrorCode::NotReviewer,
            "step",
            "issue",
            "计划由批准单位或编制单位下达".into(),
            "the plan is issued by the approving or the drafting office".into(),
        ));
    }
    let now = crate::complaints::stamp(today);
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    bump(db, &mut tx, id, expected, &now).await?;
    with_tx!(&mut tx, cx => sqlx::query("UPDATE plans SET status = 'issued', issued_at = $1 WHERE id = $2").bind(&now).bind(id).execute(&mut *cx).await?.rows_affected());
    if let Some(old) = plan.amends_id {
        with_tx!(&mut tx, cx => sqlx::query("UPDATE plans SET status = 'superseded', version = version + 1, updated_at = $1 WHERE id = $2").bind(&now).bind(old).execute(&mut *cx).await?.rows_affected());
    }
    event(&mut tx, &plan, expected + 1, "issue", "", "", None, a.name, &now).await?;
    audit::append(
        &mut tx,
        &audit::Entry::new(
            a.name,
            a.origin,
            "plan.issue",
            "plan",
            &id.to_string(),
            json!({"version": expected + 1,
        "before": {"status": plan.status}, "after": {"status": "issued"}, "supersedes": plan.amends_id}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(db, id).await
}

/// Starts an amendment (调整) of an issued plan: a new draft with the same projects, reviewed again.
pub async fn amend(db: &Db, id: i64, expected: i64, reason: &str, a: &Actor<'_>) -> Result<Plan, StoreError> {
    let plan = at_version(db, id, expected).await?;
    if plan.status != PlanStatus::Issued {
        return Err(plan_invalid(
            ErrorCode::PlanState,
            "status",
            plan.status.as_str(),
            format!("只有已下达的计划才需调整（现为“{}”，可直接修改或等待审核）", plan.status.zh()),
            format!(
                "only an issued plan is amended (it is {}: change it directly or await the review)",
                plan.status.en()
            ),
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::invalid("reason", "", "调整计划须说明理由", "an amendment needs a reason"));
    }
    let open: Option<i64> = with_db!(db, p => sqlx::query_scalar("SELECT id FROM plans WHERE amends_id = $1 AND status NOT IN ('issued', 'superseded')").bind(id).fetch_optional(p).await?);
    if let Some(o) = open {
        return Err(plan_invalid(
            ErrorCode::Conflict,
            "id",
            id.to_string(),
            format!("本计划已有进行中的调整 #{o}"),
            format!("plan {id} already has an amendment in progress (#{o})"),
        ));
    }
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let n: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("SELECT CAST(COALESCE(MAX(amendment), 0) AS BIGINT) FROM plans WHERE region_code = $1 AND plan_year = $2")
        .bind(&plan.region_code).bind(i64::from(plan.plan_year)).fetch_one(&mut *cx).await?);
    let new_id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO plans (region_code, plan_year, status, amendment, amends_id, review_step, due_on, version, created_at, created_by, updated_at) \
        VALUES ($1, $2, 'draft', $3, $4, 0, $5, 1, $6, $7, $6) RETURNING id")
        .bind(&plan.region_code).bind(i64::from(plan.plan_year)).bind(n + 1).bind(id).bind(&plan.due_on).bind(&now).bind(a.name).fetch_one(&mut *cx).await?);
    for pid in &plan.project_ids {
        with_tx!(&mut tx, cx => sqlx::query("INSERT INTO plan_projects (plan_id, project_id) VALUES ($1, $2)").bind(new_id).bind(pid).execute(&mut *cx).await?.rows_affected());
    }
    let mut np = plan.clone();
    np.id = new_id;
    event(&mut tx, &np, 1, "amend", "", reason, None, a.name, &now).await?;
    audit::append(
        &mut tx,
        &audit::Entry::new(
            a.name,
            a.origin,
            "plan.amend",
            "plan",
            &new_id.to_string(),
            json!({"version": 1, "amends": id, "amendment": n + 1, "reason": reason}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(db, new_id).await
}

/// Plans awaiting `a`'s review (待审核计划): submitted plans whose current step is `a`'s.
pub async fn awaiting(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    a: &Actor<'_>,
) -> Result<Vec<Plan>, StoreError> {
    let sql = format!("SELECT {COLS} FROM plans WHERE status = 'submitted' ORDER BY submitted_at, id");
    let all: Vec<Plan> = with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?);
    Ok(all
        .into_iter()
        .filter(|p| {
            let steps = chain(profiles, &p.region_code);
            steps.get(p.review_step.max(0) as usize).is_some_and(|s| may_review(regions, &p.region_code, s, a))
        })
        .collect())
}
