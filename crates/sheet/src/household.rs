//! The household roster (住户名册 / 一户一档): one row per dwelling of one estate — building, unit, room,
//! exclusive area, owner, phone and an optional proxy.
//!
//! Read on the same machinery as the estate ledger ([`crate::table`]: xlsx/xls/csv, GBK, header row below
//! title rows, synonyms). Every problem is an [`Issue`] with the row as the spreadsheet shows it, the
//! header as written and the raw value; a rejected row gives no record. Rosters hold one estate, so the
//! rows are collected (at most [`MAX_ROWS`]; further rows are refused with one issue, keeping memory bounded).

use std::collections::HashMap;
use std::path::Path;

use crate::normalize::{self, fw, is_space};
use crate::table::{ColumnSpec, TableHeader, Value, read_table, read_table_bytes, value_text};
use crate::{FileError, Format, Issue, IssueKind, ReadOptions};

/// One household as read. Area in 0.01 m²; texts trimmed; building/unit/room normalised ("3栋" → "3").
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct HouseholdRecord {
    /// Spreadsheet row number (1-based, as Excel shows it).
    pub row: u32,
    pub building: String,
    /// "" when the building has no units.
    pub unit: String,
    pub room: String,
    pub area_dm2: i64,
    pub owner_name: String,
    /// Digits only (a landline keeps its area code: "03596012345").
    pub owner_phone: String,
    pub proxy_name: String,
    pub proxy_phone: String,
}

/// What a read gave: the good rows and every problem.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HouseholdRead {
    /// Worksheet name ("" for csv).
    pub sheet: String,
    pub header_row: u32,
    /// Header cells as in the file (trimmed).
    pub headers: Vec<String>,
    /// (header as written, column key of [`COLUMNS`]) for each column found.
    pub mapped: Vec<(String, &'static str)>,
    /// Data rows read (good or not).
    pub data_rows: u64,
    pub records: Vec<HouseholdRecord>,
    /// Every problem, in row order. While any stands, nothing should be imported.
    pub issues: Vec<Issue>,
    /// Totals rows (合计/小计) and footer notes (注：, 填表人：…), not imported.
    pub skipped_rows: Vec<u32>,
    /// Sum of the areas that parsed (0.01 m²).
    pub area_dm2: i64,
}

/// Most data rows read from one roster (one estate; the largest have a few thousand households).
pub const MAX_ROWS: u64 = 20_000;
/// Largest exclusive area accepted for one dwelling: 10,000 m².
pub const MAX_AREA_DM2: i64 = 1_000_000;

const BUILDING: usize = 0;
const UNIT: usize = 1;
const ROOM: usize = 2;
const AREA: usize = 3;
const OWNER: usize = 4;
const PHONE: usize = 5;
const PROXY: usize = 6;
const PROXY_PHONE: usize = 7;

/// The columns, with their accepted headers (the first is shown in messages).
pub const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        key: "building",
        synonyms: &["楼栋", "楼号", "幢", "栋号", "楼栋号", "栋", "幢号", "楼幢", "楼幢号", "楼", "building"],
        required: true,
    },
    ColumnSpec { key: "unit", synonyms: &["单元", "单元号", "unit", "entrance"], required: false },
    ColumnSpec {
        key: "room",
        synonyms: &["房号", "室", "户号", "门牌", "门牌号", "房间号", "室号", "房号(室)", "room"],
        required: true,
    },
    ColumnSpec {
        key: "area_dm2",
        synonyms: &[
            "专有部分面积",
            "专有面积",
            "建筑面积",
            "面积",
            "房屋面积",
            "房屋建筑面积",
            "产权面积",
            "exclusive_area",
            "area",
            "area_m2",
        ],
        required: true,
    },
    ColumnSpec {
        key: "owner_name",
        synonyms: &["业主姓名", "户主", "产权人", "姓名", "业主", "户主姓名", "产权人姓名", "owner", "owner_name"],
        required: true,
    },
    ColumnSpec {
        key: "owner_phone",
        synonyms: &[
            "联系电话",
            "电话",
            "手机",
            "手机号",
            "手机号码",
            "业主电话",
            "联系方式",
            "业主联系电话",
            "phone",
            "owner_phone",
        ],
        required: false,
    },
    ColumnSpec {
        key: "proxy_name",
        synonyms: &["代理人", "委托代理人", "代理人姓名", "委托代理人姓名", "proxy", "proxy_name"],
        required: false,
    },
    ColumnSpec {
        key: "proxy_phone",
        synonyms: &[
            "代理人电话",
            "代理人联系电话",
            "委托代理人电话",
            "代理人手机",
            "委托代理人联系电话",
            "proxy_phone",
        ],
        required: false,
    },
];

/// Headers of an export / template, in [`COLUMNS`] order.
pub const EXPORT_HEADERS: &[&str] =
    &["楼栋", "单元", "房号", "专有部分面积（㎡）", "业主姓名", "联系电话", "委托代理人", "代理人电话"];

fn other(zh: String, en: String) -> IssueKind {
    IssueKind::Other { zh, en }
}

/// Canonical text of a cell: full-width → ASCII, all whitespace removed.
fn compact(s: &str) -> String {
    s.chars().map(fw).filter(|c| !is_space(*c)).collect()
}

/// 一..九十九 → 1..99 ("十二" → 12, "二十" → 20); anything else `None`.
fn cn_number(s: &str) -> Option<u32> {
    let d = |c: char| "零一二三四五六七八九".chars().position(|x| x == c).map(|p| p as u32);
    let cs: Vec<char> = s.chars().collect();
    match cs.as_slice() {
        ['十'] => Some(10),
        [a] => d(*a).filter(|v| *v > 0),
        ['十', b] => d(*b).map(|v| 10 + v),
        [a, '十'] => d(*a).filter(|v| *v > 0).map(|v| v * 10),
        [a, '十', b] => Some(d(*a).filter(|v| *v > 0)? * 10 + d(*b)?),
        _ => None,
    }
}

/// A building, unit or room as people write it → the short form: "3栋"/"3号楼"/"3#"/"第3栋"/"三号楼" → "3",
/// "2单元"/"二单元" → "2", "301室" → "301". A name that is not a number with a suffix ("综合楼") is kept as written.
pub fn label_part(s: &str, suffixes: &[&str]) -> String {
    let c = compact(s);
    let mut t = c.as_str();
    t = t.strip_prefix('第').unwrap_or(t);
    for suf in suffixes {
        if let Some(r) = t.strip_suffix(suf)
            && !r.is_empty()
        {
            t = r;
            break;
        }
    }
    // "3号楼" → after "楼": "3号" → "3"
    if let Some(r) = t.strip_suffix('号').filter(|r| !r.is_empty()) {
        t = r;
    }
    if !t.is_empty() && t.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-') {
        return t.to_ascii_uppercase();
    }
    if let Some(n) = cn_number(t) {
        return n.to_string();
    }
    normalize::text(s).unwrap_or_default()
}

const BUILDING_SUFFIXES: &[&str] = &["号楼", "栋楼", "幢楼", "栋", "幢", "楼", "座", "#"];
const UNIT_SUFFIXES: &[&str] = &["单元", "门", "#"];
const ROOM_SUFFIXES: &[&str] = &["室", "户", "号"];

/// A phone as digits: an 11-digit mobile (1[3-9]…, "+86"/"86" dropped), or a landline of 7–8 digits with an
/// optional area code (0 + 2–3 digits), separators `-`, spaces and brackets allowed; an extension is not.
pub fn phone(s: &str) -> Option<String> {
    let c = compact(s);
    let c = c.strip_prefix("+86").or_else(|| c.strip_prefix("(86)")).unwrap_or(&c);
    if !c.chars().all(|ch| ch.is_ascii_digit() || matches!(ch, '-' | '(' | ')' | '（' | '）')) {
        return None;
    }
    let mut digits: String = c.chars().filter(|ch| ch.is_ascii_digit()).collect();
    if digits.len() == 13 && digits.starts_with("861") {
        digits.drain(..2);
    }
    let b = digits.as_bytes();
    let mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
    let local = (7..=8).contains(&b.len()) && b[0] != b'0' && b[0] != b'1';
    let with_area = (10..=12).contains(&b.len()) && b[0] == b'0' && b[1] != b'0';
    (mobile || local || with_area).then_some(digits)
}

/// The text of a cell, `None` when empty. Numbers as a person sees them (301.0 → "301").
fn cell_text(v: &Value) -> Option<String> {
    match v {
        Value::Empty => None,
        Value::Text(s) => normalize::text(s),
        other => normalize::text(&value_text(other)),
    }
}

fn is_cell_error(v: &Value) -> bool {
    matches!(v, Value::Text(s) if matches!(s.trim(), "#N/A" | "#REF!" | "#VALUE!" | "#DIV/0!" | "#NAME?" | "#NUM!" | "#NULL!"))
}

fn area_of(v: &Value) -> Result<i64, IssueKind> {
    let a = match v {
        Value::Empty => return Err(IssueKind::Required),
        Value::Text(s) => normalize::area_dm2(s)?,
        Value::Number(n) => normalize::area_dm2_from_f64(*n)?,
        Value::Date(_) | Value::Bool(_) => return Err(IssueKind::NotANumber),
    };
    if a == 0 {
        return Err(other(
            "专有部分面积不能为 0：请填写该户的专有部分面积（㎡），如 85.50".into(),
            "the exclusive area cannot be 0: give the dwelling's exclusive area in m², e.g. 85.50".into(),
        ));
    }
    if a > MAX_AREA_DM2 {
        return Err(IssueKind::TooLarge);
    }
    Ok(a)
}

fn phone_of(v: &Value) -> Result<String, IssueKind> {
    let raw = match v {
        Value::Number(n) if n.is_finite() && n.fract() == 0.0 && *n >= 0.0 && *n < 1e13 => format!("{}", *n as u64),
        other => cell_text(other).unwrap_or_default(),
    };
    if raw.is_empty() {
        return Ok(String::new());
    }
    phone(&raw).ok_or_else(|| {
        other(
            format!("电话“{raw}”格式不对：请填写 11 位手机号（如 13812345678）或带区号的固定电话（如 0359-6012345），一格只填一个号码"),
            format!("phone “{raw}” is not a phone number: give an 11-digit mobile (e.g. 13812345678) or a landline with its area code (e.g. 0359-6012345), one number per cell"),
        )
    })
}

struct Reader {
    out: HouseholdRead,
    /// (building, unit, room) → first row.
    seen: HashMap<(String, String, String), u32>,
    too_many: bool,
}

impl Reader {
    fn issue(&mut self, h: &TableHeader, row: u32, spec: usize, value: String, kind: IssueKind) {
        let column = h.columns[spec]
            .and_then(|c| h.headers.get(c).cloned())
            .unwrap_or_else(|| COLUMNS[spec].synonyms[0].to_string());
        self.out.issues.push(Issue { row, column, value, kind });
    }

    fn row(&mut self, h: &TableHeader, row: u32, values: &[Value]) {
        let first_text = values.iter().find(|v| !matches!(v, Value::Empty)).and_then(|v| match v {
            Value::Text(s) => Some(s.as_str()),
            _ => None,
        });
        let room_blank = matches!(h.get(values, ROOM), Value::Empty);
        if let Some(t) = first_text {
            if crate::header::totals_label(t).is_some() {
                self.out.skipped_rows.push(row);
                self.totals(h, row, values);
                return;
            }
            if room_blank && crate::header::footer_label(t) {
                self.out.skipped_rows.push(row);
                return;
            }
        }
        self.out.data_rows += 1;
        if self.out.data_rows > MAX_ROWS {
            if !self.too_many {
                self.too_many = true;
                self.out.issues.push(Issue {
                    row,
                    column: String::new(),
                    value: String::new(),
                    kind: other(
                        format!("名册超过 {MAX_ROWS} 行：一个名册只登记一个小区的住户，请按小区拆分文件"),
                        format!("the roster has more than {MAX_ROWS} rows: a roster holds the households of one estate; split the file by estate"),
                    ),
                });
            }
            return;
        }
        let before = self.out.issues.len();
        let mut rec = HouseholdRecord { row, ..Default::default() };
        // Formula errors, in any mapped column.
        for spec in 0..COLUMNS.len() {
            let v = h.get(values, spec);
            if is_cell_error(v) {
                self.issue(h, row, spec, value_text(v), IssueKind::CellError);
            }
        }
        if self.out.issues.len() > before {
            return;
        }
        for (spec, suffixes) in [(BUILDING, BUILDING_SUFFIXES), (UNIT, UNIT_SUFFIXES), (ROOM, ROOM_SUFFIXES)] {
            let v = h.get(values, spec);
            let part = cell_text(v).map(|t| label_part(&t, suffixes)).unwrap_or_default();
            if part.is_empty() && spec != UNIT {
                self.issue(h, row, spec, value_text(v), IssueKind::Required);
            }
            match spec {
                BUILDING => rec.building = part,
                UNIT => rec.unit = part,
                _ => rec.room = part,
            }
        }
        let av = h.get(values, AREA);
        match area_of(av) {
            Ok(a) => {
                rec.area_dm2 = a;
                self.out.area_dm2 = self.out.area_dm2.saturating_add(a);
            }
            Err(k) => self.issue(h, row, AREA, value_text(av), k),
        }
        let ov = h.get(values, OWNER);
        match cell_text(ov) {
            Some(n) if n.chars().count() <= 100 => rec.owner_name = n,
            Some(n) => self.issue(
                h,
                row,
                OWNER,
                n,
                other(
                    "业主姓名过长（超过 100 个字），请只填写姓名".into(),
                    "the owner's name is longer than 100 characters: give the name only".into(),
                ),
            ),
            None => self.issue(h, row, OWNER, String::new(), IssueKind::Required),
        }
        let pv = h.get(values, PROXY);
        if let Some(n) = cell_text(pv) {
            if n.chars().count() <= 100 {
                rec.proxy_name = n;
            } else {
                self.issue(
                    h,
                    row,
                    PROXY,
                    n,
                    other(
                        "代理人姓名过长（超过 100 个字），请只填写姓名".into(),
                        "the proxy's name is longer than 100 characters: give the name only".into(),
                    ),
                );
            }
        }
        for spec in [PHONE, PROXY_PHONE] {
            let v = h.get(values, spec);
            match phone_of(v) {
                Ok(p) if spec == PHONE => rec.owner_phone = p,
                Ok(p) => rec.proxy_phone = p,
                Err(k) => self.issue(h, row, spec, value_text(v), k),
            }
        }
        if !rec.proxy_phone.is_empty() && rec.proxy_name.is_empty() && h.columns[PROXY].is_some() {
            let v = value_text(h.get(values, PROXY_PHONE));
            self.issue(h, row, PROXY, String::new(), other(
                format!("填写了代理人电话“{v}”但没有代理人姓名：请补上委托代理人姓名，或删去电话"),
                format!("a proxy phone “{v}” is given without the proxy's name: add the proxy's name or remove the phone"),
            ));
        }
        if self.out.issues.len() > before {
            return;
        }
        let key = (rec.building.clone(), rec.unit.clone(), rec.room.clone());
        if let Some(first) = self.seen.get(&key) {
            let place = household_label(&rec.building, &rec.unit, &rec.room);
            self.issue(h, row, ROOM, value_text(h.get(values, ROOM)), other(
                format!("{place}与第 {first} 行重复：同一楼栋、单元、房号只能登记一户，请合并两行或改正房号"),
                format!("{place} duplicates row {first}: one building, unit and room is one household; merge the rows or correct the room"),
            ));
            return;
        }
        self.seen.insert(key, row);
        self.out.records.push(rec);
    }

    /// A totals row: its area, when given, must equal the sum of the rows above.
    fn totals(&mut self, h: &TableHeader, row: u32, values: &[Value]) {
        let v = h.get(values, AREA);
        if matches!(v, Value::Empty) {
            return;
        }
        match area_of(v) {
            Ok(found) if found != self.out.area_dm2 => self.issue(
                h,
                row,
                AREA,
                value_text(v),
                IssueKind::TotalsMismatch { expected: self.out.area_dm2, found, decimals: 2 },
            ),
            Ok(_) => {}
            Err(k) => self.issue(h, row, AREA, value_text(v), k),
        }
    }
}

/// "3栋2单元301" (the unit left out when there is none).
pub fn household_label(building: &str, unit: &str, room: &str) -> String {
    if unit.is_empty() { format!("{building}栋{room}") } else { format!("{building}栋{unit}单元{room}") }
}

fn finish(r: Reader, h: TableHeader) -> HouseholdRead {
    let mut out = r.out;
    out.sheet = h.sheet;
    out.header_row = h.header_row;
    out.mapped = COLUMNS
        .iter()
        .zip(&h.columns)
        .filter_map(|(spec, c)| c.and_then(|c| h.headers.get(c)).map(|hd| (hd.clone(), spec.key)))
        .collect();
    out.headers = h.headers;
    out.issues.sort_by_key(|i| i.row);
    out
}

impl HouseholdRead {
    /// The header the file uses for column `key` (the first synonym when the file has none).
    pub fn header_of(&self, key: &str) -> String {
        self.mapped
            .iter()
            .find(|(_, k)| *k == key)
            .map(|(h, _)| h.clone())
            .or_else(|| COLUMNS.iter().find(|c| c.key == key).map(|c| c.synonyms[0].to_string()))
            .unwrap_or_default()
    }
}

fn new_reader() -> Reader {
    Reader { out: HouseholdRead::default(), seen: HashMap::new(), too_many: false }
}

/// Reads a household roster from a file (.xlsx, .xls, .csv in UTF-8 or GBK).
pub fn read_households(path: &Path, opts: &ReadOptions) -> Result<HouseholdRead, FileError> {
    let mut r = new_reader();
    let h = read_table(path, opts, COLUMNS, |h, row, values| r.row(h, row, values))?;
    Ok(finish(r, h))
}

/// As [`read_households`], from bytes in memory.
pub fn read_households_bytes(data: &[u8], format: Format, opts: &ReadOptions) -> Result<HouseholdRead, FileError> {
    let mut r = new_reader();
    let h = read_table_bytes(data, format, opts, COLUMNS, |h, row, values| r.row(h, row, values))?;
    Ok(finish(r, h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lang;

    fn read(csv: &str) -> HouseholdRead {
        read_households_bytes(csv.as_bytes(), Format::Csv, &ReadOptions::default()).unwrap()
    }

    #[test]
    fn parts_are_normalised() {
        for (s, v) in [
            ("3栋", "3"),
            ("3号楼", "3"),
            ("３栋", "3"),
            ("第3栋", "3"),
            ("3#", "3"),
            ("三号楼", "3"),
            ("12幢", "12"),
            ("A座", "A"),
            ("综合楼", "综合楼"),
            (" 3 ", "3"),
        ] {
            assert_eq!(label_part(s, BUILDING_SUFFIXES), v, "{s}");
        }
        for (s, v) in [("2单元", "2"), ("二单元", "2"), ("2", "2"), ("十二单元", "12")] {
            assert_eq!(label_part(s, UNIT_SUFFIXES), v, "{s}");
        }
        for (s, v) in [("301", "301"), ("301室", "301"), ("1-301", "1-301"), ("301号", "301"), ("b102", "B102")] {
            assert_eq!(label_part(s, ROOM_SUFFIXES), v, "{s}");
        }
    }

    #[test]
    fn phones() {
        for (s, v) in [
            ("13812345678", "13812345678"),
            ("138 1234 5678", "13812345678"),
            ("138-1234-5678", "13812345678"),
            ("+86 13812345678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("0359-6012345", "03596012345"),
            ("(0359)6012345", "03596012345"),
            ("6012345", "6012345"),
            ("１３８１２３４５６７８", "13812345678"),
        ] {
            assert_eq!(phone(s).as_deref(), Some(v), "{s}");
        }
        for s in ["1381234567", "12812345678", "138123456789", "电话", "13812345678/13912345678", "0359-60123", "12345"]
        {
            assert_eq!(phone(s), None, "{s}");
        }
    }

    #[test]
    fn roster_below_title_with_synonyms_and_units() {
        let r = read(
            "华泰小区住户名册,,,,,\n,,,,,\n楼号,单元号,室,面积（㎡）,户主,手机,委托代理人,代理人电话\n3栋,2单元,301,85.5,张三明,138 1234 5678,,\n3栋,2单元,302室,85.50㎡,李四,,王五,13912345678\n合计,,,171,,,,\n注：面积以不动产登记为准,,,,,\n",
        );
        assert_eq!(r.issues, vec![], "{:?}", r.issues);
        assert_eq!(r.header_row, 3);
        assert_eq!(r.records.len(), 2);
        let a = &r.records[0];
        assert_eq!(
            (a.row, a.building.as_str(), a.unit.as_str(), a.room.as_str(), a.area_dm2),
            (4, "3", "2", "301", 8550)
        );
        assert_eq!((a.owner_name.as_str(), a.owner_phone.as_str()), ("张三明", "13812345678"));
        let b = &r.records[1];
        assert_eq!(
            (b.room.as_str(), b.area_dm2, b.proxy_name.as_str(), b.proxy_phone.as_str()),
            ("302", 8550, "王五", "13912345678")
        );
        assert_eq!(r.skipped_rows, vec![6, 7]);
        assert_eq!(r.area_dm2, 17100);
    }

    #[test]
    fn every_problem_with_row_column_value() {
        let r = read(
            "楼栋,单元,房号,专有部分面积,业主姓名,联系电话\n1,1,,80,甲,\n1,1,102,八十,乙,\n1,1,103,-5,丙,\n1,1,104,80,丁,1234\n1,1,105,80,,\n1,1,101,80,戊,\n1,1,101室,81,己,\n1,1,106,0,庚,\n",
        );
        let got: Vec<(u32, &str, &str)> =
            r.issues.iter().map(|i| (i.row, i.column.as_str(), i.value.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (2, "房号", ""),
                (3, "专有部分面积", "八十"),
                (4, "专有部分面积", "-5"),
                (5, "联系电话", "1234"),
                (6, "业主姓名", ""),
                (8, "房号", "101室"),
                (9, "专有部分面积", "0"),
            ]
        );
        assert_eq!(r.issues[1].kind, IssueKind::NotANumber);
        assert_eq!(r.issues[2].kind, IssueKind::Negative);
        assert!(r.issues[0].message(Lang::Zh).contains("不能为空"));
        assert!(r.issues[3].message(Lang::Zh).contains("11 位手机号"), "{}", r.issues[3].message(Lang::Zh));
        assert!(r.issues[3].message(Lang::En).contains("11-digit mobile"));
        assert!(r.issues[5].message(Lang::Zh).contains("与第 7 行重复"), "{}", r.issues[5].message(Lang::Zh));
        assert!(r.issues[5].message(Lang::En).contains("duplicates row 7"));
        assert_eq!(r.records.iter().map(|h| h.row).collect::<Vec<_>>(), vec![7]);
        assert_eq!(r.data_rows, 8);
    }

    #[test]
    fn totals_row_is_checked() {
        let r = read("楼栋,房号,面积,姓名\n1,101,80,甲\n1,102,80.25,乙\n合 计,,170,\n");
        assert_eq!(r.issues.len(), 1);
        assert_eq!(r.issues[0].kind, IssueKind::TotalsMismatch { expected: 16025, found: 17000, decimals: 2 });
        assert!(r.issues[0].message(Lang::Zh).contains("160.25"));
    }

    #[test]
    fn missing_required_column_is_a_file_error() {
        let e = read_households_bytes("楼栋,房号,姓名\n1,101,甲\n".as_bytes(), Format::Csv, &ReadOptions::default())
            .unwrap_err();
        assert!(matches!(&e, FileError::MissingColumn { column, .. } if column == "专有部分面积"), "{e:?}");
        let e = read_households_bytes("a,b\n1,2\n".as_bytes(), Format::Csv, &ReadOptions::default()).unwrap_err();
        assert!(matches!(e, FileError::NoHeaderRow { .. }), "{e:?}");
    }

    #[test]
    fn gbk_csv() {
        let (bytes, _, _) =
            encoding_rs::GBK.encode("楼栋,单元,房号,建筑面积,产权人,电话\n2栋,1,101,60.12,赵六,0359-6012345\n");
        let r = read_households_bytes(&bytes, Format::Csv, &ReadOptions::default()).unwrap();
        assert_eq!(r.issues, vec![]);
        assert_eq!(r.records[0].owner_name, "赵六");
        assert_eq!(r.records[0].area_dm2, 6012);
    }

    #[test]
    fn garbage_never_panics() {
        for data in [
            &b""[..],
            b"\xff\xfe\x00",
            b"PK\x03\x04garbage",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "楼栋,房号,面积,姓名\n\"unterminated".as_bytes(),
        ] {
            for f in [Format::Csv, Format::Xlsx, Format::Xls] {
                let _ = read_households_bytes(data, f, &ReadOptions::default());
            }
        }
    }
}
