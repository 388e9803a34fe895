//! Bulk insertion of new estates during an import, the one hot path of the store.
//!
//! On SQLite the rows go through one prepared statement bound and stepped per row on the raw handle
//! (`SqliteConnection::lock_handle`): sqlx's per-statement overhead (a round trip to its worker thread, a
//! statement journal for multi-row inserts, named-parameter lookups that are linear in the parameter count)
//! would otherwise cost several times what SQLite itself needs. On PostgreSQL each batch is one `COPY … FROM
//! STDIN` (text format), inside the import's transaction.

use std::ffi::{CStr, CString, c_int};
use std::ptr;

use libsqlite3_sys as ffi;
use sqlx::{PgConnection, SqliteConnection};

use super::{DATA_COLS, EstateData, N_DATA_COLS, years_text};
use crate::StoreError;

/// One column value in [`DATA_COLS`] order.
enum Val<'a> {
    Null,
    Int(i64),
    Text(&'a str),
}

fn opt_text(s: &Option<String>) -> Val<'_> {
    s.as_deref().map_or(Val::Null, Val::Text)
}
fn opt_int(v: Option<i64>) -> Val<'static> {
    v.map_or(Val::Null, Val::Int)
}
fn opt_bool(v: Option<bool>) -> Val<'static> {
    v.map_or(Val::Null, |b| Val::Int(b as i64))
}

fn values<'a>(d: &'a EstateData, years: &'a str) -> [Val<'a>; N_DATA_COLS] {
    [
        Val::Text(&d.region_code),
        opt_text(&d.street_code),
        opt_text(&d.street),
        opt_text(&d.community),
        Val::Text(&d.name),
        opt_text(&d.address),
        Val::Text(years),
        opt_int(d.built_years.first().map(|y| *y as i64)),
        opt_int(d.buildings),
        opt_int(d.households),
        opt_int(d.floor_area_dm2),
        opt_text(&d.property_type),
        opt_text(&d.original_unit),
        opt_text(&d.management),
        opt_bool(d.maintenance_fund),
        opt_text(&d.safety_rating),
        opt_bool(d.in_shantytown_plan),
        opt_bool(d.self_built),
        opt_bool(d.urban_village),
        opt_bool(d.declared),
        opt_bool(d.historic),
        opt_int(d.longitude_e6),
        opt_int(d.latitude_e6),
        opt_int(d.plan_year),
    ]
}

pub(crate) trait BulkInsert {
    /// Inserts `rows` as version 1 of new estates created by `actor` through import `import_id` at `now`.
    async fn insert_estates(
        &mut self,
        rows: &[EstateData],
        import_id: i64,
        actor: &str,
        now: &str,
    ) -> Result<(), StoreError>;
}

struct Stmt(*mut ffi::sqlite3_stmt);
impl Drop for Stmt {
    fn drop(&mut self) {
        // SAFETY: finalising a statement we prepared (null is a no-op).
        unsafe { ffi::sqlite3_finalize(self.0) };
    }
}

fn sqlite_error(db: *mut ffi::sqlite3, what: &str) -> StoreError {
    // SAFETY: errmsg returns a NUL-terminated string owned by the connection.
    let msg = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }.to_string_lossy().into_owned();
    StoreError::Other(format!("SQLite {what}: {msg}"))
}

impl BulkInsert for SqliteConnection {
    async fn insert_estates(
        &mut self,
        rows: &[EstateData],
        import_id: i64,
        actor: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let mut handle = self.lock_handle().await?;
        let db = handle.as_raw_handle().as_ptr();
        let marks = vec!["?"; N_DATA_COLS + 5].join(",");
        let source = format!("import:{import_id}");
        let sql = CString::new(format!("INSERT INTO estates ({DATA_COLS}, import_id, created_at, updated_at, created_by, created_source, version) VALUES ({marks}, 1)"))
            .expect("no NUL in SQL");
        let mut raw = ptr::null_mut();
        // SAFETY: `db` is the live handle we hold the lock on; `sql` outlives the call.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(db, sql.as_ptr(), -1, ffi::SQLITE_PREPARE_PERSISTENT, &mut raw, ptr::null_mut())
        };
        if rc != ffi::SQLITE_OK {
            return Err(sqlite_error(db, "prepare"));
        }
        let stmt = Stmt(raw);
        for d in rows {
            let years = years_text(&d.built_years);
            let vals = values(d, &years);
            let tail = [Val::Int(import_id), Val::Text(now), Val::Text(now), Val::Text(actor), Val::Text(&source)];
            for (i, v) in vals.iter().chain(tail.iter()).enumerate() {
                let idx = (i + 1) as c_int;
                // SAFETY: binding to our statement; text pointers stay valid until the step below
                // (SQLITE_STATIC: SQLite does not copy, and we clear bindings after each row).
                let rc = unsafe {
                    match v {
                        Val::Null => ffi::sqlite3_bind_null(stmt.0, idx),
                        Val::Int(n) => ffi::sqlite3_bind_int64(stmt.0, idx, *n),
                        Val::Text(s) => ffi::sqlite3_bind_text(
                            stmt.0,
                            idx,
                            s.as_ptr().cast(),
                            s.len() as c_int,
                            ffi::SQLITE_STATIC(),
                        ),
                    }
                };
                if rc != ffi::SQLITE_OK {
                    return Err(sqlite_error(db, "bind"));
                }
            }
            // SAFETY: stepping and resetting our own prepared statement on the locked handle.
            let rc = unsafe { ffi::sqlite3_step(stmt.0) };
            if rc != ffi::SQLITE_DONE {
                let e = sqlite_error(db, "insert");
                unsafe { ffi::sqlite3_reset(stmt.0) };
                return Err(e);
            }
            unsafe {
                ffi::sqlite3_reset(stmt.0);
                ffi::sqlite3_clear_bindings(stmt.0);
            }
        }
        Ok(())
    }
}

impl BulkInsert for PgConnection {
    async fn insert_estates(
        &mut self,
        rows: &[EstateData],
        import_id: i64,
        actor: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        // COPY in text format: one line per row, tab-separated, \N for NULL, backslash escapes.
        fn field(buf: &mut Vec<u8>, v: &Val<'_>) {
            match v {
                Val::Null => buf.extend_from_slice(b"\\N"),
                Val::Int(n) => buf.extend_from_slice(n.to_string().as_bytes()),
                Val::Text(s) => {
                    for b in s.bytes() {
                        match b {
                            b'\\' => buf.extend_from_slice(b"\\\\"),
                            b'\t' => buf.extend_from_slice(b"\\t"),
                            b'\n' => buf.extend_from_slice(b"\\n"),
                            b'\r' => buf.extend_from_slice(b"\\r"),
                            _ => buf.push(b),
                        }
                    }
                }
            }
        }
        let source = format!("import:{import_id}");
        let mut buf: Vec<u8> = Vec::with_capacity(rows.len() * 256);
        for d in rows {
            let years = years_text(&d.built_years);
            let vals = values(d, &years);
            let tail = [Val::Int(import_id), Val::Text(now), Val::Text(now), Val::Text(actor), Val::Text(&source)];
            for (i, v) in vals.iter().chain(tail.iter()).enumerate() {
                if i > 0 {
                    buf.push(b'\t');
                }
                // Booleans go in as t/f: PostgreSQL's text format does not read 0/1 as boolean.
                match (i, v) {
                    (14 | 16 | 17 | 18 | 19 | 20, Val::Int(n)) => buf.push(if *n != 0 { b't' } else { b'f' }),
                    _ => field(&mut buf, v),
                }
            }
            buf.extend_from_slice(b"\t1\n");
        }
        let mut copy = self
            .copy_in_raw(&format!("COPY estates ({DATA_COLS}, import_id, created_at, updated_at, created_by, created_source, version) FROM STDIN"))
            .await?;
        copy.send(buf).await?;
        copy.finish().await?;
        Ok(())
    }
}
