//! Web sessions and sign-in attempts, kept in the database so that several servers can share one
//! PostgreSQL. The cookie holds a random value; only its SHA-256 is stored here. Times are RFC 3339 UTC
//! text from Rust, which compares in time order.

use crate::clock::from_now;
use crate::users::User;
use crate::{Db, StoreError, clock, with_db};

#[derive(Clone, Debug)]
pub struct Session {
    pub id_hash: String,
    pub user: User,
    pub csrf: String,
    pub expires_at: String,
}

pub async fn create(
    db: &Db,
    id_hash: &str,
    user_id: i64,
    csrf: &str,
    origin: &str,
    ttl_secs: i64,
) -> Result<(), StoreError> {
    let now = clock::now_rfc3339();
    with_db!(db, p => sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf, origin, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id_hash).bind(user_id).bind(csrf).bind(origin).bind(&now).bind(from_now(ttl_secs)).execute(p).await?.rows_affected());
    Ok(())
}

/// The live session with this id hash (not expired, user not disabled).
pub async fn get(db: &Db, id_hash: &str) -> Result<Option<Session>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        user_id: i64,
        csrf: String,
        expires_at: String,
    }
    let row: Option<Row> = with_db!(db, p => sqlx::query_as(
        "SELECT user_id, csrf, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2")
        .bind(id_hash).bind(clock::now_rfc3339()).fetch_optional(p).await?);
    let Some(Row { user_id, csrf, expires_at }) = row else { return Ok(None) };
    let Some(user) = crate::users::by_id(db, user_id).await? else { return Ok(None) };
    if user.disabled {
        return Ok(None);
    }
    Ok(Some(Session { id_hash: id_hash.to_string(), user, csrf, expires_at }))
}

pub async fn delete(db: &Db, id_hash: &str) -> Result<(), StoreError> {
    with_db!(db, p => sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(p).await?.rows_affected());
    Ok(())
}

/// Ends every session of a user except `keep` (after a password change).
pub async fn delete_for_user(db: &Db, user_id: i64, keep: Option<&str>) -> Result<(), StoreError> {
    with_db!(db, p => sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2").bind(user_id).bind(keep.unwrap_or("")).execute(p).await?.rows_affected());
    Ok(())
}

/// Removes expired sessions and sign-in attempts older than a day.
pub async fn purge(db: &Db) -> Result<(), StoreError> {
    let now = clock::now_rfc3339();
    let day_ago = from_now(-86_400);
    with_db!(db, p => {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(&now).execute(p).await?;
        sqlx::query("DELETE FROM login_attempts WHERE at < $1").bind(&day_ago).execute(p).await?;
    });
    Ok(())
}

/// Records a failed sign-in under `key` ("user:NAME", "ip:ADDR").
pub async fn record_failure(db: &Db, key: &str) -> Result<(), StoreError> {
    with_db!(db, p => sqlx::query("INSERT INTO login_attempts (key, at) VALUES ($1, $2)").bind(key).bind(clock::now_rfc3339()).execute(p).await?.rows_affected());
    Ok(())
}

/// Failed sign-ins under `key` in the last `window_secs` seconds.
pub async fn failures_since(db: &Db, key: &str, window_secs: i64) -> Result<i64, StoreError> {
    Ok(with_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM login_attempts WHERE key = $1 AND at > $2")
        .bind(key).bind(from_now(-window_secs)).fetch_one(p).await?))
}

pub async fn clear_failures(db: &Db, key: &str) -> Result<(), StoreError> {
    with_db!(db, p => sqlx::query("DELETE FROM login_attempts WHERE key = $1").bind(key).execute(p).await?.rows_affected());
    Ok(())
}
