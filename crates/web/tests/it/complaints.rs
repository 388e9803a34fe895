//! Complaints over HTTP, on the backend `JIUGAI_TEST_DATABASE_URL` names: a resident reports from the
//! notice page's link and tracks it, a street user in scope handles it, one outside gets 404, the
//! resident sees the new status and reply; the JSON API; the demo's overdue complaint on the dashboard.

use crate::support;

use jiugai_store::projects::{self, Facts, NewProject};
use jiugai_store::testing::execute;
use jiugai_store::users::Role;
use serde_json::{Value, json};
use support::{Client, Resp, Server, csrf_in};

const GUWEI: &str = "140830100"; // 古魏镇
const FENGLING: &str = "140830101"; // 风陵渡镇

/// A published project on estates 1 and 2, both in 古魏镇.
async fn published(s: &Server) -> i64 {
    let db = &s.t.db;
    execute(db, &format!("UPDATE estates SET street_code = '{GUWEI}' WHERE id IN (1, 2)")).await;
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
        hotline: Some("0359-1234567".into()),
        ..Default::default()
    };
    projects::update_facts(db, p.id, p.version, &f, "county", "test").await.unwrap();
    p.id
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).unwrap_or_else(|| panic!("{start} not in {html}")) + start.len();
    let j = html[i..].find(end).unwrap() + i;
    &html[i..j]
}

async fn post_json(c: &mut Client, path: &str, v: &Value) -> Resp {
    c.request("POST", path, Some("application/json"), v.to_string().as_bytes()).await
}

#[tokio::test]
async fn resident_reports_from_the_notice_street_handles_resident_tracks() {
    let s = Server::demo().await;
    let pid = published(&s).await;
    // The resident, with no account, opens the notice and follows its link.
    let mut resident = s.client();
    let notice = resident.get(&format!("/notice/{pid}")).await.text();
    let link = format!("/report?project={pid}");
    assert!(notice.contains(&format!("href=\"{link}\"")) && notice.contains("href=\"/track\""), "{notice}");
    let form = resident.get(&link).await;
    assert_eq!(form.status, 200);
    let t = form.text();
    assert!(t.contains("华泰北路片区改造") && t.contains("id=\"report-form\"") && t.contains("原卷烟厂小区"), "{t}");
    // Too short: the form again with the message, nothing recorded.
    let r = resident
        .post_form(
            "/report",
            &[
                ("project", &pid.to_string()),
                ("category", "disturbance"),
                ("body", "吵"),
                ("contact_phone", "13900000000"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("5 至 2000") && r.text().contains("13900000000"), "{}", r.text());
    let body = "夜里十一点还在用电镐破碎路面，吵得孩子没法睡觉";
    let r = resident
        .post_form(
            "/report",
            &[
                ("project", &pid.to_string()),
                ("estate", ""),
                ("category", "disturbance"),
                ("body", body),
                ("contact_name", "王女士"),
                ("contact_phone", "13900000000"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let receipt = r.text();
    let no = between(&receipt, "id=\"tracking-no\">", "<").to_string();
    assert!(no.starts_with("TS") && no.len() == 19, "{no}");
    assert!(receipt.contains(&format!("/track?no={no}")), "{receipt}");
    // Refreshing the receipt resubmits the form: not received twice, and the number is not repeated.
    let again = resident
        .post_form(
            "/report",
            &[
                ("project", &pid.to_string()),
                ("estate", ""),
                ("category", "disturbance"),
                ("body", body),
                ("contact_name", "王女士"),
                ("contact_phone", "13900000000"),
            ],
        )
        .await;
    assert_eq!(again.status, 422);
    assert!(again.text().contains("10 分钟内") && !again.text().contains(&no), "{}", again.text());
    // Tracking it: received.
    let tr = resident.get(&format!("/track?no={}", no.to_lowercase())).await;
    assert_eq!(tr.status, 200);
    assert!(tr.text().contains("已受理") && tr.text().contains("id=\"track-result\""), "{}", tr.text());
    // A wrong number, well-formed or not: the same page with a message, 404.
    let wrong = format!("{}22222222", &no[..11]);
    let a = resident.get(&format!("/track?no={wrong}")).await;
    let b = resident.get("/track?no=hello").await;
    assert_eq!((a.status, b.status), (404, 404));
    assert!(a.text().contains("没有查到这个受理编号") && !a.text().contains("track-result"));
    assert_eq!(a.text().replace(&wrong, "X"), b.text().replace("hello", "X"));
    // Routed to 古魏镇: the street user there sees and handles it.
    let cid = jiugai_store::complaints::list(&s.t.db, &Default::default(), projects::today()).await.unwrap()[0].id;
    let mut street = s.signed_in("guwei", Role::Street, GUWEI).await;
    let list = street.get("/complaints").await.text();
    assert!(list.contains(&no) && list.contains("古魏镇") && list.contains("还剩 15 天"), "{list}");
    assert!(street.get("/").await.text().contains("id=\"complaints-panel\""));
    let page = street.get(&format!("/complaints/{cid}")).await.text();
    assert!(page.contains(body) && page.contains("13900000000") && page.contains("id=\"complaint-form\""), "{page}");
    let csrf = csrf_in(&page);
    let r = street
        .post_form(
            &format!("/complaints/{cid}"),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("status", "processing"),
                ("reply", "已责令施工单位 22 点后停止破碎作业"),
            ],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, format!("/complaints/{cid}?saved=1").as_str()));
    // The same form again (version 1): someone else changed it meanwhile.
    let r = street
        .post_form(
            &format!("/complaints/{cid}"),
            &[("csrf", &csrf), ("version", "1"), ("status", "resolved"), ("reply", "已办结")],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.text().contains("已被他人修改"), "{}", r.text());
    // Another street, another county: 404, as for a complaint that does not exist; not in their lists.
    let mut other = s.signed_in("fengling", Role::Street, FENGLING).await;
    let r = other.get(&format!("/complaints/{cid}")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), other.get("/complaints/99999").await.text());
    assert!(!other.get("/complaints").await.text().contains(&no));
    let mut far = s.signed_in("changzhi", Role::County, "1404").await;
    assert_eq!(far.get(&format!("/api/v1/complaints/{cid}")).await.status, 404);
    assert_eq!(far.get("/api/v1/complaints").await.json()["total"], 0);
    // The county above sees it; the auditor reads but may not handle it.
    let mut county = s.signed_in("ruicheng", Role::County, "140830").await;
    assert_eq!(county.get("/api/v1/complaints").await.json()["total"], 1);
    let mut auditor = s.signed_in("audit", Role::Auditor, "140830").await;
    assert!(!auditor.get(&format!("/complaints/{cid}")).await.text().contains("complaint-form"));
    let csrf = auditor.csrf().await;
    assert_eq!(
        auditor
            .post_form(
                &format!("/complaints/{cid}"),
                &[("csrf", &csrf), ("version", "2"), ("status", "resolved"), ("reply", "x")]
            )
            .await
            .status,
        403
    );
    // The resident sees the new status and the reply, never who or the contact.
    let t = resident.get(&format!("/track?no={no}")).await.text();
    assert!(t.contains("办理中") && t.contains("已责令施工单位 22 点后停止破碎作业"), "{t}");
    for secret in ["guwei", "web:", "13900000000", "王女士"] {
        assert!(!t.contains(secret), "{secret}");
    }
    // Audited with the client address.
    let log = jiugai_store::audit::list(&s.t.db, Some(("complaint", &cid.to_string())), 10).await.unwrap();
    assert_eq!(
        (log[0].action.as_str(), log[0].actor.as_str(), log[0].origin.as_str()),
        ("complaint.update", "web:guwei", "127.0.0.1")
    );
}

#[tokio::test]
async fn json_api_public_submit_and_track_staff_list() {
    let s = Server::demo().await;
    let pid = published(&s).await;
    let mut anon = s.client();
    let r = post_json(
        &mut anon,
        "/api/v1/complaints",
        &json!({"project_id": pid, "estate_id": 2, "category": "quality", "body": "新换的单元门一周就关不上了"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    let no = v["tracking_no"].as_str().unwrap().to_string();
    assert_eq!(r.header("location"), Some(format!("/api/v1/complaints/track/{no}").as_str()));
    assert_eq!(v["status"], "received");
    let tr = anon.get(&format!("/api/v1/complaints/track/{no}")).await;
    assert_eq!(tr.status, 200);
    let tr = tr.json();
    assert_eq!(
        (tr["status"].as_str(), tr["status_label"].as_str(), tr["project_name"].as_str()),
        (Some("received"), Some("已受理"), Some("华泰北路片区改造"))
    );
    assert!(tr.get("region_code").is_none() && tr.get("contact_phone").is_none(), "{tr}");
    let missing = anon.get(&format!("/api/v1/complaints/track/{}33333333", &no[..11])).await;
    let garbage = anon.get("/api/v1/complaints/track/x").await;
    assert_eq!((missing.status, garbage.status), (404, 404));
    assert_eq!(missing.json(), garbage.json());
    // Refusals name the field.
    let r = post_json(
        &mut anon,
        "/api/v1/complaints",
        &json!({"project_id": 99999, "category": "quality", "body": "门坏了好几天了"}),
    )
    .await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (422, Some("project_id")));
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("99999"));
    let r =
        post_json(&mut anon, "/api/v1/complaints", &json!({"project_id": pid, "category": "quality", "body": 5})).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (422, Some("body")));
    let big = "门".repeat(40_000);
    let r = post_json(&mut anon, "/api/v1/complaints", &json!({"project_id": pid, "category": "quality", "body": big}))
        .await;
    assert_eq!(r.status, 413, "the body limit");
    // Staff: the list (routed to 古魏镇 as estate 2 lies there), the detail with its history.
    let mut street = s.signed_in("guwei", Role::Street, GUWEI).await;
    let l = street.get("/api/v1/complaints?status=open").await.json();
    assert_eq!(l["total"], 1, "{l}");
    let item = &l["items"][0];
    assert_eq!(
        (item["region_code"].as_str(), item["days_left"].as_i64(), item["overdue"].as_bool()),
        (Some(GUWEI), Some(15), Some(false))
    );
    let id = item["id"].as_i64().unwrap();
    let d = street.get(&format!("/api/v1/complaints/{id}")).await.json();
    assert_eq!(d["events"][0]["actor"], "resident");
    assert_eq!(street.get("/api/v1/complaints?status=resolved").await.json()["total"], 0);
    assert_eq!(street.get("/api/v1/complaints?status=nonsense").await.status, 422);
    // Contractors and departments do not read complaints.
    let mut dept = s.signed_in("finance", Role::Department, "140830").await;
    assert_eq!(dept.get("/api/v1/complaints").await.status, 403);
    assert_eq!(dept.get(&format!("/api/v1/complaints/{id}")).await.status, 403);
}

#[tokio::test]
async fn a_project_without_a_published_notice_is_not_reported_on() {
    let s = Server::demo().await;
    let p = projects::create(
        &s.t.db,
        &NewProject {
            name: "内部项目".into(),
            estate_ids: vec![5],
            plan_year: 2026,
            investment_fen: 1,
            ..Default::default()
        },
        "county",
        "test",
    )
    .await
    .unwrap();
    let mut anon = s.client();
    let t = anon.get(&format!("/report?project={}", p.id)).await.text();
    assert!(t.contains("id=\"report-missing\"") && !t.contains("内部项目") && !t.contains("report-form"), "{t}");
    assert_eq!(t, anon.get("/report?project=99999").await.text().replace("99999", &p.id.to_string()));
    let r = anon
        .post_form(
            "/report",
            &[("project", &p.id.to_string()), ("category", "other"), ("body", "这个项目什么时候开工")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("已公示") && !r.text().contains("内部项目"), "{}", r.text());
    // An estate is named only when it is in a published project.
    assert!(anon.get("/report?estate=5").await.text().contains("report-missing"));
}

#[tokio::test]
async fn demo_complaints_one_overdue_on_the_dashboard_and_the_list() {
    let s = Server::demo().await;
    jiugai_web::demo::load_projects(&s.t.db, &s.state.regions, &s.state.profiles()).await.unwrap();
    assert_eq!(jiugai_web::demo::load_complaints(&s.t.db, &s.state.regions, &s.state.profiles()).await.unwrap(), 3);
    assert_eq!(
        jiugai_web::demo::load_complaints(&s.t.db, &s.state.regions, &s.state.profiles()).await.unwrap(),
        0,
        "loading twice adds nothing"
    );
    let mut c = s.signed_in("county", Role::County, "140830").await;
    let dash = c.get("/").await.text();
    let panel = between(&dash, "id=\"complaints-panel\"", "</section>");
    assert!(panel.contains("href=\"/complaints?overdue=1\"") && panel.contains("stat late"), "{panel}");
    assert_eq!(between(panel, "id=\"dash-complaints-open\"", "</a>").rsplit("<b>").next().unwrap(), "2</b>");
    let late = c.get("/complaints?overdue=1").await.text();
    assert!(late.contains("tag overdue") && late.contains("逾期 15 天") && late.contains("施工安全"), "{late}");
    assert_eq!(late.matches("id=\"complaint-").count(), 1);
    assert!(c.get("/complaints?status=resolved").await.text().contains("已办结"));
    // The notice of the demo project is published, with its complaint link.
    let pid = projects::list(&s.t.db, &s.state.regions, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.name == "原卷烟厂小区综合改造")
        .unwrap()
        .id;
    assert!(s.client().get(&format!("/notice/{pid}")).await.text().contains(&format!("/report?project={pid}")));
}
