//! Money in the JSON API, typed: each body and reply is a serde struct, documented from it (utoipa).
//! `GET /api/v1/projects/{id}/funds` ({by_source, total, checks}), `POST /api/v1/projects/{id}/funds/plan`,
//! `POST /api/v1/projects/{id}/funds/payments`, `POST /api/v1/funds/payments/{id}/reverse`,
//! `POST /api/v1/funds/moves` (both projects in scope, else 404) and `GET /api/v1/funds/summary`.
//! Amounts go in as people type them (`"120.5万"`, `"1,205,000元"`, or a number of yuan) and come out in fen.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiugai_domain::{CapitalModel, FundSource};
use jiugai_store::funds::{self, Figures, NewMove, NewPayment, RegionFigures};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::region::SummaryParams;
use crate::AppState;
use crate::access::Ctx;
use crate::api::{ErrorBody, JsonBody};
use crate::error::AppError;

/// One source's money, in fen.
#[derive(Serialize, ToSchema, Debug, Clone, PartialEq)]
pub struct SourceFigures {
    pub planned_fen: i64,
    pub allocated_fen: i64,
    pub paid_fen: i64,
    pub unpaid_fen: i64,
    /// Paid / allocated (`62.50%`); null when nothing was allocated.
    pub payment_rate: Option<String>,
}

impl SourceFigures {
    fn of(f: &Figures) -> SourceFigures {
        SourceFigures {
            planned_fen: f.planned_fen,
            allocated_fen: f.allocated_fen,
            paid_fen: f.paid_fen,
            unpaid_fen: f.unpaid_fen(),
            payment_rate: f.payment_rate(),
        }
    }
}

fn by_source(m: &BTreeMap<FundSource, Figures>) -> BTreeMap<String, SourceFigures> {
    m.iter().map(|(s, f)| (s.as_str().to_string(), SourceFigures::of(f))).collect()
}

fn total(m: &BTreeMap<FundSource, Figures>) -> SourceFigures {
    let mut t = Figures::default();
    for f in m.values() {
        t.planned_fen += f.planned_fen;
        t.allocated_fen += f.allocated_fen;
        t.paid_fen += f.paid_fen;
    }
    SourceFigures::of(&t)
}

/// A money rule applied to the project, with its clause.
#[derive(Serialize, ToSchema)]
pub struct Check {
    pub check: String,
    /// pass | fail | not_applicable
    pub outcome: String,
    pub rule: String,
    pub value: String,
    /// The source document and clause.
    pub source: String,
    pub reason: String,
}

/// A project's money: by source (keys are source words: central, provincial, …), the total, the rules.
#[derive(Serialize, ToSchema)]
pub struct ProjectFunds {
    pub project_id: i64,
    pub by_source: BTreeMap<String, SourceFigures>,
    pub total: SourceFigures,
    pub checks: Vec<Check>,
}

async fn project_funds(state: &AppState, ctx: &Ctx, id: i64) -> Result<ProjectFunds, AppError> {
    let f = funds::project_figures(&state.db, id).await?;
    let checks = funds::checks(&state.db, &state.profiles(), id)
        .await?
        .into_iter()
        .map(|d| Check {
            check: d.check,
            outcome: serde_json::to_value(d.outcome)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            rule: d.rule.rule,
            value: d.rule.value,
            source: d.rule.source,
            reason: if ctx.t().zh() { d.reason_zh } else { d.reason_en },
        })
        .collect();
    Ok(ProjectFunds { project_id: id, by_source: by_source(&f), total: total(&f), checks })
}

#[utoipa::path(get, path = "/projects/{id}/funds", tag = "funds",
    summary = "A project's money by source (planned, allocated, paid, unpaid in fen; payment rate) and the money rules with their clauses",
    params(("id" = i64, Path, description = "project id")),
    responses((status = 200, body = ProjectFunds), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Json<ProjectFunds>, AppError> {
    Ok(Json(project_funds(&state, &ctx, id).await?))
}

/// Money as typed: a string (`"120.5万"`, `"1,205,000元"`) or a number of yuan.
fn amount_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum A {
        S(String),
        I(i64),
        F(f64),
    }
    Ok(match A::deserialize(d)? {
        A::S(s) => s,
        A::I(n) => n.to_string(),
        A::F(f) => f.to_string(),
    })
}

/// A planned amount for one source (0 removes it).
#[derive(Deserialize, ToSchema)]
pub struct PlanBody {
    /// A source word (`central`) or its Chinese label (`中央补助资金`).
    pub source: String,
    /// As typed: `"120.5万"`, `"1,205,000元"`, or a number of yuan.
    #[serde(deserialize_with = "amount_text")]
    #[schema(value_type = String)]
    pub amount: String,
    /// Social capital only: ppp | epc_o | epc_f | …
    #[serde(default)]
    pub model: Option<String>,
}

#[utoipa::path(post, path = "/projects/{id}/funds/plan", tag = "funds",
    summary = "Set the project's planned amount from a source; answers with the project's money",
    params(("id" = i64, Path, description = "project id")), request_body = PlanBody,
    responses((status = 200, body = ProjectFunds), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<PlanBody>,
) -> Result<Json<ProjectFunds>, AppError> {
    let source = funds::parse_source(&b.source)?;
    let fen = super::project::amount(&b.amount)?;
    let model = match b.model.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(m) => Some(crate::error::word::<CapitalModel>("model", m)?),
    };
    funds::set_plan(&state.db, id, source, fen, model, &ctx.actor(), &ctx.origin).await?;
    Ok(Json(project_funds(&state, &ctx, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct PaymentBody {
    pub source: String,
    #[serde(deserialize_with = "amount_text")]
    #[schema(value_type = String)]
    pub amount: String,
    /// `2026-04-01`
    pub paid_on: String,
    pub payee: String,
    pub voucher: String,
}

/// A recorded payment, reversal or reallocation and the money after it.
#[derive(Serialize, ToSchema)]
pub struct Recorded {
    pub id: i64,
    pub funds: ProjectFunds,
}

#[utoipa::path(post, path = "/projects/{id}/funds/payments", tag = "funds",
    summary = "Record a payment; refused (422 over_allocation) beyond what the source allocated to the project and is unpaid; answers 201",
    params(("id" = i64, Path, description = "project id")), request_body = PaymentBody,
    responses((status = 201, body = Recorded), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn pay(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<PaymentBody>,
) -> Result<Response, AppError> {
    let n = NewPayment {
        project_id: id,
        source: Some(funds::parse_source(&b.source)?),
        amount_fen: super::project::amount(&b.amount)?,
        paid_on: b.paid_on.trim().to_string(),
        payee: b.payee,
        voucher: b.voucher,
        item_id: None,
    };
    let pid = funds::pay(&state.db, &n, &ctx.actor(), &ctx.origin).await?;
    let funds = project_funds(&state, &ctx, id).await?;
    Ok((StatusCode::CREATED, Json(Recorded { id: pid, funds })).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ReverseBody {
    pub reason: String,
}

#[utoipa::path(post, path = "/funds/payments/{id}/reverse", tag = "funds",
    summary = "Reverse a payment of a project in your scope by a new negative entry (the payment is never edited); answers 201 with the reversal's id",
    params(("id" = i64, Path, description = "payment id")), request_body = ReverseBody,
    responses((status = 201, body = Recorded), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reverse(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(payment): Path<i64>,
    JsonBody(b): JsonBody<ReverseBody>,
) -> Result<Response, AppError> {
    let project = super::payment_project(&state, &ctx, payment, None).await?;
    let id = funds::reverse(&state.db, payment, &b.reason, &ctx.actor(), &ctx.origin).await?;
    let funds = project_funds(&state, &ctx, project).await?;
    Ok((StatusCode::CREATED, Json(Recorded { id, funds })).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct MoveBody {
    #[serde(deserialize_with = "crate::api::de::opt_id")]
    #[schema(value_type = i64)]
    pub from_project: Option<i64>,
    #[serde(deserialize_with = "crate::api::de::opt_id")]
    #[schema(value_type = i64)]
    pub to_project: Option<i64>,
    pub source: String,
    #[serde(deserialize_with = "amount_text")]
    #[schema(value_type = String)]
    pub amount: String,
    /// Central subsidy: required (ring-fenced), with reason and approver.
    #[serde(default)]
    pub decision_no: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub approver: String,
}

/// A reallocation and both projects' money after it.
#[derive(Serialize, ToSchema)]
pub struct Moved {
    pub id: i64,
    pub from: ProjectFunds,
    pub to: ProjectFunds,
}

#[utoipa::path(post, path = "/funds/moves", tag = "funds",
    summary = "Move allocated, unpaid money of a source between two projects in your scope (404 if either is not); central subsidy needs decision_no, reason and approver (422 ring_fenced, with the clause); answers 201",
    request_body = MoveBody,
    responses((status = 201, body = Moved), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn move_funds(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<MoveBody>,
) -> Result<Response, AppError> {
    let (Some(from), Some(to)) = (b.from_project, b.to_project) else {
        return Err(AppError::invalid(
            "from_project",
            "请给出调出项目 from_project 和调入项目 to_project",
            "give from_project and to_project",
        ));
    };
    super::require_project(&state, &ctx, from).await?;
    super::require_project(&state, &ctx, to).await?;
    let m = NewMove {
        source: Some(funds::parse_source(&b.source)?),
        from_project: from,
        to_project: to,
        amount_fen: super::project::amount(&b.amount)?,
        decision_no: b.decision_no,
        reason: b.reason,
        approver: b.approver,
    };
    let id = funds::move_funds(&state.db, &m, &ctx.actor(), &ctx.origin).await?;
    let moved =
        Moved { id, from: project_funds(&state, &ctx, from).await?, to: project_funds(&state, &ctx, to).await? };
    Ok((StatusCode::CREATED, Json(moved)).into_response())
}

/// A region's money (or one child's), in fen.
#[derive(Serialize, ToSchema)]
pub struct RegionMoney {
    /// Region code (`""`: the whole country).
    pub region: String,
    pub name: String,
    pub projects: i64,
    pub by_source: BTreeMap<String, SourceFigures>,
    pub total: SourceFigures,
    /// Allocated to this region or lower regions, not yet to projects, by source.
    pub received_fen: BTreeMap<String, i64>,
}

impl RegionMoney {
    fn of(r: &RegionFigures) -> RegionMoney {
        RegionMoney {
            region: r.region_code.clone(),
            name: r.name.clone(),
            projects: r.projects,
            by_source: by_source(&r.by_source),
            total: SourceFigures::of(&r.total),
            received_fen: r.received_fen.iter().map(|(s, n)| (s.as_str().to_string(), *n)).collect(),
        }
    }
}

/// The summary: the region's own figures at the top level, and each child region's.
#[derive(Serialize, ToSchema)]
pub struct SummaryReply {
    #[serde(flatten)]
    pub region: RegionMoney,
    pub year: Option<i32>,
    pub children: Vec<RegionMoney>,
}

#[utoipa::path(get, path = "/funds/summary", tag = "funds",
    summary = "Money by source of a region in your scope (default: your scope) and of each child region, from the entries of the projects inside it",
    params(
        ("region" = Option<String>, Query, description = "region code or name inside your scope"),
        ("year" = Option<String>, Query, description = "plan year"),
    ),
    responses((status = 200, body = SummaryReply), (status = 422, body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SummaryParams>,
) -> Result<Json<SummaryReply>, AppError> {
    let code = super::region_in_scope(&state, &ctx, &q.region)?;
    let year = super::year_of(&q.year)?;
    let s = funds::summary(&state.db, &state.regions, &code, year).await?;
    Ok(Json(SummaryReply {
        region: RegionMoney::of(&s.region),
        year: s.year,
        children: s.children.iter().map(RegionMoney::of).collect(),
    }))
}
