//! `jiugai audit verify|list`.

use std::process::ExitCode;

use jiugai_store::audit;

use super::Ctx;
use crate::cli::AuditCmd;
use crate::output;

pub async fn run(ctx: &Ctx, cmd: AuditCmd) -> ExitCode {
    match cmd {
        AuditCmd::Verify => match audit::verify(&ctx.db).await {
            Ok(v) => match v.first_broken {
                None => {
                    println!(
                        "{}",
                        if ctx.zh() {
                            format!("审计日志完整：{} 条记录，哈希链校验通过", v.entries)
                        } else {
                            format!("audit log intact: {} entries, hash chain verified", v.entries)
                        }
                    );
                    ExitCode::SUCCESS
                }
                Some((id, why)) => {
                    println!(
                        "{}",
                        if ctx.zh() {
                            format!("审计日志被改动：第一条异常记录为第 {id} 条（{why}）")
                        } else {
                            format!("audit log altered: first broken entry is #{id} ({why})")
                        }
                    );
                    ExitCode::from(1)
                }
            },
            Err(e) => ctx.fail(&e),
        },
        AuditCmd::List { limit, json } => match audit::list(&ctx.db, None, limit).await {
            Ok(rows) => {
                if json {
                    output::json(&rows);
                } else {
                    for r in rows {
                        println!(
                            "{}\t{}\t{}\t{}\t{}:{}\t{}",
                            r.id, r.at, r.actor, r.action, r.entity, r.entity_id, r.detail
                        );
                    }
                }
                ExitCode::SUCCESS
            }
            Err(e) => ctx.fail(&e),
        },
    }
}
