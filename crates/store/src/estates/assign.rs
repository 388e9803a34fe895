//! Setting estate fields from text as people type it.

use jiugai_sheet::{Issue, IssueKind, Lang, normalize};

use super::EstateData;
use crate::StoreError;

/// The field names [`assign`] accepts.
pub const ASSIGNABLE: &[&str] = &[
    "name",
    "street",
    "community",
    "address",
    "built_years",
    "buildings",
    "households",
    "floor_area_m2",
    "property_type",
    "original_unit",
    "management",
    "maintenance_fund",
    "safety_rating",
    "in_shantytown_plan",
    "self_built",
    "urban_village",
    "declared",
    "historic",
    "longitude",
    "latitude",
    "plan_year",
];

fn invalid(key: &str, value: &str, zh: String, en: String) -> StoreError {
    StoreError::invalid(key.to_string(), value.to_string(), zh, en)
}

fn issue(key: &str, value: &str, k: IssueKind) -> StoreError {
    let i = Issue { row: 0, column: key.into(), value: value.into(), kind: k };
    invalid(key, value, i.message(Lang::Zh), i.message(Lang::En))
}

/// Sets field `key` of `d` from `value` typed as in a ledger cell (units, full-width digits, 是/否 …): the one
/// parser behind the web form, the JSON API and `jiugai estates set`. The county and street codes decide who
/// may see an estate and are not set here.
pub fn assign(d: &mut EstateData, key: &str, value: &str) -> Result<(), StoreError> {
    let text = normalize::text(value);
    let bad = |k: IssueKind| issue(key, value, k);
    let int = |t: &Option<String>| t.as_deref().map(normalize::integer).transpose().map_err(bad);
    let boolean = |t: &Option<String>| t.as_deref().map(normalize::boolean).transpose().map_err(bad);
    match key {
        "name" => d.name = text.unwrap_or_default(),
        "street" => d.street = text,
        "community" => d.community = text,
        "address" => d.address = text,
        "built_years" => {
            d.built_years = match &text {
                Some(t) => normalize::years(t).map_err(bad)?,
                None => vec![],
            }
        }
        "buildings" => d.buildings = int(&text)?,
        "households" => d.households = int(&text)?,
        "floor_area_dm2" | "floor_area_m2" => {
            d.floor_area_dm2 = text.as_deref().map(normalize::area_dm2).transpose().map_err(bad)?
        }
        "property_type" => d.property_type = text,
        "original_unit" => d.original_unit = text,
        "management" => {
            d.management = match &text {
                Some(t) => {
                    Some(jiugai_sheet::parse_management(t).map(|m| m.as_str().to_string()).ok_or_else(|| {
                        invalid(
                            key,
                            value,
                            format!("物业管理“{value}”应为 无物业/单位管理/居民自管/专业物业 之一"),
                            format!("management “{value}” must be none, unit, self or professional"),
                        )
                    })?)
                }
                None => None,
            }
        }
        "maintenance_fund" => d.maintenance_fund = boolean(&text)?,
        "safety_rating" => {
            d.safety_rating = match &text {
                Some(t) => Some(normalize::safety_rating(t).map_err(bad)?.to_string()),
                None => None,
            }
        }
        "in_shantytown_plan" => d.in_shantytown_plan = boolean(&text)?,
        "self_built" => d.self_built = boolean(&text)?,
        "urban_village" => d.urban_village = boolean(&text)?,
        "declared" => d.declared = boolean(&text)?,
        "historic" => d.historic = boolean(&text)?,
        "longitude_e6" | "longitude" => {
            d.longitude_e6 = text.as_deref().map(|t| normalize::coordinate_e6(t, 180.0)).transpose().map_err(bad)?
        }
        "latitude_e6" | "latitude" => {
            d.latitude_e6 = text.as_deref().map(|t| normalize::coordinate_e6(t, 90.0)).transpose().map_err(bad)?
        }
        "plan_year" => d.plan_year = int(&text)?,
        _ => {
            return Err(invalid(
                key,
                value,
                format!("不能修改字段“{key}”，可改：{}", ASSIGNABLE.join(" ")),
                format!("field “{key}” cannot be changed; fields: {}", ASSIGNABLE.join(" ")),
            ));
        }
    }
    Ok(())
}
