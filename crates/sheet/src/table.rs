//! A generic table reader for other ledgers (households, target tables) on the same machinery:
//! header row found below titles by synonyms, rows streamed with their spreadsheet row numbers.

use std::path::Path;

use crate::header::Synonyms;
use crate::normalize::number_text;
use crate::source::{self, Cells, Raw, Sink, date_text};
use crate::{FileError, Format, ReadOptions};

/// One column the caller wants.
#[derive(Clone, Copy, Debug)]
pub struct ColumnSpec {
    pub key: &'static str,
    /// Header texts accepted (the first is shown in messages). Matched after the same normalisation
    /// as estate headers (whitespace, full-width, trailing unit in brackets…).
    pub synonyms: &'static [&'static str],
    pub required: bool,
}

/// A cell value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Number(f64),
    /// Excel serial date (1900 date system).
    Date(f64),
    Bool(bool),
}

/// The header found.
#[derive(Clone, Debug, PartialEq)]
pub struct TableHeader {
    pub sheet: String,
    pub header_row: u32,
    /// Header cells as in the file (trimmed).
    pub headers: Vec<String>,
    /// Per spec (same order as `specs`), the index into the row of its column.
    pub columns: Vec<Option<usize>>,
}

impl TableHeader {
    /// The value of spec `i` in a row.
    pub fn get<'v>(&self, row: &'v [Value], spec: usize) -> &'v Value {
        static EMPTY: Value = Value::Empty;
        self.columns.get(spec).copied().flatten().and_then(|c| row.get(c)).unwrap_or(&EMPTY)
    }
}

/// The text as a person would see it (numbers without a trailing ".0", dates as yyyy-mm-dd, 是/否).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Empty => String::new(),
        Value::Text(s) => s.clone(),
        Value::Number(n) => number_text(*n),
        Value::Date(d) => date_text(*d),
        Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
    }
}

/// Is this text a totals label (合计/小计/总计, spaces and a trailing colon allowed)?
pub fn is_totals_label(s: &str) -> bool {
    crate::header::totals_label(s).is_some()
}

struct TableSink<'s, G> {
    specs: &'s [ColumnSpec],
    syn: Synonyms<usize>,
    on_row: G,
    header: Option<TableHeader>,
    sheet: String,
    nonempty_seen: u32,
    values: Vec<Value>,
}

fn to_value(r: Raw<'_>) -> Value {
    match r {
        Raw::Empty => Value::Empty,
        Raw::Text(s) => {
            if s.trim_matches(crate::normalize::is_space).is_empty() {
                Value::Empty
            } else {
                Value::Text(s.into_owned())
            }
        }
        Raw::Number(v) => Value::Number(v),
        Raw::Date(v) => Value::Date(v),
        Raw::Bool(b) => Value::Bool(b),
        Raw::Error(e) => Value::Text(e.to_string()),
    }
}

impl<G: FnMut(&TableHeader, u32, &[Value])> TableSink<'_, G> {
    fn try_header<C: Cells + ?Sized>(&mut self, row: u32, cells: &C) -> Result<bool, FileError> {
        let mut columns: Vec<Option<usize>> = vec![None; self.specs.len()];
        let mut matched = 0;
        for i in 0..cells.len() {
            let r = cells.get(i);
            let Raw::Text(s) = &r else { continue };
            if let Some(k) = self.syn.lookup(s)
                && columns[k].is_none()
            {
                columns[k] = Some(i);
                matched += 1;
            }
        }
        let need = self.specs.len().min(2);
        let any_required = self.specs.iter().zip(&columns).any(|(s, c)| s.required && c.is_some());
        let has_required = self.specs.iter().any(|s| s.required);
        if matched < need || (has_required && !any_required) || matched == 0 {
            return Ok(false);
        }
        if let Some((spec, _)) = self.specs.iter().zip(&columns).find(|(s, c)| s.required && c.is_none()) {
            return Err(FileError::MissingColumn {
                header_row: row,
                column: spec.synonyms.first().copied().unwrap_or(spec.key).to_string(),
                synonyms: spec.synonyms.iter().skip(1).map(|s| s.to_string()).collect(),
            });
        }
        let width = (0..cells.len()).rposition(|i| !cells.get(i).is_blank()).map_or(0, |p| p + 1);
        let headers =
            (0..width).map(|i| cells.get(i).text().trim_matches(crate::normalize::is_space).to_string()).collect();
        self.header = Some(TableHeader { sheet: self.sheet.clone(), header_row: row, headers, columns });
        Ok(true)
    }
}

impl<G: FnMut(&TableHeader, u32, &[Value])> Sink for TableSink<'_, G> {
    fn row<C: Cells + ?Sized>(&mut self, row: u32, cells: &C) -> Result<(), FileError> {
        if (0..cells.len()).all(|i| cells.get(i).is_blank()) {
            return Ok(());
        }
        match &self.header {
            None => {
                self.nonempty_seen += 1;
                if !self.try_header(row, cells)? && self.nonempty_seen >= 30 {
                    return Err(self.no_header());
                }
            }
            Some(h) => {
                self.values.clear();
                self.values.extend((0..cells.len()).map(|i| to_value(cells.get(i))));
                (self.on_row)(h, row, &self.values);
            }
        }
        Ok(())
    }

    fn blank_rows(&mut self, _first: u32, _last: u32) -> Result<(), FileError> {
        Ok(())
    }
}

impl<G> TableSink<'_, G> {
    fn no_header(&self) -> FileError {
        let first_required = self.specs.iter().find(|s| s.required).or(self.specs.first());
        let expected = first_required.map_or_else(Vec::new, |s| s.synonyms.iter().map(|x| x.to_string()).collect());
        FileError::NoHeaderRow { searched_rows: self.nonempty_seen, expected }
    }
}

fn run<G: FnMut(&TableHeader, u32, &[Value])>(
    specs: &[ColumnSpec],
    on_row: G,
    read: impl FnOnce(&mut TableSink<'_, G>, &dyn Fn(&str) -> bool) -> Result<String, FileError>,
) -> Result<TableHeader, FileError> {
    let syn = Synonyms::new(specs.iter().enumerate().flat_map(|(i, s)| s.synonyms.iter().map(move |x| (*x, i))));
    let syn2 = Synonyms::new(specs.iter().enumerate().flat_map(|(i, s)| s.synonyms.iter().map(move |x| (*x, i))));
    let is_header = move |s: &str| syn2.lookup(s).is_some();
    let mut sink =
        TableSink { specs, syn, on_row, header: None, sheet: String::new(), nonempty_seen: 0, values: Vec::new() };
    let sheet = read(&mut sink, &is_header)?;
    match sink.header {
        Some(mut h) => {
            h.sheet = sheet;
            Ok(h)
        }
        None => Err(sink.no_header()),
    }
}

/// Reads a table from a file. The header row is the first of the first 30 non-empty rows holding at
/// least two of the spec columns (one if there is one spec), including a required one if any; a
/// required column missing from that row is [`FileError::MissingColumn`]. Blank rows are not passed
/// on; totals rows are (see [`is_totals_label`]). `on_row` gets the row's values by file column.
pub fn read_table(
    path: &Path,
    opts: &ReadOptions,
    specs: &[ColumnSpec],
    on_row: impl FnMut(&TableHeader, u32, &[Value]),
) -> Result<TableHeader, FileError> {
    run(specs, on_row, |sink, is_header| source::stream_path(path, opts, is_header, sink))
}

/// As [`read_table`], from bytes in memory.
pub fn read_table_bytes(
    data: &[u8],
    format: Format,
    opts: &ReadOptions,
    specs: &[ColumnSpec],
    on_row: impl FnMut(&TableHeader, u32, &[Value]),
) -> Result<TableHeader, FileError> {
    run(specs, on_row, |sink, is_header| source::stream_bytes(data, format, opts, is_header, sink))
}
