//! The assessment of counties in a real headless Chromium (`JIUGAI_E2E=1`): the city's office opens 考核
//! from the navigation, sees 芮城县 ranked with each part's numerator/denominator, the other counties'
//! 无数据, the formula beside the table, and the printable page. Screenshots in `target/e2e-screenshots/`.

use crate::support;
use crate::support::browser;

use browser::start_driver;
use jiugai_store::users::Role;
use support::PASSWORD;

#[tokio::test]
async fn the_city_reads_the_assessment_of_its_counties() {
    if !browser::enabled() {
        return;
    }
    let s = crate::assess::setup().await;
    s.user("yuncheng", Role::Admin, "1408").await;
    let mut d = start_driver(format!("http://{}", s.addr)).await;
    d.go("/login").await;
    d.typ("input[name=name]", "yuncheng").await;
    d.typ("input[name=password]", PASSWORD).await;
    d.click("button[type=submit]").await;
    d.find("#projects-panel").await;
    d.click("nav a[href='/assess']").await;
    d.find("#assess-table").await;
    d.go("/assess?region=1408&period=2025").await;
    let table = d.text("#assess-table").await;
    assert!(table.contains("芮城县") && table.contains("9 / 10") && table.contains("无数据"), "{table}");
    let formula = d.text("#assess-formula").await;
    assert!(formula.contains("群众满意度") && formula.contains("[003 四(三)]"), "{formula}");
    d.size(1600, 1000).await;
    d.shot("as01-assessment").await;
    d.go("/assess/print?region=1408&period=2025").await;
    d.find("#print-table").await;
    d.shot("as02-assessment-print").await;
    let _ = d.cmd("DELETE", "", serde_json::json!({})).await;
}
