//! `jiugai policy list|show|load`, `jiugai eligibility`, `jiugai targets check`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use jiugai_rules::{EstateFacts, LoadError, ProfileSet, Ratio, TargetRow, TargetTable, Verdict, eligibility as decide};
use jiugai_sheet::table::{ColumnSpec, Value, read_table, value_text};
use jiugai_sheet::{Issue, IssueKind, Lang, ReadOptions};
use jiugai_store::estates::{self, Filter};
use jiugai_store::{StoreError, policies};
use serde_json::json;

use super::Ctx;
use crate::cli::PolicyCmd;
use crate::output;

pub async fn run(ctx: &Ctx, cmd: PolicyCmd) -> ExitCode {
    let r = async {
        match cmd {
            PolicyCmd::List { json } => {
                let set = policies::profile_set(&ctx.db).await?;
                let mut out = Vec::new();
                for name in set.names() {
                    let p = set.get(name).expect("listed");
                    out.push(json!({"name": p.name, "title": p.title, "region_code": p.region_code,
                        "inherits": p.inherits, "builtin": set.is_builtin(name)}));
                }
                if json {
                    output::json(&out);
                } else {
                    for p in &out {
                        println!(
                            "{}\t{}\t{}\t{}{}",
                            p["name"].as_str().unwrap_or(""),
                            p["title"].as_str().unwrap_or(""),
                            p["region_code"].as_str().unwrap_or(""),
                            p["inherits"].as_str().map(|i| format!("← {i}")).unwrap_or_default(),
                            if p["builtin"] == true {
                                ""
                            } else if ctx.zh() {
                                "\t（本地载入）"
                            } else {
                                "\t(loaded)"
                            }
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            PolicyCmd::Show { name, json } => {
                let set = policies::profile_set(&ctx.db).await?;
                let eff = set.effective(&name).map_err(|e| StoreError::Other(e.to_string()))?;
                if json {
                    output::json(&eff);
                } else {
                    println!("{}（{}）{} ← {}", eff.title, eff.name, eff.region_code, eff.chain.join(" ← "));
                    for r in &eff.rules {
                        let year = r.year.map(|y| format!("[{y}] ")).unwrap_or_default();
                        let meaning = if ctx.zh() { r.meaning_zh } else { r.meaning_en };
                        println!("{}{}\t{}\t{}\t{}\t（{}）", year, r.key, r.text, meaning, r.source, r.profile);
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            PolicyCmd::Load { file } => {
                let text = std::fs::read_to_string(&file).map_err(|e| {
                    StoreError::invalid(
                        "file",
                        file.display().to_string(),
                        format!("无法读取 {}：{e}", file.display()),
                        format!("cannot read {}: {e}", file.display()),
                    )
                })?;
                match policies::load(&ctx.db, &file.display().to_string(), &text, &ctx.actor).await? {
                    Ok(name) => {
                        println!(
                            "{}",
                            if ctx.zh() {
                                format!("已载入政策配置 {name}")
                            } else {
                                format!("loaded profile {name}")
                            }
                        );
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(LoadError::Parse(e)) => {
                        let msg = if ctx.zh() { &e.message_zh } else { &e.message_en };
                        eprintln!("{}:{}:{}: {msg}", file.display(), e.line, e.column);
                        eprintln!(
                            "{}",
                            if ctx.zh() {
                                "政策配置未载入：请按上面的行号改正后重试"
                            } else {
                                "profile not loaded: fix the line above and try again"
                            }
                        );
                        Ok(ExitCode::from(1))
                    }
                    Err(LoadError::Set(e)) => {
                        eprintln!("{}: {e}", file.display());
                        Ok(ExitCode::from(1))
                    }
                }
            }
        }
    }
    .await;
    r.unwrap_or_else(|e: StoreError| ctx.fail(&e))
}

fn profile_name<'a>(set: &'a ProfileSet, forced: Option<&'a str>, e: &estates::EstateData) -> &'a str {
    forced.unwrap_or_else(|| set.for_estate(&e.region_code, e.street_code.as_deref()))
}

pub async fn eligibility(ctx: &Ctx, region: Option<String>, policy: Option<String>, as_json: bool) -> ExitCode {
    let r = async {
        let regions = ctx.regions().await?;
        let set = policies::profile_set(&ctx.db).await?;
        if let Some(p) = &policy {
            set.effective(p).map_err(|e| StoreError::Other(e.to_string()))?;
        }
        let region = match region {
            Some(q) => Some(regions.resolve(&q, None)?.code.clone()),
            None => None,
        };
        let list = estates::list(&ctx.db, &regions, &Filter { region, ..Default::default() }).await?;
        let mut effective = BTreeMap::new();
        let mut counts: BTreeMap<&str, i64> = [("core", 0), ("extended", 0), ("excluded", 0), ("out_of_scope", 0)].into();
        let mut rows = Vec::new();
        let mut used = std::collections::BTreeSet::new();
        for e in &list {
            let name = profile_name(&set, policy.as_deref(), &e.data).to_string();
            if !effective.contains_key(&name) {
                effective.insert(name.clone(), set.effective(&name).map_err(|e| StoreError::Other(e.to_string()))?);
            }
            let eff = &effective[&name];
            let d = &e.data;
            let v = decide(eff, &EstateFacts {
                built_years: d.built_years.clone(),
                in_shantytown_plan: d.in_shantytown_plan.unwrap_or(false),
                self_built: d.self_built.unwrap_or(false),
                urban_village: d.urban_village.unwrap_or(false),
                declared: d.declared,
            });
            let key = match v.verdict { Verdict::Core => "core", Verdict::Extended => "extended", Verdict::Excluded => "excluded", Verdict::OutOfScope => "out_of_scope" };
            *counts.entry(key).or_default() += 1;
            used.insert(name.clone());
            rows.push(json!({"id": e.id, "name": d.name, "region_code": d.region_code, "verdict": key,
                "reason": if ctx.zh() { &v.reason_zh } else { &v.reason_en }, "rule": v.rule.rule, "value": v.rule.value,
                "clause": v.rule.source, "policy": name}));
        }
        let policy_label = match &policy {
            Some(p) => p.clone(),
            None => used.iter().cloned().collect::<Vec<_>>().join(","),
        };
        if as_json {
            output::json(&json!({"policy": policy_label, "counts": counts, "estates": rows}));
        } else {
            for r in &rows {
                println!("{}\t{}\t{}\t{}\t{}", r["id"], r["name"].as_str().unwrap_or(""), verdict_label(r["verdict"].as_str().unwrap_or(""), ctx.lang),
                    r["reason"].as_str().unwrap_or(""), r["clause"].as_str().unwrap_or(""));
            }
            let c = |k: &str| counts.get(k).copied().unwrap_or(0);
            if ctx.zh() {
                println!("政策配置 {policy_label}：重点改造 {}，可扩展改造 {}，排除 {}，不在范围 {}", c("core"), c("extended"), c("excluded"), c("out_of_scope"));
            } else {
                println!("profile {policy_label}: core {}, extended {}, excluded {}, out of scope {}", c("core"), c("extended"), c("excluded"), c("out_of_scope"));
            }
        }
        Ok::<_, StoreError>(ExitCode::SUCCESS)
    }
    .await;
    r.unwrap_or_else(|e| ctx.fail(&e))
}

fn verdict_label(v: &str, lang: Lang) -> &'static str {
    match (v, lang) {
        ("core", Lang::Zh) => "重点改造",
        ("extended", Lang::Zh) => "可扩展改造",
        ("excluded", Lang::Zh) => "排除",
        (_, Lang::Zh) => "不在范围",
        ("core", _) => "core",
        ("extended", _) => "extended",
        ("excluded", _) => "excluded",
        _ => "out of scope",
    }
}

const TARGET_SPECS: &[ColumnSpec] = &[
    ColumnSpec {
        key: "region",
        synonyms: &["区划", "区划代码", "地区", "县区", "县（区）", "行政区划", "单位"],
        required: true,
    },
    ColumnSpec { key: "year", synonyms: &["年份", "年度", "年"], required: true },
    ColumnSpec {
        key: "count",
        synonyms: &["任务数", "改造数量", "小区数", "数量", "改造小区数", "小区个数"],
        required: true,
    },
    ColumnSpec {
        key: "cumulative",
        synonyms: &["累计完成比例", "累计比例", "累计完成", "累计", "累计完成率"],
        required: false,
    },
    ColumnSpec { key: "households", synonyms: &["户数", "居民户数"], required: false },
];

/// A share as offices type it: "35%", "≥35%", "35" (in a % column), or a percent-formatted cell (0.35).
fn share(v: &Value) -> Option<Result<Ratio, ()>> {
    match v {
        Value::Empty => None,
        Value::Number(n) if *n <= 1.0 => Some(Ratio::parse(&format!("{}", n)).ok_or(())),
        Value::Number(n) => Some(Ratio::parse(&format!("{}%", n)).ok_or(())),
        other => {
            let t = value_text(other);
            let t = t.trim().trim_start_matches(['≥', '>', '=']).trim_start_matches("不低于").trim();
            if t.is_empty() {
                return None;
            }
            let t = if t.ends_with('%') || t.ends_with('％') { t.to_string() } else { format!("{t}%") };
            Some(Ratio::parse(&t).ok_or(()))
        }
    }
}

/// `jiugai targets check FILE`: the table's own consistency, without storing it.
pub async fn targets(ctx: &Ctx, file: std::path::PathBuf, sheet: Option<String>, as_json: bool) -> ExitCode {
    let r = async {
        let regions = ctx.regions().await?;
        let mut issues: Vec<Issue> = Vec::new();
        let mut rows: Vec<TargetRow> = Vec::new();
        let mut totals: BTreeMap<String, (u32, i64)> = BTreeMap::new();
        let mut bad = |row: u32, column: &str, value: String, zh: String, en: String| {
            issues.push(Issue { row, column: column.into(), value, kind: IssueKind::Other { zh, en } });
        };
        let header = read_table(&file, &ReadOptions { sheet }, TARGET_SPECS, |h, row, vals| {
            let col = |i: usize| h.columns[i].and_then(|c| h.headers.get(c).cloned()).unwrap_or_default();
            let region = value_text(h.get(vals, 0)).trim().to_string();
            let year_v = h.get(vals, 1);
            let count_v = h.get(vals, 2);
            if region.is_empty() && matches!(year_v, Value::Empty) && matches!(count_v, Value::Empty) {
                return;
            }
            let count = match count_v {
                Value::Number(n) => jiugai_sheet::normalize::integer_from_f64(*n),
                other => jiugai_sheet::normalize::integer(&value_text(other)),
            };
            let count = match count {
                Ok(c) => c,
                Err(_) => {
                    return bad(
                        row,
                        &col(2),
                        value_text(count_v),
                        "任务数应为非负整数，如 208".into(),
                        "the count must be a whole number, e.g. 208".into(),
                    );
                }
            };
            let year_text = value_text(year_v);
            if jiugai_sheet::table::is_totals_label(&year_text) || jiugai_sheet::table::is_totals_label(&region) {
                let key = if jiugai_sheet::table::is_totals_label(&region) { String::new() } else { region.clone() };
                totals.insert(key, (row, count));
                return;
            }
            let year = match year_v {
                Value::Number(n) => jiugai_sheet::normalize::year_from_f64(*n).ok(),
                other => {
                    jiugai_sheet::normalize::years(&value_text(other)).ok().and_then(|y| (y.len() == 1).then(|| y[0]))
                }
            };
            let Some(year) = year else {
                return bad(
                    row,
                    &col(1),
                    year_text,
                    "年份应为四位数字，如 2022（合计行请写“合计”）".into(),
                    "the year must be four digits, e.g. 2022 (write 合计 on a totals row)".into(),
                );
            };
            if region.is_empty() {
                return bad(
                    row,
                    &col(0),
                    String::new(),
                    "区划不能为空：请填写县（区）名称或代码".into(),
                    "the region is empty: give a county name or code".into(),
                );
            }
            let cumulative = match share(h.get(vals, 3)) {
                None => None,
                Some(Ok(r)) => Some(r),
                Some(Err(())) => {
                    return bad(
                        row,
                        &col(3),
                        value_text(h.get(vals, 3)),
                        "累计比例应为百分数，如 35%".into(),
                        "the cumulative share must be a percentage, e.g. 35%".into(),
                    );
                }
            };
            let households = match h.get(vals, 4) {
                Value::Empty => None,
                Value::Number(n) => jiugai_sheet::normalize::integer_from_f64(*n).ok(),
                other => jiugai_sheet::normalize::integer(&value_text(other)).ok(),
            };
            rows.push(TargetRow { region, year, count, households, cumulative_pct: cumulative });
        })?;
        let _ = header;
        // Group: a region is part of another's table when the division tree says it lies inside it.
        let code_of = |name: &str| regions.resolve(name, None).ok().map(|r| r.code.clone());
        let mut names: Vec<String> = rows.iter().map(|r| r.region.clone()).collect();
        names.sort();
        names.dedup();
        let codes: BTreeMap<String, Option<String>> = names.iter().map(|n| (n.clone(), code_of(n))).collect();
        let parent_of = |n: &str| -> Option<String> {
            let c = codes.get(n)?.as_ref()?;
            names
                .iter()
                .find(|m| m.as_str() != n && codes.get(*m).cloned().flatten().is_some_and(|mc| regions.within(c, &mc)))
                .cloned()
        };
        let tops: Vec<String> = names.iter().filter(|n| parent_of(n).is_none()).cloned().collect();
        let mut reports = Vec::new();
        let mut ok = issues.is_empty();
        for top in &tops {
            let total =
                totals.get(top).or_else(|| (tops.len() == 1).then(|| totals.get("")).flatten()).map(|(_, t)| *t);
            let table = TargetTable {
                region: top.clone(),
                total,
                prior: 0,
                rows: rows
                    .iter()
                    .filter(|r| &r.region == top || parent_of(&r.region).as_deref() == Some(top.as_str()))
                    .cloned()
                    .collect(),
            };
            let rep = table.check();
            ok &= rep.ok;
            reports.push(
                json!({"region": top, "region_code": codes.get(top).cloned().flatten(), "total": total, "ok": rep.ok,
                "issues": rep.issues.iter().map(|i| json!({"region": i.region, "year": i.year, "kind": i.kind,
                    "message": if ctx.zh() { &i.message_zh } else { &i.message_en }})).collect::<Vec<_>>(),
                "progress": rep.progress}),
            );
        }
        if as_json {
            let errors: Vec<_> = issues
                .iter()
                .map(|i| json!({"row": i.row, "column": i.column, "value": i.value, "message": i.message(ctx.lang)}))
                .collect();
            output::json(&json!({"ok": ok, "errors": errors, "tables": reports}));
        } else {
            for i in &issues {
                eprintln!("{}", output::issue_line(i, ctx.lang));
            }
            for r in &reports {
                for i in r["issues"].as_array().into_iter().flatten() {
                    println!("✗ {}", i["message"].as_str().unwrap_or(""));
                }
                for p in r["progress"].as_array().into_iter().flatten() {
                    println!(
                        "  {} {}年：{}，累计 {}（{}）{}",
                        r["region"].as_str().unwrap_or(""),
                        p["year"],
                        p["count"],
                        p["cumulative"],
                        p["share"].as_str().unwrap_or("-"),
                        p["promised"].as_str().map(|s| format!("，承诺 {s}")).unwrap_or_default()
                    );
                }
            }
            println!(
                "{}",
                match (ok, ctx.zh()) {
                    (true, true) => "任务表前后一致".to_string(),
                    (true, false) => "the target table is consistent".to_string(),
                    (false, true) => "任务表有不一致之处（见上）".to_string(),
                    (false, false) => "the target table is inconsistent (see above)".to_string(),
                }
            );
        }
        Ok::<_, StoreError>(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
    }
    .await;
    r.unwrap_or_else(|e| ctx.fail(&e))
}
