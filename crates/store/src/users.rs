//! Users of the web application and their API tokens. A user has one role and one scope (a node of the
//! jurisdiction tree, `""` for the whole country). Passwords arrive here already hashed (argon2, by the web
//! crate); tokens arrive as their SHA-256. Every change appends to the audit log in the same transaction.

use serde::Serialize;
use serde_json::json;

use crate::{Db, StoreError, audit, clock, with_db, with_tx};

/// The roles of SPEC §2 that sign in (residents need no account).
pub use jiugai_domain::Role;

#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// Region code of the user's scope; `""` = the whole country.
    pub scope_code: String,
    #[serde(skip)]
    pub password_hash: String,
    pub must_change_password: bool,
    pub lang: Option<String>,
    pub disabled: bool,
    pub created_at: String,
    /// The member unit (成员单位) a `department` user belongs to ([`crate::org`]); `None`: no unit.
    pub unit_id: Option<i64>,
}

const USER_COLS: &str =
    "id, name, role, scope_code, password_hash, must_change_password, lang, disabled, created_at, unit_id";

fn invalid(field: &str, value: &str, zh: String, en: String) -> StoreError {
    StoreError::invalid(field, value, zh, en)
}

/// Checks a user name: 1–64 characters, no spaces or control characters.
pub fn validate_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            "name",
            name,
            format!("用户名“{name}”无效：须为 1–64 个字符，不含空格"),
            format!("user name “{name}” is invalid: 1–64 characters, no spaces"),
        ));
    }
    Ok(())
}

pub async fn count(db: &Db) -> Result<i64, StoreError> {
    Ok(with_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(p).await?))
}

/// A user to create.
#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    pub name: &'a str,
    pub role: Role,
    pub scope_code: &'a str,
    pub password_hash: &'a str,
    /// The password is one-time: the user must change it at first sign-in.
    pub must_change_password: bool,
}

/// Creates a user. Refused if the name is taken.
pub async fn create(db: &Db, n: &NewUser<'_>, actor: &str, origin: &str) -> Result<User, StoreError> {
    let name = n.name;
    validate_name(name)?;
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    let r = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO users (name, role, scope_code, password_hash, must_change_password, lang, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, NULL, FALSE, $6, $6) RETURNING id")
        .bind(name).bind(n.role.as_str()).bind(n.scope_code).bind(n.password_hash).bind(n.must_change_password).bind(&now)
        .fetch_one(&mut *cx).await);
    let id: i64 = match r {
        Ok(id) => id,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(invalid("name", name, format!("用户“{name}”已存在"), format!("user “{name}” already exists")));
        }
        Err(e) => return Err(e.into()),
    };
    audit::append(
        &mut tx,
        &audit::Entry::new(
            actor,
            origin,
            "user.create",
            "user",
            &id.to_string(),
            json!({"after": {"name": name, "role": n.role.as_str(), "scope_code": n.scope_code}}),
        ),
    )
    .await?;
    tx.commit().await?;
    by_id(db, id).await?.ok_or_else(|| StoreError::Other(format!("user {id} vanished")))
}

pub async fn by_name(db: &Db, name: &str) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE name = $1");
    Ok(with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(name).fetch_optional(p).await?))
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
    Ok(with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
}

pub async fn list(db: &Db) -> Result<Vec<User>, StoreError> {
    let sql = format!("SELECT {USER_COLS} FROM users ORDER BY id");
    Ok(with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?))
}

/// Sets a new password hash; `must_change` marks it one-time (the user must change it at next sign-in).
pub async fn set_password(
    db: &Db,
    user_id: i64,
    password_hash: &str,
    must_change: bool,
    actor: &str,
    origin: &str,
) -> Result<(), StoreError> {
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    with_tx!(&mut tx, cx => sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4")
        .bind(password_hash).bind(must_change).bind(&now).bind(user_id).execute(&mut *cx).await?.rows_affected());
    audit::append(
        &mut tx,
        &audit::Entry::new(
            actor,
            origin,
            if must_change { "user.password_reset" } else { "user.password_change" },
            "user",
            &user_id.to_string(),
            json!({}),
        ),
    )
    .await?;
    tx.commit().await
}

/// Remembers the user's interface language (a preference, not audited).
pub async fn set_lang(db: &Db, user_id: i64, lang: &str) -> Result<(), StoreError> {
    with_db!(db, p => sqlx::query("UPDATE users SET lang = $1 WHERE id = $2").bind(lang).bind(user_id).execute(p).await?.rows_affected());
    Ok(())
}

#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
pub struct Token {
    pub id: i64,
    pub user_name: String,
    pub prefix: String,
    pub label: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// Stores a new API token (its SHA-256 and first characters) for `user_id`. Returns its id.
pub async fn add_token(
    db: &Db,
    user_id: i64,
    token_hash: &str,
    prefix: &str,
    label: &str,
    actor: &str,
    origin: &str,
) -> Result<i64, StoreError> {
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    let id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO api_tokens (user_id, token_hash, prefix, label, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(user_id).bind(token_hash).bind(prefix).bind(label).bind(&now).fetch_one(&mut *cx).await?);
    audit::append(
        &mut tx,
        &audit::Entry::new(
            actor,
            origin,
            "token.create",
            "api_token",
            &id.to_string(),
            json!({"user_id": user_id, "prefix": prefix, "label": label}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Tokens, newest first; of one user when given.
pub async fn tokens(db: &Db, user: Option<&str>) -> Result<Vec<Token>, StoreError> {
    Ok(with_db!(db, p => sqlx::query_as(
        "SELECT t.id, u.name AS user_name, t.prefix, t.label, t.created_at, t.last_used_at, t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE ($1 = '' OR u.name = $1) ORDER BY t.id DESC")
        .bind(user.unwrap_or("")).fetch_all(p).await?))
}

/// Revokes token `id`. Returns false when there is no such token or it was already revoked.
pub async fn revoke_token(db: &Db, id: i64, actor: &str, origin: &str) -> Result<bool, StoreError> {
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    let n = with_tx!(&mut tx, cx => sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL").bind(&now).bind(id).execute(&mut *cx).await?.rows_affected());
    if n == 0 {
        return Ok(false);
    }
    audit::append(&mut tx, &audit::Entry::new(actor, origin, "token.revoke", "api_token", &id.to_string(), json!({})))
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// The user a live (not revoked) token belongs to; records when it was last used.
pub async fn by_token(db: &Db, token_hash: &str) -> Result<Option<User>, StoreError> {
    let sql = format!(
        "SELECT {} FROM users u JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled",
        USER_COLS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
    );
    let r: Option<User> =
        with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(p).await?);
    if r.is_some() {
        with_db!(db, p => sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2").bind(clock::now_rfc3339()).bind(token_hash).execute(p).await?.rows_affected());
    }
    Ok(r)
}

/// Sets (or with `None` clears) the member unit a user belongs to. The unit must lie in the user's scope.
pub async fn set_unit(
    db: &Db,
    regions: &crate::regions::Regions,
    user_id: i64,
    unit: Option<i64>,
    actor: &str,
    origin: &str,
) -> Result<User, StoreError> {
    let u = by_id(db, user_id).await?.ok_or_else(|| StoreError::NotFound("用户", "user", user_id.to_string()))?;
    if let Some(uid) = unit {
        let unit = crate::org::unit(db, uid)
            .await?
            .ok_or_else(|| StoreError::NotFound("成员单位", "unit", uid.to_string()))?;
        let inside = u.scope_code.is_empty()
            || unit.region_code == u.scope_code
            || regions.within(&unit.region_code, &u.scope_code)
            || regions.within(&u.scope_code, &unit.region_code);
        if !inside {
            return Err(invalid(
                "unit",
                &unit.name,
                format!("成员单位“{}”不属于用户“{}”的管辖范围", unit.name, u.name),
                format!("unit “{}” is outside the scope of user “{}”", unit.name, u.name),
            ));
        }
    }
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    with_tx!(&mut tx, cx => sqlx::query("UPDATE users SET unit_id = $1, updated_at = $2 WHERE id = $3")
        .bind(unit).bind(&now).bind(user_id).execute(&mut *cx).await?.rows_affected());
    audit::append(
        &mut tx,
        &audit::Entry::new(
            actor,
            origin,
            "user.unit",
            "user",
            &user_id.to_string(),
            json!({"before": u.unit_id, "after": unit}),
        ),
    )
    .await?;
    tx.commit().await?;
    by_id(db, user_id).await?.ok_or_else(|| StoreError::Other(format!("user {user_id} vanished")))
}
