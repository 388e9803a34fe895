//! Access control, in one place. Every route is declared in [`ROUTES`] with the [`Action`] it performs;
//! the [`guard`] middleware (a route layer, so it knows the matched route) identifies the caller, refuses
//! what the role may not do, answers 404 for any estate, project or complaint outside the caller's scope
//! (exactly as for one that does not exist), checks the CSRF token of cookie-authenticated writes, and
//! hands the handler a [`Ctx`]. Handlers never look at roles or scopes themselves: they load data through
//! `Ctx::scope` and the guard has already checked the one estate, project or complaint a route names.

use jiugai_domain::StepKey;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use jiugai_store::users::{Role, User};
use jiugai_store::{Lang, estates::query};

use crate::AppState;
use crate::auth::{self, Identity};
use crate::error::AppError;
use crate::i18n;
use crate::util;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// No sign-in needed (sign-in page, static files, OpenAPI document).
    Public,
    /// Any signed-in user (own password, sign-out, who am I).
    Account,
    /// Read estates in scope (lists, counts, export).
    ReadEstates,
    /// Read the estate `{id}` names.
    ReadEstate,
    /// Change the estate `{id}` names (edit, attachments).
    WriteEstate,
    /// Import a ledger into the scope.
    Import,
    /// Browse and export the audit log.
    ReadAudit,
    /// Read projects in scope (lists, ranking, ledger, catalogue); a contractor only its own.
    ReadProjects,
    /// Read the project `{id}` names (in scope, or one the contractor works on).
    ReadProject,
    /// Create projects; change the project `{id}` names (facts, stage, content, members).
    WriteProject,
    /// Complete step `{key}` of project `{id}`: who may depends on the step ([`may_complete_step`]).
    CompleteStep,
    /// Report construction progress of project `{id}`: item progress, site reports, issues, documents.
    ReportProgress,
    /// Record an eligibility exception for project `{id}` (office admin only).
    ProjectException,
    /// Add items to the content catalogue (offices).
    EditCatalogue,
    /// Open, close and print the slips of a consultation of the estate `{id}` names (offices and streets).
    ManageConsultation,
    /// Enter ballots of a consultation of the estate `{id}`: paper forms (twice, by two users), assisted entry.
    EnterBallots,
    /// Read residents' complaints routed to a region in scope (list, the complaint `{cid}` names).
    ReadComplaints,
    /// Handle the complaint `{cid}` names: move its status forward, reply to the resident.
    HandleComplaints,
    /// Read annual plans and progress against targets in scope (lists, the plan `{id}` names, its export).
    ReadPlans,
    /// Draft the plans of the scope: create, add/remove projects, submit, issue, amend (the store decides
    /// the state and, for issuing, whether the caller approved or drafted it).
    WritePlan,
    /// Approve or return the plan `{id}` names at its current review step: who may is the profile's
    /// review chain ([`jiugai_store::plans::may_review`]); others get 403 `not_reviewer` from the store.
    ReviewPlan,
    /// Read money by source: the project `{id}` names (in scope), region summaries, allocation documents.
    ReadFunds,
    /// Record money: funding plans, allocation tables, payments, reversals, reallocations (in scope).
    ManageFunds,
    /// Read monthly reports of regions in scope (the report, its print, xlsx, completeness); the region
    /// in the query or body is checked by the handler (404 outside the scope, as for an unknown one).
    ReadReports,
    /// Submit the report of one's own region and type its typed figures ([`jiugai_store::reports::is_owner`]).
    SubmitReports,
    /// Approve, return or reopen the reports of the level below ([`jiugai_store::reports::is_upper`]).
    ApproveReports,
    /// Read the assessment of counties (考核) of a region in scope (`?region=` outside the scope: 404).
    ReadAssessment,
    /// Read supervision: the organisation, tasks and notices in scope (the task or notice `{id}` names).
    ReadSupervision,
    /// Act on supervision: issue, reply, close, send back, issue notices (the store decides issuer and
    /// assignee: `not_issuer`, `not_assignee`).
    WriteSupervision,
}

/// Every route with its action: the guard enforces it, the route × role × scope test walks it.
pub const ROUTES: &[(&str, &str, Action)] = &[
    ("GET", "/login", Action::Public),
    ("POST", "/login", Action::Public),
    ("GET", "/lang", Action::Public),
    ("GET", "/static/{file}", Action::Public),
    ("GET", "/static/geo/{file}", Action::Public),
    ("GET", "/healthz", Action::Public),
    ("GET", "/api/v1/openapi.json", Action::Public),
    ("POST", "/logout", Action::Account),
    ("GET", "/account/password", Action::Account),
    ("POST", "/account/password", Action::Account),
    ("GET", "/api/v1/me", Action::Account),
    ("GET", "/", Action::ReadEstates),
    ("GET", "/estates", Action::ReadEstates),
    ("GET", "/estates/export", Action::ReadEstates),
    ("GET", "/api/v1/estates", Action::ReadEstates),
    ("GET", "/api/v1/dashboard", Action::ReadEstates),
    ("GET", "/api/v1/dashboard/map", Action::ReadEstates),
    ("GET", "/api/v1/estates/export", Action::ReadEstates),
    ("GET", "/estates/{id}", Action::ReadEstate),
    ("GET", "/estates/{id}/attachments/{aid}", Action::ReadEstate),
    ("GET", "/api/v1/estates/{id}", Action::ReadEstate),
    ("GET", "/api/v1/estates/{id}/history", Action::ReadEstate),
    ("GET", "/api/v1/estates/{id}/attachments/{aid}", Action::ReadEstate),
    ("GET", "/estates/{id}/edit", Action::WriteEstate),
    ("POST", "/estates/{id}/edit", Action::WriteEstate),
    ("POST", "/estates/{id}/attachments", Action::WriteEstate),
    ("PUT", "/api/v1/estates/{id}", Action::WriteEstate),
    ("POST", "/api/v1/estates/{id}/attachments", Action::WriteEstate),
    ("GET", "/imports/new", Action::Import),
    ("POST", "/imports", Action::Import),
    ("POST", "/api/v1/imports/estates", Action::Import),
    ("GET", "/audit", Action::ReadAudit),
    ("GET", "/audit/export", Action::ReadAudit),
    ("GET", "/api/v1/audit", Action::ReadAudit),
    ("GET", "/notice/{id}", Action::Public),
    ("GET", "/projects", Action::ReadProjects),
    ("GET", "/projects/ranking", Action::ReadProjects),
    ("GET", "/projects/ledger", Action::ReadProjects),
    ("GET", "/projects/ledger/export", Action::ReadProjects),
    ("GET", "/projects/catalogue", Action::ReadProjects),
    ("GET", "/api/v1/projects", Action::ReadProjects),
    ("GET", "/api/v1/projects/ranking", Action::ReadProjects),
    ("GET", "/api/v1/projects/ledger", Action::ReadProjects),
    ("GET", "/api/v1/catalogue", Action::ReadProjects),
    ("POST", "/projects/catalogue", Action::EditCatalogue),
    ("GET", "/projects/new", Action::WriteProject),
    ("POST", "/projects", Action::WriteProject),
    ("POST", "/api/v1/projects", Action::WriteProject),
    ("GET", "/projects/{id}", Action::ReadProject),
    ("GET", "/projects/{id}/documents/{did}", Action::ReadProject),
    ("GET", "/api/v1/projects/{id}", Action::ReadProject),
    ("POST", "/projects/{id}/facts", Action::WriteProject),
    ("POST", "/projects/{id}/move", Action::WriteProject),
    ("POST", "/projects/{id}/items", Action::WriteProject),
    ("POST", "/projects/{id}/items/{row}/delete", Action::WriteProject),
    ("POST", "/projects/{id}/members", Action::WriteProject),
    ("POST", "/api/v1/projects/{id}/move", Action::WriteProject),
    ("POST", "/api/v1/projects/{id}/items", Action::WriteProject),
    ("POST", "/projects/{id}/exception", Action::ProjectException),
    ("POST", "/api/v1/projects/{id}/exceptions", Action::ProjectException),
    ("POST", "/projects/{id}/steps/{key}", Action::CompleteStep),
    ("POST", "/api/v1/projects/{id}/steps/{key}", Action::CompleteStep),
    ("POST", "/projects/{id}/items/{row}/progress", Action::ReportProgress),
    ("POST", "/projects/{id}/reports", Action::ReportProgress),
    ("POST", "/projects/{id}/issues", Action::ReportProgress),
    ("POST", "/projects/{id}/issues/{iid}/close", Action::ReportProgress),
    ("POST", "/projects/{id}/documents", Action::ReportProgress),
    ("POST", "/api/v1/projects/{id}/items/{row}/progress", Action::ReportProgress),
    // consultations
    ("GET", "/v/{code}", Action::Public),
    ("POST", "/v/{code}", Action::Public),
    ("POST", "/api/v1/vote/{code}", Action::Public),
    ("GET", "/estates/{id}/consultations", Action::ReadEstate),
    ("GET", "/estates/{id}/consultations/{cid}", Action::ReadEstate),
    ("GET", "/estates/{id}/consultations/{cid}/result", Action::ReadEstate),
    ("GET", "/api/v1/estates/{id}/consultations", Action::ReadEstate),
    ("GET", "/api/v1/estates/{id}/consultations/{cid}", Action::ReadEstate),
    ("POST", "/estates/{id}/consultations", Action::ManageConsultation),
    ("POST", "/estates/{id}/consultations/{cid}/codes", Action::ManageConsultation),
    ("POST", "/estates/{id}/consultations/{cid}/codes/{hid}", Action::ManageConsultation),
    ("GET", "/estates/{id}/consultations/{cid}/slips", Action::ManageConsultation),
    ("POST", "/estates/{id}/consultations/{cid}/close", Action::ManageConsultation),
    ("POST", "/api/v1/estates/{id}/consultations", Action::ManageConsultation),
    ("POST", "/api/v1/estates/{id}/consultations/{cid}/close", Action::ManageConsultation),
    ("POST", "/estates/{id}/consultations/{cid}/paper", Action::EnterBallots),
    ("POST", "/estates/{id}/consultations/{cid}/paper/{pid}/resolve", Action::EnterBallots),
    ("POST", "/estates/{id}/consultations/{cid}/assisted", Action::EnterBallots),
    ("POST", "/api/v1/estates/{id}/consultations/{cid}/ballots", Action::EnterBallots),
    ("POST", "/estates/{id}/consultations/{cid}/voids", Action::EnterBallots),
    ("POST", "/estates/{id}/consultations/{cid}/voids/{vid}", Action::EnterBallots),
    ("GET", "/api/v1/estates/{id}/consultations/{cid}/voids", Action::ReadEstate),
    ("POST", "/api/v1/estates/{id}/consultations/{cid}/voids", Action::EnterBallots),
    ("POST", "/api/v1/estates/{id}/consultations/{cid}/voids/{vid}", Action::EnterBallots),
    // households
    ("GET", "/estates/{id}/households", Action::ReadEstate),
    ("POST", "/estates/{id}/households/import", Action::WriteEstate),
    ("GET", "/api/v1/estates/{id}/households", Action::ReadEstate),
    ("POST", "/api/v1/estates/{id}/households/import", Action::WriteEstate),
    // complaints
    ("GET", "/report", Action::Public),
    ("POST", "/report", Action::Public),
    ("GET", "/track", Action::Public),
    ("POST", "/api/v1/complaints", Action::Public),
    ("GET", "/api/v1/complaints/track/{no}", Action::Public),
    ("GET", "/complaints", Action::ReadComplaints),
    ("GET", "/complaints/{cid}", Action::ReadComplaints),
    ("POST", "/complaints/{cid}", Action::HandleComplaints),
    ("GET", "/api/v1/complaints", Action::ReadComplaints),
    ("GET", "/api/v1/complaints/{cid}", Action::ReadComplaints),
    // annual plans and targets
    ("GET", "/plans", Action::ReadPlans),
    ("GET", "/plans/new", Action::WritePlan),
    ("POST", "/plans", Action::WritePlan),
    ("GET", "/plans/{id}", Action::ReadPlans),
    ("GET", "/plans/{id}/export.xlsx", Action::ReadPlans),
    ("GET", "/plans/{id}/print", Action::ReadPlans),
    ("POST", "/plans/{id}/projects", Action::WritePlan),
    ("POST", "/plans/{id}/submit", Action::WritePlan),
    ("POST", "/plans/{id}/review", Action::ReviewPlan),
    ("POST", "/plans/{id}/issue", Action::WritePlan),
    ("POST", "/plans/{id}/amend", Action::WritePlan),
    ("GET", "/targets", Action::ReadPlans),
    ("GET", "/api/v1/targets", Action::ReadPlans),
    ("GET", "/api/v1/plans", Action::ReadPlans),
    ("POST", "/api/v1/plans", Action::WritePlan),
    ("GET", "/api/v1/plans/{id}", Action::ReadPlans),
    ("POST", "/api/v1/plans/{id}/projects", Action::WritePlan),
    ("POST", "/api/v1/plans/{id}/submit", Action::WritePlan),
    ("POST", "/api/v1/plans/{id}/review", Action::ReviewPlan),
    ("POST", "/api/v1/plans/{id}/issue", Action::WritePlan),
    ("POST", "/api/v1/plans/{id}/amend", Action::WritePlan),
    // funds
    ("GET", "/projects/{id}/funds", Action::ReadFunds),
    ("POST", "/projects/{id}/funds/plan", Action::ManageFunds),
    ("POST", "/projects/{id}/funds/payments", Action::ManageFunds),
    ("POST", "/projects/{id}/funds/moves", Action::ManageFunds),
    ("POST", "/funds/payments/{id}/reverse", Action::ManageFunds),
    ("GET", "/funds", Action::ReadFunds),
    ("GET", "/funds/allocations/new", Action::ManageFunds),
    ("POST", "/funds/allocations", Action::ManageFunds),
    ("GET", "/funds/allocations/{id}", Action::ReadFunds),
    ("GET", "/api/v1/projects/{id}/funds", Action::ReadFunds),
    ("POST", "/api/v1/projects/{id}/funds/plan", Action::ManageFunds),
    ("POST", "/api/v1/projects/{id}/funds/payments", Action::ManageFunds),
    ("POST", "/api/v1/funds/payments/{id}/reverse", Action::ManageFunds),
    ("POST", "/api/v1/funds/moves", Action::ManageFunds),
    ("GET", "/api/v1/funds/summary", Action::ReadFunds),
    // monthly reports
    ("GET", "/reports/monthly", Action::ReadReports),
    ("GET", "/reports/monthly/print", Action::ReadReports),
    ("GET", "/reports/monthly/export.xlsx", Action::ReadReports),
    ("GET", "/reports/completeness", Action::ReadReports),
    ("POST", "/reports/monthly/submit", Action::SubmitReports),
    ("POST", "/reports/monthly/typed", Action::SubmitReports),
    ("POST", "/reports/monthly/approve", Action::ApproveReports),
    ("POST", "/reports/monthly/return", Action::ApproveReports),
    ("POST", "/reports/monthly/reopen", Action::ApproveReports),
    ("GET", "/api/v1/reports/monthly", Action::ReadReports),
    ("GET", "/api/v1/reports/monthly/export", Action::ReadReports),
    ("GET", "/api/v1/reports/completeness", Action::ReadReports),
    ("POST", "/api/v1/reports/monthly/submit", Action::SubmitReports),
    ("POST", "/api/v1/reports/monthly/typed", Action::SubmitReports),
    ("POST", "/api/v1/reports/monthly/approve", Action::ApproveReports),
    ("POST", "/api/v1/reports/monthly/return", Action::ApproveReports),
    ("POST", "/api/v1/reports/monthly/reopen", Action::ApproveReports),
    // assessment of counties
    ("GET", "/assess", Action::ReadAssessment),
    ("GET", "/assess/print", Action::ReadAssessment),
    ("GET", "/assess/export", Action::ReadAssessment),
    ("GET", "/api/v1/assess", Action::ReadAssessment),
    // supervision
    ("GET", "/org", Action::ReadSupervision),
    ("GET", "/tasks", Action::ReadSupervision),
    ("GET", "/tasks/{id}", Action::ReadSupervision),
    ("POST", "/tasks/{id}", Action::WriteSupervision),
    ("GET", "/notices", Action::ReadSupervision),
    ("GET", "/notices/new", Action::WriteSupervision),
    ("POST", "/notices", Action::WriteSupervision),
    ("GET", "/notices/{id}", Action::ReadSupervision),
    ("GET", "/api/v1/tasks", Action::ReadSupervision),
    ("POST", "/api/v1/tasks", Action::WriteSupervision),
    ("GET", "/api/v1/tasks/{id}", Action::ReadSupervision),
    ("POST", "/api/v1/tasks/{id}/reply", Action::WriteSupervision),
    ("POST", "/api/v1/tasks/{id}/close", Action::WriteSupervision),
    ("POST", "/api/v1/tasks/{id}/send-back", Action::WriteSupervision),
    ("GET", "/api/v1/notices", Action::ReadSupervision),
    ("POST", "/api/v1/notices", Action::WriteSupervision),
    ("GET", "/api/v1/notices/{id}", Action::ReadSupervision),
];

pub fn action_of(method: &Method, pattern: &str) -> Option<Action> {
    ROUTES.iter().find(|(m, p, _)| *m == method.as_str() && *p == pattern).map(|(_, _, a)| *a)
}

/// May `role` do `action` (scope aside)?
pub fn can(role: Role, action: Action) -> bool {
    use Role::*;
    match action {
        Action::Public | Action::Account => true,
        Action::ReadEstates | Action::ReadEstate => matches!(role, Admin | County | Street | Department | Auditor),
        Action::WriteEstate | Action::Import => matches!(role, Admin | County | Street),
        Action::ReadAudit => matches!(role, Admin | Auditor),
        Action::ReadProjects | Action::ReadProject => true,
        Action::WriteProject | Action::EditCatalogue => matches!(role, Admin | County),
        Action::CompleteStep => matches!(role, Admin | County | Street | Department),
        Action::ReportProgress => matches!(role, Admin | County | Street | Contractor),
        Action::ProjectException => matches!(role, Admin),
        Action::ManageConsultation | Action::EnterBallots => matches!(role, Admin | County | Street),
        Action::ReadComplaints => matches!(role, Admin | County | Street | Auditor),
        Action::HandleComplaints => matches!(role, Admin | County | Street),
        Action::ReadPlans => matches!(role, Admin | County | Street | Department | Auditor),
        Action::WritePlan => matches!(role, Admin | County | Street),
        Action::ReviewPlan => matches!(role, Admin | County | Street | Department),
        Action::ReadFunds => matches!(role, Admin | County | Street | Department | Auditor),
        Action::ManageFunds => matches!(role, Admin | County | Street | Department),
        Action::ReadReports => matches!(role, Admin | County | Street | Department | Auditor),
        Action::SubmitReports => matches!(role, Admin | County | Street),
        Action::ApproveReports => matches!(role, Admin | County),
        Action::ReadAssessment => matches!(role, Admin | County | Street | Department | Auditor),
        Action::ReadSupervision => matches!(role, Admin | County | Street | Department | Auditor),
        Action::WriteSupervision => matches!(role, Admin | County | Street | Department),
    }
}

/// Who completes which workflow step [SPEC §2, §5]: the city office its joint review and spot check;
/// streets the survey, publicity and long-term management; departments the approvals they grant;
/// counties (the projects' owners) everything but the city's own steps.
pub fn may_complete_step(role: Role, key: StepKey) -> bool {
    use Role::*;
    use StepKey::*;
    match key {
        JointReview | SpotCheck => role == Admin,
        Survey | Publicity | Management => matches!(role, Admin | County | Street),
        FeasibilityStudy | Approval | PreliminaryDesign | DrawingReview | BudgetReview | Permits
        | ConstructionPermit => matches!(role, Admin | County | Department),
        Design | Tender | Start | BasicCompletion | Completion | Acceptance | Handover => {
            matches!(role, Admin | County)
        }
    }
}

/// May `role` see owners' names and phones in full? Only the street (街道/社区) that runs the estate's
/// resident work [SPEC §2, §6]; everyone else sees them masked (张*明, 138****5678). The estate being inside
/// the caller's scope is the guard's business, checked before any handler runs.
pub fn sees_owner_contacts(role: Role) -> bool {
    role == Role::Street
}

/// Is a plan of `region` inside `scope` (`""`: everywhere)?
pub fn plan_within(regions: &jiugai_store::regions::Regions, region: &str, scope: &str) -> bool {
    scope.is_empty() || region == scope || regions.within(region, scope)
}

/// Projects a user may see: `Some(scope)` by region, or by membership for a contractor.
pub fn project_scope(u: &User) -> (Option<String>, Option<String>) {
    if u.role == Role::Contractor { (None, Some(u.name.clone())) } else { (Some(u.scope_code.clone()), None) }
}

/// The estates a user may see: its scope (`""` = everywhere), or none at all (a contractor sees only its
/// own projects, and there are no projects yet).
pub fn data_scope(u: &User) -> Option<String> {
    if can(u.role, Action::ReadEstates) { Some(u.scope_code.clone()) } else { None }
}

/// What a handler knows about the request, put there by the guard.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub user: Option<User>,
    pub lang: Lang,
    /// The session's CSRF token ("" for token or anonymous callers).
    pub csrf: String,
    /// Client address, recorded as the origin of every change.
    pub origin: String,
    /// Session id hash (for sign-out and password change).
    pub session: Option<String>,
}

impl Ctx {
    pub fn user(&self) -> Result<&User, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthorized)
    }
    /// The actor name written to the audit log and history.
    pub fn actor(&self) -> String {
        self.user.as_ref().map(|u| format!("web:{}", u.name)).unwrap_or_else(|| "web:anonymous".into())
    }
    /// The region the caller's data queries are confined to; `None`: it may see no estates.
    pub fn scope(&self) -> Option<String> {
        self.user.as_ref().and_then(data_scope)
    }
    /// For showing or hiding buttons only; the guard enforces.
    pub fn may(&self, a: Action) -> bool {
        self.user.as_ref().is_some_and(|u| can(u.role, a))
    }
    /// For showing or hiding a step's form only; the guard enforces.
    pub fn may_step(&self, key: StepKey) -> bool {
        self.user.as_ref().is_some_and(|u| can(u.role, Action::CompleteStep) && may_complete_step(u.role, key))
    }
    /// Owners' names and phones in full (else masked): see [`sees_owner_contacts`].
    pub fn sees_owner_contacts(&self) -> bool {
        self.user.as_ref().is_some_and(|u| sees_owner_contacts(u.role))
    }
    /// The project filter of the caller: (region scope, contractor's own name).
    pub fn project_scope(&self) -> (Option<String>, Option<String>) {
        self.user.as_ref().map(project_scope).unwrap_or((None, None))
    }
    pub fn t(&self) -> i18n::Tr {
        i18n::Tr(self.lang)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or(AppError::Store(jiugai_store::StoreError::Other("route without guard".into())))
    }
}

fn client_ip(req: &Request) -> String {
    req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

/// The one place where access is decided. See the module documentation.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Result<Response, AppError> {
    let pattern = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_default();
    let Some(action) = action_of(req.method(), &pattern) else {
        // A route that is not declared is never served.
        return Err(AppError::NotFound);
    };
    let lang = i18n::lang_of(req.headers());
    let origin = client_ip(&req);
    let mut ctx = Ctx { user: None, lang, csrf: String::new(), origin, session: None };
    if action == Action::Public {
        let mut req = req;
        req.extensions_mut().insert(ctx);
        return Ok(next.run(req).await);
    }
    let identity = auth::identify(&state.db, req.headers()).await?.ok_or(AppError::Unauthorized)?;
    let user = identity.user().clone();
    if let Identity::Session(s) = &identity {
        ctx.csrf = s.csrf.clone();
        ctx.session = Some(s.id_hash.clone());
    }
    // A one-time password must be replaced before the session may do anything else. A bearer token was
    // issued by an operator and does not involve the password.
    if user.must_change_password && action != Action::Account && matches!(identity, Identity::Session(_)) {
        return Err(AppError::PasswordChange);
    }
    // An estate the route names must exist inside the caller's scope, else 404 — before any role check,
    // so that the answer never tells that it exists.
    if matches!(action, Action::ReadEstate | Action::WriteEstate | Action::ManageConsultation | Action::EnterBallots) {
        let id: Option<i64> = req
            .uri()
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .skip_while(|s| *s != "estates")
            .nth(1)
            .and_then(|s| s.parse().ok());
        let visible = match (id, data_scope(&user)) {
            (Some(id), Some(scope)) => query::estate_within(&state.db, &state.regions, id, &scope).await?,
            _ => false,
        };
        if !visible {
            return Err(AppError::NotFound);
        }
    }
    // Likewise a project the route names: inside the scope, or one the contractor works on.
    let project_action = matches!(
        action,
        Action::ReadProject | Action::CompleteStep | Action::ReportProgress | Action::ProjectException
    ) || (action == Action::WriteProject && pattern.contains("{id}"));
    if project_action {
        let mut segs = req.uri().path().split('/').filter(|s| !s.is_empty()).skip_while(|s| *s != "projects");
        let id: Option<i64> = segs.nth(1).and_then(|s| s.parse().ok());
        let (scope, member) = project_scope(&user);
        let visible = match id {
            Some(id) => {
                jiugai_store::projects::visible(&state.db, &state.regions, id, scope.as_deref(), member.as_deref())
                    .await?
            }
            None => false,
        };
        if !visible {
            return Err(AppError::NotFound);
        }
    }
    // Likewise the project a money route names. Other money routes name a payment, a document or a region,
    // or carry project ids in the body: their handlers check those against `Ctx::scope` (404 outside).
    if matches!(action, Action::ReadFunds | Action::ManageFunds) && pattern.contains("/projects/{id}") {
        let id: Option<i64> = req
            .uri()
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .skip_while(|s| *s != "projects")
            .nth(1)
            .and_then(|s| s.parse().ok());
        let (scope, member) = project_scope(&user);
        let visible = match id {
            Some(id) => {
                jiugai_store::projects::visible(&state.db, &state.regions, id, scope.as_deref(), member.as_deref())
                    .await?
            }
            None => false,
        };
        if !visible {
            return Err(AppError::NotFound);
        }
    }
    // Likewise a complaint the route names: routed to a region inside the caller's scope.
    if matches!(action, Action::ReadComplaints | Action::HandleComplaints) && pattern.contains("{cid}") {
        let id: Option<i64> = req
            .uri()
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .skip_while(|s| *s != "complaints")
            .nth(1)
            .and_then(|s| s.parse().ok());
        let visible = match (id, data_scope(&user)) {
            (Some(id), Some(scope)) => match jiugai_store::complaints::region_of(&state.db, id).await? {
                Some(code) => scope.is_empty() || state.regions.within(&code, &scope),
                None => false,
            },
            _ => false,
        };
        if !visible {
            return Err(AppError::NotFound);
        }
    }
    // A plan the route names: its region inside the caller's scope (reviewers above see the plans of the
    // regions below them by the same rule), else 404. A role that may never read plans (contractors) is
    // refused first, with the same 403 whatever the id, so the answer tells nothing about the plan.
    if matches!(action, Action::ReadPlans | Action::WritePlan | Action::ReviewPlan) && pattern.contains("{id}") {
        if !can(user.role, Action::ReadPlans) {
            return Err(AppError::Forbidden);
        }
        let id: Option<i64> = req
            .uri()
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .skip_while(|s| *s != "plans")
            .nth(1)
            .and_then(|s| s.parse().ok());
        let visible = match (id, data_scope(&user)) {
            (Some(id), Some(scope)) => match jiugai_store::plans::get(&state.db, id).await {
                Ok(p) => plan_within(&state.regions, &p.region_code, &scope),
                Err(jiugai_store::StoreError::NotFound(..)) => false,
                Err(e) => return Err(e.into()),
            },
            _ => false,
        };
        if !visible {
            return Err(AppError::NotFound);
        }
    }
    // A task or notice the route names: visible in the caller's scope (or assigned to its unit), else 404.
    if matches!(action, Action::ReadSupervision | Action::WriteSupervision) && pattern.contains("{id}") {
        if !can(user.role, Action::ReadSupervision) {
            return Err(AppError::Forbidden);
        }
        let kind = if pattern.contains("/tasks/") { "tasks" } else { "notices" };
        let id: Option<i64> = req
            .uri()
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .skip_while(|s| *s != kind)
            .nth(1)
            .and_then(|s| s.parse().ok());
        let visible = match (id, data_scope(&user)) {
            (Some(id), Some(scope)) if kind == "tasks" => {
                jiugai_store::supervision::visible(&state.db, &state.regions, id, &scope, user.unit_id).await?
            }
            (Some(id), Some(scope)) => {
                jiugai_store::supervision::notice_visible(&state.db, &state.regions, id, &scope).await?
            }
            _ => false,
        };
        if !visible {
            return Err(AppError::NotFound);
        }
    }
    if !can(user.role, action) {
        return Err(AppError::Forbidden);
    }
    if action == Action::CompleteStep {
        // An unknown step is not a step anyone may complete: 404, as for any path that names nothing.
        let key = req.uri().path().rsplit('/').next().and_then(StepKey::parse).ok_or(AppError::NotFound)?;
        if !may_complete_step(user.role, key) {
            return Err(AppError::Forbidden);
        }
        // A department records only the steps its member unit is responsible for (profile `step_units`).
        if user.role == Role::Department {
            let id: Option<i64> = req
                .uri()
                .path()
                .split('/')
                .filter(|s| !s.is_empty())
                .skip_while(|s| *s != "projects")
                .nth(1)
                .and_then(|s| s.parse().ok());
            if let Some(id) = id {
                let p = jiugai_store::projects::get(&state.db, id).await?;
                let set = state.profiles();
                let name = p.profile_name(&set).to_string();
                if let Ok(eff) = set.effective(&name) {
                    jiugai_store::projects::steps::check_recording_unit(&state.db, &eff, key, user.unit_id).await?;
                }
            }
        }
    }
    ctx.user = Some(user);
    let mut req = req;
    // CSRF: a write made with the session cookie must carry the session's token (header, query or form
    // field). Bearer-token requests carry no ambient authority and need none.
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && matches!(identity, Identity::Session(_)) {
        let (token, rebuilt) = csrf_token_of(req).await?;
        req = rebuilt;
        if !token.as_deref().is_some_and(|t| util::same(t, &ctx.csrf)) {
            return Err(AppError::Csrf);
        }
    }
    let user_id = ctx.user.as_ref().map(|u| u.id);
    req.extensions_mut().insert(ctx);
    let mut res = next.run(req).await;
    if let Some(id) = user_id {
        res.extensions_mut().insert(RequestUser(id));
    }
    Ok(res)
}

/// The signed-in user a response was made for (for the request log; never a name, code or phone).
#[derive(Clone, Copy, Debug)]
pub struct RequestUser(pub i64);

/// Finds the CSRF token: `X-CSRF-Token` header, `csrf` query parameter (multipart forms), or the `csrf`
/// field of a url-encoded form body (the body is read and put back).
async fn csrf_token_of(req: Request) -> Result<(Option<String>, Request), AppError> {
    if let Some(v) = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        let v = v.to_string();
        return Ok((Some(v), req));
    }
    if let Some(q) = req.uri().query()
        && let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(q)
        && let Some((_, v)) = pairs.into_iter().find(|(k, _)| k == "csrf")
    {
        return Ok((Some(v), req));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((None, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.map_err(|_| AppError::Csrf)?;
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v));
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}
