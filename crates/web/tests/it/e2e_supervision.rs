//! Supervision in a real headless Chromium (`JIUGAI_E2E=1`): the city office issues a notice of criticism
//! with a rectification deadline; the county office opens the task the notice made, replies with its
//! progress and evidence; the city office closes it; the printable notice shows the facts and the closed
//! task. Screenshots in `target/e2e-screenshots/`.

use crate::support;
use crate::support::browser;

use browser::start_driver;
use jiugai_store::users::Role;
use support::{PASSWORD, Server};

async fn sign_in(d: &mut browser::Driver, name: &str) {
    d.go("/login").await;
    d.typ("input[name=name]", name).await;
    d.typ("input[name=password]", PASSWORD).await;
    d.click("button[type=submit]").await;
    d.find("nav").await;
}

#[tokio::test]
async fn a_notice_with_a_rectification_task_replied_by_the_county_and_closed_by_the_city() {
    if !browser::enabled() {
        return;
    }
    let s = Server::demo().await;
    s.user("yuncheng", Role::Admin, "1408").await;
    s.user("ruicheng", Role::County, "140830").await;
    let due = jiugai_domain::Date::from_days(jiugai_store::clock::today().to_days() + 10).unwrap().to_string();
    let mut d = start_driver(format!("http://{}", s.addr)).await;
    d.size(1280, 1000).await;

    // The city issues the notice.
    sign_in(&mut d, "yuncheng").await;
    d.go("/notices/new").await;
    d.find("#notice-form").await;
    d.script("document.querySelector('select[name=kind]').value = 'criticism'").await;
    d.script("document.querySelector('select[name=target_region]').value = '140830'").await;
    d.typ("input[name=period]", "2026-11").await;
    d.typ("input[name=title]", "关于芮城县老旧小区改造开工滞后的通报").await;
    d.typ("textarea[name=body]", "截至11月底，芮城县年度计划项目开工率偏低，予以通报批评。").await;
    d.typ("input[name=rect_title_1]", "12月20日前全部开工").await;
    d.script(&format!("document.querySelector('input[name=rect_due_1]').value = '{due}'")).await;
    d.shot("s01-notice-form").await;
    d.click("#notice-form button[type=submit]").await;
    let k = d.wait_text("#notice-kind", "通报批评").await;
    assert!(k.contains("通报批评"));
    let tasks = d.text("#notice-tasks").await;
    assert!(tasks.contains("12月20日前全部开工") && tasks.contains("芮城县") && tasks.contains(&due), "{tasks}");
    let url = d.url().await;
    let nid = url.rsplit('/').next().unwrap().to_string();

    // The county replies.
    sign_in(&mut d, "ruicheng").await;
    d.go("/tasks?view=mine").await;
    let list = d.wait_text("#tasks", "12月20日前全部开工").await;
    assert!(list.contains("通报限期整改"), "{list}");
    d.click("#tasks tbody a").await;
    d.find("#task-reply").await;
    d.typ("#task-reply textarea[name=text]", "已督促施工单位进场，12月15日全部开工").await;
    d.typ("#task-reply input[name=evidence]", "开工报告（附件#21）").await;
    d.click("#task-reply button").await;
    d.wait_url("?done=reply").await;
    d.wait_text("#task-state", "已回复").await;
    d.shot("s02-county-replied").await;
    let task_url = d.url().await;

    // The city closes it.
    sign_in(&mut d, "yuncheng").await;
    d.go(task_url.trim_start_matches(&format!("http://{}", s.addr))).await;
    d.find("#task-decide").await;
    d.typ("#task-decide textarea[name=text]", "整改到位，办结").await;
    d.click("#task-close").await;
    d.wait_url("?done=close").await;
    d.wait_text("#task-state", "已办结").await;
    let ev = d.text("#task-events").await;
    assert!(ev.contains("开工报告（附件#21）") && ev.contains("办结"), "{ev}");
    d.go(&format!("/notices/{nid}")).await;
    let tasks = d.wait_text("#notice-tasks", "已办结").await;
    assert!(tasks.contains("已办结"), "{tasks}");
    assert!(d.text("#notice-facts").await.contains("逾期审批步骤"));
    d.shot("s03-notice-closed").await;
}
