//! The dashboard in a real headless Chromium (`JIUGAI_E2E=1`): a county office's dashboard and a provincial
//! office's, each with its charts and the map drawn from the outlines compiled into the binary — the
//! ECharts instance of `#map` holds the outline's regions and the estates as points coloured by stage —
//! then a click on 运城市 on the province's map drills down to the city's dashboard. Screenshots in
//! `target/e2e-screenshots/` (d01…d04).

use crate::support;
use crate::support::browser;

use browser::start_driver;
use jiugai_store::users::Role;
use serde_json::Value;
use support::{PASSWORD, Server};

/// Waits until the map reports it has drawn, and returns what it drew with the ECharts option's series.
async fn map_drawn(d: &mut browser::Driver) -> Value {
    for _ in 0..100 {
        let v = d
            .script(
                "var m = window.jiugaiMap; if (!m || !m.ready) return null;
                 var c = echarts.getInstanceByDom(document.getElementById('map'));
                 var o = c ? c.getOption() : null;
                 var g = o && o.geo ? (o.geo[0] || o.geo) : null;
                 return {m: m, series: o ? o.series.map(function (s) { return {type: s.type, n: (s.data || []).length, name: s.name}; }) : [],
                         geo: g ? g.map : null, regions: g ? (g.regions || []).length : 0,
                         canvas: !!document.querySelector('#map canvas')};",
            )
            .await;
        if !v.is_null() {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the map never drew");
}

#[tokio::test]
async fn county_and_province_dashboards_with_their_maps() {
    if !browser::enabled() {
        return;
    }
    let s = Server::demo().await;
    let (db, regions, profiles) = (&s.t.db, &s.state.regions, s.state.profiles());
    jiugai_web::demo::load_projects(db, regions, &profiles).await.unwrap();
    jiugai_web::demo::load_complaints(db, regions, &profiles).await.unwrap();
    jiugai_web::demo::load_plans(db, regions, &profiles).await.unwrap();
    s.user("ruicheng", Role::County, "140830").await;
    s.user("shanxi", Role::Admin, "14").await;
    let mut d = start_driver(format!("http://{}", s.addr)).await;
    d.size(1366, 2400).await;

    // The county: 芮城县's outline with its 30 estates as points, one series per stage present.
    login(&mut d, "ruicheng").await;
    d.find("#stage-chart canvas").await;
    d.find("#progress-chart canvas").await;
    d.find("#money-chart canvas").await;
    let v = map_drawn(&mut d).await;
    assert_eq!(v["m"]["outline"], true, "{v}");
    assert_eq!(v["m"]["features"], 1, "one county outline: {v}");
    assert_eq!(v["m"]["points"], 30, "{v}");
    assert_eq!(v["geo"], "r140830", "{v}");
    assert_eq!(v["canvas"], true);
    let series = v["series"].as_array().unwrap();
    assert_eq!(v["regions"], 1, "the county's own outline: {v}");
    let scatter: i64 = series.iter().filter(|s| s["type"] == "scatter").map(|s| s["n"].as_i64().unwrap()).sum();
    assert_eq!(scatter, 30, "every estate a point: {v}");
    assert!(series.iter().any(|s| s["type"] == "scatter" && s["name"] == "实施"), "{v}");
    d.script("document.getElementById('map-panel').scrollIntoView(); return 1;").await;
    d.shot("d01-county-map").await;
    d.script("window.scrollTo(0, 0); return 1;").await;
    d.shot("d02-county-dashboard").await;

    // The province: 山西省's cities; 运城市 holds the points; a click on it drills down.
    login(&mut d, "shanxi").await;
    let v = map_drawn(&mut d).await;
    assert_eq!(v["m"]["features"], 11, "{v}");
    assert_eq!((v["m"]["points"].as_i64(), v["m"]["drill"].as_bool()), (Some(30), Some(true)), "{v}");
    assert_eq!(v["geo"], "r14");
    assert_eq!(v["regions"], 11, "every city a region of the outline: {v}");
    assert_eq!(v["series"][0]["n"], 11, "a marker on every city to drill into: {v}");
    let pts: i64 = v["series"].as_array().unwrap()[1..].iter().map(|s| s["n"].as_i64().unwrap()).sum();
    assert_eq!(pts, 30, "{v}");
    d.script("document.getElementById('map-panel').scrollIntoView(); return 1;").await;
    d.shot("d03-province-map").await;
    // Drill down the way a click on the map does (ECharts dispatches the region's data item).
    let href = d
        .script(
            "var c = echarts.getInstanceByDom(document.getElementById('map'));
             var item = c.getOption().series[0].data.filter(function (x) { return x.code === '1408'; })[0];
             if (window.jiugaiMap.links['1408'] !== item.href) return 'links differ';
             return item.href;",
        )
        .await;
    assert_eq!(href, "/?region=1408");
    d.go("/?region=1408").await;
    d.wait_text("#dash-region", "运城市").await;
    let v = map_drawn(&mut d).await;
    assert_eq!((v["geo"].as_str(), v["m"]["points"].as_i64()), (Some("r1408"), Some(30)), "{v}");
    d.shot("d04-city-map").await;
    let _ = d.cmd("DELETE", "", serde_json::json!({})).await;
}

async fn login(d: &mut browser::Driver, name: &str) {
    d.go("/login").await;
    d.cmd("DELETE", "/cookie", serde_json::json!({})).await;
    d.go("/login").await;
    d.typ("input[name=name]", name).await;
    d.typ("input[name=password]", PASSWORD).await;
    d.click("button[type=submit]").await;
    d.find("#projects-panel").await;
}
