//! Annual plans and progress against targets in the JSON API, typed: each body and reply is a serde
//! struct and the OpenAPI document is generated from them (`#[utoipa::path]`).
//! `GET /api/v1/targets`, `GET|POST /api/v1/plans`, `GET /api/v1/plans/{id}`, and the acts
//! `POST /api/v1/plans/{id}/{projects,submit,review,issue,amend}`, each with the version read (409
//! `version_conflict` when stale). Refusals carry the store's stable codes: `plan_state` (409),
//! `plan_checks_failed` (422), `not_reviewer` (403), `conflict` (409).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiugai_store::plans;
use jiugai_store::projects;
use jiugai_store::targets::Progress;
use serde::Deserialize;
use utoipa::ToSchema;

use super::pages::ListParams;
use super::{PlanDetail, PlanSummary, Who};
use crate::AppState;
use crate::access::Ctx;
use crate::api::{ErrorBody, JsonBody};
use crate::error::AppError;

#[derive(serde::Serialize, ToSchema)]
pub struct PlanList {
    pub total: usize,
    pub items: Vec<PlanSummary>,
}

/// A new draft plan.
#[derive(Deserialize, ToSchema)]
pub struct CreateBody {
    /// Region code or name inside your scope (province, city, county or street).
    pub region: String,
    pub year: i32,
    /// Projects of that region and plan year.
    #[serde(default)]
    pub projects: Vec<i64>,
}

/// Add (`add`: true, the default) or remove a project of an editable plan.
#[derive(Deserialize, ToSchema)]
pub struct ProjectBody {
    pub project_id: i64,
    /// The plan's version you read.
    pub version: i64,
    #[serde(default = "yes")]
    pub add: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, ToSchema)]
pub struct VersionBody {
    /// The plan's version you read.
    pub version: i64,
}

/// Approve the current review step, or return the plan with the reasons.
#[derive(Deserialize, ToSchema)]
pub struct ReviewBody {
    pub version: i64,
    pub approve: bool,
    /// Required to return.
    #[serde(default)]
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
pub struct AmendBody {
    pub version: i64,
    pub reason: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TargetParams {
    pub region: String,
    pub year: String,
}

/// The region (inside the caller's scope; blank: the scope) and year (blank: this year) of a request.
pub fn target_of(state: &AppState, ctx: &Ctx, p: &TargetParams) -> Result<(String, i32), AppError> {
    let scope = ctx.scope().ok_or(AppError::Forbidden)?;
    let code = crate::estates::resolve_region(state, ctx, &p.region)?.unwrap_or(scope);
    let year = ListParams { year: p.year.clone(), status: String::new() }.year()?.unwrap_or(projects::today().year());
    Ok((code, year))
}

#[utoipa::path(get, path = "/targets", tag = "plans",
    summary = "Progress against targets (年度任务) of a region in your scope for a year: the region's line, each child's line (target, done, households done, started, cumulative, share, promised share, shortfalls) and the region's series over the target years",
    params(
        ("region" = Option<String>, Query, description = "region code or name inside your scope (default: your scope)"),
        ("year" = Option<i32>, Query, description = "year (default: this year)"),
    ),
    responses((status = 200, body = Progress), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn targets(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<TargetParams>,
) -> Result<Json<Progress>, AppError> {
    let (code, year) = target_of(&state, &ctx, &p)?;
    Ok(Json(jiugai_store::targets::progress(&state.db, &state.regions, &state.profiles(), &code, year).await?))
}

#[utoipa::path(get, path = "/plans", tag = "plans",
    summary = "Annual plans of regions in your scope, newest year first, each with its figures, late flag and current review step",
    params(
        ("year" = Option<i32>, Query, description = "plan year"),
        ("status" = Option<String>, Query, description = "draft | submitted | returned | approved | issued | superseded"),
    ),
    responses((status = 200, body = PlanList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListParams>,
) -> Result<Json<PlanList>, AppError> {
    let items = super::list_in_scope(&state, &ctx, q.year()?, q.status()?).await?;
    Ok(Json(PlanList { total: items.len(), items }))
}

#[utoipa::path(post, path = "/plans", tag = "plans",
    summary = "Create a draft annual plan of a region in your scope from projects of that region and plan year; answers 201 with the plan",
    request_body = CreateBody,
    responses((status = 201, body = PlanDetail), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<CreateBody>,
) -> Result<Response, AppError> {
    let code = crate::estates::resolve_region(&state, &ctx, &b.region)?
        .ok_or_else(|| AppError::invalid("region", "请给出地区", "give the region"))?;
    let who = Who::of(&ctx)?;
    let p =
        plans::create(&state.db, &state.regions, &state.profiles(), &code, b.year, &b.projects, &who.actor()).await?;
    let d = super::detail(&state, &ctx, p.id).await?;
    Ok((StatusCode::CREATED, [(header::LOCATION, format!("/api/v1/plans/{}", p.id))], Json(d)).into_response())
}

#[utoipa::path(get, path = "/plans/{id}", tag = "plans",
    summary = "A plan in your scope: figures, lines (project, estates, households, area, content, investment), the checks with rule, value and clause, the review chain with each step's state, the history, and what you may do",
    params(("id" = i64, Path, description = "plan id")),
    responses((status = 200, body = PlanDetail), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<PlanDetail>, AppError> {
    Ok(Json(super::detail(&state, &ctx, id).await?))
}

#[utoipa::path(post, path = "/plans/{id}/projects", tag = "plans",
    summary = "Add or remove a project of a draft or returned plan (409 plan_state otherwise; 409 version_conflict when stale)",
    params(("id" = i64, Path, description = "plan id")), request_body = ProjectBody,
    responses((status = 200, body = PlanDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_project(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<ProjectBody>,
) -> Result<Json<PlanDetail>, AppError> {
    let who = Who::of(&ctx)?;
    plans::change_project(&state.db, &state.regions, id, b.version, b.project_id, b.add, &who.actor()).await?;
    Ok(Json(super::detail(&state, &ctx, id).await?))
}

#[utoipa::path(post, path = "/plans/{id}/submit", tag = "plans",
    summary = "Submit a draft or returned plan for review; refused with plan_checks_failed (422) while a blocking check fails; a late submission is accepted and flagged with its days late",
    params(("id" = i64, Path, description = "plan id")), request_body = VersionBody,
    responses((status = 200, body = PlanDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<VersionBody>,
) -> Result<Json<PlanDetail>, AppError> {
    let who = Who::of(&ctx)?;
    plans::submit(&state.db, &state.regions, &state.profiles(), id, b.version, projects::today(), &who.actor()).await?;
    Ok(Json(super::detail(&state, &ctx, id).await?))
}

#[utoipa::path(post, path = "/plans/{id}/review", tag = "plans",
    summary = "Approve the plan's current review step or return it with reasons; only the step's reviewer (403 not_reviewer otherwise); returning needs a reason (422)",
    params(("id" = i64, Path, description = "plan id")), request_body = ReviewBody,
    responses((status = 200, body = PlanDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<ReviewBody>,
) -> Result<Json<PlanDetail>, AppError> {
    let who = Who::of(&ctx)?;
    let today = projects::today();
    plans::review(
        &state.db,
        &state.regions,
        &state.profiles(),
        id,
        b.version,
        b.approve,
        &b.reason,
        today,
        &who.actor(),
    )
    .await?;
    Ok(Json(super::detail(&state, &ctx, id).await?))
}

#[utoipa::path(post, path = "/plans/{id}/issue", tag = "plans",
    summary = "Issue an approved plan (下达): by the approving or the drafting office; the plan is then locked",
    params(("id" = i64, Path, description = "plan id")), request_body = VersionBody,
    responses((status = 200, body = PlanDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<VersionBody>,
) -> Result<Json<PlanDetail>, AppError> {
    let who = Who::of(&ctx)?;
    plans::issue(&state.db, &state.regions, &state.profiles(), id, b.version, projects::today(), &who.actor()).await?;
    Ok(Json(super::detail(&state, &ctx, id).await?))
}

#[utoipa::path(post, path = "/plans/{id}/amend", tag = "plans",
    summary = "Start an amendment of an issued plan (a new draft with the same projects, reviewed again); answers 201 with the new plan",
    params(("id" = i64, Path, description = "plan id")), request_body = AmendBody,
    responses((status = 201, body = PlanDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn amend(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<AmendBody>,
) -> Result<Response, AppError> {
    let who = Who::of(&ctx)?;
    let p = plans::amend(&state.db, id, b.version, &b.reason, &who.actor()).await?;
    let d = super::detail(&state, &ctx, p.id).await?;
    Ok((StatusCode::CREATED, [(header::LOCATION, format!("/api/v1/plans/{}", p.id))], Json(d)).into_response())
}
