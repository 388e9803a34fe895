//! Consultations in a real headless Chromium (`JIUGAI_E2E=1`): the street office prints the slips; a
//! resident answers on a phone by the slip's code, confirming first (and cannot use it twice); staff
//! cannot overwrite that vote; two clerks enter a paper form blind
//! form that they read differently, a third resolves it from the scan; the office closes and the result
//! is locked. Screenshots in `target/e2e-screenshots/`.

use crate::support;
use crate::support::browser;

use browser::{Driver, start_driver};
use jiugai_store::projects::{self, Facts, NewProject};
use jiugai_store::residents::consultations::{self as cons, NewConsultation};
use jiugai_store::residents::households::{self, NewHousehold};
use jiugai_store::users::Role;
use support::{PASSWORD, Server};

async fn sign_in(d: &mut Driver, name: &str) {
    d.cmd("DELETE", "/cookie", serde_json::json!({})).await;
    d.go("/login").await;
    d.typ("input[name=name]", name).await;
    d.typ("input[name=password]", PASSWORD).await;
    d.click("button[type=submit]").await;
    d.find("header.top").await;
}

#[tokio::test]
async fn a_resident_votes_on_a_phone_and_clerks_enter_paper_forms() {
    if !browser::enabled() {
        return;
    }
    let s = Server::demo().await;
    let db = &s.t.db;
    let rows: Vec<NewHousehold> = (0..16)
        .map(|i| NewHousehold {
            building: "1".into(),
            unit: format!("{}", i / 8 + 1),
            room: format!("{}", 101 + (i % 8) * 100 / 2),
            area_dm2: 6500 + i * 100,
            owner_name: format!("业主{i}"),
            owner_phone: "13900000000".into(),
            ..Default::default()
        })
        .collect();
    households::insert_all(db, 1, &rows, "test", "test").await.unwrap();
    let hh = households::list(db, 1).await.unwrap();
    let p = projects::create(
        db,
        &NewProject {
            name: "原卷烟厂小区改造".into(),
            estate_ids: vec![1],
            plan_year: 2026,
            investment_fen: 286_000_000,
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
    let c = cons::create(
        db,
        &NewConsultation {
            estate_id: 1,
            project_id: Some(p.id),
            kind: jiugai_store::residents::consultations::Kind::Consent,
            title: "原卷烟厂小区改造意愿征询".into(),
            question: "本小区拟实施屋面防水、外墙保温、管网改造和加装电梯。您是否同意纳入改造计划？".into(),
            opens_at: "2026-01-01 08:00".into(),
            closes_at: "2099-12-31 18:00".into(),
            ..Default::default()
        },
        "street",
        "test",
    )
    .await
    .unwrap();
    for name in ["jiedao", "clerk2"] {
        s.user(name, Role::Street, "140830").await;
    }
    s.user("county", Role::County, "140830").await;
    let mut d = start_driver(format!("http://{}", s.addr)).await;
    d.size(1280, 900).await;

    // The street office issues the codes and prints the slips of building 1.
    sign_in(&mut d, "jiedao").await;
    d.go(&format!("/estates/1/consultations/{}", c.id)).await;
    d.click("#issue-codes").await;
    d.wait_text("#codes-issued", "16").await;
    d.shot("r01-consultation-staff").await;
    d.go(&format!("/estates/1/consultations/{}/slips?building=1", c.id)).await;
    d.find("#slips .slip svg").await;
    let n = d.script("return document.querySelectorAll('#slips .slip').length").await;
    assert_eq!(n.as_i64(), Some(16));
    d.shot("r02-slips-a4").await;
    let url =
        d.script("return document.querySelector('#slips .slip-qr').dataset.url").await.as_str().unwrap().to_string();
    let path = url.split_once("/v/").map(|(_, code)| format!("/v/{code}")).unwrap();

    // A resident scans the code on a phone: no account; the question, the notice, three buttons.
    d.cmd("DELETE", "/cookie", serde_json::json!({})).await;
    d.size(390, 844).await;
    d.go(&path).await;
    assert!(d.text("#vote-question").await.contains("加装电梯"));
    assert!(d.text("#vote-notice").await.contains("原卷烟厂小区改造"));
    d.shot("r03-vote-phone").await;
    d.click("#vote-yes").await;
    // A confirmation step first: the choice, and whether it can still be changed; nothing cast yet.
    d.wait_text("#vote-confirm-choice", "同意").await;
    assert!(d.text("#vote-change-rule").await.contains("截止前可以修改"));
    d.shot("r03b-vote-confirm-phone").await;
    d.click("#vote-confirm-submit").await;
    d.wait_text("#vote-done", "同意").await;
    d.shot("r04-voted-phone").await;
    // The same code again: refused, saying when it was used but not how the household voted.
    d.go(&path).await;
    let used = d.text("#vote-used").await;
    assert!(used.contains("已于") && used.contains("北京时间") && !used.contains("同意"), "{used}");
    assert_eq!(d.script("return document.querySelectorAll('#vote-form').length").await.as_i64(), Some(0));
    d.go("/v/AAAA-BBBB-CCCC").await;
    assert!(d.text("#vote-error").await.contains("表决码无效"));
    d.shot("r05-wrong-code-phone").await;

    // Staff cannot overwrite the resident's own vote: assisted entry over it is refused, naming the channel.
    d.size(1280, 900).await;
    sign_in(&mut d, "jiedao").await;
    d.go(&format!("/estates/1/consultations/{}", c.id)).await;
    d.script(&format!("document.querySelector('#assisted-household').value = '{}'", hh[0].id)).await;
    d.click("#assisted-form input[name=choice][value=no]").await;
    d.click("#assisted-confirm").await;
    d.click("#assisted-submit").await;
    let refusal = d.wait_text("#assisted .msg.error", "不能覆盖").await;
    assert!(refusal.contains("扫码") && refusal.contains("住户本人"), "{refusal}");
    assert!(d.text("#count-no").await.contains('0'), "nothing was overwritten");
    d.script("document.querySelector('#assisted').scrollIntoView()").await;
    d.shot("r05b-override-refused").await;

    // Paper: clerk 1 enters a form with its scan, clerk 2 reads it differently, the county resolves it.
    let scan = std::env::temp_dir().join(format!("jiugai-e2e-scan-{}.jpg", std::process::id()));
    std::fs::write(&scan, b"\xff\xd8\xff\xe0\x00\x10JFIF scan of a paper ballot").unwrap();
    let target = hh[3].id.to_string();
    d.size(1280, 900).await;
    sign_in(&mut d, "jiedao").await;
    d.go(&format!("/estates/1/consultations/{}", c.id)).await;
    d.script(&format!("document.querySelector('#paper-household').value = '{target}'")).await;
    d.click("#paper-choice-yes").await;
    d.typ("#paper-scan", scan.to_str().unwrap()).await;
    d.click("#paper-submit").await;
    d.wait_text("#flash", "第一次录入已保存").await;
    sign_in(&mut d, "clerk2").await;
    d.go(&format!("/estates/1/consultations/{}", c.id)).await;
    // Blind double entry: the second clerk does not see what the first one read.
    let pending = d.text("#paper-list .paper-pending").await;
    assert!(pending.contains("第二次录入前不显示") && !pending.contains("同意"), "{pending}");
    d.script("document.querySelector('#paper-list').scrollIntoView()").await;
    d.shot("r05c-paper-blind").await;
    d.script(&format!("document.querySelector('#paper-household').value = '{target}'")).await;
    d.click("#paper-choice-no").await;
    d.click("#paper-submit").await;
    d.wait_text("#flash", "不一致").await;
    assert!(d.text("#count-participating").await.contains('1'), "the disputed form is not counted");
    d.shot("r06-paper-disputed").await;
    sign_in(&mut d, "county").await;
    d.go(&format!("/estates/1/consultations/{}", c.id)).await;
    d.find("#paper-list .resolve-form").await;
    d.script("document.querySelector('#paper-list .resolve-form select').value = 'yes'").await;
    d.click("#paper-list .resolve-form button").await;
    d.wait_text("#flash", "已核对").await;
    let counts = d.text("#count-yes").await;
    assert!(counts.contains('2'), "{counts}");

    // The county closes it: locked, signed, verified; the printable sheet names the clause.
    d.typ("#close-reason-input", "全部表决票已录入，街道办会议决定提前结束").await;
    d.click("#close-confirm").await;
    d.click("#close-submit").await;
    d.wait_text("#flash", "结果已封存").await;
    d.find("#verified").await;
    assert!(d.text("#close-reason").await.contains("提前结束"));
    assert!(d.text("#outcome").await.contains("未通过"), "2 of 16 households do not reach 80%");
    d.shot("r07-closed").await;
    d.go(&format!("/estates/1/consultations/{}/result", c.id)).await;
    assert!(d.text("#result-checks").await.contains("001"));
    d.shot("r08-result-sheet").await;
    let _ = std::fs::remove_file(&scan);
    let _ = d.cmd("DELETE", "", serde_json::json!({})).await;
}
