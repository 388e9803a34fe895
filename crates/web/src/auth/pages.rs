//! Sign-in, sign-out, the one-time password change and the language switch.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiugai_store::{sessions, users};
use serde::Deserialize;

use super::{FAILURE_WINDOW_SECS, MAX_FAILURES, PRELOGIN_COOKIE, SESSION_TTL_SECS, session_cookie, verify_password};
use crate::access::Ctx;
use crate::error::AppError;
use crate::i18n::{self, LANG_COOKIE, Tr};
use crate::view::{self, Layout, LoginPage, PasswordPage};
use crate::{AppState, util};

#[derive(Deserialize, Default)]
pub struct NextParam {
    #[serde(default)]
    next: String,
}

/// Only local paths: never redirect elsewhere after sign-in.
fn safe_next(n: &str) -> String {
    if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') { n.to_string() } else { "/".into() }
}

fn login_page(ctx: &Ctx, next: &str, name: &str, error: String) -> Response {
    let pre = util::random_hex(16);
    let page = LoginPage { t: ctx.t(), csrf: pre.clone(), next: next.to_string(), name: name.to_string(), error };
    let cookie = format!("{PRELOGIN_COOKIE}={pre}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600");
    ([(header::SET_COOKIE, cookie)], view::html(&page)).into_response()
}

pub async fn login_form(ctx: Ctx, Query(q): Query<NextParam>) -> Response {
    login_page(&ctx, &safe_next(&q.next), "", String::new())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    name: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    // The sign-in form is protected by a double-submit cookie: there is no session yet.
    let pre = util::cookie(&headers, PRELOGIN_COOKIE).unwrap_or_default();
    if pre.is_empty() || !util::same(&pre, &f.csrf) {
        return Err(AppError::Csrf);
    }
    let name = f.name.trim().to_string();
    let (user_key, ip_key) = (format!("user:{name}"), format!("ip:{}", ctx.origin));
    let db = &state.db;
    if sessions::failures_since(db, &user_key, FAILURE_WINDOW_SECS).await? >= MAX_FAILURES
        || sessions::failures_since(db, &ip_key, FAILURE_WINDOW_SECS).await? >= MAX_FAILURES * 4
    {
        return Err(AppError::RateLimited);
    }
    let user = users::by_name(db, &name).await?.filter(|u| !u.disabled);
    let ok = match &user {
        Some(u) => {
            let (pw, hash) = (f.password.clone(), u.password_hash.clone());
            tokio::task::spawn_blocking(move || verify_password(&pw, &hash)).await.unwrap_or(false)
        }
        None => {
            // Same work whether or not the user exists.
            let pw = f.password.clone();
            let _ = tokio::task::spawn_blocking(move || super::hash_password(&pw)).await;
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        sessions::record_failure(db, &user_key).await?;
        sessions::record_failure(db, &ip_key).await?;
        let mut r = login_page(&ctx, &safe_next(&f.next), &name, i18n::s(ctx.lang, "login.failed").into());
        *r.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
        return Ok(r);
    };
    sessions::clear_failures(db, &user_key).await?;
    sessions::purge(db).await?;
    let sid = util::random_hex(32);
    sessions::create(db, &util::sha256_hex(&sid), user.id, &util::random_hex(16), &ctx.origin, SESSION_TTL_SECS)
        .await?;
    let to = if user.must_change_password { "/account/password".to_string() } else { safe_next(&f.next) };
    let mut r = Redirect::to(&to).into_response();
    let h = r.headers_mut();
    h.append(header::SET_COOKIE, session_cookie(&sid, state.secure_cookies, SESSION_TTL_SECS).parse().expect("cookie"));
    h.append(header::SET_COOKIE, format!("{PRELOGIN_COOKIE}=; Path=/login; Max-Age=0").parse().expect("cookie"));
    if let Some(l) = &user.lang {
        h.append(header::SET_COOKIE, lang_cookie(l).parse().expect("cookie"));
    }
    Ok(r)
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    if let Some(s) = &ctx.session {
        sessions::delete(&state.db, s).await?;
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(header::SET_COOKIE, session_cookie("", state.secure_cookies, 0).parse().expect("cookie"));
    Ok(r)
}

pub async fn password_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let u = ctx.user()?;
    let page = PasswordPage {
        l: Layout::new(&ctx, &state, "", "/account/password"),
        forced: u.must_change_password,
        errors: vec![],
        done: false,
    };
    Ok(view::html(&page).into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let u = ctx.user()?.clone();
    let t = ctx.t();
    let mut errors: Vec<(String, String)> = Vec::new();
    let (pw, hash) = (f.current.clone(), u.password_hash.clone());
    if !tokio::task::spawn_blocking(move || verify_password(&pw, &hash)).await.unwrap_or(false) {
        errors.push(("current".into(), t.s("pw.wrong").into()));
    }
    if f.new.chars().count() < 10 {
        errors.push(("new".into(), t.s("pw.short").into()));
    } else if f.new == f.current || f.new == u.name {
        errors.push(("new".into(), t.s("pw.same").into()));
    }
    if f.new != f.confirm {
        errors.push(("confirm".into(), t.s("pw.mismatch").into()));
    }
    if !errors.is_empty() {
        let page = PasswordPage {
            l: Layout::new(&ctx, &state, "", "/account/password"),
            forced: u.must_change_password,
            errors,
            done: false,
        };
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, view::html(&page)).into_response());
    }
    let new = f.new.clone();
    let hash = tokio::task::spawn_blocking(move || super::hash_password(&new))
        .await
        .map_err(|e| AppError::Store(jiugai_store::StoreError::Other(e.to_string())))?;
    users::set_password(&state.db, u.id, &hash, false, &ctx.actor(), &ctx.origin).await?;
    sessions::delete_for_user(&state.db, u.id, ctx.session.as_deref()).await?;
    Ok(Redirect::to("/").into_response())
}

#[derive(Deserialize)]
pub struct LangParams {
    to: String,
    #[serde(default)]
    next: String,
}

fn lang_cookie(l: &str) -> String {
    format!("{LANG_COOKIE}={l}; Path=/; SameSite=Lax; Max-Age=31536000")
}

/// Switches the interface language; remembered in a cookie and, when signed in, on the user.
pub async fn switch_lang(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<LangParams>,
) -> Result<Response, AppError> {
    let l = if p.to == "en" { "en" } else { "zh" };
    if let Some(id) = crate::auth::identify(&state.db, &headers).await?.map(|i| i.user().id) {
        users::set_lang(&state.db, id, l).await?;
    }
    let mut r = Redirect::to(&safe_next(&p.next)).into_response();
    r.headers_mut().append(header::SET_COOKIE, lang_cookie(l).parse().expect("cookie"));
    let _ = Tr(jiugai_store::Lang::Zh);
    Ok(r)
}
