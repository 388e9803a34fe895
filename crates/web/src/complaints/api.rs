//! Complaints in the JSON API, typed: each body and reply is a serde struct, and the OpenAPI document is
//! generated from them (`#[utoipa::path]`), so the schema cannot drift from the code.
//! `GET /api/v1/complaints` and `GET /api/v1/complaints/{cid}` (staff, in scope), `POST /api/v1/complaints`
//! (public submit: 201 with the tracking number) and `GET /api/v1/complaints/track/{no}` (public status:
//! 404 for any number that is not one).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiugai_store::complaints::{self, Complaint, Event, NewComplaint, Status, Tracking};
use jiugai_store::projects;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::staff::ListParams;
use crate::AppState;
use crate::access::Ctx;
use crate::api::{ErrorBody, JsonBody};
use crate::error::AppError;

/// A complaint as staff read it: the record, its received date and where it stands against its due date.
#[derive(Serialize, ToSchema)]
pub struct StaffComplaint {
    #[serde(flatten)]
    pub complaint: Complaint,
    pub received_on: String,
    /// Days until `due_on` (negative: overdue); `null` once resolved.
    pub days_left: Option<i64>,
    pub overdue: bool,
}

impl StaffComplaint {
    fn of(c: Complaint) -> StaffComplaint {
        let today = projects::today();
        StaffComplaint {
            received_on: c.received_on().to_string(),
            days_left: c.days_left(today),
            overdue: c.overdue(today),
            complaint: c,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ComplaintList {
    pub total: usize,
    pub items: Vec<StaffComplaint>,
}

#[derive(Serialize, ToSchema)]
pub struct ComplaintDetail {
    #[serde(flatten)]
    pub complaint: StaffComplaint,
    /// Who did what, when, with the public reply.
    pub events: Vec<Event>,
}

/// What a resident submits.
#[derive(Deserialize, ToSchema)]
pub struct SubmitBody {
    /// A project whose notice is published.
    #[serde(default, deserialize_with = "crate::api::de::opt_id")]
    pub project_id: Option<i64>,
    /// One of the project's estates, or an estate of such a project.
    #[serde(default, deserialize_with = "crate::api::de::opt_id")]
    pub estate_id: Option<i64>,
    /// quality | safety | progress | disturbance | other
    pub category: String,
    /// 5–2000 characters.
    pub body: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
}

/// The receipt: the tracking number is the resident's only key.
#[derive(Serialize, ToSchema)]
pub struct Receipt {
    pub tracking_no: String,
    pub status: Status,
    pub received_on: String,
    pub track_url: String,
    pub track_api: String,
}

/// The public view by tracking number, with labels for people.
#[derive(Serialize, ToSchema)]
pub struct TrackView {
    #[serde(flatten)]
    pub tracking: Tracking,
    pub status_label: &'static str,
    pub category_label: &'static str,
}

#[utoipa::path(get, path = "/complaints", tag = "complaints",
    summary = "Complaints routed to a region in your scope, most urgent first; each with due_on (the SLA), days_left and overdue",
    params(
        ("status" = Option<String>, Query, description = "received | processing | resolved | open (not resolved)"),
        ("overdue" = Option<String>, Query, description = "1: only overdue (not resolved, due before today)"),
        ("region" = Option<String>, Query, description = "region code or name inside your scope"),
    ),
    responses((status = 200, body = ComplaintList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListParams>,
) -> Result<Json<ComplaintList>, AppError> {
    let items: Vec<StaffComplaint> =
        super::staff::select(&state, &ctx, &q).await?.into_iter().map(StaffComplaint::of).collect();
    Ok(Json(ComplaintList { total: items.len(), items }))
}

#[utoipa::path(get, path = "/complaints/{cid}", tag = "complaints",
    summary = "One complaint in your scope with its contact and history (who, when, status, reply)",
    params(("cid" = i64, Path, description = "complaint id")),
    responses((status = 200, body = ComplaintDetail), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<ComplaintDetail>, AppError> {
    let c = complaints::get(&state.db, id).await?;
    let events = complaints::events(&state.db, id).await?;
    Ok(Json(ComplaintDetail { complaint: StaffComplaint::of(c), events }))
}

#[utoipa::path(post, path = "/complaints", tag = "complaints", security(()),
    summary = "Submit a complaint (public, no authentication): about a project with a published notice (optionally one of its estates) or an estate of one; answers 201 with the tracking number",
    request_body = SubmitBody,
    responses((status = 201, body = Receipt), (status = 413, description = "Body too large"), (status = 422, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<SubmitBody>,
) -> Result<Response, AppError> {
    let n = NewComplaint {
        project_id: b.project_id,
        estate_id: b.estate_id,
        category: b.category,
        body: b.body,
        contact_name: b.contact_name,
        contact_phone: b.contact_phone,
    };
    let at = complaints::stamp(projects::today());
    let c = complaints::submit(&state.db, &state.regions, &state.profiles(), &n, &at, &ctx.origin).await?;
    let api = format!("/api/v1/complaints/track/{}", c.tracking_no);
    let receipt = Receipt {
        tracking_no: c.tracking_no.clone(),
        status: c.status,
        received_on: c.received_on().to_string(),
        track_url: format!("/track?no={}", c.tracking_no),
        track_api: api.clone(),
    };
    Ok((StatusCode::CREATED, [(header::LOCATION, api)], Json(receipt)).into_response())
}

#[utoipa::path(get, path = "/complaints/track/{no}", tag = "complaints", security(()),
    summary = "The public status of a complaint by tracking number (no authentication): status, category, received date, dated history with the office's replies. Any number that is not one answers 404",
    params(("no" = String, Path, description = "tracking number as the resident types it")),
    responses((status = 200, body = TrackView), (status = 404, body = ErrorBody)))]
pub async fn track(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(no): Path<String>,
) -> Result<Json<TrackView>, AppError> {
    let tracking = complaints::track(&state.db, &no).await?.ok_or(AppError::NotFound)?;
    Ok(Json(TrackView {
        status_label: super::status_label(&ctx, tracking.status),
        category_label: super::category_label(&ctx, tracking.category),
        tracking,
    }))
}
