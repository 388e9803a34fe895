//! `GET /api/v1/assess?region=&period=`: the assessment of the counties of a region in your scope, typed
//! (`jiugai_store::assess::Report`): `{"formula": [{"criterion", "weight", "source", …}], "rows":
//! [{"region", "score", "parts": {criterion: {"num", "den", "missing", "points", "weight"}}, "rank"}],
//! "rules": {…}, …}`. A region outside your scope is 404, as one that does not exist.

use axum::Json;
use axum::extract::{Query, State};
use jiugai_store::assess::Report;

use super::AssessParams;
use crate::AppState;
use crate::access::Ctx;
use crate::api::ErrorBody;
use crate::error::AppError;

#[utoipa::path(get, path = "/assess", tag = "assess",
    summary = "The assessment of counties (考核) of a region in your scope for a year: the formula (criterion, weight, definition, source clause), and per county each part's numerator and denominator (missing = no data, never 0), its points, the score and the rank",
    params(
        ("region" = Option<String>, Query, description = "region code or name inside your scope (default: your scope)"),
        ("period" = Option<String>, Query, description = "the year, e.g. 2026 (default: this year)"),
    ),
    responses((status = 200, body = Report), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AssessParams>,
) -> Result<Json<Report>, AppError> {
    Ok(Json(super::report(&state, &ctx, &q).await?))
}
