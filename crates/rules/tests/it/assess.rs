//! The assessment of counties (考核): scores recomputed by hand from the stated formula.

use jiugai_domain::AssessCriterion as C;
use jiugai_rules::*;

fn formula(missing: &str) -> Formula {
    let mut set = ProfileSet::builtin();
    let text = format!(
        "name = \"t-assess\"\ntitle = \"测试\"\nregion_code = \"99\"\ninherits = \"national\"\n\
         [rules.assess_missing]\nvalue = \"{missing}\"\nsource = \"test\"\n"
    );
    set.load("t.toml", &text).unwrap();
    jiugai_rules::formula(&set.effective("t-assess").unwrap()).unwrap()
}

fn inputs(region: &str, parts: &[(C, i64, i64)]) -> CountyInputs {
    CountyInputs {
        region: region.to_string(),
        parts: parts.iter().map(|&(c, num, den)| (c, Achieved { num, den })).collect(),
    }
}

/// An independent check of the arithmetic: Σ wᵢ·nᵢ/dᵢ in one i128 fraction, × W / W′, half up to 0.01.
fn by_hand(weights: &[(C, i64)], parts: &[(C, i64, i64)]) -> i64 {
    let (mut n, mut d) = (0i128, 1i128);
    let mut present = 0i128;
    let total: i128 = weights.iter().map(|w| i128::from(w.1)).sum();
    for &(c, w) in weights {
        if let Some(&(_, pn, pd)) = parts.iter().find(|p| p.0 == c && p.2 > 0) {
            let pn = pn.clamp(0, pd);
            n = n * i128::from(pd) + i128::from(w) * i128::from(pn) * d;
            d *= i128::from(pd);
            present += i128::from(w);
        }
    }
    // centi = round_half_up(100·W·n / (d·W′))
    let (a, b) = (100 * total * n, d * present);
    ((2 * a + b) / (2 * b)) as i64
}

const NATIONAL: &[(C, i64)] = &[
    (C::Satisfaction, 20),
    (C::Quality, 15),
    (C::Timeliness, 10),
    (C::FundsEfficiency, 15),
    (C::TargetProgress, 15),
    (C::OverdueSteps, 5),
    (C::ComplaintsOnTime, 5),
    (C::ManagementCoverage, 5),
    (C::ReportCompleteness, 5),
    (C::ReportOnTime, 5),
];

const A: &[(C, i64, i64)] = &[
    (C::Satisfaction, 45, 50),
    (C::Quality, 2, 3),
    (C::Timeliness, 7, 8),
    (C::FundsEfficiency, 300_000_000, 400_000_000),
    (C::TargetProgress, 3, 4),
    (C::OverdueSteps, 9, 10),
    (C::ComplaintsOnTime, 4, 5),
    (C::ManagementCoverage, 2, 2),
    (C::ReportCompleteness, 10, 11),
    (C::ReportOnTime, 8, 11),
];
/// No satisfaction data.
const B: &[(C, i64, i64)] = &[
    (C::Satisfaction, 0, 0),
    (C::Quality, 1, 1),
    (C::Timeliness, 5, 5),
    (C::FundsEfficiency, 1, 2),
    (C::TargetProgress, 2, 2),
    (C::OverdueSteps, 4, 4),
    (C::ComplaintsOnTime, 1, 1),
    (C::ManagementCoverage, 1, 1),
    (C::ReportCompleteness, 11, 11),
    (C::ReportOnTime, 11, 11),
];

#[test]
fn national_formula_weights_sum_to_100_with_sources() {
    let f = formula("renormalise");
    assert_eq!(f.total_weight, 100);
    let w: Vec<(C, i64)> = f.items.iter().map(|i| (i.criterion, i.weight)).collect();
    assert_eq!(w, NATIONAL);
    assert!(f.items.iter().all(|i| i.source.contains("本系统默认值，可在政策配置中修改")), "{:?}", f.items);
    assert!(f.items.iter().find(|i| i.criterion == C::Satisfaction).unwrap().source.contains("[003 四(三)]"));
    assert_eq!(f.rule.rule, "assess_formula");
    assert_eq!(f.rule.profile, "national");
    assert_eq!(f.missing, MissingRule::Renormalise);
}

#[test]
fn three_counties_scored_exactly_and_ranked() {
    let c3: Vec<(C, i64, i64)> = NATIONAL.iter().map(|&(c, _)| (c, 1, 2)).collect();
    let f = formula("renormalise");
    let a = assess(&f, &[inputs("141001", A), inputs("141002", B), inputs("141003", &c3)]);
    // A: 20·9/10 + 15·2/3 + 10·7/8 + 15·3/4 + 15·3/4 + 5·9/10 + 5·4/5 + 5·1 + 5·10/11 + 5·8/11
    //    = 18 + 10 + 8.75 + 11.25 + 11.25 + 4.5 + 4 + 5 + 90/11 = 72.75 + 8.1818… = 80.9318… → 80.93
    // B: satisfaction missing, weights present 80: 15 + 10 + 7.5 + 15 + 5·5 = 72.5; × 100/80 = 90.625 → 90.63 (half up)
    // C: every part 1/2 → 50.00
    assert_eq!(by_hand(NATIONAL, A), 8093);
    assert_eq!(by_hand(NATIONAL, B), 9063);
    let got: Vec<(&str, Option<i64>, Option<u32>)> =
        a.rows.iter().map(|r| (r.region.as_str(), r.score_centi, r.rank)).collect();
    assert_eq!(
        got,
        [("141002", Some(9063), Some(1)), ("141001", Some(8093), Some(2)), ("141003", Some(5000), Some(3))]
    );
    let b = &a.rows[0];
    let s = b.parts.iter().find(|p| p.criterion == C::Satisfaction).unwrap();
    assert!(s.missing);
    assert_eq!(s.points_centi, None, "missing is not 0");
    let f_part = a.rows[1].parts.iter().find(|p| p.criterion == C::FundsEfficiency).unwrap();
    assert_eq!((f_part.num, f_part.den, f_part.points_centi), (300_000_000, 400_000_000, Some(1125)));
    let q = a.rows[1].parts.iter().find(|p| p.criterion == C::Quality).unwrap();
    assert_eq!(q.points_centi, Some(1000));
    assert_eq!(points_text(9063), "90.63");
}

#[test]
fn withheld_when_a_part_is_missing() {
    let f = formula("withhold");
    let a = assess(&f, &[inputs("141002", B), inputs("141001", A)]);
    assert_eq!(a.rows[0].region, "141001");
    assert_eq!((a.rows[0].score_centi, a.rows[0].rank), (Some(8093), Some(1)));
    assert_eq!((a.rows[1].region.as_str(), a.rows[1].score_centi, a.rows[1].rank), ("141002", None, None));
    assert!(f.statement().missing_zh.contains("暂不计分"));
}

#[test]
fn ties_broken_by_target_progress_then_region_code() {
    let f = formula("renormalise");
    // Same score 50.00: X has target progress 1/2, Y 0/2 but more elsewhere, Z and W equal in all.
    let mut x: Vec<(C, i64, i64)> = NATIONAL.iter().map(|&(c, _)| (c, 1, 2)).collect();
    let mut y = x.clone();
    // Y: target 0/2 (−7.5) and quality 1/1 (+7.5): still 50.00.
    y.iter_mut().find(|p| p.0 == C::TargetProgress).unwrap().1 = 0;
    y.iter_mut().find(|p| p.0 == C::Quality).unwrap().1 = 2;
    assert_eq!(by_hand(NATIONAL, &y), 5000);
    x.sort();
    let a = assess(&f, &[inputs("141009", &y), inputs("141008", &x), inputs("141005", &x)]);
    let got: Vec<(&str, Option<u32>)> = a.rows.iter().map(|r| (r.region.as_str(), r.rank)).collect();
    assert_eq!(got, [("141005", Some(1)), ("141008", Some(2)), ("141009", Some(3))]);
    assert!(f.statement().ties_zh.contains("目标任务完成比例高者在前"));
}

#[test]
fn no_data_at_all_is_unranked_and_large_money_is_exact() {
    let f = formula("renormalise");
    let big = [(C::FundsEfficiency, 123_456_789_012_345, 987_654_321_098_765), (C::Satisfaction, 999_983, 1_000_003)];
    let a = assess(&f, &[inputs("141001", &[]), inputs("141002", &big)]);
    // weights present 15 + 20 = 35: 100/35 × (15·123456789012345/987654321098765 + 20·999983/1000003)
    //   = 100/35 × (1.87500000… + 19.99960000…) = 62.49885… → 62.50
    assert_eq!(a.rows[0].score_centi, Some(by_hand(NATIONAL, &big)));
    assert_eq!(a.rows[0].score_centi, Some(6250));
    assert_eq!((a.rows[1].score_centi, a.rows[1].rank), (None, None));
}

#[test]
fn a_bad_formula_is_refused_with_its_line() {
    for bad in [
        "[{ criterion = \"happiness\", weight = 10, source = \"x\" }]",
        "[{ criterion = \"quality\", weight = 101, source = \"x\" }]",
        "[{ criterion = \"quality\", weight = 10 }]",
        "[{ criterion = \"quality\", weight = 10, source = \"x\" }, { criterion = \"quality\", weight = 5, source = \"y\" }]",
        "[{ criterion = \"quality\", weight = 0, source = \"x\" }]",
    ] {
        let text = format!(
            "name = \"t\"\ntitle = \"t\"\nregion_code = \"99\"\ninherits = \"national\"\n[rules.assess_formula]\nvalue = {bad}\nsource = \"s\"\n"
        );
        let e = Profile::parse("t.toml", &text).unwrap_err();
        assert_eq!(e.line, 6, "{bad}: {e}");
        assert!(e.message_zh.contains("assess_formula"), "{e}");
    }
}
