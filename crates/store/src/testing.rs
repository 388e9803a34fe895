//! Test databases: a fresh temporary SQLite file by default, or, when `JIUGAI_TEST_DATABASE_URL` names a
//! PostgreSQL server, a fresh uniquely named database on it, dropped when the [`TestDb`] is dropped.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::{Backend, Db, StoreError};

pub const ENV: &str = "JIUGAI_TEST_DATABASE_URL";

pub struct TestDb {
    pub db: Db,
    pub url: String,
    admin_url: Option<String>,
    name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

static SEQ: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    /// A migrated, empty database on the backend the environment chooses.
    pub async fn new() -> TestDb {
        Self::try_new().await.expect("test database")
    }

    /// A migrated database with the division tree loaded.
    pub async fn with_regions() -> TestDb {
        let t = Self::new().await;
        crate::regions::init(&t.db).await.expect("load regions");
        t
    }

    pub async fn try_new() -> Result<TestDb, StoreError> {
        match std::env::var(ENV).ok().filter(|s| !s.is_empty()) {
            None => {
                let dir = tempfile::tempdir().map_err(|e| StoreError::Other(e.to_string()))?;
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                let db = Db::open(&url).await?;
                Ok(TestDb { db, url, admin_url: None, name: None, _dir: Some(dir) })
            }
            Some(base) => {
                if Backend::of_url(&base)? != Backend::Postgres {
                    let db = Db::open(&base).await?;
                    return Ok(TestDb { db, url: base, admin_url: None, name: None, _dir: None });
                }
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .subsec_nanos();
                let name =
                    format!("jiugai_test_{}_{}_{}", std::process::id(), SEQ.fetch_add(1, Ordering::Relaxed), nanos);
                let admin = Db::connect(&base).await?;
                if let Db::Postgres(p) = &admin {
                    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(p).await?;
                }
                admin.close().await;
                let url = with_database(&base, &name);
                let db = Db::open(&url).await?;
                Ok(TestDb { db, url, admin_url: Some(base), name: Some(name), _dir: None })
            }
        }
    }
}

/// `postgres://u@h:p/old?x` → `postgres://u@h:p/NAME?x`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (Some(admin), Some(name)) = (self.admin_url.clone(), self.name.clone()) else { return };
        // Drop on a thread of its own: we may be inside a runtime that is shutting down. The test's pool
        // is not closed from here (its connections belong to the blocked runtime); FORCE ends them.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async move {
                let admin = Db::connect(&admin).await.ok()?;
                if let Db::Postgres(p) = &admin {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                        .execute(p)
                        .await;
                }
                admin.close().await;
                Some(())
            })
        })
        .join();
    }
}

/// Runs raw SQL (tests that play the part of someone editing the database behind the store's back).
pub async fn execute(db: &Db, sql: &str) {
    crate::with_db!(db, p => { sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(p).await.expect("raw sql"); })
}

/// One number read with raw SQL (`SELECT COUNT(*) …`).
pub async fn scalar(db: &Db, sql: &str) -> i64 {
    crate::with_db!(db, p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(p).await.expect("raw sql"))
}

/// On SQLite: `PRAGMA foreign_keys` of every connection the pool holds (all checked out at once).
pub async fn sqlite_foreign_keys(db: &Db) -> Vec<i64> {
    let Db::Sqlite(p) = db else { return vec![] };
    let mut conns = Vec::new();
    let mut out = Vec::new();
    for _ in 0..p.options().get_max_connections() {
        let mut c = p.acquire().await.expect("connection");
        out.push(sqlx::query_scalar::<_, i64>("PRAGMA foreign_keys").fetch_one(&mut *c).await.expect("pragma"));
        conns.push(c);
    }
    out
}

/// For benchmarks: a fresh, migrated database with the division tree, at `url` (a PostgreSQL database of
/// that name is dropped and created again), or in a temporary SQLite file when `url` is `None`. Keep the
/// returned directory alive as long as the database.
pub async fn fresh_bench_db(url: Option<&str>) -> (Db, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = match url {
        Some(u) => u.to_string(),
        None => format!("sqlite://{}", dir.path().join("bench.db").display()),
    };
    if url.starts_with("postgres") {
        let (base, name) = url.rsplit_once('/').expect("postgres://HOST/DB");
        let admin = Db::connect(&format!("{base}/postgres")).await.expect("connect");
        execute(&admin, &format!("DROP DATABASE IF EXISTS {name}")).await;
        execute(&admin, &format!("CREATE DATABASE {name}")).await;
        admin.close().await;
    }
    let db = Db::open(&url).await.expect("open");
    crate::regions::init(&db).await.expect("load regions");
    (db, url, dir)
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_swapped() {
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1/postgres?sslmode=disable", "x"),
            "postgres://postgres@127.0.0.1/x?sslmode=disable"
        );
        assert_eq!(super::with_database("postgres://postgres@127.0.0.1", "x"), "postgres://postgres@127.0.0.1/x");
    }
}
