//! Policy profiles: the rule schema, parsing TOML with line numbers, inheritance and effective values.

use jiugai_domain::units::{Cmp, Dm2, Fen, MonthDay, Ratio, Threshold};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

// ───────────────────────────── Schema ─────────────────────────────

/// The type of a rule's value, and how it is written in a profile file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A calendar year, integer 1900–2100: `value = 2000`.
    Year,
    /// `value = true`.
    Bool,
    /// A non-negative integer (estates, days, years): `value = 5`.
    Count,
    /// One of a fixed set of words: `value = "earliest"`.
    Choice(&'static [&'static str]),
    /// A share with its comparison, 0–100 %: `value = "≥80%"`, `">1/2"`, `"≤15%"`.
    Share,
    /// A share without comparison, 0–100 %: `value = "20%"`.
    Fraction,
    /// A money bound: `value = "<400万元"`.
    MoneyBound,
    /// An area bound: `value = "≤300m²"`.
    AreaBound,
    /// A day of the year: `value = "09-15"` or `"05-end"` (last day of May).
    MonthDay,
    /// Counts per year: `value = { 2022 = 208, 2023 = 163 }`.
    YearCounts,
    /// Shares per year (all meant as "at least"): `value = { 2022 = "35%" }`.
    YearShares,
    /// Points 0–100 (ranking weights): `value = 30`.
    Points,
    /// Review steps in order, each `"level:label"` or `"level/role:label"` (level `parent`, `same`,
    /// `province`, `city`, `county` or `street`; role e.g. `department`):
    /// `value = ["county:市住建局审核", "city:报吕梁市备案"]`.
    ReviewChain,
    /// The formula of the assessment of counties (考核): a list of criteria, each with its weight in points
    /// (0–100) and its source clause:
    /// `value = [{ criterion = "satisfaction", weight = 20, source = "钦州 [003 四(三)]" }, …]`.
    AssessFormula,
    /// Which member unit (成员单位) records each approval step: a table from step key to the unit's name as
    /// the annex writes it: `value = { approval = "县发改局", construction_permit = "县行政审批局" }`.
    StepUnits,
}

/// One rule key the system knows.
#[derive(Clone, Copy, Debug)]
pub struct RuleSpec {
    pub key: &'static str,
    pub kind: Kind,
    pub zh: &'static str,
    pub en: &'static str,
}

const BASIS: &[&str] = &["earliest", "latest"];
/// How an assessment treats a county with a criterion without data (see `decide::assess`).
pub const ASSESS_MISSING: &[&str] = &["renormalise", "withhold"];

macro_rules! spec {
    ($k:literal, $kind:expr, $zh:literal, $en:literal) => {
        RuleSpec { key: $k, kind: $kind, zh: $zh, en: $en }
    };
}

/// Every rule key, in the order profiles and `policy show` list them.
pub const RULES: &[RuleSpec] = &[
    // scope
    spec!("core_built_by", Kind::Year, "重点改造范围：建成年份不晚于", "core scope: built in or before this year"),
    spec!(
        "extended_allowed",
        Kind::Bool,
        "是否允许纳入2000年后建成的小区（扩展范围）",
        "extended scope (built after the core year) may enter plans"
    ),
    spec!("extended_built_from", Kind::Year, "扩展范围：建成年份自", "extended scope: first build year"),
    spec!("extended_built_to", Kind::Year, "扩展范围：建成年份至", "extended scope: last build year"),
    spec!(
        "extended_household_cap",
        Kind::Share,
        "年度计划中扩展范围户数占比上限",
        "cap on extended-scope households in an annual plan"
    ),
    spec!(
        "survey_built_by",
        Kind::Year,
        "调查摸底范围：建成年份不晚于",
        "survey covers estates built in or before this year"
    ),
    spec!(
        "build_year_basis",
        Kind::Choice(BASIS),
        "多个建成年份时以哪一年判定（earliest 最早 / latest 最晚）",
        "which build year decides for an estate with several"
    ),
    spec!(
        "exclude_shantytown",
        Kind::Bool,
        "排除已纳入棚户区改造计划（拆除新建）的",
        "exclude estates in a shantytown (demolish-and-rebuild) plan"
    ),
    spec!(
        "exclude_self_built",
        Kind::Bool,
        "排除以居民自建住房为主的区域",
        "exclude areas mainly of self-built housing"
    ),
    spec!("exclude_urban_village", Kind::Bool, "排除城中村", "exclude urban villages"),
    spec!("declared_only", Kind::Bool, "仅限已申报的小区", "only estates already declared (申报) are in scope"),
    // residents
    spec!(
        "consent_to_plan",
        Kind::Share,
        "纳入改造计划须同意改造的居民户数占比",
        "households agreeing, to enter the plan"
    ),
    spec!(
        "consultation_coverage",
        Kind::Share,
        "改造方案征求意见覆盖的居民户数占比",
        "households consulted on the renovation plan"
    ),
    spec!(
        "publicity_days",
        Kind::Count,
        "方案公示天数（公示期满方可报会审）",
        "days the plan is publicised before joint review"
    ),
    spec!(
        "complaint_response_days",
        Kind::Count,
        "居民投诉举报的办理时限（自受理之日起的自然日数；未配置时系统默认 15 天）",
        "days to answer a resident's complaint, counted from the day received (15 when no profile sets it)"
    ),
    spec!(
        "acceptance_satisfaction",
        Kind::Share,
        "竣工验收前居民满意度",
        "resident satisfaction before joint acceptance"
    ),
    spec!(
        "joint_participation_area",
        Kind::Share,
        "共同决定：参与表决业主专有部分面积占比",
        "joint decision: exclusive area of owners taking part"
    ),
    spec!(
        "joint_participation_owners",
        Kind::Share,
        "共同决定：参与表决业主人数占比",
        "joint decision: owners taking part"
    ),
    spec!(
        "joint_ordinary_area",
        Kind::Share,
        "一般事项：同意的专有部分面积占参与表决面积",
        "ordinary matter: yes area of participating area"
    ),
    spec!(
        "joint_ordinary_owners",
        Kind::Share,
        "一般事项：同意人数占参与表决人数",
        "ordinary matter: yes owners of participating owners"
    ),
    spec!(
        "joint_major_area",
        Kind::Share,
        "重大事项（维修资金、改建重建、改变共有部分用途）：同意面积占参与表决面积",
        "major matter: yes area of participating area"
    ),
    spec!(
        "joint_major_owners",
        Kind::Share,
        "重大事项：同意人数占参与表决人数",
        "major matter: yes owners of participating owners"
    ),
    // calendar
    spec!("milestone_survey", Kind::MonthDay, "完成民意调查的期限（计划年度内）", "survey done by (in the plan year)"),
    spec!("milestone_design", Kind::MonthDay, "完成改造方案设计的期限", "design done by"),
    spec!("milestone_approval", Kind::MonthDay, "完成项目立项的期限", "project approval (立项) by"),
    spec!("milestone_start", Kind::MonthDay, "全部开工的期限", "all projects started by"),
    spec!("milestone_basic_completion", Kind::MonthDay, "基本完成改造的期限", "basic completion by"),
    spec!("milestone_completion", Kind::MonthDay, "全面完成（竣工）的期限", "completion by"),
    spec!(
        "plan_due",
        Kind::MonthDay,
        "下一年度改造计划上报期限（在计划年度的前一年）",
        "next year's plan due (in the year before the plan year)"
    ),
    // targets
    spec!("target_total", Kind::Count, "规划期改造小区总数", "estates to renovate over the programme"),
    spec!(
        "target_prior",
        Kind::Count,
        "分年任务表首年之前已完成的小区数",
        "estates done before the first year of the annual table"
    ),
    spec!("target_annual", Kind::YearCounts, "各年度改造小区数", "estates to renovate per year"),
    spec!(
        "target_cumulative",
        Kind::YearShares,
        "至各年底累计完成占总量的比例（不低于）",
        "cumulative share of the total done by each year end (at least)"
    ),
    spec!("target_households", Kind::YearCounts, "各年度改造涉及居民户数", "households to renovate per year"),
    spec!(
        "plan_review_chain",
        Kind::ReviewChain,
        "年度计划的审核、审定与下达步骤（依次）",
        "the annual plan's review, approval and issue steps, in order"
    ),
    spec!(
        "step_units",
        Kind::StepUnits,
        "各审批步骤由哪个成员单位登记（按成员单位职责）",
        "which member unit records each approval step (by the units' duties)"
    ),
    // funding
    spec!(
        "cofunding_min_share",
        Kind::Share,
        "企业和居民出资占项目总投资比例",
        "enterprises + residents share of total investment"
    ),
    spec!(
        "county_pays_remainder",
        Kind::Bool,
        "扣除上级补助后剩余政府投入由县级财政承担",
        "the county pays what remains after higher-level subsidies"
    ),
    spec!(
        "x_owner_share",
        Kind::Fraction,
        "X项（完善类、提升类）业主出资比例",
        "owners' share of X (improvement/enhancement) items"
    ),
    // approvals
    spec!(
        "preliminary_design_exempt_below",
        Kind::MoneyBound,
        "批复总投资低于此额不再审批初步设计",
        "no separate preliminary design below this investment"
    ),
    spec!(
        "preliminary_design_merged",
        Kind::Bool,
        "项目建议书、可研、初步设计及概算合并审批",
        "proposal, feasibility study and preliminary design approved together"
    ),
    spec!(
        "plan_replaces_feasibility",
        Kind::Bool,
        "改造方案代替项目建议书和可行性研究报告",
        "the renovation plan replaces proposal and feasibility study"
    ),
    spec!(
        "permit_exempt_new_area",
        Kind::AreaBound,
        "无高风险施工的新建面积在此以内可不办施工许可证",
        "no construction permit for new build within this area and no high-risk work"
    ),
    spec!(
        "drawing_review_exempt_low_risk",
        Kind::Bool,
        "不涉及主体结构变动的低风险项目告知承诺后可不进行施工图审查",
        "low-risk, no structural change: no construction-drawing review"
    ),
    spec!(
        "registration_working_days",
        Kind::Count,
        "不动产登记绿色通道办结时限（工作日）",
        "property registration green channel, working days"
    ),
    spec!(
        "idle_building_years",
        Kind::Count,
        "利用闲置房屋建设公共服务设施暂不变更用地的年限",
        "years idle buildings may serve without changing land use"
    ),
    // ranking
    spec!("rank_weight_willingness", Kind::Points, "排序权重：居民改造意愿", "ranking weight: willingness"),
    spec!("rank_weight_contribution", Kind::Points, "排序权重：居民出资", "ranking weight: residents' contribution"),
    spec!("rank_weight_participation", Kind::Points, "排序权重：居民参与", "ranking weight: participation"),
    spec!(
        "rank_weight_illegal_removed",
        Kind::Points,
        "排序权重：主动拆除违建",
        "ranking weight: illegal buildings removed voluntarily"
    ),
    spec!("rank_weight_age", Kind::Points, "排序权重：建成年代", "ranking weight: age"),
    spec!("rank_weight_safety", Kind::Points, "排序权重：房屋安全等级", "ranking weight: building safety rating"),
    spec!(
        "rank_age_full_years",
        Kind::Count,
        "房龄达到此年数时年代得分为满分",
        "age (years) that earns the full age score"
    ),
    // assessment of counties
    spec!(
        "assess_formula",
        Kind::AssessFormula,
        "县区考核：各项指标及权重（分）",
        "assessment of counties: criteria and their weights (points)"
    ),
    spec!(
        "assess_missing",
        Kind::Choice(ASSESS_MISSING),
        "县区考核：某项无数据时（renormalise 按有数据指标的权重折算 / withhold 暂不计分）",
        "assessment: a criterion without data (renormalise over the weights present / withhold the score)"
    ),
];

/// The spec of a rule key, if the key exists.
pub fn rule_spec(key: &str) -> Option<&'static RuleSpec> {
    RULES.iter().find(|s| s.key == key)
}

// ───────────────────────────── Values ─────────────────────────────

/// A rule's value, typed by its [`Kind`]. Serializes as JSON naturally (numbers, booleans, text, maps).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleValue {
    Year(i32),
    Bool(bool),
    Count(i64),
    Choice(String),
    Share(Threshold),
    Fraction(Ratio),
    Money {
        cmp: Cmp,
        amount: Fen,
    },
    Area {
        cmp: Cmp,
        area: Dm2,
    },
    MonthDay(MonthDay),
    YearCounts(BTreeMap<i32, i64>),
    YearShares(BTreeMap<i32, Ratio>),
    Points(i64),
    ReviewChain(Vec<ReviewStep>),
    /// Step key → the unit's name.
    StepUnits(BTreeMap<String, String>),
    AssessFormula(Vec<FormulaItem>),
}

/// One criterion of the assessment formula: its weight in points and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormulaItem {
    pub criterion: jiugai_domain::AssessCriterion,
    pub weight: i64,
    pub source: String,
}

/// Who acts at one step of a plan's review: the office at `level` relative to or above the plan's region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewStep {
    /// `parent` (the level above the plan's region), `same` (the plan's own region, another body), or an
    /// absolute level: `province`, `city`, `county`, `street`.
    pub level: String,
    /// A role that must act (e.g. `department` for a joint issue by departments); `None`: the office.
    pub role: Option<String>,
    pub label: String,
}

impl ReviewStep {
    pub const LEVELS: &'static [&'static str] = &["parent", "same", "province", "city", "county", "street"];

    /// `"county/department:住建、发改、财政联合下达"` → step.
    pub fn parse(s: &str) -> Option<ReviewStep> {
        let (who, label) = s.split_once(':').or_else(|| s.split_once('：'))?;
        let (level, role) = match who.split_once('/') {
            Some((l, r)) => (l.trim(), Some(r.trim().to_string()).filter(|r| !r.is_empty())),
            None => (who.trim(), None),
        };
        let label = label.trim();
        (Self::LEVELS.contains(&level) && !label.is_empty()).then(|| ReviewStep {
            level: level.to_string(),
            role,
            label: label.to_string(),
        })
    }
}

impl fmt::Display for ReviewStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.role {
            Some(r) => write!(f, "{}/{}:{}", self.level, r, self.label),
            None => write!(f, "{}:{}", self.level, self.label),
        }
    }
}

impl fmt::Display for RuleValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleValue::Year(y) => write!(f, "{y}"),
            RuleValue::Bool(b) => write!(f, "{b}"),
            RuleValue::Count(n) | RuleValue::Points(n) => write!(f, "{n}"),
            RuleValue::Choice(s) => f.write_str(s),
            RuleValue::Share(t) => write!(f, "{t}"),
            RuleValue::Fraction(r) => write!(f, "{r}"),
            RuleValue::Money { cmp, amount } => write!(f, "{}{}元", cmp.symbol(), amount),
            RuleValue::Area { cmp, area } => write!(f, "{}{}m²", cmp.symbol(), area),
            RuleValue::MonthDay(md) => write!(f, "{md}"),
            RuleValue::YearCounts(m) => {
                let parts: Vec<String> = m.iter().map(|(y, n)| format!("{y}={n}")).collect();
                f.write_str(&parts.join(", "))
            }
            RuleValue::YearShares(m) => {
                let parts: Vec<String> = m.iter().map(|(y, r)| format!("{y}=≥{r}")).collect();
                f.write_str(&parts.join(", "))
            }
            RuleValue::ReviewChain(steps) => {
                let parts: Vec<String> = steps.iter().map(|s| s.label.clone()).collect();
                f.write_str(&parts.join(" → "))
            }
            RuleValue::AssessFormula(items) => {
                let parts: Vec<String> = items.iter().map(|i| format!("{}={}", i.criterion, i.weight)).collect();
                f.write_str(&parts.join(", "))
            }
            RuleValue::StepUnits(m) => {
                let parts: Vec<String> = m.iter().map(|(k, u)| format!("{k}={u}")).collect();
                f.write_str(&parts.join(", "))
            }
        }
    }
}

impl Serialize for RuleValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RuleValue::Year(y) => s.serialize_i32(*y),
            RuleValue::Bool(b) => s.serialize_bool(*b),
            RuleValue::Count(n) | RuleValue::Points(n) => s.serialize_i64(*n),
            RuleValue::YearCounts(m) => s.collect_map(m.iter().map(|(y, n)| (y.to_string(), *n))),
            RuleValue::YearShares(m) => s.collect_map(m.iter().map(|(y, r)| (y.to_string(), format!("≥{r}")))),
            RuleValue::ReviewChain(steps) => s.collect_seq(steps.iter().map(|x| x.to_string())),
            RuleValue::AssessFormula(items) => s.collect_seq(items.iter()),
            RuleValue::StepUnits(m) => s.collect_map(m.iter()),
            other => s.collect_str(other),
        }
    }
}

// ───────────────────────────── Errors ─────────────────────────────

/// A profile file was refused. `line`/`column` are 1-based; 0 when not known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{origin}:{line}:{column}: {message_zh} ({message_en})")]
pub struct ProfileError {
    pub origin: String,
    pub line: usize,
    pub column: usize,
    pub message_zh: String,
    pub message_en: String,
}

/// A set of profiles is inconsistent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    #[error("未知的政策配置 {0}（unknown profile {0}）")]
    UnknownProfile(String),
    #[error("政策配置 {child} 继承的上级 {parent} 不存在（profile {child} inherits unknown profile {parent}）")]
    UnknownParent { child: String, parent: String },
    #[error("政策配置继承关系成环：{}（inheritance cycle）", .0.join(" → "))]
    Cycle(Vec<String>),
    #[error("区划代码 {code} 已由 {existing} 使用，{new} 不能再用（region code already used）")]
    DuplicateRegion { code: String, existing: String, new: String },
}

/// Loading a profile text into a set failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Parse(#[from] ProfileError),
    #[error(transparent)]
    Set(#[from] SetError),
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

// ───────────────────────────── Profile ─────────────────────────────

/// One value of a rule with its source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Variant {
    pub value: RuleValue,
    /// Document and clause, e.g. `芮城县实施方案 [001 二(三)1]`.
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A rule as one profile sets it: a value for all years and/or values for single plan years.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RuleEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_years: Option<Variant>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub years: BTreeMap<i32, Variant>,
}

/// A parsed policy profile (only the rules it sets itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub name: String,
    pub title: String,
    /// GB/T 2260 code prefix (`"1404"`, `"140830"`); empty for the national baseline.
    pub region_code: String,
    pub inherits: Option<String>,
    pub description: Option<String>,
    pub rules: BTreeMap<String, RuleEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: Option<Spanned<String>>,
    title: Option<String>,
    region_code: Option<Spanned<String>>,
    inherits: Option<Spanned<String>>,
    description: Option<String>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    value: Option<Spanned<toml::Value>>,
    source: Option<Spanned<String>>,
    note: Option<String>,
    #[serde(default)]
    years: BTreeMap<Spanned<String>, Spanned<RawVariant>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariant {
    value: Option<Spanned<toml::Value>>,
    source: Option<Spanned<String>>,
    note: Option<String>,
}

struct Ctx<'a> {
    origin: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn err(&self, span: std::ops::Range<usize>, zh: impl Into<String>, en: impl Into<String>) -> ProfileError {
        let (line, column) = line_col(self.text, span.start);
        ProfileError { origin: self.origin.to_string(), line, column, message_zh: zh.into(), message_en: en.into() }
    }
}

fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_')
}

impl Profile {
    /// Parse a profile file. `origin` names the text in error messages (e.g. the file name).
    ///
    /// Refused, with line and column: TOML syntax errors, unknown fields or rule keys, values of the wrong
    /// type, shares outside 0–100 %, years outside 1900–2100, a rule without `source`.
    pub fn parse(origin: &str, text: &str) -> Result<Profile, ProfileError> {
        let cx = Ctx { origin, text };
        let raw: RawProfile = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            let msg = e.message().trim().to_string();
            let zh = if msg.contains("RawRule") || msg.contains("RawVariant") {
                "规则须写成表，含 value 与 source，例如 [rules.consent_to_plan] value = \"≥80%\" source = \"…\""
                    .to_string()
            } else if msg.starts_with("unknown field") {
                format!("未知字段：{msg}")
            } else {
                format!("格式错误：{msg}")
            };
            cx.err(span, zh, msg)
        })?;
        let name = raw.name.ok_or_else(|| cx.err(0..0, "缺少 name", "missing `name`"))?;
        if !valid_name(name.get_ref()) {
            return Err(cx.err(
                name.span(),
                "name 只能用小写字母、数字、- 和 _",
                "name must be lowercase ascii, digits, - or _",
            ));
        }
        let title = raw.title.ok_or_else(|| cx.err(0..0, "缺少 title（中文名称）", "missing `title`"))?;
        let region = raw.region_code.ok_or_else(|| cx.err(0..0, "缺少 region_code", "missing `region_code`"))?;
        if !region.get_ref().bytes().all(|c| c.is_ascii_digit())
            || (region.get_ref().is_empty() && raw.inherits.is_some())
        {
            return Err(cx.err(
                region.span(),
                "region_code 须为区划代码数字（仅全国基线可为空）",
                "region_code must be digits (empty only for the national baseline)",
            ));
        }
        if let Some(p) = &raw.inherits
            && (!valid_name(p.get_ref()) || p.get_ref() == name.get_ref())
        {
            return Err(cx.err(p.span(), "inherits 须为另一个政策配置的 name", "inherits must name another profile"));
        }
        let mut rules = BTreeMap::new();
        for (key, rule) in raw.rules {
            let spec = rule_spec(key.get_ref()).ok_or_else(|| {
                cx.err(
                    key.span(),
                    format!("未知的规则键 {}", key.get_ref()),
                    format!("unknown rule key `{}`", key.get_ref()),
                )
            })?;
            let rule_span = rule.span();
            let rule = rule.into_inner();
            let mut entry = RuleEntry::default();
            if rule.value.is_some() || rule.source.is_some() {
                entry.all_years = Some(variant(&cx, spec, rule.value, rule.source, rule.note, rule_span.clone())?);
            }
            for (year, v) in rule.years {
                let y: i32 = year.get_ref().parse().ok().filter(|y| (1900..=2100).contains(y)).ok_or_else(|| {
                    cx.err(
                        year.span(),
                        "years 下的键须为年份（1900–2100）",
                        "keys under `years` must be years 1900–2100",
                    )
                })?;
                let vs = v.span();
                let v = v.into_inner();
                entry.years.insert(y, variant(&cx, spec, v.value, v.source, v.note, vs)?);
            }
            if entry.all_years.is_none() && entry.years.is_empty() {
                return Err(cx.err(
                    rule_span,
                    format!("规则 {} 缺少 value", spec.key),
                    format!("rule `{}` has no value", spec.key),
                ));
            }
            rules.insert(spec.key.to_string(), entry);
        }
        Ok(Profile {
            name: name.into_inner(),
            title,
            region_code: region.into_inner(),
            inherits: raw.inherits.map(Spanned::into_inner),
            description: raw.description,
            rules,
        })
    }
}

fn variant(
    cx: &Ctx<'_>,
    spec: &RuleSpec,
    value: Option<Spanned<toml::Value>>,
    source: Option<Spanned<String>>,
    note: Option<String>,
    span: std::ops::Range<usize>,
) -> Result<Variant, ProfileError> {
    let value = value.ok_or_else(|| {
        cx.err(span.clone(), format!("规则 {} 缺少 value", spec.key), format!("rule `{}` has no value", spec.key))
    })?;
    let source = source.ok_or_else(|| {
        cx.err(
            span.clone(),
            format!("规则 {} 缺少 source（出处：文件名称 + 条款）", spec.key),
            format!("rule `{}` has no source", spec.key),
        )
    })?;
    if source.get_ref().trim().is_empty() {
        return Err(cx.err(
            source.span(),
            format!("规则 {} 的 source 为空", spec.key),
            format!("rule `{}` has an empty source", spec.key),
        ));
    }
    let vspan = value.span();
    let v = parse_value(spec.kind, value.get_ref()).map_err(|(zh, en)| {
        cx.err(vspan, format!("规则 {} 的值无效：{zh}", spec.key), format!("invalid value for `{}`: {en}", spec.key))
    })?;
    Ok(Variant { value: v, source: source.into_inner().trim().to_string(), note })
}

type VErr = (String, String);

fn verr(zh: &str, en: &str) -> VErr {
    (zh.to_string(), en.to_string())
}

fn unit_ratio(r: Ratio) -> Result<Ratio, VErr> {
    if r.num < 0 || r.num > r.den {
        Err(verr("比例须在 0% 到 100% 之间", "share out of range 0–100%"))
    } else {
        Ok(r)
    }
}

fn parse_value(kind: Kind, v: &toml::Value) -> Result<RuleValue, VErr> {
    use toml::Value as V;
    let want_str = |what_zh: &str, what_en: &str| {
        verr(&format!("应为文本，如 {what_zh}"), &format!("expected a string such as {what_en}"))
    };
    match kind {
        Kind::Year => match v {
            V::Integer(y) if (1900..=2100).contains(y) => Ok(RuleValue::Year(*y as i32)),
            V::Integer(_) => Err(verr("年份须在 1900–2100 之间", "year out of range 1900–2100")),
            _ => Err(verr("应为年份整数，如 2000", "expected an integer year such as 2000")),
        },
        Kind::Bool => match v {
            V::Boolean(b) => Ok(RuleValue::Bool(*b)),
            _ => Err(verr("应为 true 或 false", "expected true or false")),
        },
        Kind::Count | Kind::Points => match v {
            V::Integer(n) if *n >= 0 && (kind == Kind::Count || *n <= 100) => {
                Ok(if kind == Kind::Count { RuleValue::Count(*n) } else { RuleValue::Points(*n) })
            }
            V::Integer(_) if kind == Kind::Points => Err(verr("分值须在 0–100 之间", "points out of range 0–100")),
            V::Integer(_) => Err(verr("不能为负数", "must not be negative")),
            _ => Err(verr("应为整数", "expected an integer")),
        },
        Kind::Choice(opts) => match v {
            V::String(s) if opts.contains(&s.as_str()) => Ok(RuleValue::Choice(s.clone())),
            _ => Err((format!("应为以下之一：{}", opts.join("、")), format!("expected one of: {}", opts.join(", ")))),
        },
        Kind::Share => {
            let V::String(s) = v else {
                return Err(want_str("\"≥80%\"", "\"≥80%\""));
            };
            let (cmp, rest) = Cmp::split(s)
                .ok_or_else(|| verr("须以 ≥、>、≤ 或 < 开头，如 \"≥80%\"", "must start with ≥, >, ≤ or <"))?;
            let ratio =
                Ratio::parse(rest).ok_or_else(|| verr("比例写法应为 80% 或 2/3", "a share is written 80% or 2/3"))?;
            Ok(RuleValue::Share(Threshold { cmp, ratio: unit_ratio(ratio)? }))
        }
        Kind::Fraction => {
            let V::String(s) = v else {
                return Err(want_str("\"20%\"", "\"20%\""));
            };
            let r = Ratio::parse(s).ok_or_else(|| verr("比例写法应为 20% 或 1/5", "a share is written 20% or 1/5"))?;
            Ok(RuleValue::Fraction(unit_ratio(r)?))
        }
        Kind::MoneyBound => {
            let V::String(s) = v else {
                return Err(want_str("\"<400万元\"", "\"<400万元\""));
            };
            let (cmp, rest) = Cmp::split(s)
                .ok_or_else(|| verr("须以 ≥、>、≤ 或 < 开头，如 \"<400万元\"", "must start with ≥, >, ≤ or <"))?;
            let amount = Fen::parse(rest).ok_or_else(|| {
                verr("金额写法应为 4000000元 或 400万元（最多到分）", "money is written 4000000元 or 400万元")
            })?;
            Ok(RuleValue::Money { cmp, amount })
        }
        Kind::AreaBound => {
            let V::String(s) = v else {
                return Err(want_str("\"≤300m²\"", "\"≤300m²\""));
            };
            let (cmp, rest) = Cmp::split(s)
                .ok_or_else(|| verr("须以 ≥、>、≤ 或 < 开头，如 \"≤300m²\"", "must start with ≥, >, ≤ or <"))?;
            let area =
                Dm2::parse(rest).ok_or_else(|| verr("面积写法应为 300m²（最多两位小数）", "area is written 300m²"))?;
            Ok(RuleValue::Area { cmp, area })
        }
        Kind::MonthDay => {
            let V::String(s) = v else {
                return Err(want_str("\"09-15\" 或 \"05-end\"", "\"09-15\" or \"05-end\""));
            };
            MonthDay::parse(s).map(RuleValue::MonthDay).ok_or_else(|| {
                verr("日期写法应为 \"09-15\" 或 \"05-end\"（月底）", "a day is written \"09-15\" or \"05-end\"")
            })
        }
        Kind::YearCounts | Kind::YearShares => {
            let V::Table(t) = v else {
                return Err(verr(
                    "应为按年份的表，如 { 2022 = 208, 2023 = 163 }",
                    "expected a table by year, e.g. { 2022 = 208 }",
                ));
            };
            let mut counts = BTreeMap::new();
            let mut shares = BTreeMap::new();
            for (k, x) in t {
                let y: i32 = k
                    .parse()
                    .ok()
                    .filter(|y| (1900..=2100).contains(y))
                    .ok_or_else(|| (format!("{k} 不是年份"), format!("{k} is not a year")))?;
                match (kind, x) {
                    (Kind::YearCounts, V::Integer(n)) if *n >= 0 => {
                        counts.insert(y, *n);
                    }
                    (Kind::YearCounts, _) => {
                        return Err((
                            format!("{y} 年的值应为非负整数"),
                            format!("value for {y} must be a non-negative integer"),
                        ));
                    }
                    (_, V::String(s)) => {
                        let s = s.trim();
                        let s = Cmp::split(s).filter(|(c, _)| *c == Cmp::AtLeast).map_or(s, |(_, r)| r);
                        let r = Ratio::parse(s).ok_or_else(|| {
                            (format!("{y} 年的比例写法应为 35%"), format!("share for {y} is written 35%"))
                        })?;
                        shares.insert(y, unit_ratio(r)?);
                    }
                    _ => {
                        return Err((
                            format!("{y} 年的值应为比例文本，如 \"35%\""),
                            format!("value for {y} must be a share such as \"35%\""),
                        ));
                    }
                }
            }
            Ok(if kind == Kind::YearCounts { RuleValue::YearCounts(counts) } else { RuleValue::YearShares(shares) })
        }
        Kind::ReviewChain => {
            let want = || {
                verr(
                    "应为审核步骤的列表，如 [\"county:市住建局审核\", \"city:报吕梁市备案\"]（层级 parent、same、province、city、county、street，可写 county/department 表示部门）",
                    "expected a list of review steps such as [\"county:office review\", \"city:report to the city\"] (levels parent, same, province, city, county, street; county/department for departments)",
                )
            };
            let V::Array(items) = v else { return Err(want()) };
            let steps: Option<Vec<ReviewStep>> = items.iter().map(|x| x.as_str().and_then(ReviewStep::parse)).collect();
            match steps {
                Some(s) if !s.is_empty() => Ok(RuleValue::ReviewChain(s)),
                _ => Err(want()),
            }
        }
        Kind::AssessFormula => {
            let want = || {
                verr(
                    &format!(
                        "应为指标列表，如 [{{ criterion = \"satisfaction\", weight = 20, source = \"[003 四(三)]\" }}]（指标：{}；权重为 0–100 的整数分，合计大于 0，每项须有 source，不得重复）",
                        jiugai_domain::AssessCriterion::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join("、")
                    ),
                    "expected a list of criteria such as [{ criterion = \"satisfaction\", weight = 20, source = \"[003 四(三)]\" }] (weights integer points 0–100, total above 0, each with a source, none twice)",
                )
            };
            let V::Array(items) = v else { return Err(want()) };
            let mut out: Vec<FormulaItem> = Vec::new();
            for x in items {
                let V::Table(t) = x else { return Err(want()) };
                if t.keys().any(|k| !["criterion", "weight", "source"].contains(&k.as_str())) {
                    return Err(want());
                }
                let c = t
                    .get("criterion")
                    .and_then(|c| c.as_str())
                    .and_then(jiugai_domain::AssessCriterion::parse)
                    .ok_or_else(want)?;
                let w =
                    t.get("weight").and_then(|w| w.as_integer()).filter(|w| (0..=100).contains(w)).ok_or_else(want)?;
                let src = t
                    .get("source")
                    .and_then(|s| s.as_str())
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(want)?;
                if out.iter().any(|i| i.criterion == c) {
                    return Err(want());
                }
                out.push(FormulaItem { criterion: c, weight: w, source: src.to_string() });
            }
            if out.iter().map(|i| i.weight).sum::<i64>() <= 0 {
                return Err(want());
            }
            Ok(RuleValue::AssessFormula(out))
        }
        Kind::StepUnits => {
            let want = || {
                verr(
                    "应为步骤到成员单位的表，如 { approval = \"县发改局\" }（步骤用系统的步骤键）",
                    "expected a table from step key to unit, e.g. { approval = \"县发改局\" }",
                )
            };
            let V::Table(t) = v else { return Err(want()) };
            let mut m = BTreeMap::new();
            for (k, x) in t {
                if jiugai_domain::StepKey::parse(k).is_none() {
                    return Err((format!("未知步骤“{k}”"), format!("unknown step “{k}”")));
                }
                match x.as_str().map(str::trim) {
                    Some(u) if !u.is_empty() => {
                        m.insert(k.clone(), u.to_string());
                    }
                    _ => return Err(want()),
                }
            }
            if m.is_empty() {
                return Err(want());
            }
            Ok(RuleValue::StepUnits(m))
        }
    }
}

// ───────────────────────────── Built-ins ─────────────────────────────

/// The built-in profiles: (file name, text). Embedded at compile time.
pub const BUILTIN: &[(&str, &str)] = &[
    ("national.toml", include_str!("../profiles/national.toml")),
    ("changzhi.toml", include_str!("../profiles/changzhi.toml")),
    ("ruicheng.toml", include_str!("../profiles/ruicheng.toml")),
    ("suzhou-ah.toml", include_str!("../profiles/suzhou-ah.toml")),
    ("qinzhou.toml", include_str!("../profiles/qinzhou.toml")),
    ("fenyang.toml", include_str!("../profiles/fenyang.toml")),
];

/// The name of the root profile every other profile eventually inherits from.
pub const NATIONAL: &str = "national";

// ───────────────────────────── Set and effective ─────────────────────────────

/// Built-in and loaded profiles, with inheritance checked.
#[derive(Clone, Debug)]
pub struct ProfileSet {
    profiles: BTreeMap<String, Profile>,
    builtin: Vec<String>,
}

/// One effective rule value: what applies, where it is written and which profile set it.
#[derive(Clone, Debug, Serialize)]
pub struct EffectiveRule {
    pub key: String,
    /// `Some(y)`: applies only to plan year `y`; `None`: to every year without a year-specific value.
    pub year: Option<i32>,
    pub value: RuleValue,
    /// The value as text, as written in decisions (`≥80%`, `05-end`, `<4000000.00元`).
    pub text: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The profile that set this value (the profile itself or an ancestor).
    pub profile: String,
    pub meaning_zh: &'static str,
    pub meaning_en: &'static str,
}

/// A profile with inheritance resolved: every rule that applies, with its source.
#[derive(Clone, Debug, Serialize)]
pub struct EffectiveProfile {
    pub name: String,
    pub title: String,
    pub region_code: String,
    /// This profile first, then its parent, … up to the national baseline.
    pub chain: Vec<String>,
    pub rules: Vec<EffectiveRule>,
}

impl EffectiveProfile {
    /// The rule value for `key` that applies in plan year `year` (year-specific first), or for all years.
    pub fn rule(&self, key: &str, year: Option<i32>) -> Option<&EffectiveRule> {
        if let Some(y) = year
            && let Some(r) = self.rules.iter().find(|r| r.key == key && r.year == Some(y))
        {
            return Some(r);
        }
        self.rules.iter().find(|r| r.key == key && r.year.is_none())
    }
}

impl Default for ProfileSet {
    fn default() -> Self {
        ProfileSet::builtin()
    }
}

impl ProfileSet {
    /// The built-in profiles (national baseline and the five seed jurisdictions).
    pub fn builtin() -> ProfileSet {
        let mut set = ProfileSet { profiles: BTreeMap::new(), builtin: Vec::new() };
        for (file, text) in BUILTIN {
            let p = Profile::parse(file, text).unwrap_or_else(|e| panic!("built-in profile refused: {e}"));
            set.builtin.push(p.name.clone());
            set.insert(p).unwrap_or_else(|e| panic!("built-in profiles inconsistent: {e}"));
        }
        set
    }

    /// Only the given profiles (no built-ins), checked as a whole.
    pub fn from_profiles(list: Vec<Profile>) -> Result<ProfileSet, SetError> {
        let mut set = ProfileSet { profiles: BTreeMap::new(), builtin: Vec::new() };
        for p in list {
            set.profiles.insert(p.name.clone(), p);
        }
        set.check()?;
        Ok(set)
    }

    /// Add a profile, or replace the one with the same name. Refused (and nothing changes) if its
    /// parent is unknown, inheritance would form a cycle, or its region code is taken by another profile.
    pub fn insert(&mut self, p: Profile) -> Result<(), SetError> {
        let old = self.profiles.insert(p.name.clone(), p.clone());
        if let Err(e) = self.check() {
            match old {
                Some(o) => self.profiles.insert(o.name.clone(), o),
                None => self.profiles.remove(&p.name),
            };
            return Err(e);
        }
        Ok(())
    }

    /// Parse and insert (what `jiugai policy load FILE` does before storing the text).
    pub fn load(&mut self, origin: &str, text: &str) -> Result<&Profile, LoadError> {
        let p = Profile::parse(origin, text)?;
        let name = p.name.clone();
        self.insert(p)?;
        Ok(&self.profiles[&name])
    }

    fn check(&self) -> Result<(), SetError> {
        let mut codes: BTreeMap<&str, &str> = BTreeMap::new();
        for p in self.profiles.values() {
            if !p.region_code.is_empty()
                && let Some(existing) = codes.insert(&p.region_code, &p.name)
            {
                return Err(SetError::DuplicateRegion {
                    code: p.region_code.clone(),
                    existing: existing.to_string(),
                    new: p.name.clone(),
                });
            }
            self.chain(&p.name)?;
        }
        Ok(())
    }

    /// `name`, its parent, … to the root.
    pub fn chain(&self, name: &str) -> Result<Vec<String>, SetError> {
        let mut out: Vec<String> = Vec::new();
        let mut cur = self.profiles.get(name).ok_or_else(|| SetError::UnknownProfile(name.to_string()))?;
        loop {
            if out.contains(&cur.name) {
                out.push(cur.name.clone());
                return Err(SetError::Cycle(out));
            }
            out.push(cur.name.clone());
            match &cur.inherits {
                None => return Ok(out),
                Some(parent) => {
                    cur = self
                        .profiles
                        .get(parent)
                        .ok_or_else(|| SetError::UnknownParent { child: cur.name.clone(), parent: parent.clone() })?;
                }
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }
    pub fn is_builtin(&self, name: &str) -> bool {
        self.builtin.iter().any(|b| b == name)
    }

    /// Every rule that applies under profile `name`, in schema order.
    pub fn effective(&self, name: &str) -> Result<EffectiveProfile, SetError> {
        let chain = self.chain(name)?;
        let profiles: Vec<&Profile> = chain.iter().map(|n| &self.profiles[n]).collect();
        let mut rules = Vec::new();
        for spec in RULES {
            let make = |year: Option<i32>, v: &Variant, from: &Profile| EffectiveRule {
                key: spec.key.to_string(),
                year,
                text: v.value.to_string(),
                value: v.value.clone(),
                source: v.source.clone(),
                note: v.note.clone(),
                profile: from.name.clone(),
                meaning_zh: spec.zh,
                meaning_en: spec.en,
            };
            // The all-years value: the nearest profile that sets one.
            let mut default_depth = usize::MAX;
            for (depth, p) in profiles.iter().enumerate() {
                if let Some(v) = p.rules.get(spec.key).and_then(|e| e.all_years.as_ref()) {
                    rules.push(make(None, v, p));
                    default_depth = depth;
                    break;
                }
            }
            // Year-specific values set nearer than (or at) the all-years value win for their year.
            let mut years: BTreeMap<i32, EffectiveRule> = BTreeMap::new();
            for p in profiles.iter().take(default_depth.saturating_add(1)) {
                if let Some(e) = p.rules.get(spec.key) {
                    for (y, v) in &e.years {
                        years.entry(*y).or_insert_with(|| make(Some(*y), v, p));
                    }
                }
            }
            rules.extend(years.into_values());
        }
        let me = profiles[0];
        Ok(EffectiveProfile {
            name: me.name.clone(),
            title: me.title.clone(),
            region_code: me.region_code.clone(),
            chain,
            rules,
        })
    }

    /// **The** profile that applies to an estate: the nearest region up its tree that has one, starting from
    /// its street when the estate file names one inside its county, else its county. Every decision about an
    /// estate (eligibility in the CLI, the web and the store's cache; consultations; projects) goes through
    /// this function or [`ProfileSet::for_estates`].
    pub fn for_estate(&self, region_code: &str, street_code: Option<&str>) -> &str {
        let own = street_code.filter(|s| s.len() > region_code.len() && s.starts_with(region_code));
        self.for_region(own.unwrap_or(region_code))
    }

    /// The profile that applies to a project of several estates: that of the deepest region holding all of
    /// them (their common street when they share one, else their county — every project lies in one county).
    pub fn for_estates<'a>(&self, places: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> &str {
        self.for_region(&common_region(places))
    }

    /// The profile for a region: the one whose `region_code` is the longest prefix of `code`, else `national`.
    /// E.g. `"140830101"` → `ruicheng`, `"140802"` → `national` (运城市 1408 has none), `"140403"` → `changzhi`.
    pub fn for_region(&self, code: &str) -> &str {
        self.profiles
            .values()
            .filter(|p| !p.region_code.is_empty() && code.starts_with(p.region_code.as_str()))
            .max_by_key(|p| p.region_code.len())
            .map_or(NATIONAL, |p| p.name.as_str())
    }
}

/// The deepest region (by GB/T 2260 code: 2, 4, 6 or 9 digits) that holds every place — a place being an
/// estate's county and, if known, its street.
pub fn common_region<'a>(places: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> String {
    let mut common: Option<String> = None;
    for (county, street) in places {
        let own = street.filter(|s| s.len() > county.len() && s.starts_with(county)).unwrap_or(county);
        common = Some(match common {
            None => own.to_string(),
            Some(c) => {
                let n = c.bytes().zip(own.bytes()).take_while(|(a, b)| a == b).count();
                let level = [9usize, 6, 4, 2].into_iter().find(|&l| l <= n).unwrap_or(0);
                c[..level].to_string()
            }
        });
    }
    common.unwrap_or_default()
}
