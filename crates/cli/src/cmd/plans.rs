//! `jiugai targets import|show|export` and `jiugai plans create|list|add|remove|show|submit|review|issue|amend|export`.
//! `--json` prints the same documents as the API. Exit codes: 0 done, 1 refused (bad input, a failing
//! check, a stale version, a plan in the wrong state), 2 failure.
//!
//! The CLI is the operator's: it acts for the office of the plan's region when drafting and submitting,
//! and for the office of the current review step when reviewing (the audit log records the operator and
//! the office acted for).

use std::process::ExitCode;

use jiugai_domain::{Label, Role};
use jiugai_rules::Outcome;
use jiugai_sheet::ReadOptions;
use jiugai_store::StoreError;
use jiugai_store::plans::{self, Actor, Plan};
use jiugai_store::targets;
use serde_json::json;

use super::Ctx;
use crate::cli::{PlansCmd, TargetsCmd};
use crate::output;

fn refused_or_failed(ctx: &Ctx, e: StoreError) -> ExitCode {
    match e {
        StoreError::Invalid { .. }
        | StoreError::Stale { .. }
        | StoreError::RegionNotFound(_)
        | StoreError::RegionAmbiguous(..)
        | StoreError::RegionLevel(..)
        | StoreError::NotFound(..)
        | StoreError::ProjectNotFound(_) => {
            eprintln!("{}{}", if ctx.zh() { "错误：" } else { "error: " }, e.message(ctx.lang));
            ExitCode::from(1)
        }
        e => ctx.fail(&e),
    }
}

pub async fn targets(ctx: &Ctx, cmd: TargetsCmd) -> ExitCode {
    let r = async {
        let regions = ctx.regions().await?;
        let profiles = super::projects::profiles(ctx).await?;
        match cmd {
            TargetsCmd::Check { .. } => Ok(ExitCode::SUCCESS),
            TargetsCmd::Import { file, region, sheet, dry_run, json: as_json } => {
                let code = regions.resolve(&region, None)?.code.clone();
                let read = jiugai_sheet::targets::read_targets(&file, &ReadOptions { sheet });
                let sheet = match read {
                    Ok(s) => s,
                    Err(e) => {
                        let msg = e.message(ctx.lang);
                        if as_json {
                            output::json(
                                &json!({"committed": false, "regions": [], "years": [], "by_year": {}, "total": 0,
                                "errors": [{"row": 0, "column": "", "value": "", "message": msg}]}),
                            );
                        } else {
                            eprintln!("{}{msg}", if ctx.zh() { "错误：" } else { "error: " });
                        }
                        return Ok(ExitCode::from(2));
                    }
                };
                let source = file.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
                let source = if sheet.sheet.is_empty() { source } else { format!("{source}（{}）", sheet.sheet) };
                let rep = targets::import_sheet(
                    &ctx.db, &regions, &profiles, &sheet, &code, &source, dry_run, ctx.lang, &ctx.actor, "cli",
                )
                .await?;
                if as_json {
                    output::json(&json!({
                        "committed": rep.committed,
                        "region": rep.region_code,
                        "layout": sheet.layout,
                        "regions": rep.regions.iter().map(|(c, n)| json!({"code": c, "name": n})).collect::<Vec<_>>(),
                        "years": rep.years,
                        "by_year": rep.by_year,
                        "total": rep.total,
                        "programme_total": rep.programme_total,
                        "prior": rep.prior,
                        "errors": rep.errors,
                    }));
                } else {
                    for e in &rep.errors {
                        let at = match (e.row, e.column.is_empty(), ctx.zh()) {
                            (0, true, _) => String::new(),
                            (0, false, true) => format!("“{}”列：", e.column),
                            (0, false, false) => format!("column “{}”: ", e.column),
                            (r, _, true) => format!("第 {r} 行“{}”：", e.column),
                            (r, _, false) => format!("row {r}, “{}”: ", e.column),
                        };
                        eprintln!("✗ {at}{}", e.message);
                    }
                    let years: Vec<String> = rep.by_year.iter().map(|(y, n)| format!("{y}年 {n}")).collect();
                    println!(
                        "{}",
                        match (rep.committed, rep.errors.is_empty(), ctx.zh()) {
                            (true, _, true) => format!(
                                "已导入 {} 个下级区划的任务：{}；合计 {} 个",
                                rep.regions.len(),
                                years.join("，"),
                                rep.total
                            ),
                            (true, _, false) => format!(
                                "imported targets of {} sub-regions: {}; total {}",
                                rep.regions.len(),
                                years.join(", "),
                                rep.total
                            ),
                            (false, true, true) =>
                                format!("检查通过（未保存，--dry-run）：{}；合计 {} 个", years.join("，"), rep.total),
                            (false, true, false) =>
                                format!("checked, not stored (--dry-run): {}; total {}", years.join(", "), rep.total),
                            (false, false, true) =>
                                format!("任务表有 {} 处问题，未导入任何数据（见上）", rep.errors.len()),
                            (false, false, false) =>
                                format!("{} problem(s); nothing was imported (see above)", rep.errors.len()),
                        }
                    );
                }
                Ok(if rep.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
            }
            TargetsCmd::Show { region, year, json: as_json } => {
                let code = regions.resolve(&region, None)?.code.clone();
                let year = year.unwrap_or_else(|| jiugai_store::projects::today().year());
                let p = targets::progress(&ctx.db, &regions, &profiles, &code, year).await?;
                if as_json {
                    output::json(&p);
                } else {
                    let head = if ctx.zh() {
                        "区划\t任务\t完成\t完成户数\t在建\t累计\t占总量\t承诺\t差额"
                    } else {
                        "region\ttarget\tdone\thouseholds\tstarted\tcumulative\tshare\tpromised\tshort"
                    };
                    println!("{} {year}", p.region.name);
                    println!("{head}");
                    for l in std::iter::once(&p.region).chain(p.children.iter()) {
                        println!(
                            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                            l.name,
                            l.target.map_or("-".into(), |t| t.to_string()),
                            l.done,
                            l.done_households,
                            l.started,
                            l.cumulative,
                            l.share.as_deref().unwrap_or("-"),
                            l.promised.as_deref().unwrap_or("-"),
                            l.shortfall
                        );
                    }
                    for s in &p.sources {
                        println!("{} {s}", if ctx.zh() { "依据：" } else { "source:" });
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            TargetsCmd::Export { region, output: out } => {
                let code = regions.resolve(&region, None)?.code.clone();
                let t = targets::export_table(&ctx.db, &regions, &code).await?;
                if t.rows.is_empty() {
                    return Err(StoreError::invalid(
                        "region",
                        code,
                        "该区划没有已导入的下级任务",
                        "no targets of sub-regions are stored for this region",
                    ));
                }
                jiugai_sheet::targets::write_targets_xlsx(&out, &t)?;
                println!("{}", out.display());
                Ok(ExitCode::SUCCESS)
            }
        }
    }
    .await;
    r.unwrap_or_else(|e| refused_or_failed(ctx, e))
}

/// The operator acting for the office of `region`.
fn office<'a>(ctx: &'a Ctx, region: &'a str, role: Role) -> Actor<'a> {
    Actor { name: &ctx.actor, role, scope: region, origin: "cli" }
}

pub async fn run(ctx: &Ctx, cmd: PlansCmd) -> ExitCode {
    let r = async {
        let regions = ctx.regions().await?;
        let profiles = super::projects::profiles(ctx).await?;
        let today = jiugai_store::projects::today();
        let db = &ctx.db;
        let current = |id: i64, v: Option<i64>| async move {
            match v {
                Some(v) => Ok::<_, StoreError>(v),
                None => Ok(plans::get(db, id).await?.version),
            }
        };
        match cmd {
            PlansCmd::Create { region, year, projects, json: as_json } => {
                let code = regions.resolve(&region, None)?.code.clone();
                let p =
                    plans::create(db, &regions, &profiles, &code, year, &projects, &office(ctx, &code, Role::County))
                        .await?;
                if as_json {
                    output::json(&document(ctx, &regions, &profiles, &p, today).await?);
                } else {
                    println!("{}\t{}\tv{}", p.id, p.title(&regions), p.version);
                }
            }
            PlansCmd::List { region, year, json: as_json } => {
                let code = match region {
                    Some(r) => regions.resolve(&r, None)?.code.clone(),
                    None => String::new(),
                };
                let list = plans::list(db, &code, None, year).await?;
                if as_json {
                    output::json(&list);
                } else {
                    for p in &list {
                        let late = p.days_late.filter(|d| *d > 0).map(|d| format!("\t逾期 {d} 天")).unwrap_or_default();
                        println!(
                            "{}\t{}\t{}\t{} 个项目{late}",
                            p.id,
                            p.title(&regions),
                            label(ctx, p),
                            p.project_ids.len()
                        );
                    }
                }
            }
            PlansCmd::Add { id, project, version } => {
                change(ctx, &regions, id, project, current(id, version).await?, true).await?
            }
            PlansCmd::Remove { id, project, version } => {
                change(ctx, &regions, id, project, current(id, version).await?, false).await?
            }
            PlansCmd::Show { id, json: as_json } => {
                let p = plans::get(db, id).await?;
                let doc = document(ctx, &regions, &profiles, &p, today).await?;
                if as_json {
                    output::json(&doc);
                } else {
                    print_plan(ctx, &regions, &profiles, &p, today).await?;
                }
            }
            PlansCmd::Submit { id, version } => {
                let plan = plans::get(db, id).await?;
                let p = plans::submit(
                    db,
                    &regions,
                    &profiles,
                    id,
                    version,
                    today,
                    &office(ctx, &plan.region_code, Role::County),
                )
                .await?;
                let late = p.days_late.filter(|d| *d > 0);
                println!(
                    "{}\t{}\tv{}{}",
                    p.id,
                    label(ctx, &p),
                    p.version,
                    late.map(|d| if ctx.zh() {
                        format!("\t逾期 {d} 天上报（期限 {}）", p.due_on.as_deref().unwrap_or(""))
                    } else {
                        format!("\tsubmitted {d} days late")
                    })
                    .unwrap_or_default()
                );
            }
            PlansCmd::Review { id, version, approve, return_, reason } => {
                if approve == return_ {
                    return Err(StoreError::invalid(
                        "approve",
                        "",
                        "请指明 --approve（批准本步骤）或 --return --reason \"…\"（退回修改）",
                        "say --approve or --return --reason \"…\"",
                    ));
                }
                let plan = plans::get(db, id).await?;
                let steps = plans::chain(&profiles, &plan.region_code);
                let step = steps.get(plan.review_step.max(0) as usize).cloned();
                let (scope, role) = match &step {
                    Some(s) => (
                        plans::step_region(&regions, &plan.region_code, s).unwrap_or_default(),
                        s.role.as_deref().and_then(Role::parse).unwrap_or(Role::Admin),
                    ),
                    None => (String::new(), Role::Admin),
                };
                let p = plans::review(
                    db,
                    &regions,
                    &profiles,
                    id,
                    version,
                    approve,
                    &reason,
                    today,
                    &office(ctx, &scope, role),
                )
                .await?;
                println!("{}\t{}\tv{}", p.id, label(ctx, &p), p.version);
            }
            PlansCmd::Issue { id, version } => {
                let plan = plans::get(db, id).await?;
                let p = plans::issue(
                    db,
                    &regions,
                    &profiles,
                    id,
                    version,
                    today,
                    &office(ctx, &plan.region_code, Role::County),
                )
                .await?;
                println!("{}\t{}\tv{}", p.id, label(ctx, &p), p.version);
            }
            PlansCmd::Amend { id, version, reason } => {
                let plan = plans::get(db, id).await?;
                let p = plans::amend(db, id, version, &reason, &office(ctx, &plan.region_code, Role::County)).await?;
                println!("{}\t{}\tv{}", p.id, p.title(&regions), p.version);
            }
            PlansCmd::Export { id, output: out } => {
                let p = plans::get(db, id).await?;
                let sheet = plan_sheet(db, &regions, &p).await?;
                jiugai_sheet::plan_sheet::write_plan_xlsx(&out, &sheet)?;
                println!("{}", out.display());
            }
        }
        Ok::<_, StoreError>(ExitCode::SUCCESS)
    }
    .await;
    r.unwrap_or_else(|e| refused_or_failed(ctx, e))
}

async fn change(
    ctx: &Ctx,
    regions: &jiugai_store::regions::Regions,
    id: i64,
    project: i64,
    version: i64,
    add: bool,
) -> Result<(), StoreError> {
    let plan = plans::get(&ctx.db, id).await?;
    let p = plans::change_project(
        &ctx.db,
        regions,
        id,
        version,
        project,
        add,
        &office(ctx, &plan.region_code, Role::County),
    )
    .await?;
    println!("{}\t{}\tv{}\t{:?}", p.id, p.title(regions), p.version, p.project_ids);
    Ok(())
}

fn label(ctx: &Ctx, p: &Plan) -> &'static str {
    if ctx.zh() { p.status.zh() } else { p.status.en() }
}

/// The plan as the office's xlsx lays it out.
pub async fn plan_sheet(
    db: &jiugai_store::Db,
    regions: &jiugai_store::regions::Regions,
    p: &Plan,
) -> Result<jiugai_sheet::plan_sheet::PlanSheet, StoreError> {
    let lines = plans::lines(db, p).await?;
    let region = regions.get(&p.region_code).map_or(p.region_code.clone(), |r| r.full_name.clone());
    let title = if p.amendment > 0 {
        format!("{region}{}年城镇老旧小区改造计划（第{}次调整）", p.plan_year, p.amendment)
    } else {
        format!("{region}{}年城镇老旧小区改造计划", p.plan_year)
    };
    Ok(jiugai_sheet::plan_sheet::PlanSheet {
        title,
        unit: "面积单位：平方米；投资单位：万元".into(),
        rows: lines
            .into_iter()
            .map(|l| jiugai_sheet::plan_sheet::PlanSheetRow {
                project: l.project,
                estates: l.estates,
                region: regions.get(&l.region_code).map_or(l.region_code.clone(), |r| r.name.clone()),
                households: l.households,
                area_dm2: l.area_dm2,
                content: l.content,
                investment_fen: l.investment_fen,
            })
            .collect(),
        note: Some(format!("计划状态：{}（{}）", p.status.zh(), p.title(regions))),
    })
}

/// The plan document of `plans show --json` and `GET /api/v1/plans/{id}`.
async fn document(
    ctx: &Ctx,
    regions: &jiugai_store::regions::Regions,
    profiles: &jiugai_rules::ProfileSet,
    p: &Plan,
    today: jiugai_rules::Date,
) -> Result<serde_json::Value, StoreError> {
    let lines = plans::lines(&ctx.db, p).await?;
    let report = plans::checks(&ctx.db, regions, profiles, p, today).await?;
    let chain = plans::chain(profiles, &p.region_code);
    let events = plans::events(&ctx.db, p.id).await?;
    let zh = ctx.zh();
    Ok(json!({
        "plan": p,
        "title": p.title(regions),
        "lines": lines,
        "totals": {
            "households": lines.iter().map(|l| l.households).sum::<i64>(),
            "area_dm2": lines.iter().map(|l| l.area_dm2).sum::<i64>(),
            "investment_fen": lines.iter().map(|l| l.investment_fen).sum::<i64>(),
        },
        "outcome": report.outcome,
        "checks": report.checks.iter().map(|c| json!({
            "check": c.check, "subject": c.subject, "outcome": c.outcome, "rule": c.rule.rule, "value": c.rule.value,
            "source": c.rule.source, "reason": if zh { &c.reason_zh } else { &c.reason_en },
            "blocking": plans::blocking(&report).iter().any(|b| std::ptr::eq(*b, c)),
        })).collect::<Vec<_>>(),
        "chain": chain.iter().enumerate().map(|(i, s)| json!({
            "step": i + 1, "label": s.label, "level": s.level, "role": s.role,
            "region": plans::step_region(regions, &p.region_code, s),
        })).collect::<Vec<_>>(),
        "events": events,
    }))
}

async fn print_plan(
    ctx: &Ctx,
    regions: &jiugai_store::regions::Regions,
    profiles: &jiugai_rules::ProfileSet,
    p: &Plan,
    today: jiugai_rules::Date,
) -> Result<(), StoreError> {
    let zh = ctx.zh();
    println!("{}  {}  v{}", p.title(regions), label(ctx, p), p.version);
    if let Some(d) = &p.due_on {
        println!("{}{d}", if zh { "上报期限：" } else { "due: " });
    }
    if let Some(d) = p.days_late.filter(|d| *d > 0) {
        println!("{}", if zh { format!("逾期 {d} 天上报") } else { format!("submitted {d} days late") });
    }
    for l in plans::lines(&ctx.db, p).await? {
        println!(
            "  #{} {}（{}）{} 户 {} 万元",
            l.project_id,
            l.project,
            l.estates.join("、"),
            jiugai_domain::number::grouped(l.households),
            jiugai_domain::number::wan_yuan(l.investment_fen)
        );
    }
    let r = plans::checks(&ctx.db, regions, profiles, p, today).await?;
    for c in &r.checks {
        let mark = match c.outcome {
            Outcome::Pass => "✓",
            Outcome::Fail => "✗",
            Outcome::NotApplicable => "–",
        };
        println!(
            "{mark} {}{}：{}  [{} {}；{}]",
            c.check,
            c.subject.as_deref().map(|s| format!("（{s}）")).unwrap_or_default(),
            if zh { &c.reason_zh } else { &c.reason_en },
            c.rule.rule,
            c.rule.value,
            c.rule.source
        );
    }
    for (i, s) in plans::chain(profiles, &p.region_code).iter().enumerate() {
        let state =
            if p.status == jiugai_domain::PlanStatus::Submitted && p.review_step as usize == i { " ←" } else { "" };
        println!("  {}. {}{state}", i + 1, s.label);
    }
    for e in plans::events(&ctx.db, p.id).await? {
        println!("  {} {} v{} {} {}", jiugai_domain::time::beijing(&e.at), e.actor, e.version, e.action, e.reason);
    }
    Ok(())
}
