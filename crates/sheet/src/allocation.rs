//! The allocation table (资金下达表) as offices send it: title rows, then 项目名称 (or 项目编号), 金额（万元）
//! or 金额（元）, 备注, and a 合计 row that is checked against the rows.
//!
//! Amounts are exact to the fen: a bare number in a column headed in 万元 is 万元 (`120.5` → 1,205,000.00
//! 元), a cell that carries its own unit (`1,205,000元`, `120.5万`) is read by it; full-width digits and
//! thousands separators are accepted. Every bad cell is an [`Issue`] with row, column, value; nothing is
//! decided about projects here (the store matches names to projects).

use std::path::Path;

use crate::table::{ColumnSpec, Value, is_totals_label, read_table, read_table_bytes, value_text};
use crate::{FileError, Format, Issue, IssueKind, ReadOptions};

/// Most rows read; beyond, one issue says the rest were left out.
pub const MAX_ROWS: usize = 100_000;

const SPECS: &[ColumnSpec] = &[
    ColumnSpec {
        key: "project", synonyms: &["项目名称", "项目", "改造项目", "小区名称", "项目名"], required: false
    },
    ColumnSpec { key: "project_id", synonyms: &["项目编号", "项目ID", "项目id", "编号"], required: false },
    ColumnSpec {
        key: "amount",
        synonyms: &["金额", "下达金额", "资金", "补助资金", "分配金额", "下达资金", "金额（万元）", "金额（元）"],
        required: true,
    },
    ColumnSpec { key: "note", synonyms: &["备注", "说明"], required: false },
];

/// One line of the table.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AllocationRow {
    pub row: u32,
    pub project: String,
    pub project_id: Option<i64>,
    pub amount_fen: i64,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AllocationSheet {
    /// The amount column's header as written, and whether it is in 万元.
    pub amount_header: String,
    pub in_wan: bool,
    pub rows: Vec<AllocationRow>,
    /// The 合计 row, if any: (row, fen).
    pub total: Option<(u32, i64)>,
    pub issues: Vec<Issue>,
}

impl AllocationSheet {
    pub fn sum_fen(&self) -> i64 {
        self.rows.iter().map(|r| r.amount_fen).sum()
    }
}

/// A money cell → fen, in 万元 when the column says so and the cell carries no unit.
fn money(v: &Value, in_wan: bool) -> Result<i64, IssueKind> {
    let t = value_text(v);
    let s = t.trim();
    if s.is_empty() {
        return Err(IssueKind::Required);
    }
    let has_unit = s.contains('元') || s.contains('万');
    let text = if in_wan && !has_unit { format!("{s}万") } else { s.to_string() };
    match jiugai_domain::number::parse_fen(&text) {
        Ok(f) if f < 0 => Err(IssueKind::Negative),
        Ok(f) => Ok(f),
        Err(_) => Err(IssueKind::NotANumber),
    }
}

fn read(
    run: impl FnOnce(
        &mut dyn FnMut(&crate::table::TableHeader, u32, &[Value]),
    ) -> Result<crate::table::TableHeader, FileError>,
) -> Result<AllocationSheet, FileError> {
    let mut rows = Vec::new();
    let mut issues = Vec::new();
    let mut total = None;
    let mut total_text = String::new();
    let mut header_text = String::new();
    let mut in_wan = false;
    let mut cut = false;
    let h = run(&mut |h, row, vals| {
        let col = |i: usize| h.columns[i].and_then(|c| h.headers.get(c).cloned()).unwrap_or_default();
        if header_text.is_empty() {
            header_text = col(2);
            in_wan = header_text.contains('万');
        }
        let project = value_text(h.get(vals, 0)).trim().to_string();
        let pid_v = h.get(vals, 1);
        let amount_v = h.get(vals, 2);
        let note = value_text(h.get(vals, 3)).trim().to_string();
        if is_totals_label(&project) || is_totals_label(&value_text(pid_v)) {
            match money(amount_v, in_wan) {
                Ok(f) => {
                    total = Some((row, f));
                    total_text = value_text(amount_v);
                }
                Err(kind) => issues.push(Issue { row, column: col(2), value: value_text(amount_v), kind }),
            }
            return;
        }
        if rows.len() >= MAX_ROWS {
            if !cut {
                cut = true;
                issues.push(Issue {
                    row,
                    column: String::new(),
                    value: String::new(),
                    kind: IssueKind::Other {
                        zh: format!("超过 {MAX_ROWS} 行，其余未读取：请分文件导入"),
                        en: format!("more than {MAX_ROWS} rows; the rest were not read: split the file"),
                    },
                });
            }
            return;
        }
        let pid_text = value_text(pid_v).trim().to_string();
        let project_id = if pid_text.is_empty() {
            None
        } else {
            match crate::normalize::integer(&pid_text) {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    issues.push(Issue { row, column: col(1), value: pid_text, kind: IssueKind::NotAnInteger });
                    return;
                }
            }
        };
        if project.is_empty() && project_id.is_none() {
            issues.push(Issue {
                row,
                column: col(0),
                value: String::new(),
                kind: IssueKind::Other {
                    zh: "请填写项目名称或项目编号".into(),
                    en: "give the project's name or number".into(),
                },
            });
            return;
        }
        match money(amount_v, in_wan) {
            Ok(f) => rows.push(AllocationRow { row, project, project_id, amount_fen: f, note }),
            Err(kind) => issues.push(Issue { row, column: col(2), value: value_text(amount_v), kind }),
        }
    })?;
    if h.columns.first().copied().flatten().is_none() && h.columns.get(1).copied().flatten().is_none() {
        return Err(FileError::MissingColumn {
            header_row: h.header_row,
            column: "项目名称".into(),
            synonyms: SPECS[0].synonyms.iter().chain(SPECS[1].synonyms).map(|s| s.to_string()).collect(),
        });
    }
    let sum: i64 = rows.iter().map(|r| r.amount_fen).sum();
    if let Some((row, t)) = total
        && t != sum
        && issues.is_empty()
    {
        issues.push(Issue {
            row,
            column: header_text.clone(),
            value: total_text.clone(),
            kind: IssueKind::TotalsMismatch { expected: sum, found: t, decimals: 2 },
        });
    }
    Ok(AllocationSheet { amount_header: header_text, in_wan, rows, total, issues })
}

pub fn read_allocations(path: &Path, opts: &ReadOptions) -> Result<AllocationSheet, FileError> {
    read(|f| read_table(path, opts, SPECS, f))
}

pub fn read_allocations_bytes(data: &[u8], format: Format, opts: &ReadOptions) -> Result<AllocationSheet, FileError> {
    read(|f| read_table_bytes(data, format, opts, SPECS, f))
}
