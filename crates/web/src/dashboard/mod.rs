//! The programme dashboard of every level (`/?region=CODE`, inside the caller's scope): estates by child
//! region and eligibility, progress against targets by year, projects by stage and overdue steps, money by
//! source and the payment rate, complaints, monthly-report completeness, and a map of the estates on the
//! region's outline. One file per panel's data; every figure links to the list behind it.

pub mod figures;
pub mod map;
pub mod money;
pub mod progress;

use axum::extract::{Query as Params, State};
use axum::response::Html;
use jiugai_store::estates::query::{self, Query};
use jiugai_store::regions::Level;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::view::{self, DashRow, DashboardPage, Layout, SeedRow};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DashParams {
    /// The region whose dashboard to show (a code inside the caller's scope; default: the scope).
    pub region: String,
}

/// The region a dashboard request names, checked against the caller's scope: the scope itself when none is
/// named; a region outside the scope, or one that does not exist, is 404 as anywhere else.
pub fn region_of(state: &AppState, ctx: &Ctx, param: &str) -> Result<String, AppError> {
    let scope = ctx.scope().ok_or(AppError::NotFound)?;
    let code = param.trim();
    if code.is_empty() || code == scope {
        return Ok(scope);
    }
    if state.regions.get(code).is_none() || !crate::access::plan_within(&state.regions, code, &scope) {
        return Err(AppError::NotFound);
    }
    Ok(code.to_string())
}

/// The five seed jurisdictions of the programme documents (SPEC §1).
pub const SEEDS: [&str; 5] = ["1404", "140830", "3413", "4507", "141182"];
const VERDICTS: [&str; 5] = ["core", "extended", "excluded", "out_of_scope", "unknown"];

pub struct Summary {
    pub rows: Vec<DashRow>,
    pub seeds: Vec<SeedRow>,
    /// The region whose children the rows are.
    pub shown: String,
}

/// The estates table of the caller's own scope (the JSON API's dashboard).
pub async fn summary(state: &AppState, ctx: &Ctx) -> Result<Summary, AppError> {
    let region = ctx.scope().unwrap_or_default();
    summary_of(state, ctx, &region, true).await
}

/// Estates by child region of `region` and eligibility; with `descend`, going down while everything lies in
/// one child.
pub async fn summary_of(state: &AppState, ctx: &Ctx, region: &str, descend: bool) -> Result<Summary, AppError> {
    let t = ctx.t();
    let mut rows: Vec<DashRow> = Vec::new();
    let Some(user_scope) = ctx.scope() else { return Ok(Summary { rows, seeds: vec![], shown: String::new() }) };
    query::refresh_eligibility(&state.db, &state.profiles()).await?;
    // Start at the region and go down while everything lies in one child (the whole country with
    // only Ruicheng's estates shows Ruicheng's streets, not one bar for the province).
    let mut scope = region.to_string();
    let mut counts = query::counts_by_child(&state.db, &state.regions, &scope).await?;
    for _ in 0..(if descend { 3 } else { 0 }) {
        let first = counts.first().map(|c| c.group.clone()).unwrap_or_default();
        let single = !counts.is_empty() && counts.iter().all(|c| c.group == first);
        let descend = state.regions.get(&first).is_some_and(|r| r.level < jiugai_store::regions::Level::County);
        if !(single && descend) {
            break;
        }
        scope = first;
        counts = query::counts_by_child(&state.db, &state.regions, &scope).await?;
    }
    for c in counts {
        let i = VERDICTS.iter().position(|v| *v == c.verdict).unwrap_or(4);
        if rows.last().is_none_or(|r| r.code != c.group) {
            let name = match state.regions.get(&c.group) {
                Some(r) => r.name.clone(),
                None if c.group.is_empty() => {
                    if t.zh() {
                        "（未填街道/社区）".into()
                    } else {
                        "(street not given)".into()
                    }
                }
                None => c.group.clone(),
            };
            rows.push(DashRow { code: c.group.clone(), name, counts: [0; 5], estates: 0, households: 0 });
        }
        let r = rows.last_mut().expect("pushed");
        r.counts[i] += c.estates;
        r.estates += c.estates;
        r.households += c.households;
    }
    // Community groups are names, not codes: link them to their street instead.
    if state.regions.get(&scope).is_some_and(|r| r.level >= jiugai_store::regions::Level::Street) {
        for r in &mut rows {
            r.code = scope.clone();
        }
    }
    let mut seeds = Vec::new();
    for code in SEEDS {
        let inside = user_scope.is_empty() || code.starts_with(user_scope.as_str()) || user_scope.starts_with(code);
        let Some(region) = state.regions.get(code).filter(|_| inside) else { continue };
        let set = state.profiles();
        let profile = set.for_region(code).to_string();
        let title = set.effective(&profile).map(|e| e.title).unwrap_or_default();
        let q =
            Query { scope: Some(user_scope.clone()), region: Some(code.to_string()), limit: 1, ..Default::default() };
        let estates = query::page(&state.db, &state.regions, &q).await?.total;
        seeds.push(SeedRow { code: code.to_string(), region: region.full_name.clone(), profile, title, estates });
    }
    Ok(Summary { rows, seeds, shown: scope })
}

/// A level of the picker: a region from the caller's scope down to the one shown, or a child to go to.
pub struct LevelLink {
    pub code: String,
    pub name: String,
    pub href: String,
}

/// The chain from the caller's scope down to `region`, and the children of `region` one may drill into.
fn levels(state: &AppState, ctx: &Ctx, scope: &str, region: &str) -> (Vec<LevelLink>, Vec<LevelLink>) {
    let t = ctx.t();
    let link = |code: &str| LevelLink {
        code: code.to_string(),
        name: if code.is_empty() {
            t.b("全国", "China").to_string()
        } else {
            state.regions.get(code).map_or_else(|| code.to_string(), |r| r.name.clone())
        },
        href: if code == scope { "/".to_string() } else { format!("/?region={code}") },
    };
    let mut up = vec![link(scope)];
    if region != scope {
        let chain = state.regions.ancestors(region);
        let from = chain.iter().position(|r| r.code == scope).map_or(0, |i| i + 1);
        up.extend(chain[from..].iter().map(|r| link(&r.code)));
    }
    let children = if region.is_empty() {
        // Provinces are the roots of the tree: two-digit codes.
        (11..=82).filter_map(|n| state.regions.get(&n.to_string())).map(|r| link(&r.code)).collect()
    } else {
        state.regions.children(region).filter(|r| r.level <= Level::Street).map(|r| link(&r.code)).collect()
    };
    (up, children)
}

/// One stage of the projects chart: its count and the list behind it.
pub struct StageFigure {
    pub key: &'static str,
    pub label: &'static str,
    pub count: i64,
    pub colour: &'static str,
    pub href: String,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Params(p): Params<DashParams>,
) -> Result<Html<String>, AppError> {
    let t = ctx.t();
    let user_scope = ctx.scope();
    let region = match &user_scope {
        Some(_) => region_of(&state, &ctx, &p.region)?,
        None if p.region.is_empty() => String::new(),
        None => return Err(AppError::NotFound),
    };
    let scope = user_scope.clone().unwrap_or_default();
    let own = region == scope;
    // Links to lists keep the region when it is not the caller's whole scope.
    let rq = if own { String::new() } else { format!("&region={region}") };
    let s = summary_of(&state, &ctx, &region, own).await?;
    let total = s.rows.iter().map(|r| r.estates).sum();
    let households = s.rows.iter().map(|r| r.households).sum();
    let core = s.rows.iter().map(|r| r.counts[0]).sum();
    let extended = s.rows.iter().map(|r| r.counts[1]).sum();
    let chart = json!({
        "regions": s.rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
        "series": VERDICTS.iter().enumerate().filter(|(i, _)| s.rows.iter().any(|r| r.counts[*i] > 0) || *i < 4)
            .map(|(i, v)| json!({"name": t.verdict(v), "data": s.rows.iter().map(|r| r.counts[i]).collect::<Vec<_>>()})).collect::<Vec<_>>(),
    });
    let scope_name = view::region_name(&state, &region, t);
    // `</` cannot occur in the JSON of names and numbers, but make sure it never closes the script element.
    let chart_json = chart.to_string().replace("</", "<\\/");
    let mut filter = crate::projects::filter_of(&ctx);
    if user_scope.is_some() {
        filter.scope = region.clone();
    }
    let projects = jiugai_store::projects::summary(&state.db, &state.regions, &state.profiles(), &filter).await?;
    let stage_labels = projects.by_stage.iter().map(|(st, _)| crate::projects::stage_label(&ctx, *st)).collect();
    let stages: Vec<StageFigure> = jiugai_domain::Stage::ALL
        .iter()
        .map(|st| StageFigure {
            key: st.as_str(),
            label: t.l(*st),
            count: projects.by_stage.iter().find(|(s, _)| s == st).map_or(0, |(_, n)| *n),
            colour: map::stage_colour(Some(*st)),
            href: format!("/projects?stage={}{rq}", st.as_str()),
        })
        .collect();
    let managed_share = if projects.renovated_estates == 0 {
        "—".to_string()
    } else {
        jiugai_rules::Ratio { num: projects.managed_estates, den: projects.renovated_estates }.percent_text()
    };
    let complaints = match user_scope.as_ref().filter(|_| ctx.may(crate::access::Action::ReadComplaints)) {
        Some(_) => Some(jiugai_store::complaints::summary(&state.db, &region, jiugai_store::projects::today()).await?),
        None => None,
    };
    let (awaiting, returned) = plans_for(&state, &ctx).await?;
    let targets = if own { crate::targets::compact(&state, &ctx).await? } else { None };
    let (progress, money, monthly, completeness) = match &user_scope {
        Some(_) => (
            progress::panel(&state, &ctx, &region).await?,
            money::panel(&state, &ctx, &region).await?,
            figures::complaints(&state, &ctx, &region).await?,
            figures::completeness(&state, &ctx, &region).await?,
        ),
        None => (None, None, None, None),
    };
    let (up, down) = levels(&state, &ctx, &scope, &region);
    let data = json!({
        "region": region,
        "map": format!("/api/v1/dashboard/map?region={region}"),
        "stages": stages.iter().map(|s| json!({"key": s.key, "label": s.label, "count": s.count, "colour": s.colour, "href": s.href})).collect::<Vec<_>>(),
        "stagesTitle": t.b("各阶段项目数", "Projects by stage"),
        "progress": progress.as_ref().map(|p| serde_json::from_str::<serde_json::Value>(&p.json).unwrap_or_default()),
        "money": money.as_ref().map(|m| serde_json::from_str::<serde_json::Value>(&m.json).unwrap_or_default()),
        "labels": {"estates": t.b("小区", "estates"), "noOutline": t.b("本地区暂无行政区划边界图。", "No outline for this region."),
                   "drill": t.b("点击地区查看下级", "Click a region to drill down"), "tooMany": t.b("小区较多，按下级地区汇总；点击地区查看", "Too many estates to draw: counts by region; click one to drill down")},
    })
    .to_string()
    .replace("</", "<\\/");
    let here = if own { "/".to_string() } else { format!("/?region={region}") };
    // Overdue supervision tasks (督办) in the caller's scope and for the caller's unit.
    let tasks = if ctx.may(crate::access::Action::ReadSupervision) {
        askama::Template::render(&crate::supervision::dash_panel(&state, &ctx).await?).unwrap_or_default()
    } else {
        String::new()
    };
    let page = DashboardPage {
        l: Layout::new(&ctx, &state, "dashboard", &here),
        scope_name,
        total,
        households,
        core,
        extended,
        rows: s.rows,
        seeds: s.seeds,
        chart_json,
        projects,
        stage_labels,
        managed_share,
        complaints,
        show_plans: ctx.may(crate::access::Action::ReadPlans),
        tasks,
        awaiting,
        returned,
        targets,
        region: region.clone(),
        rq,
        up,
        down,
        stages,
        progress,
        money,
        monthly,
        completeness,
        data_json: data,
    };
    Ok(view::html(&page))
}

/// Plans awaiting the caller's review (待审核计划), and for drafting offices the plans returned to them.
async fn plans_for(
    state: &AppState,
    ctx: &Ctx,
) -> Result<(Vec<crate::plans::PlanSummary>, Vec<crate::plans::PlanSummary>), AppError> {
    use crate::access::Action;
    use jiugai_store::plans;
    if !ctx.may(Action::ReadPlans) {
        return Ok((vec![], vec![]));
    }
    let who = crate::plans::Who::of(ctx)?;
    let t = ctx.t();
    let mut awaiting = Vec::new();
    for p in plans::awaiting(&state.db, &state.regions, &state.profiles(), &who.actor()).await? {
        // `awaiting` reads the plan rows only: load each with its projects.
        let p = plans::get(&state.db, p.id).await?;
        let lines = plans::lines(&state.db, &p).await?;
        awaiting.push(crate::plans::summary(state, t, p, &lines));
    }
    let returned = if ctx.may(Action::WritePlan) {
        crate::plans::list_in_scope(state, ctx, None, Some(jiugai_domain::PlanStatus::Returned)).await?
    } else {
        vec![]
    };
    Ok((awaiting, returned))
}
