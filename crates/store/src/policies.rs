//! Policy profiles an office loads (`jiugai policy load FILE`), kept in the database beside the built-in ones.
//! The rules themselves live in `jiugai-rules`; this module only stores texts and builds the set.

use jiugai_rules::{LoadError, ProfileSet};
use serde_json::json;

use crate::{Db, StoreError, audit, clock, with_db, with_tx};

/// The built-in profiles plus every profile loaded into this database (a loaded profile with a built-in's
/// name replaces it).
pub async fn profile_set(db: &Db) -> Result<ProfileSet, StoreError> {
    let rows: Vec<(String, String)> = with_db!(db, p => sqlx::query_as("SELECT name, body FROM policy_profiles ORDER BY loaded_at, name").fetch_all(p).await?);
    let mut set = ProfileSet::builtin();
    for (name, body) in rows {
        set.load(&format!("policy_profiles/{name}"), &body)
            .map_err(|e| StoreError::Other(format!("stored profile {name} no longer loads: {e}")))?;
    }
    Ok(set)
}

/// What identifies the set of loaded profiles: it changes whenever `policy load` stores one. A server
/// compares it to notice a profile loaded by another process.
pub async fn signature(db: &Db) -> Result<String, StoreError> {
    let (n, last): (i64, Option<String>) = with_db!(db, p => sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT), MAX(loaded_at) FROM policy_profiles").fetch_one(p).await?);
    Ok(format!("{n}:{}", last.unwrap_or_default()))
}

/// Checks `text` against the current set and stores it. Returns the profile's name.
pub async fn load(db: &Db, origin: &str, text: &str, actor: &str) -> Result<Result<String, LoadError>, StoreError> {
    let mut set = profile_set(db).await?;
    let name = match set.load(origin, text) {
        Ok(p) => p.name.clone(),
        Err(e) => return Ok(Err(e)),
    };
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let before: Option<String> = with_tx!(&mut tx, cx => {
        let before: Option<String> = sqlx::query_scalar("SELECT body FROM policy_profiles WHERE name = $1").bind(&name).fetch_optional(&mut *cx).await?;
        sqlx::query("INSERT INTO policy_profiles (name, body, loaded_at, actor) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (name) DO UPDATE SET body = excluded.body, loaded_at = excluded.loaded_at, actor = excluded.actor")
            .bind(&name).bind(text).bind(&now).bind(actor)
            .execute(&mut *cx).await?;
        before
    });
    audit::append(
        &mut tx,
        &audit::Entry::new(actor, "cli", "policy.load", "policy", &name, json!({"before": before, "after": text})),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(name))
}
