//! Allocation tables (资金下达表): `GET /funds/allocations/new` (the form: 文号, source, date, issuing region
//! in scope, the file), `POST /funds/allocations` (a dry run first: every row with its amount and every
//! error with row, column, value and message, nothing stored; the confirmation sends the same bytes back
//! and stores them all or nothing), `GET /funds/allocations/{id}` (the document).

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiugai_sheet::{Format, ReadOptions};
use jiugai_store::funds::{self, AllocationReport, NewDocument};
use serde::Deserialize;

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::view::{self, Layout};

/// Largest allocation table accepted (the tables are a few hundred rows).
pub const MAX_TABLE: usize = 5 * 1024 * 1024;

#[derive(Clone, Debug, Default)]
pub struct Upload {
    pub doc_no: String,
    pub source: String,
    pub issued_on: String,
    pub issuer: String,
    pub note: String,
    pub file_name: String,
    pub data: Vec<u8>,
    pub confirm: bool,
}

pub struct LineRow {
    pub row: u32,
    pub project: String,
    pub amount_wan: String,
    pub amount_yuan: String,
    pub note: String,
}

pub struct ErrorRow {
    pub row: u32,
    pub column: String,
    pub value: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "funds/upload.html")]
pub struct UploadPage {
    pub l: Layout,
    pub u: Upload,
    pub sources: Vec<(&'static str, &'static str)>,
    pub error: String,
    /// After a dry run: the rows read, the errors, the total, and the bytes to confirm with.
    pub checked: bool,
    pub lines: Vec<LineRow>,
    pub errors: Vec<ErrorRow>,
    pub total: String,
    pub issuer_name: String,
    pub source_label: String,
    pub file_hex: String,
}

fn page(state: &AppState, ctx: &Ctx, u: Upload) -> UploadPage {
    UploadPage {
        l: Layout::new(ctx, state, "funds", "/funds/allocations/new"),
        sources: super::source_options(ctx.t()),
        error: String::new(),
        checked: false,
        lines: vec![],
        errors: vec![],
        total: String::new(),
        issuer_name: String::new(),
        source_label: String::new(),
        file_hex: String::new(),
        u,
    }
}

pub async fn form(State(state): State<AppState>, ctx: Ctx) -> Html<String> {
    let issuer = ctx.scope().and_then(|s| state.regions.get(&s).map(|r| r.name.clone())).unwrap_or_default();
    let u = Upload {
        issuer,
        source: "central".into(),
        issued_on: jiugai_store::projects::today().to_string(),
        ..Default::default()
    };
    view::html(&page(&state, &ctx, u))
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim().as_bytes();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.chunks(2).map(|c| std::str::from_utf8(c).ok().and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

async fn read(mp: Result<Multipart, MultipartRejection>) -> Result<Upload, AppError> {
    let mut mp = mp.map_err(|_| {
        AppError::invalid("file", "请用表单上传资金下达表文件", "upload the allocation table with the form")
    })?;
    let mut u = Upload::default();
    // The confirmation carries the previewed bytes as hex; a file chosen anew wins.
    let mut previewed = Vec::new();
    while let Ok(Some(field)) = mp.next_field().await {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let data = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
            if !data.is_empty() {
                (u.file_name, u.data) = (file_name, data);
            }
            continue;
        }
        let text = field.text().await.unwrap_or_default();
        match name.as_str() {
            "doc_no" => u.doc_no = text.trim().to_string(),
            "source" => u.source = text.trim().to_string(),
            "issued_on" => u.issued_on = text.trim().to_string(),
            "issuer" => u.issuer = text.trim().to_string(),
            "note" => u.note = text.trim().to_string(),
            "file_name" if u.data.is_empty() => u.file_name = text,
            "file_hex" => previewed = unhex(&text).unwrap_or_default(),
            "confirm" => u.confirm = text == "1",
            _ => {}
        }
    }
    if u.data.is_empty() {
        u.data = previewed;
    }
    Ok(u)
}

/// Reads the table and imports it for the document the form describes (a dry run unless confirmed).
pub async fn run(
    state: &AppState,
    ctx: &Ctx,
    u: &Upload,
    dry_run: bool,
) -> Result<(jiugai_sheet::allocation::AllocationSheet, NewDocument, AllocationReport), AppError> {
    if u.data.is_empty() {
        return Err(AppError::invalid(
            "file",
            "请选择资金下达表文件（.xlsx、.xls 或 .csv）",
            "choose the allocation table (.xlsx, .xls or .csv)",
        ));
    }
    if u.data.len() > MAX_TABLE {
        return Err(AppError::invalid("file", "文件超过 5 MB", "the file is larger than 5 MB"));
    }
    let source = funds::parse_source(&u.source)?;
    let issuer = super::region_in_scope(state, ctx, &u.issuer)?;
    if issuer.is_empty() {
        return Err(AppError::invalid("issuer", "请填写下达单位（地区）", "give the issuing region"));
    }
    let format = Format::sniff(&u.data).unwrap_or(Format::Csv);
    let sheet = jiugai_sheet::allocation::read_allocations_bytes(&u.data, format, &ReadOptions::default())
        .map_err(jiugai_store::StoreError::from)?;
    let d = NewDocument {
        doc_no: u.doc_no.clone(),
        issued_on: u.issued_on.clone(),
        issuer_code: issuer,
        source,
        note: u.note.clone(),
    };
    let r =
        funds::import_allocations(&state.db, &state.regions, &sheet, &d, dry_run, ctx.lang, &ctx.actor(), &ctx.origin)
            .await?;
    Ok((sheet, d, r))
}

/// `POST /funds/allocations` (multipart): the dry run, or with `confirm=1` the import; 303 to the
/// document once stored, else the preview (422 while any error stands).
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let u = match read(mp).await {
        Ok(u) => u,
        Err(e) => {
            let mut p = page(&state, &ctx, Upload::default());
            p.error = e.message(ctx.lang);
            return Ok((e.status(), view::html(&p)).into_response());
        }
    };
    let t = ctx.t();
    match run(&state, &ctx, &u, !u.confirm).await {
        Ok((_, _, r)) if r.committed => {
            Ok(Redirect::to(&format!("/funds/allocations/{}?created=1", r.document_id.unwrap_or(0))).into_response())
        }
        Ok((sheet, d, r)) => {
            let mut p = page(&state, &ctx, u.clone());
            p.checked = true;
            p.lines = sheet
                .rows
                .iter()
                .map(|x| LineRow {
                    row: x.row,
                    project: match x.project_id {
                        Some(id) if x.project.is_empty() => format!("#{id}"),
                        Some(id) => format!("#{id} {}", x.project),
                        None => x.project.clone(),
                    },
                    amount_wan: super::wan(x.amount_fen),
                    amount_yuan: super::yuan(x.amount_fen),
                    note: x.note.clone(),
                })
                .collect();
            p.errors = r
                .errors
                .iter()
                .map(|e| ErrorRow {
                    row: e.row,
                    column: e.column.clone(),
                    value: e.value.clone(),
                    message: e.message.clone(),
                })
                .collect();
            p.total = super::wan(sheet.sum_fen());
            p.issuer_name = view::region_name(&state, &d.issuer_code, t);
            p.source_label = t.l(d.source).to_string();
            p.file_hex = if r.errors.is_empty() { hex(&u.data) } else { String::new() };
            let status = if r.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            Ok((status, view::html(&p)).into_response())
        }
        Err(e @ AppError::Invalid { .. }) => {
            let mut p = page(&state, &ctx, u);
            p.error = e.message(ctx.lang);
            Ok((e.status(), view::html(&p)).into_response())
        }
        Err(AppError::Store(e @ jiugai_store::StoreError::File(_))) => {
            let mut p = page(&state, &ctx, u);
            p.error = e.message(ctx.lang);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, view::html(&p)).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "funds/document.html")]
pub struct DocumentPage {
    pub l: Layout,
    pub d: super::DocumentEntry,
    pub issuer: String,
    pub source: String,
    pub total: String,
    pub created: bool,
    /// (table row, project id, project name or region, amount in 万元, note).
    pub rows: Vec<(String, i64, String, String, String)>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DocParams {
    pub created: String,
}

/// `GET /funds/allocations/{id}`: the document, if its issuing region lies inside the caller's scope.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<DocParams>,
) -> Result<Html<String>, AppError> {
    let d = super::document(&state, &ctx, id).await?;
    let t = ctx.t();
    let mut rows = Vec::new();
    for r in &d.rows {
        let (pid, name) = match r.project_id {
            Some(pid) => (pid, jiugai_store::projects::get(&state.db, pid).await.map(|p| p.name).unwrap_or_default()),
            None => (0, r.region_code.as_deref().map(|c| view::region_name(&state, c, t)).unwrap_or_default()),
        };
        rows.push((
            r.row_no.map(|n| n.to_string()).unwrap_or_default(),
            pid,
            name,
            super::wan(r.amount_fen),
            r.note.clone(),
        ));
    }
    Ok(view::html(&DocumentPage {
        l: Layout::new(&ctx, &state, "funds", &format!("/funds/allocations/{id}")),
        issuer: view::region_name(&state, &d.issuer_code, t),
        source: d.source.map(|s| t.l(s).to_string()).unwrap_or_default(),
        total: super::wan(d.total_fen),
        created: q.created == "1",
        rows,
        d,
    }))
}
