//! `jiugai org import FILE --region R [--title T]`, `jiugai org show --region R`: the leading group, its
//! members and the member units with their duties, from the seeds' annex tables. An import with any
//! problem writes nothing and exits 1 listing every problem with its row.

use std::process::ExitCode;

use jiugai_store::{StoreError, org};

use super::Ctx;
use crate::cli::OrgCmd;
use crate::output;

pub async fn run(ctx: &Ctx, cmd: OrgCmd) -> ExitCode {
    let zh = ctx.zh();
    let r: Result<ExitCode, StoreError> = async {
        let regions = ctx.regions().await?;
        match cmd {
            OrgCmd::Import { file, region, title, json } => {
                let code = regions.resolve(&region, None)?.code.clone();
                let rep =
                    org::import_file(&ctx.db, &regions, &code, &file, title.as_deref(), &ctx.actor, "cli").await?;
                if json {
                    output::json(&rep);
                } else if rep.committed {
                    println!(
                        "{}",
                        if zh {
                            format!(
                                "已导入 {}：职责 {} 项，成员 {} 人，新增成员单位 {} 个",
                                code,
                                rep.duties,
                                rep.members,
                                rep.units_added.len()
                            )
                        } else {
                            format!(
                                "imported for {}: {} duties, {} members, {} new units",
                                code,
                                rep.duties,
                                rep.members,
                                rep.units_added.len()
                            )
                        }
                    );
                } else {
                    for i in &rep.issues {
                        eprintln!("{}", output::issue_line(i, ctx.lang));
                    }
                    eprintln!("{}", if zh { "有错误，未导入任何内容" } else { "errors: nothing was imported" });
                }
                Ok(if rep.committed { ExitCode::SUCCESS } else { ExitCode::from(1) })
            }
            OrgCmd::Show { region, json } => {
                let code = regions.resolve(&region, None)?.code.clone();
                let o = org::organisation(&ctx.db, &regions, &code).await?;
                if json {
                    output::json(&o);
                    return Ok(ExitCode::SUCCESS);
                }
                if let Some(g) = &o.group {
                    println!("{}（{}{}）", g.title, if zh { "办公室设在" } else { "office: " }, g.office_unit);
                }
                for m in &o.members {
                    println!("{}\t{}\t{}", m.position, m.person, m.title);
                }
                for d in &o.duties {
                    println!(
                        "{}\t{}\t{}{}\t{}{}",
                        d.seq,
                        d.task,
                        if zh { "牵头：" } else { "lead: " },
                        d.leads.join("、"),
                        if zh { "配合：" } else { "co-operating: " },
                        d.cooperating.join("、")
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    }
    .await;
    r.unwrap_or_else(|e| match e {
        StoreError::Invalid { .. }
        | StoreError::RegionNotFound(_)
        | StoreError::RegionAmbiguous(..)
        | StoreError::File(_) => {
            eprintln!("{}{}", if zh { "错误：" } else { "error: " }, e.message(ctx.lang));
            ExitCode::from(1)
        }
        e => ctx.fail(&e),
    })
}
