//! `jiugai complaints list [--region CODE] [--overdue] [--json]`: residents' complaints, the most urgent
//! first, with the responsible region, the due date (SLA) and the days left or overdue ("today" honours
//! `JIUGAI_TODAY`). `--json` prints the same objects as `GET /api/v1/complaints`, contact included.

use std::process::ExitCode;

use jiugai_store::StoreError;
use jiugai_store::complaints::{self, Filter};
use jiugai_store::projects;
use serde_json::{Value, json};

use super::Ctx;
use crate::cli::ComplaintsCmd;
use crate::output;

pub async fn run(ctx: &Ctx, cmd: ComplaintsCmd) -> ExitCode {
    let r = match cmd {
        ComplaintsCmd::List { region, overdue, json } => list(ctx, region, overdue, json).await,
    };
    r.unwrap_or_else(|e| match e {
        StoreError::Invalid { .. } | StoreError::RegionNotFound(_) | StoreError::RegionAmbiguous(..) => {
            eprintln!("{}{}", if ctx.zh() { "错误：" } else { "error: " }, e.message(ctx.lang));
            ExitCode::from(1)
        }
        e => ctx.fail(&e),
    })
}

async fn list(ctx: &Ctx, region: Option<String>, overdue: bool, as_json: bool) -> Result<ExitCode, StoreError> {
    let regions = ctx.regions().await?;
    let region = match region {
        Some(q) => Some(regions.resolve(&q, None)?.code.clone()),
        None => None,
    };
    let today = projects::today();
    let list = complaints::list(&ctx.db, &Filter { region, overdue, ..Default::default() }, today).await?;
    if as_json {
        let v: Vec<Value> = list
            .iter()
            .map(|c| {
                let mut v = serde_json::to_value(c).unwrap_or_default();
                v["received_on"] = json!(c.received_on());
                v["days_left"] = json!(c.days_left(today));
                v["overdue"] = json!(c.overdue(today));
                v
            })
            .collect();
        output::json(&v);
        return Ok(ExitCode::SUCCESS);
    }
    let zh = ctx.zh();
    println!(
        "{}",
        if zh {
            "受理编号\t受理日期\t类别\t状态\t责任地区\t答复期限\t时限\t涉及"
        } else {
            "tracking no.\treceived\tcategory\tstatus\tresponsible\tdue\tSLA\tabout"
        }
    );
    for c in &list {
        let sla = match c.days_left(today) {
            None => String::new(),
            Some(d) if d < 0 => {
                if zh {
                    format!("逾期 {} 天", -d)
                } else {
                    format!("{} days overdue", -d)
                }
            }
            Some(d) => {
                if zh {
                    format!("还剩 {d} 天")
                } else {
                    format!("{d} days left")
                }
            }
        };
        let region = regions.get(&c.region_code).map(|r| r.full_name.clone()).unwrap_or_else(|| c.region_code.clone());
        let about =
            [c.project_name.as_deref(), c.estate_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            c.tracking_no,
            c.received_on(),
            jiugai_domain::Label::label(c.category, ctx.lang),
            jiugai_domain::Label::label(c.status, ctx.lang),
            region,
            c.due_on,
            sla,
            about
        );
    }
    let late = list.iter().filter(|c| c.overdue(today)).count();
    println!(
        "{}",
        if zh {
            format!("共 {} 件，其中逾期 {late} 件", list.len())
        } else {
            format!("{} complaints, {late} overdue", list.len())
        }
    );
    Ok(ExitCode::SUCCESS)
}
