//! Monthly reports (月报表) [SPEC §7; 004 附件二4; 000 四(一)]: the report page of a region and month
//! (`pages.rs`: the table with its two-level header, the acts the caller may take, typed figures, changes
//! since approval, the printable page, the completeness page) and the typed JSON API (`api.rs`).
//!
//! The region a request names (query or body) must be inside the caller's scope: an unknown region and one
//! outside it both answer 404 ([`region_of`]). Who may submit is the region's own office
//! ([`reports::is_owner`]); who approves, returns and reopens is the level above ([`reports::is_upper`]);
//! the page shows a button only when the store would accept it from this caller, and the store decides.

pub mod api;
pub mod pages;

use jiugai_domain::{ErrorCode, Label, ReportState, Role};
use jiugai_store::reports::{self, FIGURES, Report, TYPED};
use jiugai_store::{Lang, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::access::{Action, Ctx};
use crate::error::AppError;
use crate::i18n::Tr;

/// `?region=&month=` of every report route.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportParams {
    /// Region code or name inside the caller's scope (blank: the scope's root).
    pub region: String,
    /// `YYYY-MM` (blank: the previous month in Beijing time).
    pub month: String,
}

/// The caller as the store's report functions want it.
pub struct Who {
    pub name: String,
    pub role: Role,
    pub scope: String,
    pub origin: String,
}

impl Who {
    pub fn of(ctx: &Ctx) -> Result<Who, AppError> {
        let u = ctx.user()?;
        Ok(Who { name: ctx.actor(), role: u.role, scope: u.scope_code.clone(), origin: ctx.origin.clone() })
    }
}

/// The region a request names, inside the caller's scope; blank: the scope's root (for the whole country,
/// the first province). Unknown and out of scope are the same 404.
pub fn region_of(state: &AppState, ctx: &Ctx, q: &str) -> Result<String, AppError> {
    let scope = ctx.scope().ok_or(AppError::NotFound)?;
    let q = q.trim();
    if q.is_empty() {
        if scope.is_empty() {
            return state.regions.roots().next().map(|r| r.code.clone()).ok_or(AppError::NotFound);
        }
        return Ok(scope);
    }
    let within = if scope.is_empty() { None } else { Some(scope.as_str()) };
    match state.regions.resolve(q, within) {
        Ok(r) if scope.is_empty() || state.regions.within(&r.code, &scope) => Ok(r.code.clone()),
        _ => Err(AppError::NotFound),
    }
}

/// The previous month in Beijing time (`YYYY-MM`).
pub fn previous_month() -> String {
    let today = jiugai_store::projects::today();
    let (y, m) = if today.month() == 1 { (today.year() - 1, 12) } else { (today.year(), today.month() - 1) };
    format!("{y:04}-{m:02}")
}

/// The month a request names (`2026-11`, `2026-1`, `2026年11月`), blank: the previous month.
pub fn month_of(q: &str) -> Result<String, AppError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(previous_month());
    }
    let norm = q.trim_end_matches('月').replace('年', "-").replace(['/', '.'], "-");
    let m = match norm.split_once('-') {
        Some((y, m)) => format!("{y}-{:0>2}", m.trim()),
        None => norm,
    };
    reports::month_bounds(&m).map_err(|_| {
        AppError::invalid(
            "month",
            format!("月份“{q}”无效：请写成 2026-11"),
            format!("“{q}” is not a month: write 2026-11"),
        )
    })?;
    Ok(m)
}

/// What the caller may do with the report now (the store still decides).
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct Permissions {
    pub submit: bool,
    pub approve: bool,
    #[serde(rename = "return")]
    pub return_: bool,
    pub reopen: bool,
    /// Set the typed figures (while a draft or returned).
    pub typed: bool,
}

pub fn permissions(state: &AppState, ctx: &Ctx, r: &Report) -> Permissions {
    let Some(u) = ctx.user.as_ref() else { return Permissions::default() };
    let owner = reports::is_owner(&r.region, u.role, &u.scope_code) && ctx.may(Action::SubmitReports);
    let upper = reports::is_upper(&state.regions, &r.region, u.role, &u.scope_code) && ctx.may(Action::ApproveReports);
    let open = matches!(r.state, ReportState::Draft | ReportState::Returned);
    let ended = reports::month_bounds(&r.month).is_ok_and(|(_, last)| jiugai_store::projects::today() > last);
    Permissions {
        submit: owner && open && ended,
        approve: upper && r.state == ReportState::Submitted,
        return_: upper && r.state == ReportState::Submitted,
        reopen: upper && r.state == ReportState::Approved,
        typed: owner && open,
    }
}

/// Refuses a submission or typed figures from anyone but the region's own office.
pub fn require_owner(state: &AppState, who: &Who, region: &str) -> Result<(), AppError> {
    if reports::is_owner(region, who.role, &who.scope) {
        return Ok(());
    }
    let name = state.regions.get(region).map(|r| r.full_name.clone()).unwrap_or_else(|| region.to_string());
    Err(StoreError::invalid(
        "region",
        region,
        format!("{name}的月报由其本级填报上报"),
        format!("{name}'s report is submitted by its own office"),
    )
    .with_code(ErrorCode::NotReportOwner)
    .into())
}

/// A figure that changed in the records since the report was submitted or approved.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Change {
    /// The row (child region) it belongs to.
    pub row: String,
    /// The figure's key (`paid_month_fen`, …).
    pub figure: String,
    pub label: String,
    /// As submitted (or approved), and as the records now say.
    pub then: i64,
    pub now: i64,
}

/// A report with what changed since approval and what the caller may do: the store's `Report` keys
/// (`region`, `month`, `state`, `rows`, `total`, …) plus `changes` and `may`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReportReply {
    #[serde(flatten)]
    pub report: Report,
    pub state_label: String,
    pub changes: Vec<Change>,
    pub may: Permissions,
}

pub fn figure_label(t: Tr, key: &str) -> String {
    FIGURES
        .iter()
        .find(|(k, ..)| *k == key)
        .map(|(_, zh, en, _)| if t.zh() { *zh } else { *en })
        .unwrap_or(key)
        .to_string()
}

pub async fn reply(state: &AppState, ctx: &Ctx, region: &str, month: &str) -> Result<ReportReply, AppError> {
    let profiles = state.profiles();
    let report = reports::get(&state.db, &state.regions, &profiles, region, month).await?;
    let t = ctx.t();
    let changes = reports::changes(&state.db, &state.regions, &profiles, region, month)
        .await?
        .into_iter()
        .map(|(row, figure, then, now)| Change { row, label: figure_label(t, &figure), figure, then, now })
        .collect();
    Ok(ReportReply {
        state_label: t.l(report.state).to_string(),
        may: permissions(state, ctx, &report),
        changes,
        report,
    })
}

/// A child row's state, short, as offices write it.
pub fn short_state(t: Tr, s: ReportState) -> &'static str {
    match s {
        ReportState::Approved => t.b("已审核", "approved"),
        ReportState::Submitted => t.b("已上报", "submitted"),
        ReportState::Draft => t.b("草稿", "draft"),
        ReportState::Returned => t.b("退回", "returned"),
    }
}

/// Fen as 万元 exactly, as offices write it: two decimals at least, up to six (`120.50`, `0.000001`).
pub fn wan_exact(fen: i64) -> String {
    let a = fen.unsigned_abs();
    let int = jiugai_domain::number::grouped((a / 1_000_000) as i64);
    let mut frac = format!("{:06}", a % 1_000_000);
    while frac.len() > 2 && frac.ends_with('0') {
        frac.pop();
    }
    format!("{}{int}.{frac}", if fen < 0 { "-" } else { "" })
}

/// A figure as the page shows it: 万元 for money, m² with two decimals for area, grouped counts.
pub fn show(key: &str, v: i64) -> String {
    if key.ends_with("_fen") {
        wan_exact(v)
    } else if key.ends_with("_dm2") {
        jiugai_domain::number::grouped_hundredths(v)
    } else {
        jiugai_domain::number::grouped(v)
    }
}

/// The column's unit as the header shows it.
pub fn unit_of(t: Tr, key: &str) -> &'static str {
    let u = FIGURES.iter().find(|(k, ..)| *k == key).map(|f| f.3).unwrap_or("");
    match (u, t.zh()) {
        (_, true) => u,
        ("个", false) => "no.",
        ("户", false) => "households",
        ("㎡", false) => "m²",
        ("万元", false) => "10k yuan",
        ("件", false) => "cases",
        _ => "",
    }
}

/// The group of a column (the xlsx's upper header row), in the request's language.
pub fn group_label(t: Tr, key: &str) -> String {
    let zh = reports::column_of(key).0;
    if t.zh() {
        return zh.to_string();
    }
    match zh {
        "改造项目（个）" => "Projects",
        "改造小区（个）" => "Estates",
        "惠及居民" => "Households and area",
        "投资与资金（万元）" => "Investment and funds (10k yuan)",
        "投诉举报（件）" => "Complaints",
        _ => "Management",
    }
    .to_string()
}

/// A typed figure's label and its value for people.
pub fn typed_rows(t: Tr, typed: &serde_json::Value) -> Vec<(String, String, String, String)> {
    TYPED
        .iter()
        .map(|(k, zh, en, unit)| {
            let v = match &typed[*k] {
                serde_json::Value::Number(n) => n.as_i64().map(jiugai_domain::number::grouped).unwrap_or_default(),
                serde_json::Value::String(s) => s.clone(),
                _ => String::new(),
            };
            (k.to_string(), if t.zh() { zh.to_string() } else { en.to_string() }, unit.to_string(), v)
        })
        .collect()
}

pub fn region_full(state: &AppState, code: &str) -> String {
    state.regions.get(code).map(|r| r.full_name.clone()).unwrap_or_else(|| code.to_string())
}

/// The xlsx bytes of a report ([`reports::sheet`]), the same figures as its JSON.
pub async fn xlsx(state: &AppState, r: &Report) -> Result<Vec<u8>, AppError> {
    let other = |e: String| AppError::Store(StoreError::Other(e));
    let sheet = reports::sheet(r, &region_full(state, &r.region));
    let dir = tempfile::tempdir().map_err(|e| other(e.to_string()))?;
    let path = dir.path().join("report.xlsx");
    jiugai_sheet::report_sheet::write_report_xlsx(&path, &sheet).map_err(|e| other(e.to_string()))?;
    tokio::fs::read(&path).await.map_err(|e| other(e.to_string()))
}

/// "{全称}{YYYY}年{M}月" for titles.
pub fn title(state: &AppState, r: &Report, lang: Lang) -> String {
    let (y, m) = r.month.split_once('-').unwrap_or((&r.month, ""));
    if lang == Lang::Zh {
        format!("{}城镇老旧小区改造月报表（{y}年{}月）", region_full(state, &r.region), m.trim_start_matches('0'))
    } else {
        format!("Monthly report of {} — {}", region_full(state, &r.region), r.month)
    }
}

/// A label of the state for people in the request's language (the long one).
pub fn state_label(t: Tr, s: ReportState) -> &'static str {
    if t.zh() { s.zh() } else { s.en() }
}
