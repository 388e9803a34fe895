//! # jiugai-sheet — the spreadsheets offices keep
//!
//! Reads estate ledgers and other tables from `.xlsx`, `.xls` and `.csv` (UTF-8 with or without BOM,
//! GBK/GB18030, UTF-16 with BOM), finds the header row below title rows, maps columns by header text
//! with synonyms, normalises values as people type them, and reports every problem with the row
//! number as the spreadsheet shows it, the column header as written, the raw value and a message in
//! Chinese (default) or English. It also writes `.xlsx`/`.csv` exports and the rejected-rows file.
//!
//! Invariants:
//! - **No database, no network, no regions**: this crate knows files and values only. Region codes
//!   are checked for shape (6, 9 or 12 digits), never against the division tree.
//! - **Never panics on input**: every byte sequence gives `Ok` or a [`FileError`]; every cell gives a
//!   value or an [`Issue`] (fuzzed by `fuzz/fuzz_targets/read_estates.rs`).
//! - **Bounded memory on hostile `.xls`**: the compound-file structure and the worksheets' extents are
//!   checked (`cfb_check`) before calamine sees the bytes, so a small file can't make it allocate without
//!   bound (`tests/xls_alloc_bound.rs` holds every single allocation under 48 MiB for mutated files).
//! - **Streams**: xlsx is read with calamine's cell reader and csv record by record (GBK decoded on the
//!   fly), so memory stays flat however many rows the file holds. Only `.xls` (≤ 65,536 rows) is read
//!   as a whole sheet.
//! - **Exact numbers**: counts are `i64`, areas are integer 0.01 m² (`dm2`), coordinates micro-degrees.
//! - Row numbers are 1-based as Excel/WPS show them (title rows and blank rows counted).
//!
//! Two smaller tables beside the ledgers: [`targets`] reads the target breakdown table
//! (年度任务细化分解表, estates to renovate per region per year) in its wide layout (a column per
//! year) or long layout (a row per region and year), checks its 合计 row and column against the
//! cells, and writes the wide layout back ([`targets::write_targets_xlsx`]); [`plan_sheet`] writes the
//! approved annual plan (年度计划) as an office's xlsx — title, unit line, one row per project and a
//! 合计 row exact to the fen — and reads that 合计 row back ([`plan_sheet::read_plan_totals`]).

use std::fmt;
use std::path::Path;

pub mod allocation;
pub mod assess_sheet;
pub(crate) mod cfb_check;
pub mod estate;
pub(crate) mod header;
pub mod household;
pub mod normalize;
pub mod org_sheet;
pub mod plan_sheet;
pub mod report_sheet;
pub(crate) mod source;
pub mod table;
pub mod targets;
pub mod write;

pub use estate::{EstateReadSummary, EstateRecord, Management, RejectedRow, RowOutcome, Totals, parse_management};

pub use jiugai_domain::Lang;

/// File format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Xlsx,
    Xls,
    Csv,
}

impl Format {
    /// By extension, case-insensitive (`.xlsx`, `.xlsm` → Xlsx, `.xls` → Xls, `.csv`/`.txt`/`.tsv` → Csv).
    pub fn from_path(p: &Path) -> Option<Format> {
        let ext = p.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "xls" => Some(Format::Xls),
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            _ => None,
        }
    }

    /// Sniffs the format from the first bytes: zip → Xlsx, OLE compound file → Xls, else `None`.
    pub fn sniff(data: &[u8]) -> Option<Format> {
        if data.starts_with(b"PK\x03\x04") {
            Some(Format::Xlsx)
        } else if data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            Some(Format::Xls)
        } else {
            None
        }
    }
}

/// Options for reading.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// Worksheet name; default: the first sheet. Ignored for csv.
    pub sheet: Option<String>,
}

/// A problem with one cell or row. `row` = spreadsheet row number (1-based, as Excel shows it).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Issue {
    pub row: u32,
    /// The column header as written in the file (trimmed); empty for row-level problems.
    pub column: String,
    /// The raw value as a person sees it in the cell.
    pub value: String,
    pub kind: IssueKind,
}

/// What is wrong with a value.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IssueKind {
    /// A required value is missing.
    Required,
    /// Not a number at all (e.g. "六十", "abc").
    NotANumber,
    /// A count with a fraction (e.g. "60.5").
    NotAnInteger,
    /// A negative count or area.
    Negative,
    /// Too large to be plausible / to represent.
    TooLarge,
    /// Not a recognisable year.
    BadYear,
    /// A decade only ("1990年代", "90年代"): a concrete year is required.
    YearIsDecade,
    /// A year outside 1900..=2099.
    YearOutOfRange,
    /// Several years where one plan year is expected.
    MultipleYears,
    /// Not a yes/no value.
    BadBool,
    /// Not a known management status.
    BadManagement,
    /// Not a safety rating A–D.
    BadSafetyRating,
    /// Not a coordinate in decimal degrees.
    BadCoordinate,
    /// A coordinate outside ±max degrees.
    CoordinateOutOfRange { max: u32 },
    /// A region code that is not 6, 9 or 12 digits.
    BadRegionCode,
    /// The cell holds a formula error (#N/A, #REF!, …).
    CellError,
    /// A totals row (合计/小计/总计) disagrees with the sum of the detail rows. For areas
    /// `decimals` is 2 and the numbers are in 0.01 m².
    TotalsMismatch { expected: i64, found: i64, decimals: u8 },
    /// The same region (or region and year) is given again; `first_row` is where it first appears.
    DuplicateTarget { first_row: u32 },
    /// A problem found by another layer (e.g. the store), with both messages.
    Other { zh: String, en: String },
}

/// Formats an integer with `decimals` implied decimals (454127, 2 → "4541.27").
pub(crate) fn fmt_scaled(v: i64, decimals: u8) -> String {
    if decimals == 0 {
        return v.to_string();
    }
    let p = 10i128.pow(decimals as u32);
    let v = v as i128;
    let sign = if v < 0 { "-" } else { "" };
    let a = v.abs();
    format!("{sign}{}.{:0width$}", a / p, a % p, width = decimals as usize)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ColKind {
    Households,
    Buildings,
    Area,
    Generic,
}

fn col_kind(column: &str) -> ColKind {
    if column.contains("面积") || column.to_ascii_lowercase().contains("area") {
        ColKind::Area
    } else if column.contains('户') || column.to_ascii_lowercase().contains("household") {
        ColKind::Households
    } else if column.contains('栋') || column.contains('幢') || column.to_ascii_lowercase().contains("building") {
        ColKind::Buildings
    } else {
        ColKind::Generic
    }
}

impl Issue {
    /// Reason and what to do, in the given language.
    pub fn message(&self, lang: Lang) -> String {
        let c = if self.column.is_empty() {
            match lang {
                Lang::Zh => "该行",
                Lang::En => "this row",
            }
        } else {
            self.column.as_str()
        };
        let v = self.value.as_str();
        let ck = col_kind(&self.column);
        let (num_zh, num_en) = match ck {
            ColKind::Households => ("应为非负整数，请填写如 60 或 60户", "must be a whole number ≥ 0, e.g. 60 or 60户"),
            ColKind::Buildings => ("应为非负整数，请填写如 2 或 2栋", "must be a whole number ≥ 0, e.g. 2 or 2栋"),
            ColKind::Area => (
                "应为非负数（单位㎡，最多两位小数），请填写如 4541.27 或 4541.27㎡",
                "must be a number ≥ 0 in m² (two decimals), e.g. 4541.27 or 4541.27㎡",
            ),
            ColKind::Generic => ("应为非负数，请填写如 60", "must be a number ≥ 0, e.g. 60"),
        };
        match (lang, &self.kind) {
            (Lang::Zh, IssueKind::Required) => format!("{c}不能为空，请填写"),
            (Lang::En, IssueKind::Required) => format!("{c} is required; please fill it in"),
            (Lang::Zh, IssueKind::NotANumber) => format!("{c}“{v}”不是数字：{c}{num_zh}"),
            (Lang::En, IssueKind::NotANumber) => format!("{c} \"{v}\" is not a number: {c} {num_en}"),
            (Lang::Zh, IssueKind::NotAnInteger) => format!("{c}“{v}”不是整数：{c}{num_zh}"),
            (Lang::En, IssueKind::NotAnInteger) => format!("{c} \"{v}\" is not a whole number: {c} {num_en}"),
            (Lang::Zh, IssueKind::Negative) => format!("{c}“{v}”为负数：{c}{num_zh}"),
            (Lang::En, IssueKind::Negative) => format!("{c} \"{v}\" is negative: {c} {num_en}"),
            (Lang::Zh, IssueKind::TooLarge) => format!("{c}“{v}”数值过大，请核对是否多输了数字或单位有误"),
            (Lang::En, IssueKind::TooLarge) => {
                format!("{c} \"{v}\" is too large; check for extra digits or a wrong unit")
            }
            (Lang::Zh, IssueKind::BadYear) => format!(
                "{c}“{v}”不是可识别的年份，请填写四位年份，如 1998、1998年、2000年12月，多个年份用顿号分隔，如 1995、1997"
            ),
            (Lang::En, IssueKind::BadYear) => format!(
                "{c} \"{v}\" is not a year; write a four-digit year such as 1998, 1998年 or 2000年12月, several years separated by 、 as in 1995、1997"
            ),
            (Lang::Zh, IssueKind::YearIsDecade) => format!(
                "{c}“{v}”只写了年代，请填写具体的四位年份，如 1995；多栋楼建成年份不同时用顿号分隔，如 1995、1997"
            ),
            (Lang::En, IssueKind::YearIsDecade) => format!(
                "{c} \"{v}\" gives only a decade; write the actual four-digit year, e.g. 1995, or several as 1995、1997"
            ),
            (Lang::Zh, IssueKind::YearOutOfRange) => {
                format!("{c}“{v}”不在 1900—2099 年之间，请填写四位年份，如 1998")
            }
            (Lang::En, IssueKind::YearOutOfRange) => {
                format!("{c} \"{v}\" is not between 1900 and 2099; write a four-digit year such as 1998")
            }
            (Lang::Zh, IssueKind::MultipleYears) => format!("{c}“{v}”包含多个年份，此列只能填写一个年份，如 2023"),
            (Lang::En, IssueKind::MultipleYears) => {
                format!("{c} \"{v}\" holds several years; this column takes one year, e.g. 2023")
            }
            (Lang::Zh, IssueKind::BadBool) => format!("{c}“{v}”无法识别，请填写“是”或“否”"),
            (Lang::En, IssueKind::BadBool) => format!("{c} \"{v}\" is not understood; write 是 (yes) or 否 (no)"),
            (Lang::Zh, IssueKind::BadManagement) => {
                format!("{c}“{v}”无法识别，请填写 无物业管理、单位管理、居民自管 或 专业物业 之一")
            }
            (Lang::En, IssueKind::BadManagement) => format!(
                "{c} \"{v}\" is not understood; write one of 无物业管理 (none), 单位管理 (unit), 居民自管 (self-managed), 专业物业 (professional)"
            ),
            (Lang::Zh, IssueKind::BadSafetyRating) => {
                format!("{c}“{v}”无法识别，房屋安全等级请填写 A、B、C、D 之一（如 B级）")
            }
            (Lang::En, IssueKind::BadSafetyRating) => {
                format!("{c} \"{v}\" is not a safety rating; write one of A, B, C, D (e.g. B级)")
            }
            (Lang::Zh, IssueKind::BadCoordinate) => {
                format!("{c}“{v}”不是十进制度数，请填写如 110.712345（不要用度分秒）")
            }
            (Lang::En, IssueKind::BadCoordinate) => {
                format!("{c} \"{v}\" is not in decimal degrees; write e.g. 110.712345 (not degrees-minutes-seconds)")
            }
            (Lang::Zh, IssueKind::CoordinateOutOfRange { max }) => {
                format!("{c}“{v}”超出范围（应在 -{max} 到 {max} 度之间），请检查经纬度是否填反")
            }
            (Lang::En, IssueKind::CoordinateOutOfRange { max }) => format!(
                "{c} \"{v}\" is out of range (must be between -{max} and {max} degrees); check longitude and latitude are not swapped"
            ),
            (Lang::Zh, IssueKind::BadRegionCode) => {
                format!("{c}“{v}”不是有效的区划代码，请填写 6 位（县区）、9 位（街道）或 12 位的数字代码，如 140830")
            }
            (Lang::En, IssueKind::BadRegionCode) => {
                format!("{c} \"{v}\" is not a region code; write the 6-, 9- or 12-digit code, e.g. 140830")
            }
            (Lang::Zh, IssueKind::CellError) => format!("{c}单元格是公式错误值“{v}”，请修正公式或直接填写数值"),
            (Lang::En, IssueKind::CellError) => {
                format!("{c} holds the formula error \"{v}\"; fix the formula or type the value")
            }
            (Lang::Zh, IssueKind::TotalsMismatch { expected, found, decimals }) if crate::table::is_totals_label(c) => {
                format!(
                    "合计与明细之和不符：{c}为 {}，明细之和为 {}，请核对",
                    fmt_scaled(*found, *decimals),
                    fmt_scaled(*expected, *decimals)
                )
            }
            (Lang::En, IssueKind::TotalsMismatch { expected, found, decimals }) if crate::table::is_totals_label(c) => {
                format!(
                    "the total does not match the details: {c} is {}, the details sum to {}; please check",
                    fmt_scaled(*found, *decimals),
                    fmt_scaled(*expected, *decimals)
                )
            }
            (Lang::Zh, IssueKind::TotalsMismatch { expected, found, decimals }) => format!(
                "合计行与明细之和不符：{c}合计为 {}，明细之和为 {}，请核对",
                fmt_scaled(*found, *decimals),
                fmt_scaled(*expected, *decimals)
            ),
            (Lang::En, IssueKind::TotalsMismatch { expected, found, decimals }) => format!(
                "the totals row does not match the detail rows: {c} total is {}, the detail rows sum to {}; please check",
                fmt_scaled(*found, *decimals),
                fmt_scaled(*expected, *decimals)
            ),
            (Lang::Zh, IssueKind::DuplicateTarget { first_row }) => {
                format!("{c}“{v}”重复：第{first_row}行已有，每个区划（每个年份）只能填写一次，请合并或删除重复的行")
            }
            (Lang::En, IssueKind::DuplicateTarget { first_row }) => format!(
                "{c} \"{v}\" is repeated: row {first_row} already has it; each region (and year) may appear once, merge or delete the repeated row"
            ),
            (Lang::Zh, IssueKind::Other { zh, .. }) => zh.clone(),
            (Lang::En, IssueKind::Other { en, .. }) => en.clone(),
        }
    }
}

/// File-level failure: nothing could be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{}", self.message(Lang::Zh))]
    Io(#[from] std::io::Error),
    /// The extension is not .xlsx/.xlsm/.xls/.csv.
    #[error("{}", self.message(Lang::Zh))]
    UnknownFormat { extension: String },
    #[error("{}", self.message(Lang::Zh))]
    SheetNotFound { name: String, available: Vec<String> },
    /// No header row among the first `searched_rows` non-empty rows. `expected[0]` is the column that
    /// was looked for, the rest its accepted synonyms.
    #[error("{}", self.message(Lang::Zh))]
    NoHeaderRow { searched_rows: u32, expected: Vec<String> },
    /// A required column is missing from the header row (generic tables).
    #[error("{}", self.message(Lang::Zh))]
    MissingColumn { header_row: u32, column: String, synonyms: Vec<String> },
    /// No header row of a target table (a region column with year columns, or 区划/年份/任务数)
    /// among the first `searched_rows` non-empty rows.
    #[error("{}", self.message(Lang::Zh))]
    NoTargetHeader { searched_rows: u32 },
    /// The file cannot be parsed as the format it claims to be.
    #[error("{}", self.message(Lang::Zh))]
    Corrupt(String),
    /// Writing failed.
    #[error("{}", self.message(Lang::Zh))]
    Write(String),
}

impl FileError {
    /// Chinese or English, says what to do.
    pub fn message(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::Zh, FileError::Io(e)) => format!("无法读取文件：{e}。请确认文件存在、有读取权限且未被其他程序占用"),
            (Lang::En, FileError::Io(e)) => format!(
                "cannot read the file: {e}. Check that it exists, is readable and is not locked by another program"
            ),
            (Lang::Zh, FileError::UnknownFormat { extension }) => {
                format!("无法识别的文件类型“{extension}”：请使用 .xlsx、.xls 或 .csv 文件（可在 Excel/WPS 中“另存为”）")
            }
            (Lang::En, FileError::UnknownFormat { extension }) => {
                format!("unknown file type \"{extension}\": use an .xlsx, .xls or .csv file (Save As in Excel/WPS)")
            }
            (Lang::Zh, FileError::SheetNotFound { name, available }) => {
                format!("找不到工作表“{name}”。文件中的工作表有：{}。请检查工作表名称", available.join("、"))
            }
            (Lang::En, FileError::SheetNotFound { name, available }) => {
                format!("worksheet \"{name}\" not found. The file has: {}. Check the sheet name", available.join(", "))
            }
            (Lang::Zh, FileError::NoHeaderRow { searched_rows, expected }) => {
                let (first, rest) = split_expected(expected);
                let also =
                    if rest.is_empty() { String::new() } else { format!("（也可写作 {}）", rest.join("、")) };
                format!(
                    "未找到表头行：前{searched_rows}行中没有找到“{first}”列{also}，且表头行还需至少包含一个其他已知列（如 户数、建筑面积、建成年代）。请检查表头是否在前30行内、列名是否写对"
                )
            }
            (Lang::En, FileError::NoHeaderRow { searched_rows, expected }) => {
                let (first, rest) = split_expected(expected);
                let also = if rest.is_empty() { String::new() } else { format!(" (or {})", rest.join(", ")) };
                format!(
                    "no header row found: none of the first {searched_rows} rows has a \"{first}\" column{also} together with at least one other known column (such as 户数, 建筑面积, 建成年代). Check that the header is within the first 30 rows and spelt right"
                )
            }
            (Lang::Zh, FileError::MissingColumn { header_row, column, synonyms }) => {
                let also = if synonyms.is_empty() {
                    String::new()
                } else {
                    format!("（也可写作 {}）", synonyms.join("、"))
                };
                format!("表头行（第{header_row}行）缺少必填列“{column}”{also}，请补上该列")
            }
            (Lang::En, FileError::MissingColumn { header_row, column, synonyms }) => {
                let also = if synonyms.is_empty() { String::new() } else { format!(" (or {})", synonyms.join(", ")) };
                format!("the header row (row {header_row}) lacks the required column \"{column}\"{also}; add it")
            }
            (Lang::Zh, FileError::NoTargetHeader { searched_rows }) => format!(
                "未找到任务分解表的表头行：前{searched_rows}行中没有同时含有区划列（区划、县（区）、县区、地区、单位、名称）和年份列（每年一列，如 2022年、2023年度；或“年份”列加“任务数”列）的行。请检查表头是否在前30行内、列名是否写对"
            ),
            (Lang::En, FileError::NoTargetHeader { searched_rows }) => format!(
                "no header row found: none of the first {searched_rows} rows has a region column (区划, 县（区）, 县区, 地区, 单位, 名称) together with year columns (one per year, such as 2022年 or 2023年度; or a 年份 column with a 任务数 column). Check that the header is within the first 30 rows and spelt right"
            ),
            (Lang::Zh, FileError::Corrupt(d)) => {
                format!("文件已损坏或不是其扩展名所示的格式（{d}）。请用 Excel 或 WPS 打开后另存为 .xlsx 再导入")
            }
            (Lang::En, FileError::Corrupt(d)) => format!(
                "the file is damaged or not in the format its name says ({d}). Open it in Excel or WPS, save it as .xlsx and import again"
            ),
            (Lang::Zh, FileError::Write(d)) => {
                format!("写入文件失败：{d}。请检查目录是否存在、磁盘空间及文件是否被 Excel 打开")
            }
            (Lang::En, FileError::Write(d)) => format!(
                "writing the file failed: {d}. Check the folder exists, there is disk space and the file is not open in Excel"
            ),
        }
    }
}

fn split_expected(expected: &[String]) -> (&str, &[String]) {
    match expected.split_first() {
        Some((f, rest)) => (f.as_str(), rest),
        None => ("小区名称", &[]),
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "第{}行 {}", self.row, self.message(Lang::Zh))
    }
}
