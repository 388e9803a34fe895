//! Writing xlsx/csv exports and the rejected-rows file.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::Path;

use rust_xlsxwriter::{Format as XFormat, FormatAlign, Workbook};

use crate::estate::RejectedRow;
use crate::{FileError, Lang};

/// One cell to write.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    /// 0.01 m², written as a number with two decimals (format "0.00").
    Dm2(i64),
    /// Written as 是/否.
    Bool(bool),
}

impl Cell {
    /// The text of the cell as written to csv.
    pub fn to_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(v) => v.to_string(),
            Cell::Dm2(v) => crate::fmt_scaled(*v, 2),
            Cell::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        }
    }
}

fn werr(e: impl std::fmt::Display) -> FileError {
    FileError::Write(e.to_string())
}

/// Display width: CJK and other wide characters count two.
fn display_width(s: &str) -> usize {
    s.lines().map(|l| l.chars().map(|c| if (c as u32) < 0x1100 { 1 } else { 2 }).sum::<usize>()).max().unwrap_or(0)
}

/// Excel sheet names: ≤ 31 characters, none of `[]:*?/\`, not empty.
fn sheet_name_ok(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') { '_' } else { c })
        .take(31)
        .collect();
    let s = s.trim_matches('\'').to_string();
    if s.trim().is_empty() { "Sheet1".to_string() } else { s }
}

/// Largest integer written as a number; beyond, Excel's doubles would lose digits, so it is text.
const EXACT_F64: i64 = 1 << 53;
/// Excel's limit on characters in a cell.
const MAX_CELL_CHARS: usize = 32_767;

/// Writes an xlsx: bold header row, frozen, column widths from the header and the first 200 rows,
/// one row at a time in constant memory.
pub fn write_xlsx(
    path: &Path,
    sheet_name: &str,
    headers: &[&str],
    rows: impl Iterator<Item = Vec<Cell>>,
) -> Result<(), FileError> {
    let mut wb = Workbook::new();
    let bold = XFormat::new().set_bold().set_align(FormatAlign::Center);
    let dm2 = XFormat::new().set_num_format("0.00");
    let ws = wb.add_worksheet_with_constant_memory().map_err(werr)?;
    ws.set_name(sheet_name_ok(sheet_name)).map_err(werr)?;
    let mut rows = rows.peekable();
    // widths from the header and a sample of rows
    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h) + 2).collect();
    let mut head: Vec<Vec<Cell>> = Vec::new();
    while head.len() < 200 {
        match rows.next() {
            Some(r) => head.push(r),
            None => break,
        }
    }
    for r in &head {
        for (i, c) in r.iter().enumerate() {
            let w = display_width(&c.to_text()) + 2;
            if i >= widths.len() {
                widths.resize(i + 1, 8);
            }
            widths[i] = widths[i].max(w);
        }
    }
    for (i, w) in widths.iter().enumerate().take(16_384) {
        ws.set_column_width(i as u16, (*w).clamp(6, 50) as f64).map_err(werr)?;
    }
    for (i, h) in headers.iter().enumerate().take(16_384) {
        ws.write_string_with_format(0, i as u16, *h, &bold).map_err(werr)?;
    }
    ws.set_freeze_panes(1, 0).map_err(werr)?;
    for (row, r) in (1u32..).zip(head.into_iter().chain(rows)) {
        if row > 1_048_575 {
            return Err(FileError::Write("more than 1,048,576 rows / 超过 Excel 最大行数".into()));
        }
        for (i, c) in r.iter().enumerate().take(16_384) {
            let col = i as u16;
            match c {
                Cell::Empty => {}
                Cell::Text(s) => {
                    if s.chars().count() > MAX_CELL_CHARS {
                        return Err(FileError::Write(format!(
                            "row {} column {}: text longer than Excel's 32,767 characters / 文本超过 Excel 单元格上限 32767 字",
                            row + 1,
                            i + 1
                        )));
                    }
                    ws.write_string(row, col, s).map_err(werr)?;
                }
                Cell::Int(v) => {
                    if v.abs() < EXACT_F64 {
                        ws.write_number(row, col, *v as f64).map_err(werr)?;
                    } else {
                        ws.write_string(row, col, v.to_string()).map_err(werr)?;
                    }
                }
                Cell::Dm2(v) => {
                    if v.abs() < EXACT_F64 / 128 {
                        ws.write_number_with_format(row, col, *v as f64 / 100.0, &dm2).map_err(werr)?;
                    } else {
                        ws.write_string(row, col, crate::fmt_scaled(*v, 2)).map_err(werr)?;
                    }
                }
                Cell::Bool(b) => {
                    ws.write_string(row, col, if *b { "是" } else { "否" }).map_err(werr)?;
                }
            }
        }
    }
    wb.save(path).map_err(werr)
}

/// Writes a csv: UTF-8 with BOM (so Excel shows Chinese), CRLF line ends.
pub fn write_csv(path: &Path, headers: &[&str], rows: impl Iterator<Item = Vec<Cell>>) -> Result<(), FileError> {
    let f = File::create(path).map_err(werr)?;
    let mut bw = BufWriter::with_capacity(256 * 1024, f);
    bw.write_all(b"\xEF\xBB\xBF").map_err(werr)?;
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).flexible(true).from_writer(bw);
    w.write_record(headers).map_err(werr)?;
    let mut rec: Vec<String> = Vec::new();
    for r in rows {
        rec.clear();
        rec.extend(r.iter().map(Cell::to_text));
        w.write_record(&rec).map_err(werr)?;
    }
    w.flush().map_err(werr)?;
    Ok(())
}

/// Writes the rejected rows beside the input: first column 原行号 (original row number), then the
/// original headers and cells, then 错误原因 listing every issue of the row. `.csv` paths give csv,
/// anything else xlsx.
pub fn write_rejected(path: &Path, headers: &[String], rows: &[RejectedRow], lang: Lang) -> Result<(), FileError> {
    let (row_h, reason_h, sheet, sep) = match lang {
        Lang::Zh => ("原行号", "错误原因", "错误行", "；"),
        Lang::En => ("Row", "Reason", "Rejected", "; "),
    };
    let mut hs: Vec<&str> = Vec::with_capacity(headers.len() + 2);
    hs.push(row_h);
    hs.extend(headers.iter().map(String::as_str));
    hs.push(reason_h);
    let width = headers.len();
    let cells = rows.iter().map(|r| {
        let mut v = Vec::with_capacity(width + 2);
        v.push(Cell::Int(r.row as i64));
        for i in 0..width.max(r.cells.len()) {
            match r.cells.get(i) {
                Some(s) if !s.is_empty() => v.push(Cell::Text(s.clone())),
                _ => v.push(Cell::Empty),
            }
        }
        // keep the reason under its header even when the row is wider
        v.truncate(width + 1);
        while v.len() < width + 1 {
            v.push(Cell::Empty);
        }
        let reasons: Vec<String> = r.issues.iter().map(|i| i.message(lang)).collect();
        v.push(Cell::Text(reasons.join(sep)));
        v
    });
    let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv { write_csv(path, &hs, cells) } else { write_xlsx(path, sheet, &hs, cells) }
}
