//! Renovation content (N+X) [001 二(二); 003 二(二); 004 三(二)]: the catalogue of items in three classes,
//! shipped from the seeds (`data/catalogue.tsv`, inserted by migration 0003) and extended by offices; per
//! project the chosen items with quantity, unit, estimated cost and who pays. An X item's owners' share is
//! the profile's `x_owner_share` of its cost, rounded half up to the fen; public finance pays the rest, so
//! public + owners = cost for every item and every total.

use jiugai_rules::{EffectiveProfile, RuleValue};
use serde::Serialize;
use serde_json::json;

use super::{Project, at_version, bump, get, invalid};
use crate::{Db, StoreError, audit, clock, with_db, with_tx};

pub const CLASSES: [(&str, &str, &str); 3] =
    [("basic", "基础类", "basic"), ("improvement", "完善类", "improvement"), ("enhancement", "提升类", "enhancement")];

pub fn class_zh(c: &str) -> &'static str {
    CLASSES.iter().find(|x| x.0 == c).map_or("未知", |x| x.1)
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CatalogueItem {
    pub id: i64,
    pub code: String,
    pub class: String,
    pub name: String,
    pub unit: String,
    pub payer: String,
    pub source: String,
    /// `""`: shipped; else the region of the office that added it.
    pub region_code: String,
}

type CatRow = (i64, String, String, String, String, String, String, String);

fn cat_of(r: CatRow) -> CatalogueItem {
    CatalogueItem { id: r.0, code: r.1, class: r.2, name: r.3, unit: r.4, payer: r.5, source: r.6, region_code: r.7 }
}

/// The catalogue as seen from `scope`: shipped items and those added by offices at or above it.
pub async fn catalogue(db: &Db, scope: &str) -> Result<Vec<CatalogueItem>, StoreError> {
    let rows: Vec<CatRow> = with_db!(db, p => sqlx::query_as("SELECT id, code, class, name, unit, payer, source, region_code FROM content_items ORDER BY code").fetch_all(p).await?);
    Ok(rows
        .into_iter()
        .map(cat_of)
        .filter(|c| c.region_code.is_empty() || scope.starts_with(&c.region_code) || c.region_code.starts_with(scope))
        .collect())
}

pub async fn catalogue_item(db: &Db, id: i64) -> Result<Option<CatalogueItem>, StoreError> {
    let row: Option<CatRow> = with_db!(db, p => sqlx::query_as("SELECT id, code, class, name, unit, payer, source, region_code FROM content_items WHERE id = $1").bind(id).fetch_optional(p).await?);
    Ok(row.map(cat_of))
}

/// An office adds an item to the catalogue (its code gets the region as prefix: `140830-01`).
pub async fn add_to_catalogue(
    db: &Db,
    region_code: &str,
    class: &str,
    name: &str,
    unit: &str,
    payer: &str,
    source: &str,
    actor: &str,
    origin: &str,
) -> Result<CatalogueItem, StoreError> {
    if !CLASSES.iter().any(|c| c.0 == class) {
        return Err(invalid(
            "class",
            class,
            "类别应为 basic（基础类）、improvement（完善类）或 enhancement（提升类）",
            "class must be basic, improvement or enhancement",
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid(
            "name",
            name,
            "改造内容名称不能为空，且不超过 100 字",
            "the item name must be 1–100 characters",
        ));
    }
    let unit = unit.trim();
    if unit.is_empty() || unit.chars().count() > 10 {
        return Err(invalid("unit", unit, "请填写计量单位（如 ㎡、m、处、台）", "give the unit (m², m, each…)"));
    }
    if !matches!(payer, "N" | "X") {
        return Err(invalid(
            "payer",
            payer,
            "出资方式应为 N（财政出资）或 X（业主按比例出资）",
            "payer must be N (public finance) or X (co-paid by owners)",
        ));
    }
    if catalogue(db, region_code).await?.iter().any(|c| c.name == name) {
        return Err(invalid(
            "name",
            name,
            format!("目录中已有“{name}”"),
            format!("the catalogue already has “{name}”"),
        ));
    }
    let now = clock::now_rfc3339();
    let source =
        if source.trim().is_empty() { format!("{region_code} 旧改办增补") } else { source.trim().to_string() };
    let id: i64 = {
        let mut tx = db.begin().await?;
        let n: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("SELECT COUNT(*) FROM content_items WHERE region_code = $1").bind(region_code).fetch_one(&mut *cx).await?);
        let code = format!("{}-{:02}", if region_code.is_empty() { "C" } else { region_code }, n + 1);
        let id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO content_items (code, class, name, unit, payer, source, region_code, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id")
            .bind(&code).bind(class).bind(name).bind(unit).bind(payer).bind(&source).bind(region_code).bind(actor).bind(&now)
            .fetch_one(&mut *cx).await?);
        audit::append(&mut tx, &audit::Entry::new(actor, origin, "catalogue.add", "content_item", &id.to_string(), json!({"after": {"code": code, "class": class, "name": name, "unit": unit, "payer": payer, "source": source, "region_code": region_code}}))).await?;
        tx.commit().await?;
        id
    };
    Ok(catalogue_item(db, id).await?.expect("just inserted"))
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProjectItem {
    pub id: i64,
    pub item_id: i64,
    pub code: String,
    pub class: String,
    pub name: String,
    /// Hundredths of the unit.
    pub quantity_centi: i64,
    pub unit: String,
    pub cost_fen: i64,
    pub payer: String,
    pub owners_fen: i64,
    pub public_fen: i64,
    pub progress_pct: i64,
    pub note: String,
}

pub async fn items(db: &Db, project_id: i64) -> Result<Vec<ProjectItem>, StoreError> {
    let rows: Vec<(i64, i64, String, String, String, i64, String, i64, String, i64, i64, String)> = with_db!(db, p => sqlx::query_as(
        "SELECT pi.id, pi.item_id, c.code, c.class, c.name, pi.quantity_centi, pi.unit, pi.cost_fen, pi.payer, pi.owners_fen, pi.progress_pct, pi.note \
         FROM project_items pi JOIN content_items c ON c.id = pi.item_id WHERE pi.project_id = $1 ORDER BY c.code, pi.id")
        .bind(project_id).fetch_all(p).await?);
    Ok(rows
        .into_iter()
        .map(|r| ProjectItem {
            id: r.0,
            item_id: r.1,
            code: r.2,
            class: r.3,
            name: r.4,
            quantity_centi: r.5,
            unit: r.6,
            cost_fen: r.7,
            payer: r.8,
            owners_fen: r.9,
            public_fen: r.7 - r.9,
            progress_pct: r.10,
            note: r.11,
        })
        .collect())
}

/// The owners' share of an X item under the profile (`x_owner_share`), exact to the fen (half up).
pub fn owners_share(profile: &EffectiveProfile, payer: &str, cost_fen: i64) -> Result<i64, StoreError> {
    if payer != "X" {
        return Ok(0);
    }
    let ratio = match profile.rule("x_owner_share", None).map(|r| &r.value) {
        Some(RuleValue::Share(t)) => t.ratio,
        Some(RuleValue::Fraction(r)) => *r,
        _ => {
            return Err(invalid(
                "payer",
                "X",
                "本地政策配置未设定 X 项业主出资比例（x_owner_share）：请在政策配置中设定，或改为 N",
                "the profile sets no owners' share for X items (x_owner_share): set it, or make the item N",
            ));
        }
    };
    let num = i128::from(cost_fen) * i128::from(ratio.num);
    let den = i128::from(ratio.den);
    Ok(((2 * num + den) / (2 * den)) as i64)
}

/// What a project item records.
#[derive(Clone, Debug)]
pub struct ItemInput {
    pub item_id: i64,
    pub quantity_centi: i64,
    pub unit: Option<String>,
    pub cost_fen: i64,
    pub payer: Option<String>,
    pub note: String,
}

pub async fn add_item(
    db: &Db,
    profile: &EffectiveProfile,
    project_id: i64,
    expected: i64,
    it: &ItemInput,
    actor: &str,
    origin: &str,
) -> Result<Project, StoreError> {
    let p = at_version(db, project_id, expected).await?;
    let Some(cat) = catalogue_item(db, it.item_id).await? else {
        return Err(invalid(
            "item_id",
            it.item_id.to_string(),
            format!("改造内容目录中没有编号为 {} 的条目：请从目录中选择", it.item_id),
            format!("no catalogue item {}: choose one from the catalogue", it.item_id),
        ));
    };
    if !(cat.region_code.is_empty() || p.region_code.starts_with(&cat.region_code)) {
        return Err(invalid(
            "item_id",
            it.item_id.to_string(),
            "该条目是其他地区增补的，不适用于本项目",
            "that item was added by another region's office",
        ));
    }
    if it.quantity_centi <= 0 {
        return Err(invalid(
            "quantity",
            it.quantity_centi.to_string(),
            "数量须大于 0",
            "the quantity must be more than 0",
        ));
    }
    if it.cost_fen < 0 {
        return Err(invalid(
            "cost",
            it.cost_fen.to_string(),
            "估算金额不能为负数",
            "the estimated cost cannot be negative",
        ));
    }
    let payer = it.payer.clone().filter(|s| !s.is_empty()).unwrap_or(cat.payer.clone());
    if !matches!(payer.as_str(), "N" | "X") {
        return Err(invalid(
            "payer",
            payer,
            "出资方式应为 N（财政出资）或 X（业主按比例出资）",
            "payer must be N or X",
        ));
    }
    let owners = owners_share(profile, &payer, it.cost_fen)?;
    let unit = it.unit.clone().filter(|s| !s.trim().is_empty()).unwrap_or(cat.unit.clone());
    let now = clock::now_rfc3339();
    {
        let mut tx = db.begin().await?;
        bump(db, &mut tx, project_id, expected, &now).await?;
        let row: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO project_items (project_id, item_id, quantity_centi, unit, cost_fen, payer, owners_fen, progress_pct, note) VALUES ($1,$2,$3,$4,$5,$6,$7,0,$8) RETURNING id")
            .bind(project_id).bind(it.item_id).bind(it.quantity_centi).bind(&unit).bind(it.cost_fen).bind(&payer).bind(owners).bind(it.note.trim())
            .fetch_one(&mut *cx).await?);
        audit::append(&mut tx, &audit::Entry::new(actor, origin, "project.item.add", "project", &project_id.to_string(), json!({"version": expected + 1, "after": {
            "row": row, "item": cat.code, "name": cat.name, "quantity_centi": it.quantity_centi, "unit": unit, "cost_fen": it.cost_fen, "payer": payer, "owners_fen": owners}}))).await?;
        tx.commit().await?;
    };
    get(db, project_id).await
}

pub async fn remove_item(
    db: &Db,
    project_id: i64,
    expected: i64,
    row: i64,
    actor: &str,
    origin: &str,
) -> Result<Project, StoreError> {
    at_version(db, project_id, expected).await?;
    let Some(old) = items(db, project_id).await?.into_iter().find(|i| i.id == row) else {
        return Err(invalid(
            "row",
            row.to_string(),
            format!("本项目没有第 {row} 条改造内容"),
            format!("this project has no content row {row}"),
        ));
    };
    if old.progress_pct > 0 {
        return Err(invalid(
            "row",
            row.to_string(),
            format!("“{}”已有施工进度 {}%，不能删除", old.name, old.progress_pct),
            format!("“{}” has progress {}% and cannot be removed", old.name, old.progress_pct),
        ));
    }
    let now = clock::now_rfc3339();
    {
        let mut tx = db.begin().await?;
        bump(db, &mut tx, project_id, expected, &now).await?;
        with_tx!(&mut tx, cx => sqlx::query("DELETE FROM project_items WHERE id = $1 AND project_id = $2").bind(row).bind(project_id).execute(&mut *cx).await?.rows_affected());
        audit::append(
            &mut tx,
            &audit::Entry::new(
                actor,
                origin,
                "project.item.remove",
                "project",
                &project_id.to_string(),
                json!({"version": expected + 1, "before": old}),
            ),
        )
        .await?;
        tx.commit().await?;
    };
    get(db, project_id).await
}

/// Totals of a project's content: per class × payer, per class, per payer and overall, each with its
/// public and owners' parts. Every figure is a sum of item figures, so they reconcile by construction; the
/// tests check it anyway.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Sum {
    pub cost_fen: i64,
    pub public_fen: i64,
    pub owners_fen: i64,
    pub items: i64,
}

impl Sum {
    fn add(&mut self, i: &ProjectItem) {
        self.cost_fen += i.cost_fen;
        self.public_fen += i.public_fen;
        self.owners_fen += i.owners_fen;
        self.items += 1;
    }
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Totals {
    /// (class, payer, sum)
    pub by_class_payer: Vec<(String, String, Sum)>,
    pub by_class: Vec<(String, Sum)>,
    pub by_payer: Vec<(String, Sum)>,
    pub total: Sum,
    /// Overall progress weighted by item cost, in hundredths of a percent (rounded down).
    pub progress_bp: i64,
}

pub fn totals(items: &[ProjectItem]) -> Totals {
    let mut t = Totals::default();
    for (c, _, _) in CLASSES {
        for payer in ["N", "X"] {
            let mut s = Sum::default();
            items.iter().filter(|i| i.class == c && i.payer == payer).for_each(|i| s.add(i));
            t.by_class_payer.push((c.to_string(), payer.to_string(), s));
        }
        let mut s = Sum::default();
        items.iter().filter(|i| i.class == c).for_each(|i| s.add(i));
        t.by_class.push((c.to_string(), s));
    }
    for payer in ["N", "X"] {
        let mut s = Sum::default();
        items.iter().filter(|i| i.payer == payer).for_each(|i| s.add(i));
        t.by_payer.push((payer.to_string(), s));
    }
    items.iter().for_each(|i| t.total.add(i));
    t.progress_bp = progress_bp(items);
    t
}

/// Overall progress from item costs: Σ cost × % / Σ cost, in hundredths of a percent. Items without a
/// cost count equally when no item has one.
pub fn progress_bp(items: &[ProjectItem]) -> i64 {
    let cost: i128 = items.iter().map(|i| i128::from(i.cost_fen)).sum();
    if cost > 0 {
        let done: i128 = items.iter().map(|i| i128::from(i.cost_fen) * i128::from(i.progress_pct)).sum();
        (done * 100 / cost) as i64
    } else if items.is_empty() {
        0
    } else {
        items.iter().map(|i| i.progress_pct).sum::<i64>() * 100 / items.len() as i64
    }
}

/// Overall progress (hundredths of a percent) of many projects at once, computed in the database with
/// exact integer sums (one query per 500 projects). Projects without content are absent.
pub async fn progress_of(db: &Db, ids: &[i64]) -> Result<std::collections::HashMap<i64, i64>, StoreError> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let list = chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        // SUM(BIGINT) is NUMERIC on PostgreSQL: cast back (the sums fit: fen × 100 per item).
        let sql = format!(
            "SELECT project_id, CAST(SUM(cost_fen) AS BIGINT), CAST(SUM(cost_fen * progress_pct) AS BIGINT), COUNT(*), CAST(SUM(progress_pct) AS BIGINT) \
            FROM project_items WHERE project_id IN ({list}) GROUP BY project_id"
        );
        let rows: Vec<(i64, i64, i64, i64, i64)> =
            with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?);
        for (id, cost, weighted, n, pct) in rows {
            let bp = if cost > 0 {
                (i128::from(weighted) * 100 / i128::from(cost)) as i64
            } else if n > 0 {
                pct * 100 / n
            } else {
                0
            };
            out.insert(id, bp);
        }
    }
    Ok(out)
}
