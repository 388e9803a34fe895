//! The jiugai web application: server-rendered pages (askama templates, htmx and ECharts embedded), the
//! JSON API under `/api/v1`, sessions and tokens, and access control in one place ([`access::guard`]).
//!
//! `router(state)` builds the axum router; `serve(listener, state)` runs it on a listener the caller
//! bound (tests bind port 0).

// Handlers return `Result<_, AppError>` whose store error carries both messages and the refusing rule.
#![allow(clippy::result_large_err)]

pub mod access;
pub mod api;
pub mod assess;
pub mod audit;
pub mod auth;
pub mod complaints;
pub mod consultations;
pub mod dashboard;
pub mod demo;
pub mod demo_funds;
pub mod error;
pub mod estates;
pub mod funds;
pub mod households;
pub mod i18n;
pub mod imports;
pub mod log;
pub mod plans;
pub mod projects;
pub mod reports;
pub mod static_files;
pub mod supervision;
pub mod targets;
pub mod util;
pub mod view;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use jiugai_rules::ProfileSet;
use jiugai_store::regions::Regions;
use jiugai_store::{Db, StoreError};

/// Largest upload accepted (ledgers and attachments).
pub const MAX_UPLOAD: usize = 20 * 1024 * 1024;
/// Largest attachment.
pub const MAX_ATTACHMENT: usize = 10 * 1024 * 1024;

pub struct Inner {
    pub db: Db,
    pub regions: Regions,
    /// The policy profiles in force, replaced whole when `policy load` stores one ([`AppState::reload_profiles`]).
    profiles: std::sync::RwLock<(Arc<ProfileSet>, String)>,
    /// Mark cookies `Secure` (when served behind TLS).
    pub secure_cookies: bool,
}

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Loads the division tree (into the database first if needed) and the policy profiles.
    pub async fn new(db: Db) -> Result<AppState, StoreError> {
        let mut regions = Regions::load(&db).await?;
        if regions.is_empty() {
            jiugai_store::regions::init(&db).await?;
            regions = Regions::load(&db).await?;
        }
        let sig = jiugai_store::policies::signature(&db).await?;
        let profiles = jiugai_store::policies::profile_set(&db).await?;
        jiugai_store::estates::query::refresh_eligibility(&db, &profiles).await?;
        let profiles = std::sync::RwLock::new((Arc::new(profiles), sig));
        Ok(AppState(Arc::new(Inner { db, regions, profiles, secure_cookies: false })))
    }

    /// The policy profiles in force now (a snapshot: a request keeps the set it started with).
    pub fn profiles(&self) -> Arc<ProfileSet> {
        self.profiles.read().unwrap_or_else(|e| e.into_inner()).0.clone()
    }

    /// Reloads the profiles from the database if a profile was loaded since (by `jiugai policy load` in
    /// another process, or another server on the same PostgreSQL), and brings the eligibility cache up to
    /// date. Returns whether they changed. The server calls it every few seconds and on SIGHUP.
    pub async fn reload_profiles(&self) -> Result<bool, StoreError> {
        let sig = jiugai_store::policies::signature(&self.db).await?;
        if self.profiles.read().unwrap_or_else(|e| e.into_inner()).1 == sig {
            return Ok(false);
        }
        let set = jiugai_store::policies::profile_set(&self.db).await?;
        jiugai_store::estates::query::refresh_eligibility(&self.db, &set).await?;
        *self.profiles.write().unwrap_or_else(|e| e.into_inner()) = (Arc::new(set), sig.clone());
        tracing::info!(signature = sig, "policy profiles reloaded");
        Ok(true)
    }
}

/// How often a running server looks for profiles loaded by `jiugai policy load` (`JIUGAI_PROFILE_POLL_SECS`,
/// default 5 s; SIGHUP reloads at once).
fn profile_poll() -> std::time::Duration {
    let secs = std::env::var("JIUGAI_PROFILE_POLL_SECS").ok().and_then(|s| s.parse::<u64>().ok()).unwrap_or(5);
    std::time::Duration::from_secs(secs.max(1))
}

pub fn router(state: AppState) -> Router {
    let guarded = Router::new()
        .route("/login", get(auth::pages::login_form).post(auth::pages::login))
        .route("/lang", get(auth::pages::switch_lang))
        .route("/static/{file}", get(static_files::serve))
        .route("/static/geo/{file}", get(dashboard::map::serve))
        .route("/healthz", get(|| async { "ok" }))
        .route("/logout", post(auth::pages::logout))
        .route("/account/password", get(auth::pages::password_form).post(auth::pages::change_password))
        .route("/", get(dashboard::page))
        .route("/estates", get(estates::list::page))
        .route("/estates/export", get(estates::export::download))
        .route("/estates/{id}", get(estates::show::page))
        .route("/estates/{id}/edit", get(estates::edit::form).post(estates::edit::save))
        .route("/estates/{id}/attachments", post(estates::attachments::upload))
        .route("/estates/{id}/attachments/{aid}", get(estates::attachments::download))
        .route("/imports/new", get(imports::form))
        .route("/imports", post(imports::upload))
        .route("/audit", get(audit::page))
        .route("/audit/export", get(audit::export))
        .route("/api/v1/openapi.json", get(api::openapi::document))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/dashboard", get(api::dashboard))
        .route("/api/v1/dashboard/map", get(dashboard::map::api))
        .route("/api/v1/estates", get(api::list))
        .route("/api/v1/estates/{id}", get(api::get).put(api::put))
        .route("/api/v1/estates/{id}/history", get(api::history))
        .route("/api/v1/estates/export", get(estates::export::download))
        .route("/api/v1/estates/{id}/attachments", post(api::attach))
        .route("/api/v1/estates/{id}/attachments/{aid}", get(estates::attachments::download))
        .route("/api/v1/imports/estates", post(api::import))
        .route("/api/v1/audit", get(api::audit))
        .route("/notice/{id}", get(projects::notice::page))
        .route("/projects", get(projects::list::page).post(projects::new::create))
        .route("/projects/new", get(projects::new::form))
        .route("/projects/ranking", get(projects::ranking::page))
        .route("/projects/ledger", get(projects::ledger::page))
        .route("/projects/ledger/export", get(projects::ledger::export))
        .route("/projects/catalogue", get(projects::catalogue::page).post(projects::catalogue::add))
        .route("/projects/{id}", get(projects::show::page))
        .route("/projects/{id}/facts", post(projects::actions::facts))
        .route("/projects/{id}/move", post(projects::actions::move_stage))
        .route("/projects/{id}/exception", post(projects::actions::exception))
        .route("/projects/{id}/items", post(projects::actions::add_item))
        .route("/projects/{id}/items/{row}/delete", post(projects::actions::remove_item))
        .route("/projects/{id}/items/{row}/progress", post(projects::actions::progress))
        .route("/projects/{id}/steps/{key}", post(projects::actions::complete_step))
        .route("/projects/{id}/reports", post(projects::actions::add_report))
        .route("/projects/{id}/issues", post(projects::actions::open_issue))
        .route("/projects/{id}/issues/{iid}/close", post(projects::actions::close_issue))
        .route("/projects/{id}/documents", post(projects::actions::add_document))
        .route("/projects/{id}/documents/{did}", get(projects::actions::download))
        .route("/projects/{id}/members", post(projects::actions::add_member))
        .route("/api/v1/projects", get(api::projects::list).post(api::projects::create))
        .route("/api/v1/projects/ranking", get(api::projects::ranking))
        .route("/api/v1/projects/ledger", get(api::projects::ledger))
        .route("/api/v1/catalogue", get(api::projects::catalogue))
        .route("/api/v1/projects/{id}", get(api::projects::get))
        .route("/api/v1/projects/{id}/steps/{key}", post(api::projects::complete_step))
        .route("/api/v1/projects/{id}/move", post(api::projects::move_stage))
        .route("/api/v1/projects/{id}/exceptions", post(api::projects::exception))
        .route("/api/v1/projects/{id}/items", post(api::projects::add_item))
        .route("/api/v1/projects/{id}/items/{row}/progress", post(api::projects::progress))
        // consultations
        .route("/v/{code}", get(consultations::vote::page).post(consultations::vote::submit))
        .route("/api/v1/vote/{code}", post(consultations::vote::api))
        .route("/estates/{id}/consultations", get(consultations::list::page).post(consultations::list::create))
        .route("/estates/{id}/consultations/{cid}", get(consultations::show::page))
        .route("/estates/{id}/consultations/{cid}/result", get(consultations::print::result))
        .route("/estates/{id}/consultations/{cid}/slips", get(consultations::print::slips))
        .route("/estates/{id}/consultations/{cid}/codes", post(consultations::actions::codes))
        .route("/estates/{id}/consultations/{cid}/codes/{hid}", post(consultations::actions::reissue))
        .route("/estates/{id}/consultations/{cid}/close", post(consultations::actions::close))
        .route("/estates/{id}/consultations/{cid}/paper", post(consultations::actions::paper))
        .route("/estates/{id}/consultations/{cid}/paper/{pid}/resolve", post(consultations::actions::resolve))
        .route("/estates/{id}/consultations/{cid}/assisted", post(consultations::actions::assisted))
        .route("/api/v1/estates/{id}/consultations", get(consultations::api::list).post(consultations::api::create))
        .route("/api/v1/estates/{id}/consultations/{cid}", get(consultations::api::get))
        .route("/api/v1/estates/{id}/consultations/{cid}/ballots", post(consultations::api::ballot))
        .route("/api/v1/estates/{id}/consultations/{cid}/close", post(consultations::api::close))
        .route("/estates/{id}/consultations/{cid}/voids", post(consultations::actions::void_request))
        .route("/estates/{id}/consultations/{cid}/voids/{vid}", post(consultations::actions::void_decide))
        .route(
            "/api/v1/estates/{id}/consultations/{cid}/voids",
            get(consultations::api::voids).post(consultations::api::void_request),
        )
        .route("/api/v1/estates/{id}/consultations/{cid}/voids/{vid}", post(consultations::api::void_decide))
        // households
        .route("/estates/{id}/households", get(households::page))
        .route("/estates/{id}/households/import", post(households::upload))
        .route("/api/v1/estates/{id}/households", get(households::api_list))
        .route("/api/v1/estates/{id}/households/import", post(households::api_import))
        // complaints
        .route(
            "/report",
            get(complaints::public::form)
                .post(complaints::public::submit)
                .layer(DefaultBodyLimit::max(complaints::MAX_PUBLIC_BODY)),
        )
        .route("/track", get(complaints::public::track))
        .route("/complaints", get(complaints::staff::list))
        .route("/complaints/{cid}", get(complaints::staff::show).post(complaints::staff::update))
        .route(
            "/api/v1/complaints",
            get(complaints::api::list)
                .post(complaints::api::submit)
                .layer(DefaultBodyLimit::max(complaints::MAX_PUBLIC_BODY)),
        )
        .route("/api/v1/complaints/track/{no}", get(complaints::api::track))
        .route("/api/v1/complaints/{cid}", get(complaints::api::get))
        // supervision
        .route("/org", get(supervision::org))
        .route("/tasks", get(supervision::tasks))
        .route("/tasks/{id}", get(supervision::task).post(supervision::act))
        .route("/notices", get(supervision::notices).post(supervision::notice_create))
        .route("/notices/new", get(supervision::notice_new))
        .route("/notices/{id}", get(supervision::notice))
        .route("/api/v1/tasks", get(supervision::api::list).post(supervision::api::create))
        .route("/api/v1/tasks/{id}", get(supervision::api::get))
        .route("/api/v1/tasks/{id}/reply", post(supervision::api::reply))
        .route("/api/v1/tasks/{id}/close", post(supervision::api::close))
        .route("/api/v1/tasks/{id}/send-back", post(supervision::api::send_back))
        .route("/api/v1/notices", get(supervision::api::notices).post(supervision::api::create_notice))
        .route("/api/v1/notices/{id}", get(supervision::api::notice))
        // annual plans and targets
        .route("/plans", get(plans::pages::list).post(plans::pages::create))
        .route("/plans/new", get(plans::pages::new_form))
        .route("/plans/{id}", get(plans::pages::show))
        .route("/plans/{id}/export.xlsx", get(plans::pages::export))
        .route("/plans/{id}/print", get(plans::pages::print))
        .route("/plans/{id}/projects", post(plans::pages::change_project))
        .route("/plans/{id}/submit", post(plans::pages::submit))
        .route("/plans/{id}/review", post(plans::pages::review))
        .route("/plans/{id}/issue", post(plans::pages::issue))
        .route("/plans/{id}/amend", post(plans::pages::amend))
        .route("/targets", get(targets::page))
        .route("/api/v1/targets", get(plans::api::targets))
        .route("/api/v1/plans", get(plans::api::list).post(plans::api::create))
        .route("/api/v1/plans/{id}", get(plans::api::get))
        .route("/api/v1/plans/{id}/projects", post(plans::api::change_project))
        .route("/api/v1/plans/{id}/submit", post(plans::api::submit))
        .route("/api/v1/plans/{id}/review", post(plans::api::review))
        .route("/api/v1/plans/{id}/issue", post(plans::api::issue))
        .route("/api/v1/plans/{id}/amend", post(plans::api::amend))
        // funds
        .route("/projects/{id}/funds", get(funds::project::page))
        .route("/projects/{id}/funds/plan", post(funds::project::set_plan))
        .route("/projects/{id}/funds/payments", post(funds::project::pay))
        .route("/projects/{id}/funds/moves", post(funds::project::move_funds))
        .route("/funds/payments/{id}/reverse", post(funds::project::reverse))
        .route("/funds", get(funds::region::page))
        .route("/funds/allocations/new", get(funds::allocations::form))
        .route("/funds/allocations", post(funds::allocations::upload))
        .route("/funds/allocations/{id}", get(funds::allocations::show))
        .route("/api/v1/projects/{id}/funds", get(funds::api::get))
        .route("/api/v1/projects/{id}/funds/plan", post(funds::api::plan))
        .route("/api/v1/projects/{id}/funds/payments", post(funds::api::pay))
        .route("/api/v1/funds/payments/{id}/reverse", post(funds::api::reverse))
        .route("/api/v1/funds/moves", post(funds::api::move_funds))
        .route("/api/v1/funds/summary", get(funds::api::summary))
        // monthly reports
        .route("/reports/monthly", get(reports::pages::monthly))
        .route("/reports/monthly/print", get(reports::pages::print))
        .route("/reports/monthly/export.xlsx", get(reports::pages::export))
        .route("/reports/completeness", get(reports::pages::completeness))
        .route("/reports/monthly/submit", post(reports::pages::submit))
        .route("/reports/monthly/typed", post(reports::pages::typed))
        .route("/reports/monthly/approve", post(reports::pages::approve))
        .route("/reports/monthly/return", post(reports::pages::return_))
        .route("/reports/monthly/reopen", post(reports::pages::reopen))
        .route("/api/v1/reports/monthly", get(reports::api::get))
        .route("/api/v1/reports/monthly/export", get(reports::api::export))
        .route("/api/v1/reports/completeness", get(reports::api::completeness))
        .route("/api/v1/reports/monthly/submit", post(reports::api::submit))
        .route("/api/v1/reports/monthly/typed", post(reports::api::typed))
        .route("/api/v1/reports/monthly/approve", post(reports::api::approve))
        .route("/api/v1/reports/monthly/return", post(reports::api::return_))
        .route("/api/v1/reports/monthly/reopen", post(reports::api::reopen))
        // assessment of counties
        .route("/assess", get(assess::page))
        .route("/assess/print", get(assess::print))
        .route("/assess/export", get(assess::export))
        .route("/api/v1/assess", get(assess::api::get))
        .route_layer(middleware::from_fn_with_state(state.clone(), access::guard));
    guarded
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
        .layer(middleware::from_fn(error::render_errors))
        .layer(middleware::from_fn(log::requests))
        .with_state(state)
}

/// Serves until the process ends (or the listener fails).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let watcher = state.clone();
    tokio::spawn(async move {
        #[cfg(unix)]
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        loop {
            #[cfg(unix)]
            match hup.as_mut() {
                Some(h) => {
                    tokio::select! {
                        _ = tokio::time::sleep(profile_poll()) => {}
                        _ = h.recv() => {}
                    }
                }
                None => tokio::time::sleep(profile_poll()).await,
            }
            #[cfg(not(unix))]
            tokio::time::sleep(profile_poll()).await;
            if let Err(e) = watcher.reload_profiles().await {
                tracing::warn!("reloading policy profiles: {e}");
            }
        }
    });
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>()).await
}
