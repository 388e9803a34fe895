//! Co-funding: the share of a project's investment that enterprises and residents bring [003 四(一)1].

#[allow(unused_imports)]
use super::*;

/// Residents' and enterprises' money against the project's total investment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funding {
    pub total_investment: Fen,
    pub residents: Fen,
    pub enterprises: Fen,
}

/// Co-funding: (residents + enterprises) / total investment against `cofunding_min_share` [003 四(一)1].
pub fn cofunding(p: &EffectiveProfile, f: &Funding) -> Result<Decision, InputError> {
    let part = f.residents.0.checked_add(f.enterprises.0).ok_or_else(|| input_err("金额溢出", "amount overflow"))?;
    if part > f.total_investment.0 {
        return Err(input_err(
            format!("居民和企业出资（{}元）大于项目总投资（{}元）", Fen(part), f.total_investment),
            format!("residents + enterprises ({}) exceed the total investment ({})", Fen(part), f.total_investment),
        ));
    }
    share_check(
        p,
        "cofunding_min_share",
        None,
        part,
        f.total_investment.0,
        "企业和居民出资（分）占总投资",
        "enterprises + residents (fen) of total investment",
    )
}

/// What the county still has to pay once the higher-level subsidies and the money of residents and
/// enterprises are counted: settlement (or, before it, the estimate) − higher subsidies − non-government
/// money, never below zero. Applies where the profile sets `county_pays_remainder` (Ruicheng
/// [001 三(二)]: "扣除上级补助资金，剩余需政府投入部分由县财政按照比例承担"); the seeds set no proportion,
/// so the whole remainder is the county's here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remainder {
    /// Settlement (结算) when the project is complete, else the estimate (概算).
    pub basis: Fen,
    pub higher_subsidies: Fen,
    pub non_government: Fen,
    /// What the county has planned (or allocated) for the project.
    pub county: Fen,
}

pub fn county_remainder(p: &EffectiveProfile, f: &Remainder) -> Decision {
    let Some(r) = p.rule("county_pays_remainder", None).filter(|r| r.value == RuleValue::Bool(true)) else {
        return Decision {
            check: "county_pays_remainder".into(),
            subject: None,
            outcome: Outcome::NotApplicable,
            rule: RuleRef::unset("county_pays_remainder"),
            achieved: None,
            reason_zh: "本地政策未规定县级财政承担剩余部分".into(),
            reason_en: "the local policy sets no county remainder".into(),
        };
    };
    let due = (f.basis.0 - f.higher_subsidies.0 - f.non_government.0).max(0);
    let ok = f.county.0 >= due;
    Decision {
        check: "county_pays_remainder".into(),
        subject: None,
        outcome: if ok { Outcome::Pass } else { Outcome::Fail },
        rule: RuleRef::of(r),
        achieved: None,
        reason_zh: format!(
            "{}元 − 上级补助 {}元 − 居民和企业 {}元 = 县级应承担 {}元，已安排 {}元{}",
            yuan(f.basis.0),
            yuan(f.higher_subsidies.0),
            yuan(f.non_government.0),
            yuan(due),
            yuan(f.county.0),
            if ok { "" } else { "，不足" }
        ),
        reason_en: format!(
            "{} − higher subsidies {} − residents and enterprises {} = county share {}, planned {}{}",
            yuan(f.basis.0),
            yuan(f.higher_subsidies.0),
            yuan(f.non_government.0),
            yuan(due),
            yuan(f.county.0),
            if ok { "" } else { ": short" }
        ),
    }
}

/// Fen as people read 元: `3,500,000.00`.
fn yuan(fen: i64) -> String {
    jiugai_domain::number::grouped_hundredths(fen)
}
