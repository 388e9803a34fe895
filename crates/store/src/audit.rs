//! The append-only audit log. Every entry is chained to the one before by SHA-256 over its content and
//! the previous hash, so a row changed, removed or appended outside the store is found by [`verify`].
//!
//! Appending happens inside the same transaction as the change it records ([`append_in_tx!`]): the first
//! statement takes the write lock on `audit_head`, so concurrent writers are serialised and the chain
//! never forks, on SQLite and PostgreSQL alike.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Db, StoreError, clock, with_db};

#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub at: String,
    pub actor: String,
    pub origin: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub detail: serde_json::Value,
}

impl Entry {
    pub fn new(
        actor: &str,
        origin: &str,
        action: &str,
        entity: &str,
        entity_id: &str,
        detail: serde_json::Value,
    ) -> Entry {
        Entry {
            at: clock::now_rfc3339(),
            actor: actor.into(),
            origin: origin.into(),
            action: action.into(),
            entity: entity.into(),
            entity_id: entity_id.into(),
            detail,
        }
    }
}

/// The hash of an entry: SHA-256 over the previous hash and every field, separated by NUL.
pub fn entry_hash(
    prev: &str,
    id: i64,
    at: &str,
    actor: &str,
    origin: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [prev, &id.to_string(), at, actor, origin, action, entity, entity_id, detail] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends `$entry` (an [`Entry`]) inside the open transaction `$tx`; evaluates to `Result<i64, StoreError>`.
#[macro_export]
macro_rules! append_in_tx {
    ($tx:expr, $entry:expr) => {{
        async {
            let e: &$crate::audit::Entry = $entry;
            let (id, prev): (i64, String) =
                sqlx::query_as("UPDATE audit_head SET last_id = last_id + 1 WHERE id = 1 RETURNING last_id, last_hash")
                    .fetch_one(&mut *$tx)
                    .await?;
            let detail = e.detail.to_string();
            let hash = $crate::audit::entry_hash(&prev, id, &e.at, &e.actor, &e.origin, &e.action, &e.entity, &e.entity_id, &detail);
            sqlx::query("INSERT INTO audit_log (id, at, actor, origin, action, entity, entity_id, detail, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)")
                .bind(id).bind(&e.at).bind(&e.actor).bind(&e.origin).bind(&e.action).bind(&e.entity).bind(&e.entity_id)
                .bind(&detail).bind(&prev).bind(&hash)
                .execute(&mut *$tx)
                .await?;
            sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE id = 1").bind(&hash).execute(&mut *$tx).await?;
            Ok::<i64, $crate::StoreError>(id)
        }
        .await
    }};
}

/// Appends an entry in a transaction of its own.
pub async fn append_standalone(db: &Db, e: &Entry) -> Result<i64, StoreError> {
    with_db!(db, pool => {
        let mut tx = pool.begin().await?;
        let id = append_in_tx!(tx, e)?;
        tx.commit().await?;
        Ok(id)
    })
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub origin: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

type RowTuple = (i64, String, String, String, String, String, String, String, String, String);

fn to_row(t: RowTuple) -> AuditRow {
    AuditRow {
        id: t.0,
        at: t.1,
        actor: t.2,
        origin: t.3,
        action: t.4,
        entity: t.5,
        entity_id: t.6,
        detail: t.7,
        prev_hash: t.8,
        hash: t.9,
    }
}

const COLS: &str = "id, at, actor, origin, action, entity, entity_id, detail, prev_hash, hash";

/// Entries, newest first, optionally for one entity.
pub async fn list(db: &Db, entity: Option<(&str, &str)>, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
    let rows: Vec<RowTuple> = with_db!(db, p => match entity {
        Some((e, id)) => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id DESC LIMIT $3")))
            .bind(e).bind(id).bind(limit).fetch_all(p).await?,
        None => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM audit_log ORDER BY id DESC LIMIT $1")))
            .bind(limit).fetch_all(p).await?,
    });
    Ok(rows.into_iter().map(to_row).collect())
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Verification {
    pub entries: i64,
    /// The first entry found broken, with the reason, or None when the chain holds.
    pub first_broken: Option<(i64, String)>,
}

/// Walks the whole chain in id order and recomputes every hash.
pub async fn verify(db: &Db) -> Result<Verification, StoreError> {
    let head: (i64, String) =
        with_db!(db, p => sqlx::query_as("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetch_one(p).await?);
    let mut prev = String::new();
    let mut expected_id = 1;
    let mut count = 0;
    let mut after = 0i64;
    loop {
        let rows: Vec<RowTuple> = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT 5000")))
            .bind(after).fetch_all(p).await?);
        if rows.is_empty() {
            break;
        }
        for t in rows {
            let r = to_row(t);
            after = r.id;
            count += 1;
            if r.id != expected_id {
                return Ok(Verification {
                    entries: count,
                    first_broken: Some((expected_id, "entry missing (removed)".into())),
                });
            }
            if r.prev_hash != prev {
                return Ok(Verification {
                    entries: count,
                    first_broken: Some((r.id, "previous-hash link broken".into())),
                });
            }
            let h = entry_hash(&prev, r.id, &r.at, &r.actor, &r.origin, &r.action, &r.entity, &r.entity_id, &r.detail);
            if h != r.hash {
                return Ok(Verification {
                    entries: count,
                    first_broken: Some((r.id, "content changed after it was written".into())),
                });
            }
            prev = r.hash;
            expected_id += 1;
        }
    }
    if head.0 != expected_id - 1 || head.1 != prev {
        return Ok(Verification {
            entries: count,
            first_broken: Some((expected_id.min(head.0.max(1)), "entries removed from the end of the log".into())),
        });
    }
    Ok(Verification { entries: count, first_broken: None })
}
