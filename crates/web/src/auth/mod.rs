//! Who is asking: a session cookie (pages) or a bearer token (scripts). Passwords are hashed with argon2id;
//! session ids and API tokens are random and stored only as their SHA-256.

pub mod pages;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::http::{HeaderMap, header};
use jiugai_store::users::{self, Role, User};
use jiugai_store::{Db, StoreError, sessions};

use crate::util;

pub const SESSION_COOKIE: &str = "jg_session";
/// Double-submit cookie protecting the sign-in form (there is no session yet).
pub const PRELOGIN_COOKIE: &str = "jg_pre";
pub const SESSION_TTL_SECS: i64 = 12 * 3600;
pub const TOKEN_PREFIX: &str = "jgt_";
/// Failed sign-ins allowed per user name and per client address within the window.
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_SECS: i64 = 15 * 60;

pub fn hash_password(password: &str) -> String {
    Argon2::default().hash_password(password.as_bytes()).expect("argon2 hashing").to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// Creates a user with a one-time password. Returns the user and the password (to be shown once).
pub async fn create_user(
    db: &Db,
    name: &str,
    role: Role,
    scope_code: &str,
    actor: &str,
    origin: &str,
) -> Result<(User, String), StoreError> {
    let pw = util::one_time_password();
    let hash = hash_password(&pw);
    let n = users::NewUser { name, role, scope_code, password_hash: &hash, must_change_password: true };
    let u = users::create(db, &n, actor, origin).await?;
    Ok((u, pw))
}

/// Creates an API token for a user. Returns (token id, the token, shown once).
pub async fn create_token(
    db: &Db,
    user: &User,
    label: &str,
    actor: &str,
    origin: &str,
) -> Result<(i64, String), StoreError> {
    let token = format!("{TOKEN_PREFIX}{}", util::random_hex(24));
    let id = users::add_token(
        db,
        user.id,
        &util::sha256_hex(&token),
        &token[..TOKEN_PREFIX.len() + 6],
        label,
        actor,
        origin,
    )
    .await?;
    Ok((id, token))
}

/// On a fresh database: creates `admin` (office admin, whole country) with a one-time password.
pub async fn ensure_admin(db: &Db) -> Result<Option<String>, StoreError> {
    if users::count(db).await? > 0 {
        return Ok(None);
    }
    let (_, pw) = create_user(db, "admin", Role::Admin, "", "system", "serve").await?;
    Ok(Some(pw))
}

/// How the caller proved who it is.
#[derive(Clone, Debug)]
pub enum Identity {
    Session(sessions::Session),
    Token(User),
}

impl Identity {
    pub fn user(&self) -> &User {
        match self {
            Identity::Session(s) => &s.user,
            Identity::Token(u) => u,
        }
    }
}

/// Resolves the caller from `Authorization: Bearer …` or the session cookie. An Authorization header
/// that is present but wrong is not overridden by a cookie.
pub async fn identify(db: &Db, h: &HeaderMap) -> Result<Option<Identity>, StoreError> {
    if let Some(v) = h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let token = v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")).unwrap_or("").trim();
        if token.is_empty() {
            return Ok(None);
        }
        return Ok(users::by_token(db, &util::sha256_hex(token)).await?.map(Identity::Token));
    }
    if let Some(sid) = util::cookie(h, SESSION_COOKIE) {
        return Ok(sessions::get(db, &util::sha256_hex(&sid)).await?.map(Identity::Session));
    }
    Ok(None)
}

/// `Set-Cookie` value for the session (HttpOnly, SameSite=Lax, Secure when served over TLS).
pub fn session_cookie(value: &str, secure: bool, max_age: i64) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}
