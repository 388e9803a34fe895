//! `jiugai init` and `jiugai regions …`.

use std::process::ExitCode;

use jiugai_store::StoreError;
use jiugai_store::regions::{self, Level};

use super::Ctx;
use crate::cli::RegionsCmd;
use crate::output;

pub async fn init(ctx: &Ctx) -> ExitCode {
    match regions::init(&ctx.db).await {
        Ok(n) => {
            println!("{}", if ctx.zh() { format!("已载入行政区划 {n} 条") } else { format!("loaded {n} regions") });
            ExitCode::SUCCESS
        }
        Err(e) => ctx.fail(&e),
    }
}

pub async fn run(ctx: &Ctx, cmd: RegionsCmd) -> ExitCode {
    let r = async {
        let tree = ctx.regions().await?;
        match cmd {
            RegionsCmd::Find { query, json } => {
                let r = tree.resolve(&query, None)?;
                if json { output::json(r) } else { println!("{}\t{}\t{}", r.code, r.full_name, r.level.key()) }
            }
            RegionsCmd::Children { code, json } => {
                let kids: Vec<_> = match &code {
                    Some(c) => {
                        let c = tree.resolve(c, None)?.code.clone();
                        tree.children(&c).cloned().collect()
                    }
                    None => {
                        let mut v: Vec<_> = [
                            "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
                            "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
                            "65",
                        ]
                        .iter()
                        .filter_map(|c| tree.get(c).cloned())
                        .collect();
                        v.retain(|r| r.level == Level::Province);
                        v
                    }
                };
                if json {
                    output::json(&kids)
                } else {
                    for k in kids {
                        println!("{}\t{}", k.code, k.name)
                    }
                }
            }
            RegionsCmd::AddCommunity { street, name, code } => {
                let s = tree.resolve(&street, None)?;
                if s.level != Level::Street {
                    return Err(StoreError::RegionLevel(street.clone(), "street"));
                }
                let r = regions::add_community(&ctx.db, &s.code.clone(), &name, code.as_deref()).await?;
                println!("{}\t{}", r.code, r.full_name);
            }
            RegionsCmd::AddUnit { parent, name, code } => {
                let p = tree.resolve(&parent, None)?.code.clone();
                let r = regions::add_task_unit(&ctx.db, &p, &name, code.as_deref(), &ctx.actor, "cli").await?;
                println!("{}\t{}", r.code, r.full_name);
            }
        }
        Ok::<_, StoreError>(ExitCode::SUCCESS)
    }
    .await;
    r.unwrap_or_else(|e| ctx.fail(&e))
}
