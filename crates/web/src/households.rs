//! The household registry of an estate (住户名册): the page with its table and upload form, and the JSON
//! API. Owners' names and phones are masked unless `Ctx::sees_owner_contacts` (access.rs decides); the
//! import is the store's all-or-nothing `import_households`, its report shown as the estate import's is.

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiugai_sheet::Format;
use jiugai_store::residents::households::{self, Household};
use jiugai_store::residents::import::{CountCheck, HouseholdImport, Source, check, import_households};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::access::{Action, Ctx};
use crate::error::AppError;
use crate::view::{self, IssueView, Layout};

pub struct Row {
    pub label: String,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub area: String,
    pub owner: String,
    pub phone: String,
    pub proxy: String,
    pub proxy_phone: String,
}

#[derive(Template)]
#[template(path = "households.html")]
pub struct HouseholdsPage {
    pub l: Layout,
    pub id: i64,
    pub name: String,
    pub rows: Vec<Row>,
    pub total_area: String,
    pub masked: bool,
    pub can_import: bool,
    /// The count check: shown as a warning when it differs.
    pub check_ok: bool,
    pub check_message: String,
    /// After an upload: the summary, and every problem when refused.
    pub summary: String,
    pub ok: bool,
    pub error: String,
    pub issues: Vec<IssueView>,
}

fn m2(dm2: i64) -> String {
    format!("{}.{:02}", dm2 / 100, (dm2 % 100).abs())
}

/// The households the caller may see: contacts in full, or masked.
async fn visible(state: &AppState, ctx: &Ctx, id: i64) -> Result<Vec<Household>, AppError> {
    let list = households::list(&state.db, id).await?;
    Ok(if ctx.sees_owner_contacts() { list } else { list.iter().map(Household::masked).collect() })
}

async fn build(state: &AppState, ctx: &Ctx, id: i64) -> Result<HouseholdsPage, AppError> {
    let e = jiugai_store::estates::get(&state.db, id).await?;
    let list = visible(state, ctx, id).await?;
    let c = check(&state.db, id).await?;
    let rows = list
        .iter()
        .map(|h| Row {
            label: h.label(),
            building: h.building.clone(),
            unit: h.unit.clone(),
            room: h.room.clone(),
            area: m2(h.area_dm2),
            owner: h.owner_name.clone(),
            phone: h.owner_phone.clone(),
            proxy: h.proxy_name.clone(),
            proxy_phone: h.proxy_phone.clone(),
        })
        .collect();
    Ok(HouseholdsPage {
        l: Layout::new(ctx, state, "estates", &format!("/estates/{id}/households")),
        id,
        name: e.data.name,
        rows,
        total_area: m2(c.registry_area_dm2),
        masked: !ctx.sees_owner_contacts(),
        can_import: ctx.may(Action::WriteEstate),
        check_ok: c.matches() || c.registry == 0,
        check_message: c.message(ctx.lang),
        summary: String::new(),
        ok: false,
        error: String::new(),
        issues: vec![],
    })
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Html<String>, AppError> {
    Ok(view::html(&build(&state, &ctx, id).await?))
}

fn format_of(data: &[u8], file_name: &str) -> Format {
    Format::sniff(data).unwrap_or_else(|| {
        let base = file_name.rsplit(['/', '\\']).next().unwrap_or("");
        Format::from_path(std::path::Path::new(base)).filter(|f| *f == Format::Csv).unwrap_or(Format::Csv)
    })
}

async fn run(state: &AppState, ctx: &Ctx, id: i64, file_name: &str, data: &[u8]) -> Result<HouseholdImport, AppError> {
    let source = Source::Bytes { data, format: format_of(data, file_name), file_name };
    Ok(import_households(&state.db, id, source, ctx.lang, &ctx.actor(), &ctx.origin).await?)
}

/// `POST /estates/{id}/households/import?csrf=…` (multipart, field `file`): the page again, with the
/// success summary, or (422) every problem and nothing imported.
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> Result<Response, AppError> {
    let t = ctx.t();
    let (mut name, mut data) = (String::new(), Vec::new());
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some("file") {
            name = field.file_name().unwrap_or("").to_string();
            data = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        }
    }
    if data.is_empty() {
        let mut page = build(&state, &ctx, id).await?;
        page.error = t
            .b(
                "请选择要上传的住户名册文件（.xlsx、.xls 或 .csv）",
                "choose a household roster to upload (.xlsx, .xls or .csv)",
            )
            .to_string();
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view::render(&page))).into_response());
    }
    let report = match run(&state, &ctx, id, &name, &data).await {
        Ok(r) => r,
        Err(e @ (AppError::Invalid { .. } | AppError::Store(_))) if e.status() != StatusCode::INTERNAL_SERVER_ERROR => {
            let mut page = build(&state, &ctx, id).await?;
            page.error = e.message(ctx.lang);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view::render(&page))).into_response());
        }
        Err(e) => return Err(e),
    };
    let mut page = build(&state, &ctx, id).await?;
    page.summary = report.summary(ctx.lang);
    page.ok = report.committed;
    if report.committed {
        Ok(view::html(&page).into_response())
    } else {
        page.issues = report
            .errors
            .iter()
            .map(|i| IssueView {
                row: i.row,
                column: i.column.clone(),
                value: i.value.clone(),
                message: i.message(ctx.lang),
            })
            .collect();
        Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view::render(&page))).into_response())
    }
}

fn household_json(h: &Household) -> Value {
    json!({
        "id": h.id, "building": h.building, "unit": h.unit, "room": h.room, "label": h.label(),
        "area_dm2": h.area_dm2, "area_m2": h.area_dm2 as f64 / 100.0,
        "owner_name": h.owner_name, "owner_phone": h.owner_phone, "proxy_name": h.proxy_name, "proxy_phone": h.proxy_phone,
    })
}

fn check_json(c: &CountCheck, ctx: &Ctx) -> Value {
    c.to_json(ctx.lang)
}

/// `GET /api/v1/estates/{id}/households`: masked as on the page.
pub async fn api_list(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<Value>, AppError> {
    let e = jiugai_store::estates::get(&state.db, id).await?;
    let list = visible(&state, &ctx, id).await?;
    let c = check(&state.db, id).await?;
    Ok(Json(json!({
        "estate_id": id, "estate": e.data.name, "contacts_masked": !ctx.sees_owner_contacts(),
        "households": list.iter().map(household_json).collect::<Vec<_>>(),
        "check": check_json(&c, &ctx),
    })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ImportParams {
    filename: String,
}

/// `POST /api/v1/estates/{id}/households/import?filename=名册.xlsx` with the file as the body: 200 with the
/// summary, or 422 with every problem (nothing imported).
pub async fn api_import(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(p): Query<ImportParams>,
    body: Bytes,
) -> Result<Response, AppError> {
    if body.is_empty() {
        return Err(AppError::invalid(
            "file",
            "请求体为空：请上传住户名册文件内容",
            "the body is empty: send the household roster",
        ));
    }
    let r = run(&state, &ctx, id, &p.filename, &body).await?;
    let status = if r.committed { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(r.to_json(ctx.lang))).into_response())
}
