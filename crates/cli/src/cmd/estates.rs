//! `jiugai estates list|show|history|set` and `jiugai export estates`.

use std::process::ExitCode;

use jiugai_sheet::normalize;
use jiugai_store::StoreError;
use jiugai_store::estates::{self, EstateData, Filter};

use super::Ctx;
use crate::cli::{EstatesCmd, ExportCmd};
use crate::output;

pub async fn run(ctx: &Ctx, cmd: EstatesCmd) -> ExitCode {
    let r = match cmd {
        EstatesCmd::List { region, json } => list(ctx, region, json).await,
        EstatesCmd::Show { id, json } => show(ctx, id, json).await,
        EstatesCmd::History { id, json } => history(ctx, id, json).await,
        EstatesCmd::Set { id, version, assignments } => set(ctx, id, version, &assignments).await,
    };
    r.unwrap_or_else(|e| ctx.fail(&e))
}

async fn list(ctx: &Ctx, region: Option<String>, as_json: bool) -> Result<ExitCode, StoreError> {
    let regions = ctx.regions().await?;
    let region = match region {
        Some(q) => Some(regions.resolve(&q, None)?.code.clone()),
        None => None,
    };
    let list = estates::list(&ctx.db, &regions, &Filter { region, ..Default::default() }).await?;
    if as_json {
        output::json(&list);
    } else {
        let zh = ctx.zh();
        println!(
            "{}",
            if zh {
                "编号\t区划\t小区名称\t坐落位置\t建成年代\t栋数\t户数\t建筑面积(㎡)"
            } else {
                "id\tregion\tname\taddress\tbuilt\tbuildings\thouseholds\tarea(m²)"
            }
        );
        for e in &list {
            let d = &e.data;
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                e.id,
                d.region_code,
                d.name,
                d.address.as_deref().unwrap_or(""),
                d.built_years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、"),
                d.buildings.map(|v| v.to_string()).unwrap_or_default(),
                d.households.map(|v| v.to_string()).unwrap_or_default(),
                output::m2(d.floor_area_dm2)
            );
        }
        println!("{}", if zh { format!("共 {} 个小区", list.len()) } else { format!("{} estates", list.len()) });
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(ctx: &Ctx, id: i64, as_json: bool) -> Result<ExitCode, StoreError> {
    let e = estates::get(&ctx.db, id).await?;
    if as_json {
        output::json(&e);
    } else {
        let v = serde_json::to_value(&e.data).unwrap_or_default();
        for (k, label) in estates::FIELDS {
            let key = if *k == "floor_area_dm2" { "floor_area_m2" } else { k };
            let val = v.get(key).cloned().unwrap_or_default();
            let text = match val {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            println!("{}\t{}", if ctx.zh() { label } else { k }, text);
        }
        println!("{}\t{}", if ctx.zh() { "版本" } else { "version" }, e.version);
    }
    Ok(ExitCode::SUCCESS)
}

async fn history(ctx: &Ctx, id: i64, as_json: bool) -> Result<ExitCode, StoreError> {
    estates::get(&ctx.db, id).await?;
    let h = estates::history(&ctx.db, id).await?;
    if as_json {
        output::json(&h);
    } else {
        for e in &h {
            println!("v{}\t{}\t{}\t{}\t{}", e.version, e.changed_at, e.actor, e.source, e.changes);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn invalid(field: &str, value: &str, zh: String, en: String) -> StoreError {
    StoreError::invalid(field, value, zh, en)
}

/// Applies `FIELD=VALUE` to `d`, reading VALUE as a ledger cell would be read (the store's one parser;
/// the command line may also set `street_code`, which `validate` checks against the county).
pub fn assign(d: &mut EstateData, field: &str, value: &str) -> Result<(), StoreError> {
    if field == "street_code" {
        d.street_code = normalize::text(value);
        return Ok(());
    }
    estates::assign(d, field, value)
}

async fn set(ctx: &Ctx, id: i64, version: i64, assignments: &[String]) -> Result<ExitCode, StoreError> {
    let regions = ctx.regions().await?;
    let current = estates::get(&ctx.db, id).await?;
    let mut data = current.data.clone();
    for a in assignments {
        let Some((k, v)) = a.split_once('=') else {
            return Err(invalid(
                "",
                a,
                format!("“{a}”应写成 字段=值，如 households=60"),
                format!("“{a}” must be FIELD=VALUE, e.g. households=60"),
            ));
        };
        assign(&mut data, k.trim(), v)?;
    }
    let e = estates::update(&ctx.db, &regions, id, version, &data, &ctx.actor, "cli").await?;
    println!(
        "{}",
        if ctx.zh() {
            format!("已保存，小区 {} 现为第 {} 版", e.id, e.version)
        } else {
            format!("saved: estate {} is now version {}", e.id, e.version)
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn export(ctx: &Ctx, cmd: ExportCmd) -> ExitCode {
    let ExportCmd::Estates { region, output } = cmd;
    let r = async {
        let regions = ctx.regions().await?;
        let code = regions.resolve(&region, None)?.code.clone();
        let n = estates::export(&ctx.db, &regions, &code, &output).await?;
        println!(
            "{}",
            if ctx.zh() {
                format!("已导出 {n} 个小区到 {}", output.display())
            } else {
                format!("exported {n} estates to {}", output.display())
            }
        );
        Ok::<_, StoreError>(ExitCode::SUCCESS)
    }
    .await;
    r.unwrap_or_else(|e| ctx.fail(&e))
}
