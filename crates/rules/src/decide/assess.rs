//! The assessment of counties (考核) for a period: every criterion a ratio of two counts from the records,
//! weighted by the profile's `assess_formula`, scored with exact rational arithmetic and one rounding
//! [003 四(三); 000 四(四); 004 七(二)].
//!
//! The formula, as printed beside every assessment ([`Formula::statement`]):
//! - part *i* = min(numerator, denominator) / denominator (a negative numerator counts as 0), exact;
//!   a denominator of 0 means **no data**: the part is `missing`, never 0.
//! - score = (W / W′) × Σ wᵢ × partᵢ over the parts present, where W is the sum of all weights and W′ the
//!   sum of the weights present (`assess_missing = "renormalise"`, the default); with
//!   `assess_missing = "withhold"` a county with any part missing gets no score and no rank.
//! - the score is computed exactly (arbitrary-precision integers) and rounded **once**, to 0.01 point, half
//!   up. Each part's points are shown rounded the same way, so the shown parts may differ from the score by
//!   0.01 in their sum.
//! - ranking: higher score (as shown, 0.01 point) first; equal scores: higher target progress (exact; a
//!   county without target data after those with), then the region code ascending. Counties without a
//!   score come last, unranked.

#[allow(unused_imports)]
use super::*;
use crate::profile::FormulaItem;
use jiugai_domain::AssessCriterion;
use std::collections::BTreeMap;

/// How a county with a part missing is scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingRule {
    /// Score on the parts present, scaled up to the full weight.
    Renormalise,
    /// No score and no rank while a part is missing.
    Withhold,
}

/// The formula an assessment applies, with where each piece comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Formula {
    pub items: Vec<FormulaItem>,
    /// Sum of all weights (the full score, in points).
    pub total_weight: i64,
    pub missing: MissingRule,
    /// The `assess_formula` rule.
    pub rule: RuleRef,
    /// The `assess_missing` rule (or this system's default when no profile sets it).
    pub missing_rule: RuleRef,
}

/// What the formula's arithmetic is, in words (Chinese, English), for pages, sheets and JSON.
pub struct Statement {
    pub score_zh: &'static str,
    pub score_en: &'static str,
    pub missing_zh: &'static str,
    pub missing_en: &'static str,
    pub rounding_zh: &'static str,
    pub rounding_en: &'static str,
    pub ties_zh: &'static str,
    pub ties_en: &'static str,
}

impl Formula {
    pub fn statement(&self) -> Statement {
        let (missing_zh, missing_en) = match self.missing {
            MissingRule::Renormalise => (
                "某项无数据（分母为 0）时标为“无数据”，不按 0 计；得分按有数据各项的权重折算到满分：得分 = 满分 ÷ 有数据权重之和 × Σ（权重 × 该项比例）",
                "a part without data (denominator 0) is marked “no data”, never 0; the score is scaled over the weights present: score = full weight ÷ weights present × Σ (weight × part)",
            ),
            MissingRule::Withhold => (
                "某项无数据（分母为 0）时标为“无数据”，不按 0 计；该县区暂不计分、不排名",
                "a part without data (denominator 0) is marked “no data”, never 0; the county gets no score and no rank",
            ),
        };
        Statement {
            score_zh: "各项比例 = 分子 ÷ 分母（超过 1 按 1 计，分子为负按 0 计）；得分 = Σ（权重 × 该项比例）",
            score_en: "part = numerator ÷ denominator (above 1 counts as 1, a negative numerator as 0); score = Σ (weight × part)",
            missing_zh,
            missing_en,
            rounding_zh: "精确分数运算，最后一次四舍五入到 0.01 分；各项得分单独四舍五入显示，合计可能与总分相差 0.01",
            rounding_en: "exact fractions, rounded once at the end to 0.01 point, half up; each part's points are rounded for display, so their sum may differ from the score by 0.01",
            ties_zh: "按得分（0.01 分）从高到低排名；得分相同时目标任务完成比例高者在前（无数据者在后），再相同按区划代码从小到大；无得分者不排名、列于最后",
            ties_en: "ranked by score (0.01 point), highest first; equal scores: higher target progress first (no data last), then region code ascending; counties without a score are unranked, listed last",
        }
    }
}

/// What a criterion measures (Chinese, English): the numerator and denominator the store counts.
pub fn definition(c: AssessCriterion) -> (&'static str, &'static str) {
    match c {
        AssessCriterion::Satisfaction => (
            "本年度计划项目验收时满意户数 ÷ 参与满意度评价户数",
            "households satisfied at acceptance ÷ households that answered, over the year's plan projects",
        ),
        AssessCriterion::Quality => (
            "本年度计划项目中已完工且截至考核日无未整改质量问题的项目数 ÷ 已完工项目数",
            "the year's plan projects completed with no quality issue open at the assessment date ÷ projects completed",
        ),
        AssessCriterion::Timeliness => (
            "本年度计划项目已完成且有期限的环节中按期（不晚于期限）完成的个数 ÷ 已完成的有期限环节数",
            "steps done on or before their due date ÷ steps done that have a due date, over the year's plan projects",
        ),
        AssessCriterion::FundsEfficiency => (
            "截至考核日本年度计划项目已支付资金（含冲销） ÷ 已下达资金",
            "money paid (net of reversals) ÷ money allocated to the year's plan projects, as of the assessment date",
        ),
        AssessCriterion::TargetProgress => {
            ("本年完工小区数 ÷ 本年任务小区数", "estates completed in the year ÷ the year's target (estates)")
        }
        AssessCriterion::OverdueSteps => (
            "期限已过（早于考核日）的必需环节中已完成（未逾期挂账）的个数 ÷ 期限已过的必需环节数",
            "required steps due before the assessment date that are done (not left overdue) ÷ required steps due",
        ),
        AssessCriterion::ComplaintsOnTime => (
            "本年受理且已办结或已到期的投诉中按期办结的件数 ÷ 该类投诉件数",
            "complaints received in the year, resolved by their due day ÷ those resolved or past due",
        ),
        AssessCriterion::ManagementCoverage => (
            "本年度计划项目已完工小区中已确定长效管理模式（有人管）的个数 ÷ 已完工小区数",
            "completed estates of the year's plan projects with a management mode ÷ completed estates",
        ),
        AssessCriterion::ReportCompleteness => (
            "本年上报期限已过（早于考核日）的月份中已上报的个数 ÷ 该月份数",
            "monthly reports submitted ÷ months of the year whose report was due before the assessment date",
        ),
        AssessCriterion::ReportOnTime => (
            "本年上报期限已过（早于考核日）的月份中按期（不晚于上报期限）上报的个数 ÷ 该月份数",
            "monthly reports submitted by their due day ÷ months whose report was due before the assessment date",
        ),
    }
}

/// Where the store reads a criterion from (Chinese, English).
pub fn data_source(c: AssessCriterion) -> (&'static str, &'static str) {
    match c {
        AssessCriterion::Satisfaction => {
            ("项目验收满意度（satisfaction_yes / satisfaction_answered）", "projects' acceptance satisfaction figures")
        }
        AssessCriterion::Quality => ("项目阶段变更与质量问题台账", "project stage moves and the quality issues ledger"),
        AssessCriterion::Timeliness | AssessCriterion::OverdueSteps => {
            ("项目环节记录与政策配置的期限", "project steps done and the profile's due dates")
        }
        AssessCriterion::FundsEfficiency => ("资金下达与支付记录", "allocation entries and payments"),
        AssessCriterion::TargetProgress => ("年度任务分解表与项目完工记录", "target breakdown and project completions"),
        AssessCriterion::ComplaintsOnTime => ("投诉举报及办理记录", "complaints and their events"),
        AssessCriterion::ManagementCoverage => ("项目长效管理模式", "projects' management mode"),
        AssessCriterion::ReportCompleteness | AssessCriterion::ReportOnTime => {
            ("月报表上报记录与上报期限", "monthly reports submitted and their due days")
        }
    }
}

const DEFAULT_MISSING_SOURCE: &str =
    "本系统默认值，可在政策配置中修改（system default, can be changed in the policy profile）";

/// The formula under a profile: `assess_formula` (none: `None`) and `assess_missing` (default renormalise).
pub fn formula(p: &EffectiveProfile) -> Option<Formula> {
    let r = p.rule("assess_formula", None)?;
    let RuleValue::AssessFormula(items) = &r.value else { return None };
    let (missing, missing_rule) = match p.rule("assess_missing", None) {
        Some(m) => (
            if m.value == RuleValue::Choice("withhold".into()) {
                MissingRule::Withhold
            } else {
                MissingRule::Renormalise
            },
            RuleRef::of(m),
        ),
        None => (
            MissingRule::Renormalise,
            RuleRef {
                rule: "assess_missing".into(),
                value: "renormalise".into(),
                source: DEFAULT_MISSING_SOURCE.into(),
                profile: String::new(),
            },
        ),
    };
    Some(Formula {
        total_weight: items.iter().map(|i| i.weight).sum(),
        items: items.clone(),
        missing,
        rule: RuleRef::of(r),
        missing_rule,
    })
}

/// One county's inputs: numerator and denominator per criterion. A criterion absent or with denominator 0
/// has no data.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountyInputs {
    pub region: String,
    pub parts: BTreeMap<AssessCriterion, Achieved>,
}

/// One part of a county's score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartScore {
    pub criterion: AssessCriterion,
    pub weight: i64,
    pub num: i64,
    pub den: i64,
    /// No data (denominator 0).
    pub missing: bool,
    /// weight × part in 0.01 points, rounded half up (display); `None` when missing.
    pub points_centi: Option<i64>,
}

/// One county's score and rank.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CountyScore {
    pub region: String,
    pub parts: Vec<PartScore>,
    /// Score in 0.01 points, rounded once, half up; `None` when withheld or no part has data.
    pub score_centi: Option<i64>,
    pub rank: Option<u32>,
}

/// An assessment: the formula and the counties in rank order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub formula: Formula,
    pub rows: Vec<CountyScore>,
}

// ───────── exact arithmetic on non-negative integers of any size (little-endian u32 limbs) ─────────

#[derive(Clone, Debug, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(n: u64) -> Big {
        let mut b = Big(vec![n as u32, (n >> 32) as u32]);
        b.trim();
        b
    }
    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }
    fn mul_u64(&self, m: u64) -> Big {
        let mut out = Vec::with_capacity(self.0.len() + 2);
        let mut carry: u128 = 0;
        for &l in &self.0 {
            let v = u128::from(l) * u128::from(m) + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        while carry > 0 {
            out.push(carry as u32);
            carry >>= 32;
        }
        let mut b = Big(out);
        b.trim();
        b
    }
    fn add(&self, o: &Big) -> Big {
        let n = self.0.len().max(o.0.len());
        let mut out = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let v = u64::from(*self.0.get(i).unwrap_or(&0)) + u64::from(*o.0.get(i).unwrap_or(&0)) + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        if carry > 0 {
            out.push(carry as u32);
        }
        let mut b = Big(out);
        b.trim();
        b
    }
    fn cmp(&self, o: &Big) -> Ordering {
        self.0.len().cmp(&o.0.len()).then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }
}

/// round_half_up(a / b) for exact non-negative `a`, positive `b`, knowing the result is at most `max`.
fn round_half_up(a: &Big, b: &Big, max: u64) -> u64 {
    // Largest s with s·2b ≤ 2a + b.
    let lhs = a.mul_u64(2).add(b);
    let two_b = b.mul_u64(2);
    let (mut lo, mut hi) = (0u64, max.saturating_add(1));
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if two_b.mul_u64(mid).cmp(&lhs) != Ordering::Greater {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The part as an exact ratio in [0, 1], or `None` for no data.
fn part_ratio(a: Option<&Achieved>) -> Option<(u64, u64)> {
    let a = a?;
    if a.den <= 0 {
        return None;
    }
    let den = a.den as u64;
    let num = a.num.clamp(0, a.den) as u64;
    let g = gcd(num, den);
    Some((num / g, den / g))
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// Score every county under `formula` and rank them.
pub fn assess(formula: &Formula, inputs: &[CountyInputs]) -> Assessment {
    let total = formula.total_weight.max(0) as u64;
    let mut rows: Vec<(CountyScore, Option<(u64, u64)>)> = inputs
        .iter()
        .map(|c| {
            let mut parts = Vec::new();
            // Σ over present parts of wᵢ·nᵢ/dᵢ as one exact fraction num/den.
            let mut num = Big::from_u64(0);
            let mut den = Big::from_u64(1);
            let mut present_weight = 0u64;
            let mut any_missing = false;
            for item in &formula.items {
                let a = c.parts.get(&item.criterion);
                let r = part_ratio(a);
                let w = item.weight.max(0) as u64;
                let (n, d) = a.map_or((0, 0), |a| (a.num, a.den));
                match r {
                    Some((pn, pd)) => {
                        present_weight += w;
                        // num/den + w·pn/pd = (num·pd + w·pn·den) / (den·pd)
                        num = num.mul_u64(pd).add(&den.mul_u64(w).mul_u64(pn));
                        den = den.mul_u64(pd);
                        let pts =
                            round_half_up(&Big::from_u64(100).mul_u64(w).mul_u64(pn), &Big::from_u64(pd), 100 * w);
                        parts.push(PartScore {
                            criterion: item.criterion,
                            weight: item.weight,
                            num: n,
                            den: d,
                            missing: false,
                            points_centi: Some(pts as i64),
                        });
                    }
                    None => {
                        any_missing = true;
                        parts.push(PartScore {
                            criterion: item.criterion,
                            weight: item.weight,
                            num: n,
                            den: d,
                            missing: true,
                            points_centi: None,
                        });
                    }
                }
            }
            let withheld = any_missing && formula.missing == MissingRule::Withhold;
            let score = (!withheld && present_weight > 0).then(|| {
                // score (0.01 pt) = 100 · W · (num/den) / W′
                let a = num.mul_u64(100).mul_u64(total);
                let b = den.mul_u64(present_weight);
                round_half_up(&a, &b, 100 * total) as i64
            });
            let tp = part_ratio(c.parts.get(&AssessCriterion::TargetProgress));
            (CountyScore { region: c.region.clone(), parts, score_centi: score, rank: None }, tp)
        })
        .collect();
    rows.sort_by(|(a, ta), (b, tb)| match (a.score_centi, b.score_centi) {
        (Some(x), Some(y)) => y
            .cmp(&x)
            .then_with(|| match (ta, tb) {
                (Some((an, ad)), Some((bn, bd))) => {
                    (u128::from(*bn) * u128::from(*ad)).cmp(&(u128::from(*an) * u128::from(*bd)))
                }
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            })
            .then_with(|| a.region.cmp(&b.region)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.region.cmp(&b.region),
    });
    let mut rank = 0u32;
    let rows = rows
        .into_iter()
        .map(|(mut r, _)| {
            if r.score_centi.is_some() {
                rank += 1;
                r.rank = Some(rank);
            }
            r
        })
        .collect();
    Assessment { formula: formula.clone(), rows }
}

/// 0.01 points as text: `8733` → `87.33`.
pub fn points_text(centi: i64) -> String {
    let sign = if centi < 0 { "-" } else { "" };
    let c = centi.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}
