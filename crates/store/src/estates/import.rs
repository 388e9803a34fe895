//! Importing an office's estate ledger.
//!
//! The file is read on a blocking thread by `jiugai-sheet` (streaming, row by row) while this task
//! resolves regions, matches estates by county + name, and writes in batches inside **one**
//! transaction: reading and writing overlap on the two cores. If any error stands at the end the
//! transaction is rolled back, so nothing is imported; `allow_partial` commits the good rows and
//! writes the rejected ones, with reasons, beside the input. Re-importing the same ledger changes
//! nothing: an estate that exists is updated only in the fields the row fills and that differ.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use jiugai_sheet::estate::{EstateRecord, RowOutcome, Totals};
use jiugai_sheet::{Issue, IssueKind, Lang, ReadOptions};
use serde::Serialize;
use serde_json::json;

use super::{DATA_COLS, EstateData, diff, estate_from_row};
use crate::regions::{Level, Region, Regions};
use crate::{Db, StoreError, audit, bind_estate, clock, with_db};

#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// County (or street) for rows without their own 区划代码/所属县区; also the scope rows must lie in.
    pub region: Option<String>,
    pub sheet: Option<String>,
    pub dry_run: bool,
    pub allow_partial: bool,
    pub actor: String,
    pub origin: String,
    pub lang: Lang,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ImportReport {
    pub imported: u64,
    pub unchanged: u64,
    pub updated: u64,
    pub skipped_rows: Vec<u32>,
    pub errors: Vec<Issue>,
    pub totals: Totals,
    /// True when the changes were written (false on errors without `allow_partial`, on dry runs, and
    /// when there was nothing to change).
    #[serde(skip)]
    pub committed: bool,
    #[serde(skip)]
    pub import_id: Option<i64>,
    #[serde(skip)]
    pub rejected_file: Option<PathBuf>,
}

const BATCH: usize = 400;

/// A row-level problem found by the store, before we know the file's own header text.
struct Pending {
    row: u32,
    field: &'static str,
    value: String,
    zh: String,
    en: String,
}

fn canonical_header(field: &str) -> &'static str {
    match field {
        "region_code" => "区划代码",
        "county" => "所属县区",
        "street" => "所属街道",
        "community" => "所属社区",
        _ => "小区名称",
    }
}

struct Resolver<'a> {
    regions: &'a Regions,
    scope: Option<&'a Region>,
    cache: HashMap<String, Result<String, (String, String)>>,
}

struct Place {
    county: String,
    street_code: Option<String>,
    street: Option<String>,
    community: Option<String>,
}

impl Resolver<'_> {
    fn place(&mut self, r: &EstateRecord) -> Result<Place, (&'static str, String, String, String)> {
        let regions = self.regions;
        let in_scope = |code: &str| self.scope.is_none_or(|s| regions.within(code, &s.code));
        let scope_name = self.scope.map(|s| s.full_name.clone()).unwrap_or_default();
        let mut street_code = None;
        let mut street = r.street.clone();
        let mut community = r.community.clone();
        let county: String = if let Some(code) = &r.region_code {
            let Some(reg) = regions.get(code) else {
                return Err((
                    "region_code",
                    code.clone(),
                    format!(
                        "区划代码“{code}”不存在：请填写国家统计局公布的 6 位县级或 9 位乡镇街道代码（如 140830 芮城县）"
                    ),
                    format!(
                        "division code “{code}” does not exist: give a 6-digit county or 9-digit street code (e.g. 140830)"
                    ),
                ));
            };
            match reg.level {
                Level::County => {}
                Level::Street => {
                    street_code = Some(reg.code.clone());
                    if street.is_none() {
                        street = Some(reg.name.clone());
                    }
                }
                Level::Community => {
                    street_code = Some(reg.code[..9].to_string());
                    if street.is_none() {
                        street = regions.get(&reg.code[..9]).map(|s| s.name.clone());
                    }
                    if community.is_none() {
                        community = Some(reg.name.clone());
                    }
                }
                _ => {
                    return Err((
                        "region_code",
                        code.clone(),
                        format!(
                            "区划代码“{code}”（{}）是省级或市级代码：请填写小区所在县（区）的 6 位代码",
                            reg.full_name
                        ),
                        format!(
                            "“{code}” ({}) is a province or city: give the 6-digit code of the estate's county",
                            reg.full_name
                        ),
                    ));
                }
            }
            if !in_scope(&reg.code) {
                return Err((
                    "region_code",
                    code.clone(),
                    format!("区划代码“{code}”（{}）不在指定范围“{scope_name}”内：请核对代码或 --region", reg.full_name),
                    format!(
                        "“{code}” ({}) is outside the given region “{scope_name}”: check the code or --region",
                        reg.full_name
                    ),
                ));
            }
            regions.ancestor_at(&reg.code, Level::County).map(|c| c.code.clone()).unwrap_or_default()
        } else if let Some(name) = &r.county {
            let scope_code = self.scope.map(|s| s.code.clone());
            let res =
                self.cache.entry(name.clone()).or_insert_with(|| match regions.resolve(name, scope_code.as_deref()) {
                    Ok(reg) if reg.level == Level::County => Ok(reg.code.clone()),
                    Ok(reg) => Err((
                        format!("“{name}”（{}）不是县（区）：请填写县（区）名称或代码", reg.full_name),
                        format!("“{name}” ({}) is not a county: give a county name or code", reg.full_name),
                    )),
                    Err(e) => Err((e.message(Lang::Zh), e.message(Lang::En))),
                });
            match res {
                Ok(c) => c.clone(),
                Err((zh, en)) => return Err(("county", name.clone(), zh.clone(), en.clone())),
            }
        } else if let Some(s) = self.scope {
            match s.level {
                Level::County => s.code.clone(),
                Level::Street => {
                    street_code = Some(s.code.clone());
                    if street.is_none() {
                        street = Some(s.name.clone());
                    }
                    s.parent_code.clone().unwrap_or_default()
                }
                _ => {
                    return Err((
                        "county",
                        String::new(),
                        format!(
                            "本行没有区划代码或所属县区，而 --region “{scope_name}”不是县（区）：请在表中加“区划代码”列，或用 --region 指定县（区）"
                        ),
                        format!(
                            "this row has no division code or county, and --region “{scope_name}” is not a county: add a 区划代码 column or give a county with --region"
                        ),
                    ));
                }
            }
        } else {
            return Err(("county", String::new(),
                "本行没有区划代码或所属县区：请在表中加“区划代码”列，或用 --region 指定整个文件所属的县（区）".into(),
                "this row has no division code or county: add a 区划代码 column, or give the county of the whole file with --region".into()));
        };
        if street_code.is_none()
            && let Some(s) = &street
        {
            street_code = regions.street_in(&county, s).map(|r| r.code.clone());
        }
        Ok(Place { county, street_code, street, community })
    }
}

fn data_of(r: EstateRecord, p: Place) -> EstateData {
    EstateData {
        region_code: p.county,
        street_code: p.street_code,
        street: p.street,
        community: p.community,
        name: r.name,
        address: r.address,
        built_years: r.built_years,
        buildings: r.buildings,
        households: r.households,
        floor_area_dm2: r.floor_area_dm2,
        property_type: r.property_type,
        original_unit: r.original_unit,
        management: r.management.map(|m| m.as_str().to_string()),
        maintenance_fund: r.maintenance_fund,
        safety_rating: r.safety_rating.map(|c| c.to_string()),
        in_shantytown_plan: r.in_shantytown_plan,
        self_built: r.self_built,
        urban_village: r.urban_village,
        declared: r.declared,
        historic: r.historic,
        longitude_e6: r.longitude_e6,
        latitude_e6: r.latitude_e6,
        plan_year: r.plan_year.map(i64::from),
    }
}

/// `new` laid over `old`: the fields the row fills replace the stored ones; empty cells keep them.
fn overlay(old: &EstateData, new: &EstateData) -> EstateData {
    macro_rules! pick { ($($f:ident),*) => { EstateData { $($f: new.$f.clone().or_else(|| old.$f.clone()),)*
        region_code: old.region_code.clone(), name: old.name.clone(),
        built_years: if new.built_years.is_empty() { old.built_years.clone() } else { new.built_years.clone() } } } }
    pick!(
        street_code,
        street,
        community,
        address,
        buildings,
        households,
        floor_area_dm2,
        property_type,
        original_unit,
        management,
        maintenance_fund,
        safety_rating,
        in_shantytown_plan,
        self_built,
        urban_village,
        declared,
        historic,
        longitude_e6,
        latitude_e6,
        plan_year
    )
}

fn sha256_file(path: &Path) -> Result<String, StoreError> {
    let f = std::fs::File::open(path).map_err(|e| StoreError::File(jiugai_sheet::FileError::Io(e)))?;
    jiugai_domain::digest::sha256_reader(f).map_err(|e| StoreError::File(jiugai_sheet::FileError::Io(e)))
}

/// Imports the estate ledger at `path`. `progress` is called with the number of rows read so far.
pub async fn import_estates(
    db: &Db,
    regions: &Regions,
    path: &Path,
    opts: &ImportOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ImportReport, StoreError> {
    let scope = match &opts.region {
        Some(q) => Some(regions.resolve(q, None)?),
        None => None,
    };
    let file_hash = sha256_file(path)?;

    // Existing estates by (county, name), to match rows to files already in the registry.
    let existing: HashMap<(String, String), i64> = {
        let rows: Vec<(i64, String, String)> =
            with_db!(db, p => sqlx::query_as("SELECT id, region_code, name FROM estates").fetch_all(p).await?);
        rows.into_iter().map(|(id, c, n)| ((c, n), id)).collect()
    };

    // The reader thread: streams outcomes in batches.
    let (tx_rows, mut rx_rows) = tokio::sync::mpsc::channel::<Vec<RowOutcome>>(16);
    let read_path = path.to_path_buf();
    let read_opts = ReadOptions { sheet: opts.sheet.clone() };
    let reader = tokio::task::spawn_blocking(move || {
        let mut batch = Vec::with_capacity(1000);
        let summary = jiugai_sheet::estate::read_estates(&read_path, &read_opts, |o| {
            batch.push(o);
            if batch.len() == 1000 {
                let _ = tx_rows.blocking_send(std::mem::replace(&mut batch, Vec::with_capacity(1000)));
            }
        });
        if !batch.is_empty() {
            let _ = tx_rows.blocking_send(batch);
        }
        summary
    });

    let now = clock::now_rfc3339();
    let mut report = ImportReport::default();
    let mut issues: Vec<Issue> = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    let mut rejected_rows: HashSet<u32> = HashSet::new();
    let mut resolver = Resolver { regions, scope, cache: HashMap::new() };
    let mut seen: HashMap<(String, String), u32> = HashMap::new();
    let mut rows_read = 0u64;

    let sqlite = db.backend() == crate::Backend::Sqlite;
    let result: Result<(), StoreError> = with_db!(db, pool => {
        let mut conn = pool.acquire().await?;
        // Every region code was checked against the division tree above, so on SQLite the import's own
        // connection skips the two foreign-key lookups per row (a fifth of the insert time). The setting is
        // per connection and cannot change inside a transaction: it is restored below, and a connection
        // that cannot be restored is closed rather than returned to the pool.
        if sqlite {
            sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
        }
        let outcome: Result<(), StoreError> = async {
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        // First statement writes: takes the write lock for the whole import.
        let import_id: i64 = sqlx::query_scalar("INSERT INTO imports (kind, file_name, file_sha256, actor, at, imported, updated, unchanged, rejected) VALUES ('estates', $1, $2, $3, $4, 0, 0, 0, 0) RETURNING id")
            .bind(path.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default())
            .bind(&file_hash).bind(&opts.actor).bind(&now)
            .fetch_one(&mut *tx).await?;
        // Into an empty registry (a first, national-scale load) the secondary indexes are built once at the
        // end: a sorted build costs a fraction of 300,000 random B-tree inserts per index. Their definitions
        // come from the catalogue, so indexes added by later migrations are covered. DDL is transactional on
        // both backends: a rollback restores them.
        let rebuild: Vec<(String, String)> = if existing.is_empty() {
            let catalogue = if sqlite {
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'estates' AND sql IS NOT NULL"
            } else {
                "SELECT indexname::text, indexdef::text FROM pg_indexes WHERE tablename = 'estates' AND schemaname = current_schema() AND indexname NOT LIKE '%pkey'"
            };
            sqlx::query_as(catalogue).fetch_all(&mut *tx).await?
        } else {
            Vec::new()
        };
        for (name, _) in &rebuild {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}"))).execute(&mut *tx).await?;
        }
        // PostgreSQL checks foreign keys by a locking lookup per row (10 s for 300,000 rows here); re-adding the
        // constraint after the load validates all rows in one pass. (SQLite: see the PRAGMA above.)
        let foreign_keys: Vec<(String, String)> = if existing.is_empty() && !sqlite {
            sqlx::query_as("SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'estates'::regclass AND contype = 'f'")
                .fetch_all(&mut *tx).await?
        } else {
            Vec::new()
        };
        for (name, _) in &foreign_keys {
            sqlx::query(sqlx::AssertSqlSafe(format!("ALTER TABLE estates DROP CONSTRAINT {name}"))).execute(&mut *tx).await?;
        }
        let mut to_insert: Vec<EstateData> = Vec::with_capacity(BATCH);
        let mut to_match: Vec<(i64, u32, EstateData)> = Vec::new();

        macro_rules! flush_inserts {
            () => {
                if !to_insert.is_empty() {
                    super::bulk::BulkInsert::insert_estates(&mut *tx, &to_insert, import_id, &opts.actor, &now).await?;
                    report.imported += to_insert.len() as u64;
                    to_insert.clear();
                }
            };
        }
        macro_rules! flush_matches {
            () => {
                if !to_match.is_empty() {
                    let ids: Vec<String> = to_match.iter().map(|(id, _, _)| id.to_string()).collect();
                    let sql = format!("SELECT id, {DATA_COLS}, version, created_at, updated_at FROM estates WHERE id IN ({})", ids.join(","));
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *tx).await?;
                    let mut current: HashMap<i64, super::Estate> = HashMap::new();
                    for r in &rows {
                        let e = estate_from_row(r)?;
                        current.insert(e.id, e);
                    }
                    for (id, _row, new) in to_match.drain(..) {
                        let Some(cur) = current.get(&id) else { continue };
                        let merged = overlay(&cur.data, &new);
                        let changes = diff(&cur.data, &merged);
                        if changes.is_empty() {
                            report.unchanged += 1;
                            continue;
                        }
                        let sets: Vec<String> = DATA_COLS.split(',').enumerate().map(|(i, c)| format!("{} = ${}", c.trim(), i + 1)).collect();
                        let sql = format!("UPDATE estates SET {}, version = version + 1, updated_at = $25, import_id = $26 WHERE id = $27 AND version = $28", sets.join(", "));
                        let n = bind_estate!(sqlx::query(sqlx::AssertSqlSafe(sql)), &merged)
                            .bind(&now).bind(import_id).bind(id).bind(cur.version)
                            .execute(&mut *tx).await?.rows_affected();
                        if n == 0 {
                            return Err(StoreError::Other(format!("estate {id} changed during the import; run the import again")));
                        }
                        let ch = serde_json::Value::Object(changes.iter().map(|(k, (a, b))| (k.to_string(), json!([a, b]))).collect());
                        sqlx::query("INSERT INTO estate_history (estate_id, version, changed_at, actor, source, changes) VALUES ($1, $2, $3, $4, $5, $6)")
                            .bind(id).bind(cur.version + 1).bind(&now).bind(&opts.actor).bind(format!("import:{import_id}")).bind(ch.to_string())
                            .execute(&mut *tx).await?;
                        report.updated += 1;
                    }
                }
            };
        }

        while let Some(batch) = rx_rows.recv().await {
            rows_read += batch.len() as u64;
            progress(rows_read);
            for outcome in batch {
                match outcome {
                    RowOutcome::Rejected(r) => {
                        rejected_rows.insert(r.row);
                        issues.extend(r.issues);
                    }
                    RowOutcome::Record(rec) => {
                        let row = rec.row;
                        let place = match resolver.place(&rec) {
                            Ok(p) => p,
                            Err((field, value, zh, en)) => {
                                rejected_rows.insert(row);
                                pending.push(Pending { row, field, value, zh, en });
                                continue;
                            }
                        };
                        let key = (place.county.clone(), rec.name.clone());
                        if let Some(first) = seen.get(&key) {
                            rejected_rows.insert(row);
                            pending.push(Pending { row, field: "name", value: rec.name.clone(),
                                zh: format!("与第 {first} 行重复：同一县（区）内小区名称不能重复，请合并两行或改名"),
                                en: format!("duplicates row {first}: estate names must be unique within a county; merge the rows or rename one") });
                            continue;
                        }
                        seen.insert(key.clone(), row);
                        let data = data_of(rec, place);
                        match existing.get(&key) {
                            Some(id) => {
                                to_match.push((*id, row, data));
                                if to_match.len() >= BATCH { flush_matches!(); }
                            }
                            None => {
                                to_insert.push(data);
                                if to_insert.len() >= BATCH { flush_inserts!(); }
                            }
                        }
                    }
                }
            }
        }
        flush_inserts!();
        flush_matches!();
        for (_, definition) in &rebuild {
            sqlx::query(sqlx::AssertSqlSafe(definition.clone())).execute(&mut *tx).await?;
        }
        for (name, definition) in &foreign_keys {
            sqlx::query(sqlx::AssertSqlSafe(format!("ALTER TABLE estates ADD CONSTRAINT {name} {definition}"))).execute(&mut *tx).await?;
        }

        let summary = reader.await.map_err(|e| StoreError::Other(format!("reader thread failed: {e}")))??;
        // Pending issues now get the header text the file really uses.
        let header_of = |field: &str| -> String {
            summary.mapped.iter().find(|(_, f)| *f == field).map(|(h, _)| h.clone()).unwrap_or_else(|| canonical_header(field).to_string())
        };
        for p in pending.drain(..) {
            issues.push(Issue { row: p.row, column: header_of(p.field), value: p.value, kind: IssueKind::Other { zh: p.zh, en: p.en } });
        }
        issues.extend(summary.file_issues.iter().cloned());
        issues.sort_by_key(|i| i.row);
        report.skipped_rows = summary.skipped_rows.clone();
        report.totals = summary.totals.clone();
        report.errors = issues.clone();
        report.import_id = Some(import_id);

        let has_errors = !report.errors.is_empty();
        let changed = report.imported + report.updated > 0;
        if opts.dry_run || (has_errors && !opts.allow_partial) || !changed {
            tx.rollback().await?;
            report.import_id = None;
        } else {
            sqlx::query("UPDATE imports SET imported = $1, updated = $2, unchanged = $3, rejected = $4 WHERE id = $5")
                .bind(report.imported as i64).bind(report.updated as i64).bind(report.unchanged as i64).bind(rejected_rows.len() as i64).bind(import_id)
                .execute(&mut *tx).await?;
            audit::append_on(&mut *tx, &audit::Entry::new(&opts.actor, &opts.origin, "estates.import", "import", &import_id.to_string(), json!({
                "file": path.file_name().map(|f| f.to_string_lossy().to_string()),
                "sha256": file_hash,
                "imported": report.imported, "updated": report.updated, "unchanged": report.unchanged,
                "rejected_rows": rejected_rows.len(),
            }))).await?;
            tx.commit().await?;
            report.committed = true;
        }
        Ok(())
        }.await;
        if sqlite && sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await.is_err() {
            let _ = conn.detach();
        }
        outcome
    });
    if let Err(e) = result {
        // Drain the reader so its thread ends, then report the first cause.
        rx_rows.close();
        return Err(e);
    }

    if opts.allow_partial && !rejected_rows.is_empty() && !opts.dry_run {
        report.rejected_file = Some(write_rejected(path, opts, &rejected_rows, &report.errors)?);
    }
    Ok(report)
}

/// `<input>.rejected.xlsx` beside the input: the rejected rows as they were, with their reasons.
fn write_rejected(
    path: &Path,
    opts: &ImportOptions,
    rows: &HashSet<u32>,
    issues: &[Issue],
) -> Result<PathBuf, StoreError> {
    use jiugai_sheet::table::{ColumnSpec, read_table, value_text};
    let specs =
        [ColumnSpec {
            key: "name", synonyms: &["小区名称", "项目名称", "小区（项目）名称", "小区"], required: true
        }];
    let mut picked: Vec<jiugai_sheet::estate::RejectedRow> = Vec::new();
    let header = read_table(path, &ReadOptions { sheet: opts.sheet.clone() }, &specs, |_, row, values| {
        if rows.contains(&row) {
            picked.push(jiugai_sheet::estate::RejectedRow {
                row,
                cells: values.iter().map(value_text).collect(),
                issues: issues.iter().filter(|i| i.row == row).cloned().collect(),
            });
        }
    })?;
    let mut out = path.as_os_str().to_owned();
    out.push(".rejected.xlsx");
    let out = PathBuf::from(out);
    jiugai_sheet::write::write_rejected(&out, &header.headers, &picked, opts.lang)?;
    Ok(out)
}
