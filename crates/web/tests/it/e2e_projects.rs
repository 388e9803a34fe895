//! Projects in a real headless Chromium (`JIUGAI_E2E=1`): an office creates a project from two estates,
//! adds content, completes a step, is refused an out-of-order one, and sees overdue steps flagged on the
//! project, the list and the dashboard. Screenshots in `target/e2e-screenshots/`.

use crate::support;
use crate::support::browser;

use browser::start_driver;
use jiugai_store::users::Role;
use support::{PASSWORD, Server};

#[tokio::test]
async fn an_office_runs_a_project_in_the_browser() {
    if !browser::enabled() {
        return;
    }
    let s = Server::demo().await;
    s.user("office", Role::Admin, "140830").await;
    let mut d = start_driver(format!("http://{}", s.addr)).await;
    d.go("/login").await;
    d.typ("input[name=name]", "office").await;
    d.typ("input[name=password]", PASSWORD).await;
    d.click("button[type=submit]").await;
    d.find("#chart").await;

    // A package of two neighbouring estates, plan year 2025.
    d.go("/projects").await;
    d.click("#new-project").await;
    d.find("#candidates").await;
    d.click("#estate-1").await;
    d.click("#estate-2").await;
    d.typ("#name", "华泰北路片区连片改造").await;
    d.typ("#plan_year", "2025").await;
    d.typ("#investment", "280万").await;
    d.shot("p01-new-project").await;
    d.click("#create").await;
    let stage = d.wait_text("#stage", "储备").await;
    assert!(stage.contains("储备"));
    let estates = d.text("#project-estates").await;
    assert!(estates.contains("原卷烟厂小区") && estates.contains("粮苑小区2号楼"), "{estates}");
    // 2025's deadlines have passed: the survey is flagged overdue.
    let survey = d.text("#step-survey").await;
    assert!(survey.contains("已逾期") && survey.contains("2025-01-31"), "{survey}");
    assert!(d.text("#overdue-count").await.contains("逾期"));

    // Content: an elevator (X item: owners pay their share).
    d.script("document.getElementById('item-select').value = [...document.querySelectorAll('#item-select option')].find(o => o.text.startsWith('I02')).value").await;
    d.typ("#item-quantity", "2").await;
    d.typ("#item-cost", "600000").await;
    d.click("#add-item-submit").await;
    let items = d.wait_text("#items", "加装电梯").await;
    assert!(items.contains("600,000.00"), "{items}");
    let totals = d.text("#totals").await;
    assert!(totals.contains("合计") && totals.contains("600,000.00"), "{totals}");

    // Design before the survey: refused, saying what comes first.
    d.script("document.querySelector('#step-design details').open = true").await;
    d.click("#complete-design").await;
    let err = d.wait_text("#step-error", "民意调查").await;
    assert!(err.contains("之后"), "{err}");
    d.shot("p02-out-of-order").await;

    // The survey, estate by estate (the household counts come prefilled from the registry): 52 of
    // 原卷烟厂小区's 60 households and all of the other estate's agree.
    d.script("document.querySelector('#step-survey details').open = true").await;
    // A date input takes keystrokes in the locale's order; set its value as a date picker would.
    d.script("document.querySelector('#step-survey input[name=done_on]').value = '2025-01-20'").await;
    let ids: Vec<String> = serde_json::from_value(
        d.script("return Array.from(document.querySelectorAll('#step-survey input[name^=agree_]')).map(i => i.name.slice(6))").await,
    )
    .unwrap();
    assert_eq!(ids.len(), 2, "one pair of inputs per estate");
    for id in &ids {
        let hh = d
            .script(&format!("return document.querySelector('#step-survey input[name=households_{id}]').value"))
            .await
            .as_str()
            .unwrap_or_default()
            .to_string();
        let agree = if hh == "60" { "52".to_string() } else { hh.clone() };
        assert!(!hh.is_empty(), "the registry's count is prefilled");
        d.typ(&format!("#step-survey input[name=agree_{id}]"), &agree).await;
    }
    d.click("#complete-survey").await;
    let survey = d.wait_text("#step-survey", "已完成").await;
    assert!(survey.contains("2025-01-20") && !survey.contains("已逾期"), "{survey}");
    // The design, due 2025-02-28, is still overdue.
    assert!(d.text("#step-design").await.contains("已逾期"));
    d.shot("p03-project").await;

    // The list and the dashboard flag it.
    d.go("/projects?overdue=1").await;
    let overdue = d.text("#overdue").await;
    assert!(overdue.contains("华泰北路片区连片改造") && overdue.contains("方案设计"), "{overdue}");
    d.shot("p04-overdue-list").await;
    d.go("/").await;
    let dash = d.text("#dash-overdue").await;
    assert!(!dash.trim_end().ends_with("0（0）"), "{dash}");
    d.shot("p05-dashboard").await;

    // Publish the public notice, then read it as a resident would, on a phone.
    d.go("/projects/1").await;
    d.script("document.getElementById('notice-from').value = '2026-11-20'").await;
    d.typ("#notice-hotline-input", "0359-3022123").await;
    d.click("#notice-publish").await;
    d.wait_text("#notice", "2026-11-25").await;
    d.size(390, 844).await;
    d.find("#steps").await;
    d.shot("p06-project-phone").await;
    d.go("/notice/1").await;
    let period = d.text("#notice-period").await;
    assert!(period.contains("2026-11-20") && period.contains("5"), "{period}");
    assert!(d.text("#notice-content").await.contains("加装电梯"));
    assert!(d.text("#notice-hotline").await.contains("0359-3022123"));
    d.shot("p07-notice-phone").await;
    let _ = d.cmd("DELETE", "", serde_json::json!({})).await;
}
