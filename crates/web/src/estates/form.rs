//! Estate fields as text in forms and JSON, read back the way a ledger cell is read (units, full-width
//! digits, 是/否 …), with a message per field.

use jiugai_sheet::Lang;
use jiugai_sheet::estate::Management;
use jiugai_store::estates::EstateData;

use crate::util::m2;

/// Editable fields in form order, with their input kind. The county and street codes decide who may see
/// an estate and are not edited here.
pub const EDITABLE: &[(&str, &str)] = &[
    ("name", "text"),
    ("street", "text"),
    ("community", "text"),
    ("address", "text"),
    ("built_years", "text"),
    ("buildings", "number"),
    ("households", "number"),
    ("floor_area_dm2", "number"),
    ("property_type", "text"),
    ("original_unit", "text"),
    ("management", "management"),
    ("maintenance_fund", "bool"),
    ("safety_rating", "text"),
    ("in_shantytown_plan", "bool"),
    ("self_built", "bool"),
    ("urban_village", "bool"),
    ("declared", "bool"),
    ("historic", "bool"),
    ("longitude_e6", "number"),
    ("latitude_e6", "number"),
    ("plan_year", "number"),
];

fn b(v: Option<bool>) -> String {
    match v {
        Some(true) => "是".into(),
        Some(false) => "否".into(),
        None => String::new(),
    }
}

fn e6(v: Option<i64>) -> String {
    v.map(|x| format!("{}{}.{:06}", if x < 0 { "-" } else { "" }, x.abs() / 1_000_000, x.abs() % 1_000_000))
        .unwrap_or_default()
}

/// The field as text, as the form shows it.
pub fn text_of(d: &EstateData, key: &str) -> String {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    match key {
        "region_code" => d.region_code.clone(),
        "street_code" => s(&d.street_code),
        "name" => d.name.clone(),
        "street" => s(&d.street),
        "community" => s(&d.community),
        "address" => s(&d.address),
        "built_years" => d.built_years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、"),
        "buildings" => n(d.buildings),
        "households" => n(d.households),
        "floor_area_dm2" => m2(d.floor_area_dm2),
        "property_type" => s(&d.property_type),
        "original_unit" => s(&d.original_unit),
        "management" => s(&d.management),
        "maintenance_fund" => b(d.maintenance_fund),
        "safety_rating" => s(&d.safety_rating),
        "in_shantytown_plan" => b(d.in_shantytown_plan),
        "self_built" => b(d.self_built),
        "urban_village" => b(d.urban_village),
        "declared" => b(d.declared),
        "historic" => b(d.historic),
        "longitude_e6" => e6(d.longitude_e6),
        "latitude_e6" => e6(d.latitude_e6),
        "plan_year" => n(d.plan_year),
        _ => String::new(),
    }
}

/// The field as a person reads it on the file page (management in words).
pub fn display_of(d: &EstateData, key: &str, lang: Lang) -> String {
    if key == "management" {
        return d
            .management
            .as_deref()
            .and_then(Management::parse)
            .map(|m| jiugai_domain::Label::label(m, lang).to_string())
            .unwrap_or_default();
    }
    let t = text_of(d, key);
    if lang == Lang::En {
        return match t.as_str() {
            "是" => "yes".into(),
            "否" => "no".into(),
            _ => t,
        };
    }
    t
}

/// A field error: (field, Chinese, English).
pub type FieldError = (String, String, String);

/// Sets field `key` of `d` from `value` as typed (the store's one parser), as a per-field error.
pub fn assign(d: &mut EstateData, key: &str, value: &str) -> Result<(), FieldError> {
    jiugai_store::estates::assign(d, key, value).map_err(|e| match e {
        jiugai_store::StoreError::Invalid { field, zh, en, .. } => (field, zh, en),
        other => (key.to_string(), other.message(Lang::Zh), other.message(Lang::En)),
    })
}

/// Applies every submitted field to a copy of `current`; returns the result and the errors per field.
pub fn apply<'a>(
    current: &EstateData,
    values: impl Iterator<Item = (&'a str, &'a str)>,
) -> (EstateData, Vec<FieldError>) {
    let mut d = current.clone();
    let mut errors = Vec::new();
    for (k, v) in values {
        if let Err(e) = assign(&mut d, k, v) {
            errors.push(e);
        }
    }
    if d.name.trim().is_empty() {
        errors.push(("name".into(), "小区名称不能为空".into(), "the estate name is empty".into()));
    }
    (d, errors)
}
