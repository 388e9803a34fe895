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
