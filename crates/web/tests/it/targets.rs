//! Progress against targets over HTTP, on the backend `JIUGAI_TEST_DATABASE_URL` names: the demo's
//! targets of 运城市's counties rolled up for the city, a child drilled into, the JSON API (typed
//! `Progress`), a region outside the caller's scope refused, and the compact view on the dashboard.

use crate::plans::{RUICHENG, YUNCHENG, demo_plan};
use crate::support;

use jiugai_store::users::Role;
use support::Server;

#[tokio::test]
async fn city_and_county_progress_pages_and_api() {
    let s = Server::demo().await;
    demo_plan(&s).await;
    let mut city = s.signed_in("yuncheng", Role::Admin, YUNCHENG).await;
    let mut county = s.signed_in("ruicheng", Role::County, RUICHENG).await;

    // The API: the city's line is the sum of its counties' targets; 芮城县 is one child.
    let r = city.get("/api/v1/targets?region=1408&year=2027").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let p = r.json();
    assert_eq!(p["year"], 2027);
    assert_eq!(p["region"]["target"], 5 + 18 + 10 + 8);
    let rc = p["children"].as_array().unwrap().iter().find(|c| c["region_code"] == RUICHENG).unwrap().clone();
    assert_eq!((rc["target"].as_i64(), rc["done"].as_i64(), rc["shortfall"].as_i64()), (Some(5), Some(0), Some(5)));
    assert_eq!(p["series"].as_array().unwrap().len(), 3);
    // Default region: the caller's scope.
    let mine = county.get("/api/v1/targets?year=2027").await.json();
    assert_eq!(mine["region"]["region_code"], RUICHENG);
    assert_eq!(mine["region"]["target"], 5);
    // Outside the scope: refused with the region code.
    let r = county.get("/api/v1/targets?region=1408").await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (422, Some("region")), "{}", r.text());
    // A contractor: 403.
    let mut contractor = s.signed_in("builder", Role::Contractor, RUICHENG).await;
    assert_eq!(contractor.get("/api/v1/targets").await.status, 403);

    // The page: the region's line, a row per child with a drill link, the chart data.
    let page = city.get("/targets?region=运城市&year=2027").await.text();
    assert!(page.contains("id=\"targets-children\"") && page.contains("芮城县"), "{page}");
    assert!(page.contains(&format!("href=\"/targets?region={RUICHENG}&amp;year=2027\"")), "{page}");
    assert!(page.contains("id=\"targets-data\"") && page.contains("\"years\":[\"2025\",\"2026\",\"2027\"]"), "{page}");
    assert!(page.contains("/static/targets.js"));
    let js = city.get("/static/targets.js").await;
    assert_eq!(js.status, 200);
    // Drilling into 芮城县: its own line; the link back up to the city.
    let page = city.get(&format!("/targets?region={RUICHENG}&year=2027")).await.text();
    assert!(page.contains("id=\"targets-up\"") && page.contains("运城市"), "{page}");
    // The county has no link above its scope.
    let page = county.get("/targets?year=2027").await.text();
    assert!(!page.contains("id=\"targets-up\""), "{page}");
    // The dashboard's compact view.
    let dash = city.get("/").await.text();
    assert!(dash.contains("id=\"targets-panel\"") && dash.contains("id=\"targets-bar\""), "{dash}");
    // A year without targets: said so.
    let page = city.get("/targets?region=1408&year=2030").await.text();
    assert!(page.contains("还没有目标任务"), "{page}");
}
