//! `jiugai reports monthly|submit|approve|return|reopen|export|completeness`. The CLI acts for the region's
//! office when submitting and for the office of the level above when approving, returning or reopening.
//! JSON: `{"region", "month", "state", "rows": [{"region", "name", "state", "figures": {…}}], "total": {…}, …}`.
//! Exit codes: 0 done, 1 refused, 2 failure.

use std::process::ExitCode;

use jiugai_domain::number::{grouped, grouped_hundredths, wan_yuan};
use jiugai_domain::{Label, Role};
use jiugai_store::StoreError;
use jiugai_store::reports::{self, FIGURES};
use serde_json::json;

use super::Ctx;
use crate::cli::{ReportAt, ReportsCmd};
use crate::output;

fn show(key: &str, v: i64) -> String {
    if key.ends_with("_fen") {
        wan_yuan(v)
    } else if key.ends_with("_dm2") {
        grouped_hundredths(v)
    } else {
        grouped(v)
    }
}

pub async fn run(ctx: &Ctx, cmd: ReportsCmd) -> ExitCode {
    let r = async {
        let regions = ctx.regions().await?;
        let profiles = super::projects::profiles(ctx).await?;
        let db = &ctx.db;
        let code_of = |at: &ReportAt| regions.resolve(&at.region, None).map(|r| r.code.clone());
        let upper = |code: &str| regions.get(code).and_then(|r| r.parent_code.clone()).unwrap_or_default();
        match cmd {
            ReportsCmd::Monthly { at, json: as_json } => {
                let code = code_of(&at)?;
                let rep = reports::get(db, &regions, &profiles, &code, &at.month).await?;
                let changes = reports::changes(db, &regions, &profiles, &code, &at.month).await?;
                if as_json {
                    let mut v = serde_json::to_value(&rep).map_err(|e| StoreError::Other(e.to_string()))?;
                    v["changes"] = json!(
                        changes
                            .iter()
                            .map(|(r, k, then, now)| json!({"row": r, "figure": k, "then": then, "now": now}))
                            .collect::<Vec<_>>()
                    );
                    output::json(&v);
                } else {
                    println!(
                        "{} {}  {}  v{}  {}{}",
                        rep.name,
                        rep.month,
                        rep.state.zh(),
                        rep.version,
                        if ctx.zh() { "上报期限 " } else { "due " },
                        rep.due_on
                    );
                    for (k, zh, en, unit) in FIGURES {
                        let cells: Vec<String> =
                            rep.rows.iter().map(|r| show(k, r.figures.get(*k).copied().unwrap_or(0))).collect();
                        println!(
                            "{}（{unit}）\t{}\t{} {}",
                            if ctx.zh() { zh } else { en },
                            cells.join("\t"),
                            if ctx.zh() { "合计" } else { "total" },
                            show(k, rep.total.get(*k).copied().unwrap_or(0))
                        );
                    }
                    for (r, k, then, now) in &changes {
                        println!(
                            "{} {r} {k}: {} → {}",
                            if ctx.zh() { "上报后有变化：" } else { "changed since submission:" },
                            show(k, *then),
                            show(k, *now)
                        );
                    }
                }
            }
            ReportsCmd::Submit { at, version } => {
                let code = code_of(&at)?;
                let rep =
                    reports::submit(db, &regions, &profiles, &code, &at.month, version, &ctx.actor, "cli").await?;
                println!("{}\t{}\t{}\tv{}", rep.region, rep.month, rep.state.zh(), rep.version);
            }
            ReportsCmd::Approve { at, version } => {
                let code = code_of(&at)?;
                let rep = reports::act(
                    db,
                    &regions,
                    &profiles,
                    &code,
                    &at.month,
                    version,
                    "approve",
                    "",
                    Role::Admin,
                    &upper(&code),
                    &ctx.actor,
                    "cli",
                )
                .await?;
                println!("{}\t{}\t{}\tv{}", rep.region, rep.month, rep.state.zh(), rep.version);
            }
            ReportsCmd::Return { at, version, reason } => {
                let code = code_of(&at)?;
                let rep = reports::act(
                    db,
                    &regions,
                    &profiles,
                    &code,
                    &at.month,
                    version,
                    "return",
                    &reason,
                    Role::Admin,
                    &upper(&code),
                    &ctx.actor,
                    "cli",
                )
                .await?;
                println!("{}\t{}\t{}\tv{}", rep.region, rep.month, rep.state.zh(), rep.version);
            }
            ReportsCmd::Reopen { at, version, reason } => {
                let code = code_of(&at)?;
                let rep = reports::act(
                    db,
                    &regions,
                    &profiles,
                    &code,
                    &at.month,
                    version,
                    "reopen",
                    &reason,
                    Role::Admin,
                    &upper(&code),
                    &ctx.actor,
                    "cli",
                )
                .await?;
                println!("{}\t{}\t{}\tv{}", rep.region, rep.month, rep.state.zh(), rep.version);
            }
            ReportsCmd::Export { at, output: out } => {
                let code = code_of(&at)?;
                let rep = reports::get(db, &regions, &profiles, &code, &at.month).await?;
                let full = regions.get(&code).map_or(code.clone(), |r| r.full_name.clone());
                jiugai_sheet::report_sheet::write_report_xlsx(&out, &reports::sheet(&rep, &full))?;
                println!("{}", out.display());
            }
            ReportsCmd::Completeness { at, json: as_json } => {
                let code = code_of(&at)?;
                let c = reports::completeness(db, &regions, &profiles, &code, &at.month).await?;
                if as_json {
                    output::json(&c);
                } else {
                    for x in &c {
                        let late =
                            if x.days_late > 0 { format!("\t逾期 {} 天", x.days_late) } else { String::new() };
                        println!("{}\t{}\t{}{late}", x.region, x.name, x.state.zh());
                    }
                }
            }
        }
        Ok::<_, StoreError>(ExitCode::SUCCESS)
    }
    .await;
    r.unwrap_or_else(|e| match e {
        StoreError::Invalid { .. }
        | StoreError::Stale { .. }
        | StoreError::RegionNotFound(_)
        | StoreError::RegionAmbiguous(..) => {
            eprintln!("{}{}", if ctx.zh() { "错误：" } else { "error: " }, e.message(ctx.lang));
            ExitCode::from(1)
        }
        e => ctx.fail(&e),
    })
}
