//! The estate ledger (摸底台账 / 改造计划表): one row per estate.

use std::path::Path;
use std::sync::OnceLock;

use crate::header::{Synonyms, TotalsKind, footer_label, totals_label};
use crate::normalize::{self, number_text};
use crate::source::{self, Cells, Raw, Sink, date_text};
use crate::write::Cell;
use crate::{FileError, Format, Issue, IssueKind, ReadOptions};

/// One estate as read from a ledger row. Areas in 0.01 m² (exact integer). Text fields trimmed.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct EstateRecord {
    /// Spreadsheet row number (1-based, as Excel shows it).
    pub row: u32,
    /// 区划代码: digits only, 6, 9 or 12 of them.
    pub region_code: Option<String>,
    /// 所属县区 / 县区 / 县（市、区）
    pub county: Option<String>,
    /// 所属街道 / 街道 / 街道（乡镇） / 乡镇
    pub street: Option<String>,
    /// 所属社区 / 社区
    pub community: Option<String>,
    /// 小区名称 / 项目名称 / 小区（项目）名称 — required.
    pub name: String,
    /// 坐落位置 / 位置 / 地址 / 小区地址
    pub address: Option<String>,
    /// 建成年代 / 建成时间 / 建成年份 — sorted, deduplicated.
    pub built_years: Vec<i32>,
    /// 楼栋数 / 栋数 / 幢数
    pub buildings: Option<i64>,
    /// 户数 / 居民户数 / 总户数
    pub households: Option<i64>,
    /// 建筑面积 / 面积 / 总建筑面积, in 0.01 m².
    pub floor_area_dm2: Option<i64>,
    /// 产权性质 / 房屋性质 (free text)
    pub property_type: Option<String>,
    /// 原产权单位 / 产权单位
    pub original_unit: Option<String>,
    /// 物业管理 / 物业管理情况 / 管理方式 / 物业管理方式
    pub management: Option<Management>,
    /// 维修资金 / 住宅专项维修资金 / 是否建立维修资金
    pub maintenance_fund: Option<bool>,
    /// 安全等级 / 房屋安全等级 / 鉴定等级: 'A'..='D'
    pub safety_rating: Option<char>,
    /// 纳入棚改计划 / 棚改
    pub in_shantytown_plan: Option<bool>,
    /// 自建房 / 以自建房为主
    pub self_built: Option<bool>,
    /// 城中村
    pub urban_village: Option<bool>,
    /// 已申报 / 申报
    pub declared: Option<bool>,
    /// 历史保护 / 历史建筑 / 历史文化保护
    pub historic: Option<bool>,
    /// 经度, micro-degrees (±180°)
    pub longitude_e6: Option<i64>,
    /// 纬度, micro-degrees (±90°)
    pub latitude_e6: Option<i64>,
    /// 年份 / 计划年度 / 改造年度 / 年度
    pub plan_year: Option<i32>,
}

pub use jiugai_domain::ManagementMode as Management;

/// What offices write for an estate's management → the mode [002 三(九)]: 无/无物业/失管/暂无 → none;
/// 单位/单位管理/单位自管/原产权单位管理 → unit; 托管/单位托管/社区托管/准物业 → entrusted; 社会组织代管 →
/// social organisation; 自管/居民自管/业主自管/自治 → self-managed; 国有物业托底/红色物业 → state-owned
/// fallback; 物业/物业公司/专业物业/专业化物业/有物业 → professional; the stored words and the labels too.
pub fn parse_management(s: &str) -> Option<Management> {
    let c: String =
        s.chars().map(normalize::fw).filter(|c| !normalize::is_space(*c)).map(|c| c.to_ascii_lowercase()).collect();
    let c = c.trim_end_matches(['。', '.']);
    if let Some(m) = Management::parse(c) {
        return Some(m);
    }
    use jiugai_domain::Label;
    if let Some(m) = Management::ALL.iter().copied().find(|m| m.zh() == c || m.en().replace(' ', "") == c) {
        return Some(m);
    }
    Some(match c {
        "无" | "无物业" | "无物业管理" | "失管" | "暂无" | "没有" | "弃管" | "失管弃管" | "无人管理" | "无管理"
        | "no" | "nomanagement" => Management::None,
        "单位"
        | "单位管理"
        | "单位自管"
        | "原产权单位管理"
        | "产权单位管理"
        | "原单位管理"
        | "unit-managed"
        | "unitmanaged" => Management::Unit,
        "托管" | "单位托管" | "社区托管" | "街道托管" | "委托管理" | "准物业" | "准物业管理" | "社区管理"
        | "entrusted" => Management::Entrusted,
        "社会组织代管" | "社会组织管理" | "社会组织" => Management::SocialOrganisation,
        "自管" | "居民自管" | "业主自管" | "自治" | "居民自治" | "业主自治" | "居民自治管理" | "self-managed"
        | "selfmanaged" | "self_managed" => Management::SelfManaged,
        "国有物业托底" | "国有物业兜底" | "国企托底" | "红色物业" | "state_owned" | "state-owned" => {
            Management::StateFallback
        }
        "物业"
        | "物业公司"
        | "专业物业"
        | "专业化物业"
        | "有物业"
        | "专业物业管理"
        | "专业化物业管理"
        | "物业管理"
        | "物业公司管理"
        | "专业化物业服务"
        | "property"
        | "propertycompany" => Management::Professional,
        _ => return None,
    })
}

/// A data row that has at least one bad cell.
#[derive(Clone, Debug, PartialEq)]
pub struct RejectedRow {
    pub row: u32,
    /// The row's raw cell texts, in the file's column order (at least as many as the header has).
    pub cells: Vec<String>,
    pub issues: Vec<Issue>,
}

/// What one data row gave.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // records are the common case; boxing them would cost an allocation per row
pub enum RowOutcome {
    Record(EstateRecord),
    Rejected(RejectedRow),
}

/// Sums over the data rows read (valid or not, of the values that parsed).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Totals {
    pub estates: u64,
    pub households: i64,
    pub buildings: i64,
    pub floor_area_dm2: i64,
}

/// What a read found besides the rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EstateReadSummary {
    /// Worksheet name ("" for csv).
    pub sheet: String,
    pub header_row: u32,
    /// Header cells as in the file (trimmed), in column order.
    pub headers: Vec<String>,
    /// (header, field name) for each mapped column.
    pub mapped: Vec<(String, &'static str)>,
    /// Headers of columns not used (unknown, or a second column for a field already mapped).
    pub ignored_columns: Vec<String>,
    pub data_rows: u64,
    /// Blank rows between data rows, totals/subtotal rows and footer notes (注：, 填表人：…).
    pub skipped_rows: Vec<u32>,
    pub totals: Totals,
    /// Totals-row mismatches etc. (not tied to a data row's record).
    pub file_issues: Vec<Issue>,
}

/// The export layout.
pub const EXPORT_HEADERS: &[&str] = &[
    "区划代码",
    "所属县区",
    "所属街道",
    "所属社区",
    "小区名称",
    "坐落位置",
    "建成年代",
    "楼栋数",
    "户数",
    "建筑面积（㎡）",
    "产权性质",
    "原产权单位",
    "物业管理",
    "维修资金",
    "房屋安全等级",
    "纳入棚改计划",
    "以自建房为主",
    "城中村",
    "已申报",
    "历史保护",
    "经度",
    "纬度",
    "计划年度",
];

fn opt_text(v: &Option<String>) -> Cell {
    match v {
        Some(s) => Cell::Text(s.clone()),
        None => Cell::Empty,
    }
}

fn opt_bool(v: Option<bool>) -> Cell {
    v.map_or(Cell::Empty, Cell::Bool)
}

fn coord_text(v: i64) -> String {
    crate::fmt_scaled(v, 6)
}

/// A record as export cells, in [`EXPORT_HEADERS`] order.
pub fn export_cells(r: &EstateRecord) -> Vec<Cell> {
    let years = if r.built_years.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(r.built_years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、"))
    };
    vec![
        opt_text(&r.region_code),
        opt_text(&r.county),
        opt_text(&r.street),
        opt_text(&r.community),
        Cell::Text(r.name.clone()),
        opt_text(&r.address),
        years,
        r.buildings.map_or(Cell::Empty, Cell::Int),
        r.households.map_or(Cell::Empty, Cell::Int),
        r.floor_area_dm2.map_or(Cell::Empty, Cell::Dm2),
        opt_text(&r.property_type),
        opt_text(&r.original_unit),
        r.management.map_or(Cell::Empty, |m| Cell::Text(jiugai_domain::Label::zh(m).to_string())),
        opt_bool(r.maintenance_fund),
        r.safety_rating.map_or(Cell::Empty, |c| Cell::Text(c.to_string())),
        opt_bool(r.in_shantytown_plan),
        opt_bool(r.self_built),
        opt_bool(r.urban_village),
        opt_bool(r.declared),
        opt_bool(r.historic),
        r.longitude_e6.map_or(Cell::Empty, |v| Cell::Text(coord_text(v))),
        r.latitude_e6.map_or(Cell::Empty, |v| Cell::Text(coord_text(v))),
        r.plan_year.map_or(Cell::Empty, |y| Cell::Int(y as i64)),
    ]
}

// ------------------------------------------------------------------ fields

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum F {
    RegionCode,
    County,
    Street,
    Community,
    Name,
    Address,
    BuiltYears,
    Buildings,
    Households,
    FloorArea,
    PropertyType,
    OriginalUnit,
    Management,
    MaintenanceFund,
    SafetyRating,
    Shantytown,
    SelfBuilt,
    UrbanVillage,
    Declared,
    Historic,
    Longitude,
    Latitude,
    PlanYear,
    /// Known but not used (序号, 编号).
    Ignore,
}

const N_FIELDS: usize = 23;

const FIELD_DEFS: &[(F, &str, &[&str])] = &[
    (
        F::RegionCode,
        "region_code",
        &["区划代码", "行政区划代码", "区划编码", "行政区划编码", "行政区划代码(县区)", "region_code"],
    ),
    (
        F::County,
        "county",
        &[
            "所属县区",
            "县区",
            "县（市、区）",
            "县(市,区)",
            "所属县（市、区）",
            "县市区",
            "区县",
            "所属区县",
            "县(区)",
            "所属县(区)",
            "县(市)区",
            "county",
        ],
    ),
    (
        F::Street,
        "street",
        &[
            "所属街道",
            "街道",
            "街道（乡镇）",
            "乡镇",
            "乡镇(街道)",
            "所属乡镇",
            "所属街道(乡镇)",
            "街道办",
            "街道办事处",
            "street",
        ],
    ),
    (F::Community, "community", &["所属社区", "社区", "社区(居委会)", "居委会", "所属居委会", "community"]),
    (
        F::Name,
        "name",
        &["小区名称", "项目名称", "小区（项目）名称", "项目(小区)名称", "小区名", "小区名字", "name", "estate"],
    ),
    (F::Address, "address", &["坐落位置", "位置", "地址", "小区地址", "坐落", "详细地址", "所在位置", "address"]),
    (
        F::BuiltYears,
        "built_years",
        &["建成年代", "建成时间", "建成年份", "建设年代", "建成年度", "建造年代", "建成年限", "built_years", "built"],
    ),
    (F::Buildings, "buildings", &["楼栋数", "栋数", "幢数", "楼栋数量", "楼幢数", "楼栋", "buildings"]),
    (F::Households, "households", &["户数", "居民户数", "总户数", "住户数", "居民户数(户)", "households"]),
    (
        F::FloorArea,
        "floor_area_dm2",
        &["建筑面积", "面积", "总建筑面积", "房屋建筑面积", "小区建筑面积", "floor_area", "floor_area_m2", "area"],
    ),
    (F::PropertyType, "property_type", &["产权性质", "房屋性质", "房屋产权性质", "property_type"]),
    (F::OriginalUnit, "original_unit", &["原产权单位", "产权单位", "original_unit"]),
    (
        F::Management,
        "management",
        &["物业管理", "物业管理情况", "管理方式", "物业管理方式", "物业管理状况", "物业服务", "management"],
    ),
    (
        F::MaintenanceFund,
        "maintenance_fund",
        &[
            "维修资金",
            "住宅专项维修资金",
            "是否建立维修资金",
            "专项维修资金",
            "是否建立住宅专项维修资金",
            "maintenance_fund",
        ],
    ),
    (F::SafetyRating, "safety_rating", &["安全等级", "房屋安全等级", "鉴定等级", "房屋安全鉴定等级", "safety_rating"]),
    (
        F::Shantytown,
        "in_shantytown_plan",
        &["纳入棚改计划", "棚改", "是否纳入棚改计划", "纳入棚户区改造计划", "in_shantytown_plan"],
    ),
    (F::SelfBuilt, "self_built", &["自建房", "以自建房为主", "是否以自建房为主", "self_built"]),
    (F::UrbanVillage, "urban_village", &["城中村", "是否城中村", "是否为城中村", "urban_village"]),
    (F::Declared, "declared", &["已申报", "申报", "是否申报", "是否已申报", "declared"]),
    (F::Historic, "historic", &["历史保护", "历史建筑", "历史文化保护", "是否历史保护", "历史文化街区", "historic"]),
    (F::Longitude, "longitude_e6", &["经度", "longitude", "lng", "lon"]),
    (F::Latitude, "latitude_e6", &["纬度", "latitude", "lat"]),
    (
        F::PlanYear,
        "plan_year",
        &["年份", "计划年度", "改造年度", "年度", "改造年份", "计划年份", "计划改造年度", "plan_year"],
    ),
    (F::Ignore, "", &["序号", "编号", "no", "no."]),
];

fn syn() -> &'static Synonyms<F> {
    static S: OnceLock<Synonyms<F>> = OnceLock::new();
    S.get_or_init(|| Synonyms::new(FIELD_DEFS.iter().flat_map(|(f, _, syns)| syns.iter().map(move |s| (*s, *f)))))
}

fn field_name(f: F) -> &'static str {
    FIELD_DEFS.iter().find(|d| d.0 == f).map_or("", |d| d.1)
}

fn name_expected() -> Vec<String> {
    ["小区名称", "项目名称", "小区（项目）名称"].iter().map(|s| s.to_string()).collect()
}

/// Does this header text name the estate-name column? (Used to detect csv delimiters.)
pub(crate) fn is_name_header(s: &str) -> bool {
    syn().lookup(s) == Some(F::Name)
}

// ------------------------------------------------------------------ reading

struct HeaderInfo {
    /// (field, column) for mapped fields, in column order.
    fields: Vec<(F, usize)>,
    name_col: usize,
    headers: Vec<String>,
    household_col: Option<usize>,
    building_col: Option<usize>,
    area_col: Option<usize>,
}

#[derive(Default, Clone, Copy)]
struct Sums {
    households: i64,
    buildings: i64,
    area: i64,
}

struct EstateSink<G: FnMut(RowOutcome)> {
    on_row: G,
    header: Option<HeaderInfo>,
    nonempty_seen: u32,
    pending_blank: Vec<(u32, u32)>,
    sub: Sums,
    summary: EstateReadSummary,
}

const HEADER_SCAN_ROWS: u32 = 30;
/// Longest run of absent rows listed one by one in `skipped_rows`.
const MAX_LISTED_GAP: u32 = 10_000;

fn first_nonblank<C: Cells + ?Sized>(cells: &C) -> Option<(usize, Raw<'_>)> {
    (0..cells.len()).map(|i| (i, cells.get(i))).find(|(_, r)| !r.is_blank())
}

fn raw_str<'a>(r: &'a Raw<'_>) -> Option<&'a str> {
    match r {
        Raw::Text(s) => Some(s.as_ref()),
        _ => None,
    }
}

impl<G: FnMut(RowOutcome)> EstateSink<G> {
    fn try_header<C: Cells + ?Sized>(&mut self, row: u32, cells: &C) -> bool {
        let syn = syn();
        let mut found: Vec<(F, usize)> = Vec::new();
        let mut name_col = None;
        let mut others = 0;
        for i in 0..cells.len().min(source_max_cols()) {
            let r = cells.get(i);
            let Some(s) = raw_str(&r) else { continue };
            if let Some(f) = syn.lookup(s) {
                if f == F::Name && name_col.is_none() {
                    name_col = Some(i);
                } else {
                    others += 1;
                }
                found.push((f, i));
            }
        }
        let Some(name_col) = name_col else { return false };
        if others == 0 {
            return false;
        }
        let width = (0..cells.len()).rposition(|i| !cells.get(i).is_blank()).map_or(0, |p| p + 1);
        let headers: Vec<String> =
            (0..width).map(|i| cells.get(i).text().trim_matches(normalize::is_space).to_string()).collect();
        let mut used = [false; N_FIELDS + 1];
        let mut fields = Vec::new();
        let mut mapped = Vec::new();
        let mut ignored = Vec::new();
        let mut mapped_cols = vec![false; width];
        for (f, i) in found {
            if f == F::Ignore {
                mapped_cols[i] = true;
                continue;
            }
            if used[f as usize] {
                continue;
            }
            used[f as usize] = true;
            mapped_cols[i] = true;
            fields.push((f, i));
            mapped.push((headers[i].clone(), field_name(f)));
        }
        for (i, h) in headers.iter().enumerate() {
            if !mapped_cols[i] && !h.is_empty() {
                ignored.push(h.clone());
            }
        }
        let col = |f: F| fields.iter().find(|(g, _)| *g == f).map(|(_, c)| *c);
        let info = HeaderInfo {
            household_col: col(F::Households),
            building_col: col(F::Buildings),
            area_col: col(F::FloorArea),
            fields,
            name_col,
            headers: headers.clone(),
        };
        self.summary.header_row = row;
        self.summary.headers = headers;
        self.summary.mapped = mapped;
        self.summary.ignored_columns = ignored;
        self.header = Some(info);
        true
    }

    fn flush_blanks(&mut self) {
        for (a, b) in self.pending_blank.drain(..) {
            if b - a < MAX_LISTED_GAP {
                self.summary.skipped_rows.extend(a..=b);
            }
        }
    }

    fn totals_row<C: Cells + ?Sized>(&mut self, row: u32, cells: &C, kind: TotalsKind) {
        let Some(h) = &self.header else { return };
        let all = &self.summary.totals;
        let expected = match kind {
            TotalsKind::Grand => {
                Sums { households: all.households, buildings: all.buildings, area: all.floor_area_dm2 }
            }
            TotalsKind::Sub => self.sub,
        };
        let checks = [
            (h.household_col, expected.households, 0u8),
            (h.building_col, expected.buildings, 0u8),
            (h.area_col, expected.area, 2u8),
        ];
        for (col, exp, decimals) in checks {
            let Some(col) = col else { continue };
            let raw = cells.get(col);
            if raw.is_blank() {
                continue;
            }
            let parsed = if decimals == 2 { area_of(&raw) } else { int_of(&raw) };
            let kind = match parsed {
                Ok(v) if v == exp => continue,
                Ok(v) => IssueKind::TotalsMismatch { expected: exp, found: v, decimals },
                Err(k) => k,
            };
            self.summary.file_issues.push(Issue {
                row,
                column: h.headers.get(col).cloned().unwrap_or_default(),
                value: raw.text().into_owned(),
                kind,
            });
        }
        if kind == TotalsKind::Sub {
            self.sub = Sums::default();
        }
    }

    fn data_row<C: Cells + ?Sized>(&mut self, row: u32, cells: &C) {
        let Some(h) = &self.header else { return };
        let mut rec = EstateRecord { row, ..Default::default() };
        let mut issues: Vec<Issue> = Vec::new();
        let mut name_ok = false;
        for &(f, col) in &h.fields {
            let raw = cells.get(col);
            if raw.is_blank() {
                continue;
            }
            let res: Result<(), IssueKind> = (|| {
                match f {
                    F::RegionCode => rec.region_code = Some(region_of(&raw)?),
                    F::County => rec.county = text_of(&raw)?,
                    F::Street => rec.street = text_of(&raw)?,
                    F::Community => rec.community = text_of(&raw)?,
                    F::Name => {
                        if let Some(n) = text_of(&raw)? {
                            rec.name = n;
                            name_ok = true;
                        }
                    }
                    F::Address => rec.address = text_of(&raw)?,
                    F::BuiltYears => rec.built_years = years_of(&raw)?,
                    F::Buildings => rec.buildings = Some(int_of(&raw)?),
                    F::Households => rec.households = Some(int_of(&raw)?),
                    F::FloorArea => rec.floor_area_dm2 = Some(area_of(&raw)?),
                    F::PropertyType => rec.property_type = text_of(&raw)?,
                    F::OriginalUnit => rec.original_unit = text_of(&raw)?,
                    F::Management => rec.management = Some(mgmt_of(&raw)?),
                    F::MaintenanceFund => rec.maintenance_fund = Some(bool_of(&raw)?),
                    F::SafetyRating => rec.safety_rating = Some(safety_of(&raw)?),
                    F::Shantytown => rec.in_shantytown_plan = Some(bool_of(&raw)?),
                    F::SelfBuilt => rec.self_built = Some(bool_of(&raw)?),
                    F::UrbanVillage => rec.urban_village = Some(bool_of(&raw)?),
                    F::Declared => rec.declared = Some(bool_of(&raw)?),
                    F::Historic => rec.historic = Some(bool_of(&raw)?),
                    F::Longitude => rec.longitude_e6 = Some(coord_of(&raw, 180.0)?),
                    F::Latitude => rec.latitude_e6 = Some(coord_of(&raw, 90.0)?),
                    F::PlanYear => rec.plan_year = Some(plan_year_of(&raw)?),
                    F::Ignore => {}
                }
                Ok(())
            })();
            if let Err(kind) = res {
                issues.push(Issue {
                    row,
                    column: h.headers.get(col).cloned().unwrap_or_default(),
                    value: raw.text().into_owned(),
                    kind,
                });
            }
        }
        if !name_ok && !issues.iter().any(|i| h.headers.get(h.name_col) == Some(&i.column)) {
            issues.push(Issue {
                row,
                column: h.headers.get(h.name_col).cloned().unwrap_or_default(),
                value: cells.get(h.name_col).text().into_owned(),
                kind: IssueKind::Required,
            });
        }
        // sums of the values that parsed, valid row or not
        let t = &mut self.summary.totals;
        t.estates += 1;
        if let Some(v) = rec.households {
            t.households = t.households.saturating_add(v);
            self.sub.households = self.sub.households.saturating_add(v);
        }
        if let Some(v) = rec.buildings {
            t.buildings = t.buildings.saturating_add(v);
            self.sub.buildings = self.sub.buildings.saturating_add(v);
        }
        if let Some(v) = rec.floor_area_dm2 {
            t.floor_area_dm2 = t.floor_area_dm2.saturating_add(v);
            self.sub.area = self.sub.area.saturating_add(v);
        }
        self.summary.data_rows += 1;
        if issues.is_empty() {
            (self.on_row)(RowOutcome::Record(rec));
        } else {
            let width = h.headers.len().max(cells.len());
            let mut raw_cells: Vec<String> = (0..width).map(|i| cells.get(i).text().into_owned()).collect();
            while raw_cells.len() > h.headers.len() && raw_cells.last().is_some_and(|s| s.is_empty()) {
                raw_cells.pop();
            }
            (self.on_row)(RowOutcome::Rejected(RejectedRow { row, cells: raw_cells, issues }));
        }
    }
}

fn source_max_cols() -> usize {
    16_384
}

impl<G: FnMut(RowOutcome)> Sink for EstateSink<G> {
    fn row<C: Cells + ?Sized>(&mut self, row: u32, cells: &C) -> Result<(), FileError> {
        let Some(first) = first_nonblank(cells) else {
            return self.blank_rows(row, row);
        };
        let Some(h) = &self.header else {
            self.nonempty_seen += 1;
            if !self.try_header(row, cells) && self.nonempty_seen >= HEADER_SCAN_ROWS {
                return Err(FileError::NoHeaderRow { searched_rows: self.nonempty_seen, expected: name_expected() });
            }
            return Ok(());
        };
        let name_raw = cells.get(h.name_col);
        let name_blank = name_raw.is_blank();
        let totals = raw_str(&first.1)
            .and_then(totals_label)
            .or_else(|| if first.0 == h.name_col { None } else { raw_str(&name_raw).and_then(totals_label) });
        self.flush_blanks();
        if let Some(kind) = totals {
            self.summary.skipped_rows.push(row);
            self.totals_row(row, cells, kind);
            return Ok(());
        }
        if name_blank && raw_str(&first.1).is_some_and(footer_label) {
            self.summary.skipped_rows.push(row);
            return Ok(());
        }
        self.data_row(row, cells);
        Ok(())
    }

    fn blank_rows(&mut self, first: u32, last: u32) -> Result<(), FileError> {
        if self.header.is_some() && first <= last {
            self.pending_blank.push((first, last));
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ cell parsers

fn text_of(r: &Raw<'_>) -> Result<Option<String>, IssueKind> {
    match r {
        Raw::Empty => Ok(None),
        Raw::Text(s) => Ok(normalize::text(s)),
        Raw::Number(v) => Ok(Some(number_text(*v))),
        Raw::Date(v) => Ok(Some(date_text(*v))),
        Raw::Bool(b) => Ok(Some(if *b { "是" } else { "否" }.to_string())),
        Raw::Error(_) => Err(IssueKind::CellError),
    }
}

fn int_of(r: &Raw<'_>) -> Result<i64, IssueKind> {
    match r {
        Raw::Text(s) => normalize::integer(s),
        Raw::Number(v) | Raw::Date(v) => normalize::integer_from_f64(*v),
        Raw::Error(_) => Err(IssueKind::CellError),
        Raw::Empty => Err(IssueKind::Required),
        Raw::Bool(_) => Err(IssueKind::NotANumber),
    }
}

fn area_of(r: &Raw<'_>) -> Result<i64, IssueKind> {
    match r {
        Raw::Text(s) => normalize::area_dm2(s),
        Raw::Number(v) | Raw::Date(v) => normalize::area_dm2_from_f64(*v),
        Raw::Error(_) => Err(IssueKind::CellError),
        Raw::Empty => Err(IssueKind::Required),
        Raw::Bool(_) => Err(IssueKind::NotANumber),
    }
}

fn years_of(r: &Raw<'_>) -> Result<Vec<i32>, IssueKind> {
    match r {
        Raw::Text(s) => normalize::years(s),
        Raw::Number(v) => Ok(vec![normalize::year_from_f64(*v)?]),
        Raw::Date(v) => match normalize::year_from_excel_serial(*v) {
            Some(y) if (1900..=2099).contains(&y) => Ok(vec![y]),
            Some(_) => Err(IssueKind::YearOutOfRange),
            None => Err(IssueKind::BadYear),
        },
        Raw::Error(_) => Err(IssueKind::CellError),
        Raw::Empty => Err(IssueKind::Required),
        Raw::Bool(_) => Err(IssueKind::BadYear),
    }
}

fn plan_year_of(r: &Raw<'_>) -> Result<i32, IssueKind> {
    let ys = years_of(r)?;
    match ys.as_slice() {
        [y] => Ok(*y),
        _ => Err(IssueKind::MultipleYears),
    }
}

fn bool_of(r: &Raw<'_>) -> Result<bool, IssueKind> {
    match r {
        Raw::Text(s) => normalize::boolean(s),
        Raw::Bool(b) => Ok(*b),
        Raw::Number(v) if *v == 1.0 => Ok(true),
        Raw::Number(v) if *v == 0.0 => Ok(false),
        Raw::Error(_) => Err(IssueKind::CellError),
        _ => Err(IssueKind::BadBool),
    }
}

fn mgmt_of(r: &Raw<'_>) -> Result<Management, IssueKind> {
    match r {
        Raw::Text(s) => parse_management(s).ok_or(IssueKind::BadManagement),
        Raw::Error(_) => Err(IssueKind::CellError),
        _ => Err(IssueKind::BadManagement),
    }
}

fn safety_of(r: &Raw<'_>) -> Result<char, IssueKind> {
    match r {
        Raw::Text(s) => normalize::safety_rating(s),
        Raw::Error(_) => Err(IssueKind::CellError),
        _ => Err(IssueKind::BadSafetyRating),
    }
}

fn region_of(r: &Raw<'_>) -> Result<String, IssueKind> {
    match r {
        Raw::Text(s) => normalize::region_code(s),
        Raw::Number(v) if v.is_finite() && v.fract() == 0.0 && *v >= 0.0 && *v < 1e13 => {
            normalize::region_code(&format!("{}", *v as u64))
        }
        Raw::Error(_) => Err(IssueKind::CellError),
        _ => Err(IssueKind::BadRegionCode),
    }
}

fn coord_of(r: &Raw<'_>, max: f64) -> Result<i64, IssueKind> {
    match r {
        Raw::Text(s) => normalize::coordinate_e6(s, max),
        Raw::Number(v) => normalize::coordinate_e6_from_f64(*v, max),
        Raw::Error(_) => Err(IssueKind::CellError),
        _ => Err(IssueKind::BadCoordinate),
    }
}

// ------------------------------------------------------------------ entry points

fn finish<G: FnMut(RowOutcome)>(sink: EstateSink<G>, sheet: String) -> Result<EstateReadSummary, FileError> {
    if sink.header.is_none() {
        return Err(FileError::NoHeaderRow { searched_rows: sink.nonempty_seen, expected: name_expected() });
    }
    let mut s = sink.summary;
    s.sheet = sheet;
    Ok(s)
}

fn new_sink<G: FnMut(RowOutcome)>(on_row: G) -> EstateSink<G> {
    EstateSink {
        on_row,
        header: None,
        nonempty_seen: 0,
        pending_blank: Vec::new(),
        sub: Sums::default(),
        summary: EstateReadSummary::default(),
    }
}

/// Reads an estate ledger, streaming rows to `on_row` in order. The format comes from the file's
/// signature (zip → xlsx, OLE → xls) or else its extension. Memory stays flat for xlsx and csv.
pub fn read_estates(
    path: &Path,
    opts: &ReadOptions,
    on_row: impl FnMut(RowOutcome),
) -> Result<EstateReadSummary, FileError> {
    let mut sink = new_sink(on_row);
    let sheet = source::stream_path(path, opts, &is_name_header, &mut sink)?;
    let sheet = if sheet.is_empty() {
        path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
    } else {
        sheet
    };
    finish(sink, sheet)
}

/// As [`read_estates`], from bytes in memory.
pub fn read_estates_bytes(
    data: &[u8],
    format: Format,
    opts: &ReadOptions,
    on_row: impl FnMut(RowOutcome),
) -> Result<EstateReadSummary, FileError> {
    let mut sink = new_sink(on_row);
    let sheet = source::stream_bytes(data, format, opts, &is_name_header, &mut sink)?;
    finish(sink, sheet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_synonyms() {
        let s = syn();
        assert_eq!(s.lookup("面积m ²"), Some(F::FloorArea));
        assert_eq!(s.lookup("建筑面积（㎡）"), Some(F::FloorArea));
        assert_eq!(s.lookup("面积(平方米)"), Some(F::FloorArea));
        assert_eq!(s.lookup("建筑面积（万㎡）"), None);
        assert_eq!(s.lookup("县（市、区）"), Some(F::County));
        assert_eq!(s.lookup("小区（项目）名称"), Some(F::Name));
        assert_eq!(s.lookup("户数（户）"), Some(F::Households));
        assert_eq!(s.lookup("年份"), Some(F::PlanYear));
        assert_eq!(s.lookup("建成年份"), Some(F::BuiltYears));
        assert_eq!(s.lookup("序号"), Some(F::Ignore));
        assert_eq!(s.lookup("备注"), None);
        for h in EXPORT_HEADERS {
            assert!(s.lookup(h).is_some(), "{h}");
        }
        assert_eq!(FIELD_DEFS.len(), N_FIELDS + 1);
    }

    #[test]
    fn management_inputs() {
        for (s, m) in [
            ("无", Management::None),
            ("失管", Management::None),
            ("暂无", Management::None),
            ("单位自管", Management::Unit),
            ("原产权单位管理", Management::Unit),
            ("业主自管", Management::SelfManaged),
            ("自治", Management::SelfManaged),
            ("专业化物业", Management::Professional),
            ("有物业", Management::Professional),
            ("professional", Management::Professional),
        ] {
            assert_eq!(parse_management(s), Some(m), "{s}");
        }
        for &m in Management::ALL {
            assert_eq!(parse_management(jiugai_domain::Label::zh(m)), Some(m));
            assert_eq!(parse_management(m.as_str()), Some(m));
            assert_eq!(Management::parse(m.as_str()), Some(m));
        }
        assert_eq!(parse_management("看情况"), None);
        assert_eq!(parse_management("单位托管"), Some(Management::Entrusted));
        assert_eq!(parse_management("红色物业"), Some(Management::StateFallback));
    }
}
