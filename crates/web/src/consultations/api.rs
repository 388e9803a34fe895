//! Consultations in the JSON API: list and open (201), one with its tally (live or locked), ballots by
//! staff (assisted, or one entry of a paper form), closing with the `version` read (409 when stale).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiugai_store::estates;
use jiugai_store::residents::consultations as cons;
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;

fn body_of(b: &Bytes) -> Result<Map<String, Value>, AppError> {
    crate::api::json_object(b)
}

fn int(m: &Map<String, Value>, k: &str) -> Result<i64, AppError> {
    match m.get(k) {
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64().unwrap_or(0)),
        Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => Ok(s.trim().parse().unwrap_or(0)),
        None | Some(Value::Null) => Err(AppError::invalid(k, format!("缺少 {k}"), format!("{k} is missing"))),
        Some(v) => {
            Err(AppError::invalid(k, format!("{k} 应为整数，收到 {v}"), format!("{k} must be a whole number, got {v}")))
        }
    }
}

fn text(m: &Map<String, Value>, k: &str) -> String {
    match m.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

pub async fn list(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Value>, AppError> {
    let list = cons::list_for_estate(&state.db, id).await?;
    Ok(Json(json!({"consultations": list.iter().map(|c| cons::document(c, None)).collect::<Vec<_>>()})))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let m = body_of(&body)?;
    let f: HashMap<String, String> = ["kind", "matter", "title", "question", "opens_at", "closes_at", "project_id"]
        .iter()
        .map(|k| (k.to_string(), text(&m, k)))
        .collect();
    let n = super::list::new_of(id, &f)?;
    let c = cons::create(&state.db, &n, &ctx.actor(), &ctx.origin).await?;
    Ok((StatusCode::CREATED, Json(cons::document(&c, None))).into_response())
}

pub async fn get(State(state): State<AppState>, Path((id, cid)): Path<(i64, i64)>) -> Result<Json<Value>, AppError> {
    let e = estates::get(&state.db, id).await?;
    let c = cons::of_estate(&state.db, id, cid).await?;
    let prof = super::profile_of(&state, &e)?;
    let tally = cons::tally(&state.db, &prof, &c).await?;
    Ok(Json(cons::document(&c, Some(&tally))))
}

/// `{"household_id", "choice", "channel": "assisted" | "paper", "scan_id"?}`.
pub async fn ballot(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let m = body_of(&body)?;
    let c = cons::of_estate(&state.db, id, cid).await?;
    let hid = int(&m, "household_id")?;
    let choice = text(&m, "choice");
    match text(&m, "channel").as_str() {
        "assisted" => {
            let a = cons::cast_assisted(&state.db, c.id, hid, cons::parse_choice(&choice)?, &ctx.actor(), &ctx.origin)
                .await?;
            Ok(Json(json!({"accepted": a})))
        }
        "paper" => {
            let scan = match m.get("scan_id") {
                None | Some(Value::Null) => None,
                _ => Some(int(&m, "scan_id")?),
            };
            let (o, pid) =
                cons::paper_enter(&state.db, c.id, hid, cons::parse_choice(&choice)?, scan, &ctx.actor(), &ctx.origin)
                    .await?;
            Ok(Json(json!({"paper_id": pid, "outcome": o})))
        }
        other => Err(AppError::invalid(
            "channel",
            format!("渠道“{other}”无效：应为 assisted（协助录入）或 paper（纸质表决票）"),
            format!("channel “{other}” is invalid: use assisted or paper"),
        )),
    }
}

pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let m = body_of(&body)?;
    let version = int(&m, "version")?;
    let e = estates::get(&state.db, id).await?;
    let c = cons::of_estate(&state.db, id, cid).await?;
    let prof = super::profile_of(&state, &e)?;
    let (c, tally) =
        cons::close(&state.db, &prof, c.id, version, &text(&m, "reason"), &ctx.actor(), &ctx.origin).await?;
    Ok(Json(cons::document(&c, Some(&tally))))
}

/// `{"household_id", "reason"}`: asks that the household's counted ballot be voided (201); a second user
/// decides (`POST …/voids/{vid}`). The requests of the consultation: `GET …/voids`.
pub async fn void_request(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let m = body_of(&body)?;
    let c = cons::of_estate(&state.db, id, cid).await?;
    let v =
        cons::request_void(&state.db, c.id, int(&m, "household_id")?, &text(&m, "reason"), &ctx.actor(), &ctx.origin)
            .await?;
    Ok((StatusCode::CREATED, Json(json!({"void": v}))).into_response())
}

pub async fn voids(State(state): State<AppState>, Path((id, cid)): Path<(i64, i64)>) -> Result<Json<Value>, AppError> {
    let c = cons::of_estate(&state.db, id, cid).await?;
    Ok(Json(json!({"voids": cons::voids(&state.db, c.id).await?})))
}

/// `{"decision": "approve" | "reject"}` by a user other than the one who asked.
pub async fn void_decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid, vid)): Path<(i64, i64, i64)>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let m = body_of(&body)?;
    let c = cons::of_estate(&state.db, id, cid).await?;
    let approve = super::actions::decision_of(&text(&m, "decision"))?;
    let v = cons::decide_void(&state.db, c.id, vid, approve, &ctx.actor(), &ctx.origin).await?;
    Ok(Json(json!({"void": v})))
}
