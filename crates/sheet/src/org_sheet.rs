//! The organisation annexes (附件) of the seeds, as offices lay them out [001 附件1/2; 002 附件; 003 附件;
//! 004 附件 三]: either the **duties table** (序号 | 工作任务 | 责任单位, the lead unit first and the
//! co-operating units after: "县住建局牵头，县发改局、县财政局配合", or "甲、乙，丙、丁" where the units
//! before the first full-width comma lead) or the **group roster** (职务 | 姓名 | 单位及职务, a blank 职务
//! continuing the one above). The layout is found from the header row (title rows above it are skipped),
//! on the generic table reader, so memory stays bounded (at most [`MAX_ROWS`] rows are kept).

use std::path::Path;

use crate::table::{ColumnSpec, TableHeader, Value, read_table, read_table_bytes, value_text};
use crate::{FileError, Format, Issue, IssueKind, ReadOptions};

/// At most this many data rows are read; an annex has a few dozen.
pub const MAX_ROWS: usize = 2_000;

const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec { key: "seq", synonyms: &["序号", "编号"], required: false },
    ColumnSpec {
        key: "task", synonyms: &["工作任务", "主要任务", "任务", "职责", "工作职责"], required: false
    },
    ColumnSpec {
        key: "units", synonyms: &["责任单位", "牵头单位及配合单位", "责任部门"], required: false
    },
    ColumnSpec { key: "position", synonyms: &["职务", "组内职务", "领导小组职务"], required: false },
    ColumnSpec { key: "person", synonyms: &["姓名"], required: false },
    ColumnSpec {
        key: "title", synonyms: &["单位及职务", "工作单位及职务", "单位职务"], required: false
    },
];
const SEQ: usize = 0;
const TASK: usize = 1;
const UNITS: usize = 2;
const POSITION: usize = 3;
const PERSON: usize = 4;
const TITLE: usize = 5;

/// Which annex the file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    Duties,
    Roster,
}

/// One row of the duties table.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DutyRow {
    pub row: u32,
    pub seq: i64,
    pub task: String,
    /// 责任单位 as written.
    pub units_text: String,
    pub leads: Vec<String>,
    pub cooperating: Vec<String>,
}

/// One member of the leading group.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MemberRow {
    pub row: u32,
    pub seq: i64,
    /// 组长 / 副组长 / 成员 / 办公室主任 (a blank cell continues the one above).
    pub position: String,
    pub person: String,
    /// 单位及职务 as written.
    pub title: String,
    /// The unit the title names, in the short form the duties use ("县发展和改革局局长" → "县发改局").
    pub unit: String,
}

/// What the reader found.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct OrgRead {
    pub layout: Layout,
    pub sheet: String,
    pub header_row: u32,
    pub duties: Vec<DutyRow>,
    pub members: Vec<MemberRow>,
    pub issues: Vec<Issue>,
}

/// Full names of bodies as offices write them → the short form used in the duties tables.
const SHORT: &[(&str, &str)] = &[
    ("住房和城乡建设管理局", "住建局"),
    ("住房和城乡建设局", "住建局"),
    ("住房城乡建设局", "住建局"),
    ("发展和改革局", "发改局"),
    ("发展和改革委员会", "发改委"),
    ("发展改革委", "发改委"),
    ("行政审批服务管理局", "行政审批局"),
    ("市场监督管理局", "市场监管局"),
    ("自然资源和规划局", "自然资源局"),
];

/// The short name of a body ("县发展和改革局" → "县发改局"); other names are returned as written.
pub fn short_unit(name: &str) -> String {
    let name = name.trim();
    for (full, short) in SHORT {
        if let Some(i) = name.find(full) {
            return format!("{}{}{}", &name[..i], short, &name[i + full.len()..]);
        }
    }
    name.to_string()
}

/// The body a 单位及职务 text names: up to the first word that ends a body's name (局, 委, 中心, 大队,
/// 支队, 公司, 部, 政府, 办事处…), shortened by [`short_unit`]. "县发展和改革局局长" → "县发改局".
pub fn unit_of_title(title: &str) -> String {
    let t = title.trim();
    // The first part when one person holds two posts ("县委宣传部副部长、县融媒体中心主任").
    let t = t.split(['、', '，', ',']).next().unwrap_or(t);
    const ENDS: &[&str] = &[
        "管理部",
        "办事处",
        "人民政府",
        "政府",
        "委员会",
        "中心",
        "大队",
        "支队",
        "公司",
        "局",
        "委",
        "部",
        "办",
        "室",
    ];
    // The party committee itself (县委) only when nothing of a department follows: "县委宣传部…" names 宣传部.
    let party = |end: usize| {
        ["县委", "市委", "区委", "省委"].contains(&&t[..end])
            && !["书记", "副书记", "常委"].iter().any(|w| t[end..].starts_with(w))
    };
    let mut best: Option<usize> = None;
    for e in ENDS {
        for (i, _) in t.match_indices(e) {
            let end = i + e.len();
            if !party(end) && best.is_none_or(|b| end < b) {
                best = Some(end);
            }
        }
    }
    short_unit(best.map_or(t, |b| &t[..b]))
}

fn clean_unit(s: &str) -> Option<String> {
    let mut s = s.trim().trim_matches(|c: char| c.is_whitespace() || "。.;；".contains(c)).to_string();
    // A parenthesised note ("（逗号前为牵头单位，下同）") is not a unit.
    while let (Some(a), Some(b)) = (s.find(['（', '(']), s.rfind(['）', ')'])) {
        if b <= a {
            break;
        }
        let end = b + s[b..].chars().next().map_or(1, char::len_utf8);
        s.replace_range(a..end, "");
    }
    let s = s.trim();
    let s = s.strip_suffix("配合").or_else(|| s.strip_suffix("参与")).or_else(|| s.strip_suffix("协同")).unwrap_or(s);
    let s = s.strip_prefix("以及").or_else(|| s.strip_prefix("及")).unwrap_or(s);
    let s = s.strip_suffix("等").unwrap_or(s).trim();
    (!s.is_empty()).then(|| short_unit(s))
}

fn split_units(s: &str) -> Vec<String> {
    s.replace("以及", "、").split(['、', ';', '；', '，', ',', '/']).filter_map(clean_unit).collect()
}

/// Splits a 责任单位 cell into (lead units, co-operating units). "县住建局牵头，县发改局、县财政局配合";
/// "甲、乙，丙、丁" (before the first comma: the leads; the seeds' convention "逗号前为牵头单位"); a list
/// with no comma: the first unit leads.
pub fn split_responsibility(text: &str) -> (Vec<String>, Vec<String>) {
    let t = text.trim();
    if let Some((lead, rest)) = t.split_once("牵头") {
        let mut leads = split_units(lead);
        leads.dedup();
        let co = split_units(rest.trim_start_matches(['，', ',', '、', '；', ';']));
        return (leads, co.into_iter().filter(|u| !lead.contains(u.as_str())).collect());
    }
    // Drop parenthesised notes first, so their commas do not split.
    let mut plain = String::new();
    let mut depth = 0;
    for c in t.chars() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth = (depth - 1).max(0),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    if let Some(i) = plain.find(['，', ',']) {
        let (a, b) = plain.split_at(i);
        return (split_units(a), split_units(b));
    }
    let mut all = split_units(&plain);
    if all.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let lead = all.remove(0);
    (vec![lead], all)
}

struct Reader {
    out: OrgRead,
    position: String,
    layout: Option<Layout>,
    rows: usize,
}

fn text(h: &TableHeader, values: &[Value], spec: usize) -> String {
    value_text(h.get(values, spec)).trim().to_string()
}

impl Reader {
    fn issue(&mut self, row: u32, column: &str, value: &str, zh: String, en: String) {
        self.out.issues.push(Issue {
            row,
            column: column.to_string(),
            value: value.to_string(),
            kind: IssueKind::Other { zh, en },
        });
    }

    fn row(&mut self, h: &TableHeader, row: u32, values: &[Value]) {
        let layout = *self.layout.get_or_insert_with(|| {
            if h.columns[UNITS].is_some() || h.columns[TASK].is_some() { Layout::Duties } else { Layout::Roster }
        });
        self.rows += 1;
        if self.rows > MAX_ROWS {
            if self.rows == MAX_ROWS + 1 {
                self.issue(
                    row,
                    "",
                    "",
                    format!("超过 {MAX_ROWS} 行：附件表不应这么长，请检查文件"),
                    format!("more than {MAX_ROWS} rows: an annex table is not this long; check the file"),
                );
            }
            return;
        }
        let seq_text = text(h, values, SEQ);
        if crate::table::is_totals_label(&seq_text) {
            return;
        }
        match layout {
            Layout::Duties => {
                let task = text(h, values, TASK);
                let units_text = text(h, values, UNITS);
                if task.is_empty() && units_text.is_empty() {
                    return;
                }
                let seq = seq_text.parse::<i64>().unwrap_or(self.out.duties.len() as i64 + 1);
                if task.is_empty() {
                    self.issue(row, "工作任务", "", "缺少工作任务".into(), "the task is missing".into());
                    return;
                }
                let (leads, cooperating) = split_responsibility(&units_text);
                if leads.is_empty() {
                    self.issue(
                        row,
                        "责任单位",
                        &units_text,
                        "缺少牵头单位：责任单位应先写牵头单位，如“县住建局牵头，县发改局配合”".into(),
                        "no lead unit: write the lead first, e.g. “县住建局牵头，县发改局配合”".into(),
                    );
                    return;
                }
                self.out.duties.push(DutyRow { row, seq, task, units_text, leads, cooperating });
            }
            Layout::Roster => {
                let person: String = text(h, values, PERSON).chars().filter(|c| !c.is_whitespace()).collect();
                let title = text(h, values, TITLE);
                let pos = text(h, values, POSITION).replace([' ', '\u{3000}'], "");
                let pos = pos.trim_end_matches(['：', ':']).to_string();
                if !pos.is_empty() {
                    self.position = pos;
                }
                if person.is_empty() && title.is_empty() {
                    return;
                }
                if person.is_empty() {
                    self.issue(row, "姓名", "", "缺少姓名".into(), "the name is missing".into());
                    return;
                }
                if self.position.is_empty() {
                    self.issue(
                        row,
                        "职务",
                        "",
                        "缺少职务（组长、副组长或成员）".into(),
                        "the position is missing".into(),
                    );
                    return;
                }
                let seq = self.out.members.len() as i64 + 1;
                let unit = unit_of_title(&title);
                self.out.members.push(MemberRow { row, seq, position: self.position.clone(), person, title, unit });
            }
        }
    }
}

fn finish(mut r: Reader, h: TableHeader) -> Result<OrgRead, FileError> {
    r.out.layout = r.layout.unwrap_or(if h.columns[UNITS].is_some() { Layout::Duties } else { Layout::Roster });
    r.out.sheet = h.sheet;
    r.out.header_row = h.header_row;
    Ok(r.out)
}

fn reader() -> Reader {
    Reader {
        out: OrgRead {
            layout: Layout::Duties,
            sheet: String::new(),
            header_row: 0,
            duties: Vec::new(),
            members: Vec::new(),
            issues: Vec::new(),
        },
        position: String::new(),
        layout: None,
        rows: 0,
    }
}

/// Reads a duties table or a group roster from a file.
pub fn read_org(path: &Path, opts: &ReadOptions) -> Result<OrgRead, FileError> {
    let mut r = reader();
    let h = read_table(path, opts, COLUMNS, |h, row, values| r.row(h, row, values))?;
    finish(r, h)
}

/// As [`read_org`], from bytes in memory.
pub fn read_org_bytes(data: &[u8], format: Format, opts: &ReadOptions) -> Result<OrgRead, FileError> {
    let mut r = reader();
    let h = read_table_bytes(data, format, opts, COLUMNS, |h, row, values| r.row(h, row, values))?;
    finish(r, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responsibility_is_split_into_lead_and_cooperating() {
        let (l, c) = split_responsibility("县住建局牵头，县发改局、县财政局配合");
        assert_eq!(l, vec!["县住建局"]);
        assert_eq!(c, vec!["县发改局", "县财政局"]);
        let (l, c) =
            split_responsibility("市住房城乡建设局、市发展改革委，市民政局、市消防救援支队以及相关专业经营单位");
        assert_eq!(l, vec!["市住建局", "市发改委"]);
        assert_eq!(c, vec!["市民政局", "市消防救援支队", "相关专业经营单位"]);
        let (l, c) = split_responsibility("县行政审批局、县住建局");
        assert_eq!((l, c), (vec!["县行政审批局".to_string()], vec!["县住建局".to_string()]));
    }

    #[test]
    fn a_title_names_its_unit_in_short() {
        assert_eq!(unit_of_title("县发展和改革局局长"), "县发改局");
        assert_eq!(unit_of_title("县住房和城乡建设管理局局长"), "县住建局");
        assert_eq!(unit_of_title("县委宣传部副部长、县融媒体中心主任"), "县委宣传部");
        assert_eq!(unit_of_title("国网芮城县供电公司经理"), "国网芮城县供电公司");
        assert_eq!(unit_of_title("县人民政府副县长"), "县人民政府");
        assert_eq!(unit_of_title("市住房公积金管理中心芮城管理部主任"), "市住房公积金管理中心");
    }
}
