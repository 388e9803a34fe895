//! Export of the estates in a region (inside the caller's scope) as .xlsx or .csv, in the ledger layout.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExportParams {
    region: String,
    format: String,
}

pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<ExportParams>,
) -> Result<Response, AppError> {
    let scope = ctx.scope().ok_or(AppError::NotFound)?;
    let region = super::resolve_region(&state, &ctx, &p.region)?.unwrap_or(scope);
    let ext = if p.format == "csv" { "csv" } else { "xlsx" };
    let dir = tempfile::tempdir().map_err(|e| AppError::Store(jiugai_store::StoreError::Other(e.to_string())))?;
    let path = dir.path().join(format!("export.{ext}"));
    jiugai_store::estates::export(&state.db, &state.regions, &region, &path).await?;
    let bytes =
        tokio::fs::read(&path).await.map_err(|e| AppError::Store(jiugai_store::StoreError::Other(e.to_string())))?;
    let name = format!("estates-{}.{ext}", if region.is_empty() { "all" } else { region.as_str() });
    let ctype = if ext == "csv" {
        "text/csv; charset=utf-8"
    } else {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    };
    Ok((
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}
