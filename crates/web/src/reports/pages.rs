//! Report pages: `GET /reports/monthly?region=&month=` (region picker limited to the scope, the table with
//! the xlsx's two-level header, one row per child and a 合计 row, the report's state, due date and its
//! source, the acts the caller may take, typed figures, changes since approval, links to the xlsx and the
//! printable page), the forms `POST /reports/monthly/{submit,approve,return,reopen,typed}` (each carries
//! region, month and the version read; 303 back, or the page again with the message: 422, 403, 409),
//! `GET /reports/monthly/print`, `GET /reports/monthly/export.xlsx` and `GET /reports/completeness`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiugai_domain::ReportState;
use jiugai_store::StoreError;
use jiugai_store::regions::Level;
use jiugai_store::reports::{self, FIGURES, TYPED};
use serde::Deserialize;

use super::{ReportReply, Who, region_full, short_state, show};
use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::view::{self, Layout};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageParams {
    pub region: String,
    pub month: String,
    pub ok: String,
}

/// A column of the table: its key, label and unit.
pub struct Col {
    pub key: String,
    pub label: String,
    pub unit: String,
}

/// A row of the table: a child region, its state and its figures as shown.
pub struct TableRow {
    pub region: String,
    pub name: String,
    pub state: String,
    pub state_label: String,
    pub cells: Vec<String>,
}

/// The table as the page and the print show it, in the order of the xlsx.
pub struct Table {
    /// The upper header: group label and how many columns it spans (adjacent equal groups merged).
    pub groups: Vec<(String, usize)>,
    pub cols: Vec<Col>,
    pub rows: Vec<TableRow>,
    pub total: Vec<String>,
}

pub fn table(t: Tr, r: &ReportReply) -> Table {
    let mut groups: Vec<(String, usize)> = Vec::new();
    for (k, ..) in FIGURES {
        let g = super::group_label(t, k);
        match groups.last_mut() {
            Some((last, n)) if *last == g => *n += 1,
            _ => groups.push((g, 1)),
        }
    }
    let cols = FIGURES
        .iter()
        .map(|(k, zh, en, _)| Col {
            key: k.to_string(),
            label: if t.zh() { zh.to_string() } else { en.to_string() },
            unit: super::unit_of(t, k).to_string(),
        })
        .collect();
    let cells = |f: &reports::Figures| -> Vec<String> {
        FIGURES.iter().map(|(k, ..)| show(k, f.get(*k).copied().unwrap_or(0))).collect()
    };
    let rows = r
        .report
        .rows
        .iter()
        .map(|row| TableRow {
            region: row.region.clone(),
            name: row.name.clone(),
            state: row.state.as_str().to_string(),
            state_label: short_state(t, row.state).to_string(),
            cells: cells(&row.figures),
        })
        .collect();
    Table { groups, cols, rows, total: cells(&r.report.total) }
}

/// A change since approval, for people: row, figure, then, now, difference.
pub struct ChangeRow {
    pub row: String,
    pub label: String,
    pub then: String,
    pub now: String,
    pub diff: String,
}

fn change_rows(r: &ReportReply) -> Vec<ChangeRow> {
    r.changes
        .iter()
        .map(|c| {
            let d = c.now - c.then;
            ChangeRow {
                row: c.row.clone(),
                label: c.label.clone(),
                then: show(&c.figure, c.then),
                now: show(&c.figure, c.now),
                diff: format!("{}{}", if d > 0 { "+" } else { "" }, show(&c.figure, d)),
            }
        })
        .collect()
}

/// The regions of the picker: the scope's root and two levels below it (for the whole country, the
/// provinces and their cities), and the shown region if deeper.
fn picker(state: &AppState, ctx: &Ctx, current: &str) -> Vec<(String, String)> {
    let scope = ctx.scope().unwrap_or_default();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |code: &str, indent: usize| {
        if out.iter().all(|(c, _)| c != code) {
            let name = region_full(state, code);
            out.push((code.to_string(), format!("{}{name}", "\u{3000}".repeat(indent))));
        }
    };
    let roots: Vec<String> =
        if scope.is_empty() { state.regions.roots().map(|r| r.code.clone()).collect() } else { vec![scope.clone()] };
    for root in &roots {
        push(root, 0);
        for c in state.regions.children(root).filter(|r| r.level <= Level::Street) {
            push(&c.code, 1);
            if !scope.is_empty() && state.regions.get(root).is_some_and(|r| r.level < Level::County) {
                for g in state.regions.children(&c.code).filter(|r| r.level <= Level::County) {
                    push(&g.code, 2);
                }
            }
        }
    }
    push(current, 0);
    out
}

fn when(s: &Option<String>) -> String {
    s.as_deref().map(jiugai_domain::time::beijing).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "reports/monthly.html")]
pub struct MonthlyPage {
    pub l: Layout,
    pub r: ReportReply,
    pub title: String,
    pub region_full: String,
    /// `region=…&month=…`, for links.
    pub query: String,
    pub regions: Vec<(String, String)>,
    pub tab: Table,
    pub typed: Vec<(String, String, String, String)>,
    pub changes: Vec<ChangeRow>,
    pub submitted: String,
    pub approved: String,
    /// The share of the year's target (estates completed this year over the target), when there is one.
    pub share: String,
    pub notice: String,
    pub error: String,
    pub error_section: String,
    pub reason: String,
}

impl MonthlyPage {
    pub fn is_state(&self, s: &str) -> bool {
        self.r.report.state.as_str() == s
    }
}

pub async fn build(state: &AppState, ctx: &Ctx, region: &str, month: &str) -> Result<MonthlyPage, AppError> {
    let t = ctx.t();
    let r = super::reply(state, ctx, region, month).await?;
    let total = &r.report.total;
    let target = total.get("target_estates").copied().unwrap_or(0);
    let share = jiugai_domain::number::percent(total.get("estates_completed_ytd").copied().unwrap_or(0), target)
        .unwrap_or_default();
    let query = format!("region={}&month={}", crate::util::urlencode(region), crate::util::urlencode(month));
    Ok(MonthlyPage {
        l: Layout::new(ctx, state, "reports", &format!("/reports/monthly?{query}")),
        title: super::title(state, &r.report, ctx.lang),
        region_full: region_full(state, region),
        regions: picker(state, ctx, region),
        tab: table(t, &r),
        typed: super::typed_rows(t, &r.report.typed),
        changes: change_rows(&r),
        submitted: when(&r.report.submitted_at),
        approved: when(&r.report.approved_at),
        share,
        query,
        notice: String::new(),
        error: String::new(),
        error_section: String::new(),
        reason: String::new(),
        r,
    })
}

fn notice_of(t: Tr, ok: &str) -> String {
    match ok {
        "submit" => t.b("月报已上报，等待上一级审核。", "Report submitted to the level above."),
        "approve" => t.b("月报已审核通过并锁定。", "Report approved and locked."),
        "return" => t.b("月报已退回修改。", "Report returned for correction."),
        "reopen" => t.b("月报已重新打开，可修改后再次上报。", "Report reopened: correct it and submit again."),
        "typed" => t.b("填报数已保存。", "Typed figures saved."),
        "" => "",
        _ => t.b("已保存。", "Saved."),
    }
    .to_string()
}

pub async fn monthly(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageParams>,
) -> Result<Html<String>, AppError> {
    let region = super::region_of(&state, &ctx, &q.region)?;
    let month = super::month_of(&q.month)?;
    let mut page = build(&state, &ctx, &region, &month).await?;
    page.notice = notice_of(ctx.t(), &q.ok);
    Ok(view::html(&page))
}

type F = HashMap<String, String>;

fn get<'a>(f: &'a F, k: &str) -> &'a str {
    f.get(k).map(|s| s.as_str()).unwrap_or("")
}

/// The act of a form: 303 back to the report, or the page again with the message next to the form.
async fn act(state: &AppState, ctx: &Ctx, f: &F, action: &str) -> Result<Response, AppError> {
    let region = super::region_of(state, ctx, get(f, "region"))?;
    let month = super::month_of(get(f, "month"))?;
    let r = async {
        let version = crate::projects::actions::version_of(f)?;
        let who = Who::of(ctx)?;
        let profiles = state.profiles();
        let (db, regions) = (&state.db, &state.regions);
        match action {
            "submit" => {
                super::require_owner(state, &who, &region)?;
                reports::submit(db, regions, &profiles, &region, &month, version, &who.name, &who.origin).await?;
            }
            "typed" => {
                super::require_owner(state, &who, &region)?;
                let mut typed = serde_json::Map::new();
                for (k, _, _, unit) in TYPED {
                    let v = get(f, k).trim();
                    if v.is_empty() {
                        continue;
                    }
                    let val = if unit.is_empty() {
                        serde_json::json!(v)
                    } else {
                        match jiugai_domain::number::parse_decimal(
                            v,
                            &[*unit],
                            0,
                            jiugai_domain::number::Rounding::Exact,
                        ) {
                            Ok(n) => serde_json::json!(n),
                            Err(_) => serde_json::json!(v),
                        }
                    };
                    typed.insert(k.to_string(), val);
                }
                reports::set_typed(
                    db,
                    regions,
                    &profiles,
                    &region,
                    &month,
                    version,
                    &serde_json::Value::Object(typed),
                    &who.name,
                    &who.origin,
                )
                .await?;
            }
            _ => {
                reports::act(
                    db,
                    regions,
                    &profiles,
                    &region,
                    &month,
                    version,
                    action,
                    get(f, "reason"),
                    who.role,
                    &who.scope,
                    &who.name,
                    &who.origin,
                )
                .await?;
            }
        }
        Ok::<_, AppError>(())
    }
    .await;
    let q = format!("region={}&month={}", crate::util::urlencode(&region), crate::util::urlencode(&month));
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/reports/monthly?{q}&ok={action}#report-state")).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Store(StoreError::Stale { .. }))) => {
            let mut page = build(state, ctx, &region, &month).await?;
            page.error = e.message(ctx.lang);
            page.error_section = action.to_string();
            page.reason = get(f, "reason").to_string();
            Ok((e.status(), view::html(&page)).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn submit(State(state): State<AppState>, ctx: Ctx, Form(f): Form<F>) -> Result<Response, AppError> {
    act(&state, &ctx, &f, "submit").await
}

pub async fn approve(State(state): State<AppState>, ctx: Ctx, Form(f): Form<F>) -> Result<Response, AppError> {
    act(&state, &ctx, &f, "approve").await
}

pub async fn return_(State(state): State<AppState>, ctx: Ctx, Form(f): Form<F>) -> Result<Response, AppError> {
    act(&state, &ctx, &f, "return").await
}

pub async fn reopen(State(state): State<AppState>, ctx: Ctx, Form(f): Form<F>) -> Result<Response, AppError> {
    act(&state, &ctx, &f, "reopen").await
}

pub async fn typed(State(state): State<AppState>, ctx: Ctx, Form(f): Form<F>) -> Result<Response, AppError> {
    act(&state, &ctx, &f, "typed").await
}

// ----------------------------------------------------------------------------------- print and export

#[derive(Template)]
#[template(path = "reports/print.html")]
pub struct PrintPage {
    pub t: Tr,
    pub title: String,
    pub r: ReportReply,
    pub tab: Table,
    pub typed: Vec<(String, String, String, String)>,
    pub printed: String,
}

pub async fn print(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageParams>,
) -> Result<Html<String>, AppError> {
    let region = super::region_of(&state, &ctx, &q.region)?;
    let month = super::month_of(&q.month)?;
    let r = super::reply(&state, &ctx, &region, &month).await?;
    let t = ctx.t();
    Ok(view::html(&PrintPage {
        t,
        title: super::title(&state, &r.report, ctx.lang),
        tab: table(t, &r),
        typed: super::typed_rows(t, &r.report.typed),
        printed: jiugai_domain::time::beijing(&jiugai_store::clock::now_rfc3339()),
        r,
    }))
}

/// The xlsx of the page (the same as `GET /api/v1/reports/monthly/export`).
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageParams>,
) -> Result<Response, AppError> {
    super::api::export(State(state), ctx, Query(super::ReportParams { region: q.region, month: q.month })).await
}

// ------------------------------------------------------------------------------------- completeness

pub struct CompletenessRow {
    pub region: String,
    pub name: String,
    pub state: String,
    pub state_label: String,
    pub due_on: String,
    pub submitted: String,
    pub days_late: i64,
}

#[derive(Template)]
#[template(path = "reports/completeness.html")]
pub struct CompletenessPage {
    pub l: Layout,
    pub region: String,
    pub region_full: String,
    pub month: String,
    pub regions: Vec<(String, String)>,
    pub due_on: String,
    pub due_source: String,
    pub rows: Vec<CompletenessRow>,
    pub missing: usize,
}

pub async fn completeness(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageParams>,
) -> Result<Html<String>, AppError> {
    let region = super::region_of(&state, &ctx, &q.region)?;
    let month = super::month_of(&q.month)?;
    let c = super::api::completeness_of(&state, &region, &month).await?;
    let t = ctx.t();
    let rows = c
        .children
        .iter()
        .map(|x| CompletenessRow {
            region: x.region.clone(),
            name: x.name.clone(),
            state: x.state.as_str().to_string(),
            state_label: if x.submitted_at.is_none() && x.state != ReportState::Returned {
                t.b("未上报", "not submitted").to_string()
            } else {
                short_state(t, x.state).to_string()
            },
            due_on: x.due_on.clone(),
            submitted: when(&x.submitted_at),
            days_late: x.days_late,
        })
        .collect();
    let query = format!("region={}&month={}", crate::util::urlencode(&region), crate::util::urlencode(&month));
    Ok(view::html(&CompletenessPage {
        l: Layout::new(&ctx, &state, "reports", &format!("/reports/completeness?{query}")),
        region_full: region_full(&state, &region),
        regions: picker(&state, &ctx, &region),
        region,
        month,
        due_on: c.due_on,
        due_source: c.due_source,
        missing: c.missing,
        rows,
    }))
}
