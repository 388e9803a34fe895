//! The household registry of an estate (一户一档): building, unit, room, exclusive area, owner, proxy.

use serde::Serialize;
use serde_json::json;

use crate::{Db, StoreError, audit, clock, with_db, with_tx};

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Household {
    pub id: i64,
    pub estate_id: i64,
    pub building: String,
    pub unit: String,
    pub room: String,
    /// Exclusive area (专有部分面积) in 0.01 m².
    pub area_dm2: i64,
    pub owner_name: String,
    pub owner_phone: String,
    pub proxy_name: String,
    pub proxy_phone: String,
}

impl Household {
    /// "3栋2单元301" (the unit omitted when the building has none).
    pub fn label(&self) -> String {
        label(&self.building, &self.unit, &self.room)
    }
}

pub fn label(building: &str, unit: &str, room: &str) -> String {
    if unit.is_empty() { format!("{building}栋{room}") } else { format!("{building}栋{unit}单元{room}") }
}

/// A household to add.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewHousehold {
    pub building: String,
    pub unit: String,
    pub room: String,
    pub area_dm2: i64,
    pub owner_name: String,
    pub owner_phone: String,
    pub proxy_name: String,
    pub proxy_phone: String,
}

const COLS: &str = "id, estate_id, building, unit, room, area_dm2, owner_name, owner_phone, proxy_name, proxy_phone";

type Row = (i64, i64, String, String, String, i64, String, String, String, String);

fn of(r: Row) -> Household {
    Household {
        id: r.0,
        estate_id: r.1,
        building: r.2,
        unit: r.3,
        room: r.4,
        area_dm2: r.5,
        owner_name: r.6,
        owner_phone: r.7,
        proxy_name: r.8,
        proxy_phone: r.9,
    }
}

/// The households of an estate in natural order of building, unit and room (sorted in Rust, so that both
/// backends agree whatever their collation).
pub async fn list(db: &Db, estate_id: i64) -> Result<Vec<Household>, StoreError> {
    let sql = format!("SELECT {COLS} FROM households WHERE estate_id = $1 ORDER BY id");
    let rows: Vec<Row> =
        with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(estate_id).fetch_all(p).await?);
    let mut v: Vec<Household> = rows.into_iter().map(of).collect();
    v.sort_by(|a, b| {
        natural(&a.building)
            .cmp(&natural(&b.building))
            .then(natural(&a.unit).cmp(&natural(&b.unit)))
            .then(natural(&a.room).cmp(&natural(&b.room)))
            .then(a.id.cmp(&b.id))
    });
    Ok(v)
}

/// Sort key that puts "2" before "10".
fn natural(s: &str) -> (u64, String) {
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    (digits.parse().unwrap_or(u64::MAX), s.to_string())
}

pub async fn get(db: &Db, id: i64) -> Result<Household, StoreError> {
    let sql = format!("SELECT {COLS} FROM households WHERE id = $1");
    let row: Option<Row> =
        with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?);
    row.map(of).ok_or(StoreError::NotFound("住户", "household", id.to_string()))
}

/// (households, total exclusive area in dm²) of an estate's registry.
pub async fn totals(db: &Db, estate_id: i64) -> Result<(i64, i64), StoreError> {
    let (n, a): (i64, Option<i64>) = with_db!(db, p => sqlx::query_as("SELECT COUNT(*), CAST(SUM(area_dm2) AS BIGINT) FROM households WHERE estate_id = $1").bind(estate_id).fetch_one(p).await?);
    Ok((n, a.unwrap_or(0)))
}

/// Adds households to an estate in one transaction, with one audit entry: all or nothing. The caller has
/// validated the rows; the database refuses a room that is already registered (unique key).
pub async fn insert_all(
    db: &Db,
    estate_id: i64,
    rows: &[NewHousehold],
    actor: &str,
    origin: &str,
) -> Result<u64, StoreError> {
    crate::estates::get(db, estate_id).await?;
    let now = clock::now_rfc3339();
    {
        let mut tx = db.begin().await?;
        for h in rows {
            with_tx!(&mut tx, cx => sqlx::query("INSERT INTO households (estate_id, building, unit, room, area_dm2, owner_name, owner_phone, proxy_name, proxy_phone, created_at, updated_at) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)")
                .bind(estate_id).bind(&h.building).bind(&h.unit).bind(&h.room).bind(h.area_dm2)
                .bind(&h.owner_name).bind(&h.owner_phone).bind(&h.proxy_name).bind(&h.proxy_phone).bind(&now)
                .execute(&mut *cx).await?.rows_affected());
        }
        audit::append(
            &mut tx,
            &audit::Entry::new(
                actor,
                origin,
                "households.add",
                "estate",
                &estate_id.to_string(),
                json!({"added": rows.len()}),
            ),
        )
        .await?;
        tx.commit().await?;
    };
    Ok(rows.len() as u64)
}

/// An owner's name as shown to those who may not see contacts: "张三明" → "张*明", "张三" → "张*",
/// "欧阳娜娜" → "欧**娜"; empty stays empty.
pub fn mask_name(name: &str) -> String {
    let cs: Vec<char> = name.trim().chars().collect();
    match cs.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", cs[0]),
        n => format!("{}{}{}", cs[0], "*".repeat(n - 2), cs[n - 1]),
    }
}

/// A phone as shown to those who may not see contacts: the first three and last four digits of a
/// mobile ("13812345678" → "138****5678"); of a shorter number only the last two.
pub fn mask_phone(phone: &str) -> String {
    let cs: Vec<char> = phone.trim().chars().collect();
    match cs.len() {
        0 => String::new(),
        n if n >= 10 => format!(
            "{}{}{}",
            cs[..3].iter().collect::<String>(),
            "*".repeat(n - 7),
            cs[n - 4..].iter().collect::<String>()
        ),
        n if n > 2 => format!("{}{}", "*".repeat(n - 2), cs[n - 2..].iter().collect::<String>()),
        n => "*".repeat(n),
    }
}

impl Household {
    /// The same household with owner and proxy names and phones masked ([`mask_name`], [`mask_phone`]).
    pub fn masked(&self) -> Household {
        Household {
            owner_name: mask_name(&self.owner_name),
            owner_phone: mask_phone(&self.owner_phone),
            proxy_name: mask_name(&self.proxy_name),
            proxy_phone: mask_phone(&self.proxy_phone),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod mask_tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask_name("张三明"), "张*明");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
        assert_eq!(mask_name("王"), "*");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("03596012345"), "035****2345");
        assert_eq!(mask_phone("6012345"), "*****45");
        assert_eq!(mask_phone(""), "");
    }
}
