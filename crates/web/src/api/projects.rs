//! Projects in the JSON API: list, create (201), show with steps, complete a step, move, content,
//! progress, ranking, ledger, catalogue. Changes carry the `version` the caller read (409 when stale).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiugai_store::projects::{self, NewProject, items, ledger, steps};
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::projects::list::ListParams;
use crate::projects::ranking::Params as RankParams;

fn body_of(b: &Bytes) -> Result<Map<String, Value>, AppError> {
    crate::api::json_object(b)
}

fn int(m: &Map<String, Value>, k: &str, required: bool) -> Result<Option<i64>, AppError> {
    match m.get(k) {
        None | Some(Value::Null) if !required => Ok(None),
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
        Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => Ok(s.trim().parse().ok()),
        None | Some(Value::Null) => Err(AppError::invalid(k, format!("缺少 {k}"), format!("{k} is missing"))),
        Some(v) => {
            Err(AppError::invalid(k, format!("{k} 应为整数，收到 {v}"), format!("{k} must be a whole number, got {v}")))
        }
    }
}

fn text<'a>(m: &'a Map<String, Value>, k: &str) -> &'a str {
    m.get(k).and_then(|v| v.as_str()).unwrap_or("")
}

async fn doc(state: &AppState, id: i64) -> Result<Value, AppError> {
    let p = projects::get(&state.db, id).await?;
    let prof = crate::projects::profile_of(state, &p)?;
    Ok(projects::json::document(&state.db, &prof, &p).await?)
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListParams>,
) -> Result<Json<Value>, AppError> {
    let (list, overdue) = crate::projects::list::select(&state, &ctx, &q).await?;
    let items: Vec<Value> = list
        .iter()
        .map(|p| {
            let mut v = serde_json::to_value(p).unwrap_or_default();
            v["overdue_steps"] = json!(
                overdue
                    .iter()
                    .filter(|(id, _)| *id == p.id)
                    .map(|(_, s)| json!({"key": s.key, "due": s.due}))
                    .collect::<Vec<_>>()
            );
            v
        })
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})))
}

/// `POST /api/v1/projects` `{"name", "estate_ids": [..], "plan_year", "investment_fen"}` → 201 and the project.
pub async fn create(State(state): State<AppState>, ctx: Ctx, body: Bytes) -> Result<Response, AppError> {
    let m = body_of(&body)?;
    let estate_ids = match m.get("estate_ids") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_i64().ok_or_else(|| {
                    AppError::invalid(
                        "estate_ids",
                        format!("小区编号应为整数，收到 {v}"),
                        format!("estate ids must be whole numbers, got {v}"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => {
            return Err(AppError::invalid(
                "estate_ids",
                "缺少 estate_ids（小区编号数组）",
                "estate_ids (an array of estate ids) is missing",
            ));
        }
    };
    let np = NewProject {
        name: text(&m, "name").to_string(),
        estate_ids,
        plan_year: int(&m, "plan_year", true)?.unwrap_or(0) as i32,
        investment_fen: int(&m, "investment_fen", true)?.unwrap_or(0),
        new_floor_area_dm2: int(&m, "new_floor_area_dm2", false)?.unwrap_or(0),
        high_risk: m.get("high_risk").and_then(|v| v.as_bool()).unwrap_or(false),
        structural_change: m.get("structural_change").and_then(|v| v.as_bool()).unwrap_or(false),
    };
    let p = projects::create(&state.db, &np, &ctx.actor(), &ctx.origin).await?;
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::LOCATION, format!("/api/v1/projects/{}", p.id))],
        Json(doc(&state, p.id).await?),
    )
        .into_response())
}

pub async fn get(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Value>, AppError> {
    Ok(Json(doc(&state, id).await?))
}

/// `{"version", "done_on", "started_on"?, "department"?, "note"?, "detail"?}`
pub async fn complete_step(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, key)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let m = body_of(&body)?;
    let version = int(&m, "version", true)?.unwrap_or(0);
    let p = projects::get(&state.db, id).await?;
    let prof = crate::projects::profile_of(&state, &p)?;
    let c = steps::Completion {
        done_on: text(&m, "done_on").to_string(),
        started_on: Some(text(&m, "started_on").to_string()).filter(|s| !s.is_empty()),
        department: text(&m, "department").to_string(),
        note: text(&m, "note").to_string(),
        detail: m.get("detail").cloned().unwrap_or(json!({})),
    };
    steps::complete(&state.db, &prof, (id, version, crate::error::word("step", &key)?), &c, &ctx.actor(), &ctx.origin)
        .await?;
    Ok(Json(doc(&state, id).await?))
}

/// `{"version", "stage", "plan_year"?, "reason"}`
pub async fn move_stage(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let m = body_of(&body)?;
    let version = int(&m, "version", true)?.unwrap_or(0);
    let p = projects::get(&state.db, id).await?;
    let prof = crate::projects::profile_of(&state, &p)?;
    let year = int(&m, "plan_year", false)?.map(|y| y as i32).unwrap_or(p.plan_year);
    projects::move_stage(
        &state.db,
        &prof,
        id,
        version,
        crate::error::word("stage", text(&m, "stage"))?,
        year,
        text(&m, "reason"),
        &ctx.actor(),
        &ctx.origin,
    )
    .await?;
    Ok(Json(doc(&state, id).await?))
}

/// `{"version", "item_id" | "item_code", "quantity", "unit"?, "cost_fen", "payer"?, "note"?}`
pub async fn add_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let m = body_of(&body)?;
    let version = int(&m, "version", true)?.unwrap_or(0);
    let p = projects::get(&state.db, id).await?;
    let prof = crate::projects::profile_of(&state, &p)?;
    let item_id = match int(&m, "item_id", false)? {
        Some(i) => i,
        None => {
            let code = text(&m, "item_code");
            items::catalogue(&state.db, &p.region_code)
                .await?
                .into_iter()
                .find(|c| c.code == code)
                .map(|c| c.id)
                .ok_or_else(|| {
                    AppError::invalid(
                        "item_code",
                        format!("目录中没有编码“{code}”"),
                        format!("no catalogue item with code “{code}”"),
                    )
                })?
        }
    };
    let quantity = match m.get("quantity") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let cost_fen = int(&m, "cost_fen", true)?.unwrap_or(0);
    let mut it = crate::projects::actions::item_input(
        item_id,
        &quantity,
        text(&m, "unit"),
        "0",
        text(&m, "payer"),
        text(&m, "note"),
    )?;
    it.cost_fen = cost_fen;
    items::add_item(&state.db, &prof, id, version, &it, &ctx.actor(), &ctx.origin).await?;
    Ok(Json(doc(&state, id).await?))
}

/// `{"version", "progress_pct", "note"?}`
pub async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, row)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let m = body_of(&body)?;
    let version = int(&m, "version", true)?.unwrap_or(0);
    let pct = int(&m, "progress_pct", true)?.unwrap_or(0);
    ledger::set_progress(&state.db, id, version, row, pct, text(&m, "note"), &ctx.actor(), &ctx.origin).await?;
    Ok(Json(doc(&state, id).await?))
}

pub async fn ranking(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RankParams>,
) -> Result<Json<Value>, AppError> {
    let year = crate::projects::ranking::year_of(&q.year)?;
    let list = crate::projects::ranking::ranked(&state, &ctx, year, &q.region).await?;
    Ok(Json(json!({"plan_year": year, "items": list.iter().enumerate().map(|(i, (p, s))| json!({
        "rank": i + 1, "project_id": p.id, "name": p.name, "region_code": p.region_code, "stage": p.stage,
        "score_centi": s.score_centi, "max_points": s.max_points, "parts": s.parts,
    })).collect::<Vec<_>>()})))
}

pub async fn ledger(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListParams>,
) -> Result<Json<Value>, AppError> {
    let rows = crate::projects::ledger::rows(&state, &ctx, &q).await?;
    Ok(Json(json!({"total": rows.len(), "items": rows.iter().map(|r| json!({
        "project_id": r.project.id, "name": r.project.name, "region_code": r.project.region_code, "plan_year": r.project.plan_year,
        "stage": r.project.stage, "estates": r.estates, "items": r.items, "cost_fen": r.cost_fen, "investment_fen": r.project.investment_fen,
        "progress_bp": r.progress_bp, "open_issues": r.open_issues, "closed_issues": r.closed_issues, "last_report": r.last_report,
    })).collect::<Vec<_>>()})))
}

pub async fn catalogue(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Value>, AppError> {
    let scope = ctx.user()?.scope_code.clone();
    Ok(Json(serde_json::to_value(items::catalogue(&state.db, &scope).await?).unwrap_or_default()))
}

/// `{"version", "gate": "eligibility" | "consent" | "steps", "reason"}`: an office admin's exception to one
/// gate of the project, audited; answers the project document (its `exceptions`).
pub async fn exception(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let m = body_of(&body)?;
    let version = int(&m, "version", true)?.unwrap_or(0);
    let g = text(&m, "gate");
    let gate = projects::gates::Gate::parse(g).ok_or_else(|| {
        AppError::invalid(
            "gate",
            format!("例外的关口“{g}”无效：应为 eligibility、consent 或 steps"),
            format!("the gate “{g}” is invalid: use eligibility, consent or steps"),
        )
    })?;
    projects::gates::record(&state.db, id, version, gate, text(&m, "reason"), &ctx.actor(), &ctx.origin).await?;
    Ok(Json(doc(&state, id).await?))
}
