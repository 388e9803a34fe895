//! `jiugai tasks list|create|reply|close|send-back|show`: supervision tasks (督办). The operator acts as an
//! office admin of the whole country unless `--as USER` names a user, whose role, scope and unit decide
//! (a unit's reply, a county office's close). Refusals exit 1 with the reason.

use std::process::ExitCode;

use jiugai_domain::Label;
use jiugai_store::supervision::{self as sup, Caller, NewFinding, NewTask, Task};
use jiugai_store::{StoreError, org, users};

use super::Ctx;
use crate::cli::TasksCmd;
use crate::output;

async fn caller(ctx: &Ctx, as_user: Option<&str>) -> Result<(Caller, String), StoreError> {
    match as_user {
        None => Ok((Caller::operator(), ctx.actor.clone())),
        Some(n) => {
            let u = users::by_name(&ctx.db, n)
                .await?
                .ok_or_else(|| StoreError::invalid("as", n, format!("没有用户“{n}”"), format!("no user “{n}”")))?;
            Ok((Caller::of(&u), format!("{}:{}", ctx.actor, u.name)))
        }
    }
}

fn line(ctx: &Ctx, t: &Task, regions: &jiugai_store::regions::Regions) -> String {
    let flag = if t.overdue { ctx.lang.pick("【逾期】", "[OVERDUE] ") } else { "" };
    format!(
        "{}\tv{}\t{flag}{}\t{}\t{}\t{}\t{}",
        t.id,
        t.version,
        t.title,
        t.assignee_label(regions),
        t.due_on,
        t.state.label(ctx.lang),
        t.origin.label(ctx.lang)
    )
}

pub async fn run(ctx: &Ctx, cmd: TasksCmd) -> ExitCode {
    let zh = ctx.zh();
    let r: Result<ExitCode, StoreError> = async {
        let regions = ctx.regions().await?;
        let show = |t: &Task, json: bool| {
            if json {
                output::json(t);
            } else {
                println!("{}", line(ctx, t, &regions));
            }
        };
        match cmd {
            TasksCmd::List { region, overdue, json } => {
                let scope = match region {
                    Some(q) => regions.resolve(&q, None)?.code.clone(),
                    None => String::new(),
                };
                let list = sup::list(&ctx.db, &regions, &sup::Filter { scope, overdue, ..Default::default() }).await?;
                if json {
                    output::json(&list);
                } else {
                    for t in &list {
                        println!("{}", line(ctx, t, &regions));
                    }
                }
            }
            TasksCmd::Create { region, unit, to, project, estate, complaint, finding_on, title, text, due, json } => {
                let code = regions.resolve(&region, None)?.code.clone();
                let assignee_unit = match unit {
                    Some(u) => Some(org::find_unit(&ctx.db, &code, &u).await?.id),
                    None => None,
                };
                let assignee_region = match to {
                    Some(q) => Some(regions.resolve(&q, Some(&code))?.code.clone()),
                    None => None,
                };
                let nt = NewTask {
                    region: code,
                    assignee_region,
                    assignee_unit,
                    project_id: project,
                    estate_id: estate,
                    title,
                    body: text,
                    due_on: due,
                };
                let c = Caller::operator();
                let t = match (complaint, finding_on) {
                    (Some(cid), _) => {
                        sup::escalate_complaint(&ctx.db, &regions, &c, cid, &nt, &ctx.actor, "cli").await?
                    }
                    (None, Some(on)) => {
                        let f = NewFinding { inspected_on: on, task: nt };
                        sup::record_finding(&ctx.db, &regions, &c, &f, &ctx.actor, "cli").await?
                    }
                    (None, None) => sup::issue(&ctx.db, &regions, &c, &nt, &ctx.actor, "cli").await?,
                };
                show(&t, json);
            }
            TasksCmd::Reply { id, version, text, evidence, as_user, json } => {
                let (c, actor) = caller(ctx, as_user.as_deref()).await?;
                let c = if as_user.is_none() { assignee_of(ctx, id).await? } else { c };
                let t = sup::reply(&ctx.db, &c, id, version, &text, &evidence, &actor, "cli").await?;
                show(&t, json);
            }
            TasksCmd::Close { id, version, text, as_user, json } => {
                let (c, actor) = caller(ctx, as_user.as_deref()).await?;
                let t = sup::decide(&ctx.db, &c, id, version, true, &text, &actor, "cli").await?;
                show(&t, json);
            }
            TasksCmd::SendBack { id, version, reason, as_user, json } => {
                let (c, actor) = caller(ctx, as_user.as_deref()).await?;
                let t = sup::decide(&ctx.db, &c, id, version, false, &reason, &actor, "cli").await?;
                show(&t, json);
            }
            TasksCmd::Show { id, json } => {
                let t = sup::get(&ctx.db, id).await?;
                let ev = sup::events(&ctx.db, id).await?;
                if json {
                    output::json(&serde_json::json!({"task": t, "events": ev}));
                } else {
                    println!("{}", line(ctx, &t, &regions));
                    for e in ev {
                        println!(
                            "  {}\t{}\t{}\t{}\t{}",
                            jiugai_domain::time::beijing(&e.at),
                            e.kind.label(ctx.lang),
                            e.actor,
                            e.text,
                            e.evidence
                        );
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    }
    .await;
    r.unwrap_or_else(|e| match e {
        StoreError::Invalid { .. }
        | StoreError::Stale { .. }
        | StoreError::NotFound(..)
        | StoreError::RegionNotFound(_)
        | StoreError::RegionAmbiguous(..) => {
            eprintln!("{}{}", if zh { "错误：" } else { "error: " }, e.message(ctx.lang));
            ExitCode::from(1)
        }
        e => ctx.fail(&e),
    })
}

/// The operator replying without `--as` replies on the assignee's behalf (recorded as the operator).
async fn assignee_of(ctx: &Ctx, id: i64) -> Result<Caller, StoreError> {
    let t = sup::get(&ctx.db, id).await?;
    Ok(match (t.assignee_unit, t.assignee_region) {
        (Some(u), _) => Caller { role: jiugai_domain::Role::Department, scope: String::new(), unit_id: Some(u) },
        (None, Some(r)) => Caller { role: jiugai_domain::Role::County, scope: r, unit_id: None },
        _ => Caller::operator(),
    })
}
