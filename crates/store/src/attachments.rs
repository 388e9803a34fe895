//! Attachments of an estate file (photos, PDFs): bytes kept in the database with their SHA-256, so that a
//! backup of the database is a backup of everything. Type and size are checked by the caller (the web crate).

use serde::Serialize;
use serde_json::json;

use crate::{Db, StoreError, audit, clock, with_db, with_tx};

#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub estate_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

const COLS: &str = "id, estate_id, file_name, content_type, size, sha256, uploaded_by, uploaded_at";

pub async fn add(
    db: &Db,
    estate_id: i64,
    file_name: &str,
    content_type: &str,
    data: &[u8],
    actor: &str,
    origin: &str,
) -> Result<Attachment, StoreError> {
    let now = clock::now_rfc3339();
    let sha = jiugai_domain::digest::sha256_hex(data);
    let mut tx = db.begin().await?;
    let id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO attachments (estate_id, file_name, content_type, size, sha256, data, uploaded_by, uploaded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id")
        .bind(estate_id).bind(file_name).bind(content_type).bind(data.len() as i64).bind(&sha).bind(data).bind(actor).bind(&now)
        .fetch_one(&mut *cx).await?);
    audit::append(&mut tx, &audit::Entry::new(actor, origin, "estate.attachment.add", "estate", &estate_id.to_string(),
        json!({"after": {"attachment_id": id, "file_name": file_name, "content_type": content_type, "size": data.len(), "sha256": sha}}))).await?;
    tx.commit().await?;
    Ok(Attachment {
        id,
        estate_id,
        file_name: file_name.into(),
        content_type: content_type.into(),
        size: data.len() as i64,
        sha256: sha,
        uploaded_by: actor.into(),
        uploaded_at: now,
    })
}

pub async fn list(db: &Db, estate_id: i64) -> Result<Vec<Attachment>, StoreError> {
    let sql = format!("SELECT {COLS} FROM attachments WHERE estate_id = $1 ORDER BY id");
    Ok(with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(estate_id).fetch_all(p).await?))
}

/// One attachment with its bytes.
pub async fn get(db: &Db, id: i64) -> Result<Option<(Attachment, Vec<u8>)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct WithData {
        #[sqlx(flatten)]
        a: Attachment,
        data: Vec<u8>,
    }
    let sql = format!("SELECT {COLS}, data FROM attachments WHERE id = $1");
    let row: Option<WithData> =
        with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?);
    Ok(row.map(|r| (r.a, r.data)))
}
