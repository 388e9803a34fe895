//! Ledger upload: the same import and the same error report as `jiugai import estates`, shown as a table.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiugai_sheet::Format;
use jiugai_store::StoreError;
use jiugai_store::estates::import::{ImportOptions, ImportReport, import_estates};

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::view::{self, ImportPage, IssueView, Layout};

/// Imports an uploaded ledger into the caller's scope (or a county inside it).
pub async fn run(
    state: &AppState,
    ctx: &Ctx,
    file_name: &str,
    data: &[u8],
    region: &str,
    dry_run: bool,
) -> Result<ImportReport, AppError> {
    let scope = ctx.scope().ok_or(AppError::NotFound)?;
    let region = crate::estates::resolve_region(state, ctx, region)?.or(Some(scope).filter(|s| !s.is_empty()));
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let ext = match Format::sniff(data) {
        Some(Format::Xlsx) => "xlsx",
        Some(Format::Xls) => "xls",
        _ => match std::path::Path::new(base).extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()) {
            Some(e) if matches!(e.as_str(), "csv" | "tsv" | "txt") => "csv",
            _ => "csv",
        },
    };
    let stem =
        std::path::Path::new(base).file_stem().and_then(|s| s.to_str()).filter(|s| !s.is_empty()).unwrap_or("upload");
    let dir = tempfile::tempdir().map_err(|e| AppError::Store(StoreError::Other(e.to_string())))?;
    let path = dir.path().join(format!("{stem}.{ext}"));
    tokio::fs::write(&path, data).await.map_err(|e| AppError::Store(StoreError::Other(e.to_string())))?;
    let opts = ImportOptions {
        region,
        sheet: None,
        dry_run,
        allow_partial: false,
        actor: ctx.actor(),
        origin: ctx.origin.clone(),
        lang: ctx.lang,
    };
    let report = import_estates(&state.db, &state.regions, &path, &opts, &|_| {}).await?;
    if report.committed {
        jiugai_store::estates::query::refresh_eligibility(&state.db, &state.profiles()).await?;
    }
    Ok(report)
}

fn default_region(state: &AppState, ctx: &Ctx) -> String {
    ctx.scope().and_then(|s| state.regions.get(&s).map(|r| r.name.clone())).unwrap_or_default()
}

pub async fn form(State(state): State<AppState>, ctx: Ctx) -> Html<String> {
    let page = ImportPage {
        l: Layout::new(&ctx, &state, "import", "/imports/new"),
        region: default_region(&state, &ctx),
        error: String::new(),
        summary: String::new(),
        issues: vec![],
        ok: false,
    };
    view::html(&page)
}

pub async fn upload(State(state): State<AppState>, ctx: Ctx, mut mp: Multipart) -> Result<Response, AppError> {
    let t = ctx.t();
    let (mut name, mut data, mut region, mut dry_run) = (String::new(), Vec::new(), String::new(), false);
    while let Ok(Some(field)) = mp.next_field().await {
        match field.name().unwrap_or("") {
            "file" => {
                name = field.file_name().unwrap_or("").to_string();
                data = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
            }
            "region" => region = field.text().await.unwrap_or_default(),
            "dry_run" => dry_run = true,
            _ => {}
        }
    }
    let mut page = ImportPage {
        l: Layout::new(&ctx, &state, "import", "/imports/new"),
        region: region.clone(),
        error: String::new(),
        summary: String::new(),
        issues: vec![],
        ok: false,
    };
    if data.is_empty() {
        page.error =
            if t.zh() { "请选择要上传的台账文件".into() } else { "choose a ledger file to upload".into() };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view::render(&page))).into_response());
    }
    let report = match run(&state, &ctx, &name, &data, &region, dry_run).await {
        Ok(r) => r,
        Err(e @ (AppError::Invalid { .. } | AppError::Store(_))) if e.status() != StatusCode::INTERNAL_SERVER_ERROR => {
            page.error = e.message(ctx.lang);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view::render(&page))).into_response());
        }
        Err(e) => return Err(e),
    };
    let read = t.s("import.read").replace("{}", &report.totals.estates.to_string());
    if report.errors.is_empty() {
        let key = if dry_run { "import.checked" } else { "import.done" };
        page.summary = format!(
            "{read}。{}",
            t.s(key)
                .replace("{a}", &report.imported.to_string())
                .replace("{u}", &report.updated.to_string())
                .replace("{n}", &report.unchanged.to_string())
        );
        page.ok = true;
        Ok(view::html(&page).into_response())
    } else {
        page.summary = t.s("import.errors").replace("{}", &report.errors.len().to_string());
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
