//! `jiugai notices list|issue|show|demo`: notices (通报) of praise or criticism with the facts the system
//! holds attached (taken at issue, never recomputed) and their rectification deadlines (限期整改), each of
//! which becomes a task; demonstration projects (示范项目) per year.

use std::process::ExitCode;

use jiugai_domain::{Label, NoticeKind};
use jiugai_rules::ProfileSet;
use jiugai_store::supervision::{self as sup, Caller, NewNotice, Rectification};
use jiugai_store::{StoreError, org};

use super::Ctx;
use crate::cli::NoticesCmd;
use crate::output;

pub async fn run(ctx: &Ctx, cmd: NoticesCmd) -> ExitCode {
    let zh = ctx.zh();
    let r: Result<ExitCode, StoreError> = async {
        let regions = ctx.regions().await?;
        match cmd {
            NoticesCmd::List { region, json } => {
                let scope = match region {
                    Some(q) => regions.resolve(&q, None)?.code.clone(),
                    None => String::new(),
                };
                let list = sup::notices(&ctx.db, &regions, &scope).await?;
                if json {
                    output::json(&list);
                } else {
                    for n in &list {
                        println!("{}\t{}\t{}\t{}\t{}", n.id, n.kind.label(ctx.lang), n.period, n.target_label(&regions), n.title);
                    }
                }
            }
            NoticesCmd::Issue { region, kind, to, unit, period, title, text, rectify, json } => {
                let code = regions.resolve(&region, None)?.code.clone();
                let kind = NoticeKind::try_parse(kind.trim()).map_err(|e| StoreError::invalid("kind", kind.clone(), e.to_string(), e.to_string()))?;
                let target_unit = match unit {
                    Some(u) => Some(org::find_unit(&ctx.db, &code, &u).await?.id),
                    None => None,
                };
                let target_region = match to {
                    Some(q) => Some(regions.resolve(&q, Some(&code))?.code.clone()),
                    None => None,
                };
                let mut rects = Vec::new();
                for r in &rectify {
                    let (due, what) = r.split_once([':', '：']).ok_or_else(|| {
                        StoreError::invalid("rectify", r.clone(), "整改期限写成 2026-12-31:整改内容", "a rectification is written 2026-12-31:what to do")
                    })?;
                    rects.push(Rectification { title: what.trim().to_string(), body: String::new(), due_on: due.trim().to_string() });
                }
                let n = NewNotice { region: code, kind: Some(kind), target_region, target_unit, period, title, body: text, rectifications: rects };
                let set: ProfileSet = jiugai_store::policies::profile_set(&ctx.db).await?;
                let (notice, tasks) = sup::issue_notice(&ctx.db, &regions, &set, &Caller::operator(), &n, &ctx.actor, "cli").await?;
                if json {
                    output::json(&serde_json::json!({"notice": notice, "facts": notice.facts(), "tasks": tasks}));
                } else {
                    println!("{}", if zh { format!("已发布通报 {}：{}", notice.id, notice.title) } else { format!("notice {} issued: {}", notice.id, notice.title) });
                    for t in &tasks {
                        println!("  {}\t{}\t{}", t.id, t.title, t.due_on);
                    }
                }
            }
            NoticesCmd::Show { id, json } => {
                let n = sup::notice(&ctx.db, id).await?;
                let tasks = sup::list(&ctx.db, &regions, &sup::Filter { notice_id: Some(id), ..Default::default() }).await?;
                if json {
                    output::json(&serde_json::json!({"notice": n, "facts": n.facts(), "tasks": tasks}));
                } else {
                    let f = n.facts();
                    println!("{}（{}，{}）", n.title, n.kind.label(ctx.lang), n.period);
                    println!("{}", n.body);
                    println!(
                        "{}",
                        if zh {
                            format!("截至 {}：{} 年任务 {}，完成 {}，在建 {}，差 {}；逾期步骤 {}；未办结投诉 {}（逾期 {}）", f.as_of, f.year, f.target.map_or("-".into(), |t| t.to_string()), f.done, f.started, f.shortfall, f.overdue_steps, f.complaints_open, f.complaints_overdue)
                        } else {
                            format!("as of {}: {} target {}, done {}, started {}, short {}; overdue steps {}; open complaints {} (overdue {})", f.as_of, f.year, f.target.map_or("-".into(), |t| t.to_string()), f.done, f.started, f.shortfall, f.overdue_steps, f.complaints_open, f.complaints_overdue)
                        }
                    );
                    for t in &tasks {
                        println!("  {}\t{}\t{}\t{}", t.id, t.title, t.due_on, t.state.label(ctx.lang));
                    }
                }
            }
            NoticesCmd::Demo { region, project, year, reason } => {
                let code = regions.resolve(&region, None)?.code.clone();
                let d = sup::mark_demo(&ctx.db, &regions, &Caller::operator(), &code, project, year, &reason, &ctx.actor, "cli").await?;
                println!("{}", if zh { format!("{} 年示范项目：{}（{}）", d.year, d.project_name, d.project_id) } else { format!("{} demonstration project: {} ({})", d.year, d.project_name, d.project_id) });
            }
        }
        Ok(ExitCode::SUCCESS)
    }
    .await;
    r.unwrap_or_else(|e| match e {
        StoreError::Invalid { .. }
        | StoreError::NotFound(..)
        | StoreError::RegionNotFound(_)
        | StoreError::RegionAmbiguous(..) => {
            eprintln!("{}{}", if zh { "错误：" } else { "error: " }, e.message(ctx.lang));
            ExitCode::from(1)
        }
        e => ctx.fail(&e),
    })
}
