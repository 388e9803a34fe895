//! The page of one consultation: live tally (or the locked result), each threshold with pass/fail, the
//! channels (codes and slips, paper entry twice, disputed forms for a third user, assisted entry), the
//! counted ballots, and closing.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse};
use jiugai_store::residents::consultations::{self as cons, Consultation};
use jiugai_store::residents::households;
use jiugai_store::{estates, projects};
use serde::Deserialize;

use super::{CheckRow, CountRow};
use crate::AppState;
use crate::access::{Action, Ctx};
use crate::error::AppError;
use crate::view::{self, Layout};

pub struct PaperView {
    pub id: i64,
    pub household: String,
    pub status: String,
    pub status_key: String,
    pub first: String,
    pub second: String,
    pub resolved: String,
    pub scan_id: Option<i64>,
    pub can_resolve: bool,
}

pub struct VoidView {
    pub id: i64,
    pub household: String,
    pub ballot: String,
    pub reason: String,
    pub requested: String,
    pub status: String,
    pub status_key: String,
    pub decided: String,
    /// The signed-in user may decide it (pending, and not the one who asked).
    pub can_decide: bool,
}

pub struct BallotView {
    pub household_id: i64,
    pub household: String,
    pub choice: String,
    pub choice_key: String,
    pub channel: String,
    pub by: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "consultations/show.html")]
pub struct ShowPage {
    pub l: Layout,
    pub estate_id: i64,
    pub estate_name: String,
    pub c: Consultation,
    pub kind: String,
    pub matter: String,
    pub state: String,
    pub state_key: String,
    pub open: bool,
    pub closed: bool,
    pub period: String,
    pub project: Option<(i64, String)>,
    pub profile: String,
    pub counts: Vec<CountRow>,
    pub checks: Vec<CheckRow>,
    pub outcome: String,
    pub outcome_class: String,
    pub reason: String,
    pub by_channel: Vec<(String, i64)>,
    pub final_at: String,
    pub verified: bool,
    pub codes_issued: i64,
    pub codes_used: i64,
    pub buildings: Vec<String>,
    pub households: Vec<(i64, String)>,
    pub choices: Vec<(&'static str, String)>,
    pub paper: Vec<PaperView>,
    pub ballots: Vec<BallotView>,
    pub voids: Vec<VoidView>,
    /// Households with a counted ballot (what a void request may name).
    pub voted: Vec<(i64, String)>,
    /// Why it was closed before its closing time.
    pub close_reason: String,
    pub can_manage: bool,
    pub can_enter: bool,
    pub notice: String,
    pub error: String,
    pub error_section: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Params {
    pub ok: String,
}

fn flash(t: crate::i18n::Tr, ok: &str) -> String {
    match ok {
        "created" => {
            t.b("征询已发起：可生成表决码并打印表决单", "Consultation opened: issue the codes and print the slips")
        }
        "codes" => t.b("表决码已生成", "Codes issued"),
        "first" => t.b(
            "第一次录入已保存：须由另一位工作人员对同一张表决票第二次录入，两次一致才计票",
            "First entry saved: another user must enter the same form again; it counts when both agree",
        ),
        "counted" => t.b("两次录入一致，已计票", "Both entries agree: counted"),
        "disputed" => t.b(
            "两次录入不一致：未计票，已列入“待核对”，须由第三位工作人员对照扫描件核对",
            "The entries disagree: not counted; a third user must check the scan (see “to resolve”)",
        ),
        "resolved" => t.b("已核对并计票", "Resolved and counted"),
        "assisted" => t.b("已代为录入（标记为协助录入）", "Assisted ballot recorded"),
        "void_requested" => t.b(
            "作废申请已提交：须由另一位工作人员批准后生效",
            "Void request saved: it takes effect once another user approves it",
        ),
        "void_approved" => t.b(
            "已批准作废：该户的表决意见不再计入，可重新录入",
            "Voided: the ballot no longer counts; the household can be entered again",
        ),
        "void_rejected" => t.b("已驳回作废申请：原表决意见有效", "Refused: the ballot stands"),
        "closed" => {
            t.b("征询已结束，结果已封存并记入审计日志", "Closed: the result is locked and signed into the audit log")
        }
        _ => "",
    }
    .to_string()
}

pub async fn build(state: &AppState, ctx: &Ctx, id: i64, cid: i64) -> Result<ShowPage, AppError> {
    let t = ctx.t();
    let e = estates::get(&state.db, id).await?;
    let c = cons::of_estate(&state.db, id, cid).await?;
    let prof = super::profile_of(state, &e)?;
    let tally = cons::tally(&state.db, &prof, &c).await?;
    let st = c.state();
    let hh = households::list(&state.db, id).await?;
    let buildings: BTreeSet<String> = hh.iter().map(|h| h.building.clone()).collect();
    let mut buildings: Vec<String> = buildings.into_iter().collect();
    buildings.sort_by_key(|b| (b.parse::<u64>().unwrap_or(u64::MAX), b.clone()));
    let can_manage = ctx.may(Action::ManageConsultation);
    let (codes_issued, codes_used) = if can_manage { cons::code_counts(&state.db, cid).await? } else { (0, 0) };
    let me = ctx.actor();
    let paper = cons::paper_ballots(&state.db, cid)
        .await?
        .into_iter()
        .map(|p| PaperView {
            id: p.id,
            household: p.household_label.clone(),
            status: t.l(p.status).to_string(),
            status_key: p.status.as_str().to_string(),
            // Blind double entry: until the second entry is in, nobody sees what the first clerk read.
            first: if p.status == cons::PaperStatus::Pending {
                format!(
                    "{}（{}）",
                    t.b("已录入，第二次录入前不显示", "entered; hidden until the second entry"),
                    p.first_by
                )
            } else {
                format!("{}（{}）", super::choice_label(t, c.kind, p.first_choice), p.first_by)
            },
            second: p
                .second_choice
                .as_ref()
                .map(|s| {
                    format!("{}（{}）", super::choice_label(t, c.kind, *s), p.second_by.clone().unwrap_or_default())
                })
                .unwrap_or_default(),
            resolved: p
                .resolved_choice
                .as_ref()
                .map(|s| {
                    format!("{}（{}）", super::choice_label(t, c.kind, *s), p.resolved_by.clone().unwrap_or_default())
                })
                .unwrap_or_default(),
            scan_id: p.scan_id,
            can_resolve: p.status == cons::PaperStatus::Disputed
                && p.first_by != me
                && p.second_by.as_deref() != Some(me.as_str()),
        })
        .collect();
    let ballots: Vec<BallotView> = cons::ballots(&state.db, &c)
        .await?
        .into_iter()
        .map(|b| BallotView {
            household_id: b.household_id,
            household: b.household_label,
            choice: super::choice_label(t, c.kind, b.choice),
            choice_key: b.choice.as_str().to_string(),
            channel: t.l(b.channel).to_string(),
            by: if b.recorded_by == "resident" {
                t.b("住户本人", "the resident").to_string()
            } else {
                b.recorded_by
            },
            at: cons::local_text(&b.at),
        })
        .collect();
    let voted: Vec<(i64, String)> =
        ballots.iter().map(|b: &BallotView| (b.household_id, b.household.clone())).collect();
    let voids = cons::voids(&state.db, cid)
        .await?
        .into_iter()
        .map(|v| VoidView {
            id: v.id,
            household: v.household_label.clone(),
            ballot: format!(
                "{} · {} · {}",
                t.l(v.channel),
                if v.recorded_by == "resident" {
                    t.b("住户本人", "the resident").to_string()
                } else {
                    v.recorded_by.clone()
                },
                cons::local_text(&v.cast_at)
            ),
            reason: v.reason.clone(),
            requested: format!("{} {}", v.requested_by, cons::local_text(&v.requested_at)),
            status: t.b(v.status.zh(), v.status.en()).to_string(),
            status_key: v.status.as_str().to_string(),
            decided: match (&v.decided_by, &v.decided_at) {
                (Some(b), Some(a)) => format!("{b} {}", cons::local_text(a)),
                _ => String::new(),
            },
            can_decide: v.status == cons::VoidStatus::Pending && v.requested_by != me,
        })
        .collect();
    let project = match c.project_id {
        Some(pid) => Some((pid, projects::get(&state.db, pid).await?.name)),
        None => None,
    };
    let verified = c.closed_at.is_some() && cons::verify(&state.db, &c).await?;
    Ok(ShowPage {
        l: Layout::new(ctx, state, "estates", &format!("/estates/{id}/consultations/{cid}")),
        estate_id: id,
        estate_name: e.data.name.clone(),
        kind: super::kind_label(t, c.kind),
        matter: super::matter_label(t, c.matter),
        state: super::state_label(t, st),
        state_key: format!("{st:?}").to_lowercase(),
        open: st == cons::State::Open,
        closed: st == cons::State::Closed,
        period: format!("{} — {}", cons::local_text(&c.opens_at), cons::local_text(&c.closes_at)),
        project,
        profile: tally.profile.clone(),
        counts: super::count_rows(t, &tally),
        checks: super::check_rows(t, &tally),
        outcome: super::outcome_label(t, tally.outcome),
        outcome_class: super::outcome_class(tally.outcome).into(),
        reason: t.b(&tally.reason_zh, &tally.reason_en).to_string(),
        by_channel: tally.by_channel.iter().map(|(k, n)| (super::channel_label(t, k), *n)).collect(),
        final_at: c.closed_at.as_deref().map(cons::local_text).unwrap_or_default(),
        verified,
        codes_issued,
        codes_used,
        buildings,
        households: hh.iter().map(|h| (h.id, h.label())).collect(),
        choices: cons::Choice::ALL.iter().map(|&x| (x.as_str(), super::choice_label(t, c.kind, x))).collect(),
        paper,
        ballots,
        voids,
        voted,
        close_reason: c.close_reason.clone().unwrap_or_default(),
        can_manage,
        can_enter: ctx.may(Action::EnterBallots),
        notice: String::new(),
        error: String::new(),
        error_section: String::new(),
        c,
    })
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
    Query(q): Query<Params>,
) -> Result<Html<String>, AppError> {
    let mut p = build(&state, &ctx, id, cid).await?;
    p.notice = flash(ctx.t(), &q.ok);
    Ok(view::html(&p))
}

/// Shows the page again with an error next to the form it concerns.
pub async fn with_error(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    cid: i64,
    section: &str,
    e: AppError,
) -> Result<axum::response::Response, AppError> {
    match e {
        AppError::Invalid { .. }
        | AppError::Store(jiugai_store::StoreError::Invalid { .. } | jiugai_store::StoreError::Stale { .. }) => {
            let mut p = build(state, ctx, id, cid).await?;
            p.error = e.message(ctx.lang);
            p.error_section = section.to_string();
            Ok((e.status(), view::html(&p)).into_response())
        }
        e => Err(e),
    }
}
