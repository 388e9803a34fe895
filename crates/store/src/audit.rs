//! The append-only audit log. Every entry is chained to the one before by SHA-256 over its content and
//! the previous hash, so a row changed, removed or appended outside the store is found by [`verify`].
//!
//! Appending happens inside the same transaction as the change it records ([`append`]): the first
//! statement takes the write lock on `audit_head`, so concurrent writers are serialised and the chain
//! never forks, on SQLite and PostgreSQL alike.

use serde::Serialize;

use crate::{Db, StoreError, Tx, with_db, with_tx};

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
            at: jiugai_domain::time::now_rfc3339(),
            actor: actor.into(),
            origin: origin.into(),
            action: action.into(),
            entity: entity.into(),
            entity_id: entity_id.into(),
            detail,
        }
    }
}

/// The hash of an entry: SHA-256 over the previous hash, the id and every field (`at`, `actor`, `origin`,
/// `action`, `entity`, `entity_id`, `detail`, in that order), separated by NUL.
pub fn entry_hash(prev: &str, id: i64, fields: [&str; 7]) -> String {
    let mut h = jiugai_domain::digest::Hasher::new();
    for part in [prev, &id.to_string()].into_iter().chain(fields) {
        h.update(part.as_bytes());
        h.update(&[0u8]);
    }
    h.hex()
}

/// Takes the audit chain's head row for this transaction: every audited change takes it first, so
/// concurrent writers are serialised (and SQLite takes its write lock at once). Returns the last id and hash.
pub async fn lock(tx: &mut Tx) -> Result<(i64, String), StoreError> {
    Ok(
        with_tx!(tx, cx => sqlx::query_as("UPDATE audit_head SET last_id = last_id WHERE id = 1 RETURNING last_id, last_hash")
        .fetch_one(&mut *cx)
        .await?),
    )
}

/// Appends an entry inside the caller's transaction, chained to the one before.
pub async fn append(tx: &mut Tx, e: &Entry) -> Result<i64, StoreError> {
    with_tx!(tx, c => append_on(c, e).await)
}

/// The same on a connection of either backend inside an open transaction (for code written once for both
/// backends inside [`crate::with_db!`], such as the bulk import on its own connection).
pub async fn append_on<C: Conn>(c: &mut C, e: &Entry) -> Result<i64, StoreError> {
    c.append_audit(e).await
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for sqlx::SqliteConnection {}
    impl Sealed for sqlx::PgConnection {}
}

/// A connection of either backend (`SqliteConnection`, `PgConnection`): the audit append is written once
/// and compiled for each.
pub trait Conn: sealed::Sealed + Send {
    fn append_audit(&mut self, e: &Entry) -> impl std::future::Future<Output = Result<i64, StoreError>> + Send;
}

macro_rules! impl_conn {
    ($t:ty) => {
        impl Conn for $t {
            async fn append_audit(&mut self, e: &Entry) -> Result<i64, StoreError> {
                let detail = e.detail.to_string();
                let (id, prev): (i64, String) = sqlx::query_as(
                    "UPDATE audit_head SET last_id = last_id + 1 WHERE id = 1 RETURNING last_id, last_hash",
                )
                .fetch_one(&mut *self)
                .await?;
                let hash =
                    entry_hash(&prev, id, [&e.at, &e.actor, &e.origin, &e.action, &e.entity, &e.entity_id, &detail]);
                sqlx::query("INSERT INTO audit_log (id, at, actor, origin, action, entity, entity_id, detail, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)")
                    .bind(id).bind(&e.at).bind(&e.actor).bind(&e.origin).bind(&e.action).bind(&e.entity).bind(&e.entity_id)
                    .bind(&detail).bind(&prev).bind(&hash)
                    .execute(&mut *self)
                    .await?;
                sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE id = 1").bind(&hash).execute(&mut *self).await?;
                Ok(id)
            }
        }
    };
}
impl_conn!(sqlx::SqliteConnection);
impl_conn!(sqlx::PgConnection);

/// Appends an entry in a transaction of its own.
pub async fn append_standalone(db: &Db, e: &Entry) -> Result<i64, StoreError> {
    let mut tx = db.begin().await?;
    let id = append(&mut tx, e).await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
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

const COLS: &str = "id, at, actor, origin, action, entity, entity_id, detail, prev_hash, hash";

/// Entries, newest first, optionally for one entity.
pub async fn list(db: &Db, entity: Option<(&str, &str)>, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
    let rows: Vec<AuditRow> = with_db!(db, p => match entity {
        Some((e, id)) => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id DESC LIMIT $3")))
            .bind(e).bind(id).bind(limit).fetch_all(p).await?,
        None => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM audit_log ORDER BY id DESC LIMIT $1")))
            .bind(limit).fetch_all(p).await?,
    });
    Ok(rows)
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
        let rows: Vec<AuditRow> = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT 5000")))
            .bind(after).fetch_all(p).await?);
        if rows.is_empty() {
            break;
        }
        for r in rows {
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
            let h =
                entry_hash(&prev, r.id, [&r.at, &r.actor, &r.origin, &r.action, &r.entity, &r.entity_id, &r.detail]);
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
