//! Plan pages: `GET /plans` (in scope, filters year and status), `GET /plans/new` + `POST /plans` (a plan
//! from projects of a region and year), `GET /plans/{id}` (lines, checks, chain, history, the acts the
//! caller may take), the forms `POST /plans/{id}/{projects,submit,review,issue,amend}` (each carries the
//! plan's version; 303 back, or the page again with the message: 422, 403, or 409 with what changed),
//! `GET /plans/{id}/export.xlsx` and `GET /plans/{id}/print`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiugai_domain::PlanStatus;
use jiugai_store::plans;
use jiugai_store::{StoreError, projects};
use serde::Deserialize;

use super::{PlanDetail, Who, count, m2, wan};
use crate::AppState;
use crate::access::{Action, Ctx};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::view::{self, Layout};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    pub year: String,
    pub status: String,
}

impl ListParams {
    pub fn year(&self) -> Result<Option<i32>, AppError> {
        let y = self.year.trim().trim_end_matches('年');
        if y.is_empty() {
            return Ok(None);
        }
        y.parse().map(Some).map_err(|_| {
            AppError::invalid("year", format!("年度“{y}”无效：请填写四位年份"), format!("year “{y}” is not a year"))
        })
    }
    pub fn status(&self) -> Result<Option<PlanStatus>, AppError> {
        let s = self.status.trim();
        if s.is_empty() { Ok(None) } else { crate::error::word("status", s).map(Some) }
    }
}

pub struct Row {
    pub id: i64,
    pub title: String,
    pub region: String,
    pub year: i32,
    pub status: String,
    pub status_label: String,
    pub projects: usize,
    pub households: String,
    pub investment: String,
    pub late: String,
    pub step: String,
}

#[derive(Template)]
#[template(path = "plans/list.html")]
pub struct ListPage {
    pub l: Layout,
    pub q: ListParams,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub rows: Vec<Row>,
    pub can_create: bool,
    pub error: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListParams>,
) -> Result<Html<String>, AppError> {
    let t = ctx.t();
    let filters = q.year().and_then(|y| Ok((y, q.status()?)));
    let (plans, error) = match filters {
        Ok((y, s)) => (super::list_in_scope(&state, &ctx, y, s).await?, String::new()),
        Err(e) => (vec![], e.message(ctx.lang)),
    };
    let rows = plans
        .into_iter()
        .map(|s| Row {
            id: s.plan.id,
            title: s.title,
            region: s.region_name,
            year: s.plan.plan_year,
            status: s.plan.status.as_str().to_string(),
            status_label: s.status_label,
            projects: s.projects,
            households: count(s.households),
            investment: wan(s.investment_fen),
            late: s.late.unwrap_or_default(),
            step: s.current_step.unwrap_or_default(),
        })
        .collect();
    Ok(view::html(&ListPage {
        l: Layout::new(&ctx, &state, "plans", "/plans"),
        q,
        statuses: PlanStatus::ALL.iter().map(|&s| (s.as_str(), t.l(s))).collect(),
        rows,
        can_create: ctx.may(Action::WritePlan),
        error,
    }))
}

// ---------------------------------------------------------------------------------------------- new

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewParams {
    pub region: String,
    pub year: String,
}

pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub estates: String,
    pub stage: String,
    pub investment: String,
    pub checked: bool,
    /// The live plan it is already in ("#3"), if any.
    pub taken: String,
}

#[derive(Template)]
#[template(path = "plans/new.html")]
pub struct NewPage {
    pub l: Layout,
    pub region: String,
    pub region_code: String,
    pub region_name: String,
    pub year: String,
    pub candidates: Vec<Candidate>,
    pub error: String,
    pub error_field: String,
}

/// Region (in the caller's scope; blank: the scope itself) and year of the form.
fn region_year(state: &AppState, ctx: &Ctx, p: &NewParams) -> Result<(String, Option<i32>), AppError> {
    let scope = ctx.scope().unwrap_or_default();
    let code = crate::estates::resolve_region(state, ctx, &p.region)?.unwrap_or(scope);
    let y = ListParams { year: p.year.clone(), status: String::new() }.year()?;
    Ok((code, y))
}

async fn candidates(
    state: &AppState,
    ctx: &Ctx,
    region: &str,
    year: i32,
    chosen: &[i64],
) -> Result<Vec<Candidate>, AppError> {
    let Some(scope) = ctx.scope() else { return Ok(vec![]) };
    let f = projects::Filter {
        scope,
        region: Some(region.to_string()).filter(|r| !r.is_empty()),
        plan_year: Some(year),
        ..Default::default()
    };
    let live: Vec<(i64, i64)> = plans::list(&state.db, "", None, Some(year))
        .await?
        .into_iter()
        .filter(|p| p.status != PlanStatus::Superseded)
        .flat_map(|p| p.project_ids.iter().map(|x| (*x, p.id)).collect::<Vec<_>>())
        .collect();
    let mut out = Vec::new();
    for p in projects::list(&state.db, &state.regions, &f).await? {
        if p.stage >= jiugai_domain::Stage::Completed {
            continue;
        }
        let mut names = Vec::new();
        for e in &p.estate_ids {
            names.push(jiugai_store::estates::get(&state.db, *e).await?.data.name);
        }
        out.push(Candidate {
            id: p.id,
            estates: names.join("、"),
            stage: ctx.t().l(p.stage).to_string(),
            investment: wan(p.investment_fen),
            checked: chosen.contains(&p.id),
            taken: live.iter().find(|(x, _)| *x == p.id).map(|(_, pl)| format!("#{pl}")).unwrap_or_default(),
            name: p.name,
        });
    }
    Ok(out)
}

async fn new_page(
    state: &AppState,
    ctx: &Ctx,
    p: &NewParams,
    chosen: &[i64],
    error: Option<&AppError>,
) -> Result<NewPage, AppError> {
    let t = ctx.t();
    let mut page = NewPage {
        l: Layout::new(ctx, state, "plans", "/plans/new"),
        region: p.region.clone(),
        region_code: String::new(),
        region_name: String::new(),
        year: p.year.clone(),
        candidates: vec![],
        error: error.map(|e| e.message(ctx.lang)).unwrap_or_default(),
        error_field: error.and_then(|e| e.field()).unwrap_or("").to_string(),
    };
    if page.year.trim().is_empty() {
        page.year = (projects::today().year() + 1).to_string();
    }
    match region_year(state, ctx, &NewParams { region: p.region.clone(), year: page.year.clone() }) {
        Ok((code, Some(y))) => {
            page.region_name = view::region_name(state, &code, t);
            page.candidates = candidates(state, ctx, &code, y, chosen).await?;
            page.region_code = code;
        }
        Ok((_, None)) => {}
        Err(e) => {
            if page.error.is_empty() {
                page.error = e.message(ctx.lang);
                page.error_field = e.field().unwrap_or("").to_string();
            }
        }
    }
    Ok(page)
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<NewParams>,
) -> Result<Html<String>, AppError> {
    Ok(view::html(&new_page(&state, &ctx, &p, &[], None).await?))
}

fn value<'a>(f: &'a [(String, String)], k: &str) -> &'a str {
    f.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// `POST /plans` `region`, `year`, `project_ids`…: 303 to the new plan, or the form again (422/409).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let p = NewParams { region: value(&f, "region").into(), year: value(&f, "year").into() };
    let chosen: Vec<i64> = f.iter().filter(|(k, _)| k == "project_ids").filter_map(|(_, v)| v.parse().ok()).collect();
    let r = async {
        let (code, year) = region_year(&state, &ctx, &p)?;
        let year = year.ok_or_else(|| AppError::invalid("year", "请填写计划年度", "give the plan year"))?;
        let who = Who::of(&ctx)?;
        Ok::<_, AppError>(
            plans::create(&state.db, &state.regions, &state.profiles(), &code, year, &chosen, &who.actor()).await?,
        )
    }
    .await;
    match r {
        Ok(plan) => Ok(Redirect::to(&format!("/plans/{}?ok=created", plan.id)).into_response()),
        Err(e @ AppError::Invalid { .. }) => {
            let page = new_page(&state, &ctx, &p, &chosen, Some(&e)).await?;
            Ok((e.status(), view::html(&page)).into_response())
        }
        Err(e) => Err(e),
    }
}

// --------------------------------------------------------------------------------------------- show

pub struct LineRow {
    pub n: usize,
    pub project_id: i64,
    pub project: String,
    pub region: String,
    pub estates: String,
    pub households: String,
    pub area: String,
    pub content: String,
    pub investment: String,
}

pub struct Totals {
    pub households: String,
    pub area: String,
    pub investment: String,
}

#[derive(Template)]
#[template(path = "plans/show.html")]
pub struct ShowPage {
    pub l: Layout,
    pub d: PlanDetail,
    pub rows: Vec<LineRow>,
    pub totals: Totals,
    pub due: String,
    pub submitted: String,
    pub approved: String,
    pub issued: String,
    /// Projects of the plan's region and year that could be added.
    pub addable: Vec<(i64, String)>,
    pub notice: String,
    pub error: String,
    /// The form the error belongs to (its anchor).
    pub error_section: String,
    /// A stale form: what was done to the plan since the version the form carried.
    pub changes: Vec<(String, String, String, String)>,
    pub reason: String,
}

pub fn line_rows(state: &AppState, d: &PlanDetail) -> (Vec<LineRow>, Totals) {
    let rows = d
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| LineRow {
            n: i + 1,
            project_id: l.project_id,
            project: l.project.clone(),
            region: state.regions.get(&l.region_code).map(|r| r.name.clone()).unwrap_or(l.region_code.clone()),
            estates: l.estates.join("、"),
            households: count(l.households),
            area: m2(l.area_dm2),
            content: l.content.clone(),
            investment: wan(l.investment_fen),
        })
        .collect();
    let totals = Totals {
        households: count(d.summary.households),
        area: m2(d.summary.area_dm2),
        investment: wan(d.summary.investment_fen),
    };
    (rows, totals)
}

fn when(s: &Option<String>) -> String {
    s.as_deref().map(jiugai_domain::time::beijing).unwrap_or_default()
}

pub async fn build(state: &AppState, ctx: &Ctx, id: i64) -> Result<ShowPage, AppError> {
    let d = super::detail(state, ctx, id).await?;
    let (rows, totals) = line_rows(state, &d);
    let p = &d.summary.plan;
    let mut addable = Vec::new();
    if d.may.edit {
        for c in candidates(state, ctx, &p.region_code, p.plan_year, &[]).await? {
            if c.taken.is_empty() && !p.project_ids.contains(&c.id) {
                addable.push((c.id, format!("{} · {}", c.name, c.estates)));
            }
        }
    }
    Ok(ShowPage {
        l: Layout::new(ctx, state, "plans", &format!("/plans/{id}")),
        due: p.due_on.clone().unwrap_or_default(),
        submitted: when(&p.submitted_at),
        approved: when(&p.approved_at),
        issued: when(&p.issued_at),
        rows,
        totals,
        addable,
        notice: String::new(),
        error: String::new(),
        error_section: String::new(),
        changes: vec![],
        reason: String::new(),
        d,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShowParams {
    pub ok: String,
}

fn notice_of(t: Tr, ok: &str) -> String {
    match ok {
        "created" => t.b("计划已创建（草稿）。", "Plan created (draft)."),
        "projects" => t.b("计划的项目已更新。", "The plan's projects were changed."),
        "submit" => t.b("计划已上报，等待审核。", "Plan submitted for review."),
        "approve" => t.b("已审核通过。", "Approved."),
        "return" => t.b("计划已退回编制单位修改。", "Plan returned to its authors."),
        "issue" => t.b("计划已下达，此后只能提出调整。", "Plan issued; from now on it changes only by amendment."),
        "" => "",
        _ => t.b("已保存。", "Saved."),
    }
    .to_string()
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ShowParams>,
) -> Result<Html<String>, AppError> {
    let mut page = build(&state, &ctx, id).await?;
    page.notice = notice_of(ctx.t(), &q.ok);
    Ok(view::html(&page))
}

type F = HashMap<String, String>;

fn get<'a>(f: &'a F, k: &str) -> &'a str {
    f.get(k).map(|s| s.as_str()).unwrap_or("")
}

fn version_of(f: &F) -> Result<i64, AppError> {
    crate::projects::actions::version_of(f)
}

/// After a form: 303 to the plan (or to the plan it created), or the page again with the message next to
/// the form, and for a stale version what was done to the plan since.
async fn respond(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    section: &str,
    f: &F,
    r: Result<i64, AppError>,
) -> Result<Response, AppError> {
    match r {
        Ok(to) => Ok(Redirect::to(&format!("/plans/{to}?ok={section}#{section}")).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Store(StoreError::Stale { .. }))) => {
            let mut page = build(state, ctx, id).await?;
            page.error = e.message(ctx.lang);
            page.error_section = section.to_string();
            page.reason = get(f, "reason").to_string();
            if let AppError::Store(StoreError::Stale { expected, .. }) = &e {
                let t = ctx.t();
                page.changes = page
                    .d
                    .events
                    .iter()
                    .filter(|ev| ev.event.version > *expected)
                    .map(|ev| {
                        (
                            ev.at_beijing.clone(),
                            ev.event.actor.clone(),
                            ev.action_label.clone(),
                            ev.event.reason.clone(),
                        )
                    })
                    .collect();
                if page.changes.is_empty() {
                    page.changes.push((
                        String::new(),
                        String::new(),
                        t.b("（无记录）", "(none recorded)").into(),
                        String::new(),
                    ));
                }
            }
            Ok((e.status(), view::html(&page)).into_response())
        }
        Err(e) => Err(e),
    }
}

/// `POST /plans/{id}/projects` `version`, `project_id`, `add` (1: add, 0: remove).
pub async fn change_project(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        let version = version_of(&f)?;
        let pid: i64 = get(&f, "project_id")
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("project_id", "请选择项目", "choose a project"))?;
        let add = get(&f, "add") != "0";
        let who = Who::of(&ctx)?;
        plans::change_project(&state.db, &state.regions, id, version, pid, add, &who.actor()).await?;
        Ok(id)
    }
    .await;
    respond(&state, &ctx, id, "projects", &f, r).await
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        let who = Who::of(&ctx)?;
        plans::submit(
            &state.db,
            &state.regions,
            &state.profiles(),
            id,
            version_of(&f)?,
            projects::today(),
            &who.actor(),
        )
        .await?;
        Ok(id)
    }
    .await;
    respond(&state, &ctx, id, "submit", &f, r).await
}

/// `POST /plans/{id}/review` `version`, `decision` (`approve` | `return`), `reason` (needed to return).
pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let approve = get(&f, "decision") != "return";
    let r = async {
        let who = Who::of(&ctx)?;
        let (db, regions, profiles) = (&state.db, &state.regions, state.profiles());
        let v = version_of(&f)?;
        plans::review(db, regions, &profiles, id, v, approve, get(&f, "reason"), projects::today(), &who.actor())
            .await?;
        Ok(id)
    }
    .await;
    respond(&state, &ctx, id, if approve { "approve" } else { "return" }, &f, r).await
}

pub async fn issue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        let who = Who::of(&ctx)?;
        plans::issue(
            &state.db,
            &state.regions,
            &state.profiles(),
            id,
            version_of(&f)?,
            projects::today(),
            &who.actor(),
        )
        .await?;
        Ok(id)
    }
    .await;
    respond(&state, &ctx, id, "issue", &f, r).await
}

/// `POST /plans/{id}/amend` `version`, `reason`: 303 to the new draft amendment.
pub async fn amend(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        let who = Who::of(&ctx)?;
        Ok(plans::amend(&state.db, id, version_of(&f)?, get(&f, "reason"), &who.actor()).await?.id)
    }
    .await;
    respond(&state, &ctx, id, "amend", &f, r).await
}

// ----------------------------------------------------------------------------------- export and print

/// The plan as the office's xlsx (合计 row exact to the fen).
pub async fn export(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, AppError> {
    let plan = plans::get(&state.db, id).await?;
    let lines = plans::lines(&state.db, &plan).await?;
    let sheet = jiugai_sheet::plan_sheet::PlanSheet {
        title: super::sheet_title(&state, &plan),
        unit: "面积单位：平方米；投资单位：万元".into(),
        rows: lines
            .iter()
            .map(|l| jiugai_sheet::plan_sheet::PlanSheetRow {
                project: l.project.clone(),
                estates: l.estates.clone(),
                region: state.regions.get(&l.region_code).map(|r| r.name.clone()).unwrap_or(l.region_code.clone()),
                households: l.households,
                area_dm2: l.area_dm2,
                content: l.content.clone(),
                investment_fen: l.investment_fen,
            })
            .collect(),
        note: Some(format!(
            "状态：{}；导出时间：{}",
            jiugai_domain::Label::zh(plan.status),
            jiugai_domain::time::beijing(&jiugai_store::clock::now_rfc3339())
        )),
    };
    let other = |e: String| AppError::Store(StoreError::Other(e));
    let dir = tempfile::tempdir().map_err(|e| other(e.to_string()))?;
    let path = dir.path().join("plan.xlsx");
    jiugai_sheet::plan_sheet::write_plan_xlsx(&path, &sheet).map_err(|e| other(e.to_string()))?;
    let bytes = tokio::fs::read(&path).await.map_err(|e| other(e.to_string()))?;
    let name = format!("{}.xlsx", sheet.title);
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"plan-{id}.xlsx\"; filename*=UTF-8''{}", crate::util::urlencode(&name)),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "plans/print.html")]
pub struct PrintPage {
    pub t: Tr,
    pub title: String,
    pub d: PlanDetail,
    pub rows: Vec<LineRow>,
    pub totals: Totals,
    pub printed: String,
}

pub async fn print(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    let d = super::detail(&state, &ctx, id).await?;
    let (rows, totals) = line_rows(&state, &d);
    let page = PrintPage {
        t: ctx.t(),
        title: super::sheet_title(&state, &d.summary.plan),
        printed: jiugai_domain::time::beijing(&jiugai_store::clock::now_rfc3339()),
        d,
        rows,
        totals,
    };
    Ok((StatusCode::OK, view::html(&page)).into_response())
}
