//! Workflow steps of a project: which are required and when each is due come from the rules engine
//! (`jiugai_rules::project_steps` under the estates' profile); which are done, when, by whom, with which
//! documents, is stored here. Completing a step checks its order and its conditions inside the versioned
//! change (see the module invariants of `projects`).

use jiugai_domain::{Label, StepKey};
use jiugai_rules::{Date, Dm2, EffectiveProfile, Fen, Outcome, ProjectFacts, StepDecision};
use serde::Serialize;
use serde_json::{Value, json};

use super::{ManagementMode, Project, Stage, at_version, bump, get, invalid};
use crate::{Db, StoreError, audit, clock, with_db, with_tx};

/// A step as shown and returned by the API.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StepView {
    pub key: StepKey,
    pub name_zh: String,
    pub required: bool,
    pub due: Option<String>,
    pub done: Option<String>,
    /// Publicity: the first day of the notice.
    pub started: Option<String>,
    /// The rule that sets the due date if any, else the rule that makes the step (not) required.
    pub rule: String,
    pub clause: String,
    pub required_rule: String,
    pub required_clause: String,
    pub reason_zh: String,
    pub reason_en: String,
    pub overdue: bool,
    pub actor: Option<String>,
    pub department: Option<String>,
    pub note: Option<String>,
    pub detail: Value,
}

/// A completed step as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct DoneStep {
    pub key: StepKey,
    pub started_on: Option<String>,
    pub done_on: String,
    pub actor: String,
    pub department: String,
    pub note: String,
    pub detail: Value,
}

pub async fn done_steps(db: &Db, id: i64) -> Result<Vec<DoneStep>, StoreError> {
    let rows: Vec<(StepKey, Option<String>, String, String, String, String, String)> = with_db!(db, p => sqlx::query_as(
        "SELECT step_key, started_on, done_on, actor, department, note, detail FROM project_steps WHERE project_id = $1 ORDER BY done_on, step_key")
        .bind(id).fetch_all(p).await?);
    Ok(rows
        .into_iter()
        .map(|r| DoneStep {
            key: r.0,
            started_on: r.1,
            done_on: r.2,
            actor: r.3,
            department: r.4,
            note: r.5,
            detail: serde_json::from_str(&r.6).unwrap_or(Value::Null),
        })
        .collect())
}

/// The done steps of many projects at once (one query per 500 projects).
pub async fn done_steps_of(db: &Db, ids: &[i64]) -> Result<std::collections::HashMap<i64, Vec<DoneStep>>, StoreError> {
    let mut out: std::collections::HashMap<i64, Vec<DoneStep>> = Default::default();
    for chunk in ids.chunks(500) {
        let list = chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let sql = format!(
            "SELECT project_id, step_key, started_on, done_on, actor, department, note, detail FROM project_steps WHERE project_id IN ({list})"
        );
        let rows: Vec<(i64, StepKey, Option<String>, String, String, String, String, String)> =
            with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?);
        for r in rows {
            out.entry(r.0).or_default().push(DoneStep {
                key: r.1,
                started_on: r.2,
                done_on: r.3,
                actor: r.4,
                department: r.5,
                note: r.6,
                detail: serde_json::from_str(&r.7).unwrap_or(Value::Null),
            });
        }
    }
    Ok(out)
}

pub(crate) async fn done_keys(db: &Db, id: i64) -> Result<Vec<StepKey>, StoreError> {
    Ok(done_steps(db, id).await?.into_iter().map(|d| d.key).collect())
}

pub fn facts(p: &Project) -> ProjectFacts {
    ProjectFacts {
        plan_year: p.plan_year,
        investment: Fen(p.investment_fen),
        new_floor_area: Dm2(p.new_floor_area_dm2),
        high_risk: p.high_risk,
        structural_change: p.structural_change,
    }
}

/// The steps of a project under `profile`, with what is done and what is overdue as of `today`.
pub fn view(profile: &EffectiveProfile, p: &Project, done: &[DoneStep], today: Date) -> Vec<StepView> {
    jiugai_rules::project_steps(profile, &facts(p)).into_iter().map(|s| view_one(&s, done, today)).collect()
}

fn view_one(s: &StepDecision, done: &[DoneStep], today: Date) -> StepView {
    let d = done.iter().find(|d| d.key == s.key);
    let (rule, clause) = match &s.due_rule {
        Some(r) => (r.rule.clone(), r.source.clone()),
        None => (s.rule.rule.clone(), s.rule.source.clone()),
    };
    StepView {
        key: s.key,
        name_zh: s.name_zh.to_string(),
        required: s.required,
        due: s.due.map(|d| d.to_string()),
        done: d.map(|d| d.done_on.clone()),
        started: d.and_then(|d| d.started_on.clone()),
        rule,
        clause,
        required_rule: s.rule.rule.clone(),
        required_clause: s.rule.source.clone(),
        reason_zh: s.reason_zh.clone(),
        reason_en: s.reason_en.clone(),
        overdue: s.required && d.is_none() && s.due.is_some_and(|due| due < today),
        actor: d.map(|d| d.actor.clone()),
        department: d.map(|d| d.department.clone()),
        note: d.map(|d| d.note.clone()),
        detail: d.map(|d| d.detail.clone()).unwrap_or(Value::Null),
    }
}

/// What completing a step records. `detail` carries the step's own record: acceptance `participants` (list)
/// and `findings`; spot check `result`; handover `operators` (list of {facility, operator}); management
/// `mode` and `maintenance_fund`; survey `agree`/`households` (else the project's consent figures);
/// acceptance `satisfied`/`answered` (else the project's satisfaction figures).
#[derive(Clone, Debug, Default)]
pub struct Completion {
    pub done_on: String,
    pub started_on: Option<String>,
    pub department: String,
    pub note: String,
    pub detail: Value,
}

/// A date a user gave for a step: YYYY-MM-DD, in the programme's years (2000–2100).
pub(crate) fn date_of(field: &str, s: &str) -> Result<Date, StoreError> {
    Date::parse(s.trim()).filter(|d| (2000..=2100).contains(&d.year())).ok_or_else(|| {
        invalid(
            field,
            s,
            format!("日期“{s}”无效：请按 YYYY-MM-DD 填写 2000 年以后的日期，如 2025-01-31"),
            format!("date “{s}” is invalid: use YYYY-MM-DD from 2000 on, e.g. 2025-01-31"),
        )
    })
}

fn name_of(key: StepKey) -> &'static str {
    key.zh()
}

fn int_of(detail: &Value, key: &str) -> Option<i64> {
    match detail.get(key) {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

fn list_of(detail: &Value, key: &str) -> Vec<Value> {
    match detail.get(key) {
        Some(Value::Array(a)) => a.iter().filter(|v| !v.is_null() && v.as_str() != Some("")).cloned().collect(),
        Some(Value::String(s)) => s
            .split(['\n', '、', ',', '，', ';', '；'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| json!(s))
            .collect(),
        _ => Vec::new(),
    }
}

/// Completes step `key` of project `id` (at version `expected`), after checking that the project needs
/// it, that it is not done, that the steps it depends on were done on or before its date, and its own
/// conditions (publicity period, consent, satisfaction, acceptance record…). Completing `completion`,
/// `acceptance` or `management` also moves the project to the matching stage.
pub async fn complete(
    db: &Db,
    profile: &EffectiveProfile,
    step: (i64, i64, StepKey),
    c: &Completion,
    actor: &str,
    origin: &str,
) -> Result<Project, StoreError> {
    let (id, expected, key) = step;
    let p = at_version(db, id, expected).await?;
    let decisions = jiugai_rules::project_steps(profile, &facts(&p));
    let Some(step) = decisions.iter().find(|s| s.key == key) else {
        return Err(invalid(
            "step",
            key.as_str(),
            format!("未知步骤“{}”", key.zh()),
            format!("unknown step “{}”", key.en()),
        ));
    };
    let zh = step.name_zh;
    if !step.required {
        return Err(invalid(
            "step",
            key,
            format!("本项目无需「{zh}」：{}", step.reason_zh),
            format!("this project does not need “{key}”: {}", step.reason_en),
        ));
    }
    let done = done_steps(db, id).await?;
    if let Some(d) = done.iter().find(|d| d.key == key) {
        return Err(invalid(
            "step",
            key,
            format!("「{zh}」已于 {} 由 {} 完成，不能重复完成", d.done_on, d.actor),
            format!("“{key}” was done on {} by {}", d.done_on, d.actor),
        ));
    }
    let on = date_of("done_on", &c.done_on)?;
    let today = super::today();
    if on > today {
        return Err(invalid(
            "done_on",
            &c.done_on,
            format!("完成日期 {on} 晚于今天 {today}：只能登记已经完成的步骤"),
            format!("the date {on} is after today {today}: record steps once they are done"),
        ));
    }
    // Order: each prerequisite the project needs must be done, on or before this date.
    for pre in jiugai_rules::step_prerequisites(key) {
        let needed = decisions.iter().any(|s| s.key == *pre && s.required);
        if !needed {
            continue;
        }
        let pre_zh = name_of(*pre);
        match done.iter().find(|d| d.key == *pre) {
            None => {
                return Err(invalid(
                    "step",
                    key,
                    format!("「{zh}」须在「{pre_zh}」完成之后：请先完成「{pre_zh}」"),
                    format!("“{key}” comes after “{pre}”: complete “{pre}” first"),
                ));
            }
            Some(d) if d.done_on.as_str() > on.to_string().as_str() => {
                return Err(invalid(
                    "done_on",
                    &c.done_on,
                    format!("「{zh}」的完成日期 {on} 早于「{pre_zh}」的完成日期 {}：顺序不对", d.done_on),
                    format!("“{key}” on {on} is before “{pre}” on {}: wrong order", d.done_on),
                ));
            }
            _ => {}
        }
    }
    let mut detail = if c.detail.is_object() { c.detail.clone() } else { json!({}) };
    let mut started_on: Option<String> = None;
    let mut set_consent: Option<(i64, i64)> = None;
    let mut set_satisfaction: Option<(i64, i64)> = None;
    let mut set_management: Option<(ManagementMode, bool)> = None;
    match key {
        StepKey::Publicity => {
            // The notice's first day: as given, else the day the office published it on the notice page.
            let Some(s) = c.started_on.as_deref().filter(|s| !s.trim().is_empty()).or(p.notice_from.as_deref()) else {
                return Err(invalid(
                    "started_on",
                    "",
                    "请填写公示开始日期（或先在项目页发布公示）",
                    "give the first day of the public notice (or publish the notice on the project page first)",
                ));
            };
            let start = date_of("started_on", s)?;
            // The length comes from the profile; the rules crate decides whether the notice ran long enough.
            let d = jiugai_rules::publicity_check(profile, p.plan_year, start, on);
            if d.outcome == Outcome::Fail {
                let field = if on < start { "started_on" } else { "done_on" };
                let value = if on < start { s.to_string() } else { c.done_on.clone() };
                return Err(invalid(field, value, d.reason_zh, d.reason_en));
            }
            let (_, days, _) = jiugai_rules::publicity_period(profile, p.plan_year, start);
            started_on = Some(start.to_string());
            detail["publicity_days"] = json!(days);
        }
        StepKey::Survey => {
            // Estate by estate [001 二(三)1]: the closed consent consultation of each estate decides; where
            // the system holds none (a survey made on paper before it was used), that estate's survey
            // figures are given and must count the registry's households. A package total never stands
            // for its estates.
            let given: Vec<Value> = match detail.get("estates") {
                Some(Value::Array(a)) => a.clone(),
                _ => Vec::new(),
            };
            let mut records = Vec::new();
            let (mut agree_all, mut households_all) = (0i64, 0i64);
            let mut evidence = Vec::new();
            for eid in &p.estate_ids {
                let e = crate::estates::get(db, *eid).await?;
                let reg = super::gates::registry_households(db, *eid).await?;
                let closed = crate::residents::consultations::latest_closed(
                    db,
                    *eid,
                    Some(p.id),
                    crate::residents::consultations::Kind::Consent,
                )
                .await?;
                let (d, rec) = match closed {
                    Some((c, t)) => {
                        let d = jiugai_rules::estate_consent(
                            profile,
                            &p.name,
                            &jiugai_rules::EstateConsent {
                                estate: e.data.name.clone(),
                                consultation: Some(c.id),
                                agree: t.yes.households,
                                households: t.eligible.households,
                                registry_households: reg,
                            },
                        )
                        .map_err(|x| invalid("agree", e.data.name.clone(), x.message_zh, x.message_en))?;
                        evidence.push((c.clone(), t.clone()));
                        let rec = json!({"estate_id": eid, "source": "consultation", "consultation_id": c.id,
                            "agree": t.yes.households, "households": t.eligible.households, "registry": reg});
                        (d, rec)
                    }
                    None => {
                        let one = p.estate_ids.len() == 1;
                        let entry = given.iter().find(|x| int_of(x, "estate_id") == Some(*eid));
                        let figures = match entry {
                            Some(x) => int_of(x, "agree").zip(int_of(x, "households")),
                            None if one => int_of(&detail, "agree")
                                .zip(int_of(&detail, "households"))
                                .or(p.consent_yes.zip(p.consent_households)),
                            None => None,
                        };
                        let Some((agree, households)) = figures else {
                            return Err(invalid(
                                "agree",
                                eid.to_string(),
                                format!(
                                    "小区「{}」还没有已结束的改造意愿征询：请先完成征询，或逐个小区填写其民意调查结果（同意户数和调查户数，须覆盖登记的全部住户）",
                                    e.data.name
                                ),
                                format!(
                                    "estate {} has no closed consent consultation: close one first, or give its own survey result (households agreeing and surveyed, covering every registered household)",
                                    e.data.name
                                ),
                            )
                            .with_code(jiugai_domain::ErrorCode::ConsentMissing));
                        };
                        let d = jiugai_rules::survey_consent(profile, &p.name, &e.data.name, agree, households, reg)
                            .map_err(|x| {
                                invalid("agree", format!("{agree}/{households}"), x.message_zh, x.message_en)
                            })?;
                        if d.outcome == Outcome::Fail && reg != Some(households) {
                            return Err(invalid(
                                "households",
                                households.to_string(),
                                format!("{} [{}]", d.reason_zh, d.rule.source),
                                format!("{} [{}]", d.reason_en, d.rule.source),
                            )
                            .with_code(jiugai_domain::ErrorCode::RuleNotMet)
                            .with_rule(d.rule.rule.clone(), d.rule.source.clone()));
                        }
                        let rec = json!({"estate_id": eid, "source": "survey", "agree": agree, "households": households, "registry": reg});
                        (d, rec)
                    }
                };
                if d.outcome == Outcome::Fail {
                    return Err(invalid(
                        "agree",
                        format!("{}", rec["agree"]),
                        format!(
                            "小区「{}」{}（{}）。未达到的小区不能纳入改造计划 [{}]",
                            e.data.name, d.reason_zh, d.rule.value, d.rule.source
                        ),
                        format!(
                            "estate {}: {} ({}). An estate below it cannot enter the plan [{}]",
                            e.data.name, d.reason_en, d.rule.value, d.rule.source
                        ),
                    )
                    .with_code(jiugai_domain::ErrorCode::ConsentMissing)
                    .with_rule(d.rule.rule.clone(), d.rule.source.clone()));
                }
                agree_all += rec["agree"].as_i64().unwrap_or(0);
                households_all += rec["households"].as_i64().unwrap_or(0);
                let mut rec = rec;
                rec["decision"] =
                    json!({"outcome": d.outcome, "rule": d.rule.rule, "value": d.rule.value, "clause": d.rule.source});
                records.push(rec);
            }
            if !evidence.is_empty() {
                detail["consultations"] = crate::residents::consultations::evidence(&evidence);
            }
            detail["estates"] = Value::Array(records);
            detail["agree"] = json!(agree_all);
            detail["households"] = json!(households_all);
            set_consent = Some((agree_all, households_all));
        }
        StepKey::Start if p.stage < Stage::Implementation => {
            return Err(invalid(
                "step",
                key.as_str(),
                format!("项目处于“{}”阶段：须先转入“实施”阶段才能开工", p.stage.zh()),
                format!("the project is in “{}”: move it to implementation before it starts", p.stage.en()),
            ));
        }
        StepKey::Acceptance => {
            // Closed satisfaction consultations of every estate decide when the system holds them.
            let (results, missing) = crate::residents::consultations::project_results(
                db,
                &p,
                crate::residents::consultations::Kind::Satisfaction,
            )
            .await?;
            if missing.is_empty() {
                for (c, t) in &results {
                    if t.outcome != Outcome::Pass {
                        let e = crate::estates::get(db, c.estate_id).await?;
                        return Err(invalid(
                            "satisfied",
                            format!("{}/{}", t.yes.households, t.participating.households),
                            format!(
                                "小区「{}」的居民满意度测评（#{}）未达到要求：{}。满意度未达到的项目不能验收",
                                e.data.name, c.id, t.reason_zh
                            ),
                            format!(
                                "the satisfaction consultation #{} of estate {} is below the threshold: {}. The project cannot be accepted",
                                c.id, e.data.name, t.reason_en
                            ),
                        ));
                    }
                }
                detail["consultations"] = crate::residents::consultations::evidence(&results);
                detail["satisfied"] = json!(results.iter().map(|r| r.1.yes.households).sum::<i64>());
                detail["answered"] = json!(results.iter().map(|r| r.1.participating.households).sum::<i64>());
            }
            let (yes, answered) = match (int_of(&detail, "satisfied"), int_of(&detail, "answered")) {
                (Some(a), Some(h)) => (a, h),
                _ => match (p.satisfaction_yes, p.satisfaction_answered) {
                    (Some(a), Some(h)) => (a, h),
                    _ => {
                        return Err(invalid(
                            "satisfied",
                            "",
                            "验收前须有居民满意度测评结果：请填写满意户数和参与评价户数",
                            "acceptance needs the residents' satisfaction result: give households satisfied and households that answered",
                        ));
                    }
                },
            };
            let d = jiugai_rules::acceptance_satisfaction(profile, yes, answered)
                .map_err(|e| invalid("satisfied", format!("{yes}/{answered}"), e.message_zh, e.message_en))?;
            if d.outcome != Outcome::Pass {
                return Err(invalid(
                    "satisfied",
                    format!("{yes}/{answered}"),
                    format!("{}：居民满意度未达到要求的项目不能验收 [{}]", d.reason_zh, d.rule.source),
                    format!(
                        "{}: a project below the satisfaction threshold cannot be accepted [{}]",
                        d.reason_en, d.rule.source
                    ),
                ));
            }
            let participants = list_of(&detail, "participants");
            if participants.is_empty() {
                return Err(invalid(
                    "participants",
                    "",
                    "请填写参加联合验收的单位和人员（社区、居民代表、设计、施工、监理等）",
                    "list who took part in the joint acceptance (community, residents' representatives, designer, contractor, supervisor…)",
                ));
            }
            detail["participants"] = Value::Array(participants);
            detail["satisfied"] = json!(yes);
            detail["answered"] = json!(answered);
            detail["decision"] =
                json!({"outcome": d.outcome, "rule": d.rule.rule, "value": d.rule.value, "clause": d.rule.source});
            set_satisfaction = Some((yes, answered));
        }
        StepKey::SpotCheck => {
            let result = detail.get("result").and_then(|v| v.as_str()).unwrap_or("").trim().to_string();
            if !matches!(result.as_str(), "pass" | "fail") {
                return Err(invalid(
                    "result",
                    result,
                    "请选择抽检结论：pass（合格）或 fail（不合格）",
                    "give the spot check result: pass or fail",
                ));
            }
        }
        StepKey::Handover => {
            let ops = list_of(&detail, "operators");
            if ops.is_empty() {
                return Err(invalid(
                    "operators",
                    "",
                    "请填写移交的专营设施及接收单位（如：供水—县自来水公司）",
                    "list the utility facilities handed over and who took them (e.g. water — county water company)",
                ));
            }
            detail["operators"] = Value::Array(ops);
        }
        StepKey::Management => {
            let text = detail.get("mode").and_then(|v| v.as_str()).unwrap_or("").trim().to_string();
            let Some(mode) = ManagementMode::parse(&text).filter(|m| m.is_managed()) else {
                let zh: Vec<_> = super::management_modes().map(|m| m.zh()).collect();
                let en: Vec<_> = super::management_modes().map(|m| m.en()).collect();
                return Err(invalid(
                    "mode",
                    text,
                    format!("请选择管理模式：{}", zh.join("、")),
                    format!("choose the management mode: {}", en.join(", ")),
                ));
            };
            let fund = match detail.get("maintenance_fund") {
                Some(Value::Bool(b)) => *b,
                Some(Value::String(s)) => matches!(s.as_str(), "true" | "1" | "是" | "yes" | "on"),
                _ => false,
            };
            detail["maintenance_fund"] = json!(fund);
            set_management = Some((mode, fund));
        }
        _ => {}
    }
    let auto_stage = match key {
        StepKey::Completion if p.stage < Stage::Completed => Some(Stage::Completed),
        StepKey::Acceptance if p.stage < Stage::Accepted => Some(Stage::Accepted),
        StepKey::Management if p.stage < Stage::Management => Some(Stage::Management),
        _ => None,
    };
    if auto_stage.is_some() && p.stage < Stage::Implementation {
        return Err(invalid(
            "step",
            key.as_str(),
            format!("项目处于“{}”阶段，尚未实施", p.stage.zh()),
            format!("the project is in “{}” and has not been implemented", p.stage.en()),
        ));
    }
    let now = clock::now_rfc3339();
    let detail_text = detail.to_string();
    {
        let mut tx = db.begin().await?;
        bump(db, &mut tx, id, expected, &now).await?;
        with_tx!(&mut tx, cx => sqlx::query("INSERT INTO project_steps (project_id, step_key, started_on, done_on, actor, department, note, detail, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)")
            .bind(id).bind(key).bind(&started_on).bind(on.to_string()).bind(actor).bind(c.department.trim()).bind(c.note.trim()).bind(&detail_text).bind(&now)
            .execute(&mut *cx).await?.rows_affected());
        if let Some((a, h)) = set_consent {
            with_tx!(&mut tx, cx => sqlx::query("UPDATE projects SET consent_yes = $1, consent_households = $2 WHERE id = $3").bind(a).bind(h).bind(id).execute(&mut *cx).await?.rows_affected());
        }
        if let Some((a, h)) = set_satisfaction {
            with_tx!(&mut tx, cx => sqlx::query("UPDATE projects SET satisfaction_yes = $1, satisfaction_answered = $2 WHERE id = $3").bind(a).bind(h).bind(id).execute(&mut *cx).await?.rows_affected());
        }
        if let Some((mode, fund)) = &set_management {
            with_tx!(&mut tx, cx => sqlx::query("UPDATE projects SET management_mode = $1, maintenance_fund = $2 WHERE id = $3").bind(mode).bind(*fund).bind(id).execute(&mut *cx).await?.rows_affected());
        }
        if let Some(stage) = auto_stage {
            with_tx!(&mut tx, cx => sqlx::query("UPDATE projects SET stage = $1 WHERE id = $2").bind(stage).bind(id).execute(&mut *cx).await?.rows_affected());
            with_tx!(&mut tx, cx => sqlx::query("INSERT INTO project_moves (project_id, from_stage, to_stage, from_year, to_year, reason, actor, at) VALUES ($1,$2,$3,$4,$4,$5,$6,$7)")
                .bind(id).bind(p.stage).bind(stage).bind(i64::from(p.plan_year)).bind(format!("步骤「{zh}」完成"))
                .bind(actor).bind(&now).execute(&mut *cx).await?.rows_affected());
        }
        audit::append(&mut tx, &audit::Entry::new(actor, origin, "project.step.complete", "project", &id.to_string(), json!({
            "version": expected + 1, "step": key, "done_on": on.to_string(), "started_on": started_on, "department": c.department.trim(),
            "note": c.note.trim(), "detail": detail, "stage": auto_stage}))).await?;
        tx.commit().await?;
    };
    get(db, id).await
}

/// Overdue steps across projects: (project, step) for every required step not done whose due date is
/// before `today`.
pub async fn overdue(
    db: &Db,
    profiles: &jiugai_rules::ProfileSet,
    projects: &[Project],
    today: Date,
) -> Result<Vec<(i64, StepView)>, StoreError> {
    let mut out = Vec::new();
    let mut cache: std::collections::HashMap<String, Option<EffectiveProfile>> = Default::default();
    let mut all = done_steps_of(db, &projects.iter().map(|p| p.id).collect::<Vec<_>>()).await?;
    for p in projects {
        let name = p.profile_name(profiles).to_string();
        let eff = cache.entry(name.clone()).or_insert_with(|| profiles.effective(&name).ok());
        let Some(eff) = eff else { continue };
        let done = all.remove(&p.id).unwrap_or_default();
        for s in view(eff, p, &done, today) {
            if s.overdue {
                out.push((p.id, s));
            }
        }
    }
    Ok(out)
}

/// The member unit that records step `key` under `profile` (rule `step_units`): a `department` user may
/// record it only when its unit (`users.unit_id`) has that name; without the rule any department in scope
/// may. Refused with `wrong_unit`, naming the unit and the rule's clause.
pub async fn check_recording_unit(
    db: &Db,
    profile: &EffectiveProfile,
    key: StepKey,
    unit_id: Option<i64>,
) -> Result<(), StoreError> {
    let Some((unit, rule)) = jiugai_rules::step_unit(profile, key) else { return Ok(()) };
    let mine = match unit_id {
        Some(id) => crate::org::unit(db, id).await?.map(|u| u.name),
        None => None,
    };
    if mine.as_deref() == Some(unit.as_str()) {
        return Ok(());
    }
    let me = mine.unwrap_or_else(|| "（未设成员单位）".to_string());
    Err(StoreError::invalid(
        "step",
        key.as_str(),
        format!("「{}」由{unit}登记，您的单位是{me}", key.zh()),
        format!("“{}” is recorded by {unit}; your unit is {me}", key.en()),
    )
    .with_code(jiugai_domain::ErrorCode::WrongUnit)
    .with_rule(rule.rule, rule.source))
}
