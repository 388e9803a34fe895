//! Joint decisions of owners under the Civil Code (art. 278): participation and passing, by area and by head.

#[allow(unused_imports)]
use super::*;

/// A tally of a joint decision. Areas in dm² (0.01 m²); owners are counted by head.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointVote {
    pub matter: Matter,
    pub total_area: Dm2,
    pub total_owners: i64,
    pub participating_area: Dm2,
    pub participating_owners: i64,
    pub yes_area: Dm2,
    pub yes_owners: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JointDecision {
    pub matter: Matter,
    pub outcome: Outcome,
    /// Four checks, each reported separately: participation by area and by owners, then approval by area and by owners.
    pub checks: Vec<Decision>,
    pub reason_zh: String,
    pub reason_en: String,
}

/// Civil Code art. 278 joint decision: participation (both ≥2/3 of all), then approval of the
/// participating area and owners (ordinary: more than half; major: at least three quarters).
pub fn joint_decision(p: &EffectiveProfile, v: &JointVote) -> Result<JointDecision, InputError> {
    let (ta, pa, ya) = (v.total_area.0, v.participating_area.0, v.yes_area.0);
    let ordered = |yes: i64, part: i64, total: i64| 0 <= yes && yes <= part && part <= total;
    if !ordered(ya, pa, ta) || !ordered(v.yes_owners, v.participating_owners, v.total_owners) {
        return Err(input_err(
            "表决数据须满足 0 ≤ 同意 ≤ 参与表决 ≤ 总数（面积和人数）",
            "tally must satisfy 0 ≤ yes ≤ participating ≤ total, for area and owners",
        ));
    }
    let (ka, ko) = match v.matter {
        Matter::Ordinary => ("joint_ordinary_area", "joint_ordinary_owners"),
        Matter::Major => ("joint_major_area", "joint_major_owners"),
    };
    let mut checks = vec![
        share_check(
            p,
            "joint_participation_area",
            None,
            pa,
            ta,
            "参与表决业主专有部分面积（0.01㎡）",
            "participating exclusive area (0.01 m²)",
        )?,
        share_check(
            p,
            "joint_participation_owners",
            None,
            v.participating_owners,
            v.total_owners,
            "参与表决业主人数",
            "participating owners",
        )?,
        share_check(
            p,
            ka,
            None,
            ya,
            pa,
            "同意的专有部分面积占参与表决面积（0.01㎡）",
            "yes area of participating area (0.01 m²)",
        )?,
        share_check(
            p,
            ko,
            None,
            v.yes_owners,
            v.participating_owners,
            "同意人数占参与表决人数",
            "yes owners of participating owners",
        )?,
    ];
    // An unset rule (not_applicable) cannot make a vote pass.
    for c in &mut checks {
        if c.outcome == Outcome::NotApplicable {
            c.outcome = Outcome::Fail;
        }
    }
    let participation = checks[..2].iter().all(|c| c.outcome == Outcome::Pass);
    let approval = checks[2..].iter().all(|c| c.outcome == Outcome::Pass);
    let (outcome, zh, en) = match (participation, approval) {
        (false, _) => (
            Outcome::Fail,
            "参与表决的业主未达到法定比例，表决无效",
            "participation below the legal share: the vote is void",
        ),
        (true, false) => (
            Outcome::Fail,
            "参与表决有效，但同意比例未达到，未通过",
            "valid participation, but approval not reached: rejected",
        ),
        (true, true) => (Outcome::Pass, "参与表决和同意比例均达到，通过", "participation and approval reached: passed"),
    };
    Ok(JointDecision { matter: v.matter, outcome, checks, reason_zh: zh.into(), reason_en: en.into() })
}
