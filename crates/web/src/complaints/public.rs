//! The public pages (no account, no CSRF: they change nothing of anyone else's and hold no session):
//! `GET /report` the form (`?project=ID` from the notice page, `?estate=ID`), `POST /report` the receipt
//! with the tracking number, `GET /track?no=…` the status. Small and readable on a phone, like the notice.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiugai_store::complaints::{self, NewComplaint, Tracking};
use jiugai_store::{StoreError, projects};
use serde::Deserialize;

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::view;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportParams {
    pub project: String,
    pub estate: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportForm {
    pub project: String,
    pub estate: String,
    pub category: String,
    pub body: String,
    pub contact_name: String,
    pub contact_phone: String,
}

#[derive(Template)]
#[template(path = "complaints/report.html")]
pub struct ReportPage {
    pub t: Tr,
    /// The project or estate the complaint is about was found (its notice is published).
    pub ready: bool,
    pub project: String,
    pub project_name: String,
    /// The project's estates to choose from (when it has several).
    pub estates: Vec<(i64, String)>,
    pub estate: String,
    pub estate_name: String,
    pub categories: Vec<(&'static str, &'static str)>,
    pub f: ReportForm,
    pub error: String,
    pub error_field: String,
    pub here: String,
}

#[derive(Template)]
#[template(path = "complaints/receipt.html")]
pub struct ReceiptPage {
    pub t: Tr,
    pub tracking_no: String,
    pub track_url: String,
    pub subject: String,
}

pub struct HistoryRow {
    pub on: String,
    pub status: &'static str,
    pub reply: String,
}

#[derive(Template)]
#[template(path = "complaints/track.html")]
pub struct TrackPage {
    pub t: Tr,
    pub no: String,
    /// Found: its status and history.
    pub found: bool,
    pub status: String,
    pub status_label: &'static str,
    pub category: &'static str,
    pub received_on: String,
    pub project_name: String,
    pub history: Vec<HistoryRow>,
    pub error: String,
    pub here: String,
}

fn id_of(s: &str) -> Option<i64> {
    s.trim().parse().ok().filter(|n: &i64| *n > 0)
}

/// What the form is about, if the public may name it: a project with a published notice (and one of its
/// estates), or an estate of such a project. Anything else is simply not found.
async fn subject(
    state: &AppState,
    project: &str,
    estate: &str,
) -> Result<Option<(String, Vec<(i64, String)>, String)>, AppError> {
    let estate_id = id_of(estate);
    if let Some(pid) = id_of(project) {
        let p = match projects::get(&state.db, pid).await {
            Ok(p) if p.notice_from.is_some() => p,
            Ok(_) | Err(StoreError::ProjectNotFound(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut estates = Vec::new();
        for id in &p.estate_ids {
            estates.push((*id, jiugai_store::estates::get(&state.db, *id).await?.data.name));
        }
        let chosen = estates.iter().find(|e| Some(e.0) == estate_id).map(|e| e.1.clone()).unwrap_or_default();
        return Ok(Some((p.name, estates, chosen)));
    }
    if let Some(eid) = estate_id
        && complaints::published_project_of_estate(&state.db, eid).await?.is_some()
    {
        let e = jiugai_store::estates::get(&state.db, eid).await?;
        return Ok(Some((String::new(), vec![], e.data.name)));
    }
    Ok(None)
}

async fn report_page(
    state: &AppState,
    ctx: &Ctx,
    f: ReportForm,
    error: String,
    error_field: String,
) -> Result<ReportPage, AppError> {
    let t = ctx.t();
    let found = subject(state, &f.project, &f.estate).await?;
    let ready = found.is_some();
    let (project_name, estates, estate_name) = found.unwrap_or_default();
    let here = format!(
        "/report?project={}&estate={}",
        crate::util::urlencode(f.project.trim()),
        crate::util::urlencode(f.estate.trim())
    );
    Ok(ReportPage {
        t,
        ready,
        project: if project_name.is_empty() { String::new() } else { f.project.trim().to_string() },
        project_name,
        estates: if estates.len() > 1 { estates } else { vec![] },
        estate: f.estate.trim().to_string(),
        estate_name,
        categories: complaints::Category::ALL.iter().map(|&c| (c.as_str(), t.l(c))).collect(),
        f,
        error,
        error_field,
        here: crate::util::urlencode(&here),
    })
}

pub async fn form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ReportParams>,
) -> Result<Html<String>, AppError> {
    let f = ReportForm { project: q.project, estate: q.estate, ..Default::default() };
    Ok(view::html(&report_page(&state, &ctx, f, String::new(), String::new()).await?))
}

/// The form's fields as the store takes them.
pub fn new_complaint(f: &ReportForm) -> NewComplaint {
    NewComplaint {
        project_id: id_of(&f.project),
        estate_id: id_of(&f.estate),
        category: f.category.trim().to_string(),
        body: f.body.clone(),
        contact_name: f.contact_name.clone(),
        contact_phone: f.contact_phone.clone(),
    }
}

pub async fn submit(State(state): State<AppState>, ctx: Ctx, Form(f): Form<ReportForm>) -> Result<Response, AppError> {
    let t = ctx.t();
    let now = complaints::stamp(projects::today());
    match complaints::submit(&state.db, &state.regions, &state.profiles(), &new_complaint(&f), &now, &ctx.origin).await
    {
        Ok(c) => {
            let page = ReceiptPage {
                t,
                track_url: format!("/track?no={}", crate::util::urlencode(&c.tracking_no)),
                tracking_no: c.tracking_no.clone(),
                subject: super::subject(&c),
            };
            Ok(view::html(&page).into_response())
        }
        Err(StoreError::Invalid { field, zh, en, .. }) => {
            let msg = if t.zh() { zh } else { en };
            let page = report_page(&state, &ctx, f, msg, field).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, view::html(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TrackParams {
    pub no: String,
}

pub fn track_page(ctx: &Ctx, no: &str, found: Option<Tracking>) -> TrackPage {
    let t = ctx.t();
    let here = crate::util::urlencode(&format!("/track?no={}", crate::util::urlencode(no)));
    match found {
        Some(tr) => TrackPage {
            t,
            no: tr.tracking_no.clone(),
            found: true,
            status_label: super::status_label(ctx, tr.status),
            status: tr.status.as_str().to_string(),
            category: super::category_label(ctx, tr.category),
            received_on: tr.received_on,
            project_name: tr.project_name.unwrap_or_default(),
            history: tr
                .history
                .into_iter()
                .map(|e| HistoryRow { on: e.on, status: super::status_label(ctx, e.status), reply: e.reply })
                .collect(),
            error: String::new(),
            here,
        },
        None => TrackPage {
            t,
            no: no.trim().chars().take(40).collect(),
            found: false,
            status: String::new(),
            status_label: "",
            category: "",
            received_on: String::new(),
            project_name: String::new(),
            history: vec![],
            error: if no.trim().is_empty() {
                String::new()
            } else {
                t.b("没有查到这个受理编号：请核对回执上的编号（如 TS20260301-7K3M9QXA，字母不区分大小写）后再查。", "No complaint has this tracking number: check it against your receipt (e.g. TS20260301-7K3M9QXA; letters in any case) and try again.").to_string()
            },
            here,
        },
    }
}

/// `GET /track?no=…`: the status, or the same page with a message (404) for any number that is not one.
pub async fn track(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TrackParams>,
) -> Result<Response, AppError> {
    let found = if q.no.trim().is_empty() { None } else { complaints::track(&state.db, &q.no).await? };
    let status = if found.is_none() && !q.no.trim().is_empty() { StatusCode::NOT_FOUND } else { StatusCode::OK };
    Ok((status, view::html(&track_page(&ctx, &q.no, found))).into_response())
}
