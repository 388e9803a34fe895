//! Monthly reports in the JSON API, typed: each body and reply is a serde struct and the OpenAPI document is
//! generated from them. `GET /api/v1/reports/monthly?region=&month=` (the store's report: `region`, `month`,
//! `state`, `rows: [{region, name, state, figures}]`, `total`, plus `changes` since approval and `may`),
//! the acts `POST /api/v1/reports/monthly/{submit,approve,return,reopen,typed}` with the version read (409
//! `version_conflict` when stale), `GET /api/v1/reports/completeness` and `GET /api/v1/reports/monthly/export`
//! (xlsx, the same numbers as the JSON). Refusals: `not_found` (404: unknown region or outside your scope),
//! `not_report_owner` (403: only the region's own office submits), `not_reviewer` (403: only the level
//! above approves, returns, reopens), `plan_state` (409: the report's state does not allow the act).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiugai_store::reports::{self, Completeness};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ReportParams, ReportReply, Who};
use crate::AppState;
use crate::access::Ctx;
use crate::api::{ErrorBody, JsonBody};
use crate::error::AppError;

/// An act on a report: the region and month, the version you read, and (to return or reopen) the reason.
#[derive(Deserialize, ToSchema)]
pub struct ActBody {
    /// Region code or name inside your scope.
    pub region: String,
    /// `YYYY-MM`.
    pub month: String,
    /// The report's version you read (0 for a report never acted on).
    pub version: i64,
    /// Required to return or reopen.
    #[serde(default)]
    pub reason: String,
}

/// The typed figures of a draft or returned report (`jobs_created`: a count; `remarks`: text).
#[derive(Deserialize, ToSchema)]
pub struct TypedBody {
    pub region: String,
    pub month: String,
    pub version: i64,
    #[schema(value_type = Object)]
    pub typed: serde_json::Value,
}

/// Which children of a region have submitted the month's report, and how late.
#[derive(Serialize, ToSchema)]
pub struct CompletenessReply {
    pub region: String,
    pub month: String,
    pub due_on: String,
    pub due_source: String,
    pub children: Vec<Completeness>,
    /// Children that have not submitted.
    pub missing: usize,
}

#[utoipa::path(get, path = "/reports/monthly", tag = "reports",
    summary = "The monthly report (月报表) of a region in your scope: state, version, one row per child region (its own report's state; an approved child counts with its locked figures) and the total, figures as of the month's end (money in fen, area in dm²), typed figures, due date and its source, changes since approval, and what you may do",
    params(
        ("region" = Option<String>, Query, description = "region code or name inside your scope (default: your scope)"),
        ("month" = Option<String>, Query, description = "YYYY-MM (default: the previous month, Beijing time)"),
    ),
    responses((status = 200, body = ReportReply), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ReportParams>,
) -> Result<Json<ReportReply>, AppError> {
    let region = super::region_of(&state, &ctx, &q.region)?;
    let month = super::month_of(&q.month)?;
    Ok(Json(super::reply(&state, &ctx, &region, &month).await?))
}

async fn act(state: &AppState, ctx: &Ctx, b: &ActBody, action: &str) -> Result<Json<ReportReply>, AppError> {
    let region = super::region_of(state, ctx, &b.region)?;
    let month = super::month_of(&b.month)?;
    let who = Who::of(ctx)?;
    let profiles = state.profiles();
    if action == "submit" {
        super::require_owner(state, &who, &region)?;
        reports::submit(&state.db, &state.regions, &profiles, &region, &month, b.version, &who.name, &who.origin)
            .await?;
    } else {
        reports::act(
            &state.db,
            &state.regions,
            &profiles,
            &region,
            &month,
            b.version,
            action,
            &b.reason,
            who.role,
            &who.scope,
            &who.name,
            &who.origin,
        )
        .await?;
    }
    Ok(Json(super::reply(state, ctx, &region, &month).await?))
}

#[utoipa::path(post, path = "/reports/monthly/submit", tag = "reports",
    summary = "Submit your region's report for the month (after the month's end), freezing its figures; only the region's own office (403 not_report_owner); 409 plan_state once submitted or approved",
    request_body = ActBody,
    responses((status = 200, body = ReportReply), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<ActBody>,
) -> Result<Json<ReportReply>, AppError> {
    act(&state, &ctx, &b, "submit").await
}

#[utoipa::path(post, path = "/reports/monthly/approve", tag = "reports",
    summary = "Approve a submitted report of the level below (locks it; it then counts in your report); only the level above (403 not_reviewer)",
    request_body = ActBody,
    responses((status = 200, body = ReportReply), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<ActBody>,
) -> Result<Json<ReportReply>, AppError> {
    act(&state, &ctx, &b, "approve").await
}

#[utoipa::path(post, path = "/reports/monthly/return", tag = "reports",
    summary = "Return a submitted report of the level below with the reasons (422 without a reason); only the level above",
    request_body = ActBody,
    responses((status = 200, body = ReportReply), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn return_(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<ActBody>,
) -> Result<Json<ReportReply>, AppError> {
    act(&state, &ctx, &b, "return").await
}

#[utoipa::path(post, path = "/reports/monthly/reopen", tag = "reports",
    summary = "Reopen an approved month of the level below for a correction, with the reason (it becomes returned); only the level above",
    request_body = ActBody,
    responses((status = 200, body = ReportReply), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<ActBody>,
) -> Result<Json<ReportReply>, AppError> {
    act(&state, &ctx, &b, "reopen").await
}

#[utoipa::path(post, path = "/reports/monthly/typed", tag = "reports",
    summary = "Set the typed figures (填报数: jobs_created, remarks) of your region's draft or returned report",
    request_body = TypedBody,
    responses((status = 200, body = ReportReply), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn typed(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<TypedBody>,
) -> Result<Json<ReportReply>, AppError> {
    let region = super::region_of(&state, &ctx, &b.region)?;
    let month = super::month_of(&b.month)?;
    let who = Who::of(&ctx)?;
    super::require_owner(&state, &who, &region)?;
    reports::set_typed(
        &state.db,
        &state.regions,
        &state.profiles(),
        &region,
        &month,
        b.version,
        &b.typed,
        &who.name,
        &who.origin,
    )
    .await?;
    Ok(Json(super::reply(&state, &ctx, &region, &month).await?))
}

#[utoipa::path(get, path = "/reports/completeness", tag = "reports",
    summary = "Which children of a region in your scope have submitted the month's report: state, due date, submitted at, days late",
    params(
        ("region" = Option<String>, Query, description = "region code or name inside your scope (default: your scope)"),
        ("month" = Option<String>, Query, description = "YYYY-MM (default: the previous month)"),
    ),
    responses((status = 200, body = CompletenessReply), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn completeness(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ReportParams>,
) -> Result<Json<CompletenessReply>, AppError> {
    let region = super::region_of(&state, &ctx, &q.region)?;
    let month = super::month_of(&q.month)?;
    Ok(Json(completeness_of(&state, &region, &month).await?))
}

pub async fn completeness_of(state: &AppState, region: &str, month: &str) -> Result<CompletenessReply, AppError> {
    let profiles = state.profiles();
    let children = reports::completeness(&state.db, &state.regions, &profiles, region, month).await?;
    let (due, due_source) = reports::due(&profiles, region, month)?;
    Ok(CompletenessReply {
        region: region.to_string(),
        month: month.to_string(),
        due_on: due.to_string(),
        due_source,
        missing: children.iter().filter(|c| c.submitted_at.is_none()).count(),
        children,
    })
}

#[utoipa::path(get, path = "/reports/monthly/export", tag = "reports",
    summary = "The monthly report as the office's xlsx (two-level header, one row per child, 合计 row, money in 万元): the same figures as the JSON",
    params(
        ("region" = Option<String>, Query, description = "region code or name inside your scope"),
        ("month" = Option<String>, Query, description = "YYYY-MM"),
    ),
    responses((status = 200, description = "the xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ReportParams>,
) -> Result<Response, AppError> {
    let region = super::region_of(&state, &ctx, &q.region)?;
    let month = super::month_of(&q.month)?;
    let r = reports::get(&state.db, &state.regions, &state.profiles(), &region, &month).await?;
    let bytes = super::xlsx(&state, &r).await?;
    let name = format!("{}.xlsx", super::title(&state, &r, jiugai_store::Lang::Zh));
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"report-{region}-{month}.xlsx\"; filename*=UTF-8''{}",
                    crate::util::urlencode(&name)
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
