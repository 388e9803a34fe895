//! The dashboard's map: administrative outlines compiled into the binary (`static/geo/`, see its README for
//! the package, version and licence), served as `/static/geo/{code}.json`, and the points of the estates in
//! view (`GET /api/v1/dashboard/map?region=`), coloured by their project's stage. Above `cap` estates no
//! points are sent — counts per child region instead, so the user drills down (a nation of 300,000 estates
//! sends some thirty numbers).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiugai_domain::Stage;
use jiugai_store::estates::query::{self, Query as EstateQuery};
use jiugai_store::projects;
use jiugai_store::regions::{Level, Regions};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;

mod files {
    include!("geo_files.rs");
}

/// The GB/T 2260 code of the whole country, the name of the nation's outline file.
pub const NATION: &str = "100000";
/// At most this many points on a map (also the largest page the estate query returns).
pub const CAP: i64 = 1000;
/// Content type of the outline files (RFC 7946).
pub const GEO_JSON: &str = "application/geo+json";

/// The colour of each stage on the map and in the stage chart (and of estates in no project).
pub fn stage_colour(stage: Option<Stage>) -> &'static str {
    match stage {
        None => "#a6a6a6",
        Some(Stage::Reserve) => "#b38f00",
        Some(Stage::Planning) => "#e08a2c",
        Some(Stage::Implementation) => "#c0504d",
        Some(Stage::Completed) => "#1d6fb8",
        Some(Stage::Accepted) => "#2e8b57",
        Some(Stage::Management) => "#6a4c93",
    }
}

/// The outline file compiled in for `code` (the store's code: `14`, `1408`, `140830`; the nation `100000`).
pub fn file(code: &str) -> Option<&'static [u8]> {
    files::FILES.iter().find(|(c, _)| *c == code).map(|(_, b)| *b)
}

/// The outline of `code` as GeoJSON bytes: its own file (a province's cities, a city's counties, the
/// nation's provinces), or for a county its feature cut from its city's file.
pub fn outline(code: &str) -> Option<Vec<u8>> {
    if let Some(b) = file(code) {
        return Some(b.to_vec());
    }
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut fc: serde_json::Value = serde_json::from_slice(file(&code[..4])?).ok()?;
    let features = fc.get_mut("features")?.as_array_mut()?;
    features.retain(|f| f.get("id").and_then(|v| v.as_str()) == Some(code));
    if features.is_empty() {
        return None;
    }
    serde_json::to_vec(&fc).ok()
}

/// Which outline a region's map draws: its own, else (a street, a community, a task unit) the nearest
/// region up its tree that has one. `None`: no outline is compiled in for it.
pub fn outline_for(regions: &Regions, code: &str) -> Option<String> {
    if code.is_empty() {
        return Some(NATION.to_string());
    }
    regions.ancestors(code).iter().rev().map(|r| r.code.clone()).find(|c| outline(c).is_some())
}

/// `GET /static/geo/{code}.json`.
pub async fn serve(Path(file): Path<String>) -> Result<Response, AppError> {
    let code = file.strip_suffix(".json").ok_or(AppError::NotFound)?;
    let body = outline(code).ok_or(AppError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, GEO_JSON), (header::CACHE_CONTROL, "public, max-age=86400")], body).into_response())
}

/// A ring of an outline: (longitude, latitude) in degrees.
pub type Ring = Vec<(f64, f64)>;

/// A decoded outline: its rings (longitude, latitude in degrees) per feature id. For the demo's coordinates
/// and for tests; the browser decodes the same files itself (ECharts).
pub fn rings(code: &str) -> Vec<(String, Vec<Ring>)> {
    let Some(bytes) = outline(code) else { return vec![] };
    let Ok(fc) = serde_json::from_slice::<serde_json::Value>(&bytes) else { return vec![] };
    let encoded = fc.get("UTF8Encoding").and_then(|v| v.as_bool()).unwrap_or(false);
    let mut out = Vec::new();
    for f in fc.get("features").and_then(|v| v.as_array()).into_iter().flatten() {
        let id = f.get("id").and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let g = &f["geometry"];
        let polys: Vec<(&serde_json::Value, &serde_json::Value)> = match g["type"].as_str() {
            Some("Polygon") => vec![(&g["coordinates"], &g["encodeOffsets"])],
            Some("MultiPolygon") => g["coordinates"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, p)| (p, &g["encodeOffsets"][i]))
                .collect(),
            _ => vec![],
        };
        let mut rs = Vec::new();
        for (poly, offs) in polys {
            for (j, ring) in poly.as_array().into_iter().flatten().enumerate() {
                rs.push(match (encoded, ring.as_str()) {
                    (true, Some(s)) => decode_ring(s, &offs[j]),
                    _ => ring
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?)))
                        .collect(),
                });
            }
        }
        out.push((id, rs));
    }
    out
}

/// ECharts' compact ring: pairs of characters, zig-zag deltas from the offset, scale 1024.
fn decode_ring(s: &str, off: &serde_json::Value) -> Ring {
    let (mut px, mut py) = (off[0].as_i64().unwrap_or(0), off[1].as_i64().unwrap_or(0));
    let units: Vec<u32> = s.encode_utf16().map(u32::from).collect();
    let mut out = Vec::with_capacity(units.len() / 2);
    for pair in units.chunks_exact(2) {
        let (x, y) = (i64::from(pair[0]) - 64, i64::from(pair[1]) - 64);
        px += (x >> 1) ^ -(x & 1);
        py += (y >> 1) ^ -(y & 1);
        out.push((px as f64 / 1024.0, py as f64 / 1024.0));
    }
    out
}

/// Is the point inside the rings (even–odd rule over every ring, so holes count)?
pub fn inside(rings: &[Ring], x: f64, y: f64) -> bool {
    let mut c = false;
    for r in rings {
        let n = r.len();
        for i in 0..n {
            let (xi, yi) = r[i];
            let (xj, yj) = r[(i + n - 1) % n];
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                c = !c;
            }
        }
    }
    c
}

/// The area-weighted centre of the outer rings (shoelace), in degrees.
pub fn centroid(rings: &[Ring]) -> Option<(f64, f64)> {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for r in rings {
        let n = r.len();
        for i in 0..n {
            let (x0, y0) = r[i];
            let (x1, y1) = r[(i + 1) % n];
            let cross = x0 * y1 - x1 * y0;
            a += cross;
            cx += (x0 + x1) * cross;
            cy += (y0 + y1) * cross;
        }
    }
    (a.abs() > 1e-12).then(|| (cx / (3.0 * a), cy / (3.0 * a)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MapParams {
    /// Region code inside the caller's scope (default: the scope).
    pub region: String,
    /// Most points to send (1–1000, default 1000); above it, counts per child region.
    pub cap: Option<i64>,
}

/// One estate on the map.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Point {
    pub id: i64,
    pub name: String,
    pub lng: f64,
    pub lat: f64,
    /// The stage of its latest project, or `none`.
    pub stage: String,
    pub href: String,
}

/// A child region's count when there are too many points.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegionCount {
    pub code: String,
    pub name: String,
    pub estates: i64,
    /// Projects by stage key.
    pub stages: BTreeMap<String, i64>,
    /// Its dashboard (`/?region=`), when it is a region of the tree.
    pub href: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StageKey {
    pub key: String,
    pub label: String,
    pub colour: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MapData {
    pub region: String,
    pub name: String,
    /// `/static/geo/{code}.json` to draw, or `None` when no outline is compiled in for the region.
    pub outline: Option<String>,
    /// The message to show in place of the outline when there is none.
    pub no_outline: String,
    /// `points` (every estate with coordinates) or `regions` (counts per child; drill down).
    pub mode: String,
    pub cap: i64,
    /// Estates in view.
    pub total: i64,
    /// Of those sent as points, how many had no coordinates (not drawn).
    pub unlocated: i64,
    pub points: Vec<Point>,
    pub regions: Vec<RegionCount>,
    pub stages: Vec<StageKey>,
}

/// The stage of each estate's latest project among `projects`.
fn stage_by_estate(list: &[projects::Project]) -> BTreeMap<i64, Stage> {
    let mut out = BTreeMap::new();
    let mut sorted: Vec<&projects::Project> = list.iter().collect();
    sorted.sort_by_key(|p| p.id);
    for p in sorted {
        for e in &p.estate_ids {
            out.insert(*e, p.stage);
        }
    }
    out
}

pub async fn data(state: &AppState, ctx: &Ctx, region: &str, cap: i64) -> Result<MapData, AppError> {
    let t = ctx.t();
    let scope = ctx.scope().ok_or(AppError::NotFound)?;
    let cap = cap.clamp(1, CAP);
    let q = EstateQuery {
        scope: Some(scope.clone()),
        region: Some(region.to_string()).filter(|r| !r.is_empty()),
        limit: cap,
        ..Default::default()
    };
    let first = query::page(&state.db, &state.regions, &q).await?;
    let outline = outline_for(&state.regions, region);
    let mut stages: Vec<StageKey> = Stage::ALL
        .iter()
        .map(|s| StageKey { key: s.as_str().into(), label: t.l(*s).into(), colour: stage_colour(Some(*s)).into() })
        .collect();
    stages.push(StageKey {
        key: "none".into(),
        label: t.b("未入项目", "In no project").into(),
        colour: stage_colour(None).into(),
    });
    let (_, member) = ctx.project_scope();
    let mut out = MapData {
        region: region.to_string(),
        name: crate::view::region_name(state, region, t),
        no_outline: if outline.is_none() {
            t.b("本地区暂无行政区划边界图，可查看下方表格。", "No outline for this region; see the tables below.")
                .into()
        } else {
            String::new()
        },
        outline: outline.map(|c| format!("/static/geo/{c}.json")),
        mode: "points".into(),
        cap,
        total: first.total,
        unlocated: 0,
        points: vec![],
        regions: vec![],
        stages,
    };
    if first.total <= cap {
        let filter = projects::Filter {
            scope: scope.clone(),
            region: Some(region.to_string()).filter(|r| !r.is_empty()),
            member,
            ..Default::default()
        };
        let by_estate = stage_by_estate(&projects::list(&state.db, &state.regions, &filter).await?);
        for row in first.rows {
            let e = &row.estate;
            let (Some(lng), Some(lat)) = (e.data.longitude_e6, e.data.latitude_e6) else {
                out.unlocated += 1;
                continue;
            };
            out.points.push(Point {
                id: e.id,
                name: e.data.name.clone(),
                lng: lng as f64 / 1e6,
                lat: lat as f64 / 1e6,
                stage: by_estate.get(&e.id).map_or("none", |s| s.as_str()).to_string(),
                href: format!("/estates/{}", e.id),
            });
        }
        return Ok(out);
    }
    out.mode = "regions".into();
    let counts = query::counts_by_child(&state.db, &state.regions, region).await?;
    let mut by_child: BTreeMap<String, i64> = BTreeMap::new();
    for c in counts {
        *by_child.entry(c.group).or_default() += c.estates;
    }
    for (code, estates) in by_child {
        let known = state.regions.get(&code);
        let mut stages = BTreeMap::new();
        if known.is_some() {
            let f = projects::Filter { scope: code.clone(), member: ctx.project_scope().1, ..Default::default() };
            for (st, n) in projects::summary(&state.db, &state.regions, &state.profiles(), &f).await?.by_stage {
                stages.insert(st.as_str().to_string(), n);
            }
        }
        out.regions.push(RegionCount {
            name: known.map_or_else(|| code.clone(), |r| r.name.clone()),
            href: known.filter(|r| r.level <= Level::Street).map(|r| format!("/?region={}", r.code)),
            code,
            estates,
            stages,
        });
    }
    Ok(out)
}

/// `GET /api/v1/dashboard/map?region=&cap=`.
#[utoipa::path(get, path = "/dashboard/map", tag = "dashboard",
    summary = "The map of a region's estates: points coloured by stage, or counts per child region above the cap",
    params(
        ("region" = Option<String>, Query, description = "region code inside your scope (default: your scope)"),
        ("cap" = Option<i64>, Query, description = "most points to send, 1–1000 (default 1000)"),
    ),
    responses((status = 200, body = MapData), (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn api(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<MapParams>,
) -> Result<Json<MapData>, AppError> {
    let region = super::region_of(&state, &ctx, &p.region)?;
    Ok(Json(data(&state, &ctx, &region, p.cap.unwrap_or(CAP)).await?))
}
