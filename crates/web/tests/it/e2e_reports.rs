//! Monthly reports in a real headless Chromium (`JIUGAI_E2E=1`): 芮城县 opens its October report, types
//! its typed figures and submits it; 运城市's office opens the county's report, approves it, and reads its
//! own report (two-level header, 合计 row, numbers right-aligned) and the printable page. Screenshots in
//! `target/e2e-screenshots/`.

use crate::reports::{CITY, M, RUICHENG, setup};
use crate::support;
use crate::support::browser;

use browser::start_driver;
use jiugai_store::users::Role;
use support::{PASSWORD, Server};

#[tokio::test]
async fn a_county_submits_its_report_in_the_browser_and_the_city_approves_it() {
    if !browser::enabled() {
        return;
    }
    let s = Server::demo().await;
    setup(&s).await;
    s.user("ruicheng", Role::County, RUICHENG).await;
    s.user("yuncheng", Role::Admin, CITY).await;
    let mut d = start_driver(format!("http://{}", s.addr)).await;
    d.size(1600, 1000).await;
    login(&mut d, "ruicheng").await;

    // The county: 月报 → October → typed figures → submit.
    d.click("a[href='/reports/monthly']").await;
    d.find("#report-table").await;
    d.go(&format!("/reports/monthly?region={RUICHENG}&month={M}")).await;
    assert!(d.text("#report-status").await.contains("草稿"));
    d.typ("#typed-jobs_created", "35").await;
    d.typ("#typed-remarks", "雨季停工3天").await;
    d.click("#typed-save").await;
    d.wait_url("ok=typed#report-state").await;
    d.wait_text("#report-notice", "填报数已保存").await;
    d.shot("mr01-county-draft").await;
    d.click("#report-submit").await;
    d.wait_url("ok=submit#report-state").await;
    d.wait_text("#report-status", "已上报待审核").await;
    assert!(d.text("#typed-values").await.contains("35"));
    d.shot("mr02-county-submitted").await;
    d.click("form.inline button").await;

    // The city: the county's report → approve; then its own report, with the county's row approved.
    login(&mut d, "yuncheng").await;
    d.go(&format!("/reports/monthly?region={RUICHENG}&month={M}")).await;
    d.click("#report-approve").await;
    d.wait_url("ok=approve#report-state").await;
    d.wait_text("#report-status", "已审核").await;
    d.go(&format!("/reports/monthly?region={CITY}&month={M}")).await;
    let total = d.text("#report-total").await;
    assert!(total.contains("合计") && total.contains("120.500001") && total.contains("280.00"), "{total}");
    let row = d.text(&format!("tr[data-region='{RUICHENG}']")).await;
    assert!(row.contains("已审核"), "{row}");
    // Numbers are right-aligned.
    let align = d.script("return getComputedStyle(document.querySelector('#report-total th.num')).textAlign;").await;
    assert_eq!(align.as_str(), Some("right"), "{align}");
    d.shot("mr03-city-report").await;
    d.go(&format!("/reports/monthly/print?region={CITY}&month={M}")).await;
    let title = d.text("#print-title").await;
    assert!(title.contains("运城市城镇老旧小区改造月报表（2026年10月）"), "{title}");
    d.shot("mr04-city-print").await;
    d.go(&format!("/reports/completeness?region={CITY}&month={M}")).await;
    d.find("#completeness").await;
    d.shot("mr05-city-completeness").await;
    let _ = d.cmd("DELETE", "", serde_json::json!({})).await;
}

async fn login(d: &mut browser::Driver, name: &str) {
    d.go("/login").await;
    d.typ("input[name=name]", name).await;
    d.typ("input[name=password]", PASSWORD).await;
    d.click("button[type=submit]").await;
    d.find("#projects-panel").await;
}
