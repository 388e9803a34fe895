//! The gates a project passes to enter implementation (the annual plan) [001 二(三)1; 000 三(一); 004 四],
//! each refusing with a stable code and the rule and clause that refused, and each open to an audited
//! admin exception for one project with its reason (`project_exceptions`):
//! - `eligibility`: every estate in the programme's scope under the profile;
//! - `consent`: every estate's consent ≥ `consent_to_plan`, from its closed consent consultation on a roll
//!   equal to the registry, or else from the survey step's record for that estate whose household count
//!   equals the registry (or the estate's 户数 without one) — estate by estate, never a package total;
//! - `steps`: every step the profile requires before the start is done.

use jiugai_domain::{ErrorCode, Label, StepKey};
use jiugai_rules::{Decision, EffectiveProfile, Outcome};
use serde::Serialize;
use serde_json::{Value, json};

use super::{Project, at_version, bump, get, invalid, steps};
use crate::residents::consultations::{self as cons, Kind};
use crate::{Db, StoreError, audit, clock, with_db, with_tx};

/// A gate an office admin may override for one project, with a reason.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Gate {
    Eligibility,
    Consent,
    Steps,
}

impl Gate {
    pub const ALL: &'static [Gate] = &[Gate::Eligibility, Gate::Consent, Gate::Steps];
    pub fn as_str(self) -> &'static str {
        match self {
            Gate::Eligibility => "eligibility",
            Gate::Consent => "consent",
            Gate::Steps => "steps",
        }
    }
    pub fn parse(s: &str) -> Option<Gate> {
        Gate::ALL.iter().copied().find(|g| g.as_str() == s.trim())
    }
    pub fn zh(self) -> &'static str {
        match self {
            Gate::Eligibility => "改造范围（小区须符合本地改造范围）",
            Gate::Consent => "居民改造意愿（各小区同意户数须达到比例）",
            Gate::Steps => "前置程序（开工前须完成的步骤）",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Gate::Eligibility => "eligibility (every estate in the local scope)",
            Gate::Consent => "residents' consent (each estate at the threshold)",
            Gate::Steps => "earlier steps (those required before the start)",
        }
    }
}

/// An admin's exception to one gate of one project.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GateException {
    pub gate: Gate,
    pub reason: String,
    pub actor: String,
    pub at: String,
}

/// The exceptions recorded for a project (an exception recorded before gates had names counts for
/// `eligibility`).
pub async fn exceptions(db: &Db, p: &Project) -> Result<Vec<GateException>, StoreError> {
    let rows: Vec<(String, String, String, String)> = with_db!(db, pool => sqlx::query_as(
        "SELECT gate, reason, actor, at FROM project_exceptions WHERE project_id = $1 ORDER BY id").bind(p.id).fetch_all(pool).await?);
    let mut out: Vec<GateException> = rows
        .into_iter()
        .filter_map(|(g, reason, actor, at)| Gate::parse(&g).map(|gate| GateException { gate, reason, actor, at }))
        .collect();
    if let Some(r) = &p.exception_reason
        && !out.iter().any(|e| e.gate == Gate::Eligibility)
    {
        out.insert(
            0,
            GateException {
                gate: Gate::Eligibility,
                reason: r.clone(),
                actor: p.exception_by.clone().unwrap_or_default(),
                at: p.exception_at.clone().unwrap_or_default(),
            },
        );
    }
    Ok(out)
}

/// An office admin overrides `gate` for project `id` (at version `expected`) with a reason; audited, shown
/// on the project page. One exception per gate and project.
pub async fn record(
    db: &Db,
    id: i64,
    expected: i64,
    gate: Gate,
    reason: &str,
    actor: &str,
    origin: &str,
) -> Result<Project, StoreError> {
    let p = at_version(db, id, expected).await?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(invalid(
            "reason",
            reason,
            "登记例外须说明理由（如会议纪要文号，不超过 500 字）",
            "an exception needs its reason (e.g. the meeting minutes' number; up to 500 characters)",
        ));
    }
    if let Some(e) = exceptions(db, &p).await?.into_iter().find(|e| e.gate == gate) {
        return Err(invalid(
            "gate",
            gate.as_str(),
            format!("「{}」已于 {} 由 {} 登记例外：{}", gate.zh(), e.at, e.actor, e.reason),
            format!("an exception to “{}” was already recorded by {}: {}", gate.en(), e.actor, e.reason),
        )
        .with_code(ErrorCode::Conflict));
    }
    let now = clock::now_rfc3339();
    {
        let mut tx = db.begin().await?;
        bump(db, &mut tx, id, expected, &now).await?;
        with_tx!(&mut tx, cx => sqlx::query("INSERT INTO project_exceptions (project_id, gate, reason, actor, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id).bind(gate.as_str()).bind(reason).bind(actor).bind(&now).execute(&mut *cx).await?.rows_affected());
        if gate == Gate::Eligibility {
            with_tx!(&mut tx, cx => sqlx::query("UPDATE projects SET exception_reason = $1, exception_by = $2, exception_at = $3 WHERE id = $4").bind(reason).bind(actor).bind(&now).bind(id).execute(&mut *cx).await?.rows_affected());
        }
        audit::append(
            &mut tx,
            &audit::Entry::new(
                actor,
                origin,
                "project.exception",
                "project",
                &id.to_string(),
                json!({
            "version": expected + 1, "gate": gate.as_str(), "reason": reason}),
            ),
        )
        .await?;
        tx.commit().await?;
    };
    get(db, id).await
}

/// The household count an estate's consent is checked against: its registry (一户一档), or its 户数
/// when it has no registry.
pub async fn registry_households(db: &Db, estate_id: i64) -> Result<Option<i64>, StoreError> {
    let (n, _) = crate::residents::households::totals(db, estate_id).await?;
    if n > 0 {
        return Ok(Some(n));
    }
    Ok(crate::estates::get(db, estate_id).await?.data.households)
}

/// Each estate's consent decision as the gate reads it: (estate id, name, decision).
pub async fn consent(
    db: &Db,
    profile: &EffectiveProfile,
    p: &Project,
) -> Result<Vec<(i64, String, Decision)>, StoreError> {
    let survey = steps::done_steps(db, p.id).await?.into_iter().find(|d| d.key == StepKey::Survey);
    let mut out = Vec::new();
    for eid in &p.estate_ids {
        let e = crate::estates::get(db, *eid).await?;
        let reg = registry_households(db, *eid).await?;
        let closed = cons::latest_closed(db, *eid, Some(p.id), Kind::Consent).await?;
        let d = match (closed, survey_figures(survey.as_ref().map(|s| &s.detail), *eid, p.estate_ids.len())) {
            (Some((c, t)), _) => jiugai_rules::estate_consent(
                profile,
                &p.name,
                &jiugai_rules::EstateConsent {
                    estate: e.data.name.clone(),
                    consultation: Some(c.id),
                    agree: t.yes.households,
                    households: t.eligible.households,
                    registry_households: reg,
                },
            ),
            (None, Some((agree, households))) => {
                jiugai_rules::survey_consent(profile, &p.name, &e.data.name, agree, households, reg)
            }
            (None, None) => jiugai_rules::estate_consent(
                profile,
                &p.name,
                &jiugai_rules::EstateConsent {
                    estate: e.data.name.clone(),
                    registry_households: reg,
                    ..Default::default()
                },
            ),
        }
        .map_err(|x| invalid("consent", e.data.name.clone(), x.message_zh, x.message_en))?;
        out.push((*eid, e.data.name, d));
    }
    Ok(out)
}

/// The survey step's figures for one estate: its entry in `estates`, or, for a project of one estate, the
/// step's `agree`/`households`.
fn survey_figures(detail: Option<&Value>, estate_id: i64, estates: usize) -> Option<(i64, i64)> {
    let d = detail?;
    if let Some(list) = d.get("estates").and_then(Value::as_array) {
        let x = list.iter().find(|x| x.get("estate_id").and_then(Value::as_i64) == Some(estate_id))?;
        if x.get("source").and_then(Value::as_str) == Some("consultation") {
            return None;
        }
        return Some((x.get("agree")?.as_i64()?, x.get("households")?.as_i64()?));
    }
    if estates == 1 {
        return Some((d.get("agree")?.as_i64()?, d.get("households")?.as_i64()?));
    }
    None
}

/// Refuses the entry into implementation (stage planning or earlier → implementation or later) unless every
/// gate passes or has an exception. Each refusal names its rule and clause.
pub async fn check_entry(db: &Db, profile: &EffectiveProfile, p: &Project, to: super::Stage) -> Result<(), StoreError> {
    let excepted = exceptions(db, p).await?;
    let has = |g: Gate| excepted.iter().any(|e| e.gate == g);
    let hint_zh = "如确需实施，须由旧改办管理员对本项目登记例外并说明理由";
    let hint_en = "unless an office admin records an exception for this project with its reason";
    if !has(Gate::Eligibility) {
        for (eid, name, ok, zh, en, rule) in eligibility(db, profile, p).await? {
            if !ok {
                return Err(invalid(
                    "stage",
                    to.as_str(),
                    format!(
                        "小区 {eid}「{name}」不符合本地改造范围（{zh}），不能进入实施阶段 [{}]。{hint_zh}",
                        rule.source
                    ),
                    format!(
                        "estate {eid} ({name}) is not eligible ({en}) and cannot enter implementation [{}], {hint_en}",
                        rule.source
                    ),
                )
                .with_code(ErrorCode::Ineligible)
                .with_rule(rule.rule, rule.source));
            }
        }
    }
    if !has(Gate::Consent) {
        for (_, name, d) in consent(db, profile, p).await? {
            if d.outcome != Outcome::Pass {
                return Err(invalid(
                    "stage",
                    to.as_str(),
                    format!(
                        "小区「{name}」{}，不能进入实施阶段（纳入年度改造计划）[{}]。{hint_zh}",
                        d.reason_zh, d.rule.source
                    ),
                    format!(
                        "estate {name}: {}; the project cannot enter implementation (the annual plan) [{}], {hint_en}",
                        d.reason_en, d.rule.source
                    ),
                )
                .with_code(ErrorCode::ConsentMissing)
                .with_rule(d.rule.rule, d.rule.source));
            }
        }
    }
    if !has(Gate::Steps) {
        let done = steps::done_keys(db, p.id).await?;
        let decisions = jiugai_rules::project_steps(profile, &steps::facts(p));
        for key in jiugai_rules::steps_before(StepKey::Start) {
            let Some(s) = decisions.iter().find(|s| s.key == key && s.required) else { continue };
            if !done.contains(&key) {
                return Err(invalid(
                    "stage",
                    to.as_str(),
                    format!(
                        "开工前须完成的步骤「{}」尚未完成（{}），不能进入实施阶段 [{}]。{hint_zh}",
                        key.zh(),
                        s.reason_zh,
                        s.rule.source
                    ),
                    format!(
                        "the step “{}”, required before the start, is not done ({}); the project cannot enter implementation [{}], {hint_en}",
                        key.en(),
                        s.reason_en,
                        s.rule.source
                    ),
                )
                .with_code(ErrorCode::StepMissing)
                .with_rule(s.rule.rule.clone(), s.rule.source.clone()));
            }
        }
    }
    Ok(())
}

type EligibilityRow = (i64, String, bool, String, String, jiugai_rules::RuleRef);

async fn eligibility(db: &Db, profile: &EffectiveProfile, p: &Project) -> Result<Vec<EligibilityRow>, StoreError> {
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
        out.push((*id, d.name.clone(), ok, el.reason_zh, el.reason_en, el.rule));
    }
    Ok(out)
}
