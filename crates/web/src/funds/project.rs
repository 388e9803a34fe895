//! `GET /projects/{id}/funds`: a project's money by source (planned, allocated, paid, unpaid, payment rate,
//! in 万元), the money rules with outcome, reason and clause, the payments with their reversals, and the
//! forms: planned amount by source, payment, reversal, reallocation to another project in scope.
//! `POST /projects/{id}/funds/{plan,payments,moves}` and `POST /funds/payments/{id}/reverse` answer 303
//! back to the page, or the page again with the refusal next to its form (422; the ring-fence refusal
//! with its clause).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiugai_domain::{CapitalModel, FundSource};
use jiugai_rules::Outcome;
use jiugai_store::funds::{self, NewMove, NewPayment};
use jiugai_store::projects;
use serde::Deserialize;

use super::{FigRow, PaymentEntry};
use crate::AppState;
use crate::access::{Action, Ctx};
use crate::error::AppError;
use crate::view::{self, Layout};

pub struct CheckRow {
    pub check: String,
    pub outcome: &'static str,
    pub outcome_label: &'static str,
    pub reason: String,
    pub rule: String,
    pub value: String,
    pub source: String,
}

pub struct PaymentRow {
    pub id: i64,
    pub paid_on: String,
    pub source: String,
    pub amount: String,
    pub voucher: String,
    pub payee: String,
    pub actor: String,
    pub reversal: bool,
    pub reverses: i64,
    pub reversed_by: i64,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "funds/project.html")]
pub struct ProjectPage {
    pub l: Layout,
    pub p: projects::Project,
    pub region: String,
    pub investment: String,
    pub rows: Vec<FigRow>,
    pub total: FigRow,
    pub checks: Vec<CheckRow>,
    pub payments: Vec<PaymentRow>,
    /// Allocation entries: (date recorded, source, amount in 万元, document id (0: a reallocation), what).
    pub allocations: Vec<(String, String, String, i64, String)>,
    pub sources: Vec<(&'static str, &'static str)>,
    pub models: Vec<(&'static str, &'static str)>,
    /// Other projects in scope a reallocation may go to: (id, name).
    pub targets: Vec<(i64, String)>,
    pub can_manage: bool,
    pub today: String,
    pub notice: String,
    /// A refusal: the form it concerns, the message, and the clause of the rule that refused.
    pub error_form: String,
    pub error: String,
    pub clause: String,
    /// What was typed into the form that was refused.
    pub input: HashMap<String, String>,
}

impl ProjectPage {
    pub fn v(&self, form: &str, k: &str) -> String {
        if self.error_form == form { self.input.get(k).cloned().unwrap_or_default() } else { String::new() }
    }
    pub fn sel(&self, form: &str, k: &str, v: &str) -> bool {
        self.error_form == form && self.input.get(k).is_some_and(|x| x == v)
    }
}

/// What people read for a money rule (the key stays in the page's data only).
pub fn rule_label(ctx: &Ctx, key: &str) -> String {
    let t = ctx.t();
    match key {
        "cofunding_min_share" => t.b("居民和企业出资比例下限", "minimum share from residents and enterprises").into(),
        "county_pays_remainder" => t
            .b(
                "扣除上级补助和居民、企业出资后由县级承担",
                "the county pays what higher subsidies, residents and enterprises do not",
            )
            .into(),
        other => other.replace('_', " "),
    }
}

fn outcome(ctx: &Ctx, o: Outcome) -> (&'static str, &'static str) {
    let t = ctx.t();
    match o {
        Outcome::Pass => ("pass", t.b("符合", "pass")),
        Outcome::Fail => ("fail", t.b("不符合", "fail")),
        Outcome::NotApplicable => ("na", t.b("不适用", "not applicable")),
    }
}

pub async fn build(state: &AppState, ctx: &Ctx, id: i64) -> Result<ProjectPage, AppError> {
    let t = ctx.t();
    let p = projects::get(&state.db, id).await?;
    let figures = funds::project_figures(&state.db, id).await?;
    let (rows, total) = super::fig_rows(t, &figures);
    let checks = funds::checks(&state.db, &state.profiles(), id)
        .await?
        .into_iter()
        .map(|d| {
            let (o, ol) = outcome(ctx, d.outcome);
            CheckRow {
                check: d.check.clone(),
                outcome: o,
                outcome_label: ol,
                reason: if t.zh() { d.reason_zh } else { d.reason_en },
                rule: rule_label(ctx, &d.rule.rule),
                value: if matches!(d.rule.value.as_str(), "true" | "false") { String::new() } else { d.rule.value },
                source: d.rule.source,
            }
        })
        .collect();
    let payments = super::payments(state, id).await?.into_iter().map(|e| payment_row(ctx, e)).collect();
    let mut allocations = Vec::new();
    for a in jiugai_store::funds::allocations(&state.db, id).await? {
        let what = match a.document_id {
            Some(d) => jiugai_store::funds::document(&state.db, d).await?.map(|d| d.doc_no).unwrap_or_default(),
            None => a.note.clone(),
        };
        allocations.push((
            jiugai_domain::time::beijing(&a.created_at),
            t.l(a.source).to_string(),
            super::wan(a.amount_fen),
            a.document_id.unwrap_or(0),
            what,
        ));
    }
    let can_manage = ctx.may(Action::ManageFunds);
    let targets = if can_manage {
        super::projects_in_scope(state, ctx)
            .await?
            .into_iter()
            .filter(|q| q.id != id)
            .map(|q| (q.id, format!("#{} {}（{}）", q.id, q.name, q.plan_year)))
            .collect()
    } else {
        vec![]
    };
    Ok(ProjectPage {
        l: Layout::new(ctx, state, "funds", &format!("/projects/{id}/funds")),
        region: view::region_name(state, &p.region_code, t),
        investment: super::wan(p.investment_fen),
        rows,
        total,
        checks,
        payments,
        allocations,
        sources: super::source_options(t),
        models: CapitalModel::ALL.iter().map(|m| (m.as_str(), t.l(*m))).collect(),
        targets,
        can_manage,
        today: projects::today().to_string(),
        notice: String::new(),
        error_form: String::new(),
        error: String::new(),
        clause: String::new(),
        input: HashMap::new(),
        p,
    })
}

fn payment_row(ctx: &Ctx, e: PaymentEntry) -> PaymentRow {
    PaymentRow {
        id: e.id,
        paid_on: e.paid_on,
        source: e.source.map(|s| ctx.t().l(s).to_string()).unwrap_or_default(),
        amount: super::yuan(e.amount_fen),
        voucher: e.voucher,
        payee: if e.reverses.is_some() { String::new() } else { e.payee },
        actor: e.actor,
        reversal: e.reverses.is_some(),
        reverses: e.reverses.unwrap_or(0),
        reversed_by: e.reversed_by.unwrap_or(0),
        reason: e.reason,
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageParams {
    pub done: String,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<PageParams>,
) -> Result<Html<String>, AppError> {
    let mut page = build(&state, &ctx, id).await?;
    let t = ctx.t();
    page.notice = match q.done.as_str() {
        "plan" => t.b("资金计划已保存。", "Funding plan saved."),
        "pay" => t.b("支付已登记。", "Payment recorded."),
        "reverse" => {
            t.b("已冲销：原支付保留，另记一笔负数冲销。", "Reversed: the payment stays, a negative entry is added.")
        }
        "move" => t.b("资金调整已登记：调出、调入各记一笔。", "Reallocation recorded: one entry out, one in."),
        _ => "",
    }
    .to_string();
    Ok(view::html(&page))
}

/// The page again with the refusal next to form `form`.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: &str,
    e: AppError,
    input: HashMap<String, String>,
) -> Result<Response, AppError> {
    if !matches!(e, AppError::Invalid { .. }) {
        return Err(e);
    }
    let mut page = build(state, ctx, id).await?;
    page.error_form = form.to_string();
    page.error = e.message(ctx.lang);
    page.clause = e.rule().map(|(_, s)| s.clone()).unwrap_or_default();
    page.input = input;
    Ok((e.status(), view::html(&page)).into_response())
}

fn field<'a>(f: &'a HashMap<String, String>, k: &str) -> &'a str {
    f.get(k).map(|s| s.trim()).unwrap_or("")
}

/// A source as typed or chosen (word or Chinese label).
pub fn source(s: &str) -> Result<FundSource, AppError> {
    Ok(funds::parse_source(s)?)
}

/// An amount as people type it (`120.5万`, `1,205,000元`).
pub fn amount(s: &str) -> Result<i64, AppError> {
    if s.trim().is_empty() {
        return Err(AppError::invalid(
            "amount",
            "请填写金额，如 120.5万 或 1,205,000元",
            "give the amount, e.g. 120.5万 or 1,205,000元",
        ));
    }
    Ok(funds::parse_amount("amount", s)?)
}

/// `POST /projects/{id}/funds/plan` `source`, `amount`, `model` (social capital only).
pub async fn set_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let r = async {
        let s = source(field(&f, "source"))?;
        let fen = amount(field(&f, "amount"))?;
        let model = match field(&f, "model") {
            "" => None,
            m => Some(crate::error::word::<CapitalModel>("model", m)?),
        };
        funds::set_plan(&state.db, id, s, fen, model, &ctx.actor(), &ctx.origin).await?;
        Ok::<_, AppError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{id}/funds?done=plan")).into_response()),
        Err(e) => refused(&state, &ctx, id, "plan", e, f).await,
    }
}

/// `POST /projects/{id}/funds/payments` `source`, `amount`, `paid_on`, `payee`, `voucher`.
pub async fn pay(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let r = async {
        let n = NewPayment {
            project_id: id,
            source: Some(source(field(&f, "source"))?),
            amount_fen: amount(field(&f, "amount"))?,
            paid_on: field(&f, "paid_on").to_string(),
            payee: field(&f, "payee").to_string(),
            voucher: field(&f, "voucher").to_string(),
            item_id: None,
        };
        funds::pay(&state.db, &n, &ctx.actor(), &ctx.origin).await?;
        Ok::<_, AppError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{id}/funds?done=pay")).into_response()),
        Err(e) => refused(&state, &ctx, id, "pay", e, f).await,
    }
}

/// `POST /funds/payments/{id}/reverse` `project`, `reason`: the payment must be one of that project's,
/// and the project in the caller's scope (else 404).
pub async fn reverse(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(payment): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let hint = field(&f, "project").parse::<i64>().ok();
    let pid = super::payment_project(&state, &ctx, payment, hint).await?;
    match funds::reverse(&state.db, payment, field(&f, "reason"), &ctx.actor(), &ctx.origin).await {
        Ok(_) => Ok(Redirect::to(&format!("/projects/{pid}/funds?done=reverse")).into_response()),
        Err(e) => {
            let mut input = f.clone();
            input.insert("payment".into(), payment.to_string());
            refused(&state, &ctx, pid, "reverse", e.into(), input).await
        }
    }
}

/// `POST /projects/{id}/funds/moves` `to_project`, `source`, `amount`, `decision_no`, `reason`, `approver`:
/// the target must be a project in the caller's scope (else 404).
pub async fn move_funds(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let to = field(&f, "to_project");
    let to: Option<i64> =
        if to.is_empty() { None } else { Some(to.trim_start_matches('#').parse().map_err(|_| AppError::NotFound)?) };
    if let Some(to) = to {
        super::require_project(&state, &ctx, to).await?;
    }
    let r = async {
        let to = to.ok_or_else(|| {
            AppError::invalid("to_project", "请选择调入的项目", "choose the project the money goes to")
        })?;
        let m = NewMove {
            source: Some(source(field(&f, "source"))?),
            from_project: id,
            to_project: to,
            amount_fen: amount(field(&f, "amount"))?,
            decision_no: field(&f, "decision_no").to_string(),
            reason: field(&f, "reason").to_string(),
            approver: field(&f, "approver").to_string(),
        };
        funds::move_funds(&state.db, &m, &ctx.actor(), &ctx.origin).await?;
        Ok::<_, AppError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{id}/funds?done=move")).into_response()),
        Err(e) => refused(&state, &ctx, id, "move", e, f).await,
    }
}
