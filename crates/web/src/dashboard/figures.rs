//! The monthly figures: complaints received and answered on time this month (`store::reports::live`, the
//! same derivation as the monthly report), and which children have submitted last month's report
//! (`store::reports::completeness`). Both link to `/reports/monthly?region=&month=`.

use jiugai_domain::ReportState;
use jiugai_store::reports;

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;

pub struct Complaints {
    pub month: String,
    pub received: i64,
    pub on_time: i64,
    /// On time / received as text (`—` when none was received).
    pub share: String,
    pub href: String,
}

pub struct CompletenessRow {
    pub code: String,
    pub name: String,
    pub state: ReportState,
    pub state_label: &'static str,
    pub due_on: String,
    pub days_late: i64,
}

pub struct Completeness {
    pub month: String,
    /// Children whose report is submitted or approved, of all children.
    pub submitted: usize,
    pub of: usize,
    pub share: String,
    pub rows: Vec<CompletenessRow>,
    pub href: String,
}

/// `YYYY-MM` of today in Beijing time, and of the month before.
pub fn months() -> (String, String) {
    let d = jiugai_store::projects::today();
    let (y, m) = (d.year(), d.month());
    let prev = if m == 1 { format!("{}-12", y - 1) } else { format!("{y}-{:02}", m - 1) };
    (format!("{y}-{m:02}"), prev)
}

pub async fn complaints(state: &AppState, ctx: &Ctx, region: &str) -> Result<Option<Complaints>, AppError> {
    if !ctx.may(crate::access::Action::ReadComplaints) {
        return Ok(None);
    }
    let (month, _) = months();
    let live = reports::live(&state.db, &state.regions, region, &month).await?;
    let sum = |k: &str| live.values().map(|f| f.get(k).copied().unwrap_or(0)).sum::<i64>();
    let (received, on_time) = (sum("complaints_month"), sum("complaints_on_time_month"));
    Ok(Some(Complaints {
        share: jiugai_domain::number::percent(on_time, received).unwrap_or_else(|| "—".into()),
        href: format!("/reports/monthly?region={region}&month={month}"),
        month,
        received,
        on_time,
    }))
}

pub async fn completeness(state: &AppState, ctx: &Ctx, region: &str) -> Result<Option<Completeness>, AppError> {
    if !ctx.may(crate::access::Action::ReadPlans) {
        return Ok(None);
    }
    let t = ctx.t();
    let (_, month) = months();
    let list = reports::completeness(&state.db, &state.regions, &state.profiles(), region, &month).await?;
    let submitted = list.iter().filter(|c| matches!(c.state, ReportState::Submitted | ReportState::Approved)).count();
    let of = list.len();
    Ok(Some(Completeness {
        share: jiugai_domain::number::percent(submitted as i64, of as i64).unwrap_or_else(|| "—".into()),
        href: format!("/reports/monthly?region={region}&month={month}"),
        rows: list
            .into_iter()
            .map(|c| CompletenessRow {
                state_label: t.l(c.state),
                code: c.region,
                name: c.name,
                state: c.state,
                due_on: c.due_on,
                days_late: c.days_late,
            })
            .collect(),
        month,
        submitted,
        of,
    }))
}
