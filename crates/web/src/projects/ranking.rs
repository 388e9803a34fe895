//! Ranking for the next plan [001 二(三)1; 002 三(二)]: the projects of a plan year still in reserve or
//! planning, by a published score whose weights come from the policy profile and are shown with it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use jiugai_store::projects;
use serde::Deserialize;

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::view::{self, Layout};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Params {
    pub year: String,
    pub region: String,
}

pub struct RankRow {
    pub rank: usize,
    pub id: i64,
    pub name: String,
    pub region: String,
    pub stage: &'static str,
    pub score: String,
    /// (points, factor value) per factor, in the order of `weights`.
    pub parts: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "projects/ranking.html")]
pub struct RankingPage {
    pub l: Layout,
    pub q: Params,
    pub year: i32,
    /// (factor, weight, source) of the first profile met.
    pub weights: Vec<(String, i64, String)>,
    pub profiles: Vec<String>,
    pub rows: Vec<RankRow>,
    pub error: String,
}

/// The ranked projects of plan year `year` (reserve and planning) in the caller's view.
pub async fn ranked(
    state: &AppState,
    ctx: &Ctx,
    year: i32,
    region: &str,
) -> Result<Vec<(projects::Project, jiugai_rules::RankingScore)>, AppError> {
    let mut f = super::filter_of(ctx);
    f.plan_year = Some(year);
    if !region.trim().is_empty() {
        let within = if f.scope.is_empty() { None } else { Some(f.scope.as_str()) };
        f.region = Some(
            state
                .regions
                .resolve(region.trim(), within)
                .map_err(|e| {
                    AppError::invalid("region", e.message(jiugai_store::Lang::Zh), e.message(jiugai_store::Lang::En))
                })?
                .code
                .clone(),
        );
    }
    let list: Vec<_> = projects::list(&state.db, &state.regions, &f)
        .await?
        .into_iter()
        .filter(|p| matches!(p.stage, projects::Stage::Reserve | projects::Stage::Planning))
        .collect();
    Ok(projects::ranking(&state.db, &state.profiles(), list).await?)
}

pub fn year_of(s: &str) -> Result<i32, AppError> {
    let s = s.trim().trim_end_matches('年');
    if s.is_empty() {
        return Ok(projects::today().year() + 1);
    }
    s.parse().map_err(|_| AppError::invalid("year", format!("“{s}”不是年份"), format!("“{s}” is not a year")))
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<Params>) -> Result<Html<String>, AppError> {
    let (year, list, error) = match year_of(&q.year) {
        Ok(y) => match ranked(&state, &ctx, y, &q.region).await {
            Ok(l) => (y, l, String::new()),
            Err(e @ AppError::Invalid { .. }) => (y, vec![], e.message(ctx.lang)),
            Err(e) => return Err(e),
        },
        Err(e) => (0, vec![], e.message(ctx.lang)),
    };
    let mut weights = Vec::new();
    let mut profiles: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for (i, (p, s)) in list.iter().enumerate() {
        if weights.is_empty() {
            weights = s
                .parts
                .iter()
                .map(|x| (super::show::factor_label(&ctx, x.factor), x.weight, x.rule.source.clone()))
                .collect();
        }
        let prof = p.profile_name(&state.profiles()).to_string();
        if !profiles.contains(&prof) {
            profiles.push(prof);
        }
        rows.push(RankRow {
            rank: i + 1,
            id: p.id,
            name: p.name.clone(),
            region: view::region_name(&state, &p.region_code, ctx.t()),
            stage: super::stage_label(&ctx, p.stage),
            score: super::hundredths(s.score_centi),
            parts: s
                .parts
                .iter()
                .map(|x| (super::hundredths(x.points_centi), format!("{}/{}", x.factor_value.num, x.factor_value.den)))
                .collect(),
        });
    }
    Ok(view::html(&RankingPage {
        l: Layout::new(&ctx, &state, "projects", "/projects/ranking"),
        q,
        year,
        weights,
        profiles,
        rows,
        error,
    }))
}
