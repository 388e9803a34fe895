//! Boundaries of every threshold: just below, exactly at, just above — for any size.

use jiugai_rules::*;
use proptest::prelude::*;
use std::sync::OnceLock;

fn profile(name: &str) -> &'static EffectiveProfile {
    static SET: OnceLock<Vec<EffectiveProfile>> = OnceLock::new();
    let all = SET.get_or_init(|| {
        let s = ProfileSet::builtin();
        s.names().map(|n| s.effective(n).unwrap()).collect()
    });
    all.iter().find(|p| p.name == name).unwrap()
}

/// ceil(a·n / b) computed independently of the crate.
fn ceil_frac(a: i64, b: i64, n: i64) -> i64 {
    (a * n + b - 1) / b
}

fn ok(d: &Decision) -> bool {
    d.outcome == Outcome::Pass
}

proptest! {
    #[test]
    fn consent_80_percent(n in 1i64..200_000) {
        let p = profile("ruicheng");
        let k = ceil_frac(4, 5, n);
        prop_assert!(ok(&consent_to_plan(p, k, n).unwrap()));
        prop_assert!(!ok(&consent_to_plan(p, k - 1, n).unwrap()));
        if k < n { prop_assert!(ok(&consent_to_plan(p, k + 1, n).unwrap())); }
        // same rule shape for consultation coverage and satisfaction
        prop_assert!(ok(&consultation_coverage(p, k, n).unwrap()));
        prop_assert!(!ok(&consultation_coverage(p, k - 1, n).unwrap()));
        prop_assert!(ok(&acceptance_satisfaction(p, k, n).unwrap()));
        prop_assert!(!ok(&acceptance_satisfaction(p, k - 1, n).unwrap()));
    }

    #[test]
    fn joint_participation_two_thirds(area in 1i64..10_000_000, owners in 1i64..5_000) {
        let p = profile("ruicheng");
        let (ka, ko) = (ceil_frac(2, 3, area), ceil_frac(2, 3, owners));
        let v = |pa: i64, po: i64| JointVote {
            matter: Matter::Ordinary,
            total_area: Dm2(area), total_owners: owners,
            participating_area: Dm2(pa), participating_owners: po,
            yes_area: Dm2(pa), yes_owners: po,
        };
        prop_assert_eq!(joint_decision(p, &v(ka, ko)).unwrap().outcome, Outcome::Pass);
        let below_area = joint_decision(p, &v(ka - 1, ko)).unwrap();
        prop_assert_eq!(below_area.outcome, Outcome::Fail);
        prop_assert_eq!(below_area.checks[0].outcome, Outcome::Fail);
        prop_assert_eq!(joint_decision(p, &v(ka, ko - 1)).unwrap().outcome, Outcome::Fail);
        if ka < area && ko < owners {
            prop_assert_eq!(joint_decision(p, &v(ka + 1, ko + 1)).unwrap().outcome, Outcome::Pass);
        }
    }

    #[test]
    fn joint_ordinary_more_than_half(pa in 1i64..10_000_000, po in 1i64..5_000) {
        let p = profile("national");
        let v = |ya: i64, yo: i64| JointVote {
            matter: Matter::Ordinary,
            total_area: Dm2(pa), total_owners: po,
            participating_area: Dm2(pa), participating_owners: po,
            yes_area: Dm2(ya), yes_owners: yo,
        };
        let (ka, ko) = (pa / 2 + 1, po / 2 + 1); // least "more than half"
        prop_assert_eq!(joint_decision(p, &v(ka, ko)).unwrap().outcome, Outcome::Pass);
        prop_assert_eq!(joint_decision(p, &v(ka - 1, ko)).unwrap().outcome, Outcome::Fail);
        prop_assert_eq!(joint_decision(p, &v(ka, ko - 1)).unwrap().outcome, Outcome::Fail);
        if pa % 2 == 0 {
            // exactly half fails
            prop_assert_eq!(joint_decision(p, &v(pa / 2, po)).unwrap().checks[2].outcome, Outcome::Fail);
        }
    }

    #[test]
    fn joint_major_three_quarters(pa in 1i64..10_000_000, po in 1i64..5_000) {
        let p = profile("national");
        let v = |ya: i64, yo: i64| JointVote {
            matter: Matter::Major,
            total_area: Dm2(pa), total_owners: po,
            participating_area: Dm2(pa), participating_owners: po,
            yes_area: Dm2(ya), yes_owners: yo,
        };
        let (ka, ko) = (ceil_frac(3, 4, pa), ceil_frac(3, 4, po));
        prop_assert_eq!(joint_decision(p, &v(ka, ko)).unwrap().outcome, Outcome::Pass);
        prop_assert_eq!(joint_decision(p, &v(ka - 1, ko)).unwrap().outcome, Outcome::Fail);
        prop_assert_eq!(joint_decision(p, &v(ka, ko - 1)).unwrap().outcome, Outcome::Fail);
    }

    #[test]
    fn cofunding_20_percent(total in 1i64..1_000_000_000_000) {
        let p = profile("qinzhou");
        let k = ceil_frac(1, 5, total);
        let f = |part: i64| Funding { total_investment: Fen(total), residents: Fen(part / 2), enterprises: Fen(part - part / 2) };
        prop_assert!(ok(&cofunding(p, &f(k)).unwrap()));
        prop_assert!(!ok(&cofunding(p, &f(k - 1)).unwrap()));
        if k < total { prop_assert!(ok(&cofunding(p, &f(k + 1)).unwrap())); }
    }

    #[test]
    fn suzhou_extended_cap_15_percent(h in 1i64..100_000) {
        let p = profile("suzhou-ah");
        let max = 15 * h / 100; // most extended households allowed
        let plan = |ext: i64| PlanFacts {
            plan_year: 2022,
            submitted_on: None,
            today: Date::parse("2021-01-01").unwrap(),
            projects: vec![PlanProject { name: "x".into(), estates: 1, households: h, extended_households: ext, consent_agree: h, consent_households: h, consents: vec![] }],
            target_estates: Some(0),
            elsewhere: vec![],
        };
        let cap = |ext: i64| annual_plan(p, &plan(ext)).unwrap().checks.into_iter().find(|c| c.check == "extended_household_cap").unwrap().outcome;
        prop_assert_eq!(cap(max), Outcome::Pass);
        if max < h { prop_assert_eq!(cap(max + 1), Outcome::Fail); }
        if max > 0 { prop_assert_eq!(cap(max - 1), Outcome::Pass); }
    }

    #[test]
    fn qinzhou_preliminary_design(fen in 0i64..2_000_000_000) {
        let p = profile("qinzhou");
        let f = ProjectFacts { plan_year: 2021, investment: Fen(fen), new_floor_area: Dm2(0), high_risk: false, structural_change: false };
        let s = project_steps(p, &f);
        let pd = s.iter().find(|s| s.key == jiugai_domain::StepKey::PreliminaryDesign).unwrap();
        prop_assert_eq!(pd.required, fen >= 400_000_000);
    }

    #[test]
    fn fenyang_permit_300_m2(area in 0i64..100_000, high in any::<bool>()) {
        let p = profile("fenyang");
        let f = ProjectFacts { plan_year: 2025, investment: Fen(1), new_floor_area: Dm2(area), high_risk: high, structural_change: false };
        let s = project_steps(p, &f);
        let c = s.iter().find(|s| s.key == jiugai_domain::StepKey::ConstructionPermit).unwrap();
        prop_assert_eq!(c.required, high || area > 30_000);
    }

    #[test]
    fn cumulative_promise_boundary(total in 1i64..100_000, pct in 0i64..=100) {
        let need = ceil_frac(pct, 100, total);
        let t = |cum: i64| TargetTable {
            region: "r".into(),
            total: Some(total),
            prior: 0,
            rows: vec![
                TargetRow { region: "r".into(), year: 2022, count: cum, households: None, cumulative_pct: Some(Ratio::percent(pct)) },
                TargetRow { region: "r".into(), year: 2023, count: total - cum, households: None, cumulative_pct: None },
            ],
        };
        prop_assert!(t(need).check().ok);
        if need > 0 {
            let r = t(need - 1).check();
            prop_assert!(!r.ok);
            prop_assert_eq!(r.issues[0].year, Some(2022));
        }
    }

    #[test]
    fn threshold_matches_exact_rational(part in 0i64..1_000_000, whole in 1i64..1_000_000, num in 0i64..1000, den in 1i64..1000) {
        prop_assume!(part <= whole && num <= den);
        let r = Ratio::new(num, den).unwrap();
        for (cmp, expect) in [
            (Cmp::AtLeast, part * den >= num * whole),
            (Cmp::MoreThan, part * den > num * whole),
            (Cmp::AtMost, part * den <= num * whole),
            (Cmp::LessThan, part * den < num * whole),
        ] {
            prop_assert_eq!(Threshold { cmp, ratio: r }.admits(part, whole), expect);
        }
    }

    #[test]
    fn dates_roundtrip(z in -700_000i64..2_900_000, n in -5000i64..5000) {
        let d = Date::from_days(z).unwrap();
        prop_assert_eq!(Date::parse(&d.to_string()), Some(d));
        let e = d.add_days(n).unwrap();
        prop_assert_eq!(e.to_days() - d.to_days(), n);
        prop_assert_eq!(e.cmp(&d), n.cmp(&0));
        let mut next = Date::from_days(z + 1).unwrap();
        if next.day() == 1 {
            next = next.add_days(-1).unwrap();
            prop_assert_eq!(Date::last_day_of_month(next.year(), next.month()), Some(next));
        }
    }

    #[test]
    fn working_days(z in 0i64..40_000, n in 1u32..300) {
        let d = Date::from_days(z).unwrap();
        let e = d.add_working_days(n).unwrap();
        prop_assert!(!e.weekday().is_weekend());
        let mut count = 0;
        let mut x = d;
        while x < e {
            x = x.add_days(1).unwrap();
            if !x.weekday().is_weekend() { count += 1; }
        }
        prop_assert_eq!(count, n);
    }

    #[test]
    fn money_and_area_text_roundtrip(v in 0i64..1_000_000_000_000) {
        prop_assert_eq!(Fen::parse(&Fen(v).to_string()), Some(Fen(v)));
        prop_assert_eq!(Dm2::parse(&format!("{}m²", Dm2(v))), Some(Dm2(v)));
    }
}
