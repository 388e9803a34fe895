//! Built-in profiles against the seed documents, parsing errors and inheritance.

use jiugai_rules::*;

fn eff(name: &str) -> EffectiveProfile {
    ProfileSet::builtin().effective(name).unwrap()
}

/// (text, profile that set it, source contains)
fn val(p: &EffectiveProfile, key: &str, year: Option<i32>) -> (String, String, String) {
    let r = p.rule(key, year).unwrap_or_else(|| panic!("{} has no rule {key}", p.name));
    (r.text.clone(), r.profile.clone(), r.source.clone())
}

fn assert_rule(p: &EffectiveProfile, key: &str, year: Option<i32>, text: &str, from: &str, clause: &str) {
    let (t, f, s) = val(p, key, year);
    assert_eq!(t, text, "{}: {key}", p.name);
    assert_eq!(f, from, "{}: {key} set by", p.name);
    assert!(s.contains(clause), "{}: {key} source {s:?} should cite {clause}", p.name);
}

#[test]
fn every_builtin_parses_and_every_rule_has_a_source() {
    let set = ProfileSet::builtin();
    let names: Vec<&str> = set.names().collect();
    assert_eq!(names, ["changzhi", "fenyang", "national", "qinzhou", "ruicheng", "suzhou-ah"]);
    for n in names {
        let e = set.effective(n).unwrap();
        assert_eq!(e.chain.last().unwrap(), "national");
        for r in &e.rules {
            assert!(!r.source.trim().is_empty(), "{n}: {} has no source", r.key);
            // a source cites a seed clause, the Civil Code, or says it is this system's default/inference
            assert!(
                r.source.contains('[') || r.source.contains("民法典") || r.source.contains("本系统"),
                "{n}: {} source {:?} cites no clause",
                r.key,
                r.source
            );
        }
        assert!(set.is_builtin(n));
    }
}

#[test]
fn national_baseline() {
    let p = eff("national");
    assert_rule(&p, "core_built_by", None, "2000", "national", "[003 二(二)]");
    assert_rule(&p, "extended_built_to", None, "2005", "national", "本系统默认值");
    assert_rule(&p, "build_year_basis", None, "earliest", "national", "本系统默认值");
    assert_rule(&p, "exclude_urban_village", None, "true", "national", "[001 二(一)]");
    // Civil Code art. 278 as [001 二(八)] quotes it: 以上 includes the number, 过半数 excludes half.
    assert_rule(&p, "joint_participation_area", None, "≥2/3", "national", "第二百七十八条");
    assert_rule(&p, "joint_ordinary_owners", None, ">1/2", "national", "第二百七十八条");
    assert_rule(&p, "joint_major_area", None, "≥3/4", "national", "第二百七十八条");
    assert_rule(&p, "x_owner_share", None, "20%", "national", "本系统默认值");
    assert!(p.rule("milestone_start", Some(2025)).is_none(), "no national calendar");
    assert!(p.rule("plan_due", None).is_none());
}

#[test]
fn changzhi_000() {
    let p = eff("changzhi");
    assert_eq!(p.region_code, "1404");
    // [000 三(一)] 于9月15日前报
    assert_rule(&p, "plan_due", None, "09-15", "changzhi", "[000 三(一)]");
    assert_eq!(plan_due_date(&p, 2024).unwrap().0.to_string(), "2023-09-15");
    // [000 一、二] 689 estates; 208/163/130/118; ≥35/60/80% and 基本完成 by 2025
    assert_rule(&p, "target_total", None, "689", "changzhi", "[000 一]");
    assert_rule(&p, "target_annual", None, "2022=208, 2023=163, 2024=130, 2025=118", "changzhi", "[000 二]");
    assert_rule(&p, "target_cumulative", None, "2022=≥35%, 2023=≥60%, 2024=≥80%, 2025=≥100%", "changzhi", "[000 二]");
    assert_rule(&p, "target_prior", None, "70", "changzhi", "本系统推算");
    assert_rule(&p, "plan_replaces_feasibility", None, "true", "changzhi", "[000 三(二)]");
    // not set by Changzhi: inherited
    assert_rule(&p, "consent_to_plan", None, "≥80%", "national", "[001 二(三)1]");
}

#[test]
fn ruicheng_001() {
    let p = eff("ruicheng");
    assert_rule(&p, "consent_to_plan", None, "≥80%", "ruicheng", "[001 二(三)1]");
    assert_rule(&p, "consultation_coverage", None, "≥80%", "ruicheng", "[001 二(四)1]");
    assert_rule(&p, "publicity_days", None, "5", "ruicheng", "[001 二(四)2]");
    assert_rule(&p, "acceptance_satisfaction", None, "≥80%", "ruicheng", "[001 二(四)5]");
    assert_rule(&p, "joint_participation_owners", None, "≥2/3", "ruicheng", "[001 二(八)]");
    assert_rule(&p, "joint_ordinary_area", None, ">1/2", "ruicheng", "[001 二(八)]");
    assert_rule(&p, "joint_major_owners", None, "≥3/4", "national", "第二百七十八条");
    for (k, v) in [
        ("milestone_survey", "01-end"),
        ("milestone_design", "02-end"),
        ("milestone_approval", "03-end"),
        ("milestone_start", "05-end"),
        ("milestone_basic_completion", "10-end"),
        ("milestone_completion", "11-end"),
    ] {
        assert_rule(&p, k, Some(2025), v, "ruicheng", "[001 二(三)3]");
    }
    assert_rule(&p, "target_total", None, "30", "ruicheng", "[001 一]");
    assert_rule(&p, "target_annual", None, "2021=2, 2022=7, 2023=6, 2024=7, 2025=8", "ruicheng", "[001 一]");
    assert_rule(&p, "drawing_review_exempt_low_risk", None, "true", "ruicheng", "[001 四(一)]");
    assert_rule(&p, "exclude_self_built", None, "true", "ruicheng", "[001 二(一)]");
}

#[test]
fn suzhou_002() {
    let p = eff("suzhou-ah");
    assert_rule(&p, "core_built_by", None, "2000", "suzhou-ah", "[002 二(一)]");
    assert_rule(&p, "extended_built_to", None, "2005", "suzhou-ah", "[002 一(一)、二(一)]");
    // the 15% cap is for the 2022 plan only [002 二(一)]
    assert_rule(&p, "extended_household_cap", Some(2022), "≤15%", "suzhou-ah", "[002 二(一)]");
    assert!(p.rule("extended_household_cap", Some(2023)).is_none());
    assert_rule(&p, "plan_due", None, "06-10", "suzhou-ah", "[002 三(一)]");
}

#[test]
fn qinzhou_003() {
    let p = eff("qinzhou");
    assert_rule(&p, "milestone_start", Some(2021), "06-30", "qinzhou", "[003 一]");
    assert_rule(&p, "milestone_completion", Some(2021), "12-31", "qinzhou", "[003 一]");
    assert!(p.rule("milestone_start", Some(2022)).is_none(), "the 2021 calendar is year-specific");
    assert_rule(&p, "survey_built_by", None, "2004", "qinzhou", "[003 二(一)]");
    assert_rule(&p, "cofunding_min_share", None, "≥20%", "qinzhou", "[003 四(一)1]");
    assert_rule(&p, "preliminary_design_exempt_below", None, "<4000000.00元", "qinzhou", "[003 二(三)2]");
    assert_rule(&p, "plan_replaces_feasibility", None, "true", "qinzhou", "[003 二(三)2]");
    assert_rule(&p, "drawing_review_exempt_low_risk", None, "true", "qinzhou", "[003 二(三)2]");
    assert_rule(&p, "registration_working_days", None, "1", "qinzhou", "[003 二(三)3]");
    assert_rule(&p, "idle_building_years", None, "5", "qinzhou", "[003 二(三)4]");
    assert_rule(&p, "target_annual", None, "2021=102", "qinzhou", "[003 一]");
    assert_rule(&p, "target_households", None, "2021=6902", "qinzhou", "[003 一]");
}

#[test]
fn fenyang_004_overrides_only_what_it_sets() {
    let set = ProfileSet::builtin();
    let p = set.effective("fenyang").unwrap();
    assert_eq!(p.chain, ["fenyang", "national"]);
    assert_rule(&p, "extended_allowed", None, "false", "fenyang", "[004 三(一)]");
    assert_rule(&p, "declared_only", None, "true", "fenyang", "[004 三(一)]");
    assert_rule(&p, "plan_due", None, "08-end", "fenyang", "[004 四(三)]");
    assert_eq!(plan_due_date(&p, 2025).unwrap().0.to_string(), "2024-08-31");
    assert_rule(&p, "target_total", None, "49", "fenyang", "[004 二]");
    assert_rule(&p, "permit_exempt_new_area", None, "≤300.00m²", "fenyang", "[004 六(二)]");
    assert_rule(&p, "preliminary_design_merged", None, "true", "fenyang", "[004 六(一)]");
    // Every rule Fenyang does not set is exactly the national one.
    let own = &set.get("fenyang").unwrap().rules;
    let nat = set.effective("national").unwrap();
    for r in &p.rules {
        if own.contains_key(&r.key) {
            assert_eq!(r.profile, "fenyang");
        } else {
            assert_eq!(r.profile, "national", "{}", r.key);
            let n = nat.rule(&r.key, r.year).unwrap();
            assert_eq!((&n.text, &n.source), (&r.text, &r.source));
        }
    }
    assert_eq!(p.rules.iter().filter(|r| r.profile == "fenyang").count(), own.len());
}

#[test]
fn for_region_nearest_prefix() {
    let set = ProfileSet::builtin();
    assert_eq!(set.for_region("140830101"), "ruicheng");
    assert_eq!(set.for_region("140830"), "ruicheng");
    assert_eq!(set.for_region("140802"), "national"); // 运城市 1408 has no profile
    assert_eq!(set.for_region("140403"), "changzhi");
    assert_eq!(set.for_region("1404"), "changzhi");
    assert_eq!(set.for_region("141182"), "fenyang");
    assert_eq!(set.for_region("341302"), "suzhou-ah");
    assert_eq!(set.for_region("450702"), "qinzhou");
    assert_eq!(set.for_region("110101"), "national");
    assert_eq!(set.for_region(""), "national");
}

#[test]
fn effective_serializes_for_policy_show() {
    let p = eff("qinzhou");
    let json = serde_json::to_value(&p).unwrap();
    let rules = json["rules"].as_array().unwrap();
    let start = rules.iter().find(|r| r["key"] == "milestone_start").unwrap();
    assert_eq!(start["year"], 2021);
    assert_eq!(start["value"], "06-30");
    assert_eq!(start["profile"], "qinzhou");
    let core = rules.iter().find(|r| r["key"] == "core_built_by").unwrap();
    assert_eq!(core["value"], 2000);
    assert!(core["source"].as_str().unwrap().contains("[003 二(二)]"));
}

// ───────────── parsing errors ─────────────

const CHILD_OK: &str = r#"
name = "demo"
title = "示例县"
region_code = "140830"
inherits = "national"

[rules.consent_to_plan]
value = "≥2/3"
source = "示例县文件 [X 一]"
"#;

fn parse_err(text: &str) -> ProfileError {
    Profile::parse("demo.toml", text).unwrap_err()
}

#[test]
fn good_child_parses() {
    let p = Profile::parse("demo.toml", CHILD_OK).unwrap();
    assert_eq!(p.name, "demo");
    assert_eq!(p.rules.len(), 1);
}

#[test]
fn syntax_error_has_line() {
    let text = "name = \"demo\"\ntitle = \"示例\"\nregion_code = \"14\"\ninherits = \"national\"\n[rules.consent_to_plan\nvalue = 1\n";
    let e = parse_err(text);
    assert_eq!(e.line, 5, "{e}");
    assert_eq!(e.origin, "demo.toml");
}

#[test]
fn unknown_rule_key_has_line() {
    let text = CHILD_OK.replace("[rules.consent_to_plan]", "[rules.consent_to_plna]");
    let e = parse_err(&text);
    assert_eq!(e.line, 7, "{e}");
    assert!(e.message_zh.contains("未知的规则键 consent_to_plna"), "{e}");
}

#[test]
fn unknown_field_has_line() {
    let text = CHILD_OK.replace("source = \"示例县文件 [X 一]\"", "source = \"示例县文件 [X 一]\"\nsauce = \"x\"");
    let e = parse_err(&text);
    assert_eq!(e.line, 10, "{e}");
}

#[test]
fn missing_source_refused() {
    let text = CHILD_OK.replace("source = \"示例县文件 [X 一]\"\n", "");
    let e = parse_err(&text);
    assert!(e.message_zh.contains("缺少 source"), "{e}");
    assert!(e.line == 7 || e.line == 8, "{e}");
    let text = CHILD_OK.replace("示例县文件 [X 一]", "  ");
    let e = parse_err(&text);
    assert_eq!(e.line, 9, "{e}");
}

#[test]
fn wrong_type_and_out_of_range_refused_with_line() {
    for (bad, line, needle) in [
        ("value = 80", 8, "应为文本"),
        ("value = \"80%\"", 8, "须以 ≥"),
        ("value = \"≥120%\"", 8, "0% 到 100%"),
        ("value = \"≥3/2\"", 8, "0% 到 100%"),
        ("value = true", 8, "应为文本"),
    ] {
        let text = CHILD_OK.replace("value = \"≥2/3\"", bad);
        let e = parse_err(&text);
        assert_eq!(e.line, line, "{bad}: {e}");
        assert!(e.message_zh.contains(needle), "{bad}: {e}");
    }
    let year = "name = \"demo\"\ntitle = \"t\"\nregion_code = \"14\"\ninherits = \"national\"\n\n[rules.core_built_by]\nvalue = 20000\nsource = \"x [1]\"\n";
    let e = parse_err(year);
    assert_eq!(e.line, 7, "{e}");
    let md = year.replace("core_built_by", "plan_due").replace("20000", "\"13-01\"");
    assert_eq!(parse_err(&md).line, 7);
    let yr = "name = \"demo\"\ntitle = \"t\"\nregion_code = \"14\"\ninherits = \"national\"\n\n[rules.milestone_start.years.20x1]\nvalue = \"06-30\"\nsource = \"x [1]\"\n";
    assert_eq!(parse_err(yr).line, 6);
}

#[test]
fn missing_header_fields_refused() {
    assert!(parse_err("title = \"t\"\nregion_code = \"14\"\n").message_zh.contains("缺少 name"));
    let e = parse_err("name = \"Demo X\"\ntitle = \"t\"\nregion_code = \"14\"\n");
    assert_eq!(e.line, 1);
    let e = parse_err("name = \"demo\"\ntitle = \"t\"\nregion_code = \"14a\"\ninherits = \"national\"\n");
    assert_eq!(e.line, 3);
}

// ───────────── inheritance ─────────────

fn prof(name: &str, code: &str, parent: Option<&str>) -> Profile {
    let inh = parent.map(|p| format!("inherits = \"{p}\"\n")).unwrap_or_default();
    Profile::parse("t", &format!("name = \"{name}\"\ntitle = \"{name}\"\nregion_code = \"{code}\"\n{inh}")).unwrap()
}

#[test]
fn cycle_refused() {
    let e =
        ProfileSet::from_profiles(vec![prof("root", "", None), prof("a", "11", Some("b")), prof("b", "12", Some("a"))])
            .unwrap_err();
    assert!(matches!(e, SetError::Cycle(_)), "{e}");
    // replacing a profile so that it would inherit from its own child is refused and changes nothing
    let mut set = ProfileSet::builtin();
    set.insert(prof("jinzhong", "1407", Some("national"))).unwrap();
    set.insert(prof("pingyao", "140728", Some("jinzhong"))).unwrap();
    let e = set.insert(prof("jinzhong", "1407", Some("pingyao"))).unwrap_err();
    assert!(matches!(e, SetError::Cycle(_)), "{e}");
    assert_eq!(set.effective("pingyao").unwrap().chain, ["pingyao", "jinzhong", "national"]);
}

#[test]
fn unknown_parent_and_duplicate_region_refused() {
    let mut set = ProfileSet::builtin();
    let e = set.insert(prof("x", "1499", Some("nowhere"))).unwrap_err();
    assert!(matches!(e, SetError::UnknownParent { .. }), "{e}");
    assert!(set.get("x").is_none());
    let e = set.insert(prof("other", "1404", Some("national"))).unwrap_err();
    assert!(matches!(e, SetError::DuplicateRegion { .. }), "{e}");
    assert!(matches!(set.effective("nope"), Err(SetError::UnknownProfile(_))));
}

#[test]
fn county_profile_under_city_overrides_single_rules() {
    let mut set = ProfileSet::builtin();
    let text = r#"
name = "luzhou"
title = "潞州区"
region_code = "140403"
inherits = "changzhi"

[rules.plan_due]
value = "09-01"
source = "潞州区文件 [示例]"
"#;
    set.load("luzhou.toml", text).unwrap();
    let p = set.effective("luzhou").unwrap();
    assert_eq!(p.chain, ["luzhou", "changzhi", "national"]);
    assert_rule(&p, "plan_due", None, "09-01", "luzhou", "[示例]");
    assert_rule(&p, "target_total", None, "689", "changzhi", "[000 一]");
    assert_rule(&p, "core_built_by", None, "2000", "national", "[003 二(二)]");
    assert_eq!(set.for_region("140403001"), "luzhou");
    assert_eq!(set.for_region("140404"), "changzhi");
}

#[test]
fn child_all_years_value_shadows_parent_year_value() {
    let mut set = ProfileSet::builtin();
    let text = r#"
name = "qinnan"
title = "钦南区"
region_code = "450702"
inherits = "qinzhou"

[rules.milestone_start]
value = "05-15"
source = "示例 [X]"
"#;
    set.load("qinnan.toml", text).unwrap();
    let p = set.effective("qinnan").unwrap();
    assert_rule(&p, "milestone_start", Some(2021), "05-15", "qinnan", "[X]");
    assert_rule(&p, "milestone_completion", Some(2021), "12-31", "qinzhou", "[003 一]");
}

#[test]
fn one_function_decides_the_profile_of_an_estate_and_of_a_project() {
    use jiugai_rules::{ProfileSet, common_region};
    let mut set = ProfileSet::builtin();
    // A street of 芮城县 with a profile of its own.
    let street = r#"
name = "gucheng"
title = "古魏镇"
region_code = "140830100"
inherits = "ruicheng"
[rules.consent_to_plan]
value = ">= 90%"
source = "测试 [x]"
"#;
    set.load("gucheng.toml", street).unwrap();
    assert_eq!(set.for_estate("140830", Some("140830100")), "gucheng");
    assert_eq!(set.for_estate("140830", Some("140830101")), "ruicheng");
    assert_eq!(set.for_estate("140830", None), "ruicheng");
    // A street code outside the county is not believed.
    assert_eq!(set.for_estate("140830", Some("140802100")), "ruicheng");
    assert_eq!(set.for_estates([("140830", Some("140830100")), ("140830", Some("140830100"))]), "gucheng");
    assert_eq!(set.for_estates([("140830", Some("140830100")), ("140830", Some("140830101"))]), "ruicheng");
    assert_eq!(common_region([("140830", Some("140830100")), ("140802", None)]), "1408");
}
