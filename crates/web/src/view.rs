//! Page templates (askama, in `templates/`). Each page carries a [`Layout`] for the frame around it.

use askama::Template;

use crate::AppState;
use crate::access::{Action, Ctx};
use crate::i18n::Tr;

pub fn render<T: Template>(t: &T) -> String {
    t.render().unwrap_or_else(|e| format!("template error: {e}"))
}

pub fn html<T: Template>(t: &T) -> axum::response::Html<String> {
    axum::response::Html(render(t))
}

/// The frame: header, navigation, user, language switch.
pub struct Layout {
    pub t: Tr,
    pub user: String,
    pub role: String,
    pub scope: String,
    pub csrf: String,
    pub nav: &'static str,
    pub can_import: bool,
    pub can_audit: bool,
    pub can_complaints: bool,
    pub can_plans: bool,
    /// The current path, for the language switch to come back to.
    pub here: String,
}

impl Layout {
    pub fn new(ctx: &Ctx, state: &AppState, nav: &'static str, here: &str) -> Layout {
        let t = ctx.t();
        let (user, role, scope) = match &ctx.user {
            Some(u) => (u.name.clone(), t.l(u.role).to_string(), region_name(state, &u.scope_code, t)),
            None => Default::default(),
        };
        Layout {
            t,
            user,
            role,
            scope,
            csrf: ctx.csrf.clone(),
            nav,
            can_import: ctx.may(Action::Import),
            can_audit: ctx.may(Action::ReadAudit),
            can_complaints: ctx.may(Action::ReadComplaints),
            can_plans: ctx.may(Action::ReadPlans),
            here: crate::util::urlencode(here),
        }
    }
}

pub fn region_name(state: &AppState, code: &str, t: Tr) -> String {
    if code.is_empty() {
        return t.s("scope.all").to_string();
    }
    state.regions.get(code).map(|r| r.full_name.clone()).unwrap_or_else(|| code.to_string())
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub t: Tr,
    pub status: u16,
    pub message: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub t: Tr,
    pub csrf: String,
    pub next: String,
    pub name: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub l: Layout,
    pub forced: bool,
    pub errors: Vec<(String, String)>,
    pub done: bool,
}

impl PasswordPage {
    pub fn err(&self, field: &str) -> String {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
}

pub struct DashRow {
    pub code: String,
    pub name: String,
    pub counts: [i64; 5],
    pub estates: i64,
    pub households: i64,
}

pub struct SeedRow {
    pub code: String,
    pub region: String,
    pub profile: String,
    pub title: String,
    pub estates: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub l: Layout,
    pub scope_name: String,
    pub total: i64,
    pub households: i64,
    pub core: i64,
    pub extended: i64,
    pub rows: Vec<DashRow>,
    pub seeds: Vec<SeedRow>,
    pub chart_json: String,
    /// Projects in the caller's view: by stage (with labels), overdue steps, estates with management.
    pub projects: jiugai_store::projects::Summary,
    pub stage_labels: Vec<&'static str>,
    /// 有人管: share of renovated estates with a management mode, as a percent text.
    pub managed_share: String,
    /// Open and overdue complaints in scope, for those who may read them.
    pub complaints: Option<jiugai_store::complaints::Summary>,
    /// 待审核计划: plans awaiting the caller's review; and plans returned to the caller's office.
    pub awaiting: Vec<crate::plans::PlanSummary>,
    pub returned: Vec<crate::plans::PlanSummary>,
    pub show_plans: bool,
    /// Progress against targets in the caller's scope this year: (region line, chart JSON, year).
    pub targets: Option<(crate::targets::LineView, String, i32)>,
    /// The region shown (`?region=`, inside the caller's scope); `rq` is `&region=CODE` for links to lists
    /// when it is not the caller's whole scope, else empty.
    pub region: String,
    pub rq: String,
    /// The level picker: from the caller's scope down to the region, and the region's children.
    pub up: Vec<crate::dashboard::LevelLink>,
    pub down: Vec<crate::dashboard::LevelLink>,
    pub stages: Vec<crate::dashboard::StageFigure>,
    pub progress: Option<crate::dashboard::progress::ProgressPanel>,
    pub money: Option<crate::dashboard::money::MoneyPanel>,
    pub monthly: Option<crate::dashboard::figures::Complaints>,
    pub completeness: Option<crate::dashboard::figures::Completeness>,
    /// The charts' and the map's data for `static/dashboard.js` (JSON in a `<script type=application/json>`).
    pub data_json: String,
    /// The overdue supervision tasks panel (`templates/supervision/dash_panel.html`), rendered; empty for
    /// roles that do not read supervision.
    pub tasks: String,
}

pub struct ListRow {
    pub id: i64,
    pub name: String,
    pub county: String,
    pub street: String,
    pub address: String,
    pub built: String,
    pub households: String,
    pub area: String,
    pub property_type: String,
    pub verdict: String,
    pub verdict_label: String,
}

#[derive(Template)]
#[template(path = "estates/list.html")]
pub struct ListPage {
    pub l: Layout,
    pub rows: Vec<ListRow>,
    pub total: i64,
    pub q: crate::estates::list::ListParams,
    pub region_error: String,
    pub property_types: Vec<String>,
    pub next_url: String,
    pub first_url: String,
    pub export_query: String,
}

pub struct FieldView {
    pub key: String,
    pub label: String,
    pub value: String,
}

pub struct HistoryView {
    pub version: i64,
    pub at: String,
    pub actor: String,
    pub source: String,
    pub changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "estates/show.html")]
pub struct ShowPage {
    pub l: Layout,
    pub id: i64,
    pub name: String,
    pub version: i64,
    pub updated_at: String,
    pub fields: Vec<FieldView>,
    pub verdict: String,
    pub verdict_label: String,
    pub reason: String,
    pub rule: String,
    pub history: Vec<HistoryView>,
    pub attachments: Vec<jiugai_store::attachments::Attachment>,
    pub can_write: bool,
    pub notice: String,
    pub upload_error: String,
    /// Households in the registry (住户名册), for the link to it.
    pub households: i64,
}

pub struct FormField {
    pub key: String,
    pub label: String,
    pub value: String,
    pub error: String,
    /// text | number | bool | management | rating
    pub kind: &'static str,
}

#[derive(Template)]
#[template(path = "estates/edit.html")]
pub struct EditPage {
    pub l: Layout,
    pub id: i64,
    pub name: String,
    pub version: i64,
    pub fields: Vec<FormField>,
    pub has_errors: bool,
    /// Fields changed by someone else since the form was opened: (label, their value now).
    pub conflict: Vec<(String, String)>,
}

pub struct IssueView {
    pub row: u32,
    pub column: String,
    pub value: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "imports.html")]
pub struct ImportPage {
    pub l: Layout,
    pub region: String,
    pub error: String,
    pub summary: String,
    pub issues: Vec<IssueView>,
    pub ok: bool,
}

pub struct AuditView {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub origin: String,
    pub action: String,
    pub entity: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub l: Layout,
    pub chain: String,
    pub chain_ok: bool,
    pub rows: Vec<AuditView>,
    pub older_url: String,
}

/// `2024-05-01T08:09:10.123Z` → `2024-05-01 08:09:10` (UTC, as stored).
pub fn short_time(s: &str) -> String {
    s.chars().take(19).collect::<String>().replace('T', " ")
}
