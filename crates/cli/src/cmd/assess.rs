//! `jiugai assess --region R --period 2026 [--json] [-o file.xlsx]`: the assessment of the counties of a
//! region (考核), each part with its numerator and denominator, the score, the rank, and the formula.
//! JSON: `{"formula": [{"criterion", "weight", "source", …}], "rows": [{"region", "score", "parts": {…},
//! "rank"}], "rules": {…}, …}`. Exit codes: 0 done, 1 refused, 2 failure.

use std::path::PathBuf;
use std::process::ExitCode;

use jiugai_store::StoreError;
use jiugai_store::assess;

use super::Ctx;
use crate::output;

pub async fn run(ctx: &Ctx, region: String, period: String, as_json: bool, out: Option<PathBuf>) -> ExitCode {
    let r = async {
        let regions = ctx.regions().await?;
        let profiles = super::projects::profiles(ctx).await?;
        let code = regions.resolve(&region, None)?.code.clone();
        let period = assess::parse_period(&period)?;
        let rep = assess::assess(&ctx.db, &regions, &profiles, &code, period).await?;
        if let Some(path) = &out {
            jiugai_sheet::assess_sheet::write_assess_xlsx(path, &assess::sheet(&rep))?;
        }
        if as_json {
            output::json(&rep);
            return Ok::<_, StoreError>(ExitCode::SUCCESS);
        }
        let zh = ctx.zh();
        println!(
            "{} {}{}  {}{}  {}{}",
            rep.name,
            rep.period,
            if zh { "年度县区考核" } else { " assessment of counties" },
            if zh { "考核日 " } else { "as of " },
            rep.as_of,
            if zh { "政策配置 " } else { "profile " },
            rep.profile
        );
        for f in &rep.formula {
            println!(
                "  {}\t{}{}\t{}\t{}",
                if zh { &f.name_zh } else { &f.name_en },
                f.weight,
                if zh { "分" } else { " pt" },
                if zh { &f.definition_zh } else { &f.definition_en },
                f.source
            );
        }
        for n in if zh {
            [&rep.rules.score_zh, &rep.rules.missing_zh, &rep.rules.rounding_zh, &rep.rules.ties_zh]
        } else {
            [&rep.rules.score_en, &rep.rules.missing_en, &rep.rules.rounding_en, &rep.rules.ties_en]
        } {
            println!("  · {n}");
        }
        let no_data = if zh { "无数据" } else { "no data" };
        for row in &rep.rows {
            let parts: Vec<String> = rep
                .formula
                .iter()
                .map(|f| match row.parts.get(f.criterion.as_str()) {
                    Some(p) if !p.missing => {
                        format!(
                            "{} {}/{}={}",
                            if zh { &f.name_zh } else { &f.name_en },
                            p.num,
                            p.den,
                            p.points.clone().unwrap_or_default()
                        )
                    }
                    _ => format!("{} {no_data}", if zh { &f.name_zh } else { &f.name_en }),
                })
                .collect();
            println!(
                "{}\t{}\t{}\t{:>7}\t{}",
                row.rank.map_or_else(|| "-".to_string(), |r| r.to_string()),
                row.region,
                row.name,
                row.score.clone().unwrap_or_else(|| if zh { "无得分".into() } else { "no score".into() }),
                parts.join("；")
            );
        }
        if let Some(path) = &out {
            println!("{}", path.display());
        }
        Ok(ExitCode::SUCCESS)
    }
    .await;
    r.unwrap_or_else(|e| match e {
        StoreError::Invalid { .. } | StoreError::RegionNotFound(_) | StoreError::RegionAmbiguous(..) => {
            eprintln!("{}{}", if ctx.zh() { "错误：" } else { "error: " }, e.message(ctx.lang));
            ExitCode::from(1)
        }
        e => ctx.fail(&e),
    })
}
