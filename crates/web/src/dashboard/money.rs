//! Money: investment and funds by source (the central subsidy on its own), and the payment rate, from
//! `store::funds::summary` (every figure a sum of entries of the projects inside the region).

use jiugai_domain::FundSource;
use jiugai_store::funds::{self, Figures};
use serde_json::json;

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::funds::FigRow;

pub struct MoneyPanel {
    /// Rows by source in the vocabulary's order, formatted in 万元.
    pub rows: Vec<FigRow>,
    /// The central subsidy, and every other source together.
    pub central: FigRow,
    pub other: FigRow,
    pub total: FigRow,
    /// Paid / allocated over all sources (`—` when nothing was allocated).
    pub rate: String,
    pub projects: i64,
    pub href: String,
    pub json: String,
}

fn wan_number(fen: i64) -> f64 {
    (fen as f64 / 1_000_000.0 * 100.0).round() / 100.0
}

pub async fn panel(state: &AppState, ctx: &Ctx, region: &str) -> Result<Option<MoneyPanel>, AppError> {
    if !ctx.may(crate::access::Action::ReadFunds) {
        return Ok(None);
    }
    let t = ctx.t();
    let s = funds::summary(&state.db, &state.regions, region, None).await?;
    let by = &s.region.by_source;
    let (rows, total) = crate::funds::fig_rows(t, by);
    let mut other = Figures::default();
    for f in by.iter().filter(|(s, _)| **s != FundSource::Central).map(|(_, f)| f) {
        other.planned_fen += f.planned_fen;
        other.allocated_fen += f.allocated_fen;
        other.paid_fen += f.paid_fen;
    }
    let central = by.get(&FundSource::Central).cloned().unwrap_or_default();
    let all = Figures {
        planned_fen: central.planned_fen + other.planned_fen,
        allocated_fen: central.allocated_fen + other.allocated_fen,
        paid_fen: central.paid_fen + other.paid_fen,
    };
    let present: Vec<FundSource> = FundSource::ALL.iter().copied().filter(|s| by.contains_key(s)).collect();
    let href = format!("/funds?region={region}");
    let v = json!({
        "labels": {"planned": t.b("计划（万元）", "Planned (10k yuan)"), "allocated": t.b("已下达（万元）", "Allocated (10k yuan)"),
                   "paid": t.b("已支付（万元）", "Paid (10k yuan)"), "rate": t.b("支付率", "Payment rate")},
        "sources": present.iter().map(|s| t.l(*s)).collect::<Vec<_>>(),
        "central": present.iter().map(|s| *s == FundSource::Central).collect::<Vec<_>>(),
        "planned": present.iter().map(|s| wan_number(by[s].planned_fen)).collect::<Vec<_>>(),
        "allocated": present.iter().map(|s| wan_number(by[s].allocated_fen)).collect::<Vec<_>>(),
        "paid": present.iter().map(|s| wan_number(by[s].paid_fen)).collect::<Vec<_>>(),
        "href": href,
    });
    Ok(Some(MoneyPanel {
        rows,
        central: FigRow::of(FundSource::Central.as_str(), t.l(FundSource::Central), &central),
        other: FigRow::of("other", t.b("其他来源", "Other sources"), &other),
        rate: all.payment_rate().unwrap_or_else(|| "—".into()),
        total,
        projects: s.region.projects,
        href,
        json: v.to_string().replace("</", "<\\/"),
    }))
}
