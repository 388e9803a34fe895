//! `jiugai import estates FILE …`

use std::io::IsTerminal;
use std::process::ExitCode;

use jiugai_store::estates::import::{ImportOptions, import_estates};
use serde_json::json;

use super::Ctx;
use crate::cli::{ImportCmd, ImportEstates};
use crate::output;

pub async fn run(ctx: &Ctx, cmd: ImportCmd) -> ExitCode {
    match cmd {
        ImportCmd::Estates(a) => estates(ctx, a).await,
        ImportCmd::Households(a) => super::households::import(ctx, a).await,
    }
}

async fn estates(ctx: &Ctx, a: ImportEstates) -> ExitCode {
    let regions = match ctx.regions().await {
        Ok(r) => r,
        Err(e) => return ctx.fail(&e),
    };
    let opts = ImportOptions {
        region: a.region.clone(),
        sheet: a.sheet.clone(),
        dry_run: a.dry_run,
        allow_partial: a.allow_partial,
        actor: ctx.actor.clone(),
        origin: "cli".into(),
        lang: ctx.lang,
    };
    let bar = if std::io::stderr().is_terminal() && !a.json {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {pos} [{elapsed}] {per_sec}").expect("template"),
        );
        b.set_message(if ctx.zh() { "已读取行数" } else { "rows read" });
        Some(b)
    } else {
        None
    };
    let progress = |n: u64| {
        if let Some(b) = &bar {
            b.set_position(n);
        }
    };
    let report = import_estates(&ctx.db, &regions, &a.file, &opts, &progress).await;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            if a.json {
                output::json(
                    &json!({"imported": 0, "unchanged": 0, "updated": 0, "skipped_rows": [], "errors": [{"row": 0, "column": "", "value": a.file.display().to_string(), "message": e.message(ctx.lang)}], "totals": {"estates": 0, "households": 0, "floor_area_m2": 0}}),
                );
            }
            return ctx.fail(&e);
        }
    };
    let failed = !report.errors.is_empty() && !a.allow_partial;
    if a.json {
        let errors: Vec<_> = report
            .errors
            .iter()
            .map(|i| json!({"row": i.row, "column": i.column, "value": i.value, "message": i.message(ctx.lang)}))
            .collect();
        output::json(&json!({
            "imported": report.imported, "unchanged": report.unchanged, "updated": report.updated,
            "skipped_rows": report.skipped_rows, "errors": errors,
            "totals": {"estates": report.totals.estates, "households": report.totals.households,
                       "buildings": report.totals.buildings,
                       "floor_area_m2": report.totals.floor_area_dm2 as f64 / 100.0},
            "committed": report.committed, "dry_run": a.dry_run,
            "rejected_file": report.rejected_file.as_ref().map(|p| p.display().to_string()),
        }));
    } else {
        let zh = ctx.zh();
        for i in &report.errors {
            eprintln!("{}", output::issue_line(i, ctx.lang));
        }
        let t = &report.totals;
        let skipped = report.skipped_rows.iter().map(|r| r.to_string()).collect::<Vec<_>>();
        let read = if zh {
            format!(
                "读取 {} 个小区（{} 户，{} 栋，{} ㎡）",
                t.estates,
                t.households,
                t.buildings,
                output::m2(Some(t.floor_area_dm2))
            )
        } else {
            format!(
                "read {} estates ({} households, {} buildings, {} m²)",
                t.estates,
                t.households,
                t.buildings,
                output::m2(Some(t.floor_area_dm2))
            )
        };
        let outcome = match (failed, a.dry_run || !report.committed && !failed, zh) {
            (true, _, true) => format!(
                "无误的行 {}，有误 {} 处",
                report.imported + report.updated + report.unchanged,
                report.errors.len()
            ),
            (true, _, false) => format!(
                "{} good rows, {} errors",
                report.imported + report.updated + report.unchanged,
                report.errors.len()
            ),
            (false, true, true) if a.dry_run => {
                format!("将新增 {}，将更新 {}，未变 {}", report.imported, report.updated, report.unchanged)
            }
            (false, true, false) if a.dry_run => format!(
                "would add {}, update {}, leave {} unchanged",
                report.imported, report.updated, report.unchanged
            ),
            (_, _, true) => format!("新增 {}，更新 {}，未变 {}", report.imported, report.updated, report.unchanged),
            (_, _, false) => {
                format!("{} new, {} updated, {} unchanged", report.imported, report.updated, report.unchanged)
            }
        };
        let skip = match (skipped.is_empty(), zh) {
            (true, _) => String::new(),
            (false, true) => format!("；跳过第 {} 行（空行或合计行）", skipped.join("、")),
            (false, false) => format!("; skipped rows {} (blank or totals)", skipped.join(", ")),
        };
        println!("{read}{}{outcome}{skip}", if zh { "：" } else { ": " });
        if failed {
            eprintln!(
                "{}",
                if zh {
                    format!(
                        "共 {} 处错误，未导入任何数据。请改正后重新导入，或加 --allow-partial 只导入无误的行。",
                        report.errors.len()
                    )
                } else {
                    format!(
                        "{} errors: nothing was imported. Fix them and import again, or use --allow-partial to import the good rows.",
                        report.errors.len()
                    )
                }
            );
        } else if a.dry_run {
            println!("{}", if zh { "试运行（--dry-run）：未写入数据库" } else { "dry run: nothing written" });
        } else if let Some(p) = &report.rejected_file {
            println!(
                "{}",
                if zh {
                    format!("有问题的行已写入 {}", p.display())
                } else {
                    format!("rejected rows written to {}", p.display())
                }
            );
        }
    }
    if failed { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
