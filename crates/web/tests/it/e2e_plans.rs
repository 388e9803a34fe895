//! Annual plans in a real headless Chromium (`JIUGAI_E2E=1`): a county user builds its plan from the
//! projects of a year, sees the checks pass and submits it; the city's office finds it under 待审核计划 on
//! its dashboard and approves it; the plan page shows 已批准. Screenshots in `target/e2e-screenshots/`.

use crate::plans::{RUICHENG, YUNCHENG, ready_projects};
use crate::support;
use crate::support::browser;

use browser::start_driver;
use jiugai_store::users::Role;
use support::{PASSWORD, Server};

#[tokio::test]
async fn a_county_builds_and_submits_a_plan_the_city_approves_it() {
    if !browser::enabled() {
        return;
    }
    let s = Server::demo().await;
    let ready = ready_projects(&s, 2, 2028).await;
    s.user("ruicheng", Role::County, RUICHENG).await;
    s.user("yuncheng", Role::Admin, YUNCHENG).await;
    let mut d = start_driver(format!("http://{}", s.addr)).await;
    login(&mut d, "ruicheng").await;

    // The county: 年度计划 → 新建 → its 2028 projects → create.
    d.go("/plans").await;
    d.click("#new-plan").await;
    d.typ("#plan-year", "2028").await;
    d.click("#plan-find").await;
    d.find("#plan-candidates").await;
    for id in &ready {
        d.click(&format!("#project-{id}")).await;
    }
    d.shot("pl01-new-plan").await;
    d.click("#plan-create").await;
    d.wait_text("#plan-notice", "计划已创建").await;
    let lines = d.text("#plan-lines").await;
    assert!(lines.contains("合计") && lines.contains("246.91"), "{lines}");
    let checks = d.text("#plan-checks").await;
    assert!(checks.contains("居民改造意愿") && checks.contains("通过"), "{checks}");
    d.shot("pl02-plan-draft").await;
    d.click("#plan-submit").await;
    d.wait_text("#plan-status", "已上报待审核").await;
    assert!(d.text("#plan-chain").await.contains("办理中"));
    d.shot("pl03-plan-submitted").await;
    d.click("form.inline button").await;

    // The city: 待审核计划 on the dashboard → the plan → approve.
    login(&mut d, "yuncheng").await;
    let awaiting = d.text("#awaiting").await;
    assert!(awaiting.contains("芮城县2028年度计划"), "{awaiting}");
    d.shot("pl04-dashboard-awaiting").await;
    d.click("#awaiting a").await;
    d.find("#plan-approve").await;
    d.typ("#plan-reason", "同意，按计划组织实施").await;
    d.click("#plan-approve").await;
    d.wait_text("#plan-status", "已批准").await;
    let history = d.text("#plan-history").await;
    assert!(
        history.contains("审核通过") && history.contains("web:yuncheng") && history.contains("同意，按计划组织实施"),
        "{history}"
    );
    d.script("document.getElementById('chain').scrollIntoView(); return 1;").await;
    d.shot("pl05-plan-approved").await;

    // Progress against targets (none imported in this test: the page says so) and the print view.
    d.go("/targets").await;
    d.find("#targets-children").await;
    d.shot("pl06-targets").await;
    let _ = d.cmd("DELETE", "", serde_json::json!({})).await;
}

async fn login(d: &mut browser::Driver, name: &str) {
    d.go("/login").await;
    d.typ("input[name=name]", name).await;
    d.typ("input[name=password]", PASSWORD).await;
    d.click("button[type=submit]").await;
    d.find("#projects-panel").await;
}
