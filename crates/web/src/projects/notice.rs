//! The public notice of a project (公示) [001 二(四)2; SPEC §7]: content, budget, schedule, companies,
//! hotline and publicity period, readable on a phone by anyone (no account). Only a project whose office
//! has published its notice is shown; any other id answers 404, like one that does not exist.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use jiugai_rules::{Date, RuleValue};
use jiugai_store::projects::{self, items, steps};

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::view;

pub struct Line {
    pub class: String,
    pub name: String,
    pub quantity: String,
    pub unit: String,
    pub cost: String,
    pub payer: String,
}

pub struct Milestone {
    pub name: String,
    pub due: String,
    pub done: String,
}

#[derive(Template)]
#[template(path = "projects/notice.html")]
pub struct NoticePage {
    pub t: Tr,
    pub id: i64,
    pub name: String,
    pub region: String,
    pub plan_year: i32,
    pub stage: &'static str,
    pub estates: Vec<(String, String, String)>,
    pub from: String,
    pub until: String,
    pub days: i64,
    pub open: bool,
    pub lines: Vec<Line>,
    pub investment: String,
    pub total: String,
    pub public: String,
    pub owners: String,
    pub owner_share: String,
    pub schedule: Vec<Milestone>,
    pub companies: String,
    pub hotline: String,
    pub clause: String,
}

/// The publicity period of a project: (first day, last day, days required, rule source), once published.
pub fn period(state: &AppState, p: &projects::Project) -> Option<(Date, Date, i64, String)> {
    let from = Date::parse(p.notice_from.as_deref()?)?;
    let prof = super::profile_of(state, p).ok()?;
    let (days, source) = match prof.rule("publicity_days", Some(p.plan_year)) {
        Some(r) => (if let RuleValue::Count(n) = r.value { n } else { 0 }, r.source.clone()),
        None => (0, String::new()),
    };
    let until = Date::from_days(from.to_days() + days)?;
    Some((from, until, days, source))
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Html<String>, AppError> {
    let t = ctx.t();
    let p = match projects::get(&state.db, id).await {
        Ok(p) if p.notice_from.is_some() => p,
        Ok(_) | Err(jiugai_store::StoreError::ProjectNotFound(_)) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let prof = super::profile_of(&state, &p)?;
    let (from, until, days, clause) = period(&state, &p).ok_or(AppError::NotFound)?;
    let today = projects::today();
    let mut estates = Vec::new();
    for eid in &p.estate_ids {
        let e = jiugai_store::estates::get(&state.db, *eid).await?;
        estates.push((
            e.data.name.clone(),
            e.data.address.clone().unwrap_or_default(),
            e.data.households.map(|h| h.to_string()).unwrap_or_default(),
        ));
    }
    let its = items::items(&state.db, id).await?;
    let tot = items::totals(&its);
    let done = steps::done_steps(&state.db, id).await?;
    let schedule = steps::view(&prof, &p, &done, today)
        .into_iter()
        .filter(|s| s.required && (s.due.is_some() || s.done.is_some()))
        .map(|s| Milestone {
            name: super::step_label(&ctx, s.key),
            due: s.due.unwrap_or_default(),
            done: s.done.unwrap_or_default(),
        })
        .collect();
    let page = NoticePage {
        t,
        id,
        name: p.name.clone(),
        region: view::region_name(&state, &p.region_code, t),
        plan_year: p.plan_year,
        stage: super::stage_label(&ctx, p.stage),
        estates,
        from: from.to_string(),
        until: until.to_string(),
        days,
        open: today >= from && today <= until,
        lines: its
            .iter()
            .map(|i| Line {
                class: super::class_label(&ctx, &i.class).to_string(),
                name: i.name.clone(),
                quantity: super::hundredths(i.quantity_centi),
                unit: i.unit.clone(),
                cost: super::yuan(i.cost_fen),
                payer: if i.payer == "N" {
                    t.b("财政", "public").to_string()
                } else {
                    t.b("业主共担", "co-paid").to_string()
                },
            })
            .collect(),
        investment: super::yuan(p.investment_fen),
        total: super::yuan(tot.total.cost_fen),
        public: super::yuan(tot.total.public_fen),
        owners: super::yuan(tot.total.owners_fen),
        owner_share: prof.rule("x_owner_share", None).map(|r| r.text.clone()).unwrap_or_default(),
        schedule,
        companies: p.companies.clone(),
        hotline: p.hotline.clone(),
        clause,
    };
    Ok(view::html(&page))
}
