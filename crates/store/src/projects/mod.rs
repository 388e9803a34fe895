//! Projects from reserve to handover: one estate or a package of neighbouring estates (连片改造), a plan
//! year, a stage in the pipeline, its content items (N+X), workflow steps, construction ledger, acceptance
//! and handover.
//!
//! Invariants:
//! - Every change takes the project's row with `UPDATE … SET version = version + 1 WHERE id = $ AND version
//!   = $expected` first, inside the transaction that writes the change and its audit entry. Checks are made
//!   against the state read at `expected`, so a change made meanwhile by someone else is a
//!   [`StoreError::Stale`], never overwritten. (Creation is the only change without a version.)
//! - Which steps a project needs, when they are due and whether a tally passes is decided by
//!   `jiugai-rules` under the profile the caller passes (that of the estates' county); this module applies
//!   the decision and refuses what it forbids.
//! - Money in fen, quantities in hundredths of their unit, percentages as integers 0–100.

pub mod gates;
pub mod items;
pub mod json;
pub mod ledger;
pub mod steps;

use serde::Serialize;
use serde_json::{Value, json};

use crate::estates::query::{Bind, bind_all, region_cond};
use crate::regions::Regions;
use crate::{Db, StoreError, Tx, audit, clock, with_db, with_tx};

pub use jiugai_domain::ManagementMode;
/// Pipeline stages in order [000 三(一); 004 四]: 储备 → 谋划 → 实施 → 完工 → 验收 → 长效管理.
pub use jiugai_domain::Stage;

/// The modes a project may choose at handover (有人管): every mode but "no management" [001 二(八); 002 三(九)].
pub fn management_modes() -> impl Iterator<Item = ManagementMode> {
    ManagementMode::ALL.iter().copied().filter(|m| m.is_managed())
}

#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
pub struct Project {
    pub id: i64,
    pub name: String,
    /// The county of its estates.
    pub region_code: String,
    #[sqlx(try_from = "i64")]
    pub plan_year: i32,
    pub stage: Stage,
    pub investment_fen: i64,
    pub new_floor_area_dm2: i64,
    pub high_risk: bool,
    pub structural_change: bool,
    pub consent_yes: Option<i64>,
    pub consent_households: Option<i64>,
    pub participation_yes: Option<i64>,
    pub residents_fund_fen: Option<i64>,
    pub illegal_found: Option<i64>,
    pub illegal_removed: Option<i64>,
    pub safety_rating: Option<String>,
    pub satisfaction_yes: Option<i64>,
    pub satisfaction_answered: Option<i64>,
    pub exception_reason: Option<String>,
    pub exception_by: Option<String>,
    pub exception_at: Option<String>,
    pub management_mode: Option<ManagementMode>,
    pub maintenance_fund: Option<bool>,
    pub companies: String,
    pub hotline: String,
    /// First day of the public notice (公示); `None`: not published.
    pub notice_from: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    #[sqlx(skip)]
    pub estate_ids: Vec<i64>,
    /// Where its estates lie (county, street): what decides its policy profile ([`Project::profile_name`]).
    #[sqlx(skip)]
    #[serde(skip)]
    pub places: Vec<(String, Option<String>)>,
}

impl Project {
    /// The policy profile that applies to the project: that of the deepest region holding all its estates
    /// (`ProfileSet::for_estates`), the one function every caller uses.
    pub fn profile_name<'a>(&self, set: &'a jiugai_rules::ProfileSet) -> &'a str {
        if self.places.is_empty() {
            return set.for_region(&self.region_code);
        }
        set.for_estates(self.places.iter().map(|(r, s)| (r.as_str(), s.as_deref())))
    }
}

const COLS: &str = "id, name, region_code, plan_year, stage, investment_fen, new_floor_area_dm2, high_risk, structural_change, \
    consent_yes, consent_households, participation_yes, residents_fund_fen, illegal_found, illegal_removed, safety_rating, \
    satisfaction_yes, satisfaction_answered, exception_reason, exception_by, exception_at, management_mode, maintenance_fund, \
    companies, hotline, notice_from, version, created_at, created_by, updated_at";

pub(crate) fn invalid(
    field: &str,
    value: impl Into<String>,
    zh: impl Into<String>,
    en: impl Into<String>,
) -> StoreError {
    StoreError::invalid(field, value, zh, en)
}

/// What creates a project.
#[derive(Clone, Debug, Default)]
pub struct NewProject {
    pub name: String,
    pub estate_ids: Vec<i64>,
    pub plan_year: i32,
    pub investment_fen: i64,
    pub new_floor_area_dm2: i64,
    pub high_risk: bool,
    pub structural_change: bool,
}

/// Creates a project in the reserve stage. All its estates must exist, lie in one county, and not be in
/// another project that has not yet been accepted.
pub async fn create(db: &Db, p: &NewProject, actor: &str, origin: &str) -> Result<Project, StoreError> {
    let name = p.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid(
            "name",
            name,
            "项目名称不能为空，且不超过 200 字：请填写项目名称",
            "the project name must be 1–200 characters: give the project a name",
        ));
    }
    if p.estate_ids.is_empty() {
        return Err(invalid(
            "estate_ids",
            "",
            "项目至少包含一个小区：请选择小区",
            "a project needs at least one estate: choose its estates",
        ));
    }
    let mut ids = p.estate_ids.clone();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(invalid(
            "estate_ids",
            format!("{:?}", p.estate_ids),
            "小区编号有重复：每个小区只列一次",
            "an estate is listed twice: list each once",
        ));
    }
    if !(2000..=2100).contains(&p.plan_year) {
        return Err(invalid(
            "plan_year",
            p.plan_year.to_string(),
            format!("计划年度 {} 不合理：请填写四位年份，如 2025", p.plan_year),
            format!("plan year {} is not plausible: give a four-digit year such as 2025", p.plan_year),
        ));
    }
    if p.investment_fen < 0 {
        return Err(invalid(
            "investment_fen",
            p.investment_fen.to_string(),
            "总投资不能为负数",
            "the investment cannot be negative",
        ));
    }
    if p.new_floor_area_dm2 < 0 {
        return Err(invalid(
            "new_floor_area_dm2",
            p.new_floor_area_dm2.to_string(),
            "新建面积不能为负数",
            "the new floor area cannot be negative",
        ));
    }
    // The estates: exist, one county, free.
    let mut county = String::new();
    for id in &ids {
        let e = match crate::estates::get(db, *id).await {
            Ok(e) => e,
            Err(StoreError::EstateNotFound(_)) => {
                return Err(invalid(
                    "estate_ids",
                    id.to_string(),
                    format!("找不到编号为 {id} 的小区：请检查小区编号"),
                    format!("no estate with id {id}: check the estate ids"),
                ));
            }
            Err(e) => return Err(e),
        };
        if county.is_empty() {
            county = e.data.region_code.clone();
        } else if county != e.data.region_code {
            return Err(invalid(
                "estate_ids",
                id.to_string(),
                format!(
                    "连片改造的小区须在同一县（区）：小区 {id}「{}」在 {}，其他小区在 {county}。请分为两个项目",
                    e.data.name, e.data.region_code
                ),
                format!(
                    "estates of one package must be in one county: estate {id} ({}) is in {}, the others in {county}. Make two projects",
                    e.data.name, e.data.region_code
                ),
            ));
        }
        if let Some((pid, stage)) = active_project_of(db, *id).await? {
            return Err(invalid(
                "estate_ids",
                id.to_string(),
                format!(
                    "小区 {id}「{}」已在项目 #{pid}（{}阶段）中，验收前不能再列入其他项目",
                    e.data.name,
                    jiugai_domain::Label::zh(stage)
                ),
                format!(
                    "estate {id} ({}) is already in project #{pid} ({stage}); it can join another only after acceptance",
                    e.data.name
                ),
            ));
        }
    }
    let now = clock::now_rfc3339();
    let id: i64 = {
        let mut tx = db.begin().await?;
        let id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO projects (name, region_code, plan_year, stage, investment_fen, new_floor_area_dm2, high_risk, structural_change, version, created_at, created_by, updated_at) \
            VALUES ($1, $2, $3, 'reserve', $4, $5, $6, $7, 1, $8, $9, $8) RETURNING id")
            .bind(name).bind(&county).bind(i64::from(p.plan_year)).bind(p.investment_fen).bind(p.new_floor_area_dm2)
            .bind(p.high_risk).bind(p.structural_change).bind(&now).bind(actor)
            .fetch_one(&mut *cx).await?);
        for e in &ids {
            with_tx!(&mut tx, cx => sqlx::query("INSERT INTO project_estates (project_id, estate_id) VALUES ($1, $2)").bind(id).bind(*e).execute(&mut *cx).await?.rows_affected());
        }
        audit::append(&mut tx, &audit::Entry::new(actor, origin, "project.create", "project", &id.to_string(), json!({"after": {
            "name": name, "region_code": county, "plan_year": p.plan_year, "stage": "reserve", "investment_fen": p.investment_fen,
            "new_floor_area_dm2": p.new_floor_area_dm2, "high_risk": p.high_risk, "structural_change": p.structural_change, "estate_ids": ids}}))).await?;
        tx.commit().await?;
        id
    };
    get(db, id).await
}

/// The project (not yet accepted) an estate is in, if any.
async fn active_project_of(db: &Db, estate_id: i64) -> Result<Option<(i64, Stage)>, StoreError> {
    let row: Option<(i64, Stage)> = with_db!(db, p => sqlx::query_as(
        "SELECT p.id, p.stage FROM projects p JOIN project_estates pe ON pe.project_id = p.id \
         WHERE pe.estate_id = $1 AND p.stage IN ('reserve', 'planning', 'implementation', 'completed') ORDER BY p.id LIMIT 1")
        .bind(estate_id).fetch_optional(p).await?);
    Ok(row)
}

pub async fn get(db: &Db, id: i64) -> Result<Project, StoreError> {
    let sql = format!("SELECT {COLS} FROM projects WHERE id = $1");
    let p: Option<Project> =
        with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?);
    let mut p = p.ok_or(StoreError::ProjectNotFound(id))?;
    let rows: Vec<(i64, String, Option<String>)> = with_db!(db, pool => sqlx::query_as(
        "SELECT pe.estate_id, e.region_code, e.street_code FROM project_estates pe JOIN estates e ON e.id = pe.estate_id \
         WHERE pe.project_id = $1 ORDER BY pe.estate_id").bind(id).fetch_all(pool).await?);
    p.estate_ids = rows.iter().map(|r| r.0).collect();
    p.places = rows.into_iter().map(|r| (r.1, r.2)).collect();
    Ok(p)
}

/// Which projects to list. `scope` is the caller's region (`""`: everywhere): a project is inside when one
/// of its estates is. `member`: only projects this user works on (contractors).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub scope: String,
    pub region: Option<String>,
    pub stage: Option<Stage>,
    pub plan_year: Option<i32>,
    pub member: Option<String>,
    /// Only projects that can have overdue steps as of year Y: before completion, plan year ≤ Y.
    pub open_until: Option<i32>,
    pub limit: Option<i64>,
}

pub async fn list(db: &Db, regions: &Regions, f: &Filter) -> Result<Vec<Project>, StoreError> {
    let mut binds: Vec<Bind> = Vec::new();
    let mut wh: Vec<String> = Vec::new();
    for code in [Some(f.scope.as_str()), f.region.as_deref()].into_iter().flatten() {
        if let Some(c) = region_cond(regions, code, &mut binds) {
            wh.push(format!(
                "p.id IN (SELECT pe.project_id FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE {c})"
            ));
        }
    }
    if let Some(s) = f.stage {
        binds.push(Bind::T(s.as_str().to_string()));
        wh.push(format!("p.stage = ${}", binds.len()));
    }
    if let Some(y) = f.plan_year {
        binds.push(Bind::I(i64::from(y)));
        wh.push(format!("p.plan_year = ${}", binds.len()));
    }
    if let Some(m) = &f.member {
        binds.push(Bind::T(m.clone()));
        wh.push(format!(
            "EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_name = ${})",
            binds.len()
        ));
    }
    if let Some(y) = f.open_until {
        binds.push(Bind::I(i64::from(y)));
        wh.push(format!("p.stage IN ('reserve', 'planning', 'implementation') AND p.plan_year <= ${}", binds.len()));
    }
    let cols: String = COLS.split(", ").map(|c| format!("p.{}", c.trim())).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {cols} FROM projects p {} ORDER BY p.plan_year DESC, p.id LIMIT {}",
        if wh.is_empty() { String::new() } else { format!("WHERE {}", wh.join(" AND ")) },
        f.limit.unwrap_or(5000).clamp(1, 100_000)
    );
    let mut out: Vec<Project> =
        with_db!(db, pool => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &binds).fetch_all(pool).await?);
    if !out.is_empty() {
        let ids: Vec<i64> = out.iter().map(|p| p.id).collect();
        let mut pairs: Vec<(i64, i64, String, Option<String>)> = Vec::new();
        for chunk in ids.chunks(500) {
            let list = chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
            let sql = format!(
                "SELECT pe.project_id, pe.estate_id, e.region_code, e.street_code FROM project_estates pe JOIN estates e ON e.id = pe.estate_id \
                 WHERE pe.project_id IN ({list}) ORDER BY pe.project_id, pe.estate_id"
            );
            let mut got: Vec<(i64, i64, String, Option<String>)> =
                with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?);
            pairs.append(&mut got);
        }
        type Places = (Vec<i64>, Vec<(String, Option<String>)>);
        let mut by_project: std::collections::HashMap<i64, Places> = std::collections::HashMap::new();
        for (pid, e, region, street) in pairs {
            let slot = by_project.entry(pid).or_default();
            slot.0.push(e);
            slot.1.push((region, street));
        }
        for p in &mut out {
            let (ids, places) = by_project.remove(&p.id).unwrap_or_default();
            p.estate_ids = ids;
            p.places = places;
        }
    }
    Ok(out)
}

/// Whether project `id` is visible to a caller with region `scope` (one of its estates inside), or, for
/// `member`, whether that user works on it. False when there is no such project.
pub async fn visible(
    db: &Db,
    regions: &Regions,
    id: i64,
    scope: Option<&str>,
    member: Option<&str>,
) -> Result<bool, StoreError> {
    let mut binds = vec![Bind::I(id)];
    let cond = match (scope, member) {
        (_, Some(m)) => {
            binds.push(Bind::T(m.to_string()));
            "EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_name = $2)".to_string()
        }
        (Some(scope), None) => match region_cond(regions, scope, &mut binds) {
            Some(c) => format!(
                "p.id IN (SELECT pe.project_id FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE {c})"
            ),
            None => "1 = 1".into(),
        },
        (None, None) => return Ok(false),
    };
    let sql = format!("SELECT COUNT(*) FROM projects p WHERE p.id = $1 AND {cond}");
    let n: i64 = with_db!(db, p => bind_all!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)), &binds).fetch_one(p).await?);
    Ok(n > 0)
}

/// Opens the versioned change of project `id` inside `tx`: bumps the version if it is still `expected`,
/// else [`StoreError::Stale`] (the caller's `?` drops the transaction, which rolls it back).
pub(crate) async fn bump(db: &Db, tx: &mut Tx, id: i64, expected: i64, now: &str) -> Result<(), StoreError> {
    let n = with_tx!(tx, cx => sqlx::query("UPDATE projects SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3")
        .bind(now)
        .bind(id)
        .bind(expected)
        .execute(&mut *cx)
        .await?
        .rows_affected());
    if n == 0 {
        return Err(stale(db, id, expected).await);
    }
    Ok(())
}

pub(crate) async fn stale(db: &Db, id: i64, expected: i64) -> StoreError {
    match get(db, id).await {
        Ok(p) => StoreError::Stale { entity: "改造项目", id, expected, current: p.version },
        Err(e) => e,
    }
}

/// Reads project `id` and checks that it is still at `expected` (the version the caller saw).
pub(crate) async fn at_version(db: &Db, id: i64, expected: i64) -> Result<Project, StoreError> {
    let p = get(db, id).await?;
    if p.version != expected {
        return Err(StoreError::Stale { entity: "改造项目", id, expected, current: p.version });
    }
    Ok(p)
}

/// Whether each estate of the project is eligible under the profile, as (estate id, name, eligible,
/// reason in Chinese, reason in English).
pub async fn estates_eligibility(
    db: &Db,
    profile: &jiugai_rules::EffectiveProfile,
    p: &Project,
) -> Result<Vec<(i64, String, bool, String, String)>, StoreError> {
    let mut out = Vec::new();
    for id in &p.estate_ids {
        let e = crate::estates::get(db, *id).await?;
        let d = &e.data;
        let facts = jiugai_rules::EstateFacts {
            built_years: d.built_years.clone(),
            in_shantytown_plan: d.in_shantytown_plan.unwrap_or(false),
            self_built: d.self_built.unwrap_or(false),
            urban_village: d.urban_village.unwrap_or(false),
            declared: d.declared,
        };
        let el = jiugai_rules::eligibility(profile, &facts);
        let ok = matches!(el.verdict, jiugai_rules::Verdict::Core | jiugai_rules::Verdict::Extended);
        out.push((*id, d.name.clone(), ok, el.reason_zh.clone(), el.reason_en.clone()));
    }
    Ok(out)
}

/// Moves a project to another stage and/or plan year (dynamic adjustment), with a reason.
/// Entering implementation passes the gates of [`gates::check_entry`] (eligibility, each estate's consent,
/// the steps required before the start), each unless an office admin recorded an exception
/// ([`gates::record`]); the later stages need their step done (completion, acceptance, management).
#[allow(clippy::too_many_arguments)]
pub async fn move_stage(
    db: &Db,
    profile: &jiugai_rules::EffectiveProfile,
    id: i64,
    expected: i64,
    to_stage: Stage,
    to_year: i32,
    reason: &str,
    actor: &str,
    origin: &str,
) -> Result<Project, StoreError> {
    let p = at_version(db, id, expected).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(invalid(
            "reason",
            "",
            "调整阶段或年度须说明理由：请填写理由",
            "a move between stages or years needs a reason: give one",
        ));
    }
    if !(2000..=2100).contains(&to_year) {
        return Err(invalid(
            "plan_year",
            to_year.to_string(),
            format!("计划年度 {to_year} 不合理"),
            format!("plan year {to_year} is not plausible"),
        ));
    }
    if to_stage == p.stage && to_year == p.plan_year {
        return Err(invalid(
            "stage",
            to_stage.as_str(),
            "阶段和年度都没有变化",
            "neither the stage nor the year changes",
        ));
    }
    let forward = to_stage > p.stage;
    // Entering implementation is entering the annual plan: eligibility, each estate's consent and the steps
    // required before the start, each unless an admin recorded an exception (see `gates`).
    if forward && to_stage >= Stage::Implementation && p.stage < Stage::Implementation {
        gates::check_entry(db, profile, &p, to_stage).await?;
    }
    if forward {
        let done = steps::done_keys(db, id).await?;
        use jiugai_domain::{Label, StepKey};
        for (stage, step) in [
            (Stage::Completed, StepKey::Completion),
            (Stage::Accepted, StepKey::Acceptance),
            (Stage::Management, StepKey::Management),
        ] {
            if to_stage >= stage && !done.contains(&step) {
                return Err(invalid(
                    "stage",
                    to_stage.as_str(),
                    format!("进入“{}”阶段前须先完成步骤「{}」", stage.zh(), step.zh()),
                    format!("the step “{}” must be done before the stage “{}”", step.en(), stage.en()),
                ));
            }
        }
    }
    let now = clock::now_rfc3339();
    {
        let mut tx = db.begin().await?;
        bump(db, &mut tx, id, expected, &now).await?;
        with_tx!(&mut tx, cx => sqlx::query("UPDATE projects SET stage = $1, plan_year = $2 WHERE id = $3").bind(to_stage).bind(i64::from(to_year)).bind(id).execute(&mut *cx).await?.rows_affected());
        with_tx!(&mut tx, cx => sqlx::query("INSERT INTO project_moves (project_id, from_stage, to_stage, from_year, to_year, reason, actor, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)")
            .bind(id).bind(p.stage).bind(to_stage).bind(i64::from(p.plan_year)).bind(i64::from(to_year)).bind(reason).bind(actor).bind(&now)
            .execute(&mut *cx).await?.rows_affected());
        audit::append(&mut tx, &audit::Entry::new(actor, origin, "project.move", "project", &id.to_string(), json!({
            "version": expected + 1, "before": {"stage": p.stage, "plan_year": p.plan_year}, "after": {"stage": to_stage, "plan_year": to_year}, "reason": reason}))).await?;
        tx.commit().await?;
    };
    get(db, id).await
}

/// An office admin's exception to the eligibility gate (see [`gates::record`] for the others).
pub async fn record_exception(
    db: &Db,
    id: i64,
    expected: i64,
    reason: &str,
    actor: &str,
    origin: &str,
) -> Result<Project, StoreError> {
    gates::record(db, id, expected, gates::Gate::Eligibility, reason, actor, origin).await
}

/// Facts an office keeps on a project: ranking inputs, investment, companies, the facts that decide steps.
/// `None` leaves a value unchanged; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub name: Option<String>,
    pub investment_fen: Option<i64>,
    pub new_floor_area_dm2: Option<i64>,
    pub high_risk: Option<bool>,
    pub structural_change: Option<bool>,
    pub consent_yes: Option<Option<i64>>,
    pub consent_households: Option<Option<i64>>,
    pub participation_yes: Option<Option<i64>>,
    pub residents_fund_fen: Option<Option<i64>>,
    pub illegal_found: Option<Option<i64>>,
    pub illegal_removed: Option<Option<i64>>,
    pub safety_rating: Option<Option<String>>,
    pub satisfaction_yes: Option<Option<i64>>,
    pub satisfaction_answered: Option<Option<i64>>,
    pub companies: Option<String>,
    pub hotline: Option<String>,
    /// Publish the public notice from this date (YYYY-MM-DD), or withdraw it (`Some(None)`).
    pub notice_from: Option<Option<String>>,
}

fn nonneg(field: &str, v: Option<i64>, label_zh: &str) -> Result<(), StoreError> {
    match v {
        Some(n) if n < 0 => Err(invalid(
            field,
            n.to_string(),
            format!("{label_zh}不能为负数：{n}"),
            format!("{field} cannot be negative: {n}"),
        )),
        _ => Ok(()),
    }
}

/// Changes the facts given; refuses inconsistent ones (more agreeing than households…).
pub async fn update_facts(
    db: &Db,
    id: i64,
    expected: i64,
    f: &Facts,
    actor: &str,
    origin: &str,
) -> Result<Project, StoreError> {
    let old = at_version(db, id, expected).await?;
    let mut p = old.clone();
    if let Some(n) = &f.name {
        let n = n.trim();
        if n.is_empty() || n.chars().count() > 200 {
            return Err(invalid(
                "name",
                n,
                "项目名称不能为空，且不超过 200 字",
                "the project name must be 1–200 characters",
            ));
        }
        p.name = n.to_string();
    }
    if let Some(v) = f.investment_fen {
        nonneg("investment_fen", Some(v), "总投资")?;
        p.investment_fen = v;
    }
    if let Some(v) = f.new_floor_area_dm2 {
        nonneg("new_floor_area_dm2", Some(v), "新建面积")?;
        p.new_floor_area_dm2 = v;
    }
    if let Some(v) = f.high_risk {
        p.high_risk = v;
    }
    if let Some(v) = f.structural_change {
        p.structural_change = v;
    }
    macro_rules! opt {
        ($field:ident, $zh:expr) => {
            if let Some(v) = f.$field {
                nonneg(stringify!($field), v, $zh)?;
                p.$field = v;
            }
        };
    }
    opt!(consent_yes, "同意户数");
    opt!(consent_households, "总户数");
    opt!(participation_yes, "参与户数");
    opt!(residents_fund_fen, "居民出资");
    opt!(illegal_found, "违建数");
    opt!(illegal_removed, "主动拆除违建数");
    opt!(satisfaction_yes, "满意户数");
    opt!(satisfaction_answered, "参与评价户数");
    if let Some(v) = &f.safety_rating {
        let v = v.as_ref().map(|s| s.trim().to_uppercase()).filter(|s| !s.is_empty());
        if let Some(s) = &v
            && !matches!(s.as_str(), "A" | "B" | "C" | "D")
        {
            return Err(invalid(
                "safety_rating",
                s.clone(),
                format!("房屋安全等级“{s}”无效：应为 A、B、C、D 之一"),
                format!("safety rating “{s}” is invalid: use A, B, C or D"),
            ));
        }
        p.safety_rating = v;
    }
    if let Some(c) = &f.companies {
        p.companies = c.trim().to_string();
    }
    if let Some(h) = &f.hotline {
        p.hotline = h.trim().to_string();
    }
    if let Some(n) = &f.notice_from {
        p.notice_from = match n.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(d) => Some(steps::date_of("notice_from", d)?.to_string()),
            None => None,
        };
    }
    let pairs = [
        ("consent_yes", p.consent_yes, "consent_households", p.consent_households, "同意户数", "总户数"),
        ("participation_yes", p.participation_yes, "consent_households", p.consent_households, "参与户数", "总户数"),
        ("illegal_removed", p.illegal_removed, "illegal_found", p.illegal_found, "主动拆除违建数", "违建数"),
        (
            "satisfaction_yes",
            p.satisfaction_yes,
            "satisfaction_answered",
            p.satisfaction_answered,
            "满意户数",
            "参与评价户数",
        ),
    ];
    for (fa, a, _fb, b, za, zb) in pairs {
        if let (Some(a), Some(b)) = (a, b)
            && a > b
        {
            return Err(invalid(
                fa,
                a.to_string(),
                format!("{za} {a} 大于{zb} {b}：请核对"),
                format!("{fa} {a} exceeds {b}: check the figures"),
            ));
        }
    }
    let before = serde_json::to_value(&old).unwrap_or_default();
    let after = serde_json::to_value(&p).unwrap_or_default();
    let mut changes = serde_json::Map::new();
    if let (Value::Object(b), Value::Object(a)) = (&before, &after) {
        for (k, v) in a {
            if b.get(k) != Some(v) && !matches!(k.as_str(), "version" | "updated_at") {
                changes.insert(k.clone(), json!([b.get(k).cloned().unwrap_or(Value::Null), v]));
            }
        }
    }
    if changes.is_empty() {
        return Ok(old);
    }
    let now = clock::now_rfc3339();
    {
        let mut tx = db.begin().await?;
        bump(db, &mut tx, id, expected, &now).await?;
        with_tx!(&mut tx, cx => sqlx::query("UPDATE projects SET name = $1, investment_fen = $2, new_floor_area_dm2 = $3, high_risk = $4, structural_change = $5, \
            consent_yes = $6, consent_households = $7, participation_yes = $8, residents_fund_fen = $9, illegal_found = $10, illegal_removed = $11, \
            safety_rating = $12, satisfaction_yes = $13, satisfaction_answered = $14, companies = $15, hotline = $16, notice_from = $17 WHERE id = $18")
            .bind(&p.name).bind(p.investment_fen).bind(p.new_floor_area_dm2).bind(p.high_risk).bind(p.structural_change)
            .bind(p.consent_yes).bind(p.consent_households).bind(p.participation_yes).bind(p.residents_fund_fen).bind(p.illegal_found).bind(p.illegal_removed)
            .bind(&p.safety_rating).bind(p.satisfaction_yes).bind(p.satisfaction_answered).bind(&p.companies).bind(&p.hotline).bind(&p.notice_from).bind(id)
            .execute(&mut *cx).await?.rows_affected());
        audit::append(
            &mut tx,
            &audit::Entry::new(
                actor,
                origin,
                "project.update",
                "project",
                &id.to_string(),
                json!({"version": expected + 1, "changes": changes}),
            ),
        )
        .await?;
        tx.commit().await?;
    };
    get(db, id).await
}

/// A user who works on the project (contractors see only their projects).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Member {
    pub user_name: String,
    pub duty: String,
}

pub const DUTIES: [(&str, &str); 3] =
    [("construction", "施工单位"), ("supervision", "监理单位"), ("design", "设计单位")];

pub async fn members(db: &Db, id: i64) -> Result<Vec<Member>, StoreError> {
    let rows: Vec<(String, String)> = with_db!(db, p => sqlx::query_as("SELECT user_name, duty FROM project_members WHERE project_id = $1 ORDER BY user_name").bind(id).fetch_all(p).await?);
    Ok(rows.into_iter().map(|(user_name, duty)| Member { user_name, duty }).collect())
}

pub async fn add_member(
    db: &Db,
    id: i64,
    expected: i64,
    user_name: &str,
    duty: &str,
    actor: &str,
    origin: &str,
) -> Result<(), StoreError> {
    at_version(db, id, expected).await?;
    if !DUTIES.iter().any(|d| d.0 == duty) {
        return Err(invalid(
            "duty",
            duty,
            "职责应为 construction（施工）、supervision（监理）或 design（设计）",
            "duty must be construction, supervision or design",
        ));
    }
    let user = crate::users::by_name(db, user_name).await?;
    if user.is_none() {
        return Err(invalid(
            "user_name",
            user_name,
            format!("找不到用户“{user_name}”：请先用 jiugai user add 创建该单位的账号"),
            format!("no user “{user_name}”: create the company's account first (jiugai user add)"),
        ));
    }
    if members(db, id).await?.iter().any(|m| m.user_name == user_name) {
        return Err(invalid(
            "user_name",
            user_name,
            format!("“{user_name}”已是本项目成员"),
            format!("“{user_name}” already works on this project"),
        ));
    }
    let now = clock::now_rfc3339();
    {
        let mut tx = db.begin().await?;
        bump(db, &mut tx, id, expected, &now).await?;
        with_tx!(&mut tx, cx => sqlx::query("INSERT INTO project_members (project_id, user_name, duty) VALUES ($1, $2, $3)").bind(id).bind(user_name).bind(duty).execute(&mut *cx).await?.rows_affected());
        audit::append(
            &mut tx,
            &audit::Entry::new(
                actor,
                origin,
                "project.member.add",
                "project",
                &id.to_string(),
                json!({"version": expected + 1, "after": {"user_name": user_name, "duty": duty}}),
            ),
        )
        .await?;
        tx.commit().await?;
    };
    Ok(())
}

/// A move between stages or years.
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
pub struct Move {
    pub from_stage: Stage,
    pub to_stage: Stage,
    pub from_year: i64,
    pub to_year: i64,
    pub reason: String,
    pub actor: String,
    pub at: String,
}

pub async fn moves(db: &Db, id: i64) -> Result<Vec<Move>, StoreError> {
    Ok(with_db!(db, p => sqlx::query_as(
        "SELECT from_stage, to_stage, from_year, to_year, reason, actor, at FROM project_moves WHERE project_id = $1 ORDER BY id").bind(id).fetch_all(p).await?))
}

/// Today's date in Beijing, or `JIUGAI_TODAY=YYYY-MM-DD` when set (for demonstrations and tests of deadlines).
pub fn today() -> jiugai_rules::Date {
    clock::today()
}

/// The inputs of the next-plan ranking [001 二(三)1; 002 三(二)] from what the project records: consent
/// and participation over all households, residents' contribution over the investment, illegal structures
/// removed over those found (1 when none were found, 0 when not surveyed), the oldest build year of its
/// estates, and its safety rating (else the worst of its estates').
pub async fn ranking_inputs(db: &Db, p: &Project) -> Result<jiugai_rules::RankingInputs, StoreError> {
    use jiugai_rules::{Ratio, SafetyRating};
    let ratio = |a: Option<i64>, b: Option<i64>| match (a, b) {
        (Some(a), Some(b)) if b > 0 => Ratio { num: a.min(b), den: b },
        _ => Ratio::ZERO,
    };
    let mut built = p.plan_year;
    let mut worst: Option<String> = p.safety_rating.clone();
    for id in &p.estate_ids {
        let e = crate::estates::get(db, *id).await?;
        if let Some(y) = e.data.built_years.iter().min() {
            built = built.min(*y);
        }
        if p.safety_rating.is_none()
            && let Some(r) = &e.data.safety_rating
            && worst.as_ref().is_none_or(|w| r > w)
        {
            worst = Some(r.clone());
        }
    }
    Ok(jiugai_rules::RankingInputs {
        willingness: ratio(p.consent_yes, p.consent_households),
        contribution: ratio(p.residents_fund_fen, Some(p.investment_fen)),
        participation: ratio(p.participation_yes, p.consent_households),
        illegal_removed: match (p.illegal_removed, p.illegal_found) {
            (_, Some(0)) => Ratio::ONE,
            (r, f) => ratio(r, f),
        },
        built_year: built,
        plan_year: p.plan_year,
        safety: match worst.as_deref() {
            Some("A") => Some(SafetyRating::A),
            Some("B") => Some(SafetyRating::B),
            Some("C") => Some(SafetyRating::C),
            Some("D") => Some(SafetyRating::D),
            _ => None,
        },
    })
}

/// Projects ranked for a plan year, best first, each with its score and breakdown under its profile.
pub async fn ranking(
    db: &Db,
    profiles: &jiugai_rules::ProfileSet,
    projects: Vec<Project>,
) -> Result<Vec<(Project, jiugai_rules::RankingScore)>, StoreError> {
    let mut out = Vec::with_capacity(projects.len());
    for p in projects {
        let name = p.profile_name(profiles).to_string();
        let Ok(eff) = profiles.effective(&name) else { continue };
        let inputs = ranking_inputs(db, &p).await?;
        out.push((p, jiugai_rules::ranking_score(&eff, &inputs)));
    }
    out.sort_by(|a, b| b.1.cmp_exact(&a.1).then(a.0.id.cmp(&b.0.id)));
    Ok(out)
}

/// Figures for the dashboard: projects by stage, overdue steps, and how many renovated estates (in a
/// project completed or later) have someone managing them (a management mode chosen: 有人管).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Summary {
    pub by_stage: Vec<(Stage, i64)>,
    pub projects: i64,
    pub overdue_steps: i64,
    pub overdue_projects: i64,
    pub renovated_estates: i64,
    pub managed_estates: i64,
}

pub async fn summary(
    db: &Db,
    regions: &Regions,
    profiles: &jiugai_rules::ProfileSet,
    f: &Filter,
) -> Result<Summary, StoreError> {
    // Stages and estates by SQL over every project in view (no row limit).
    let mut binds: Vec<Bind> = Vec::new();
    let mut wh: Vec<String> = Vec::new();
    if let Some(c) = region_cond(regions, &f.scope, &mut binds) {
        wh.push(format!(
            "p.id IN (SELECT pe.project_id FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE {c})"
        ));
    }
    if let Some(m) = &f.member {
        binds.push(Bind::T(m.clone()));
        wh.push(format!(
            "EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_name = ${})",
            binds.len()
        ));
    }
    let cond = if wh.is_empty() { String::new() } else { format!("WHERE {}", wh.join(" AND ")) };
    let q1 = format!("SELECT p.stage, COUNT(*) FROM projects p {cond} GROUP BY p.stage");
    let extra = if wh.is_empty() { String::new() } else { format!(" AND {}", wh.join(" AND ")) };
    let q2 = format!(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN p.management_mode IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
        FROM projects p JOIN project_estates x ON x.project_id = p.id WHERE p.stage IN ('completed', 'accepted', 'management'){extra}"
    );
    let (stages, (renovated, managed)): (Vec<(Stage, i64)>, (i64, i64)) = with_db!(db, pool => (
        bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(q1)), &binds).fetch_all(pool).await?,
        bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(q2)), &binds).fetch_one(pool).await?,
    ));
    let mut s = Summary { renovated_estates: renovated, managed_estates: managed, ..Default::default() };
    for &st in Stage::ALL {
        let n = stages.iter().find(|(k, _)| *k == st).map_or(0, |x| x.1);
        s.by_stage.push((st, n));
        s.projects += n;
    }
    // Only projects not yet completed whose plan year has begun can have overdue steps.
    let today = today();
    let open = list(db, regions, &Filter { open_until: Some(today.year()), limit: Some(100_000), ..f.clone() }).await?;
    let overdue = steps::overdue(db, profiles, &open, today).await?;
    s.overdue_steps = overdue.len() as i64;
    let mut ids: Vec<i64> = overdue.iter().map(|(id, _)| *id).collect();
    ids.dedup();
    s.overdue_projects = ids.len() as i64;
    Ok(s)
}

/// The projects an estate is in, newest first: (id, name, stage).
pub async fn of_estate(db: &Db, estate_id: i64) -> Result<Vec<(i64, String, Stage)>, StoreError> {
    let rows: Vec<(i64, String, Stage)> = with_db!(db, p => sqlx::query_as(
        "SELECT p.id, p.name, p.stage FROM projects p JOIN project_estates pe ON pe.project_id = p.id WHERE pe.estate_id = $1 ORDER BY p.id DESC")
        .bind(estate_id).fetch_all(p).await?);
    Ok(rows)
}
