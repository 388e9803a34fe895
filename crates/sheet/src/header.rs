//! Header text normalisation and synonym matching.

use std::collections::HashMap;

use crate::normalize::{fw, is_space};

/// Canonical header: full-width → half-width, brackets unified to `()`, all whitespace removed,
/// ASCII lower-cased, leading required-markers (`*`, `※`, `★`) and a leading "1." style number dropped.
pub(crate) fn canon_header(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match fw(c) {
            '【' | '〔' | '[' | '〖' => '(',
            '】' | '〕' | ']' | '〗' => ')',
            c => c,
        };
        if is_space(c) || c.is_control() {
            continue;
        }
        out.push(c.to_ascii_lowercase());
    }
    let t = out.trim_start_matches(['*', '※', '★', '☆']);
    let t = t.trim_end_matches([':', '*']);
    t.to_string()
}

const UNIT_SUFFIXES: &[&str] =
    &["平方米", "平米", "㎡", "m²", "m2", "m^2", "户", "栋", "幢", "个", "座", "套", "年", "元", "度"];

/// Candidate keys for a header, most specific first: as written, without a trailing bracket group
/// (unless the unit says 万/千, which would change the scale), without an appended unit.
pub(crate) fn header_candidates(h: &str) -> Vec<String> {
    let c = canon_header(h);
    let mut v = vec![c.clone()];
    let mut base = c.as_str();
    if base.ends_with(')')
        && let Some(open) = base.rfind('(')
    {
        let unit = &base[open..];
        if !unit.contains('万') && !unit.contains('千') && !unit.contains("亿") && open > 0 {
            base = &base[..open];
            v.push(base.to_string());
        } else {
            return v;
        }
    }
    for u in UNIT_SUFFIXES {
        if let Some(r) = base.strip_suffix(u) {
            if !r.is_empty() && !r.ends_with('万') && !r.ends_with('千') {
                v.push(r.to_string());
            }
            break;
        }
    }
    v
}

/// A synonym table: canonical text → value.
pub(crate) struct Synonyms<T: Copy> {
    map: HashMap<String, T>,
}

impl<T: Copy> Synonyms<T> {
    pub(crate) fn new<'a>(entries: impl IntoIterator<Item = (&'a str, T)>) -> Self {
        let mut map = HashMap::new();
        for (s, t) in entries {
            map.entry(canon_header(s)).or_insert(t);
        }
        Synonyms { map }
    }

    pub(crate) fn lookup(&self, header: &str) -> Option<T> {
        if header.trim().is_empty() {
            return None;
        }
        header_candidates(header).iter().find_map(|c| self.map.get(c.as_str()).copied())
    }
}

/// Is this cell text a totals label: 合计/小计/总计, spaces allowed inside ("合  计"), optionally
/// followed by a colon or bracketed note ("合计：", "合计（30个）")?
pub(crate) fn totals_label(s: &str) -> Option<TotalsKind> {
    let t = s.trim_matches(is_space);
    if t.len() < 6 || t.len() > 120 {
        return None;
    }
    let first = t.chars().next()?;
    if !matches!(first, '合' | '小' | '总' | '共') {
        return None;
    }
    let c: String = t.chars().filter(|c| !is_space(*c)).map(fw).collect();
    for (label, kind) in [
        ("合计", TotalsKind::Grand),
        ("总计", TotalsKind::Grand),
        ("共计", TotalsKind::Grand),
        ("小计", TotalsKind::Sub),
    ] {
        if let Some(rest) = c.strip_prefix(label)
            && (rest.is_empty() || rest.starts_with([':', '(', '：']))
        {
            return Some(kind);
        }
    }
    None
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TotalsKind {
    Grand,
    Sub,
}

/// Footer lines below a table ("注：…", "填表人：…", "审核人：…").
pub(crate) fn footer_label(s: &str) -> bool {
    let t = s.trim_matches(is_space);
    ["注", "备注：", "备注:", "说明", "填表", "填报", "制表", "审核", "负责人", "联系人", "联系电话", "单位负责人"]
        .iter()
        .any(|p| t.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates() {
        assert_eq!(header_candidates("面积m ²"), vec!["面积m²", "面积"]);
        assert_eq!(header_candidates("建筑面积（㎡）"), vec!["建筑面积(㎡)", "建筑面积"]);
        assert_eq!(header_candidates("面积(平方米)"), vec!["面积(平方米)", "面积"]);
        assert_eq!(header_candidates("建筑面积（万㎡）"), vec!["建筑面积(万㎡)"]);
        assert_eq!(header_candidates(" 户 数 （户）"), vec!["户数(户)", "户数"]);
        assert_eq!(header_candidates("*小区名称"), vec!["小区名称"]);
        assert_eq!(canon_header("县（市、区）"), "县(市、区)");
    }

    #[test]
    fn totals() {
        assert_eq!(totals_label("合计"), Some(TotalsKind::Grand));
        assert_eq!(totals_label("合  计"), Some(TotalsKind::Grand));
        assert_eq!(totals_label("合计："), Some(TotalsKind::Grand));
        assert_eq!(totals_label("总 计"), Some(TotalsKind::Grand));
        assert_eq!(totals_label("小计"), Some(TotalsKind::Sub));
        assert_eq!(totals_label("合计（30个小区）"), Some(TotalsKind::Grand));
        assert_eq!(totals_label("合计小区"), None);
        assert_eq!(totals_label("小区"), None);
    }
}
