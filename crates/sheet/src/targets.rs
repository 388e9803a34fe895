//! The target breakdown table (年度任务细化分解表): how many estates each region is to renovate in
//! each year of the plan period.
//!
//! Two layouts are read, told apart by the header row (found below title rows such as
//! "“十四五”期间各县（区）需改造城镇老旧小区年度任务细化分解表" and a unit row such as "单位：个"):
//!
//! - **wide** ([`TargetLayout::Wide`]): a region column (header 区划, 县（区）, 县区, 地区, 单位, 名称 …),
//!   then one column per year (`2022年`, `2023年度`, `2024`, `2025 年` …), optionally a 合计/总计 column
//!   and a 备注 column (ignored). A 序号 column is ignored. One row per region, optionally a 合计 row
//!   (region cell 合计/总计, or 合计 in a cell left of it, as a merged 序号+区划 cell reads). The header
//!   may span two rows (区划 and 合计 merged down, the years below a merged "年度任务" cell). **A blank
//!   year cell means 0**; any other cell must be a count (`35`, `35个`, `３５`, `35.0` …) — a dash
//!   or "无" is reported, not read as 0.
//! - **long** ([`TargetLayout::Long`]): columns 区划 (or its synonyms), 年份/年度, 任务数 (or 改造任务,
//!   小区数, 数量) and optionally 户数; one row per region and year. Here a blank count is
//!   [`IssueKind::Required`]. 合计 rows: region cell 合计 with a year (the year's total), year cell 合计
//!   with a region (the region's total), both 合计 (or the year blank) for the grand total.
//!
//! The reader checks the totals itself: a 合计 cell that disagrees with the sum of the cells it totals
//! is [`IssueKind::TotalsMismatch`] at the 合计 cell's row and column (skipped where a cell it sums is
//! already reported bad). A region or a (region, year) given twice is [`IssueKind::DuplicateTarget`]
//! naming the first row; a year column given twice is reported on the header row. 小计 rows and
//! footer notes (注：, 填表人：…) are skipped.
//!
//! Memory is bounded: rows are streamed, at most [`MAX_YEARS`] year columns, [`MAX_REGIONS`] regions,
//! [`MAX_ENTRIES`] entries and [`MAX_ISSUES`] issues are kept (one issue says what was left out).
//!
//! [`write_targets_xlsx`] writes the wide layout; reading it back gives the same table.

use std::collections::HashMap;
use std::path::Path;

use rust_xlsxwriter::{Format as XFormat, FormatAlign, FormatBorder, Workbook};

use crate::header::{Synonyms, TotalsKind, canon_header, footer_label, totals_label};
use crate::normalize::{self, is_space};
use crate::source::{self, Cells, Raw, Sink};
use crate::{FileError, Format, Issue, IssueKind, ReadOptions};

/// Most year columns read (a plan period has five; beyond this the rest are reported and ignored).
pub const MAX_YEARS: usize = 100;
/// Most regions read.
pub const MAX_REGIONS: usize = 10_000;
/// Most (region, year) entries kept.
pub const MAX_ENTRIES: usize = 200_000;
/// Most issues kept; one more says how many were left out.
pub const MAX_ISSUES: usize = 10_000;
/// Most 合计 rows of the long layout checked (one per region and year, and the grand total).
const MAX_TOTALS_ROWS: usize = MAX_REGIONS + MAX_YEARS + 1;
/// The header row is looked for among this many non-empty rows.
const HEADER_SEARCH_ROWS: u32 = 30;

/// Which layout the table has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetLayout {
    /// One row per region, one column per year.
    Wide,
    /// One row per region and year.
    Long,
}

/// One region's target for one year.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TargetEntry {
    /// As written, trimmed.
    pub region: String,
    pub year: i32,
    /// Number of estates.
    pub count: i64,
    /// Households, when the table gives them (long layout with a 户数 column).
    pub households: Option<i64>,
    /// Spreadsheet row (1-based, as Excel shows it).
    pub row: u32,
    /// The header of the count cell as written (trimmed).
    pub column: String,
}

/// A target table as read.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TargetSheet {
    pub layout: TargetLayout,
    /// Worksheet name ("" for csv).
    pub sheet: String,
    /// The header row (the lower one of a two-row header).
    pub header_row: u32,
    /// The first title line above the header, trimmed.
    pub title: Option<String>,
    /// The unit line above the header ("单位：个"), trimmed.
    pub unit: Option<String>,
    /// In column order (wide) or order of first appearance (long).
    pub years: Vec<i32>,
    /// In row order, without 合计 rows.
    pub regions: Vec<String>,
    pub entries: Vec<TargetEntry>,
    /// The grand total as written in the file (合计 row × 合计 column; in the long layout the row
    /// with 合计 for region and year). `None` when the file states none.
    pub grand_total: Option<i64>,
    /// Every problem, in row order. While any stands, the table should not be used.
    pub issues: Vec<Issue>,
}

impl TargetSheet {
    /// The count of a region in a year, if the table has it.
    pub fn count(&self, region: &str, year: i32) -> Option<i64> {
        self.entries.iter().find(|e| e.region == region && e.year == year).map(|e| e.count)
    }

    /// Sum of all entries.
    pub fn total(&self) -> i64 {
        self.entries.iter().map(|e| e.count).fold(0i64, i64::saturating_add)
    }
}

// ---------------------------------------------------------------- header

const REGION_SYNONYMS: &[&str] = &[
    "区划",
    "县（区）",
    "县区",
    "地区",
    "单位",
    "名称",
    "县（市、区）",
    "县（市区）",
    "县市区",
    "县（区、市）",
    "市（县、区）",
    "县（市）",
    "区（县）",
    "区县",
    "市县",
    "市县区",
    "行政区划",
    "区划名称",
    "地区名称",
    "单位名称",
    "县区名称",
    "区县名称",
    "区域",
    "region",
];
const YEAR_SYNONYMS: &[&str] = &["年份", "年度", "计划年度", "任务年度", "实施年度", "改造年度", "year"];
const COUNT_SYNONYMS: &[&str] = &[
    "任务数",
    "改造任务",
    "小区数",
    "数量",
    "改造任务数",
    "任务数量",
    "年度任务",
    "年度任务数",
    "小区个数",
    "改造小区数",
    "改造小区个数",
    "count",
];
const HOUSEHOLD_SYNONYMS: &[&str] = &["户数", "改造户数", "涉及户数", "居民户数", "住户数", "households"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Region,
    Year,
    Count,
    Households,
}

fn synonyms() -> Synonyms<Key> {
    Synonyms::new(
        REGION_SYNONYMS
            .iter()
            .map(|s| (*s, Key::Region))
            .chain(YEAR_SYNONYMS.iter().map(|s| (*s, Key::Year)))
            .chain(COUNT_SYNONYMS.iter().map(|s| (*s, Key::Count)))
            .chain(HOUSEHOLD_SYNONYMS.iter().map(|s| (*s, Key::Households))),
    )
}

/// A year column header: `2022年`, `2023年度`, `2024`, `2025 年`, `２０２２年`, `2022年任务`,
/// `2022年（个）`, or a number cell 2022.
pub fn year_header(text: &str) -> Option<i32> {
    let c = canon_header(text);
    let mut t = c.as_str();
    if t.ends_with(')')
        && let Some(open) = t.rfind('(')
        && open > 0
    {
        t = &t[..open];
    }
    for suf in ["年度任务数", "年度任务", "年任务数", "年任务", "年度", "年"] {
        if let Some(r) = t.strip_suffix(suf) {
            t = r;
            break;
        }
    }
    // "2024.0" from a csv export of a number cell
    let t = t.strip_suffix(".0").unwrap_or(t);
    if t.len() != 4 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i32 = t.parse().ok()?;
    (1900..=2099).contains(&y).then_some(y)
}

fn header_year(cell: &HCell) -> Option<i32> {
    match cell.number {
        Some(v) => normalize::year_from_f64(v).ok(),
        None => year_header(&cell.text),
    }
}

/// One header cell: its text as written (trimmed), and the number if it is a number cell.
#[derive(Clone, Debug, Default)]
struct HCell {
    text: String,
    number: Option<f64>,
}

fn hcells<C: Cells + ?Sized>(cells: &C) -> Vec<HCell> {
    let width = (0..cells.len()).rposition(|i| !cells.get(i).is_blank()).map_or(0, |p| p + 1);
    (0..width)
        .map(|i| {
            let r = cells.get(i);
            let number = if let Raw::Number(v) = r { Some(v) } else { None };
            HCell { text: r.text().trim_matches(is_space).to_string(), number }
        })
        .collect()
}

/// What a row offers as a header.
#[derive(Default)]
struct Scan {
    region: Option<usize>,
    years: Vec<(usize, i32)>,
    total: Option<usize>,
    year_col: Option<usize>,
    count: Option<usize>,
    households: Option<usize>,
    nonblank: usize,
}

fn scan(syn: &Synonyms<Key>, cells: &[HCell]) -> Scan {
    let mut s = Scan::default();
    for (i, c) in cells.iter().enumerate() {
        if c.text.is_empty() {
            continue;
        }
        s.nonblank += 1;
        if let Some(y) = header_year(c) {
            s.years.push((i, y));
            continue;
        }
        if c.number.is_some() {
            continue;
        }
        if totals_label(&c.text) == Some(TotalsKind::Grand) {
            s.total.get_or_insert(i);
            continue;
        }
        let slot = match syn.lookup(&c.text) {
            Some(Key::Region) => &mut s.region,
            Some(Key::Year) => &mut s.year_col,
            Some(Key::Count) => &mut s.count,
            Some(Key::Households) => &mut s.households,
            None => continue,
        };
        slot.get_or_insert(i);
    }
    s
}

fn missing_years(header_row: u32) -> FileError {
    FileError::MissingColumn {
        header_row,
        column: "2022年、2023年…（每年一列）".into(),
        synonyms: vec!["年份 + 任务数（每行一个区划一个年份）".into()],
    }
}

fn missing_region(header_row: u32) -> FileError {
    FileError::MissingColumn {
        header_row,
        column: REGION_SYNONYMS[0].into(),
        synonyms: REGION_SYNONYMS[1..6].iter().map(|s| s.to_string()).collect(),
    }
}

fn missing_count(header_row: u32) -> FileError {
    FileError::MissingColumn {
        header_row,
        column: COUNT_SYNONYMS[0].into(),
        synonyms: COUNT_SYNONYMS[1..4].iter().map(|s| s.to_string()).collect(),
    }
}

/// A unit line: "单位：个", "计量单位：个".
fn is_unit_line(s: &str) -> bool {
    let c = canon_header(s);
    c.starts_with("单位:") || c.starts_with("计量单位:")
}

// ---------------------------------------------------------------- values

/// A count cell. `blank_zero`: a blank cell is 0 (wide layout) instead of [`IssueKind::Required`].
fn count_of(raw: &Raw<'_>, blank_zero: bool) -> Result<i64, IssueKind> {
    if raw.is_blank() {
        return if blank_zero { Ok(0) } else { Err(IssueKind::Required) };
    }
    match raw {
        Raw::Number(v) => normalize::integer_from_f64(*v),
        Raw::Text(s) => normalize::integer(s),
        Raw::Error(_) => Err(IssueKind::CellError),
        Raw::Empty | Raw::Date(_) | Raw::Bool(_) => Err(IssueKind::NotANumber),
    }
}

/// A year cell of the long layout.
fn year_of(raw: &Raw<'_>) -> Result<i32, IssueKind> {
    match raw {
        Raw::Number(v) => normalize::year_from_f64(*v),
        Raw::Date(v) => normalize::year_from_excel_serial(*v).ok_or(IssueKind::BadYear),
        Raw::Error(_) => Err(IssueKind::CellError),
        Raw::Bool(_) => Err(IssueKind::BadYear),
        Raw::Empty => Err(IssueKind::Required),
        Raw::Text(s) => {
            if let Some(y) = year_header(s) {
                return Ok(y);
            }
            let ys = normalize::years(s)?;
            match ys.as_slice() {
                [y] => Ok(*y),
                [] => Err(IssueKind::BadYear),
                _ => Err(IssueKind::MultipleYears),
            }
        }
    }
}

fn raw_text(raw: &Raw<'_>) -> String {
    raw.text().trim_matches(is_space).to_string()
}

fn other(zh: String, en: String) -> IssueKind {
    IssueKind::Other { zh, en }
}

fn clamp(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

// ---------------------------------------------------------------- the reader

struct YearCol {
    index: usize,
    year: i32,
    header: String,
    sum: i128,
    bad: bool,
}

struct Wide {
    region: usize,
    region_header: String,
    years: Vec<YearCol>,
    total: Option<(usize, String)>,
    /// The 合计 row: its row, per year column the value, the grand total.
    totals: Option<(u32, Vec<Option<Found>>, Option<Found>)>,
}

struct Long {
    region: usize,
    year: usize,
    count: usize,
    households: Option<usize>,
    region_header: String,
    year_header: String,
    count_header: String,
    households_header: String,
    first_row: HashMap<(String, i32), u32>,
    region_sums: HashMap<String, (i128, i128)>,
    year_sums: HashMap<i32, (i128, i128)>,
    sum: (i128, i128),
    bad_regions: std::collections::HashSet<String>,
    bad_years: std::collections::HashSet<i32>,
    /// A bad row whose region / year is unknown: no region / year totals can be checked.
    any_region_bad: bool,
    any_year_bad: bool,
    any_bad: bool,
    totals: Vec<LongTotal>,
    totals_capped: bool,
}

/// A 合计 row of the long layout: row, region (`None` for a year's or the grand total), year (`None`
/// for a region's or the grand total), count, households.
type LongTotal = (u32, Option<String>, Option<i32>, Option<Found>, Option<Found>);

/// A 合计 cell: its count and its text as written.
type Found = (i64, String);

enum Layout {
    Wide(Wide),
    Long(Box<Long>),
}

struct TargetSink {
    syn: Synonyms<Key>,
    nonempty_seen: u32,
    /// A row with a region header but no years: perhaps the upper row of a two-row header.
    pending: Option<(u32, Vec<HCell>)>,
    /// The first such row that was not followed by the years.
    failed_pending: Option<u32>,
    layout: Option<Layout>,
    header_row: u32,
    title: Option<String>,
    unit: Option<String>,
    years: Vec<i32>,
    regions: Vec<String>,
    region_rows: HashMap<String, u32>,
    entries: Vec<TargetEntry>,
    grand_total: Option<i64>,
    issues: Vec<Issue>,
    dropped_issues: u64,
    regions_capped: bool,
    years_capped: bool,
    entries_capped: bool,
}

impl TargetSink {
    fn new() -> Self {
        TargetSink {
            syn: synonyms(),
            nonempty_seen: 0,
            pending: None,
            failed_pending: None,
            layout: None,
            header_row: 0,
            title: None,
            unit: None,
            years: Vec::new(),
            regions: Vec::new(),
            region_rows: HashMap::new(),
            entries: Vec::new(),
            grand_total: None,
            issues: Vec::new(),
            dropped_issues: 0,
            regions_capped: false,
            years_capped: false,
            entries_capped: false,
        }
    }

    fn issue(&mut self, row: u32, column: &str, value: String, kind: IssueKind) {
        if self.issues.len() >= MAX_ISSUES {
            self.dropped_issues += 1;
            return;
        }
        self.issues.push(Issue { row, column: column.to_string(), value, kind });
    }

    fn mismatch(&mut self, row: u32, column: &str, expected: i128, (found, value): &Found) {
        let (expected, found) = (clamp(expected), *found);
        if expected != found {
            self.issue(row, column, value.clone(), IssueKind::TotalsMismatch { expected, found, decimals: 0 });
        }
    }

    // ------------------------------------------------ before the header

    fn before_header(&mut self, row: u32, cells: Vec<HCell>) -> Result<(), FileError> {
        self.nonempty_seen += 1;
        if let Some((prow, upper)) = self.pending.take() {
            // two-row header: the lower row's cell where it has one, else the upper row's
            let n = upper.len().max(cells.len());
            let merged: Vec<HCell> = (0..n)
                .map(|i| match cells.get(i) {
                    Some(c) if !c.text.is_empty() => c.clone(),
                    _ => upper.get(i).cloned().unwrap_or_default(),
                })
                .collect();
            let s = scan(&self.syn, &merged);
            if s.region.is_some() && (!s.years.is_empty() || (s.year_col.is_some() && s.count.is_some())) {
                return self.set_header(row, &merged, s);
            }
            // not the upper row of a header after all; reported if no header follows
            self.failed_pending.get_or_insert(prow);
        }
        let s = scan(&self.syn, &cells);
        let wide = !s.years.is_empty();
        let long = s.year_col.is_some() && s.count.is_some();
        match s.region {
            Some(_) if wide || long => return self.set_header(row, &cells, s),
            Some(_) if s.year_col.is_some() => return Err(missing_count(row)),
            Some(_) if s.nonblank >= 2 => {
                self.pending = Some((row, cells));
                return Ok(());
            }
            None if s.years.len() >= 2 || (wide && s.total.is_some()) || long => return Err(missing_region(row)),
            _ => {}
        }
        // a title or unit line
        for c in cells.iter().filter(|c| !c.text.is_empty()) {
            if is_unit_line(&c.text) {
                if self.unit.is_none() {
                    self.unit = normalize::text(&c.text);
                }
            } else if self.title.is_none() {
                self.title = normalize::text(&c.text);
            }
        }
        if self.nonempty_seen >= HEADER_SEARCH_ROWS {
            return Err(self.no_header());
        }
        Ok(())
    }

    /// No header: a row with a region column but no years is the likeliest header, else none was found.
    fn no_header(&self) -> FileError {
        match self.failed_pending.or(self.pending.as_ref().map(|p| p.0)) {
            Some(row) => missing_years(row),
            None => FileError::NoTargetHeader { searched_rows: self.nonempty_seen },
        }
    }

    fn set_header(&mut self, row: u32, cells: &[HCell], s: Scan) -> Result<(), FileError> {
        self.header_row = row;
        let text = |i: usize| cells.get(i).map(|c| c.text.clone()).unwrap_or_default();
        let region = s.region.unwrap_or(0);
        if s.years.is_empty() {
            let (year, count) = (s.year_col.unwrap_or(0), s.count.unwrap_or(0));
            self.layout = Some(Layout::Long(Box::new(Long {
                region,
                year,
                count,
                households: s.households,
                region_header: text(region),
                year_header: text(year),
                count_header: text(count),
                households_header: s.households.map(text).unwrap_or_default(),
                first_row: HashMap::new(),
                region_sums: HashMap::new(),
                year_sums: HashMap::new(),
                sum: (0, 0),
                bad_regions: Default::default(),
                bad_years: Default::default(),
                any_region_bad: false,
                any_year_bad: false,
                any_bad: false,
                totals: Vec::new(),
                totals_capped: false,
            })));
            return Ok(());
        }
        let mut years: Vec<YearCol> = Vec::new();
        for (index, year) in s.years {
            let header = text(index);
            if let Some(first) = years.iter().find(|y| y.year == year) {
                let (a, b) = (first.index + 1, index + 1);
                self.issue(
                    row,
                    &header,
                    header.clone(),
                    other(
                        format!("{year}年的列重复：第{a}列和第{b}列都是{year}年，只读取了第{a}列，请删除或合并重复的列"),
                        format!(
                            "the year {year} has two columns (column {a} and column {b}); only column {a} was read, delete or merge the repeated one"
                        ),
                    ),
                );
                continue;
            }
            if years.len() >= MAX_YEARS {
                self.issue(
                    row,
                    &header,
                    header.clone(),
                    other(
                        format!("年份列超过 {MAX_YEARS} 个，其后的列未读取，请检查表头"),
                        format!("more than {MAX_YEARS} year columns; the rest were not read, check the header"),
                    ),
                );
                break;
            }
            self.years.push(year);
            years.push(YearCol { index, year, header, sum: 0, bad: false });
        }
        self.layout = Some(Layout::Wide(Wide {
            region,
            region_header: text(region),
            years,
            total: s.total.map(|i| (i, text(i))),
            totals: None,
        }));
        Ok(())
    }

    // ------------------------------------------------ data rows

    /// The row's totals label: the region cell, or, when blank, a cell left of it (merged 序号+区划).
    fn row_label<C: Cells + ?Sized>(cells: &C, region: usize) -> (Option<String>, Option<TotalsKind>) {
        let r = cells.get(region);
        let text = normalize::text(&r.text());
        if let Some(t) = &text {
            return (text.clone(), totals_label(t));
        }
        let left = (0..region.min(cells.len())).find_map(|i| {
            let c = cells.get(i);
            let t = c.text();
            totals_label(&t)
        });
        (None, left)
    }

    fn first_text<C: Cells + ?Sized>(cells: &C) -> Option<String> {
        (0..cells.len()).map(|i| cells.get(i)).find(|c| !c.is_blank()).map(|c| raw_text(&c))
    }

    fn add_region(&mut self, row: u32, region: &str, column: &str, entries: usize) -> bool {
        if let Some(&first_row) = self.region_rows.get(region) {
            self.issue(row, column, region.to_string(), IssueKind::DuplicateTarget { first_row });
            return false;
        }
        if self.regions.len() >= MAX_REGIONS {
            if !self.regions_capped {
                self.regions_capped = true;
                self.issue(
                    row,
                    column,
                    region.to_string(),
                    other(
                        format!("区划超过 {MAX_REGIONS} 个，自本行起未读取，请拆分文件"),
                        format!("more than {MAX_REGIONS} regions; from this row on nothing was read, split the file"),
                    ),
                );
            }
            return false;
        }
        if !self.room_for(row, column, region, entries) {
            return false;
        }
        self.region_rows.insert(region.to_string(), row);
        self.regions.push(region.to_string());
        true
    }

    fn room_for(&mut self, row: u32, column: &str, value: &str, n: usize) -> bool {
        if self.entries.len() + n <= MAX_ENTRIES {
            return true;
        }
        if !self.entries_capped {
            self.entries_capped = true;
            self.issue(
                row,
                column,
                value.to_string(),
                other(
                    format!("任务条目超过 {MAX_ENTRIES} 条，自本行起未读取，请拆分文件"),
                    format!("more than {MAX_ENTRIES} entries; from this row on nothing was read, split the file"),
                ),
            );
        }
        false
    }

    fn wide_row<C: Cells + ?Sized>(&mut self, w: &mut Wide, row: u32, cells: &C) {
        let (label, kind) = Self::row_label(cells, w.region);
        let value_cols =
            w.years.iter().map(|y| y.index).chain(w.total.as_ref().map(|t| t.0)).any(|i| !cells.get(i).is_blank());
        match kind {
            Some(TotalsKind::Sub) => return,
            Some(TotalsKind::Grand) => return self.wide_totals(w, row, cells, label.unwrap_or_default()),
            None => {}
        }
        if Self::first_text(cells).is_some_and(|t| footer_label(&t)) && (label.is_none() || !value_cols) {
            return;
        }
        let Some(region) = label else {
            if value_cols {
                self.issue(row, &w.region_header, String::new(), IssueKind::Required);
            }
            return;
        };
        if !self.add_region(row, &region, &w.region_header, w.years.len()) {
            return;
        }
        let mut row_sum: i128 = 0;
        let mut row_bad = false;
        for y in &mut w.years {
            let raw = cells.get(y.index);
            match count_of(&raw, true) {
                Ok(count) => {
                    row_sum += count as i128;
                    y.sum += count as i128;
                    self.entries.push(TargetEntry {
                        region: region.clone(),
                        year: y.year,
                        count,
                        households: None,
                        row,
                        column: y.header.clone(),
                    });
                }
                Err(kind) => {
                    y.bad = true;
                    row_bad = true;
                    let (h, v) = (y.header.clone(), raw_text(&raw));
                    self.issue(row, &h, v, kind);
                }
            }
        }
        if let Some((i, header)) = &w.total {
            let raw = cells.get(*i);
            if raw.is_blank() {
                return;
            }
            match count_of(&raw, false) {
                Ok(found) if !row_bad => self.mismatch(row, header, row_sum, &(found, raw_text(&raw))),
                Ok(_) => {}
                Err(kind) => self.issue(row, header, raw_text(&raw), kind),
            }
        }
    }

    fn wide_totals<C: Cells + ?Sized>(&mut self, w: &mut Wide, row: u32, cells: &C, label: String) {
        if let Some((first_row, ..)) = &w.totals {
            let first_row = *first_row;
            let label = if label.is_empty() { "合计".to_string() } else { label };
            self.issue(row, &w.region_header, label, IssueKind::DuplicateTarget { first_row });
            return;
        }
        let mut values = Vec::with_capacity(w.years.len());
        for y in &w.years {
            let raw = cells.get(y.index);
            if raw.is_blank() {
                values.push(None);
                continue;
            }
            match count_of(&raw, false) {
                Ok(v) => values.push(Some((v, raw_text(&raw)))),
                Err(kind) => {
                    values.push(None);
                    let (h, v) = (y.header.clone(), raw_text(&raw));
                    self.issue(row, &h, v, kind);
                }
            }
        }
        let mut grand = None;
        if let Some((i, header)) = &w.total {
            let raw = cells.get(*i);
            if !raw.is_blank() {
                match count_of(&raw, false) {
                    Ok(v) => grand = Some((v, raw_text(&raw))),
                    Err(kind) => {
                        let (h, v) = (header.clone(), raw_text(&raw));
                        self.issue(row, &h, v, kind);
                    }
                }
            }
        }
        w.totals = Some((row, values, grand));
    }

    fn wide_finish(&mut self, w: Wide) {
        let Some((row, values, grand)) = w.totals else { return };
        for (y, v) in w.years.iter().zip(&values) {
            if let Some(found) = v
                && !y.bad
            {
                self.mismatch(row, &y.header, y.sum, found);
            }
        }
        self.grand_total = grand.as_ref().map(|g| g.0);
        if let (Some(found), Some((_, header))) = (&grand, &w.total)
            && !w.years.iter().any(|y| y.bad)
        {
            let all: i128 = w.years.iter().map(|y| y.sum).sum();
            self.mismatch(row, header, all, found);
        }
    }

    fn long_row<C: Cells + ?Sized>(&mut self, l: &mut Long, row: u32, cells: &C) {
        let used = [Some(l.region), Some(l.year), Some(l.count), l.households];
        if used.iter().flatten().all(|&i| cells.get(i).is_blank()) {
            return;
        }
        let (label, rkind) = Self::row_label(cells, l.region);
        if Self::first_text(cells).is_some_and(|t| footer_label(&t)) && rkind.is_none() && label.is_none() {
            return;
        }
        if rkind == Some(TotalsKind::Sub) {
            return;
        }
        let region_total = rkind == Some(TotalsKind::Grand);
        let yraw = cells.get(l.year);
        let ytext = raw_text(&yraw);
        let ykind = totals_label(&ytext);
        if ykind == Some(TotalsKind::Sub) {
            return;
        }
        let year_total = ykind == Some(TotalsKind::Grand) || (region_total && yraw.is_blank());
        let mut bad = false;
        let year = if year_total {
            None
        } else {
            match year_of(&yraw) {
                Ok(y) => Some(y),
                Err(kind) => {
                    bad = true;
                    let h = l.year_header.clone();
                    self.issue(row, &h, ytext.clone(), kind);
                    None
                }
            }
        };
        let region = if region_total { None } else { label };
        if region.is_none() && !region_total {
            bad = true;
            let h = l.region_header.clone();
            self.issue(row, &h, String::new(), IssueKind::Required);
        }
        let is_totals = region_total || year_total;
        let craw = cells.get(l.count);
        let count = match count_of(&craw, false) {
            Ok(c) => Some((c, raw_text(&craw))),
            // a 合计 row may leave the count blank: nothing to check
            Err(IssueKind::Required) if is_totals => None,
            Err(kind) => {
                bad = true;
                let h = l.count_header.clone();
                self.issue(row, &h, raw_text(&craw), kind);
                None
            }
        };
        let households = match l.households.map(|i| cells.get(i)) {
            Some(h) if !h.is_blank() => match count_of(&h, false) {
                Ok(v) => Some((v, raw_text(&h))),
                Err(kind) => {
                    bad = true;
                    let hh = l.households_header.clone();
                    self.issue(row, &hh, raw_text(&h), kind);
                    None
                }
            },
            _ => None,
        };
        if is_totals {
            if bad {
                return;
            }
            if l.totals.len() >= MAX_TOTALS_ROWS {
                if !l.totals_capped {
                    l.totals_capped = true;
                    let h = l.region_header.clone();
                    self.issue(
                        row,
                        &h,
                        ytext,
                        other(
                            format!("合计行超过 {MAX_TOTALS_ROWS} 行，其后的合计行未核对，请检查表格"),
                            format!(
                                "more than {MAX_TOTALS_ROWS} totals rows; later ones were not checked, check the table"
                            ),
                        ),
                    );
                }
                return;
            }
            l.totals.push((row, region, year, count, households));
            return;
        }
        if bad {
            l.any_bad = true;
            match &region {
                Some(r) if l.bad_regions.len() < MAX_REGIONS => {
                    l.bad_regions.insert(r.clone());
                }
                _ => l.any_region_bad = true,
            }
            match year {
                Some(y) => {
                    l.bad_years.insert(y);
                }
                None => l.any_year_bad = true,
            }
            return;
        }
        let (Some(region), Some(year), Some((count, _))) = (region, year, count) else { return };
        if let Some(&first_row) = l.first_row.get(&(region.clone(), year)) {
            let h = l.region_header.clone();
            self.issue(row, &h, format!("{region} {year}"), IssueKind::DuplicateTarget { first_row });
            l.any_bad = true;
            if l.bad_regions.len() < MAX_REGIONS {
                l.bad_regions.insert(region);
            } else {
                l.any_region_bad = true;
            }
            l.bad_years.insert(year);
            return;
        }
        if !self.region_rows.contains_key(&region) {
            if self.regions.len() >= MAX_REGIONS {
                if !self.regions_capped {
                    self.regions_capped = true;
                    let h = l.region_header.clone();
                    self.issue(
                        row,
                        &h,
                        region.clone(),
                        other(
                            format!("区划超过 {MAX_REGIONS} 个，其后新出现的区划未读取，请拆分文件"),
                            format!(
                                "more than {MAX_REGIONS} regions; regions appearing later were not read, split the file"
                            ),
                        ),
                    );
                }
                l.any_bad = true;
                return;
            }
            self.region_rows.insert(region.clone(), row);
            self.regions.push(region.clone());
        }
        if !self.years.contains(&year) {
            if self.years.len() >= MAX_YEARS {
                if !self.years_capped {
                    self.years_capped = true;
                    let h = l.year_header.clone();
                    self.issue(
                        row,
                        &h,
                        year.to_string(),
                        other(
                            format!("年份超过 {MAX_YEARS} 个，其后新出现的年份未读取，请检查年份列"),
                            format!("more than {MAX_YEARS} years; years appearing later were not read, check the year column"),
                        ),
                    );
                }
                l.any_bad = true;
                return;
            }
            self.years.push(year);
        }
        let h = l.count_header.clone();
        if !self.room_for(row, &h, &region, 1) {
            l.any_bad = true;
            return;
        }
        l.first_row.insert((region.clone(), year), row);
        let households = households.map(|h| h.0);
        let hh = households.unwrap_or(0) as i128;
        let rs = l.region_sums.entry(region.clone()).or_default();
        rs.0 += count as i128;
        rs.1 += hh;
        let ys = l.year_sums.entry(year).or_default();
        ys.0 += count as i128;
        ys.1 += hh;
        l.sum.0 += count as i128;
        l.sum.1 += hh;
        self.entries.push(TargetEntry { region, year, count, households, row, column: h });
    }

    fn long_finish(&mut self, l: Long) {
        let mut grand_seen = false;
        for (row, region, year, count, households) in &l.totals {
            let (sums, checkable) = match (region, year) {
                (Some(r), None) => {
                    (l.region_sums.get(r).copied().unwrap_or_default(), !l.any_region_bad && !l.bad_regions.contains(r))
                }
                (None, Some(y)) => {
                    (l.year_sums.get(y).copied().unwrap_or_default(), !l.any_year_bad && !l.bad_years.contains(y))
                }
                _ => {
                    if !grand_seen {
                        grand_seen = true;
                        self.grand_total = count.as_ref().map(|c| c.0);
                    }
                    (l.sum, !l.any_bad)
                }
            };
            if !checkable {
                continue;
            }
            if let Some(found) = count {
                self.mismatch(*row, &l.count_header, sums.0, found);
            }
            if let Some(found) = households {
                self.mismatch(*row, &l.households_header, sums.1, found);
            }
        }
    }

    fn finish(mut self, sheet: String) -> Result<TargetSheet, FileError> {
        let layout = match self.layout.take() {
            Some(l) => l,
            None => return Err(self.no_header()),
        };
        let layout = match layout {
            Layout::Wide(w) => {
                self.wide_finish(w);
                TargetLayout::Wide
            }
            Layout::Long(l) => {
                self.long_finish(*l);
                TargetLayout::Long
            }
        };
        self.issues.sort_by_key(|i| i.row);
        if self.dropped_issues > 0 {
            let n = self.dropped_issues;
            let row = self.issues.last().map_or(0, |i| i.row);
            self.issues.push(Issue {
                row,
                column: String::new(),
                value: String::new(),
                kind: other(
                    format!("问题过多，另有 {n} 个问题未列出，请先改正以上问题后重新导入"),
                    format!("too many problems: {n} more are not listed; fix the ones above and import again"),
                ),
            });
        }
        Ok(TargetSheet {
            layout,
            sheet,
            header_row: self.header_row,
            title: self.title,
            unit: self.unit,
            years: self.years,
            regions: self.regions,
            entries: self.entries,
            grand_total: self.grand_total,
            issues: self.issues,
        })
    }
}

impl Sink for TargetSink {
    fn row<C: Cells + ?Sized>(&mut self, row: u32, cells: &C) -> Result<(), FileError> {
        if (0..cells.len()).all(|i| cells.get(i).is_blank()) {
            return Ok(());
        }
        match self.layout.take() {
            None => self.before_header(row, hcells(cells)),
            Some(Layout::Wide(mut w)) => {
                self.wide_row(&mut w, row, cells);
                self.layout = Some(Layout::Wide(w));
                Ok(())
            }
            Some(Layout::Long(mut l)) => {
                self.long_row(&mut l, row, cells);
                self.layout = Some(Layout::Long(l));
                Ok(())
            }
        }
    }

    fn blank_rows(&mut self, _first: u32, _last: u32) -> Result<(), FileError> {
        Ok(())
    }
}

fn is_header_cell(syn: &Synonyms<Key>, s: &str) -> bool {
    syn.lookup(s).is_some() || year_header(s).is_some()
}

/// Reads a target table from a file (xlsx, xls or csv in any encoding the crate reads). See the
/// module doc for the layouts. No header row among the first 30 non-empty rows is
/// [`FileError::NoTargetHeader`]; a header with a region column but no year columns (or years but no
/// region column) is [`FileError::MissingColumn`] on that row.
pub fn read_targets(path: &Path, opts: &ReadOptions) -> Result<TargetSheet, FileError> {
    let syn = synonyms();
    let is_header = move |s: &str| is_header_cell(&syn, s);
    let mut sink = TargetSink::new();
    let sheet = source::stream_path(path, opts, &is_header, &mut sink)?;
    sink.finish(sheet)
}

/// As [`read_targets`], from bytes in memory.
pub fn read_targets_bytes(data: &[u8], format: Format, opts: &ReadOptions) -> Result<TargetSheet, FileError> {
    let syn = synonyms();
    let is_header = move |s: &str| is_header_cell(&syn, s);
    let mut sink = TargetSink::new();
    let sheet = source::stream_bytes(data, format, opts, &is_header, &mut sink)?;
    sink.finish(sheet)
}

// ---------------------------------------------------------------- the writer

/// A target table to write in the wide layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetTableOut {
    /// e.g. "“十四五”期间各县（区）需改造城镇老旧小区年度任务细化分解表".
    pub title: String,
    /// e.g. "单位：个".
    pub unit: String,
    pub years: Vec<i32>,
    /// Region and one count per year (in `years` order).
    pub rows: Vec<(String, Vec<i64>)>,
}

fn werr(e: impl std::fmt::Display) -> FileError {
    FileError::Write(e.to_string())
}

/// Largest sum written (Excel's doubles hold integers exactly up to 2^53).
const MAX_EXACT: i128 = 1 << 53;

fn check_out(t: &TargetTableOut) -> Result<(), FileError> {
    if t.years.is_empty() || t.years.len() > MAX_YEARS {
        return Err(FileError::Write(format!("1 to {MAX_YEARS} years are needed / 需要 1 至 {MAX_YEARS} 个年份")));
    }
    for (i, y) in t.years.iter().enumerate() {
        if !(1900..=2099).contains(y) || t.years[..i].contains(y) {
            return Err(FileError::Write(format!("year {y} is out of range or repeated / 年份 {y} 超出范围或重复")));
        }
    }
    if t.rows.len() > MAX_REGIONS {
        return Err(FileError::Write(format!("more than {MAX_REGIONS} regions / 区划超过 {MAX_REGIONS} 个")));
    }
    let mut seen = std::collections::HashSet::new();
    let mut all: i128 = 0;
    for (region, counts) in &t.rows {
        let r = region.trim_matches(is_space);
        if r.is_empty() || totals_label(r).is_some() || footer_label(r) || !seen.insert(r) {
            return Err(FileError::Write(format!(
                "region \"{region}\" is blank, a totals label, a note or repeated / 区划“{region}”为空、为合计、为备注或重复"
            )));
        }
        if counts.len() != t.years.len() {
            return Err(FileError::Write(format!(
                "region \"{region}\" has {} counts for {} years / 区划“{region}”的任务数个数与年份数不符",
                counts.len(),
                t.years.len()
            )));
        }
        if counts.iter().any(|c| *c < 0) {
            return Err(FileError::Write(format!("region \"{region}\" has a negative count / 区划“{region}”有负数")));
        }
        all += counts.iter().map(|c| *c as i128).sum::<i128>();
        if all >= MAX_EXACT {
            return Err(FileError::Write("counts too large / 任务数过大".into()));
        }
    }
    Ok(())
}

/// Display width: CJK and other wide characters count two.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if (c as u32) < 0x1100 { 1 } else { 2 }).sum()
}

/// Writes the wide layout: the title merged across the table, the unit line, the header row
/// (`区划`, `2022年`, …, `合计`), one row per region with its 合计, and a 合计 row. Totals are
/// written as numbers (not formulas), so any reader sees them.
pub fn write_targets_xlsx(path: &Path, t: &TargetTableOut) -> Result<(), FileError> {
    check_out(t)?;
    let ncols = t.years.len() + 2;
    let last = (ncols - 1) as u16;
    let mut wb = Workbook::new();
    let title_f = XFormat::new().set_bold().set_font_size(16).set_align(FormatAlign::Center);
    let unit_f = XFormat::new().set_align(FormatAlign::Right);
    let head_f = XFormat::new().set_bold().set_align(FormatAlign::Center).set_border(FormatBorder::Thin);
    let text_f = XFormat::new().set_border(FormatBorder::Thin);
    let num_f = XFormat::new().set_num_format("0").set_border(FormatBorder::Thin);
    let total_text_f = XFormat::new().set_bold().set_align(FormatAlign::Center).set_border(FormatBorder::Thin);
    let total_num_f = XFormat::new().set_bold().set_num_format("0").set_border(FormatBorder::Thin);
    let ws = wb.add_worksheet();
    ws.set_name("任务分解").map_err(werr)?;
    ws.merge_range(0, 0, 0, last, &t.title, &title_f).map_err(werr)?;
    ws.merge_range(1, 0, 1, last, &t.unit, &unit_f).map_err(werr)?;
    ws.write_string_with_format(2, 0, "区划", &head_f).map_err(werr)?;
    for (j, y) in t.years.iter().enumerate() {
        ws.write_string_with_format(2, (j + 1) as u16, format!("{y}年"), &head_f).map_err(werr)?;
    }
    ws.write_string_with_format(2, last, "合计", &head_f).map_err(werr)?;
    let mut col_sums = vec![0i64; t.years.len()];
    let mut width = 8;
    for (i, (region, counts)) in t.rows.iter().enumerate() {
        let r = (i + 3) as u32;
        let region = region.trim_matches(is_space);
        width = width.max(display_width(region) + 2);
        ws.write_string_with_format(r, 0, region, &text_f).map_err(werr)?;
        for (j, c) in counts.iter().enumerate() {
            col_sums[j] += c;
            ws.write_number_with_format(r, (j + 1) as u16, *c as f64, &num_f).map_err(werr)?;
        }
        ws.write_number_with_format(r, last, counts.iter().sum::<i64>() as f64, &num_f).map_err(werr)?;
    }
    let r = (t.rows.len() + 3) as u32;
    ws.write_string_with_format(r, 0, "合计", &total_text_f).map_err(werr)?;
    for (j, s) in col_sums.iter().enumerate() {
        ws.write_number_with_format(r, (j + 1) as u16, *s as f64, &total_num_f).map_err(werr)?;
    }
    ws.write_number_with_format(r, last, col_sums.iter().sum::<i64>() as f64, &total_num_f).map_err(werr)?;
    ws.set_column_width(0, width.min(40) as f64).map_err(werr)?;
    for j in 1..ncols {
        ws.set_column_width(j as u16, 10).map_err(werr)?;
    }
    ws.set_freeze_panes(3, 1).map_err(werr)?;
    wb.save(path).map_err(werr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_headers() {
        for (s, y) in [
            ("2022年", 2022),
            ("2023年度", 2023),
            ("2024", 2024),
            ("2025 年", 2025),
            ("２０２２年", 2022),
            ("2022年（个）", 2022),
            ("2023年度任务", 2023),
            ("2024.0", 2024),
        ] {
            assert_eq!(year_header(s), Some(y), "{s}");
        }
        for s in ["年份", "2022年城镇老旧小区改造计划", "1800年", "合计", "20222", "区划"] {
            assert_eq!(year_header(s), None, "{s}");
        }
    }

    #[test]
    fn counts() {
        for (s, v) in [("35", 35), ("35个", 35), ("35 个", 35), (" 35", 35), ("３５", 35)] {
            assert_eq!(count_of(&Raw::Text(s.into()), false), Ok(v), "{s}");
        }
        assert_eq!(count_of(&Raw::Number(35.0), false), Ok(35));
        assert_eq!(count_of(&Raw::Empty, true), Ok(0));
        assert_eq!(count_of(&Raw::Text("  ".into()), true), Ok(0));
        assert_eq!(count_of(&Raw::Empty, false), Err(IssueKind::Required));
        assert_eq!(count_of(&Raw::Text("-".into()), true), Err(IssueKind::NotANumber));
        assert_eq!(count_of(&Raw::Text("3.5".into()), true), Err(IssueKind::NotAnInteger));
        assert_eq!(count_of(&Raw::Error("#REF!"), true), Err(IssueKind::CellError));
    }

    #[test]
    fn unit_lines() {
        assert!(is_unit_line("单位：个"));
        assert!(is_unit_line("单位: 个"));
        assert!(is_unit_line("计量单位：个"));
        assert!(!is_unit_line("单位"));
        assert!(!is_unit_line("填报单位：某某局"));
    }
}
