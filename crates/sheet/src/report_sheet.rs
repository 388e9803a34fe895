//! The monthly report (月报表) as an office's xlsx: a title merged across (region and month), a line with
//! 填报单位 and the units, a two-level header (a group over its columns), one row per child region, a 合计
//! row and a signature line.
//!
//! Numbers are exact: counts as integers, areas as dm²/100 (㎡), money as fen/1,000,000 (万元), each divided
//! once from the integer, so [`read_report_rows`] gets back the same integers.

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};
use rust_xlsxwriter::{Format as XFormat, FormatAlign, FormatBorder, Workbook};

use crate::FileError;

/// How a column's integers are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Count,
    /// 0.01 m², written as ㎡ with two decimals.
    Dm2,
    /// fen, written as 万元 with two decimals shown (the exact value kept).
    Fen,
}

impl Unit {
    fn scale(self) -> f64 {
        match self {
            Unit::Count => 1.0,
            Unit::Dm2 => 100.0,
            Unit::Fen => 1_000_000.0,
        }
    }
}

/// One column: its group (upper header), label (lower header) and unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub group: String,
    pub label: String,
    pub unit: Unit,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportSheet {
    /// e.g. "长治市城镇老旧小区改造月报表（2026年11月）".
    pub title: String,
    /// e.g. "填报单位：长治市住房和城乡建设局　　单位：个、户、㎡、万元".
    pub subtitle: String,
    pub columns: Vec<Column>,
    /// (region name, one integer per column).
    pub rows: Vec<(String, Vec<i64>)>,
    pub total: Vec<i64>,
    /// e.g. "填报人：　　审核人：　　填报日期：".
    pub signature: String,
}

fn werr(e: impl std::fmt::Display) -> FileError {
    FileError::Write(e.to_string())
}

/// Writes the report.
pub fn write_report_xlsx(path: &Path, r: &ReportSheet) -> Result<(), FileError> {
    let n = r.columns.len();
    if r.rows.iter().any(|(_, v)| v.len() != n) || r.total.len() != n {
        return Err(FileError::Write("每行的数值个数须与列数相同 / every row needs one value per column".into()));
    }
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("月报表").map_err(werr)?;
    let border = XFormat::new().set_border(FormatBorder::Thin);
    let title = XFormat::new().set_bold().set_font_size(16).set_align(FormatAlign::Center);
    let head =
        border.clone().set_bold().set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter).set_text_wrap();
    let text = border.clone();
    let fmt = |u: Unit| match u {
        Unit::Count => border.clone().set_num_format("#,##0").set_align(FormatAlign::Right),
        _ => border.clone().set_num_format("#,##0.00").set_align(FormatAlign::Right),
    };
    let last = n as u16;
    ws.merge_range(0, 0, 0, last, &r.title, &title).map_err(werr)?;
    ws.merge_range(1, 0, 1, last, &r.subtitle, &XFormat::new()).map_err(werr)?;
    ws.merge_range(2, 0, 3, 0, "区划", &head).map_err(werr)?;
    // Upper header: runs of equal groups merged.
    let mut c = 0usize;
    while c < n {
        let g = &r.columns[c].group;
        let mut e = c;
        while e + 1 < n && &r.columns[e + 1].group == g {
            e += 1;
        }
        if e > c {
            ws.merge_range(2, c as u16 + 1, 2, e as u16 + 1, g, &head).map_err(werr)?;
        } else {
            ws.write_with_format(2, c as u16 + 1, g, &head).map_err(werr)?;
        }
        c = e + 1;
    }
    for (i, col) in r.columns.iter().enumerate() {
        ws.write_with_format(3, i as u16 + 1, &col.label, &head).map_err(werr)?;
        ws.set_column_width(i as u16 + 1, 12).map_err(werr)?;
    }
    ws.set_column_width(0, 16).map_err(werr)?;
    ws.set_row_height(3, 45).map_err(werr)?;
    let mut row = 4u32;
    for (name, vals) in r.rows.iter().map(|(a, b)| (a.as_str(), b)).chain(std::iter::once(("合计", &r.total))) {
        ws.write_with_format(row, 0, name, &text).map_err(werr)?;
        for (i, v) in vals.iter().enumerate() {
            let u = r.columns[i].unit;
            ws.write_number_with_format(row, i as u16 + 1, *v as f64 / u.scale(), &fmt(u)).map_err(werr)?;
        }
        row += 1;
    }
    ws.merge_range(row + 1, 0, row + 1, last, &r.signature, &XFormat::new()).map_err(werr)?;
    ws.set_freeze_panes(4, 1).map_err(werr)?;
    wb.save(path).map_err(werr)?;
    Ok(())
}

/// Reads a report written by [`write_report_xlsx`] back: (region name, integers per column) for each row
/// below the two header rows down to the 合计 row (included), with each number scaled back by its column's unit.
pub fn read_report_rows(path: &Path, units: &[Unit]) -> Result<Vec<(String, Vec<i64>)>, FileError> {
    let mut wb = open_workbook_auto(path).map_err(|e| FileError::Corrupt(e.to_string()))?;
    let name = wb.sheet_names().first().cloned().ok_or_else(|| FileError::Corrupt("no sheet".into()))?;
    let range = wb.worksheet_range(&name).map_err(|e| FileError::Corrupt(e.to_string()))?;
    let mut out = Vec::new();
    for r in range.rows().skip(4) {
        let label = match r.first() {
            Some(Data::String(s)) => s.trim().to_string(),
            _ => continue,
        };
        let mut vals = Vec::with_capacity(units.len());
        for (i, u) in units.iter().enumerate() {
            let v = match r.get(i + 1) {
                Some(Data::Float(f)) => *f,
                Some(Data::Int(n)) => *n as f64,
                _ => return Err(FileError::Corrupt(format!("{label}: column {} is not a number", i + 2))),
            };
            vals.push((v * u.scale()).round() as i64);
        }
        let last = label == "合计";
        out.push((label, vals));
        if last {
            break;
        }
    }
    Ok(out)
}
