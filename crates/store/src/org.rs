//! The organisation of the programme per region [001 附件1/2; 002 附件; 003 附件; 004 附件 三]: the leading
//! group (领导小组) and its office, its members (职务, 姓名, 单位及职务), the member units (成员单位) and their
//! duties (工作任务 with the lead unit and the co-operating units). Imported from the annex tables
//! ([`jiugai_sheet::org_sheet`]); a `department` user belongs to one unit (`users.unit_id`).
//!
//! Invariants:
//! - An import is all or nothing: any problem in the file → nothing is written and every problem is listed.
//! - A duties table replaces the region's duties; a roster replaces its members. Units are kept (users point
//!   at them) and added when a table names a new one, matched by (region, short name).
//! - Every import is one transaction with one audit entry (file name, SHA-256, counts).

use std::path::Path;

use serde::Serialize;
use serde_json::json;

use crate::regions::Regions;
use crate::{Db, StoreError, Tx, audit, clock, with_db, with_tx};
use jiugai_sheet::org_sheet::{Layout, OrgRead, read_org};
use jiugai_sheet::{Issue, ReadOptions};

/// A member unit of a region's leading group.
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unit {
    pub id: i64,
    pub region_code: String,
    pub name: String,
}

/// One duty: a task and the units responsible, the lead first.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Duty {
    pub seq: i64,
    pub task: String,
    pub units_text: String,
    pub leads: Vec<String>,
    pub cooperating: Vec<String>,
}

/// A member of the leading group.
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub seq: i64,
    pub position: String,
    pub person: String,
    pub title: String,
    pub unit: Option<String>,
}

/// The leading group of a region.
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Group {
    pub region_code: String,
    pub title: String,
    /// The unit the office sits in (办公室设在…).
    pub office_unit: String,
    pub source: String,
    pub updated_at: String,
}

/// Everything about a region's organisation.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organisation {
    pub region_code: String,
    pub region_name: String,
    pub group: Option<Group>,
    pub members: Vec<Member>,
    pub units: Vec<Unit>,
    pub duties: Vec<Duty>,
}

/// What an import did (or, with problems, why it did nothing).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ImportReport {
    pub region_code: String,
    pub layout: Layout,
    pub duties: usize,
    pub members: usize,
    pub units_added: Vec<String>,
    pub issues: Vec<Issue>,
    pub committed: bool,
}

async fn unit_id(tx: &mut Tx, region: &str, name: &str, now: &str, added: &mut Vec<String>) -> Result<i64, StoreError> {
    let found: Option<i64> = with_tx!(tx, cx => sqlx::query_scalar("SELECT id FROM org_units WHERE region_code = $1 AND name = $2")
        .bind(region).bind(name).fetch_optional(&mut *cx).await?);
    if let Some(id) = found {
        return Ok(id);
    }
    added.push(name.to_string());
    Ok(
        with_tx!(tx, cx => sqlx::query_scalar("INSERT INTO org_units (region_code, name, created_at) VALUES ($1, $2, $3) RETURNING id")
        .bind(region).bind(name).bind(now).fetch_one(&mut *cx).await?),
    )
}

/// Imports what the reader found for `region`. `title`: the leading group's title (else the region's name
/// followed by 城镇老旧小区改造工作领导小组); `source`: the file name and its SHA-256.
pub async fn import(
    db: &Db,
    region: &str,
    read: &OrgRead,
    title: Option<&str>,
    source: (&str, &str),
    region_name: &str,
    actor: &str,
    origin: &str,
) -> Result<ImportReport, StoreError> {
    let mut rep = ImportReport {
        region_code: region.to_string(),
        layout: read.layout,
        duties: read.duties.len(),
        members: read.members.len(),
        units_added: Vec::new(),
        issues: read.issues.clone(),
        committed: false,
    };
    if read.duties.is_empty() && read.members.is_empty() && rep.issues.is_empty() {
        rep.issues.push(Issue {
            row: read.header_row,
            column: String::new(),
            value: String::new(),
            kind: jiugai_sheet::IssueKind::Other {
                zh: "表中没有数据行".into(),
                en: "the table has no data rows".into(),
            },
        });
    }
    if !rep.issues.is_empty() {
        return Ok(rep);
    }
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let src = format!("{} sha256:{}", source.0, source.1);
    match read.layout {
        Layout::Duties => {
            with_tx!(&mut tx, cx => sqlx::query("DELETE FROM org_duty_units WHERE duty_id IN (SELECT id FROM org_duties WHERE region_code = $1)")
                .bind(region).execute(&mut *cx).await?.rows_affected());
            with_tx!(&mut tx, cx => sqlx::query("DELETE FROM org_duties WHERE region_code = $1").bind(region).execute(&mut *cx).await?.rows_affected());
            for d in &read.duties {
                let did: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO org_duties (region_code, seq, task, units_text) VALUES ($1, $2, $3, $4) RETURNING id")
                    .bind(region).bind(d.seq).bind(&d.task).bind(&d.units_text).fetch_one(&mut *cx).await?);
                let mut seen = std::collections::BTreeSet::new();
                for (names, lead) in [(&d.leads, true), (&d.cooperating, false)] {
                    for n in names {
                        let uid = unit_id(&mut tx, region, n, &now, &mut rep.units_added).await?;
                        if seen.insert(uid) {
                            with_tx!(&mut tx, cx => sqlx::query("INSERT INTO org_duty_units (duty_id, unit_id, lead) VALUES ($1, $2, $3)")
                                .bind(did).bind(uid).bind(lead).execute(&mut *cx).await?.rows_affected());
                        }
                    }
                }
            }
            let has: Option<String> = with_tx!(&mut tx, cx => sqlx::query_scalar("SELECT region_code FROM org_groups WHERE region_code = $1")
                .bind(region).fetch_optional(&mut *cx).await?);
            if has.is_none() {
                let t =
                    title.map(str::to_string).unwrap_or_else(|| format!("{region_name}城镇老旧小区改造工作领导小组"));
                with_tx!(&mut tx, cx => sqlx::query("INSERT INTO org_groups (region_code, title, office_unit, source, updated_at) VALUES ($1, $2, '', $3, $4)")
                    .bind(region).bind(&t).bind(&src).bind(&now).execute(&mut *cx).await?.rows_affected());
            }
        }
        Layout::Roster => {
            with_tx!(&mut tx, cx => sqlx::query("DELETE FROM org_members WHERE region_code = $1").bind(region).execute(&mut *cx).await?.rows_affected());
            let mut office = String::new();
            for m in &read.members {
                let uid = if m.unit.is_empty() {
                    None
                } else {
                    Some(unit_id(&mut tx, region, &m.unit, &now, &mut rep.units_added).await?)
                };
                if m.position.contains("办公室") && office.is_empty() {
                    office = m.unit.clone();
                }
                with_tx!(&mut tx, cx => sqlx::query("INSERT INTO org_members (region_code, seq, position, person, title, unit_id) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(region).bind(m.seq).bind(&m.position).bind(&m.person).bind(&m.title).bind(uid).execute(&mut *cx).await?.rows_affected());
            }
            let t = title.map(str::to_string).unwrap_or_else(|| format!("{region_name}城镇老旧小区改造工作领导小组"));
            let n = with_tx!(&mut tx, cx => sqlx::query("UPDATE org_groups SET title = $1, office_unit = CASE WHEN $2 = '' THEN office_unit ELSE $2 END, source = $3, updated_at = $4 WHERE region_code = $5")
                .bind(&t).bind(&office).bind(&src).bind(&now).bind(region).execute(&mut *cx).await?.rows_affected());
            if n == 0 {
                with_tx!(&mut tx, cx => sqlx::query("INSERT INTO org_groups (region_code, title, office_unit, source, updated_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(region).bind(&t).bind(&office).bind(&src).bind(&now).execute(&mut *cx).await?.rows_affected());
            }
        }
    }
    audit::append(
        &mut tx,
        &audit::Entry::new(
            actor,
            origin,
            "org.import",
            "region",
            region,
            json!({"file": source.0, "sha256": source.1, "layout": read.layout, "duties": read.duties.len(),
                   "members": read.members.len(), "units_added": rep.units_added}),
        ),
    )
    .await?;
    tx.commit().await?;
    rep.committed = true;
    Ok(rep)
}

/// Reads `path` (on a blocking thread) and imports it for `region`.
pub async fn import_file(
    db: &Db,
    regions: &Regions,
    region: &str,
    path: &Path,
    title: Option<&str>,
    actor: &str,
    origin: &str,
) -> Result<ImportReport, StoreError> {
    let r = regions.get(region).ok_or_else(|| StoreError::RegionNotFound(region.to_string()))?;
    let name = r.full_name.clone();
    let p = path.to_path_buf();
    let (read, sha) = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
        let bytes = std::fs::read(&p).map_err(|e| StoreError::Other(format!("{}: {e}", p.display())))?;
        let sha = jiugai_domain::digest::sha256_hex(&bytes);
        Ok((read_org(&p, &ReadOptions::default())?, sha))
    })
    .await
    .map_err(|e| StoreError::Other(e.to_string()))??;
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    import(db, region, &read, title, (&file, &sha), &name, actor, origin).await
}

/// The units of a region, by name.
pub async fn units(db: &Db, region: &str) -> Result<Vec<Unit>, StoreError> {
    Ok(
        with_db!(db, p => sqlx::query_as("SELECT id, region_code, name FROM org_units WHERE region_code = $1 ORDER BY id")
        .bind(region).fetch_all(p).await?),
    )
}

pub async fn unit(db: &Db, id: i64) -> Result<Option<Unit>, StoreError> {
    Ok(
        with_db!(db, p => sqlx::query_as("SELECT id, region_code, name FROM org_units WHERE id = $1").bind(id).fetch_optional(p).await?),
    )
}

/// A unit by its region and name, or by its number.
pub async fn find_unit(db: &Db, region: &str, name_or_id: &str) -> Result<Unit, StoreError> {
    let s = name_or_id.trim();
    let u: Option<Unit> = match s.parse::<i64>() {
        Ok(id) => unit(db, id).await?,
        Err(_) => {
            let short = jiugai_sheet::org_sheet::short_unit(s);
            with_db!(db, p => sqlx::query_as("SELECT id, region_code, name FROM org_units WHERE region_code = $1 AND (name = $2 OR name = $3)")
                .bind(region).bind(s).bind(&short).fetch_optional(p).await?)
        }
    };
    u.ok_or_else(|| StoreError::NotFound("成员单位", "unit", s.to_string()))
}

pub async fn duties(db: &Db, region: &str) -> Result<Vec<Duty>, StoreError> {
    let rows: Vec<(i64, i64, String, String)> = with_db!(db, p => sqlx::query_as("SELECT id, seq, task, units_text FROM org_duties WHERE region_code = $1 ORDER BY seq, id")
        .bind(region).fetch_all(p).await?);
    let links: Vec<(i64, String, bool)> = with_db!(db, p => sqlx::query_as("SELECT du.duty_id, u.name, du.lead FROM org_duty_units du JOIN org_units u ON u.id = du.unit_id JOIN org_duties d ON d.id = du.duty_id WHERE d.region_code = $1 ORDER BY du.duty_id, du.lead DESC, u.id")
        .bind(region).fetch_all(p).await?);
    Ok(rows
        .into_iter()
        .map(|(id, seq, task, units_text)| {
            let of = |lead: bool| links.iter().filter(|l| l.0 == id && l.2 == lead).map(|l| l.1.clone()).collect();
            Duty { seq, task, units_text, leads: of(true), cooperating: of(false) }
        })
        .collect())
}

pub async fn members(db: &Db, region: &str) -> Result<Vec<Member>, StoreError> {
    Ok(
        with_db!(db, p => sqlx::query_as("SELECT m.seq, m.position, m.person, m.title, u.name AS unit FROM org_members m LEFT JOIN org_units u ON u.id = m.unit_id WHERE m.region_code = $1 ORDER BY m.seq")
        .bind(region).fetch_all(p).await?),
    )
}

pub async fn group(db: &Db, region: &str) -> Result<Option<Group>, StoreError> {
    Ok(
        with_db!(db, p => sqlx::query_as("SELECT region_code, title, office_unit, source, updated_at FROM org_groups WHERE region_code = $1")
        .bind(region).fetch_optional(p).await?),
    )
}

/// The organisation of a region: group, members, units, duties.
pub async fn organisation(db: &Db, regions: &Regions, region: &str) -> Result<Organisation, StoreError> {
    let name = regions.get(region).map(|r| r.full_name.clone()).unwrap_or_default();
    Ok(Organisation {
        region_code: region.to_string(),
        region_name: name,
        group: group(db, region).await?,
        members: members(db, region).await?,
        units: units(db, region).await?,
        duties: duties(db, region).await?,
    })
}

/// The duties a unit leads or co-operates on: (task, lead?).
pub async fn duties_of_unit(db: &Db, unit: i64) -> Result<Vec<(String, bool)>, StoreError> {
    Ok(
        with_db!(db, p => sqlx::query_as("SELECT d.task, du.lead FROM org_duty_units du JOIN org_duties d ON d.id = du.duty_id WHERE du.unit_id = $1 ORDER BY d.seq")
        .bind(unit).fetch_all(p).await?),
    )
}
