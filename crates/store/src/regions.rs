//! The jurisdiction tree (GB/T 2260): province → city → county → street, embedded in the binary and
//! loaded into `regions` by `init`; communities are added under a street. Regions are found by code or
//! by name, short (`芮城县`) or with its parents (`山西省运城市芮城县`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::{Db, StoreError, with_db};

const PCAS: &str = include_str!("../data/divisions/pcas-code.json");

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province = 1,
    City = 2,
    County = 3,
    Street = 4,
    Community = 5,
}

impl Level {
    pub fn from_i64(n: i64) -> Option<Level> {
        Some(match n {
            1 => Level::Province,
            2 => Level::City,
            3 => Level::County,
            4 => Level::Street,
            5 => Level::Community,
            _ => return None,
        })
    }
    pub fn key(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Street => "street",
            Level::Community => "community",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent_code: Option<String>,
    pub full_name: String,
    /// A task unit (任务单位): not a GB/T 2260 node but a development zone, 市管园区 or 自贸区片区 added
    /// under its parent ([`add_task_unit`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub task_unit: bool,
}

#[derive(Deserialize)]
struct PcasNode {
    code: String,
    name: String,
    #[serde(default)]
    children: Vec<PcasNode>,
}

/// The embedded tree flattened, parents before children.
pub fn embedded() -> Vec<Region> {
    let nodes: Vec<PcasNode> = serde_json::from_str(PCAS).expect("embedded division tree is valid JSON");
    let mut out = Vec::with_capacity(45_000);
    fn walk(n: &PcasNode, level: i64, parent: Option<&Region>, out: &mut Vec<Region>) {
        let full_name = match parent {
            Some(p) if n.name != "市辖区" => format!("{}{}", p.full_name, n.name),
            Some(p) => p.full_name.clone(),
            None => n.name.clone(),
        };
        let r = Region {
            code: n.code.clone(),
            name: n.name.clone(),
            level: Level::from_i64(level).expect("level 1..=4"),
            parent_code: parent.map(|p| p.code.clone()),
            full_name,
            task_unit: false,
        };
        out.push(r.clone());
        for c in &n.children {
            walk(c, level + 1, Some(&r), out);
        }
    }
    for n in &nodes {
        walk(n, 1, None, &mut out);
    }
    out
}

/// Loads the embedded tree into `regions` (codes already present are left alone). Returns how many were added.
pub async fn init(db: &Db) -> Result<u64, StoreError> {
    let all = embedded();
    let existing: i64 = with_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM regions").fetch_one(p).await?);
    if existing as usize >= all.len() {
        return Ok(0);
    }
    let mut added = 0;
    with_db!(db, pool => {
        let mut tx = pool.begin().await?;
        for chunk in all.chunks(500) {
            let mut sql = String::from("INSERT INTO regions (code, name, level, parent_code, full_name) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 { sql.push(','); }
                sql.push_str(&format!("({})", db.placeholders(i * 5 + 1, 5)));
            }
            sql.push_str(" ON CONFLICT (code) DO NOTHING");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                q = q.bind(&r.code).bind(&r.name).bind(r.level as i64).bind(&r.parent_code).bind(&r.full_name);
            }
            added += q.execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
    });
    Ok(added)
}

/// An in-memory copy of the tree for resolving names and codes quickly.
#[derive(Clone, Debug, Default)]
pub struct Regions {
    by_code: HashMap<String, Region>,
    by_name: HashMap<String, Vec<String>>,
    children: HashMap<String, Vec<String>>,
}

impl Regions {
    pub async fn load(db: &Db) -> Result<Regions, StoreError> {
        let rows: Vec<(String, String, i64, Option<String>, String, bool)> = with_db!(db, p =>
            sqlx::query_as("SELECT code, name, level, parent_code, full_name, task_unit FROM regions").fetch_all(p).await?);
        Ok(Regions::from_rows(rows.into_iter().map(|(code, name, level, parent_code, full_name, task_unit)| Region {
            code,
            name,
            level: Level::from_i64(level).unwrap_or(Level::Community),
            parent_code,
            full_name,
            task_unit,
        })))
    }

    pub fn from_rows(rows: impl IntoIterator<Item = Region>) -> Regions {
        let mut r = Regions::default();
        for reg in rows {
            r.by_name.entry(reg.name.clone()).or_default().push(reg.code.clone());
            if let Some(p) = &reg.parent_code {
                r.children.entry(p.clone()).or_default().push(reg.code.clone());
            }
            r.by_code.insert(reg.code.clone(), reg);
        }
        for v in r.by_name.values_mut() {
            v.sort();
        }
        r
    }

    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }
    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    pub fn get(&self, code: &str) -> Option<&Region> {
        self.by_code.get(code)
    }

    /// The region directly below `parent` (`""`: the country) that holds a place given by its county code and
    /// street code (`""` when unknown) — the key figures roll up to. A task unit directly under a province
    /// counts as its own child; below a county the street, when known; else `parent` itself.
    pub fn child_under(&self, parent: &str, county: &str, street: &str) -> String {
        match self.get(parent).map(|r| r.level) {
            None if parent.is_empty() => county.get(..2).unwrap_or(county).to_string(),
            Some(Level::Province) => self
                .ancestors(county)
                .iter()
                .find(|r| r.parent_code.as_deref() == Some(parent))
                .map_or_else(|| county.get(..4).unwrap_or(county).to_string(), |r| r.code.clone()),
            Some(Level::City) => county.to_string(),
            Some(Level::County) if !street.is_empty() => street.to_string(),
            _ => parent.to_string(),
        }
    }

    /// The provinces (regions without a parent), by code.
    pub fn roots(&self) -> impl Iterator<Item = &Region> {
        let mut v: Vec<&Region> = self.by_code.values().filter(|r| r.parent_code.is_none()).collect();
        v.sort_by(|a, b| a.code.cmp(&b.code));
        v.into_iter()
    }

    pub fn children(&self, code: &str) -> impl Iterator<Item = &Region> {
        self.children.get(code).into_iter().flatten().filter_map(|c| self.by_code.get(c))
    }

    /// The chain from the root down to `code` (inclusive).
    pub fn ancestors(&self, code: &str) -> Vec<&Region> {
        let mut chain = Vec::new();
        let mut cur = self.by_code.get(code);
        while let Some(r) = cur {
            chain.push(r);
            cur = r.parent_code.as_deref().and_then(|p| self.by_code.get(p));
        }
        chain.reverse();
        chain
    }

    /// The ancestor of `code` at `level` (itself if it is at that level).
    pub fn ancestor_at(&self, code: &str, level: Level) -> Option<&Region> {
        self.ancestors(code).into_iter().find(|r| r.level == level)
    }

    /// Is `code` inside (or equal to) `scope`?
    pub fn within(&self, code: &str, scope: &str) -> bool {
        self.ancestors(code).iter().any(|r| r.code == scope)
    }

    /// Finds a region by code, full name or short name. Candidates are searched under `within` when given.
    pub fn resolve(&self, query: &str, within: Option<&str>) -> Result<&Region, StoreError> {
        let q: String = query.chars().filter(|c| !c.is_whitespace()).collect();
        if q.is_empty() {
            return Err(StoreError::RegionNotFound(query.to_string()));
        }
        if q.bytes().all(|b| b.is_ascii_digit()) {
            return self
                .by_code
                .get(&q)
                .filter(|r| within.is_none_or(|w| self.within(&r.code, w)))
                .ok_or_else(|| StoreError::RegionNotFound(query.to_string()));
        }
        let mut found: Vec<&Region> = Vec::new();
        // Candidates: regions whose own name ends the query; the rest of the query must be made of
        // their ancestors' names, in order (levels may be left out).
        for (name, codes) in &self.by_name {
            let Some(prefix) = q.strip_suffix(name.as_str()) else { continue };
            for code in codes {
                let r = &self.by_code[code];
                if within.is_some_and(|w| !self.within(code, w)) {
                    continue;
                }
                let mut rest = prefix;
                for a in self.ancestors(code).iter().rev().skip(1).collect::<Vec<_>>().into_iter().rev() {
                    if let Some(s) = rest.strip_prefix(a.name.as_str()) {
                        rest = s;
                    }
                }
                if rest.is_empty() {
                    found.push(r);
                }
            }
        }
        // Prefer the higher level when a county and a street share a name only if exactly one is a county.
        match found.len() {
            0 => Err(StoreError::RegionNotFound(query.to_string())),
            1 => Ok(found[0]),
            _ => {
                let top = found.iter().map(|r| r.level).min().unwrap_or(Level::Community);
                let at_top: Vec<&&Region> = found.iter().filter(|r| r.level == top).collect();
                if at_top.len() == 1 {
                    Ok(at_top[0])
                } else {
                    let mut names: Vec<String> =
                        at_top.iter().map(|r| format!("{}（{}）", r.full_name, r.code)).collect();
                    names.sort();
                    Err(StoreError::RegionAmbiguous(query.to_string(), names))
                }
            }
        }
    }

    /// Finds a street under `county` by the name people type (with or without 街道/镇/乡).
    pub fn street_in(&self, county: &str, name: &str) -> Option<&Region> {
        let n = name.trim();
        let kids: Vec<&Region> = self.children(county).filter(|r| r.level == Level::Street).collect();
        kids.iter().find(|r| r.name == n).copied().or_else(|| {
            let strip = |s: &str| {
                let s = s.trim_end_matches("街道办事处").trim_end_matches("办事处");
                s.trim_end_matches("街道").trim_end_matches('镇').trim_end_matches('乡').to_string()
            };
            let short = strip(n);
            let m: Vec<&&Region> = kids.iter().filter(|r| !short.is_empty() && strip(&r.name) == short).collect();
            if m.len() == 1 { Some(*m[0]) } else { None }
        })
    }
}

/// Adds a community (社区) under a street; its code is the street's 9 digits + 3 (given or next free).
pub async fn add_community(db: &Db, street_code: &str, name: &str, code: Option<&str>) -> Result<Region, StoreError> {
    let regions = Regions::load(db).await?;
    let street = regions.get(street_code).ok_or_else(|| StoreError::RegionNotFound(street_code.to_string()))?;
    if street.level != Level::Street {
        return Err(StoreError::RegionLevel(street_code.to_string(), "street"));
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::invalid("name", String::new(), "社区名称不能为空", "the community name is empty"));
    }
    if let Some(existing) = regions.children(street_code).find(|r| r.name == name) {
        return Ok(existing.clone());
    }
    let code = match code {
        Some(c) => {
            if !(c.len() == 12 && c.starts_with(street_code) && c.bytes().all(|b| b.is_ascii_digit())) {
                return Err(StoreError::invalid(
                    "code",
                    c,
                    format!("社区代码“{c}”应为 12 位数字，且以街道代码 {street_code} 开头"),
                    format!("community code “{c}” must be 12 digits starting with the street code {street_code}"),
                ));
            }
            c.to_string()
        }
        None => {
            let max = regions.children(street_code).filter_map(|r| r.code[9..].parse::<u32>().ok()).max().unwrap_or(0);
            format!("{street_code}{:03}", max + 1)
        }
    };
    let r = Region {
        code: code.clone(),
        name: name.to_string(),
        level: Level::Community,
        parent_code: Some(street_code.to_string()),
        full_name: format!("{}{}", street.full_name, name),
        task_unit: false,
    };
    with_db!(db, p => sqlx::query("INSERT INTO regions (code, name, level, parent_code, full_name) VALUES ($1,$2,$3,$4,$5)")
        .bind(&r.code).bind(&r.name).bind(r.level as i64).bind(&r.parent_code).bind(&r.full_name)
        .execute(p).await.map(|_| ())?);
    crate::audit::append_standalone(
        db,
        &crate::audit::Entry::new("system", "cli", "region.add", "region", &r.code, serde_json::json!({"after": &r})),
    )
    .await?;
    Ok(r)
}

/// Adds a task unit (任务单位) under `parent_code`: a region that is not a GB/T 2260 node — a development
/// zone, 市管园区, 自贸区片区 — one level below its parent, so that targets, plans and estates can be assigned
/// to it. Its code extends the parent's (2 digits under a province or city, from 71; 3 under a county, from
/// 400, as the statistics office numbers such zones) unless one is given.
pub async fn add_task_unit(
    db: &Db,
    parent_code: &str,
    name: &str,
    code: Option<&str>,
    actor: &str,
    origin: &str,
) -> Result<Region, StoreError> {
    let regions = Regions::load(db).await?;
    let parent = regions.get(parent_code).ok_or_else(|| StoreError::RegionNotFound(parent_code.to_string()))?;
    let (level, width, first) = match parent.level {
        Level::Province => (Level::City, 2, 71),
        Level::City => (Level::County, 2, 71),
        Level::County => (Level::Street, 3, 400),
        _ => return Err(StoreError::RegionLevel(parent_code.to_string(), "province, city or county")),
    };
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(StoreError::invalid(
            "name",
            name,
            "任务单位名称不能为空，且不超过 50 字",
            "the task unit's name must be 1–50 characters",
        ));
    }
    if let Some(existing) = regions.children(parent_code).find(|r| r.name == name) {
        return Ok(existing.clone());
    }
    let code = match code {
        Some(c) => {
            let c = c.trim();
            if !(c.len() == parent_code.len() + width
                && c.starts_with(parent_code)
                && c.bytes().all(|b| b.is_ascii_digit())
                && regions.get(c).is_none())
            {
                return Err(StoreError::invalid(
                    "code",
                    c,
                    format!(
                        "任务单位代码“{c}”应为 {} 位数字、以 {parent_code} 开头，且未被使用",
                        parent_code.len() + width
                    ),
                    format!(
                        "task unit code “{c}” must be {} digits starting with {parent_code}, and not in use",
                        parent_code.len() + width
                    ),
                ));
            }
            c.to_string()
        }
        None => {
            let max = 10usize.pow(width as u32);
            (first..max)
                .map(|n| format!("{parent_code}{n:0width$}", width = width))
                .find(|c| regions.get(c).is_none())
                .ok_or_else(|| {
                    StoreError::invalid(
                        "code",
                        "",
                        "该区划下没有可用的任务单位代码",
                        "no free task unit code under this region",
                    )
                })?
        }
    };
    let r = Region {
        code: code.clone(),
        name: name.to_string(),
        level,
        parent_code: Some(parent_code.to_string()),
        full_name: format!("{}{}", parent.full_name, name),
        task_unit: true,
    };
    let mut tx = db.begin().await?;
    crate::audit::lock(&mut tx).await?;
    crate::with_tx!(&mut tx, cx => sqlx::query("INSERT INTO regions (code, name, level, parent_code, full_name, task_unit) VALUES ($1,$2,$3,$4,$5,TRUE)")
        .bind(&r.code).bind(&r.name).bind(r.level as i64).bind(&r.parent_code).bind(&r.full_name)
        .execute(&mut *cx).await?.rows_affected());
    crate::audit::append(
        &mut tx,
        &crate::audit::Entry::new(
            actor,
            origin,
            "region.add_task_unit",
            "region",
            &r.code,
            serde_json::json!({"after": &r}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Regions {
        Regions::from_rows(embedded())
    }

    #[test]
    fn resolves_codes_and_names() {
        let t = tree();
        assert_eq!(t.resolve("140830", None).unwrap().name, "芮城县");
        assert_eq!(t.resolve("芮城县", None).unwrap().code, "140830");
        assert_eq!(t.resolve("山西省运城市芮城县", None).unwrap().code, "140830");
        assert_eq!(t.resolve("运城市芮城县", None).unwrap().code, "140830");
        assert_eq!(t.resolve("山西省芮城县", None).unwrap().code, "140830");
        assert_eq!(t.resolve("长治市", None).unwrap().code, "1404");
        assert!(matches!(t.resolve("朝阳区", None), Err(StoreError::RegionAmbiguous(..))));
        assert_eq!(t.resolve("北京市朝阳区", None).unwrap().code, "110105");
        assert_eq!(t.resolve("朝阳区", Some("11")).unwrap().code, "110105");
        assert!(matches!(t.resolve("火星县", None), Err(StoreError::RegionNotFound(_))));
        assert!(matches!(t.resolve("999999", None), Err(StoreError::RegionNotFound(_))));
    }

    #[test]
    fn streets_by_typed_name() {
        let t = tree();
        assert_eq!(t.street_in("140830", "古魏镇").unwrap().code, "140830100");
        assert_eq!(t.street_in("140830", "古魏").unwrap().code, "140830100");
        assert!(t.street_in("140830", "不存在街道").is_none());
    }

    #[test]
    fn embedded_tree_shape() {
        let all = embedded();
        assert!(all.len() > 44_000);
        let t = Regions::from_rows(all);
        assert_eq!(
            t.ancestors("140830100").iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["山西省", "运城市", "芮城县", "古魏镇"]
        );
        assert_eq!(t.get("110101").unwrap().full_name, "北京市东城区");
    }
}
