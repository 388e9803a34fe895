//! `jiugai import households FILE --estate ID`, `jiugai households list|check`.

use std::process::ExitCode;

use jiugai_store::StoreError;
use jiugai_store::residents::households;
use jiugai_store::residents::import::{Source, import_households, mismatches};
use serde_json::json;

use super::Ctx;
use crate::cli::{HouseholdsCmd, ImportHouseholds};
use crate::output;

pub async fn run(ctx: &Ctx, cmd: HouseholdsCmd) -> ExitCode {
    let r = match cmd {
        HouseholdsCmd::List { estate, json } => list(ctx, estate, json).await,
        HouseholdsCmd::Check { region, json } => check(ctx, region, json).await,
    };
    r.unwrap_or_else(|e| ctx.fail(&e))
}

/// Errors per row on stderr (or one JSON object), exit 1 while any stands: nothing is imported then.
pub async fn import(ctx: &Ctx, a: ImportHouseholds) -> ExitCode {
    let r = import_households(&ctx.db, a.estate, Source::Path(&a.file), ctx.lang, &ctx.actor, "cli").await;
    let r = match r {
        Ok(r) => r,
        Err(e) => {
            if a.json {
                output::json(
                    &json!({"estate_id": a.estate, "file": a.file.display().to_string(), "added": 0, "committed": false,
                    "errors": [{"row": 0, "column": "", "value": a.file.display().to_string(), "message": e.message(ctx.lang)}]}),
                );
            }
            return ctx.fail(&e);
        }
    };
    if a.json {
        output::json(&r.to_json(ctx.lang));
    } else {
        for i in &r.errors {
            eprintln!("{}", output::issue_line(i, ctx.lang));
        }
        if r.committed {
            println!("{}", r.summary(ctx.lang));
        } else {
            eprintln!("{}", r.summary(ctx.lang));
        }
        let check = r.check.message(ctx.lang);
        if r.check.matches() {
            println!("{check}")
        } else {
            eprintln!("{}{check}", if ctx.zh() { "注意：" } else { "note: " })
        }
    }
    if r.committed { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

async fn list(ctx: &Ctx, estate: i64, as_json: bool) -> Result<ExitCode, StoreError> {
    let e = jiugai_store::estates::get(&ctx.db, estate).await?;
    // The command line shows no contacts: masked as for everyone but the street of the estate.
    let list: Vec<households::Household> =
        households::list(&ctx.db, estate).await?.iter().map(|h| h.masked()).collect();
    let check = jiugai_store::residents::import::check(&ctx.db, estate).await?;
    if as_json {
        let items: Vec<_> = list
            .iter()
            .map(|h| {
                json!({"id": h.id, "building": h.building, "unit": h.unit, "room": h.room, "label": h.label(),
            "area_m2": h.area_dm2 as f64 / 100.0, "owner_name": h.owner_name, "owner_phone": h.owner_phone,
            "proxy_name": h.proxy_name, "proxy_phone": h.proxy_phone})
            })
            .collect();
        output::json(
            &json!({"estate_id": estate, "estate": e.data.name, "households": items, "check": check.to_json(ctx.lang)}),
        );
    } else {
        let zh = ctx.zh();
        println!(
            "{}",
            if zh {
                "编号\t楼栋\t单元\t房号\t专有面积(㎡)\t业主\t电话\t代理人\t代理人电话"
            } else {
                "id\tbuilding\tunit\troom\tarea(m²)\towner\tphone\tproxy\tproxy phone"
            }
        );
        for h in &list {
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                h.id,
                h.building,
                h.unit,
                h.room,
                output::m2(Some(h.area_dm2)),
                h.owner_name,
                h.owner_phone,
                h.proxy_name,
                h.proxy_phone
            );
        }
        println!(
            "{}",
            if zh {
                format!(
                    "“{}”共 {} 户，专有面积合计 {} ㎡",
                    e.data.name,
                    check.registry,
                    output::m2(Some(check.registry_area_dm2))
                )
            } else {
                format!(
                    "“{}”: {} households, {} m² exclusive area",
                    e.data.name,
                    check.registry,
                    output::m2(Some(check.registry_area_dm2))
                )
            }
        );
        println!("{}", check.message(ctx.lang));
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit 0 whether or not counts differ: differences are findings, not failures of the command.
async fn check(ctx: &Ctx, region: Option<String>, as_json: bool) -> Result<ExitCode, StoreError> {
    let regions = ctx.regions().await?;
    let code = match region {
        Some(q) => regions.resolve(&q, None)?.code.clone(),
        None => String::new(),
    };
    let r = mismatches(&ctx.db, &regions, &code).await?;
    if as_json {
        output::json(&r.to_json(ctx.lang));
    } else {
        let zh = ctx.zh();
        for c in &r.mismatches {
            println!("{}\t{}", c.estate_id, c.message(ctx.lang));
        }
        println!(
            "{}",
            if zh {
                format!(
                    "已建住户名册的小区 {} 个，其中户数与档案不一致 {} 个；尚未建名册的小区 {} 个",
                    r.with_registry,
                    r.mismatches.len(),
                    r.without_registry
                )
            } else {
                format!(
                    "{} estates have a registry, {} of them differ from their file; {} estates have no registry yet",
                    r.with_registry,
                    r.mismatches.len(),
                    r.without_registry
                )
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
