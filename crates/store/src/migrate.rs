//! Embedded migrations, one list per backend with the same version numbers.

use sqlx::{AssertSqlSafe, Executor};

use crate::{Db, StoreError, clock, with_db};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

macro_rules! migration {
    ($v:expr, $file:literal) => {
        Migration {
            version: $v,
            name: $file,
            sqlite: include_str!(concat!("../migrations/sqlite/", $file, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $file, ".sql")),
        }
    };
}

pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_registry"),
    migration!(2, "0002_web"),
    migration!(3, "0003_projects"),
    migration!(4, "0004_residents"),
    migration!(5, "0005_plans"),
    migration!(6, "0006_funds"),
    migration!(7, "0007_reports"),
    migration!(8, "0008_supervision"),
    migration!(10, "0010_integrity"),
    migration!(11, "0011_report_facts"),
];

/// Applies the migrations not yet applied, each in its own transaction. Returns the versions applied.
pub async fn run(db: &Db) -> Result<Vec<i64>, StoreError> {
    with_db!(db, pool => {
        pool.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)").await?;
        let done: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations").fetch_all(pool).await?;
        let mut applied = Vec::new();
        for m in MIGRATIONS {
            if done.contains(&m.version) {
                continue;
            }
            let sql = match db { Db::Sqlite(_) => m.sqlite, Db::Postgres(_) => m.postgres };
            let mut tx = pool.begin().await?;
            (&mut *tx).execute(AssertSqlSafe(sql)).await.map_err(|e| StoreError::Migration(m.version, e.to_string()))?;
            sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(m.version).bind(m.name).bind(clock::now_rfc3339())
                .execute(&mut *tx).await?;
            tx.commit().await?;
            applied.push(m.version);
        }
        Ok(applied)
    })
}

/// Tables and their columns (lower-case, sorted), to compare the two schemas.
pub async fn schema_columns(db: &Db) -> Result<Vec<(String, Vec<String>)>, StoreError> {
    let rows: Vec<(String, String)> = match db {
        Db::Sqlite(p) => sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(p)
        .await?,
        Db::Postgres(p) => sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema()",
        )
        .fetch_all(p)
        .await?,
    };
    let mut map: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (t, c) in rows {
        map.entry(t.to_lowercase()).or_default().push(c.to_lowercase());
    }
    Ok(map
        .into_iter()
        .map(|(t, mut cs)| {
            cs.sort();
            (t, cs)
        })
        .collect())
}
