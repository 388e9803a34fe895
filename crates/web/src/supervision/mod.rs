//! Supervision pages (督办、通报、组织): `GET /org` (the leading group, its members, the member units and
//! their duties), `GET /tasks` (issued by or assigned inside the scope, `view=mine|issued`, overdue
//! flagged), `GET/POST /tasks/{id}` (reply, send back, close), `GET /notices`, `GET /notices/new`,
//! `POST /notices` (with rectification deadlines that become tasks), `GET /notices/{id}` (printable). The
//! JSON API is in [`api`]. The store decides who may act (issuer, assignee); the guard has checked that
//! the task or notice a route names is visible (404 otherwise).

pub mod api;

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiugai_domain::{Label, NoticeKind, TaskState};
use jiugai_store::StoreError;
use jiugai_store::supervision::{self as sup, Caller, Facts, NewNotice, Notice, Rectification, Task};
use serde::Deserialize;

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::view::{self, Layout};

pub fn caller(ctx: &Ctx) -> Result<Caller, AppError> {
    Ok(Caller::of(ctx.user()?))
}

pub struct TaskRow {
    pub id: i64,
    pub title: String,
    pub issuer: String,
    pub assignee: String,
    pub due_on: String,
    pub state: &'static str,
    pub origin: &'static str,
    pub overdue: bool,
}

fn row(state: &AppState, ctx: &Ctx, t: &Task) -> TaskRow {
    TaskRow {
        id: t.id,
        title: t.title.clone(),
        issuer: view::region_name(state, &t.region_code, ctx.t()),
        assignee: t.assignee_label(&state.regions),
        due_on: t.due_on.clone(),
        state: t.state.label(ctx.lang),
        origin: t.origin.label(ctx.lang),
        overdue: t.overdue,
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    /// `mine` (assigned to me), `issued` (issued by my office) or empty (all in scope).
    pub view: String,
    pub overdue: String,
}

#[derive(Template)]
#[template(path = "supervision/tasks.html")]
pub struct TasksPage {
    pub l: Layout,
    pub q: ListParams,
    pub rows: Vec<TaskRow>,
    pub overdue: usize,
}

/// The filter of the task list for the caller.
pub fn filter(ctx: &Ctx, view: &str, overdue: bool) -> Result<sup::Filter, AppError> {
    let u = ctx.user()?;
    let scope = ctx.scope().unwrap_or_else(|| u.scope_code.clone());
    let mut f = sup::Filter { scope: scope.clone(), overdue, ..Default::default() };
    match view {
        "mine" => {
            f.scope = String::new();
            f.assignee_region = Some(scope.clone());
            f.assignee_unit = u.unit_id;
        }
        "issued" => f.issued_by = Some(scope),
        _ => {}
    }
    Ok(f)
}

pub async fn tasks(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListParams>,
) -> Result<Html<String>, AppError> {
    let f = filter(&ctx, &q.view, matches!(q.overdue.as_str(), "1" | "on" | "true"))?;
    let list = sup::list(&state.db, &state.regions, &f).await?;
    let rows: Vec<TaskRow> = list.iter().map(|t| row(&state, &ctx, t)).collect();
    let overdue = rows.iter().filter(|r| r.overdue).count();
    Ok(view::html(&TasksPage { l: Layout::new(&ctx, &state, "tasks", "/tasks"), q, rows, overdue }))
}

pub struct EventRow {
    pub at: String,
    pub kind: &'static str,
    pub actor: String,
    pub text: String,
    pub evidence: String,
}

#[derive(Template)]
#[template(path = "supervision/task.html")]
pub struct TaskPage {
    pub l: Layout,
    pub t: Task,
    pub r: TaskRow,
    pub subject: String,
    pub subject_link: String,
    pub events: Vec<EventRow>,
    pub can_reply: bool,
    pub can_decide: bool,
    pub error: String,
}

async fn task_page(state: &AppState, ctx: &Ctx, id: i64, error: String) -> Result<TaskPage, AppError> {
    let t = sup::get(&state.db, id).await?;
    let c = caller(ctx)?;
    let events = sup::events(&state.db, id)
        .await?
        .into_iter()
        .map(|e| EventRow {
            at: jiugai_domain::time::beijing(&e.at),
            kind: e.kind.label(ctx.lang),
            actor: e.actor,
            text: e.text,
            evidence: e.evidence,
        })
        .collect();
    let (subject, subject_link) = match (t.project_id, t.estate_id, t.notice_id) {
        (Some(p), _, _) => (format!("{} #{p}", ctx.t().b("项目", "project")), format!("/projects/{p}")),
        (None, Some(e), _) => (format!("{} #{e}", ctx.t().b("小区", "estate")), format!("/estates/{e}")),
        (None, None, Some(n)) => (format!("{} #{n}", ctx.t().b("通报", "notice")), format!("/notices/{n}")),
        _ => (t.subject.label(ctx.lang).to_string(), String::new()),
    };
    Ok(TaskPage {
        l: Layout::new(ctx, state, "tasks", &format!("/tasks/{id}")),
        r: row(state, ctx, &t),
        can_reply: sup::is_assignee(&c, &t) && matches!(t.state, TaskState::Open | TaskState::SentBack),
        can_decide: sup::is_office_of(&c, &t.region_code) && t.state == TaskState::Replied,
        subject,
        subject_link,
        events,
        error,
        t,
    })
}

pub async fn task(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Html<String>, AppError> {
    Ok(view::html(&task_page(&state, &ctx, id, String::new()).await?))
}

/// `POST /tasks/{id}`: `action` = reply | close | send_back, `version`, `text`, `evidence`.
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let c = caller(&ctx)?;
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let version: i64 = get("version").parse().unwrap_or(0);
    let (text, evidence) = (get("text"), get("evidence"));
    let actor = ctx.actor();
    let action = get("action").to_string();
    let r = match action.as_str() {
        "reply" => sup::reply(&state.db, &c, id, version, text, evidence, &actor, &ctx.origin).await,
        "close" => sup::decide(&state.db, &c, id, version, true, text, &actor, &ctx.origin).await,
        "send_back" => sup::decide(&state.db, &c, id, version, false, text, &actor, &ctx.origin).await,
        other => Err(StoreError::invalid("action", other, "未知操作", "unknown action")),
    };
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{id}?done={action}")).into_response()),
        Err(e @ (StoreError::Invalid { .. } | StoreError::Stale { .. })) => {
            let status = crate::error::status_of(e.code());
            let page = task_page(&state, &ctx, id, e.message(ctx.lang)).await?;
            Ok((status, view::html(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ───────────────────────────── Notices ─────────────────────────────

pub struct NoticeRow {
    pub id: i64,
    pub kind: &'static str,
    pub praise: bool,
    pub period: String,
    pub target: String,
    pub title: String,
    pub issued_at: String,
}

#[derive(Template)]
#[template(path = "supervision/notices.html")]
pub struct NoticesPage {
    pub l: Layout,
    pub rows: Vec<NoticeRow>,
    pub demos: Vec<sup::Demo>,
}

pub async fn notices(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    let scope = ctx.scope().unwrap_or_default();
    let rows = sup::notices(&state.db, &state.regions, &scope)
        .await?
        .into_iter()
        .map(|n| NoticeRow {
            id: n.id,
            kind: n.kind.label(ctx.lang),
            praise: n.kind == NoticeKind::Praise,
            period: n.period.clone(),
            target: n.target_label(&state.regions),
            title: n.title.clone(),
            issued_at: jiugai_domain::time::beijing(&n.issued_at),
        })
        .collect();
    let demos = sup::demos(&state.db, &state.regions, &scope, None).await?;
    Ok(view::html(&NoticesPage { l: Layout::new(&ctx, &state, "notices", "/notices"), rows, demos }))
}

#[derive(Template)]
#[template(path = "supervision/notice_new.html")]
pub struct NoticeNewPage {
    pub l: Layout,
    pub targets: Vec<(String, String)>,
    pub error: String,
}

async fn notice_new_page(state: &AppState, ctx: &Ctx, error: String) -> Result<NoticeNewPage, AppError> {
    let scope = ctx.user()?.scope_code.clone();
    let targets = state.regions.children(&scope).map(|r| (r.code.clone(), r.full_name.clone())).collect();
    Ok(NoticeNewPage { l: Layout::new(ctx, state, "notices", "/notices/new"), targets, error })
}

pub async fn notice_new(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    Ok(view::html(&notice_new_page(&state, &ctx, String::new()).await?))
}

/// `POST /notices`: kind, target_region, period, title, body, and up to three rectifications
/// (`rect_title_N`, `rect_due_N`).
pub async fn notice_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let c = caller(&ctx)?;
    let get = |k: &str| f.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let mut rects = Vec::new();
    for i in 1..=3 {
        let (t, d) = (get(&format!("rect_title_{i}")), get(&format!("rect_due_{i}")));
        if !t.is_empty() || !d.is_empty() {
            rects.push(Rectification { title: t, body: get(&format!("rect_body_{i}")), due_on: d });
        }
    }
    let n = NewNotice {
        region: c.scope.clone(),
        kind: NoticeKind::parse(&get("kind")),
        target_region: Some(get("target_region")).filter(|s| !s.is_empty()),
        target_unit: get("target_unit").parse().ok(),
        period: get("period"),
        title: get("title"),
        body: get("body"),
        rectifications: rects,
    };
    let profiles = state.profiles();
    match sup::issue_notice(&state.db, &state.regions, &profiles, &c, &n, &ctx.actor(), &ctx.origin).await {
        Ok((notice, _)) => Ok(Redirect::to(&format!("/notices/{}", notice.id)).into_response()),
        Err(e @ StoreError::Invalid { .. }) => {
            let status = crate::error::status_of(e.code());
            Ok((status, view::html(&notice_new_page(&state, &ctx, e.message(ctx.lang)).await?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "supervision/notice.html")]
pub struct NoticePage {
    pub l: Layout,
    pub n: Notice,
    pub kind: &'static str,
    pub issuer: String,
    pub target: String,
    pub f: Facts,
    pub target_text: String,
    pub tasks: Vec<TaskRow>,
    pub issued_at: String,
}

pub async fn notice(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Html<String>, AppError> {
    let n = sup::notice(&state.db, id).await?;
    let tasks = sup::list(&state.db, &state.regions, &sup::Filter { notice_id: Some(id), ..Default::default() })
        .await?
        .iter()
        .map(|t| row(&state, &ctx, t))
        .collect();
    let f = n.facts();
    Ok(view::html(&NoticePage {
        l: Layout::new(&ctx, &state, "notices", &format!("/notices/{id}")),
        kind: n.kind.label(ctx.lang),
        issuer: view::region_name(&state, &n.region_code, ctx.t()),
        target: n.target_label(&state.regions),
        target_text: f.target.map_or_else(|| "—".to_string(), |t| t.to_string()),
        issued_at: jiugai_domain::time::beijing(&n.issued_at),
        f,
        tasks,
        n,
    }))
}

// ───────────────────────────── Organisation ─────────────────────────────

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrgParams {
    pub region: String,
}

#[derive(Template)]
#[template(path = "supervision/org.html")]
pub struct OrgPage {
    pub l: Layout,
    pub o: jiugai_store::org::Organisation,
}

pub async fn org(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OrgParams>,
) -> Result<Html<String>, AppError> {
    let scope = ctx.user()?.scope_code.clone();
    let region = if q.region.trim().is_empty() {
        scope.clone()
    } else {
        let within = if scope.is_empty() { None } else { Some(scope.as_str()) };
        state.regions.resolve(q.region.trim(), within)?.code.clone()
    };
    let o = jiugai_store::org::organisation(&state.db, &state.regions, &region).await?;
    Ok(view::html(&OrgPage { l: Layout::new(&ctx, &state, "org", "/org"), o }))
}

/// The overdue-task panel for a dashboard (`templates/supervision/dash_panel.html`).
#[derive(Template)]
#[template(path = "supervision/dash_panel.html")]
pub struct DashPanel {
    pub t: crate::i18n::Tr,
    pub overdue: i64,
    pub mine: i64,
}

/// The panel's figures for the caller: overdue tasks in the scope, and those assigned to the caller's unit.
pub async fn dash_panel(state: &AppState, ctx: &Ctx) -> Result<DashPanel, AppError> {
    let u = ctx.user()?;
    let scope = ctx.scope().unwrap_or_else(|| u.scope_code.clone());
    let overdue = sup::overdue_count(&state.db, &state.regions, &scope, None).await?;
    let mine = match u.unit_id {
        Some(unit) => sup::overdue_count(&state.db, &state.regions, &scope, Some(unit)).await?,
        None => 0,
    };
    Ok(DashPanel { t: ctx.t(), overdue, mine })
}
