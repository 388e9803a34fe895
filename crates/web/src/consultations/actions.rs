//! The forms of a consultation's page: codes, reissued slips, paper entries and their resolution,
//! assisted entry, closing. Each goes back to the page (303) with a message, or shows the page again with
//! the error next to its form (422; 409 when someone else changed the consultation).

use std::collections::HashMap;

use axum::extract::{Form, Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiugai_store::residents::consultations::{self as cons, PaperOutcome};
use jiugai_store::{attachments, estates};

use super::show::with_error;
use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::projects::actions::read_multipart;

type F = HashMap<String, String>;

fn get<'a>(f: &'a F, k: &str) -> &'a str {
    f.get(k).map(|s| s.trim()).unwrap_or("")
}

fn household_of(f: &F) -> Result<i64, AppError> {
    get(f, "household_id").parse().map_err(|_| AppError::invalid("household_id", "请选择住户", "choose the household"))
}

fn back(id: i64, cid: i64, ok: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/estates/{id}/consultations/{cid}?ok={ok}#{anchor}")).into_response()
}

pub async fn codes(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let r = async {
        let c = cons::of_estate(&state.db, id, cid).await?;
        cons::issue_codes(&state.db, c.id, &ctx.actor(), &ctx.origin).await?;
        Ok::<_, AppError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(back(id, cid, "codes", "codes")),
        Err(e) => with_error(&state, &ctx, id, cid, "codes", e).await,
    }
}

/// Voids the household's code and issues a new one; goes to that household's slip, ready to print.
pub async fn reissue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid, hid)): Path<(i64, i64, i64)>,
) -> Result<Response, AppError> {
    let r = async {
        let c = cons::of_estate(&state.db, id, cid).await?;
        cons::reissue_code(&state.db, c.id, hid, &ctx.actor(), &ctx.origin).await?;
        Ok::<_, AppError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/estates/{id}/consultations/{cid}/slips?household={hid}")).into_response()),
        Err(e) => with_error(&state, &ctx, id, cid, "codes", e).await,
    }
}

pub async fn paper(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let r = async {
        let c = cons::of_estate(&state.db, id, cid).await?;
        let parts = read_multipart(mp, &["scan", "file"], false).await?;
        let hid = household_of(&parts.fields)?;
        let choice = get(&parts.fields, "choice").to_string();
        if choice.is_empty() {
            return Err(AppError::invalid(
                "choice",
                "请选择表决票上勾选的意见",
                "choose the answer marked on the form",
            ));
        }
        let first = !cons::has_paper(&state.db, c.id, hid).await?;
        let scan_id = match (parts.files.first(), first) {
            (Some((name, kind, data)), true) => {
                Some(attachments::add(&state.db, id, name, kind, data, &ctx.actor(), &ctx.origin).await?.id)
            }
            (None, true) => {
                return Err(AppError::invalid(
                    "scan",
                    "第一次录入须上传表决票的扫描件或照片（JPEG、PNG 或 PDF）",
                    "the first entry needs a scan or photo of the form (JPEG, PNG or PDF)",
                ));
            }
            (_, false) => None,
        };
        let (o, _) =
            cons::paper_enter(&state.db, c.id, hid, cons::parse_choice(&choice)?, scan_id, &ctx.actor(), &ctx.origin)
                .await?;
        Ok(o)
    }
    .await;
    match r {
        Ok(PaperOutcome::AwaitingSecond) => Ok(back(id, cid, "first", "paper")),
        Ok(PaperOutcome::Counted) => Ok(back(id, cid, "counted", "paper")),
        Ok(PaperOutcome::Disputed) => Ok(back(id, cid, "disputed", "paper-list")),
        Err(e) => with_error(&state, &ctx, id, cid, "paper", e).await,
    }
}

pub async fn resolve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid, pid)): Path<(i64, i64, i64)>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        let c = cons::of_estate(&state.db, id, cid).await?;
        cons::paper_resolve(&state.db, c.id, pid, cons::parse_choice(get(&f, "choice"))?, &ctx.actor(), &ctx.origin)
            .await?;
        Ok::<_, AppError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(back(id, cid, "resolved", "paper-list")),
        Err(e) => with_error(&state, &ctx, id, cid, "paper", e).await,
    }
}

pub async fn assisted(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        let c = cons::of_estate(&state.db, id, cid).await?;
        if get(&f, "confirm") != "1" {
            return Err(AppError::invalid(
                "confirm",
                "请确认已当面向住户读明问题、由住户本人作出意见",
                "confirm that you read the question to the resident, who answered in person",
            ));
        }
        cons::cast_assisted(
            &state.db,
            c.id,
            household_of(&f)?,
            cons::parse_choice(get(&f, "choice"))?,
            &ctx.actor(),
            &ctx.origin,
        )
        .await?;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(back(id, cid, "assisted", "assisted")),
        Err(e) => with_error(&state, &ctx, id, cid, "assisted", e).await,
    }
}

pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        let c = cons::of_estate(&state.db, id, cid).await?;
        let version: i64 = get(&f, "version").parse().map_err(|_| {
            AppError::invalid(
                "version",
                "缺少版本号：请刷新页面后再提交",
                "the version is missing: reload the page and submit again",
            )
        })?;
        if get(&f, "confirm") != "1" {
            return Err(AppError::invalid("confirm", "请勾选确认后再结束征询", "tick the confirmation to close"));
        }
        let e = estates::get(&state.db, id).await?;
        let prof = super::profile_of(&state, &e)?;
        cons::close(&state.db, &prof, c.id, version, get(&f, "reason"), &ctx.actor(), &ctx.origin).await?;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(back(id, cid, "closed", "tally")),
        Err(e) => with_error(&state, &ctx, id, cid, "close", e).await,
    }
}

/// Asks that a household's counted ballot be voided (a reason is required); a second user decides.
pub async fn void_request(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        let c = cons::of_estate(&state.db, id, cid).await?;
        cons::request_void(&state.db, c.id, household_of(&f)?, get(&f, "reason"), &ctx.actor(), &ctx.origin).await?;
        Ok::<_, AppError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(back(id, cid, "void_requested", "voids")),
        Err(e) => with_error(&state, &ctx, id, cid, "voids", e).await,
    }
}

/// A second user approves (`decision=approve`) or refuses (`decision=reject`) a void request.
pub async fn void_decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid, vid)): Path<(i64, i64, i64)>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        let c = cons::of_estate(&state.db, id, cid).await?;
        let approve = decision_of(get(&f, "decision"))?;
        cons::decide_void(&state.db, c.id, vid, approve, &ctx.actor(), &ctx.origin).await?;
        Ok::<_, AppError>(approve)
    }
    .await;
    match r {
        Ok(true) => Ok(back(id, cid, "void_approved", "voids")),
        Ok(false) => Ok(back(id, cid, "void_rejected", "voids")),
        Err(e) => with_error(&state, &ctx, id, cid, "voids", e).await,
    }
}

pub(super) fn decision_of(s: &str) -> Result<bool, AppError> {
    match s {
        "approve" => Ok(true),
        "reject" => Ok(false),
        _ => {
            Err(AppError::invalid("decision", "请选择批准作废（approve）或驳回（reject）", "choose approve or reject"))
        }
    }
}
