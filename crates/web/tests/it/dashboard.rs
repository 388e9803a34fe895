//! The programme dashboard over HTTP, on the backend `JIUGAI_TEST_DATABASE_URL` names: at county and province
//! level the panels' figures equal the records (projects by stage, overdue steps, money by source with the
//! central subsidy apart and the payment rate, complaints this month, report completeness, targets), each
//! linking to its list; a region outside the caller's scope is 404 (page and map JSON); the map JSON sends
//! points coloured by stage below the cap and counts per child region above it; the outlines are served
//! from the binary as GeoJSON, a county cut from its city's file, a missing one 404.

use crate::support;

use jiugai_domain::{FundSource, Stage};
use jiugai_store::funds::{self, AllocationLine, NewDocument, NewPayment};
use jiugai_store::projects;
use jiugai_store::testing::execute;
use jiugai_store::users::Role;
use jiugai_web::dashboard::map;
use serde_json::Value;
use support::Server;

const RUICHENG: &str = "140830";
const SHANXI: &str = "14";
const YUNCHENG: &str = "1408";
const YANHU: &str = "140802";
const WAN: i64 = 1_000_000;

/// The text of the element with `id` up to its closing tag `end`.
fn part<'a>(html: &'a str, id: &str, end: &str) -> &'a str {
    let i = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("{id} not in {html}"));
    let j = html[i..].find(end).map_or(html.len(), |j| i + j);
    &html[i..j]
}

/// The number in the `<b>` of a stat card.
fn stat(html: &str, id: &str) -> String {
    let p = part(html, id, "</a>");
    let b = p.find("<b>").map(|i| &p[i + 3..]).unwrap_or_else(|| panic!("no <b> in {p}"));
    b[..b.find("</b>").unwrap()].to_string()
}

/// The demo's projects, plans and complaints; 100万 central and 50万 provincial allocated to the project in
/// implementation, 60万 and 10万 of it paid. Returns that project's id.
async fn records(s: &Server) -> i64 {
    let (db, regions, profiles) = (&s.t.db, &s.state.regions, s.state.profiles());
    jiugai_web::demo::load_projects(db, regions, &profiles).await.unwrap();
    jiugai_web::demo::load_complaints(db, regions, &profiles).await.unwrap();
    jiugai_web::demo::load_plans(db, regions, &profiles).await.unwrap();
    // A complaint received now, about an estate of 芮城县.
    let n = jiugai_store::complaints::NewComplaint {
        project_id: None,
        estate_id: Some(1),
        category: "quality".into(),
        body: "楼道灯不亮".into(),
        contact_name: "李明".into(),
        contact_phone: "13800001111".into(),
    };
    jiugai_store::complaints::submit(db, regions, &profiles, &n, &jiugai_domain::time::now_rfc3339(), "test")
        .await
        .unwrap();
    let all = projects::list(db, regions, &Default::default()).await.unwrap();
    let p = all.iter().find(|p| p.stage == Stage::Implementation).expect("a project in implementation").id;
    for (no, source, wan, paid) in
        [("芮财建〔2026〕9号", FundSource::Central, 100, 60), ("晋财建〔2026〕3号", FundSource::Provincial, 50, 10)]
    {
        let doc = NewDocument {
            doc_no: no.into(),
            issued_on: "2026-03-01".into(),
            issuer_code: RUICHENG.into(),
            source,
            note: String::new(),
        };
        let line = AllocationLine {
            project_id: Some(p),
            region_code: None,
            amount_fen: wan * WAN,
            note: String::new(),
            row: None,
        };
        funds::allocate(db, regions, &doc, &[line], "test", "test").await.unwrap();
        let pay = NewPayment {
            project_id: p,
            source: Some(source),
            amount_fen: paid * WAN,
            paid_on: "2026-04-01".into(),
            payee: "芮城县建筑工程有限公司".into(),
            voucher: format!("记-{no}"),
            item_id: None,
        };
        funds::pay(db, &pay, "test", "test").await.unwrap();
    }
    p
}

/// The figures every level must show, counted from the records.
async fn check_panels(s: &Server, html: &str, region: &str, children: usize) {
    let (db, regions) = (&s.t.db, &s.state.regions);
    let f = projects::Filter { scope: region.into(), ..Default::default() };
    let list = projects::list(db, regions, &f).await.unwrap();
    assert_eq!(part(html, "dash-projects", "</small>").rsplit('>').next().unwrap(), list.len().to_string());
    for st in [Stage::Reserve, Stage::Planning, Stage::Implementation] {
        let n = list.iter().filter(|p| p.stage == st).count();
        assert!(n > 0, "the demo has a project in {st:?}");
        let id = format!("dash-stage-{}", st.as_str());
        assert_eq!(stat(html, &id), n.to_string(), "{id}");
        assert!(part(html, &id, ">").contains(&format!("/projects?stage={}", st.as_str())), "{id} links to its list");
    }
    // Overdue steps: the demo's project in implementation has some (a number, not zero).
    assert!(!stat(html, "dash-overdue").starts_with("0（"), "{}", stat(html, "dash-overdue"));
    // Money, from the entries of every project inside the region: the central subsidy apart, the other
    // sources together, the payment rate of all.
    let (mut central, mut other) = (funds::Figures::default(), funds::Figures::default());
    let mut by_source: std::collections::BTreeMap<FundSource, i64> = Default::default();
    for p in &list {
        for (src, f) in funds::project_figures(db, p.id).await.unwrap() {
            let into = if src == FundSource::Central { &mut central } else { &mut other };
            into.planned_fen += f.planned_fen;
            into.allocated_fen += f.allocated_fen;
            into.paid_fen += f.paid_fen;
            *by_source.entry(src).or_default() += f.allocated_fen;
        }
    }
    assert!(central.paid_fen >= 60 * WAN && other.paid_fen >= 10 * WAN, "the test's payments are in");
    let wan = jiugai_domain::number::wan_yuan;
    assert_eq!(stat(html, "money-central"), wan(central.allocated_fen));
    assert!(part(html, "money-central", "</a>").contains(&format!("<small>{}</small>", wan(central.paid_fen))));
    assert_eq!(stat(html, "money-other"), wan(other.allocated_fen));
    assert!(part(html, "money-other", "</a>").contains(&format!("<small>{}</small>", wan(other.paid_fen))));
    let (all_alloc, all_paid) = (central.allocated_fen + other.allocated_fen, central.paid_fen + other.paid_fen);
    assert_eq!(stat(html, "money-rate"), jiugai_domain::number::percent(all_paid, all_alloc).unwrap());
    assert!(part(html, "money-rate", ">").contains(&format!("/funds?region={region}")));
    let table = part(html, "money-table", "</table>");
    for v in [wan(all_alloc), wan(all_paid)] {
        assert!(table.contains(&format!("<td class=\"num\">{v}</td>")), "{v} in {table}");
    }
    // Complaints received this month, from the complaint records.
    let (month, prev) = jiugai_web::dashboard::figures::months();
    let cs = jiugai_store::complaints::list(
        db,
        &jiugai_store::complaints::Filter { scope: region.into(), ..Default::default() },
        projects::today(),
    )
    .await
    .unwrap();
    let this_month = cs
        .iter()
        .filter(|c| {
            jiugai_domain::time::parse_instant(&c.created_at)
                .and_then(jiugai_domain::time::beijing_date)
                .is_some_and(|d| d.to_string().starts_with(&month))
        })
        .count();
    assert!(this_month > 0, "the test's complaint is received today");
    // Answered on time this month: resolved (its last change) this month, not after its due day.
    let on_time = cs
        .iter()
        .filter(|c| c.status == jiugai_store::complaints::Status::Resolved)
        .filter_map(|c| {
            let day = jiugai_domain::time::parse_instant(&c.updated_at).and_then(jiugai_domain::time::beijing_date)?;
            (day.to_string().starts_with(&month) && day.to_string() <= c.due_on).then_some(())
        })
        .count();
    assert_eq!(stat(html, "dash-complaints-month"), format!("{this_month}/{on_time}"));
    assert!(
        part(html, "dash-complaints-month", ">")
            .contains(&format!("/reports/monthly?region={region}&#38;month={month}"))
    );
    // Report completeness of last month: no child has submitted.
    assert_eq!(stat(html, "dash-completeness"), format!("0/{children}"));
    assert!(
        part(html, "dash-completeness", ">").contains(&format!("/reports/monthly?region={region}&#38;month={prev}"))
    );
    // The data the charts and the map are drawn from.
    let data: Value = serde_json::from_str(part(html, "dash-data", "</script>").split_once('>').unwrap().1).unwrap();
    assert_eq!(data["map"], format!("/api/v1/dashboard/map?region={region}"));
    let alloc: Vec<f64> = FundSource::ALL
        .iter()
        .filter_map(|s| by_source.get(s))
        .map(|f| (*f as f64 / WAN as f64 * 100.0).round() / 100.0)
        .collect();
    assert_eq!(data["money"]["allocated"], serde_json::json!(alloc));
    assert_eq!(data["money"]["central"][0], true, "the central subsidy first, marked");
}

#[tokio::test]
async fn county_and_province_panels_equal_the_records() {
    let s = Server::demo().await;
    records(&s).await;
    let regions = &s.state.regions;
    let streets = regions.children(RUICHENG).count();
    let cities = regions.children(SHANXI).count();
    assert!(streets > 0 && cities == 11);

    let mut county = s.signed_in("ruicheng", Role::County, RUICHENG).await;
    let html = county.get("/").await.text();
    check_panels(&s, &html, RUICHENG, streets).await;
    // Targets of the year, from the target table the demo's plans loaded.
    let year = projects::today().year();
    let t = jiugai_store::targets::list(&s.t.db, RUICHENG).await.unwrap();
    let target = t.iter().find(|t| t.region_code == RUICHENG && t.year == year).map(|t| t.estates);
    let pg = part(&html, "pg-target", "</b>");
    assert_eq!(pg.rsplit('>').next().unwrap(), target.map_or("—".into(), |t| t.to_string()), "{pg}");
    let data: Value = serde_json::from_str(part(&html, "dash-data", "</script>").split_once('>').unwrap().1).unwrap();
    let years: Vec<&str> = data["progress"]["years"].as_array().unwrap().iter().map(|y| y.as_str().unwrap()).collect();
    // The target table where it has the year, else the county profile's annual targets (芮城县's programme).
    let set = s.state.profiles();
    let eff = set.effective(set.for_region(RUICHENG)).unwrap();
    let annual = match eff.rule("target_annual", None).map(|r| &r.value) {
        Some(jiugai_rules::RuleValue::YearCounts(m)) => m.clone(),
        _ => Default::default(),
    };
    let expected: Vec<i64> = years
        .iter()
        .map(|y| {
            let y: i32 = y.parse().unwrap();
            t.iter()
                .find(|t| t.region_code == RUICHENG && t.year == y)
                .map(|t| t.estates)
                .or_else(|| annual.get(&y).copied())
                .unwrap_or(0)
        })
        .collect();
    let got: Vec<i64> =
        data["progress"]["target"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap_or(0)).collect();
    assert_eq!(got, expected, "target by year");

    // The province: the national office looking at 山西省, and a provincial office on its own scope.
    let mut nation = s.signed_in("nation", Role::Admin, "").await;
    let r = nation.get(&format!("/?region={SHANXI}")).await;
    assert_eq!(r.status, 200);
    let html = r.text();
    check_panels(&s, &html, SHANXI, cities).await;
    assert!(part(&html, "dash-levels", "</nav>").contains("href=\"/\""), "the way back up to the nation");
    assert!(part(&html, "dash-pick", "</form>").contains("value=\"1408\""), "drill down to 运城市");
    let mut province = s.signed_in("shanxi", Role::Admin, SHANXI).await;
    check_panels(&s, &province.get("/").await.text(), SHANXI, cities).await;
    // A city inside the scope is a level of its own.
    let r = province.get(&format!("/?region={YUNCHENG}")).await;
    assert_eq!(r.status, 200);
    assert!(part(&r.text(), "dash-region", "</small>").contains("运城市"));
}

#[tokio::test]
async fn a_region_outside_the_scope_is_404() {
    let s = Server::demo().await;
    let mut county = s.signed_in("ruicheng", Role::County, RUICHENG).await;
    for q in [YANHU, SHANXI, YUNCHENG, "999999", "nonsense"] {
        assert_eq!(county.get(&format!("/?region={q}")).await.status, 404, "{q}");
        assert_eq!(county.get(&format!("/api/v1/dashboard/map?region={q}")).await.status, 404, "{q}");
    }
    // Its own streets are inside.
    let street = s.state.regions.children(RUICHENG).next().unwrap().code.clone();
    assert_eq!(county.get(&format!("/?region={street}")).await.status, 200);
    assert_eq!(county.get(&format!("/api/v1/dashboard/map?region={street}")).await.status, 200);
    // Signed out: no map.
    assert_ne!(s.client().get("/api/v1/dashboard/map").await.status, 200);
}

#[tokio::test]
async fn map_points_by_stage_under_the_cap_counts_per_region_above() {
    let s = Server::demo().await;
    let p = records(&s).await;
    let located = jiugai_web::demo::locate(&s.t.db, &s.state.regions, RUICHENG).await.unwrap();
    assert_eq!(located, 0, "load_plans gave the demo estates their coordinates already");
    // Every demo estate lies inside 芮城县's outline.
    let rings: Vec<Vec<(f64, f64)>> = map::rings(RUICHENG).into_iter().flat_map(|(_, r)| r).collect();
    let estates = jiugai_store::estates::list(
        &s.t.db,
        &s.state.regions,
        &jiugai_store::estates::Filter { region: Some(RUICHENG.into()), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(estates.len(), 30);
    for e in &estates {
        let (x, y) = (e.data.longitude_e6.unwrap() as f64 / 1e6, e.data.latitude_e6.unwrap() as f64 / 1e6);
        assert!(map::inside(&rings, x, y), "{} at {x},{y}", e.data.name);
    }
    let in_p = projects::get(&s.t.db, p).await.unwrap().estate_ids;
    // Two streets hold 20 of the estates; the others have none recorded.
    execute(&s.t.db, "UPDATE estates SET street_code = '140830100' WHERE id <= 10").await;
    execute(&s.t.db, "UPDATE estates SET street_code = '140830101' WHERE id > 10 AND id <= 20").await;

    let mut county = s.signed_in("ruicheng", Role::County, RUICHENG).await;
    let m = county.get("/api/v1/dashboard/map").await.json();
    assert_eq!((m["mode"].as_str(), m["total"].as_i64(), m["unlocated"].as_i64()), (Some("points"), Some(30), Some(0)));
    assert_eq!(m["outline"], "/static/geo/140830.json");
    let points = m["points"].as_array().unwrap();
    assert_eq!(points.len(), 30);
    for pt in points {
        let id = pt["id"].as_i64().unwrap();
        let want = if in_p.contains(&id) { "implementation" } else { pt["stage"].as_str().unwrap() };
        assert_eq!(pt["stage"], want, "{pt}");
        assert_eq!(pt["href"], format!("/estates/{id}"));
    }
    assert!(points.iter().filter(|p| p["stage"] == "implementation").count() >= in_p.len());
    assert!(points.iter().any(|p| p["stage"] == "none"), "estates in no project");
    assert!(m["stages"].as_array().unwrap().iter().any(|s| s["key"] == "implementation" && s["label"] == "实施"));

    // Over the cap: no points, the count of each child region (their sum is every estate).
    let m = county.get("/api/v1/dashboard/map?cap=5").await.json();
    assert_eq!(m["mode"], "regions");
    assert!(m["points"].as_array().unwrap().is_empty());
    let rs = m["regions"].as_array().unwrap();
    let n = |code: &str| rs.iter().find(|r| r["code"] == code).map(|r| r["estates"].as_i64().unwrap());
    assert_eq!((n("140830100"), n("140830101"), n("")), (Some(10), Some(10), Some(10)), "{m}");
    assert_eq!(rs.iter().find(|r| r["code"] == "140830100").unwrap()["href"], "/?region=140830100");
    // The province over its cap: one region, 运城市, linking to its dashboard, with the projects by stage.
    let mut province = s.signed_in("shanxi", Role::Admin, SHANXI).await;
    let m = province.get("/api/v1/dashboard/map?cap=1").await.json();
    assert_eq!((m["mode"].as_str(), m["outline"].as_str()), (Some("regions"), Some("/static/geo/14.json")));
    let rs = m["regions"].as_array().unwrap();
    assert_eq!(rs.len(), 1);
    assert_eq!((rs[0]["code"].as_str(), rs[0]["estates"].as_i64()), (Some(YUNCHENG), Some(30)));
    assert_eq!(rs[0]["href"], "/?region=1408");
    let f = projects::Filter { scope: YUNCHENG.into(), ..Default::default() };
    let n = projects::list(&s.t.db, &s.state.regions, &f).await.unwrap().len() as i64;
    assert_eq!(rs[0]["stages"].as_object().unwrap().values().map(|v| v.as_i64().unwrap()).sum::<i64>(), n);
    // Under the cap the province gets the points.
    let m = province.get("/api/v1/dashboard/map").await.json();
    assert_eq!((m["mode"].as_str(), m["points"].as_array().unwrap().len()), (Some("points"), 30));
}

#[tokio::test]
async fn outlines_served_from_the_binary_as_geojson() {
    let s = Server::demo().await;
    let mut c = s.client();
    let r = c.get("/static/geo/100000.json").await;
    assert_eq!((r.status, r.header("content-type")), (200, Some(map::GEO_JSON)));
    let nation = r.json();
    assert!(
        nation["features"].as_array().unwrap().iter().any(|f| f["id"] == "14" && f["properties"]["name"] == "山西")
    );
    // A province's cities, a city's counties, a county cut from its city's file.
    let ids = |v: &Value| -> Vec<String> {
        v["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
    };
    let shanxi = c.get("/static/geo/14.json").await.json();
    let mut want: Vec<String> = s.state.regions.children(SHANXI).map(|r| r.code.clone()).collect();
    let mut got = ids(&shanxi);
    want.sort();
    got.sort();
    assert_eq!(got, want);
    for seed in ["34", "45", "1404", "3413", "4507"] {
        let r = c.get(&format!("/static/geo/{seed}.json")).await;
        assert_eq!((r.status, r.header("content-type")), (200, Some(map::GEO_JSON)), "{seed}");
    }
    let yuncheng = c.get("/static/geo/1408.json").await.json();
    assert!(ids(&yuncheng).contains(&RUICHENG.to_string()));
    let r = c.get("/static/geo/140830.json").await;
    assert_eq!((r.status, r.header("content-type")), (200, Some(map::GEO_JSON)));
    let county = r.json();
    assert_eq!(ids(&county), vec![RUICHENG.to_string()]);
    assert_eq!(county["features"][0]["properties"]["name"], "芮城县");
    // The decoded outline of 芮城县 is where 芮城县 is (about 110.7°E, 34.7°N).
    let rings: Vec<Vec<(f64, f64)>> = map::rings(RUICHENG).into_iter().flat_map(|(_, r)| r).collect();
    let (x, y) = map::centroid(&rings).unwrap();
    assert!((110.3..111.1).contains(&x) && (34.5..34.9).contains(&y), "{x},{y}");
    assert!(map::inside(&rings, x, y));
    // Nothing for a code that is no region, or a region without an outline.
    for missing in ["999999", "71", "nope", "14.js"] {
        assert_eq!(c.get(&format!("/static/geo/{missing}.json")).await.status, 404, "{missing}");
    }
    assert!(map::outline("7100").is_none());
    // The whole set stays small (a few MB in the binary).
    let total: usize = (11..=65).filter_map(|p| map::file(&p.to_string())).map(|b| b.len()).sum();
    assert!(total < 1_000_000, "{total}");
}
