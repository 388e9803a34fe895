//! JSON API under `/api/v1`: the same operations as the pages, with a bearer token or the session cookie.
//! Errors are `{"error": {"code", "message", "field"}}` (see `error.rs`).

pub mod openapi;
pub mod projects;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiugai_store::StoreError;
use jiugai_store::estates::{self, query};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::estates::form;
use crate::estates::list::{ListParams, to_query};

pub async fn me(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Value>, AppError> {
    let u = ctx.user()?;
    Ok(Json(
        json!({"name": u.name, "role": u.role, "scope_code": u.scope_code, "scope_name": crate::view::region_name(&state, &u.scope_code, ctx.t()), "must_change_password": u.must_change_password}),
    ))
}

pub async fn dashboard(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Value>, AppError> {
    let s = crate::dashboard::summary(&state, &ctx).await?;
    Ok(Json(json!({
        "regions": s.rows.iter().map(|r| json!({"code": r.code, "name": r.name, "estates": r.estates, "households": r.households,
            "core": r.counts[0], "extended": r.counts[1], "excluded": r.counts[2], "out_of_scope": r.counts[3], "unknown": r.counts[4]})).collect::<Vec<_>>(),
        "profiles": s.seeds.iter().map(|p| json!({"region_code": p.code, "region": p.region, "profile": p.profile, "title": p.title, "estates": p.estates})).collect::<Vec<_>>(),
    })))
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<ListParams>,
) -> Result<Json<Value>, AppError> {
    let Some(q) = to_query(&state, &ctx, &p)? else {
        return Ok(Json(json!({"total": 0, "next": null, "items": []})));
    };
    if q.eligibility.is_some() {
        query::refresh_eligibility(&state.db, &state.profiles()).await?;
    }
    let page = query::page(&state.db, &state.regions, &q).await?;
    Ok(Json(json!({"total": page.total, "next": page.next, "items": page.rows})))
}

pub async fn get(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Value>, AppError> {
    let e = estates::get(&state.db, id).await?;
    let el = crate::estates::eligibility_of(&state, &e.data);
    let mut v = serde_json::to_value(&e).unwrap_or_default();
    v["eligibility"] = serde_json::to_value(&el).unwrap_or_default();
    v["attachments"] = serde_json::to_value(jiugai_store::attachments::list(&state.db, id).await?).unwrap_or_default();
    Ok(Json(v))
}

pub async fn history(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Value>, AppError> {
    Ok(Json(serde_json::to_value(estates::history(&state.db, id).await?).unwrap_or_default()))
}

fn as_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => (if *b { "是" } else { "否" }).into(),
        Value::Array(a) => a.iter().map(as_text).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

/// `PUT /api/v1/estates/{id}` with `{"version": N, "households": 61, …}`: the fields given change, the
/// others stay. A stale version is refused with 409 and the fields changed since.
pub async fn put(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let obj = &json_object(&body)?;
    let version = obj.get("version").and_then(|v| v.as_i64()).ok_or_else(|| {
        AppError::invalid("version", "缺少 version（您读取时的版本号）", "version (the version you read) is missing")
    })?;
    let current = estates::get(&state.db, id).await?;
    let values: Vec<(String, String)> =
        obj.iter().filter(|(k, _)| *k != "version").map(|(k, v)| (k.clone(), as_text(v))).collect();
    let (data, errors) = form::apply(&current.data, values.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if let Some((field, zh, en)) = errors.into_iter().next() {
        return Err(AppError::Invalid {
            code: jiugai_domain::ErrorCode::InvalidValue,
            zh,
            en,
            field: Some(field),
            rule: None,
        });
    }
    match estates::update(&state.db, &state.regions, id, version, &data, &ctx.actor(), &ctx.origin).await {
        Ok(e) => {
            query::refresh_eligibility(&state.db, &state.profiles()).await?;
            Ok(Json(serde_json::to_value(&e).unwrap_or_default()).into_response())
        }
        Err(e @ StoreError::Conflict { .. }) => {
            let StoreError::Conflict { current, changed, .. } = &e else { unreachable!() };
            let body = json!({"error": {"code": "version_conflict", "message": e.message(ctx.lang), "field": "version", "current_version": current, "changed": changed}});
            Ok((StatusCode::CONFLICT, Json(body)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ImportParams {
    region: String,
    filename: String,
    dry_run: bool,
}

/// `POST /api/v1/imports/estates?region=芮城县&filename=ledger.xlsx[&dry_run=true]` with the file as the body.
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<ImportParams>,
    body: Bytes,
) -> Result<Response, AppError> {
    if body.is_empty() {
        return Err(AppError::invalid(
            "file",
            "请求体为空：请上传台账文件内容",
            "the body is empty: send the ledger file",
        ));
    }
    let name = if p.filename.is_empty() { "upload".to_string() } else { p.filename.clone() };
    let r = crate::imports::run(&state, &ctx, &name, &body, &p.region, p.dry_run).await?;
    let errors: Vec<Value> = r
        .errors
        .iter()
        .map(|i| json!({"row": i.row, "column": i.column, "value": i.value, "message": i.message(ctx.lang)}))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(json!({
        "imported": r.imported, "updated": r.updated, "unchanged": r.unchanged, "committed": r.committed, "dry_run": p.dry_run,
        "totals": {"estates": r.totals.estates, "households": r.totals.households, "buildings": r.totals.buildings, "floor_area_m2": r.totals.floor_area_dm2 as f64 / 100.0},
        "skipped_rows": r.skipped_rows, "errors": errors,
    }))).into_response())
}

pub async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<crate::audit::AuditParams>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(serde_json::to_value(crate::audit::rows(&state, &ctx, &p).await?).unwrap_or_default()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AttachParams {
    filename: String,
}

/// `POST /api/v1/estates/{id}/attachments?filename=photo.jpg` with the file as the body: JPEG, PNG or PDF
/// (checked by the first bytes), at most 10 MB. Answers 201 with the attachment's metadata.
pub async fn attach(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(p): Query<AttachParams>,
    body: Bytes,
) -> Result<Response, AppError> {
    if body.is_empty() {
        return Err(AppError::invalid(
            "file",
            "请求体为空：请上传照片或 PDF 文件内容",
            "the body is empty: send the photo or PDF",
        ));
    }
    if body.len() > crate::MAX_ATTACHMENT {
        return Err(AppError::invalid(
            "file",
            "文件超过 10 MB，请压缩后再上传",
            "the file is larger than 10 MB: compress it and upload again",
        ));
    }
    let Some(ctype) = crate::estates::attachments::sniff(&body) else {
        return Err(AppError::invalid(
            "file",
            "文件不是 JPEG、PNG 照片或 PDF",
            "the file is not a JPEG or PNG photo or a PDF",
        ));
    };
    let name = p.filename.rsplit(['/', '\\']).next().filter(|n| !n.is_empty()).unwrap_or("file").to_string();
    let a = jiugai_store::attachments::add(&state.db, id, &name, ctype, &body, &ctx.actor(), &ctx.origin).await?;
    Ok((StatusCode::CREATED, Json(serde_json::to_value(&a).unwrap_or_default())).into_response())
}

/// A request body that must be a JSON object (for handlers not yet on typed bodies).
pub fn json_object(b: &[u8]) -> Result<serde_json::Map<String, Value>, AppError> {
    match serde_json::from_slice::<Value>(b) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(AppError::bad_json("请求体应为 JSON 对象", "the body must be a JSON object")),
        Err(e) => {
            Err(AppError::bad_json(format!("请求体不是有效的 JSON：{e}"), format!("the body is not valid JSON: {e}")))
        }
    }
}

/// A typed JSON body: the request's bytes read as `T` (a serde struct), so that the shape of every body is
/// declared in one type, and documented from it in the OpenAPI document. A body that is not `T` is a
/// refusal naming the field (`body`) and why: `invalid_value` for a value of the wrong type, `bad_json`
/// for text that is not JSON.
pub struct JsonBody<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let b = Bytes::from_request(req, state).await.map_err(|e| {
            let code = if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                jiugai_domain::ErrorCode::PayloadTooLarge
            } else {
                jiugai_domain::ErrorCode::BadJson
            };
            AppError::Invalid {
                code,
                zh: format!("无法读取请求体：{e}"),
                en: format!("cannot read the body: {e}"),
                field: None,
                rule: None,
            }
        })?;
        let de = &mut serde_json::Deserializer::from_slice(&b);
        serde_path_to_error::deserialize::<_, T>(de).map(JsonBody).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let field = (path != ".").then_some(path);
            AppError::Invalid {
                code: if inner.is_data() {
                    jiugai_domain::ErrorCode::InvalidValue
                } else {
                    jiugai_domain::ErrorCode::BadJson
                },
                zh: format!("请求体不符合要求（{}）：{inner}", field.as_deref().unwrap_or("整体")),
                en: format!("the body is not as expected ({}): {inner}", field.as_deref().unwrap_or("whole body")),
                field,
                rule: None,
            }
        })
    }
}

/// The error body every refusal of the API has.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// The stable code to branch on.
    pub code: jiugai_domain::ErrorCode,
    /// What happened and what to do, in the request's language.
    pub message: String,
    /// The field of the request it concerns.
    pub field: Option<String>,
    /// The policy rule that refused, if one did.
    pub rule: Option<String>,
    /// The rule's source clause (document and clause).
    pub source: Option<String>,
}

/// Lenient readers for bodies typed by people's scripts.
pub mod de {
    use serde::{Deserialize, Deserializer};

    /// An id given as a number, as a numeric string, or empty/null (none).
    pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Id {
            N(i64),
            S(String),
        }
        match Option::<Id>::deserialize(d)? {
            None => Ok(None),
            Some(Id::N(n)) => Ok(Some(n)),
            Some(Id::S(s)) if s.trim().is_empty() => Ok(None),
            Some(Id::S(s)) => {
                s.trim().parse().map(Some).map_err(|_| serde::de::Error::custom(format!("not an id: {s:?}")))
            }
        }
    }
}
