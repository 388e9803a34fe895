//! `jiugai projects create|list|show|step|move|ledger`. `--json` prints the same document as the API
//! (`GET /api/v1/projects/{id}`). Exit codes: 0 done, 1 refused (bad input, out of order, stale version),
//! 2 failure.

use jiugai_domain::Label;
use std::process::ExitCode;

use jiugai_rules::{Dm2, EffectiveProfile, Fen, ProfileSet};
use jiugai_store::StoreError;
use jiugai_store::projects::{self, Filter, NewProject, Project, ledger, steps};
use serde_json::{Value, json};

use super::Ctx;
use crate::cli::ProjectsCmd;
use crate::output;

pub async fn run(ctx: &Ctx, cmd: ProjectsCmd) -> ExitCode {
    let r = match cmd {
        ProjectsCmd::Create {
            name,
            estates,
            year,
            investment_yuan,
            new_area_m2,
            high_risk,
            structural_change,
            json,
        } => {
            create(
                ctx,
                name,
                estates,
                year,
                &investment_yuan,
                new_area_m2.as_deref(),
                high_risk,
                structural_change,
                json,
            )
            .await
        }
        ProjectsCmd::List { region, year, stage, overdue, json } => list(ctx, region, year, stage, overdue, json).await,
        ProjectsCmd::Show { id, json } => show(ctx, id, json).await,
        ProjectsCmd::Step { id, key, version, done, started, department, note, detail, json } => {
            step(ctx, id, &key, version, done, started, department, note, detail, json).await
        }
        ProjectsCmd::Move { id, version, stage, year, reason } => {
            move_stage(ctx, id, version, &stage, year, &reason).await
        }
        ProjectsCmd::Ledger { region, year, output } => ledger_out(ctx, region, year, &output).await,
    };
    r.unwrap_or_else(|e| match e {
        StoreError::Invalid { .. } | StoreError::Stale { .. } => {
            eprintln!("{}{}", if ctx.zh() { "错误：" } else { "error: " }, e.message(ctx.lang));
            ExitCode::from(1)
        }
        e => ctx.fail(&e),
    })
}

/// A stage or a step key typed on the command line: refused with the words it accepts.
fn word<W>(field: &str, label_zh: &str, s: &str) -> Result<W, StoreError>
where
    W: std::str::FromStr<Err = jiugai_domain::vocab::UnknownWord>,
{
    s.trim().parse::<W>().map_err(|e| {
        invalid(
            field,
            s,
            format!("未知{label_zh}“{s}”：应为 {}", e.expected.join("、")),
            format!("unknown {field} “{s}”: use one of {}", e.expected.join(", ")),
        )
    })
}

fn invalid(field: &str, value: &str, zh: String, en: String) -> StoreError {
    StoreError::invalid(field, value, zh, en)
}

pub(super) async fn profiles(ctx: &Ctx) -> Result<ProfileSet, StoreError> {
    jiugai_store::policies::profile_set(&ctx.db).await
}

fn profile_of(set: &ProfileSet, p: &Project) -> Result<EffectiveProfile, StoreError> {
    let name = p.profile_name(set);
    set.effective(name).map_err(|e| StoreError::Other(format!("profile {name}: {e}")))
}

async fn document(ctx: &Ctx, id: i64) -> Result<Value, StoreError> {
    let set = profiles(ctx).await?;
    let p = projects::get(&ctx.db, id).await?;
    projects::json::document(&ctx.db, &profile_of(&set, &p)?, &p).await
}

#[allow(clippy::too_many_arguments)]
async fn create(
    ctx: &Ctx,
    name: String,
    estates: Vec<i64>,
    year: i32,
    yuan: &str,
    area: Option<&str>,
    high_risk: bool,
    structural_change: bool,
    as_json: bool,
) -> Result<ExitCode, StoreError> {
    let investment = Fen::parse(yuan).filter(|f| f.0 >= 0).ok_or_else(|| {
        invalid(
            "investment_yuan",
            yuan,
            format!("金额“{yuan}”无效：请填写元，如 3500000、3500000.50 或 350万"),
            format!("amount “{yuan}” is invalid: give yuan, e.g. 3500000, 3500000.50 or 350万"),
        )
    })?;
    let new_area = match area {
        Some(a) => Dm2::parse(a).filter(|d| d.0 >= 0).ok_or_else(|| {
            invalid(
                "new_area_m2",
                a,
                format!("面积“{a}”无效：请填写平方米数"),
                format!("area “{a}” is invalid: give m²"),
            )
        })?,
        None => Dm2(0),
    };
    let np = NewProject {
        name,
        estate_ids: estates,
        plan_year: year,
        investment_fen: investment.0,
        new_floor_area_dm2: new_area.0,
        high_risk,
        structural_change,
    };
    let p = projects::create(&ctx.db, &np, &ctx.actor, "cli").await?;
    if as_json {
        output::json(&document(ctx, p.id).await?);
    } else {
        println!(
            "{}",
            if ctx.zh() {
                format!("已创建项目 {}「{}」（储备阶段，{} 年度）", p.id, p.name, p.plan_year)
            } else {
                format!("created project {} “{}” (reserve, plan year {})", p.id, p.name, p.plan_year)
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(
    ctx: &Ctx,
    region: Option<String>,
    year: Option<i32>,
    stage: Option<String>,
    overdue: bool,
    as_json: bool,
) -> Result<ExitCode, StoreError> {
    let regions = ctx.regions().await?;
    let region = match region {
        Some(q) => Some(regions.resolve(&q, None)?.code.clone()),
        None => None,
    };
    let stage: Option<projects::Stage> = match &stage {
        Some(s) => Some(word("stage", "阶段", s)?),
        None => None,
    };
    let f = Filter { region, plan_year: year, stage, ..Default::default() };
    let mut list = projects::list(&ctx.db, &regions, &f).await?;
    let set = profiles(ctx).await?;
    let late = steps::overdue(&ctx.db, &set, &list, projects::today()).await?;
    if overdue {
        list.retain(|p| late.iter().any(|(id, _)| *id == p.id));
    }
    let late_of = |id: i64| late.iter().filter(|(p, _)| *p == id).map(|(_, s)| s.clone()).collect::<Vec<_>>();
    if as_json {
        let v: Vec<Value> = list
            .iter()
            .map(|p| {
                let mut v = serde_json::to_value(p).unwrap_or_default();
                v["overdue_steps"] =
                    json!(late_of(p.id).iter().map(|s| json!({"key": s.key, "due": s.due})).collect::<Vec<_>>());
                v
            })
            .collect();
        output::json(&v);
    } else {
        let zh = ctx.zh();
        println!(
            "{}",
            if zh {
                "编号\t年度\t阶段\t县区\t项目名称\t小区数\t总投资(元)\t逾期步骤"
            } else {
                "id\tyear\tstage\tcounty\tname\testates\tinvestment(yuan)\toverdue"
            }
        );
        for p in &list {
            let late: Vec<String> =
                late_of(p.id).iter().map(|s| format!("{}({})", s.key, s.due.clone().unwrap_or_default())).collect();
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                p.id,
                p.plan_year,
                p.stage.label(ctx.lang),
                p.region_code,
                p.name,
                p.estate_ids.len(),
                Fen(p.investment_fen),
                late.join(" ")
            );
        }
        println!("{}", if zh { format!("共 {} 个项目", list.len()) } else { format!("{} projects", list.len()) });
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(ctx: &Ctx, id: i64, as_json: bool) -> Result<ExitCode, StoreError> {
    let d = document(ctx, id).await?;
    if as_json {
        output::json(&d);
        return Ok(ExitCode::SUCCESS);
    }
    let zh = ctx.zh();
    println!(
        "{} {}「{}」 {} {} · {} · v{}",
        if zh { "项目" } else { "project" },
        d["id"],
        d["name"].as_str().unwrap_or(""),
        d["plan_year"],
        projects::Stage::parse(d["stage"].as_str().unwrap_or("")).map_or("", |s| s.label(ctx.lang)),
        d["region_code"].as_str().unwrap_or(""),
        d["version"]
    );
    println!("{}", if zh { "步骤\t需要\t期限\t完成\t依据" } else { "step\trequired\tdue\tdone\trule" });
    for s in d["steps"].as_array().into_iter().flatten() {
        let flag = if s["overdue"] == true { if zh { " 逾期" } else { " OVERDUE" } } else { "" };
        println!(
            "{}\t{}\t{}\t{}{}\t{} — {}",
            s["key"].as_str().unwrap_or(""),
            if s["required"] == true { "✓" } else { "—" },
            s["due"].as_str().unwrap_or(""),
            s["done"].as_str().unwrap_or(""),
            flag,
            s["rule"].as_str().unwrap_or(""),
            s["clause"].as_str().unwrap_or("")
        );
    }
    let t = &d["totals"];
    println!(
        "{} {} · {} {} · {} {} · {} {}%",
        if zh { "改造内容估算" } else { "content" },
        Fen(t["cost_fen"].as_i64().unwrap_or(0)),
        if zh { "财政" } else { "public" },
        Fen(t["public_fen"].as_i64().unwrap_or(0)),
        if zh { "业主" } else { "owners" },
        Fen(t["owners_fen"].as_i64().unwrap_or(0)),
        if zh { "进度" } else { "progress" },
        Dm2(t["progress_bp"].as_i64().unwrap_or(0))
    );
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::too_many_arguments)]
async fn step(
    ctx: &Ctx,
    id: i64,
    key: &str,
    version: i64,
    done: String,
    started: Option<String>,
    department: String,
    note: String,
    detail: Option<String>,
    as_json: bool,
) -> Result<ExitCode, StoreError> {
    let detail: Value = match detail {
        Some(s) => serde_json::from_str(&s).map_err(|e| {
            invalid("detail", &s, format!("--detail 不是有效的 JSON：{e}"), format!("--detail is not valid JSON: {e}"))
        })?,
        None => json!({}),
    };
    let set = profiles(ctx).await?;
    let p = projects::get(&ctx.db, id).await?;
    let c = steps::Completion { done_on: done, started_on: started, department, note, detail };
    let step: jiugai_domain::StepKey = word("step", "步骤", key)?;
    let p = steps::complete(&ctx.db, &profile_of(&set, &p)?, (id, version, step), &c, &ctx.actor, "cli").await?;
    if as_json {
        output::json(&document(ctx, id).await?);
    } else {
        println!(
            "{}",
            if ctx.zh() {
                format!("已登记：项目 {id} 的步骤 {key} 完成，项目现为第 {} 版（{}阶段）", p.version, p.stage.zh())
            } else {
                format!("recorded: step {key} of project {id}; the project is now version {} ({})", p.version, p.stage)
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn move_stage(
    ctx: &Ctx,
    id: i64,
    version: i64,
    stage: &str,
    year: Option<i32>,
    reason: &str,
) -> Result<ExitCode, StoreError> {
    let set = profiles(ctx).await?;
    let p = projects::get(&ctx.db, id).await?;
    let year = year.unwrap_or(p.plan_year);
    let stage = word("stage", "阶段", stage)?;
    let p = projects::move_stage(&ctx.db, &profile_of(&set, &p)?, id, version, stage, year, reason, &ctx.actor, "cli")
        .await?;
    println!(
        "{}",
        if ctx.zh() {
            format!("已调整：项目 {id} 现为{}阶段、{} 年度（第 {} 版）", p.stage.zh(), p.plan_year, p.version)
        } else {
            format!("moved: project {id} is now {} in {} (version {})", p.stage, p.plan_year, p.version)
        }
    );
    Ok(ExitCode::SUCCESS)
}

async fn ledger_out(
    ctx: &Ctx,
    region: Option<String>,
    year: Option<i32>,
    path: &std::path::Path,
) -> Result<ExitCode, StoreError> {
    let regions = ctx.regions().await?;
    let region = match region {
        Some(q) => Some(regions.resolve(&q, None)?.code.clone()),
        None => None,
    };
    let rows =
        ledger::region_ledger(&ctx.db, &regions, &Filter { region, plan_year: year, ..Default::default() }).await?;
    ledger::export(&rows, path)?;
    println!(
        "{}",
        if ctx.zh() {
            format!("已导出 {} 个项目的调度台账到 {}", rows.len(), path.display())
        } else {
            format!("wrote the ledger of {} projects to {}", rows.len(), path.display())
        }
    );
    Ok(ExitCode::SUCCESS)
}
