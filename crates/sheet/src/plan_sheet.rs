//! The approved annual plan (年度计划) as an office's xlsx: a title merged across the table, the unit
//! line, the header row [`PLAN_HEADERS`], one row per project and a 合计 row, optionally a note below.
//!
//! Numbers are exact: households are written as integers (`#,##0`), areas as dm²/100 and investment as
//! fen/1,000,000 (万元) with `#,##0.00`. Sums are taken in integer fen/dm² and divided once, so the
//! stored double is the nearest one to the exact value and reads back to the same fen.
//! [`read_plan_totals`] reads the 合计 row of such a file back.

use std::path::Path;

use jiugai_domain::number::{Rounding, parse_decimal};
use rust_xlsxwriter::{Format as XFormat, FormatAlign, FormatBorder, Workbook};

use crate::normalize::{self, is_space};
use crate::table::{ColumnSpec, Value, read_table, value_text};
use crate::{FileError, ReadOptions};

/// One project of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanSheetRow {
    pub project: String,
    /// Estates renovated by the project, written joined with 、.
    pub estates: Vec<String>,
    pub region: String,
    pub households: i64,
    /// Floor area in 0.01 m².
    pub area_dm2: i64,
    pub content: String,
    /// Planned investment in fen (0.01 yuan).
    pub investment_fen: i64,
}

/// The plan to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanSheet {
    /// e.g. "长治市潞州区2026年城镇老旧小区改造计划".
    pub title: String,
    /// e.g. "面积单位：平方米；投资单位：万元".
    pub unit: String,
    pub rows: Vec<PlanSheetRow>,
    /// A line below the 合计 row (e.g. "注：…"), merged across.
    pub note: Option<String>,
}

/// The header row, in column order.
pub const PLAN_HEADERS: [&str; 8] =
    ["序号", "项目名称", "所在区划", "改造小区", "户数", "建筑面积（㎡）", "改造内容", "计划投资（万元）"];

const FEN_PER_WAN: f64 = 1_000_000.0;
/// Excel's doubles hold integers exactly below 2^53.
const MAX_EXACT: i128 = 1 << 53;
const MAX_CELL_CHARS: usize = 32_767;

fn werr(e: impl std::fmt::Display) -> FileError {
    FileError::Write(e.to_string())
}

fn check(p: &PlanSheet) -> Result<(i64, i64, i64), FileError> {
    let (mut hh, mut area, mut inv) = (0i128, 0i128, 0i128);
    for (i, r) in p.rows.iter().enumerate() {
        let n = i + 1;
        let project = r.project.trim_matches(is_space);
        if project.is_empty() || crate::table::is_totals_label(project) {
            return Err(FileError::Write(format!(
                "project {n}: the name is blank or a totals label / 第{n}个项目名称为空或为“合计”"
            )));
        }
        if r.households < 0 || r.area_dm2 < 0 || r.investment_fen < 0 {
            return Err(FileError::Write(format!("project {n}: a negative number / 第{n}个项目有负数")));
        }
        let estates_len: usize = r.estates.iter().map(|e| e.chars().count() + 1).sum();
        if [&r.project, &r.region, &r.content].iter().any(|s| s.chars().count() > MAX_CELL_CHARS)
            || estates_len > MAX_CELL_CHARS
        {
            return Err(FileError::Write(format!(
                "project {n}: text longer than Excel's 32,767 characters / 第{n}个项目文字超过 Excel 单元格上限"
            )));
        }
        hh += r.households as i128;
        area += r.area_dm2 as i128;
        inv += r.investment_fen as i128;
    }
    if hh >= MAX_EXACT || area >= MAX_EXACT || inv >= MAX_EXACT {
        return Err(FileError::Write("totals too large to write exactly / 合计数过大，无法精确写入".into()));
    }
    if p.rows.len() > 1_048_000 {
        return Err(FileError::Write("too many rows / 行数过多".into()));
    }
    Ok((hh as i64, area as i64, inv as i64))
}

/// Writes the plan. Errors: negative numbers, totals beyond 2^53 fen/dm², text beyond Excel's cell
/// limit, or the file cannot be written.
pub fn write_plan_xlsx(path: &Path, p: &PlanSheet) -> Result<(), FileError> {
    let (sum_hh, sum_area, sum_inv) = check(p)?;
    let last = (PLAN_HEADERS.len() - 1) as u16;
    let mut wb = Workbook::new();
    let title_f = XFormat::new().set_bold().set_font_size(16).set_align(FormatAlign::Center);
    let unit_f = XFormat::new().set_align(FormatAlign::Right);
    let head_f = XFormat::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_border(FormatBorder::Thin);
    let text_f = XFormat::new().set_text_wrap().set_align(FormatAlign::VerticalCenter).set_border(FormatBorder::Thin);
    let int_f = XFormat::new().set_num_format("#,##0").set_border(FormatBorder::Thin);
    let dec_f = XFormat::new().set_num_format("#,##0.00").set_border(FormatBorder::Thin);
    let tot_text_f = XFormat::new().set_bold().set_align(FormatAlign::Center).set_border(FormatBorder::Thin);
    let tot_int_f = XFormat::new().set_bold().set_num_format("#,##0").set_border(FormatBorder::Thin);
    let tot_dec_f = XFormat::new().set_bold().set_num_format("#,##0.00").set_border(FormatBorder::Thin);
    let note_f = XFormat::new().set_text_wrap();
    let ws = wb.add_worksheet();
    ws.set_name("年度计划").map_err(werr)?;
    ws.merge_range(0, 0, 0, last, &p.title, &title_f).map_err(werr)?;
    ws.merge_range(1, 0, 1, last, &p.unit, &unit_f).map_err(werr)?;
    for (j, h) in PLAN_HEADERS.iter().enumerate() {
        ws.write_string_with_format(2, j as u16, *h, &head_f).map_err(werr)?;
    }
    for (i, r) in p.rows.iter().enumerate() {
        let row = (i + 3) as u32;
        ws.write_number_with_format(row, 0, (i + 1) as f64, &int_f).map_err(werr)?;
        ws.write_string_with_format(row, 1, &r.project, &text_f).map_err(werr)?;
        ws.write_string_with_format(row, 2, &r.region, &text_f).map_err(werr)?;
        ws.write_string_with_format(row, 3, r.estates.join("、"), &text_f).map_err(werr)?;
        ws.write_number_with_format(row, 4, r.households as f64, &int_f).map_err(werr)?;
        ws.write_number_with_format(row, 5, r.area_dm2 as f64 / 100.0, &dec_f).map_err(werr)?;
        ws.write_string_with_format(row, 6, &r.content, &text_f).map_err(werr)?;
        ws.write_number_with_format(row, 7, r.investment_fen as f64 / FEN_PER_WAN, &dec_f).map_err(werr)?;
    }
    let row = (p.rows.len() + 3) as u32;
    ws.merge_range(row, 0, row, 3, "合计", &tot_text_f).map_err(werr)?;
    ws.write_number_with_format(row, 4, sum_hh as f64, &tot_int_f).map_err(werr)?;
    ws.write_number_with_format(row, 5, sum_area as f64 / 100.0, &tot_dec_f).map_err(werr)?;
    ws.write_blank(row, 6, &tot_text_f).map_err(werr)?;
    ws.write_number_with_format(row, 7, sum_inv as f64 / FEN_PER_WAN, &tot_dec_f).map_err(werr)?;
    if let Some(note) = p.note.as_deref().filter(|n| !n.trim_matches(is_space).is_empty()) {
        ws.merge_range(row + 1, 0, row + 1, last, note, &note_f).map_err(werr)?;
    }
    for (j, w) in [6.0, 30.0, 12.0, 30.0, 10.0, 14.0, 36.0, 16.0].iter().enumerate() {
        ws.set_column_width(j as u16, *w).map_err(werr)?;
    }
    ws.set_freeze_panes(3, 0).map_err(werr)?;
    wb.save(path).map_err(werr)
}

/// The 合计 row of a plan file, and the same sums over its project rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanTotals {
    /// Project rows above the 合计 row.
    pub rows: usize,
    /// As written in the 合计 row.
    pub households: i64,
    pub area_dm2: i64,
    pub investment_fen: i64,
    /// Summed over the project rows.
    pub detail_households: i64,
    pub detail_area_dm2: i64,
    pub detail_investment_fen: i64,
}

const SPECS: &[ColumnSpec] = &[
    ColumnSpec { key: "project", synonyms: &["项目名称", "项目"], required: true },
    ColumnSpec { key: "households", synonyms: &["户数"], required: true },
    ColumnSpec { key: "area", synonyms: &["建筑面积（㎡）", "建筑面积"], required: true },
    ColumnSpec { key: "investment", synonyms: &["计划投资（万元）"], required: true },
];

fn bad(row: u32, header: &str, v: &Value) -> FileError {
    FileError::Corrupt(format!(
        "第{row}行 {header}“{}”不是有效数值 / row {row}: {header} is not a number",
        value_text(v)
    ))
}

fn households_of(v: &Value) -> Option<i64> {
    match v {
        Value::Empty => Some(0),
        Value::Number(n) => normalize::integer_from_f64(*n).ok(),
        Value::Text(s) => normalize::integer(s).ok(),
        _ => None,
    }
}

fn area_of(v: &Value) -> Option<i64> {
    match v {
        Value::Empty => Some(0),
        Value::Number(n) => normalize::area_dm2_from_f64(*n).ok(),
        Value::Text(s) => normalize::area_dm2(s).ok(),
        _ => None,
    }
}

fn fen_of(v: &Value) -> Option<i64> {
    match v {
        Value::Empty => Some(0),
        Value::Number(n) => {
            let f = (n * FEN_PER_WAN).round();
            (f.is_finite() && (0.0..9.0e15).contains(&f)).then_some(f as i64)
        }
        Value::Text(s) => parse_decimal(s, &["万元", "万"], 6, Rounding::Exact).ok(),
        _ => None,
    }
}

/// Reads the 合计 row of a plan written by [`write_plan_xlsx`] (or laid out alike: a header row with
/// 项目名称, 户数, 建筑面积, 计划投资（万元）, and a row whose label is 合计). Rows below the 合计 row are
/// not read. No 合计 row, or a number that does not read, is [`FileError::Corrupt`].
pub fn read_plan_totals(path: &Path) -> Result<PlanTotals, FileError> {
    let mut t = PlanTotals::default();
    let mut found = false;
    let mut err: Option<FileError> = None;
    let (mut dh, mut da, mut di) = (0i128, 0i128, 0i128);
    let header = read_table(path, &ReadOptions::default(), SPECS, |h, row, values| {
        if found || err.is_some() {
            return;
        }
        let is_total = values.iter().take(4).any(|v| matches!(v, Value::Text(s) if crate::table::is_totals_label(s)));
        let project = h.get(values, 0);
        if !is_total && matches!(project, Value::Empty) {
            return;
        }
        let name = |i: usize| h.columns[i].and_then(|c| h.headers.get(c)).cloned().unwrap_or_default();
        let (hv, av, iv) = (h.get(values, 1), h.get(values, 2), h.get(values, 3));
        let (Some(hh), Some(area), Some(fen)) = (households_of(hv), area_of(av), fen_of(iv)) else {
            err = Some(match (households_of(hv), area_of(av)) {
                (None, _) => bad(row, &name(1), hv),
                (_, None) => bad(row, &name(2), av),
                _ => bad(row, &name(3), iv),
            });
            return;
        };
        if is_total {
            found = true;
            (t.households, t.area_dm2, t.investment_fen) = (hh, area, fen);
        } else {
            t.rows += 1;
            dh += hh as i128;
            da += area as i128;
            di += fen as i128;
        }
    })?;
    if let Some(e) = err {
        return Err(e);
    }
    if !found {
        return Err(FileError::Corrupt(format!(
            "no 合计 row below the header (row {}) / 表头（第{}行）下没有合计行",
            header.header_row, header.header_row
        )));
    }
    let c = |v: i128| i64::try_from(v).unwrap_or(i64::MAX);
    (t.detail_households, t.detail_area_dm2, t.detail_investment_fen) = (c(dh), c(da), c(di));
    Ok(t)
}
