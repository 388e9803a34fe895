//! The dashboard: estates and households by child region and eligibility, a chart, and the seed
//! jurisdictions with their policy profiles.

use axum::extract::State;
use axum::response::Html;
use jiugai_store::estates::query::{self, Query};
use serde_json::json;

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::view::{self, DashRow, DashboardPage, Layout, SeedRow};

/// The five seed jurisdictions of the programme documents (SPEC §1).
pub const SEEDS: [&str; 5] = ["1404", "140830", "3413", "4507", "141182"];
const VERDICTS: [&str; 5] = ["core", "extended", "excluded", "out_of_scope", "unknown"];

pub struct Summary {
    pub rows: Vec<DashRow>,
    pub seeds: Vec<SeedRow>,
    /// The region whose children the rows are.
    pub shown: String,
}

pub async fn summary(state: &AppState, ctx: &Ctx) -> Result<Summary, AppError> {
    let t = ctx.t();
    let mut rows: Vec<DashRow> = Vec::new();
    let Some(user_scope) = ctx.scope() else { return Ok(Summary { rows, seeds: vec![], shown: String::new() }) };
    query::refresh_eligibility(&state.db, &state.profiles()).await?;
    // Start at the user's scope and go down while everything lies in one child (the whole country with
    // only Ruicheng's estates shows Ruicheng's streets, not one bar for the province).
    let mut scope = user_scope.clone();
    let mut counts = query::counts_by_child(&state.db, &state.regions, &scope).await?;
    for _ in 0..3 {
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

pub async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    let t = ctx.t();
    let s = summary(&state, &ctx).await?;
    let total = s.rows.iter().map(|r| r.estates).sum();
    let households = s.rows.iter().map(|r| r.households).sum();
    let core = s.rows.iter().map(|r| r.counts[0]).sum();
    let extended = s.rows.iter().map(|r| r.counts[1]).sum();
    let chart = json!({
        "regions": s.rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
        "series": VERDICTS.iter().enumerate().filter(|(i, _)| s.rows.iter().any(|r| r.counts[*i] > 0) || *i < 4)
            .map(|(i, v)| json!({"name": t.verdict(v), "data": s.rows.iter().map(|r| r.counts[i]).collect::<Vec<_>>()})).collect::<Vec<_>>(),
    });
    let scope_name =
        if s.shown.is_empty() { view::region_name(&state, "", t) } else { view::region_name(&state, &s.shown, t) };
    // `</` cannot occur in the JSON of names and numbers, but make sure it never closes the script element.
    let chart_json = chart.to_string().replace("</", "<\\/");
    let projects = jiugai_store::projects::summary(
        &state.db,
        &state.regions,
        &state.profiles(),
        &crate::projects::filter_of(&ctx),
    )
    .await?;
    let stage_labels = projects.by_stage.iter().map(|(st, _)| crate::projects::stage_label(&ctx, *st)).collect();
    let managed_share = if projects.renovated_estates == 0 {
        "—".to_string()
    } else {
        jiugai_rules::Ratio { num: projects.managed_estates, den: projects.renovated_estates }.percent_text()
    };
    let complaints = match ctx.scope().filter(|_| ctx.may(crate::access::Action::ReadComplaints)) {
        Some(scope) => {
            Some(jiugai_store::complaints::summary(&state.db, &scope, jiugai_store::projects::today()).await?)
        }
        None => None,
    };
    let (awaiting, returned) = plans_for(&state, &ctx).await?;
    let targets = crate::targets::compact(&state, &ctx).await?;
    let page = DashboardPage {
        l: Layout::new(&ctx, &state, "dashboard", "/"),
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
        awaiting,
        returned,
        targets,
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
