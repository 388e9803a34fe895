//! Complaints (投诉举报) [SPEC §7; 000 四(二)]: the public pages a resident reaches from a project's notice
//! (report without an account, a receipt with the tracking number, status by tracking number), the staff
//! pages (list in scope with the SLA, detail with history and the update form) and the JSON API.
//!
//! The guard has checked the complaint a staff route names (`{cid}`: routed to a region inside the
//! caller's scope, else 404); lists are confined to `Ctx::scope()`.

pub mod api;
pub mod public;
pub mod staff;

use jiugai_store::complaints::{self, Complaint};

use crate::AppState;
use crate::access::Ctx;

/// Largest body a public complaint form or request may have (2,000 characters of text and the contact
/// fields, URL-encoded, fit well below).
pub const MAX_PUBLIC_BODY: usize = 32 * 1024;

/// Staff's view of days left: "还剩 3 天" / "今日到期" / "逾期 2 天" / "已办结", and whether overdue.
pub fn sla_text(ctx: &Ctx, c: &Complaint) -> (String, bool) {
    let t = ctx.t();
    match c.days_left(jiugai_store::projects::today()) {
        None => (t.b("已办结", "resolved").to_string(), false),
        Some(0) => (t.b("今日到期", "due today").to_string(), false),
        Some(d) if d > 0 => (if t.zh() { format!("还剩 {d} 天") } else { format!("{d} days left") }, false),
        Some(d) => (if t.zh() { format!("逾期 {} 天", -d) } else { format!("{} days overdue", -d) }, true),
    }
}

pub fn category_label(ctx: &Ctx, k: complaints::Category) -> &'static str {
    ctx.t().l(k)
}

pub fn status_label(ctx: &Ctx, k: complaints::Status) -> &'static str {
    ctx.t().l(k)
}

/// What a complaint is about, as staff read it: "项目名 · 小区名".
pub fn subject(c: &Complaint) -> String {
    [c.project_name.as_deref(), c.estate_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" · ")
}

/// The region's name (full) for staff.
pub fn region(state: &AppState, ctx: &Ctx, code: &str) -> String {
    crate::view::region_name(state, code, ctx.t())
}
