//! The estate list of the web application: filters, sorting and keyset pagination that stays fast at
//! national scale (every sort order has an index ending in `id`; a page continues after the last row's
//! (sort value, id) instead of skipping rows with OFFSET), plus the eligibility cache and counts per region.
//!
//! Eligibility is decided by `jiugai-rules` under the policy profile of the estate's region. It is cached in
//! `estate_eligibility` per estate version and per profile-set signature, so that the list can filter on it
//! with an index; [`refresh_eligibility`] recomputes the rows that are missing or stale (a new estate, a new
//! version, or changed profiles). It is derived data and is therefore not audited.

use std::collections::HashMap;

use jiugai_rules::{EstateFacts, ProfileSet, eligibility};
use serde::Serialize;

use super::{ALL_COLS, Estate, estate_from_row};
use crate::regions::{Level, Regions};
use crate::{Db, StoreError, with_db};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Id,
    Name,
    Built,
    Households,
}

impl Sort {
    pub fn from_key(s: &str) -> Option<Sort> {
        Some(match s {
            "id" => Sort::Id,
            "name" => Sort::Name,
            "built" => Sort::Built,
            "households" => Sort::Households,
            _ => return None,
        })
    }
    pub fn key(self) -> &'static str {
        match self {
            Sort::Id => "id",
            Sort::Name => "name",
            Sort::Built => "built",
            Sort::Households => "households",
        }
    }
    fn expr(self) -> &'static str {
        match self {
            Sort::Id => "e.id",
            Sort::Name => "e.name",
            Sort::Built => "COALESCE(e.built_year_min, -1)",
            Sort::Households => "COALESCE(e.households, -1)",
        }
    }
}

/// Where the next page starts: after the row with this sort value and id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cursor {
    Text(String, i64),
    Int(i64, i64),
}

impl Cursor {
    /// `"i:1998:42"` or `"t:name:42"` (the text may contain ':').
    pub fn encode(&self) -> String {
        match self {
            Cursor::Int(v, id) => format!("i:{v}:{id}"),
            Cursor::Text(v, id) => format!("t:{id}:{v}"),
        }
    }
    pub fn decode(s: &str) -> Option<Cursor> {
        let (kind, rest) = s.split_once(':')?;
        match kind {
            "i" => {
                let (v, id) = rest.split_once(':')?;
                Some(Cursor::Int(v.parse().ok()?, id.parse().ok()?))
            }
            "t" => {
                let (id, v) = rest.split_once(':')?;
                Some(Cursor::Text(v.to_string(), id.parse().ok()?))
            }
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Query {
    /// Only estates inside this region (the caller's scope). `None` or `""`: all.
    pub scope: Option<String>,
    /// Filter: a region inside the scope.
    pub region: Option<String>,
    /// Name or street contains.
    pub text: Option<String>,
    /// core | extended | excluded | out_of_scope
    pub eligibility: Option<String>,
    pub built_from: Option<i64>,
    pub built_to: Option<i64>,
    pub property_type: Option<String>,
    pub sort: Sort,
    pub desc: bool,
    pub after: Option<Cursor>,
    pub limit: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub estate: Estate,
    pub eligibility: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Page {
    pub rows: Vec<Row>,
    /// How many estates match (all pages).
    pub total: i64,
    /// Cursor of the next page, when there is one.
    pub next: Option<String>,
}

pub(crate) enum Bind {
    T(String),
    I(i64),
}

/// The SQL condition for "inside region `code`" on alias `e`.
pub(crate) fn region_cond(regions: &Regions, code: &str, binds: &mut Vec<Bind>) -> Option<String> {
    if code.is_empty() {
        return None;
    }
    let mut push = |b: Bind| {
        binds.push(b);
        format!("${}", binds.len())
    };
    match regions.get(code).map(|r| r.level) {
        Some(Level::County) => Some(format!("e.region_code = {}", push(Bind::T(code.into())))),
        Some(Level::Street) => Some(format!("e.street_code = {}", push(Bind::T(code.into())))),
        Some(Level::Community) => {
            let name = regions.get(code).map(|r| r.name.clone()).unwrap_or_default();
            let a = push(Bind::T(code[..9].to_string()));
            let b = push(Bind::T(name));
            Some(format!("(e.street_code = {a} AND e.community = {b})"))
        }
        _ => {
            // Province or city: a prefix of the county code, as a range the index can use.
            let lo = push(Bind::T(code.to_string()));
            match code
                .parse::<u64>()
                .ok()
                .map(|n| format!("{:0width$}", n + 1, width = code.len()))
                .filter(|h| h.len() == code.len())
            {
                Some(hi) => {
                    let hi = push(Bind::T(hi));
                    Some(format!("(e.region_code >= {lo} AND e.region_code < {hi})"))
                }
                None => Some(format!("e.region_code >= {lo}")),
            }
        }
    }
}

fn where_clause(regions: &Regions, q: &Query, binds: &mut Vec<Bind>) -> String {
    let mut wh: Vec<String> = Vec::new();
    for code in [q.scope.as_deref(), q.region.as_deref()].into_iter().flatten() {
        if let Some(c) = region_cond(regions, code, binds) {
            wh.push(c);
        }
    }
    if let Some(t) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        binds.push(Bind::T(format!("%{}%", t.replace(['%', '_', '\\'], ""))));
        let n = binds.len();
        wh.push(format!("(e.name LIKE ${n} OR e.street LIKE ${n} OR e.address LIKE ${n})"));
    }
    if let Some(v) = &q.eligibility {
        binds.push(Bind::T(v.clone()));
        wh.push(format!("x.verdict = ${}", binds.len()));
    }
    if let Some(y) = q.built_from {
        binds.push(Bind::I(y));
        wh.push(format!("e.built_year_min >= ${}", binds.len()));
    }
    if let Some(y) = q.built_to {
        binds.push(Bind::I(y));
        wh.push(format!("e.built_year_min <= ${}", binds.len()));
    }
    if let Some(p) = q.property_type.as_deref().filter(|p| !p.is_empty()) {
        binds.push(Bind::T(p.to_string()));
        wh.push(format!("e.property_type = ${}", binds.len()));
    }
    if wh.is_empty() { "1 = 1".into() } else { wh.join(" AND ") }
}

fn qualified_cols() -> String {
    ALL_COLS.split(',').map(|c| format!("e.{}", c.trim())).collect::<Vec<_>>().join(", ")
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::T(s) => q.bind(s.clone()),
                Bind::I(i) => q.bind(*i),
            };
        }
        q
    }};
}
pub(crate) use bind_all;

/// One page of estates matching `q`.
pub async fn page(db: &Db, regions: &Regions, q: &Query) -> Result<Page, StoreError> {
    let limit = q.limit.clamp(1, 1000);
    let mut binds = Vec::new();
    let wh = where_clause(regions, q, &mut binds);
    // The eligibility table is joined only when the filter needs it: a plain count uses an index of estates.
    let join = if q.eligibility.is_some() { "JOIN estate_eligibility x ON x.estate_id = e.id" } else { "" };
    let count_sql = format!("SELECT COUNT(*) FROM estates e {join} WHERE {wh}");
    let total: i64 =
        with_db!(db, p => bind_all!(sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql)), &binds).fetch_one(p).await?);

    let expr = q.sort.expr();
    let (cmp, dir) = if q.desc { ("<", "DESC") } else { (">", "ASC") };
    let mut page_wh = wh.clone();
    if let Some(c) = &q.after {
        let n = binds.len();
        match (q.sort, c) {
            (Sort::Id, Cursor::Int(_, id) | Cursor::Text(_, id)) => {
                binds.push(Bind::I(*id));
                page_wh.push_str(&format!(" AND e.id {cmp} ${}", n + 1));
            }
            (_, Cursor::Int(v, id)) => {
                binds.push(Bind::I(*v));
                binds.push(Bind::I(*id));
                page_wh.push_str(&format!(" AND ({expr}, e.id) {cmp} (${}, ${})", n + 1, n + 2));
            }
            (_, Cursor::Text(v, id)) => {
                binds.push(Bind::T(v.clone()));
                binds.push(Bind::I(*id));
                page_wh.push_str(&format!(" AND ({expr}, e.id) {cmp} (${}, ${})", n + 1, n + 2));
            }
        }
    }
    let order = if q.sort == Sort::Id { format!("e.id {dir}") } else { format!("{expr} {dir}, e.id {dir}") };
    let sql = format!(
        "SELECT {}, x.verdict AS verdict FROM estates e LEFT JOIN estate_eligibility x ON x.estate_id = e.id WHERE {page_wh} ORDER BY {order} LIMIT {}",
        qualified_cols(),
        limit + 1
    );
    let mut rows: Vec<Row> = with_db!(db, p => {
        let rs = bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), &binds).fetch_all(p).await?;
        let mut out = Vec::with_capacity(rs.len());
        for r in &rs {
            use sqlx::Row as _;
            out.push(Row { estate: estate_from_row(r)?, eligibility: r.try_get("verdict")? });
        }
        out
    });
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| {
            let e = &r.estate;
            match q.sort {
                Sort::Id => Cursor::Int(e.id, e.id),
                Sort::Name => Cursor::Text(e.data.name.clone(), e.id),
                Sort::Built => Cursor::Int(e.data.built_years.first().map(|y| *y as i64).unwrap_or(-1), e.id),
                Sort::Households => Cursor::Int(e.data.households.unwrap_or(-1), e.id),
            }
            .encode()
        })
    } else {
        None
    };
    Ok(Page { rows, total, next })
}

/// The distinct property types in use (for the filter's choices).
pub async fn property_types(db: &Db) -> Result<Vec<String>, StoreError> {
    Ok(
        with_db!(db, p => sqlx::query_scalar("SELECT DISTINCT property_type FROM estates WHERE property_type IS NOT NULL ORDER BY property_type LIMIT 100").fetch_all(p).await?),
    )
}

/// A signature of the profile set: cached verdicts computed under another set are stale.
pub fn profile_signature(profiles: &ProfileSet) -> String {
    let mut h = jiugai_domain::digest::Hasher::new();
    for name in profiles.names() {
        if let Ok(e) = profiles.effective(name) {
            h.update(serde_json::to_string(&e).unwrap_or_default().as_bytes());
        }
    }
    h.hex()[..16].to_string()
}

/// Recomputes the cached eligibility of estates that have none, or one for an older version or another
/// profile set. Returns how many were computed.
pub async fn refresh_eligibility(db: &Db, profiles: &ProfileSet) -> Result<u64, StoreError> {
    let sig = profile_signature(profiles);
    let mut effective: HashMap<String, Option<jiugai_rules::EffectiveProfile>> = HashMap::new();
    let mut done = 0u64;
    type R = (i64, String, Option<String>, String, Option<bool>, Option<bool>, Option<bool>, Option<bool>, i64);
    loop {
        let rows: Vec<R> = with_db!(db, p => sqlx::query_as(
            "SELECT e.id, e.region_code, e.street_code, e.built_years, e.in_shantytown_plan, e.self_built, e.urban_village, e.declared, e.version \
             FROM estates e LEFT JOIN estate_eligibility x ON x.estate_id = e.id \
             WHERE x.estate_id IS NULL OR x.version <> e.version OR x.profile_sig <> $1 ORDER BY e.id LIMIT 2000")
            .bind(&sig).fetch_all(p).await?);
        if rows.is_empty() {
            return Ok(done);
        }
        let mut values: Vec<(i64, i64, &'static str, String)> = Vec::with_capacity(rows.len());
        for (id, region, street, years, shanty, selfb, village, declared, version) in &rows {
            let name = profiles.for_estate(region, street.as_deref()).to_string();
            let eff = effective.entry(name.clone()).or_insert_with(|| profiles.effective(&name).ok());
            let verdict = match eff {
                Some(p) => {
                    let facts = EstateFacts {
                        built_years: years.split(',').filter_map(|y| y.trim().parse().ok()).collect(),
                        in_shantytown_plan: shanty.unwrap_or(false),
                        self_built: selfb.unwrap_or(false),
                        urban_village: village.unwrap_or(false),
                        declared: *declared,
                    };
                    verdict_key(eligibility(p, &facts).verdict)
                }
                None => "out_of_scope",
            };
            values.push((*id, *version, verdict, name));
        }
        with_db!(db, pool => {
            let mut tx = pool.begin().await?;
            for chunk in values.chunks(200) {
                let mut sql = String::from("INSERT INTO estate_eligibility (estate_id, version, verdict, profile, profile_sig) VALUES ");
                for i in 0..chunk.len() {
                    if i > 0 { sql.push(','); }
                    let b = i * 4;
                    sql.push_str(&format!("(${},${},${},${},$1)", b + 2, b + 3, b + 4, b + 5));
                }
                sql.push_str(" ON CONFLICT (estate_id) DO UPDATE SET version = excluded.version, verdict = excluded.verdict, profile = excluded.profile, profile_sig = excluded.profile_sig");
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&sig);
                for (id, v, verdict, name) in chunk {
                    q = q.bind(*id).bind(*v).bind(*verdict).bind(name.clone());
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        done += rows.len() as u64;
    }
}

pub fn verdict_key(v: jiugai_rules::Verdict) -> &'static str {
    use jiugai_rules::Verdict::*;
    match v {
        Core => "core",
        Extended => "extended",
        Excluded => "excluded",
        OutOfScope => "out_of_scope",
    }
}

pub const VERDICTS: [&str; 4] = ["core", "extended", "excluded", "out_of_scope"];

/// Estates and households per child region of `scope` and per verdict.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GroupCount {
    /// Region code of the group (a child of the scope), or the community name under a street.
    pub group: String,
    pub verdict: String,
    pub estates: i64,
    pub households: i64,
}

pub async fn counts_by_child(db: &Db, regions: &Regions, scope: &str) -> Result<Vec<GroupCount>, StoreError> {
    let level = if scope.is_empty() { None } else { regions.get(scope).map(|r| r.level) };
    let group = match level {
        None => "substr(e.region_code, 1, 2)",
        Some(Level::Province) => "substr(e.region_code, 1, 4)",
        Some(Level::City) => "e.region_code",
        Some(Level::County) => "COALESCE(e.street_code, '')",
        _ => "COALESCE(e.community, '')",
    };
    let mut binds = Vec::new();
    let wh = region_cond(regions, scope, &mut binds).unwrap_or_else(|| "1 = 1".into());
    let sql = format!(
        "SELECT {group} AS g, COALESCE(x.verdict, 'unknown') AS v, COUNT(*), CAST(COALESCE(SUM(e.households), 0) AS BIGINT) \
         FROM estates e LEFT JOIN estate_eligibility x ON x.estate_id = e.id WHERE {wh} GROUP BY {group}, COALESCE(x.verdict, 'unknown') ORDER BY 1, 2"
    );
    let rows: Vec<(String, String, i64, i64)> = with_db!(db, p => {
        let q = bind_all!(sqlx::query_as::<_, (String, String, i64, i64)>(sqlx::AssertSqlSafe(sql)), &binds);
        q.fetch_all(p).await?
    });
    Ok(rows
        .into_iter()
        .map(|(group, verdict, estates, households)| GroupCount { group, verdict, estates, households })
        .collect())
}

/// Whether estate `id` lies inside region `scope` (`""`: everywhere). False when there is no such estate.
pub async fn estate_within(db: &Db, regions: &Regions, id: i64, scope: &str) -> Result<bool, StoreError> {
    let mut binds = vec![Bind::I(id)];
    let wh = region_cond(regions, scope, &mut binds).unwrap_or_else(|| "1 = 1".into());
    let sql = format!("SELECT COUNT(*) FROM estates e WHERE e.id = $1 AND {wh}");
    let n: i64 = with_db!(db, p => bind_all!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)), &binds).fetch_one(p).await?);
    Ok(n > 0)
}

/// Audit entries newest first, before entry `before`; for a scope other than the whole country, only the
/// entries about estates inside it.
pub async fn audit_page(
    db: &Db,
    regions: &Regions,
    scope: &str,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<crate::audit::AuditRow>, StoreError> {
    let mut binds = vec![Bind::I(before.unwrap_or(i64::MAX)), Bind::I(limit)];
    let cond = match region_cond(regions, scope, &mut binds) {
        Some(c) => {
            format!("AND a.entity = 'estate' AND a.entity_id IN (SELECT CAST(e.id AS TEXT) FROM estates e WHERE {c})")
        }
        None => String::new(),
    };
    let sql = format!(
        "SELECT a.id, a.at, a.actor, a.origin, a.action, a.entity, a.entity_id, a.detail, a.prev_hash, a.hash FROM audit_log a WHERE a.id < $1 {cond} ORDER BY a.id DESC LIMIT $2"
    );
    type T = (i64, String, String, String, String, String, String, String, String, String);
    let rows: Vec<T> =
        with_db!(db, p => bind_all!(sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql)), &binds).fetch_all(p).await?);
    Ok(rows
        .into_iter()
        .map(|t| crate::audit::AuditRow {
            id: t.0,
            at: t.1,
            actor: t.2,
            origin: t.3,
            action: t.4,
            entity: t.5,
            entity_id: t.6,
            detail: t.7,
            prev_hash: t.8,
            hash: t.9,
        })
        .collect())
}
