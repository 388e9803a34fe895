//! Complaints in the JSON API: `GET /api/v1/complaints` and `GET /api/v1/complaints/{cid}` (staff, in
//! scope), `POST /api/v1/complaints` (public submit: 201 with the tracking number) and
//! `GET /api/v1/complaints/track/{no}` (public status: 404 for any number that is not one).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiugai_store::complaints::{self, Complaint, NewComplaint};
use jiugai_store::projects;
use serde_json::{Value, json};

use super::staff::ListParams;
use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;

fn staff_json(c: &Complaint) -> Value {
    let today = projects::today();
    let mut v = serde_json::to_value(c).unwrap_or_default();
    v["received_on"] = json!(c.received_on());
    v["days_left"] = json!(c.days_left(today));
    v["overdue"] = json!(c.overdue(today));
    v
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListParams>,
) -> Result<Json<Value>, AppError> {
    let list = super::staff::select(&state, &ctx, &q).await?;
    let items: Vec<Value> = list.iter().map(staff_json).collect();
    Ok(Json(json!({"total": items.len(), "items": items})))
}

pub async fn get(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Value>, AppError> {
    let c = complaints::get(&state.db, id).await?;
    let mut v = staff_json(&c);
    v["events"] = serde_json::to_value(complaints::events(&state.db, id).await?).unwrap_or_default();
    Ok(Json(v))
}

fn opt_id(m: &serde_json::Map<String, Value>, k: &str) -> Result<Option<i64>, AppError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => Ok(s.trim().parse().ok()),
        Some(v) => Err(AppError::invalid(
            k,
            format!("{k} 应为整数编号，收到 {v}"),
            format!("{k} must be a whole number, got {v}"),
        )),
    }
}

fn text(m: &serde_json::Map<String, Value>, k: &str) -> Result<String, AppError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(v) => Err(AppError::invalid(k, format!("{k} 应为文字，收到 {v}"), format!("{k} must be text, got {v}"))),
    }
}

/// `POST /api/v1/complaints` `{"project_id"?, "estate_id"?, "category", "body", "contact_name"?, "contact_phone"?}`.
pub async fn submit(State(state): State<AppState>, ctx: Ctx, body: Bytes) -> Result<Response, AppError> {
    let v: Value = serde_json::from_slice(&body).map_err(|e| AppError::Invalid {
        code: "bad_json",
        zh: format!("请求体不是有效的 JSON：{e}"),
        en: format!("the body is not valid JSON: {e}"),
        field: None,
    })?;
    let Value::Object(m) = v else {
        return Err(AppError::Invalid {
            code: "bad_json",
            zh: "请求体应为 JSON 对象".into(),
            en: "the body must be a JSON object".into(),
            field: None,
        });
    };
    let n = NewComplaint {
        project_id: opt_id(&m, "project_id")?,
        estate_id: opt_id(&m, "estate_id")?,
        category: text(&m, "category")?,
        body: text(&m, "body")?,
        contact_name: text(&m, "contact_name")?,
        contact_phone: text(&m, "contact_phone")?,
    };
    let at = complaints::stamp(projects::today());
    let c = complaints::submit(&state.db, &state.regions, &state.profiles, &n, &at, &ctx.origin).await?;
    let api = format!("/api/v1/complaints/track/{}", c.tracking_no);
    let body = json!({
        "tracking_no": c.tracking_no,
        "status": c.status,
        "received_on": c.received_on(),
        "track_url": format!("/track?no={}", c.tracking_no),
        "track_api": api,
    });
    Ok((StatusCode::CREATED, [(header::LOCATION, api)], Json(body)).into_response())
}

pub async fn track(State(state): State<AppState>, ctx: Ctx, Path(no): Path<String>) -> Result<Json<Value>, AppError> {
    let tr = complaints::track(&state.db, &no).await?.ok_or(AppError::NotFound)?;
    let mut v = serde_json::to_value(&tr).unwrap_or_default();
    v["status_label"] = json!(super::status_label(&ctx, tr.status));
    v["category_label"] = json!(super::category_label(&ctx, tr.category));
    Ok(Json(v))
}
