//! `jiugai consultations list|show|close`: the same figures as the consultation page and
//! `GET /api/v1/estates/{id}/consultations/{cid}`. Exit codes: 0 done, 1 refused (closed already, stale
//! version), 2 failure.

use std::process::ExitCode;

use jiugai_rules::{EffectiveProfile, Outcome};
use jiugai_store::StoreError;
use jiugai_store::residents::consultations::{self as cons, Consultation, Tally};
use serde_json::{Value, json};

use super::Ctx;
use crate::cli::ConsultationsCmd;
use crate::output;

pub async fn run(ctx: &Ctx, cmd: ConsultationsCmd) -> ExitCode {
    let r = match cmd {
        ConsultationsCmd::List { estate, json } => list(ctx, estate, json).await,
        ConsultationsCmd::Show { id, json } => show(ctx, id, json).await,
        ConsultationsCmd::Close { id, version, reason, json } => close(ctx, id, version, &reason, json).await,
    };
    r.unwrap_or_else(|e| match e {
        StoreError::Invalid { .. } | StoreError::Stale { .. } => {
            eprintln!("{}{}", if ctx.zh() { "错误：" } else { "error: " }, e.message(ctx.lang));
            ExitCode::from(1)
        }
        e => ctx.fail(&e),
    })
}

async fn profile_of(ctx: &Ctx, c: &Consultation) -> Result<EffectiveProfile, StoreError> {
    let e = jiugai_store::estates::get(&ctx.db, c.estate_id).await?;
    let set = jiugai_store::policies::profile_set(&ctx.db).await?;
    let name = set.for_estate(&e.data.region_code, e.data.street_code.as_deref()).to_string();
    set.effective(&name).map_err(|e| StoreError::Other(format!("profile {name}: {e}")))
}

fn outcome(ctx: &Ctx, o: Outcome) -> &'static str {
    match (o, ctx.zh()) {
        (Outcome::Pass, true) => "通过",
        (Outcome::Pass, false) => "passed",
        (Outcome::Fail, true) => "未通过",
        (Outcome::Fail, false) => "not passed",
        (Outcome::NotApplicable, true) => "不设门槛",
        (Outcome::NotApplicable, false) => "no threshold",
    }
}

fn print_tally(ctx: &Ctx, c: &Consultation, t: &Tally) {
    let zh = ctx.zh();
    let st = c.state();
    println!(
        "#{} {} · {} · {} · {} — {}",
        c.id,
        c.title,
        jiugai_domain::Label::label(c.kind, ctx.lang),
        if zh { st.zh() } else { st.en() },
        cons::local_text(&c.opens_at),
        cons::local_text(&c.closes_at)
    );
    let m2 = |d: i64| format!("{}.{:02}", d / 100, d % 100);
    for (label, n) in [
        ("eligible", t.eligible),
        ("participating", t.participating),
        ("yes", t.yes),
        ("no", t.no),
        ("abstain", t.abstain),
    ] {
        println!("  {label:<14} {:>8} {}  {:>14} m²", n.households, if zh { "户" } else { "hh" }, m2(n.area_dm2));
    }
    for d in &t.checks {
        println!(
            "  [{}] {} — {}",
            outcome(ctx, d.outcome),
            if zh { &d.reason_zh } else { &d.reason_en },
            d.rule.source
        );
    }
    println!(
        "{}: {}{}",
        if zh { "结论" } else { "outcome" },
        outcome(ctx, t.outcome),
        if t.final_ {
            format!(" · SHA-256 {}", c.result_sha256.clone().unwrap_or_default())
        } else if zh {
            "（实时，未封存）".into()
        } else {
            " (live, not locked)".into()
        }
    );
}

async fn list(ctx: &Ctx, estate: i64, as_json: bool) -> Result<ExitCode, StoreError> {
    jiugai_store::estates::get(&ctx.db, estate).await?;
    let list = cons::list_for_estate(&ctx.db, estate).await?;
    if as_json {
        let items: Vec<Value> = list.iter().map(|c| cons::document(c, None)).collect();
        output::json(&json!({"estate_id": estate, "consultations": items}));
    } else {
        for c in &list {
            let st = c.state();
            let result = match c.passed {
                Some(true) => outcome(ctx, Outcome::Pass),
                Some(false) => outcome(ctx, Outcome::Fail),
                None => "",
            };
            println!(
                "#{}\t{}\t{}\t{}\t{}",
                c.id,
                jiugai_domain::Label::label(c.kind, ctx.lang),
                c.title,
                if ctx.zh() { st.zh() } else { st.en() },
                result
            );
        }
        if list.is_empty() {
            println!("{}", if ctx.zh() { "没有征询" } else { "no consultations" });
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(ctx: &Ctx, id: i64, as_json: bool) -> Result<ExitCode, StoreError> {
    let c = cons::get(&ctx.db, id).await?;
    let p = profile_of(ctx, &c).await?;
    let t = cons::tally(&ctx.db, &p, &c).await?;
    if as_json {
        output::json(&cons::document(&c, Some(&t)))
    } else {
        print_tally(ctx, &c, &t)
    }
    Ok(ExitCode::SUCCESS)
}

async fn close(ctx: &Ctx, id: i64, version: i64, reason: &str, as_json: bool) -> Result<ExitCode, StoreError> {
    let c = cons::get(&ctx.db, id).await?;
    let p = profile_of(ctx, &c).await?;
    let (c, t) = cons::close(&ctx.db, &p, id, version, reason, &ctx.actor, "cli").await?;
    if as_json {
        output::json(&cons::document(&c, Some(&t)))
    } else {
        print_tally(ctx, &c, &t)
    }
    Ok(ExitCode::SUCCESS)
}
