//! Importing a household roster (住户名册) into one estate's registry, **all or nothing**.
//!
//! `jiugai-sheet` reads the file on a blocking thread ([`jiugai_sheet::household`]: header below titles,
//! synonyms, normalised building/unit/room, area in 0.01 m², phones checked, duplicates inside the file);
//! the store adds the rooms already in the registry to the problems. While any problem stands nothing is
//! written and the report lists every one with its row, column header, value and what to do. Otherwise
//! every household is inserted in one transaction with one audit entry. Either way the report ends with
//! the household-count check: the estate file's 户数 against the registry.

use std::collections::HashMap;
use std::path::Path;

use jiugai_sheet::household::{HouseholdRead, household_label, read_households, read_households_bytes};
use jiugai_sheet::{Format, Issue, IssueKind, Lang, ReadOptions};
use serde::Serialize;
use serde_json::{Value, json};

use super::households;
use crate::estates::query::{Bind, bind_all, region_cond};
use crate::regions::Regions;
use crate::{Db, StoreError, audit, clock, with_db};

/// Where the roster comes from.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// A file; the format from its signature or extension.
    Path(&'a Path),
    /// An upload: the bytes, their format and the file name as given (for the audit log).
    Bytes { data: &'a [u8], format: Format, file_name: &'a str },
}

/// The estate file's household count (户数) against its registry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CountCheck {
    pub estate_id: i64,
    pub estate_name: String,
    pub region_code: String,
    /// 户数 in the estate file; `None` when not filled in.
    pub recorded: Option<i64>,
    /// Households in the registry.
    pub registry: i64,
    /// Their exclusive area, 0.01 m².
    pub registry_area_dm2: i64,
}

impl CountCheck {
    pub fn matches(&self) -> bool {
        self.recorded == Some(self.registry)
    }

    /// What the check found and, when it differs, what to do.
    pub fn message(&self, lang: Lang) -> String {
        let (n, reg) = (&self.estate_name, self.registry);
        match (self.recorded, lang) {
            (Some(r), Lang::Zh) if r == reg => format!("户数一致：“{n}”档案记载 {r} 户，住户名册登记 {reg} 户"),
            (Some(r), Lang::En) if r == reg => {
                format!("counts agree: the file of “{n}” records {r} households, the registry holds {reg}")
            }
            (Some(r), Lang::Zh) => format!(
                "户数不一致：“{n}”档案记载 {r} 户，住户名册登记 {reg} 户（{}）。请核对名册是否完整，或更正小区档案中的户数",
                if reg > r { format!("多 {} 户", reg - r) } else { format!("少 {} 户", r - reg) }
            ),
            (Some(r), Lang::En) => format!(
                "counts differ: the file of “{n}” records {r} households, the registry holds {reg} ({} {}). Check that the roster is complete, or correct the estate file's household count",
                (reg - r).abs(),
                if reg > r { "more" } else { "fewer" }
            ),
            (None, Lang::Zh) => format!("“{n}”档案未填写户数；住户名册登记 {reg} 户。请在小区档案中填写户数"),
            (None, Lang::En) => format!(
                "the file of “{n}” has no household count; the registry holds {reg}. Fill in the estate file's household count"
            ),
        }
    }

    pub fn to_json(&self, lang: Lang) -> Value {
        json!({
            "estate_id": self.estate_id, "estate": self.estate_name, "region_code": self.region_code,
            "recorded": self.recorded, "registry": self.registry, "registry_area_m2": m2(self.registry_area_dm2),
            "matches": self.matches(), "message": self.message(lang),
        })
    }
}

fn m2(dm2: i64) -> f64 {
    dm2 as f64 / 100.0
}

/// What an import did.
#[derive(Clone, Debug)]
pub struct HouseholdImport {
    pub estate_id: i64,
    pub file_name: String,
    /// Data rows in the file (good or not).
    pub rows_read: u64,
    /// Households written (0 unless committed).
    pub added: u64,
    /// Sum of the file's areas that parsed, 0.01 m².
    pub file_area_dm2: i64,
    /// Totals and footer rows, not imported.
    pub skipped_rows: Vec<u32>,
    /// Every problem; when any stands nothing was written.
    pub errors: Vec<Issue>,
    pub committed: bool,
    /// The count check after the import (or as it stands, when refused).
    pub check: CountCheck,
}

impl HouseholdImport {
    /// The one JSON document the CLI (`--json`) and the API both print.
    pub fn to_json(&self, lang: Lang) -> Value {
        let errors: Vec<Value> = self
            .errors
            .iter()
            .map(|i| json!({"row": i.row, "column": i.column, "value": i.value, "message": i.message(lang)}))
            .collect();
        json!({
            "estate_id": self.estate_id, "file": self.file_name, "rows": self.rows_read, "added": self.added,
            "committed": self.committed, "area_m2": m2(self.file_area_dm2), "skipped_rows": self.skipped_rows,
            "errors": errors, "check": self.check.to_json(lang),
        })
    }

    /// One line: what was read and what happened.
    pub fn summary(&self, lang: Lang) -> String {
        let area = jiugai_sheet_fmt(self.file_area_dm2);
        match (lang, self.committed) {
            (Lang::Zh, true) => format!("读取 {} 行（专有面积合计 {area} ㎡）：新增 {} 户", self.rows_read, self.added),
            (Lang::En, true) => {
                format!("read {} rows ({area} m² exclusive area): {} households added", self.rows_read, self.added)
            }
            (Lang::Zh, false) => {
                format!("读取 {} 行，有误 {} 处：未导入任何住户。请改正后重新导入", self.rows_read, self.errors.len())
            }
            (Lang::En, false) => format!(
                "read {} rows, {} errors: no household was imported. Fix them and import again",
                self.rows_read,
                self.errors.len()
            ),
        }
    }
}

fn jiugai_sheet_fmt(dm2: i64) -> String {
    jiugai_domain::number::hundredths(dm2)
}

fn sha256(data: &[u8]) -> String {
    jiugai_domain::digest::sha256_hex(data)
}

fn sha256_path(path: &Path) -> Result<String, jiugai_sheet::FileError> {
    Ok(jiugai_domain::digest::sha256_reader(std::fs::File::open(path)?)?)
}

/// The count check of one estate as it stands.
pub async fn check(db: &Db, estate_id: i64) -> Result<CountCheck, StoreError> {
    let e = crate::estates::get(db, estate_id).await?;
    let (n, area) = households::totals(db, estate_id).await?;
    Ok(CountCheck {
        estate_id,
        estate_name: e.data.name,
        region_code: e.data.region_code,
        recorded: e.data.households,
        registry: n,
        registry_area_dm2: area,
    })
}

/// Imports a roster into estate `estate_id`: all rows or none. Every message the report holds exists in
/// both languages (`Issue::message`, [`HouseholdImport::to_json`] and [`HouseholdImport::summary`] take the
/// language), so `lang` changes nothing stored; it is the caller's language, kept in the signature like the
/// estate import's options.
pub async fn import_households(
    db: &Db,
    estate_id: i64,
    source: Source<'_>,
    lang: Lang,
    actor: &str,
    origin: &str,
) -> Result<HouseholdImport, StoreError> {
    crate::estates::get(db, estate_id).await?;
    let (file_name, read, digest) = match source {
        Source::Path(p) => {
            let path = p.to_path_buf();
            let name = p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            let (read, digest) =
                tokio::task::spawn_blocking(move || -> Result<(HouseholdRead, String), jiugai_sheet::FileError> {
                    Ok((read_households(&path, &ReadOptions::default())?, sha256_path(&path)?))
                })
                .await
                .map_err(|e| StoreError::Other(format!("reader thread failed: {e}")))??;
            (name, read, digest)
        }
        Source::Bytes { data, format, file_name } => {
            let owned = data.to_vec();
            let read =
                tokio::task::spawn_blocking(move || read_households_bytes(&owned, format, &ReadOptions::default()))
                    .await
                    .map_err(|e| StoreError::Other(format!("reader thread failed: {e}")))??;
            (file_name.rsplit(['/', '\\']).next().unwrap_or("").to_string(), read, sha256(data))
        }
    };
    let mut errors = read.issues.clone();
    if read.records.is_empty() && errors.is_empty() {
        errors.push(Issue {
            row: read.header_row,
            column: String::new(),
            value: String::new(),
            kind: IssueKind::Other {
                zh: format!("表头（第 {} 行）下面没有任何住户：请在表头下逐行填写每户的楼栋、单元、房号、专有部分面积和业主姓名", read.header_row),
                en: format!("there are no households below the header (row {}): give one row per household with building, unit, room, exclusive area and owner", read.header_row),
            },
        });
    }
    // Rooms already registered.
    let existing: HashMap<(String, String, String), i64> =
        households::list(db, estate_id).await?.into_iter().map(|h| ((h.building, h.unit, h.room), h.id)).collect();
    let room_header = read.header_of("room");
    for r in &read.records {
        if existing.contains_key(&(r.building.clone(), r.unit.clone(), r.room.clone())) {
            let place = household_label(&r.building, &r.unit, &r.room);
            errors.push(Issue {
                row: r.row,
                column: room_header.clone(),
                value: r.room.clone(),
                kind: IssueKind::Other {
                    zh: format!("{place}已在该小区的住户名册中：同一户不能重复登记，请删去此行（修改已登记住户的信息请在名册中直接更正）"),
                    en: format!("{place} is already in this estate's registry: a household is registered once; remove this row (correct a registered household in the registry itself)"),
                },
            });
        }
    }
    errors.sort_by_key(|i| i.row);
    let mut report = HouseholdImport {
        estate_id,
        file_name,
        rows_read: read.data_rows,
        added: 0,
        file_area_dm2: read.area_dm2,
        skipped_rows: read.skipped_rows.clone(),
        errors,
        committed: false,
        check: check(db, estate_id).await?,
    };
    if !report.errors.is_empty() {
        return Ok(report);
    }
    let now = clock::now_rfc3339();
    let written: Result<(), StoreError> = with_db!(db, pool => async {
        let mut tx = pool.begin().await?;
        for h in &read.records {
            sqlx::query("INSERT INTO households (estate_id, building, unit, room, area_dm2, owner_name, owner_phone, proxy_name, proxy_phone, created_at, updated_at) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)")
                .bind(estate_id).bind(&h.building).bind(&h.unit).bind(&h.room).bind(h.area_dm2)
                .bind(&h.owner_name).bind(&h.owner_phone).bind(&h.proxy_name).bind(&h.proxy_phone).bind(&now)
                .execute(&mut *tx).await?;
        }
        let entry = audit::Entry::new(actor, origin, "households.import", "estate", &estate_id.to_string(), json!({
            "file": report.file_name, "sha256": digest, "added": read.records.len(), "area_dm2": read.area_dm2,
        }));
        audit::append_on(&mut *tx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }.await);
    match written {
        Ok(()) => {}
        Err(StoreError::Sqlx(sqlx::Error::Database(e))) if e.is_unique_violation() => {
            return Err(StoreError::invalid(
                "room",
                String::new(),
                "导入期间有人登记了名册中的同一户：未导入任何住户，请重新导入，已登记的户会逐行列出",
                "someone registered one of these households during the import: nothing was imported; import again to see which rows are already registered",
            ));
        }
        Err(e) => return Err(e),
    }
    let _ = lang;
    report.added = read.records.len() as u64;
    report.committed = true;
    report.check = check(db, estate_id).await?;
    Ok(report)
}

/// The household-count check over a region.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CheckReport {
    /// Estates in the region with a registry (at least one household).
    pub with_registry: i64,
    /// Estates in the region with no household registered yet (not checked).
    pub without_registry: i64,
    /// Estates with a registry whose file records another count (or none), by id.
    pub mismatches: Vec<CountCheck>,
}

impl CheckReport {
    pub fn to_json(&self, lang: Lang) -> Value {
        json!({
            "with_registry": self.with_registry, "without_registry": self.without_registry,
            "mismatches": self.mismatches.iter().map(|c| c.to_json(lang)).collect::<Vec<_>>(),
        })
    }
}

/// Estates inside `region` (a code of any level; "" = everywhere) whose recorded household count differs
/// from their registry. Estates without any registered household are counted, not listed.
pub async fn mismatches(db: &Db, regions: &Regions, region: &str) -> Result<CheckReport, StoreError> {
    let mut binds: Vec<Bind> = Vec::new();
    let cond = region_cond(regions, region, &mut binds).unwrap_or_else(|| "1 = 1".into());
    let sql = format!(
        "SELECT e.id, e.name, e.region_code, e.households, COUNT(h.id), CAST(SUM(h.area_dm2) AS BIGINT) \
         FROM estates e JOIN households h ON h.estate_id = e.id WHERE {cond} \
         GROUP BY e.id, e.name, e.region_code, e.households ORDER BY e.id"
    );
    type R = (i64, String, String, Option<i64>, i64, Option<i64>);
    let rows: Vec<R> =
        with_db!(db, p => bind_all!(sqlx::query_as::<_, R>(sqlx::AssertSqlSafe(sql)), &binds).fetch_all(p).await?);
    let sql = format!(
        "SELECT COUNT(*) FROM estates e WHERE {cond} AND NOT EXISTS (SELECT 1 FROM households h WHERE h.estate_id = e.id)"
    );
    let without: i64 =
        with_db!(db, p => bind_all!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)), &binds).fetch_one(p).await?);
    let with_registry = rows.len() as i64;
    let mismatches = rows
        .into_iter()
        .map(|r| CountCheck {
            estate_id: r.0,
            estate_name: r.1,
            region_code: r.2,
            recorded: r.3,
            registry: r.4,
            registry_area_dm2: r.5.unwrap_or(0),
        })
        .filter(|c| !c.matches())
        .collect();
    Ok(CheckReport { with_registry, without_registry: without, mismatches })
}
