//! `jiugai estates list|show|history|set` and `jiugai export estates`.

use std::process::ExitCode;

use jiugai_sheet::estate::Management;
use jiugai_sheet::normalize;
use jiugai_store::StoreError;
use jiugai_store::estates::{self, EstateData, Filter};
use serde_json::json;

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
        println!("{}", if zh { "编号\t区划\t小区名称\t坐落位置\t建成年代\t栋数\t户数\t建筑面积(㎡)" } else { "id\tregion\tname\taddress\tbuilt\tbuildings\thouseholds\tarea(m²)" });
        for e in &list {
            let d = &e.data;
            println!("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}", e.id, d.region_code, d.name, d.address.as_deref().unwrap_or(""),
                d.built_years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、"),
                d.buildings.map(|v| v.to_string()).unwrap_or_default(), d.households.map(|v| v.to_string()).unwrap_or_default(),
                output::m2(d.floor_area_dm2));
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
    StoreError::Invalid { field: field.into(), value: value.into(), zh, en }
}

/// Applies `FIELD=VALUE` to `d`, reading VALUE as a ledger cell would be read.
pub fn assign(d: &mut EstateData, field: &str, value: &str) -> Result<(), StoreError> {
    let text = normalize::text(value);
    let bad = |k: jiugai_sheet::IssueKind| {
        let issue = jiugai_sheet::Issue { row: 0, column: field.into(), value: value.into(), kind: k };
        invalid(field, value, format!("{}：{}", field, issue.message(jiugai_sheet::Lang::Zh)), format!("{field}: {}", issue.message(jiugai_sheet::Lang::En)))
    };
    let opt_int = |s: &Option<String>| -> Result<Option<i64>, StoreError> { s.as_deref().map(normalize::integer).transpose().map_err(bad) };
    let opt_bool = |s: &Option<String>| -> Result<Option<bool>, StoreError> { s.as_deref().map(normalize::boolean).transpose().map_err(bad) };
    match field {
        "name" => d.name = text.unwrap_or_default(),
        "street" => d.street = text,
        "street_code" => d.street_code = text,
        "community" => d.community = text,
        "address" => d.address = text,
        "built_years" => d.built_years = match text { Some(t) => normalize::years(&t).map_err(bad)?, None => vec![] },
        "buildings" => d.buildings = opt_int(&text)?,
        "households" => d.households = opt_int(&text)?,
        "floor_area_m2" | "floor_area" => d.floor_area_dm2 = text.as_deref().map(normalize::area_dm2).transpose().map_err(bad)?,
        "property_type" => d.property_type = text,
        "original_unit" => d.original_unit = text,
        "management" => d.management = match text {
            Some(t) => Some(Management::from_key(&t).or_else(|| Management::parse(&t)).map(|m| m.key().to_string())
                .ok_or_else(|| invalid(field, value, format!("物业管理“{value}”应为 无物业/单位管理/居民自管/专业物业 之一"), format!("management “{value}” must be none, unit, self or professional")))?),
            None => None,
        },
        "maintenance_fund" => d.maintenance_fund = opt_bool(&text)?,
        "safety_rating" => d.safety_rating = text.map(|t| t.trim_end_matches('级').to_uppercase()),
        "in_shantytown_plan" => d.in_shantytown_plan = opt_bool(&text)?,
        "self_built" => d.self_built = opt_bool(&text)?,
        "urban_village" => d.urban_village = opt_bool(&text)?,
        "declared" => d.declared = opt_bool(&text)?,
        "historic" => d.historic = opt_bool(&text)?,
        "longitude" => d.longitude_e6 = text.as_deref().map(|t| normalize::coordinate_e6(t, 180.0)).transpose().map_err(bad)?,
        "latitude" => d.latitude_e6 = text.as_deref().map(|t| normalize::coordinate_e6(t, 90.0)).transpose().map_err(bad)?,
        "plan_year" => d.plan_year = opt_int(&text)?,
        _ => {
            let known = "name street street_code community address built_years buildings households floor_area_m2 property_type original_unit management maintenance_fund safety_rating in_shantytown_plan self_built urban_village declared historic longitude latitude plan_year";
            return Err(invalid(field, value, format!("没有名为“{field}”的字段，可用：{known}"), format!("no field “{field}”; fields: {known}")));
        }
    }
    Ok(())
}

async fn set(ctx: &Ctx, id: i64, version: i64, assignments: &[String]) -> Result<ExitCode, StoreError> {
    let regions = ctx.regions().await?;
    let current = estates::get(&ctx.db, id).await?;
    let mut data = current.data.clone();
    for a in assignments {
        let Some((k, v)) = a.split_once('=') else {
            return Err(invalid("", a, format!("“{a}”应写成 字段=值，如 households=60"), format!("“{a}” must be FIELD=VALUE, e.g. households=60")));
        };
        assign(&mut data, k.trim(), v)?;
    }
    let e = estates::update(&ctx.db, &regions, id, version, &data, &ctx.actor, "cli").await?;
    println!("{}", if ctx.zh() { format!("已保存，小区 {} 现为第 {} 版", e.id, e.version) } else { format!("saved: estate {} is now version {}", e.id, e.version) });
    Ok(ExitCode::SUCCESS)
}

pub async fn export(ctx: &Ctx, cmd: ExportCmd) -> ExitCode {
    let ExportCmd::Estates { region, output } = cmd;
    let r = async {
        let regions = ctx.regions().await?;
        let code = regions.resolve(&region, None)?.code.clone();
        let n = estates::export(&ctx.db, &regions, &code, &output).await?;
        println!("{}", if ctx.zh() { format!("已导出 {n} 个小区到 {}", output.display()) } else { format!("exported {n} estates to {}", output.display()) });
        Ok::<_, StoreError>(ExitCode::SUCCESS)
    }
    .await;
    let _ = json!(null);
    r.unwrap_or_else(|e| ctx.fail(&e))
}
