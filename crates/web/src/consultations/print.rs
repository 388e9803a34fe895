//! Printable pages: the per-household slips of a building (A4, eight per page, each with estate, room,
//! question, closing time, QR code and the code in letters) and the result sheet with the figures, each
//! threshold and its clause, and the signature block.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Html;
use jiugai_store::estates;
use jiugai_store::residents::consultations::{self as cons};
use serde::Deserialize;

use super::{CheckRow, CountRow};
use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::view;

/// The address residents' phones open: `JIUGAI_PUBLIC_URL` when set (behind a proxy), else the host
/// this page was asked on.
pub fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Ok(u) = std::env::var("JIUGAI_PUBLIC_URL")
        && !u.trim().is_empty()
    {
        return u.trim().trim_end_matches('/').to_string();
    }
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("{}://{host}", if state.secure_cookies { "https" } else { "http" })
}

/// An SVG QR code for `text` (error correction M, quiet zone), without the XML prolog.
pub fn qr_svg(text: &str, px: u32) -> String {
    match qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => {
            let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(px, px).quiet_zone(true).build();
            match svg.find("<svg") {
                Some(i) => svg[i..].to_string(),
                None => svg,
            }
        }
        Err(_) => String::new(),
    }
}

/// `ABCD2345EFGH` → `ABCD-2345-EFGH`, easier to type.
pub fn grouped(code: &str) -> String {
    code.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

pub struct SlipView {
    pub room: String,
    pub code: String,
    pub url: String,
    pub qr: String,
    pub used: bool,
}

#[derive(Template)]
#[template(path = "consultations/slips.html")]
pub struct SlipsPage {
    pub t: Tr,
    pub estate: String,
    pub title: String,
    pub question: String,
    pub kind: String,
    pub closes: String,
    pub building: String,
    pub slips: Vec<SlipView>,
    pub base: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SlipParams {
    pub building: Option<String>,
    pub household: Option<i64>,
}

pub async fn slips(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path((id, cid)): Path<(i64, i64)>,
    Query(q): Query<SlipParams>,
) -> Result<Html<String>, AppError> {
    let t = ctx.t();
    let e = estates::get(&state.db, id).await?;
    let c = cons::of_estate(&state.db, id, cid).await?;
    let base = public_base(&state, &headers);
    let list = cons::slips(&state.db, cid, q.building.as_deref().filter(|b| !b.is_empty())).await?;
    let slips = list
        .into_iter()
        .filter(|s| q.household.is_none_or(|h| h == s.household.id))
        .map(|s| {
            let url = format!("{base}/v/{}", s.code);
            SlipView {
                room: s.household.label(),
                code: grouped(&s.code),
                qr: qr_svg(&url, 150),
                url,
                used: s.used_at.is_some(),
            }
        })
        .collect();
    Ok(view::html(&SlipsPage {
        t,
        estate: e.data.name.clone(),
        title: c.title.clone(),
        question: c.question.clone(),
        kind: super::kind_label(t, c.kind),
        closes: cons::local_text(&c.closes_at),
        building: q.building.unwrap_or_default(),
        slips,
        base,
    }))
}

#[derive(Template)]
#[template(path = "consultations/result.html")]
pub struct ResultPage {
    pub t: Tr,
    pub estate: String,
    pub region: String,
    pub c: cons::Consultation,
    pub kind: String,
    pub matter: String,
    pub period: String,
    pub counts: Vec<CountRow>,
    pub checks: Vec<CheckRow>,
    pub outcome: String,
    pub reason: String,
    pub profile: String,
    pub final_: bool,
    pub at: String,
    pub by_channel: Vec<(String, i64)>,
}

pub async fn result(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
) -> Result<Html<String>, AppError> {
    let t = ctx.t();
    let e = estates::get(&state.db, id).await?;
    let c = cons::of_estate(&state.db, id, cid).await?;
    let prof = super::profile_of(&state, &e)?;
    let tally = cons::tally(&state.db, &prof, &c).await?;
    Ok(view::html(&ResultPage {
        t,
        estate: e.data.name.clone(),
        region: view::region_name(&state, &e.data.region_code, t),
        kind: super::kind_label(t, c.kind),
        matter: super::matter_label(t, c.matter),
        period: format!("{} — {}", cons::local_text(&c.opens_at), cons::local_text(&c.closes_at)),
        counts: super::count_rows(t, &tally),
        checks: super::check_rows(t, &tally),
        outcome: super::outcome_label(t, tally.outcome),
        reason: t.b(&tally.reason_zh, &tally.reason_en).to_string(),
        profile: tally.profile.clone(),
        final_: tally.final_,
        at: cons::local_text(&tally.at),
        by_channel: tally.by_channel.iter().map(|(k, n)| (super::channel_label(t, k), *n)).collect(),
        c,
    }))
}
