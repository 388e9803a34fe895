//! Users of the web application and their API tokens. A user has one role and one scope (a node of the
//! jurisdiction tree, `""` for the whole country). Passwords arrive here already hashed (argon2, by the web
//! crate); tokens arrive as their SHA-256. Every change appends to the audit log in the same transaction.

use serde::Serialize;
use serde_json::json;

use crate::{Db, StoreError, append_in_tx, audit, clock, with_db};

/// The roles of SPEC §2 that sign in (residents need no account).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The office (市级旧改办): everything in its scope.
    Admin,
    County,
    Street,
    Department,
    Contractor,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Admin, Role::County, Role::Street, Role::Department, Role::Contractor, Role::Auditor];
    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::County => "county",
            Role::Street => "street",
            Role::Department => "department",
            Role::Contractor => "contractor",
            Role::Auditor => "auditor",
        }
    }
    pub fn from_key(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "旧改办管理员",
            Role::County => "县区",
            Role::Street => "街道/社区",
            Role::Department => "部门",
            Role::Contractor => "施工/监理",
            Role::Auditor => "审计",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            Role::Admin => "office admin",
            Role::County => "county",
            Role::Street => "street",
            Role::Department => "department",
            Role::Contractor => "contractor",
            Role::Auditor => "auditor",
        }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
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
}

type UserRow = (i64, String, String, String, String, bool, Option<String>, bool, String);
const USER_COLS: &str = "id, name, role, scope_code, password_hash, must_change_password, lang, disabled, created_at";

fn user_of(r: UserRow) -> User {
    User {
        id: r.0,
        name: r.1,
        role: Role::from_key(&r.2).unwrap_or(Role::Auditor),
        scope_code: r.3,
        password_hash: r.4,
        must_change_password: r.5,
        lang: r.6,
        disabled: r.7,
        created_at: r.8,
    }
}

fn invalid(field: &str, value: &str, zh: String, en: String) -> StoreError {
    StoreError::Invalid { field: field.into(), value: value.into(), zh, en }
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

/// Creates a user. Refused if the name is taken.
pub async fn create(
    db: &Db,
    name: &str,
    role: Role,
    scope_code: &str,
    password_hash: &str,
    must_change_password: bool,
    actor: &str,
    origin: &str,
) -> Result<User, StoreError> {
    validate_name(name)?;
    let now = clock::now_rfc3339();
    let id: i64 = with_db!(db, pool => {
        let mut tx = pool.begin().await?;
        let r = sqlx::query_scalar("INSERT INTO users (name, role, scope_code, password_hash, must_change_password, lang, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, NULL, FALSE, $6, $6) RETURNING id")
            .bind(name).bind(role.key()).bind(scope_code).bind(password_hash).bind(must_change_password).bind(&now)
            .fetch_one(&mut *tx).await;
        let id: i64 = match r {
            Ok(id) => id,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(invalid("name", name, format!("用户“{name}”已存在"), format!("user “{name}” already exists")));
            }
            Err(e) => return Err(e.into()),
        };
        append_in_tx!(tx, &audit::Entry::new(actor, origin, "user.create", "user", &id.to_string(),
            json!({"after": {"name": name, "role": role.key(), "scope_code": scope_code}})))?;
        tx.commit().await?;
        id
    });
    by_id(db, id).await?.ok_or_else(|| StoreError::Other(format!("user {id} vanished")))
}

pub async fn by_name(db: &Db, name: &str) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE name = $1");
    let r: Option<UserRow> =
        with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(name).fetch_optional(p).await?);
    Ok(r.map(user_of))
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
    let r: Option<UserRow> =
        with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?);
    Ok(r.map(user_of))
}

pub async fn list(db: &Db) -> Result<Vec<User>, StoreError> {
    let sql = format!("SELECT {USER_COLS} FROM users ORDER BY id");
    let r: Vec<UserRow> = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?);
    Ok(r.into_iter().map(user_of).collect())
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
    with_db!(db, pool => {
        let mut tx = pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4")
            .bind(password_hash).bind(must_change).bind(&now).bind(user_id).execute(&mut *tx).await?;
        append_in_tx!(tx, &audit::Entry::new(actor, origin, if must_change { "user.password_reset" } else { "user.password_change" }, "user", &user_id.to_string(), json!({})))?;
        tx.commit().await?;
    });
    Ok(())
}

/// Remembers the user's interface language (a preference, not audited).
pub async fn set_lang(db: &Db, user_id: i64, lang: &str) -> Result<(), StoreError> {
    with_db!(db, p => sqlx::query("UPDATE users SET lang = $1 WHERE id = $2").bind(lang).bind(user_id).execute(p).await?.rows_affected());
    Ok(())
}

#[derive(Clone, Debug, Serialize, PartialEq)]
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
    with_db!(db, pool => {
        let mut tx = pool.begin().await?;
        let id: i64 = sqlx::query_scalar("INSERT INTO api_tokens (user_id, token_hash, prefix, label, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(user_id).bind(token_hash).bind(prefix).bind(label).bind(&now).fetch_one(&mut *tx).await?;
        append_in_tx!(tx, &audit::Entry::new(actor, origin, "token.create", "api_token", &id.to_string(), json!({"user_id": user_id, "prefix": prefix, "label": label})))?;
        tx.commit().await?;
        Ok(id)
    })
}

/// Tokens, newest first; of one user when given.
pub async fn tokens(db: &Db, user: Option<&str>) -> Result<Vec<Token>, StoreError> {
    let rows: Vec<(i64, String, String, String, String, Option<String>, Option<String>)> = with_db!(db, p => sqlx::query_as(
        "SELECT t.id, u.name, t.prefix, t.label, t.created_at, t.last_used_at, t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE ($1 = '' OR u.name = $1) ORDER BY t.id DESC")
        .bind(user.unwrap_or("")).fetch_all(p).await?);
    Ok(rows
        .into_iter()
        .map(|r| Token {
            id: r.0,
            user_name: r.1,
            prefix: r.2,
            label: r.3,
            created_at: r.4,
            last_used_at: r.5,
            revoked_at: r.6,
        })
        .collect())
}

/// Revokes token `id`. Returns false when there is no such token or it was already revoked.
pub async fn revoke_token(db: &Db, id: i64, actor: &str, origin: &str) -> Result<bool, StoreError> {
    let now = clock::now_rfc3339();
    with_db!(db, pool => {
        let mut tx = pool.begin().await?;
        let n = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL").bind(&now).bind(id).execute(&mut *tx).await?.rows_affected();
        if n == 0 {
            return Ok(false);
        }
        append_in_tx!(tx, &audit::Entry::new(actor, origin, "token.revoke", "api_token", &id.to_string(), json!({})))?;
        tx.commit().await?;
        Ok(true)
    })
}

/// The user a live (not revoked) token belongs to; records when it was last used.
pub async fn by_token(db: &Db, token_hash: &str) -> Result<Option<User>, StoreError> {
    let sql = format!(
        "SELECT {} FROM users u JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled",
        USER_COLS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
    );
    let r: Option<UserRow> =
        with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(p).await?);
    if r.is_some() {
        with_db!(db, p => sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2").bind(clock::now_rfc3339()).bind(token_hash).execute(p).await?.rows_affected());
    }
    Ok(r.map(user_of))
}
