//! Complaints in a real headless Chromium (`JIUGAI_E2E=1`), on a phone: a resident opens the notice,
//! follows its link, reports a problem, keeps the tracking number and checks it; the street office
//! replies; the resident reads the reply. Screenshots in `target/e2e-screenshots/`.

use crate::support;
use crate::support::browser;

use browser::start_driver;
use jiugai_store::projects::{self, Facts, NewProject};
use jiugai_store::testing::execute;
use jiugai_store::users::Role;
use support::{PASSWORD, Server};

#[tokio::test]
async fn a_resident_reports_on_a_phone_and_the_street_replies() {
    if !browser::enabled() {
        return;
    }
    let s = Server::demo().await;
    let db = &s.t.db;
    execute(db, "UPDATE estates SET street_code = '140830100' WHERE id IN (1, 2)").await;
    let p = projects::create(
        db,
        &NewProject {
            name: "华泰北路片区改造".into(),
            estate_ids: vec![1, 2],
            plan_year: 2026,
            investment_fen: 100_000,
            ..Default::default()
        },
        "county",
        "test",
    )
    .await
    .unwrap();
    let f = Facts {
        notice_from: Some(Some("2026-01-05".into())),
        hotline: Some("0359-3022123".into()),
        ..Default::default()
    };
    projects::update_facts(db, p.id, p.version, &f, "county", "test").await.unwrap();
    s.user("guwei", Role::Street, "140830100").await;
    let mut d = start_driver(format!("http://{}", s.addr)).await;
    d.size(390, 844).await;

    // From the notice to the form.
    d.go(&format!("/notice/{}", p.id)).await;
    d.click("#notice-complaints a.button").await;
    assert!(d.text("#report-project").await.contains("华泰北路片区改造"));
    d.script("document.querySelector('select[name=category]').value = 'disturbance'").await;
    d.typ("textarea[name=body]", "3 号楼旁夜里十一点还在切割管材，吵得孩子没法睡觉").await;
    d.typ("input[name=contact_phone]", "13900000000").await;
    d.shot("c01-report-phone").await;
    d.click("#report-submit").await;
    let no = d.wait_text("#tracking-no", "TS").await.trim().to_string();
    assert!(no.len() == 19, "{no}");
    d.shot("c02-receipt-phone").await;
    d.click("#track-link").await;
    d.wait_text("#track-status", "已受理").await;
    d.shot("c03-track-phone").await;

    // The street office replies.
    d.size(1280, 900).await;
    d.go("/login").await;
    d.typ("input[name=name]", "guwei").await;
    d.typ("input[name=password]", PASSWORD).await;
    d.click("button[type=submit]").await;
    d.find("#complaints-panel").await;
    d.click("#dash-complaints-open").await;
    let list = d.wait_text("#complaints", &no).await;
    assert!(list.contains("还剩 15 天"), "{list}");
    d.click("#complaints tbody a").await;
    d.find("#complaint-form").await;
    d.typ("textarea[name=reply]", "已责令施工单位 22 点后停止切割作业").await;
    d.click("#complaint-form button").await;
    d.wait_text("#complaint-saved", "已保存").await;
    assert!(d.text("#complaint-status").await.contains("办理中"));
    d.shot("c04-staff-complaint").await;

    // The resident reads the reply on the phone.
    d.size(390, 844).await;
    d.go(&format!("/track?no={no}")).await;
    d.wait_text("#track-status", "办理中").await;
    let history = d.text("#track-history").await;
    assert!(history.contains("已责令施工单位") && !history.contains("guwei"), "{history}");
    d.shot("c05-reply-phone").await;
    let _ = d.cmd("DELETE", "", serde_json::json!({})).await;
}
