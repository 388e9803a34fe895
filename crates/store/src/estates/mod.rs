//! The estate registry (一区一档): one record per estate, a dated history of every change, and a version
//! number for optimistic locking.

mod assign;
mod bulk;
pub mod import;
pub use assign::{ASSIGNABLE, assign};
pub mod query;

use std::collections::BTreeMap;

use jiugai_sheet::estate::{EstateRecord, Management};
use serde::Serialize;
use serde_json::{Value, json};

use crate::regions::{Level, Regions};
use crate::{Db, StoreError, audit, clock, with_db, with_tx};

/// The editable content of an estate file.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EstateData {
    /// The county (6-digit code).
    pub region_code: String,
    pub street_code: Option<String>,
    pub street: Option<String>,
    pub community: Option<String>,
    pub name: String,
    pub address: Option<String>,
    pub built_years: Vec<i32>,
    pub buildings: Option<i64>,
    pub households: Option<i64>,
    /// Floor area in 0.01 m² (dm²), exact.
    #[serde(rename = "floor_area_m2", serialize_with = "dm2_as_m2")]
    pub floor_area_dm2: Option<i64>,
    pub property_type: Option<String>,
    pub original_unit: Option<String>,
    /// none | unit | self | professional
    pub management: Option<String>,
    pub maintenance_fund: Option<bool>,
    pub safety_rating: Option<String>,
    pub in_shantytown_plan: Option<bool>,
    pub self_built: Option<bool>,
    pub urban_village: Option<bool>,
    pub declared: Option<bool>,
    pub historic: Option<bool>,
    pub longitude_e6: Option<i64>,
    pub latitude_e6: Option<i64>,
    pub plan_year: Option<i64>,
}

fn dm2_as_m2<S: serde::Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(d) => s.serialize_f64(*d as f64 / 100.0),
        None => s.serialize_none(),
    }
}

/// An estate file as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estate {
    pub id: i64,
    #[serde(flatten)]
    pub data: EstateData,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Field names with their Chinese labels, in display order (also the JSON keys, but for floor area).
pub const FIELDS: &[(&str, &str)] = &[
    ("region_code", "区划代码"),
    ("street_code", "街道代码"),
    ("street", "所属街道"),
    ("community", "所属社区"),
    ("name", "小区名称"),
    ("address", "坐落位置"),
    ("built_years", "建成年代"),
    ("buildings", "楼栋数"),
    ("households", "户数"),
    ("floor_area_dm2", "建筑面积"),
    ("property_type", "产权性质"),
    ("original_unit", "原产权单位"),
    ("management", "物业管理"),
    ("maintenance_fund", "维修资金"),
    ("safety_rating", "房屋安全等级"),
    ("in_shantytown_plan", "纳入棚改计划"),
    ("self_built", "以自建房为主"),
    ("urban_village", "城中村"),
    ("declared", "已申报"),
    ("historic", "历史保护"),
    ("longitude_e6", "经度"),
    ("latitude_e6", "纬度"),
    ("plan_year", "计划年度"),
];

pub fn field_label(key: &str) -> &str {
    FIELDS.iter().find(|(k, _)| *k == key).map(|(_, l)| *l).unwrap_or(key)
}

/// The data columns in table order; binds follow this order everywhere.
pub(crate) const DATA_COLS: &str = "region_code, street_code, street, community, name, address, built_years, built_year_min, \
buildings, households, floor_area_dm2, property_type, original_unit, management, maintenance_fund, safety_rating, \
in_shantytown_plan, self_built, urban_village, declared, historic, longitude_e6, latitude_e6, plan_year";
pub(crate) const N_DATA_COLS: usize = 24;
const ALL_COLS: &str = "id, region_code, street_code, street, community, name, address, built_years, built_year_min, \
buildings, households, floor_area_dm2, property_type, original_unit, management, maintenance_fund, safety_rating, \
in_shantytown_plan, self_built, urban_village, declared, historic, longitude_e6, latitude_e6, plan_year, version, created_at, updated_at";

/// Binds an [`EstateData`]'s columns to a query, in [`DATA_COLS`] order.
#[macro_export]
#[doc(hidden)]
macro_rules! bind_estate {
    ($q:expr, $d:expr) => {{
        let d: &$crate::estates::EstateData = $d;
        $q.bind(d.region_code.clone())
            .bind(d.street_code.clone())
            .bind(d.street.clone())
            .bind(d.community.clone())
            .bind(d.name.clone())
            .bind(d.address.clone())
            .bind($crate::estates::years_text(&d.built_years))
            .bind(d.built_years.first().map(|y| *y as i64))
            .bind(d.buildings)
            .bind(d.households)
            .bind(d.floor_area_dm2)
            .bind(d.property_type.clone())
            .bind(d.original_unit.clone())
            .bind(d.management.clone())
            .bind(d.maintenance_fund)
            .bind(d.safety_rating.clone())
            .bind(d.in_shantytown_plan)
            .bind(d.self_built)
            .bind(d.urban_village)
            .bind(d.declared)
            .bind(d.historic)
            .bind(d.longitude_e6)
            .bind(d.latitude_e6)
            .bind(d.plan_year)
    }};
}

pub fn years_text(years: &[i32]) -> String {
    years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join(",")
}

fn parse_years(s: &str) -> Vec<i32> {
    s.split(',').filter_map(|p| p.trim().parse().ok()).collect()
}

pub(crate) fn estate_from_row<'r, R>(r: &'r R) -> Result<Estate, sqlx::Error>
where
    R: sqlx::Row,
    &'static str: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Estate {
        id: r.try_get("id")?,
        data: EstateData {
            region_code: r.try_get("region_code")?,
            street_code: r.try_get("street_code")?,
            street: r.try_get("street")?,
            community: r.try_get("community")?,
            name: r.try_get("name")?,
            address: r.try_get("address")?,
            built_years: parse_years(&r.try_get::<String, _>("built_years")?),
            buildings: r.try_get("buildings")?,
            households: r.try_get("households")?,
            floor_area_dm2: r.try_get("floor_area_dm2")?,
            property_type: r.try_get("property_type")?,
            original_unit: r.try_get("original_unit")?,
            management: r.try_get("management")?,
            maintenance_fund: r.try_get("maintenance_fund")?,
            safety_rating: r.try_get("safety_rating")?,
            in_shantytown_plan: r.try_get("in_shantytown_plan")?,
            self_built: r.try_get("self_built")?,
            urban_village: r.try_get("urban_village")?,
            declared: r.try_get("declared")?,
            historic: r.try_get("historic")?,
            longitude_e6: r.try_get("longitude_e6")?,
            latitude_e6: r.try_get("latitude_e6")?,
            plan_year: r.try_get("plan_year")?,
        },
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The changes from `old` to `new`, as `{field: [before, after]}`.
pub fn diff(old: &EstateData, new: &EstateData) -> BTreeMap<&'static str, (Value, Value)> {
    let a = serde_json::to_value(old).unwrap_or_default();
    let b = serde_json::to_value(new).unwrap_or_default();
    let mut out = BTreeMap::new();
    for (k, _) in FIELDS {
        let key = if *k == "floor_area_dm2" { "floor_area_m2" } else { k };
        let (x, y) = (a.get(key).cloned().unwrap_or(Value::Null), b.get(key).cloned().unwrap_or(Value::Null));
        if x != y {
            out.insert(*k, (x, y));
        }
    }
    out
}

fn changes_json(ch: &BTreeMap<&'static str, (Value, Value)>) -> Value {
    Value::Object(ch.iter().map(|(k, (a, b))| (k.to_string(), json!([a, b]))).collect())
}

/// Which estates to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// A region code of any level: the estates inside it.
    pub region: Option<String>,
    pub name_contains: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn scope_clause(regions: Option<&Regions>, region: &str) -> (String, String) {
    let level = regions.and_then(|r| r.get(region)).map(|r| r.level);
    match level {
        Some(Level::Street) => ("street_code = $1".into(), region.to_string()),
        Some(Level::Community) => ("street_code = $1".into(), region[..9].to_string()),
        _ => ("region_code LIKE $1".into(), format!("{region}%")),
    }
}

pub async fn list(db: &Db, regions: &Regions, f: &Filter) -> Result<Vec<Estate>, StoreError> {
    let mut wh = vec!["1 = 1".to_string()];
    let mut binds: Vec<String> = Vec::new();
    if let Some(r) = &f.region {
        let (c, b) = scope_clause(Some(regions), r);
        wh.push(c.replace("$1", &format!("${}", binds.len() + 1)));
        binds.push(b);
    }
    if let Some(n) = &f.name_contains {
        wh.push(format!("name LIKE ${}", binds.len() + 1));
        binds.push(format!("%{}%", n.replace(['%', '_'], "")));
    }
    let sql = format!(
        "SELECT {ALL_COLS} FROM estates WHERE {} ORDER BY region_code, id LIMIT {} OFFSET {}",
        wh.join(" AND "),
        f.limit.unwrap_or(i64::MAX / 2),
        f.offset.unwrap_or(0)
    );
    with_db!(db, p => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in &binds { q = q.bind(b.clone()); }
        let rows = q.fetch_all(p).await?;
        rows.iter().map(|r| estate_from_row(r).map_err(StoreError::from)).collect()
    })
}

pub async fn count(db: &Db) -> Result<i64, StoreError> {
    Ok(with_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM estates").fetch_one(p).await?))
}

pub async fn get(db: &Db, id: i64) -> Result<Estate, StoreError> {
    let sql = format!("SELECT {ALL_COLS} FROM estates WHERE id = $1");
    with_db!(db, p => {
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?;
        match row {
            Some(r) => Ok(estate_from_row(&r)?),
            None => Err(StoreError::EstateNotFound(id)),
        }
    })
}

/// Checks the content an office types: a county that exists, a name, sane numbers.
pub fn validate(regions: &Regions, d: &EstateData) -> Result<(), StoreError> {
    let bad = |field: &str, value: String, zh: String, en: String| Err(StoreError::invalid(field, value, zh, en));
    match regions.get(&d.region_code) {
        Some(r) if r.level == Level::County => {}
        _ => {
            return bad(
                "region_code",
                d.region_code.clone(),
                format!("区划代码“{}”不是一个县（区）的代码，请填写 6 位县级代码", d.region_code),
                format!("region code “{}” is not a county code: give the 6-digit county code", d.region_code),
            );
        }
    }
    if let Some(s) = &d.street_code
        && !regions
            .get(s)
            .is_some_and(|r| r.level == Level::Street && r.parent_code.as_deref() == Some(d.region_code.as_str()))
    {
        return bad(
            "street_code",
            s.clone(),
            format!("街道代码“{s}”不属于县（区）{}", d.region_code),
            format!("street code “{s}” is not in county {}", d.region_code),
        );
    }
    if d.name.trim().is_empty() {
        return bad("name", String::new(), "小区名称不能为空".into(), "the estate name is empty".into());
    }
    for (k, v) in [("buildings", d.buildings), ("households", d.households), ("floor_area_dm2", d.floor_area_dm2)] {
        if let Some(v) = v
            && v < 0
        {
            return bad(k, v.to_string(), format!("{}不能为负数", field_label(k)), format!("{k} cannot be negative"));
        }
    }
    if let Some(m) = &d.management
        && Management::parse(m).is_none()
    {
        return bad(
            "management",
            m.clone(),
            format!("物业管理“{m}”应为 none/unit/self/professional 之一"),
            format!("management “{m}” must be one of none, unit, self, professional"),
        );
    }
    if let Some(s) = &d.safety_rating
        && !matches!(s.as_str(), "A" | "B" | "C" | "D")
    {
        return bad(
            "safety_rating",
            s.clone(),
            format!("房屋安全等级“{s}”应为 A、B、C、D 之一"),
            format!("safety rating “{s}” must be A, B, C or D"),
        );
    }
    Ok(())
}

/// Creates one estate (outside imports). Fails if the county already has an estate of that name.
pub async fn create(
    db: &Db,
    regions: &Regions,
    d: &EstateData,
    actor: &str,
    origin: &str,
) -> Result<Estate, StoreError> {
    validate(regions, d)?;
    let now = clock::now_rfc3339();
    let sql = format!(
        "INSERT INTO estates ({DATA_COLS}, version, created_at, updated_at, created_by, created_source) VALUES ({}, 1, $25, $25, $26, $27) RETURNING id",
        (1..=N_DATA_COLS).map(|i| format!("${i}")).collect::<Vec<_>>().join(",")
    );
    let id: i64 = {
        let mut tx = db.begin().await?;
        let id: i64 = with_tx!(&mut tx, cx => {
            let q = bind_estate!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)), d).bind(&now).bind(actor).bind(origin);
            q.fetch_one(&mut *cx).await
        })
        .map_err(|e| duplicate_name(e, d))?;
        audit::append(
            &mut tx,
            &audit::Entry::new(actor, origin, "estate.create", "estate", &id.to_string(), json!({"after": d})),
        )
        .await?;
        tx.commit().await?;
        id
    };
    get(db, id).await
}

fn duplicate_name(e: sqlx::Error, d: &EstateData) -> StoreError {
    if let sqlx::Error::Database(de) = &e
        && de.is_unique_violation()
    {
        return StoreError::invalid(
            "name",
            d.name.clone(),
            format!("县（区）{} 已有名为“{}”的小区，请换一个名称或编辑已有档案", d.region_code, d.name),
            format!(
                "county {} already has an estate named “{}”: choose another name or edit that file",
                d.region_code, d.name
            ),
        )
        .with_code(jiugai_domain::ErrorCode::NameTaken);
    }
    StoreError::Sqlx(e)
}

/// Saves `new` over estate `id` if it is still at `expected_version`; otherwise refuses with
/// [`StoreError::Conflict`] naming the fields changed since. A save that changes nothing is a no-op.
pub async fn update(
    db: &Db,
    regions: &Regions,
    id: i64,
    expected_version: i64,
    new: &EstateData,
    actor: &str,
    origin: &str,
) -> Result<Estate, StoreError> {
    validate(regions, new)?;
    let current = get(db, id).await?;
    if current.version != expected_version {
        return Err(conflict(db, id, expected_version, current.version).await?);
    }
    let changes = diff(&current.data, new);
    if changes.is_empty() {
        return Ok(current);
    }
    let now = clock::now_rfc3339();
    let sets: Vec<String> =
        DATA_COLS.split(',').enumerate().map(|(i, c)| format!("{} = ${}", c.trim(), i + 1)).collect();
    let sql = format!(
        "UPDATE estates SET {}, version = version + 1, updated_at = $25 WHERE id = $26 AND version = $27",
        sets.join(", ")
    );
    {
        let mut tx = db.begin().await?;
        let n = with_tx!(&mut tx, cx => {
            let q = bind_estate!(sqlx::query(sqlx::AssertSqlSafe(sql)), new).bind(&now).bind(id).bind(expected_version);
            q.execute(&mut *cx).await.map(|r| r.rows_affected())
        })
        .map_err(|e| duplicate_name(e, new))?;
        if n == 0 {
            drop(tx);
            let cur = get(db, id).await?;
            return Err(conflict(db, id, expected_version, cur.version).await?);
        }
        with_tx!(&mut tx, cx => sqlx::query("INSERT INTO estate_history (estate_id, version, changed_at, actor, source, changes) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id).bind(expected_version + 1).bind(&now).bind(actor).bind(origin).bind(changes_json(&changes).to_string())
            .execute(&mut *cx).await?.rows_affected());
        audit::append(
            &mut tx,
            &audit::Entry::new(
                actor,
                origin,
                "estate.update",
                "estate",
                &id.to_string(),
                json!({"version": expected_version + 1, "changes": changes_json(&changes)}),
            ),
        )
        .await?;
        tx.commit().await?;
    };
    get(db, id).await
}

async fn conflict(db: &Db, id: i64, expected: i64, current: i64) -> Result<StoreError, StoreError> {
    let hist = history(db, id).await?;
    let mut changed: Vec<String> = hist
        .iter()
        .filter(|h| h.version > expected)
        .flat_map(|h| h.changes.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default())
        .map(|k| field_label(&k).to_string())
        .collect();
    changed.sort();
    changed.dedup();
    Ok(StoreError::Conflict { id, expected, current, changed })
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct HistoryEntry {
    pub version: i64,
    pub changed_at: String,
    pub actor: String,
    pub source: String,
    /// `{"field": [before, after]}`, or `{"created": true}` for the first version.
    pub changes: Value,
}

/// The dated history of an estate, oldest first. Version 1 (its creation) comes from the estate row itself,
/// so a national import does not write 300,000 history rows; later versions are the recorded changes.
pub async fn history(db: &Db, id: i64) -> Result<Vec<HistoryEntry>, StoreError> {
    let created: Option<(String, String, String)> = with_db!(db, p => sqlx::query_as(
        "SELECT created_at, created_by, created_source FROM estates WHERE id = $1").bind(id).fetch_optional(p).await?);
    let Some((created_at, created_by, created_source)) = created else { return Err(StoreError::EstateNotFound(id)) };
    let rows: Vec<(i64, String, String, String, String)> = with_db!(db, p => sqlx::query_as(
        "SELECT version, changed_at, actor, source, changes FROM estate_history WHERE estate_id = $1 ORDER BY version, id")
        .bind(id).fetch_all(p).await?);
    let first = HistoryEntry {
        version: 1,
        changed_at: created_at,
        actor: created_by,
        source: created_source,
        changes: json!({"created": true}),
    };
    Ok(std::iter::once(first)
        .chain(rows.into_iter().map(|(version, changed_at, actor, source, changes)| HistoryEntry {
            version,
            changed_at,
            actor,
            source,
            changes: serde_json::from_str(&changes).unwrap_or(Value::Null),
        }))
        .collect())
}

/// The estate as a ledger row, for export (county name filled from the tree).
pub fn to_record(regions: &Regions, e: &EstateData) -> EstateRecord {
    EstateRecord {
        row: 0,
        region_code: Some(e.region_code.clone()),
        county: regions.get(&e.region_code).map(|r| r.name.clone()),
        street: e.street.clone(),
        community: e.community.clone(),
        name: e.name.clone(),
        address: e.address.clone(),
        built_years: e.built_years.clone(),
        buildings: e.buildings,
        households: e.households,
        floor_area_dm2: e.floor_area_dm2,
        property_type: e.property_type.clone(),
        original_unit: e.original_unit.clone(),
        management: e.management.as_deref().and_then(Management::parse),
        maintenance_fund: e.maintenance_fund,
        safety_rating: e.safety_rating.as_deref().and_then(|s| s.chars().next()),
        in_shantytown_plan: e.in_shantytown_plan,
        self_built: e.self_built,
        urban_village: e.urban_village,
        declared: e.declared,
        historic: e.historic,
        longitude_e6: e.longitude_e6,
        latitude_e6: e.latitude_e6,
        plan_year: e.plan_year.map(|y| y as i32),
    }
}

/// Writes the estates in `region` to an xlsx or csv file in the export layout.
pub async fn export(db: &Db, regions: &Regions, region: &str, path: &std::path::Path) -> Result<usize, StoreError> {
    let list = list(db, regions, &Filter { region: Some(region.to_string()), ..Default::default() }).await?;
    let n = list.len();
    let rows = list.iter().map(|e| jiugai_sheet::estate::export_cells(&to_record(regions, &e.data)));
    let headers = jiugai_sheet::estate::EXPORT_HEADERS;
    match jiugai_sheet::Format::from_path(path) {
        Some(jiugai_sheet::Format::Csv) => jiugai_sheet::write::write_csv(path, headers, rows)?,
        Some(jiugai_sheet::Format::Xlsx) => jiugai_sheet::write::write_xlsx(path, "小区档案", headers, rows)?,
        _ => {
            return Err(StoreError::invalid(
                "output",
                path.display().to_string(),
                format!("无法导出为“{}”：请使用 .xlsx 或 .csv 文件名", path.display()),
                format!("cannot export to “{}”: use a .xlsx or .csv file name", path.display()),
            ));
        }
    }
    Ok(n)
}
