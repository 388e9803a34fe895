//! `jiugai funds plan|allocate|pay|reverse|move|show|summary|reconcile`. Amounts are typed as people type
//! them and printed in 万元 with separators; `--json` prints fen. Exit codes: 0 done, 1 refused (bad input,
//! over the allocation, ring-fenced, an import with errors), 2 failure.

use std::collections::BTreeMap;
use std::process::ExitCode;

use jiugai_domain::number::wan_yuan;
use jiugai_domain::{CapitalModel, FundSource, Label};
use jiugai_sheet::ReadOptions;
use jiugai_store::StoreError;
use jiugai_store::funds::{self, Figures, NewDocument, NewMove, NewPayment};
use serde_json::json;

use super::Ctx;
use crate::cli::FundsCmd;
use crate::output;

fn refused_or_failed(ctx: &Ctx, e: StoreError) -> ExitCode {
    match e {
        StoreError::Invalid { .. }
        | StoreError::Stale { .. }
        | StoreError::RegionNotFound(_)
        | StoreError::RegionAmbiguous(..)
        | StoreError::NotFound(..)
        | StoreError::ProjectNotFound(_) => {
            eprintln!("{}{}", if ctx.zh() { "错误：" } else { "error: " }, e.message(ctx.lang));
            ExitCode::from(1)
        }
        e => ctx.fail(&e),
    }
}

fn figures_json(m: &BTreeMap<FundSource, Figures>) -> serde_json::Value {
    serde_json::Value::Object(
        m.iter()
            .map(|(s, f)| {
                (
                    s.as_str().to_string(),
                    json!({"planned_fen": f.planned_fen, "allocated_fen": f.allocated_fen, "paid_fen": f.paid_fen,
                           "unpaid_fen": f.unpaid_fen(), "payment_rate": f.payment_rate()}),
                )
            })
            .collect(),
    )
}

fn print_figures(ctx: &Ctx, m: &BTreeMap<FundSource, Figures>) {
    println!(
        "{}",
        if ctx.zh() {
            "资金来源\t计划（万元）\t已下达（万元）\t已支付（万元）\t支付率"
        } else {
            "source\tplanned (万元)\tallocated (万元)\tpaid (万元)\trate"
        }
    );
    for (s, f) in m {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            if ctx.zh() { s.zh() } else { s.en() },
            wan_yuan(f.planned_fen),
            wan_yuan(f.allocated_fen),
            wan_yuan(f.paid_fen),
            f.payment_rate().unwrap_or_else(|| "-".into())
        );
    }
}

pub async fn run(ctx: &Ctx, cmd: FundsCmd) -> ExitCode {
    let r = async {
        let db = &ctx.db;
        match cmd {
            FundsCmd::Plan { project, source, amount, model, estimate, settlement } => {
                if estimate.is_some() || settlement.is_some() {
                    let e = estimate.as_deref().map(|s| funds::parse_amount("estimate", s)).transpose()?;
                    let s = settlement.as_deref().map(|s| funds::parse_amount("settlement", s)).transpose()?;
                    funds::set_figures(db, project, e, s, &ctx.actor, "cli").await?;
                }
                if let (Some(src), Some(a)) = (&source, &amount) {
                    let src = funds::parse_source(src)?;
                    let fen = funds::parse_amount("amount", a)?;
                    let m = match model.as_deref() {
                        Some(m) => Some(CapitalModel::parse(m).ok_or_else(|| {
                            StoreError::invalid("model", m, "合作模式可选 ppp、epc_o、epc_f、entrusted", "model: ppp, epc_o, epc_f or entrusted")
                        })?),
                        None => None,
                    };
                    funds::set_plan(db, project, src, fen, m, &ctx.actor, "cli").await?;
                    println!("{project}\t{}\t{} 万元", src.zh(), wan_yuan(fen));
                } else if source.is_some() != amount.is_some() {
                    return Err(StoreError::invalid("amount", "", "请同时给出 --source 和 --amount", "give both --source and --amount"));
                }
                Ok(ExitCode::SUCCESS)
            }
            FundsCmd::Allocate { file, doc, source, date, issuer, sheet, dry_run, json: as_json } => {
                let regions = ctx.regions().await?;
                let issuer = regions.resolve(&issuer, None)?.code.clone();
                let d = NewDocument { doc_no: doc, issued_on: date, issuer_code: issuer, source: funds::parse_source(&source)?, note: String::new() };
                let s = jiugai_sheet::allocation::read_allocations(&file, &ReadOptions { sheet })?;
                let rep = funds::import_allocations(db, &regions, &s, &d, dry_run, ctx.lang, &ctx.actor, "cli").await?;
                if as_json {
                    output::json(&rep);
                } else {
                    for e in &rep.errors {
                        eprintln!("✗ {}{}", if e.row > 0 { format!("第 {} 行“{}”：", e.row, e.column) } else { String::new() }, e.message);
                    }
                    match (rep.committed, rep.errors.is_empty()) {
                        (true, _) => println!("{}\t{} 行\t{} 万元", rep.document_id.unwrap_or(0), rep.lines, wan_yuan(rep.total_fen)),
                        (false, true) => println!("检查通过（未保存，--dry-run）：{} 行，{} 万元", rep.lines, wan_yuan(rep.total_fen)),
                        (false, false) => println!("下达表有 {} 处问题，未导入任何数据（见上）", rep.errors.len()),
                    }
                }
                Ok(if rep.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
            }
            FundsCmd::Pay { project, source, amount, voucher, payee, date, item } => {
                let n = NewPayment {
                    project_id: project,
                    source: Some(funds::parse_source(&source)?),
                    amount_fen: funds::parse_amount("amount", &amount)?,
                    paid_on: date.unwrap_or_else(|| jiugai_store::projects::today().to_string()),
                    payee,
                    voucher,
                    item_id: item,
                };
                let id = funds::pay(db, &n, &ctx.actor, "cli").await?;
                println!("{id}\t{} 万元", wan_yuan(n.amount_fen));
                Ok(ExitCode::SUCCESS)
            }
            FundsCmd::Reverse { payment, reason } => {
                let id = funds::reverse(db, payment, &reason, &ctx.actor, "cli").await?;
                println!("{id}");
                Ok(ExitCode::SUCCESS)
            }
            FundsCmd::Move { from, to, source, amount, decision, reason, approver } => {
                let m = NewMove {
                    source: Some(funds::parse_source(&source)?),
                    from_project: from,
                    to_project: to,
                    amount_fen: funds::parse_amount("amount", &amount)?,
                    decision_no: decision,
                    reason,
                    approver,
                };
                let id = funds::move_funds(db, &m, &ctx.actor, "cli").await?;
                println!("{id}\t{} 万元", wan_yuan(m.amount_fen));
                Ok(ExitCode::SUCCESS)
            }
            FundsCmd::Show { project, json: as_json } => {
                let profiles = super::projects::profiles(ctx).await?;
                let f = funds::project_figures(db, project).await?;
                let checks = funds::checks(db, &profiles, project).await?;
                if as_json {
                    output::json(&json!({"project": project, "by_source": figures_json(&f), "checks": checks}));
                } else {
                    print_figures(ctx, &f);
                    for c in &checks {
                        let mark = match c.outcome {
                            jiugai_rules::Outcome::Pass => "✓",
                            jiugai_rules::Outcome::Fail => "✗",
                            jiugai_rules::Outcome::NotApplicable => "–",
                        };
                        println!("{mark} {}：{}  [{}]", c.check, if ctx.zh() { &c.reason_zh } else { &c.reason_en }, c.rule.source);
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            FundsCmd::Summary { region, year, json: as_json } => {
                let regions = ctx.regions().await?;
                let code = regions.resolve(&region, None)?.code.clone();
                let s = funds::summary(db, &regions, &code, year).await?;
                if as_json {
                    let child = |c: &funds::RegionFigures| {
                        json!({"region": c.region_code, "name": c.name, "projects": c.projects, "by_source": figures_json(&c.by_source),
                               "total": {"planned_fen": c.total.planned_fen, "allocated_fen": c.total.allocated_fen, "paid_fen": c.total.paid_fen},
                               "received_fen": c.received_fen})
                    };
                    let mut v = child(&s.region);
                    v["year"] = json!(s.year);
                    v["children"] = s.children.iter().map(child).collect();
                    output::json(&v);
                } else {
                    println!("{}{}", s.region.name, s.year.map(|y| format!(" {y}")).unwrap_or_default());
                    print_figures(ctx, &s.region.by_source);
                    for c in &s.children {
                        println!(
                            "  {}\t{} 个项目\t计划 {}\t下达 {}\t支付 {}",
                            c.name,
                            c.projects,
                            wan_yuan(c.total.planned_fen),
                            wan_yuan(c.total.allocated_fen),
                            wan_yuan(c.total.paid_fen)
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            FundsCmd::Reconcile => {
                let m = funds::reconcile(db).await?;
                for x in &m {
                    eprintln!("✗ {}", x.message);
                }
                if m.is_empty() {
                    println!("{}", if ctx.zh() { "资金账目一致：已下达 = 已支付 + 未支付" } else { "the entries reconcile" });
                }
                Ok(if m.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
            }
        }
    }
    .await;
    r.unwrap_or_else(|e| refused_or_failed(ctx, e))
}
