//! Both backends have the same tables and columns, migration for migration.

use jiugai_store::migrate::{MIGRATIONS, schema_columns};
use jiugai_store::testing::TestDb;
use std::collections::BTreeMap;

/// Tables and columns declared by the CREATE TABLE statements of a migration script, and the columns its
/// `ALTER TABLE t ADD COLUMN c …` statements add (under `t`, for [`declared_all`] to merge).
fn declared(sql: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let lower = sql.to_lowercase();
    for l in lower.lines().map(|l| l.split("--").next().unwrap().trim()) {
        let w: Vec<&str> = l.split_whitespace().collect();
        if w.len() >= 6 && w[0] == "alter" && w[1] == "table" && w[3] == "add" && w[4] == "column" {
            out.entry(w[2].to_string()).or_default().push(w[5].trim_end_matches(',').to_string());
        }
    }
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("create table ") {
        rest = &rest[i + "create table ".len()..];
        let name = rest.split(|c: char| c.is_whitespace() || c == '(').next().unwrap().to_string();
        let body_start = rest.find('(').unwrap() + 1;
        let mut depth = 1;
        let mut end = body_start;
        for (j, ch) in rest[body_start..].char_indices() {
            match ch {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = body_start + j;
                        break;
                    }
                }
                _ => {}
            }
        }
        let cols: Vec<String> = rest[body_start..end]
            .lines()
            .map(|l| l.split("--").next().unwrap().trim())
            .filter(|l| !l.is_empty())
            .filter_map(|l| l.split_whitespace().next())
            .filter(|w| !matches!(*w, "unique" | "primary" | "foreign" | "check" | "constraint"))
            .map(|w| w.trim_end_matches(',').to_string())
            .collect();
        out.entry(name).or_default().extend(cols);
        rest = &rest[end..];
    }
    for c in out.values_mut() {
        c.sort();
    }
    out
}

#[test]
fn migration_scripts_declare_the_same_tables_and_columns() {
    for m in MIGRATIONS {
        let (s, p) = (declared(m.sqlite), declared(m.postgres));
        assert!(!s.is_empty(), "migration {} declares tables", m.version);
        assert_eq!(s, p, "migration {} ({}) differs between SQLite and PostgreSQL", m.version, m.name);
    }
}

#[tokio::test]
async fn live_schema_matches_the_scripts() {
    let t = TestDb::new().await;
    let live: BTreeMap<String, Vec<String>> = schema_columns(&t.db).await.unwrap().into_iter().collect();
    let mut want: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in MIGRATIONS {
        for (t, cols) in declared(m.sqlite) {
            let c = want.entry(t).or_default();
            c.extend(cols);
            c.sort();
        }
    }
    want.insert("schema_migrations".into(), vec!["applied_at".into(), "name".into(), "version".into()]);
    assert_eq!(live, want, "backend {:?}", t.db.backend());
}

#[tokio::test]
async fn migrations_run_once() {
    let t = TestDb::new().await;
    assert!(jiugai_store::migrate::run(&t.db).await.unwrap().is_empty());
}

#[tokio::test]
async fn unknown_url_scheme_is_refused_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlit://{}", dir.path().join("x.db").display());
    let err = jiugai_store::Db::open(&url).await.unwrap_err();
    assert!(matches!(err, jiugai_store::StoreError::BadUrl(_)));
    assert!(err.message(jiugai_store::Lang::Zh).contains("sqlite://"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
