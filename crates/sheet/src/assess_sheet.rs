//! The assessment of counties (考核) as a workbook: a title, the formula block (criterion, weight,
//! definition, source clause, and the rules of the arithmetic), then one row per county with every part as
//! numerator/denominator and its points, the score and the rank. A part without data reads 无数据, never 0.
//! [`read_assess`] reads the county rows back (for tests and checks).

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};
use rust_xlsxwriter::{Format as XFormat, FormatAlign, FormatBorder, Workbook};

use crate::FileError;

/// What a part without data reads in the sheet.
pub const NO_DATA: &str = "无数据";

/// One criterion of the formula.
#[derive(Clone, Debug, PartialEq)]
pub struct Criterion {
    pub key: String,
    pub name: String,
    pub weight: i64,
    pub definition: String,
    pub source: String,
}

/// One county: per criterion (formula order) `Some((numerator, denominator, points text))` or `None` (no
/// data); score as text (`"80.93"`), rank.
#[derive(Clone, Debug, PartialEq)]
pub struct County {
    pub region: String,
    pub name: String,
    pub parts: Vec<Option<(i64, i64, String)>>,
    pub score: Option<String>,
    pub rank: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AssessSheet {
    pub title: String,
    pub subtitle: String,
    pub criteria: Vec<Criterion>,
    /// How the score is computed, missing data, rounding, ties (one line each).
    pub notes: Vec<String>,
    pub counties: Vec<County>,
}

fn werr(e: impl std::fmt::Display) -> FileError {
    FileError::Write(e.to_string())
}

/// Writes the assessment.
pub fn write_assess_xlsx(path: &Path, s: &AssessSheet) -> Result<(), FileError> {
    let k = s.criteria.len();
    if s.counties.iter().any(|c| c.parts.len() != k) {
        return Err(FileError::Write(
            "每个县区的指标个数须与公式相同 / every county needs one part per criterion".into(),
        ));
    }
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("县区考核").map_err(werr)?;
    let border = XFormat::new().set_border(FormatBorder::Thin);
    let title = XFormat::new().set_bold().set_font_size(16).set_align(FormatAlign::Center);
    let head =
        border.clone().set_bold().set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter).set_text_wrap();
    let text = border.clone().set_text_wrap().set_align(FormatAlign::VerticalCenter);
    let right = border.clone().set_align(FormatAlign::Right);
    let int_f = border.clone().set_num_format("#,##0").set_align(FormatAlign::Right);
    let pts_f = border.clone().set_num_format("0.00").set_align(FormatAlign::Right);
    let last = (3 + 2 * k) as u16;
    ws.merge_range(0, 0, 0, last, &s.title, &title).map_err(werr)?;
    ws.merge_range(1, 0, 1, last, &s.subtitle, &XFormat::new()).map_err(werr)?;
    // Formula block.
    let mut row = 3u32;
    for (j, h) in ["考核指标", "权重（分）", "定义（分子 ÷ 分母）", "出处"].iter().enumerate() {
        ws.write_with_format(row, j as u16, *h, &head).map_err(werr)?;
    }
    for c in &s.criteria {
        row += 1;
        ws.write_with_format(row, 0, &c.name, &text).map_err(werr)?;
        ws.write_number_with_format(row, 1, c.weight as f64, &int_f).map_err(werr)?;
        ws.write_with_format(row, 2, &c.definition, &text).map_err(werr)?;
        ws.write_with_format(row, 3, &c.source, &text).map_err(werr)?;
    }
    for n in &s.notes {
        row += 1;
        ws.merge_range(row, 0, row, last, n, &XFormat::new().set_text_wrap()).map_err(werr)?;
    }
    // County table.
    row += 2;
    let header_row = row;
    for (j, h) in ["排名", "区划代码", "县区"].iter().enumerate() {
        ws.write_with_format(row, j as u16, *h, &head).map_err(werr)?;
    }
    for (i, c) in s.criteria.iter().enumerate() {
        let col = 3 + 2 * i as u16;
        ws.write_with_format(row, col, format!("{}（分子/分母）", c.name), &head).map_err(werr)?;
        ws.write_with_format(row, col + 1, format!("{}得分（权重{}）", c.name, c.weight), &head).map_err(werr)?;
    }
    ws.write_with_format(row, last, "总分", &head).map_err(werr)?;
    ws.set_row_height(row, 45).map_err(werr)?;
    for c in &s.counties {
        row += 1;
        match c.rank {
            Some(r) => ws.write_number_with_format(row, 0, f64::from(r), &int_f),
            None => ws.write_with_format(row, 0, "不排名", &right),
        }
        .map_err(werr)?;
        ws.write_with_format(row, 1, &c.region, &text).map_err(werr)?;
        ws.write_with_format(row, 2, &c.name, &text).map_err(werr)?;
        for (i, p) in c.parts.iter().enumerate() {
            let col = 3 + 2 * i as u16;
            match p {
                Some((n, d, pts)) => {
                    ws.write_with_format(row, col, format!("{n}/{d}"), &right).map_err(werr)?;
                    let v: f64 = pts.parse().map_err(werr)?;
                    ws.write_number_with_format(row, col + 1, v, &pts_f).map_err(werr)?;
                }
                None => {
                    ws.write_with_format(row, col, NO_DATA, &right).map_err(werr)?;
                    ws.write_with_format(row, col + 1, NO_DATA, &right).map_err(werr)?;
                }
            }
        }
        match &c.score {
            Some(sc) => ws.write_number_with_format(row, last, sc.parse::<f64>().map_err(werr)?, &pts_f),
            None => ws.write_with_format(row, last, "无得分", &right),
        }
        .map_err(werr)?;
    }
    ws.set_column_width(0, 16).map_err(werr)?;
    ws.set_column_width(2, 30).map_err(werr)?;
    ws.set_column_width(3, 40).map_err(werr)?;
    ws.set_freeze_panes(header_row + 1, 3).map_err(werr)?;
    wb.save(path).map_err(werr)?;
    Ok(())
}

fn cell_text(d: Option<&Data>) -> String {
    match d {
        Some(Data::String(s)) => s.trim().to_string(),
        Some(Data::Float(f)) => format!("{f:.2}"),
        Some(Data::Int(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Reads the county rows of a sheet written by [`write_assess_xlsx`] with `k` criteria.
pub fn read_assess(path: &Path, k: usize) -> Result<Vec<County>, FileError> {
    let mut wb = open_workbook_auto(path).map_err(|e| FileError::Corrupt(e.to_string()))?;
    let name = wb.sheet_names().first().cloned().ok_or_else(|| FileError::Corrupt("no sheet".into()))?;
    let range = wb.worksheet_range(&name).map_err(|e| FileError::Corrupt(e.to_string()))?;
    let mut out = Vec::new();
    let mut in_table = false;
    for r in range.rows() {
        if !in_table {
            in_table = cell_text(r.first()) == "排名";
            continue;
        }
        let region = cell_text(r.get(1));
        if region.is_empty() {
            break;
        }
        let rank = match r.first() {
            Some(Data::Float(f)) => Some(*f as u32),
            Some(Data::Int(n)) => Some(*n as u32),
            _ => None,
        };
        let mut parts = Vec::with_capacity(k);
        for i in 0..k {
            let frac = cell_text(r.get(3 + 2 * i));
            parts.push(
                frac.split_once('/')
                    .and_then(|(n, d)| Some((n.parse().ok()?, d.parse().ok()?, cell_text(r.get(4 + 2 * i))))),
            );
        }
        let score = match r.get(3 + 2 * k) {
            Some(Data::Float(f)) => Some(format!("{f:.2}")),
            _ => None,
        };
        out.push(County { region, name: cell_text(r.get(2)), parts, score, rank });
    }
    Ok(out)
}
