//! Supervision over HTTP on the backend the environment chooses: a department refused (403 `wrong_unit`)
//! on another unit's step; a task issued through the API to a unit, overdue on the list, refused to
//! another unit (403 `not_assignee`), replied to and closed; a task outside the scope is 404; a notice
//! with a rectification task; the pages render.

use serde_json::{Value, json};

use crate::support;
use jiugai_store::projects::{self, NewProject};
use jiugai_store::users::{self, Role};
use jiugai_store::{org, regions::Regions};
use support::{Client, Resp, Server};

const DUTIES: &str =
    "序号,工作任务,责任单位\n1,项目立项审批,县发改局牵头，县财政局配合\n2,施工许可,县行政审批局牵头，县住建局配合\n";

async fn post_json(c: &mut Client, path: &str, v: &Value) -> Resp {
    let csrf = c.csrf().await;
    c.headers.push(("X-CSRF-Token".into(), csrf));
    let r = c.request("POST", path, Some("application/json"), v.to_string().as_bytes()).await;
    c.headers.pop();
    r
}

pub async fn setup_org(s: &Server) {
    let read =
        jiugai_sheet::org_sheet::read_org_bytes(DUTIES.as_bytes(), jiugai_sheet::Format::Csv, &Default::default())
            .unwrap();
    let r = org::import(&s.t.db, "140830", &read, None, ("附件2.csv", "00"), "芮城县", "t", "t").await.unwrap();
    assert!(r.committed);
}

pub async fn department(s: &Server, name: &str, unit: &str) -> Client {
    let c = s.signed_in(name, Role::Department, "140830").await;
    let u = users::by_name(&s.t.db, name).await.unwrap().unwrap();
    let unit = org::find_unit(&s.t.db, "140830", unit).await.unwrap();
    let regions = Regions::load(&s.t.db).await.unwrap();
    users::set_unit(&s.t.db, &regions, u.id, Some(unit.id), "t", "t").await.unwrap();
    c
}

#[tokio::test]
async fn units_steps_tasks_and_notices_over_http() {
    let s = Server::demo().await;
    setup_org(&s).await;
    let p = projects::create(
        &s.t.db,
        &NewProject { name: "体委住宅楼".into(), estate_ids: vec![3], plan_year: 2026, ..Default::default() },
        "t",
        "t",
    )
    .await
    .unwrap();
    let mut fgj = department(&s, "fgj", "县发改局").await;
    let mut czj = department(&s, "czj", "县财政局").await;
    // Another unit's step: 403 wrong_unit naming the unit that records it; its own step passes the guard.
    let r = post_json(
        &mut fgj,
        &format!("/api/v1/projects/{}/steps/construction_permit", p.id),
        &json!({"version": p.version, "done_on": "2026-01-10"}),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "wrong_unit");
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("县行政审批局"), "{}", r.text());
    let r = post_json(
        &mut fgj,
        &format!("/api/v1/projects/{}/steps/approval", p.id),
        &json!({"version": p.version, "done_on": "2026-01-10"}),
    )
    .await;
    assert_ne!(r.status, 403, "{}", r.text());

    // The county office issues a task to 县发改局, already past its deadline.
    let mut county = s.signed_in("ruicheng", Role::County, "140830").await;
    let unit = org::find_unit(&s.t.db, "140830", "县发改局").await.unwrap();
    let yesterday = jiugai_domain::Date::from_days(jiugai_store::clock::today().to_days() - 1).unwrap().to_string();
    let r = post_json(
        &mut county,
        "/api/v1/tasks",
        &json!({"assignee_unit": unit.id, "title": "立项进展督办", "body": "报送进展", "due_on": yesterday}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let mine = fgj.get("/api/v1/tasks?view=mine&overdue=1").await.json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine["items"][0]["overdue"], true);
    let page = fgj.get("/tasks?view=mine").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("立项进展督办") && page.text().contains("逾期"));
    // Both dashboards flag it: the issuing county's and the assignee unit's.
    for (who, c) in [("county", &mut county), ("unit", &mut fgj)] {
        let d = c.get("/").await;
        assert_eq!(d.status, 200, "{who}");
        let t = d.text();
        let panel = &t[t.find("id=\"dash-tasks\"").expect("the tasks panel")..];
        assert!(panel.contains("逾期未办结 1"), "{who}: {}", &panel[..panel.len().min(600)]);
    }
    assert!(fgj.get("/").await.text().contains("本单位逾期 1"));
    // Another unit may not reply; a department may not issue; another county does not see it.
    let r = post_json(&mut czj, &format!("/api/v1/tasks/{id}/reply"), &json!({"version": 1, "text": "x"})).await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (403, Some("not_assignee")));
    let r = post_json(&mut fgj, "/api/v1/tasks", &json!({"assignee_unit": unit.id, "title": "x", "due_on": yesterday}))
        .await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (403, Some("not_issuer")));
    let mut other = s.signed_in("other", Role::County, "140802").await;
    assert_eq!(other.get(&format!("/api/v1/tasks/{id}")).await.status, 404);
    assert_eq!(other.get(&format!("/tasks/{id}")).await.status, 404);
    // Reply through the page form, close through the API.
    let csrf = fgj.csrf().await;
    let r = fgj
        .post_form(
            &format!("/tasks/{id}"),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("action", "reply"),
                ("text", "已批复"),
                ("evidence", "芮发改〔2026〕8号"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = post_json(&mut county, &format!("/api/v1/tasks/{id}/close"), &json!({"version": 2, "text": "办结"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!((r.json()["state"].as_str(), r.json()["overdue"].as_bool()), (Some("closed"), Some(false)));
    let d = county.get(&format!("/api/v1/tasks/{id}")).await.json();
    assert_eq!(d["events"].as_array().unwrap().len(), 3);
    assert_eq!(d["events"][1]["evidence"], "芮发改〔2026〕8号");

    // The city issues a notice with a rectification deadline: a task for the county.
    let mut city = s.signed_in("yuncheng", Role::Admin, "1408").await;
    let r = post_json(
        &mut city,
        "/api/v1/notices",
        &json!({"kind": "criticism", "target_region": "140830", "period": "2026", "title": "进度滞后通报",
        "rectifications": [{"title": "限期开工", "due_on": jiugai_store::clock::today().to_string()}]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let n = r.json();
    assert_eq!(n["facts"]["region_code"], "140830");
    assert_eq!(n["tasks"][0]["assignee_region"], "140830");
    let nid = n["notice"]["id"].as_i64().unwrap();
    assert_eq!(county.get("/api/v1/notices").await.json()["items"].as_array().unwrap().len(), 1);
    assert_eq!(other.get(&format!("/notices/{nid}")).await.status, 404);
    let page = county.get(&format!("/notices/{nid}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("进度滞后通报") && page.text().contains("限期开工"));
    let o = county.get("/org").await;
    assert_eq!(o.status, 200);
    assert!(o.text().contains("县行政审批局"), "{}", o.text());
    // A contractor reads no supervision.
    let mut k = s.signed_in("builder", Role::Contractor, "").await;
    assert_eq!(k.get("/tasks").await.status, 403);
}
