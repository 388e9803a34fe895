//! The published score that ranks estates for the next plan [001 二(三)1; 002 三(二)].

#[allow(unused_imports)]
use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SafetyRating {
    A,
    B,
    C,
    D,
}

/// Per-estate inputs for the next-year ranking [001 二(三)1; 002 三(二)]. Shares are exact fractions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankingInputs {
    /// Households agreeing to renovation / all households.
    pub willingness: Ratio,
    /// Residents' contribution / estimated investment (capped at 1).
    pub contribution: Ratio,
    /// Households that took part in consultations / all households.
    pub participation: Ratio,
    /// Illegal structures removed voluntarily / illegal structures found (1 if none were found).
    pub illegal_removed: Ratio,
    /// The deciding build year.
    pub built_year: i32,
    pub plan_year: i32,
    /// Building safety rating (D = most dangerous, ranks highest); `None` = not assessed (scores 0).
    pub safety: Option<SafetyRating>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScorePart {
    pub factor: &'static str,
    #[serde(flatten)]
    pub rule: RuleRef,
    pub weight: i64,
    /// The factor's value in [0, 1].
    pub factor_value: Achieved,
    /// weight × factor, in hundredths of a point (rounded down).
    pub points_centi: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RankingScore {
    /// Total in hundredths of a point, rounded down (display: `score_centi / 100`).
    pub score_centi: i64,
    pub max_points: i64,
    pub parts: Vec<ScorePart>,
    #[serde(skip)]
    exact: (i128, i128),
}

impl RankingScore {
    /// Compare two scores exactly (no rounding).
    pub fn cmp_exact(&self, o: &RankingScore) -> Ordering {
        (self.exact.0 * o.exact.1).cmp(&(o.exact.0 * self.exact.1))
    }
}

fn clamp01(r: Ratio) -> Ratio {
    if r.num <= 0 {
        Ratio::ZERO
    } else if r.num >= r.den {
        Ratio::ONE
    } else {
        r.reduced()
    }
}

fn gcd128(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// The next-year ranking score with its breakdown. Weights come from the profile (`rank_weight_*`).
pub fn ranking_score(p: &EffectiveProfile, x: &RankingInputs) -> RankingScore {
    let full = match p.rule("rank_age_full_years", None).map(|r| &r.value) {
        Some(RuleValue::Count(n)) if *n > 0 => *n,
        _ => 30,
    };
    let age = Ratio { num: i64::from((x.plan_year - x.built_year).max(0)).min(full), den: full };
    let safety = match x.safety {
        None | Some(SafetyRating::A) => Ratio::ZERO,
        Some(SafetyRating::B) => Ratio { num: 1, den: 3 },
        Some(SafetyRating::C) => Ratio { num: 2, den: 3 },
        Some(SafetyRating::D) => Ratio::ONE,
    };
    let factors = [
        ("willingness", "rank_weight_willingness", x.willingness),
        ("contribution", "rank_weight_contribution", x.contribution),
        ("participation", "rank_weight_participation", x.participation),
        ("illegal_removed", "rank_weight_illegal_removed", x.illegal_removed),
        ("age", "rank_weight_age", age),
        ("safety", "rank_weight_safety", safety),
    ];
    let (mut num, mut den) = (0i128, 1i128);
    let mut parts = Vec::new();
    let mut max_points = 0;
    for (factor, key, value) in factors {
        let v = clamp01(value);
        let (weight, rule) = match p.rule(key, None) {
            Some(r) => match r.value {
                RuleValue::Points(w) => (w, RuleRef::of(r)),
                _ => (0, RuleRef::unset(key)),
            },
            None => (0, RuleRef::unset(key)),
        };
        max_points += weight;
        let (pn, pd) = (i128::from(weight) * i128::from(v.num), i128::from(v.den));
        num = num * pd + pn * den;
        den *= pd;
        let g = gcd128(num, den);
        (num, den) = (num / g, den / g);
        parts.push(ScorePart {
            factor,
            rule,
            weight,
            factor_value: Achieved { num: v.num, den: v.den },
            points_centi: (pn * 100 / pd) as i64,
        });
    }
    RankingScore { score_centi: (num * 100 / den) as i64, max_points, parts, exact: (num, den) }
}
