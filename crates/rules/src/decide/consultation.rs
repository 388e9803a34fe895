//! Which rule decides a consultation of the households of an estate, and the decision on its tally.
//! The store counts the ballots; everything about thresholds is here.

#[allow(unused_imports)]
use super::*;

use jiugai_domain::{ConsultationKind, Matter};

/// Households and exclusive area (dm²) of one group of ballots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub households: i64,
    pub area_dm2: i64,
}

/// What a consultation's roll and ballots add up to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Turnout {
    pub eligible: Counts,
    pub yes: Counts,
    pub no: Counts,
    pub abstain: Counts,
}

impl Turnout {
    /// Everyone who answered.
    pub fn participating(&self) -> Counts {
        Counts {
            households: self.yes.households + self.no.households + self.abstain.households,
            area_dm2: self.yes.area_dm2 + self.no.area_dm2 + self.abstain.area_dm2,
        }
    }
}

/// The decision on a consultation: each check of its rule, the outcome and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsultationDecision {
    pub checks: Vec<Decision>,
    pub outcome: Outcome,
    pub reason_zh: String,
    pub reason_en: String,
}

/// The profile rule that decides a consultation of this kind (`None` for a free survey).
pub fn consultation_rule(kind: ConsultationKind, matter: Option<Matter>) -> Option<&'static str> {
    Some(match (kind, matter) {
        (ConsultationKind::Consent, _) => "consent_to_plan",
        (ConsultationKind::Plan, _) => "consultation_coverage",
        (ConsultationKind::Satisfaction, _) => "acceptance_satisfaction",
        (ConsultationKind::JointDecision, Some(Matter::Major)) => "joint_major_area",
        (ConsultationKind::JointDecision, _) => "joint_ordinary_area",
        (ConsultationKind::Survey, _) => return None,
    })
}

/// Decides a tally under the profile: consent counts agreeing households of the roll, a plan consultation
/// those who answered, satisfaction the satisfied among those who answered, a joint decision the Civil
/// Code's four checks by area and by head; a survey has no threshold.
pub fn decide_consultation(
    p: &EffectiveProfile,
    kind: ConsultationKind,
    matter: Option<Matter>,
    t: &Turnout,
) -> Result<ConsultationDecision, InputError> {
    let one = |d: Decision| ConsultationDecision {
        reason_zh: d.reason_zh.clone(),
        reason_en: d.reason_en.clone(),
        outcome: d.outcome,
        checks: vec![d],
    };
    let part = t.participating();
    Ok(match kind {
        ConsultationKind::Consent => one(consent_to_plan(p, t.yes.households, t.eligible.households)?),
        ConsultationKind::Plan => one(consultation_coverage(p, part.households, t.eligible.households)?),
        ConsultationKind::Satisfaction => one(acceptance_satisfaction(p, t.yes.households, part.households)?),
        ConsultationKind::JointDecision => {
            let v = JointVote {
                matter: matter.unwrap_or(Matter::Ordinary),
                total_area: Dm2(t.eligible.area_dm2),
                total_owners: t.eligible.households,
                participating_area: Dm2(part.area_dm2),
                participating_owners: part.households,
                yes_area: Dm2(t.yes.area_dm2),
                yes_owners: t.yes.households,
            };
            let d = joint_decision(p, &v)?;
            ConsultationDecision {
                checks: d.checks,
                outcome: d.outcome,
                reason_zh: d.reason_zh,
                reason_en: d.reason_en,
            }
        }
        ConsultationKind::Survey => ConsultationDecision {
            checks: Vec::new(),
            outcome: Outcome::NotApplicable,
            reason_zh: "问卷调查不设通过门槛，仅统计结果".into(),
            reason_en: "a survey has no threshold; figures only".into(),
        },
    })
}
